"""Child of tests/test_midi_out_jack.py: a Session plays on the JACK server named in the
environment with MIDI clock on, sending to its own virtual port; prints ``ready <port>``,
waits for a line on stdin (the parent has connected), plays for the seconds given as
argv[1], stops, and prints ``result <json>``.

A process of its own, so PortAudio's JACK client is gone before the parent stops jackd.
"""

from __future__ import annotations

import json
import os
import sys
import time

from tracker.io import midi
from tracker.io.project import Project
from tracker.model import Cell, Pattern, Song, SynthInstrument, Track
from tracker.session import Session

SILENT_S = 0.5
"""After the stop, so its note-offs and Stop go out before the session closes."""


def song() -> Song:
    """Track 1 plays C-4, E-4, G-4... on MIDI channel 2 every 4 rows, silent inside."""
    rows = []
    for row in range(64):
        note = 48 + (row // 4) % 12 if row % 4 == 0 else None
        cell = Cell(note=note, instrument=1 if row == 0 else None)
        rows.append([cell, Cell()])
    return Song(
        tempo_bpm=125,
        tracks=[Track(midi_channel=2, midi_only=True), Track()],
        instruments=[SynthInstrument()],
        patterns=[Pattern(rows=rows)],
        order=[0],
    )


def main() -> int:
    seconds = float(sys.argv[1])
    midi.CLIENT_NAME = f"tracker-out-{os.getpid()}"
    session = Session(Project(song=song()))
    notice = session.open_audio()
    output = midi.MidiOutput(None, api="jack")
    session.midi_outputs = lambda: [output]
    print("ready " + output.port_name, flush=True)
    sys.stdin.readline()
    session.set_midi_clock(True)
    session.play_song()
    time.sleep(seconds)
    session.stop()
    time.sleep(SILENT_S)
    sender = session._midi_sender
    result = {
        "notice": notice,
        "rate_hz": session.kernel.sample_rate_hz,
        "sent": sender.sent if sender else 0,
        "late": sender.late if sender else 0,
        "errors": sender.errors if sender else 0,
        "midi_dropped": session.kernel.stats().midi_dropped,
    }
    session.close()
    output.close()
    print("result " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
