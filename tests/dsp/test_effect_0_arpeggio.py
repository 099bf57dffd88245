"""0xy: base note, +x, +y semitones on ticks 0, 1, 2, 0, 1, 2... (tick number mod 3)."""

import numpy as np

from tests.dsp.helpers import A4_UNITS, make_song, render_ticks, sine_synth, tick_pitch


def test_arpeggio_cycles_base_x_y_by_tick() -> None:
    song = make_song(
        ["A-4 01 .. 0C7", "--- .. .. 0C7", "--- .. .. 000"], [sine_synth()], speed=6, length=4
    )
    pitch = tick_pitch(render_ticks(song, 18)) - A4_UNITS

    arp = [0, 12 * 64, 7 * 64] * 2
    np.testing.assert_allclose(pitch, arp + arp + [0] * 6, atol=0.5)
