"""Live commands: notes played from the keyboard, and what happens when nobody renders."""

import numpy as np
import pytest

from tests.dsp.helpers import (
    A4,
    FULL,
    RATE,
    TICK,
    brightness_hz,
    dc_sample,
    frequency_hz,
    make_song,
    sine_synth,
    start,
    tick_level,
)
from tracker.engine import Stopped
from tracker.engine.kernel import QueueFull
from tracker.engine.native import lib
from tracker.model import Envelope, Filter, Oscillator

EMPTY = "--- .. .. ... | --- .. .. ..."
RELEASE = Envelope(attack_s=0.0, decay_s=0.0, sustain=1.0, release_s=0.05)


def test_note_on_is_heard_from_the_next_render_and_note_off_releases_it() -> None:
    run = start(make_song([EMPTY], [sine_synth(amp_env=RELEASE)]), play=False)
    assert not run.render(TICK).any()

    run.kernel.note_on(1, A4, 1)
    held = run.render(4 * TICK)
    run.kernel.note_off(1)
    released = run.render(RATE // 5)

    assert held[1, 0] != 0.0  # sounding from the start (a sine's first frame is sin 0)
    assert frequency_hz(held[:, 0]) == pytest.approx(440.0, abs=0.05)
    np.testing.assert_allclose(tick_level(held)[1:], FULL, rtol=1e-3)
    level = tick_level(released)
    assert np.all(np.diff(level[:6]) < 0)  # a release, not a cut
    assert level[0] > 0.3 * FULL
    assert not released[-TICK:].any()
    assert run.kernel.stats().voices_active == 0


def test_note_off_of_one_note_leaves_the_others() -> None:
    run = start(make_song([EMPTY], [sine_synth(amp_env=RELEASE)]), play=False)
    run.kernel.note_on(0, A4, 1)
    run.kernel.note_on(0, A4 + 7, 1)
    run.render(TICK)
    run.kernel.note_off(0, A4 + 7)
    out = run.render(RATE // 4)

    assert frequency_hz(out[-TICK:, 0]) == pytest.approx(440.0, abs=0.05)
    assert run.kernel.stats().voices_active == 1


def test_velocity_scales_the_note() -> None:
    run = start(make_song([EMPTY], [sine_synth()]), play=False)
    run.kernel.note_on(0, A4, 1, velocity=0.25)
    out = run.render(2 * TICK)

    np.testing.assert_allclose(tick_level(out), 0.25 * FULL, rtol=1e-3)


def test_queue_full_after_1024_unrendered_commands() -> None:
    run = start(make_song([EMPTY], [sine_synth()]), play=False)
    for _ in range(1024):
        run.kernel.set_master_volume(1.0)
    with pytest.raises(QueueFull):
        run.kernel.note_on(0, A4, 1)

    run.render(32)  # the engine drains its queue
    run.kernel.note_on(0, A4, 1)
    assert run.render(32).any()


def test_instrument_param_change_glides_to_its_value_on_the_playing_note() -> None:
    run = start(make_song(["A-4 01 .. ..."], [dc_sample()], length=64))
    run.render(100)
    run.kernel.set_instrument_param(1, lib.TK_IP_VOLUME, 0.25)
    out = run.render(RATE // 5)[:, 0]  # twenty time constants

    assert out[-1] == np.float32(0.25)
    # a one-pole glide: no step bigger than a control block's share of the 10 ms glide
    steps = np.abs(np.diff(out))
    assert steps.max() < (FULL - 0.25) * 32 / 480
    halfway = int(np.argmax(out <= (FULL + 0.25) / 2))
    assert 0.006 * RATE < halfway < 0.009 * RATE  # ln 2 time constants: 6.9 ms


def test_cutoff_glides_instead_of_jumping() -> None:
    """A knob thrown from 200 Hz to 6400 Hz: the filter opens over tens of milliseconds
    (a 10 ms time constant in octaves), not in one control block."""
    noise = sine_synth(osc1=Oscillator(wave="noise"), filter=Filter(type="lowpass", cutoff_hz=200))
    run = start(make_song([EMPTY], [noise]), play=False)
    run.kernel.note_on(0, A4, 1)
    run.render(RATE // 10)
    run.kernel.set_instrument_param(1, lib.TK_IP_CUTOFF_HZ, 6400.0)
    out = run.render(RATE // 10)[:, 0]

    ms = RATE // 1000

    def bright(start_ms: int, end_ms: int) -> float:
        return brightness_hz(out[start_ms * ms : end_ms * ms])

    first, middle, settled = bright(0, 3), bright(8, 14), bright(50, 100)
    assert first < 0.3 * settled
    assert first < middle < settled


def test_envelope_times_coarse_tune_and_glide_take_effect_at_once() -> None:
    run = start(make_song([EMPTY], [sine_synth(amp_env=RELEASE)]), play=False)
    run.kernel.set_instrument_param(1, lib.TK_IP_OSC1_COARSE, 12.4)
    run.kernel.set_instrument_param(1, lib.TK_IP_AMP_RELEASE_S, 0.0)
    run.kernel.note_on(0, A4, 1)
    held = run.render(4 * TICK)
    run.kernel.note_off(0)
    released = run.render(TICK)

    assert frequency_hz(held[:, 0]) == pytest.approx(880.0, abs=0.1)
    assert not released[TICK // 2 :].any()  # no 50 ms release any more


def test_bad_instrument_params_are_ignored() -> None:
    run = start(make_song(["A-4 01 .. ..."], [dc_sample()], length=64))
    run.render(100)
    run.kernel.set_instrument_param(1, lib.TK_IP_COUNT, 0.0)
    run.kernel.set_instrument_param(1, lib.TK_IP_VOLUME, float("nan"))
    run.kernel.set_instrument_param(9, lib.TK_IP_VOLUME, 0.0)
    out = run.render(TICK)[:, 0]
    assert out[-1] == np.float32(FULL)


def test_pitch_bend_moves_live_notes_and_leaves_the_songs_notes() -> None:
    run = start(make_song(["A-4 01 .. ... | --- .. .. ..."], [sine_synth()], length=64))
    run.kernel.note_on(1, A4, 1)
    run.kernel.set_live_bend(2.0)
    _, stems = run.kernel.render_stems(8 * TICK, 2)

    assert frequency_hz(stems[0, TICK:, 0]) == pytest.approx(440.0, abs=0.1)  # the song's
    assert frequency_hz(stems[1, TICK:, 0]) == pytest.approx(440.0 * 2 ** (2 / 12), abs=0.1)
    run.kernel.set_live_bend(0.0)
    _, stems = run.kernel.render_stems(8 * TICK, 2)
    assert frequency_hz(stems[1, TICK:, 0]) == pytest.approx(440.0, abs=0.1)


def test_mod_wheel_adds_vibrato_to_live_notes() -> None:
    run = start(make_song([EMPTY], [sine_synth()]), play=False)
    run.kernel.note_on(0, A4, 1)
    run.kernel.set_live_mod(1.0)
    out = run.render(RATE)[:, 0]
    run.kernel.set_live_mod(0.0)
    still = run.render(RATE // 2)[:, 0]

    # instantaneous frequency from zero crossings: swings about +-50 cents at about 5.5 Hz
    def crossing_hz(x: np.ndarray) -> np.ndarray:
        up = np.flatnonzero((x[:-1] < 0) & (x[1:] >= 0))
        exact = up + x[up] / (x[up] - x[up + 1])  # where the line between the samples crosses
        return RATE / np.diff(exact)

    wobble = crossing_hz(out)
    cents = 1200 * np.log2(wobble / 440.0)
    assert cents.max() == pytest.approx(50, abs=8)
    assert cents.min() == pytest.approx(-50, abs=8)
    assert np.ptp(1200 * np.log2(crossing_hz(still[RATE // 10 :]) / 440.0)) < 2
    rises = np.flatnonzero(np.diff(np.sign(cents - cents.mean())) > 0)
    assert len(rises) == pytest.approx(5.5, abs=1)


def test_stop_fades_the_song_out_and_says_so() -> None:
    run = start(make_song(["A-4 01 .. ..."], [sine_synth()], length=64))
    run.render(TICK)
    run.kernel.stop()
    out = run.render(TICK)

    assert np.abs(out[:32]).max() > 0  # a fade, not a cut
    assert not out[200:].any()
    assert [e.frame for e in run.of_type(Stopped)] == [TICK]
    assert not run.kernel.stats().playing
