"""Dxx: after this row, the next order position at row xx, decimal-coded (D12 is row 12)."""

from tests.dsp.helpers import TICK, make_song, sine_synth, start
from tracker.engine import RowReached

EMPTY = "--- .. .. ..."


def positions(first: list[str], ticks: int) -> list[tuple[int, int]]:
    song = make_song([first, [EMPTY] * 32], [sine_synth()], speed=1)
    run = start(song)
    run.render(ticks * TICK)
    return [(r.order, r.row) for r in run.of_type(RowReached)]


def test_pattern_break_row_is_decimal() -> None:
    assert positions(["A-4 01 .. D12", EMPTY], 3) == [(0, 0), (1, 12), (1, 13)]


def test_pattern_break_past_the_next_pattern_lands_on_row_0() -> None:
    assert positions(["A-4 01 .. D99", EMPTY], 2) == [(0, 0), (1, 0)]
