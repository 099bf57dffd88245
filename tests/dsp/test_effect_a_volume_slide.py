"""Axy: volume up x or down y steps per tick after the first; both set: x wins; A00 repeats."""

import numpy as np

from tests.dsp.helpers import FULL, make_song, render_ticks, sine_synth, tick_level


def test_volume_slide_down_up_memory_and_precedence() -> None:
    rows = ["A-4 01 .. A08", "--- .. .. A00", "--- .. .. A20", "--- .. .. A24"]
    level = tick_level(render_ticks(make_song(rows, [sine_synth()], speed=4), 16)) / FULL * 64

    by_row = [[64, 56, 48, 40], [40, 32, 24, 16], [16, 18, 20, 22], [22, 24, 26, 28]]
    np.testing.assert_allclose(level, np.ravel(by_row), atol=0.2)


def test_volume_slide_stops_at_the_ends() -> None:
    rows = ["A-4 01 04 A02", "--- .. .. AF0"]
    level = tick_level(render_ticks(make_song(rows, [sine_synth()], speed=4), 8)) / FULL * 64

    np.testing.assert_allclose(level, [4, 2, 0, 0, 0, 15, 30, 45], atol=0.2)
