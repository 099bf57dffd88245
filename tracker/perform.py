"""Live performance from MIDI pads: cue order positions, mute and solo tracks.

A channel chosen in the user config (``perform_channel``) carries pads instead of notes.
``Performer.handle`` runs on the MIDI input's reader thread; what it asks for goes to the UI
through ``on_ui``, which cues and mutes as its own keys do (and shows it). ``guard`` keeps
those messages away from the handlers that would play them as notes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import mido

from tracker.io.midi import Handler

CUE_FIRST_NOTE: Final = 36  # C1, where a 4x4 pad grid usually starts
CUE_PADS: Final = 32
MUTE_FIRST_NOTE: Final = 72  # C5
SOLO_FIRST_NOTE: Final = 96  # C7
TRACK_PADS: Final = 24


@dataclass(frozen=True, slots=True)
class CueAsked:
    """Start order position ``order`` when the playing pattern ends."""

    order: int


@dataclass(frozen=True, slots=True)
class TrackToggled:
    """Flip a track's mute or solo (tracks counted from 0)."""

    track: int
    solo: bool


PerformEvent = CueAsked | TrackToggled


class Performer:
    """Pads on one MIDI channel (0-15; None: off) cue positions and mute or solo tracks."""

    def __init__(self, on_ui: Callable[[PerformEvent], object], channel: int | None = None) -> None:
        self._on_ui = on_ui
        self.channel = channel

    def takes(self, message: mido.Message) -> bool:
        """True for a message on the performance channel: it is not for playing."""
        return self.channel is not None and getattr(message, "channel", None) == self.channel

    def handle(self, message: mido.Message, delta_s: float = 0.0) -> None:
        if not self.takes(message):
            return
        if message.type == "program_change":
            self._on_ui(CueAsked(message.program))
        elif message.type == "note_on" and message.velocity > 0:
            event = pad(message.note)
            if event is not None:
                self._on_ui(event)

    def guard(self, handler: Handler) -> Handler:
        """``handler`` for every message but those on the performance channel."""

        def guarded(message: mido.Message, delta_s: float = 0.0) -> None:
            if not self.takes(message):
                handler(message, delta_s)

        return guarded


def pad(note: int) -> PerformEvent | None:
    """What a pad (a MIDI note on the performance channel) asks for; None: nothing."""
    if CUE_FIRST_NOTE <= note < CUE_FIRST_NOTE + CUE_PADS:
        return CueAsked(note - CUE_FIRST_NOTE)
    if MUTE_FIRST_NOTE <= note < MUTE_FIRST_NOTE + TRACK_PADS:
        return TrackToggled(note - MUTE_FIRST_NOTE, solo=False)
    if SOLO_FIRST_NOTE <= note < SOLO_FIRST_NOTE + TRACK_PADS:
        return TrackToggled(note - SOLO_FIRST_NOTE, solo=True)
    return None
