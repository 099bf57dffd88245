"""Every edit the UI makes to a song, as a pure function from one Song to a new Song.

The input song is never changed. The new song shares every pattern, row list, track and
instrument the edit did not touch, so the undo history (tracker.model.history) can keep whole
songs cheaply. New songs and patterns are built with ``model_copy``, which skips validation,
so each edit keeps the Song invariants itself: one cell per track on every row, no cell with
more effect columns than its track or with a missing instrument, order entries that name a
pattern, and restart_order inside the order. An edit that changes nothing returns the song it
was given, so the history can tell that nothing happened.

An edit that cannot be made raises EditError with a one-line message for the status bar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel, ValidationError

from tracker.model.errors import EditError as EditError  # defined there for params.py
from tracker.model.errors import summarize
from tracker.model.instrument import Instrument
from tracker.model.notes import NOTE_MAX, NOTE_MIN
from tracker.model.params import ParamError, find_param, renumber
from tracker.model.pattern import (
    EMPTY_CELL,
    INSTRUMENT_MAX,
    MAX_EFFECT_COLUMNS,
    MAX_LANES,
    MAX_ROWS,
    MAX_TRACKS,
    AutomationLane,
    Cell,
    Effect,
    Pattern,
)
from tracker.model.song import MAX_MIDI_MAPPINGS, MAX_ORDER, MAX_PATTERNS, MidiMapping, Song, Track

# The columns of one track's cell, left to right as the pattern grid shows them.
NOTE: Final = 0
INSTRUMENT: Final = 1
VOLUME: Final = 2
EFFECT0: Final = 3  # effect column i is EFFECT0 + i


def column_count(effect_columns: int) -> int:
    """Columns of a track with that many effect columns: note, instrument, volume, effects."""
    return EFFECT0 + effect_columns


_COLUMN_LIMIT: Final = column_count(MAX_EFFECT_COLUMNS)

# Fields a song-settings edit may change; tracks, patterns and so on have edits of their own.
_SONG_SETTINGS: Final = frozenset(
    {
        "title",
        "author",
        "tempo_bpm",
        "speed_ticks",
        "rows_per_beat",
        "rows_per_bar",
        "master_volume",
        "interpolation",
        "restart_order",
    }
)

FieldValue = int | Effect | None  # what one column of a cell holds
# (row, track, cell) -> the new cell, or `cell` itself when it does not change
CellEdit = Callable[[int, int, Cell], Cell]


@dataclass(frozen=True, slots=True)
class Block:
    """A rectangle of one pattern: rows first_row..last_row and the columns from
    (first_track, first_column) to (last_track, last_column), inclusive, in reading order
    (all columns of the tracks strictly between). Like OpenMPT's selection.

    Columns past a track's last effect column select nothing, so a block may name column
    ``column_count(MAX_EFFECT_COLUMNS) - 1`` to reach the end of any track.
    """

    pattern: int
    first_row: int
    last_row: int
    first_track: int
    first_column: int
    last_track: int
    last_column: int

    @classmethod
    def between(
        cls,
        pattern: int,
        row_a: int,
        track_a: int,
        column_a: int,
        row_b: int,
        track_b: int,
        column_b: int,
    ) -> Block:
        """The block with corners at two cursor positions, given in either order."""
        first = min((track_a, column_a), (track_b, column_b))
        last = max((track_a, column_a), (track_b, column_b))
        return cls(pattern, min(row_a, row_b), max(row_a, row_b), *first, *last)

    def covers(self, track: int, column: int) -> bool:
        first = (self.first_track, self.first_column)
        return first <= (track, column) <= (self.last_track, self.last_column)

    def rows(self) -> range:
        return range(self.first_row, self.last_row + 1)

    def tracks(self) -> range:
        return range(self.first_track, self.last_track + 1)


@dataclass(frozen=True, slots=True)
class Clip:
    """Copied cells: cells[row][track_offset] plus which columns of each were selected
    (columns[track_offset] is a frozenset of column numbers).

    Columns that were not selected are empty in ``cells``, so a clip never carries data the
    user did not copy.
    """

    cells: tuple[tuple[Cell, ...], ...]
    columns: tuple[frozenset[int], ...]

    def __post_init__(self) -> None:
        if any(not 0 <= c < _COLUMN_LIMIT for selected in self.columns for c in selected):
            raise ValueError(f"clip columns must be 0..{_COLUMN_LIMIT - 1}")
        for row in self.cells:
            if len(row) != len(self.columns):
                raise ValueError(f"a clip row has {len(row)} cells for {len(self.columns)} tracks")


# --- cells -----------------------------------------------------------------------------------


def _field(cell: Cell, column: int) -> FieldValue:
    if column == NOTE:
        return cell.note
    if column == INSTRUMENT:
        return cell.instrument
    if column == VOLUME:
        return cell.volume
    index = column - EFFECT0
    return cell.effects[index] if index < len(cell.effects) else None


def _with_fields(cell: Cell, fields: Mapping[int, FieldValue]) -> Cell:
    """``cell`` with some columns replaced; ``cell`` itself when no value differs."""
    numbers: list[int | None] = [cell.note, cell.instrument, cell.volume]
    effects: list[Effect | None] = list(cell.effects)
    for column, value in fields.items():
        if column >= EFFECT0:
            assert value is None or isinstance(value, Effect)
            index = column - EFFECT0
            effects += [None] * (index + 1 - len(effects))
            effects[index] = value
        else:
            assert not isinstance(value, Effect)
            numbers[column] = value
    while effects and effects[-1] is None:  # Cell's own spelling: no trailing empty columns
        effects.pop()
    if [*numbers, *effects] == [cell.note, cell.instrument, cell.volume, *cell.effects]:
        return cell
    note, instrument, volume = numbers
    return Cell(note=note, instrument=instrument, volume=volume, effects=tuple(effects))


def _check_cell_fits(song: Song, track: int, cell: Cell, where: str) -> None:
    columns = song.tracks[track].effect_columns
    if len(cell.effects) > columns:
        raise EditError(f"{where}: {len(cell.effects)} effect columns, track {track} has {columns}")
    if cell.instrument is not None and cell.instrument > len(song.instruments):
        raise EditError(
            f"{where}: instrument {cell.instrument:02X} does not exist "
            f"(the song has {len(song.instruments)})"
        )


# --- checks and rebuilding -------------------------------------------------------------------


def _pattern(song: Song, pattern: int) -> Pattern:
    if not 0 <= pattern < len(song.patterns):
        raise EditError(f"pattern {pattern} is outside 0..{len(song.patterns) - 1}")
    return song.patterns[pattern]


def _check_row(pattern: Pattern, row: int) -> None:
    if not 0 <= row < len(pattern.rows):
        raise EditError(f"row {row} is outside 0..{len(pattern.rows) - 1}")


def _check_track(song: Song, track: int) -> None:
    if not 0 <= track < len(song.tracks):
        raise EditError(f"track {track} is outside 0..{len(song.tracks) - 1}")


def _check_position(song: Song, position: int) -> None:
    if not 0 <= position < len(song.order):
        raise EditError(f"order position {position} is outside 0..{len(song.order) - 1}")


def _check_instrument(song: Song, number: int) -> None:
    if not 1 <= number <= len(song.instruments):
        if not song.instruments:
            raise EditError("the song has no instruments")
        raise EditError(f"instrument {number} is outside 1..{len(song.instruments)}")


def _check_block(song: Song, block: Block) -> Pattern:
    pattern = _pattern(song, block.pattern)
    if block.first_row > block.last_row:
        raise EditError(f"block rows {block.first_row}..{block.last_row} are upside down")
    _check_row(pattern, block.first_row)
    _check_row(pattern, block.last_row)
    _check_track(song, block.first_track)
    _check_track(song, block.last_track)
    for column in (block.first_column, block.last_column):
        if not 0 <= column < _COLUMN_LIMIT:
            raise EditError(f"column {column} is outside 0..{_COLUMN_LIMIT - 1}")
    if (block.first_track, block.first_column) > (block.last_track, block.last_column):
        raise EditError("the block ends before it starts")
    return pattern


def _block_columns(song: Song, block: Block, track: int) -> list[int]:
    """The columns of ``track`` that the block selects and the track has."""
    count = column_count(song.tracks[track].effect_columns)
    return [column for column in range(count) if block.covers(track, column)]


def _edit_cells(
    pattern: Pattern, rows: Iterable[int], tracks: Iterable[int], edit: CellEdit
) -> Pattern:
    """``pattern`` with ``edit`` applied to each cell in rows x tracks.

    Only rows where a cell changed are copied; ``pattern`` itself comes back if none did.
    """
    columns = list(tracks)
    new_rows: list[list[Cell]] | None = None
    for r in rows:
        row = pattern.rows[r]
        new_row: list[Cell] | None = None
        for t in columns:
            cell = row[t]
            new_cell = edit(r, t, cell)
            if new_cell is not cell:
                if new_row is None:
                    new_row = list(row)
                new_row[t] = new_cell
        if new_row is not None:
            if new_rows is None:
                new_rows = list(pattern.rows)
            new_rows[r] = new_row
    return pattern if new_rows is None else pattern.model_copy(update={"rows": new_rows})


def _with_pattern(song: Song, index: int, pattern: Pattern) -> Song:
    if pattern is song.patterns[index]:
        return song
    patterns = list(song.patterns)
    patterns[index] = pattern
    return song.model_copy(update={"patterns": patterns})


def _with_patterns(song: Song, patterns: list[Pattern]) -> Song:
    if all(new is old for new, old in zip(patterns, song.patterns, strict=True)):
        return song
    return song.model_copy(update={"patterns": patterns})


def _edit_block(song: Song, block: Block, edit: CellEdit) -> Song:
    pattern = _check_block(song, block)
    return _with_pattern(
        song, block.pattern, _edit_cells(pattern, block.rows(), block.tracks(), edit)
    )


def _validated(model: BaseModel, changes: Mapping[str, Any]) -> Any:
    """A new model of the same type with ``changes``, validated; EditError if one is bad.

    Unchanged nested models are passed through as they are (pydantic does not revalidate
    instances), so they stay shared with ``model``.
    """
    try:
        return type(model).model_validate({**dict(model), **changes})
    except ValidationError as error:
        raise EditError(summarize(error)) from None


# --- cells and rows --------------------------------------------------------------------------


def set_cell(song: Song, pattern: int, row: int, track: int, cell: Cell) -> Song:
    """The song with one cell replaced."""
    edited = _pattern(song, pattern)
    _check_row(edited, row)
    _check_track(song, track)
    _check_cell_fits(song, track, cell, f"row {row} track {track}")
    if edited.rows[row][track] == cell:
        return song
    return _with_pattern(song, pattern, edited.with_cell(row, track, cell))


def _shift_track(pattern: Pattern, track: int, cells: list[Cell]) -> Pattern:
    return _edit_cells(pattern, range(len(pattern.rows)), [track], lambda r, _t, _c: cells[r])


def insert_row(song: Song, pattern: int, row: int, track: int | None = None) -> Song:
    """An empty row at ``row`` in one track (or all when None); the rows below move down and
    the last row falls off the end, as in FT2."""
    edited = _pattern(song, pattern)
    _check_row(edited, row)
    if track is None:
        rows = [*edited.rows[:row], [EMPTY_CELL] * len(song.tracks), *edited.rows[row:-1]]
        lanes = _shifted_lanes(edited, row, 1)
        return _with_pattern(
            song, pattern, edited.model_copy(update={"rows": rows, "automation": lanes})
        )
    _check_track(song, track)
    cells = [r[track] for r in edited.rows]
    cells = [*cells[:row], EMPTY_CELL, *cells[row:-1]]
    return _with_pattern(song, pattern, _shift_track(edited, track, cells))


def delete_row(song: Song, pattern: int, row: int, track: int | None = None) -> Song:
    """Remove ``row`` from one track (or all when None); the rows below move up and an empty
    row enters at the end."""
    edited = _pattern(song, pattern)
    _check_row(edited, row)
    if track is None:
        rows = [*edited.rows[:row], *edited.rows[row + 1 :], [EMPTY_CELL] * len(song.tracks)]
        lanes = _shifted_lanes(edited, row, -1)
        return _with_pattern(
            song, pattern, edited.model_copy(update={"rows": rows, "automation": lanes})
        )
    _check_track(song, track)
    cells = [r[track] for r in edited.rows]
    cells = [*cells[:row], *cells[row + 1 :], EMPTY_CELL]
    return _with_pattern(song, pattern, _shift_track(edited, track, cells))


def _shifted_lanes(pattern: Pattern, row: int, by: int) -> list[AutomationLane]:
    """The lanes when a row is inserted (by 1) or deleted (by -1) at ``row`` across all
    tracks: points below move with their rows; a deleted row's point, and a point pushed off
    the end, go."""
    lanes = []
    for lane in pattern.automation:
        points = []
        for point in lane.points:
            if point.row < row:
                points.append(point)
            elif by < 0 and point.row == row:
                continue
            elif 0 <= point.row + by < len(pattern.rows):
                points.append(point.model_copy(update={"row": point.row + by}))
        lanes.append(lane.model_copy(update={"points": tuple(points)}))
    return lanes


# --- blocks ----------------------------------------------------------------------------------


def clear(song: Song, block: Block) -> Song:
    """Empty the block's selected columns; the other columns of its cells stay."""
    _check_block(song, block)
    columns = {track: _block_columns(song, block, track) for track in block.tracks()}

    def edit(_row: int, track: int, cell: Cell) -> Cell:
        return _with_fields(cell, dict.fromkeys(columns[track]))

    return _edit_block(song, block, edit)


def copy(song: Song, block: Block) -> Clip:
    """The block's selected columns as a clip (other columns left empty in it)."""
    pattern = _check_block(song, block)
    columns = [_block_columns(song, block, track) for track in block.tracks()]
    cells = tuple(
        tuple(
            _with_fields(EMPTY_CELL, {c: _field(pattern.rows[r][t], c) for c in columns[k]})
            for k, t in enumerate(block.tracks())
        )
        for r in block.rows()
    )
    return Clip(cells=cells, columns=tuple(frozenset(c) for c in columns))


def cut(song: Song, block: Block) -> tuple[Song, Clip]:
    """Copy the block, then clear it."""
    return clear(song, block), copy(song, block)


def paste(song: Song, pattern: int, row: int, track: int, clip: Clip, mix: bool = False) -> Song:
    """Write the clip's selected columns with its top-left cell at (row, track).

    Empty values in the clip overwrite too, unless ``mix``: then only columns that are empty
    in the pattern are filled (FT2's and OpenMPT's mix-paste). Whatever falls past the last
    row or track, or past a track's effect columns, is dropped.
    """
    edited = _pattern(song, pattern)
    _check_row(edited, row)
    _check_track(song, track)
    width = min(len(clip.columns), len(song.tracks) - track)
    height = min(len(clip.cells), len(edited.rows) - row)
    columns = [
        sorted(
            c for c in clip.columns[k] if c < column_count(song.tracks[track + k].effect_columns)
        )
        for k in range(width)
    ]

    def edit(r: int, t: int, cell: Cell) -> Cell:
        source = clip.cells[r - row][t - track]
        fields = {
            c: _field(source, c) for c in columns[t - track] if not mix or _field(cell, c) is None
        }
        pasted = _with_fields(cell, fields)
        _check_cell_fits(song, t, pasted, "the clip")
        return pasted

    rows = range(row, row + height)
    return _with_pattern(
        song, pattern, _edit_cells(edited, rows, range(track, track + width), edit)
    )


def transpose(song: Song, block: Block, semitones: int) -> Song:
    """Move the notes in the block's NOTE columns by ``semitones``.

    A note that would leave NOTE_MIN..NOTE_MAX stays where it is (FT2); note off and note cut
    are not pitches and stay too.
    """
    _check_block(song, block)
    tracks = {t for t in block.tracks() if block.covers(t, NOTE)}

    def edit(_row: int, track: int, cell: Cell) -> Cell:
        note = cell.note
        if track not in tracks or note is None or not NOTE_MIN <= note <= NOTE_MAX:
            return cell
        moved = note + semitones
        return _with_fields(cell, {NOTE: moved}) if NOTE_MIN <= moved <= NOTE_MAX else cell

    return _edit_block(song, block, edit)


def set_instrument(song: Song, block: Block, number: int | None) -> Song:
    """Give every note in the block instrument ``number`` (None removes the number).

    A track takes part when the block covers its NOTE or INSTRUMENT column. Cells with a
    pitch take the number, so notes entered without one get it too, and so do cells that
    already have a number without a note (an instrument alone resets the volume in FT2, so
    it should follow the notes around it). Note off, note cut and empty cells are left alone.
    Schism's Alt-S renumbers only cells that already have an instrument.
    """
    _check_block(song, block)
    if number is not None:
        _check_instrument(song, number)
    tracks = {t for t in block.tracks() if block.covers(t, NOTE) or block.covers(t, INSTRUMENT)}

    def edit(_row: int, track: int, cell: Cell) -> Cell:
        if track not in tracks:
            return cell
        has_pitch = cell.note is not None and NOTE_MIN <= cell.note <= NOTE_MAX
        if not has_pitch and cell.instrument is None:
            return cell
        return _with_fields(cell, {INSTRUMENT: number})

    return _edit_block(song, block, edit)


def _ramp(start: int, end: int, step: int, steps: int) -> int:
    """start + (end - start) * step / steps, rounded half up, in integers."""
    return (2 * (start * steps + (end - start) * step) + steps) // (2 * steps)


def interpolate(song: Song, block: Block) -> Song:
    """Ramp each selected VOLUME and effect column linearly from the block's first row to its
    last row, overwriting the rows between.

    A column whose value is empty on the first or last row is left alone. Effects keep the
    first row's command and ramp the parameter (OpenMPT). NOTE and INSTRUMENT are not ramped.
    """
    pattern = _check_block(song, block)
    first, last = block.first_row, block.last_row
    steps = last - first
    ends: dict[int, list[tuple[int, FieldValue, FieldValue]]] = {}  # track -> (column, a, b)
    for track in block.tracks():
        for column in _block_columns(song, block, track):
            if column in (NOTE, INSTRUMENT):
                continue
            start = _field(pattern.rows[first][track], column)
            end = _field(pattern.rows[last][track], column)
            if start is not None and end is not None:
                ends.setdefault(track, []).append((column, start, end))

    def value(start: FieldValue, end: FieldValue, step: int) -> FieldValue:
        if isinstance(start, Effect) and isinstance(end, Effect):
            return Effect(command=start.command, param=_ramp(start.param, end.param, step, steps))
        assert isinstance(start, int) and isinstance(end, int)
        return _ramp(start, end, step, steps)

    def edit(row: int, track: int, cell: Cell) -> Cell:
        step = row - first
        return _with_fields(cell, {c: value(a, b, step) for c, a, b in ends[track]})

    between = range(first + 1, last)
    return _with_pattern(song, block.pattern, _edit_cells(pattern, between, list(ends), edit))


def _move_rows(song: Song, block: Block, source_row: Callable[[int], int | None]) -> Song:
    """Each selected column of block row i takes the value from block row source_row(i),
    or becomes empty where that is None (rows counted from the block's top)."""
    pattern = _check_block(song, block)
    columns = {track: _block_columns(song, block, track) for track in block.tracks()}
    height = len(block.rows())

    def edit(row: int, track: int, cell: Cell) -> Cell:
        source = source_row(row - block.first_row)
        if source is None or source >= height:
            return _with_fields(cell, dict.fromkeys(columns[track]))
        old = pattern.rows[block.first_row + source][track]
        return _with_fields(cell, {c: _field(old, c) for c in columns[track]})

    return _edit_block(song, block, edit)


def expand(song: Song, block: Block) -> Song:
    """Spread the block's rows out twice as far (row i goes to 2i), with empty rows between;
    what would land past the block's last row is lost."""
    return _move_rows(song, block, lambda i: None if i % 2 else i // 2)


def shrink(song: Song, block: Block) -> Song:
    """Keep every second row of the block (row 2i goes to i), packed to the top; the rest of
    the block is emptied."""
    return _move_rows(song, block, lambda i: 2 * i)


# --- order list ------------------------------------------------------------------------------


def _with_order(song: Song, order: list[int], restart_order: int) -> Song:
    return song.model_copy(update={"order": order, "restart_order": restart_order})


def insert_order(song: Song, position: int, pattern: int) -> Song:
    """Play ``pattern`` at ``position``, before the entry there (len(order) appends).

    restart_order keeps pointing at the entry it pointed at, so the loop does not move.
    """
    if not 0 <= position <= len(song.order):
        raise EditError(f"order position {position} is outside 0..{len(song.order)}")
    _pattern(song, pattern)
    if len(song.order) >= MAX_ORDER:
        raise EditError(f"the order list is full ({MAX_ORDER} entries)")
    order = [*song.order[:position], pattern, *song.order[position:]]
    restart = song.restart_order + 1 if position <= song.restart_order else song.restart_order
    return _with_order(song, order, restart)


def delete_order(song: Song, position: int) -> Song:
    """Remove the entry at ``position``; a song always keeps one entry.

    restart_order keeps pointing at its entry; when that one goes, at the entry that takes
    its place (or the new last entry).
    """
    _check_position(song, position)
    if len(song.order) == 1:
        raise EditError("cannot delete the only order entry")
    order = [*song.order[:position], *song.order[position + 1 :]]
    restart = song.restart_order - 1 if position < song.restart_order else song.restart_order
    return _with_order(song, order, min(restart, len(order) - 1))


def duplicate_order(song: Song, position: int) -> Song:
    """Repeat the entry at ``position`` right after itself."""
    _check_position(song, position)
    return insert_order(song, position + 1, song.order[position])


def move_order(song: Song, position: int, delta: int) -> Song:
    """Move the entry at ``position`` by ``delta`` places (-1 up, +1 down), stopping at the
    ends of the list. restart_order follows the entry it pointed at."""
    _check_position(song, position)
    target = max(0, min(len(song.order) - 1, position + delta))
    if target == position:
        return song
    positions = list(range(len(song.order)))
    positions.insert(target, positions.pop(position))  # positions[new] == old
    order = [song.order[old] for old in positions]
    return _with_order(song, order, positions.index(song.restart_order))


def set_order(song: Song, position: int, pattern: int) -> Song:
    """Play ``pattern`` at ``position`` instead of the pattern there."""
    _check_position(song, position)
    _pattern(song, pattern)
    if song.order[position] == pattern:
        return song
    order = list(song.order)
    order[position] = pattern
    return _with_order(song, order, song.restart_order)


# --- patterns --------------------------------------------------------------------------------


def _check_rows(rows: int) -> None:
    if not 1 <= rows <= MAX_ROWS:
        raise EditError(f"a pattern has 1..{MAX_ROWS} rows, not {rows}")


def _append_pattern(song: Song, pattern: Pattern) -> tuple[Song, int]:
    if len(song.patterns) >= MAX_PATTERNS:
        raise EditError(f"the song already has {MAX_PATTERNS} patterns")
    return song.model_copy(update={"patterns": [*song.patterns, pattern]}), len(song.patterns)


def new_pattern(song: Song, rows: int) -> tuple[Song, int]:
    """An empty pattern of ``rows`` rows appended to the song; returns its index too.

    The order list is not changed.
    """
    _check_rows(rows)
    return _append_pattern(song, Pattern.empty(rows, len(song.tracks)))


def clone_pattern(song: Song, pattern: int) -> tuple[Song, int]:
    """A copy of ``pattern`` appended to the song; returns its index too."""
    original = _pattern(song, pattern)
    return _append_pattern(song, original.model_copy(update={"rows": list(original.rows)}))


def delete_unused_patterns(song: Song) -> Song:
    """Drop the patterns no order entry plays and renumber the order to match.

    The order always has an entry, so at least one pattern is kept.
    """
    used = sorted(set(song.order))
    if len(used) == len(song.patterns):
        return song
    new_index = {old: new for new, old in enumerate(used)}
    return song.model_copy(
        update={
            "patterns": [song.patterns[old] for old in used],
            "order": [new_index[old] for old in song.order],
        }
    )


def set_pattern_length(song: Song, pattern: int, rows: int) -> Song:
    """Cut ``pattern`` to ``rows`` rows, or pad it with empty rows at the end."""
    edited = _pattern(song, pattern)
    _check_rows(rows)
    kept = edited.rows[:rows]
    padding = [[EMPTY_CELL] * len(song.tracks) for _ in range(rows - len(kept))]
    if len(kept) == len(edited.rows) and not padding:
        return song
    lanes = [  # points past the new end go with the rows
        lane.model_copy(update={"points": tuple(p for p in lane.points if p.row < rows)})
        for lane in edited.automation
    ]
    update = {"rows": [*kept, *padding], "automation": lanes}
    return _with_pattern(song, pattern, edited.model_copy(update=update))


# --- instruments -----------------------------------------------------------------------------


def _with_instruments(song: Song, instruments: list[Instrument]) -> Song:
    new = song.model_copy(update={"instruments": instruments})
    try:
        # The one rule about instruments that spans the list: a sample hash names one sound.
        new._check_sample_refs()
    except ValueError as error:
        raise EditError(str(error)) from None
    return new


def add_instrument(song: Song, instrument: Instrument) -> tuple[Song, int]:
    """Append ``instrument``; returns the number cells use for it (1-based) too."""
    if len(song.instruments) >= INSTRUMENT_MAX:
        raise EditError(f"the song already has {INSTRUMENT_MAX} instruments")
    return _with_instruments(song, [*song.instruments, instrument]), len(song.instruments) + 1


def replace_instrument(song: Song, number: int, instrument: Instrument) -> Song:
    """Put ``instrument`` in place of instrument ``number``; cells keep their numbers."""
    _check_instrument(song, number)
    instruments = list(song.instruments)
    instruments[number - 1] = instrument
    return _without_dangling_mappings(_with_instruments(song, instruments))


def clone_instrument(song: Song, number: int) -> tuple[Song, int]:
    """Append a copy of instrument ``number``; returns the copy's number too."""
    _check_instrument(song, number)
    # Instruments are not frozen: a deep copy keeps an in-place edit of one from reaching both.
    return add_instrument(song, song.instrument(number).model_copy(deep=True))


def delete_instrument(song: Song, number: int) -> Song:
    """Remove instrument ``number``; the ones after it move down one and every cell is
    renumbered to match. Cells that used the deleted one lose their instrument number but
    keep their note, which would otherwise play whichever instrument moved into its place."""
    _check_instrument(song, number)

    def edit(_row: int, _track: int, cell: Cell) -> Cell:
        if cell.instrument is None or cell.instrument < number:
            return cell
        renumbered = None if cell.instrument == number else cell.instrument - 1
        return _with_fields(cell, {INSTRUMENT: renumbered})

    instruments = [*song.instruments[: number - 1], *song.instruments[number:]]
    tracks = range(len(song.tracks))
    patterns = [_edit_cells(p, range(len(p.rows)), tracks, edit) for p in song.patterns]
    patterns = _renumbered_lanes(patterns, "instrument", removed=number)
    mappings = _renumbered_mappings(song, "instrument", removed=number)
    return _with_patterns(song, patterns).model_copy(
        update={"instruments": instruments, "midi_mappings": mappings}
    )


def rename_instrument(song: Song, number: int, name: str) -> Song:
    """Give instrument ``number`` a new name (at most NAME_MAX_CHARS characters)."""
    _check_instrument(song, number)
    instrument = song.instrument(number)
    if instrument.name == name:
        return song
    return replace_instrument(song, number, _validated(instrument, {"name": name}))


# --- tracks and song settings ----------------------------------------------------------------


def update_track(song: Song, track: int, **changes: Any) -> Song:
    """Change a track's settings (name, volume, pan, mute, solo, effect_columns).

    Fewer effect columns drop the columns past the new count from every cell of the track.
    """
    _check_track(song, track)
    old: Track = song.tracks[track]
    new: Track = _validated(old, changes)
    if new == old:
        return song
    tracks = list(song.tracks)
    tracks[track] = new
    result = song.model_copy(update={"tracks": tracks})
    columns = new.effect_columns
    if columns >= old.effect_columns:
        return result

    def edit(_row: int, _track: int, cell: Cell) -> Cell:
        dropped = range(EFFECT0 + columns, EFFECT0 + len(cell.effects))
        return _with_fields(cell, dict.fromkeys(dropped))

    patterns = [_edit_cells(p, range(len(p.rows)), [track], edit) for p in song.patterns]
    return _with_patterns(result, patterns)


def update_song(song: Song, **changes: Any) -> Song:
    """Change song settings: title, author, tempo_bpm, speed_ticks, rows_per_beat,
    rows_per_bar, master_volume, interpolation, restart_order."""
    unknown = sorted(set(changes) - _SONG_SETTINGS)
    if unknown:
        raise EditError(f"{unknown[0]} is not a song setting")
    # Checked by the Song's own rules on a stand-in with an order as long as this song's but
    # no content, so a big song's cells are not all checked again for a new tempo.
    settings = {name: getattr(song, name) for name in _SONG_SETTINGS}
    stand_in = Song.new(tracks=1).model_copy(update={"order": [0] * len(song.order), **settings})
    checked: Song = _validated(stand_in, changes)
    if all(getattr(checked, name) == getattr(song, name) for name in changes):
        return song
    return song.model_copy(update={name: getattr(checked, name) for name in changes})


def add_track(song: Song, at: int) -> Song:
    """A new empty track at index ``at`` (len(tracks) appends), in every pattern."""
    if not 0 <= at <= len(song.tracks):
        raise EditError(f"track position {at} is outside 0..{len(song.tracks)}")
    if len(song.tracks) >= MAX_TRACKS:
        raise EditError(f"the song already has {MAX_TRACKS} tracks")
    patterns = [
        p.model_copy(update={"rows": [[*row[:at], EMPTY_CELL, *row[at:]] for row in p.rows]})
        for p in song.patterns
    ]
    tracks = [*song.tracks[:at], Track(), *song.tracks[at:]]
    patterns = _renumbered_lanes(patterns, "track", inserted=at + 1)
    mappings = _renumbered_mappings(song, "track", inserted=at + 1)
    return song.model_copy(
        update={"tracks": tracks, "patterns": patterns, "midi_mappings": mappings}
    )


def delete_track(song: Song, track: int) -> Song:
    """Remove a track and its column from every pattern; a song keeps at least one track."""
    _check_track(song, track)
    if len(song.tracks) == 1:
        raise EditError("cannot delete the only track")
    patterns = [
        p.model_copy(update={"rows": [[*row[:track], *row[track + 1 :]] for row in p.rows]})
        for p in song.patterns
    ]
    tracks = [*song.tracks[:track], *song.tracks[track + 1 :]]
    patterns = _renumbered_lanes(patterns, "track", removed=track + 1)
    mappings = _renumbered_mappings(song, "track", removed=track + 1)
    return song.model_copy(
        update={"tracks": tracks, "patterns": patterns, "midi_mappings": mappings}
    )


# --- MIDI mappings ---------------------------------------------------------------------------
# Parameter ids number tracks and instruments from 1 (tracker.model.params); the edits that
# delete, insert or change the kind of one keep every mapping pointing at the same thing.


def _renumbered_mappings(
    song: Song,
    scope: Literal["track", "instrument"],
    removed: int | None = None,
    inserted: int | None = None,
) -> list[MidiMapping]:
    """The song's mappings after a track or instrument (1-based) is removed or inserted:
    those of the removed one dropped, those after it renumbered."""
    if not song.midi_mappings:
        return song.midi_mappings
    kept: list[MidiMapping] = []
    for mapping in song.midi_mappings:
        new_id = renumber(mapping.param, scope, removed=removed, inserted=inserted)
        if new_id is None:
            continue
        kept.append(
            mapping if new_id == mapping.param else mapping.model_copy(update={"param": new_id})
        )
    return kept


def _without_dangling_mappings(song: Song) -> Song:
    """``song`` less the mappings and automation lanes whose parameter it no longer has (an
    instrument that changed kind has no oscillators, say); ``song`` itself when all are fine."""
    kept = [m for m in song.midi_mappings if _names_something(song, m.param)]
    patterns = [
        p
        if all(_names_something(song, lane.param) for lane in p.automation)
        else p.model_copy(
            update={"automation": [a for a in p.automation if _names_something(song, a.param)]}
        )
        for p in song.patterns
    ]
    if len(kept) == len(song.midi_mappings) and all(
        new is old for new, old in zip(patterns, song.patterns, strict=True)
    ):
        return song
    return song.model_copy(update={"midi_mappings": kept, "patterns": patterns})


def _renumbered_lanes(
    patterns: list[Pattern],
    scope: Literal["track", "instrument"],
    removed: int | None = None,
    inserted: int | None = None,
) -> list[Pattern]:
    """Automation lanes after a track or instrument (1-based) is removed or inserted, as
    _renumbered_mappings does for mappings."""
    result = []
    for pattern in patterns:
        lanes = []
        for lane in pattern.automation:
            new_id = renumber(lane.param, scope, removed=removed, inserted=inserted)
            if new_id is not None:
                lanes.append(
                    lane if new_id == lane.param else lane.model_copy(update={"param": new_id})
                )
        changed = len(lanes) != len(pattern.automation) or any(
            a is not b for a, b in zip(lanes, pattern.automation, strict=False)
        )
        result.append(pattern.model_copy(update={"automation": lanes}) if changed else pattern)
    return result


# --- automation --------------------------------------------------------------------------------
# Lanes belong to a pattern; values are normalised 0..1 along the parameter's curve.


def set_automation_point(song: Song, pattern: int, param: str, row: int, value: float) -> Song:
    """A point at ``row`` of ``param``'s lane in ``pattern`` (the lane is made if missing)."""
    edited = _pattern(song, pattern)
    _check_row(edited, row)
    try:
        find_param(song, param)
    except ParamError as error:
        raise EditError(str(error)) from None
    if not 0.0 <= value <= 1.0:
        raise EditError(f"automation value {value} is outside 0..1")
    lane = edited.lane(param)
    if lane is None:
        if len(edited.automation) >= MAX_LANES:
            raise EditError(f"pattern {pattern} already has {MAX_LANES} automation lanes")
        lanes = [*edited.automation, AutomationLane(param=param).with_point(row, value)]
    else:
        lanes = [a.with_point(row, value) if a is lane else a for a in edited.automation]
    return _with_pattern(song, pattern, edited.model_copy(update={"automation": lanes}))


def clear_automation_point(song: Song, pattern: int, param: str, row: int) -> Song:
    """No point at ``row`` in ``param``'s lane (the lane stays, even empty)."""
    edited = _pattern(song, pattern)
    lane = edited.lane(param)
    if lane is None or lane.point_at(row) is None:
        return song
    lanes = [a.without_point(row) if a is lane else a for a in edited.automation]
    return _with_pattern(song, pattern, edited.model_copy(update={"automation": lanes}))


def add_automation_lane(song: Song, pattern: int, param: str) -> Song:
    """An empty lane for ``param`` in ``pattern`` (nothing when it has one already)."""
    edited = _pattern(song, pattern)
    try:
        find_param(song, param)
    except ParamError as error:
        raise EditError(str(error)) from None
    if edited.lane(param) is not None:
        return song
    if len(edited.automation) >= MAX_LANES:
        raise EditError(f"pattern {pattern} already has {MAX_LANES} automation lanes")
    lanes = [*edited.automation, AutomationLane(param=param)]
    return _with_pattern(song, pattern, edited.model_copy(update={"automation": lanes}))


def remove_automation_lane(song: Song, pattern: int, param: str) -> Song:
    edited = _pattern(song, pattern)
    lanes = [a for a in edited.automation if a.param != param]
    if len(lanes) == len(edited.automation):
        return song
    return _with_pattern(song, pattern, edited.model_copy(update={"automation": lanes}))


def set_lane_interpolation(
    song: Song, pattern: int, param: str, interpolation: Literal["linear", "step"]
) -> Song:
    edited = _pattern(song, pattern)
    lane = edited.lane(param)
    if lane is None:
        raise EditError(f"pattern {pattern} has no automation lane for {param}")
    new = lane.model_copy(update={"interpolation": interpolation})
    lanes = [new if a is lane else a for a in edited.automation]
    return _with_pattern(song, pattern, edited.model_copy(update={"automation": lanes}))


def _names_something(song: Song, param: str) -> bool:
    try:
        find_param(song, param)
    except ParamError:
        return False
    return True


def _controls(mapping: MidiMapping) -> set[tuple[int, int]]:
    """The (channel, controller) pairs a mapping listens to."""
    pairs = {(mapping.channel, mapping.controller)}
    if mapping.mode == "absolute_14bit":
        pairs.add((mapping.channel, mapping.controller + 32))
    return pairs


def add_mapping(song: Song, mapping: MidiMapping) -> Song:
    """Add ``mapping`` (MIDI learn). It replaces the mappings of the same control and of the
    same parameter, so one knob moves one thing and a parameter follows one knob."""
    find_param(song, mapping.param)
    controls = _controls(mapping)
    kept = [
        m for m in song.midi_mappings if m.param != mapping.param and not controls & _controls(m)
    ]
    if len(kept) >= MAX_MIDI_MAPPINGS:
        raise EditError(f"the song already has {MAX_MIDI_MAPPINGS} MIDI mappings")
    return song.model_copy(update={"midi_mappings": [*kept, mapping]})


def _check_mapping(song: Song, index: int) -> MidiMapping:
    if not 0 <= index < len(song.midi_mappings):
        if not song.midi_mappings:
            raise EditError("the song has no MIDI mappings")
        raise EditError(f"MIDI mapping {index} is outside 0..{len(song.midi_mappings) - 1}")
    return song.midi_mappings[index]


def remove_mapping(song: Song, index: int) -> Song:
    """Remove the mapping at ``index`` of ``song.midi_mappings``."""
    _check_mapping(song, index)
    mappings = [*song.midi_mappings[:index], *song.midi_mappings[index + 1 :]]
    return song.model_copy(update={"midi_mappings": mappings})


def update_mapping(song: Song, index: int, **changes: Any) -> Song:
    """Change a mapping's mode, range (low, high), channel or controller."""
    old = _check_mapping(song, index)
    if "param" in changes:
        find_param(song, changes["param"])
    new: MidiMapping = _validated(old, changes)
    if new == old:
        return song
    mappings = list(song.midi_mappings)
    mappings[index] = new
    return song.model_copy(update={"midi_mappings": mappings})
