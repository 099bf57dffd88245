"""swap() to a song with less in it while notes sound: fewer instruments, tracks, orders or
patterns, or a shorter sample. Voices that cannot go on are cut, the rest play on, and the
position moves somewhere that exists."""

import numpy as np
import pytest

from tests.dsp.helpers import (
    A4,
    FULL,
    SAMPLE_AUDIO,
    TICK,
    Run,
    dc_sample,
    make_song,
    sample_instrument,
    start,
)
from tracker.engine import FaultDetected, RowReached, SongEnded, compile_song
from tracker.model import Instrument, Song

EMPTY = "--- .. .. ..."


def swap(run: Run, song: Song) -> None:
    run.kernel.swap(compile_song(song, SAMPLE_AUDIO))


def assert_healthy(run: Run) -> None:
    assert np.isfinite(run.out).all()
    assert not run.of_type(FaultDetected)
    assert run.kernel.stats().faults == 0


def test_fewer_instruments_cuts_the_voices_of_the_missing_ones() -> None:
    loud, quiet = dc_sample(volume=0.3), dc_sample(0.5, volume=0.4)
    run = start(make_song(["A-4 01 .. ... | A-4 02 .. ..."], [loud, quiet], speed=1, length=8))
    run.render(2 * TICK)
    # the new song has only instrument 1; track 1's next note names no instrument
    rows = [EMPTY + " | " + EMPTY, EMPTY + " | A-4 .. .. ..."]
    swap(run, make_song(rows, [loud], speed=1, length=8))
    mix, stems = run.kernel.render_stems(4 * TICK, 2)

    np.testing.assert_allclose(stems[0, 32:, 0], 0.3, atol=1e-6)  # plays on, no gap
    assert not stems[1].any()
    np.testing.assert_allclose(mix[32:, 0], 0.3, atol=1e-6)
    assert run.kernel.stats().voices_active == 1
    assert [r.row for r in run.kernel.events() if isinstance(r, RowReached)] == [2, 3, 4, 5]
    assert_healthy(run)


def test_fewer_tracks_cuts_the_voices_on_the_tracks_gone() -> None:
    levels = [0.05, 0.1, 0.15, 0.2]
    instruments: list[Instrument] = [dc_sample(volume=v) for v in levels]
    four = " | ".join(f"A-4 0{n + 1} .. ..." for n in range(4))
    run = start(make_song([four], instruments, length=8))
    run.kernel.note_on(3, A4 + 12, 4)  # a live note on a track that goes too
    first = run.render(TICK)
    swap(run, make_song([EMPTY + " | " + EMPTY], instruments, length=8))
    after = run.render(4 * TICK)

    assert first[-1, 0] == pytest.approx(sum(levels) + 0.2, abs=1e-6)
    np.testing.assert_allclose(after[:, 0], 0.05 + 0.1, atol=1e-6)
    assert run.kernel.stats().voices_active == 2
    assert run.rows()  # the song plays on
    assert_healthy(run)


def one_shot(value: float, frames: int) -> Instrument:
    return dc_sample(value, frames=frames, loop="none", loop_end_frames=0)


def test_a_shorter_sample_cuts_a_voice_already_past_its_end() -> None:
    run = start(make_song(["A-4 01 .. ..."], [one_shot(1.0, 48000)], length=64))
    run.render(2000)
    swap(run, make_song(["A-4 01 .. ..."], [one_shot(0.5, 1000)], length=64))
    after = run.render(4000)

    assert not after.any()
    assert run.kernel.stats().voices_active == 0
    assert_healthy(run)


def test_a_shorter_sample_plays_on_from_the_same_place_when_it_can() -> None:
    run = start(make_song(["A-4 01 .. ..."], [one_shot(1.0, 48000)], length=64))
    run.render(2000)
    swap(run, make_song(["A-4 01 .. ..."], [one_shot(0.5, 3000)], length=64))
    after = run.render(2000)[:, 0]

    # the new data from frame 2000 of the note to its end at 3000, then silence
    np.testing.assert_allclose(after[:1000], 0.5 * FULL, atol=1e-6)
    assert not after[1000:].any()
    assert_healthy(run)


def test_a_shorter_loop_cuts_a_voice_past_it_and_a_stereo_sample_becomes_mono() -> None:
    looped = dc_sample(1.0, frames=8000)
    stereo = sample_instrument(np.ones((8000, 2)), loop="forward", loop_end_frames=8000)
    run = start(make_song(["A-4 01 .. ... | A-4 02 .. ..."], [looped, stereo], length=64))
    run.render(5000)
    mono = dc_sample(1.0, frames=8000)
    swap(run, make_song([EMPTY + " | " + EMPTY], [dc_sample(1.0, frames=4000), mono], length=64))
    after = run.render(TICK)

    assert not after.any()
    assert run.kernel.stats().voices_active == 0
    assert_healthy(run)


def test_a_ping_pong_voice_running_backwards_plays_on_in_a_shorter_sample() -> None:
    ramp = np.linspace(0.0, 1.0, 1000, endpoint=False)
    bounce = sample_instrument(ramp, loop="pingpong", loop_start_frames=0, loop_end_frames=1000)
    run = start(make_song(["A-4 01 .. ..."], [bounce], length=64))
    before = run.render(1500)[:, 0] / FULL  # on its way back down, at frame 500 of the sample
    short = sample_instrument(ramp[:800], loop="forward", loop_start_frames=0, loop_end_frames=800)
    swap(run, make_song(["A-4 01 .. ..."], [short], length=64))
    after = run.render(3000)[:, 0] / FULL

    # it runs on down to the loop start without a jump, then loops the new sample forwards
    assert after[0] == pytest.approx(before[-1] - 0.001, abs=1e-6)
    assert np.all(np.diff(after[:500]) < 0)
    np.testing.assert_allclose(after[500:1300], ramp[:800], atol=1e-6)
    np.testing.assert_allclose(after[1300:2100], ramp[:800], atol=1e-6)
    assert_healthy(run)


def test_fewer_orders_and_patterns_moves_the_position_back_into_the_song() -> None:
    patterns = [["A-4 01 .. ...", EMPTY, EMPTY, EMPTY]] * 3
    run = start(make_song(patterns, [dc_sample()], speed=1))
    run.render(9 * TICK + 100)  # in order 2, row 1
    swap(run, make_song([["A-4 01 .. ...", EMPTY]], [dc_sample()], speed=1))
    run.render(5 * TICK)

    rows = [(r.order, r.pattern, r.row) for r in run.rows()]
    assert rows[:10] == [(order, order, row) for order in range(3) for row in range(4)][:10]
    assert rows[10:] == [(0, 0, 0), (0, 0, 1), (0, 0, 0), (0, 0, 1), (0, 0, 0)]
    assert len(run.of_type(SongEnded)) == 2
    assert run.out[-1, 0] == np.float32(FULL)
    assert_healthy(run)


def test_a_looping_pattern_that_is_gone_falls_back_to_pattern_0() -> None:
    patterns = [["A-4 01 .. ...", EMPTY, EMPTY, EMPTY]] * 3
    run = start(make_song(patterns, [dc_sample()], speed=1), play=False)
    run.kernel.play_pattern(2)
    run.render(2 * TICK + 100)
    swap(run, make_song([["A-4 01 .. ...", EMPTY, EMPTY]], [dc_sample()], speed=1))
    run.render(4 * TICK)

    after_swap = [(0, 0), (0, 1), (0, 2), (0, 0)]
    assert [(r.pattern, r.row) for r in run.rows()] == [(2, 0), (2, 1), (2, 2), *after_swap]
    assert not run.of_type(SongEnded)
    assert_healthy(run)
