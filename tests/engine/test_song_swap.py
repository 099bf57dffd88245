"""Songs handed to a playing engine: swap() and set_cell()."""

import numpy as np

from tests.dsp.helpers import (
    A4,
    FULL,
    SAMPLE_AUDIO,
    TICK,
    dc_sample,
    make_song,
    onsets,
    sine_synth,
    start,
    tick_level,
)
from tracker.engine import RowReached, compile_song
from tracker.model import Cell

ROWS = ["A-4 01 .. ..."] + ["--- .. .. ..."] * 7


def test_swap_keeps_playing_and_releases_the_old_song() -> None:
    run = start(make_song(ROWS, [sine_synth()], speed=1))
    old = run.compiled
    quieter = compile_song(make_song(ROWS, [sine_synth(volume=FULL / 2)], speed=1), SAMPLE_AUDIO)
    before = run.render(3 * TICK)

    run.kernel.swap(quieter)
    assert set(run.kernel._songs) == {old.address, quieter.address}
    after = run.render(3 * TICK)

    assert set(run.kernel._songs) == {quieter.address}  # events() let go of the old one
    assert [r.row for r in run.of_type(RowReached)] == [0, 1, 2, 3, 4, 5]
    # the same note plays on, now through the new song's instrument
    np.testing.assert_allclose(tick_level(before)[1:], FULL, rtol=1e-3)
    np.testing.assert_allclose(tick_level(after)[1:], FULL / 2, rtol=1e-3)
    assert np.abs(after[:32, 0]).max() > 0.25 * FULL  # no gap at the swap


def test_set_cell_while_playing_is_heard_when_the_row_comes() -> None:
    burst = dc_sample(1.0, frames=64, loop="none", loop_end_frames=0)
    run = start(make_song(["--- .. .. ..."] * 8, [burst], speed=1))
    run.render(2 * TICK)

    run.kernel.set_cell(0, 5, 0, Cell(note=A4, instrument=1))
    run.kernel.set_cell(0, 1, 0, Cell(note=A4, instrument=1))  # already played: next time round
    run.render(8 * TICK)

    assert onsets(run.out[:, 0]) == [5 * TICK, 9 * TICK]


def test_swap_brings_the_new_songs_master_volume_with_a_ramp() -> None:
    """An undone master fader move reaches the kernel as a swapped song: heard at once."""
    run = start(make_song(ROWS, [dc_sample()], speed=1, master_volume=1.0))
    run.render(TICK)
    run.kernel.swap(
        compile_song(make_song(ROWS, [dc_sample()], speed=1, master_volume=0.5), SAMPLE_AUDIO)
    )
    out = run.render(TICK)[:, 0]

    assert out[-1] == np.float32(FULL * 0.5)
    assert np.abs(np.diff(out)).max() < FULL * 0.5 / 100  # ramped, not stepped
