"""E4x: vibrato waveform, 0 sine, 1 ramp down, 2 square; +4 keeps the position on a new note."""

import numpy as np

from tests.dsp.helpers import (
    A4_UNITS,
    lfo_offsets,
    make_song,
    render_ticks,
    sine_synth,
    tick_pitch,
    vibrato_sine,
)


def vibrato(rows: list[str], ticks: int, speed: int = 16) -> np.ndarray:
    return tick_pitch(render_ticks(make_song(rows, [sine_synth()], speed=speed), ticks)) - A4_UNITS


def test_square_vibrato_jumps_between_two_offsets() -> None:
    pitch = vibrato(["A-4 01 .. E42", "--- .. .. 448"], 32)[16:]

    def square(pos: int) -> int:
        return 255 if pos & 63 < 32 else -255

    np.testing.assert_allclose(pitch, lfo_offsets(square, 4, 8, 32, 16, 16), atol=0.5)
    assert set(np.round(pitch[1:]).astype(int)) == {63, -63}


def test_sine_vibrato_passes_through_the_values_between() -> None:
    pitch = vibrato(["A-4 01 .. E40", "--- .. .. 448"], 32)[16:]

    assert len(set(np.round(pitch[1:]).astype(int))) > 4


def test_ramp_down_vibrato_falls_through_the_cycle() -> None:
    pitch = vibrato(["A-4 01 .. E41", "--- .. .. 448"], 32)[16:]

    np.testing.assert_allclose(
        pitch, lfo_offsets(lambda pos: 255 - (pos & 63) * 8, 4, 8, 32, 16, 16), atol=0.5
    )
    assert np.all(np.diff(pitch[1:]) < 0)


def test_vibrato_position_resets_on_a_new_note_unless_told() -> None:
    def second_note(waveform: str) -> np.ndarray:
        rows = [f"A-4 01 .. {waveform} 448", "A-4 01 .. ... 400"]
        return vibrato(rows, 8, speed=4)[4:]

    reset = lfo_offsets(vibrato_sine, 4, 8, 32, 4, 4)
    kept = [0] + [int(vibrato_sine(pos) * 8 / 32) for pos in (12, 16, 20)]
    np.testing.assert_allclose(second_note("E40"), reset, atol=0.5)
    np.testing.assert_allclose(second_note("E44"), kept, atol=0.5)
