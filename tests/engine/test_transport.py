"""Transport: play a pattern or the song from a place, loop a pattern, change tempo and speed
while playing, and stop without a click."""

import numpy as np
import pytest

from tests.dsp.helpers import (
    A4,
    FULL,
    RATE,
    TICK,
    frequency_hz,
    make_song,
    sine_synth,
    start,
)
from tracker.engine import RowReached, SongEnded, Stopped
from tracker.model import Song

EMPTY = "--- .. .. ..."


def three_patterns(speed: int = 1) -> Song:
    """Three four-row patterns, each opening with its own note: C-4, E-4, G-4."""
    patterns = [[f"{note} 01 .. ...", EMPTY, EMPTY, EMPTY] for note in ("C-4", "E-4", "G-4")]
    return make_song(patterns, [sine_synth()], speed=speed)


def positions(rows: list[RowReached]) -> list[tuple[int, int, int]]:
    return [(r.order, r.pattern, r.row) for r in rows]


def test_play_pattern_loops_that_pattern_and_never_ends_the_song() -> None:
    run = start(three_patterns(), play=False)
    run.kernel.play_pattern(1, row=2)
    run.render(11 * TICK)

    assert [(r.pattern, r.row) for r in run.rows()] == [(1, row % 4) for row in range(2, 13)]
    assert [r.frame for r in run.rows()] == [n * TICK for n in range(11)]
    assert not run.of_type(SongEnded)


def test_play_song_starts_at_the_order_and_row_given() -> None:
    run = start(three_patterns(), play=False)
    run.kernel.play_song(order=1, row=0)
    out = run.render(2 * TICK)

    assert positions(run.rows()) == [(1, 1, 0), (1, 1, 1)]
    assert frequency_hz(out[:, 0]) == pytest.approx(329.63, abs=0.05)  # E-4, pattern 1's note


def test_play_song_from_a_row_and_past_the_ends() -> None:
    run = start(three_patterns(), play=False)
    run.kernel.play_song(order=2, row=3)
    run.render(3 * TICK)
    run.kernel.play_song(order=7, row=99)  # past the song: from the top
    run.render(TICK)

    assert positions(run.rows()) == [(2, 2, 3), (0, 0, 0), (0, 0, 1), (0, 0, 0)]
    assert len(run.of_type(SongEnded)) == 1


def test_loop_pattern_during_song_play_repeats_the_current_pattern() -> None:
    run = start(three_patterns())
    run.render(2 * TICK)
    run.kernel.set_loop_pattern(True)
    run.render(8 * TICK)
    run.kernel.set_loop_pattern(False)
    run.render(4 * TICK)

    expected = [(0, 0, row % 4) for row in range(10)] + [(0, 0, 2), (0, 0, 3), (1, 1, 0), (1, 1, 1)]
    assert positions(run.rows()) == expected
    assert not run.of_type(SongEnded)


def test_set_tempo_while_playing_changes_the_row_spacing_from_the_next_tick() -> None:
    run = start(three_patterns())
    run.render(2 * TICK + TICK // 2)  # half way through row 2
    run.kernel.set_tempo(250)  # ticks half as long
    run.render(3 * TICK)

    frames = [r.frame for r in run.rows()]
    assert frames == [0, TICK, 2 * TICK, 3 * TICK] + [3 * TICK + n * TICK // 2 for n in range(1, 5)]


@pytest.mark.parametrize(
    ("speed", "later_rows"),
    [
        (2, [n * TICK for n in range(6, 14, 2)]),  # row 1 is two ticks in: it ends now
        (1, [n * TICK for n in range(6, 14)]),
        (8, [12 * TICK]),  # row 1 stretches to eight ticks
    ],
)
def test_set_speed_while_playing_changes_the_row_spacing_from_the_next_tick(
    speed: int, later_rows: list[int]
) -> None:
    run = start(three_patterns(speed=4))
    run.render(5 * TICK + 100)  # in tick 1 of row 1
    run.kernel.set_speed(speed)
    run.render(8 * TICK)

    assert [r.frame for r in run.rows()] == [0, 4 * TICK, *later_rows]


def test_out_of_range_tempo_and_speed_are_ignored() -> None:
    run = start(three_patterns(speed=2))
    run.kernel.set_tempo(31)
    run.kernel.set_tempo(256)
    run.kernel.set_speed(0)
    run.kernel.set_speed(32)
    run.render(6 * TICK)

    assert [r.frame for r in run.rows()] == [0, 2 * TICK, 4 * TICK]


def test_stop_fades_without_a_click_and_is_silent_within_5_ms() -> None:
    song = make_song(["A-4 01 .. ..."], [sine_synth()], length=64)
    run = start(song)
    run.render(TICK + 123)  # mid-cycle: the sine is far from zero
    run.kernel.stop()
    run.kernel.stop()  # a second stop says nothing more
    run.render(TICK)
    out = run.out[:, 0]
    stop_frame = TICK + 123

    natural = FULL * 2 * np.pi * 440 / RATE  # a sine's own largest step
    assert np.abs(out[stop_frame]) > 0.1 * FULL  # still sounding when the fade begins
    assert np.abs(np.diff(out)).max() < natural * 1.3
    assert not out[stop_frame + RATE * 5 // 1000 :].any()
    assert [e.frame for e in run.of_type(Stopped)] == [stop_frame]
    assert not run.kernel.stats().playing
    assert run.kernel.stats().voices_active == 0


def test_stop_leaves_live_notes_sounding() -> None:
    run = start(make_song(["A-4 01 .. ... | --- .. .. ..."], [sine_synth()], length=64))
    run.kernel.note_on(1, A4 + 12, 1)
    run.render(TICK)
    run.kernel.stop()
    out = run.render(TICK)

    assert frequency_hz(out[500:, 0]) == pytest.approx(880.0, abs=0.05)  # the live note only
    assert run.kernel.stats().voices_active == 1
