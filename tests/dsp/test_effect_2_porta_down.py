"""2xx: pitch down 4 * xx units on every tick after the first; 200 reuses the last xx."""

import numpy as np

from tests.dsp.helpers import A4_UNITS, make_song, render_ticks, sine_synth, tick_pitch


def test_porta_down_slides_4_units_per_step_per_tick() -> None:
    song = make_song(["A-4 01 .. 208", "--- .. .. 200"], [sine_synth()], speed=4)
    pitch = tick_pitch(render_ticks(song, 8)) - A4_UNITS

    np.testing.assert_allclose(pitch, [0, -32, -64, -96, -96, -128, -160, -192], atol=0.5)


def test_porta_down_memory_is_its_own() -> None:
    # 1xx's speed is not 2xx's: 200 after 104 and 208 slides by 8 steps, not 4.
    song = make_song(["A-4 01 .. 208", "--- .. .. 104", "--- .. .. 200"], [sine_synth()], speed=2)
    pitch = tick_pitch(render_ticks(song, 6)) - A4_UNITS

    np.testing.assert_allclose(pitch, [0, -32, -32, -16, -16, -48], atol=0.5)
