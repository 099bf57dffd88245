"""The instrument list: one line per instrument, a highlight on the current one.

The list only draws what it is given and posts messages: moving the highlight posts Selected,
and the keys that add, clone, delete or rename post Requested for the app to carry out on the
song, so every change goes through the app's undoable edits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Final, Literal

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracker.model import Instrument
from tracker.ui.text import fit, literal

RequestedAction = Literal["new_synth", "new_sample", "clone", "delete", "rename"]

NUMBER_WIDTH: Final = 4  # ">01 " or " 01 "


class InstrumentList(ScrollView, can_focus=True):
    """The song's instruments, numbered in hex as pattern cells show them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Previous instrument", show=False),
        Binding("down", "move(1)", "Next instrument", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First instrument", show=False),
        Binding("end", "last", "Last instrument", show=False),
        Binding("n", "request('new_synth')", "New synth"),
        Binding("l", "request('new_sample')", "Load sample"),
        Binding("c", "request('clone')", "Clone"),
        Binding("delete", "request('delete')", "Delete"),
        Binding("r", "request('rename')", "Rename"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up, down | Select the previous or next instrument. |
    | pageup, pagedown | Select an instrument a page away. |
    | home, end | Select the first or last instrument. |
    | n | Ask for a new synth instrument. |
    | l | Ask to load a sample as a new instrument. |
    | c | Ask to clone the current instrument. |
    | delete | Ask to delete the current instrument. |
    | r | Ask to rename the current instrument. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "instrument-list--number",
        "instrument-list--current",
        "instrument-list--muted",
    }
    """
    | Class | Description |
    | :- | :- |
    | `instrument-list--number` | The hex number before each name. |
    | `instrument-list--current` | The line of the current instrument. |
    | `instrument-list--muted` | Placeholder text: no name, no instruments. |
    """

    DEFAULT_CSS = """
    InstrumentList {
        width: 1fr;
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        background: $surface;
        & > .instrument-list--number { color: $text-muted; }
        & > .instrument-list--muted { color: $text-muted; text-style: italic; }
        & > .instrument-list--current {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .instrument-list--current {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
    }
    """

    current: reactive[int] = reactive(0, init=False)
    """Number (1-based) of the highlighted instrument; 0 when the song has none."""

    class Selected(Message):
        """The user moved the highlight to instrument ``number`` (1-based)."""

        def __init__(self, instrument_list: InstrumentList, number: int) -> None:
            super().__init__()
            self.instrument_list = instrument_list
            self.number = number

        @property
        def control(self) -> InstrumentList:
            return self.instrument_list

    class Requested(Message):
        """The user asked for ``action`` on instrument ``number`` (0 when there is none).

        ``new_synth`` and ``new_sample`` are asked for whatever is current; the app decides
        where the new instrument goes.
        """

        def __init__(
            self, instrument_list: InstrumentList, action: RequestedAction, number: int
        ) -> None:
            super().__init__()
            self.instrument_list = instrument_list
            self.action: RequestedAction = action
            self.number = number

        @property
        def control(self) -> InstrumentList:
            return self.instrument_list

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._names: list[str] = []

    def set_instruments(self, instruments: Sequence[Instrument], current: int) -> None:
        """Show ``instruments`` with number ``current`` (1-based, 0 for none) highlighted.

        Posts nothing: Selected is for the user's moves only, so the app's own updates
        cannot loop back into it.
        """
        self._names = [instrument.name for instrument in instruments]
        self.virtual_size = Size(0, len(self._names))
        self.set_reactive(InstrumentList.current, self.validate_current(current))
        self.refresh()
        self._scroll_to_current()

    def validate_current(self, current: int) -> int:
        if not self._names:
            return 0
        return max(1, min(current, len(self._names)))

    def watch_current(self) -> None:
        self.refresh()
        self._scroll_to_current()

    def action_move(self, delta: int) -> None:
        self._select(self.current + delta)

    def action_page(self, direction: int) -> None:
        self._select(self.current + direction * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._select(1)

    def action_last(self) -> None:
        self._select(len(self._names))

    def action_request(self, action: RequestedAction) -> None:
        # Clone, delete and rename need an instrument to act on; adding never does.
        if action in ("clone", "delete", "rename") and self.current == 0:
            return
        self.post_message(self.Requested(self, action, self.current))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self._select(offset.y + self.scroll_offset.y + 1)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if not self._names:
            if y != 0:
                return Strip.blank(width, base)
            return self._strip(Text("No instruments: n adds one", style=self._muted()), width)
        if index >= len(self._names):
            return Strip.blank(width, base)
        number = index + 1
        name = self._names[index]
        shown = (
            literal(fit(name, width - NUMBER_WIDTH))
            if name
            else Text("(no name)".ljust(max(0, width - NUMBER_WIDTH)), style=self._muted())
        )
        if number == self.current:
            # The marker says which line is current without relying on colour.
            line = Text.assemble(f">{number:02X} ", shown)
            line.stylize(self.get_component_rich_style("instrument-list--current"))
        else:
            number_style = self.get_component_rich_style("instrument-list--number")
            line = Text.assemble((f" {number:02X} ", number_style), shown)
        return self._strip(line, width)

    def _muted(self) -> Style:
        return self.get_component_rich_style("instrument-list--muted")

    def _strip(self, line: Text, width: int) -> Strip:
        line.truncate(width, pad=True)
        # Text.render drops the base style, so it goes in as a span.
        line.stylize_before(line.style)
        segments = list(line.render(self.app.console))
        return Strip(segments, width).apply_style(self.rich_style)

    def _select(self, number: int) -> None:
        if not self._names:
            return
        number = self.validate_current(number)
        if number != self.current:
            self.current = number
            self.post_message(self.Selected(self, number))

    def _scroll_to_current(self) -> None:
        if self.current > 0:
            self.scroll_to_region(
                Region(0, self.current - 1, 1, 1), animate=False, immediate=True, force=True
            )
