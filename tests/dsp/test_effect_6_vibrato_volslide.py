"""6xy: vibrato carries on (as 400) while the volume slides (as Axy)."""

import numpy as np

from tests.dsp.helpers import (
    A4_UNITS,
    FULL,
    lfo_offsets,
    make_song,
    render_ticks,
    sine_synth,
    tick_level,
    tick_pitch,
    vibrato_sine,
)


def test_vibrato_continues_while_the_volume_slides_up() -> None:
    song = make_song(["A-4 01 20 44F", "--- .. .. 620"], [sine_synth()], speed=4)
    out = render_ticks(song, 8)
    pitch = tick_pitch(out) - A4_UNITS
    level = tick_level(out) / FULL * 64

    np.testing.assert_allclose(pitch, lfo_offsets(vibrato_sine, 4, 15, 32, 8, 4), atol=0.5)
    np.testing.assert_allclose(level, [32] * 4 + [32, 34, 36, 38], atol=0.2)
