from typing import Any

import pytest
from pydantic import ValidationError

from tracker.model import EMPTY_CELL, NOTE_CUT, NOTE_OFF, Cell, Effect, Pattern


def test_effect_fields() -> None:
    effect = Effect(command="Z", param=255)
    assert (effect.command, effect.param) == ("Z", 255)
    with pytest.raises(ValidationError):
        effect.param = 1  # type: ignore[misc]  # frozen


@pytest.mark.parametrize(
    "fields",
    [
        {"command": "a", "param": 0},
        {"command": "AB", "param": 0},
        {"command": "", "param": 0},
        {"command": "A", "param": 256},
        {"command": "A", "param": -1},
        {"command": "A", "param": "1"},
    ],
)
def test_effect_rejects(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Effect(**fields)


@pytest.mark.parametrize("note", [0, 57, 119, NOTE_OFF, NOTE_CUT, None])
def test_cell_accepts_notes(note: int | None) -> None:
    assert Cell(note=note).note == note


@pytest.mark.parametrize(
    "fields",
    [
        {"note": 120},
        {"note": 252},
        {"note": 255},
        {"note": -1},
        {"note": True},  # strict: a bool is not a note
        {"note": "48"},
        {"instrument": 0},
        {"instrument": 256},
        {"volume": 65},
        {"volume": -1},
        {"effects": (None, None, None, None, Effect(command="A"))},
        {"pan": 0},
    ],
)
def test_cell_rejects(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Cell(**fields)


def test_cell_drops_trailing_empty_effect_columns() -> None:
    fx = Effect(command="A", param=15)
    assert Cell(effects=(fx, None, None)).effects == (fx,)
    assert Cell(effects=(None, fx, None)).effects == (None, fx)
    assert Cell(effects=(None, None)) == EMPTY_CELL


def test_cell_accepts_a_list_of_effects() -> None:
    fx = Effect(command="1", param=2)
    assert Cell(effects=[fx]).effects == (fx,)  # type: ignore[arg-type]


def test_cells_are_values() -> None:
    a = Cell(note=48, instrument=1, volume=64, effects=(Effect(command="A"),))
    b = Cell(note=48, instrument=1, volume=64, effects=(Effect(command="A"),))
    assert a == b
    assert hash(a) == hash(b)
    with pytest.raises(ValidationError):
        a.note = 50  # type: ignore[misc]


def test_empty_pattern() -> None:
    pattern = Pattern.empty(64, 8)
    assert len(pattern.rows) == 64
    assert pattern.track_count == 8
    assert all(cell == EMPTY_CELL for row in pattern.rows for cell in row)


def test_with_cell_returns_a_new_pattern() -> None:
    before = Pattern.empty(4, 2)
    cell = Cell(note=57)
    after = before.with_cell(2, 1, cell)
    assert after.cell(2, 1) == cell
    assert before.cell(2, 1) == EMPTY_CELL
    assert after.rows[0] is before.rows[0]  # untouched rows are shared


@pytest.mark.parametrize(("row", "track"), [(4, 0), (0, 2), (-1, 0), (0, -1)])
def test_positions_outside_the_pattern(row: int, track: int) -> None:
    pattern = Pattern.empty(4, 2)
    with pytest.raises(IndexError):
        pattern.cell(row, track)
    with pytest.raises(IndexError):
        pattern.with_cell(row, track, EMPTY_CELL)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "at least 1"),
        ([[EMPTY_CELL]] * 257, "at most 256"),
        ([[]], "row 0 has 0 cells"),
        ([[EMPTY_CELL] * 65], "row 0 has 65 cells"),
        ([[EMPTY_CELL] * 2, [EMPTY_CELL]], "row 1 has 1 cells, row 0 has 2"),
    ],
)
def test_pattern_shape(rows: list[list[Cell]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Pattern(rows=rows)
