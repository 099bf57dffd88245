"""The song model: pure data (pydantic and the standard library), no I/O, no audio, no UI."""

from tracker.model.cell_text import format_cell, format_row, parse_cell, parse_row
from tracker.model.edit import Block, Clip, EditError
from tracker.model.errors import describe_error, format_location, summarize
from tracker.model.history import History, Step
from tracker.model.instrument import (
    Envelope,
    Filter,
    Instrument,
    Lfo,
    Oscillator,
    SampleInstrument,
    SampleRef,
    SynthInstrument,
)
from tracker.model.notes import (
    EFFECT_COMMANDS,
    NOTE_CUT,
    NOTE_MAX,
    NOTE_MIN,
    NOTE_OFF,
    effect_command_number,
    note_name,
    parse_note,
)
from tracker.model.pattern import (
    EMPTY_CELL,
    INSTRUMENT_MAX,
    MAX_EFFECT_COLUMNS,
    MAX_ROWS,
    MAX_TRACKS,
    VOLUME_MAX,
    Cell,
    Effect,
    Pattern,
)
from tracker.model.song import SCHEMA_VERSION, Song, Track

__all__ = [
    "EFFECT_COMMANDS",
    "EMPTY_CELL",
    "INSTRUMENT_MAX",
    "MAX_EFFECT_COLUMNS",
    "MAX_ROWS",
    "MAX_TRACKS",
    "NOTE_CUT",
    "NOTE_MAX",
    "NOTE_MIN",
    "NOTE_OFF",
    "SCHEMA_VERSION",
    "VOLUME_MAX",
    "Block",
    "Cell",
    "Clip",
    "EditError",
    "Effect",
    "Envelope",
    "Filter",
    "History",
    "Instrument",
    "Lfo",
    "Oscillator",
    "Pattern",
    "SampleInstrument",
    "SampleRef",
    "Song",
    "Step",
    "SynthInstrument",
    "Track",
    "describe_error",
    "effect_command_number",
    "format_cell",
    "format_location",
    "format_row",
    "note_name",
    "parse_cell",
    "parse_note",
    "parse_row",
    "summarize",
]
