"""Following an external MIDI clock: a drum machine or DAW sets the tempo and the transport.

``ClockFollower.handle`` runs on the MIDI input's reader thread. Clock pulses go to the
kernel stamped with the frame at which they were heard; the kernel fits the tempo and keeps
the song in phase with them (dsp_c/follow.c). Start, continue and stop go to the kernel at
once, not through the UI, so the song starts on the pulse that follows; the UI hears of them
through ``on_ui`` to keep its own state in step.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

import mido

from tracker.model import Song

SIXTEENTHS_PER_BEAT: Final = 4
FASTEST_PULSE_S: Final = 60.0 / (24 * 600)
"""Pulses closer than this on average (600 BPM) are a flood, not a clock."""
RATE_PULSES: Final = 3
"""A pulse goes on only when it and the RATE_PULSES - 1 before it (forwarded or not) came at
a clock's rate: a flood never reaches the kernel, even from a cold start. Arrival times alone
cannot tell (messages come a JACK period at a time); the rate over a few can."""
RATE_WINDOW_S: Final = 0.25
"""...and when no more than a clock's worth (at FASTEST_PULSE_S) came in the last
RATE_WINDOW_S: a reader that stalls and then reads a flood in one go sees a long gap before
each batch, which the last three alone would take for a clock."""


class ClockTarget(Protocol):
    """What the follower needs of the Session (each method takes any control thread)."""

    @property
    def song(self) -> Song: ...

    def clock_pulse(self, monotonic_s: float) -> None: ...

    def external_play(self, order: int, row: int) -> None: ...

    def external_stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TransportFollowed:
    """The external clock started (state "song") or stopped ("stopped") the song."""

    state: str
    order: int = 0
    row: int = 0


class ClockFollower:
    """MIDI clock, start, continue, stop and song position pointer, obeyed while ``enabled``."""

    def __init__(
        self,
        target: ClockTarget,
        on_ui: Callable[[TransportFollowed], object],
        now_s: Callable[[], float],
    ) -> None:
        """now_s: time.monotonic, or a stand-in in tests; a pulse is stamped when it is read."""
        self._target = target
        self._on_ui = on_ui
        self._now_s = now_s
        self.enabled = False
        self._position_sixteenths = 0
        self.pulses = 0
        self.flood_dropped = 0
        """Pulses dropped as a flood, or before the rate was known."""
        self._recent: deque[float] = deque()

    def handle(self, message: mido.Message, delta_s: float = 0.0) -> None:
        """One incoming message (the MIDI input's reader thread); others are ignored."""
        if not self.enabled:
            return
        kind = message.type
        if kind == "clock":
            now_s = self._now_s()
            if self._flooded(now_s):
                self.flood_dropped += 1
                return
            self.pulses += 1
            self._target.clock_pulse(now_s)
        elif kind == "start":
            self._position_sixteenths = 0
            self._play(0, 0)
        elif kind == "continue":
            self._play(*song_position(self._target.song, self._position_sixteenths))
        elif kind == "stop":
            self._target.external_stop()
            self._on_ui(TransportFollowed("stopped"))
        elif kind == "songpos":
            self._position_sixteenths = message.pos

    def _flooded(self, now_s: float) -> bool:
        recent = self._recent
        recent.append(now_s)
        while len(recent) > RATE_PULSES and recent[0] < now_s - RATE_WINDOW_S:
            recent.popleft()
        if len(recent) < RATE_PULSES:
            return True  # too few yet to know the rate
        if len(recent) > RATE_WINDOW_S / FASTEST_PULSE_S:
            return True
        return recent[-1] - recent[-RATE_PULSES] < (RATE_PULSES - 1) * FASTEST_PULSE_S

    def _play(self, order: int, row: int) -> None:
        self._target.external_play(order, row)
        self._on_ui(TransportFollowed("song", order, row))


def song_position(song: Song, sixteenths: int) -> tuple[int, int]:
    """The (order, row) a song position pointer names: a sixteenth is a quarter of a beat of
    rows_per_beat rows; past the song's end it wraps, as the song itself loops."""
    rows = sixteenths * song.rows_per_beat // SIXTEENTHS_PER_BEAT
    lengths = [len(song.patterns[index].rows) for index in song.order]
    rows %= sum(lengths)
    for order, length in enumerate(lengths):
        if rows < length:
            return order, rows
        rows -= length
    return 0, 0  # unreachable: rows < sum(lengths)
