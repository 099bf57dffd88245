"""Record mode in the App on the silent (null) output: the toggle and its settings, notes
written at the cursor when stopped, and where they were heard while playing.

MIDI messages go to the app's MidiPlayer as the reader thread hands them on, with a clock
of the test's own standing in for the arrival time, so each note's place is exact; the
same through a real JACK MIDI port is tests/ui/test_midi_record.py.
"""

from __future__ import annotations

import time
from typing import Any

import mido

from tests.ui.app_support import cell, make_app, wait_for
from tracker.model import NOTE_OFF, Cell, Effect
from tracker.model.notes import MIDI_NOTE_OFFSET
from tracker.record import TimedRow
from tracker.ui.app import TrackerApp

SIZE = (100, 30)
ROW_S = 6 * 2.5 / 125  # the small song: speed 6 at 125 BPM
TICK_S = 2.5 / 125


def key(app: TrackerApp, note: int, at_s: float | None = None, velocity: int = 127) -> None:
    """The key for tracker note ``note`` pressed (velocity > 0) or released (0), arriving at
    ``at_s`` (default: now). The keyboard sends it an octave up: MIDI 60 is C-4 (48)."""
    arrived = time.monotonic() if at_s is None else at_s
    app.midi_player.clock = lambda: arrived
    kind = "note_on" if velocity else "note_off"
    midi_note = note + MIDI_NOTE_OFFSET
    app.midi_player.handle(mido.Message(kind, note=midi_note, velocity=velocity))


async def a_row_heard(pilot: Any, app: TrackerApp) -> TimedRow:
    """A row that played, with the one after it already reported."""
    rows = app.recorder.timeline.rows
    await wait_for(pilot, lambda: len(rows) >= 3)
    return rows[-2]


def transport_text(app: TrackerApp) -> str:
    from textual.geometry import Region

    bar = app.transport
    return "\n".join(strip.text for strip in bar.render_lines(Region(0, 0, *bar.size)))


async def test_record_toggles_and_shows_rec_and_its_settings() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert "REC" not in transport_text(app)
        await pilot.press("alt+r")
        assert app.recorder.on
        assert "REC" in transport_text(app)
        assert "record on: to the nearest row" in str(app.status_line.render())
        await pilot.press("alt+t", "alt+n", "alt+k")
        settings = app.recorder.settings
        assert (settings.quantise, settings.note_offs, settings.velocity) == ("tick", True, False)
        assert "nearest tick (EDx), note-offs on, velocity off" in str(app.status_line.render())
        await pilot.press("alt+r")
        await pilot.pause()
        assert not app.recorder.on
        assert "REC" not in transport_text(app)


async def test_stopped_record_writes_at_the_cursor_a_chord_on_one_row() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+r")  # edit mode stays off: record writes by itself
        assert not app.editor.edit_mode
        for note in (60, 64, 67):
            key(app, note, velocity=100)
        await wait_for(pilot, lambda: cell(app, 0, 2).note == 67)
        assert [cell(app, 0, track) for track in range(3)] == [
            Cell(note=n, instrument=1, volume=50) for n in (60, 64, 67)
        ]
        assert app.editor.cursor.row == 1  # one step for the chord
        for note in (60, 64, 67):
            key(app, note, velocity=0)
        key(app, 62)
        await wait_for(pilot, lambda: cell(app, 1, 0).note == 62)
        assert app.editor.cursor.row == 2
        await pilot.press("ctrl+z")  # each note written while stopped is a step of its own
        assert cell(app, 1, 0).note is None
        assert cell(app, 0, 2).note == 67


async def test_without_record_or_edit_mode_nothing_is_written() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        key(app, 60)
        await pilot.pause(0.1)
        assert cell(app, 0, 0).note is None


async def test_playing_notes_go_to_the_row_heard_and_the_pass_undoes_at_once() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+r", "f6")
        row = await a_row_heard(pilot, app)
        key(app, 60, row.time_s + 0.3 * ROW_S)  # early in the row: this row
        key(app, 60, row.time_s + 0.35 * ROW_S, velocity=0)
        key(app, 62, row.time_s + 0.7 * ROW_S, velocity=64)  # past its middle: the next
        here, after = row.row, (row.row + 1) % 32
        await wait_for(pilot, lambda: cell(app, after, 0).note == 62)
        assert cell(app, here, 0) == Cell(note=60, instrument=1, volume=64)
        assert cell(app, after, 0) == Cell(note=62, instrument=1, volume=32)
        assert app.editor.cursor.row == 0  # the cursor stays while playing
        await pilot.press("f8")
        await pilot.press("ctrl+z")
        assert cell(app, here, 0).note is None
        assert cell(app, after, 0).note is None


async def test_a_chord_while_playing_spreads_and_note_offs_follow_the_release() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+r", "alt+n", "f6")
        row = await a_row_heard(pilot, app)
        for note in (60, 64):
            key(app, note, row.time_s + 0.1 * ROW_S)
        key(app, 60, row.time_s + 2.1 * ROW_S, velocity=0)  # two rows later: an off
        key(app, 64, row.time_s + 0.2 * ROW_S, velocity=0)  # in its own row: no off
        off_row = (row.row + 2) % 32
        await wait_for(pilot, lambda: cell(app, off_row, 0).note == NOTE_OFF)
        assert (cell(app, row.row, 0).note, cell(app, row.row, 1).note) == (60, 64)
        assert cell(app, off_row, 1).note is None


async def test_tick_quantise_writes_a_note_delay() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+r", "alt+t", "alt+k", "f6")
        row = await a_row_heard(pilot, app)
        key(app, 60, row.time_s + 2.4 * TICK_S)
        await wait_for(pilot, lambda: cell(app, row.row, 0).note == 60)
        assert cell(app, row.row, 0) == Cell(
            note=60, instrument=1, effects=(Effect(command="E", param=0xD2),)
        )


async def test_rec_is_reversed_in_the_transport_bar_not_only_coloured() -> None:
    from textual.geometry import Region

    from tests.ui.test_transport_bar import TransportApp
    from tracker.ui.widgets.transport_bar import TransportBar, TransportState

    app = TransportApp(TransportState(record=True))
    async with app.run_test(size=(120, 24)):
        bar = app.query_one(TransportBar)
        (strip,) = bar.render_lines(Region(0, 0, *bar.size))
        assert "│ VIEW │ REC │ FOLLOW │" in strip.text
        (rec,) = [segment for segment in strip if segment.text == "REC"]
        assert rec.style is not None and rec.style.reverse
