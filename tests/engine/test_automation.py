"""Automation lanes in the kernel: each lane moves its parameter along the pattern being
played, in straight lines or steps between points, and leaves it alone before the first."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.dsp.helpers import (
    FULL,
    RATE,
    TICK,
    brightness_hz,
    dc_sample,
    make_song,
    sine_synth,
    start,
)
from tracker.model import AutomationLane, AutomationPoint, Filter, Oscillator, Song

ROW = 6 * TICK  # speed 6
NOTE = "A-4 01 .. ... | --- .. .. ..."
EMPTY = "--- .. .. ... | --- .. .. ..."


def with_lanes(song: Song, *lanes: AutomationLane) -> Song:
    pattern = song.patterns[0].model_copy(update={"automation": list(lanes)})
    return Song.model_validate(song.model_copy(update={"patterns": [pattern]}).model_dump())


def lane(param: str, *points: tuple[int, float], step: bool = False) -> AutomationLane:
    return AutomationLane(
        param=param,
        interpolation="step" if step else "linear",
        points=tuple(AutomationPoint(row=r, value=v) for r, v in points),
    )


def dc_song(*lanes: AutomationLane, rows: int = 16) -> Song:
    return with_lanes(make_song([NOTE] + [EMPTY] * (rows - 1), [dc_sample()]), *lanes)


def test_a_linear_volume_lane_fades_across_rows_and_holds_after_its_last_point() -> None:
    out = start(dc_song(lane("track.1.volume", (2, 0.0), (6, 1.0)))).render(10 * ROW)[:, 0]

    # from the track's full volume down to row 2's point (the mixer's 5 ms ramp), then up
    # in a line: half way at row 4, full from row 6
    assert out[2 * ROW + 1200] == pytest.approx(1200 / ROW / 4 * FULL, abs=0.01 * FULL)
    assert out[4 * ROW] == pytest.approx(0.5 * FULL, abs=0.005 * FULL)  # a block behind at most
    assert out[6 * ROW + 1000 : 10 * ROW].min() == pytest.approx(FULL, rel=1e-3)
    # a straight line inside a row, not a staircase of rows
    quarter = out[int(4.25 * ROW)] - out[4 * ROW]
    assert quarter == pytest.approx(0.0625 * FULL, abs=0.01 * FULL)
    # sample by sample along the line (its slope is FULL / 4 rows), no steps at the blocks
    slope = FULL / (4 * ROW)
    assert np.abs(np.diff(out[2 * ROW + 1200 : 6 * ROW])).max() < 2 * slope
    # the jump from the track's full volume down to the first point is declicked (5 ms)
    assert np.abs(np.diff(out[2 * ROW - 10 : 2 * ROW + 400])).max() < FULL / 200


def test_before_the_first_point_the_mixer_value_stays() -> None:
    out = start(dc_song(lane("track.1.volume", (4, 0.0)))).render(6 * ROW)[:, 0]
    assert out[ROW] == pytest.approx(FULL, rel=1e-3)  # the track's own volume
    assert out[5 * ROW] == pytest.approx(0.0, abs=1e-4)


def test_a_step_lane_jumps_at_its_points() -> None:
    out = start(dc_song(lane("track.1.volume", (0, 1.0), (4, 0.25), step=True))).render(8 * ROW)[
        :, 0
    ]
    assert out[3 * ROW + ROW // 2] == pytest.approx(FULL, rel=1e-3)
    assert out[5 * ROW] == pytest.approx(0.25 * FULL, rel=1e-3)


def test_mute_and_master_lanes() -> None:
    song = dc_song(lane("track.1.mute", (2, 1.0), (4, 0.0)), lane("master.volume", (0, 0.25)))
    out = start(song).render(6 * ROW)[:, 0]
    master = 0.5  # master_volume 0..2 is normalised linearly: 0.25 of the range is 0.5
    assert out[ROW] == pytest.approx(FULL * master, rel=1e-3)
    assert out[3 * ROW] == pytest.approx(0.0, abs=1e-4)
    assert out[5 * ROW] == pytest.approx(FULL * master, rel=1e-3)


def test_a_cutoff_lane_opens_the_filter_along_its_curve() -> None:
    noise = sine_synth(osc1=Oscillator(wave="noise"), filter=Filter(type="lowpass", cutoff_hz=200))
    song = with_lanes(
        make_song([NOTE] + [EMPTY] * 15, [noise]),
        lane("instrument.1.filter.cutoff_hz", (0, 0.2), (8, 0.9)),
    )
    out = start(song).render(10 * ROW)[:, 0]
    bright = [brightness_hz(out[r * ROW : (r + 1) * ROW]) for r in range(10)]
    assert all(later > earlier for earlier, later in itertools.pairwise(bright[:9]))
    assert bright[9] == pytest.approx(bright[8], rel=0.15)  # held after the last point


def test_a_tempo_lane_changes_the_row_length() -> None:
    song = dc_song(lane("tempo", (4, (150 - 32) / (255 - 32)), step=True))
    run = start(song)
    run.render(12 * ROW)
    frames = [r.frame for r in run.rows()]
    lengths = np.diff(frames)
    assert lengths[0] == ROW
    assert lengths[6] == pytest.approx(6 * 2.5 / 150 * RATE, abs=1)


@pytest.mark.parametrize("block", [1, 17, 64, 4096])
def test_automation_does_not_depend_on_the_block_size(block: int) -> None:
    song = dc_song(
        lane("track.1.volume", (1, 0.0), (5, 1.0)),
        lane("track.1.pan", (0, 0.0), (7, 1.0)),
        lane("tempo", (3, 0.5), step=True),
    )
    expected = start(song).render(8 * ROW, block=4096)
    assert np.array_equal(start(song).render(8 * ROW, block=block), expected)


def test_undoing_a_lane_swaps_back_the_song_value() -> None:
    """Automation writes into the playing song's values; a swapped-in song brings its own."""
    from tests.dsp.helpers import SAMPLE_AUDIO
    from tracker.engine import compile_song

    run = start(dc_song(lane("track.1.volume", (0, 0.0))))
    run.render(2 * ROW)
    run.kernel.swap(compile_song(dc_song(), SAMPLE_AUDIO))
    out = run.render(ROW)[:, 0]
    assert out[-1] == pytest.approx(FULL, rel=1e-3)
