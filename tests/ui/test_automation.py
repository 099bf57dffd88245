"""tracker.ui.automation: lane bytes, row texts, headers and the status line's values."""

from __future__ import annotations

import pytest

from tests.ui.app_support import small_song
from tracker.model.params import find_param
from tracker.model.pattern import AutomationLane, AutomationPoint
from tracker.ui.automation import (
    LANE_INNER_WIDTH,
    describe,
    from_byte,
    lane_header,
    lane_rows,
    show_value,
    to_byte,
)
from tracker.ui.screens.param_picker import matches


def lane(*points: tuple[int, float], interpolation: str = "linear") -> AutomationLane:
    return AutomationLane.model_validate(
        {
            "param": "track.1.volume",
            "interpolation": interpolation,
            "points": [AutomationPoint(row=r, value=v) for r, v in points],
        }
    )


@pytest.mark.parametrize("byte", [0, 1, 0x7F, 0x80, 0xFE, 0xFF])
def test_a_typed_byte_reads_back_as_the_same_byte(byte: int) -> None:
    assert to_byte(from_byte(byte)) == byte


def test_bytes_are_value_times_255_rounded_and_clamped() -> None:
    assert (to_byte(0.0), to_byte(0.5), to_byte(1.0)) == (0, 128, 255)
    assert from_byte(0xFF) == 1.0
    assert from_byte(300) == 1.0


def test_rows_are_points_between_points_or_unset_before_the_first() -> None:
    rows = lane_rows(lane((2, 0.0), (6, 1.0)), 8)
    assert [row.kind for row in rows] == ["unset"] * 2 + ["point"] + ["between"] * 3 + [
        "point",
        "between",
    ]
    assert [row.text.strip() for row in rows] == ["··", "··", "00", "40", "80", "BF", "FF", "FF"]
    assert {len(row.text) for row in rows} == {LANE_INNER_WIDTH}


def test_step_rows_hold_the_last_point() -> None:
    rows = lane_rows(lane((0, 0.25), (4, 1.0), interpolation="step"), 6)
    assert [row.text.strip() for row in rows] == ["40", "40", "40", "40", "FF", "FF"]


def test_a_lane_without_points_is_unset_everywhere() -> None:
    assert {row.kind for row in lane_rows(lane(), 4)} == {"unset"}


def test_headers_name_the_owner_and_show_the_interpolation() -> None:
    song = small_song()
    volume = find_param(song, "track.3.volume")
    assert lane_header(volume, lane()) == ("Track 3 ", "/volume ")
    cutoff = find_param(song, "instrument.2.filter.cutoff_hz")
    cutoff_lane = AutomationLane(param=cutoff.id, interpolation="step")
    assert lane_header(cutoff, cutoff_lane) == ("Inst 02 ", "_cutoff ")
    master = find_param(song, "master.volume")
    assert lane_header(master, AutomationLane(param="master.volume"))[0] == "Master  "
    long_name = find_param(song, "instrument.1.filter_env_octaves")
    assert lane_header(long_name, AutomationLane(param=long_name.id))[1] == "/filter…"


def test_an_unknown_id_is_shown_printable() -> None:
    strange = AutomationLane(param="x\x1b[2J")
    assert "\x1b" not in "".join(lane_header(None, strange))


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(True, "", "on"), (False, "", "off"), (12, "st", "12 st"), (1234.567, "Hz", "1235 Hz")],
)
def test_values_are_shown_in_their_unit(value: float, unit: str, shown: str) -> None:
    assert show_value(value, unit) == shown


def test_the_status_line_says_name_byte_and_real_value() -> None:
    song = small_song()
    cutoff = find_param(song, "instrument.1.filter.cutoff_hz")
    top = AutomationLane(param=cutoff.id, points=(AutomationPoint(row=4, value=1.0),))
    expected = f"{cutoff.spec.high:.4g} Hz"
    assert describe(cutoff, top, 4) == f"Inst 01 cutoff: FF = {expected} (point, linear)"
    assert describe(cutoff, top, 5).endswith("(between points, linear)")
    assert describe(cutoff, top, 0) == "Inst 01 cutoff: not set before the first point (linear)"


def test_the_picker_filter_wants_every_word_in_the_name_or_id() -> None:
    song = small_song()
    volume = find_param(song, "track.2.volume")
    assert matches(volume, "track 2 vol")
    assert matches(volume, "TRACK.2")
    assert not matches(volume, "track 3")
    assert matches(volume, "")
