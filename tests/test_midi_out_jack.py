"""MIDI clock and an external-synth track out of a Session playing on a real JACK server,
received by a test client on the same server.

rtmidi's JACK output puts every message at the start of the next JACK period, and its input
stamps messages with the period's time: timing here is exact to one period (5.3 ms at 256
frames); the tempo is measured over ten seconds of clocks, so it is far more exact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mido
import numpy as np
import pytest

from tests.jack_rig import JackServer
from tracker.io import midi
from tracker.io.midi import MidiInput

REPO = Path(__file__).resolve().parents[1]
PLAY_S = 10.5
CLOCK, START, STOP = 0xF8, 0xFA, 0xFC


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(midi, "CLIENT_NAME", f"test-receiver-{os.getpid()}")
        yield patch


@pytest.fixture(scope="module")
def received(
    jack_server: JackServer, monkeypatch_module: pytest.MonkeyPatch
) -> tuple[list[tuple[list[int], float]], dict[str, Any]]:
    """One 10.5 s run: every message the test client got, with its time in seconds."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.midi_out_child", str(PLAY_S)],
        cwd=REPO,
        env=dict(os.environ),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdin and child.stdout
    ready = child.stdout.readline()
    assert ready.startswith("ready "), (ready, child.stderr.read() if child.stderr else "")
    port = ready.split(" ", 1)[1].strip()

    messages: list[tuple[list[int], float]] = []
    clock_s = [0.0]

    def collect(message: mido.Message, delta_s: float) -> None:
        clock_s[0] += delta_s  # rtmidi's stamps: the JACK period each message came in
        messages.append((message.bytes(), clock_s[0]))

    # our own reader (rtmidi's queue, drained by a thread): a Python callback on JACK's
    # process thread can miss a period, and the messages in it (tracker.io.midi's notes)
    receiver = MidiInput(collect, name=port, api="jack")
    child.stdin.write("go\n")
    child.stdin.flush()
    out, err = child.communicate(timeout=PLAY_S + 60)
    receiver.close()
    assert child.returncode == 0, err
    line = next(line for line in out.splitlines() if line.startswith("result "))
    return messages, json.loads(line.removeprefix("result "))


def test_clock_out_is_24_per_beat_at_the_songs_tempo(
    received: tuple[list[tuple[list[int], float]], dict[str, Any]],
) -> None:
    messages, result = received
    assert "JACK" in result["notice"], result
    assert messages[0][0] == [START]
    clocks = np.array([t for data, t in messages if data == [CLOCK]])
    assert clocks[-1] - clocks[0] >= 10.0
    # 125 BPM, 6 ticks a row, 4 rows a beat: a beat is 24 ticks of 20 ms, a clock per tick.
    # Fitted to the clocks that came within a JACK period of the line (a busy machine may
    # delay a few by more: counted below, and measured by make bench).
    index = np.arange(len(clocks))
    period_s, offset_s = np.polyfit(index, clocks, 1)
    off_s = clocks - (offset_s + period_s * index)
    near = np.abs(off_s - np.median(off_s)) < 0.006
    period_s = np.polyfit(index[near], clocks[near], 1)[0]
    assert 60.0 / (24 * period_s) == pytest.approx(125.0, rel=5e-4)
    assert len(clocks) == pytest.approx(PLAY_S * 50, abs=6)
    assert near.mean() > 0.98
    assert np.abs(off_s - np.median(off_s)).max() < 0.05
    assert result["late"] == 0 and result["errors"] == 0 and result["midi_dropped"] == 0


def test_stop_ends_the_external_note_then_stops_the_clock(
    received: tuple[list[tuple[list[int], float]], dict[str, Any]],
) -> None:
    messages, _ = received
    tail = [data for data, _ in messages if data != [CLOCK]][-3:]
    assert tail[-1] == [STOP]
    assert tail[-2] == [0xB1, 123, 0]  # all notes off on channel 2
    assert tail[-3][0] == 0x81  # the sounding note ends
    last_clock = max(i for i, (data, _) in enumerate(messages) if data == [CLOCK])
    assert last_clock < len(messages) - 3


def test_external_track_notes_come_in_order_on_the_beat(
    received: tuple[list[tuple[list[int], float]], dict[str, Any]],
) -> None:
    messages, _ = received
    notes = [(data, t) for data, t in messages if data[0] & 0xF0 in (0x80, 0x90, 0xC0)]
    assert notes[0][0] == [0xC1, 0]  # instrument 01: program 0, before the first note
    ons = [(data[1], t) for data, t in notes if data[0] == 0x91]
    assert [n for n, _ in ons[:20]] == [60 + i % 16 % 12 for i in range(20)]
    # each note ends as the next starts: note-off then note-on, 4 rows (24 clocks) apart
    pairs = [data for data, _ in notes[1:]]
    assert all(pairs[i][0] == 0x91 and pairs[i + 1][0] == 0x81 for i in range(0, 20, 2))
    clocks = [t for data, t in messages if data == [CLOCK]]
    for k, (_, t) in enumerate(ons[:20]):
        assert t == pytest.approx(clocks[24 * k], abs=0.006)  # same period as its clock
