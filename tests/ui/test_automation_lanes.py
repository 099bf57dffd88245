"""Automation lanes in the pattern editor: added through the picker, written with hex keys,
cleared, undone, switched between linear and step, removed; and how their rows look."""

from __future__ import annotations

from typing import Any

import pytest
from rich.style import Style

from tests.ui.app_support import make_app, small_song, steady
from tracker.model import Song
from tracker.model import edit as ed
from tracker.model.pattern import AutomationLane
from tracker.ui.app import TrackerApp
from tracker.ui.automation import LANE_INNER_WIDTH, VALUE_OFFSET
from tracker.ui.editor import LANE, NOTE
from tracker.ui.screens.confirm import Confirm
from tracker.ui.screens.param_picker import ParamPicker
from tracker.ui.widgets.pattern_grid import GUTTER_WIDTH, HEADER_LINES, LANE_WIDTH, track_width

VOLUME_2 = "track.2.volume"
CUTOFF_1 = "instrument.1.filter.cutoff_hz"


def with_lanes() -> Song:
    """Track 1's volume from 00 at row 2 to FF at row 6; an empty cutoff lane."""
    song = small_song()
    song = ed.set_automation_point(song, 0, "track.1.volume", 2, 0.0)
    song = ed.set_automation_point(song, 0, "track.1.volume", 6, 1.0)
    return ed.add_automation_lane(song, 0, CUTOFF_1)


def lane_of(app: TrackerApp, param: str) -> AutomationLane:
    found = app.session.song.patterns[0].lane(param)
    assert found is not None, param
    return found


def points(app: TrackerApp, param: str) -> dict[int, int]:
    """row -> byte of the lane's points."""
    return {p.row: round(p.value * 255) for p in lane_of(app, param).points}


def status(app: TrackerApp) -> str:
    return str(app.status_line.render())


def lane_cells(app: TrackerApp, row: int) -> list[tuple[str, Style]]:
    """(text, style of its first character) of each lane column on the line of ``row``."""
    y = row - app.grid.top_row() + HEADER_LINES
    segments = list(app.grid.render_line(y))
    text = "".join(segment.text for segment in segments)
    styles = [segment.style or Style() for segment in segments for _ in segment.text]
    song = app.session.song
    x = GUTTER_WIDTH + sum(track_width(track.effect_columns) for track in song.tracks)
    cells = []
    for _ in song.patterns[0].automation:
        digits = x + VALUE_OFFSET
        cells.append((text[x : x + LANE_INNER_WIDTH], styles[digits]))
        x += LANE_WIDTH
    return cells


async def test_a_lane_added_through_the_picker_takes_points_from_hex_keys() -> None:
    app = make_app(small_song())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("alt+w")
        assert isinstance(app.screen, ParamPicker)
        await pilot.press(*"track 2 vol", "enter")
        assert not isinstance(app.screen, ParamPicker)
        assert [lane.param for lane in app.session.song.patterns[0].automation] == [VOLUME_2]
        cursor = app.editor.cursor
        assert (cursor.column, cursor.lane, cursor.digit) == (LANE, 0, 0)
        assert status(app) == "Track 2 volume: not set before the first point (linear)"

        await pilot.press("space", "8", "0")  # edit mode; a point, then one row down
        assert points(app, VOLUME_2) == {0: 0x80}
        assert (app.editor.cursor.row, app.editor.cursor.digit) == (1, 0)
        await pilot.press("right_curly_bracket", "f", "f")  # edit step 2
        assert points(app, VOLUME_2) == {0: 0x80, 1: 0xFF}
        assert app.editor.cursor.row == 3
        assert status(app) == "Track 2 volume: FF = 1 (between points, linear)"

        await pilot.press("up", "up", "delete")  # clear row 1's point; a step down
        assert points(app, VOLUME_2) == {0: 0x80}
        assert app.editor.cursor.row == 3
        await pilot.press("ctrl+z")
        assert points(app, VOLUME_2) == {0: 0x80, 1: 0xFF}
        await pilot.press("ctrl+y")
        assert points(app, VOLUME_2) == {0: 0x80}
        await pilot.press("ctrl+z", "ctrl+z")  # the low digit of row 1, then its high one
        assert points(app, VOLUME_2) == {0: 0x80, 1: 0xF0}
        assert app.session.history.redo_label == "Automation"


async def test_hex_keys_write_nothing_with_edit_mode_off() -> None:
    app = make_app(with_lanes())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("shift+tab", "4", "0")  # the last lane (cutoff)
        assert app.editor.cursor.lane == 1
        assert lane_of(app, CUTOFF_1).points == ()


async def test_the_picker_highlights_the_mixer_strip_under_the_cursor() -> None:
    app = make_app(small_song())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("f4", "right", "right", "alt+w")  # the third strip
        assert isinstance(app.screen, ParamPicker)
        await pilot.press("enter")
        assert app.session.song.patterns[0].automation[0].param == "track.3.volume"
        assert app.focused is app.grid  # the pattern editor shows the new lane


async def test_an_on_off_parameter_gets_a_step_lane() -> None:
    app = make_app(small_song())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("alt+w", *"track 1 mute", "enter")
        assert lane_of(app, "track.1.mute").interpolation == "step"


async def test_escape_in_the_picker_adds_nothing() -> None:
    app = make_app(small_song())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("alt+w", "escape")
        assert app.session.song.patterns[0].automation == []
        assert not app.session.history.can_undo


async def test_the_cursor_moves_through_lanes_after_the_last_track() -> None:
    app = make_app(with_lanes())
    async with app.run_test(size=(120, 30)) as pilot:
        editor = app.editor
        await pilot.press("shift+tab")  # from track 1: round to the last lane
        assert (editor.cursor.lane, editor.cursor.digit) == (1, 0)
        await pilot.press("shift+tab")
        assert editor.cursor.lane == 0
        await pilot.press("shift+tab")
        assert (editor.cursor.lane, editor.cursor.track, editor.cursor.column) == (None, 3, NOTE)
        await pilot.press("tab", "right", "right")  # lane 0 digit 1, then lane 1 digit 0
        assert (editor.cursor.lane, editor.cursor.digit) == (1, 0)
        await pilot.press("right", "right")  # past the last lane: round to track 1's note
        assert (editor.cursor.lane, editor.cursor.track, editor.cursor.column) == (None, 0, NOTE)
        await pilot.press("left")
        assert (editor.cursor.lane, editor.cursor.digit) == (1, 1)
        await pilot.press("left", "left", "left", "left")  # two digits a lane
        assert editor.cursor.lane is None
        assert editor.cursor.track == 3
        assert editor.cursor.column > NOTE  # the last stop of the last track


async def test_a_click_on_a_lane_puts_the_cursor_on_that_digit() -> None:
    app = make_app(with_lanes())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        song = app.session.song
        x = GUTTER_WIDTH + sum(track_width(track.effect_columns) for track in song.tracks)
        x += LANE_WIDTH + VALUE_OFFSET + 1  # the second lane's low digit
        y = 5 - app.grid.top_row() + HEADER_LINES  # row 5
        await pilot.click(app.grid, offset=(x, y))
        cursor = app.editor.cursor
        assert (cursor.row, cursor.lane, cursor.digit, cursor.column) == (5, 1, 1, LANE)


async def test_rows_show_points_interpolated_values_dim_and_unset_dots() -> None:
    app = make_app(with_lanes())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert [text.strip() for text, _ in lane_cells(app, 0)] == ["··", "··"]
        point_text, point_style = lane_cells(app, 2)[0]
        between_text, between_style = lane_cells(app, 4)[0]
        assert (point_text.strip(), between_text.strip()) == ("00", "80")
        assert not point_style.dim
        assert between_style.dim
        assert lane_cells(app, 9)[0][0].strip() == "FF"  # held after the last point
        header = app.grid.render_line(1).text
        assert "/volume" in header
        assert "/cutoff" in header


async def test_interpolation_toggles_between_linear_and_step() -> None:
    app = make_app(with_lanes())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("tab", "tab", "tab", "tab")  # track 4, then lane 0
        assert app.editor.cursor.lane == 0
        await pilot.press("alt+y")
        assert lane_of(app, "track.1.volume").interpolation == "step"
        assert lane_cells(app, 4)[0][0].strip() == "00"
        assert "_volume" in app.grid.render_line(1).text
        await pilot.press("ctrl+z")
        assert lane_of(app, "track.1.volume").interpolation == "linear"
        assert lane_cells(app, 4)[0][0].strip() == "80"


async def test_a_lane_is_removed_after_asking() -> None:
    app = make_app(with_lanes())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("shift+tab", "shift+tab")  # lane 0: track 1's volume
        await pilot.press("alt+z")
        assert isinstance(app.screen, Confirm)
        await pilot.press("c")
        assert len(app.session.song.patterns[0].automation) == 2
        await pilot.press("alt+z", "r")
        assert [lane.param for lane in app.session.song.patterns[0].automation] == [CUTOFF_1]
        assert app.editor.cursor.lane == 0  # the lane that took its place
        await pilot.press("alt+z", "r")
        assert app.session.song.patterns[0].automation == []
        assert app.editor.cursor.lane is None
        assert app.editor.cursor.column != LANE
        await pilot.press("ctrl+z", "ctrl+z")
        assert points(app, "track.1.volume") == {2: 0x00, 6: 0xFF}


@pytest.mark.parametrize("key", ["backspace", "insert", "alt+c"])
async def test_row_and_block_keys_in_a_lane_say_where_they_work(key: str) -> None:
    app = make_app(with_lanes())
    async with app.run_test(size=(120, 30)) as pilot:
        before = app.session.song
        await pilot.press("space", "shift+tab", key)
        assert app.session.song is before
        assert "in the tracks, not in an automation lane" in status(app)


async def test_a_lane_in_the_status_line_shows_the_real_value_and_unit() -> None:
    app = make_app(with_lanes())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("space", "shift+tab", "f", "f", "up")
        assert status(app).startswith("Inst 01 cutoff: FF = ")
        assert status(app).endswith(" Hz (point, linear)")


def test_snapshot_two_lanes(snap_compare: Any) -> None:
    app = steady(make_app(with_lanes()))
    # Edit mode, into the second lane, a point at row 0 and the cursor on row 1.
    assert snap_compare(app, press=["space", "shift+tab", "c", "0"], terminal_size=(120, 30))
