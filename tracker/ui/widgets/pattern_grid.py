"""The pattern grid: every track of one pattern side by side, drawn line by line.

Nothing here is a widget per cell: ``render_line(y)`` builds one Strip per screen line
from the pattern's rows, so a 64-track, 256-row pattern costs what the screen shows.
The cursor row stays in the middle of the view (as in FastTracker II), so scrolling
follows the cursor, and in follow mode the playing row. The row-number gutter and the
track header stay put while the tracks scroll sideways. The pattern's automation lanes are
columns after the last track (tracker.ui.automation says how a lane's rows read).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from functools import lru_cache
from typing import ClassVar, Final

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tracker.model import Cell, format_cell
from tracker.model.cell_text import cell_width
from tracker.model.edit import EFFECT0, INSTRUMENT, NOTE, VOLUME
from tracker.model.params import ParamError, find_param
from tracker.model.pattern import AutomationLane
from tracker.ui.automation import LANE_INNER_WIDTH, VALUE_OFFSET, LaneRow, lane_header, lane_rows
from tracker.ui.editor import LANE as LANE_COLUMN
from tracker.ui.editor import Editor
from tracker.ui.text import fit

HEADER_LINES: Final = 2
GUTTER_WIDTH: Final = 4  # "1F" / "031" and a space
SEPARATOR: Final = "│"
METER_FLAGS_WIDTH: Final = 5  # "01MS "
PLAYING_MARK: Final = "▶"
WHEEL_ROWS: Final = 4
STRIP_CACHE_LINES: Final = 4096
METER_DB_FLOOR: Final = -48.0


@lru_cache(maxsize=4096)
def _cell_parts(cell: Cell, effect_columns: int) -> tuple[str, ...]:
    """The text of each column of a cell: note, instrument, volume, effects."""
    return tuple(format_cell(cell, effect_columns).split(" "))


def track_width(effect_columns: int) -> int:
    return cell_width(effect_columns) + 1  # and the separator


LANE_WIDTH: Final = LANE_INNER_WIDTH + 1  # and the separator


def meter_bar(peak: float, width: int) -> str:
    """A peak as a bar of `width` cells on a dB scale, with a `!` at full scale."""
    if peak <= 0.0:
        return " " * width
    db = 20.0 * math.log10(peak)
    filled = round(width * max(0.0, min(1.0, 1.0 - db / METER_DB_FLOOR)))
    bar = "▮" * filled + " " * (width - filled)
    return bar[:-1] + "!" if peak >= 1.0 else bar


class PatternGrid(Widget, can_focus=True):
    """Draws an Editor's pattern. Keys are the App's (they depend on the edit mode)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "pattern-grid--header",
        "pattern-grid--gutter",
        "pattern-grid--beat",
        "pattern-grid--bar",
        "pattern-grid--empty",
        "pattern-grid--note",
        "pattern-grid--instrument",
        "pattern-grid--volume",
        "pattern-grid--effect",
        "pattern-grid--cursor",
        "pattern-grid--cursor-row",
        "pattern-grid--selection",
        "pattern-grid--playing",
        "pattern-grid--muted",
        "pattern-grid--lane",
        "pattern-grid--lane-between",
    }

    DEFAULT_CSS = """
    PatternGrid {
        width: 1fr;
        height: 1fr;
    }
    PatternGrid > .pattern-grid--header { text-style: bold; }
    PatternGrid > .pattern-grid--gutter { color: $text-muted; }
    PatternGrid > .pattern-grid--beat { background: $boost; }
    PatternGrid > .pattern-grid--bar { background: $boost; text-style: bold; }
    PatternGrid > .pattern-grid--empty { color: $text-disabled; }
    PatternGrid > .pattern-grid--note { color: $text; }
    PatternGrid > .pattern-grid--instrument { color: $accent; }
    PatternGrid > .pattern-grid--volume { color: $success; }
    PatternGrid > .pattern-grid--effect { color: $warning; }
    PatternGrid > .pattern-grid--cursor { text-style: reverse bold; }
    PatternGrid > .pattern-grid--cursor-row { background: $primary 40%; }
    PatternGrid > .pattern-grid--selection { background: $secondary 60%; text-style: underline; }
    PatternGrid > .pattern-grid--playing { background: $error 35%; }
    PatternGrid > .pattern-grid--muted { color: $text-disabled; }
    PatternGrid > .pattern-grid--lane { color: $secondary; }
    PatternGrid > .pattern-grid--lane-between { color: $secondary; text-style: dim; }
    PatternGrid:focus > .pattern-grid--cursor { text-style: reverse bold; }
    """

    class CursorMoved(Message):
        """The cursor was placed by the mouse."""

    def __init__(self, editor: Editor, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.editor = editor
        self.hex_rows = True
        self.playing_row: int | None = None
        """The row being heard, when the heard pattern is the one shown."""
        self.peaks: dict[int, float] = {}
        self.first_track = 0
        """The leftmost column shown: a track, or past the last track an automation lane
        (len(tracks) + its index); moved only as far as keeps the cursor in view."""
        self._line_keys: list[Hashable] = []
        """What each screen line showed when last drawn: only lines whose key changes are
        redrawn, which keeps the bytes sent to a terminal over SSH low."""
        self._strips: dict[Hashable, tuple[Strip, object]] = {}
        """Drawn lines by key, with the row list each was drawn from."""
        self._styles: _Styles | None = None
        self._layout: tuple[object, ...] = ()
        """What every line's look depends on; when it changes, the cache is cleared."""
        self._lane_cache: dict[int, tuple[AutomationLane, int, tuple[LaneRow, ...]]] = {}
        """Each lane's rows as drawn, by the lane's identity (lanes are immutable)."""

    # ---- state from the App ---------------------------------------------------------------

    def update_view(self, playing_row: int | None, peaks: dict[int, float] | None = None) -> None:
        """Redraw the lines whose content changed (cursor, song, play row, meters)."""
        self.playing_row = playing_row
        if peaks is not None:
            self.peaks = peaks
        self._scroll_tracks()
        song = self.editor.song
        layout = (
            self.first_track,
            self.hex_rows,
            self.size,
            tuple((track.effect_columns, track.mute) for track in song.tracks),
            tuple(lane.param for lane in self._lanes()),
            song.rows_per_beat,
            song.rows_per_bar,
        )
        keys = self._current_keys()
        if layout != self._layout or len(keys) != len(self._line_keys):
            # Every line looks different (widths, highlights, muted colours): start over.
            self._layout = layout
            self._strips.clear()
            self._line_keys = keys
            self.refresh()
            return
        width = self.size.width
        for y, (old, new) in enumerate(zip(self._line_keys, keys, strict=True)):
            if old != new:
                self.refresh(Region(0, y, width, 1))
        self._line_keys = keys

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None  # the theme or CSS changed: look the styles up again
        self._strips.clear()
        self._line_keys = []

    def _scroll_tracks(self) -> None:
        cursor = self.editor.cursor
        widths = self._column_widths()
        here = cursor.track if cursor.lane is None else len(self.editor.song.tracks) + cursor.lane
        self.first_track = min(self.first_track, here, len(widths) - 1)
        available = max(1, self.size.width - GUTTER_WIDTH)
        while self.first_track < here:
            if sum(widths[self.first_track : here + 1]) <= available:
                break
            self.first_track += 1

    def _lanes(self) -> list[AutomationLane]:
        return self.editor.song.patterns[self.editor.cursor.pattern].automation

    def _column_widths(self) -> list[int]:
        """The width of every track, then of every lane: the columns that scroll sideways."""
        tracks = [track_width(t.effect_columns) for t in self.editor.song.tracks]
        return tracks + [LANE_WIDTH] * len(self._lanes())

    def _lane_rows(self, lane: AutomationLane) -> tuple[LaneRow, ...]:
        rows = len(self.editor.song.patterns[self.editor.cursor.pattern].rows)
        cached = self._lane_cache.get(id(lane))
        if cached is not None and cached[0] is lane and cached[1] == rows:
            return cached[2]
        drawn = lane_rows(lane, rows)
        if len(self._lane_cache) > STRIP_CACHE_LINES:
            self._lane_cache.clear()
        self._lane_cache[id(lane)] = (lane, rows, drawn)
        return drawn

    def top_row(self) -> int:
        """The pattern row on the first body line.

        Editing (or stopped), the cursor's row stays in the middle, as in FastTracker II.
        Following playback, the view turns a page at a time and the playing row moves down
        it: a scrolling view would redraw every line on every row, far too many bytes for
        a slow SSH link (see docs/architecture.md).
        """
        e = self.editor
        body_height = max(1, self.size.height - HEADER_LINES)
        if e.follow and self.playing_row is not None and not e.edit_mode:
            return self.playing_row - self.playing_row % body_height
        return e.cursor.row - body_height // 2

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    # ---- drawing ------------------------------------------------------------------------

    def _current_keys(self) -> list[Hashable]:
        """For each screen line, everything its look depends on beyond the layout."""
        e = self.editor
        song = e.song
        height = self.size.height
        visible = self._visible_tracks()
        tracks = tuple((t.name, t.mute, t.solo) for t in song.tracks[visible.start : visible.stop])
        all_lanes = self._lanes()
        shown_lanes = [all_lanes[i] for i in self._visible_lanes()]
        lanes = tuple((lane.param, lane.interpolation) for lane in shown_lanes)
        keys: list[Hashable] = []
        keys.append(("names", e.cursor.pattern, tracks, lanes))
        keys.append(("meters", tracks, tuple(self._meter_text(t) for t in visible), lanes))
        del keys[max(0, height) :]
        rows = song.patterns[e.cursor.pattern].rows
        lane_columns = [self._lane_rows(lane) for lane in shown_lanes]
        cursor = e.cursor
        block = e.selection()
        top = self.top_row() - HEADER_LINES
        for y in range(HEADER_LINES, height):
            row = top + y
            if not 0 <= row < len(rows):
                keys.append(("blank",))
                continue
            on_cursor = (
                (cursor.track, cursor.column, cursor.digit, cursor.lane)
                if row == cursor.row
                else None
            )
            selected = (
                (block.first_track, block.last_track)
                if block is not None and block.first_row <= row <= block.last_row
                else None
            )
            # A row's cell list is shared by every song that did not edit it, so its
            # identity says whether the cells changed (render_line checks it is the same
            # list, not a new one that took a freed one's id).
            in_lanes = tuple(column[row] for column in lane_columns)
            keys.append(
                ("row", row, id(rows[row]), on_cursor, selected, row == self.playing_row, in_lanes)
            )
        return keys

    def render_line(self, y: int) -> Strip:
        if len(self._line_keys) != self.size.height:
            self._line_keys = self._current_keys()
        key = self._line_keys[y]
        anchor = self._anchor(key)
        cached = self._strips.get(key)
        if cached is not None and cached[1] is anchor:
            return cached[0]
        strip = self._draw_line(y, key)
        if len(self._strips) > STRIP_CACHE_LINES:
            self._strips.clear()
        self._strips[key] = (strip, anchor)
        return strip

    def _anchor(self, key: Hashable) -> object:
        """The row list a row line was drawn from (None for other lines)."""
        if isinstance(key, tuple) and key[0] == "row":
            return self.editor.song.patterns[self.editor.cursor.pattern].rows[key[1]]
        return None

    def _draw_line(self, y: int, key: Hashable) -> Strip:
        width = self.size.width
        styles = self._style_table()
        if y < HEADER_LINES:
            strip = self._header_line(y, styles)
        elif key == ("blank",):
            return Strip.blank(width, styles.base)
        else:
            assert isinstance(key, tuple)
            strip = self._row_line(key[1], styles)
        return strip.crop(0, width).extend_cell_length(width, styles.base).simplify()

    def _style_table(self) -> _Styles:
        if self._styles is None:
            self._styles = _Styles(self)
        return self._styles

    def _visible_columns(self) -> range:
        """The tracks and lanes (numbered as ``first_track`` is) that fit on screen."""
        widths = self._column_widths()
        available = self.size.width - GUTTER_WIDTH
        end = self.first_track
        while end < len(widths) and available > 0:
            available -= widths[end]
            end += 1
        return range(self.first_track, end)

    def _visible_tracks(self) -> range:
        tracks = len(self.editor.song.tracks)
        shown = self._visible_columns()
        return range(min(shown.start, tracks), min(shown.stop, tracks))

    def _visible_lanes(self) -> range:
        """Indices of the pattern's lanes on screen."""
        tracks = len(self.editor.song.tracks)
        shown = self._visible_columns()
        return range(max(shown.start, tracks) - tracks, max(shown.stop, tracks) - tracks)

    def _meter_text(self, track: int) -> str:
        inner = cell_width(self.editor.song.tracks[track].effect_columns)
        return meter_bar(self.peaks.get(track, 0.0), inner - METER_FLAGS_WIDTH)

    def _header_line(self, y: int, styles: _Styles) -> Strip:
        song = self.editor.song
        header = styles.header
        pattern_label = f"P{self.editor.cursor.pattern:02X}"
        segments = [
            Segment(pattern_label.ljust(GUTTER_WIDTH) if y == 0 else " " * GUTTER_WIDTH, header)
        ]
        for t in self._visible_tracks():
            track = song.tracks[t]
            inner = cell_width(track.effect_columns)
            if y == 0:
                text = fit(track.name or f"Track {t + 1}", inner)
                segments.append(Segment(text, header + styles.muted if track.mute else header))
            else:
                # Mute and solo as letters too: never by colour alone.
                flags = f"{t + 1:02}{'M' if track.mute else '-'}{'S' if track.solo else '-'} "
                segments += [
                    Segment(flags, header),
                    Segment(self._meter_text(t), header + styles.volume),
                ]
            segments.append(Segment(SEPARATOR, header + styles.empty))
        lanes = self._lanes()
        for index in self._visible_lanes():
            lane = lanes[index]
            try:
                param = find_param(song, lane.param)
            except ParamError:
                param = None  # the song's validation keeps this from happening; shown anyway
            segments.append(Segment(lane_header(param, lane)[y], header + styles.lane))
            segments.append(Segment(SEPARATOR, header + styles.empty))
        return Strip(segments)

    def _row_line(self, row: int, styles: _Styles) -> Strip:
        e = self.editor
        song = e.song
        cursor = e.cursor
        pattern = song.patterns[cursor.pattern]
        block = e.selection()
        line_style = styles.base
        if row % song.rows_per_bar == 0:
            line_style += styles.bar
        elif row % song.rows_per_beat == 0:
            line_style += styles.beat
        if row == self.playing_row:
            line_style += styles.playing
        if row == cursor.row:
            line_style += styles.cursor_row
        number = f"{row:02X}" if self.hex_rows else f"{row:03d}"
        # The playing row is marked by a sign too, not by its colour alone.
        marker = PLAYING_MARK if row == self.playing_row else " "
        gutter = (number + marker).ljust(GUTTER_WIDTH)
        segments = [Segment(gutter, line_style + styles.gutter)]
        column_styles = {NOTE: styles.note, INSTRUMENT: styles.instrument, VOLUME: styles.volume}
        empty = line_style + styles.empty
        in_rows = block is not None and block.first_row <= row <= block.last_row
        for t in self._visible_tracks():
            parts = _cell_parts(pattern.rows[row][t], song.tracks[t].effect_columns)
            muted = song.tracks[t].mute
            selected = in_rows and block is not None and block.covers(t, NOTE)
            for column, text in enumerate(parts):
                if _is_empty(text):
                    style = empty
                else:
                    style = line_style + column_styles.get(column, styles.effect)
                    if muted:
                        style += styles.muted
                if selected:
                    style += styles.selection
                on_cell = t == cursor.track and column == cursor.column and cursor.lane is None
                if row == cursor.row and on_cell:
                    segments += _with_cursor(text, cursor.digit, column, style, styles.cursor)
                else:
                    segments.append(Segment(text, style))
                # Gaps and separators share the empty style, so a run of empty cells is
                # one segment: fewer style changes, fewer bytes to the terminal.
                if column < len(parts) - 1:
                    segments.append(Segment(" ", empty + styles.selection if selected else empty))
            segments.append(Segment(SEPARATOR, empty))
        lanes = self._lanes()
        lane_styles = {"point": styles.lane, "between": styles.lane_between}
        for index in self._visible_lanes():
            drawn = self._lane_rows(lanes[index])[row]
            style = line_style + lane_styles[drawn.kind] if drawn.kind in lane_styles else empty
            if row == cursor.row and cursor.lane == index:
                at = VALUE_OFFSET + cursor.digit
                segments += [
                    Segment(drawn.text[:at], style),
                    Segment(drawn.text[at], style + styles.cursor),
                    Segment(drawn.text[at + 1 :], style),
                ]
            else:
                segments.append(Segment(drawn.text, style))
            segments.append(Segment(SEPARATOR, empty))
        return Strip(segments)

    # ---- mouse --------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        """Place the cursor on the clicked row and track."""
        if event.y < HEADER_LINES:
            return
        row = self.top_row() + event.y - HEADER_LINES
        x = event.x - GUTTER_WIDTH
        song = self.editor.song
        for t in self._visible_tracks():
            width = track_width(song.tracks[t].effect_columns)
            if 0 <= x < width:
                self.editor.go_row(row)
                column = _column_at(x, song.tracks[t].effect_columns)
                self.editor.cursor = self.editor.cursor.__class__(
                    self.editor.cursor.pattern, self.editor.cursor.row, t, column, 0
                )
                self.post_message(self.CursorMoved())
                return
            x -= width
        for lane in self._visible_lanes():
            if 0 <= x < LANE_WIDTH:
                self.editor.go_row(row)
                digit = 1 if x > VALUE_OFFSET else 0
                self.editor.cursor = self.editor.cursor.__class__(
                    self.editor.cursor.pattern,
                    self.editor.cursor.row,
                    len(song.tracks) - 1,
                    LANE_COLUMN,
                    digit,
                    lane,
                )
                self.post_message(self.CursorMoved())
                return
            x -= LANE_WIDTH

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.editor.move_rows(WHEEL_ROWS)
        self.post_message(self.CursorMoved())

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.editor.move_rows(-WHEEL_ROWS)
        self.post_message(self.CursorMoved())


class _Styles:
    """The grid's Rich styles, looked up once per theme rather than once per line."""

    def __init__(self, grid: PatternGrid) -> None:
        def style(name: str) -> Style:
            return grid.get_component_rich_style(f"pattern-grid--{name}")

        def fg(name: str) -> Style:
            # Colour and text style without the background, so a column keeps the row's
            # background (beat, bar, cursor row, selection) instead of painting over it.
            s = style(name)
            return Style(
                color=s.color, bold=s.bold, dim=s.dim, underline=s.underline, reverse=s.reverse
            )

        def bg(name: str) -> Style:
            s = style(name)
            return Style(bgcolor=s.bgcolor, bold=s.bold, underline=s.underline, reverse=s.reverse)

        self.base = grid.rich_style
        self.header = style("header")
        self.gutter = fg("gutter")
        self.note = fg("note")
        self.instrument = fg("instrument")
        self.volume = fg("volume")
        self.effect = fg("effect")
        self.empty = fg("empty")
        self.muted = fg("muted")
        self.lane = fg("lane")
        self.lane_between = fg("lane-between")
        self.cursor = fg("cursor")
        self.bar = bg("bar")
        self.beat = bg("beat")
        self.playing = bg("playing")
        self.cursor_row = bg("cursor-row")
        self.selection = bg("selection")


def _is_empty(text: str) -> bool:
    return not text.strip(".-")


def _with_cursor(
    text: str, digit: int, column: int, style: Style, cursor_style: Style
) -> list[Segment]:
    """The column's text with the cursor on the note (whole) or on one character."""
    if column == NOTE:
        return [Segment(text, style + cursor_style)]
    return [
        Segment(text[:digit], style),
        Segment(text[digit], style + cursor_style),
        Segment(text[digit + 1 :], style),
    ]


def _column_at(x: int, effect_columns: int) -> int:
    """The column under character x of a cell "NNN II VV EEE ..."."""
    if x < 4:
        return NOTE
    if x < 7:
        return INSTRUMENT
    if x < 10:
        return VOLUME
    return min(EFFECT0 + (x - 10) // 4, EFFECT0 + effect_columns - 1)
