"""EDx: the cell's note, instrument and volume start at tick x of the row."""

import numpy as np

from tests.dsp.helpers import FULL, TICK, dc_sample, make_song, onsets, render_ticks


def test_note_delay_starts_the_note_at_tick_x() -> None:
    burst = dc_sample(1.0, frames=64, loop="none", loop_end_frames=0)
    rows = ["A-4 01 20 ED3", "A-4 01 .. ED5"]
    out = render_ticks(make_song(rows, [burst], speed=6), 12)[:, 0]

    assert onsets(out) == [3 * TICK, 11 * TICK]
    assert out[3 * TICK + 40] == np.float32(FULL * 0.5)  # the delayed cell's volume
