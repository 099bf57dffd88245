"""E7x: tremolo waveform, 0 sine, 1 ramp down, 2 square; +4 keeps the position on a new note."""

import numpy as np

from tests.dsp.helpers import FULL, dc_sample, lfo_offsets, make_song, render_ticks, tick_end


def tremolo(first: str) -> np.ndarray:
    song = make_song([f"A-4 01 20 {first}", "--- .. .. 748"], [dc_sample()], speed=16)
    return tick_end(render_ticks(song, 32))[16:] / FULL * 64


def test_square_tremolo_jumps_between_two_volumes() -> None:
    volume = tremolo("E72")

    def square(pos: int) -> int:
        return 255 if pos & 63 < 32 else -255

    np.testing.assert_allclose(volume, 32 + np.array(lfo_offsets(square, 4, 8, 64, 16, 16)))
    assert set(np.round(volume[1:]).astype(int)) == {63, 1}


def test_ramp_down_tremolo_falls_through_the_cycle() -> None:
    volume = tremolo("E71")

    expected = 32 + np.array(lfo_offsets(lambda pos: 255 - (pos & 63) * 8, 4, 8, 64, 16, 16))
    np.testing.assert_allclose(volume, expected, atol=1e-3)
    assert np.all(np.diff(volume[1:]) < 0)


def test_tremolo_waveform_is_its_own_setting() -> None:
    # E72 squares the tremolo, not the vibrato, and E42 the other way round
    np.testing.assert_allclose(tremolo("E42"), tremolo("E70"), atol=1e-3)
    assert len(np.unique(np.round(tremolo("E40")[1:]))) > 4
