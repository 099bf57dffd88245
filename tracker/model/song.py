"""The song: tracks, instruments, patterns and the order they play in.

Field order here is the key order of a project file, so ``schema_version`` comes first.
Rules that span fields (row widths, effect columns per track, instrument numbers, order
entries, the parameters MIDI mappings name) are checked when a Song is validated: on
construction, on assignment to one of its fields, and by ``Song.model_validate``. Edits made
inside a nested list or model in place are not seen until then; save_project validates the
whole song before writing.
"""

from __future__ import annotations

from typing import Final, Literal, Self

from pydantic import Field, field_validator, model_validator

from tracker.model.base import NAME_MAX_CHARS, StrictModel
from tracker.model.instrument import Instrument, SampleInstrument, SampleRef, sample_refs_of
from tracker.model.params import ParamError, find_param
from tracker.model.pattern import INSTRUMENT_MAX, MAX_EFFECT_COLUMNS, MAX_TRACKS, Pattern

SCHEMA_VERSION: Final = 1
MAX_PATTERNS: Final = 256
MAX_ORDER: Final = 256
DEFAULT_PATTERN_ROWS: Final = 64
MAX_MIDI_MAPPINGS: Final = 1024
PARAM_ID_MAX_CHARS: Final = 64


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


class Track(StrictModel):
    name: str = Field(default="", max_length=NAME_MAX_CHARS)
    volume: float = Field(default=1.0, ge=0.0, le=1.0)
    pan: float = Field(default=0.0, ge=-1.0, le=1.0)
    mute: bool = False
    solo: bool = False
    effect_columns: int = Field(default=1, ge=1, le=MAX_EFFECT_COLUMNS)
    midi_channel: int | None = Field(default=None, ge=1, le=16)
    """Notes, program changes and the I/M/N effects also go out as MIDI on this channel."""
    midi_only: bool = False
    """The external synth alone plays this track: its internal instrument stays silent."""
    midi_output: str | None = Field(default=None, min_length=1, max_length=NAME_MAX_CHARS)
    """The MIDI outputs this track's messages go to: those whose name contains this (so two
    tracks on one channel can play two synths); None: every open output."""


MidiMode = Literal[
    "absolute",  # 7-bit: 0..127 sweeps the range
    "absolute_14bit",  # controller (0..31) sends the MSB, controller + 32 the LSB
    "relative_twos_complement",  # 1..63 up, 127..64 down (-1..-64)
    "relative_binary_offset",  # 65..127 up, 63..0 down: value - 64
    "relative_sign_magnitude",  # 1..63 up, 65..127 down: bit 6 is the sign
]


class MidiMapping(StrictModel):
    """A MIDI controller that moves one parameter (an id of tracker.model.params)."""

    param: str = Field(max_length=PARAM_ID_MAX_CHARS)
    channel: int = Field(ge=0, le=15)
    """0..15 as on the wire; people see 1..16."""
    controller: int = Field(ge=0, le=127)
    """The CC number; for absolute_14bit the MSB's (0..31), whose LSB is controller + 32."""
    mode: MidiMode = "absolute"
    low: float = Field(default=0.0, ge=0.0, le=1.0)
    """Where the control's bottom lands in the parameter's range, 0..1 along its curve."""
    high: float = Field(default=1.0, ge=0.0, le=1.0)
    """...and its top; below ``low`` turns the control around."""

    @model_validator(mode="after")
    def _msb_has_an_lsb(self) -> Self:
        if self.mode == "absolute_14bit" and self.controller > 31:
            raise ValueError(
                f"controller {self.controller}: a 14-bit control's MSB is 0..31 (its LSB is +32)"
            )
        return self


Playback = Literal["native", "protracker", "fasttracker2", "screamtracker3"]
"""Whose rules the replayer follows: our own (FastTracker II's linear pitch, our volume
model), or those of the tracker an imported module was written in, so it keeps sounding
as it did there after editing: ProTracker (Amiga periods and its quirks), FastTracker II
or Scream Tracker 3."""


class Song(StrictModel):
    schema_version: int = SCHEMA_VERSION
    title: str = Field(default="", max_length=NAME_MAX_CHARS)
    author: str = Field(default="", max_length=NAME_MAX_CHARS)
    tempo_bpm: int = Field(default=125, ge=32, le=255)
    speed_ticks: int = Field(default=6, ge=1, le=31)  # ticks per row
    rows_per_beat: int = Field(default=4, ge=1, le=32)  # display only: row highlighting
    rows_per_bar: int = Field(default=16, ge=1, le=256)  # display only
    master_volume: float = Field(default=1.0, ge=0.0, le=2.0)
    interpolation: Literal["linear", "cubic"] = "cubic"
    playback: Playback = "native"
    frequencies: Literal["linear", "amiga"] = "linear"
    """How slides move pitch under FastTracker II's rules: in even steps of pitch (linear)
    or of Amiga period (an XM's Amiga frequency table). ProTracker and Scream Tracker 3
    songs always slide in periods."""
    global_volume: int = Field(default=64, ge=0, le=64)
    """Where the global volume (``Gxx``, ``Hxy``) starts, 0..64."""
    tracks: list[Track] = Field(min_length=1, max_length=MAX_TRACKS)
    # Instrument number n (as written in cells) is instruments[n - 1].
    instruments: list[Instrument] = Field(default_factory=list, max_length=INSTRUMENT_MAX)
    patterns: list[Pattern] = Field(min_length=1, max_length=MAX_PATTERNS)
    order: list[int] = Field(min_length=1, max_length=MAX_ORDER)  # pattern index per position
    restart_order: int = Field(default=0, ge=0)  # order position played after the last one
    midi_mappings: list[MidiMapping] = Field(default_factory=list, max_length=MAX_MIDI_MAPPINGS)

    @field_validator("schema_version")
    @classmethod
    def _current_schema(cls, version: int) -> int:
        if version != SCHEMA_VERSION:
            raise ValueError(f"must be {SCHEMA_VERSION} (older files are migrated when loaded)")
        return version

    @model_validator(mode="after")
    def _parts_agree(self) -> Self:
        for position, index in enumerate(self.order):
            if not 0 <= index < len(self.patterns):
                raise ValueError(
                    f"order[{position}]: pattern {index} does not exist "
                    f"(the song has {_count(len(self.patterns), 'pattern')})"
                )
        if self.restart_order >= len(self.order):
            raise ValueError(
                f"restart_order: {self.restart_order} is past the end of the order "
                f"({_count(len(self.order), 'entry', 'entries')})"
            )
        self._check_cells()
        self._check_sample_refs()
        self._check_mappings()
        return self

    def _check_mappings(self) -> None:
        for index, mapping in enumerate(self.midi_mappings):
            try:
                find_param(self, mapping.param)
            except ParamError as error:
                raise ValueError(f"midi_mappings[{index}].param: {error}") from None
        for p, pattern in enumerate(self.patterns):
            for index, lane in enumerate(pattern.automation):
                try:
                    find_param(self, lane.param)
                except ParamError as error:
                    raise ValueError(f"patterns[{p}].automation[{index}].param: {error}") from None

    def _check_sample_refs(self) -> None:
        # One hash is one sound: every reference to it must describe the same audio.
        seen: dict[str, tuple[int, SampleRef]] = {}
        for number, instrument in enumerate(self.instruments):
            if not isinstance(instrument, SampleInstrument):
                continue
            for ref in sample_refs_of(instrument):
                first = seen.setdefault(ref.sha256, (number, ref))
                if ref.model_dump(exclude={"name"}) != first[1].model_dump(exclude={"name"}):
                    raise ValueError(
                        f"instruments[{number}]: a sample has the same sha256 as one of "
                        f"instruments[{first[0]}] but a different format, length, channels, "
                        "rate or bit depth"
                    )

    def _check_cells(self) -> None:
        columns = [track.effect_columns for track in self.tracks]
        instrument_count = len(self.instruments)
        for p, pattern in enumerate(self.patterns):
            for r, row in enumerate(pattern.rows):
                where = f"patterns[{p}].rows[{r}]"
                if len(row) != len(columns):
                    tracks = _count(len(columns), "track")
                    raise ValueError(f"{where}: has {len(row)} cells, the song has {tracks}")
                for t, cell in enumerate(row):
                    if len(cell.effects) > columns[t]:
                        raise ValueError(
                            f"{where}: track {t}: uses {len(cell.effects)} effect columns, "
                            f"the track has {columns[t]}"
                        )
                    # Empty instrument slots are not a thing here: the list has no holes, so a
                    # number past its end would play silence in the kernel and is rejected.
                    if cell.instrument is not None and cell.instrument > instrument_count:
                        raise ValueError(
                            f"{where}: track {t}: instrument {cell.instrument:02X} does not exist "
                            f"(the song has {_count(instrument_count, 'instrument')})"
                        )

    @classmethod
    def new(cls, tracks: int = 8) -> Song:
        """An empty song: ``tracks`` tracks, one empty 64-row pattern, order [0]."""
        return cls(
            tracks=[Track() for _ in range(tracks)],
            patterns=[Pattern.empty(DEFAULT_PATTERN_ROWS, tracks)],
            order=[0],
        )

    def instrument(self, number: int) -> Instrument:
        """The instrument a cell's number refers to (numbers start at 1)."""
        if not 1 <= number <= len(self.instruments):
            raise IndexError(f"instrument {number} is outside 1..{len(self.instruments)}")
        return self.instruments[number - 1]

    def sample_refs(self) -> dict[str, SampleRef]:
        """The samples the song uses, by sha256, in instrument order (each once)."""
        refs: dict[str, SampleRef] = {}
        for instrument in self.instruments:
            if isinstance(instrument, SampleInstrument):
                for ref in sample_refs_of(instrument):
                    refs.setdefault(ref.sha256, ref)
        return refs
