"""A MIDI keyboard on the app's own port (tracker:in), through a real JACK server's MIDI:
notes sound at once, are written at the cursor in edit mode, program changes pick the
instrument."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ui.app_support import make_app, wait_for
from tracker.io import midi
from tracker.ui.app import TrackerApp


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
        for note in (60, 62):  # MIDI 60, 62 are C-4, D-4: tracker notes 48, 50
            sender.send_message([0x90, note, 90])
            sender.send_message([0x80, note, 0])
        await wait_for(pilot, lambda: app.session.song.patterns[0].rows[1][0].note == 50)
        rows = app.session.song.patterns[0].rows
        assert (rows[0][0].note, rows[0][0].instrument) == (48, 1)
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
