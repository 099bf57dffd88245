"""Qxx: set the note's filter resonance, 00..FF over 0..1."""

from tests.dsp.helpers import TICK, band_fraction, make_song, render_ticks, saw_synth, windows
from tracker.model import Filter


def test_resonance_boosts_the_cutoff_region() -> None:
    synth = saw_synth(filter=Filter(type="lowpass", cutoff_hz=1000.0))
    rows = ["A-2 01 .. Q00", "--- .. .. Q80", "--- .. .. QFF"]
    out = render_ticks(make_song(rows, [synth], speed=4), 12)
    near = [band_fraction(w[1000:], 800.0, 1250.0) for w in windows(out[:, 0], 4 * TICK)]

    assert near[0] < near[1] < near[2]
    assert near[2] > 4 * near[0]
