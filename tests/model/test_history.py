"""Undo and redo, the saved flag, and random edit sequences undone back to the start."""

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.model.edit_support import EMPTY, assert_valid, song_of
from tests.strategies import cells, songs
from tracker.model import Block, Cell, EditError, History, Song, SynthInstrument, edit


def start() -> Song:
    return song_of([f"{EMPTY} | {EMPTY}"] * 4)


def test_a_new_history_has_nothing_to_undo_or_redo() -> None:
    history = History(start())
    assert (history.can_undo, history.can_redo) == (False, False)
    assert (history.undo_label, history.redo_label) == (None, None)
    assert history.undo() is None
    assert history.redo() is None
    assert history.saved


def test_undo_and_redo_one_edit() -> None:
    song = start()
    history = History(song)
    after = edit.set_cell(song, 0, 1, 0, Cell(note=48))
    history.apply(after, "Enter note", where=(1, 0))
    assert history.song is after
    assert (history.can_undo, history.undo_label, history.can_redo) == (True, "Enter note", False)

    step = history.undo()
    assert step is not None
    assert (step.song, step.label, step.where) == (song, "Enter note", (1, 0))
    assert history.song is song
    assert (history.can_undo, history.can_redo, history.redo_label) == (False, True, "Enter note")

    step = history.redo()
    assert step is not None
    assert (step.label, step.where) == ("Enter note", (1, 0))
    assert step.song is after
    assert history.song is after
    assert (history.can_undo, history.can_redo) == (True, False)


def test_undo_steps_come_back_in_reverse_order() -> None:
    history = History(start())
    songs_seen = [history.song]
    for row in range(3):
        history.apply(edit.insert_row(history.song, 0, row), f"Insert row {row}", where=row)
        songs_seen.append(history.song)
    labels = []
    while (step := history.undo()) is not None:
        labels.append((step.label, step.where))
        assert history.song is songs_seen[-len(labels) - 1]
    assert labels == [("Insert row 2", 2), ("Insert row 1", 1), ("Insert row 0", 0)]
    assert history.redo_label == "Insert row 0"


def test_apply_of_the_current_song_does_nothing() -> None:
    song = start()
    history = History(song)
    history.apply(edit.clear(song, Block(0, 0, 0, 0, 0, 0, 0)), "Clear")  # nothing to clear
    assert not history.can_undo


def test_a_new_edit_clears_redo() -> None:
    history = History(start())
    history.apply(edit.insert_row(history.song, 0, 0), "Insert row")
    history.undo()
    assert history.can_redo
    history.apply(edit.delete_row(history.song, 0, 0), "Delete row")
    assert not history.can_redo
    assert history.redo() is None
    assert history.undo_label == "Delete row"


def test_more_than_a_thousand_steps_are_kept() -> None:
    song = start()
    history = History(song)
    for tempo in [*range(32, 256), *range(32, 256)] * 3:  # 1344 steps
        history.apply(edit.update_song(history.song, title=str(tempo)), "Title")
    undone = 0
    while history.undo() is not None:
        undone += 1
    assert undone == 1344
    assert history.song is song


def test_the_oldest_steps_are_dropped_past_the_limit() -> None:
    history = History(start(), limit=3)
    titles = [str(n) for n in range(5)]
    for title in titles:
        history.apply(edit.update_song(history.song, title=title), f"Title {title}")
    while history.undo() is not None:
        pass
    assert history.song.title == "1"
    while history.redo() is not None:
        pass
    assert history.song.title == "4"


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        History(start(), limit=0)


def test_saved_flag_round_trip() -> None:
    history = History(start())
    assert history.saved
    history.apply(edit.insert_row(history.song, 0, 0), "Insert row")
    assert not history.saved
    history.mark_saved()
    assert history.saved
    history.apply(edit.delete_row(history.song, 0, 0), "Delete row")
    assert not history.saved
    history.undo()
    assert history.saved  # back at the saved song
    history.undo()
    assert not history.saved
    history.redo()
    assert history.saved


def test_reset_clears_history_and_counts_as_saved() -> None:
    history = History(start())
    history.apply(edit.insert_row(history.song, 0, 0), "Insert row")
    history.undo()
    other = song_of([EMPTY], columns=(1,))
    history.reset(other)
    assert history.song is other
    assert (history.can_undo, history.can_redo, history.saved) == (False, False, True)


# --- random edit sequences -------------------------------------------------------------------

Edit = Callable[[st.DataObject, Song], Song]


def index(data: st.DataObject, count: int) -> int:
    """An index into ``count`` things; one time in five one past either end, so that bad
    input is tried too."""
    if count == 0 or data.draw(st.integers(0, 4)) == 0:
        return data.draw(st.sampled_from([-1, count]))
    return data.draw(st.integers(0, count - 1))


def block(data: st.DataObject, song: Song) -> Block:
    pattern = data.draw(st.integers(0, len(song.patterns) - 1))
    rows, tracks = len(song.patterns[pattern].rows) - 1, len(song.tracks) - 1
    corner = st.tuples(st.integers(0, rows), st.integers(0, tracks), st.integers(0, 6))
    (row_a, track_a, column_a), (row_b, track_b, column_b) = data.draw(corner), data.draw(corner)
    return Block.between(pattern, row_a, track_a, column_a, row_b, track_b, column_b)


def set_cell(data: st.DataObject, song: Song) -> Song:
    track = data.draw(st.integers(0, len(song.tracks) - 1))
    cell = data.draw(cells(song.tracks[track].effect_columns, len(song.instruments)))
    pattern = data.draw(st.integers(0, len(song.patterns) - 1))
    row = data.draw(st.integers(0, len(song.patterns[pattern].rows) - 1))
    return edit.set_cell(song, pattern, row, track, cell)


def rows(data: st.DataObject, song: Song) -> Song:
    operation = data.draw(st.sampled_from([edit.insert_row, edit.delete_row]))
    pattern = index(data, len(song.patterns))
    row = index(data, len(song.patterns[pattern].rows)) if 0 <= pattern < len(song.patterns) else 0
    track = data.draw(st.none()) if data.draw(st.booleans()) else index(data, len(song.tracks))
    return operation(song, pattern, row, track)


def block_edit(data: st.DataObject, song: Song) -> Song:
    operation = data.draw(st.sampled_from([edit.clear, edit.interpolate, edit.expand, edit.shrink]))
    return operation(song, block(data, song))


def cut_and_paste(data: st.DataObject, song: Song) -> Song:
    if data.draw(st.booleans()):
        song, clip = edit.cut(song, block(data, song))
    else:
        clip = edit.copy(song, block(data, song))
    pattern = data.draw(st.integers(0, len(song.patterns) - 1))
    row = index(data, len(song.patterns[pattern].rows))
    track = index(data, len(song.tracks))
    return edit.paste(song, pattern, row, track, clip, mix=data.draw(st.booleans()))


def transpose(data: st.DataObject, song: Song) -> Song:
    return edit.transpose(song, block(data, song), data.draw(st.integers(-30, 30)))


def set_instrument(data: st.DataObject, song: Song) -> Song:
    number = data.draw(st.one_of(st.none(), st.integers(0, len(song.instruments) + 1)))
    return edit.set_instrument(song, block(data, song), number)


def order(data: st.DataObject, song: Song) -> Song:
    position, pattern = index(data, len(song.order)), index(data, len(song.patterns))
    kind = data.draw(st.sampled_from(["insert", "delete", "duplicate", "move", "set"]))
    if kind == "insert":
        return edit.insert_order(song, position, pattern)
    if kind == "delete":
        return edit.delete_order(song, position)
    if kind == "duplicate":
        return edit.duplicate_order(song, position)
    if kind == "move":
        return edit.move_order(song, position, data.draw(st.integers(-3, 3)))
    return edit.set_order(song, position, pattern)


def patterns(data: st.DataObject, song: Song) -> Song:
    kind = data.draw(st.sampled_from(["new", "clone", "unused", "length"]))
    if kind == "new":
        return edit.new_pattern(song, data.draw(st.integers(0, 9)))[0]
    if kind == "clone":
        return edit.clone_pattern(song, index(data, len(song.patterns)))[0]
    if kind == "unused":
        return edit.delete_unused_patterns(song)
    return edit.set_pattern_length(
        song, index(data, len(song.patterns)), data.draw(st.integers(0, 9))
    )


def instruments(data: st.DataObject, song: Song) -> Song:
    number = index(data, len(song.instruments)) + 1
    kind = data.draw(st.sampled_from(["add", "replace", "clone", "delete", "rename"]))
    if kind == "add":
        return edit.add_instrument(song, SynthInstrument(name="new"))[0]
    if kind == "replace":
        return edit.replace_instrument(song, number, SynthInstrument(name="other"))
    if kind == "clone":
        return edit.clone_instrument(song, number)[0]
    if kind == "delete":
        return edit.delete_instrument(song, number)
    return edit.rename_instrument(song, number, data.draw(st.text(max_size=4)))


def tracks(data: st.DataObject, song: Song) -> Song:
    track = index(data, len(song.tracks))
    kind = data.draw(st.sampled_from(["columns", "mute", "add", "delete", "song"]))
    if kind == "columns":
        return edit.update_track(song, track, effect_columns=data.draw(st.integers(0, 5)))
    if kind == "mute":
        return edit.update_track(song, track, mute=data.draw(st.booleans()))
    if kind == "add":
        return edit.add_track(song, track)
    if kind == "delete":
        return edit.delete_track(song, track)
    return edit.update_song(
        song, tempo_bpm=data.draw(st.integers(30, 256)), restart_order=index(data, len(song.order))
    )


EDITS: list[Edit] = [
    set_cell,
    rows,
    block_edit,
    cut_and_paste,
    transpose,
    set_instrument,
    order,
    patterns,
    instruments,
    tracks,
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_edits_keep_songs_valid_and_undo_back_to_the_start(data: st.DataObject) -> None:
    original = data.draw(songs())
    start_dump = original.model_dump()
    history = History(original)
    for _ in range(data.draw(st.integers(1, 15))):
        song = history.song
        before = song.model_dump()
        operation = data.draw(st.sampled_from(EDITS))
        try:
            result = operation(data, song)
        except EditError:
            assert song.model_dump() == before
            continue
        assert song.model_dump() == before
        assert_valid(result)
        history.apply(result, operation.__name__)
    last = history.song
    while history.undo() is not None:
        pass
    assert history.song is original
    assert original.model_dump() == start_dump
    assert history.saved
    while history.redo() is not None:
        pass
    assert history.song is last
