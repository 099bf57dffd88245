"""MIDI record mode: where a note played from a keyboard is written, and what is written.

Pure logic over tracker.model, on the UI thread: the App feeds it the rows the kernel
reports (``Timeline``) and the notes the MIDI reader thread saw (tracker.midi_play), and
gets back the cells to write (``Take``). Which track each note of a chord goes to is
decided once, on the reader thread, by ``ChordSpread``, so a chord sounds on the tracks it
is written to.

Choices, after FastTracker II's record mode:
- Record writes even when edit mode is off (FT2's record is a mode of its own, not a kind
  of editing); edit mode alone still writes MIDI notes at the cursor only while stopped.
- While playing, a note goes to the row that was being *heard* when it arrived (every
  time here is on the output's clock, the clock of the kernel's ``time_s``), rounded to
  the nearest row, or to the nearest tick with an ``EDx`` note delay when the track has an
  effect column free (otherwise the nearest row).
- While stopped, notes go to the cursor row and the cursor steps down by the edit step; the
  other notes of a chord (pressed while one is still held) go to the same row.
- Note-offs (optional) are written at the release's row on the note's track, unless that is
  the note's own row; only while playing (stopped, there is no time between press and release).
- A whole recording pass (record on while playing, until playback stops, restarts or record
  is switched off) is one undo step: its edits share a ``group`` (tracker.model.history).
- Mapped controllers moved while playing (tracker.midi_learn) write automation points: each
  move at the row heard when it arrived (the nearest row), into the lane of its parameter in
  the pattern heard, the latest move of a row winning; stopped, they only set the parameter.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal, Protocol

from tracker.model import NOTE_OFF, VOLUME_MAX, Cell, Effect, Song
from tracker.model import edit as ed
from tracker.model.params import ParamError, find_param

Quantise = Literal["row", "tick"]

ROWS_KEPT: Final = 256
"""Rows remembered for placing notes: several seconds at any speed, more than a MIDI
message can take to reach the UI."""
SECONDS_PER_TICK_BPM: Final = 2.5
"""A tick lasts 2.5 / BPM seconds (ProTracker's and FT2's tempo: 125 BPM is 50 ticks/s)."""
SPEED_COMMAND: Final = "F"
"""Fxx: below 0x20 ticks per row, from 0x20 the tempo in BPM; F00 does nothing here."""
TEMPO_FROM: Final = 0x20
EXTENDED_COMMAND: Final = "E"
NOTE_DELAY: Final = 0xD0
"""EDx: the note starts at tick x of its row."""


@dataclass(frozen=True, slots=True)
class RecordSettings:
    """How notes are recorded (the App's toggles)."""

    quantise: Quantise = "row"
    """To the nearest row, or to the nearest tick with an EDx note delay."""
    note_offs: bool = False
    """Write a note-off (===) where a key is released."""
    velocity: bool = True
    """Write the velocity into the volume column (0..64)."""

    def describe(self) -> str:
        """One line for the status bar."""
        where = "nearest row" if self.quantise == "row" else "nearest tick (EDx)"
        offs = "on" if self.note_offs else "off"
        velocity = "on" if self.velocity else "off"
        return f"to the {where}, note-offs {offs}, velocity {velocity}"


class RowMark(Protocol):
    """A row the kernel reached (tracker.engine.RowReached): when it is heard."""

    @property
    def order(self) -> int: ...
    @property
    def pattern(self) -> int: ...
    @property
    def row(self) -> int: ...
    @property
    def time_s(self) -> float: ...


@dataclass(frozen=True, slots=True)
class TimedRow:
    """A row as it played: when it was heard and the speed and tempo it played at."""

    order: int
    pattern: int
    row: int
    time_s: float
    """When the row's first tick is heard, on the output's clock."""
    speed: int
    """Ticks per row."""
    tempo_bpm: int


@dataclass(frozen=True, slots=True)
class Spot:
    """Where a note lands: a row of a pattern (at an order position), and a tick in it."""

    order: int
    pattern: int
    row: int
    tick: int = 0


@dataclass(frozen=True, slots=True)
class CellWrite:
    pattern: int
    row: int
    track: int
    cell: Cell


@dataclass(frozen=True, slots=True)
class ControlMove:
    """A mapped control moved a parameter to ``value`` (as the model holds it) at ``time_s``
    on the output's clock."""

    param: str
    value: float
    time_s: float


@dataclass(frozen=True, slots=True)
class PointWrite:
    """An automation point: ``param``'s lane in ``pattern`` at ``row``, value 0..1."""

    pattern: int
    param: str
    row: int
    value: float


@dataclass(frozen=True, slots=True)
class Take:
    """What one MIDI note means for the song: cells to write, where the cursor goes."""

    writes: tuple[CellWrite, ...] = ()
    cursor_row: int | None = None
    """The cursor's new row (stopped: stepped down by the edit step), or None to leave it."""
    group: object = None
    """The recording pass the writes belong to (one undo step), or None: a step of their own."""
    points: tuple[PointWrite, ...] = ()
    """Automation points to write (controllers moved while playing)."""


@dataclass(frozen=True, slots=True)
class Moment:
    """The App's state when a note is handled."""

    playing: bool
    time_s: float
    """When the note arrived, on the output's clock."""
    loop: bool
    """The pattern repeats (pattern play, or song play with loop on)."""
    cursor_pattern: int
    cursor_row: int
    edit_step: int
    instrument: int
    """The current instrument, 0 for none."""
    plays: int
    """Playback starts so far (tracker.session.Session.plays): a new one is a new pass."""


# ---- time -> row ------------------------------------------------------------------------


class Timeline:
    """The rows of the current play, as the kernel reported them, with the speed and tempo
    each played at: the song's at the start of a play (the kernel resets them there), then
    every Fxx on the rows played, and live tempo or speed changes of the song itself."""

    def __init__(self, keep: int = ROWS_KEPT) -> None:
        self.rows: deque[TimedRow] = deque(maxlen=keep)
        self._plays = -1
        self._speed = self._tempo = 0
        self._song_speed = self._song_tempo = 0

    def add(self, reached: Iterable[RowMark], song: Song, plays: int) -> None:
        """Rows the kernel reached (in the order played), during play number ``plays``."""
        if plays != self._plays:
            self.rows.clear()
            self._plays = plays
            self._speed, self._tempo = song.speed_ticks, song.tempo_bpm
        elif (song.speed_ticks, song.tempo_bpm) != (self._song_speed, self._song_tempo):
            # Changed on the fly (the tempo keys): the kernel was told at once.
            self._speed, self._tempo = song.speed_ticks, song.tempo_bpm
        self._song_speed, self._song_tempo = song.speed_ticks, song.tempo_bpm
        for mark in reached:
            self._speed, self._tempo = speed_and_tempo(song, mark, self._speed, self._tempo)
            self.rows.append(
                TimedRow(mark.order, mark.pattern, mark.row, mark.time_s, self._speed, self._tempo)
            )


def speed_and_tempo(song: Song, mark: RowMark, speed: int, tempo_bpm: int) -> tuple[int, int]:
    """The speed and tempo after the Fxx commands of a row (later tracks win, as in FT2)."""
    if not 0 <= mark.pattern < len(song.patterns):
        return speed, tempo_bpm
    rows = song.patterns[mark.pattern].rows
    if not 0 <= mark.row < len(rows):
        return speed, tempo_bpm
    for cell in rows[mark.row]:
        for effect in cell.effects:
            if effect is None or effect.command != SPEED_COMMAND or effect.param == 0:
                continue
            if effect.param < TEMPO_FROM:
                speed = effect.param
            else:
                tempo_bpm = effect.param
    return speed, tempo_bpm


def quantise(
    rows: Sequence[TimedRow], time_s: float, mode: Quantise, song: Song, loop: bool
) -> Spot | None:
    """The row (and tick) heard at ``time_s``: the nearest row start, or the nearest tick.

    A time past the middle of row r (mode "row"), or nearer to row r+1's start than to
    r's last tick (mode "tick"), goes to the row played next: the next row the kernel
    reported, else the next one in the song (the next order position past a pattern's
    end, or row 0 when the pattern loops). A time before the first row counts as its
    start. None: no row is known, or the song no longer has it.
    """
    if not rows:
        return None
    times = [row.time_s for row in rows]
    index = max(0, bisect_right(times, time_s) - 1)
    row = rows[index]
    following = rows[index + 1] if index + 1 < len(rows) else None
    tick_s = SECONDS_PER_TICK_BPM / row.tempo_bpm
    length_s = following.time_s - row.time_s if following else row.speed * tick_s
    offset_s = max(0.0, time_s - row.time_s)
    here = Spot(row.order, row.pattern, row.row)
    if mode == "tick":
        if offset_s >= length_s - tick_s / 2:
            return _next_spot(song, row, following, loop)
        # Past the row's last tick only in a pattern delay (EEx): EDx cannot go further.
        tick = min(row.speed - 1, math.floor(offset_s / tick_s + 0.5))
        return _checked(song, replace(here, tick=tick))
    if offset_s > length_s / 2:
        return _next_spot(song, row, following, loop)
    return _checked(song, here)


def _next_spot(song: Song, row: TimedRow, following: TimedRow | None, loop: bool) -> Spot | None:
    if following is not None:
        return _checked(song, Spot(following.order, following.pattern, following.row))
    if not 0 <= row.pattern < len(song.patterns):
        return None
    if row.row + 1 < len(song.patterns[row.pattern].rows):
        return Spot(row.order, row.pattern, row.row + 1)
    if loop:
        return Spot(row.order, row.pattern, 0)
    order = row.order + 1
    if order >= len(song.order):
        order = song.restart_order
    return Spot(order, song.order[order], 0)


def _checked(song: Song, spot: Spot) -> Spot | None:
    """The spot, if the song (edited since the row was played) still has it."""
    if 0 <= spot.pattern < len(song.patterns) and 0 <= spot.row < len(
        song.patterns[spot.pattern].rows
    ):
        return spot
    return None


# ---- chords -> tracks -------------------------------------------------------------------


class ChordSpread:
    """FastTracker II's multichannel record: the first held note goes to the cursor's
    track, each further note held at the same time to the next track (wrapping round the
    song's tracks) that holds no note; a released key frees its track.

    Used by tracker.midi_play.MidiPlayer on the MIDI reader thread only.
    """

    def __init__(self) -> None:
        self._held: dict[int, int] = {}
        """note -> its track, in the order pressed."""

    def press(self, note: int, cursor_track: int, tracks: int, spread: bool) -> int:
        """The track for a key pressed now; with ``spread`` off, the cursor's."""
        self._held.pop(note, None)  # the same key again: it moves, as a new press
        track = cursor_track
        if spread and tracks > 0:
            busy = set(self._held.values())
            for step in range(tracks):
                candidate = (cursor_track + step) % tracks
                if candidate not in busy:
                    track = candidate
                    break
            # Every track holds a note: this one doubles up on the cursor's track.
        self._held[note] = track
        return track

    def release(self, note: int) -> int | None:
        """Free the key's track; returns it, or None for a key not held."""
        return self._held.pop(note, None)

    def held(self) -> dict[int, int]:
        """note -> track of the keys held now."""
        return dict(self._held)

    def clear(self) -> None:
        self._held.clear()


# ---- notes -> cells ---------------------------------------------------------------------


def volume_of(velocity: float) -> int:
    """A MIDI velocity (0..1 of 127) in the volume column's range 0..64."""
    return max(0, min(VOLUME_MAX, math.floor(velocity * VOLUME_MAX + 0.5)))


def _is_note_delay(effect: Effect | None) -> bool:
    return (
        effect is not None
        and effect.command == EXTENDED_COMMAND
        and effect.param & 0xF0 == NOTE_DELAY
    )


def write_note(
    cell: Cell,
    note: int,
    instrument: int | None,
    volume: int | None,
    tick: int,
    effect_columns: int,
) -> Cell | None:
    """``cell`` with a note (or NOTE_OFF) starting at ``tick``: an EDx note delay in the
    first free effect column for tick > 0. An EDx already there belonged to the note being
    replaced and goes. None when tick > 0 and no effect column is free.

    ``volume`` None leaves the volume column as it is; other effects are kept.
    """
    effects: list[Effect | None] = list(cell.effects) + [None] * (
        effect_columns - len(cell.effects)
    )
    effects = [None if _is_note_delay(effect) else effect for effect in effects]
    if tick > 0:
        free = next((i for i, effect in enumerate(effects) if effect is None), None)
        if free is None:
            return None
        effects[free] = Effect(command=EXTENDED_COMMAND, param=NOTE_DELAY | tick)
    return Cell(
        note=note,
        instrument=instrument,
        volume=cell.volume if volume is None else volume,
        effects=tuple(effects),
    )


def apply_writes(song: Song, writes: Iterable[CellWrite]) -> Song:
    for write in writes:
        song = ed.set_cell(song, write.pattern, write.row, write.track, write.cell)
    return song


def apply_points(song: Song, points: Iterable[PointWrite]) -> Song:
    """``song`` with the points written; a lane made for one is linear, or step for an
    on/off parameter (mute, solo), which has no values between."""
    for point in points:
        fresh = song.patterns[point.pattern].lane(point.param) is None
        song = ed.set_automation_point(song, point.pattern, point.param, point.row, point.value)
        if fresh and find_param(song, point.param).spec.kind == "bool":
            song = ed.set_lane_interpolation(song, point.pattern, point.param, "step")
    return song


@dataclass(slots=True)
class _Held:
    """A key held while recording: where its note was written (None: while stopped)."""

    track: int
    spot: Spot | None


class Recorder:
    """Record mode's state on the UI thread: on/off, the settings, the rows heard lately
    (``timeline``), the keys held, and the current recording pass."""

    def __init__(self) -> None:
        self.on = False
        self.settings = RecordSettings()
        self.timeline = Timeline()
        self._held: dict[int, _Held] = {}
        """note -> where it was written, for its note-off and for chords while stopped."""
        self._chord_row = 0
        self._pass: object = None
        """The current recording pass: the undo group of its edits."""
        self._pass_plays = -1

    def toggle(self) -> None:
        """Record on or off; off ends the pass (the next one is another undo step)."""
        self.on = not self.on
        self._held.clear()
        self._pass = None

    def press(self, song: Song, note: int, velocity: float, track: int, now: Moment) -> Take:
        """A key pressed: the note's cell (with the current instrument), on ``track``."""
        if not 0 <= track < len(song.tracks):
            return Take()
        instrument = now.instrument or None
        volume = volume_of(velocity) if self.settings.velocity else None
        columns = song.tracks[track].effect_columns
        if not now.playing:
            if not 0 <= now.cursor_pattern < len(song.patterns):
                return Take()
            rows = len(song.patterns[now.cursor_pattern].rows)
            chord = bool(self._held)
            row = self._chord_row if chord else now.cursor_row
            row = min(row, rows - 1)
            self._chord_row = row
            self._held[note] = _Held(track, None)
            old = song.patterns[now.cursor_pattern].rows[row][track]
            cell = write_note(old, note, instrument, volume, 0, columns)
            assert cell is not None  # tick 0 needs no effect column
            # FT2 wraps to the top of the pattern when the step runs off the end.
            cursor_row = None if chord else (row + now.edit_step) % rows
            return Take((CellWrite(now.cursor_pattern, row, track, cell),), cursor_row)
        written = self._place(song, note, instrument, volume, track, now)
        if written is None:
            self._held.pop(note, None)
            return Take()
        spot, cell = written
        self._held[note] = _Held(track, spot)
        return Take((CellWrite(spot.pattern, spot.row, track, cell),), None, self._group(now))

    def release(self, song: Song, note: int, now: Moment) -> Take:
        """A key released: a note-off where it was released, when note-offs are recorded."""
        held = self._held.pop(note, None)
        if held is None or held.spot is None or not now.playing or not self.settings.note_offs:
            return Take()
        if not 0 <= held.track < len(song.tracks):
            return Take()
        written = self._place(song, NOTE_OFF, None, None, held.track, now)
        if written is None:
            return Take()
        spot, cell = written
        if (spot.pattern, spot.row) == (held.spot.pattern, held.spot.row):
            return Take()  # released in the note's own row: the off would overwrite it
        return Take((CellWrite(spot.pattern, spot.row, held.track, cell),), None, self._group(now))

    def automate(self, song: Song, moves: Iterable[ControlMove], now: Moment) -> Take:
        """Controller moves while playing: a point for each row heard, the latest move in a
        row winning. Stopped (or no row heard yet): nothing, the moves only set values."""
        if not now.playing:
            return Take()
        latest: dict[tuple[int, str, int], float] = {}
        for move in moves:
            spot = quantise(self.timeline.rows, move.time_s, "row", song, now.loop)
            if spot is None:
                continue
            try:
                spec = find_param(song, move.param).spec
            except ParamError:
                continue  # removed from the song since it was moved
            latest[(spot.pattern, move.param, spot.row)] = spec.to_normalised(move.value)
        if not latest:
            return Take()
        points = tuple(PointWrite(p, param, row, v) for (p, param, row), v in latest.items())
        return Take(group=self._group(now), points=points)

    def _place(
        self,
        song: Song,
        note: int,
        instrument: int | None,
        volume: int | None,
        track: int,
        now: Moment,
    ) -> tuple[Spot, Cell] | None:
        """Where a note arriving ``now`` goes while playing, and the cell written there."""
        rows = self.timeline.rows
        columns = song.tracks[track].effect_columns
        spot = quantise(rows, now.time_s, self.settings.quantise, song, now.loop)
        if spot is None:
            return None
        cell = write_note(_cell(song, spot, track), note, instrument, volume, spot.tick, columns)
        if cell is None:  # no effect column free for the note delay: the nearest row
            spot = quantise(rows, now.time_s, "row", song, now.loop)
            if spot is None:
                return None
            cell = write_note(_cell(song, spot, track), note, instrument, volume, 0, columns)
        return (spot, cell) if cell is not None else None

    def _group(self, now: Moment) -> object:
        if self._pass is None or self._pass_plays != now.plays:
            self._pass = object()
            self._pass_plays = now.plays
        return self._pass


def _cell(song: Song, spot: Spot, track: int) -> Cell:
    return song.patterns[spot.pattern].rows[spot.row][track]
