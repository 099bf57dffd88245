"""MIDI clock through JACK: how steady our clock out is, and how well we follow a clock in.

Both run a Session on PortAudio's JACK output (a private server, dummy driver, period =
BLOCK_FRAMES), as the app does, with rtmidi clients of this process on the other end.

Clock out: the song plays with clock on; a receiver client takes the clocks, stamped with
rtmidi's JACK times. The tempo is fitted over the whole run; the jitter is the spread of the
clocks' offsets from the fitted line. rtmidi's JACK output puts every message at the start of the
next period and its input stamps with the period's time, so one period of jitter is what
the transport itself allows; the target adds 1 ms for our sender thread.

Clock in: a sender thread plays a drum machine (24 pulses a beat at FOLLOW_BPM, on exact
monotonic deadlines) into tracker:in, then start; the Session follows it. Drift is where
each beat the replayer plays lands against the clock's beats (their offset at the start,
the latency, taken away), over the whole run: the issue's target is one tick after five
minutes. Wobble is the largest difference of a beat's length from the clock's.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mido
import numpy as np
import rtmidi

from bench.figures import Figure
from bench.realtime import RATE_HZ, jack_output
from tests.jack_rig import jackd_available
from tracker.clock_in import ClockFollower
from tracker.engine import RowReached
from tracker.io import midi
from tracker.io.midi import MidiInput, MidiOutput
from tracker.io.project import Project
from tracker.model import Pattern, Song
from tracker.session import Session

BLOCK_FRAMES = 128
CLOCK_OUT_S = 30.0
FOLLOW_S = 300.0
FOLLOW_BPM = 133.0
SENDER_SLACK_MS = 1.0
"""Clock out's target: one JACK period (rtmidi's own quantisation) plus this."""
WOBBLE_TARGET_PERCENT = 0.5
ROWS_PER_BEAT = 4
SPEED_TICKS = 6


def song() -> Song:
    base = Song.new(tracks=1)
    return base.model_copy(update={"patterns": [Pattern.empty(64, 1)], "order": [0]})


def midi_clock_figures(*, out_s: float = CLOCK_OUT_S, follow_s: float = FOLLOW_S) -> list[Figure]:
    """Clock out tempo and jitter, clock in drift and wobble; none (and a note) without jackd."""
    if not jackd_available():
        print("MIDI clock figures skipped: no jackd (Debian: apt install jackd2)")
        return []
    saved_name = midi.CLIENT_NAME
    midi.CLIENT_NAME = f"bench-clock-{os.getpid()}"  # never the app's own, nor PortAudio's
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-clock-") as log_dir,
            jack_output(BLOCK_FRAMES, Path(log_dir)) as (_, device),
        ):
            figures = _clock_out(str(device), out_s) if out_s else []
            if follow_s:
                figures += _clock_in(str(device), follow_s)
    finally:
        midi.CLIENT_NAME = saved_name
    return figures


@contextmanager
def _session(device: str) -> Iterator[Session]:
    session = Session(Project(song=song()))
    session.open_audio(device)
    try:
        yield session
    finally:
        session.close()


# ---- clock out -------------------------------------------------------------------------


def _clock_out(device: str, seconds: float) -> list[Figure]:
    stamps_s: list[float] = []
    clock_s = [0.0]

    def received(message: mido.Message, delta_s: float) -> None:
        clock_s[0] += delta_s
        if message.type == "clock":
            stamps_s.append(clock_s[0])

    with _session(device) as session, MidiOutput(None, api="jack") as output:
        session.midi_outputs = lambda: [output]
        with MidiInput(received, name=output.port_name, api="jack"):
            session.set_midi_clock(True)
            session.play_song()
            time.sleep(seconds)
            session.stop()
            time.sleep(0.2)
    clocks = np.array(stamps_s)
    index = np.arange(len(clocks))
    period_s, offset_s = np.polyfit(index, clocks, 1)
    off_ms = (clocks - (offset_s + period_s * index)) * 1000
    spread_ms = float(np.percentile(off_ms, 99) - np.percentile(off_ms, 1))
    bpm = 60.0 / (24 * period_s)  # speed 6, 4 rows a beat: the song's BPM is the beat's
    expected_bpm = float(song().tempo_bpm)
    period_ms = BLOCK_FRAMES / RATE_HZ * 1000
    target_ms = period_ms + SENDER_SLACK_MS
    return [
        Figure(
            "midi_clock_out_tempo_error_ppm",
            f"MIDI clock out, {len(clocks)} clocks: tempo error",
            float(abs(bpm / expected_bpm - 1) * 1e6),
            "ppm",
            target=100.0,
            higher_is_better=False,
        ),
        Figure(
            f"midi_clock_out_jitter_p1_p99_ms_{BLOCK_FRAMES}_frames",
            f"  jitter (p1 to p99 of the offsets), JACK period {BLOCK_FRAMES} frames",
            spread_ms,
            "ms",
            target=target_ms,
            higher_is_better=False,
        ),
        Figure(
            f"midi_clock_out_jitter_range_ms_{BLOCK_FRAMES}_frames",
            "  jitter (smallest to largest offset)",
            float(off_ms.max() - off_ms.min()),
            "ms",
            reference=period_ms,
            higher_is_better=False,
        ),
    ]


# ---- clock in --------------------------------------------------------------------------


class DrumMachine:
    """A clock on exact deadlines from a thread of its own; start once it has run a beat."""

    def __init__(self, sender: Any, bpm: float) -> None:
        self._sender = sender
        self.interval_s = 60.0 / (24 * bpm)
        self.started_at_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drum-machine", daemon=True)

    def __enter__(self) -> DrumMachine:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        begin = time.monotonic()
        k = 0
        while not self._stop.is_set():
            due = begin + k * self.interval_s
            time.sleep(max(0.0, due - time.monotonic()))
            if k == 24:  # a beat of clock first, then start on a beat, as drum machines do
                self._sender.send_message([0xFA])
                self.started_at_s = due
            self._sender.send_message([0xF8])
            k += 1


def _clock_in(device: str, seconds: float) -> list[Figure]:
    rows: list[RowReached] = []
    with _session(device) as session:
        session.follow_clock(True)
        follower = ClockFollower(session, lambda _: None, time.monotonic)
        follower.enabled = True
        with MidiInput(follower.handle, api="jack") as port:
            sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=f"bench-drums-{os.getpid()}")
            try:
                sender.open_port(sender.get_ports().index(port.port_name), "out")
                with DrumMachine(sender, FOLLOW_BPM) as drums:
                    deadline = time.monotonic() + seconds + 1.0
                    while time.monotonic() < deadline:
                        time.sleep(0.05)
                        session.poll()
                        rows.extend(session.rows_drained)
                    offset_s = session.stream_time_s(0.0)
                    bpm = session.kernel.stats().follow_bpm
            finally:
                sender.delete()
    beat_s = 60.0 / FOLLOW_BPM
    beats = np.array([r.time_s for r in rows if r.row % ROWS_PER_BEAT == 0]) - offset_s
    k = np.round((beats - drums.started_at_s) / beat_s)
    off_s = beats - (drums.started_at_s + k * beat_s)
    drift_s = off_s - np.median(off_s[:8])
    tick_s = beat_s / (SPEED_TICKS * ROWS_PER_BEAT)
    lengths = np.diff(beats)
    minutes = (beats[-1] - beats[0]) / 60
    return [
        Figure(
            "midi_clock_in_drift_ticks",
            f"MIDI clock in at {FOLLOW_BPM:g} BPM, {minutes:.1f} min: largest drift",
            float(np.abs(drift_s).max() / tick_s),
            "ticks",
            target=1.0,
            higher_is_better=False,
        ),
        Figure(
            "midi_clock_in_wobble_percent",
            "  largest beat-length error",
            float(np.abs(lengths / beat_s - 1).max() * 100),
            "%",
            target=WOBBLE_TARGET_PERCENT,
            higher_is_better=False,
        ),
        Figure(
            "midi_clock_in_tempo_error_percent",
            "  tempo heard (shown as EXT)",
            float(abs(bpm / FOLLOW_BPM - 1) * 100),
            "%",
            target=0.5,
            higher_is_better=False,
        ),
    ]
