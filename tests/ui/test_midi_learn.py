"""MIDI learn through a real JACK server's MIDI: a test client's knob is learned on the app's
own port (tracker:in), then its moves change the track's volume in the song and in what the
kernel plays (the meters of a held note)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.ui.app_support import make_app, wait_for
from tracker.model.song import MidiMapping
from tracker.ui.app import TrackerApp

A4 = 57


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
    keyboard: Callable[[], Any],
) -> None:
    app: TrackerApp = make_app(midi=True)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.midi_inputs, str(app.status_line.render())
        sender = keyboard()
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


async def test_a_14bit_knob_is_learned_from_a_real_port(keyboard: Callable[[], Any]) -> None:
    app: TrackerApp = make_app(midi=True)
    async with app.run_test(size=(100, 30)) as pilot:
        sender = keyboard()
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
