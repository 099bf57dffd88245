"""The order list: which pattern plays at each song position.

One line per position, ``>▶00: 05!``: the cursor mark, the play mark, the position and the
pattern number in hex, and ``!`` when that pattern does not exist. Edits are requests: the
widget posts Requested and the app changes the song and answers with set_order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final, Literal

from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

OrderAction = Literal[
    "insert",
    "delete",
    "duplicate",
    "move_up",
    "move_down",
    "next_pattern",
    "previous_pattern",
    "new_pattern",
    "clone_pattern",
    "delete_unused",
    "pattern_length",
]

LINE_CELLS: Final = 8  # ">▶00: 05"


class OrderList(Widget, can_focus=True):
    """The song's order positions, a cursor to edit them and a mark where the song plays."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move_to(0)", "First", show=False),
        Binding("end", "move_to(-1)", "Last", show=False),
        Binding("enter", "jump", "Play from here"),
        Binding("insert", "request('insert')", "Insert"),
        Binding("delete", "request('delete')", "Delete"),
        Binding("d", "request('duplicate')", "Duplicate"),
        Binding("ctrl+up", "request('move_up')", "Move up", show=False),
        Binding("ctrl+down", "request('move_down')", "Move down", show=False),
        Binding("plus", "request('next_pattern')", "Next pattern", key_display="+"),
        Binding("minus", "request('previous_pattern')", "Previous pattern", key_display="-"),
        Binding("n", "request('new_pattern')", "New pattern"),
        Binding("c", "request('clone_pattern')", "Clone pattern"),
        Binding("u", "request('delete_unused')", "Delete unused", show=False),
        Binding("l", "request('pattern_length')", "Pattern length", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up, down, pageup, pagedown, home, end | Move the cursor. |
    | enter | Play from the cursor (or show its pattern). |
    | insert | Insert a position at the cursor. |
    | delete | Delete the position at the cursor. |
    | d | Duplicate the position at the cursor. |
    | ctrl+up, ctrl+down | Move the position at the cursor up or down. |
    | plus, minus | Next or previous pattern number at the cursor. |
    | n | A new empty pattern at the cursor. |
    | c | A copy of the cursor's pattern, at the cursor. |
    | u | Delete the patterns no position uses. |
    | l | Change the length of the cursor's pattern. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"order-list--cursor", "order-list--playing"}
    """
    | Class | Description |
    | :- | :- |
    | `order-list--cursor` | The line under the cursor. |
    | `order-list--playing` | The line being played. |
    """

    DEFAULT_CSS = """
    OrderList {
        width: 10;
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .order-list--playing {
            text-style: bold;
        }
        & > .order-list--cursor {
            text-style: underline;
        }
        &:focus > .order-list--cursor {
            text-style: reverse bold;
        }
    }
    """

    @dataclass
    class CursorMoved(Message):
        """Posted when a key or click moves the cursor."""

        position: int
        """The cursor's order position."""

        def can_replace(self, message: Message) -> bool:
            # Only where the cursor ends up matters to the app.
            return isinstance(message, OrderList.CursorMoved)

    @dataclass
    class Jump(Message):
        """Posted on enter: the app plays from this position, or shows its pattern."""

        position: int
        """The cursor's order position."""

    @dataclass
    class Requested(Message):
        """Posted when a key asks for an edit of the order or its patterns; the app does it."""

        action: OrderAction
        """What to do."""
        position: int
        """The cursor's order position."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """An empty order list until set_order."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._order: tuple[int, ...] = ()
        self._pattern_count = 0
        self._cursor = 0
        self._playing: int | None = None
        self._top = 0  # the position on the first line

    @property
    def cursor(self) -> int:
        """The order position under the cursor."""
        return self._cursor

    def set_order(
        self, order: Sequence[int], pattern_count: int, cursor: int, playing: int | None
    ) -> None:
        """Show ``order`` (a pattern number per position) with the cursor and play marks.

        ``pattern_count`` flags positions whose pattern does not exist; ``playing`` is the
        position being played, or None. Redraws only if something shown changed.
        """
        state = (tuple(order), pattern_count, self._clamp(cursor, len(order)), playing)
        if state == (self._order, self._pattern_count, self._cursor, self._playing):
            return
        self._order, self._pattern_count, self._cursor, self._playing = state
        self._scroll_to_cursor()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if self._order and event.y >= 0:
            self._move_cursor(self._top + event.y)

    def action_move(self, step: int) -> None:
        self._move_cursor(self._cursor + step)

    def action_page(self, direction: int) -> None:
        self._move_cursor(self._cursor + direction * max(1, self.size.height - 1))

    def action_move_to(self, position: int) -> None:
        """Move to ``position``; -1 is the last one."""
        self._move_cursor(len(self._order) - 1 if position < 0 else position)

    def action_jump(self) -> None:
        if self._order:
            self.post_message(self.Jump(self._cursor))

    def action_request(self, action: OrderAction) -> None:
        self.post_message(self.Requested(action, self._cursor))

    def _move_cursor(self, position: int) -> None:
        position = self._clamp(position, len(self._order))
        if position == self._cursor:
            return
        self._cursor = position
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(position))

    @staticmethod
    def _clamp(position: int, length: int) -> int:
        return max(0, min(position, length - 1))

    def _scroll_to_cursor(self) -> None:
        height = max(1, self.size.height)
        top = min(self._top, self._cursor, max(0, len(self._order) - height))
        self._top = max(top, self._cursor - height + 1)

    def render_line(self, y: int) -> Strip:
        self._scroll_to_cursor()  # the height may have changed since the cursor last moved
        base = self.rich_style
        position = self._top + y
        if position >= len(self._order):
            return Strip.blank(self.size.width, base)
        pattern = self._order[position]
        is_cursor = position == self._cursor
        is_playing = position == self._playing
        text = (
            f"{'>' if is_cursor else ' '}{'▶' if is_playing else ' '}"
            f"{position:02X}: {pattern:02X}{'!' if pattern >= self._pattern_count else ''}"
        )
        style = base
        if is_playing:
            style += self.get_component_rich_style("order-list--playing")
        if is_cursor:
            style += self.get_component_rich_style("order-list--cursor")
        width = self.size.width
        return Strip([Segment(text.ljust(width), style)]).crop_extend(0, width, base)
