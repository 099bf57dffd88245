"""Patterns: new, clone, delete unused, set length."""

import pytest

from tests.model.edit_support import EMPTY, edited, grid, song_of
from tracker.model import MAX_ROWS, Block, EditError, Pattern, Song, edit
from tracker.model.song import MAX_PATTERNS

ROWS = ["C-4 01 40 A0F | D-4 02 30 B01", f"E-4 02 10 ... | {EMPTY}"]
OTHER = [f"F-4 .. .. ... | {EMPTY}"]


def test_new_pattern_is_empty_and_appended() -> None:
    song = song_of(ROWS)
    result, index = edited(song, edit.new_pattern, 3)
    assert index == 1
    assert grid(result, 1) == [f"{EMPTY} | {EMPTY}"] * 3
    assert result.patterns[0] is song.patterns[0]
    assert result.order == [0]


@pytest.mark.parametrize("rows", [0, -1, MAX_ROWS + 1])
def test_new_pattern_rejects_lengths(rows: int) -> None:
    with pytest.raises(EditError, match=f"1..{MAX_ROWS} rows, not {rows}"):
        edit.new_pattern(song_of(ROWS), rows)


def test_new_pattern_of_the_longest_length() -> None:
    result, index = edited(song_of(ROWS), edit.new_pattern, MAX_ROWS)
    assert len(result.patterns[index].rows) == MAX_ROWS


def full_song() -> Song:
    song = song_of(ROWS)
    return song.model_copy(update={"patterns": [song.patterns[0]] * MAX_PATTERNS})


def test_too_many_patterns() -> None:
    song = full_song()
    with pytest.raises(EditError, match=f"already has {MAX_PATTERNS} patterns"):
        edit.new_pattern(song, 1)
    with pytest.raises(EditError, match=f"already has {MAX_PATTERNS} patterns"):
        edit.clone_pattern(song, 0)


def test_clone_pattern() -> None:
    song = song_of(ROWS, OTHER, order=[1])
    result, index = edited(song, edit.clone_pattern, 0)
    assert index == 2
    assert grid(result, 2) == ROWS
    assert result.patterns[2] is not song.patterns[0]
    assert result.order == [1]


def test_editing_a_clone_leaves_the_original() -> None:
    song, index = edit.clone_pattern(song_of(ROWS), 0)
    result = edited(song, edit.clear, Block(index, 0, 1, 0, 0, 1, 6))
    assert grid(result, 0) == ROWS
    assert grid(result, index) == [f"{EMPTY} | {EMPTY}"] * 2


@pytest.mark.parametrize("pattern", [1, -1])
def test_clone_pattern_rejects_indexes(pattern: int) -> None:
    with pytest.raises(EditError, match=f"pattern {pattern}"):
        edit.clone_pattern(song_of(ROWS), pattern)


def test_delete_unused_patterns_renumbers_the_order() -> None:
    song = song_of(OTHER, ROWS, OTHER, ROWS, order=[3, 1, 3], restart_order=2)
    result = edited(song, edit.delete_unused_patterns)
    assert result.patterns == [song.patterns[1], song.patterns[3]]
    assert result.patterns[1] is song.patterns[3]
    assert (result.order, result.restart_order) == ([1, 0, 1], 2)


def test_delete_unused_patterns_when_all_are_used() -> None:
    song = song_of(ROWS, OTHER, order=[1, 0])
    assert edit.delete_unused_patterns(song) is song


def test_delete_unused_patterns_keeps_the_one_in_the_order() -> None:
    song = song_of(ROWS, OTHER, order=[1])
    result = edited(song, edit.delete_unused_patterns)
    assert (len(result.patterns), result.order) == (1, [0])
    assert grid(result) == OTHER


def test_set_pattern_length_truncates() -> None:
    song = song_of(ROWS)
    result = edited(song, edit.set_pattern_length, 0, 1)
    assert grid(result) == ROWS[:1]
    assert result.patterns[0].rows[0] is song.patterns[0].rows[0]


def test_set_pattern_length_pads_with_empty_rows() -> None:
    result = edited(song_of(ROWS), edit.set_pattern_length, 0, 4)
    assert grid(result) == [*ROWS, f"{EMPTY} | {EMPTY}", f"{EMPTY} | {EMPTY}"]


def test_set_pattern_length_to_its_length_returns_the_song() -> None:
    song = song_of(ROWS)
    assert edit.set_pattern_length(song, 0, 2) is song


@pytest.mark.parametrize(
    ("pattern", "rows", "message"),
    [(0, 0, "not 0"), (0, MAX_ROWS + 1, f"not {MAX_ROWS + 1}"), (1, 4, "pattern 1")],
)
def test_set_pattern_length_rejects(pattern: int, rows: int, message: str) -> None:
    with pytest.raises(EditError, match=message):
        edit.set_pattern_length(song_of(ROWS), pattern, rows)


def test_new_pattern_width_follows_the_tracks() -> None:
    song = song_of([EMPTY], columns=(1,))
    result, index = edit.new_pattern(song, 2)
    assert result.patterns[index] == Pattern.empty(2, 1)
