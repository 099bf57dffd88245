"""Three-way song merges (tracker.model.merge): which units merge, which conflict, and why."""

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.model.edit_support import EMPTY, assert_valid, grid, song_of
from tests.strategies import cells, songs
from tracker.model import Cell, EditError, Song, SynthInstrument, edit
from tracker.model.merge import MergeResult, describe_parts, merge_songs

ROW = f"{EMPTY} | {EMPTY}"
C4 = Cell(note=48, instrument=1, volume=32)  # "C-4 01 20 ..."
D4 = Cell(note=50, instrument=2)  # "D-4 02 .. ..."


def song() -> Song:
    """Two tracks, two instruments, two empty four-row patterns played in turn."""
    return song_of([ROW] * 4, [ROW] * 4, order=[0, 1])


def merged(result: MergeResult) -> Song:
    assert result.conflicts == ()
    assert result.song is not None
    assert_valid(result.song)
    return result.song


def test_nothing_changed_merges_to_the_local_song() -> None:
    local = song()
    result = merge_songs(song(), local, song())
    assert result == MergeResult(local, (), (), ())


def test_only_local_changed_takes_the_local_song() -> None:
    base = song()
    local = edit.set_cell(base, 0, 1, 0, C4)
    result = merge_songs(base, local, song())
    assert merged(result) is local
    assert (result.local_changes, result.remote_changes) == (("patterns[0]",), ())


def test_only_remote_changed_takes_the_remote_song() -> None:
    base = song()
    remote = edit.update_song(base, tempo_bpm=140)
    result = merge_songs(base, song(), remote)
    assert merged(result) is remote
    assert (result.local_changes, result.remote_changes) == ((), ("tempo_bpm",))


def test_edits_to_different_patterns_both_survive() -> None:
    base = song()
    local = edit.set_cell(base, 0, 1, 0, C4)
    remote = edit.set_cell(base, 1, 2, 1, D4)
    result = merge_songs(base, local, remote)
    result_song = merged(result)
    assert grid(result_song, 0) == [ROW, f"C-4 01 20 ... | {EMPTY}", ROW, ROW]
    assert grid(result_song, 1) == [ROW, ROW, f"{EMPTY} | D-4 02 .. ...", ROW]
    assert (result.local_changes, result.remote_changes) == (("patterns[0]",), ("patterns[1]",))


def test_same_cell_changed_differently_is_a_conflict() -> None:
    base = song()
    result = merge_songs(base, edit.set_cell(base, 0, 1, 0, C4), edit.set_cell(base, 0, 1, 0, D4))
    assert result == MergeResult(None, ("patterns[0]",), ("patterns[0]",), ("patterns[0]",))


def test_different_cells_of_one_pattern_conflict() -> None:
    # A pattern is one unit: merging inside it could join two halves of different phrases.
    base = song()
    result = merge_songs(base, edit.set_cell(base, 0, 0, 0, C4), edit.set_cell(base, 0, 3, 1, D4))
    assert (result.song, result.conflicts) == (None, ("patterns[0]",))


def test_the_same_change_on_both_sides_merges() -> None:
    base = song()
    local = edit.update_song(edit.set_cell(base, 0, 1, 0, C4), tempo_bpm=90)
    remote = edit.update_song(edit.set_cell(base, 0, 1, 0, C4), tempo_bpm=90)
    result = merge_songs(base, local, remote)
    assert merged(result).model_dump() == local.model_dump()
    assert result.local_changes == result.remote_changes == ("tempo_bpm", "patterns[0]")


def test_settings_changed_on_each_side_merge() -> None:
    base = song()
    result_song = merged(
        merge_songs(
            base, edit.update_song(base, tempo_bpm=140), edit.update_song(base, title="Tune")
        )
    )
    assert (result_song.tempo_bpm, result_song.title) == (140, "Tune")


def test_one_setting_changed_differently_conflicts() -> None:
    base = song()
    local = edit.update_song(base, tempo_bpm=140, title="Tune")
    result = merge_songs(base, local, edit.update_song(base, tempo_bpm=150))
    assert (result.song, result.conflicts) == (None, ("tempo_bpm",))
    assert result.local_changes == ("title", "tempo_bpm")


def test_floats_are_compared_exactly() -> None:
    base = song()
    local = edit.update_song(base, master_volume=0.3)
    remote = edit.update_song(base, master_volume=0.1 + 0.2)  # 0.30000000000000004
    assert merge_songs(base, local, remote).conflicts == ("master_volume",)


def test_a_pattern_appended_on_one_side_merges() -> None:
    base = song()
    local, new = edit.new_pattern(base, 8)
    local = edit.set_cell(edit.insert_order(local, 2, new), new, 7, 1, D4)
    remote = edit.set_cell(edit.update_song(base, tempo_bpm=99), 0, 0, 0, C4)
    result = merge_songs(base, local, remote)
    result_song = merged(result)
    assert (new, result_song.order, result_song.tempo_bpm) == (2, [0, 1, 2], 99)
    assert grid(result_song, 2)[7] == f"{EMPTY} | D-4 02 .. ..."
    assert grid(result_song, 0)[0] == f"C-4 01 20 ... | {EMPTY}"
    assert result.local_changes == ("patterns[2]", "order")


def test_patterns_appended_on_both_sides_with_different_content_conflict() -> None:
    base = song()
    local = edit.new_pattern(base, 8)[0]
    remote = edit.set_cell(edit.new_pattern(base, 8)[0], 2, 0, 0, C4)
    result = merge_songs(base, local, remote)
    assert (result.song, result.conflicts) == (None, ("patterns[2]",))


def test_a_pattern_deleted_on_one_side_merges_with_edits_elsewhere() -> None:
    base = song_of([ROW] * 4, [ROW] * 4, order=[0])
    local = edit.delete_unused_patterns(base)
    remote = edit.set_cell(base, 0, 2, 0, C4)
    result_song = merged(merge_songs(base, local, remote))
    assert len(result_song.patterns) == 1
    assert grid(result_song, 0)[2] == f"C-4 01 20 ... | {EMPTY}"


def test_a_pattern_deleted_on_one_side_and_edited_on_the_other_conflicts() -> None:
    base = song_of([ROW] * 4, [ROW] * 4, order=[0])
    local = edit.delete_unused_patterns(base)
    result = merge_songs(base, local, edit.set_cell(base, 1, 0, 0, C4))
    assert (result.song, result.conflicts) == (None, ("patterns[1]",))


def test_a_deleted_pattern_before_one_appended_is_a_hole() -> None:
    # The appended pattern would move from index 2 to 1, so its index is nobody's.
    base = song_of([ROW] * 4, [ROW] * 4, order=[0])
    local = edit.delete_unused_patterns(base)
    remote = edit.new_pattern(base, 4)[0]
    result = merge_songs(base, local, remote)
    assert (result.song, result.conflicts) == (None, ("patterns[1]",))


def test_a_deleted_instrument_before_a_conflicted_one_is_a_hole_both_ways() -> None:
    # Found by the property tests: the hole was seen only when the edit was the local side.
    base = song()
    edited = edit.replace_instrument(base, 2, SynthInstrument(name="new"))
    deleted = edit.delete_instrument(edit.delete_instrument(base, 2), 1)
    both = ("instruments[0]", "instruments[1]")
    assert merge_songs(base, edited, deleted).conflicts == both
    assert merge_songs(base, deleted, edited).conflicts == both


def test_orders_changed_differently_conflict_as_a_whole() -> None:
    base = song()
    local = edit.insert_order(base, 0, 1)
    remote = edit.delete_order(base, 1)
    result = merge_songs(base, local, remote)
    assert (result.song, result.conflicts) == (None, ("order",))


def test_instruments_changed_at_different_indexes_merge() -> None:
    base = song()
    local = edit.rename_instrument(base, 1, "lead")
    remote = edit.replace_instrument(base, 2, SynthInstrument(name="bass", volume=0.5))
    result = merge_songs(base, local, remote)
    result_song = merged(result)
    assert [i.name for i in result_song.instruments] == ["lead", "bass"]
    assert result_song.instruments[1].volume == 0.5
    assert (result.local_changes, result.remote_changes) == (
        ("instruments[0]",),
        ("instruments[1]",),
    )


def test_a_track_added_while_a_pattern_was_edited_conflicts() -> None:
    # Adding a track widens every pattern, so the edited pattern changed on both sides.
    base = song()
    result = merge_songs(base, edit.add_track(base, 2), edit.set_cell(base, 0, 1, 0, C4))
    assert (result.song, result.conflicts) == (None, ("patterns[0]",))
    assert result.local_changes == ("tracks[2]", "patterns[0]", "patterns[1]")


def test_a_track_added_while_a_pattern_was_appended_is_an_invalid_merge() -> None:
    base = song()
    result = merge_songs(base, edit.add_track(base, 2), edit.new_pattern(base, 4)[0])
    assert result.song is None
    assert result.conflicts == (
        "tracks[2]",
        "patterns[0]",
        "patterns[1]",
        "patterns[2]",
        "the merged song is invalid: patterns[2].rows[0]: has 2 cells, the song has 3 tracks",
    )


def test_an_instrument_deleted_while_used_elsewhere_is_an_invalid_merge() -> None:
    base = song()
    result = merge_songs(base, edit.delete_instrument(base, 2), edit.set_cell(base, 1, 0, 1, D4))
    assert result.song is None
    assert result.conflicts[:2] == ("instruments[1]", "patterns[1]")
    assert result.conflicts[2].startswith("the merged song is invalid: patterns[1].rows[0]: ")
    assert "instrument 02 does not exist" in result.conflicts[2]


def test_without_a_base_equal_songs_merge_to_the_local_song() -> None:
    local = song()
    assert merge_songs(None, local, song()) == MergeResult(local, (), (), ())


def test_without_a_base_every_difference_conflicts() -> None:
    local = edit.update_song(song(), tempo_bpm=140)
    remote = edit.set_cell(song(), 1, 0, 0, C4)
    differing = ("tempo_bpm", "patterns[1]")
    assert merge_songs(None, local, remote) == MergeResult(None, differing, differing, differing)


def test_without_a_base_a_pattern_on_one_side_only_conflicts() -> None:
    local = edit.new_pattern(song(), 4)[0]
    assert merge_songs(None, local, song()).conflicts == ("patterns[2]",)


@pytest.mark.parametrize(
    ("parts", "text"),
    [
        ((), ""),
        (("patterns[3]", "patterns[5]", "tempo_bpm"), "patterns 03 and 05, tempo"),
        (("patterns[10]",), "pattern 0A"),
        (("tracks[0]", "instruments[0]"), "track 1, instrument 01"),  # as the UI numbers them
        (("tracks[0]", "tracks[1]", "tracks[2]"), "tracks 1, 2 and 3"),
        (("order", "midi_mappings", "restart_order"), "order, MIDI mappings, restart position"),
        (("rows_per_beat", "title"), "rows per beat, title"),
        (
            ("tracks[2]", "patterns[0]", "patterns[1]", "patterns[2]", "patterns[3]", "order"),
            "track 3, patterns 00, 01 and 02, and 2 more",
        ),
        (("patterns[1]", "patterns[1]"), "pattern 01"),
        (
            ("patterns[1]", "the merged song is invalid: x"),
            "pattern 01 (the merged song is invalid: x)",
        ),
    ],
)
def test_describe_parts(parts: tuple[str, ...], text: str) -> None:
    assert describe_parts(parts) == text


def test_describe_parts_limit() -> None:
    parts = [f"patterns[{n}]" for n in range(10)]
    assert describe_parts(parts, limit=2) == "patterns 00 and 01, and 8 more"
    assert describe_parts(parts, limit=10) == "patterns 00, 01, 02, 03, 04, 05, 06, 07, 08 and 09"


# Property tests: random songs, and random edits of one song on two sides.

# Drawing a random song takes about 15 ms, so tests of whole songs run fewer, smaller ones.
PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
SONGS_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=50)
small_songs = songs(max_rows=4, max_instruments=2)


def part(song: Song, name: str) -> Any:
    """One unit of ``song`` by its MergeResult name, as JSON; None for a missing element."""
    document = song.model_dump(mode="json")
    field, _, index = name.partition("[")
    if not index:
        return document[field]
    items = document[field]
    number = int(index.rstrip("]"))
    return items[number] if number < len(items) else None


def random_edit(data: st.DataObject, song: Song) -> Song:
    kind = data.draw(st.sampled_from(["cell", "tempo", "pattern", "track", "instrument", "order"]))
    if kind == "cell":
        track = data.draw(st.integers(0, len(song.tracks) - 1))
        cell = data.draw(cells(song.tracks[track].effect_columns, len(song.instruments)))
        pattern = data.draw(st.integers(0, len(song.patterns) - 1))
        row = data.draw(st.integers(0, len(song.patterns[pattern].rows) - 1))
        return edit.set_cell(song, pattern, row, track, cell)
    if kind == "tempo":
        return edit.update_song(song, tempo_bpm=data.draw(st.integers(32, 255)))
    if kind == "pattern":
        return edit.new_pattern(song, data.draw(st.integers(1, 4)))[0]
    if kind == "track":
        return edit.add_track(song, len(song.tracks))
    if kind == "instrument":
        if data.draw(st.booleans()) and song.instruments:
            return edit.delete_instrument(song, len(song.instruments))
        return edit.add_instrument(song, SynthInstrument(name=data.draw(st.text(max_size=3))))[0]
    return edit.insert_order(song, 0, data.draw(st.integers(0, len(song.patterns) - 1)))


def edited(data: st.DataObject, song: Song) -> Song:
    """``song`` after one to three random edits (an edit that cannot be made is skipped)."""
    for _ in range(data.draw(st.integers(1, 3))):
        with contextlib.suppress(EditError):
            song = random_edit(data, song)
    return song


@SONGS_SETTINGS
@given(small_songs, small_songs)
def test_a_side_left_as_the_base_takes_the_other(base: Song, changed: Song) -> None:
    for local, remote in [(changed, base), (base, changed)]:
        assert merged(merge_songs(base, local, remote)).model_dump() == changed.model_dump()


@SONGS_SETTINGS
@given(small_songs, small_songs)
def test_the_same_song_on_both_sides_is_the_merge(base: Song, changed: Song) -> None:
    twin = Song.model_validate(changed.model_dump(mode="json"))  # equal, not the same object
    result_song = merged(merge_songs(base, changed, twin))
    assert result_song.model_dump() == changed.model_dump()


def check_merge(base: Song, local: Song, remote: Song) -> None:
    """Both ways round: the same conflicts and song; a merged unit comes from its changer."""
    result = merge_songs(base, local, remote)
    swapped = merge_songs(base, remote, local)
    assert result.conflicts == swapped.conflicts
    assert (result.local_changes, result.remote_changes) == (
        swapped.remote_changes,
        swapped.local_changes,
    )
    if result.song is None:
        assert result.conflicts
        assert swapped.song is None
        return
    assert swapped.song is not None
    assert result.song.model_dump() == swapped.song.model_dump()
    result_song = merged(result)
    for name in result.local_changes:
        assert part(result_song, name) == part(local, name)
    for name in result.remote_changes:
        assert part(result_song, name) == part(remote, name)


@PROPERTY_SETTINGS
@given(st.data())
def test_random_edits_on_both_sides_merge_the_same_both_ways(data: st.DataObject) -> None:
    base = data.draw(songs())
    check_merge(base, edited(data, base), edited(data, base))


@SONGS_SETTINGS
@given(small_songs, small_songs, small_songs)
def test_unrelated_songs_merge_the_same_both_ways(base: Song, local: Song, remote: Song) -> None:
    check_merge(base, local, remote)
    assert merge_songs(None, local, remote).conflicts == merge_songs(None, remote, local).conflicts
