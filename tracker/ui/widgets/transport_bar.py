"""The transport bar: what plays, where, how fast, the edit settings and the audio's health.

One line when the terminal is wide enough, otherwise wrapped between its parts (two lines at
80 columns), so everything stays visible on an 80x24 terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, Literal

from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from tracker.ui.text import printable

PlayState = Literal["stopped", "song", "pattern"]

SEPARATOR: Final = " │ "
AUDIO_MAX_CELLS: Final = 24  # a device name is not allowed to push the rest off the line
LOAD_WARNING: Final = 0.8  # callback CPU load from which dropouts are near: marked with "!"

# Icon and word per play state; words padded alike so the position never shifts sideways.
_PLAY_LABELS: Final[dict[PlayState, tuple[str, str]]] = {
    "stopped": ("■", "STOP"),
    "song": ("▶", "SONG"),
    "pattern": ("▶", "PATTERN"),
}
_PLAY_WORD_CELLS: Final = max(len(word) for _, word in _PLAY_LABELS.values())


@dataclass(frozen=True)
class TransportState:
    """Everything the transport bar shows; compared as a whole to decide whether to redraw."""

    playing: PlayState = "stopped"
    """Nothing, the song along the order, or the current pattern over and over."""
    order: int = 0
    """Order position playing (or under the cursor when stopped)."""
    order_length: int = 1
    """Entries in the order list, shown after the position."""
    pattern: int = 0
    """Pattern number at that position."""
    row: int = 0
    """Row within the pattern."""
    tempo_bpm: int = 125
    """Tempo in beats per minute."""
    speed_ticks: int = 6
    """Ticks per row."""
    octave: int = 4
    """Octave the note keys enter."""
    edit_step: int = 1
    """Rows the cursor advances after a note is entered."""
    edit_mode: bool = False
    """True when keys write into the pattern."""
    record: bool = False
    """True when MIDI notes are recorded into the pattern (REC)."""
    cue: int | None = None
    """Order position (or pattern) cued to start when the playing pattern ends."""
    clock: str = ""
    """MIDI clock: "EXT 133.2" when following one, "CLK OUT" when sending; "" neither."""
    follow: bool = True
    """True when the pattern view follows the playhead."""
    loop_pattern: bool = False
    """True when song playback repeats the current pattern."""
    load: float = 0.0
    """Share of the audio callback's time budget in use, 0..1 (more when overloaded)."""
    xruns: int = 0
    """Buffer under- and overruns since the stream started."""
    dirty: bool = False
    """True when the song has changes not yet saved."""
    audio: str = ""
    """Short description of the audio output, e.g. "JACK" or "null: no audio device"."""
    hex_rows: bool = True
    """Row numbers in hexadecimal (else decimal)."""
    sync: str = ""
    """The S3 sync indicator, e.g. "S3 ✓" or "S3 conflict"; "" for a project never synced."""
    sync_alert: bool = False
    """True when the sync needs the person: a conflict, a queued push, no connection."""


class TransportBar(Widget):
    """The play state, position, tempo, edit settings and audio health, in one or two lines."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transport-bar--separator",
        "transport-bar--edit",
        "transport-bar--record",
        "transport-bar--warning",
    }
    """
    | Class | Description |
    | :- | :- |
    | `transport-bar--separator` | The bars between the parts. |
    | `transport-bar--edit` | The EDIT mark while edit mode is on. |
    | `transport-bar--record` | The REC mark while record mode is on. |
    | `transport-bar--warning` | High CPU load, xruns, unsaved changes, a sync needing care. |
    """

    DEFAULT_CSS = """
    TransportBar {
        width: 1fr;
        height: auto;
        background: $panel;
        color: $foreground;
        text-wrap: nowrap;
        & > .transport-bar--separator {
            color: $foreground-muted;
        }
        & > .transport-bar--edit {
            text-style: reverse bold;
        }
        & > .transport-bar--record {
            color: $error;
            text-style: reverse bold;
        }
        & > .transport-bar--warning {
            color: $warning;
            text-style: bold;
        }
    }
    """

    state: reactive[TransportState] = reactive(TransportState)
    """What the bar shows. Assigning an equal state draws nothing."""

    def update_state(self, state: TransportState) -> None:
        """Show ``state``; redraws only when it differs from what is shown."""
        self.state = state

    def watch_state(self, old: TransportState, new: TransportState) -> None:
        # A longer audio name or a new flag can wrap onto another line: only then lay out again.
        width = self.size.width
        if width and len(self._lines(old, width)) != len(self._lines(new, width)):
            self.refresh(layout=True)

    def render(self) -> RenderResult:
        return Text("\n", end="").join(self._lines(self.state, self.size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(self.state, width))

    def _lines(self, state: TransportState, width: int) -> list[Text]:
        """The parts of ``state`` laid out in lines of at most ``width`` cells, broken at parts."""
        separator_style = self.get_component_rich_style("transport-bar--separator")
        lines = [Text(end="")]
        for part in self._parts(state):
            line = lines[-1]
            if line.cell_len and line.cell_len + len(SEPARATOR) + part.cell_len > width:
                line = Text(end="")
                lines.append(line)
            if line.cell_len:
                line.append(SEPARATOR, separator_style)
            line.append_text(part)
        return lines

    def _parts(self, state: TransportState) -> list[Text]:
        warning = self.get_component_rich_style("transport-bar--warning")
        icon, word = _PLAY_LABELS[state.playing]
        row = f"{state.row:02X}" if state.hex_rows else f"{state.row:03d}"
        position = Text(
            f"{icon} {word:<{_PLAY_WORD_CELLS}} ord {state.order:02X}/{state.order_length:02X}"
            f" pat {state.pattern:02X} row {row}",
            end="",
        )
        parts = [
            position,
            Text(f"{state.tempo_bpm} bpm spd {state.speed_ticks}", end=""),
            Text(f"oct {state.octave} step {state.edit_step}", end=""),
        ]
        if state.edit_mode:
            parts.append(Text("EDIT", self.get_component_rich_style("transport-bar--edit")))
        else:
            parts.append(Text("VIEW", end=""))
        if state.record:
            parts.append(Text("REC", self.get_component_rich_style("transport-bar--record")))
        if state.cue is not None:
            parts.append(
                Text(f"CUE {state.cue:02X}", self.get_component_rich_style("transport-bar--record"))
            )
        if state.clock:
            parts.append(Text(state.clock, end=""))
        flags = [
            name for name, on in (("FOLLOW", state.follow), ("LOOP", state.loop_pattern)) if on
        ]
        if flags:
            parts.append(Text(" ".join(flags), end=""))
        health = Text(end="")
        load_percent = min(999, round(max(0.0, state.load) * 100))
        if state.load >= LOAD_WARNING:
            health.append(f"cpu {load_percent}%!", warning)
        else:
            health.append(f"cpu {load_percent}%")
        health.append(" ")
        health.append(f"xrun {state.xruns}", warning if state.xruns else "")
        parts.append(health)
        if state.audio:
            audio = Text(printable(state.audio), end="")
            audio.truncate(AUDIO_MAX_CELLS, overflow="ellipsis")
            parts.append(audio)
        if state.dirty:
            parts.append(Text("* unsaved", warning, end=""))
        if state.sync:
            parts.append(Text(state.sync, warning if state.sync_alert else "", end=""))
        return parts
