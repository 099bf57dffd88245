"""3xx: slide toward the row's note by 4 * xx units per tick, without retriggering it."""

import numpy as np

from tests.dsp.helpers import (
    A4_UNITS,
    FULL,
    TICK,
    make_song,
    render_ticks,
    sample_instrument,
    sine_synth,
    tick_pitch,
)


def test_tone_porta_slides_to_the_note_and_stops_there() -> None:
    # C-5 is 3 semitones (192 units) above A-4; 310 moves 64 units a tick.
    song = make_song(["A-4 01 .. ...", "C-5 .. .. 310", "--- .. .. 300"], [sine_synth()], speed=4)
    pitch = tick_pitch(render_ticks(song, 12)) - A4_UNITS

    held = [0, 0, 0, 0]
    slide = [0, 64, 128, 192]
    np.testing.assert_allclose(pitch, held + slide + [192] * 4, atol=0.5)


def test_tone_porta_slides_down_too() -> None:
    song = make_song(["A-4 01 .. ...", "F#4 .. .. 320"], [sine_synth()], speed=4)
    pitch = tick_pitch(render_ticks(song, 8)) - A4_UNITS

    np.testing.assert_allclose(pitch[4:], [0, -128, -192, -192], atol=0.5)


def test_tone_porta_does_not_retrigger_the_note() -> None:
    # A rising ramp shows the sample position: a retriggered note would start again from 0.
    frames = 48000
    ramp = sample_instrument(np.arange(frames) / frames)
    song = make_song(["A-4 01 .. ...", "A#4 01 .. 301"], [ramp], speed=2)
    out = render_ticks(song, 4)[:, 0]

    row1 = 2 * TICK
    # a 1-unit slide barely moves the read speed: the ramp carries on past row 1's start
    for frame in (row1 - 1, row1 + 40, row1 + 500):
        assert out[frame] > 0.99 * FULL * frame / frames
