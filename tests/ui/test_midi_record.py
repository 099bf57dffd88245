"""Record mode through real ports: a JACK MIDI keyboard plays into tracker:in while the
pattern plays, and each note lands on the row that was heard when it was sent.

Notes are sent from a thread of their own at chosen moments: early in a row (this row), past
its middle (the next row), a chord (adjacent tracks), and releases (note-offs). MIDI only
arrives later than sent (one JACK period, our reader's millisecond), so the moments keep
well clear of the row middles in that direction. Row times come from the kernel's row
events, so the audio output's clock is the one tested: the null output's (the monotonic
clock) and PortAudio's JACK stream's (JACK's frame time, another clock altogether).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sounddevice

from tests.jack_rig import JackServer, jackd_available, private_jack_server, rescan_portaudio
from tests.ui.app_support import cell, small_song, wait_for
from tracker.io.project import Project
from tracker.model import NOTE_OFF
from tracker.session import Session
from tracker.ui.app import TrackerApp

ROWS = 16
ROW_S = 6 * 2.5 / 125  # speed 6 at 125 BPM
LEAD_ROWS = 4
"""The first note goes this many rows after the last one reported: time to set things up."""


@pytest.fixture(scope="module")
def jack_server() -> Iterator[JackServer]:
    """This module's own jackd, seen by PortAudio (the tests play through it too): PortAudio
    is rescanned once the server runs and lets go of it before the server stops."""
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    with private_jack_server() as server:
        rescan_portaudio(server)  # PortAudio sees a JACK server only if it ran when it started
        try:
            yield server
        finally:
            sounddevice._terminate()  # PortAudio lets go of JACK before the server stops
    sounddevice._initialize()


def play_at(sender: Any, moments: list[tuple[float, list[int]]]) -> threading.Thread:
    """Send each message at its time.monotonic() moment, from a thread (the UI keeps running)."""

    def run() -> None:
        for at_s, message in moments:
            while (wait_s := at_s - time.monotonic()) > 0:
                time.sleep(min(wait_s, 0.002))
            sender.send_message(message)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("device", ["null", "jack"])
async def test_notes_land_on_the_rows_heard_and_chords_on_adjacent_tracks(
    keyboard: Callable[[], Any], device: str
) -> None:
    song = small_song(tracks=4, rows=ROWS)
    session = Session(Project(song=song, samples={}, path=None))
    app = TrackerApp(session, audio_device=None if device == "jack" else "null", midi=True)
    async with app.run_test(size=(100, 30)) as pilot:
        assert len(app.midi_inputs) >= 1, str(app.status_line.render())
        if device == "jack":
            assert "JACK" in session.audio_notice, session.audio_notice
        sender = keyboard()
        await pilot.press("alt+r", "alt+n", "f6")  # record, note-offs, play the pattern
        rows = app.recorder.timeline.rows
        await wait_for(pilot, lambda: len(rows) >= 2)
        last = rows[-1]
        # Row starts ahead, on the monotonic clock (the test's); the kernel's rows are exact
        # frames apart, so they extrapolate exactly.
        to_monotonic = time.monotonic() - session.playback.now_s()

        def at(rows_ahead: int, fraction: float) -> float:
            return last.time_s + (rows_ahead + fraction) * ROW_S + to_monotonic

        def row(rows_ahead: int) -> int:
            return (last.row + rows_ahead) % ROWS

        first = LEAD_ROWS
        moments = [
            (at(first, 0.1), [0x90, 60, 100]),  # early in a row: that row, track 0
            (at(first + 2, 0.1), [0x80, 60, 0]),  # released two rows on: an off there
            (at(first + 4, 0.6), [0x90, 62, 127]),  # past the middle: the next row
            (at(first + 5, 0.2), [0x80, 62, 0]),  # in that row: no off
            (at(first + 7, 0.1), [0x90, 64, 90]),  # a chord: tracks 0, 1, 2
            (at(first + 7, 0.1), [0x90, 67, 90]),
            (at(first + 7, 0.1), [0x90, 71, 90]),
            (at(first + 9, 0.1), [0x80, 64, 0]),  # released together: offs on 0, 1, 2
            (at(first + 9, 0.1), [0x80, 67, 0]),
            (at(first + 9, 0.1), [0x80, 71, 0]),
        ]
        thread = play_at(sender, moments)
        await wait_for(pilot, lambda: not thread.is_alive())
        # MIDI 60, 62, 64, 67, 71 are C-4, D-4, E-4, G-4, B-4: tracker notes 48, 50, 52, 55, 59
        expected = {
            (row(first), 0): (48, 50),
            (row(first + 2), 0): (NOTE_OFF, None),
            (row(first + 5), 0): (50, 64),
            (row(first + 7), 0): (52, 45),
            (row(first + 7), 1): (55, 45),
            (row(first + 7), 2): (59, 45),
            (row(first + 9), 0): (NOTE_OFF, None),
            (row(first + 9), 1): (NOTE_OFF, None),
            (row(first + 9), 2): (NOTE_OFF, None),
        }
        await wait_for(pilot, lambda: cell(app, row(first + 9), 2).note == NOTE_OFF)
        written = {
            (r, t): (cell(app, r, t).note, cell(app, r, t).volume)
            for r in range(ROWS)
            for t in range(4)
            if cell(app, r, t).note is not None
        }
        assert written == expected, f"rows from {last.row}, first note at row {row(first)}"
        notes = [(r, t) for (r, t), (note, _) in expected.items() if note != NOTE_OFF]
        assert {cell(app, r, t).instrument for r, t in notes} == {1}
