"""The app following a drum machine's clock through a real JACK MIDI port (tracker:in):
start, the tempo, stop, and continue from a song position pointer."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tests.ui.app_support import small_song, wait_for
from tracker.config import Config, UserConfig
from tracker.io import midi
from tracker.io.project import Project
from tracker.model import Pattern
from tracker.session import Session
from tracker.ui.app import TrackerApp

BPM = 150.0
CLOCK, START, CONTINUE, STOP, SPP = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2


@pytest.fixture(autouse=True)
def own_client_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's ports under a client name of their own; the keyboard fixture finds them by it."""
    monkeypatch.setattr(midi, "CLIENT_NAME", f"tracker-clock-{os.getpid()}")


class Clock:
    """24 pulses a beat from a thread, on exact deadlines (no drift from sleep overshoot)."""

    def __init__(self, sender: Any, bpm: float) -> None:
        self.sender = sender
        self.interval_s = 60.0 / (24 * bpm)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        k = 0
        while not self.stop.is_set():
            time.sleep(max(0.0, start + k * self.interval_s - time.monotonic()))
            self.sender.send_message([CLOCK])
            k += 1


async def test_the_app_follows_an_external_clock(keyboard: Callable[[], Any]) -> None:
    song = small_song(rows=16)
    song = song.model_copy(update={"patterns": [Pattern.empty(16, 4)] * 2, "order": [0, 1]})
    config = UserConfig(None, effective=Config(midi_clock_in=True))
    app = TrackerApp(Session(Project(song=song)), audio_device="null", config=config)
    drained: list[Any] = []  # every row the app's poll takes from the kernel
    poll = app.session.poll

    def poll_and_keep() -> str | None:
        notice = poll()
        drained.extend(app.session.rows_drained)
        return notice

    app.session.poll = poll_and_keep  # type: ignore[method-assign]
    async with app.run_test(size=(120, 30)) as pilot:
        drum_machine = keyboard()
        clock = Clock(drum_machine, BPM)
        clock.thread.start()
        try:
            await pilot.pause(1.2)  # the machine's clock runs before its start
            drum_machine.send_message([START])
            await wait_for(pilot, lambda: app.session.heard.state == "song")
            drained.clear()
            await pilot.pause(3.0)
            rows = list(drained)
            bpm = app.session.kernel.stats().follow_bpm
            assert bpm == pytest.approx(BPM, rel=0.01)
            assert "EXT 1" in str(app.transport.render())
            # each row's length, from one row to the next (not across a pattern's end)
            lengths = [
                (later.frame - earlier.frame) / 48000
                for earlier, later in itertools.pairwise(rows[4:])
                if later.row == earlier.row + 1
            ]
            assert len(lengths) > 15, rows
            assert float(np.median(lengths)) == pytest.approx(6 * 2.5 / BPM, rel=0.01), rows

            drum_machine.send_message([STOP])
            await wait_for(pilot, lambda: app.session.state == "stopped")
            assert not app.session.kernel.stats().playing
            drained.clear()
            drum_machine.send_message([SPP, 20, 0])  # sixteenth 20: order 1, row 4
            drum_machine.send_message([CONTINUE])
            await wait_for(pilot, lambda: len(drained) > 0)
            assert (drained[0].order, drained[0].row) == (1, 4)
            await wait_for(pilot, lambda: app.session.heard.state == "song")
        finally:
            clock.stop.set()
            clock.thread.join()
