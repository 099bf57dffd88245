"""Record mode writes mapped controllers' moves as automation points, on the silent (null)
output: each at the row heard when it arrived, in the pattern heard, the latest of a row
winning, in the recording pass's one undo step.

Control changes go to the app's Controllers as the MIDI reader thread hands them on, with a
clock of the test's own standing in for their arrival, so each move's place is exact (as
tests/ui/test_record_ui.py does for notes). The moments are in rows already reported, and
clear of the row middles.
"""

from __future__ import annotations

from typing import Any

import mido

from tests.ui.app_support import make_app, small_song, wait_for
from tracker.midi_learn import Controllers
from tracker.model import Song
from tracker.model import edit as ed
from tracker.model.song import MidiMapping
from tracker.record import TimedRow
from tracker.ui.app import TrackerApp

SIZE = (100, 30)
ROW_S = 6 * 2.5 / 125  # the small song: speed 6 at 125 BPM
VOLUME = "track.1.volume"
CC = 7


def song_of_two_patterns() -> Song:
    """Two 4-row patterns in the order (so a few rows heard cross from one to the other),
    with CC 7 on channel 1 mapped to track 1's volume."""
    song = small_song(rows=4)
    song, second = ed.new_pattern(song, 4)
    song = ed.insert_order(song, 1, second)
    return ed.add_mapping(song, MidiMapping(param=VOLUME, channel=0, controller=CC))


class Knob:
    """CC 7 turned at chosen moments (time.monotonic), through the app's Controllers."""

    def __init__(self, app: TrackerApp) -> None:
        self._at_s = 0.0
        self.app = app
        # The app's own Controllers, but on this clock: the arrival time is the test's.
        app.controllers = Controllers(app.session, lambda learned: None, clock=lambda: self._at_s)

    def turn(self, value: int, at_s: float) -> None:
        self._at_s = at_s
        self.app.controllers.handle(mido.Message("control_change", control=CC, value=value))


async def rows_heard(pilot: Any, app: TrackerApp, count: int) -> list[TimedRow]:
    """``count`` rows that played, the last with a row reported after it."""
    rows = app.recorder.timeline.rows
    await wait_for(pilot, lambda: len(rows) > count)
    return list(rows)[-count - 1 : -1]


def lane_points(app: TrackerApp) -> dict[tuple[int, int], float]:
    """(pattern, row) -> value of every point of the volume lane in the song."""
    found = {}
    for index, pattern in enumerate(app.session.song.patterns):
        lane = pattern.lane(VOLUME)
        for point in lane.points if lane else ():
            found[(index, point.row)] = point.value
    return found


async def test_moves_while_recording_land_on_the_rows_heard_in_one_undo_step() -> None:
    app = make_app(song_of_two_patterns())
    async with app.run_test(size=SIZE) as pilot:
        knob = Knob(app)
        await pilot.press("alt+r", "f5")
        first, second, third, fourth = await rows_heard(pilot, app, 4)
        knob.turn(100, first.time_s + 0.1 * ROW_S)
        knob.turn(20, first.time_s + 0.3 * ROW_S)  # the same row: the latest wins
        knob.turn(127, second.time_s + 0.2 * ROW_S)
        knob.turn(64, second.time_s + 0.8 * ROW_S)  # past the middle: the next row
        knob.turn(0, fourth.time_s + 0.1 * ROW_S)
        expected = {
            (first.pattern, first.row): 20 / 127,
            (second.pattern, second.row): 1.0,
            (third.pattern, third.row): 64 / 127,
            (fourth.pattern, fourth.row): 0.0,
        }
        await wait_for(pilot, lambda: len(lane_points(app)) == len(expected))
        written = lane_points(app)
        assert written.keys() == expected.keys(), [(r.pattern, r.row) for r in (first, fourth)]
        for spot, value in expected.items():
            assert abs(written[spot] - value) < 1e-5, spot
        assert app.session.song.tracks[0].volume == 0.0  # the knob's last value, followed
        await pilot.press("f8")
        await pilot.press("ctrl+z")  # the pass: points, lanes and the knob's values
        assert lane_points(app) == {}
        assert all(p.automation == [] for p in app.session.song.patterns)
        assert app.session.song.tracks[0].volume == small_song().tracks[0].volume
        assert not app.session.history.can_undo


async def test_moves_with_record_off_or_stopped_write_no_points() -> None:
    app = make_app(song_of_two_patterns())
    async with app.run_test(size=SIZE) as pilot:
        knob = Knob(app)
        await pilot.press("f5")  # playing, record off
        (row,) = await rows_heard(pilot, app, 1)
        knob.turn(10, row.time_s + 0.1 * ROW_S)
        await wait_for(pilot, lambda: app.session.song.tracks[0].volume < 0.1)
        await pilot.press("f8", "alt+r")  # record on, stopped
        knob.turn(90, row.time_s + 0.1 * ROW_S)
        await wait_for(pilot, lambda: app.session.song.tracks[0].volume > 0.5)
        assert lane_points(app) == {}
        assert all(p.automation == [] for p in app.session.song.patterns)
