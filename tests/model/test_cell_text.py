import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import cells
from tracker.model import (
    EMPTY_CELL,
    NOTE_CUT,
    NOTE_OFF,
    Cell,
    Effect,
    format_cell,
    format_row,
    parse_cell,
    parse_row,
)

FULL = Cell(note=48, instrument=1, volume=64, effects=(Effect(command="A", param=15),))


@pytest.mark.parametrize(
    ("cell", "columns", "text"),
    [
        (FULL, 1, "C-4 01 40 A0F"),
        (EMPTY_CELL, 1, "--- .. .. ..."),
        (EMPTY_CELL, 2, "--- .. .. ... ..."),
        (Cell(note=NOTE_OFF), 1, "=== .. .. ..."),
        (Cell(note=NOTE_CUT, volume=0), 1, "^^^ .. 00 ..."),
        (Cell(note=49, instrument=255), 1, "C#4 FF .. ..."),
        (Cell(effects=(None, Effect(command="Z", param=255))), 3, "--- .. .. ... ZFF ..."),
    ],
)
def test_cell_text(cell: Cell, columns: int, text: str) -> None:
    assert format_cell(cell, columns) == text
    assert parse_cell(text, columns) == cell


def test_row_text() -> None:
    text = "C-4 01 40 A0F | --- .. .. ... ..."
    assert format_row([FULL, EMPTY_CELL], [1, 2]) == text
    assert parse_row(text, [1, 2]) == [FULL, EMPTY_CELL]


def test_format_refuses_a_cell_wider_than_its_track() -> None:
    with pytest.raises(ValueError, match="uses 2 effect columns"):
        format_cell(Cell(effects=(None, Effect(command="A"))), 1)


@pytest.mark.parametrize(
    ("text", "columns", "message"),
    [
        ("H-4 01 40 A0F", 1, "bad note 'H-4'"),
        ("c-4 01 40 A0F", 1, "bad note"),
        ("C-4 0G 40 A0F", 1, "bad instrument '0G'"),
        ("C-4 0a 40 A0F", 1, "bad instrument '0a'"),
        ("C-4 00 40 A0F", 1, "instrument 00 is outside 01..FF"),
        ("C-4 01 41 A0F", 1, "volume 41 is outside 00..40"),
        ("C-4 01 4. A0F", 1, "bad volume"),
        ("C-4 01 40 a0F", 1, "bad effect 'a0F'"),
        ("C-4 01 40 A.F", 1, "bad effect"),
        ("C-4 01 40 A..", 1, "bad effect"),
        ("C-4 01 40 A0F ...", 1, "has 2 effect columns, the track has 1"),
        ("C-4 01 40", 1, "is 9 characters, expected 13"),
        ("C-4 01 40 A0F", 2, "has 1 effect columns, the track has 2"),
        ("C-4 01 40 A0F ", 1, "is 14 characters"),
        ("C-4  01 40A0F", 1, "is not 'NNN II VV'"),
        ("C-4\t01 40 A0F", 1, "is not 'NNN II VV'"),
    ],
)
def test_parse_cell_is_strict(text: str, columns: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_cell(text, columns)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("--- .. .. ...", "has 1 cells, expected 2"),
        ("--- .. .. ... | --- .. .. ... | --- .. .. ...", "has 3 cells"),
        ("--- .. .. ...|--- .. .. ...", "has 1 cells"),
        ("--- .. .. ... | H-4 .. .. ...", "track 1: bad note 'H-4'"),
    ],
)
def test_parse_row_is_strict(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_row(text, [1, 1])


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), cells(n))))
def test_cell_text_round_trips(case: tuple[int, Cell]) -> None:
    columns, cell = case
    text = format_cell(cell, columns)
    assert len(text) == 9 + 4 * columns
    assert parse_cell(text, columns) == cell
