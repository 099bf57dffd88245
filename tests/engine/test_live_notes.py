"""Live notes (note_on / note_off from the keyboard): chords, releasing one note or a whole
track, velocity, and how they sit beside the song."""

import numpy as np
import pytest

from tests.dsp.helpers import (
    A4,
    RATE,
    TICK,
    Run,
    make_song,
    sine_synth,
    start,
    tone_amplitude,
)
from tracker.model import Envelope

VOLUME = 0.2
"""Three notes at this volume stay below the master limiter's knee."""
RELEASE = Envelope(attack_s=0.0, decay_s=0.0, sustain=1.0, release_s=0.02)
CHORD = {A4: 440.0, A4 + 4: 440.0 * 2 ** (4 / 12), A4 + 7: 440.0 * 2 ** (7 / 12)}
EMPTY = "--- .. .. ..."


def live(tracks: int = 1, rows: list[str] | None = None) -> Run:
    """A kernel for live notes; it plays `rows` as a song if given, else stays stopped."""
    synth = sine_synth(volume=VOLUME, amp_env=RELEASE)
    song = make_song(rows or [" | ".join([EMPTY] * tracks)], [synth], length=64)
    return start(song, play=rows is not None)


def levels(out: np.ndarray, channel: int = 0) -> dict[int, float]:
    return {note: tone_amplitude(out[:, channel], hz) for note, hz in CHORD.items()}


def test_a_chord_on_one_track_sounds_every_note_at_its_velocity() -> None:
    run = live()
    for note, velocity in zip(CHORD, (1.0, 0.5, 0.25), strict=True):
        run.kernel.note_on(0, note, 1, velocity)
    out = run.render(RATE // 4)

    assert levels(out[TICK:]) == pytest.approx(
        {A4: VOLUME, A4 + 4: VOLUME / 2, A4 + 7: VOLUME / 4}, abs=1e-3
    )
    assert run.kernel.stats().voices_active == 3


def test_note_off_of_one_note_releases_only_that_note() -> None:
    run = live()
    for note in CHORD:
        run.kernel.note_on(0, note, 1)
    run.render(TICK)
    run.kernel.note_off(0, A4 + 4)
    run.kernel.note_off(0, A4 + 1)  # not sounding: nothing happens
    out = run.render(RATE // 4)

    assert levels(out[RATE // 8 :]) == pytest.approx(
        {A4: VOLUME, A4 + 4: 0.0, A4 + 7: VOLUME}, abs=1e-3
    )
    assert run.kernel.stats().voices_active == 2


def test_note_off_of_a_track_releases_all_its_live_notes_and_no_others() -> None:
    run = live(tracks=2)
    run.kernel.note_on(0, A4, 1)
    run.kernel.note_on(0, A4 + 4, 1)
    run.kernel.note_on(1, A4 + 7, 1)
    run.render(TICK)
    run.kernel.note_off(0)
    _, stems = run.kernel.render_stems(RATE // 4, 2)

    tail = slice(RATE // 8, None)
    assert not stems[0, tail].any()
    assert levels(stems[1, tail]) == pytest.approx({A4: 0.0, A4 + 4: 0.0, A4 + 7: VOLUME}, abs=1e-3)
    assert run.kernel.stats().voices_active == 1


def test_note_off_leaves_the_songs_note_on_the_same_track() -> None:
    run = live(rows=["A-4 01 .. ..."])
    run.kernel.note_on(0, A4 + 7, 1)
    run.render(TICK)
    run.kernel.note_off(0)
    out = run.render(RATE // 4)

    assert levels(out[RATE // 8 :]) == pytest.approx(
        {A4: VOLUME, A4 + 4: 0.0, A4 + 7: 0.0}, abs=1e-3
    )


def test_notes_on_several_tracks_play_together_through_their_own_faders() -> None:
    run = live(tracks=3)
    for track, note in enumerate(CHORD):
        run.kernel.note_on(track, note, 1)
    run.kernel.set_track_volume(1, 0.5)
    run.kernel.set_track_pan(2, 1.0)
    mix, stems = run.kernel.render_stems(RATE // 4, 3)

    tail = slice(TICK, None)
    assert levels(stems[0, tail]) == pytest.approx({A4: VOLUME, A4 + 4: 0.0, A4 + 7: 0.0}, abs=1e-3)
    assert levels(stems[1, tail]) == pytest.approx(
        {A4: 0.0, A4 + 4: VOLUME / 2, A4 + 7: 0.0}, abs=1e-3
    )
    assert levels(stems[2, tail], channel=0) == pytest.approx(
        {A4: 0.0, A4 + 4: 0.0, A4 + 7: 0.0}, abs=1e-3
    )
    assert levels(stems[2, tail], channel=1)[A4 + 7] == pytest.approx(VOLUME, abs=1e-3)
    assert levels(mix[tail]) == pytest.approx(
        {A4: VOLUME, A4 + 4: VOLUME / 2, A4 + 7: 0.0}, abs=1e-3
    )


@pytest.mark.parametrize(
    ("track", "note", "instrument"), [(1, A4, 1), (0, 120, 1), (0, A4, 0), (0, A4, 2)]
)
def test_a_note_on_outside_the_song_is_ignored(track: int, note: int, instrument: int) -> None:
    run = live()
    run.kernel.note_on(track, note, instrument)
    out = run.render(TICK)

    assert not out.any()
    assert run.kernel.stats().voices_active == 0
