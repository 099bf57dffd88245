"""What the kernel reports besides audio: dropped events, the position, peaks."""

import pytest

from tests.dsp.helpers import TICK, dc_sample, make_song, start
from tracker.engine import LevelsMeasured, RowReached
from tracker.engine.kernel import MASTER

QUEUE = 1024  # TK_QUEUE_CAPACITY
LEVELS_PERIOD = 512  # TK_LEVELS_PERIOD_FRAMES
ROW_FRAMES = 6 * TICK


def test_events_dropped_counts_what_a_full_queue_lost() -> None:
    tracks = 64
    song = make_song([" | ".join(["--- .. .. ..."] * tracks)], [dc_sample()], length=64)
    run = start(song)
    frames = 32 * LEVELS_PERIOD
    run.kernel.render(frames)  # nobody drains the events meanwhile

    # a levels event per track and the master every period, a row event every row
    sent = (frames // LEVELS_PERIOD) * (tracks + 1) + len(range(0, frames, ROW_FRAMES))
    assert run.kernel.stats().events_dropped == sent - QUEUE
    kept = run.kernel.events()
    assert len(kept) == QUEUE
    assert kept[0] == RowReached(0, 0, 0, 0)  # the oldest are kept, the newest lost

    run.render(4 * LEVELS_PERIOD)  # drained in time: nothing more is lost
    assert run.kernel.stats().events_dropped == sent - QUEUE


def test_position_agrees_with_the_rows_reported() -> None:
    rows = [["A-4 01 .. ..."] + ["--- .. .. ..."] * 3] * 2
    run = start(make_song(rows, [dc_sample()], speed=3))
    block = TICK // 3 + 17  # ends anywhere in a tick

    for _ in range(60):
        run.render(block, block=block)
        last_frame = run.out.shape[0] - 1
        row = [r for r in run.rows() if r.frame <= last_frame][-1]
        expected = (row.order, row.row, (last_frame - row.frame) // TICK)
        assert run.kernel.position() == expected
    assert {r.order for r in run.rows()} == {0, 1}


def test_position_before_playing_and_after_a_jump() -> None:
    run = start(make_song([["--- .. .. ..."] * 8] * 3, [dc_sample()], speed=2), play=False)
    assert run.kernel.position() == (0, 0, 0)

    run.kernel.play_song(order=2, row=5)
    run.render(TICK + 10)
    assert run.kernel.position() == (2, 5, 1)


def test_peak_is_the_largest_level_since_the_last_call() -> None:
    rows = ["A-4 01 .. ... | A-4 01 20 ...", "--- .. 10 ... | --- .. .. ..."]
    run = start(make_song(rows, [dc_sample(volume=0.4)], speed=8, length=4))
    run.render(4 * TICK)
    assert run.kernel.peak(0) == pytest.approx((0.4, 0.4), abs=1e-6)
    assert run.kernel.peak(1) == pytest.approx((0.2, 0.2), abs=1e-6)
    assert run.kernel.peak(MASTER) == pytest.approx((0.6, 0.6), abs=1e-6)

    run.render(12 * TICK)  # row 1 turns track 0 down to volume 10 (a quarter)
    assert run.kernel.peak(0) == pytest.approx((0.4, 0.4), abs=1e-6)  # row 0's end still in it
    run.render(4 * TICK)
    assert run.kernel.peak(0) == pytest.approx((0.1, 0.1), abs=1e-6)
    assert run.kernel.peak(1) == pytest.approx((0.2, 0.2), abs=1e-6)
    # the master was not read since row 0: each meter keeps its own maximum
    assert run.kernel.peak(MASTER) == pytest.approx((0.6, 0.6), abs=1e-6)
    run.render(TICK)
    assert run.kernel.peak(MASTER) == pytest.approx((0.3, 0.3), abs=1e-6)


def test_levels_events_agree_with_peak() -> None:
    run = start(make_song(["A-4 01 .. ..."], [dc_sample(volume=0.3, pan=0.5)], length=64))
    run.render(4 * LEVELS_PERIOD)
    master = [e for e in run.of_type(LevelsMeasured) if e.track == MASTER]

    assert len(master) == 4
    left, right = run.kernel.peak(MASTER)
    assert max(e.peak_left for e in master) == pytest.approx(left, abs=1e-7)
    assert max(e.peak_right for e in master) == pytest.approx(right, abs=1e-7)
    assert (left, right) == pytest.approx((0.15, 0.3), abs=1e-6)  # balance law, pan right


def test_a_drain_of_more_events_than_one_batch_keeps_them_all_in_order() -> None:
    """events() takes them a batch of 256 at a time: a full queue (1024) comes out whole."""
    from tests.dsp.helpers import make_song, sine_synth, start
    from tracker.engine import LevelsMeasured

    run = start(make_song(["A-4 01 .. ..."], [sine_synth()], length=64))
    run.kernel.render(512 * 600)  # levels (track and master) and rows: more than 1024 events
    events = run.kernel.events()
    assert len(events) == 1024  # the whole queue, four batches
    assert [e.frame for e in events] == sorted(e.frame for e in events)
    assert sum(isinstance(e, LevelsMeasured) for e in events) > 900
    assert run.kernel.stats().events_dropped > 0
    assert run.kernel.events() == []
