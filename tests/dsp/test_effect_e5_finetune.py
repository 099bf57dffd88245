"""E5x: finetune (x * 16 - 128) / 128 semitone, for the note on its row and those after."""

import numpy as np

from tests.dsp.helpers import A4_UNITS, make_song, render_ticks, sine_synth, tick_pitch


def test_finetune_tunes_the_note_on_its_row_and_the_ones_after() -> None:
    rows = [
        "A-4 01 .. E5F",  # +112/128 semitone: +56 units
        "A-4 .. .. ...",  # no instrument: the finetune stays
        "A-4 01 .. ...",  # an instrument number resets it to the instrument's (0)
        "A-4 01 .. E50",  # -1 semitone
        "A-4 01 .. E58",  # 0
    ]
    pitch = tick_pitch(render_ticks(make_song(rows, [sine_synth()], speed=2), 10)) - A4_UNITS

    np.testing.assert_allclose(pitch, np.repeat([56, 56, 0, -64, 0], 2), atol=0.5)
