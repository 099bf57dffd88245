"""A question with a row of answers, each picked by its key: "unsaved changes" and the like."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tracker.ui.text import literal, printable


def _button_label(key: str, label: str) -> Text:
    """``label`` with its key shown: ``[S]ave``, or ``Close [x]`` when the key is not in it."""
    text = printable(label)
    at = text.lower().find(key.lower())
    if at < 0:
        return Text(f"{text} [{key}]", end="")
    return Text(f"{text[:at]}[{text[at]}]{text[at + 1 :]}", end="")


class Confirm(ModalScreen[str | None]):
    """Asks ``question``; the result is the key of the answer chosen, or None on escape.

    ``choices`` are (key, label) pairs such as ``[("s", "Save"), ("d", "Discard"),
    ("c", "Cancel")]``: pressing a key picks its answer, as does enter on a focused button.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("left", "app.focus_previous", "Previous", show=False),
        Binding("right", "app.focus_next", "Next", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | a choice's key | Pick that answer. |
    | left, right, tab | Move between the answers. |
    | enter, space | Pick the focused answer. |
    | escape | Cancel: the result is None. |
    """

    DEFAULT_CSS = """
    Confirm {
        align: center middle;
        & > Vertical {
            width: auto;
            max-width: 72;
            min-width: 36;
            height: auto;
            padding: 0 1;
            border: round $accent;
            background: $surface;
        }
        & #question {
            width: auto;
            max-width: 68;
            margin: 0 0 1 0;
        }
        & Horizontal {
            width: auto;
            height: auto;
        }
        & Button {
            min-width: 10;
            margin: 0 1 0 0;
        }
    }
    """

    def __init__(self, question: str, choices: Sequence[tuple[str, str]]) -> None:
        """Ask ``question`` with ``choices`` as (key, label); the first choice has the focus."""
        super().__init__()
        self._question = question
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(self._question), id="question")
            with Horizontal():
                for key, label in self._choices:
                    yield Button(_button_label(key, label), name=key, compact=True)

    def on_key(self, event: events.Key) -> None:
        character = (event.character or "").lower()
        for key, _ in self._choices:
            if character == key.lower():
                event.stop()
                self.dismiss(key)
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.name)

    def action_cancel(self) -> None:
        self.dismiss(None)
