"""One open project as the UI works on it: the song with its undo history, the kernel that
plays it and the audio output, kept in step.

Every edit goes through ``edit()``: the history records it, and the kernel gets the new
song: one cell by the command queue when only cells changed, otherwise a freshly compiled
song swapped in (built here, never in the audio thread). The kernel's events are drained by
``poll()``, a few dozen times a second, and only what is already heard is reported, so the
playhead and meters never run ahead of the sound.

Control side only: one thread (the UI's) calls every method.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from tracker.engine import (
    FaultDetected,
    Kernel,
    LevelsMeasured,
    RowReached,
    compile_song,
)
from tracker.engine.kernel import CUE_NONE, MASTER, NOTE_ALL
from tracker.engine.playback import NULL_DEVICE, DeviceLost, Playback
from tracker.engine.portaudio import AudioError
from tracker.io.project import Project, ProjectError, save_project
from tracker.midi_out import MidiSender, MidiSink
from tracker.model import Cell, Song
from tracker.model.history import History, Step
from tracker.model.params import Param, find_param
from tracker.play import PlayOptions, choose_rate

PlayState = Literal["stopped", "song", "pattern"]

MAX_CELL_COMMANDS = 64
"""Edits that change more cells than this swap in a compiled song instead."""
DEFAULT_RATE_HZ = 48000
AUTOSAVE_SUFFIX = ".autosave.json"


def write_autosave(project: Project, song: Song) -> Path:
    """Save `song` to `project`'s autosave file, atomically; the project file is not touched."""
    target = autosave_path(project.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    save_project(Project(song=song, samples=project.samples, path=None), target, backup=False)
    return target


@dataclass(slots=True)
class Heard:
    """What the listener hears now, as poll() last found it."""

    state: PlayState = "stopped"
    order: int = 0
    pattern: int = 0
    row: int = 0
    peaks: dict[int, tuple[float, float]] = field(default_factory=dict)
    """Peak (left, right) per track heard since the last poll; -1 is the master bus."""


def autosave_path(project_path: Path | None) -> Path:
    """Where an unsaved copy goes: beside the project, or in the user's state folder."""
    if project_path is not None:
        return project_path.with_name(project_path.stem + AUTOSAVE_SUFFIX)
    from platformdirs import user_state_path

    return user_state_path("tracker") / f"untitled{AUTOSAVE_SUFFIX}"


class Session:
    def __init__(self, project: Project, sample_rate_hz: int = DEFAULT_RATE_HZ) -> None:
        self.project = project
        self.history = History(project.song)
        self.kernel = Kernel(sample_rate_hz)
        self.kernel.load(compile_song(project.song, self._sample_frames()))
        self.playback = Playback(self.kernel)
        self.audio_notice = ""
        """One line about the output: what it is, or why there is none."""
        self.heard = Heard()
        self._pending: deque[RowReached] = deque()
        self._pending_levels: deque[LevelsMeasured] = deque()
        self._state: PlayState = "stopped"
        self.loop_pattern = False
        self.midi_outputs: Callable[[], Sequence[MidiSink]] = tuple
        """The ports the kernel's MIDI (clock, external-synth tracks) goes to; the UI sets it."""
        self.midi_clock = False
        self.following_clock = False
        self.cued: int | None = None
        """The order position (song play) or pattern (pattern play) cued to start next."""
        self._midi_sender: MidiSender | None = None
        self.plays = 0
        """Playback starts so far: each resets the speed and tempo to the song's."""
        self.rows_drained: list[RowReached] = []
        """The rows the last poll() took from the kernel, heard or not yet, in play order
        (for placing recorded MIDI notes)."""

    # ---- the song ---------------------------------------------------------------------

    @property
    def song(self) -> Song:
        return self.history.song

    @property
    def dirty(self) -> bool:
        return not self.history.saved

    def edit(self, song: Song, label: str, where: object = None, group: object = None) -> None:
        """Make ``song`` current (undoable as ``label``; see History.apply for ``group``)
        and let the kernel hear it."""
        before = self.history.song
        self.history.apply(song, label, where, group)
        self._sync(before, song)

    def undo(self) -> Step | None:
        before = self.history.song
        step = self.history.undo()
        if step is not None:
            self._sync(before, self.history.song)
        return step

    def redo(self) -> Step | None:
        before = self.history.song
        step = self.history.redo()
        if step is not None:
            self._sync(before, self.history.song)
        return step

    def replace(self, project: Project) -> None:
        """Open another project: history cleared, the kernel gets the new song."""
        self.stop()
        before = self.history.song
        self.project = project
        self.history.reset(project.song)
        self._sync(before, project.song, force_swap=True)

    def _sync(self, before: Song, after: Song, force_swap: bool = False) -> None:
        cells = None if force_swap else _changed_cells(before, after)
        if cells is not None and len(cells) <= MAX_CELL_COMMANDS:
            for pattern, row, track, cell in cells:
                self.kernel.set_cell(pattern, row, track, cell)
            return
        self.kernel.swap(compile_song(after, self._sample_frames()))

    def _sample_frames(self) -> dict[str, npt.NDArray[np.float32]]:
        return {sha: audio.frames for sha, audio in self.project.samples.items()}

    # ---- files ------------------------------------------------------------------------

    def save(self, path: Path | None = None) -> Path:
        """Save atomically to ``path`` (or the project's own); raises ProjectError."""
        target = path or self.project.path
        if target is None:
            raise ProjectError("this song has no file yet: use Save as")
        self.project.song = self.song
        save_project(self.project, target)
        self.project.path = target
        self.history.mark_saved()
        return target

    def autosave(self) -> Path:
        """Write the song to its autosave file (not the project); the project stays as it was."""
        return write_autosave(self.project, self.song)

    # ---- audio output -----------------------------------------------------------------

    def open_audio(self, device: str | None = None) -> str:
        """Open ``device`` (None: JACK if running, else the default; on failure the silent
        null output, so the UI still keeps time). Returns the one-line notice."""
        if device != NULL_DEVICE:
            try:
                self.audio_notice = self._open_device(device)
            except AudioError as error:
                self.playback.open(NULL_DEVICE)
                self.audio_notice = f"no audio ({error}): silent, on the clock"
        else:
            self.audio_notice = self.playback.open(NULL_DEVICE)
        self._start_midi_sender()
        return self.audio_notice

    def _start_midi_sender(self) -> None:
        if self._midi_sender is not None:
            self._midi_sender.close()
        self.kernel.set_midi_clock(self.midi_clock)
        self.kernel.follow_clock(self.following_clock)
        self._midi_sender = MidiSender(self.kernel, self.playback.now_s, self._midi_route)

    def _midi_route(self, track: int | None) -> Sequence[MidiSink]:
        """The outputs a message goes to (the MIDI sender's thread): those whose name contains
        the track's midi_output, or every open output."""
        outputs = self.midi_outputs()
        tracks = self.song.tracks
        wanted = tracks[track].midi_output if track is not None and track < len(tracks) else None
        if wanted is None:
            return outputs
        return [o for o in outputs if wanted.lower() in o.port_name.lower()]

    def _open_device(self, device: str | None) -> str:
        # The engine runs at the device's rate: a JACK server at 44.1 kHz is common, and
        # JACK takes no other. Nothing plays yet, so a new kernel is cheap here.
        rate_hz, chosen = choose_rate(PlayOptions(device=device))
        if rate_hz != self.kernel.sample_rate_hz:
            if self._midi_sender is not None:
                self._midi_sender.close()
                self._midi_sender = None
            self.playback.close()
            self.kernel = Kernel(rate_hz)
            self.kernel.load(compile_song(self.song, self._sample_frames()))
            self.playback = Playback(self.kernel)
        return self.playback.open(chosen)

    def close(self) -> None:
        self.kernel.stop()
        if self._midi_sender is not None:
            self._midi_sender.close()  # sends the stop's note-offs first
            self._midi_sender = None
        self.playback.close()

    # ---- transport --------------------------------------------------------------------

    @property
    def state(self) -> PlayState:
        return self._state

    def play_song(self, order: int = 0, row: int = 0) -> None:
        """From an order position, looping at the song's end (or the pattern: loop_pattern)."""
        self.kernel.set_stop_at_end(False)
        self.kernel.set_loop_pattern(self.loop_pattern)
        self.kernel.play_song(order, row)
        self._started("song")

    def play_pattern(self, pattern: int, row: int = 0) -> None:
        self.kernel.set_loop_pattern(True)
        self.kernel.play_pattern(pattern, row)
        self._started("pattern")

    def set_loop_pattern(self, loop: bool) -> None:
        """In song mode: keep repeating the pattern being played."""
        self.loop_pattern = loop
        if self._state == "song":
            self.kernel.set_loop_pattern(loop)

    def stop(self) -> None:
        self.kernel.stop()
        self.cued = None
        self._state = "stopped"
        self._pending.clear()

    def _started(self, state: PlayState) -> None:
        # The state is what this session asked for: the kernel never stops by itself here
        # (songs loop, stop_at_end is off), and a stop it reports may be one asked for before
        # the latest start, drained after it.
        self._state = state
        self.plays += 1

    def set_midi_clock(self, on: bool) -> None:
        """MIDI clock out (24 per beat) with start/stop/continue and song position."""
        self.midi_clock = on
        self.kernel.set_midi_clock(on)

    def cue(self, position: int | None, at_bar: bool = False) -> None:
        """Start this order position (song play) or pattern (pattern play) when the playing
        pattern ends (at_bar: when its bar ends); None cancels. Ignored while stopped."""
        if self._state == "stopped":
            return
        self.cued = position
        self.kernel.cue(CUE_NONE if position is None else position, at_bar)

    # ---- an external clock (tracker.clock_in; any control thread) -------------------------

    def follow_clock(self, on: bool) -> None:
        """Take the tempo from an external MIDI clock's pulses (clock_pulse) or the song."""
        self.following_clock = on
        self.kernel.follow_clock(on)

    def clock_pulse(self, monotonic_s: float) -> None:
        """An external clock pulse that arrived at ``monotonic_s``; ignored before the output
        has called back once (no clock to place it on yet)."""
        anchor = self.kernel.clock()
        if anchor is None:
            return
        anchor_frame, anchor_s = anchor
        frame = anchor_frame + round(
            (self.stream_time_s(monotonic_s) - anchor_s) * self.kernel.sample_rate_hz
        )
        if frame >= 0:
            self.kernel.clock_in(frame)

    def external_play(self, order: int, row: int) -> None:
        """Start the song for an external clock's start or continue: kernel commands only;
        the UI thread calls transport_followed() for the rest."""
        self.kernel.set_stop_at_end(False)
        self.kernel.set_loop_pattern(self.loop_pattern)
        self.kernel.play_song(order, row)

    def external_stop(self) -> None:
        self.kernel.stop()

    def transport_followed(self, state: PlayState) -> None:
        """The UI thread's part of an external start or stop (see external_play)."""
        if state == "stopped":
            self.cued = None
            self._state = "stopped"
            self._pending.clear()
        else:
            self._started(state)

    def set_live_bend(self, semitones: float) -> None:
        """Pitch bend on the notes played live (MIDI keyboard)."""
        self.kernel.set_live_bend(semitones)

    def set_live_mod(self, depth: float) -> None:
        """Mod wheel 0..1 on the notes played live: vibrato up to +-50 cents."""
        self.kernel.set_live_mod(depth)

    def set_tempo(self, bpm: int) -> None:
        self.kernel.set_tempo(bpm)

    def set_speed(self, ticks_per_row: int) -> None:
        self.kernel.set_speed(ticks_per_row)

    def note_on(self, track: int, note: int, instrument: int, velocity: float = 1.0) -> None:
        """A live (jammed) note, heard at the next block whether the song plays or not."""
        self.kernel.note_on(track, note, instrument, velocity)

    def note_off(self, track: int, note: int | None = None) -> None:
        self.kernel.note_off(track, NOTE_ALL if note is None else note)

    # ---- parameters moved live (MIDI controllers; see tracker.midi_learn) ------------

    def set_param(self, param_id: str, value: float) -> None:
        """Send a parameter's value (an id of tracker.model.params) to the kernel now, ahead
        of the song, which catches up through follow_params. Any control thread may call it
        (the MIDI reader does). Raises ParamError for an id the song lacks, QueueFull when the
        kernel takes no commands. What the kernel cannot change live is heard at resync()."""
        _send_param(self.kernel, find_param(self.song, param_id), value)

    def follow_params(self, song: Song, label: str, gesture: object) -> None:
        """Make ``song`` current without compiling it: it differs only in values set_param
        already sent. Edits of one ``gesture`` (a History group) are one undo step."""
        self.history.apply(song, label, group=gesture)

    def resync(self) -> None:
        """Compile the current song and swap it in (a gesture's end, after follow_params)."""
        self._sync(self.song, self.song, force_swap=True)

    # ---- what is heard ----------------------------------------------------------------

    def stream_time_s(self, monotonic_s: float) -> float:
        """A ``time.monotonic()`` reading (a MIDI message's arrival, say) on the output's
        clock, the clock of the kernel events' ``time_s``. The null output's clock is the
        monotonic clock itself; PortAudio's JACK stream counts JACK frames since its start
        (measured: 8586 s apart here), so the two are related by their difference now."""
        if not self.playback.is_open:
            return monotonic_s
        return monotonic_s + (self.playback.now_s() - time.monotonic())

    def poll(self) -> str | None:
        """Drain the kernel's events into ``heard``; returns a one-line notice when the
        audio output was lost (playback stopped, the song untouched) or the kernel faulted."""
        notice = None
        self.rows_drained = []
        try:
            self.playback.check()
        except DeviceLost as lost:
            self._state = "stopped"
            self.open_audio(NULL_DEVICE)
            notice = f"{lost}; now silent (reopen audio to play again)"
        for event in self.kernel.events():
            if isinstance(event, RowReached):
                self._pending.append(event)
                self.rows_drained.append(event)
            elif isinstance(event, LevelsMeasured):
                self._pending_levels.append(event)
            elif isinstance(event, FaultDetected):
                notice = "the audio kernel produced invalid samples: silenced and reset"
        now_s = self.playback.now_s() if self.playback.is_open else time.monotonic()
        while self._pending and self._pending[0].time_s <= now_s:
            reached = self._pending.popleft()
            self.heard.order, self.heard.pattern, self.heard.row = (
                reached.order,
                reached.pattern,
                reached.row,
            )
            position = reached.pattern if self._state == "pattern" else reached.order
            if reached.row == 0 and position == self.cued:
                self.cued = None  # the cue is playing now
        peaks: dict[int, tuple[float, float]] = {}
        while self._pending_levels and self._pending_levels[0].time_s <= now_s:
            level = self._pending_levels.popleft()
            track = -1 if level.track == MASTER else level.track
            left, right = peaks.get(track, (0.0, 0.0))
            peaks[track] = (max(left, level.peak_left), max(right, level.peak_right))
        self.heard.peaks = peaks
        self.heard.state = self._state
        return notice


def _changed_cells(before: Song, after: Song) -> list[tuple[int, int, int, Cell]] | None:
    """The cells that differ when only cells differ (same shape, everything else equal);
    None when anything else changed and the song must be swapped in whole."""
    if before is after:
        return []
    if len(before.patterns) != len(after.patterns):
        return None
    for name in Song.model_fields:
        old, new = getattr(before, name), getattr(after, name)
        if name != "patterns" and old is not new and old != new:
            return None
    changed: list[tuple[int, int, int, Cell]] = []
    for p, (old, new) in enumerate(zip(before.patterns, after.patterns, strict=True)):
        if old is new:
            continue
        if len(old.rows) != len(new.rows) or old.name != new.name:
            return None
        for r, (old_row, new_row) in enumerate(zip(old.rows, new.rows, strict=True)):
            if old_row is new_row:
                continue
            for t, (old_cell, new_cell) in enumerate(zip(old_row, new_row, strict=True)):
                if old_cell != new_cell:
                    changed.append((p, r, t, new_cell))
                    if len(changed) > MAX_CELL_COMMANDS:
                        return None
    return changed


def _send_param(kernel: Kernel, param: Param, value: float) -> None:
    spec = param.spec
    stored = spec.clamp(value)
    index = param.number - 1  # the kernel counts tracks from 0, instruments from 1
    if param.scope == "instrument":
        assert spec.kernel is not None
        kernel.set_instrument_param(param.number, spec.kernel, float(stored))
    elif param.scope == "track":
        if spec.key == "volume":
            kernel.set_track_volume(index, float(stored))
        elif spec.key == "pan":
            kernel.set_track_pan(index, float(stored))
        elif spec.key == "mute":
            kernel.set_track_mute(index, bool(stored))
        else:
            kernel.set_track_solo(index, bool(stored))
    elif spec.key == "tempo":
        kernel.set_tempo(int(stored))
    else:
        kernel.set_master_volume(float(stored))
