"""A thin, typed handle on one kernel engine (``dsp_c/tk_dsp.h``).

The engine's memory belongs to this object. Songs handed to the engine stay
referenced here until the kernel reports it no longer reads them, so the audio
thread never touches freed memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tracker.engine.compile import (
    EMPTY_CELL_BYTES,
    CompiledSong,
    instrument_param_number,
    pack_cell,
)
from tracker.engine.native import ffi, lib
from tracker.model import Cell

MASTER = lib.TK_MAX_TRACKS
"""Track index that stands for the master bus in levels."""

NOTE_ALL = lib.TK_NOTE_NONE
"""note_off() of every live note on a track."""

_ALIGN_BYTES = 64
_DRAIN_BATCH = 256
"""Events taken per C call: one GIL hand-back per batch, not per event."""


@dataclass(frozen=True, slots=True)
class RowReached:
    frame: int
    order: int
    pattern: int
    row: int
    time_s: float = field(default=0.0, compare=False)


@dataclass(frozen=True, slots=True)
class LevelsMeasured:
    frame: int
    track: int  # MASTER for the master bus
    peak_left: float
    peak_right: float
    time_s: float = field(default=0.0, compare=False)


@dataclass(frozen=True, slots=True)
class SongEnded:
    frame: int
    time_s: float = field(default=0.0, compare=False)


@dataclass(frozen=True, slots=True)
class Stopped:
    frame: int
    time_s: float = field(default=0.0, compare=False)


@dataclass(frozen=True, slots=True)
class FaultDetected:
    """The kernel produced non-finite output, wrote silence instead and reset its voices."""

    frame: int
    time_s: float = field(default=0.0, compare=False)


@dataclass(frozen=True, slots=True)
class MidiDue:
    """A MIDI message from the replayer (clock, transport, an external-synth track), due at
    time_s on the output stream's clock: sent then, it lines up with the audio around it."""

    frame: int
    data: bytes
    track: int | None = None
    """The track it belongs to (whose MIDI output it goes to); None: every output."""
    time_s: float = field(default=0.0, compare=False)


CUE_NONE = lib.TK_CUE_NONE
"""cue() value that cancels a cue."""


# Every event's time_s is when it is heard, in seconds on the output stream's
# clock (frame / rate when no stream has run); equality ignores it.
KernelEvent = RowReached | LevelsMeasured | SongEnded | Stopped | FaultDetected


@dataclass(frozen=True, slots=True)
class KernelStats:
    frames_rendered: int
    faults: int
    events_dropped: int
    voices_active: int
    playing: bool
    callbacks: int = 0
    underflows: int = 0
    load_last: float = 0.0
    load_max: float = 0.0
    """Loads are the time a stream callback took over its block's duration."""
    midi_dropped: int = 0
    follow_bpm: float = 0.0
    """The external clock's tempo (FastTracker II BPM at the song's speed), 0 if none yet."""


class QueueFull(RuntimeError):
    """The kernel has not drained its command queue: the audio thread is stalled."""


class Kernel:
    """One engine. Commands may come from several control threads (the UI, MIDI input);
    events(), load() and swap()'s bookkeeping belong to one of them (the UI's); render() is
    the audio side."""

    def __init__(self, sample_rate_hz: int = 48000) -> None:
        self.sample_rate_hz = sample_rate_hz
        self._memory = ffi.new("char[]", lib.tk_engine_size() + _ALIGN_BYTES)
        address = int(ffi.cast("uintptr_t", self._memory))
        aligned = (address + _ALIGN_BYTES - 1) & ~(_ALIGN_BYTES - 1)
        self._engine = ffi.cast("tk_engine *", aligned)
        if lib.tk_engine_init(self._engine, float(sample_rate_hz)) != 0:
            raise ValueError(f"sample rate {sample_rate_hz} Hz is outside 8000..384000")
        self._songs: dict[int, CompiledSong] = {}
        self._cmd = ffi.new("tk_command *")
        self._send_lock = threading.Lock()
        self._evts = ffi.new("tk_event[]", _DRAIN_BATCH)
        self._midi_evts = ffi.new("tk_midi_event[]", _DRAIN_BATCH)

    # ---- songs -----------------------------------------------------------

    def load(self, song: CompiledSong) -> None:
        """Install a song with no audio thread running (offline render, tests)."""
        self._songs.clear()
        self._songs[song.address] = song
        lib.tk_engine_load_song(self._engine, song.pointer)

    def swap(self, song: CompiledSong) -> None:
        """Hand a new song to a running engine; the old one is freed once the kernel lets go."""
        self._songs[song.address] = song
        self._send(lib.TK_CMD_SET_SONG, ptr=song.pointer)

    # ---- transport and live control --------------------------------------

    def play_song(self, order: int = 0, row: int = 0) -> None:
        self._send(lib.TK_CMD_PLAY_SONG, a=order, b=row)

    def play_pattern(self, pattern: int, row: int = 0) -> None:
        self._send(lib.TK_CMD_PLAY_PATTERN, a=pattern, b=row)

    def stop(self) -> None:
        self._send(lib.TK_CMD_STOP)

    def set_loop_pattern(self, loop: bool) -> None:
        self._send(lib.TK_CMD_SET_LOOP, a=int(loop))

    def set_stop_at_end(self, stop: bool) -> None:
        self._send(lib.TK_CMD_SET_STOP_AT_END, a=int(stop))

    def set_metering(self, on: bool) -> None:
        """Levels events on (the default) or off (offline render has no meters to feed)."""
        self._send(lib.TK_CMD_SET_METERING, a=int(on))

    def set_tempo(self, bpm: int) -> None:
        self._send(lib.TK_CMD_SET_TEMPO, a=bpm)

    def set_speed(self, ticks_per_row: int) -> None:
        self._send(lib.TK_CMD_SET_SPEED, a=ticks_per_row)

    def note_on(self, track: int, note: int, instrument: int, velocity: float = 1.0) -> None:
        self._send(lib.TK_CMD_NOTE_ON, track=track, a=note, b=instrument, value=velocity)

    def note_off(self, track: int, note: int = NOTE_ALL) -> None:
        self._send(lib.TK_CMD_NOTE_OFF, track=track, a=note)

    def set_track_volume(self, track: int, volume: float) -> None:
        self._send(lib.TK_CMD_TRACK_VOLUME, track=track, value=volume)

    def set_track_pan(self, track: int, pan: float) -> None:
        self._send(lib.TK_CMD_TRACK_PAN, track=track, value=pan)

    def set_track_mute(self, track: int, mute: bool) -> None:
        self._send(lib.TK_CMD_TRACK_MUTE, track=track, a=int(mute))

    def set_track_solo(self, track: int, solo: bool) -> None:
        self._send(lib.TK_CMD_TRACK_SOLO, track=track, a=int(solo))

    def set_master_volume(self, volume: float) -> None:
        self._send(lib.TK_CMD_MASTER_VOLUME, value=volume)

    def set_instrument_param(self, instrument: int, param: int | str, value: float) -> None:
        """param: one of the kernel's TK_IP_* numbers, or its name without the prefix
        ("CUTOFF_HZ"); KeyError for a name the kernel does not have."""
        number = param if isinstance(param, int) else instrument_param_number(param)
        self._send(lib.TK_CMD_INSTRUMENT_PARAM, a=instrument, b=number, value=value)

    def set_live_bend(self, semitones: float) -> None:
        """Pitch bend on every live note (MIDI keyboard), -48..48 semitones."""
        self._send(lib.TK_CMD_LIVE_BEND, value=semitones)

    def set_live_mod(self, depth: float) -> None:
        """Mod wheel 0..1: vibrato on every live note, up to +-50 cents."""
        self._send(lib.TK_CMD_LIVE_MOD, value=depth)

    def set_midi_clock(self, on: bool) -> None:
        """Send MIDI clock (24 a beat) and start/stop/continue/song position while playing."""
        self._send(lib.TK_CMD_SET_MIDI_CLOCK, a=int(on))

    def cue(self, position: int, at_bar: bool = False) -> None:
        """Go to this order position (song play) or pattern (pattern play) when the playing
        pattern ends (at_bar: when the bar ends); CUE_NONE cancels."""
        self._send(lib.TK_CMD_CUE, a=position, b=int(at_bar))

    def follow_clock(self, on: bool) -> None:
        """Take the tempo from clock_in() pulses (an external MIDI clock) instead of the song."""
        self._send(lib.TK_CMD_CLOCK_FOLLOW, a=int(on))

    def clock_in(self, frame: int) -> None:
        """An external MIDI clock pulse, heard at engine frame ``frame``."""
        self._send(lib.TK_CMD_CLOCK_IN, a=frame & 0xFFFFFFFF, b=frame >> 32)

    def set_cell(self, pattern: int, row: int, track: int, cell: Cell) -> None:
        """Write one pattern cell into the playing song; heard when the row plays."""
        self._send(lib.TK_CMD_SET_CELL, track=track, a=pattern, b=row, cell=pack_cell(cell))

    def _send(
        self,
        kind: int,
        *,
        track: int = 0,
        a: int = 0,
        b: int = 0,
        value: float = 0.0,
        ptr: Any = None,
        cell: bytes = EMPTY_CELL_BYTES,
    ) -> None:
        # The queue has one producer; the UI and the MIDI input thread both send, so they
        # take turns here (cffi lets go of the GIL inside the push). The audio thread
        # never touches this lock.
        with self._send_lock:
            cmd = self._cmd
            cmd.type = kind
            cmd.track = track
            cmd.a = a
            cmd.b = b
            cmd.value = value
            cmd.ptr = ptr if ptr is not None else ffi.NULL
            ffi.memmove(ffi.addressof(cmd.cell), cell, len(cell))
            pushed = lib.tk_engine_push_command(self._engine, cmd)
        if not pushed:
            raise QueueFull("the audio engine is not taking commands (queue full)")

    # ---- audio side --------------------------------------------------------

    def render(self, frames: int) -> npt.NDArray[np.float32]:
        """Render frames of stereo audio, shape (frames, 2)."""
        out = np.empty((frames, 2), dtype=np.float32)
        lib.tk_engine_render(self._engine, ffi.cast("float *", ffi.from_buffer(out)), frames)
        return out

    def render_into(self, out: npt.NDArray[np.float32]) -> None:
        """Render len(out) frames into a C-contiguous (frames, 2) float32 array."""
        lib.tk_engine_render(self._engine, ffi.cast("float *", ffi.from_buffer(out)), len(out))

    def render_stems(
        self, frames: int, tracks: int
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """The mix (frames, 2) and one post-fader stereo stem per track (tracks, frames, 2)."""
        out = np.empty((frames, 2), dtype=np.float32)
        stems = np.zeros((tracks, frames, 2), dtype=np.float32)  # tracks past the song stay silent
        pointers = ffi.new(
            "float *[]", [ffi.cast("float *", ffi.from_buffer(stems[t])) for t in range(tracks)]
        )
        lib.tk_engine_render_stems(
            self._engine, ffi.cast("float *", ffi.from_buffer(out)), pointers, frames
        )
        return out, stems

    # ---- reports -----------------------------------------------------------

    def events(self) -> list[KernelEvent]:
        """Drain the kernel's events; frees songs the kernel has released."""
        found: list[KernelEvent] = []
        while count := lib.tk_engine_pop_events(self._engine, self._evts, _DRAIN_BATCH):
            for index in range(count):
                self._one_event(self._evts[index], found)
            if count < _DRAIN_BATCH:
                break
        return found

    def _one_event(self, evt: Any, found: list[KernelEvent]) -> None:
        kind = evt.type
        if kind == lib.TK_EVT_POSITION:
            found.append(RowReached(evt.frame, evt.order, evt.pattern, evt.row, evt.time_s))
        elif kind == lib.TK_EVT_LEVELS:
            found.append(
                LevelsMeasured(evt.frame, evt.track, evt.peak_left, evt.peak_right, evt.time_s)
            )
        elif kind == lib.TK_EVT_SONG_END:
            found.append(SongEnded(evt.frame, evt.time_s))
        elif kind == lib.TK_EVT_STOPPED:
            found.append(Stopped(evt.frame, evt.time_s))
        elif kind == lib.TK_EVT_FAULT:
            found.append(FaultDetected(evt.frame, evt.time_s))
        elif kind == lib.TK_EVT_SONG_RELEASED:
            self._songs.pop(int(ffi.cast("uintptr_t", evt.ptr)), None)

    def midi_due(self) -> list[MidiDue]:
        """Drain the kernel's MIDI messages, oldest first. One thread only (the MIDI sender)."""
        found: list[MidiDue] = []
        while count := lib.tk_engine_pop_midis(self._engine, self._midi_evts, _DRAIN_BATCH):
            for index in range(count):
                evt = self._midi_evts[index]
                data = bytes(ffi.buffer(evt.data, evt.size))
                track = None if evt.track == lib.TK_MIDI_ALL_OUTPUTS else int(evt.track)
                found.append(MidiDue(evt.frame, data, track, evt.time_s))
            if count < _DRAIN_BATCH:
                break
        return found

    def stats(self) -> KernelStats:
        s = ffi.new("tk_engine_stats *")
        lib.tk_engine_get_stats(self._engine, s)
        return KernelStats(
            s.frames_rendered,
            s.faults,
            s.events_dropped,
            s.voices_active,
            bool(s.playing),
            s.callbacks,
            s.underflows,
            s.load_last,
            s.load_max,
            s.midi_dropped,
            s.follow_bpm,
        )

    # ---- real-time stream ----------------------------------------------------

    @property
    def address(self) -> int:
        """The engine's address: the user-data pointer a stream passes to the C callback."""
        return int(ffi.cast("uintptr_t", self._engine))

    def clock(self) -> tuple[int, float] | None:
        """(frame, time_s): the stream clock's latest anchor; None before the first callback."""
        frame = ffi.new("uint64_t *")
        time_s = ffi.new("double *")
        if not lib.tk_engine_get_clock(self._engine, frame, time_s):
            return None
        return int(frame[0]), float(time_s[0])

    def read_loads(self, since: int) -> tuple[npt.NDArray[np.float32], int]:
        """Per-callback loads from callback number `since` on, and the number to pass next time."""
        out = np.empty(lib.TK_LOAD_HISTORY, dtype=np.float32)
        cursor = ffi.new("uint64_t *", since)
        count = lib.tk_engine_read_loads(
            self._engine, cursor, ffi.cast("float *", ffi.from_buffer(out)), len(out)
        )
        return out[:count].copy(), int(cursor[0])

    def reset_load_max(self) -> None:
        lib.tk_engine_reset_load_max(self._engine)

    def position(self) -> tuple[int, int, int]:
        """(order, row, tick) as last rendered."""
        values = ffi.new("uint32_t[3]")
        lib.tk_engine_get_position(self._engine, values, values + 1, values + 2)
        return values[0], values[1], values[2]

    def peak(self, track: int) -> tuple[float, float]:
        """Peak since the last call for a track (MASTER for the master bus)."""
        values = ffi.new("float[2]")
        lib.tk_engine_get_peak(self._engine, track, values, values + 1)
        return values[0], values[1]

    def bench_voices(self, song: CompiledSong, instrument: int, voices: int, frames: int) -> int:
        """Render `voices` notes of one instrument for `frames` frames; returns how many sounded."""
        out = np.empty((frames, 2), dtype=np.float32)
        return int(
            lib.tk_engine_bench_voices(
                self._engine,
                song.instrument_pointer(instrument),
                voices,
                ffi.cast("float *", ffi.from_buffer(out)),
                frames,
            )
        )
