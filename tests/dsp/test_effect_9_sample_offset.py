"""9xx: start the sample at xx * 256 frames; past the end plays nothing (FastTracker II)."""

import numpy as np

from tests.dsp.helpers import FULL, TICK, make_song, render_ticks, sample_instrument

FRAMES = 16384
RAMP = np.arange(FRAMES) / FRAMES  # the output value tells the sample position


def test_offset_starts_the_sample_there() -> None:
    song = make_song(["A-4 01 .. 910"], [sample_instrument(RAMP)], speed=1)
    out = render_ticks(song, 1)[:, 0]

    frames = np.arange(32, TICK)  # after the first control block's gain ramp
    np.testing.assert_allclose(out[frames], FULL * (0x1000 + frames) / FRAMES, rtol=1e-5)


def test_offset_00_reuses_the_last_offset() -> None:
    song = make_song(["A-4 01 .. 920", "A-4 01 .. 900"], [sample_instrument(RAMP)], speed=1)
    out = render_ticks(song, 2)[:, 0]

    assert out[TICK + 100] == np.float32(FULL * (0x2000 + 100) / FRAMES)


def test_offset_past_the_end_plays_nothing() -> None:
    song = make_song(["A-4 01 .. 9FF"], [sample_instrument(RAMP)], speed=1)
    out = render_ticks(song, 2)

    assert not out.any()
