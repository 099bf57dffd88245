"""EAx / EBx: volume up / down x steps once, on tick 0; EA0 / EB0 reuse the last x."""

import numpy as np

from tests.dsp.helpers import FULL, make_song, render_ticks, sine_synth, tick_level


def test_fine_volume_slides_move_once_per_row() -> None:
    rows = ["A-4 01 20 EA4", "--- .. .. EA0", "--- .. .. EB8", "--- .. .. EB0"]
    level = tick_level(render_ticks(make_song(rows, [sine_synth()], speed=2), 8)) / FULL * 64

    np.testing.assert_allclose(level, np.repeat([36, 40, 32, 24], 2), atol=0.2)
