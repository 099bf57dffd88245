"""E6x: E60 marks the loop start; E6x jumps back to it x times."""

from tests.dsp.helpers import TICK, make_song, sine_synth, start
from tracker.engine import RowReached


def test_pattern_loop_repeats_the_rows_x_more_times() -> None:
    rows = ["A-4 01 .. ...", "--- .. .. E60", "--- .. .. ...", "--- .. .. E62", "--- .. .. ..."]
    run = start(make_song(rows, [sine_synth()], speed=1))
    run.render(11 * TICK)
    reached = run.of_type(RowReached)

    assert [r.row for r in reached] == [0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 4]
    assert [r.frame for r in reached] == [n * TICK for n in range(11)]


def test_pattern_loop_can_run_again_after_it_finished() -> None:
    # the loop's counter resets when it runs out, so the next pass through loops again
    rows = ["--- .. .. E60", "--- .. .. E61", "--- .. .. ..."]
    run = start(make_song(rows, [sine_synth()], speed=1))
    run.render(10 * TICK)

    assert [r.row for r in run.of_type(RowReached)] == [0, 1, 0, 1, 2, 0, 1, 0, 1, 2]
