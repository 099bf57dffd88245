"""EEx: play the row x more times, without retriggering its notes or tick-0 effects."""

import numpy as np

from tests.dsp.helpers import FULL, TICK, make_song, sample_instrument, start
from tracker.engine import RowReached

FRAMES = 48000
RAMP = np.arange(FRAMES) / FRAMES  # the output value tells the sample position


def test_pattern_delay_repeats_the_row() -> None:
    rows = ["A-4 01 20 EE2 EA4", "--- .. .. ... ..."]
    run = start(make_song(rows, [sample_instrument(RAMP)], speed=3))
    out = run.render(10 * TICK)[:, 0]

    reached = run.of_type(RowReached)
    assert [(r.row, r.frame) for r in reached[:4]] == [
        (0, 0),
        (0, 3 * TICK),
        (0, 6 * TICK),
        (1, 9 * TICK),
    ]
    # one note, one fine slide (32 + 4): the sample runs on and the volume stays at 36
    frames = np.arange(40, 10 * TICK)
    np.testing.assert_allclose(out[frames], FULL * 36 / 64 * frames / FRAMES, rtol=1e-5)
