"""MIDI note in to first sound through JACK, at the block sizes of bench/realtime.py's latency.

The rig is bench/realtime.py's (a private JACK server whose period is the block, the click
synth, the recorder client, JACK frame times as the common clock); only the way the note
arrives differs. A sender client in this process (rtmidi on JACK, as a keyboard's driver
would be) is connected to our virtual ``tracker:in``; a MidiInput reads it and hands each
message to a MidiPlayer that plays into the kernel, as the app does.

The clock is read just before the note-on is sent, so the latency includes every hop the
app has: the sender's ring buffer to its next cycle, the port, rtmidi's input queue, our
reader's poll (tracker.io.midi.POLL_INTERVAL_S) and the kernel's command queue, up to the
cycle that renders the note. The target allows a block (the command waits for the next
cycle at worst) and 2 ms for the MIDI hops.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mido
import rtmidi

from bench.figures import Figure
from bench.realtime import (
    LATENCY_BLOCK_SIZES_FRAMES,
    LATENCY_NOTE,
    LATENCY_NOTES,
    NoteKeys,
    jack_output,
    latency_figures,
    note_latencies,
)
from tests.jack_rig import jackd_available
from tracker.engine import Kernel
from tracker.engine.kernel import NOTE_ALL
from tracker.io.midi import MidiInput
from tracker.midi_play import MidiPlayer, Target, UiEvent
from tracker.model.notes import MIDI_NOTE_OFFSET

MIDI_SLACK_S = 0.002  # target: one block + this
SENDER_NAME = f"bench-midi-sender-{os.getpid()}"
"""Per process: jack2 clients of one name in two processes at once both fail (tracker.io.midi)."""
TARGET = Target(track=0, instrument=1)  # where bench/realtime.py's KernelKeys play
VELOCITY = 127  # full volume, as KernelKeys play
MIDI_LATENCY_NOTE = LATENCY_NOTE + MIDI_NOTE_OFFSET  # the note KernelKeys play, as MIDI


@dataclass(frozen=True, slots=True)
class KernelNotes:
    """The MidiPlayer's LiveNotes on a bare kernel, as the Session forwards them."""

    kernel: Kernel

    def note_on(self, track: int, note: int, instrument: int, velocity: float = 1.0) -> None:
        self.kernel.note_on(track, note, instrument, velocity)

    def note_off(self, track: int, note: int | None = None) -> None:
        self.kernel.note_off(track, NOTE_ALL if note is None else note)


@dataclass(frozen=True, slots=True)
class MidiKeys:
    """The latency note as MIDI from a sender client connected to our input."""

    sender: Any  # rtmidi.MidiOut

    def press(self) -> None:
        self.sender.send_message(
            mido.Message("note_on", note=MIDI_LATENCY_NOTE, velocity=VELOCITY).bytes()
        )

    def release(self) -> None:
        self.sender.send_message(mido.Message("note_off", note=MIDI_LATENCY_NOTE).bytes())


def _ignore(event: UiEvent) -> None:
    """Edit mode and instrument choice are the UI's; the bench has none."""


@contextmanager
def midi_keys(kernel: Kernel) -> Iterator[NoteKeys]:
    """Our virtual input playing into `kernel`, and a sender connected to it.

    Opened after the Playback: PortAudio's client must be the one named ``tracker``, whose
    out_0 and out_1 the recorder listens to; our input becomes ``tracker-01:in``.
    """
    player = MidiPlayer(KernelNotes(kernel), lambda: TARGET, _ignore)
    with MidiInput(player.handle, api="jack") as port:
        sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=SENDER_NAME)
        try:
            sender.open_port(sender.get_ports().index(port.port_name), "out")
            yield MidiKeys(sender)
        finally:
            sender.delete()


def midi_latency_figures(
    *,
    block_sizes_frames: Sequence[int] = LATENCY_BLOCK_SIZES_FRAMES,
    notes: int = LATENCY_NOTES,
) -> list[Figure]:
    """Median and p99 latency at each block size; no figures (and a note) without jackd."""
    if not jackd_available():
        print("MIDI latency figures skipped: no jackd (Debian: apt install jackd2)")
        return []
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-midi-") as log_dir:
        for block_frames in block_sizes_frames:
            with jack_output(block_frames, Path(log_dir)) as (_, device):
                latencies_s = note_latencies(
                    device, block_frames, notes, Path(log_dir), keys_for=midi_keys
                )
            figures += latency_figures(
                "midi_latency",
                "MIDI note in to first sound",
                block_frames,
                latencies_s,
                MIDI_SLACK_S,
            )
    return figures
