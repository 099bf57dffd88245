"""MIDI notes into the kernel through MidiPlayer, against a real Session and kernel
(rendered offline): polyphony, velocity, sustain pedal, channels, program changes."""

from __future__ import annotations

import mido
import numpy as np
import pytest

from tests.ui.app_support import small_song
from tracker.io.project import Project
from tracker.midi_play import MidiPlayer, NoteReleased, NoteTyped, ProgramChosen, Target, UiEvent
from tracker.model.notes import MIDI_NOTE_OFFSET
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
        NoteTyped(n - MIDI_NOTE_OFFSET, 100 / 127) for n in (60, 64, 67)
    ]  # MIDI 60, 64, 67 are C-4, E-4, G-4 (48, 52, 55)


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
    assert seen == [NoteTyped(48, 90 / 127)]  # MIDI 60 is C-4 (48)


def test_all_off_releases_everything_even_under_the_pedal() -> None:
    session, midi, _ = player()
    midi.handle(mido.Message("control_change", control=64, value=127))
    for note in (60, 62):
        midi.handle(mido.Message("note_on", note=note, velocity=90))
    midi.all_off()
    assert voices(session, 1.0) == 0


class Calls:
    """LiveNotes that only writes down what it is asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int | None]] = []

    def note_on(self, track: int, note: int, instrument: int, velocity: float = 1.0) -> None:
        self.calls.append(("on", track, note))

    def note_off(self, track: int, note: int | None = None) -> None:
        self.calls.append(("off", track, note))

    def set_live_bend(self, semitones: float) -> None:
        self.calls.append(("bend", 0, None))

    def set_live_mod(self, depth: float) -> None:
        self.calls.append(("mod", 0, None))


def test_record_mode_spreads_a_chord_over_the_tracks_it_sounds_on() -> None:
    notes = Calls()
    seen: list[UiEvent] = []
    target = Target(track=1, instrument=1, tracks=3, spread=True)
    midi = MidiPlayer(notes, lambda: target, seen.append)
    times = iter([5.0, 5.1, 5.2, 6.0, 6.1])
    midi.clock = lambda: next(times)
    for note in (60, 64, 67):
        midi.handle(mido.Message("note_on", note=note, velocity=127))
    midi.handle(mido.Message("note_off", note=64))
    midi.handle(mido.Message("note_on", note=72, velocity=127))  # takes the freed track
    # MIDI 60, 64, 67, 72 are C-4, E-4, G-4, C-5 (48, 52, 55, 60)
    assert notes.calls == [
        ("on", 1, 48),
        ("on", 2, 52),
        ("on", 0, 55),
        ("off", 2, 52),
        ("on", 2, 60),
    ]
    assert seen == [
        NoteTyped(48, 1.0, 1),
        NoteTyped(52, 1.0, 2),
        NoteTyped(55, 1.0, 0),
        NoteReleased(52, 2),
        NoteTyped(60, 1.0, 2),
    ]
    arrivals = [event.arrived_s for event in seen if not isinstance(event, ProgramChosen)]
    assert arrivals == [5.0, 5.1, 5.2, 6.0, 6.1]


def test_midi_notes_are_an_octave_above_tracker_notes() -> None:
    """MIDI 69 (A4, 440 Hz) is our A-4 (57), MIDI 127 is G-9 (115); MIDI 0-11 are below
    C-0 and are ignored: nothing sounds, nothing is typed or released."""
    assert MIDI_NOTE_OFFSET == 12
    notes = Calls()
    seen: list[UiEvent] = []
    midi = MidiPlayer(notes, lambda: LEAD_ON_TRACK_0, seen.append)
    for low in range(12):
        midi.handle(mido.Message("note_on", note=low, velocity=100))
        midi.handle(mido.Message("note_off", note=low))
    assert notes.calls == []
    assert seen == []
    midi.handle(mido.Message("note_on", note=69, velocity=127))
    midi.handle(mido.Message("note_off", note=69))
    midi.handle(mido.Message("note_on", note=127, velocity=127))
    midi.handle(mido.Message("note_on", note=12, velocity=127))  # C-0, the lowest that plays
    assert notes.calls == [("on", 0, 57), ("off", 0, 57), ("on", 0, 115), ("on", 0, 0)]
    assert seen == [
        NoteTyped(57, 1.0),
        NoteReleased(57, 0),
        NoteTyped(115, 1.0),
        NoteTyped(0, 1.0),
    ]

    session, midi, _ = player()
    midi.handle(mido.Message("note_on", note=69, velocity=100))
    assert pitch_hz(session) == pytest.approx(440.0, rel=2e-3)


def test_without_record_a_chord_stays_on_the_cursors_track() -> None:
    notes = Calls()
    midi = MidiPlayer(notes, lambda: Target(track=2, instrument=1, tracks=4), lambda event: None)
    for note in (60, 64):
        midi.handle(mido.Message("note_on", note=note, velocity=100))
    assert notes.calls == [("on", 2, 48), ("on", 2, 52)]  # MIDI 60, 64 are C-4, E-4


def test_a_key_released_under_the_pedal_frees_its_track_but_keeps_sounding() -> None:
    notes = Calls()
    seen: list[UiEvent] = []
    target = Target(track=0, instrument=1, tracks=4, spread=True)
    midi = MidiPlayer(notes, lambda: target, seen.append)
    midi.handle(mido.Message("control_change", control=64, value=127))
    midi.handle(mido.Message("note_on", note=60, velocity=100))
    midi.handle(mido.Message("note_off", note=60))
    midi.handle(mido.Message("note_on", note=62, velocity=100))
    assert notes.calls == [("on", 0, 48), ("on", 0, 50)]  # MIDI 60, 62 are C-4, D-4
    assert NoteReleased(48, 0) in seen


def pitch_hz(session: Session, seconds: float = 0.2) -> float:
    """The strongest frequency of what the session renders next (track 0's saw or sine)."""
    out = session.kernel.render(int(48000 * seconds))[:, 0].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(out * np.hanning(len(out)), 8 * len(out)))
    return float(np.argmax(spectrum) * 48000 / (8 * len(out)))


def test_pitch_wheel_bends_the_sounding_notes_over_the_configured_range() -> None:
    session, midi, _ = player()
    midi.handle(mido.Message("note_on", note=69, velocity=100))  # A4 on MIDI: 440 Hz here
    plain = pitch_hz(session)
    midi.handle(mido.Message("pitchwheel", pitch=8191))
    up = pitch_hz(session)
    midi.bend_semitones = 12
    midi.handle(mido.Message("pitchwheel", pitch=-8192))
    down = pitch_hz(session)
    midi.all_off()  # the wheel's position goes with the notes
    midi.handle(mido.Message("note_on", note=69, velocity=100))
    after = pitch_hz(session)

    assert up / plain == pytest.approx(2 ** (2 * 8191 / 8192 / 12), rel=2e-3)
    assert down / plain == pytest.approx(0.5, rel=2e-3)
    assert after == pytest.approx(plain, rel=2e-3)


def test_mod_wheel_makes_the_sounding_notes_wobble() -> None:
    session, midi, _ = player()
    midi.handle(mido.Message("note_on", note=69, velocity=100))
    session.kernel.render(4800)

    def spread_cents() -> float:
        out = session.kernel.render(48000)[:, 0].astype(np.float64)
        up = np.flatnonzero((out[:-1] < 0) & (out[1:] >= 0))
        exact = up + out[up] / (out[up] - out[up + 1])
        cents = 1200 * np.log2(48000 / np.diff(exact) / 440.0)
        return float(np.percentile(cents, 99) - np.percentile(cents, 1))

    still = spread_cents()
    midi.handle(mido.Message("control_change", control=1, value=127))
    wobbling = spread_cents()
    assert still < 5
    assert wobbling > 80  # about +-50 cents at full wheel
