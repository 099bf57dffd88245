"""No NaN, no Inf, no runaway and no crash at the edges of every range."""

from fractions import Fraction
from math import floor

import numpy as np
import pytest
from pydantic import ValidationError

from tests.dsp.helpers import (
    FULL,
    RATE,
    TICK,
    frequency_hz,
    make_song,
    sample_instrument,
    saw_synth,
    sine_synth,
    start,
)
from tracker.engine import RowReached
from tracker.model import Filter

# enum tk_loop_mode in dsp_c/tk_dsp.h
LOOP_FORWARD, LOOP_PINGPONG = 1, 2


def test_max_resonance_and_drive_stay_bounded() -> None:
    synths = [
        saw_synth(filter=Filter(type=kind, cutoff_hz=cutoff, resonance=1.0, drive=1.0))
        for kind, cutoff in [
            ("lowpass", 20000.0),
            ("bandpass", 20000.0),
            ("highpass", 20000.0),
            ("lowpass", 20.0),
        ]
    ]
    row = " | ".join(
        f"{note} 0{n + 1} .. ..." for n, note in enumerate(["C-1", "A-4", "B-9", "C-0"])
    )
    sweep = "--- .. .. ZFF | --- .. .. QFF | --- .. .. Z00 | --- .. .. W00"
    song = make_song([row, sweep], synths, length=64)
    mix, stems = start(song).kernel.render_stems(RATE, 4)

    assert np.isfinite(stems).all() and np.isfinite(mix).all()
    assert np.abs(mix).max() <= 1.0
    for stem in stems:
        first, last = np.abs(stem[: RATE // 2]).max(), np.abs(stem[RATE // 2 :]).max()
        assert last <= 1.05 * first  # rings, but does not grow
        assert first < 50 * FULL  # at most the filter's peak gain (Q = 50)


def test_a_zero_length_loop_is_rejected_by_the_model() -> None:
    with pytest.raises(ValidationError):
        sample_instrument(np.ones(1000), loop="forward", loop_start_frames=100, loop_end_frames=100)


@pytest.mark.parametrize("mode", [LOOP_FORWARD, LOOP_PINGPONG])
@pytest.mark.parametrize(
    ("loop_start", "loop_end"), [(100, 100), (600, 100), (0, 5000), (2**31, 2**31 + 8)]
)
def test_a_broken_loop_in_the_kernel_plays_the_sample_once(
    mode: int, loop_start: int, loop_end: int
) -> None:
    song = make_song(["A-4 01 .. ..."], [sample_instrument(np.ones(1000))], length=64)
    run = start(song, play=False)
    instrument = run.compiled.pointer.instruments[0]
    instrument.loop_mode = mode
    instrument.loop_start_frames = loop_start
    instrument.loop_end_frames = loop_end
    run.kernel.play_song()
    out = run.render(4 * TICK, block=333)[:, 0]

    assert np.isfinite(out).all()
    assert out[999] > 0.9 * FULL
    assert not out[1000:].any()


def test_an_offset_far_past_a_short_sample_is_silent_and_the_next_note_plays() -> None:
    song = make_song(["A-4 01 .. 9FF", "A-4 01 .. ..."], [sample_instrument(np.ones(100))], speed=1)
    out = start(song).render(2 * TICK)[:, 0]

    assert not out[:TICK].any()
    assert out[TICK + 50] > 0.9 * FULL


@pytest.mark.parametrize("slide", ["1FF", "2FF"])
def test_pitch_slid_to_the_ends_of_the_range(slide: str) -> None:
    cycle = np.sin(np.arange(64) * 2 * np.pi / 64)
    looped = sample_instrument(cycle, loop="pingpong", loop_start_frames=8, loop_end_frames=40)
    more = f"{slide[0]}00"
    rows = [f"C-5 01 .. {slide} | C-5 02 .. {slide}"]
    rows += [f"--- .. .. {more} | --- .. .. {more}"] * 7
    rows += ["A-4 01 .. ... | ^^^ .. .. ..."]
    song = make_song(rows, [sine_synth(), looped], speed=31, tempo=255, length=10)
    run = start(song)
    slid = run.render(8 * 31 * 471)  # 8 rows of 31 ticks of 470.6 frames
    after = run.render(31 * 470)

    assert np.isfinite(slid).all()
    assert np.abs(slid).max() <= 2 * FULL * 1.001
    # the track plays in tune again once a new note comes
    assert frequency_hz(after[500:, 0]) == pytest.approx(440.0, abs=0.1)


def test_more_notes_than_voices_steals_the_oldest() -> None:
    song = make_song(["--- .. .. ... | --- .. .. ..."] * 4, [sine_synth(volume=0.01)])
    run = start(song, play=False)
    for n in range(300):
        run.kernel.note_on(n % 2, 24 + n % 80, 1, velocity=0.5)
    out = run.render(RATE // 10)

    assert np.isfinite(out).all() and np.abs(out).max() <= 1.0
    assert run.kernel.stats().voices_active == 256
    for track in (0, 1):
        run.kernel.note_off(track)
    run.render(RATE // 10)
    assert run.kernel.stats().voices_active == 0


def test_tempo_255_speed_1_keeps_time() -> None:
    effects = ["0C7", "1FF", "2FF", "44F", "78F", "E91", "A0F", "ED1", "EC1", "9FF"]
    rows = [f"{'C-4' if n % 2 else 'A-5'} 01 .. {effects[n % len(effects)]}" for n in range(64)]
    song = make_song(rows, [sine_synth()], speed=1, tempo=255)
    run = start(song)
    out = run.render(65 * 471)

    assert np.isfinite(out).all()
    tick = Fraction(5 * RATE, 2 * 255)
    assert [r.frame for r in run.of_type(RowReached)][:64] == [floor(n * tick) for n in range(64)]
