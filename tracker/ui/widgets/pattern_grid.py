"""The pattern grid: every track of one pattern side by side, drawn line by line.

Nothing here is a widget per cell: ``render_line(y)`` builds one Strip per screen line
from the pattern's rows, so a 64-track, 256-row pattern costs what the screen shows.
The cursor row stays in the middle of the view (as in FastTracker II), so scrolling
follows the cursor, and in follow mode the playing row. The row-number gutter and the
track header stay put while the tracks scroll sideways.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar, Final

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tracker.model import Cell
from tracker.model.cell_text import cell_width
from tracker.model.edit import EFFECT0, INSTRUMENT, NOTE, VOLUME
from tracker.ui.editor import Editor
from tracker.ui.text import fit

HEADER_LINES: Final = 2
GUTTER_WIDTH: Final = 4  # "1F" / "031" and a space
SEPARATOR: Final = "│"
METER_DB_FLOOR: Final = -48.0


@lru_cache(maxsize=4096)
def _cell_parts(cell: Cell, effect_columns: int) -> tuple[str, ...]:
    """The text of each column of a cell: note, instrument, volume, effects."""
    from tracker.model import format_cell

    return tuple(format_cell(cell, effect_columns).split(" "))


def track_width(effect_columns: int) -> int:
    return cell_width(effect_columns) + 1  # and the separator


def meter_bar(peak: float, width: int) -> str:
    """A peak as a bar of `width` cells on a dB scale, with a `!` at full scale."""
    import math

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
        """The leftmost track shown; moved only as far as keeps the cursor in view."""
        self._last_drawn: tuple[object, ...] | None = None

    # ---- state from the App ---------------------------------------------------------------

    def update_view(self, playing_row: int | None, peaks: dict[int, float] | None = None) -> None:
        """Redraw if anything drawn changed (cursor, song, play row, meters)."""
        self.playing_row = playing_row
        if peaks is not None:
            self.peaks = peaks
        self._scroll_tracks()
        e = self.editor
        drawn = (
            e.song,
            e.cursor,
            e.selection(),
            playing_row,
            self.first_track,
            self.hex_rows,
            e.follow,
            tuple(sorted(self.peaks.items())),
            self.size,
        )
        if drawn != self._last_drawn:
            self._last_drawn = drawn
            self.refresh()

    def _scroll_tracks(self) -> None:
        song = self.editor.song
        cursor = self.editor.cursor.track
        self.first_track = min(self.first_track, cursor, len(song.tracks) - 1)
        available = max(1, self.size.width - GUTTER_WIDTH)
        while self.first_track < cursor:
            used = sum(
                track_width(t.effect_columns) for t in song.tracks[self.first_track : cursor + 1]
            )
            if used <= available:
                break
            self.first_track += 1

    def _center_row(self) -> int:
        """The pattern row drawn on the middle line: the cursor's, or the playing one in
        follow mode."""
        e = self.editor
        if e.follow and self.playing_row is not None and not e.edit_mode:
            return self.playing_row
        return e.cursor.row

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    # ---- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y < HEADER_LINES:
            return self._header_line(y).crop(0, width).extend_cell_length(width)
        body_height = self.size.height - HEADER_LINES
        row = self._center_row() - body_height // 2 + (y - HEADER_LINES)
        pattern = self.editor.song.patterns[self.editor.cursor.pattern]
        if not 0 <= row < len(pattern.rows):
            return Strip.blank(width, self.rich_style)
        return self._row_line(row).crop(0, width).extend_cell_length(width, self.rich_style)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"pattern-grid--{name}")

    def _fg(self, name: str) -> Style:
        """A component's colour and text style without its background, so a column keeps
        the row's background (beat, bar, cursor row, selection) instead of painting over it."""
        s = self._style(name)
        return Style(color=s.color, bold=s.bold, underline=s.underline, reverse=s.reverse)

    def _bg(self, name: str) -> Style:
        """A component's background (blended as the CSS says) and text style, no colour."""
        s = self._style(name)
        return Style(bgcolor=s.bgcolor, bold=s.bold, underline=s.underline, reverse=s.reverse)

    def _visible_tracks(self) -> range:
        song = self.editor.song
        available = self.size.width - GUTTER_WIDTH
        end = self.first_track
        while end < len(song.tracks) and available > 0:
            available -= track_width(song.tracks[end].effect_columns)
            end += 1
        return range(self.first_track, end)

    def _header_line(self, y: int) -> Strip:
        song = self.editor.song
        header = self._style("header")
        base = self.rich_style
        pattern_label = f"P{self.editor.cursor.pattern:02X}"
        segments = [
            Segment(pattern_label.ljust(GUTTER_WIDTH) if y == 0 else " " * GUTTER_WIDTH, header)
        ]
        for t in self._visible_tracks():
            track = song.tracks[t]
            inner = cell_width(track.effect_columns)
            if y == 0:
                text = fit(track.name or f"Track {t + 1}", inner)
                style = header + self._fg("muted") if track.mute else header
                segments.append(Segment(text, style))
            else:
                # Mute and solo as letters too: never by colour alone.
                flags = f"{t + 1:02}{'M' if track.mute else '-'}{'S' if track.solo else '-'} "
                segments += [
                    Segment(flags, header),
                    Segment(
                        meter_bar(self.peaks.get(t, 0.0), inner - len(flags)),
                        header + self._fg("volume"),
                    ),
                ]
            segments.append(Segment(SEPARATOR, base))
        return Strip(segments)

    def _row_line(self, row: int) -> Strip:
        e = self.editor
        song = e.song
        cursor = e.cursor
        pattern = song.patterns[cursor.pattern]
        block = e.selection()
        line_style = self.rich_style
        if row % song.rows_per_bar == 0:
            line_style += self._bg("bar")
        elif row % song.rows_per_beat == 0:
            line_style += self._bg("beat")
        if row == self.playing_row:
            line_style += self._bg("playing")
        if row == cursor.row:
            line_style += self._bg("cursor-row")
        number = f"{row:02X}" if self.hex_rows else f"{row:03d}"
        segments = [Segment(number.ljust(GUTTER_WIDTH), line_style + self._fg("gutter"))]
        column_styles = {
            NOTE: self._fg("note"),
            INSTRUMENT: self._fg("instrument"),
            VOLUME: self._fg("volume"),
        }
        effect_style = self._fg("effect")
        empty_style = self._fg("empty")
        selection_style = self._bg("selection")
        cursor_style = self._fg("cursor")
        in_rows = block is not None and block.first_row <= row <= block.last_row
        for t in self._visible_tracks():
            columns = song.tracks[t].effect_columns
            parts = _cell_parts(pattern.rows[row][t], columns)
            muted = song.tracks[t].mute
            for column, text in enumerate(parts):
                style = line_style + column_styles.get(column, effect_style)
                if text.strip(".-") == "" and text:
                    style = line_style + empty_style
                if muted:
                    style += self._fg("muted")
                if in_rows and block is not None and block.covers(t, column):
                    style += selection_style
                if row == cursor.row and t == cursor.track and column == cursor.column:
                    segments += _with_cursor(text, cursor.digit, column, style, cursor_style)
                else:
                    segments.append(Segment(text, style))
                gap_selected = (
                    in_rows
                    and block is not None
                    and block.covers(t, column + 1)
                    and block.covers(t, column)
                )
                if column < len(parts) - 1:
                    segments.append(Segment(" ", style if gap_selected else line_style))
            segments.append(Segment(SEPARATOR, line_style))
        return Strip(segments)

    # ---- mouse --------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        """Place the cursor on the clicked row and track."""
        if event.y < HEADER_LINES:
            return
        body_height = self.size.height - HEADER_LINES
        row = self._center_row() - body_height // 2 + (event.y - HEADER_LINES)
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

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.editor.move_rows(4, wrap=False)
        self.post_message(self.CursorMoved())

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.editor.move_rows(-4, wrap=False)
        self.post_message(self.CursorMoved())


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
