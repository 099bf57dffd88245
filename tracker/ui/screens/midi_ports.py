"""The MIDI ports: which inputs play, which output is sent to, and what each input received.

Port names come from other programs and devices, so they are shown literally. Every choice
is applied at once (the port watcher opens or closes the port) and saved in config.toml.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from tracker.config import ConfigError, UserConfig
from tracker.io.midi import stable_name
from tracker.midi_play import MidiPlayer
from tracker.midi_ports import OPEN, MidiPorts, PortRow
from tracker.ui.text import literal

REFRESH_S: Final = 0.5
"""How often states and counters are redrawn (they are read, never waited for)."""
INPUT_COLUMNS: Final = ("", "input", "api", "state", "received", "malformed", "sysex>4K", "errors")
OUTPUT_COLUMNS: Final = ("", "output", "api", "state")
CHOSEN_MARK: Final = "●"


def _row_key(row: PortRow) -> str:
    return f"{'in' if row.is_input else 'out'}:{row.name}"


def _cells(row: PortRow) -> tuple[Text | str, ...]:
    mark = CHOSEN_MARK if row.own or row.chosen is not None else ""
    name = literal(row.name + (" (ours, always open)" if row.own else ""))
    state = literal(row.state, "" if row.state == OPEN or not row.chosen else "bold")
    cells: tuple[Text | str, ...] = (mark, name, row.api or "-", state)
    if row.is_input:
        counts = row.counts
        figures = (
            (counts.received, counts.malformed, counts.sysex_dropped, counts.handler_errors)
            if counts
            else ("", "", "", "")
        )
        cells += tuple(str(figure) for figure in figures)
    return cells


class MidiPortsScreen(ModalScreen[None]):
    """Inputs and outputs with their state and counters; choices applied and saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("space", "choose", "Choose / drop"),
        Binding("c", "channel", "Next MIDI channel"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up, down | Move in a list. |
    | tab, shift+tab | Between the inputs and the outputs. |
    | space, enter | Input: play from it, or stop. Output: send to it, or stop. |
    | c | The channel played: all, then 1 to 16. |
    | escape | Close. |
    """

    DEFAULT_CSS = """
    MidiPortsScreen {
        align: center middle;
        & > Vertical {
            width: 100%;
            max-width: 110;
            height: 100%;
            max-height: 40;
            border: round $accent;
            background: $surface;
            padding: 0 1;
        }
        & DataTable {
            height: auto;
            max-height: 12;
            margin: 0 0 1 0;
        }
        & #ports-title {
            text-style: bold;
        }
    }
    """

    def __init__(self, ports: MidiPorts, config: UserConfig, player: MidiPlayer) -> None:
        super().__init__()
        self._ports = ports
        self._config = config
        self._player = player
        self._rows: dict[str, PortRow] = {}
        self._shown: dict[str, tuple[Any, ...]] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title(), id="ports-title")
            yield DataTable(id="inputs", cursor_type="row", zebra_stripes=False)
            yield DataTable(id="outputs", cursor_type="row", zebra_stripes=False)
            yield Static(id="channel")
            yield Static(id="ports-status")

    def on_mount(self) -> None:
        self._inputs = self.query_one("#inputs", DataTable)
        self._outputs = self.query_one("#outputs", DataTable)
        self._inputs.add_columns(*INPUT_COLUMNS)
        self._outputs.add_columns(*OUTPUT_COLUMNS)
        self._show_channel()
        self._ports.list_everything = True
        self._ports.choose(self._ports.wanted_inputs, self._ports.wanted_output)  # look now
        self.refresh_ports()
        self.set_interval(REFRESH_S, self.refresh_ports)
        self._inputs.focus()

    def on_unmount(self) -> None:
        self._ports.list_everything = False

    def _title(self) -> Text:
        api = self._ports.api
        if api is None:
            problem = self._ports.problem or "MIDI is off"
            return literal(f"MIDI ports: none ({problem})")
        return Text(f"MIDI ports ({api.upper()}) · space/enter: choose or drop · c: channel")

    # ---- drawing ------------------------------------------------------------------------

    def refresh_ports(self) -> None:
        """Redraw from the watcher's last look; only cells that changed are redrawn."""
        rows = self._ports.rows()
        self._rows = {_row_key(row): row for row in rows}
        for table, is_input in ((self._inputs, True), (self._outputs, False)):
            wanted = [row for row in rows if row.is_input == is_input]
            keys = [_row_key(row) for row in wanted]
            current = [str(key.value) for key in table.rows]
            if keys != current:
                self._rebuild(table, wanted)
                continue
            for row in wanted:
                key = _row_key(row)
                cells = _cells(row)
                old = self._shown.get(key, ())
                for index, (column, cell) in enumerate(zip(table.columns, cells, strict=False)):
                    if index >= len(old) or str(old[index]) != str(cell):
                        table.update_cell(key, column, cell)
                self._shown[key] = cells

    def _rebuild(self, table: DataTable[Any], rows: list[PortRow]) -> None:
        at = table.cursor_row
        selected = (
            str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
            if table.row_count
            else None
        )
        table.clear()
        for row in rows:
            cells = _cells(row)
            table.add_row(*cells, key=_row_key(row))
            self._shown[_row_key(row)] = cells
        keys = [_row_key(row) for row in rows]
        if selected in keys:
            table.move_cursor(row=keys.index(selected))
        elif rows:
            table.move_cursor(row=min(at, len(rows) - 1))

    def _show_channel(self) -> None:
        channel = self._config.effective.midi_channel
        shown = "all" if channel is None else str(channel)
        self.query_one("#channel", Static).update(f"Channel played: {shown}")

    def _say(self, text: str) -> None:
        self.query_one("#ports-status", Static).update(literal(text))

    # ---- choices ------------------------------------------------------------------------

    def action_choose(self) -> None:
        focused = self.focused
        if isinstance(focused, DataTable) and focused.row_count:
            key = focused.coordinate_to_cell_key(focused.cursor_coordinate).row_key.value
            self._toggle(self._rows.get(str(key)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._toggle(self._rows.get(str(event.row_key.value)))

    def _toggle(self, row: PortRow | None) -> None:
        if row is None or row.api is None:
            return
        if row.own:
            self._say("our own port is always open")
            return
        # Chosen by the settings, not only by the last look: the watcher may not have
        # opened a port chosen a moment ago yet.
        settings = self._config.effective
        name = stable_name(row.name, row.api)
        if row.is_input:
            chosen = [wanted for wanted in settings.midi_inputs if wanted != row.chosen]
            if len(chosen) == len(settings.midi_inputs) and name not in chosen:
                chosen.append(name)
            else:
                chosen = [wanted for wanted in chosen if wanted != name]
            self._apply(midi_inputs=tuple(chosen))
        else:
            dropped = row.chosen is not None or settings.midi_output == name
            self._apply(midi_output=None if dropped else name)
        self.refresh_ports()

    def action_channel(self) -> None:
        channel = self._config.effective.midi_channel
        self._apply(midi_channel=1 if channel is None else (None if channel == 16 else channel + 1))
        self._show_channel()

    def _apply(self, **fields: Any) -> None:
        """Use the change now, save it, say where (or why not)."""
        try:
            self._config.change(**fields)
            path = self._config.path
            said = f"saved in {path}" if path else "applied (not saved: no config file)"
        except ConfigError as error:
            said = f"applied, not saved: {error}"
        settings = self._config.effective
        channel = settings.midi_channel
        self._player.channel = None if channel is None else channel - 1
        self._ports.choose(settings.midi_inputs, settings.midi_output)
        self._say(said)
