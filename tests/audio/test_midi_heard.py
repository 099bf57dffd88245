"""What MIDI does to the sound, recorded from a real JACK server: a note played on a
keyboard client is heard at its pitch, and a knob mapped to the filter cutoff opens the
sound as it turns. The app's own path: our virtual input, its reader thread, MidiPlayer and
the mapping (tracker.midi_learn) into the Session's kernel, out through PortAudio."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import rtmidi

from tests.audio.conftest import RATE, Recording
from tests.dsp.helpers import brightness_hz, peak_frequency_hz
from tracker.engine.playback import Playback
from tracker.io import midi
from tracker.io.midi import MidiInput
from tracker.io.project import Project
from tracker.midi_learn import Controllers, fan_out
from tracker.midi_play import MidiPlayer, Target
from tracker.model import Filter, MidiMapping, Oscillator, Song, SynthInstrument
from tracker.model import edit as ed
from tracker.session import Session

CUTOFF_CC = 74
RECORD_S = 4.0


def song() -> Song:
    saw = SynthInstrument(
        name="saw",
        osc1=Oscillator(wave="saw"),
        filter=Filter(type="lowpass", cutoff_hz=200.0),
    )
    base, _ = ed.add_instrument(Song.new(tracks=1), saw)
    mapping = MidiMapping(param="instrument.1.filter.cutoff_hz", channel=0, controller=CUTOFF_CC)
    return ed.add_mapping(base, mapping)


@pytest.fixture
def keyboard(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Any]]:
    """keyboard(port): a test client's MIDI output connected to our input ``port``."""
    made: list[Any] = []

    def connect(port: str) -> Any:
        sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=f"test-keys-{os.getpid()}")
        made.append(sender)
        sender.open_port(sender.get_ports().index(port))
        return sender

    yield connect
    for sender in made:
        sender.delete()


def test_a_played_note_and_a_turned_knob_are_heard(
    open_playback: Callable[..., Playback],
    record: Callable[..., Recording],
    keyboard: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Our MIDI port's client must not be "tracker": that is PortAudio's, recorded by name.
    monkeypatch.setattr(midi, "CLIENT_NAME", f"tracker-midi-{os.getpid()}")
    session = Session(Project(song=song()))
    player = MidiPlayer(session, lambda: Target(track=0, instrument=1), lambda _: None)
    controllers = Controllers(session, lambda _: None)
    open_playback(session.kernel)
    recording = record(int(RECORD_S * RATE))
    with MidiInput(fan_out(player.handle, controllers.handle), api="jack") as port:
        sender = keyboard(port.port_name)
        time.sleep(0.5)
        sender.send_message([0x90, 57 + 12, 127])  # our A-4 is MIDI 69: 440 Hz
        time.sleep(1.0)
        for value in range(0, 128, 4):  # the knob, turned over about a second
            sender.send_message([0xB0, CUTOFF_CC, value])
            time.sleep(0.03)
        sender.send_message([0xB0, CUTOFF_CC, 127])
        time.sleep(1.0)
        sender.send_message([0x80, 57 + 12, 0])
        time.sleep(0.3)
    audio = recording.stop()[:, 0].astype(np.float64)

    sounding = np.flatnonzero(np.abs(audio) > 1e-3)
    assert len(sounding) > RATE, "the note was not heard"
    start = sounding[0]
    closed = audio[start + RATE // 10 : start + RATE // 2]  # before the knob turns
    opened = audio[start + int(2.3 * RATE) : start + int(2.7 * RATE)]  # after, still held
    assert peak_frequency_hz(closed) == pytest.approx(440.0, rel=0.01)
    assert brightness_hz(opened) > 3 * brightness_hz(closed)
