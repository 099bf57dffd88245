"""A dialog asking for a whole number in a range: pattern length, tempo and the like."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tracker.ui.text import literal


class NumberPrompt(ModalScreen[int | None]):
    """Asks for a whole number from ``minimum`` to ``maximum``: the number, or None if cancelled.

    Enter with a number out of range (or no number) shows why on one line and keeps asking.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | enter | Accept the number (in the input). |
    | escape | Cancel. |
    """

    DEFAULT_CSS = """
    NumberPrompt {
        align: center middle;
        & > Vertical {
            width: 44;
            height: auto;
            padding: 0 1;
            border: round $accent;
            background: $surface;
        }
        & #message {
            width: 1fr;
            color: $foreground-muted;
            &.-error {
                color: $error;
                text-style: bold;
            }
        }
    }
    """

    def __init__(self, title: str, value: int, minimum: int, maximum: int) -> None:
        """Ask for a number titled ``title``, starting at ``value``, within minimum..maximum."""
        super().__init__()
        self._title = title
        self._value = value
        self._minimum = minimum
        self._maximum = maximum

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(self._title), id="title")
            yield Input(str(self._value), type="integer", id="value")
            yield Label(Text(self._hint(), end=""), id="message")

    def on_input_changed(self) -> None:
        self._show_message(self._hint(), error=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            number = int(event.value)
        except ValueError:
            number = None
        if number is None or not self._minimum <= number <= self._maximum:
            # "!" as well as the colour: the error must show on a monochrome terminal too.
            self._show_message(f"! {self._hint()}", error=True)
            return
        self.dismiss(number)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _hint(self) -> str:
        return f"A whole number from {self._minimum} to {self._maximum}"

    def _show_message(self, message: str, *, error: bool) -> None:
        label = self.query_one("#message", Label)
        label.update(Text(message, end=""))
        label.set_class(error, "-error")
