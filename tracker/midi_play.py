"""Playing the tracker from a MIDI keyboard: messages in, kernel commands out.

``MidiPlayer.handle`` runs on the MIDI input's reader thread (tracker.io.midi), so a note
reaches the kernel's command queue without waiting for the UI; what the UI must do (write a note at
the cursor in edit mode, select an instrument) is handed to it through ``on_ui``. In record
mode a chord is spread over adjacent tracks (tracker.record.ChordSpread), here, so it sounds
on the tracks it is written to; each note's arrival time is taken here too, on this thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Protocol

import mido

from tracker.model.notes import MIDI_NOTE_OFFSET, NOTE_MAX, NOTE_MIN
from tracker.record import ChordSpread

MOD_WHEEL_CC: Final = 1
CONTROL_MAX: Final = 127
PITCH_WHEEL_HALF: Final = 8192  # mido's pitch is -8192..8191
SUSTAIN_CC: Final = 64
SUSTAIN_ON: Final = 64  # pedal values from this up hold notes (the MIDI spec's half point)
VELOCITY_MAX: Final = 127


class LiveNotes(Protocol):
    """What the player needs of the Session (its methods take any control thread)."""

    def note_on(self, track: int, note: int, instrument: int, velocity: float = 1.0) -> None: ...

    def note_off(self, track: int, note: int | None = None) -> None: ...

    def set_live_bend(self, semitones: float) -> None: ...

    def set_live_mod(self, depth: float) -> None: ...


@dataclass(frozen=True, slots=True)
class Target:
    """Where notes go: the cursor's track and the current instrument (0: none)."""

    track: int
    instrument: int
    tracks: int = 1
    """Tracks in the song, for spreading a chord."""
    spread: bool = False
    """Spread chords over adjacent tracks (record mode, as FastTracker II's multichannel record)."""


@dataclass(frozen=True, slots=True)
class NoteTyped:
    """A MIDI note for the UI: in edit mode it is written at the cursor."""

    note: int
    velocity: float
    track: int = 0
    """The track it sounds on (and is recorded to)."""
    arrived_s: float = field(default=0.0, compare=False)
    """When it arrived, time.monotonic() on the reader thread."""


@dataclass(frozen=True, slots=True)
class NoteReleased:
    """A key let go (pedal or not): in record mode a note-off may be written."""

    note: int
    track: int
    arrived_s: float = field(default=0.0, compare=False)


@dataclass(frozen=True, slots=True)
class ProgramChosen:
    """A program change: the UI selects instrument ``number`` (1-based) if it exists."""

    number: int


UiEvent = NoteTyped | NoteReleased | ProgramChosen


class MidiPlayer:
    """Notes play the current instrument on the current track, polyphonically; velocity
    sets the note's volume; the sustain pedal holds note-offs until it is released."""

    def __init__(
        self,
        notes: LiveNotes,
        target: Callable[[], Target],
        on_ui: Callable[[UiEvent], object],
        channel: int | None = None,
    ) -> None:
        """channel: only this MIDI channel (0-15) is played; None: every channel."""
        self._notes = notes
        self._target = target
        self._on_ui = on_ui
        self.channel = channel
        self.bend_semitones = 2.0
        """The pitch wheel's range up and down (the user config's pitch_bend_semitones)."""
        self._sounding: dict[int, int] = {}
        """note -> the track it was started on, so its note-off goes there even if the
        cursor moved meanwhile."""
        self._sustain = False
        self._held: set[int] = set()
        """Notes released while the pedal was down."""
        self._spread = ChordSpread()
        self.clock: Callable[[], float] = time.monotonic
        """Stamps each note's arrival (tests may stand in a clock of their own)."""

    def handle(self, message: mido.Message, delta_s: float = 0.0) -> None:
        """One incoming message (the MIDI input's reader thread)."""
        if message.is_meta or not hasattr(message, "channel"):
            return  # clock, sysex and the like are not for playing
        if self.channel is not None and message.channel != self.channel:
            return
        kind = message.type
        if kind in ("note_on", "note_off"):
            note = message.note - MIDI_NOTE_OFFSET
            if not NOTE_MIN <= note <= NOTE_MAX:
                return  # MIDI 0-11 are below C-0
            if kind == "note_on" and message.velocity > 0:
                self._note_on(note, message.velocity / VELOCITY_MAX)
            else:  # note_on with velocity 0 is a note-off
                self._note_off(note)
        elif kind == "control_change" and message.control == SUSTAIN_CC:
            self._pedal(message.value >= SUSTAIN_ON)
        elif kind == "program_change":
            self._on_ui(ProgramChosen(message.program + 1))
        elif kind == "pitchwheel":
            self._notes.set_live_bend(message.pitch / PITCH_WHEEL_HALF * self.bend_semitones)
        elif kind == "control_change" and message.control == MOD_WHEEL_CC:
            self._notes.set_live_mod(message.value / CONTROL_MAX)

    def _note_on(self, note: int, velocity: float) -> None:
        arrived_s = self.clock()
        target = self._target()
        previous = self._sounding.get(note)
        if previous is not None:  # the same key again (a pedal held it): restart it
            self._notes.note_off(previous, note)
        self._held.discard(note)
        track = self._spread.press(note, target.track, target.tracks, target.spread)
        if target.instrument:
            self._notes.note_on(track, note, target.instrument, velocity)
            self._sounding[note] = track
        self._on_ui(NoteTyped(note, velocity, track, arrived_s))

    def _note_off(self, note: int) -> None:
        arrived_s = self.clock()
        released = self._spread.release(note)
        if released is not None:
            self._on_ui(NoteReleased(note, released, arrived_s))
        if self._sustain:
            if note in self._sounding:
                self._held.add(note)
            return
        track = self._sounding.pop(note, None)
        if track is not None:
            self._notes.note_off(track, note)

    def _pedal(self, down: bool) -> None:
        self._sustain = down
        if down:
            return
        for note in sorted(self._held):
            track = self._sounding.pop(note, None)
            if track is not None:
                self._notes.note_off(track, note)
        self._held.clear()

    def all_off(self) -> None:
        """Release every note this player started (the input went away, the app stops)."""
        for note, track in sorted(self._sounding.items()):
            self._notes.note_off(track, note)
        self._sounding.clear()
        self._held.clear()
        self._spread.clear()
        self._sustain = False
        self._notes.set_live_bend(0.0)
        self._notes.set_live_mod(0.0)
