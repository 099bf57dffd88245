"""The instrument LFO: its shapes, and each destination (pitch, cutoff, amp, pulse width).

The LFO moves once per control block (32 frames) and starts at phase 0 with each note. With
destination "amp" and depth 1 the gain is (1 + lfo) / 2, so a DC sample's last frame in each
block reads the LFO back exactly.
"""

import numpy as np
import pytest

from tests.dsp.helpers import (
    A4_UNITS,
    CONTROL_FRAMES,
    FULL,
    RATE,
    TICK,
    Run,
    centroid_hz,
    dc_sample,
    make_song,
    render_ticks,
    saw_synth,
    sine_synth,
    start,
    tick_pitch,
    tone_amplitude,
    windows,
)
from tracker.model import Filter, Lfo, Oscillator

RATE_HZ = 7.0
EDGE = 1e-6
"""Blocks whose phase is this close to a square's or saw's jump are not compared."""


def lfo_shape(shape: str, phase: np.ndarray) -> np.ndarray:
    """Every shape rises through 0 at phase 0; the square is +1 for the first half cycle."""
    return {
        "sine": np.sin(2 * np.pi * phase),
        "triangle": np.where(
            phase < 0.25, 4 * phase, np.where(phase < 0.75, 2 - 4 * phase, 4 * phase - 4)
        ),
        "saw": np.where(phase < 0.5, 2 * phase, 2 * phase - 2),
        "square": np.where(phase < 0.5, 1.0, -1.0),
    }[shape]


def block_phases(blocks: int, rate_hz: float = RATE_HZ) -> np.ndarray:
    """LFO phase in control block k: the LFO advances a block before the block plays."""
    return (rate_hz * CONTROL_FRAMES * (np.arange(blocks) + 1) / RATE) % 1.0


def amp_lfo_run(shape: str, rows: list[str] | None = None) -> Run:
    sample = dc_sample(lfo=Lfo(shape=shape, destination="amp", rate_hz=RATE_HZ, depth=1.0))
    return start(make_song(rows or ["A-4 01 .. ..."], [sample], length=64))


def read_lfo(out: np.ndarray) -> np.ndarray:
    """The LFO's value in each control block, read back through the amp destination."""
    return 2 * out[CONTROL_FRAMES - 1 :: CONTROL_FRAMES, 0] / FULL - 1


def amp_lfo(shape: str, frames: int, rows: list[str] | None = None) -> np.ndarray:
    return read_lfo(amp_lfo_run(shape, rows).render(frames))


@pytest.mark.parametrize("shape", ["sine", "triangle", "saw", "square"])
def test_each_lfo_shape_drives_the_level(shape: str) -> None:
    lfo = amp_lfo(shape, 2 * RATE // 7)  # two cycles
    phase = block_phases(len(lfo))
    away_from_jumps = (np.abs(phase - 0.5) > EDGE) & (phase > EDGE) & (phase < 1 - EDGE)

    np.testing.assert_allclose(
        lfo[away_from_jumps], lfo_shape(shape, phase)[away_from_jumps], atol=1e-4
    )


def test_sine_and_square_lfos_sound_different() -> None:
    sine, square = amp_lfo("sine", RATE // 7), amp_lfo("square", RATE // 7)

    assert len(np.unique(np.round(square, 4))) == 2
    assert len(np.unique(np.round(sine, 4))) > 50
    assert np.abs(sine - square).max() > 0.9


def test_the_lfo_starts_again_with_each_note() -> None:
    rows = ["A-4 01 .. ..."] + ["--- .. .. ..."] * 3 + ["A-4 01 .. ..."]
    first_note_blocks = 4 * 6 * TICK // CONTROL_FRAMES
    lfo = amp_lfo("sine", 2 * first_note_blocks * CONTROL_FRAMES, rows)

    # past the first blocks, where the old note fades out (2 ms) and the new one ramps in
    settled = 4
    np.testing.assert_allclose(
        lfo[first_note_blocks + settled :], lfo[settled:first_note_blocks], atol=1e-5
    )


def test_random_lfo_holds_a_value_each_cycle_and_repeats_across_renders() -> None:
    cycles = 4
    # two engines alive at once: nothing taken from memory addresses or the clock
    first, second = amp_lfo_run("random"), amp_lfo_run("random")
    lfo = read_lfo(first.render(cycles * RATE // 7))
    again = read_lfo(second.render(cycles * RATE // 7))
    cycle = np.floor(RATE_HZ * CONTROL_FRAMES * (np.arange(len(lfo)) + 1) / RATE)

    np.testing.assert_array_equal(lfo, again)
    held = [lfo[1:][cycle[1:] == c] for c in range(cycles)]
    for values in held:
        np.testing.assert_allclose(values, values[0], atol=1e-5)
    firsts = [values[0] for values in held]
    assert len(np.unique(np.round(firsts, 3))) == cycles
    assert np.all(np.abs(firsts) <= 1.0)


def test_pitch_lfo_bends_the_pitch_around_the_note() -> None:
    semitone = 1 / 12  # depth 1 is an octave
    synth = sine_synth(lfo=Lfo(shape="sine", destination="pitch", rate_hz=5.0, depth=semitone))
    pitch = tick_pitch(render_ticks(make_song(["A-4 01 .. ..."], [synth], length=64), 40))

    # each tick's pitch is the mean of its control blocks' (after the first, which is skipped)
    blocks = TICK // CONTROL_FRAMES
    phase = block_phases(40 * blocks, 5.0).reshape(40, blocks)[:, 1:]
    expected = A4_UNITS + 64 * np.sin(2 * np.pi * phase).mean(axis=1)
    np.testing.assert_allclose(pitch, expected, atol=2.0)
    assert pitch.max() - pitch.min() > 120


def test_cutoff_lfo_opens_and_closes_the_filter_at_its_rate() -> None:
    synth = saw_synth(
        filter=Filter(type="lowpass", cutoff_hz=800.0),
        lfo=Lfo(shape="sine", destination="cutoff", rate_hz=2.0, depth=0.25),  # one octave
    )
    out = render_ticks(make_song(["A-3 01 .. ..."], [synth], length=64), 50)  # one second
    bright = np.array([centroid_hz(w[CONTROL_FRAMES:]) for w in windows(out[:, 0])])
    swing = bright - bright.mean()

    t = (np.arange(50) + 0.5) * TICK / RATE
    assert np.corrcoef(swing, np.sin(2 * np.pi * 2.0 * t))[0, 1] > 0.95
    assert bright.max() > 1.25 * bright.min()


def test_pulse_width_lfo_changes_the_spectrum_periodically() -> None:
    def second_harmonic(depth: float) -> np.ndarray:
        synth = sine_synth(
            osc1=Oscillator(wave="pulse", pulse_width=0.5),
            lfo=Lfo(shape="sine", destination="pulse_width", rate_hz=2.0, depth=depth),
        )
        out = render_ticks(make_song(["A-4 01 .. ..."], [synth], length=64), 50)
        return np.array(
            [tone_amplitude(w, 880.0) / tone_amplitude(w, 440.0) for w in windows(out[:, 0])]
        )

    # a pulse's 2nd harmonic over its 1st is |cos(pi width)|: none at 0.5, strong away from it
    ratio = second_harmonic(0.8)
    t = (np.arange(50) + 0.5) * TICK / RATE
    width = 0.5 + 0.8 * 0.49 * np.sin(2 * np.pi * 2.0 * t)
    np.testing.assert_allclose(ratio, np.abs(np.cos(np.pi * width)), atol=0.08)
    assert ratio.max() > 0.8 and ratio.min() < 0.1
    assert second_harmonic(0.0).max() < 0.01
