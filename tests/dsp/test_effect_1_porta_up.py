"""1xx: pitch up 4 * xx units on every tick after the first; 100 reuses the last xx."""

import numpy as np

from tests.dsp.helpers import A4_UNITS, make_song, render_ticks, sine_synth, tick_pitch


def test_porta_up_slides_4_units_per_step_per_tick() -> None:
    song = make_song(["A-4 01 .. 104", "--- .. .. ..."], [sine_synth()], speed=6)
    pitch = tick_pitch(render_ticks(song, 12)) - A4_UNITS

    slid = [0, 16, 32, 48, 64, 80]
    np.testing.assert_allclose(pitch, slid + [80] * 6, atol=0.5)


def test_porta_up_00_repeats_the_last_speed() -> None:
    song = make_song(["A-4 01 .. 104", "--- .. .. 100"], [sine_synth()], speed=4)
    pitch = tick_pitch(render_ticks(song, 8)) - A4_UNITS

    np.testing.assert_allclose(pitch, [0, 16, 32, 48, 48, 64, 80, 96], atol=0.5)
