"""E1x / E2x: pitch up / down 4 * x units once, on tick 0; E10 / E20 reuse the last x."""

import numpy as np

from tests.dsp.helpers import A4_UNITS, make_song, render_ticks, sine_synth, tick_pitch


def test_fine_porta_moves_once_per_row() -> None:
    rows = ["A-4 01 .. E14", "--- .. .. E10", "--- .. .. E28", "--- .. .. E20"]
    pitch = tick_pitch(render_ticks(make_song(rows, [sine_synth()], speed=3), 12)) - A4_UNITS

    by_row = [[16] * 3, [32] * 3, [0] * 3, [-32] * 3]
    np.testing.assert_allclose(pitch, np.ravel(by_row), atol=0.5)
