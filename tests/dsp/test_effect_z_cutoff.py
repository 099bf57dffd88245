"""Zxx: set the note's filter cutoff, 00..FF over 20 Hz..20 kHz on a log scale."""

from tests.dsp.helpers import TICK, centroid_hz, make_song, render_ticks, saw_synth, windows
from tracker.model import Filter


def test_cutoff_darkens_and_brightens_the_note() -> None:
    synth = saw_synth(filter=Filter(type="lowpass", cutoff_hz=20000.0))
    rows = ["A-2 01 .. ...", "--- .. .. Z40", "--- .. .. ZC0", "--- .. .. Z80", "--- 01 .. ..."]
    out = render_ticks(make_song(rows, [synth], speed=2), 10)
    bright = [centroid_hz(w[64:]) for w in windows(out[:, 0], 2 * TICK)]
    open_, z40, zc0, z80, reset = bright

    # Z40 ~ 113 Hz, Z80 ~ 640 Hz, ZC0 ~ 3.6 kHz, the instrument's 20 kHz
    assert z40 < z80 < zc0 < open_
    assert z40 < 300
    # an instrument number resets the override
    assert abs(reset - open_) < 0.02 * open_


def test_cutoff_needs_the_filter_on() -> None:
    rows = ["A-2 01 .. ...", "--- .. .. Z40"]
    out = render_ticks(make_song(rows, [saw_synth()], speed=2), 4)
    before, after = (centroid_hz(w[64:]) for w in windows(out[:, 0], 2 * TICK))

    assert abs(after - before) < 0.02 * before
