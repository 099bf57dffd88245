"""ECx: volume 0 at tick x; EC0 at once."""

import numpy as np

from tests.dsp.helpers import FULL, make_song, render_ticks, sine_synth, tick_level


def test_note_cut_at_tick_x() -> None:
    rows = ["A-4 01 .. EC3", "A-4 01 .. EC0"]
    level = tick_level(render_ticks(make_song(rows, [sine_synth()], speed=6), 12)) / FULL

    np.testing.assert_allclose(level, [1, 1, 1, 0, 0, 0] + [0] * 6, atol=1e-6)
