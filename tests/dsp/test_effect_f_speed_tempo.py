"""Fxx: 01..1F set ticks per row, 20..FF set the tempo in BPM; F00 does nothing."""

from fractions import Fraction
from math import floor

from tests.dsp.helpers import TICK, make_song, sine_synth, start, tick_frames
from tracker.engine import RowReached


def row_frames(rows: list[str], speed: int, frames: int) -> list[int]:
    run = start(make_song(rows, [sine_synth()], speed=speed))
    run.render(frames)
    return [r.frame for r in run.of_type(RowReached)]


def test_speed_sets_ticks_per_row() -> None:
    frames = row_frames(["A-4 01 .. F02", "--- .. .. F05", "--- .. .. ..."], 6, 13 * TICK)

    assert frames == [0, 2 * TICK, 7 * TICK, 12 * TICK]


def test_tempo_sets_the_tick_length_from_its_row_on() -> None:
    frames = row_frames(["A-4 01 .. ...", "--- .. .. F50", "--- .. .. ..."], 2, 8000)

    at_80 = tick_frames(80)  # 1500 frames
    assert frames == [0, 2 * TICK, 2 * TICK + floor(2 * at_80), 2 * TICK + floor(4 * at_80)]


def test_tempo_keeps_the_fraction_of_a_frame() -> None:
    # 2.5 * 48000 / 33 = 3636 4/11 frames: the rows land on floor(n * that), not n * 3636
    frames = row_frames(["A-4 01 .. F21"] + ["--- .. .. ..."] * 10, 1, 11 * 3636)

    assert frames == [floor(n * Fraction(40000, 11)) for n in range(11)]


def test_f00_changes_nothing() -> None:
    frames = row_frames(["A-4 01 .. F00", "--- .. .. ...", "--- .. .. ..."], 2, 5 * TICK)

    assert frames == [0, 2 * TICK, 4 * TICK]
