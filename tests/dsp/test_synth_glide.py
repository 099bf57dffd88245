"""Glide: a synth with glide_s > 0 slides a new note on its track from the sounding pitch,
over glide_s whatever the distance, without starting the note again."""

import numpy as np
import pytest

from tests.dsp.helpers import (
    A4_UNITS,
    FULL,
    RATE,
    TICK,
    make_song,
    render_ticks,
    sine_synth,
    tick_level,
    tick_pitch,
)
from tracker.model import Envelope

GLIDE_TICKS = 5
GLIDE_S = GLIDE_TICKS * TICK / RATE  # 0.1 s
ATTACK_TICKS = 5
ATTACK = Envelope(attack_s=ATTACK_TICKS * TICK / RATE, decay_s=0.0, sustain=1.0, release_s=0.0)
OCTAVE = 64 * 12
EMPTY = "--- .. .. ..."
SECOND = 10
"""Row (and tick, at speed 1) of the second note: the first note's attack is long over."""
SKIP_FADE = 200
"""Frames to skip in a tick when reading its level: a replaced voice fades over 2 ms."""


def play(rows: list[str], glide_s: float = GLIDE_S, envelope: Envelope = ATTACK) -> np.ndarray:
    song = make_song(rows, [sine_synth(glide_s=glide_s, amp_env=envelope)], speed=1, length=24)
    return render_ticks(song, 24)


def two_notes(first: str, second: str, glide_s: float = GLIDE_S) -> np.ndarray:
    return play([f"{first} 01 .. ..."] + [EMPTY] * (SECOND - 1) + [f"{second} 01 .. ..."], glide_s)


@pytest.mark.parametrize(("first", "second", "direction"), [("A-4", "A-5", 1), ("A-5", "A-4", -1)])
def test_glide_moves_the_pitch_steadily_and_arrives_after_glide_s(
    first: str, second: str, direction: int
) -> None:
    pitch = tick_pitch(two_notes(first, second))
    old = A4_UNITS if direction > 0 else A4_UNITS + OCTAVE
    new = old + direction * OCTAVE
    gliding = pitch[SECOND : SECOND + GLIDE_TICKS]

    np.testing.assert_allclose(pitch[:SECOND], old, atol=0.5)
    # each tick's mean pitch lies on the straight line from the old note to the new
    expected = old + (new - old) * (np.arange(GLIDE_TICKS) + 0.5) / GLIDE_TICKS
    np.testing.assert_allclose(gliding, expected, atol=8)
    assert np.all(np.diff(direction * pitch[SECOND - 1 : SECOND + GLIDE_TICKS]) > 0)
    np.testing.assert_allclose(pitch[SECOND + GLIDE_TICKS :], new, atol=0.5)


def test_glide_does_not_start_the_envelope_again() -> None:
    legato = tick_level(two_notes("A-4", "A-5"), skip=SKIP_FADE)
    # the same rows without glide: the attack starts again, so a retrigger would show
    retriggered = tick_level(two_notes("A-4", "A-5", glide_s=0.0), skip=SKIP_FADE)

    np.testing.assert_allclose(legato[ATTACK_TICKS:], FULL, rtol=2e-3)
    assert retriggered[SECOND] < 0.25 * FULL


def test_a_new_note_mid_glide_glides_on_from_where_the_pitch_is() -> None:
    third = SECOND + 2
    rows = ["A-4 01 .. ..."] + [EMPTY] * (SECOND - 1) + ["A-5 01 .. ...", EMPTY, "A-4 01 .. ..."]
    pitch = tick_pitch(play(rows))

    # two ticks up towards A-5, then back to A-4 from there, again over glide_s
    turn = A4_UNITS + OCTAVE * 2 / GLIDE_TICKS
    expected = turn + (A4_UNITS - turn) * (np.arange(GLIDE_TICKS) + 0.5) / GLIDE_TICKS
    np.testing.assert_allclose(pitch[third : third + GLIDE_TICKS], expected, atol=8)
    np.testing.assert_allclose(pitch[third + GLIDE_TICKS :], A4_UNITS, atol=0.5)


def test_a_note_after_note_off_starts_fresh_without_glide() -> None:
    rows = ["A-4 01 .. ..."] + [EMPTY] * (SECOND - 2) + ["=== .. .. ...", "A-5 01 .. ..."]
    out = play(rows, envelope=ATTACK.model_copy(update={"release_s": 0.5}))
    level = tick_level(out, skip=SKIP_FADE)

    # the released note is still sounding, but the new note does not glide out of it
    np.testing.assert_allclose(tick_pitch(out)[SECOND:], A4_UNITS + OCTAVE, atol=0.5)
    assert level[SECOND] < 0.25 * FULL  # its own attack
    np.testing.assert_allclose(level[SECOND + ATTACK_TICKS :], FULL, rtol=2e-3)
