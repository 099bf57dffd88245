"""Track mute, solo and volume, the master volume and the master's soft limiter."""

import numpy as np

from tests.dsp.helpers import dc_sample, make_song, saw_synth, start

TWO = "A-4 01 .. ... | A-4 02 .. ..."
RAMP_FRAMES = 240  # 5 ms at 48 kHz


def test_mute_solo_and_volume_change_without_a_step() -> None:
    run = start(make_song([TWO], [dc_sample(volume=0.3), dc_sample(volume=0.2)], length=64))
    levels = []

    def settle() -> None:
        levels.append(float(run.render(1000)[-1, 0]))

    settle()
    run.kernel.set_track_mute(0, True)
    settle()
    run.kernel.set_track_mute(0, False)
    run.kernel.set_track_solo(1, True)
    settle()
    run.kernel.set_track_volume(1, 0.5)
    settle()
    run.kernel.set_track_solo(1, False)
    run.kernel.set_master_volume(0.5)
    settle()

    np.testing.assert_allclose(levels, [0.5, 0.2, 0.2, 0.1, 0.2], atol=1e-6)
    jumps = np.abs(np.diff(run.out[40:, 0]))  # after the notes' own start
    assert jumps.max() <= 0.3 / RAMP_FRAMES * 1.01


def test_pan_moves_a_track_between_the_sides() -> None:
    run = start(make_song([TWO], [dc_sample(volume=0.3), dc_sample(volume=0.2)], length=64))
    run.kernel.set_track_pan(0, -1.0)
    run.kernel.set_track_pan(1, 0.5)
    out = run.render(1000)

    # balance law: a side at most unity, the other side turned down
    np.testing.assert_allclose(out[-1], [0.3 + 0.2 * 0.5, 0.2], atol=1e-6)


def test_limiter_keeps_16_loud_tracks_below_full_scale() -> None:
    row = " | ".join(["A-2 01 .. ..."] * 16)
    song = make_song([row], [saw_synth(volume=1.0)], length=64, master_volume=2.0)
    out = start(song).render(4800)

    assert np.isfinite(out).all()
    assert np.abs(out).max() <= 1.0
    assert np.abs(out).max() > 0.99  # 32 times full scale, squeezed to just under 1
