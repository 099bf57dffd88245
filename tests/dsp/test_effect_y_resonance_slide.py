"""Yxy: resonance up x or down y steps (of Qxx's scale) per tick."""

import numpy as np

from tests.dsp.helpers import make_song, render_ticks, saw_synth, tone_amplitude, windows
from tracker.model import Filter


def test_resonance_slide_up_then_down() -> None:
    # cutoff on A-4's third harmonic: resonance lifts it against the fundamental
    synth = saw_synth(filter=Filter(type="lowpass", cutoff_hz=1320.0))
    rows = ["A-4 01 .. YF0", "--- .. .. Y0F"]
    out = render_ticks(make_song(rows, [synth], speed=12), 24)
    peak = np.array(
        [
            tone_amplitude(w[200:], 1320.0) / tone_amplitude(w[200:], 440.0)
            for w in windows(out[:, 0])
        ]
    )

    assert np.all(np.diff(peak[0:12]) > 0)  # 15 steps more every tick
    assert np.all(np.diff(peak[12:24]) < 0)  # and back down
    assert peak[11] > 2 * peak[0]  # damping 2 -> 0.71 at 165 steps: x2.8 at the cutoff
