"""Tuning: A-4 is 440 Hz, a sample at its base note plays at its own rate."""

import numpy as np
import pytest

from tests.dsp.helpers import (
    RATE,
    make_song,
    peak_frequency_hz,
    render,
    sample_instrument,
    sine_synth,
)


def test_sine_at_a4_peaks_at_440_hz() -> None:
    song = make_song(["A-4 01 .. ..."], [sine_synth()], length=64)
    out = render(song, RATE)  # one second: 1 Hz bins, refined by interpolation

    assert peak_frequency_hz(out[:, 0]) == pytest.approx(440.0, abs=0.5)


def test_sine_an_octave_and_a_fifth_up() -> None:
    song = make_song(["E-6 01 .. ..."], [sine_synth()], length=64)
    out = render(song, RATE)

    # E-6 is 19 semitones above A-4
    assert peak_frequency_hz(out[:, 0]) == pytest.approx(440.0 * 2 ** (19 / 12), abs=0.5)


def test_sample_an_octave_above_its_base_note_plays_twice_as_fast() -> None:
    t = np.arange(RATE) / RATE
    wave = sample_instrument(
        np.sin(2 * np.pi * 1000.0 * t),
        loop="forward",
        loop_start_frames=0,
        loop_end_frames=RATE,
    )
    song = make_song(["A-5 01 .. ..."], [wave], length=64)
    out = render(song, RATE // 2)

    assert peak_frequency_hz(out[:, 0]) == pytest.approx(2000.0, abs=0.5)
