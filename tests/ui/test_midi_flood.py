"""A MIDI flood into the app's own port through a real JACK server: ten thousand messages
in about a second (notes, controllers, clock, sysex, garbage) while the song plays and the
app follows the clock. The app keeps answering keys within 100 ms, nothing crashes, the
counters say what came and what was dropped, and the audio engine reports no fault."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual import events

from tests.jack_rig import JackServer
from tests.ui.app_support import small_song, wait_for
from tracker.config import Config, UserConfig
from tracker.io import midi
from tracker.io.project import Project
from tracker.model import MidiMapping
from tracker.model import edit as ed
from tracker.session import Session
from tracker.ui.app import TrackerApp

REPO = Path(__file__).resolve().parents[2]
MESSAGES = 10_000
FLOOD_S = 1.0
KEY_BUDGET_S = 0.1


@pytest.fixture(autouse=True)
def own_client_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(midi, "CLIENT_NAME", f"tracker-flood-{os.getpid()}")


async def test_a_flood_leaves_the_app_responsive(jack_server: JackServer) -> None:
    song = ed.add_mapping(
        small_song(), MidiMapping(param="track.1.volume", channel=0, controller=7)
    )
    config = UserConfig(None, effective=Config(midi_clock_in=True))
    app = TrackerApp(Session(Project(song=song)), audio_device="null", config=config)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("f5")
        port = app.midi_inputs[0]
        sender = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.midi_flood_child",
                port.port_name,
                str(MESSAGES),
                str(FLOOD_S),
            ],
            cwd=REPO,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ticks: list[float] = []
        app.set_interval(0.005, lambda: ticks.append(time.monotonic()))
        slowest_s = 0.0
        presses = 0
        while sender.poll() is None:
            # A key through the app's own queue, and how long until its action has run
            # (Pilot.press waits for the app to go idle, which a flood never lets it be).
            row = app.editor.cursor.row
            before = time.monotonic()
            app.post_message(events.Key("down" if presses % 2 == 0 else "up", None))
            while app.editor.cursor.row == row:
                assert time.monotonic() - before < 5.0, "a key was never handled"
                await asyncio.sleep(0.001)
            slowest_s = max(slowest_s, time.monotonic() - before)
            presses += 1
            await asyncio.sleep(0.02)
        out, err = sender.communicate()
        assert sender.returncode == 0 and out.startswith("sent"), err
        stall_s = max(b - a for a, b in itertools.pairwise(ticks))
        await wait_for(pilot, lambda: port.received + port.sysex_dropped >= MESSAGES * 0.99)

        assert presses >= 5, (presses, slowest_s)
        assert slowest_s < KEY_BUDGET_S, f"a key took {slowest_s * 1000:.0f} ms in the flood"
        assert stall_s < KEY_BUDGET_S, f"the UI stood still for {stall_s * 1000:.0f} ms"
        assert port.sysex_dropped == MESSAGES // 10  # every oversized sysex, no more
        assert port.received + port.sysex_dropped == MESSAGES
        stats = app.session.kernel.stats()
        assert stats.faults == 0
        # A thousand clocks a second are no tempo: dropped as a flood. (A sender slowed down
        # by a busy machine may at times send at a clock's rate, which is then followed,
        # but never at a tempo past the kernel's 400 BPM.)
        assert app.clock_follower.flood_dropped > 0
        assert stats.follow_bpm <= 400.0
        assert app.session.song.tracks[0].volume == pytest.approx(64 / 127, abs=0.01)
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.session.state == "stopped")
