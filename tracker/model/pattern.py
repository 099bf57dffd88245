"""Pattern data: effects, cells and patterns (a grid of rows by tracks).

Cells and effects are immutable values, so a cell can be shared between rows, patterns and
undo history. A Pattern is edited by building a new one with ``with_cell``; its row lists
are shared with the pattern it was made from and must not be mutated in place.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Final, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from tracker.model.base import NAME_MAX_CHARS, StrictModel
from tracker.model.notes import EFFECT_COMMANDS, NOTE_CUT, NOTE_MAX, NOTE_MIN, NOTE_OFF

MAX_ROWS: Final = 256
MAX_TRACKS: Final = 64
MAX_EFFECT_COLUMNS: Final = 4
VOLUME_MAX: Final = 64
INSTRUMENT_MAX: Final = 255  # instruments are numbered 1..255; 0 never appears in a cell
PARAM_MAX: Final = 255
MAX_LANES: Final = 64  # automation lanes in one pattern


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


class AutomationPoint(StrictModel, frozen=True):
    """A parameter's value at the start of a row."""

    row: int = Field(ge=0, lt=MAX_ROWS)
    value: float = Field(ge=0.0, le=1.0)
    """Normalised: 0..1 along the parameter's range and curve (tracker.model.params), so a
    lane reads the same whatever the unit, and cutoff moves evenly in octaves."""


class AutomationLane(StrictModel, frozen=True):
    """One parameter moved along a pattern: points at rows, and how to get between them.

    Before the first point the parameter is left as it is; after the last it holds there.
    """

    param: str = Field(min_length=1, max_length=80)
    """An id of tracker.model.params ("track.2.volume", "instrument.1.filter.cutoff_hz")."""
    interpolation: Literal["linear", "step"] = "linear"
    """linear: a straight line from point to point, smooth within each row; step: each
    point's value holds until the next."""
    points: tuple[AutomationPoint, ...] = ()

    @field_validator("points", mode="before")
    @classmethod
    def _points_as_tuple(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    @field_validator("points")
    @classmethod
    def _rows_ascend(cls, points: tuple[AutomationPoint, ...]) -> tuple[AutomationPoint, ...]:
        for before, after in itertools.pairwise(points):
            if after.row <= before.row:
                raise ValueError(f"row {after.row} comes after row {before.row}: rows must ascend")
        return points

    def value_at(self, row: int) -> float | None:
        """The value at the start of ``row``; None before the first point."""
        before = None
        for point in self.points:
            if point.row == row:
                return point.value
            if point.row > row:
                if before is None:
                    return None
                if self.interpolation == "step":
                    return before.value
                share = (row - before.row) / (point.row - before.row)
                return before.value + (point.value - before.value) * share
            before = point
        return None if before is None else before.value

    def point_at(self, row: int) -> AutomationPoint | None:
        return next((point for point in self.points if point.row == row), None)

    def with_point(self, row: int, value: float) -> AutomationLane:
        """This lane with a point at ``row`` set to ``value`` (added or replaced)."""
        kept = [point for point in self.points if point.row != row]
        points = sorted([*kept, AutomationPoint(row=row, value=value)], key=lambda p: p.row)
        return self.model_copy(update={"points": tuple(points)})

    def without_point(self, row: int) -> AutomationLane:
        return self.model_copy(
            update={"points": tuple(point for point in self.points if point.row != row)}
        )


class Pattern(StrictModel):
    """A grid of ``rows[row][track]`` cells; every row has the same number of cells.

    The Song checks that this number equals its track count, and that automation lanes name
    parameters it has.
    """

    name: str = Field(default="", max_length=NAME_MAX_CHARS)
    rows: list[list[Cell]] = Field(min_length=1, max_length=MAX_ROWS)
    automation: list[AutomationLane] = Field(default_factory=list, max_length=MAX_LANES)

    @model_validator(mode="after")
    def _lanes_fit(self) -> Self:
        seen: set[str] = set()
        for index, lane in enumerate(self.automation):
            if lane.param in seen:
                raise ValueError(f"automation[{index}]: a second lane for {lane.param}")
            seen.add(lane.param)
            if lane.points and lane.points[-1].row >= len(self.rows):
                raise ValueError(
                    f"automation[{index}]: a point at row {lane.points[-1].row}, "
                    f"the pattern has {len(self.rows)} rows"
                )
        return self

    def lane(self, param: str) -> AutomationLane | None:
        """The lane that moves ``param`` in this pattern, if any."""
        return next((lane for lane in self.automation if lane.param == param), None)

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
