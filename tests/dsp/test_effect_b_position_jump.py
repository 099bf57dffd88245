"""Bxx: after this row, continue at order position xx."""

from tests.dsp.helpers import TICK, make_song, sine_synth, start
from tracker.engine import RowReached, SongEnded

EMPTY = "--- .. .. ..."


def test_position_jump_skips_to_the_order_position() -> None:
    song = make_song(
        [["A-4 01 .. ...", "--- .. .. B02"], [EMPTY, EMPTY], [EMPTY, EMPTY]],
        [sine_synth()],
        speed=1,
    )
    run = start(song)
    run.render(4 * TICK)

    assert [(r.order, r.row) for r in run.of_type(RowReached)] == [(0, 0), (0, 1), (2, 0), (2, 1)]
    # a jump forward is not the end; the song ends after its last position, row 4 of 4
    assert run.of_type(SongEnded) == [SongEnded(4 * TICK)]


def test_position_jump_back_loops_and_counts_as_song_end() -> None:
    # order 0, 1, then B00 jumps back: 4 rows of 960 frames a loop
    song = make_song([["A-4 01 .. ...", EMPTY], [EMPTY, "--- .. .. B00"]], [sine_synth()], speed=1)
    run = start(song)
    run.render(3 * 4 * TICK + TICK // 2)

    assert [e.frame for e in run.of_type(SongEnded)] == [4 * TICK, 8 * TICK, 12 * TICK]
    orders = [r.order for r in run.of_type(RowReached)]
    assert orders == [0, 0, 1, 1] * 3 + [0]


def test_a_jump_back_to_rows_not_played_yet_is_not_the_end() -> None:
    # Order 0 breaks to order 1 at row 1; order 1 jumps back to row 2 of order 0, which has
    # not been played: the song goes on, and ends when it comes back to a played row.
    song = make_song(
        [
            ["A-4 01 .. ...", "--- .. .. D00", EMPTY, EMPTY],
            ["--- .. .. B00 D02", EMPTY, EMPTY, EMPTY],
        ],
        [sine_synth()],
        speed=1,
    )
    run = start(song)
    run.render(6 * TICK + TICK // 2)

    rows = [(r.order, r.row) for r in run.of_type(RowReached)]
    assert rows == [(0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (1, 0), (0, 2)]
    assert run.of_type(SongEnded) == [SongEnded(5 * TICK)]
