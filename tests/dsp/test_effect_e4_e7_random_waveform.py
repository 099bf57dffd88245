"""E43 / E73: random vibrato and tremolo waveforms. A new value every tick, within the depth,
and the same values every time the song plays (the generator restarts with playback)."""

import numpy as np

from tests.dsp.helpers import (
    A4_UNITS,
    FULL,
    dc_sample,
    lfo_offsets,
    make_song,
    render_ticks,
    sine_synth,
    start,
    tick_end,
    tick_pitch,
    vibrato_sine,
)

ROW_TICKS = 16


def vibrato(waveform: str, depth: str) -> np.ndarray:
    """Per-tick pitch offsets over the second row, where the vibrato runs."""
    rows = [f"A-4 01 .. {waveform}", f"--- .. .. 44{depth}"]
    song = make_song(rows, [sine_synth()], speed=ROW_TICKS)
    return tick_pitch(render_ticks(song, 2 * ROW_TICKS))[ROW_TICKS:] - A4_UNITS


def tremolo(waveform: str) -> np.ndarray:
    """Per-tick volume (0..64) over the second row, where the tremolo runs."""
    song = make_song([f"A-4 01 20 {waveform}", "--- .. .. 748"], [dc_sample()], speed=ROW_TICKS)
    return tick_end(render_ticks(song, 2 * ROW_TICKS))[ROW_TICKS:] / FULL * 64


def test_random_vibrato_moves_the_pitch_within_its_depth() -> None:
    pitch = vibrato("E43", "F")

    assert abs(pitch[0]) < 0.5  # tick 0 of the row has no vibrato
    assert np.all(np.abs(pitch[1:]) <= 255 * 15 / 32 + 0.5)
    assert len(np.unique(np.round(pitch[1:]))) >= 10
    sine = lfo_offsets(vibrato_sine, 4, 15, 32, ROW_TICKS, ROW_TICKS)
    assert np.abs(pitch - sine).max() > 20


def test_random_vibrato_repeats_across_renders_and_scales_with_depth() -> None:
    deep, again, shallow = vibrato("E43", "F"), vibrato("E43", "F"), vibrato("E43", "8")

    np.testing.assert_array_equal(deep, again)
    # the same draws, times 15/32 and 8/32 (each truncated to whole units)
    np.testing.assert_allclose(deep, shallow * 15 / 8, atol=3.5)


def test_random_vibrato_is_the_same_each_time_the_song_plays() -> None:
    rows = ["A-4 01 .. E43", "--- .. .. 44F"]
    run = start(make_song(rows, [sine_synth()], speed=ROW_TICKS))
    frames = 2 * ROW_TICKS * 960
    first = run.render(frames)
    run.kernel.play_song()
    second = run.render(frames)

    np.testing.assert_array_equal(tick_pitch(first)[ROW_TICKS:], tick_pitch(second)[ROW_TICKS:])


def test_random_tremolo_moves_the_volume_within_its_depth() -> None:
    volume = tremolo("E73")

    assert volume[0] == 32  # tick 0 of the row has no tremolo
    offsets = volume[1:] - 32
    assert np.all(np.abs(offsets) <= 255 * 8 // 64)
    assert len(np.unique(offsets)) >= 8
    np.testing.assert_array_equal(volume, tremolo("E73"))
    sine = 32 + np.array(lfo_offsets(vibrato_sine, 4, 8, 64, ROW_TICKS, ROW_TICKS))
    assert np.abs(volume - sine).max() > 5
