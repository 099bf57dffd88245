"""The pattern editor's state and actions: cursor, selection, octave, edit step, clipboard.

Pure Python over tracker.model.edit and the Session: the PatternGrid widget draws this
state, the App maps keys to these methods. Every change to the song is one
``session.edit`` call, so each is one undo step that restores the cursor with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final, Literal

from tracker.model import NOTE_CUT, NOTE_MAX, NOTE_MIN, NOTE_OFF, Cell, Effect, Song
from tracker.model import edit as ed
from tracker.model.edit import EFFECT0, INSTRUMENT, NOTE, VOLUME, Block, Clip
from tracker.model.history import Step
from tracker.model.notes import EFFECT_COMMANDS
from tracker.model.params import ParamError, find_param
from tracker.model.pattern import INSTRUMENT_MAX, MAX_EFFECT_COLUMNS, VOLUME_MAX, AutomationLane
from tracker.session import Session
from tracker.ui.automation import from_byte, to_byte

# FastTracker II's keyboard: two octaves and a third on a QWERTY keyboard, as semitones
# above the current octave's C. Textual key names (`2`, `comma`, `semicolon`, ...).
NOTE_KEYS: Final[dict[str, int]] = {
    **{
        key: i for i, key in enumerate(("z", "s", "x", "d", "c", "v", "g", "b", "h", "n", "j", "m"))
    },
    **{key: 12 + i for i, key in enumerate(("comma", "l", "full_stop", "semicolon", "slash"))},
    **{
        key: 12 + i
        for i, key in enumerate(("q", "2", "w", "3", "e", "r", "5", "t", "6", "y", "7", "u"))
    },
    **{key: 24 + i for i, key in enumerate(("i", "9", "o", "0", "p"))},
}
NOTE_OFF_KEYS: Final = frozenset({"1", "grave_accent"})
NOTE_CUT_KEYS: Final = frozenset({"exclamation_mark", "circumflex_accent"})
HEX_KEYS: Final[dict[str, int]] = {c.lower(): int(c, 16) for c in "0123456789ABCDEF"}
# Effect commands are one base-36 character: 0-9 and A-Z.
COMMAND_KEYS: Final[dict[str, str]] = {c.lower(): c for c in EFFECT_COMMANDS}

LANE: Final = -1
"""The cursor's column in an automation lane (Cursor.lane says which): never a cell's."""
LAST_COLUMN: Final = EFFECT0 + MAX_EFFECT_COLUMNS - 1
"""A block to this column reaches the end of every track, however many effects it has."""
OCTAVE_MIN, OCTAVE_MAX = 0, 8
EDIT_STEP_MAX: Final = 16

# Sub-columns of one cell as the cursor moves through them: (column, digit).
# The note column is one stop; instrument and volume two hex digits; an effect has its
# command character and two parameter digits.
_NOTE_STOP: Final = (NOTE, 0)


def cursor_stops(effect_columns: int) -> list[tuple[int, int]]:
    stops = [_NOTE_STOP, (INSTRUMENT, 0), (INSTRUMENT, 1), (VOLUME, 0), (VOLUME, 1)]
    for i in range(effect_columns):
        stops += [(EFFECT0 + i, 0), (EFFECT0 + i, 1), (EFFECT0 + i, 2)]
    return stops


@dataclass(frozen=True, slots=True)
class Cursor:
    pattern: int = 0
    row: int = 0
    track: int = 0
    column: int = NOTE
    digit: int = 0
    """Which character of the column: 0/1 for hex bytes, 0 (command) / 1 / 2 for effects."""
    lane: int | None = None
    """The automation lane (an index into the pattern's lanes) the cursor is in, with
    ``column`` LANE; None in the tracks. ``track`` stays a real track (the last) meanwhile,
    so whatever plays on the cursor's track still has one."""


class Editor:
    """What the pattern editor shows and does. Holds no song: the Session does."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cursor = Cursor(pattern=session.song.order[0])
        self.order_position = 0
        self.octave = 4
        self.edit_step = 1
        self.edit_mode = False
        self.follow = True
        self.instrument = 1 if session.song.instruments else 0
        self.anchor: Cursor | None = None
        """Where the selection started (shift+arrows, block begin); None: no selection."""
        self.mark: Cursor | None = None
        """The other corner; the selection is anchor..mark (or anchor..cursor while marking)."""
        self.clip: Clip | None = None
        self.message = ""
        """The last one-line notice for the status bar."""

    # ---- reading ----------------------------------------------------------------------

    @property
    def song(self) -> Song:
        return self.session.song

    def selection(self) -> Block | None:
        """The marked block. Like FastTracker II, Schism and MilkyTracker it holds whole
        cells of every track it spans, whatever column the cursor was on."""
        if self.anchor is None:
            return None
        other = self.mark or self.cursor
        if other.pattern != self.anchor.pattern:
            return None
        return Block.between(
            self.anchor.pattern,
            self.anchor.row,
            self.anchor.track,
            NOTE,
            other.row,
            other.track,
            LAST_COLUMN,
        )

    def _rows(self) -> int:
        return len(self.song.patterns[self.cursor.pattern].rows)

    def _columns(self, track: int) -> int:
        return self.song.tracks[track].effect_columns

    def _lanes(self) -> list[AutomationLane]:
        return self.song.patterns[self.cursor.pattern].automation

    def current_lane(self) -> AutomationLane | None:
        """The automation lane under the cursor, or None in the tracks."""
        lane = self.cursor.lane
        lanes = self._lanes()
        return lanes[lane] if lane is not None and lane < len(lanes) else None

    def _to_lane(self, cursor: Cursor, lane: int, digit: int = 0) -> Cursor:
        last_track = len(self.song.tracks) - 1
        return replace(cursor, track=last_track, column=LANE, digit=digit, lane=lane)

    def _to_track(self, cursor: Cursor, track: int, column: int, digit: int) -> Cursor:
        return replace(cursor, track=track, column=column, digit=digit, lane=None)

    # ---- moving -----------------------------------------------------------------------

    def clamp(self) -> None:
        """Keep the cursor inside the song after an edit, undo or song change."""
        song = self.song
        pattern = min(self.cursor.pattern, len(song.patterns) - 1)
        rows = len(song.patterns[pattern].rows)
        track = min(self.cursor.track, len(song.tracks) - 1)
        stops = cursor_stops(song.tracks[track].effect_columns)
        column, digit = self.cursor.column, self.cursor.digit
        row = min(self.cursor.row, rows - 1)
        lanes = len(song.patterns[pattern].automation)
        lane = self.cursor.lane
        if lane is not None and lanes:
            # A lane removed (or another pattern with fewer): the last one left.
            self.cursor = Cursor(
                pattern, row, len(song.tracks) - 1, LANE, digit, min(lane, lanes - 1)
            )
        else:
            if lane is not None:  # no lanes left: back to the end of the last track
                track, column = len(song.tracks) - 1, LAST_COLUMN
                stops = cursor_stops(song.tracks[track].effect_columns)
            if (column, digit) not in stops:
                column, digit = stops[-1] if column > NOTE else _NOTE_STOP
            self.cursor = Cursor(pattern, row, track, column, digit)
        self.order_position = min(self.order_position, len(song.order) - 1)
        if self.instrument > len(song.instruments):
            self.instrument = len(song.instruments)
        if self.anchor is not None and self.anchor.pattern >= len(song.patterns):
            self.anchor = self.mark = None

    def move_rows(self, delta: int, select: bool = False) -> None:
        """Up/down by ``delta`` rows: one step wraps round the pattern (as in FT2), a page
        or a wheel turn stops at its ends."""
        self._selecting(select)
        rows = self._rows()
        row = self.cursor.row + delta
        row = row % rows if abs(delta) == 1 else max(0, min(rows - 1, row))
        self.cursor = replace(self.cursor, row=row)

    def go_row(self, row: int, select: bool = False) -> None:
        self._selecting(select)
        self.cursor = replace(self.cursor, row=max(0, min(self._rows() - 1, row)))

    def move_column(self, delta: int, select: bool = False) -> None:
        """Left/right through every character stop, into the next or previous track."""
        self._selecting(select)
        cursor = self.cursor
        lanes = len(self._lanes())
        tracks = len(self.song.tracks)
        if cursor.lane is not None:  # two digits a lane, then the next lane or the tracks
            digit = cursor.digit + delta
            lane = cursor.lane + (digit > 1) - (digit < 0)
            if lane < 0:
                last = tracks - 1
                column, digit = cursor_stops(self._columns(last))[-1]
                self.cursor = self._to_track(cursor, last, column, digit)
            elif lane >= lanes:
                self.cursor = self._to_track(cursor, 0, NOTE, 0)
            else:
                self.cursor = self._to_lane(cursor, lane, digit % 2)
            return
        stops = cursor_stops(self._columns(cursor.track))
        index = stops.index((cursor.column, cursor.digit)) + delta
        track = cursor.track
        if index < 0:
            if track == 0 and lanes:  # wrapping round: the lanes are the last columns
                self.cursor = self._to_lane(cursor, lanes - 1, 1)
                return
            track = (track - 1) % tracks
            stops = cursor_stops(self._columns(track))
            index = len(stops) - 1
        elif index >= len(stops):
            if track == tracks - 1 and lanes:
                self.cursor = self._to_lane(cursor, 0)
                return
            track = (track + 1) % tracks
            stops = cursor_stops(self._columns(track))
            index = 0
        column, digit = stops[index]
        self.cursor = self._to_track(cursor, track, column, digit)

    def move_track(self, delta: int, select: bool = False) -> None:
        """Tab / shift+tab: the note column of the next or previous track, or the next or
        previous automation lane (after the last track)."""
        self._selecting(select)
        tracks = len(self.song.tracks)
        lanes = len(self._lanes())
        # Tracks then lanes, as one ring of stops.
        here = tracks + self.cursor.lane if self.cursor.lane is not None else self.cursor.track
        there = (here + delta) % (tracks + lanes)
        if there >= tracks:
            self.cursor = self._to_lane(self.cursor, there - tracks)
        else:
            self.cursor = self._to_track(self.cursor, there, NOTE, 0)

    def show_order(self, position: int) -> None:
        """Show the pattern at an order position (the order list's cursor)."""
        position = max(0, min(len(self.song.order) - 1, position))
        self.order_position = position
        self.show_pattern(self.song.order[position])

    def show_pattern(self, pattern: int) -> None:
        if pattern != self.cursor.pattern:
            self.anchor = self.mark = None
        self.cursor = replace(self.cursor, pattern=pattern)
        self.clamp()

    def _selecting(self, select: bool) -> None:
        if select:
            if self.anchor is None or self.mark is not None:
                self.anchor, self.mark = self.cursor, None
        elif self.mark is None:
            self.anchor = None

    # ---- selection --------------------------------------------------------------------

    def block_begin(self) -> None:
        self.anchor, self.mark = self.cursor, None

    def block_end(self) -> None:
        if self.anchor is None or self.anchor.pattern != self.cursor.pattern:
            self.anchor = self.cursor
        self.mark = self.cursor

    def select_track(self) -> None:
        """The cursor's whole track, all rows (a second press: all tracks)."""
        last_track = self.cursor.track
        block = self.selection()
        rows = self._rows()
        whole_track = block is not None and block.first_row == 0 and block.last_row == rows - 1
        first_track = 0 if whole_track else self.cursor.track
        if whole_track:
            last_track = len(self.song.tracks) - 1
        last_column = EFFECT0 + self._columns(last_track) - 1
        self.anchor = replace(
            self.cursor, row=0, track=first_track, column=NOTE, digit=0, lane=None
        )
        self.mark = replace(
            self.cursor, row=rows - 1, track=last_track, column=last_column, lane=None
        )

    def clear_selection(self) -> None:
        self.anchor = self.mark = None

    def _block_or_cell(self) -> Block:
        block = self.selection()
        if block is not None:
            return block
        c = self.cursor
        self._not_in_lane("blocks")
        return Block(c.pattern, c.row, c.row, c.track, c.column, c.track, c.column)

    def _not_in_lane(self, what: str) -> None:
        if self.cursor.lane is not None:
            raise ed.EditError(f"{what} are edited in the tracks, not in an automation lane")

    # ---- editing ----------------------------------------------------------------------

    def _edit(self, song: Song, label: str) -> None:
        self.session.edit(song, label, where=self.cursor)
        self.clamp()

    def _cell(self) -> Cell:
        c = self.cursor
        return self.song.patterns[c.pattern].rows[c.row][c.track]

    def _write(self, cell: Cell, label: str, advance: bool = True) -> None:
        c = self.cursor
        self._edit(ed.set_cell(self.song, c.pattern, c.row, c.track, cell), label)
        if advance:
            self._advance()

    def _advance(self) -> None:
        # FT2 wraps to the top of the pattern when the step runs off the end.
        self.cursor = replace(self.cursor, row=(self.cursor.row + self.edit_step) % self._rows())

    def note_key(self, key: str) -> int | None:
        """The note a key stands for at the current octave, NOTE_OFF/NOTE_CUT, or None."""
        if key in NOTE_OFF_KEYS:
            return NOTE_OFF
        if key in NOTE_CUT_KEYS:
            return NOTE_CUT
        semitones = NOTE_KEYS.get(key)
        if semitones is None:
            return None
        note = self.octave * 12 + semitones
        return note if NOTE_MIN <= note <= NOTE_MAX else None

    def enter_note(self, note: int) -> None:
        """Write a note (with the current instrument) at the cursor and step down."""
        cell = self._cell()
        if note in (NOTE_OFF, NOTE_CUT):
            new = cell.model_copy(update={"note": note, "instrument": None})
        else:
            instrument = self.instrument or None
            new = cell.model_copy(update={"note": note, "instrument": instrument})
        self._write(new, "Enter note")

    def enter_hex(self, key: str) -> bool:
        """A digit (or an effect command letter) typed into the cursor's column."""
        c = self.cursor
        if c.lane is not None:
            return self._enter_lane_digit(key)
        cell = self._cell()
        if c.column in (INSTRUMENT, VOLUME):
            digit = HEX_KEYS.get(key)
            if digit is None:
                return False
            old = cell.instrument if c.column == INSTRUMENT else cell.volume
            value = _set_nibble(old or 0, c.digit, digit)
            if c.column == INSTRUMENT:
                # 00 is no instrument, as in FT2; a number the song lacks is refused.
                if value > min(len(self.song.instruments), INSTRUMENT_MAX):
                    self.message = f"instrument {value:02X} does not exist"
                    return True
                new = cell.model_copy(update={"instrument": value or None})
            else:
                new = cell.model_copy(update={"volume": min(value, VOLUME_MAX)})
            self._write(new, "Enter value", advance=False)
            self._after_digit()
            return True
        if c.column >= EFFECT0:
            index = c.column - EFFECT0
            effects = list(cell.effects) + [None] * (index + 1 - len(cell.effects))
            effect = effects[index]
            if c.digit == 0:
                command = COMMAND_KEYS.get(key)
                if command is None:
                    return False
                effects[index] = Effect(command=command, param=effect.param if effect else 0)
            else:
                digit = HEX_KEYS.get(key)
                if digit is None:
                    return False
                command = effect.command if effect else "0"
                param = _set_nibble(effect.param if effect else 0, c.digit - 1, digit)
                effects[index] = Effect(command=command, param=param)
            new = Cell.model_validate({**cell.model_dump(), "effects": effects})
            self._write(new, "Enter effect", advance=False)
            self._after_digit()
            return True
        return False

    def _enter_lane_digit(self, key: str) -> bool:
        """A hex digit into the lane's byte at the cursor: a point of value byte / 255."""
        lane = self.current_lane()
        digit = HEX_KEYS.get(key)
        if lane is None or digit is None:
            return False
        c = self.cursor
        point = lane.point_at(c.row)
        value = _set_nibble(to_byte(point.value) if point else 0, c.digit, digit)
        song = ed.set_automation_point(self.song, c.pattern, lane.param, c.row, from_byte(value))
        self._edit(song, "Automation")
        self._after_digit()
        return True

    def _after_digit(self) -> None:
        # Like FT2: the last digit of a field steps down by the edit step, the others right.
        c = self.cursor
        last = 1 if c.column in (INSTRUMENT, VOLUME, LANE) else 2
        if c.digit < last:
            self.cursor = replace(c, digit=c.digit + 1)
        else:
            self.cursor = replace(c, digit=0)
            self._advance()

    def clear_field(self) -> None:
        """Delete: empty the column under the cursor (the note takes its instrument with it);
        in an automation lane, the point at the cursor's row."""
        if self._clear_point():
            return
        cell = self._cell()
        c = self.cursor
        if c.column == NOTE:
            new = cell.model_copy(update={"note": None, "instrument": None})
        elif c.column == INSTRUMENT:
            new = cell.model_copy(update={"instrument": None})
        elif c.column == VOLUME:
            new = cell.model_copy(update={"volume": None})
        else:
            effects = list(cell.effects)
            if c.column - EFFECT0 < len(effects):
                effects[c.column - EFFECT0] = None
            new = Cell.model_validate({**cell.model_dump(), "effects": effects})
        self._write(new, "Clear")

    def clear_cell(self) -> None:
        if not self._clear_point():
            self._write(Cell(), "Clear cell")

    def _clear_point(self) -> bool:
        """In a lane: its point at the cursor's row cleared, and a step down. False elsewhere."""
        lane = self.current_lane()
        if lane is None:
            return False
        c = self.cursor
        self._edit(ed.clear_automation_point(self.song, c.pattern, lane.param, c.row), "Automation")
        self._advance()
        return True

    def clear_block(self) -> None:
        self._edit(ed.clear(self.song, self._block_or_cell()), "Clear selection")

    def insert_row(self, all_tracks: bool = False) -> None:
        self._not_in_lane("rows")
        c = self.cursor
        track = None if all_tracks else c.track
        self._edit(ed.insert_row(self.song, c.pattern, c.row, track), "Insert row")

    def delete_row(self, all_tracks: bool = False) -> None:
        self._not_in_lane("rows")
        c = self.cursor
        track = None if all_tracks else c.track
        self._edit(ed.delete_row(self.song, c.pattern, c.row, track), "Delete row")

    def copy(self) -> None:
        self.clip = ed.copy(self.song, self._block_or_cell())
        self.message = f"copied {len(self.clip.cells)} rows"

    def cut(self) -> None:
        song, self.clip = ed.cut(self.song, self._block_or_cell())
        self._edit(song, "Cut")

    def paste(self, mix: bool = False) -> None:
        if self.clip is None:
            self.message = "nothing copied yet"
            return
        c = self.cursor
        song = ed.paste(self.song, c.pattern, c.row, c.track, self.clip, mix=mix)
        self._edit(song, "Mix paste" if mix else "Paste")

    def transpose(self, semitones: int) -> None:
        block = self._block_or_cell()
        if self.selection() is None:
            block = replace(block, first_column=NOTE, last_column=NOTE)
        self._edit(ed.transpose(self.song, block, semitones), "Transpose")

    def set_instrument_on_block(self) -> None:
        number = self.instrument or None
        self._edit(ed.set_instrument(self.song, self._block_or_cell(), number), "Set instrument")

    def interpolate(self) -> None:
        block = self.selection()
        if block is None or block.first_row == block.last_row:
            self.message = "select rows in a column to interpolate"
            return
        self._edit(ed.interpolate(self.song, block), "Interpolate")

    def expand(self) -> None:
        self._edit(ed.expand(self.song, self._whole_rows_block()), "Expand")

    def shrink(self) -> None:
        self._edit(ed.shrink(self.song, self._whole_rows_block()), "Shrink")

    def _whole_rows_block(self) -> Block:
        block = self.selection()
        if block is not None:
            return block
        self._not_in_lane("rows")
        c = self.cursor
        last = EFFECT0 + self._columns(c.track) - 1
        return Block(c.pattern, c.row, self._rows() - 1, c.track, NOTE, c.track, last)

    # ---- automation lanes -------------------------------------------------------------

    def add_lane(self, param_id: str) -> None:
        """A lane for ``param_id`` in the cursor's pattern (on/off parameters step), and the
        cursor in it; a lane that is there already is only gone to."""
        c = self.cursor
        song = ed.add_automation_lane(self.song, c.pattern, param_id)
        if song is not self.song and find_param(song, param_id).spec.kind == "bool":
            song = ed.set_lane_interpolation(song, c.pattern, param_id, "step")
        self._edit(song, "Add automation lane")
        lanes = [lane.param for lane in self._lanes()]
        self.cursor = self._to_lane(self.cursor, lanes.index(param_id))

    def remove_lane(self) -> None:
        lane = self.current_lane()
        if lane is not None:
            song = ed.remove_automation_lane(self.song, self.cursor.pattern, lane.param)
            self._edit(song, "Remove automation lane")

    def toggle_interpolation(self) -> None:
        """The lane's interpolation: linear <-> step."""
        lane = self.current_lane()
        if lane is None:
            self.message = "put the cursor in an automation lane first"
            return
        other: Literal["linear", "step"] = "step" if lane.interpolation == "linear" else "linear"
        song = ed.set_lane_interpolation(self.song, self.cursor.pattern, lane.param, other)
        self._edit(song, "Automation interpolation")

    def lane_name(self) -> str:
        """The name of the parameter of the lane under the cursor ("" in the tracks)."""
        lane = self.current_lane()
        if lane is None:
            return ""
        try:
            return find_param(self.song, lane.param).name
        except ParamError:
            return lane.param

    # ---- settings ---------------------------------------------------------------------

    def change_octave(self, delta: int) -> None:
        self.octave = max(OCTAVE_MIN, min(OCTAVE_MAX, self.octave + delta))

    def change_edit_step(self, delta: int) -> None:
        self.edit_step = max(0, min(EDIT_STEP_MAX, self.edit_step + delta))

    def change_instrument(self, delta: int) -> None:
        count = len(self.song.instruments)
        if count:
            self.instrument = max(1, min(count, (self.instrument or 1) + delta))

    # ---- undo -------------------------------------------------------------------------

    def undo(self) -> None:
        step = self.session.undo()
        self._restore(step, "undo")

    def redo(self) -> None:
        step = self.session.redo()
        self._restore(step, "redo")

    def _restore(self, step: Step | None, what: str) -> None:
        if step is None:
            self.message = f"nothing to {what}"
            return
        if isinstance(step.where, Cursor):
            self.cursor = step.where
        self.clamp()
        self.message = f"{what}: {step.label}"


def _set_nibble(value: int, digit: int, nibble: int) -> int:
    """Replace the high (digit 0) or low (digit 1) hex digit of a byte."""
    return (nibble << 4) | (value & 0x0F) if digit == 0 else (value & 0xF0) | nibble
