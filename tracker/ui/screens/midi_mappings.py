"""The song's MIDI mappings: which control moves which parameter, how and over what range.

The screen never edits the song: keys post Requested, the app makes the edit (undoable) and
the screen shows the song it reads through ``song`` whenever that changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Final, get_args

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Static

from tracker.midi_learn import LSB_OFFSET, MODE_NAMES, control_name
from tracker.model.params import ParamError, find_param
from tracker.model.song import MidiMapping, MidiMode, Song
from tracker.ui.text import fit

FIELDS: Final = ("mode", "low", "high")
RANGE_STEP: Final = 0.05
CHECK_S: Final = 0.1  # how often the song is looked at for changes (undo, a new mapping)
_WIDTHS: Final = (24, 14, 26, 5, 5)  # parameter, control, mode, low, high
_FIRST_FIELD_COLUMN: Final = 2


def next_mode(mapping: MidiMapping, direction: int) -> MidiMode:
    """The mode after (or before) the mapping's; 14-bit only for controllers 0..31."""
    modes: tuple[MidiMode, ...] = get_args(MidiMode)
    allowed = [m for m in modes if m != "absolute_14bit" or mapping.controller < LSB_OFFSET]
    return allowed[(allowed.index(mapping.mode) + direction) % len(allowed)]


class MidiMappingsScreen(ModalScreen[None]):
    """Lists the mappings; changes a mapping's mode and range, or removes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("up", "row(-1)", "Previous mapping", show=False),
        Binding("down", "row(1)", "Next mapping", show=False),
        Binding("left", "field(-1)", "Previous field", show=False),
        Binding("right", "field(1)", "Next field", show=False),
        Binding("comma,minus", "change(-1)", "Decrease / previous mode", key_display=","),
        Binding("full_stop,plus,equals_sign", "change(1)", "Increase / next mode", key_display="."),
        Binding("delete,backspace", "remove", "Remove mapping"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up, down | Select a mapping. |
    | left, right | Select its mode, range low or range high. |
    | comma, full_stop | Previous or next mode; range end down or up by 0.05. |
    | delete, backspace | Remove the mapping. |
    | escape, q | Close. |
    """

    DEFAULT_CSS = """
    MidiMappingsScreen {
        align: center middle;
        & > Vertical {
            width: 80;
            max-width: 100%;
            height: auto;
            max-height: 90%;
            padding: 0 1;
            border: round $accent;
            background: $surface;
        }
        & #rows { height: auto; }
        & #hint { color: $foreground-muted; }
    }
    """

    row: reactive[int] = reactive(0)
    """The selected mapping's index in the song's list."""
    field: reactive[int] = reactive(0)
    """The selected field: an index into FIELDS."""

    class Requested(Message):
        """Change mapping ``index`` (``changes`` for update_mapping) or remove it (None)."""

        def __init__(self, index: int, changes: dict[str, Any] | None) -> None:
            super().__init__()
            self.index = index
            self.changes = changes

    def __init__(self, song: Callable[[], Song]) -> None:
        """song: the current song, read again whenever it may have changed."""
        super().__init__()
        self._song = song
        self._shown: list[MidiMapping] | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("MIDI mappings", style="bold", end=""))
            yield Static(id="rows")
            yield Static(
                Text(
                    "↑↓ mapping  ←→ field  , . change  del remove  esc close  (alt+a learns)",
                    end="",
                ),
                id="hint",
            )

    def on_mount(self) -> None:
        self._draw()
        self.set_interval(CHECK_S, self._check)

    @property
    def mappings(self) -> list[MidiMapping]:
        return self._song().midi_mappings

    def validate_row(self, row: int) -> int:
        return max(0, min(row, len(self.mappings) - 1))

    def validate_field(self, field: int) -> int:
        return max(0, min(field, len(FIELDS) - 1))

    def watch_row(self) -> None:
        self._draw()

    def watch_field(self) -> None:
        self._draw()

    def action_row(self, delta: int) -> None:
        self.row += delta

    def action_field(self, delta: int) -> None:
        self.field += delta

    def action_change(self, direction: int) -> None:
        if not self.mappings:
            return
        mapping = self.mappings[self.row]
        name = FIELDS[self.field]
        if name == "mode":
            changes: dict[str, Any] = {"mode": next_mode(mapping, direction)}
        else:
            value = round(getattr(mapping, name) + direction * RANGE_STEP, 2)
            changes = {name: min(max(value, 0.0), 1.0)}
        self.post_message(self.Requested(self.row, changes))

    def action_remove(self) -> None:
        if self.mappings:
            self.post_message(self.Requested(self.row, None))

    def _check(self) -> None:
        if self.mappings is not self._shown:
            self.row = self.row  # clamp to a shorter list
            self._draw()

    def _draw(self) -> None:
        song = self._song()
        self._shown = song.midi_mappings
        text = Text(end="")
        header = ("Parameter", "Control", "Mode", "Low", "High")
        text.append(" ".join(fit(h, w) for h, w in zip(header, _WIDTHS, strict=True)), "underline")
        if not song.midi_mappings:
            text.append("\nNo mappings: select a parameter, press alt+a and move a control.")
        for index, mapping in enumerate(song.midi_mappings):
            try:
                name = find_param(song, mapping.param).name
            except ParamError:
                name = mapping.param
            cells = (
                name,
                control_name(mapping),
                MODE_NAMES[mapping.mode],
                f"{mapping.low:.2f}",
                f"{mapping.high:.2f}",
            )
            text.append("\n")
            for column, (cell, width) in enumerate(zip(cells, _WIDTHS, strict=True)):
                style = ""
                if index == self.row:
                    on_field = column == _FIRST_FIELD_COLUMN + self.field
                    style = "reverse" if on_field else "bold"
                text.append(fit(cell, width), style)
                text.append(" ")
        self.query_one("#rows", Static).update(text)
