"""8xx: note pan, 00 left, 80 centre, FF right, with a balance law (centre is unity)."""

import numpy as np

from tests.dsp.helpers import FULL, dc_sample, make_song, render_ticks, tick_end


def test_pan_moves_the_note_between_left_and_right() -> None:
    rows = ["A-4 01 .. 800", "--- .. .. 8FF", "--- .. .. 880", "--- .. .. 840"]
    out = render_ticks(make_song(rows, [dc_sample()], speed=1), 4)
    left, right = tick_end(out, 0) / FULL, tick_end(out, 1) / FULL

    np.testing.assert_allclose(left, [1, 1 / 128, 1, 1], atol=1e-6)
    np.testing.assert_allclose(right, [0, 1, 1, 0.5], atol=1e-6)


def test_instrument_pan_is_where_a_note_starts() -> None:
    song = make_song(["A-4 01 .. ..."], [dc_sample(pan=0.5)], speed=1)
    out = render_ticks(song, 1)

    assert out[-1, 0] / FULL == np.float32(0.5)
    assert out[-1, 1] / FULL == np.float32(1.0)
