"""Users' text (song, track, instrument and file names) as the terminal shows it.

Names come from project files anyone may have written, so they are never parsed as
markup and never reach the terminal with control characters in them: an escape
sequence in a track name must not move the cursor or retitle the window.
"""

from __future__ import annotations

import unicodedata

from rich.text import Text

REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


def printable(name: str) -> str:
    """``name`` with every control, format or unassigned character replaced by U+FFFD."""
    return "".join(
        REPLACEMENT if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") else char
        for char in name
    )


def literal(name: str, style: str = "") -> Text:
    """A Text that shows ``name`` exactly: no markup, no emoji codes, no control characters."""
    return Text(printable(name), style=style, no_wrap=True, end="")


def fit(name: str, width: int) -> str:
    """The printable name cut or padded to exactly ``width`` cells (ASCII-safe: 1 cell each)."""
    text = printable(name)
    cut = Text(text)
    cut.truncate(width, overflow="ellipsis", pad=True)
    return cut.plain
