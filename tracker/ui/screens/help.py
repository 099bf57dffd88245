"""F1: every key, made from the same table the App's bindings are made from."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tracker.ui import keymap
from tracker.ui.editor import NOTE_CUT_KEYS, NOTE_KEYS, NOTE_OFF_KEYS


def help_table(overrides: dict[str, str]) -> Table:
    """Groups of (keys, action) rows, with the user's overrides applied."""
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column("keys", style="bold", ratio=1, overflow="fold")
    table.add_column("action", ratio=2)

    def shown(keys: str) -> str:
        return "  ".join(keymap.display_key(key) for key in keys.split(","))

    table.add_row(Text("Notes (FastTracker II layout)", style="underline"), "")
    for octave in range(3):
        row_keys = [k for k, semitones in NOTE_KEYS.items() if semitones // 12 == octave]
        table.add_row(" ".join(keymap.display_key(k) for k in row_keys), f"octave +{octave}")
    table.add_row(shown(",".join(sorted(NOTE_OFF_KEYS))), "note off")
    table.add_row(shown(",".join(sorted(NOTE_CUT_KEYS))), "note cut")
    for group in keymap.GROUPS:
        table.add_row("", "")
        table.add_row(Text(group, style="underline"), "")
        for command in keymap.COMMANDS:
            if command.group == group:
                table.add_row(shown(overrides.get(command.id, command.keys)), command.description)
    for title, rows in keymap.panel_bindings():
        table.add_row("", "")
        table.add_row(Text(title, style="underline"), "")
        for keys, description in rows:
            table.add_row(shown(keys), description)
    return table


class HelpScreen(ModalScreen[None]):
    """Every key binding; Escape, F1 or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q,question_mark", "dismiss", "Close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        overrides = getattr(self.app, "key_overrides", {})
        with VerticalScroll():
            yield Static(Text("tracker keys (Escape closes)", style="bold"))
            yield Static(help_table(overrides))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
