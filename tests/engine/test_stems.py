"""Stems: one post-fader buffer per track, summing to the mix below the limiter."""

import numpy as np

from tests.dsp.helpers import make_song, saw_synth, sine_synth, start
from tracker.model import Filter


def test_stems_sum_to_the_mix() -> None:
    row = "A-4 01 .. ... | C-3 02 .. 0C7 | E-5 01 .. 448"
    instruments = [sine_synth(volume=0.2), saw_synth(volume=0.15, filter=Filter(type="lowpass"))]
    song = make_song([row], instruments, length=16)
    song.tracks[1].pan = -0.5
    song.tracks[2].volume = 0.5
    mix, stems = start(song).kernel.render_stems(9600, 3)

    assert np.abs(mix).max() < 0.8  # below the limiter's knee
    assert all(np.abs(stem).max() > 0.01 for stem in stems)
    np.testing.assert_allclose(stems.sum(axis=0), mix, atol=1e-6)


def test_stems_are_after_the_track_fader() -> None:
    row = "A-4 01 .. ... | A-4 01 .. ..."
    song = make_song([row], [sine_synth(volume=0.2)], length=16)
    song.tracks[1].volume = 0.25
    _, stems = start(song).kernel.render_stems(4800, 2)

    np.testing.assert_allclose(stems[1], 0.25 * stems[0], atol=1e-7)
