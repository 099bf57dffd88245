"""The rename dialog: one line of text, prefilled with the current name."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tracker.model.base import NAME_MAX_CHARS
from tracker.ui.text import literal, printable


class RenameScreen(ModalScreen[str | None]):
    """Enter dismisses with the text typed, Escape with None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | enter | Rename to the text typed. |
    | escape | Close without renaming. |
    """

    DEFAULT_CSS = """
    RenameScreen {
        align: center middle;
        & > Vertical {
            width: 60;
            max-width: 100%;
            height: auto;
            border: round $accent;
            border-title-color: $accent;
            background: $surface;
        }
        & #hint { color: $text-muted; }
    }
    """

    def __init__(self, current_name: str, title: str = "Rename") -> None:
        super().__init__()
        # The field shows what it holds, so control characters in an old name become U+FFFD.
        self._current_name = printable(current_name)
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical() as dialog:
            dialog.border_title = literal(self._title)  # a caller may put a name in it
            yield Input(value=self._current_name, max_length=NAME_MAX_CHARS)
            yield Static("Enter rename · Esc cancel", id="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
