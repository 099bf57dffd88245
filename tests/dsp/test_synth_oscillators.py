"""The synth's two oscillators: mix levels, osc 2's tuning, hard sync and ring modulation."""

from typing import Any

import numpy as np
import pytest

from tests.dsp.helpers import (
    A4_UNITS,
    RATE,
    frequency_hz,
    hz_to_units,
    make_song,
    render,
    sine_synth,
    tone_amplitude,
    units_to_hz,
)
from tracker.model import Oscillator

A4_HZ = 440.0
FIFTH_HZ = A4_HZ * 2 ** (7 / 12)
VOLUME = 0.3
"""Two full oscillators at this volume stay below the master limiter's knee."""


def play_a4(frames: int = RATE // 4, **fields: Any) -> np.ndarray:
    song = make_song(["A-4 01 .. ..."], [sine_synth(volume=VOLUME, **fields)], length=64)
    return render(song, frames)[:, 0]


def period_frames(x: np.ndarray, shortest: int, longest: int) -> float:
    """The lag (shortest..longest frames) at which the signal best matches itself."""
    x = x - x.mean()
    lags = np.arange(shortest, longest + 1)
    match = np.array(
        [np.dot(x[:-lag], x[lag:]) / np.sqrt(np.dot(x[:-lag], x[:-lag])) for lag in lags]
    )
    k = int(np.argmax(match[1:-1])) + 1
    a, b, c = match[k - 1 : k + 2]
    return float(lags[k] + 0.5 * (a - c) / (a - 2 * b + c))


@pytest.mark.parametrize(
    ("osc1_level", "osc2_level"), [(1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.5, 0.25)]
)
def test_mix_levels_set_each_oscillators_share(osc1_level: float, osc2_level: float) -> None:
    out = play_a4(
        osc1=Oscillator(wave="sine", level=osc1_level),
        osc2=Oscillator(wave="sine", coarse_semitones=7, level=osc2_level),
    )

    assert tone_amplitude(out, A4_HZ) == pytest.approx(VOLUME * osc1_level, abs=2e-3)
    assert tone_amplitude(out, FIFTH_HZ) == pytest.approx(VOLUME * osc2_level, abs=2e-3)


@pytest.mark.parametrize(
    ("coarse", "fine"), [(12, 0.0), (-7, 0.0), (0, 50.0), (-5, 30.0), (3, -100.0), (-48, 0.0)]
)
def test_osc2_coarse_and_fine_tune(coarse: int, fine: float) -> None:
    out = play_a4(
        osc1=Oscillator(wave="off"),
        osc2=Oscillator(wave="sine", coarse_semitones=coarse, fine_cents=fine),
    )

    expected = A4_UNITS + 64 * (coarse + fine / 100)
    assert hz_to_units(frequency_hz(out)) == pytest.approx(expected, abs=0.1)


def test_osc1_tunes_on_its_own() -> None:
    out = play_a4(
        osc1=Oscillator(wave="sine", coarse_semitones=-12, fine_cents=-25),
        osc2=Oscillator(wave="off"),
    )

    assert frequency_hz(out) == pytest.approx(units_to_hz(A4_UNITS - 64 * 12.25), abs=0.01)


def test_hard_sync_repeats_at_osc1s_period() -> None:
    # osc 2 alone is heard, 5.5 semitones above osc 1, which only resets it
    osc1 = Oscillator(wave="saw", level=0.0)
    osc2 = Oscillator(wave="saw", coarse_semitones=5, fine_cents=50)
    synced = play_a4(osc1=osc1, osc2=osc2, osc_mode="sync")[1000:]
    free = play_a4(osc1=osc1, osc2=osc2, osc_mode="mix")[1000:]

    assert period_frames(synced, 40, 120) == pytest.approx(RATE / A4_HZ, abs=0.05)
    assert period_frames(free, 40, 120) == pytest.approx(RATE / (A4_HZ * 2 ** (5.5 / 12)), abs=0.05)


def test_ring_modulation_gives_sum_and_difference_not_the_originals() -> None:
    out = play_a4(
        osc1=Oscillator(wave="sine", level=0.0),
        osc2=Oscillator(wave="sine", coarse_semitones=7),
        osc_mode="ring",
    )

    # sin a * sin b = (cos(a - b) - cos(a + b)) / 2
    assert tone_amplitude(out, FIFTH_HZ - A4_HZ) == pytest.approx(VOLUME / 2, abs=2e-3)
    assert tone_amplitude(out, FIFTH_HZ + A4_HZ) == pytest.approx(VOLUME / 2, abs=2e-3)
    assert tone_amplitude(out, A4_HZ) < 1e-3
    assert tone_amplitude(out, FIFTH_HZ) < 1e-3


def test_ring_modulation_keeps_osc1_at_its_level() -> None:
    out = play_a4(
        osc1=Oscillator(wave="sine", level=0.5),
        osc2=Oscillator(wave="sine", coarse_semitones=7, level=0.5),
        osc_mode="ring",
    )

    assert tone_amplitude(out, A4_HZ) == pytest.approx(VOLUME * 0.5, abs=2e-3)
    assert tone_amplitude(out, FIFTH_HZ + A4_HZ) == pytest.approx(VOLUME * 0.25, abs=2e-3)
    assert tone_amplitude(out, FIFTH_HZ) < 1e-3
