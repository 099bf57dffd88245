"""E9x: restart the note every x ticks (ticks x, 2x... of the row)."""

import numpy as np

from tests.dsp.helpers import FULL, TICK, make_song, render_ticks, sample_instrument

FRAMES = 48000
RAMP = np.arange(FRAMES) / FRAMES  # the output value tells the sample position


def test_retrigger_restarts_the_sample_every_x_ticks() -> None:
    out = render_ticks(make_song(["A-4 01 .. E93"], [sample_instrument(RAMP)], speed=6), 6)
    out = out[:, 0]

    def position(frame: int) -> float:
        return float(out[frame] / FULL * FRAMES)

    # playing on through ticks 1 and 2, restarted at tick 3, never at tick 4 or 5
    assert position(3 * TICK - 1) == np.float32(3 * TICK - 1)
    assert abs(position(3 * TICK + 200) - 200) < 0.05
    assert abs(position(6 * TICK - 1) - (3 * TICK - 1)) < 0.05
