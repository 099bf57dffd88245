"""The voice filter: lowpass, bandpass and highpass responses, drive, and the filter envelope."""

import numpy as np
import pytest

from tests.dsp.helpers import (
    FLAT,
    FULL,
    RATE,
    TICK,
    centroid_hz,
    make_song,
    render,
    saw_synth,
    sine_synth,
    start,
    tone_amplitude,
    windows,
)
from tracker.model import Envelope, Filter

CUTOFF_HZ = 880.0
NOTES = {"A-2": 110.0, "A-4": 440.0, "A-5": 880.0, "A-6": 1760.0, "A-7": 3520.0}
SETTLE = 4000
"""Frames for the filter to settle on a new note before its level is read."""


def trapezoidal_svf_gain(kind: str, hz: float, cutoff_hz: float, k: float) -> float:
    """|H| of Simper's SVF: the analog prototype through the bilinear transform, so the
    frequency warps as tan(pi f / rate) and the cutoff lands exactly where it is set."""
    s = 1j * np.tan(np.pi * hz / RATE) / np.tan(np.pi * cutoff_hz / RATE)
    numerator = {"lowpass": 1.0, "bandpass": s, "highpass": s * s}[kind]
    return float(abs(numerator / (s * s + k * s + 1.0)))


def sine_levels(filter_: Filter) -> dict[float, float]:
    """Each note of NOTES played as a sine through the filter: its gain, one track each."""
    row = " | ".join(f"{note} 01 .. ..." for note in NOTES)
    song = make_song([row], [sine_synth(filter=filter_)], length=64)
    _, stems = start(song).kernel.render_stems(SETTLE + RATE // 10, len(NOTES))
    return {
        hz: tone_amplitude(stem[SETTLE:, 0], hz) / FULL
        for hz, stem in zip(NOTES.values(), stems, strict=True)
    }


@pytest.mark.parametrize("kind", ["lowpass", "bandpass", "highpass"])
@pytest.mark.parametrize("resonance", [0.0, 0.5])
def test_filter_response_matches_the_state_variable_filter(kind: str, resonance: float) -> None:
    levels = sine_levels(Filter(type=kind, cutoff_hz=CUTOFF_HZ, resonance=resonance))
    k = 2.0 - 2.0 * resonance

    for hz, gain in levels.items():
        assert gain == pytest.approx(trapezoidal_svf_gain(kind, hz, CUTOFF_HZ, k), rel=0.02), hz


def test_lowpass_removes_highs_highpass_removes_lows_bandpass_keeps_the_middle() -> None:
    low, mid, high = 110.0, 880.0, 3520.0
    lowpass = sine_levels(Filter(type="lowpass", cutoff_hz=CUTOFF_HZ))
    highpass = sine_levels(Filter(type="highpass", cutoff_hz=CUTOFF_HZ))
    bandpass = sine_levels(Filter(type="bandpass", cutoff_hz=CUTOFF_HZ, resonance=0.5))

    assert lowpass[low] > 0.95 and lowpass[high] < 0.07
    assert highpass[high] > 0.9 and highpass[low] < 0.02
    assert bandpass[mid] > 0.95 and bandpass[low] < 0.15 and bandpass[high] < 0.3


def test_drive_adds_odd_harmonics_to_a_sine() -> None:
    def harmonics(drive: float) -> list[float]:
        synth = sine_synth(filter=Filter(type="lowpass", cutoff_hz=20000.0, drive=drive))
        out = render(make_song(["A-4 01 .. ..."], [synth], length=64), RATE // 4)[1000:, 0]
        return [tone_amplitude(out, n * 440.0) for n in (1, 2, 3, 5)]

    clean, driven = harmonics(0.0), harmonics(1.0)

    assert clean[2] < 1e-3 * clean[0] and clean[3] < 1e-3 * clean[0]
    assert driven[2] > 0.05 * driven[0] and driven[3] > 0.01 * driven[0]
    assert driven[1] < 1e-3 * driven[0]  # the clipper is symmetric: no even harmonics


def brightness_over_note(
    cutoff_hz: float, octaves: float, envelope: Envelope, rows: list[str] | None = None
) -> list[float]:
    """Spectral centroid of a low saw through a lowpass and its filter envelope, every four
    ticks over 1.2 s (a window long enough to read the centroid steadily)."""
    synth = saw_synth(
        filter=Filter(type="lowpass", cutoff_hz=cutoff_hz),
        amp_env=FLAT.model_copy(update={"release_s": 2.0}),
        filter_env=envelope,
        filter_env_octaves=octaves,
    )
    song = make_song(rows or ["A-2 01 .. ..."], [synth], speed=8, length=64)
    out = render(song, 60 * TICK)
    return [centroid_hz(w[64:]) for w in windows(out[:, 0], 4 * TICK)]


DECAY = Envelope(attack_s=0.0, decay_s=1.0, sustain=0.0, release_s=0.0)


def test_a_decaying_filter_envelope_darkens_the_note() -> None:
    bright = brightness_over_note(200.0, 5.0, DECAY)
    steady = brightness_over_note(200.0, 0.0, DECAY)

    assert np.all(np.diff(bright[:6]) < 0)
    assert bright[0] > 1.6 * bright[-1]
    # once the envelope has decayed the cutoff is the instrument's own
    assert bright[-1] == pytest.approx(steady[-1], rel=0.02)
    np.testing.assert_allclose(steady, steady[0], rtol=0.01)


def test_a_negative_filter_envelope_amount_brightens_the_note() -> None:
    bright = brightness_over_note(6400.0, -5.0, DECAY)

    assert np.all(np.diff(bright[:6]) > 0)
    assert bright[-1] > 1.6 * bright[0]


def test_the_filter_envelope_holds_then_closes_with_the_note_off() -> None:
    held = Envelope(attack_s=0.0, decay_s=0.0, sustain=1.0, release_s=1.0)
    bright = brightness_over_note(
        200.0, 5.0, held, ["A-2 01 .. ...", "--- .. .. ...", "=== .. .. ..."]
    )

    np.testing.assert_allclose(bright[:4], bright[0], rtol=0.01)  # open for two rows of 8 ticks
    assert np.all(np.diff(bright[4:10]) < 0)
    assert bright[0] > 1.6 * bright[-1]
