"""7xy: volume offset wave(pos) * y / 64 steps on ticks 1..., pos += x per tick."""

import numpy as np

from tests.dsp.helpers import (
    FULL,
    dc_sample,
    lfo_offsets,
    make_song,
    render_ticks,
    tick_end,
    vibrato_sine,
)


def test_tremolo_follows_the_sine_table() -> None:
    # A DC sample: each frame is the gain, so the volume is read exactly.
    song = make_song(["A-4 01 20 748", "--- .. .. 700"], [dc_sample()], speed=16)
    volume = tick_end(render_ticks(song, 32)) / FULL * 64

    expected = 32 + np.array(lfo_offsets(vibrato_sine, 4, 8, 64, 32, 16))
    np.testing.assert_allclose(volume, expected, atol=1e-3)
    assert volume.max() - volume.min() == 2 * 31  # 255 * 8 / 64 each way


def test_tremolo_is_clamped_to_the_volume_range() -> None:
    song = make_song(["A-4 01 .. 78F"], [dc_sample()], speed=9)
    volume = tick_end(render_ticks(song, 9)) / FULL * 64

    assert volume.max() <= 64 + 1e-3
    expected = np.clip(64 + np.array(lfo_offsets(vibrato_sine, 8, 15, 64, 9, 9)), 0, 64)
    np.testing.assert_allclose(volume, expected, atol=1e-3)
