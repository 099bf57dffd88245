"""4xy: pitch offset wave(pos) * y / 32 units on ticks 1..., pos += x per tick, 64 a cycle."""

import numpy as np

from tests.dsp.helpers import (
    A4_UNITS,
    lfo_offsets,
    make_song,
    render_ticks,
    sine_synth,
    tick_pitch,
    vibrato_sine,
)


def test_vibrato_follows_the_sine_table() -> None:
    song = make_song(["A-4 01 .. 44F"] + ["--- .. .. 400"] * 3, [sine_synth()], speed=8)
    pitch = tick_pitch(render_ticks(song, 32)) - A4_UNITS

    np.testing.assert_allclose(pitch, lfo_offsets(vibrato_sine, 4, 15, 32, 32, 8), atol=0.5)
    assert pitch.max() > 100  # about 1.9 semitones at depth F


def test_vibrato_depth_scales_and_speed_sets_the_rate() -> None:
    def offsets(param: str) -> np.ndarray:
        song = make_song([f"A-4 01 .. {param}"], [sine_synth()], speed=31)
        return tick_pitch(render_ticks(song, 31)) - A4_UNITS

    slow_deep, slow_shallow, fast = offsets("428"), offsets("424"), offsets("488")

    # half the depth, half the swing
    np.testing.assert_allclose(np.ptp(slow_shallow), np.ptp(slow_deep) / 2, atol=1.5)
    # speed 2: one cycle in 32 ticks, so the sign changes once in the row; speed 8: every 4 ticks
    assert np.count_nonzero(np.diff(np.sign(slow_deep[2:])) != 0) == 1
    assert np.count_nonzero(np.diff(np.sign(fast[2:])) != 0) == 7
    np.testing.assert_allclose(fast, lfo_offsets(vibrato_sine, 8, 8, 32, 31, 31), atol=0.5)
