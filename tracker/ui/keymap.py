"""Every key binding of the app, as one table, and the user's overrides of it.

The table is the single source: the App's BINDINGS, the help screen, the command
palette and docs/keys.md are all made from it. A user overrides keys by binding id in
``keys.toml`` in the config folder (platformdirs), e.g.::

    [keys]
    play_song = "f5,alt+p"
    save = "ctrl+s"

Note keys (the FastTracker II layout) live in tracker.ui.editor: they are a keyboard
layout, not commands.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from textual.binding import Binding
from textual.widget import Widget

CONFIG_FILE_NAME: Final = "keys.toml"
PAGE_ROWS: Final = 16


@dataclass(frozen=True, slots=True)
class Command:
    id: str
    keys: str  # comma-separated Textual key names
    action: str
    description: str
    group: str
    show: bool = False  # shown in the footer line
    priority: bool = False  # before any widget's own keys


# Groups in the order the help screen lists them.
GROUPS: Final = ("File", "Transport", "Views", "Cursor", "Editing", "Selection", "Settings")

COMMANDS: Final[tuple[Command, ...]] = (
    # File
    Command("help", "f1,question_mark", "help", "Show every key", "File", True, True),
    Command("save", "ctrl+s", "save", "Save", "File", True, True),
    Command("save_as", "ctrl+e", "save_as", "Save as…", "File", False, True),
    # S3 sync (tracker.io.sync): saves first, then pushes, merging what changed remotely.
    Command("sync", "ctrl+u", "sync", "Sync with the S3 bucket (saves first)", "File", False, True),
    Command("open", "ctrl+o", "open", "Open a project…", "File", False, True),
    Command("quit", "ctrl+q", "quit_app", "Quit", "File", True, True),
    Command("palette", "ctrl+p", "command_palette", "Command palette", "File", False, True),
    # Transport
    Command("play_song", "f5", "play_song", "Play song", "Transport", True, True),
    Command("play_pattern", "f6", "play_pattern", "Play pattern (loops)", "Transport", False, True),
    Command("play_cursor", "f7", "play_from_cursor", "Play from cursor", "Transport", False, True),
    Command("stop", "f8,escape", "stop", "Stop / clear selection", "Transport", True),
    Command("loop", "ctrl+l", "toggle_loop", "Loop pattern on/off", "Transport"),
    Command("follow", "ctrl+f", "toggle_follow", "Follow playback on/off", "Transport"),
    Command("tempo_down", "alt+minus", "tempo(-1)", "Tempo -1 BPM", "Transport"),
    Command("tempo_up", "alt+plus,alt+equals_sign", "tempo(1)", "Tempo +1 BPM", "Transport"),
    # MIDI record mode (tracker.record); its settings are in Settings.
    Command("record", "alt+r", "toggle_record", "Record MIDI notes on/off", "Transport"),
    # Live performance (also from MIDI pads: tracker.perform) and MIDI clock (tracker.clock_in)
    Command("cue", "alt+q", "cue", "Cue order position at cursor (again: cancel)", "Transport"),
    Command("cue_bar", "ctrl+b", "cue(True)", "Cue it for the end of the bar", "Transport"),
    Command("clock_out", "alt+u", "toggle_clock_out", "MIDI clock out on/off", "Transport"),
    Command(
        "clock_in", "alt+f", "toggle_clock_in", "Follow external MIDI clock on/off", "Transport"
    ),
    # Views
    Command("view_pattern", "f2", "view('pattern')", "Pattern editor", "Views", True, True),
    Command("view_instruments", "f3", "view('instruments')", "Instruments", "Views", True, True),
    Command("view_mixer", "f4", "view('mixer')", "Mixer", "Views", True, True),
    Command("view_orders", "ctrl+g", "focus_orders", "Order list", "Views", False, True),
    Command("next_panel", "ctrl+n", "app.focus_next", "Next panel", "Views"),
    # Cursor
    Command("up", "up", "move(-1)", "Row up", "Cursor"),
    Command("down", "down", "move(1)", "Row down", "Cursor"),
    Command("left", "left", "column(-1)", "Column left", "Cursor"),
    Command("right", "right", "column(1)", "Column right", "Cursor"),
    Command("page_up", "pageup", f"move({-PAGE_ROWS})", f"{PAGE_ROWS} rows up", "Cursor"),
    Command("page_down", "pagedown", f"move({PAGE_ROWS})", f"{PAGE_ROWS} rows down", "Cursor"),
    Command("home", "home", "go_row(0)", "First row", "Cursor"),
    Command("end", "end", "go_row(-1)", "Last row", "Cursor"),
    # Priority: the Screen's own tab (focus next) would come first otherwise.
    Command("next_track", "tab", "track(1)", "Next track", "Cursor", priority=True),
    Command("previous_track", "shift+tab", "track(-1)", "Previous track", "Cursor", priority=True),
    Command("next_pattern", "ctrl+right", "order_step(1)", "Next order position", "Cursor"),
    Command("previous_pattern", "ctrl+left", "order_step(-1)", "Previous order position", "Cursor"),
    # Editing
    Command("edit_mode", "space", "toggle_edit", "Edit mode on/off", "Editing", True),
    Command("clear", "delete", "clear_field", "Clear column", "Editing"),
    Command("clear_cell", "shift+delete,alt+delete", "clear_cell", "Clear cell", "Editing"),
    Command("insert_row", "insert,alt+i", "insert_row(False)", "Insert row (track)", "Editing"),
    Command(
        "insert_row_all", "shift+insert,alt+o", "insert_row(True)", "Insert row (all)", "Editing"
    ),
    Command("delete_row", "backspace", "delete_row(False)", "Delete row (track)", "Editing"),
    Command(
        "delete_row_all",
        "shift+backspace,alt+backspace",
        "delete_row(True)",
        "Delete row (all tracks)",
        "Editing",
    ),
    # Automation lanes (tracker.ui.automation): columns after the pattern's last track.
    Command("add_lane", "alt+w", "add_lane", "Add an automation lane…", "Editing"),
    Command("remove_lane", "alt+z", "remove_lane", "Remove the automation lane", "Editing"),
    Command(
        "lane_interpolation",
        "alt+y",
        "lane_interpolation",
        "Automation lane: linear / step",
        "Editing",
    ),
    Command("undo", "ctrl+z", "undo", "Undo", "Editing", False, True),
    Command("redo", "ctrl+y", "redo", "Redo", "Editing", False, True),
    # Selection
    Command("select_up", "shift+up", "move(-1, True)", "Select up", "Selection"),
    Command("select_down", "shift+down", "move(1, True)", "Select down", "Selection"),
    Command("select_left", "shift+left", "column(-1, True)", "Select left", "Selection"),
    Command("select_right", "shift+right", "column(1, True)", "Select right", "Selection"),
    Command("block_begin", "alt+b", "block_begin", "Block begin", "Selection"),
    Command("block_end", "alt+e", "block_end", "Block end", "Selection"),
    Command("select_track", "alt+l", "select_track", "Select track (again: all)", "Selection"),
    Command("copy", "alt+c,ctrl+c", "copy", "Copy", "Selection"),
    Command("cut", "alt+x,ctrl+x", "cut", "Cut", "Selection"),
    Command("paste", "alt+v,ctrl+v", "paste(False)", "Paste", "Selection"),
    Command("mix_paste", "alt+m", "paste(True)", "Mix paste (fill empty fields)", "Selection"),
    Command("clear_block", "alt+d", "clear_block", "Clear selection", "Selection"),
    Command("transpose_up", "alt+up", "transpose(1)", "Transpose +1 semitone", "Selection"),
    Command("transpose_down", "alt+down", "transpose(-1)", "Transpose -1 semitone", "Selection"),
    Command("octave_up_block", "alt+pageup", "transpose(12)", "Transpose +1 octave", "Selection"),
    Command(
        "octave_down_block", "alt+pagedown", "transpose(-12)", "Transpose -1 octave", "Selection"
    ),
    Command("set_instrument", "alt+s", "set_instrument", "Set instrument on block", "Selection"),
    Command("interpolate", "alt+j", "interpolate", "Interpolate values", "Selection"),
    Command("expand", "alt+g", "expand", "Expand x2", "Selection"),
    Command("shrink", "alt+h", "shrink", "Shrink /2", "Selection"),
    # Settings
    Command("octave_down", "less_than_sign", "octave(-1)", "Octave down", "Settings"),
    Command("octave_up", "greater_than_sign", "octave(1)", "Octave up", "Settings"),
    Command("step_down", "left_curly_bracket", "step(-1)", "Edit step down", "Settings"),
    Command("step_up", "right_curly_bracket", "step(1)", "Edit step up", "Settings"),
    Command("instrument_down", "alt+left", "instrument(-1)", "Previous instrument", "Settings"),
    Command("instrument_up", "alt+right", "instrument(1)", "Next instrument", "Settings"),
    Command("hex_rows", "ctrl+r", "toggle_hex", "Row numbers hex/decimal", "Settings"),
    Command("theme", "ctrl+t", "toggle_contrast", "High-contrast theme on/off", "Settings"),
    Command(
        "record_quantise", "alt+t", "record_quantise", "Record: to rows / ticks (EDx)", "Settings"
    ),
    Command(
        "record_note_offs", "alt+n", "record_note_offs", "Record: note-offs on/off", "Settings"
    ),
    Command("record_velocity", "alt+k", "record_velocity", "Record: velocity on/off", "Settings"),
    # MIDI controllers (tracker.midi_learn): learn works on the mixer's and instrument
    # editor's parameter under the cursor.
    Command("midi_learn", "alt+a", "midi_learn", "MIDI learn (again: next parameter)", "Settings"),
    Command("midi_mappings", "f9", "midi_mappings", "MIDI mappings…", "Settings"),
    Command("midi_ports", "ctrl+k", "midi_ports", "MIDI ports…", "Settings", False, True),
)


# How keys are shown to people (Textual names them for the config file).
_KEY_GLYPHS: Final = {
    "comma": ",",
    "full_stop": ".",
    "semicolon": ";",
    "slash": "/",
    "grave_accent": "`",
    "exclamation_mark": "!",
    "circumflex_accent": "^",
    "question_mark": "?",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
}


def display_key(key: str) -> str:
    """``alt+full_stop`` -> ``alt+.``."""
    *modifiers, name = key.split("+")
    return "+".join([*modifiers, _KEY_GLYPHS.get(name, name)])


def panel_bindings() -> list[tuple[str, list[tuple[str, str]]]]:
    """(panel, [(keys, description)]) for the keys each panel handles itself while focused."""
    from tracker.ui.widgets.instrument_editor import InstrumentEditor
    from tracker.ui.widgets.instrument_list import InstrumentList
    from tracker.ui.widgets.mixer import Mixer
    from tracker.ui.widgets.order_list import OrderList

    panels: list[tuple[str, type[Widget]]] = [
        ("Order list (ctrl+g)", OrderList),
        ("Instrument list (F3, then tab)", InstrumentList),
        ("Instrument editor (F3)", InstrumentEditor),
        ("Mixer (F4)", Mixer),
    ]
    found: list[tuple[str, list[tuple[str, str]]]] = []
    for title, widget in panels:
        rows = [
            (binding.key, binding.description)
            for binding in widget.BINDINGS
            if isinstance(binding, Binding)
        ]
        found.append((title, rows))
    return found


def bindings() -> list[Binding]:
    return [
        Binding(c.keys, c.action, c.description, show=c.show, priority=c.priority, id=c.id)
        for c in COMMANDS
    ]


def config_path() -> Path:
    from tracker.config import config_dir

    return config_dir() / CONFIG_FILE_NAME


class KeymapError(ValueError):
    """A keys.toml that cannot be used; the message is one line."""


def load_overrides(path: Path | None = None) -> dict[str, str]:
    """The user's {binding id: keys}; {} when there is no file. Raises KeymapError."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise KeymapError(f"{path}: {error}") from None
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        raise KeymapError(f'{path}: [keys] must be a table of id = "keys"')
    known = {c.id for c in COMMANDS}
    overrides: dict[str, str] = {}
    for binding_id, value in keys.items():
        if binding_id not in known:
            raise KeymapError(f"{path}: unknown binding id {binding_id!r}")
        if not isinstance(value, str) or not value.strip():
            raise KeymapError(f"{path}: {binding_id} must be a string of key names")
        overrides[binding_id] = value.replace(" ", "")
    return overrides


def keys_markdown() -> str:
    """docs/keys.md's tables, from COMMANDS."""
    from tracker.ui.editor import NOTE_CUT_KEYS, NOTE_KEYS, NOTE_OFF_KEYS

    lines = [
        "# Keys",
        "",
        "Generated from `tracker/ui/keymap.py` (`make keys-doc`); a test checks it is current.",
        f"Override any binding by its id in `{CONFIG_FILE_NAME}` in the user config folder",
        "(`~/.config/tracker/keys.toml` on Linux):",
        "",
        "```toml",
        "[keys]",
        'play_song = "f5,alt+p"',
        "```",
        "",
        "## Notes (FastTracker II layout)",
        "",
        "In the pattern editor's note column. Edit mode off: the key plays the current",
        "instrument on the cursor's track (jamming). Edit mode on: it is written at the cursor",
        "with the current instrument, and the cursor steps down by the edit step. In the",
        "instrument editor they play the instrument being edited, to hear each change.",
        "",
        "| octave | keys |",
        "| --- | --- |",
    ]
    by_octave: dict[int, list[str]] = {}
    for key, semitones in NOTE_KEYS.items():
        by_octave.setdefault(semitones // 12, []).append(f"`{key}`")
    for octave, keys in sorted(by_octave.items()):
        lines.append(f"| current + {octave} | {' '.join(keys)} |")
    lines += [
        f"| note off | {' '.join(f'`{k}`' for k in sorted(NOTE_OFF_KEYS))} |",
        f"| note cut | {' '.join(f'`{k}`' for k in sorted(NOTE_CUT_KEYS))} |",
        "",
        "In the instrument, volume and effect columns, `0`-`9` and `a`-`f` enter hex digits;",
        "on an effect's command character, `0`-`9` and `a`-`z` choose the command. In an",
        "automation lane (after the last track) two hex digits write a point, 00-FF along the",
        "parameter's range, and `delete` clears it.",
        "",
    ]
    for group in GROUPS:
        lines += [f"## {group}", "", "| keys | action | id |", "| --- | --- | --- |"]
        for c in COMMANDS:
            if c.group == group:
                shown = ", ".join(f"`{k}`" for k in c.keys.split(","))
                lines.append(f"| {shown} | {c.description} | `{c.id}` |")
        lines.append("")
    lines += [
        "## Panels",
        "",
        "Keys a panel handles itself while it has the focus (these are not in keys.toml).",
        "",
    ]
    for title, rows in panel_bindings():
        lines += [f"### {title}", "", "| keys | action |", "| --- | --- |"]
        for panel_keys, description in rows:
            shown = ", ".join(f"`{k}`" for k in panel_keys.split(","))
            lines.append(f"| {shown} | {description} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
