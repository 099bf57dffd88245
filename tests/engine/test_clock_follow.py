"""Following an external MIDI clock: pulses stamped with the frame they were heard at, as
the MIDI input delivers them (late by the output latency, quantised to a JACK period),
steer the replayer's tempo. Rendered offline, with the pulses fed in as the render passes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tests.dsp.helpers import RATE, Run, make_song, sine_synth, start

EMPTY = "--- .. .. ..."
PERIOD_FRAMES = 256
"""The block size, and the grid the pulses' arrival times are rounded to (a JACK period)."""
LATENCY_FRAMES = 2 * PERIOD_FRAMES
"""How far behind the render a pulse is heard (the output latency)."""


def clock_frames(bpm: Callable[[float], float], seconds: float) -> list[float]:
    """Exact pulse times (frames) of a clock at 24 per beat whose tempo follows bpm(t)."""
    times, t = [], 0.0
    while t < seconds:
        times.append(t * RATE)
        t += 60.0 / (24 * bpm(t))
    return times


def follow(
    run: Run, pulses: list[float], seconds: float, jitter: bool = True, block: int = PERIOD_FRAMES
) -> None:
    """Render `seconds` more in `block`s, handing each pulse (absolute engine frames) to the
    kernel once the render is a latency past it."""
    heard = np.array(pulses)
    if jitter:  # arrival rounded up to the period it fell in, as JACK delivers MIDI
        heard = np.ceil(heard / PERIOD_FRAMES) * PERIOD_FRAMES
    rendered = run.kernel.stats().frames_rendered
    end = rendered + seconds * RATE
    next_pulse = int(np.searchsorted(heard, rendered - LATENCY_FRAMES))
    while rendered < end:
        while next_pulse < len(heard) and heard[next_pulse] + LATENCY_FRAMES <= rendered:
            run.kernel.clock_in(int(heard[next_pulse]))
            next_pulse += 1
        run.render(block, block=block)
        rendered += block


def beat_frames(run: Run) -> np.ndarray:
    """Where each beat (4 rows) started."""
    rows = run.rows()
    return np.array([r.frame for i, r in enumerate(rows) if i % 4 == 0], dtype=float)


def test_five_minutes_against_a_steady_clock_drift_less_than_a_tick() -> None:
    song = make_song([EMPTY] * 64, [sine_synth()], tempo=125)
    run = start(song, play=False)
    run.kernel.set_metering(False)
    run.kernel.follow_clock(True)
    pulses = clock_frames(lambda t: 133.0, 300.0)  # not the song's 125
    # a drum machine's clock already running, then Start
    follow(run, pulses, 0.5)
    run.kernel.play_song()
    follow(run, pulses, 300.0 - 0.5, block=4096)  # pulses up to 96 ms late: worse than live

    beats = beat_frames(run)
    beat_frames_exact = 60.0 / 133 * RATE
    expected = beats[0] + beat_frames_exact * np.arange(len(beats))
    tick_frames = beat_frames_exact / 24
    drift = beats - expected
    assert len(beats) > 600
    assert np.abs(drift).max() < tick_frames  # never a tick off, start to end
    assert abs(drift[-50:].mean()) < tick_frames / 4
    # no audible wobble: beat lengths within 0.5 % of the clock's
    assert np.abs(np.diff(beats) / beat_frames_exact - 1).max() < 0.005
    assert run.kernel.stats().follow_bpm == pytest.approx(133.0, rel=5e-3)


def test_a_tempo_change_is_followed_within_a_beat() -> None:
    song = make_song([EMPTY] * 64, [sine_synth()], tempo=125)
    run = start(song, play=False)
    run.kernel.follow_clock(True)
    run.kernel.play_song()
    change_s = 10.0
    pulses = clock_frames(lambda t: 120.0 if t < change_s else 140.0, 20.0)
    follow(run, pulses, 20.0)

    beats = beat_frames(run)
    after = beats[beats > change_s * RATE]
    beat_140 = 60.0 / 140 * RATE
    lengths = np.diff(after)
    assert abs(lengths[2] / beat_140 - 1) < 0.02  # the second full beat after the change
    assert np.abs(lengths[4:] / beat_140 - 1).max() < 0.005
    # and the phase is caught up: beats land on the clock's beats again
    clock_beats = np.array(pulses[::24])
    late = [np.min(np.abs(clock_beats - b)) for b in after[6:]]
    assert max(late) < beat_140 / 24


def test_song_tempo_commands_wait_while_following_and_return_after() -> None:
    song = make_song([EMPTY, "--- .. .. F40"] + [EMPTY] * 14, [sine_synth()], tempo=125)
    run = start(song, play=False)
    run.kernel.follow_clock(True)
    run.kernel.play_song()
    follow(run, clock_frames(lambda t: 100.0, 4.0), 4.0, jitter=False)
    beats = beat_frames(run)
    assert np.diff(beats)[1:].mean() == pytest.approx(0.6 * RATE, rel=1e-3)  # F40 ignored

    run.kernel.follow_clock(False)
    run.render(RATE)
    rows = run.rows()
    row_frames = np.diff([r.frame for r in rows[-5:]])
    assert row_frames.tolist() == pytest.approx([6 * 2.5 / 0x40 * RATE] * 4, abs=1)


def test_a_clock_that_stops_and_garbage_pulses_do_not_break_the_tempo() -> None:
    song = make_song([EMPTY] * 16, [sine_synth()], tempo=125)
    run = start(song, play=False)
    run.kernel.follow_clock(True)
    run.kernel.play_song()
    pulses = clock_frames(lambda t: 125.0, 3.0)
    follow(run, pulses, 3.0, jitter=False)
    run.kernel.clock_in(0)  # out of order, and seconds ago: ignored
    run.kernel.clock_in(2**63)  # not heard yet: ignored
    run.render(RATE)
    rows = run.rows()
    lengths = np.diff([r.frame for r in rows[-8:]])
    assert np.abs(lengths / (6 * 960) - 1).max() < 0.01
    assert run.kernel.stats().faults == 0


def test_a_clock_flood_is_not_taken_for_a_tempo() -> None:
    """10,000 pulses a second (a stuck or hostile sender): dropped; the tempo stays the
    last good one, the replayer keeps its pace, and a real clock is followed after it."""
    song = make_song([EMPTY] * 16, [sine_synth()], tempo=125)
    run = start(song, play=False)
    run.kernel.follow_clock(True)
    run.kernel.play_song()
    steady = clock_frames(lambda t: 125.0, 2.0)
    follow(run, steady, 2.0, jitter=False)
    base = run.kernel.stats().frames_rendered
    flood = [base + k * RATE / 10_000 for k in range(10_000)]
    follow(run, flood, 1.0, jitter=False, block=1024)
    assert run.kernel.stats().follow_bpm == pytest.approx(125.0, rel=1e-3)
    rows = run.rows()
    lengths = np.diff([r.frame for r in rows[-6:]])
    assert np.abs(lengths / (6 * 960) - 1).max() < 0.01
    after = run.kernel.stats().frames_rendered
    follow(run, [after + f for f in clock_frames(lambda t: 100.0, 3.0)], 3.0, jitter=False)
    assert run.kernel.stats().follow_bpm == pytest.approx(100.0, rel=2e-3)


def test_lost_pulses_are_counted_not_taken_for_a_slower_clock() -> None:
    song = make_song([EMPTY] * 64, [sine_synth()], tempo=125)
    run = start(song, play=False)
    run.kernel.follow_clock(True)
    run.kernel.play_song()
    pulses = clock_frames(lambda t: 120.0, 30.0)
    kept = [p for k, p in enumerate(pulses) if k % 50 != 49]  # every 50th lost on the way
    follow(run, kept, 30.0)

    beats = beat_frames(run)
    beat = 60.0 / 120 * RATE
    drift = beats - (beats[0] + beat * np.arange(len(beats)))
    assert np.abs(drift).max() < beat / 24
    # after the first beat (the song's own tempo until two pulses have come)
    assert np.abs(np.diff(beats)[1:] / beat - 1).max() < 0.005
