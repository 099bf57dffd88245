"""The app following a drum machine's clock through a real JACK MIDI port (tracker:in):
start, the tempo, stop, and continue from a song position pointer. The drum machine is a
process of its own (tests/midi_drum_child.py), as a real one is."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.jack_rig import JackServer
from tests.ui.app_support import small_song, wait_for
from tracker.config import Config, UserConfig
from tracker.io import midi
from tracker.io.project import Project
from tracker.model import Pattern
from tracker.session import Session
from tracker.ui.app import TrackerApp

REPO = Path(__file__).resolve().parents[2]
BPM = 150.0


@pytest.fixture(autouse=True)
def own_client_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's ports under a client name of their own."""
    monkeypatch.setattr(midi, "CLIENT_NAME", f"tracker-clock-{os.getpid()}")


async def test_the_app_follows_an_external_clock(jack_server: JackServer) -> None:
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
        port = app.midi_inputs[0].port_name
        drums = subprocess.Popen(
            [sys.executable, "-m", "tests.midi_drum_child", port, str(BPM)],
            cwd=REPO,
            env=dict(os.environ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert drums.stdin and drums.stdout

        def send(command: str) -> None:
            assert drums.stdin
            drums.stdin.write(command + "\n")
            drums.stdin.flush()

        assert drums.stdout.readline().strip() == "ready"
        try:
            await pilot.pause(1.2)  # the machine's clock runs before its start
            send("start")
            await wait_for(pilot, lambda: app.session.heard.state == "song")
            drained.clear()
            await pilot.pause(3.0)
            rows = list(drained)
            bpm = app.session.kernel.stats().follow_bpm
            # The shown tempo is the latest fit, and pulses are stamped when our reader takes
            # them (a 1 ms poll, later on a busy machine): within 5 %; the rows' own lengths,
            # over seconds, within 1 % (below).
            assert bpm == pytest.approx(BPM, rel=0.05)
            assert "EXT 1" in str(app.transport.render())
            # each row's length, from one row to the next (not across a pattern's end)
            lengths = [
                (later.frame - earlier.frame) / 48000
                for earlier, later in itertools.pairwise(rows[4:])
                if later.row == earlier.row + 1
            ]
            assert len(lengths) > 15, rows
            assert float(np.median(lengths)) == pytest.approx(6 * 2.5 / BPM, rel=0.01), rows

            send("stop")
            await wait_for(pilot, lambda: app.session.state == "stopped")
            assert not app.session.kernel.stats().playing
            # Rows played just before the stop are held until heard: let them come through
            # before the rows after continue are looked for.
            await pilot.pause(0.3)
            drained.clear()
            send("spp 20")  # sixteenth 20: order 1, row 4
            send("continue")
            await wait_for(pilot, lambda: len(drained) > 0)
            assert (drained[0].order, drained[0].row) == (1, 4)
            await wait_for(pilot, lambda: app.session.heard.state == "song")
        finally:
            send("quit")
            drums.wait(timeout=10)
