"""E3x: with x = 1, tone portamento sounds in whole semitones."""

import numpy as np

from tests.dsp.helpers import A4_UNITS, make_song, render_ticks, sine_synth, tick_pitch


def slide(glissando: str) -> np.ndarray:
    rows = [f"A-4 01 .. {glissando}", "C-5 .. .. 304"]  # 192 units at 16 a tick
    return tick_pitch(render_ticks(make_song(rows, [sine_synth()], speed=16), 32))[16:] - A4_UNITS


def test_glissando_rounds_the_slide_to_semitones() -> None:
    pitch = slide("E31")

    linear = np.minimum(16 * np.arange(16), 192)
    np.testing.assert_allclose(pitch, (linear + 32) // 64 * 64, atol=0.5)
    assert len(np.unique(np.round(pitch))) == 4  # A-4, A#4, B-4, C-5


def test_glissando_off_slides_smoothly() -> None:
    pitch = slide("E30")

    np.testing.assert_allclose(pitch, np.minimum(16 * np.arange(16), 192), atol=0.5)
