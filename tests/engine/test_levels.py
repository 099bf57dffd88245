"""Meters: LevelsMeasured events every 512 frames, and peak() since the last call."""

import pytest

from tests.dsp.helpers import dc_sample, make_song, start
from tracker.engine import LevelsMeasured, RowReached
from tracker.engine.kernel import MASTER


def test_levels_events_and_peaks_report_what_played() -> None:
    song = make_song(
        ["A-4 01 .. ... | --- .. .. ..."], [dc_sample(volume=0.4, pan=-1.0)], length=64
    )
    run = start(song)
    run.render(4096, block=1000)
    levels = run.of_type(LevelsMeasured)

    assert {e.frame for e in levels} == {512 * n for n in range(1, 9)}
    assert {e.track for e in levels} == {0, 1, MASTER}
    for event in levels:
        expected = 0.0 if event.track == 1 else 0.4
        assert event.peak_left == pytest.approx(expected, abs=1e-6)
        assert event.peak_right == pytest.approx(0.0, abs=1e-6)

    assert run.kernel.peak(0) == pytest.approx((0.4, 0.0), abs=1e-6)
    assert run.kernel.peak(MASTER) == pytest.approx((0.4, 0.0), abs=1e-6)
    assert run.kernel.peak(1) == (0.0, 0.0)
    assert run.kernel.peak(0) == (0.0, 0.0)  # read once, then reset


def test_metering_off_sends_no_levels_but_keeps_the_rest() -> None:
    run = start(make_song(["A-4 01 .. ..."], [dc_sample()], length=8), play=False)
    run.kernel.set_metering(False)
    run.kernel.play_song()
    run.render(8 * 512)
    assert run.of_type(LevelsMeasured) == []
    assert run.of_type(RowReached) != []
    run.kernel.set_metering(True)
    run.render(2 * 512)
    assert len([e for e in run.of_type(LevelsMeasured) if e.track == 0]) == 2
