"""The sample browser: pick an audio file to load as a sample instrument.

File names come from the disk, so they are shown literally: a file called ``[b]x.wav`` or one
with an escape sequence in its name is drawn as the characters it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar, Final

from rich.text import Text, TextType
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Static

from tracker.ui.text import literal

# What libsndfile reads and read_audio_file accepts; matched without regard to case.
AUDIO_SUFFIXES: Final = frozenset({".wav", ".flac", ".aiff", ".aif", ".ogg"})


def is_audio_file(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # unreadable or a dangling link: not something to open
        return False


class AudioFileTree(DirectoryTree):
    """A DirectoryTree of folders and files with the given suffixes (audio files unless
    told otherwise), hidden entries left out, names literal."""

    def __init__(self, path: Path, suffixes: frozenset[str] = AUDIO_SUFFIXES) -> None:
        super().__init__(path)
        self.suffixes = suffixes

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            path
            for path in paths
            if not path.name.startswith(".")
            and (path.suffix.lower() in self.suffixes or _is_folder(path))
        ]

    def process_label(self, label: TextType) -> Text:
        # DirectoryTree keeps the name as it is; control characters must not reach the terminal.
        return literal(label.plain if isinstance(label, Text) else label)


class SampleBrowser(ModalScreen[Path | None]):
    """Browse from a folder; Enter on an audio file dismisses with its path, Escape with None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("backspace", "parent", "Parent folder"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | enter | Open a folder, or load the file under the cursor. |
    | backspace | Browse the folder above. |
    | escape | Close without loading. |
    """

    DEFAULT_CSS = """
    SampleBrowser {
        align: center middle;
        & > Vertical {
            width: 90%;
            height: 90%;
            max-width: 100;
            border: round $accent;
            border-title-color: $accent;
            background: $surface;
        }
        & #folder { color: $text-muted; height: 1; }
        & AudioFileTree { height: 1fr; }
        & #hint { color: $text-muted; height: 1; }
    }
    """

    def __init__(
        self, folder: Path, title: str = "Load sample", suffixes: frozenset[str] = AUDIO_SUFFIXES
    ) -> None:
        """suffixes: the files offered (lower case, with the dot); also used to open projects."""
        super().__init__()
        self._folder = folder
        self._title = title
        self._suffixes = suffixes

    def compose(self) -> ComposeResult:
        with Vertical() as dialog:
            dialog.border_title = literal(self._title)  # a caller may put a name in it
            yield Static(literal(str(self._folder)), id="folder")
            yield AudioFileTree(self._folder, self._suffixes)
            yield Static("Enter open · Backspace parent folder · Esc cancel", id="hint")

    def on_mount(self) -> None:
        self.query_one(AudioFileTree).focus()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(event.path)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_parent(self) -> None:
        tree = self.query_one(AudioFileTree)
        folder = Path(tree.path).resolve().parent
        tree.path = folder
        self.query_one("#folder", Static).update(literal(str(folder)))
