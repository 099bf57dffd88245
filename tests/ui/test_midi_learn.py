"""MIDI learn through a real JACK server's MIDI: a test client's knob is learned on the app's
own port (tracker:in), then its moves change the track's volume in the song and in what the
kernel plays (the meters of a held note)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import rtmidi

from tests.jack_rig import JackServer, jackd_available, private_jack_server
from tests.ui.app_support import make_app
from tracker.model.song import MidiMapping
from tracker.ui.app import TrackerApp

WAIT_S = 5.0
A4 = 57


@pytest.fixture(scope="module")
def jack_server() -> Iterator[JackServer]:
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    with private_jack_server() as server:
        yield server


@pytest.fixture
def knobs(jack_server: JackServer) -> Iterator[Callable[[], Any]]:
    """knobs(): a test client's MIDI output, connected to tracker:in once it exists."""
    made: list[Any] = []

    def connect() -> Any:
        sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name="test-knobs")
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


async def track_peak(pilot: Any, app: TrackerApp, track: int, seconds: float = 0.4) -> float:
    """The loudest peak the meters report for ``track`` over the next ``seconds``."""
    loudest = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left, right = app.session.heard.peaks.get(track, (0.0, 0.0))
        loudest = max(loudest, left, right)
        await pilot.pause(1 / 60)
    return loudest


async def test_a_learned_knob_moves_the_track_volume_that_is_heard(
    knobs: Callable[[], Any],
) -> None:
    app: TrackerApp = make_app(midi=True)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.midi_inputs, str(app.status_line.render())
        sender = knobs()
        await pilot.press("f4", "alt+a")  # the mixer's first strip: track 1's volume
        sender.send_message([0xB0 | 4, 7, 127])  # CC 7 on channel 5
        await wait_for(pilot, lambda: bool(app.session.song.midi_mappings))
        assert app.session.song.midi_mappings == [
            MidiMapping(param="track.1.volume", channel=4, controller=7)
        ]

        app.session.note_on(0, A4, 1)  # a held note (sustain 0.8) on track 1
        await pilot.pause(0.3)
        full = await track_peak(pilot, app, 0)
        assert full > 0.05

        sender.send_message([0xB4, 7, 64])
        sender.send_message([0xB4, 7, 32])
        await wait_for(pilot, lambda: app.session.song.tracks[0].volume < 1.0)
        assert app.session.song.tracks[0].volume == round(32 / 127, 6)
        await pilot.pause(0.2)  # the kernel's volume ramp and the meters' fall
        quiet = await track_peak(pilot, app, 0)
        assert quiet == pytest.approx(full * 32 / 127, rel=0.15)

        sender.send_message([0xB4, 8, 0])  # another control: nothing moves
        await pilot.pause(0.2)
        assert app.session.song.tracks[0].volume == round(32 / 127, 6)
        app.session.note_off(0)


async def test_a_14bit_knob_is_learned_from_a_real_port(knobs: Callable[[], Any]) -> None:
    app: TrackerApp = make_app(midi=True)
    async with app.run_test(size=(100, 30)) as pilot:
        sender = knobs()
        await pilot.press("f3")
        app.instrument_editor.select("filter.cutoff_hz")
        await pilot.press("alt+a")
        sender.send_message([0xB0, 1, 100])  # MSB, then its LSB within the pair window
        sender.send_message([0xB0, 33, 5])
        await wait_for(pilot, lambda: bool(app.session.song.midi_mappings))
        mapping = app.session.song.midi_mappings[0]
        assert (mapping.param, mapping.controller, mapping.mode) == (
            "instrument.1.filter.cutoff_hz",
            1,
            "absolute_14bit",
        )
        sender.send_message([0xB0, 1, 0])
        sender.send_message([0xB0, 33, 0])
        await wait_for(pilot, lambda: app.session.song.instruments[0].filter.cutoff_hz == 20.0)
