"""Wxy: cutoff up x or down y steps (of Zxx's scale) per tick, from the instrument's cutoff."""

import numpy as np

from tests.dsp.helpers import brightness_hz, make_song, render_ticks, saw_synth, windows
from tracker.model import Filter


def test_cutoff_slide_down_then_up() -> None:
    synth = saw_synth(filter=Filter(type="lowpass", cutoff_hz=4000.0))
    rows = ["A-4 01 .. W08", "--- .. .. W80", "--- .. .. W00"]
    out = render_ticks(make_song(rows, [synth], speed=6), 18)
    bright = np.array([brightness_hz(w[64:]) for w in windows(out[:, 0])])

    assert np.all(np.diff(bright[0:6]) < 0)  # darker every tick of row 0
    assert np.all(np.diff(bright[6:12]) > 0)  # brighter through row 1
    assert np.all(np.diff(bright[12:18]) > 0)  # W00 repeats W80
    assert bright[5] < 0.8 * bright[0]
