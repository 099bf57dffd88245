"""A MIDI keyboard on the app's own port (tracker:in), through a real JACK server's MIDI:
notes sound at once, are written at the cursor in edit mode, program changes pick the
instrument."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rtmidi

from tests.jack_rig import JackServer, jackd_available, private_jack_server
from tests.ui.app_support import make_app
from tracker.io import midi
from tracker.ui.app import TrackerApp

WAIT_S = 5.0


@pytest.fixture(scope="module")
def jack_server() -> Iterator[JackServer]:
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    with private_jack_server() as server:
        yield server


@pytest.fixture
def keyboard(jack_server: JackServer) -> Iterator[Callable[[], Any]]:
    """keyboard(): a test client's MIDI output, connected to tracker:in once it exists."""
    made: list[Any] = []

    def connect() -> Any:
        sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name="test-keyboard")
        made.append(sender)
        ports = sender.get_ports()
        target = next(port for port in ports if port.startswith("tracker") and "in" in port)
        sender.open_port(ports.index(target))
        return sender

    yield connect
    for sender in made:
        sender.delete()


async def wait_for(pilot: Any, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


async def test_midi_notes_play_and_are_entered_in_edit_mode(keyboard: Callable[[], Any]) -> None:
    app: TrackerApp = make_app(midi=True)
    async with app.run_test(size=(100, 30)) as pilot:
        assert len(app.midi_inputs) == 1, str(app.status_line.render())
        sender = keyboard()
        sender.send_message([0x90, 64, 100])  # edit mode off: heard, not written
        await wait_for(pilot, lambda: app.session.kernel.stats().voices_active >= 1)
        sender.send_message([0x80, 64, 0])
        assert app.session.song.patterns[0].rows[0][0].note is None
        await pilot.press("space")
        for note in (60, 62):
            sender.send_message([0x90, note, 90])
            sender.send_message([0x80, note, 0])
        await wait_for(pilot, lambda: app.session.song.patterns[0].rows[1][0].note == 62)
        rows = app.session.song.patterns[0].rows
        assert (rows[0][0].note, rows[0][0].instrument) == (60, 1)
        assert app.editor.cursor.row == 2


async def test_program_change_selects_an_instrument(keyboard: Callable[[], Any]) -> None:
    app: TrackerApp = make_app(midi=True)
    async with app.run_test(size=(100, 30)) as pilot:
        sender = keyboard()
        sender.send_message([0xC0, 1])  # program 2: the song's second instrument
        await wait_for(pilot, lambda: app.editor.instrument == 2)
        sender.send_message([0xC0, 99])  # no such instrument: nothing changes
        await pilot.pause(0.2)
        assert app.editor.instrument == 2


async def test_with_no_midi_system_the_app_runs_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # As on a box without ALSA's sequencer device and with no JACK server.
    monkeypatch.setattr(midi, "ALSA_SEQUENCER", tmp_path / "no-seq")
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "no-such-server-for-tracker")
    app: TrackerApp = make_app(midi=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.midi_inputs == []
        assert "MIDI:" in str(app.status_line.render())
