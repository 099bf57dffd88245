"""The app following a drum machine's clock through a real JACK MIDI port (tracker:in):
start, the tempo, stop, and continue from a song position pointer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import rtmidi

from tests.jack_rig import JackServer, jackd_available, private_jack_server
from tests.ui.app_support import small_song
from tracker.config import Config, UserConfig
from tracker.io import midi
from tracker.io.project import Project
from tracker.model import Pattern
from tracker.session import Session
from tracker.ui.app import TrackerApp

WAIT_S = 5.0
BPM = 150.0
CLOCK, START, CONTINUE, STOP, SPP = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2


@pytest.fixture(scope="module")
def jack_server() -> Iterator[JackServer]:
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    with private_jack_server() as server:
        yield server


@pytest.fixture
def drum_machine(jack_server: JackServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(midi, "CLIENT_NAME", f"tracker-clock-{id(jack_server)}")
    sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name="test-drum-machine")
    yield sender
    sender.delete()


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


async def wait_for(pilot: Any, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


async def test_the_app_follows_an_external_clock(drum_machine: Any) -> None:
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
        ports = drum_machine.get_ports()
        ours = next(p for p in ports if p.startswith(midi.CLIENT_NAME) and p.endswith(":in"))
        drum_machine.open_port(ports.index(ours))
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
            row_s = (rows[-1].frame - rows[4].frame) / (len(rows) - 5) / 48000
            assert row_s == pytest.approx(6 * 2.5 / BPM, rel=0.01)

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
