"""Where a song goes after its last order position: restart_order, with SongEnded."""

from tests.dsp.helpers import TICK, make_song, sine_synth, start
from tracker.engine import RowReached, SongEnded


def test_song_restarts_at_restart_order() -> None:
    song = make_song(
        [["A-4 01 .. ..."], ["--- .. .. ..."], ["--- .. .. ..."]],
        [sine_synth()],
        speed=1,
        restart_order=1,
    )
    run = start(song)
    run.render(7 * TICK)

    assert [r.order for r in run.of_type(RowReached)] == [0, 1, 2, 1, 2, 1, 2]
    assert [e.frame for e in run.of_type(SongEnded)] == [3 * TICK, 5 * TICK, 7 * TICK]
