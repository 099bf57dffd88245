"""Standard MIDI Files: export a song for a DAW, import one into patterns (through mido).

Export writes a type 1 file: track 0 is the conductor (title, tempo, time signature), then
one MIDI track per tracker track. Row times are not computed here but taken from the kernel
playing the song offline, so jumps, breaks, loops, pattern delays and speed or tempo changes
land exactly where the replayer puts them. The file has one tempo for its whole length (the
song's starting beat, so a DAW's bars line up with the song's while its tempo holds); later
tempo changes are baked into the event times instead of written as tempo events.

Import quantises note starts and ends to rows and gives every voice (notes that overlap on a
MIDI channel) a tracker track of its own. docs/file-format.md ("MIDI files") has the mapping.
"""

from __future__ import annotations

import io
import math
import struct
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

import mido
import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from tracker.engine.compile import compile_song
from tracker.engine.kernel import Kernel, RowReached, SongEnded, Stopped
from tracker.io.errors import ProjectError
from tracker.io.samples import write_atomic
from tracker.model.base import NAME_MAX_CHARS
from tracker.model.errors import summarize
from tracker.model.instrument import Envelope, Oscillator, SynthInstrument
from tracker.model.notes import MIDI_NOTE_OFFSET, NOTE_CUT, NOTE_MAX, NOTE_MIN, NOTE_OFF
from tracker.model.pattern import (
    EMPTY_CELL,
    INSTRUMENT_MAX,
    MAX_TRACKS,
    VOLUME_MAX,
    Cell,
    Effect,
    Pattern,
)
from tracker.model.song import MAX_PATTERNS, Song, Track

SUFFIXES: Final = (".mid", ".midi")
"""File name endings read and written as Standard MIDI Files."""

MIDI_VALUE_MAX: Final = 127  # notes, velocities and programs are 7-bit
DRUM_CHANNEL: Final = 9  # General MIDI's percussion channel ("channel 10")
EXPORT_CHANNELS: Final = tuple(c for c in range(16) if c != DRUM_CHANNEL)
"""Tracker track t plays on EXPORT_CHANNELS[t % 15]: pitched notes must not land on drums."""
DEFAULT_VELOCITY: Final = 100
"""Velocity of a note without a volume column."""

RENDER_RATE_HZ: Final = 48000  # one frame is 0.02 ms: row times are exact for MIDI
RENDER_BLOCK_FRAMES: Final = 4096
EXPORT_MAX_S: Final = 30 * 60.0
"""Songs that run longer (or loop through Bxx forever) are cut here."""
EXPORT_TICKS_PER_BEAT: Final = 960
EXPORT_TICK_MAX_US: Final = 500
"""Slow beats get more ticks per beat so that rounding to ticks moves no event by more."""
EXPORT_BEAT_MAX_US: Final = 16_000_000  # set_tempo holds at most 2**24 - 1 microseconds

MAX_SMF_BYTES: Final = 2 * 1024 * 1024
"""mido keeps about 250 bytes and 6 us per message, and a note-on can take 3 bytes: 2 MiB is
at most ~700k messages (~175 MB, ~6 s). Real songs are well below 1 MiB."""
PATTERN_ROWS: Final = 64
BEAT_TICKS: Final = 24
"""Replayer ticks per beat aimed for on import: speed 6 at 4 rows per beat, the tracker
convention under which tempo_bpm is the beat's BPM."""
_HEADER_BYTES: Final = 14  # "MThd", length, type, track count, division
_CHUNK_HEADER_BYTES: Final = 8
# mido reports malformed data with any of these.
_MIDO_ERRORS: Final = (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, struct.error)

Samples = Mapping[str, npt.NDArray[np.float32]]


class SmfError(ProjectError):
    """A MIDI file could not be read, imported or written; the message is one line."""


# ---- export -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlayedRow:
    """One row as the replayer played it; a row repeated by EEx is reported once per pass."""

    time_s: float
    order: int
    pattern: int
    row: int


@dataclass(frozen=True, slots=True)
class _Note:
    start_s: float
    end_s: float
    note: int  # MIDI
    velocity: int
    program: int


@dataclass(slots=True)
class _TrackNotes:
    """What one tracker track sounds, followed the way the kernel triggers cells."""

    instrument: int | None = None  # the kernel's channel instrument: none until a cell sets it
    sounding: tuple[float, int, int, int] | None = None  # start_s, MIDI note, velocity, program
    notes: list[_Note] = field(default_factory=list)

    def trigger(self, cell: Cell, time_s: float) -> None:
        if cell.instrument is not None:
            self.instrument = cell.instrument
        if cell.note in (NOTE_OFF, NOTE_CUT):
            self.end(time_s)
        elif cell.note is not None and self.instrument is not None:
            # Without an instrument the kernel plays nothing and the old note goes on.
            self.end(time_s)
            velocity = DEFAULT_VELOCITY
            if cell.volume is not None:
                velocity = max(1, round(cell.volume * MIDI_VALUE_MAX / VOLUME_MAX))
            note = min(max(cell.note + MIDI_NOTE_OFFSET, 0), MIDI_VALUE_MAX)
            program = min(self.instrument - 1, MIDI_VALUE_MAX)
            self.sounding = (time_s, note, velocity, program)

    def end(self, time_s: float) -> None:
        if self.sounding is not None:
            start_s, note, velocity, program = self.sounding
            self.notes.append(_Note(start_s, time_s, note, velocity, program))
            self.sounding = None


def played_rows(song: Song, samples: Samples | None = None) -> tuple[list[PlayedRow], float]:
    """Every row the kernel plays, in order, and when the song ends (seconds from its start).

    The song plays once through, as ``tracker render`` does; a song that jumps back ends
    there, one longer than EXPORT_MAX_S is cut.
    """
    try:
        compiled = compile_song(song, samples)
    except KeyError as error:  # a sample instrument whose audio was not passed in
        raise SmfError(f"cannot play the song: {error.args[0]}") from None
    kernel = Kernel(RENDER_RATE_HZ)
    kernel.load(compiled)
    kernel.set_stop_at_end(True)
    kernel.set_metering(False)
    kernel.play_song()
    limit_frames = int(EXPORT_MAX_S * RENDER_RATE_HZ)
    reached: list[RowReached] = []
    end_frame: int | None = None
    done_frames = 0
    while end_frame is None and done_frames < limit_frames:
        kernel.render(RENDER_BLOCK_FRAMES)
        done_frames += RENDER_BLOCK_FRAMES
        for event in kernel.events():
            if isinstance(event, RowReached) and end_frame is None:
                reached.append(event)
            elif isinstance(event, SongEnded | Stopped) and end_frame is None:
                end_frame = event.frame
    if kernel.stats().events_dropped:
        raise SmfError("the kernel dropped row events: the MIDI timing would be wrong")
    end_frame = min(end_frame if end_frame is not None else limit_frames, limit_frames)
    rows = [
        PlayedRow(event.frame / RENDER_RATE_HZ, event.order, event.pattern, event.row)
        for event in reached
        if event.frame < end_frame
    ]
    return rows, end_frame / RENDER_RATE_HZ


def _track_notes(song: Song, rows: Sequence[PlayedRow], end_s: float) -> list[list[_Note]]:
    """The notes each tracker track plays, following the kernel's row and tick effects."""
    tracks = [_TrackNotes() for _ in song.tracks]
    speed_ticks, tempo_bpm = song.speed_ticks, song.tempo_bpm
    repeats = 0
    for played in rows:
        if repeats:  # a pass of an EEx delay: the kernel triggers nothing on it
            repeats -= 1
            continue
        cells = song.patterns[played.pattern].rows[played.row]
        # The kernel reads the row's effects track by track, column by column: the last wins.
        for cell in cells:
            for effect in cell.effects:
                if effect is None:
                    continue
                if effect.command == "F" and effect.param:
                    if effect.param < 0x20:
                        speed_ticks = effect.param
                    else:
                        tempo_bpm = effect.param
                elif effect.command == "E" and effect.param >> 4 == 0xE:
                    repeats = effect.param & 0xF
        tick_s = 2.5 / tempo_bpm  # Fxx on a row already times that row's ticks
        for track, cell in zip(tracks, cells, strict=True):
            _play_cell(track, cell, played.time_s, tick_s, speed_ticks)
    for track in tracks:
        track.end(end_s)
    return [track.notes for track in tracks]


def _play_cell(
    track: _TrackNotes, cell: Cell, row_s: float, tick_s: float, speed_ticks: int
) -> None:
    delay_ticks = 0  # EDx
    cut_ticks: int | None = None  # ECx
    for effect in cell.effects:
        if effect is not None and effect.command == "E":
            if effect.param >> 4 == 0xD:
                delay_ticks = effect.param & 0xF
            elif effect.param >> 4 == 0xC:
                cut_ticks = effect.param & 0xF
    # The kernel steps ticks 0..speed-1 of a row: a later delay or cut never comes. A cut
    # before a delayed note ends the old note; at the same tick it silences the new one.
    actions: list[tuple[float, bool]] = []  # (time_s, is_cut), triggers first at one time
    if delay_ticks < speed_ticks:
        actions.append((row_s + delay_ticks * tick_s, False))
    if cut_ticks is not None and cut_ticks < speed_ticks:
        actions.append((row_s + cut_ticks * tick_s, True))
    for time_s, is_cut in sorted(actions):
        if is_cut:
            track.end(time_s)
        else:
            track.trigger(cell, time_s)


def _export_timing(song: Song) -> tuple[int, int]:
    """(ticks per beat, microseconds per beat) of the file: the song's starting beat."""
    beat_s = song.rows_per_beat * song.speed_ticks * 2.5 / song.tempo_bpm
    tempo_us = min(max(round(beat_s * 1e6), 1), EXPORT_BEAT_MAX_US)
    # Whole multiples of 960 keep the file friendly to DAWs that expect common resolutions.
    multiples = math.ceil(tempo_us / EXPORT_TICK_MAX_US / EXPORT_TICKS_PER_BEAT)
    return EXPORT_TICKS_PER_BEAT * max(1, multiples), tempo_us


def _latin1(text: str) -> str:
    # mido writes meta text as Latin-1; characters outside it become "?".
    return text.encode("latin-1", "replace").decode("latin-1")


def _delta_track(events: Iterable[tuple[int, int, Any]], end_tick: int) -> Any:
    """A mido track from (absolute tick, order at equal ticks, message), ended at end_tick."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, message in sorted(events, key=lambda event: (event[0], event[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(end_tick - now, 0)))
    return track


def song_to_midi(song: Song, samples: Samples | None = None) -> Any:
    """The song as a type 1 ``mido.MidiFile``: a conductor track, then one per tracker track.

    Needs the audio of sample instruments (``samples``, by sha256) only because the kernel
    loads it; the audio does not change the timing.
    """
    rows, end_s = played_rows(song, samples)
    notes = _track_notes(song, rows, end_s)
    ticks_per_beat, tempo_us = _export_timing(song)
    ticks_per_s = ticks_per_beat * 1e6 / tempo_us

    def tick(time_s: float) -> int:
        return round(time_s * ticks_per_s)

    end_tick = tick(end_s)
    midi = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    conductor: list[tuple[int, int, Any]] = []
    if song.title:
        conductor.append((0, 0, mido.MetaMessage("track_name", name=_latin1(song.title))))
    conductor.append((0, 1, mido.MetaMessage("set_tempo", tempo=tempo_us)))
    beats_per_bar, rest = divmod(song.rows_per_bar, song.rows_per_beat)
    if rest == 0 and 1 <= beats_per_bar <= 255:
        conductor.append((0, 2, mido.MetaMessage("time_signature", numerator=beats_per_bar)))
    midi.tracks.append(_delta_track(conductor, end_tick))

    for index, (track, played) in enumerate(zip(song.tracks, notes, strict=True)):
        channel = EXPORT_CHANNELS[index % len(EXPORT_CHANNELS)]
        name = _latin1(track.name or f"track {index + 1}")
        events: list[tuple[int, int, Any]] = [(0, 0, mido.MetaMessage("track_name", name=name))]
        program: int | None = None
        for note in played:
            start, end = tick(note.start_s), tick(note.end_s)
            if end <= start:
                continue  # cut where it started (EC0): nothing is heard
            if note.program != program:
                program = note.program
                message = mido.Message("program_change", channel=channel, program=program)
                events.append((start, 2, message))
            # At one tick: offs first (a repeated pitch must not end its successor), then
            # program changes, then ons.
            on = mido.Message("note_on", channel=channel, note=note.note, velocity=note.velocity)
            events.append((start, 3, on))
            events.append((end, 1, mido.Message("note_off", channel=channel, note=note.note)))
        midi.tracks.append(_delta_track(events, end_tick))
    return midi


def export_smf(song: Song, samples: Samples | None, path: str | Path) -> None:
    """Write the song as a Standard MIDI File (see song_to_midi); SmfError on failure."""
    midi = song_to_midi(song, samples)
    target = Path(path)

    def write(file: IO[bytes]) -> None:
        midi.save(file=file)

    try:
        write_atomic(target, write)
    except ProjectError as error:
        raise SmfError(str(error)) from None


# ---- import -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _HeldNote:
    """A MIDI note quantised to rows: it sounds on rows start_row..end_row-1."""

    start_row: int
    end_row: int
    channel: int
    pitch: int  # MIDI note
    velocity: int
    program: int


def _read_limited(path: Path) -> bytes:
    label = path.name
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SMF_BYTES + 1)
    except OSError as error:
        raise SmfError(f"{label}: cannot read: {error.strerror or error}") from None
    if len(data) > MAX_SMF_BYTES:
        raise SmfError(
            f"{label}: is over {MAX_SMF_BYTES // 2**20} MiB; a MIDI file to import may have at "
            f"most {MAX_SMF_BYTES} bytes"
        )
    return data


def _check_chunks(data: bytes, label: str) -> None:
    """Reject what mido would misread or spend long on: checked from the chunk headers only."""
    if not data:
        raise SmfError(f"{label}: is empty")
    if not data.startswith(b"MThd"):
        raise SmfError(f"{label}: not a MIDI file (it does not start with 'MThd')")
    if len(data) < _HEADER_BYTES:
        raise SmfError(f"{label}: truncated MIDI header ({len(data)} bytes)")
    header_bytes, kind, tracks, division = struct.unpack(">LHHH", data[4:_HEADER_BYTES])
    at = _CHUNK_HEADER_BYTES + header_bytes  # the standard lets later versions add fields
    if header_bytes < _HEADER_BYTES - _CHUNK_HEADER_BYTES or at > len(data):
        raise SmfError(f"{label}: MIDI header declares {header_bytes} bytes, expected 6")
    if kind > 2:
        raise SmfError(f"{label}: unknown MIDI file type {kind}")
    if kind == 2:
        raise SmfError(f"{label}: MIDI file type 2 (independent sequences) is not supported")
    if division & 0x8000:
        raise SmfError(f"{label}: SMPTE time division is not supported, only ticks per beat")
    if division == 0:
        raise SmfError(f"{label}: the header says 0 ticks per beat")
    for index in range(tracks):
        if len(data) - at < _CHUNK_HEADER_BYTES:
            raise SmfError(f"{label}: truncated: the header lists {tracks} tracks, found {index}")
        name, size = struct.unpack(">4sL", data[at : at + _CHUNK_HEADER_BYTES])
        at += _CHUNK_HEADER_BYTES
        if name != b"MTrk":
            raise SmfError(f"{label}: chunk {index + 1} is {name!r}, expected a track (MTrk)")
        if size > len(data) - at:
            raise SmfError(
                f"{label}: track {index + 1} declares {size} bytes, only {len(data) - at} remain "
                "(truncated or corrupt)"
            )
        at += size


def _parse(data: bytes, label: str) -> Any:
    try:
        return mido.MidiFile(file=io.BytesIO(data))
    except _MIDO_ERRORS as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        if isinstance(error, EOFError):
            reason = "a track ends in the middle of a message"
        raise SmfError(f"{label}: not a valid MIDI file: {reason}") from None


def _row_timing(tempo_us: int, rows_per_beat: int) -> tuple[int, int]:
    """(speed_ticks, tempo_bpm) that make one row last 1/rows_per_beat of a MIDI beat."""
    # A row lasts speed * 2.5 / tempo_bpm seconds; a beat of rows_per_beat rows is
    # tempo_us / 1e6 s. Speed near BEAT_TICKS / rows_per_beat keeps tempo_bpm near the BPM.
    speed = min(max(round(BEAT_TICKS / rows_per_beat), 1), 31)
    tempo_bpm = round(speed * 2.5 * rows_per_beat * 1e6 / tempo_us)
    return speed, min(max(tempo_bpm, 32), 255)


@dataclass(slots=True)
class _FileNotes:
    """What a MIDI file holds for the song: notes, tempo changes and names."""

    notes: list[_HeldNote] = field(default_factory=list)
    tempos: dict[int, int] = field(default_factory=dict)  # row -> microseconds per beat
    track_names: list[str] = field(default_factory=list)  # by MIDI track
    channel_tracks: dict[int, int] = field(default_factory=dict)  # MIDI track of first note


def _timeline(midi: Any) -> list[tuple[int, int, Any]]:
    """(absolute tick, MIDI track, message) of every track, in time order (type 0 and 1)."""
    events: list[tuple[int, int, Any]] = []
    for index, track in enumerate(midi.tracks):
        tick = 0
        for message in track:
            tick += int(message.time)
            events.append((tick, index, message))
    events.sort(key=lambda event: event[0])  # stable: tracks in file order at one tick
    return events


def _read_notes(midi: Any, rows_per_beat: int) -> _FileNotes:
    """The file's notes quantised to rows (the nearest row, halves rounding up)."""
    division = int(midi.ticks_per_beat)

    def row_of(tick: int) -> int:
        return (2 * tick * rows_per_beat + division) // (2 * division)

    found = _FileNotes(track_names=[""] * len(midi.tracks))
    programs = [0] * 16
    held: dict[tuple[int, int], deque[tuple[int, int, int]]] = defaultdict(deque)

    def close(channel: int, pitch: int, end_tick: int) -> None:
        start_tick, velocity, program = held[channel, pitch].popleft()  # first on, first off
        start = row_of(start_tick)
        end = max(row_of(end_tick), start + 1)
        found.notes.append(_HeldNote(start, end, channel, pitch, velocity, program))

    tick = 0
    for tick, index, message in _timeline(midi):
        kind = message.type
        if kind == "set_tempo":
            found.tempos[row_of(tick)] = int(message.tempo)
        elif kind == "track_name" and not found.track_names[index]:
            found.track_names[index] = str(message.name).strip()
        elif kind == "program_change":
            programs[message.channel] = int(message.program)
        elif kind == "note_on" and message.velocity > 0:
            channel = int(message.channel)
            found.channel_tracks.setdefault(channel, index)
            held[channel, message.note].append((tick, int(message.velocity), programs[channel]))
        elif kind in ("note_on", "note_off") and held[message.channel, message.note]:
            close(int(message.channel), int(message.note), tick)
    for channel, pitch in list(held):
        while held[channel, pitch]:  # never released: it lasts to the end of the file
            close(channel, pitch, tick)
    return found


def _allocate(
    notes: list[_HeldNote], tracks_max: int, label: str
) -> tuple[list[tuple[int, int]], dict[_HeldNote, int]]:
    """Voices per channel: the (channel, voice) of each track, and each note's track.

    First fit in order of start takes as few voices as the most notes a channel holds at once.
    """
    voices_by_channel: dict[int, list[int]] = defaultdict(list)  # the row each voice frees up
    voice_of: dict[_HeldNote, int] = {}
    voices = 0
    for note in sorted(notes, key=lambda n: (n.channel, n.start_row, n.pitch)):
        free_rows = voices_by_channel[note.channel]
        voice = next((v for v, free in enumerate(free_rows) if free <= note.start_row), None)
        if voice is None:
            voices += 1
            if voices > tracks_max:  # checked as it grows: the search stays short
                raise SmfError(f"{label}: its overlapping notes need more than {tracks_max} tracks")
            voice = len(free_rows)
            free_rows.append(0)
        free_rows[voice] = note.end_row
        voice_of[note] = voice
    layout = [(c, v) for c in sorted(voices_by_channel) for v in range(len(voices_by_channel[c]))]
    track_of = {(c, v): t for t, (c, v) in enumerate(layout)}
    return layout, {note: track_of[note.channel, voice] for note, voice in voice_of.items()}


def _tracks(layout: list[tuple[int, int]], found: _FileNotes, named: bool) -> list[Track]:
    """A track per voice, named after the MIDI track that plays the channel (type 1 files,
    where a track is usually one part), else "ch N"; "<name> 2", "<name> 3" for more voices."""
    tracks: list[Track] = []
    for channel, voice in layout:
        name = found.track_names[found.channel_tracks[channel]] if named else ""
        name = name or f"ch {channel + 1}"
        if voice > 0:
            name = f"{name} {voice + 1}"
        tracks.append(Track(name=name[:NAME_MAX_CHARS]))
    return tracks


def _instrument(channel: int, program: int) -> SynthInstrument:
    name = f"ch {channel + 1} prog {program + 1}"
    if channel == DRUM_CHANNEL:  # General MIDI drums: a short noise hit for every key
        drum_env = Envelope(attack_s=0.001, decay_s=0.12, sustain=0.0, release_s=0.05)
        return SynthInstrument(name=name, osc1=Oscillator(wave="noise"), amp_env=drum_env)
    return SynthInstrument(name=name)


def _tracker_note(pitch: int) -> int:
    note = pitch - MIDI_NOTE_OFFSET
    if note < NOTE_MIN:
        note += MIDI_NOTE_OFFSET  # MIDI 0..11 are below C-0: play them an octave up
    return min(note, NOTE_MAX)


def import_smf(path: str | Path, rows_per_beat: int = 4, tracks_max: int = MAX_TRACKS) -> Song:
    """A new song from a type 0 or 1 MIDI file; SmfError (one line) if it cannot be read.

    Notes are quantised to rows, rows_per_beat to a quarter note. Overlapping notes of one
    channel go to separate tracks (a 3-note chord takes 3), at most tracks_max in all.
    """
    if not 1 <= rows_per_beat <= 32:
        raise ValueError(f"rows_per_beat {rows_per_beat} is outside 1..32")
    if not 1 <= tracks_max <= MAX_TRACKS:
        raise ValueError(f"tracks_max {tracks_max} is outside 1..{MAX_TRACKS}")
    source = Path(path)
    label = source.name
    data = _read_limited(source)
    _check_chunks(data, label)
    midi = _parse(data, label)
    found = _read_notes(midi, rows_per_beat)
    tempos = found.tempos

    # Quantising can stack repeats of one key on one row: keep the first.
    seen: set[tuple[int, int, int]] = set()
    unique: list[_HeldNote] = []
    for note in sorted(found.notes, key=lambda n: (n.start_row, n.channel, n.pitch)):
        if (note.start_row, note.channel, note.pitch) not in seen:
            seen.add((note.start_row, note.channel, note.pitch))
            unique.append(note)
    if not unique:
        raise SmfError(f"{label}: has no notes to import")

    layout, track_of = _allocate(unique, tracks_max, label)
    pairs = sorted({(n.channel, n.program) for n in unique})
    if len(pairs) > INSTRUMENT_MAX:
        raise SmfError(
            f"{label}: uses {len(pairs)} channel and program pairs, a song holds at most "
            f"{INSTRUMENT_MAX} instruments"
        )
    instrument_of = {pair: number for number, pair in enumerate(pairs, start=1)}

    song_rows = max(note.end_row for note in unique)
    bar_rows = min(4 * rows_per_beat, PATTERN_ROWS)
    song_rows = -(-song_rows // bar_rows) * bar_rows  # whole bars
    pattern_count = -(-song_rows // PATTERN_ROWS)
    if pattern_count > MAX_PATTERNS:
        raise SmfError(
            f"{label}: needs {pattern_count} patterns of {PATTERN_ROWS} rows at "
            f"{rows_per_beat} rows per beat, a song holds at most {MAX_PATTERNS}"
        )

    grid = [[EMPTY_CELL] * len(layout) for _ in range(song_rows)]
    for note in unique:  # by start: a note that follows at once replaces the note-off
        track = track_of[note]
        volume = round(note.velocity * VOLUME_MAX / MIDI_VALUE_MAX)
        grid[note.start_row][track] = Cell(
            note=_tracker_note(note.pitch),
            instrument=instrument_of[note.channel, note.program],
            volume=volume if volume < VOLUME_MAX else None,  # the instrument sets 64 anyway
        )
        if note.end_row < song_rows:
            grid[note.end_row][track] = Cell(note=NOTE_OFF)

    speed, tempo_bpm = _row_timing(tempos.get(0, 500_000), rows_per_beat)
    current = tempo_bpm
    for row in sorted(tempos):  # later tempo changes become Fxx on the first track
        _, bpm = _row_timing(tempos[row], rows_per_beat)
        if 0 < row < song_rows and bpm != current:
            cell = grid[row][0]
            grid[row][0] = Cell(
                note=cell.note,
                instrument=cell.instrument,
                volume=cell.volume,
                effects=(Effect(command="F", param=bpm),),
            )
            current = bpm

    patterns = [
        Pattern(rows=grid[start : start + PATTERN_ROWS])
        for start in range(0, song_rows, PATTERN_ROWS)
    ]
    tracks = _tracks(layout, found, midi.type == 1)
    try:
        return Song.model_validate(
            {
                "title": (found.track_names[0] or source.stem)[:NAME_MAX_CHARS],
                "tempo_bpm": tempo_bpm,
                "speed_ticks": speed,
                "rows_per_beat": rows_per_beat,
                "rows_per_bar": 4 * rows_per_beat,
                "tracks": tracks,
                "instruments": [_instrument(c, p) for c, p in pairs],
                "patterns": patterns,
                "order": list(range(len(patterns))),
            }
        )
    except ValidationError as error:  # a bug here, not in the file: still one line
        raise SmfError(f"{label}: imported song is invalid: {summarize(error)}") from None
