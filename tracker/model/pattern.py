"""Pattern data: effects, cells and patterns (a grid of rows by tracks).

Cells and effects are immutable values, so a cell can be shared between rows, patterns and
undo history. A Pattern is edited by building a new one with ``with_cell``; its row lists
are shared with the pattern it was made from and must not be mutated in place.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from tracker.model.base import NAME_MAX_CHARS, StrictModel
from tracker.model.notes import EFFECT_COMMANDS, NOTE_CUT, NOTE_MAX, NOTE_MIN, NOTE_OFF

MAX_ROWS: Final = 256
MAX_TRACKS: Final = 64
MAX_EFFECT_COLUMNS: Final = 4
VOLUME_MAX: Final = 64
INSTRUMENT_MAX: Final = 255  # instruments are numbered 1..255; 0 never appears in a cell
PARAM_MAX: Final = 255


class Effect(StrictModel, frozen=True):
    """One effect column entry: a base-36 command character and a byte parameter."""

    command: str = Field(min_length=1, max_length=1, pattern=f"^[{EFFECT_COMMANDS}]$")
    param: int = Field(default=0, ge=0, le=PARAM_MAX)


def _check_note(note: int) -> int:
    if NOTE_MIN <= note <= NOTE_MAX or note in (NOTE_OFF, NOTE_CUT):
        return note
    raise ValueError(
        f"{note} is not {NOTE_MIN}..{NOTE_MAX}, NOTE_OFF ({NOTE_OFF}) or NOTE_CUT ({NOTE_CUT})"
    )


def _effects_as_tuple(value: Any) -> Any:
    # Accept a list for convenience; strict mode would otherwise insist on a tuple.
    return tuple(value) if isinstance(value, list) else value


def _drop_trailing_empty(effects: tuple[Effect | None, ...]) -> tuple[Effect | None, ...]:
    # (A0F, None) and (A0F,) mean the same cell; one spelling keeps equality and hashing honest.
    end = len(effects)
    while end and effects[end - 1] is None:
        end -= 1
    return effects[:end]


class Cell(StrictModel, frozen=True):
    """One track on one row. None means the column is empty.

    ``effects[i]`` is effect column i; trailing empty columns are dropped on validation, so
    ``len(effects)`` is the number of columns the cell uses.
    """

    note: Annotated[int, AfterValidator(_check_note)] | None = None
    instrument: int | None = Field(default=None, ge=1, le=INSTRUMENT_MAX)
    volume: int | None = Field(default=None, ge=0, le=VOLUME_MAX)
    effects: Annotated[
        tuple[Effect | None, ...],
        BeforeValidator(_effects_as_tuple),
        Field(max_length=MAX_EFFECT_COLUMNS),
        AfterValidator(_drop_trailing_empty),
    ] = ()


EMPTY_CELL: Final = Cell()


class Pattern(StrictModel):
    """A grid of ``rows[row][track]`` cells; every row has the same number of cells.

    The Song checks that this number equals its track count.
    """

    name: str = Field(default="", max_length=NAME_MAX_CHARS)
    rows: list[list[Cell]] = Field(min_length=1, max_length=MAX_ROWS)

    @field_validator("rows")
    @classmethod
    def _rows_have_one_width(cls, rows: list[list[Cell]]) -> list[list[Cell]]:
        width = len(rows[0])
        if not 1 <= width <= MAX_TRACKS:
            raise ValueError(f"row 0 has {width} cells, must be 1..{MAX_TRACKS}")
        for index, row in enumerate(rows):
            if len(row) != width:
                raise ValueError(f"row {index} has {len(row)} cells, row 0 has {width}")
        return rows

    @classmethod
    def empty(cls, rows: int, tracks: int, name: str = "") -> Pattern:
        """A pattern of ``rows`` rows by ``tracks`` tracks, every cell empty."""
        return cls(name=name, rows=[[EMPTY_CELL] * tracks for _ in range(rows)])

    @property
    def track_count(self) -> int:
        return len(self.rows[0])

    def cell(self, row: int, track: int) -> Cell:
        """The cell at (row, track). Negative indices are an IndexError, not Python's wrap."""
        self._check_position(row, track)
        return self.rows[row][track]

    def with_cell(self, row: int, track: int, cell: Cell) -> Pattern:
        """A copy of this pattern with one cell replaced; this pattern is left unchanged.

        Only the edited row is copied; the other row lists are shared between both patterns.
        """
        self._check_position(row, track)
        edited = list(self.rows[row])
        edited[track] = cell
        rows = list(self.rows)
        rows[row] = edited
        return self.model_copy(update={"rows": rows})

    def _check_position(self, row: int, track: int) -> None:
        if not 0 <= row < len(self.rows):
            raise IndexError(f"row {row} is outside 0..{len(self.rows) - 1}")
        if not 0 <= track < self.track_count:
            raise IndexError(f"track {track} is outside 0..{self.track_count - 1}")
