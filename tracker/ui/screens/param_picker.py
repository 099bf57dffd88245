"""Pick one of the song's parameters by name, typing to narrow the list: a new automation lane.

The list is every parameter the song has (tracker.model.params.song_params), by name
("Track 3 volume", "Inst 02 cutoff"); each word typed must appear in the name (or the id).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Final

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tracker.model.params import Param
from tracker.ui.text import literal

PAGE: Final = 10


def matches(param: Param, query: str) -> bool:
    """Every word of ``query`` is in the parameter's name or id, ignoring case."""
    haystack = f"{param.name} {param.id}".lower()
    return all(word in haystack for word in query.lower().split())


class ParamPicker(ModalScreen[str | None]):
    """Dismisses with the chosen parameter's id, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("down", "move(1)", "Next", show=False),
        Binding("pageup", f"move({-PAGE})", "Page up", show=False),
        Binding("pagedown", f"move({PAGE})", "Page down", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | text | Narrow the list to names with every word typed. |
    | up, down, pageup, pagedown | Move through the list. |
    | enter | Choose the highlighted parameter. |
    | escape | Close without choosing. |
    """

    DEFAULT_CSS = """
    ParamPicker {
        align: center middle;
        & > Vertical {
            width: 50;
            max-width: 100%;
            height: 80%;
            border: round $accent;
            border-title-color: $accent;
            background: $surface;
        }
        & OptionList { height: 1fr; }
        & #hint { color: $text-muted; }
    }
    """

    def __init__(
        self, params: Sequence[Param], selected: str | None = None, title: str = "Automate"
    ) -> None:
        """params: what can be chosen, in order; selected: the id highlighted at first."""
        super().__init__()
        self._params = list(params)
        self._selected = selected
        self._title = title
        self._shown: list[Param] = []

    def compose(self) -> ComposeResult:
        with Vertical() as dialog:
            dialog.border_title = literal(self._title)
            yield Input(placeholder="type to filter")
            yield OptionList()
            yield Static(Text("Enter choose · ↑↓ move · Esc cancel", end=""), id="hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        highlighted = self._highlighted_id() or self._selected
        self._shown = [param for param in self._params if matches(param, query)]
        options.clear_options()
        options.add_options([Option(literal(param.name), id=param.id) for param in self._shown])
        ids = [param.id for param in self._shown]
        if ids:
            options.highlighted = ids.index(highlighted) if highlighted in ids else 0

    def _highlighted_id(self) -> str | None:
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index].id

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        chosen = self._highlighted_id()
        if chosen is not None:
            self.dismiss(chosen)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        """Move the highlight while the typing stays in the filter (clamped at the ends)."""
        options = self.query_one(OptionList)
        if options.option_count:
            here = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, here + delta))

    def action_cancel(self) -> None:
        self.dismiss(None)
