"""Non-finite output is replaced by silence, reported, and the next notes play again."""

import numpy as np

from tests.dsp.helpers import FULL, TICK, dc_sample, make_song, start
from tracker.engine import FaultDetected


def test_nan_becomes_silence_a_fault_and_then_music_again() -> None:
    rows = ["A-4 01 .. ...", "--- .. .. ...", "A-4 02 .. ...", "--- .. .. ..."]
    song = make_song(rows, [dc_sample(), dc_sample()], speed=1)
    run = start(song, play=False)
    run.compiled.pointer.instruments[0].volume = float("nan")
    run.kernel.play_song()
    out = run.render(4 * TICK, block=100)

    assert np.isfinite(out).all()
    assert not out[: 2 * TICK].any()
    faults = run.of_type(FaultDetected)
    assert len(faults) == 1 and faults[0].frame < 32
    assert run.kernel.stats().faults == 1
    # instrument 2 on row 2 plays as if nothing had happened
    assert np.all(out[2 * TICK + 32 :] == np.float32(FULL))


def test_a_fault_during_a_note_silences_only_from_there() -> None:
    rows = ["A-4 01 .. ...", "--- .. .. ...", "A-4 01 .. ...", "--- .. .. ..."]
    run = start(make_song(rows, [dc_sample()], speed=1))
    before = run.render(TICK)
    run.compiled.pointer.instruments[0].volume = float("nan")
    during = run.render(TICK)
    run.compiled.pointer.instruments[0].volume = 0.5
    after = run.render(2 * TICK)

    assert np.all(before[32:] == np.float32(FULL))
    assert np.isfinite(during).all() and not during.any()
    assert len(run.of_type(FaultDetected)) == 1
    assert np.all(after[32:] == np.float32(FULL))  # row 2 starts the next note
