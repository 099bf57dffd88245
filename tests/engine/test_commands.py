"""Live commands: notes played from the keyboard, and what happens when nobody renders."""

import numpy as np
import pytest

from tests.dsp.helpers import (
    A4,
    FULL,
    RATE,
    TICK,
    dc_sample,
    frequency_hz,
    make_song,
    sine_synth,
    start,
    tick_level,
)
from tracker.engine import Stopped
from tracker.engine.kernel import QueueFull
from tracker.model import Envelope

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


def test_instrument_param_change_is_heard_on_the_playing_note() -> None:
    ip_volume = 0  # TK_IP_VOLUME in dsp_c/tk_dsp.h
    run = start(make_song(["A-4 01 .. ..."], [dc_sample()], length=64))
    run.render(100)
    run.kernel.set_instrument_param(1, ip_volume, 0.25)
    out = run.render(200)[:, 0]

    assert out[-1] == np.float32(0.25)
    assert np.abs(np.diff(out)).max() < (FULL - 0.25) / 16  # ramped over a control block


def test_stop_fades_the_song_out_and_says_so() -> None:
    run = start(make_song(["A-4 01 .. ..."], [sine_synth()], length=64))
    run.render(TICK)
    run.kernel.stop()
    out = run.render(TICK)

    assert np.abs(out[:32]).max() > 0  # a fade, not a cut
    assert not out[200:].any()
    assert [e.frame for e in run.of_type(Stopped)] == [TICK]
    assert not run.kernel.stats().playing
