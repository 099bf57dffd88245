"""Notes start at the frame that tempo and speed predict: tick n of a run at one tempo
starts at floor(n * 2.5 * rate / bpm), and a tempo change carries the fraction on."""

from fractions import Fraction
from math import floor

from tests.dsp.helpers import dc_sample, make_song, onsets, start, tick_frames
from tracker.engine import RowReached

# (row text, speed in force for the row, tempo in force for the row)
ROWS = [
    ("A-4 01 .. ...", 3, 125),
    ("A-4 01 .. F02", 2, 125),
    ("A-4 01 .. F21", 2, 33),  # 3636.36... frames a tick
    ("A-4 01 .. FFF", 2, 255),  # 470.588... frames a tick
    ("A-4 01 .. F05", 5, 255),
    ("A-4 01 .. F4B", 5, 75),
    ("A-4 01 .. F01", 1, 75),
    ("A-4 01 .. F7D", 1, 125),
    ("A-4 01 .. F97", 1, 151),
]


def expected_row_frames() -> list[int]:
    frames, at = [], Fraction(0)
    for _, speed, tempo in ROWS:
        frames.append(floor(at))
        at += speed * tick_frames(tempo)
    return frames


def test_notes_start_where_tempo_and_speed_put_them() -> None:
    # A 64-frame one-shot of constant 1: every note is a burst whose first frame is non-zero.
    burst = dc_sample(1.0, frames=64, loop="none", loop_end_frames=0)
    song = make_song([text for text, _, _ in ROWS], [burst], speed=3)
    run = start(song)
    expected = expected_row_frames()
    out = run.render(expected[-1] + 600, block=1000)  # the last row lasts 794 frames

    assert onsets(out[:, 0]) == expected
    rows = run.of_type(RowReached)
    assert [r.frame for r in rows[: len(ROWS)]] == expected
    assert [r.row for r in rows[: len(ROWS)]] == list(range(len(ROWS)))


def test_first_frame_of_a_note_is_already_sounding() -> None:
    burst = dc_sample(1.0, frames=64, loop="none", loop_end_frames=0)
    song = make_song(["--- .. .. ...", "A-4 01 .. ..."], [burst], speed=1)
    out = start(song).render(3000)

    assert out[959, 0] == 0.0
    assert out[960, 0] > 0.0
