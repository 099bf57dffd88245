"""FastTracker II modules (.xm): import one as a new project, export a song back to one.

Reads version 1.04 files, the layout FastTracker II 2.0x and every later tracker writes
(1.02 and 1.03, from FastTracker II's betas, store patterns and samples in another order and
are refused). Writes 1.04 with FastTracker II's own header and instrument sizes.

An imported song plays by FastTracker II's rules (``Song.playback = "fasttracker2"``), with
linear or Amiga slides as the file's flag says. Cells, effects and instruments map one for
one; docs/file-format.md ("XM") has the whole mapping. Effects FastTracker II does not have
(OpenMPT's extensions) are dropped and counted in one log line. Where the header is out of the
model's range it is clamped: a speed of 0 plays as 1 and one above 31 as 31 (FastTracker II's
highest), a tempo below 32 BPM as 32 and one above 255 as 255.

Every problem is a one-line ModuleError. Nothing is allocated from a size in the file before
that size is checked against the file's length, so any input is cheap to refuse.
"""

from __future__ import annotations

import logging
import struct
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, NoReturn

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from tracker.io.mod import (
    BASE_NOTE,
    C5_RATE_HZ,
    MAX_MODULE_BYTES,
    MOD_ENVELOPE,
    TRUNCATION_SLACK_BYTES,
    VOLUME_MAX,
    ModuleError,
    check_distinct_cells,
    check_module_size,
    master_volume_for,
    mod_sample,
    name_bytes,
    stored_text,
)
from tracker.io.project import Project
from tracker.io.samples import SampleAudio, canonical_pcm, format_for_bit_depth, sample_hash
from tracker.model.errors import summarize
from tracker.model.instrument import (
    AutoVibrato,
    BitDepth,
    Envelope,
    EnvelopePoint,
    Instrument,
    LoopMode,
    PointEnvelope,
    SampleInstrument,
    SampleRef,
    SampleZone,
    SynthInstrument,
    VibratoWave,
    sample_fields,
)
from tracker.model.notes import EFFECT_COMMANDS, NOTE_CUT, NOTE_MAX, NOTE_OFF, note_name
from tracker.model.pattern import EMPTY_CELL, MAX_ROWS, MAX_TRACKS, Cell, Effect, Pattern
from tracker.model.song import MAX_ORDER, MAX_PATTERNS, Song, Track

SUFFIXES: Final = (".xm",)
"""File name endings read and written as FastTracker II modules."""

SIGNATURE: Final = b"Extended Module: "
VERSION: Final = 0x0104
MAX_INSTRUMENTS: Final = 128
EXPORT_MAX_CHANNELS: Final = 32  # FastTracker II plays no more
MAX_SAMPLES: Final = 16
"""Samples an instrument keeps, as in FastTracker II; ModPlug wrote up to 32, and the data of
the rest is skipped."""
MAX_DECLARED_SAMPLES: Final = 32
ENVELOPE_POINTS: Final = 12
FADEOUT_FULL: Final = 32768
"""FastTracker II's fadeout counts down from this, by the instrument's fadeout each tick."""

NOTE_FIRST: Final = 12
"""Our note for XM note 1 (FastTracker II's C-0): its C-4, which plays a sample of relative
note 0 at 8363 Hz, is our C-5 (60), as OpenMPT shows it and as the MOD import has it."""
NOTE_LAST: Final = NOTE_FIRST + 95
XM_NOTE_OFF: Final = 97
EMPTY_PATTERN_ROWS: Final = 64
"""The rows of a pattern the order names but the file does not hold (FastTracker II)."""

VOLUME_COMMAND: Final = "V"
"""The effect letter of a volume-column command (bytes 0x60-0xFF, kept whole as ``Vxx``)."""
_VOLUME_SET_FIRST: Final = 0x10  # 0x10-0x50 set the volume 0-64
_VOLUME_COMMAND_FIRST: Final = 0x60
_FINE_PATTERN_DELAY: Final = 0x6  # X6x: played here, as OpenMPT plays ModPlug's XMs

# XM effect numbers are base-36 digits, as our letters are: these mean in FastTracker II
# what the letter means to us. The rest (I, J, M, N, O, Q, S, U, V, W, Y, Z: OpenMPT's
# extensions, or nothing) mean other things here: import drops them and logs how many.
KEPT_EFFECTS: Final = frozenset(
    (*range(16), *(EFFECT_COMMANDS.index(letter) for letter in "GHKLPRTX"))
)

_WAVES: Final[tuple[VibratoWave, ...]] = ("sine", "square", "ramp_down", "ramp_up")
_LOOPS: Final[tuple[LoopMode, ...]] = ("none", "forward", "pingpong", "pingpong")
"""By the low two bits of a sample's type; both set is ping-pong (FastTracker II, OpenMPT)."""

_TITLE_BYTES: Final = 20
_NAME_BYTES: Final = 22
_TRACKER_NAME: Final = b"FastTracker v2.00".ljust(20, b" ")
"""What MilkyTracker writes too: players (OpenMPT among them) apply FastTracker II's rules to a
file by this name, and our export plays by those rules."""
# signature, title, 0x1A, tracker name, version, header size (counted from byte 60), song
# length, restart, channels, patterns, instruments, flags, speed (ticks), tempo (BPM)
_HEADER: Final = struct.Struct("<17s20sB20sHIHHHHHHHH")
_HEADER_SIZE_AT: Final = 60
_HEADER_FIELDS_BYTES: Final = 20  # header size up to the order table
_EXPORT_HEADER_SIZE: Final = _HEADER_FIELDS_BYTES + MAX_ORDER
_LINEAR_FLAG: Final = 1
_PATTERN_HEADER: Final = struct.Struct("<IBHH")  # header size, packing (0), rows, packed size
# size, name, type, samples, sample header size, keymap, volume and pan envelope points,
# point counts, sustain and loop points, envelope flags, auto-vibrato, fadeout
_INSTRUMENT_HEADER: Final = struct.Struct("<I22sBHI96s24H24H14BH")
_INSTRUMENT_BYTES: Final = 263  # FastTracker II's size: the fields and 22 reserved bytes
_EMPTY_INSTRUMENT_BYTES: Final = 33  # FastTracker II's for an instrument without samples
_MIN_INSTRUMENT_BYTES: Final = 4
# length, loop start, loop length (bytes), volume, finetune, type, pan, relative note,
# reserved (0xAD: ModPlug ADPCM), name
_SAMPLE_HEADER: Final = struct.Struct("<IIIBbBBbB22s")
_SIXTEEN_BIT: Final = 0x10
_STEREO: Final = 0x20  # ModPlug: left then right, mixed to mono as FastTracker II clones do
_ADPCM: Final = 0xAD
_ADPCM_TABLE_BYTES: Final = 16
_ENVELOPE_ON, _ENVELOPE_SUSTAIN, _ENVELOPE_LOOP = 1, 2, 4

_PACKED: Final = 0x80
_FIELDS: Final = 5  # note, instrument, volume column, effect, parameter
_PACKED_FIELDS: Final = tuple(
    tuple(bit for bit in range(_FIELDS) if flags >> bit & 1) for flags in range(32)
)
"""The fields a packed cell's flag byte says follow, by its low five bits."""
_ENTRY_BYTES: Final = tuple(
    1 + len(_PACKED_FIELDS[first & 0x1F]) if first & _PACKED else _FIELDS for first in range(256)
)
"""A stored entry's length by its first byte: a flag byte and the fields it names, or five."""


_log = logging.getLogger(__name__)

_Decoded = tuple[Cell, str | None]  # a cell, and the name of an effect it dropped


@dataclass(frozen=True, slots=True)
class _Header:
    title: str
    channels: int
    pattern_count: int
    instrument_count: int
    order: list[int]
    restart: int
    linear: bool
    speed: int
    tempo: int
    patterns_at: int


@dataclass(frozen=True, slots=True)
class _SampleHeader:
    length: int  # bytes as stored (ADPCM: the decoded frame count)
    loop_start: int  # bytes
    loop_length: int  # bytes
    volume: int
    finetune: int  # -128..127, 1/128 semitone
    flags: int
    pan: int  # 0..255, 128 centre
    relative_note: int  # -128..127 semitones from C-4
    reserved: int
    name: str

    @property
    def sixteen_bit(self) -> bool:
        return bool(self.flags & _SIXTEEN_BIT)

    @property
    def stereo(self) -> bool:
        return bool(self.flags & _STEREO)

    @property
    def adpcm(self) -> bool:
        return self.reserved == _ADPCM and not self.flags & (_SIXTEEN_BIT | _STEREO)

    @property
    def stored_bytes(self) -> int:
        if self.adpcm:
            return _ADPCM_TABLE_BYTES + (self.length + 1) // 2
        return self.length

    @property
    def bytes_per_frame(self) -> int:
        return (2 if self.sixteen_bit else 1) * (2 if self.stereo else 1)


# ---- import ---------------------------------------------------------------------------


def load_xm(data: bytes, source: str = "song.xm") -> Project:
    """A new project from the bytes of an XM file; ModuleError (one line) if they are not one.

    ``source`` names the file in messages. The project has no path; its samples are keyed by
    sha256 as ``import_sample`` keys them.
    """
    label = source
    check_module_size(data, label)
    header = _header(data, label)
    cells: dict[bytes, _Decoded] = {}
    dropped: Counter[str] = Counter()
    patterns, at = _patterns(data, header, label, cells, dropped)
    if dropped:
        listed = ", ".join(f"{name} x{count}" for name, count in sorted(dropped.items()))
        _log.info(
            "%s: %d effects have no equivalent and were dropped: %s",
            label,
            dropped.total(),
            listed,
        )
    while len(patterns) <= max(header.order):
        patterns.append(Pattern.empty(EMPTY_PATTERN_ROWS, header.channels))
    tracks = [Track(effect_columns=columns) for columns in _effect_columns(patterns)]

    samples: dict[str, SampleAudio] = {}
    instruments: list[Instrument] = []
    for index in range(header.instrument_count):
        instrument, at = _instrument(data, at, index, header.instrument_count, label, samples)
        instruments.append(instrument)
    # A cell may name an instrument the file does not declare: it plays nothing there.
    referenced = max((cell.instrument or 0 for cell, _ in cells.values()), default=0)
    while len(instruments) < referenced:
        silent, audio = mod_sample(b"")
        samples.setdefault(silent.sample.sha256, audio)
        instruments.append(silent)

    try:
        song = Song(
            title=header.title,
            tempo_bpm=header.tempo,
            speed_ticks=header.speed,
            playback="fasttracker2",
            frequencies="linear" if header.linear else "amiga",
            master_volume=master_volume_for(header.channels),
            global_volume=64,
            tracks=tracks,
            instruments=instruments,
            patterns=patterns,
            order=header.order,
            restart_order=header.restart,
        )
    except ValidationError as error:  # a bug here rather than in the file: still one line
        raise ModuleError(f"{label}: imported song is invalid: {summarize(error)}") from None
    return Project(song=song, samples=samples)


def _effect_columns(patterns: Sequence[Pattern]) -> list[int]:
    """Per track: 2 where a cell has a volume-column command and an effect, else 1."""
    columns = [1] * patterns[0].track_count
    for pattern in patterns:
        for row in pattern.rows:
            for track, cell in enumerate(row):
                if len(cell.effects) == 2:
                    columns[track] = 2
    return columns


def _truncated(label: str, what: str, end: int, data: bytes) -> NoReturn:
    raise ModuleError(f"{label}: truncated: {what} runs to byte {end}, the file has {len(data)}")


def _header(data: bytes, label: str) -> _Header:
    if not data.startswith(SIGNATURE) and not SIGNATURE.startswith(data):
        raise ModuleError(f"{label}: not an XM file (it does not start with {SIGNATURE!r})")
    if len(data) < _HEADER.size:
        raise ModuleError(
            f"{label}: truncated header: {len(data)} bytes, an XM header takes {_HEADER.size}"
        )
    fields = _HEADER.unpack_from(data)
    title = fields[1]
    version, header_size, length, restart, channels, pattern_count, instrument_count = fields[4:11]
    flags, speed, tempo = fields[11:]
    if version != VERSION:
        raise ModuleError(
            f"{label}: XM version {version >> 8}.{version & 0xFF:02X} is not read, only 1.04 "
            "(1.02 and 1.03, from FastTracker II's betas, order the file differently)"
        )
    if not 1 <= channels <= MAX_TRACKS:
        raise ModuleError(f"{label}: declares {channels} channels, a song holds 1 to {MAX_TRACKS}")
    if pattern_count > MAX_PATTERNS:
        raise ModuleError(
            f"{label}: declares {pattern_count} patterns, an XM holds at most {MAX_PATTERNS}"
        )
    if instrument_count > MAX_INSTRUMENTS:
        raise ModuleError(
            f"{label}: declares {instrument_count} instruments, an XM holds at most "
            f"{MAX_INSTRUMENTS}"
        )
    if length > MAX_ORDER:
        raise ModuleError(
            f"{label}: its order list has {length} entries, an XM at most {MAX_ORDER}"
        )
    if header_size < _HEADER_FIELDS_BYTES:
        raise ModuleError(
            f"{label}: corrupt header: its size field says {header_size} bytes, its fields "
            f"alone take {_HEADER_FIELDS_BYTES}"
        )
    order_end = _HEADER.size + length
    if order_end > len(data):
        _truncated(label, "the order list", order_end, data)
    patterns_at = _HEADER_SIZE_AT + header_size
    if patterns_at > len(data):
        _truncated(label, "the header", patterns_at, data)
    order = list(data[_HEADER.size : order_end])
    if pattern_count <= 0xFF:  # some trackers padded the order with 0xFF (ft2-clone)
        while order and order[-1] == 0xFF:
            order.pop()
    if not order:
        order = [0]  # FastTracker II plays pattern 0 (OpenMPT)
    return _Header(
        title=stored_text(title),
        channels=channels,
        pattern_count=pattern_count,
        instrument_count=instrument_count,
        order=order,
        restart=restart if restart < len(order) else 0,
        linear=bool(flags & _LINEAR_FLAG),
        speed=min(max(speed, 1), 31),
        tempo=min(max(tempo, 32), 255),
        patterns_at=patterns_at,
    )


def _patterns(
    data: bytes,
    header: _Header,
    label: str,
    cells: dict[bytes, _Decoded],
    dropped: Counter[str],
) -> tuple[list[Pattern], int]:
    """The stored patterns, and where the instruments start after them."""
    patterns: list[Pattern] = []
    at = header.patterns_at
    for index in range(header.pattern_count):
        where = f"pattern {index} of {header.pattern_count}"
        if at + _PATTERN_HEADER.size > len(data):
            _truncated(label, f"the header of {where}", at + _PATTERN_HEADER.size, data)
        header_size, _, rows, packed_size = _PATTERN_HEADER.unpack_from(data, at)
        # FastTracker II reads nine bytes whatever the size says, and skips any more.
        data_at = at + max(header_size, _PATTERN_HEADER.size)
        at = data_at + packed_size
        if at > len(data):
            raise ModuleError(
                f"{label}: pattern data longer than the file: {where} runs to byte {at}, the "
                f"file has {len(data)}"
            )
        if rows > MAX_ROWS:
            raise ModuleError(
                f"{label}: pattern {index} has {rows} rows, an XM pattern at most {MAX_ROWS}"
            )
        rows = rows or EMPTY_PATTERN_ROWS  # OpenMPT reads 0 rows as 64
        if packed_size == 0:
            patterns.append(Pattern.empty(rows, header.channels))
            continue
        chunk = data[data_at:at]
        grid = _unpack(chunk, rows, header.channels, cells, dropped, f"{label}: pattern {index}")
        check_distinct_cells(len(cells), label)
        patterns.append(Pattern(rows=grid))
    return patterns, at


def _unpack(
    chunk: bytes,
    rows: int,
    channels: int,
    cells: dict[bytes, _Decoded],
    dropped: Counter[str],
    where: str,
) -> list[list[Cell]]:
    """Rows of cells from packed pattern data. Data that ends between cells leaves the rest
    empty (OpenMPT); a cell cut off inside is refused. Bytes left over are ignored."""
    grid: list[list[Cell]] = []
    at, size = 0, len(chunk)
    for row in range(rows):
        line: list[Cell] = []
        for channel in range(channels):
            if at >= size:
                line.append(EMPTY_CELL)
                continue
            end = at + _ENTRY_BYTES[chunk[at]]
            if end > size:
                raise ModuleError(
                    f"{where}: its packed data overruns it: row {row}, channel {channel} runs "
                    f"past its {size} bytes"
                )
            entry = chunk[at:end]  # as stored: the key, so a cell seen before is not decoded
            at = end
            decoded = cells.get(entry)
            if decoded is None:
                decoded = cells[entry] = _cell(_fields(entry))
            line.append(decoded[0])
            if decoded[1] is not None:
                dropped[decoded[1]] += 1
        grid.append(line)
    return grid


def _fields(entry: bytes) -> bytes:
    """The five fields of a stored entry, packed or not; those a flag byte leaves out are 0."""
    flags = entry[0]
    if not flags & _PACKED:
        return entry
    fields = [0] * _FIELDS
    for field, value in zip(_PACKED_FIELDS[flags & 0x1F], entry[1:], strict=True):
        fields[field] = value
    return bytes(fields)


def _note(byte: int) -> int | None:
    if 1 <= byte <= NOTE_LAST - NOTE_FIRST + 1:
        return byte + NOTE_FIRST - 1
    return NOTE_OFF if byte == XM_NOTE_OFF else None  # others are none (FastTracker II)


def _cell(raw: bytes) -> _Decoded:
    """The cell of five stored fields, and the name of an effect it drops (or None)."""
    note, instrument, volume, command, param = raw
    volume_command = None
    if volume >= _VOLUME_COMMAND_FIRST:
        volume_command = Effect(command=VOLUME_COMMAND, param=volume)
    effect = None
    if command in KEPT_EFFECTS and (command or param):  # 0 00 is no effect
        effect = Effect(command=EFFECT_COMMANDS[command], param=param)
    effects = (volume_command, effect) if volume_command else (effect,) if effect else ()
    dropped = None
    if command not in KEPT_EFFECTS:
        dropped = (
            EFFECT_COMMANDS[command] if command < len(EFFECT_COMMANDS) else f"command {command}"
        )
    cell = Cell(
        note=_note(note),
        # FastTracker II has 128 instruments; a higher number is none.
        instrument=instrument if 1 <= instrument <= MAX_INSTRUMENTS else None,
        volume=volume - _VOLUME_SET_FIRST
        if _VOLUME_SET_FIRST <= volume <= _VOLUME_SET_FIRST + VOLUME_MAX
        else None,
        effects=effects,
    )
    return cell, dropped


def _instrument(
    data: bytes, at: int, index: int, count: int, label: str, samples: dict[str, SampleAudio]
) -> tuple[SampleInstrument, int]:
    """Instrument ``index``, adding its samples' audio to ``samples``; and where the next
    instrument starts."""
    number = index + 1
    if at + _MIN_INSTRUMENT_BYTES > len(data):
        _truncated(label, f"instrument {number} of {count}", at + _MIN_INSTRUMENT_BYTES, data)
    (size,) = struct.unpack_from("<I", data, at)
    size = size or _INSTRUMENT_BYTES  # some files say 0 and mean 263 (ft2-clone)
    if size < _MIN_INSTRUMENT_BYTES:
        raise ModuleError(
            f"{label}: corrupt: instrument {number}'s header size is {size}, under "
            f"{_MIN_INSTRUMENT_BYTES}"
        )
    if at + size > len(data):
        _truncated(label, f"instrument {number}'s header", at + size, data)
    # A shorter header leaves the fields it does not reach zero (FastTracker II, OpenMPT).
    raw = data[at : at + min(size, _INSTRUMENT_HEADER.size)].ljust(_INSTRUMENT_HEADER.size, b"\0")
    fields = _INSTRUMENT_HEADER.unpack(raw)
    name, declared, keymap = stored_text(fields[1]), fields[3], fields[5]
    at += size
    if declared == 0:
        empty, audio = mod_sample(b"", name=name)
        samples.setdefault(empty.sample.sha256, audio)
        return empty, at
    if declared > MAX_DECLARED_SAMPLES:
        raise ModuleError(
            f"{label}: instrument {number} declares {declared} samples, an XM instrument at "
            f"most {MAX_DECLARED_SAMPLES}"
        )
    # FastTracker II reads 40-byte sample headers whatever the size field says, and files
    # with 0 or 18 there play in it (OpenMPT): the field is not read.
    headers_end = at + declared * _SAMPLE_HEADER.size
    if headers_end > len(data):
        _truncated(label, f"instrument {number}'s last sample header", headers_end, data)
    headers = [_sample_header(data, at + s * _SAMPLE_HEADER.size) for s in range(declared)]
    at = headers_end
    declared_bytes = sum(header.stored_bytes for header in headers)
    missing = at + declared_bytes - len(data)
    if missing > TRUNCATION_SLACK_BYTES:
        raise ModuleError(
            f"{label}: absurd sample lengths: instrument {number}'s samples declare "
            f"{declared_bytes} bytes, the file holds {len(data) - at} after their headers"
        )
    if missing > 0 and number < count:
        raise ModuleError(
            f"{label}: truncated: the file ends in instrument {number}'s sample data, before "
            f"instrument {number + 1} of {count}"
        )

    zones: list[SampleZone] = []
    for header in headers[:MAX_SAMPLES]:
        raw_pcm = data[at : at + header.stored_bytes]  # a file cut short gives what is there
        zone, audio = _zone(header, raw_pcm)
        samples.setdefault(zone.sample.sha256, audio)
        zones.append(zone)
        at += header.stored_bytes
    at += sum(header.stored_bytes for header in headers[MAX_SAMPLES:])

    entries, silent_needed = _keymap(keymap, len(zones))
    if silent_needed:  # a map entry names a sample the instrument lacks: it plays nothing
        silent, audio = _stored(np.zeros(1, dtype=np.int8), "pcm8", "")
        samples.setdefault(silent.sha256, audio)
        zones.append(SampleZone(sample=silent))
    return _sample_instrument(name, fields, zones, entries), at


def _sample_instrument(
    name: str, fields: tuple[Any, ...], zones: list[SampleZone], keymap: list[int] | None
) -> SampleInstrument:
    """The instrument of its header's fields (as _INSTRUMENT_HEADER unpacks them), its
    samples (the first is its own) and its keymap."""
    volume_points, pan_points = fields[6:30], fields[30:54]
    (
        volume_count,
        pan_count,
        volume_sustain,
        volume_loop_start,
        volume_loop_end,
        pan_sustain,
        pan_loop_start,
        pan_loop_end,
        volume_flags,
        pan_flags,
        vibrato_type,
        vibrato_sweep,
        vibrato_depth,
        vibrato_rate,
        fadeout,
    ) = fields[54:]
    own = zones[0]
    return SampleInstrument(
        name=name,
        **sample_fields(own),
        amp_env=MOD_ENVELOPE,  # FastTracker II has no ADSR: the drawn envelope or none
        volume_envelope=_envelope(
            volume_points,
            volume_count,
            volume_flags,
            volume_sustain,
            volume_loop_start,
            volume_loop_end,
        ),
        pan_envelope=_envelope(
            pan_points, pan_count, pan_flags, pan_sustain, pan_loop_start, pan_loop_end
        ),
        fadeout=min(fadeout / FADEOUT_FULL, 1.0),
        auto_vibrato=AutoVibrato(
            wave=_WAVES[vibrato_type & 3],
            rate=vibrato_rate,
            depth=min(vibrato_depth, 15),
            sweep_ticks=vibrato_sweep,
        )
        if vibrato_rate and vibrato_depth
        else None,
        zones=zones[1:],
        keymap=keymap,
    )


def _sample_header(data: bytes, at: int) -> _SampleHeader:
    length, loop_start, loop_length, volume, finetune, flags, pan, relative, reserved, name = (
        _SAMPLE_HEADER.unpack_from(data, at)
    )
    return _SampleHeader(
        length=length,
        loop_start=loop_start,
        loop_length=loop_length,
        volume=min(volume, VOLUME_MAX),
        finetune=finetune,
        flags=flags,
        pan=pan,
        relative_note=relative,
        reserved=reserved,
        name=stored_text(name),
    )


def _zone(header: _SampleHeader, raw: bytes) -> tuple[SampleZone, SampleAudio]:
    """One sample as a zone (its fields are the instrument's own for the first sample)."""
    values, bit_depth = _decode(header, raw)
    loop: tuple[LoopMode, int, int] = ("none", 0, 0)
    if len(values) == 0:  # the model has no sample without audio: one silent frame
        values, bit_depth = np.zeros(1, dtype=np.int8), "pcm8"
    else:
        loop = _loop(header, len(values))
    ref, audio = _stored(values, bit_depth, header.name)
    zone = SampleZone(
        sample=ref,
        volume=header.volume / VOLUME_MAX,
        pan=min(max((header.pan - 128) / 128, -1.0), 1.0),
        base_note=min(max(BASE_NOTE - header.relative_note, 0), NOTE_MAX),
        finetune=header.finetune,
        loop=loop[0],
        loop_start_frames=loop[1],
        loop_end_frames=loop[2],
    )
    return zone, audio


def _decode(header: _SampleHeader, raw: bytes) -> tuple[npt.NDArray[np.generic], BitDepth]:
    """The sample's values from its delta-coded bytes: int8 or int16, stereo mixed to mono."""
    if header.adpcm:
        return _adpcm(raw, header.length), "pcm8"
    dtype = np.dtype("<i2" if header.sixteen_bit else "i1")
    bit_depth: BitDepth = "pcm16" if header.sixteen_bit else "pcm8"
    if not header.stereo:
        return _undelta(raw, dtype), bit_depth
    half = header.length // 2  # each channel's bytes, the left then the right
    left, right = _undelta(raw[:half], dtype), _undelta(raw[half : 2 * half], dtype)
    frames = min(len(left), len(right))
    mixed = (left[:frames].astype(np.int32) + right[:frames].astype(np.int32)) >> 1
    return mixed.astype(dtype), bit_depth


def _undelta(raw: bytes, dtype: np.dtype[Any]) -> npt.NDArray[np.generic]:
    usable = len(raw) - len(raw) % dtype.itemsize  # an odd byte of 16-bit data is dropped
    deltas = np.frombuffer(raw[:usable], dtype=dtype)
    return np.cumsum(deltas, dtype=dtype)  # wraps around as FastTracker II's sums do


def _adpcm(raw: bytes, frames: int) -> npt.NDArray[np.generic]:
    """ModPlug's 4-bit ADPCM: a table of 16 signed deltas, then two table indices a byte,
    low nibble first."""
    if len(raw) < _ADPCM_TABLE_BYTES:
        return np.zeros(0, dtype=np.int8)
    table = np.frombuffer(raw[:_ADPCM_TABLE_BYTES], dtype=np.int8)
    packed = np.frombuffer(raw[_ADPCM_TABLE_BYTES:], dtype=np.uint8)
    indices = np.empty(2 * len(packed), dtype=np.uint8)
    indices[0::2], indices[1::2] = packed & 0x0F, packed >> 4
    return np.cumsum(table[indices[:frames]], dtype=np.int8)


def _loop(header: _SampleHeader, frames: int) -> tuple[LoopMode, int, int]:
    """A loop of length 0 is none; one past the end ends there, and one left empty is none."""
    mode = _LOOPS[header.flags & 3]
    start = header.loop_start // header.bytes_per_frame
    end = min(start + header.loop_length // header.bytes_per_frame, frames)
    if mode == "none" or end <= start:
        return "none", 0, 0
    return mode, start, end


def _stored(
    values: npt.NDArray[np.generic], bit_depth: BitDepth, name: str
) -> tuple[SampleRef, SampleAudio]:
    scale = np.float32(128 if bit_depth == "pcm8" else 32768)
    audio = SampleAudio(
        frames=(values.astype(np.float32) / scale).reshape(-1, 1), sample_rate_hz=C5_RATE_HZ
    )
    ref = SampleRef(
        sha256=sample_hash(audio, bit_depth),
        name=name,
        format=format_for_bit_depth(bit_depth),
        frames=len(values),
        channels=1,
        sample_rate_hz=C5_RATE_HZ,
        bit_depth=bit_depth,
    )
    return ref, audio


def _keymap(raw: bytes, kept: int) -> tuple[list[int] | None, bool]:
    """The model's keymap from the 96 entries for XM notes 1-96 (our 12-107): notes below
    take the first entry, notes above the last. An entry naming a sample the instrument does
    not have (or did not keep) plays nothing in FastTracker II: it names a silent zone that
    follows the kept ones, and the second value says whether one is needed.
    """
    entries = [entry if entry < kept else kept for entry in raw]
    full = [entries[0]] * NOTE_FIRST + entries + [entries[-1]] * (NOTE_MAX - NOTE_LAST)
    return (full if any(full) else None), kept in entries


def _envelope(
    words: Sequence[int], count: int, flags: int, sustain: int, loop_start: int, loop_end: int
) -> PointEnvelope | None:
    """A drawn envelope if it is on. Points stop at the first whose tick does not follow the
    one before (FastTracker II holds the envelope there); a sustain or loop point past the
    last is dropped, as is a loop that ends before it starts."""
    if not flags & _ENVELOPE_ON:
        return None
    points: list[EnvelopePoint] = []
    for index in range(min(max(count, 1), ENVELOPE_POINTS)):
        tick, value = words[2 * index], words[2 * index + 1]
        if points and tick <= points[-1].tick:
            break
        points.append(EnvelopePoint(tick=tick, value=min(value, 64) / 64))
    last = len(points) - 1
    looped = flags & _ENVELOPE_LOOP and loop_start <= loop_end <= last
    return PointEnvelope(
        points=points,
        sustain=sustain if flags & _ENVELOPE_SUSTAIN and sustain <= last else None,
        loop_start=loop_start if looped else None,
        loop_end=loop_end if looped else None,
    )


# ---- export ---------------------------------------------------------------------------


def save_xm(project: Project) -> bytes:
    """The song as an XM file's bytes; ModuleError (one line) for what an XM cannot hold.

    Nothing is changed on the way except what an XM stores more coarsely or not at all (see
    docs/file-format.md, "XM"): volumes round to 1/64, pans to 1/128, fadeouts to 1/32768,
    24-bit and float samples are quantised to 16 bits, names are cut to 20 and 22 Latin-1
    bytes, track settings are not written. A song that would play differently is refused
    instead. ``load_xm`` of the result gives the same song back, apart from those changes,
    and saving that again gives the same bytes.
    """
    song = project.song
    channels = len(song.tracks)
    if channels > EXPORT_MAX_CHANNELS:
        _refuse(f"it has {channels} tracks, an XM at most {EXPORT_MAX_CHANNELS} channels")
    if len(song.instruments) > MAX_INSTRUMENTS:
        _refuse(f"it has {len(song.instruments)} instruments, an XM at most {MAX_INSTRUMENTS}")
    if song.global_volume != 64:
        _refuse(
            f"its global volume starts at {song.global_volume}, an XM's at 64: set it with "
            "Gxx on the first row instead"
        )
    header = _HEADER.pack(
        SIGNATURE,
        # Space-padded as FastTracker II pads it: OpenMPT takes a NUL in an XM's title for a
        # ModPlug file and plays it by ModPlug's rules instead.
        name_bytes(song.title, _TITLE_BYTES).replace(b"\x00", b" "),
        0x1A,
        _TRACKER_NAME,
        VERSION,
        _EXPORT_HEADER_SIZE,
        len(song.order),
        song.restart_order,
        channels,
        len(song.patterns),
        len(song.instruments),
        _LINEAR_FLAG if song.frequencies == "linear" else 0,
        song.speed_ticks,
        song.tempo_bpm,
    )
    encoded: dict[Cell, bytes] = {}
    parts = [header, bytes(song.order).ljust(MAX_ORDER, b"\0")]
    parts += [
        _export_pattern(pattern, index, encoded) for index, pattern in enumerate(song.patterns)
    ]
    parts += [_export_instrument(project, number) for number in range(len(song.instruments))]
    data = b"".join(parts)
    if len(data) > MAX_MODULE_BYTES:
        _refuse(f"it takes {len(data)} bytes, a module to import at most {MAX_MODULE_BYTES}")
    return data


def _refuse(reason: str) -> NoReturn:
    raise ModuleError(f"the song does not fit an XM: {reason}")


def _export_pattern(pattern: Pattern, index: int, encoded: dict[Cell, bytes]) -> bytes:
    if pattern.automation:
        _refuse(f"patterns[{index}] has automation, an XM none")
    packed = bytearray()
    for r, row in enumerate(pattern.rows):
        for t, cell in enumerate(row):
            raw = encoded.get(cell)
            if raw is None:
                raw = encoded[cell] = _export_cell(cell, f"patterns[{index}].rows[{r}]: track {t}")
            packed += raw
    if len(packed) == len(pattern.rows) * pattern.track_count:
        packed.clear()  # every cell is a bare flag byte: an empty pattern stores none (FT2)
    return _PATTERN_HEADER.pack(_PATTERN_HEADER.size, 0, len(pattern.rows), len(packed)) + packed


def _export_cell(cell: Cell, where: str) -> bytes:
    note = 0
    if cell.note == NOTE_OFF:
        note = XM_NOTE_OFF
    elif cell.note == NOTE_CUT:
        _refuse(f"{where}: {note_name(cell.note)} (note cut) has no XM equivalent: use EC0")
    elif cell.note is not None:
        if not NOTE_FIRST <= cell.note <= NOTE_LAST:
            _refuse(
                f"{where}: note {note_name(cell.note)} is outside an XM's "
                f"{note_name(NOTE_FIRST)}..{note_name(NOTE_LAST)}"
            )
        note = cell.note - NOTE_FIRST + 1
    volume = 0 if cell.volume is None else _VOLUME_SET_FIRST + cell.volume
    effects = cell.effects
    command = effects[0] if effects else None
    if command is not None and command.command == VOLUME_COMMAND:
        effects = effects[1:]
        if cell.volume is not None:
            _refuse(f"{where}: has a volume and V{command.param:02X}, an XM cell one of them")
        if command.param < _VOLUME_COMMAND_FIRST:
            _refuse(
                f"{where}: V{command.param:02X} is no volume-column command (those are V60-VFF)"
            )
        volume = command.param
    # An effect alone in a later column plays as in the first; 000 is no effect.
    kept = [e for e in effects if e is not None and (e.command, e.param) != ("0", 0)]
    if any(effect.command == VOLUME_COMMAND for effect in kept):
        _refuse(f"{where}: Vxx (a volume-column command) goes in the first effect column")
    if len(kept) > 1:
        _refuse(
            f"{where}: has {len(kept)} effects, an XM cell holds one (and a volume-column "
            "command Vxx before it)"
        )
    command_number = param = 0
    if kept:
        command_number, param = EFFECT_COMMANDS.index(kept[0].command), kept[0].param
        if command_number not in KEPT_EFFECTS:
            _refuse(f"{where}: effect {kept[0].command}{param:02X} has no XM equivalent")
        if kept[0].command == "X" and param >> 4 == _FINE_PATTERN_DELAY:
            _refuse(
                f"{where}: X{param:02X} is ModPlug's fine pattern delay, which FastTracker II "
                "and other players of an XM not made by ModPlug ignore"
            )
    fields = (note, cell.instrument or 0, volume, command_number, param)
    if all(fields):
        return bytes(fields)
    flags = _PACKED | sum(1 << bit for bit, value in enumerate(fields) if value)
    return bytes([flags, *(value for value in fields if value)])


def _export_instrument(project: Project, number: int) -> bytes:
    instrument = project.song.instruments[number]
    where = f"instruments[{number}]"
    if isinstance(instrument, SynthInstrument):
        _refuse(f"{where} is a synth, an XM holds only samples")
    name = name_bytes(instrument.name, _NAME_BYTES)
    if instrument == mod_sample(b"", name=instrument.name)[0]:  # what an empty one loads as
        return struct.pack("<I22sBHI", _EMPTY_INSTRUMENT_BYTES, name, 0, 0, _SAMPLE_HEADER.size)
    problems = [
        (instrument.filter.type != "off", "has a filter, an XM instrument none"),
        (
            instrument.lfo.destination != "off" and instrument.lfo.depth > 0,
            "has an LFO, an XM instrument none",
        ),
        (
            instrument.amp_env not in (MOD_ENVELOPE, Envelope()),
            "has an ADSR envelope, an XM instrument none (draw a volume envelope instead)",
        ),
        (
            len(instrument.zones) >= MAX_SAMPLES,
            f"has {len(instrument.zones) + 1} samples, an XM instrument at most {MAX_SAMPLES}",
        ),
        (
            instrument.auto_vibrato is not None and instrument.auto_vibrato.sweep_ticks > 0xFF,
            "has an auto-vibrato sweep over 255 ticks, an XM's longest",
        ),
    ]
    for failed, reason in problems:
        if failed:
            _refuse(f"{where} {reason}")
    volume = _export_envelope(instrument.volume_envelope, f"{where}: its volume envelope")
    pan = _export_envelope(instrument.pan_envelope, f"{where}: its pan envelope")
    keymap = instrument.keymap or [0] * (NOTE_MAX + 1)
    vibrato = instrument.auto_vibrato
    if vibrato is None or not (vibrato.rate and vibrato.depth):
        vibrato_fields = (0, 0, 0, 0)  # what loads as none
    else:
        wave = _WAVES.index(vibrato.wave)
        vibrato_fields = (wave, vibrato.sweep_ticks, vibrato.depth, vibrato.rate)
    header = _INSTRUMENT_HEADER.pack(
        _INSTRUMENT_BYTES,
        name,
        0,
        1 + len(instrument.zones),
        _SAMPLE_HEADER.size,
        bytes(keymap[NOTE_FIRST : NOTE_LAST + 1]),
        *volume[0],
        *pan[0],
        volume[1],
        pan[1],
        *volume[2],
        *pan[2],
        volume[3],
        pan[3],
        *vibrato_fields,
        round(instrument.fadeout * FADEOUT_FULL),
    ).ljust(_INSTRUMENT_BYTES, b"\0")
    parts: list[SampleInstrument | SampleZone] = [instrument, *instrument.zones]
    samples = [
        _export_sample(project, part, f"{where}" if s == 0 else f"{where}.zones[{s - 1}]")
        for s, part in enumerate(parts)
    ]
    return b"".join([header, *(h for h, _ in samples), *(pcm for _, pcm in samples)])


_EnvelopeFields = tuple[list[int], int, tuple[int, int, int], int]


def _export_envelope(envelope: PointEnvelope | None, where: str) -> _EnvelopeFields:
    """Point words (tick, value) for 12 points, the point count, the sustain and loop points
    and the flags."""
    if envelope is None:
        return [0] * 2 * ENVELOPE_POINTS, 0, (0, 0, 0), 0
    if len(envelope.points) > ENVELOPE_POINTS:
        _refuse(f"{where} has {len(envelope.points)} points, an XM's at most {ENVELOPE_POINTS}")
    words = [0] * 2 * ENVELOPE_POINTS
    for index, point in enumerate(envelope.points):
        words[2 * index : 2 * index + 2] = [point.tick, round(point.value * 64)]
    flags = _ENVELOPE_ON
    if envelope.sustain is not None:
        flags |= _ENVELOPE_SUSTAIN
    if envelope.loop_start is not None:
        flags |= _ENVELOPE_LOOP
    indices = (envelope.sustain or 0, envelope.loop_start or 0, envelope.loop_end or 0)
    return words, len(envelope.points), indices, flags


def _export_sample(
    project: Project, part: SampleInstrument | SampleZone, where: str
) -> tuple[bytes, bytes]:
    """A sample's header and its delta-coded data."""
    ref = part.sample
    if ref.channels != 1:
        _refuse(f"{where}: its sample is stereo, an XM sample is mono")
    if ref.sample_rate_hz != C5_RATE_HZ:
        _refuse(
            f"{where}: its sample plays at {ref.sample_rate_hz} Hz, an XM sample at "
            f"{C5_RATE_HZ} Hz on C-5"
        )
    audio = project.samples.get(ref.sha256)
    if audio is None or audio.frames.shape != (ref.frames, 1):
        _refuse(f"{where}: its audio is not loaded")
    sixteen_bit = ref.bit_depth != "pcm8"
    values = canonical_pcm(audio.frames, "pcm16" if sixteen_bit else "pcm8")[:, 0]
    if not sixteen_bit and part.loop == "none" and values.tolist() == [0]:
        values = values[:0]  # the silent frame an empty sample loads as
    ints = values.astype(np.int32)
    deltas = ints - np.concatenate((np.zeros(1, dtype=np.int32), ints[:-1]))
    pcm = (
        (deltas & 0xFFFF).astype("<u2").tobytes()
        if sixteen_bit
        else ((deltas & 0xFF).astype(np.uint8).tobytes())
    )
    bytes_per_frame = 2 if sixteen_bit else 1
    loop_start = loop_length = 0
    if part.loop != "none":
        loop_start = part.loop_start_frames * bytes_per_frame
        loop_length = (part.loop_end_frames - part.loop_start_frames) * bytes_per_frame
    header = _SAMPLE_HEADER.pack(
        len(pcm),
        loop_start,
        loop_length,
        round(part.volume * VOLUME_MAX),
        part.finetune,
        _LOOPS.index(part.loop) | (_SIXTEEN_BIT if sixteen_bit else 0),
        min(max(round(part.pan * 128) + 128, 0), 255),
        BASE_NOTE - part.base_note,
        0,
        name_bytes(ref.name, _NAME_BYTES),
    )
    return header, pcm
