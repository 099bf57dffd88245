"""Cxx: set the note's volume, 00..40; higher values are clamped to 40."""

import numpy as np

from tests.dsp.helpers import FULL, make_song, render_ticks, sine_synth, tick_level


def test_set_volume_from_tick_0_and_clamped() -> None:
    rows = ["A-4 01 .. C20", "--- .. .. C50", "--- .. .. C00", "--- .. .. C08"]
    level = tick_level(render_ticks(make_song(rows, [sine_synth()], speed=2), 8)) / FULL * 64

    np.testing.assert_allclose(level, [32, 32, 64, 64, 0, 0, 8, 8], atol=0.2)
