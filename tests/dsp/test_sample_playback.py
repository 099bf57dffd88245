"""Sample instruments: stereo channels, loops, the pitch from base note, sample rate and
finetune, and linear against cubic interpolation."""

from typing import Any

import numpy as np
import pytest

from tests.dsp.helpers import (
    CONTROL_FRAMES,
    FULL,
    RATE,
    frequency_hz,
    make_song,
    render,
    sample_instrument,
    start,
)
from tracker.model import Filter, SampleInstrument

RAMP = np.arange(100) / 100  # 0.00, 0.01, ... 0.99


def at_rate(instrument: SampleInstrument, sample_rate_hz: int) -> SampleInstrument:
    """The same audio, declared as recorded at another rate."""
    sample = instrument.sample.model_copy(update={"sample_rate_hz": sample_rate_hz})
    return instrument.model_copy(update={"sample": sample})


def play(instrument: SampleInstrument, frames: int, note: str = "A-4", **song: Any) -> np.ndarray:
    return render(make_song([f"{note} 01 .. ..."], [instrument], length=64, **song), frames)


# ---- stereo ----------------------------------------------------------------


@pytest.mark.parametrize("side", [0, 1])
@pytest.mark.parametrize("filter_type", ["off", "lowpass"])
def test_a_stereo_sample_keeps_its_channels_apart(side: int, filter_type: str) -> None:
    data = np.zeros((4000, 2))
    data[:, side] = 1.0
    stereo = sample_instrument(data, loop="forward", loop_end_frames=4000)
    stereo = stereo.model_copy(update={"filter": Filter(type=filter_type, cutoff_hz=1000.0)})
    out = play(stereo, 3000)

    np.testing.assert_allclose(out[2000:, side], FULL, rtol=1e-4)
    assert not out[:, 1 - side].any()


def test_panning_a_stereo_sample_turns_the_other_side_down() -> None:
    data = np.stack([np.full(4000, 0.5), np.full(4000, 1.0)], axis=1)
    left = sample_instrument(data, loop="forward", loop_end_frames=4000, pan=-0.5)
    out = play(left, 1000)

    # balance, not a mix-down: the right channel is only turned down, never moved left
    np.testing.assert_allclose(out[-1], [0.5 * FULL, 0.5 * FULL], rtol=1e-6)


# ---- loops -------------------------------------------------------------------


def test_a_forward_loop_repeats_from_its_start() -> None:
    out = play(
        sample_instrument(RAMP, loop="forward", loop_start_frames=20, loop_end_frames=100), 500
    )
    played = out[:, 0] / FULL

    np.testing.assert_allclose(played[CONTROL_FRAMES:100], RAMP[CONTROL_FRAMES:], atol=1e-6)
    expected = RAMP[20 + np.arange(400) % 80]
    np.testing.assert_allclose(played[100:], expected, atol=1e-6)


def test_a_ping_pong_loop_runs_up_then_down() -> None:
    bounce = sample_instrument(RAMP, loop="pingpong", loop_start_frames=0, loop_end_frames=100)
    played = play(bounce, 700)[:, 0] / FULL

    assert np.all(np.diff(played[CONTROL_FRAMES:100]) > 0)  # up through the sample
    assert np.all(np.diff(played[100:200]) <= 0)  # back down
    assert np.all(np.diff(played[200:300]) > 0)  # and up again
    assert played[100:200].min() == pytest.approx(0.01, abs=1e-6)
    # forwards and backwards take as long as each other: the loop repeats every 200 frames
    np.testing.assert_allclose(played[300:500], played[100:300], atol=1e-6)
    np.testing.assert_allclose(played[500:700], played[100:300], atol=1e-6)


def test_a_ping_pong_loop_bounces_between_its_own_ends() -> None:
    bounce = sample_instrument(RAMP, loop="pingpong", loop_start_frames=40, loop_end_frames=100)
    played = play(bounce, 1000)[:, 0] / FULL

    assert played[100:].min() == pytest.approx(0.40, abs=1e-6)
    assert played[100:].max() == pytest.approx(0.99, abs=1e-6)
    np.testing.assert_allclose(played[100 + 120 : 100 + 240], played[100:220], atol=1e-6)


# ---- pitch -------------------------------------------------------------------


def sine_sample(hz: float, sample_rate_hz: int, **fields: Any) -> SampleInstrument:
    """One second of a sine recorded at sample_rate_hz (hz a whole number), looped."""
    t = np.arange(sample_rate_hz) / sample_rate_hz
    wave = sample_instrument(
        np.sin(2 * np.pi * hz * t),
        loop="forward",
        loop_start_frames=0,
        loop_end_frames=sample_rate_hz,
        **fields,
    )
    return at_rate(wave, sample_rate_hz)


@pytest.mark.parametrize(("note", "semitones"), [("C-5", 0), ("C-4", -12), ("A-4", -3), ("G-5", 7)])
def test_base_note_plays_at_the_samples_own_rate(note: str, semitones: int) -> None:
    # a 1 kHz sine recorded at 44.1 kHz, heard at 48 kHz
    wave = sine_sample(1000.0, 44100, base_note=60)
    out = play(wave, RATE // 4, note)

    assert frequency_hz(out[CONTROL_FRAMES:, 0]) == pytest.approx(
        1000.0 * 2 ** (semitones / 12), rel=1e-5
    )


@pytest.mark.parametrize("finetune", [64, -128, 127, -1])
def test_finetune_shifts_the_pitch_in_128ths_of_a_semitone(finetune: int) -> None:
    wave = sine_sample(1000.0, 48000, base_note=60, finetune=finetune)
    from_pattern = play(wave, RATE // 4, "C-5")
    run = start(make_song(["--- .. .. ..."], [wave], length=64), play=False)
    run.kernel.note_on(0, 60, 1)
    live = run.render(RATE // 4)

    # the kernel keeps pitch in 64ths of a semitone: finetune / 2, rounded toward zero
    expected = 1000.0 * 2 ** (int(finetune / 2) / 64 / 12)
    assert frequency_hz(from_pattern[CONTROL_FRAMES:, 0]) == pytest.approx(expected, rel=1e-5)
    assert frequency_hz(live[CONTROL_FRAMES:, 0]) == pytest.approx(expected, rel=1e-5)


# ---- interpolation -----------------------------------------------------------


@pytest.mark.parametrize("interpolation", ["linear", "cubic"])
def test_both_interpolations_play_a_low_rate_sample_in_tune(interpolation: str) -> None:
    out = play(sine_sample(440.0, 4000), RATE // 4, interpolation=interpolation)

    assert frequency_hz(out[CONTROL_FRAMES:, 0]) == pytest.approx(440.0, abs=0.02)


def test_cubic_interpolation_follows_a_smooth_low_rate_sample_more_closely() -> None:
    # 440 Hz at 4 kHz: 9 samples a cycle, each stretched over 12 output frames
    frames = RATE // 4
    ideal = FULL * np.sin(2 * np.pi * 440.0 * np.arange(frames) / RATE)

    def error(interpolation: str) -> float:
        out = play(sine_sample(440.0, 4000), frames, interpolation=interpolation)[:, 0]
        return float(np.sqrt(np.mean((out - ideal)[2 * CONTROL_FRAMES :] ** 2)) / FULL)

    linear, cubic = error("linear"), error("cubic")
    assert cubic < 0.25 * linear
    assert cubic < 0.01


@pytest.mark.parametrize("loop_start", [0, 40])
def test_cubic_interpolation_is_smooth_across_the_loop_seam(loop_start: int) -> None:
    # two cycles of 100 Hz at 4 kHz, looped: the frame before the loop's start is its end
    cycle = np.sin(2 * np.pi * 100.0 * np.arange(80) / 4000)
    frames = RATE // 4
    ideal = FULL * np.sin(2 * np.pi * 100.0 * np.arange(frames) / RATE)
    looped = sample_instrument(
        cycle, loop="forward", loop_start_frames=loop_start, loop_end_frames=80
    )
    out = play(at_rate(looped, 4000), frames, interpolation="cubic")[:, 0]

    # past the first pass, which starts from silence
    assert np.abs(out - ideal)[RATE // 10 :].max() < 0.002 * FULL


# ---- the end of a one-shot sample ------------------------------------------


def ringing_one_shot() -> SampleInstrument:
    """100 frames of DC into a resonant lowpass, which rings on after the sample ends."""
    return sample_instrument(
        np.ones(100), filter=Filter(type="lowpass", cutoff_hz=300.0, resonance=0.9)
    )


@pytest.mark.parametrize("block", [1, 7, 100, 333])
def test_a_one_shot_sample_ends_the_same_whatever_the_block_size(block: int) -> None:
    song = make_song(["A-4 01 .. ..."], [ringing_one_shot()], length=64)
    whole = start(song).render(2000, block=2000)
    split = start(song).render(2000, block=block)

    np.testing.assert_array_equal(whole, split)


def test_the_filter_tail_of_a_one_shot_sample_fades_rather_than_stops() -> None:
    out = play(ringing_one_shot(), 2000)[:, 0]

    ringing = np.abs(out[100:140]).max()
    assert ringing > 0.1 * FULL  # still ringing after the sample's last frame
    assert np.abs(np.diff(out[100:])).max() < 0.1 * ringing
    assert not out[400:].any()
