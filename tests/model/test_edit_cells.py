"""Single cells and whole rows: set_cell, insert_row, delete_row."""

from typing import Any

import pytest

from tests.model.edit_support import EMPTY, edited, grid, song_of
from tracker.model import Cell, EditError, Effect, edit

ROWS = [
    "C-4 01 40 A0F | D-4 .. .. ...",
    "E-4 .. .. ... | F-4 02 .. ...",
    "G-4 .. 20 ... | A-4 .. .. C10",
]


def test_set_cell_replaces_one_cell() -> None:
    song = song_of([f"C-4 01 40 A0F | {EMPTY}", f"{EMPTY} | {EMPTY}"])
    result = edited(song, edit.set_cell, 0, 1, 1, Cell(note=48, instrument=2))
    assert grid(result) == [f"C-4 01 40 A0F | {EMPTY}", f"{EMPTY} | C-4 02 .. ..."]
    assert result.patterns[0].rows[0] is song.patterns[0].rows[0]  # untouched rows shared


def test_set_cell_leaves_other_patterns_shared() -> None:
    song = song_of([EMPTY + " | " + EMPTY], [EMPTY + " | " + EMPTY], order=[0, 1])
    result = edited(song, edit.set_cell, 1, 0, 0, Cell(note=0))
    assert result.patterns[0] is song.patterns[0]
    assert grid(result, 1) == [f"C-0 .. .. ... | {EMPTY}"]


def test_set_cell_to_the_same_cell_returns_the_song() -> None:
    song = song_of(ROWS)
    assert edit.set_cell(song, 0, 0, 1, Cell(note=50)) is song


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1, 0, 0), "pattern 1 is outside 0..0"),
        ((-1, 0, 0), "pattern -1"),
        ((0, 3, 0), "row 3 is outside 0..2"),
        ((0, -1, 0), "row -1"),
        ((0, 0, 2), "track 2 is outside 0..1"),
        ((0, 0, -1), "track -1"),
    ],
)
def test_set_cell_rejects_positions(args: tuple[int, int, int], message: str) -> None:
    with pytest.raises(EditError, match=message):
        edit.set_cell(song_of(ROWS), *args, Cell())


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (Cell(effects=(None, Effect(command="A"))), "2 effect columns, track 0 has 1"),
        (Cell(note=48, instrument=3), "instrument 03 does not exist"),
    ],
)
def test_set_cell_rejects_cells_the_song_cannot_hold(cell: Cell, message: str) -> None:
    with pytest.raises(EditError, match=message):
        edit.set_cell(song_of(ROWS), 0, 0, 0, cell)


def test_insert_row_in_all_tracks_drops_the_last_row() -> None:
    song = song_of(ROWS)
    result = edited(song, edit.insert_row, 0, 1)
    assert grid(result) == [ROWS[0], f"{EMPTY} | {EMPTY}", ROWS[1]]
    assert result.patterns[0].rows[2] is song.patterns[0].rows[1]


def test_insert_row_in_one_track() -> None:
    song = song_of(ROWS)
    result = edited(song, edit.insert_row, 0, 0, 1)
    assert grid(result) == [
        f"C-4 01 40 A0F | {EMPTY}",
        "E-4 .. .. ... | D-4 .. .. ...",
        "G-4 .. 20 ... | F-4 02 .. ...",
    ]


def test_insert_row_at_the_last_row_empties_it() -> None:
    result = edited(song_of(ROWS), edit.insert_row, 0, 2)
    assert grid(result) == [ROWS[0], ROWS[1], f"{EMPTY} | {EMPTY}"]


def test_insert_row_in_a_one_row_pattern() -> None:
    result = edited(song_of([ROWS[0]]), edit.insert_row, 0, 0)
    assert grid(result) == [f"{EMPTY} | {EMPTY}"]


def test_delete_row_in_all_tracks_adds_an_empty_row_at_the_end() -> None:
    song = song_of(ROWS)
    result = edited(song, edit.delete_row, 0, 0)
    assert grid(result) == [ROWS[1], ROWS[2], f"{EMPTY} | {EMPTY}"]
    assert result.patterns[0].rows[0] is song.patterns[0].rows[1]


def test_delete_row_in_one_track() -> None:
    result = edited(song_of(ROWS), edit.delete_row, 0, 1, 0)
    assert grid(result) == [
        "C-4 01 40 A0F | D-4 .. .. ...",
        "G-4 .. 20 ... | F-4 02 .. ...",
        f"{EMPTY} | A-4 .. .. C10",
    ]


def test_delete_the_last_row() -> None:
    result = edited(song_of(ROWS), edit.delete_row, 0, 2, 1)
    assert grid(result) == [ROWS[0], ROWS[1], f"G-4 .. 20 ... | {EMPTY}"]


@pytest.mark.parametrize("operation", [edit.insert_row, edit.delete_row])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 3), "row 3"),
        ((0, -1), "row -1"),
        ((1, 0), "pattern 1"),
        ((0, 0, 2), "track 2"),
        ((0, 0, -1), "track -1"),
    ],
)
def test_row_edits_reject_positions(operation: Any, args: tuple[int, ...], message: str) -> None:
    with pytest.raises(EditError, match=message):
        operation(song_of(ROWS), *args)
