"""Which output a message goes to: a track's own (by part of its name) or every one; clock
and transport go everywhere. A Session on the silent clock-driven output sends to recording
sinks, through the real sender thread."""

from __future__ import annotations

import threading
import time

import mido

from tracker.io.project import Project
from tracker.model import Cell, Pattern, Song, SynthInstrument, Track
from tracker.session import Session


class Sink:
    """Records what it is sent, from the sender's thread."""

    def __init__(self, port_name: str) -> None:
        self.port_name = port_name
        self.got: list[mido.Message] = []
        self._lock = threading.Lock()

    def send(self, message: mido.Message) -> None:
        with self._lock:
            self.got.append(message)

    def notes(self) -> list[tuple[int, int]]:
        with self._lock:
            return [(m.channel, m.note) for m in self.got if m.type == "note_on"]

    def kinds(self) -> set[str]:
        with self._lock:
            return {m.type for m in self.got}


def song() -> Song:
    row = [Cell(note=48, instrument=1), Cell(note=50, instrument=1), Cell(note=52, instrument=1)]
    empty = [Cell(), Cell(), Cell()]
    return Song(
        tracks=[
            Track(midi_channel=1, midi_output="Synth A"),
            Track(midi_channel=2, midi_output="synth-b"),
            Track(midi_channel=3),
        ],
        instruments=[SynthInstrument()],
        patterns=[Pattern(rows=[row] + [empty] * 7)],
        order=[0],
    )


def test_each_track_reaches_its_own_output_and_the_clock_reaches_all() -> None:
    a, b = Sink("usb:Synth A MIDI 1"), Sink("usb:SYNTH-B")
    session = Session(Project(song=song()))
    session.midi_outputs = lambda: [a, b]
    session.open_audio("null")
    try:
        session.set_midi_clock(True)
        session.play_song()
        deadline = time.monotonic() + 3.0
        while len(a.notes()) < 2 or len(b.notes()) < 2:
            assert time.monotonic() < deadline, (a.got, b.got)
            time.sleep(0.02)
    finally:
        session.close()
    assert a.notes() == [(0, 60), (2, 64)]  # track 1's own, and track 3's (no output named)
    assert b.notes() == [(1, 62), (2, 64)]
    assert {"start", "clock", "stop"} <= a.kinds() & b.kinds()
    assert [m.channel for m in a.got if m.type == "control_change"] == [0, 2]  # all notes off
    assert [m.channel for m in b.got if m.type == "control_change"] == [1, 2]


def test_a_track_naming_no_open_output_sends_nowhere() -> None:
    only = Sink("usb:Other")
    session = Session(Project(song=song()))
    session.midi_outputs = lambda: [only]
    session.open_audio("null")
    try:
        session.play_song()
        deadline = time.monotonic() + 3.0
        while not only.notes():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.1)
    finally:
        session.close()
    assert only.notes() == [(2, 64)]
