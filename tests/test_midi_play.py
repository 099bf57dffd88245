"""MIDI notes into the kernel through MidiPlayer, against a real Session and kernel
(rendered offline): polyphony, velocity, sustain pedal, channels, program changes."""

from __future__ import annotations

import mido
import numpy as np

from tests.ui.app_support import small_song
from tracker.io.project import Project
from tracker.midi_play import MidiPlayer, NoteTyped, ProgramChosen, Target, UiEvent
from tracker.session import Session

BLOCK = 4800  # 0.1 s


LEAD_ON_TRACK_0 = Target(track=0, instrument=1)


def player(
    target: Target = LEAD_ON_TRACK_0, channel: int | None = None
) -> tuple[Session, MidiPlayer, list[UiEvent]]:
    session = Session(Project(song=small_song()))
    seen: list[UiEvent] = []
    return session, MidiPlayer(session, lambda: target, seen.append, channel), seen


def voices(session: Session, seconds: float = 0.1) -> int:
    session.kernel.render(int(48000 * seconds))
    return session.kernel.stats().voices_active


def test_a_chord_sounds_and_stops() -> None:
    session, midi, seen = player()
    for note in (60, 64, 67):
        midi.handle(mido.Message("note_on", note=note, velocity=100))
    assert voices(session) == 3
    for note in (60, 64, 67):
        midi.handle(mido.Message("note_off", note=note))
    assert voices(session, 1.0) == 0
    assert [e for e in seen if isinstance(e, NoteTyped)] == [
        NoteTyped(n, 100 / 127) for n in (60, 64, 67)
    ]


def test_velocity_sets_the_volume() -> None:
    peaks = []
    for velocity in (127, 32):
        session, midi, _ = player()
        midi.handle(mido.Message("note_on", note=60, velocity=velocity))
        peaks.append(float(np.abs(session.kernel.render(BLOCK)).max()))
    assert peaks[1] < peaks[0] * 0.5


def test_note_on_with_velocity_zero_is_a_note_off() -> None:
    session, midi, _ = player()
    midi.handle(mido.Message("note_on", note=60, velocity=90))
    midi.handle(mido.Message("note_on", note=60, velocity=0))
    assert voices(session, 1.0) == 0


def test_the_sustain_pedal_holds_notes_until_it_is_released() -> None:
    session, midi, _ = player()
    midi.handle(mido.Message("control_change", control=64, value=127))
    midi.handle(mido.Message("note_on", note=60, velocity=90))
    midi.handle(mido.Message("note_off", note=60))
    assert voices(session, 1.0) == 1
    midi.handle(mido.Message("control_change", control=64, value=0))
    assert voices(session, 1.0) == 0


def test_a_note_off_goes_to_the_track_the_note_started_on() -> None:
    target = Target(track=0, instrument=1)
    session = Session(Project(song=small_song()))
    midi = MidiPlayer(session, lambda: target, lambda event: None)
    midi.handle(mido.Message("note_on", note=60, velocity=90))
    target = Target(track=2, instrument=1)  # the cursor moved on
    midi.handle(mido.Message("note_off", note=60))
    assert voices(session, 1.0) == 0


def test_other_channels_are_ignored_when_one_is_chosen() -> None:
    session, midi, _ = player(channel=3)
    midi.handle(mido.Message("note_on", note=60, velocity=90, channel=0))
    assert voices(session) == 0
    midi.handle(mido.Message("note_on", note=60, velocity=90, channel=3))
    assert voices(session) == 1


def test_program_change_and_clock_messages() -> None:
    session, midi, seen = player()
    midi.handle(mido.Message("program_change", program=1))
    midi.handle(mido.Message("clock"))
    midi.handle(mido.Message("sysex", data=[1, 2, 3]))
    assert seen == [ProgramChosen(2)]
    assert voices(session) == 0


def test_no_instrument_plays_nothing_but_still_types() -> None:
    session, midi, seen = player(Target(track=0, instrument=0))
    midi.handle(mido.Message("note_on", note=60, velocity=90))
    assert voices(session) == 0
    assert seen == [NoteTyped(60, 90 / 127)]


def test_all_off_releases_everything_even_under_the_pedal() -> None:
    session, midi, _ = player()
    midi.handle(mido.Message("control_change", control=64, value=127))
    for note in (60, 62):
        midi.handle(mido.Message("note_on", note=note, velocity=90))
    midi.all_off()
    assert voices(session, 1.0) == 0
