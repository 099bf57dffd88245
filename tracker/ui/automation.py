"""Automation lanes as the pattern editor shows them: bytes, row texts, names and values.

A lane's values are normalised (0..1, tracker.model.pattern.AutomationLane); the grid shows
them as two hex digits, 00-FF, as a tracker shows every other column, and the status line
shows the real value in the parameter's unit. Pure functions: the grid and the Editor call
them, the tests check them alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from tracker.model.params import Param, Value
from tracker.model.pattern import AutomationLane
from tracker.ui.text import fit

BYTE_MAX: Final = 255
LANE_INNER_WIDTH: Final = 8
"""Characters of a lane column, without its separator: room for "Inst 02" and a label."""
VALUE_OFFSET: Final = 3
"""Where the two digits sit in a lane's row text: "   40   "."""
BEFORE_FIRST: Final = "··"
"""A row before the lane's first point: the parameter is left as it is there."""
MARKS: Final = {"linear": "/", "step": "_"}
"""The interpolation in a lane's header, by its shape: a ramp or a stair."""

RowKind = Literal["point", "between", "unset"]


@dataclass(frozen=True, slots=True)
class LaneRow:
    """One row of a lane as drawn: the text and whether it is a point, between points, or
    before the first point."""

    text: str
    kind: RowKind


def to_byte(value: float) -> int:
    """A normalised value as the byte shown: value x 255, rounded."""
    return max(0, min(BYTE_MAX, round(value * BYTE_MAX)))


def from_byte(byte: int) -> float:
    """The normalised value a typed byte stands for: byte / 255."""
    return max(0, min(BYTE_MAX, byte)) / BYTE_MAX


def lane_rows(lane: AutomationLane, rows: int) -> tuple[LaneRow, ...]:
    """Every row of ``lane`` in a pattern of ``rows`` rows, as the grid draws it.

    One pass over the points, not ``value_at`` per row: a lane with a point on every row of
    a 256-row pattern is drawn once per edit, not 256 x 256 times.
    """
    pad = " " * VALUE_OFFSET
    tail = " " * (LANE_INNER_WIDTH - VALUE_OFFSET - 2)
    unset = LaneRow(pad + BEFORE_FIRST + tail, "unset")
    points = {point.row: point.value for point in lane.points}
    if not points:
        return (unset,) * rows
    out: list[LaneRow] = []
    for row in range(rows):
        value = points.get(row)
        if value is not None:
            out.append(LaneRow(f"{pad}{to_byte(value):02X}{tail}", "point"))
            continue
        between = lane.value_at(row) if row > lane.points[0].row else None
        if between is None:
            out.append(unset)
        else:
            out.append(LaneRow(f"{pad}{to_byte(between):02X}{tail}", "between"))
    return tuple(out)


def lane_header(param: Param | None, lane: AutomationLane) -> tuple[str, str]:
    """The two header lines of a lane: whose parameter ("Track 3", "Inst 02", "Song") and
    the interpolation mark with the parameter's label ("/cutoff"), each LANE_INNER_WIDTH
    long. ``param`` None: an id the song does not have (shown as it is, to be removed)."""
    if param is None:
        owner, label = "?", lane.param
    elif param.scope == "track":
        owner, label = f"Track {param.number}", param.spec.label
    elif param.scope == "instrument":
        owner, label = f"Inst {param.number:02X}", param.spec.label
    else:
        owner = "Master" if param.id == "master.volume" else "Song"
        label = param.spec.label
    return fit(owner, LANE_INNER_WIDTH), fit(MARKS[lane.interpolation] + label, LANE_INNER_WIDTH)


def show_value(value: Value, unit: str) -> str:
    """A parameter's real value for people: "on", "12 st", "1234 Hz" (4 figures at most)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    text = str(value) if isinstance(value, int) else f"{value:.4g}"
    return f"{text} {unit}" if unit else text


def describe(param: Param, lane: AutomationLane, row: int) -> str:
    """The status line for the cursor on ``row`` of ``lane``: name, byte and real value."""
    value = lane.value_at(row)
    point = lane.point_at(row) is not None
    how = "linear" if lane.interpolation == "linear" else "step"
    if value is None:
        return f"{param.name}: not set before the first point ({how})"
    real = show_value(param.spec.from_normalised(value), param.spec.unit)
    where = "point" if point else "between points"
    return f"{param.name}: {to_byte(value):02X} = {real} ({where}, {how})"
