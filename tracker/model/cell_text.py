"""The text form of cells and rows, as shown in the pattern grid and written in project files.

A cell is ``NNN II VV`` followed by one ``CPP`` per effect column of its track::

    C-4 01 40 A0F       note C-4, instrument 01, volume 40 (hex, 00..40), effect A 0F
    --- .. .. ... ...   empty, on a track with two effect columns

Notes are "C-4"/"C#4", "===" (off), "^^^" (cut) or "---"; instrument and volume are two
upper-case hex digits or ".."; an effect is its command character and two hex digits, or
"...". A row is its cells joined by " | ". Parsing is exact: it accepts only what
format_cell writes, so a file that loads also saves back unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from tracker.model.notes import EFFECT_COMMANDS, note_name, parse_note
from tracker.model.pattern import INSTRUMENT_MAX, VOLUME_MAX, Cell, Effect

CELL_SEPARATOR: Final = " | "
EMPTY_BYTE: Final = ".."
EMPTY_EFFECT: Final = "..."
_HEX_DIGITS: Final = frozenset("0123456789ABCDEF")
_BASE_WIDTH: Final = 9  # "NNN II VV"
_EFFECT_WIDTH: Final = 4  # " CPP"


def cell_width(effect_columns: int) -> int:
    """Characters in the text of one cell on a track with that many effect columns."""
    return _BASE_WIDTH + _EFFECT_WIDTH * effect_columns


def format_cell(cell: Cell, effect_columns: int) -> str:
    if len(cell.effects) > effect_columns:
        raise ValueError(
            f"cell uses {len(cell.effects)} effect columns, the track has {effect_columns}"
        )
    parts = [note_name(cell.note), _format_byte(cell.instrument), _format_byte(cell.volume)]
    for column in range(effect_columns):
        effect = cell.effects[column] if column < len(cell.effects) else None
        parts.append(EMPTY_EFFECT if effect is None else f"{effect.command}{effect.param:02X}")
    return " ".join(parts)


def format_row(row: Sequence[Cell], effect_columns: Sequence[int]) -> str:
    if len(row) != len(effect_columns):
        raise ValueError(f"row has {len(row)} cells, expected {len(effect_columns)}")
    return CELL_SEPARATOR.join(
        format_cell(cell, columns) for cell, columns in zip(row, effect_columns, strict=True)
    )


# Songs repeat a few cells (empty ones above all) many times; cells are immutable, so the
# parsed value can be shared. This makes loading a large song several times faster.
@lru_cache(maxsize=16384)
def parse_cell(text: str, effect_columns: int) -> Cell:
    """Inverse of format_cell. Raises ValueError with a one-line reason."""
    expected = cell_width(effect_columns)
    if len(text) != expected:
        surplus = len(text) - _BASE_WIDTH
        if surplus > 0 and surplus % _EFFECT_WIDTH == 0:
            raise ValueError(
                f"has {surplus // _EFFECT_WIDTH} effect columns, the track has {effect_columns}"
            )
        raise ValueError(f"cell {text!r} is {len(text)} characters, expected {expected}")
    fields = text.split(" ")
    if len(fields) != 3 + effect_columns or any(not field for field in fields):
        raise ValueError(f"cell {text!r} is not 'NNN II VV' plus {effect_columns} effects")
    note = parse_note(fields[0])
    instrument = _parse_byte(fields[1], "instrument")
    if instrument is not None and not 1 <= instrument <= INSTRUMENT_MAX:
        raise ValueError(f"instrument {fields[1]} is outside 01..{INSTRUMENT_MAX:02X}")
    volume = _parse_byte(fields[2], "volume")
    if volume is not None and volume > VOLUME_MAX:
        raise ValueError(f"volume {fields[2]} is outside 00..{VOLUME_MAX:02X}")
    effects = tuple(_parse_effect(field) for field in fields[3:])
    return Cell(note=note, instrument=instrument, volume=volume, effects=effects)


def parse_row(text: str, effect_columns: Sequence[int]) -> list[Cell]:
    """Inverse of format_row. Errors name the track: "track 3: bad note 'H-4'"."""
    cells = text.split(CELL_SEPARATOR)
    if len(cells) != len(effect_columns):
        raise ValueError(f"has {len(cells)} cells, expected {len(effect_columns)} (one per track)")
    row = []
    for track, (cell_text, columns) in enumerate(zip(cells, effect_columns, strict=True)):
        try:
            row.append(parse_cell(cell_text, columns))
        except ValueError as exc:
            raise ValueError(f"track {track}: {exc}") from None
    return row


def _format_byte(value: int | None) -> str:
    return EMPTY_BYTE if value is None else f"{value:02X}"


def _parse_byte(text: str, what: str) -> int | None:
    if text == EMPTY_BYTE:
        return None
    if len(text) != 2 or not _HEX_DIGITS.issuperset(text):
        raise ValueError(f"bad {what} {text!r} (two upper-case hex digits or '..')")
    return int(text, 16)


def _parse_effect(text: str) -> Effect | None:
    if text == EMPTY_EFFECT:
        return None
    command, param = text[:1], text[1:]
    if len(text) != 3 or command not in EFFECT_COMMANDS or not _HEX_DIGITS.issuperset(param):
        raise ValueError(f"bad effect {text!r} (command 0-9/A-Z and two hex digits, or '...')")
    return Effect(command=command, param=int(param, 16))
