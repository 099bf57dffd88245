"""MIDI controllers moving song parameters: decoding CC streams, MIDI learn, the song following.

Three parts, by the thread they run on:

- ``Controllers.handle`` runs on the MIDI input's reader thread (tracker.io.midi). A CC that
  a mapping of the song listens to becomes a parameter value, sent to the kernel at once
  (``Session.set_param``), so the knob is heard without waiting for the UI. While MIDI learn
  is armed, the next control moved becomes a mapping instead, handed to the UI.
- ``ParamFollower.apply`` runs on the UI thread at its refresh rate: the song takes the latest
  value of each moved parameter (so the mixer and instrument editor show it and saving keeps
  it) without a compile per message, and a gesture (moves with no pause of GESTURE_IDLE_S) is
  one undo step.
- ``Decoder`` and ``Learner`` are the pure state machines under them.

Positions are 0..1 along a parameter's curve (tracker.model.params); a mapping's ``low`` and
``high`` say which part of that the control sweeps.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol

import mido

from tracker.engine.kernel import QueueFull
from tracker.model.params import (
    ParamError,
    ParamSpec,
    find_param,
    parse_id,
    read_normalised,
    write_param,
)
from tracker.model.song import MidiMapping, MidiMode, Song

GESTURE_IDLE_S: Final = 0.5
"""A knob left alone this long has finished its move: the next one is a new undo step."""
PAIR_WINDOW_S: Final = 0.02
"""Learning: a CC 0..31 followed this soon by its CC + 32 is a 14-bit control."""
RELATIVE_STEPS: Final = 128
"""Detents of a relative encoder across a mapping's whole range."""
CHANNEL_MODE_FIRST: Final = 120
"""CC 120..127 are channel mode messages (all notes off, reset...), never learned."""
LSB_OFFSET: Final = 32
MAX_7BIT: Final = 127
MAX_14BIT: Final = 16383
MOVES_KEPT: Final = 4096
"""Timed moves held for the UI (record mode); it takes them ~30 times a second, so this is
only a bound for a UI that stalls while a 14-bit knob floods in."""

RELATIVE_MODES: Final[frozenset[MidiMode]] = frozenset(
    {"relative_twos_complement", "relative_binary_offset", "relative_sign_magnitude"}
)
MODE_NAMES: Final[dict[MidiMode, str]] = {
    "absolute": "absolute 7-bit",
    "absolute_14bit": "absolute 14-bit",
    "relative_twos_complement": "relative (2's complement)",
    "relative_binary_offset": "relative (offset 64)",
    "relative_sign_magnitude": "relative (sign bit)",
}


def relative_delta(mode: MidiMode, value: int) -> int:
    """Detents an encoder's CC value means in a relative mode (+ clockwise)."""
    if mode == "relative_twos_complement":
        return value if value < 64 else value - 128
    if mode == "relative_binary_offset":
        return value - 64
    if mode == "relative_sign_magnitude":
        return -(value & 0x3F) if value & 0x40 else value
    raise ValueError(f"{mode} is not a relative mode")


def control_name(mapping: MidiMapping) -> str:
    """ "CC 74 ch 1" or "CC 7/39 ch 2" (14-bit), channels counted from 1 as devices show them."""
    number = str(mapping.controller)
    if mapping.mode == "absolute_14bit":
        number += f"/{mapping.controller + LSB_OFFSET}"
    return f"CC {number} ch {mapping.channel + 1}"


class Decoder:
    """A CC stream to positions, one mapping at a time. Keeps the 14-bit halves last seen.

    Not thread-safe: one reader at a time (Controllers holds a lock around it).
    """

    def __init__(self) -> None:
        self._msb: dict[tuple[int, int], int] = {}
        """(channel, MSB controller) -> the last MSB value, for an LSB that comes alone."""

    def decode(self, mapping: MidiMapping, controller: int, value: int, current: float) -> float:
        """The position (0..1) the parameter moves to. ``controller`` is one the mapping
        listens to; ``current`` is the parameter's position now, for relative modes and an
        LSB with no MSB yet."""
        low, high = mapping.low, mapping.high
        if mapping.mode in RELATIVE_MODES:
            along = (current - low) / (high - low) if high != low else 0.0
            along = min(max(along, 0.0), 1.0) + relative_delta(mapping.mode, value) / RELATIVE_STEPS
        elif mapping.mode == "absolute_14bit":
            key = (mapping.channel, mapping.controller)
            if controller == mapping.controller:
                # The MIDI spec: a new MSB clears the LSB; the LSB that follows refines it.
                self._msb[key] = value
                along = (value << 7) / MAX_14BIT
            else:
                msb = self._msb.get(key)
                if msb is None:  # the LSB alone: refine around where the parameter is
                    along = (current - low) / (high - low) if high != low else 0.0
                    msb = round(min(max(along, 0.0), 1.0) * MAX_14BIT) >> 7
                    self._msb[key] = msb
                along = ((msb << 7) | value) / MAX_14BIT
        else:
            along = value / MAX_7BIT
        along = min(max(along, 0.0), 1.0)
        return low + along * (high - low)


class Learner:
    """MIDI learn: armed with a parameter id, the next control moved becomes its mapping.

    A CC 0..31 waits PAIR_WINDOW_S for its CC + 32 on the same channel: if it comes, the
    control is 14-bit; anything else (or the UI's ``expire`` when nothing comes) makes it 7-bit.
    ``feed`` runs on the MIDI reader thread, the rest on the UI's; a lock keeps them apart.
    """

    def __init__(self, pair_window_s: float = PAIR_WINDOW_S) -> None:
        self._lock = threading.Lock()
        self._param: str | None = None
        self._pending: tuple[int, int, float] | None = None  # channel, controller, time
        self._window_s = pair_window_s

    @property
    def armed(self) -> str | None:
        """The parameter id waiting for a control, or None."""
        return self._param

    def arm(self, param_id: str) -> None:
        with self._lock:
            self._param = param_id
            self._pending = None

    def cancel(self) -> None:
        with self._lock:
            self._param = None
            self._pending = None

    def feed(self, channel: int, controller: int, now: float) -> MidiMapping | None:
        """A CC arrived at ``now`` (seconds, monotonic); the mapping it completes, if any."""
        with self._lock:
            param = self._param
            if param is None or controller >= CHANNEL_MODE_FIRST:
                return None
            pending = self._pending
            if pending is not None:
                msb_channel, msb, since = pending
                paired = (
                    channel == msb_channel
                    and controller == msb + LSB_OFFSET
                    and now - since <= self._window_s
                )
                mode: MidiMode = "absolute_14bit" if paired else "absolute"
                return self._done(param, msb_channel, msb, mode)
            if controller < LSB_OFFSET:
                self._pending = (channel, controller, now)
                return None
            return self._done(param, channel, controller, "absolute")

    def expire(self, now: float) -> MidiMapping | None:
        """A CC 0..31 whose LSB did not come within the window: a 7-bit mapping (UI thread)."""
        with self._lock:
            if self._param is None or self._pending is None:
                return None
            channel, controller, since = self._pending
            if now - since <= self._window_s:
                return None
            return self._done(self._param, channel, controller, "absolute")

    def _done(self, param: str, channel: int, controller: int, mode: MidiMode) -> MidiMapping:
        self._param = None
        self._pending = None
        return MidiMapping(param=param, channel=channel, controller=controller, mode=mode)


class LiveParams(Protocol):
    """What Controllers needs of the Session."""

    @property
    def song(self) -> Song: ...

    def set_param(self, param_id: str, value: float) -> None: ...


@dataclass(frozen=True, slots=True)
class Learned:
    """MIDI learn made a mapping; the UI adds it to the song (an undoable edit)."""

    mapping: MidiMapping


@dataclass(frozen=True, slots=True)
class Moved:
    """A parameter moved by a control: its value (as the model holds it) and when."""

    param: str
    value: float
    arrived_s: float
    """When the message was handled, on the Controllers' clock (time.monotonic)."""


@dataclass(frozen=True, slots=True)
class _Listener:
    mapping: MidiMapping
    spec: ParamSpec


class Controllers:
    """The song's MIDI mappings at work, and MIDI learn; ``handle`` takes every message."""

    def __init__(
        self,
        session: LiveParams,
        on_learned: Callable[[Learned], object],
        clock: Callable[[], float] = time.monotonic,
        idle_s: float = GESTURE_IDLE_S,
    ) -> None:
        """on_learned: called on the reader thread; it must only queue (post_message)."""
        self._session = session
        self._on_learned = on_learned
        self._clock = clock
        self._idle_s = idle_s
        self.learner = Learner()
        self._decoder = Decoder()
        self._lock = threading.Lock()  # each MIDI input has its own reader thread
        self._indexed: list[MidiMapping] | None = None
        self._listeners: dict[tuple[int, int], list[_Listener]] = {}
        self._live: dict[str, tuple[float, float]] = {}
        """param id -> (position, time) this sent last: a relative encoder turned quickly
        moves on from here, not from the song, which follows only at the UI's pace."""
        self._values: dict[str, float] = {}
        """param id -> the latest value sent, not yet taken by the UI."""
        self._moves: deque[Moved] = deque(maxlen=MOVES_KEPT)
        """Every value sent, in order, with its time, not yet taken (record mode writes them
        into automation lanes at the rows they were heard on)."""
        self.dropped = 0
        """Values the kernel had no room for (its queue full); the song still follows."""

    def handle(self, message: mido.Message, delta_s: float = 0.0) -> None:
        """One incoming message (a MIDI reader thread)."""
        if message.type != "control_change":
            return
        now = self._clock()
        with self._lock:
            if self.learner.armed is not None:
                learned = self.learner.feed(message.channel, message.control, now)
                if learned is not None:
                    self._on_learned(Learned(learned))
                return  # while learning, controls move nothing
            for listener in self._listening(message.channel, message.control):
                self._move(listener, message.control, message.value, now)

    def take_values(self) -> dict[str, float]:
        """The latest value of each parameter moved since the last call (the UI thread)."""
        with self._lock:
            values, self._values = self._values, {}
        return values

    def take_moves(self) -> list[Moved]:
        """Every move since the last call, oldest first, with its time (the UI thread)."""
        with self._lock:
            moves = list(self._moves)
            self._moves.clear()
        return moves

    def expire_learn(self) -> None:
        """Finish a learn that waits for a 14-bit LSB that is not coming (the UI's timer)."""
        learned = self.learner.expire(self._clock())
        if learned is not None:
            self._on_learned(Learned(learned))

    def _listening(self, channel: int, controller: int) -> list[_Listener]:
        mappings = self._session.song.midi_mappings
        if mappings is not self._indexed:  # songs are immutable: a new list is a new index
            self._listeners = {}
            for mapping in mappings:
                spec = parse_id(mapping.param)[2]
                controls = [mapping.controller]
                if mapping.mode == "absolute_14bit":
                    controls.append(mapping.controller + LSB_OFFSET)
                for number in controls:
                    key = (mapping.channel, number)
                    self._listeners.setdefault(key, []).append(_Listener(mapping, spec))
            self._indexed = mappings
        return self._listeners.get((channel, controller), [])

    def _move(self, listener: _Listener, controller: int, value: int, now: float) -> None:
        param_id, spec = listener.mapping.param, listener.spec
        current = self._position(param_id, now)
        if current is None:
            return
        position = self._decoder.decode(listener.mapping, controller, value, current)
        self._live[param_id] = (position, now)
        natural = float(spec.from_normalised(position))
        self._values[param_id] = natural
        self._moves.append(Moved(param_id, natural, now))
        try:
            self._session.set_param(param_id, natural)
        except QueueFull:
            self.dropped += 1  # the song follows, and the gesture's end swaps it in
        except ParamError:
            pass  # the UI removed it a moment ago

    def _position(self, param_id: str, now: float) -> float | None:
        live = self._live.get(param_id)
        if live is not None and now - live[1] < self._idle_s:
            return live[0]
        try:
            return read_normalised(self._session.song, param_id)
        except ParamError:
            return None


class FollowingSession(Protocol):
    """What ParamFollower needs of the Session."""

    @property
    def song(self) -> Song: ...

    def follow_params(self, song: Song, label: str, gesture: object) -> None: ...

    def resync(self) -> None: ...


class ParamFollower:
    """The song takes controller values at the UI's pace, one undo step per gesture."""

    def __init__(self, session: FollowingSession, idle_s: float = GESTURE_IDLE_S) -> None:
        self._session = session
        self._idle_s = idle_s
        self._gesture: object | None = None  # the undo group of the move under way
        self._moved_at = 0.0
        self._following: Song | None = None  # the song this made current last
        self._joined = False  # the gesture is a group given to apply, not one of its own

    def apply(self, values: Mapping[str, float], now: float, group: object = None) -> bool:
        """Put ``values`` (param id -> value) into the song; True when it changed. Called
        with no values, it ends a gesture that has been still for GESTURE_IDLE_S: the song is
        compiled and swapped in once, so what the kernel cannot change live is heard too.
        ``group``: an undo group to join instead of the gesture's own (a recording pass)."""
        session = self._session
        if self._gesture is not None and now - self._moved_at >= self._idle_s:
            try:
                if session.song is self._following:  # else an edit since synced it already
                    session.resync()
                self._gesture = None
            except QueueFull:
                pass  # the audio thread is behind: the next call tries again
        if not values:
            return False
        before = song = session.song
        names: list[str] = []
        for param_id, value in values.items():
            try:
                song = write_param(song, param_id, value)
                names.append(find_param(song, param_id).name)
            except ParamError:
                continue  # removed from the song since the value was sent
        if group is not None:
            self._gesture = group
        elif self._gesture is None or self._joined:
            self._gesture = object()  # a pass just ended: the next move is a step of its own
        self._joined = group is not None
        label = f"MIDI {names[0]}" if len(names) == 1 else "MIDI controllers"
        session.follow_params(song, label, self._gesture)
        self._following = session.song
        self._moved_at = now
        return song is not before


Handler = Callable[[mido.Message, float], None]


def fan_out(*handlers: Handler) -> Handler:
    """One MIDI input handler that hands each message to ``handlers`` in turn (the keyboard
    player first: notes are what a listener notices late)."""

    def handle(message: mido.Message, delta_s: float = 0.0) -> None:
        for handler in handlers:
            handler(message, delta_s)

    return handle
