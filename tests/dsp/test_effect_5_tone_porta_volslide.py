"""5xy: tone portamento carries on (as 300) while the volume slides (as Axy)."""

import numpy as np

from tests.dsp.helpers import (
    A4_UNITS,
    FULL,
    make_song,
    render_ticks,
    sine_synth,
    tick_level,
    tick_pitch,
)


def test_tone_porta_continues_while_the_volume_slides_down() -> None:
    song = make_song(["A-4 01 .. ...", "C-5 .. .. 304", "--- .. .. 504"], [sine_synth()], speed=4)
    out = render_ticks(song, 12)
    pitch = tick_pitch(out)[4:] - A4_UNITS
    level = tick_level(out)[4:] / FULL * 64

    np.testing.assert_allclose(pitch, [0, 16, 32, 48, 48, 64, 80, 96], atol=0.5)
    np.testing.assert_allclose(level, [64] * 4 + [64, 60, 56, 52], atol=0.2)
