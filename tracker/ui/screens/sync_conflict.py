"""A sync that could not merge: both sides changed the same part. The person picks a side.

Nothing is deleted whatever the answer: the remote version is already saved beside ours as a
conflict copy (tracker.io.sync), and the bucket keeps what it held until we push again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from tracker.ui.screens.confirm import Confirm, _button_label
from tracker.ui.text import literal, printable

KEEP_MINE: Final = "k"
OPEN_THEIRS: Final = "o"
DECIDE_LATER: Final = "l"


class SyncConflict(Confirm):
    """Says what conflicts and where theirs is; the result is KEEP_MINE, OPEN_THEIRS,
    DECIDE_LATER, or None on escape (decide later too)."""

    DEFAULT_CSS = """
    SyncConflict {
        & #title {
            text-style: bold;
            color: $warning;
        }
        & .choice {
            width: auto;
            max-width: 68;
        }
        & Horizontal {
            margin: 1 0 0 0;
        }
    }
    """

    def __init__(self, message: str, project: Path, copy: Path) -> None:
        """``message``: the sync's one line naming the conflicting parts; ``project``: our
        file; ``copy``: the file the remote version was saved to."""
        super().__init__(
            message,
            [
                (KEEP_MINE, "Keep mine"),
                (OPEN_THEIRS, "Open theirs"),
                (DECIDE_LATER, "Decide later"),
            ],
        )
        self._project = project
        self._copy = copy

    def compose(self) -> ComposeResult:
        mine, theirs = printable(self._project.name), printable(self._copy.name)
        explained = (
            f"Keep mine: push {mine} over the remote; theirs stays in {theirs}.",
            f"Open theirs: open {theirs} here; {mine} stays as it is, not pushed.",
            "Decide later: change nothing now (S3 conflict shows until you push).",
        )
        with Vertical():
            yield Label(literal("Sync conflict"), id="title")
            # Wrapped, unlike literal(): the line names every part that conflicts.
            yield Label(Text(printable(self._question), end=""), id="question")
            for line in explained:
                yield Label(Text(line, end=""), classes="choice")
            with Horizontal():
                for key, label in self._choices:
                    yield Button(_button_label(key, label), name=key, compact=True)
