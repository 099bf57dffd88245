"""Note-off, note-cut, the volume column and instrument numbers without notes."""

import numpy as np

from tests.dsp.helpers import (
    FULL,
    TICK,
    make_song,
    render_ticks,
    sample_instrument,
    sine_synth,
    start,
    tick_level,
)
from tracker.model import Envelope

FRAMES = 48000
RAMP = np.arange(FRAMES) / FRAMES  # the output value tells the sample position


def test_note_off_releases_over_the_release_time() -> None:
    # release 0.1 s: 60 dB down in 0.1 s, a factor exp(-6.9 * 0.02 / 0.1) = 0.25 per tick
    synth = sine_synth(amp_env=Envelope(attack_s=0, decay_s=0, sustain=1, release_s=0.1))
    run = start(make_song(["A-4 01 .. ...", "=== .. .. ..."], [synth], speed=2, length=16))
    level = tick_level(run.render(14 * TICK)) / FULL

    np.testing.assert_allclose(level[:2], 1.0, atol=1e-3)
    assert level[2] > 0.5  # released, not cut
    np.testing.assert_allclose(level[3:7] / level[2:6], 0.25, atol=0.02)
    assert level[2 + 5] < 3e-3  # 0.1 s after the note-off
    assert not run.out[-TICK:].any()  # and then the voice is gone
    assert run.kernel.stats().voices_active == 0


def test_note_cut_silences_within_2_ms() -> None:
    out = render_ticks(make_song(["A-4 01 .. ...", "^^^ .. .. ..."], [sine_synth()], speed=2), 4)
    cut = 2 * TICK
    fade = out[cut : cut + 96, 0]

    assert np.abs(out[cut - 96 : cut, 0]).max() > 0.9 * FULL
    assert 0 < np.abs(fade).max() < FULL  # a fade, not a step
    assert not out[cut + 96 :].any()


def test_volume_column_sets_the_volume() -> None:
    rows = ["A-4 01 10 ...", "--- .. 30 ...", "A-4 01 .. ...", "A-4 01 00 ..."]
    out = render_ticks(make_song(rows, [sine_synth()], speed=2), 8)
    level = tick_level(out, skip=128) / FULL * 64  # past the old note's 2 ms fade

    np.testing.assert_allclose(level, np.repeat([16, 48, 64, 0], 2), atol=0.2)


def test_instrument_without_a_note_resets_the_volume_and_plays_on() -> None:
    rows = ["A-4 01 10 ...", "--- 01 .. ..."]
    out = render_ticks(make_song(rows, [sample_instrument(RAMP)], speed=2), 4)[:, 0]

    # the ramp shows the sample position, scaled by the volume: 10 (16) on row 0, then 40 (64)
    # on row 1, and the position runs straight on (no retrigger); skip the gain ramps
    row0, row1 = np.arange(40, 2 * TICK), np.arange(2 * TICK + 32, 4 * TICK)
    np.testing.assert_allclose(out[row0], FULL * 16 / 64 * row0 / FRAMES, rtol=1e-5)
    np.testing.assert_allclose(out[row1], FULL * row1 / FRAMES, rtol=1e-5)
