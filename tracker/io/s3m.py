"""Scream Tracker 3 modules (.s3m): import one as a new project.

An imported song plays by Scream Tracker 3's rules (``Song.playback = "screamtracker3"``):
each S3M effect becomes the effect of ours that the kernel plays with ST3's meaning in that
mode, its parameter kept as it is (ST3's shared effect memory reads it), except where the
table below says otherwise. Effects we have nothing for are dropped and counted in one log
line. docs/file-format.md ("S3M") has the whole mapping.

Every problem is a one-line ModuleError naming the file. Nothing is allocated from a size in
the file before that size is checked against the file's length, so any input is cheap to
refuse.
"""

from __future__ import annotations

import collections
import functools
import logging
import struct
from typing import Final, Literal, NamedTuple

import numpy as np
from pydantic import ValidationError

from tracker.io.mod import (
    MOD_ENVELOPE,
    TRUNCATION_SLACK_BYTES,
    ModuleError,
    check_distinct_cells,
    check_module_size,
    master_volume_for,
    mod_sample,
    stored_text,
)
from tracker.io.project import Project
from tracker.io.samples import (
    MAX_RATE_HZ,
    MIN_RATE_HZ,
    Frames,
    SampleAudio,
    format_for_bit_depth,
    sample_hash,
)
from tracker.model.errors import summarize
from tracker.model.instrument import BitDepth, Instrument, SampleInstrument, SampleRef
from tracker.model.notes import NOTE_CUT, NOTE_MAX
from tracker.model.pattern import EMPTY_CELL, INSTRUMENT_MAX, VOLUME_MAX, Cell, Effect, Pattern
from tracker.model.song import MAX_ORDER, MAX_PATTERNS, Song, Track

SUFFIXES: Final = (".s3m",)
"""File name endings read as Scream Tracker 3 modules."""

SIGNATURE: Final = b"SCRM"
SIGNATURE_AT: Final = 44
FILE_TYPE: Final = 16  # byte 29 of a module; ST3 gave other numbers to other files
PATTERN_ROWS: Final = 64
CHANNELS: Final = 32
BASE_NOTE: Final = 60
"""Our C-5: ST3's C-4, the note that plays a sample at its C2SPD (OpenMPT names it C-5)."""
DEFAULT_C2SPD_HZ: Final = 8363
ST3_MAX_C2SPD_HZ: Final = 0xFFFF  # ST3 clamps a sample's C2SPD to 16 bits (OpenMPT)
DEFAULT_SPEED: Final = 6
MAX_SPEED: Final = 31  # Song.speed_ticks; an Axx above it is clamped to it
DEFAULT_TEMPO_BPM: Final = 125
MIN_TEMPO_BPM: Final = 33  # ST3 loads a header tempo below this as 125 (OpenMPT)

ORDER_SKIP: Final = 254  # "+++": a marker the player steps over
ORDER_END: Final = 255  # "---": the song ends here
NOTE_BYTE_CUT: Final = 254
PAN_TABLE_PRESENT: Final = 0xFC
STEREO_FLAG: Final = 0x80  # master volume byte; clear: the song is mono

_HEADER: Final = struct.Struct("<28sxB2x6H4s6B8xH32s")
_SAMPLE_HEADER: Final = struct.Struct("<B12sBH3IBxBBI12x28s4x")
_PARAPOINTER_BYTES: Final = 16
_PCM_TYPE: Final = 1
_LOOP_FLAG, _STEREO_FLAG, _16BIT_FLAG = 1, 2, 4
_SIGNED_SAMPLES, _UNSIGNED_SAMPLES = 1, 2  # the header's file format word

_log = logging.getLogger(__name__)

# S3M effect letter -> ours; the kernel's screamtracker3 mode gives ours ST3's meaning.
# A, T, V and X change their parameter on the way (see _effect); S goes by _S_EFFECTS.
_EFFECTS: Final[dict[str, str]] = {
    "A": "F",  # speed
    "B": "B",  # position jump
    "C": "D",  # pattern break; decimal-coded in ST3 as in ours (OpenMPT converts it so)
    "D": "A",  # volume slide; DxF and DFy fine slides stay in the byte
    "E": "2",  # portamento down; EFx fine and EEx extra fine stay in the byte
    "F": "1",  # portamento up, likewise
    "G": "3",  # tone portamento
    "H": "4",  # vibrato
    "I": "T",  # tremor
    "J": "0",  # arpeggio; J00 reuses the last one in ST3, so it is kept
    "K": "6",  # vibrato + volume slide
    "L": "5",  # tone portamento + volume slide
    "O": "9",  # sample offset
    "Q": "R",  # retrigger with volume change
    "R": "7",  # tremolo
    "T": "F",  # tempo
    "U": "U",  # fine vibrato
    "V": "G",  # global volume
    "X": "8",  # panning
}
_S_EFFECTS: Final[dict[int, int]] = {  # Sxy: x -> the x of our Exy
    0x1: 0x3,  # glissando
    0x2: 0x5,  # finetune
    0x3: 0x4,  # vibrato waveform
    0x4: 0x7,  # tremolo waveform
    0xB: 0x6,  # pattern loop
    0xC: 0xC,  # note cut
    0xD: 0xD,  # note delay
    0xE: 0xE,  # pattern delay
}
_S_PAN: Final = 0x8  # S8x: pan x of 0..F
_X_SURROUND: Final = 0xA4  # XA4: surround, which we play centred


class _Header(NamedTuple):
    """The 96 bytes at the start of the file, in their order (see _HEADER)."""

    title: bytes
    file_type: int
    orders: int
    instruments: int
    patterns: int
    flags: int  # ST3's playback flags, which the screamtracker3 rules stand for
    tracker_version: int
    sample_format: int
    signature: bytes
    global_volume: int
    speed: int
    tempo: int
    master_volume: int  # bit 7: stereo; the rest is ST3's mixing volume, which we leave
    ultra_click: int
    default_pan: int
    special: int
    channels: bytes  # 32 channel settings

    @property
    def pointers_at(self) -> int:
        return _HEADER.size + self.orders

    @property
    def pan_table_at(self) -> int:
        return self.pointers_at + 2 * (self.instruments + self.patterns)

    @property
    def end(self) -> int:
        has_pans = self.default_pan == PAN_TABLE_PRESENT
        return self.pan_table_at + (CHANNELS if has_pans else 0)


# ---- import ---------------------------------------------------------------------------


def load_s3m(data: bytes, source: str = "song.s3m") -> Project:
    """A new project from the bytes of an S3M file; ModuleError (one line) if they are not one.

    ``source`` names the file in messages. The project has no path; its samples are keyed by
    sha256 as ``import_sample`` keys them.
    """
    label = source
    check_module_size(data, label)
    header = _header(data, label)
    pointers = struct.unpack_from(
        f"<{header.instruments + header.patterns}H", data, header.pointers_at
    )
    instrument_at = [pointer * _PARAPOINTER_BYTES for pointer in pointers[: header.instruments]]
    pattern_at = [pointer * _PARAPOINTER_BYTES for pointer in pointers[header.instruments :]]
    tracks, playing = _tracks(data, header)
    order = _order(data, header, label)

    cells: dict[tuple[int, bytes], tuple[Cell, str | None]] = {}
    dropped: collections.Counter[str] = collections.Counter()
    patterns = []
    for index, at in enumerate(pattern_at):
        patterns.append(
            _pattern(data, at, index, len(tracks), cells, dropped, label) if at else _empty(tracks)
        )
        check_distinct_cells(len(cells), label)
    # ST3 plays a pattern the order names but the file does not hold as an empty one.
    while len(patterns) <= max(order):
        patterns.append(_empty(tracks))
    if dropped:
        listed = ", ".join(f"{name} x{count}" for name, count in sorted(dropped.items()))
        _log.info(
            "%s: %d effects have no equivalent and were dropped: %s",
            label,
            dropped.total(),
            listed,
        )

    samples: dict[str, SampleAudio] = {}
    instruments: list[Instrument] = []
    for number, at in enumerate(instrument_at, 1):
        instrument, audio = _instrument(data, at, number, header, label)
        samples.setdefault(instrument.sample.sha256, audio)
        instruments.append(instrument)
    referenced = max((cell.instrument or 0 for cell, _ in cells.values()), default=0)
    while len(instruments) < referenced:  # a number past the last slot plays nothing
        silent, audio = mod_sample(b"")
        samples.setdefault(silent.sample.sha256, audio)
        instruments.append(silent)

    try:
        song = Song(
            title=_name(header.title),
            tempo_bpm=header.tempo if header.tempo >= MIN_TEMPO_BPM else DEFAULT_TEMPO_BPM,
            speed_ticks=(
                DEFAULT_SPEED if header.speed in (0, 255) else min(header.speed, MAX_SPEED)
            ),
            playback="screamtracker3",
            frequencies="amiga",
            global_volume=min(header.global_volume, VOLUME_MAX),
            master_volume=master_volume_for(playing),
            tracks=tracks,
            instruments=instruments,
            patterns=patterns,
            order=order,
            restart_order=0,
        )
    except ValidationError as error:  # a bug here rather than in the file: still one line
        raise ModuleError(f"{label}: imported song is invalid: {summarize(error)}") from None
    return Project(song=song, samples=samples)


def _header(data: bytes, label: str) -> _Header:
    """The file header, once its signature, type, counts and length are right."""
    if len(data) < SIGNATURE_AT + len(SIGNATURE):
        raise ModuleError(
            f"{label}: truncated header: {len(data)} bytes, an S3M header takes {_HEADER.size}"
        )
    if data[SIGNATURE_AT : SIGNATURE_AT + len(SIGNATURE)] != SIGNATURE:
        raise ModuleError(f"{label}: not an S3M file (no 'SCRM' at byte {SIGNATURE_AT})")
    if len(data) < _HEADER.size:
        raise ModuleError(
            f"{label}: truncated header: {len(data)} bytes, an S3M header takes {_HEADER.size}"
        )
    header = _Header._make(_HEADER.unpack_from(data))
    if header.file_type != FILE_TYPE:
        raise ModuleError(
            f"{label}: type byte is {header.file_type}, an S3M module's is {FILE_TYPE}"
        )
    limits = (
        (header.orders, "orders", MAX_ORDER),
        (header.instruments, "instruments", INSTRUMENT_MAX),
        (header.patterns, "patterns", MAX_PATTERNS),
    )
    for count, what, limit in limits:
        if count > limit:
            raise ModuleError(f"{label}: declares {count} {what}, a song holds at most {limit}")
    if len(data) < header.end:
        parts = "order list, parapointers and pan table"
        if header.default_pan != PAN_TABLE_PRESENT:
            parts = "order list and parapointers"
        raise ModuleError(
            f"{label}: truncated header: {len(data)} bytes, the header, {parts} take {header.end}"
        )
    if header.sample_format not in (_SIGNED_SAMPLES, _UNSIGNED_SAMPLES):
        raise ModuleError(
            f"{label}: sample format {header.sample_format} is neither {_SIGNED_SAMPLES} "
            f"(signed samples) nor {_UNSIGNED_SAMPLES} (unsigned)"
        )
    return header


def _tracks(data: bytes, header: _Header) -> tuple[list[Track], int]:
    """One track per channel up to the highest enabled one, and how many play samples.

    A setting of 0..7 is a left PCM channel, 8..15 a right one, 16..31 an AdLib channel
    (a track whose instruments are silent); bit 7 disables a channel and 255 leaves it
    unused: such channels below the highest enabled one keep their place, muted.
    """
    settings = header.channels
    enabled = [channel for channel, setting in enumerate(settings) if setting < CHANNELS]
    stereo = header.master_volume & STEREO_FLAG
    pans = data[header.pan_table_at : header.pan_table_at + CHANNELS]
    tracks = []
    for channel in range(max(enabled, default=0) + 1):
        kind = settings[channel] & 0x7F
        pan = 0.0
        if stereo and kind < 16:
            nibble = 0x3 if kind < 8 else 0xC  # ST3's default pans
            if header.default_pan == PAN_TABLE_PRESENT and pans[channel] & 0x20:
                nibble = pans[channel] & 0x0F
            pan = min(max((nibble - 7.5) / 7.5, -1.0), 1.0)
        tracks.append(Track(pan=pan, mute=channel not in enabled))
    playing = sum(1 for channel in enabled if settings[channel] < 16)
    return tracks, max(playing, 1)


def _order(data: bytes, header: _Header, label: str) -> list[int]:
    """The patterns played, in order: ``+++`` markers skipped, up to the first ``---``."""
    order: list[int] = []
    for entry in data[_HEADER.size : header.pointers_at]:
        if entry == ORDER_END:
            break
        if entry != ORDER_SKIP:
            order.append(entry)
    if not order:
        raise ModuleError(f"{label}: the song is empty (its order list has no pattern)")
    return order


def _empty(tracks: list[Track]) -> Pattern:
    return Pattern.empty(PATTERN_ROWS, len(tracks))


def _pattern(
    data: bytes,
    at: int,
    index: int,
    tracks: int,
    cells: dict[tuple[int, bytes], tuple[Cell, str | None]],
    dropped: collections.Counter[str],
    label: str,
) -> Pattern:
    """A packed pattern: a length word counting itself, then per row entries of a "what" byte
    (channel in bits 0-4; 0x20: note and instrument follow, 0x40: volume, 0x80: effect and
    info) and a 0 that ends the row."""
    where = f"{label}: pattern {index}"
    if at + 2 > len(data):
        raise ModuleError(f"{where}: starts at byte {at}, past the end of the file")
    (length,) = struct.unpack_from("<H", data, at)
    end = at + length
    if end > len(data):
        raise ModuleError(
            f"{where}: its {length} bytes at byte {at} run past the end of the file "
            f"({len(data)} bytes)"
        )
    overrun = f"{where}: its 64 rows run past its length ({length} bytes)"
    rows: list[list[Cell]] = []
    row = [EMPTY_CELL] * tracks
    entries = 0
    position = at + 2
    while len(rows) < PATTERN_ROWS:
        if position >= end:
            raise ModuleError(overrun)
        what = data[position]
        position += 1
        if what == 0:
            rows.append(row)
            row = [EMPTY_CELL] * tracks
            entries = 0
            continue
        entries += 1
        if entries > CHANNELS:  # also bounds the work a hostile file can ask for
            raise ModuleError(f"{where}: row {len(rows)} has more than {CHANNELS} entries")
        size = (2 if what & 0x20 else 0) + (1 if what & 0x40 else 0) + (2 if what & 0x80 else 0)
        if position + size > end:
            raise ModuleError(overrun)
        key = (what & 0xE0, data[position : position + size])
        position += size
        channel = what & 0x1F
        if channel >= tracks:
            continue  # a channel past the highest enabled one: ST3 does not play it
        parsed = cells.get(key)
        if parsed is None:
            parsed = cells[key] = _cell(*key)
        row[channel] = parsed[0]
        if parsed[1] is not None:
            dropped[parsed[1]] += 1
    return Pattern(rows=rows)


def _cell(what: int, raw: bytes) -> tuple[Cell, str | None]:
    """The cell of one entry, and the name of an effect it drops (or None)."""
    fields = iter(raw)
    note = instrument = volume = None
    if what & 0x20:
        note = _note(next(fields))
        instrument = next(fields) or None
    if what & 0x40:
        volume = min(next(fields), VOLUME_MAX)
    effect, drop = None, None
    if what & 0x80:
        command, info = next(fields), next(fields)
        effect = _effect(command, info)
        if effect is None and command:
            drop = _effect_name(command, info)
    cell = Cell(
        note=note,
        instrument=instrument,
        volume=volume,
        effects=() if effect is None else (effect,),
    )
    return cell, drop


def _note(byte: int) -> int | None:
    """Octave in the high nibble, semitone in the low; 254 cuts the note, 255 is none."""
    if byte == NOTE_BYTE_CUT:
        return NOTE_CUT
    octave, semitone = byte >> 4, byte & 0x0F
    note = octave * 12 + semitone + 12
    return note if semitone < 12 and note <= NOTE_MAX else None


def _effect_name(command: int, info: int) -> str:
    """How a dropped effect is named in the log: its letter (S effects by subcommand)."""
    if not 1 <= command <= 26:
        return f"command {command}"
    letter = chr(ord("A") + command - 1)
    return f"S{info >> 4:X}x" if letter == "S" else letter


@functools.cache
def _effect(command: int, info: int) -> Effect | None:
    """Our effect for S3M command 1..26 (A..Z) with its info byte, or None if we have none."""
    if not 1 <= command <= 26:
        return None
    letter = chr(ord("A") + command - 1)
    if letter == "S":
        x, y = info >> 4, info & 0x0F
        if x == _S_PAN:
            return Effect(command="8", param=y * 17)
        ours = _S_EFFECTS.get(x)
        return None if ours is None else Effect(command="E", param=ours << 4 | y)
    mapped = _EFFECTS.get(letter)
    if mapped is None:
        return None
    if letter == "A":
        if info == 0:
            return None  # A00 does nothing in ST3
        info = min(info, MAX_SPEED)  # our Fxx above 1F would set the tempo instead
    elif letter == "T" and info < 0x20:
        return None  # ST3 has no tempo below 32 BPM
    elif letter == "V" and info > VOLUME_MAX:
        return None  # ST3 ignores a global volume over 64 (OpenMPT)
    elif letter == "X":
        if info == _X_SURROUND:
            info = 0x80
        elif info <= 0x80:
            info = min(info * 2, 0xFF)  # X00..X80 -> 00..FF
        else:
            return None
    return Effect(command=mapped, param=info)


def _name(raw: bytes) -> str:
    """A name up to its NUL: what follows one is left over from an older name."""
    return stored_text(raw.split(b"\x00", 1)[0])


def _instrument(
    data: bytes, at: int, number: int, header: _Header, label: str
) -> tuple[SampleInstrument, SampleAudio]:
    """Slot ``number``'s instrument: its PCM sample, or one silent frame for an empty or
    AdLib slot (ST3's FM instruments are not emulated), keeping name and volume."""
    if at == 0:  # a slot with no header
        return mod_sample(b"")
    if at + _SAMPLE_HEADER.size > len(data):
        raise ModuleError(
            f"{label}: instrument {number}: its header at byte {at} runs past the end of the "
            f"file ({len(data)} bytes)"
        )
    (
        kind,
        filename,
        memseg_high,
        memseg_low,
        length_frames,
        loop_start,
        loop_end,
        volume,
        pack,
        flags,
        c2spd,
        raw_name,
    ) = _SAMPLE_HEADER.unpack_from(data, at)
    name = _name(raw_name)
    volume = min(volume, VOLUME_MAX)
    if kind != _PCM_TYPE or pack != 0 or length_frames == 0:  # pack 1: ADPCM, never decoded
        return mod_sample(b"", name=name, volume=volume)

    channels: Literal[1, 2] = 2 if flags & _STEREO_FLAG else 1
    width = 2 if flags & _16BIT_FLAG else 1  # bytes per value
    offset = ((memseg_high << 16) | memseg_low) * _PARAPOINTER_BYTES
    declared = length_frames * width * channels
    missing = offset + declared - len(data)
    if missing > TRUNCATION_SLACK_BYTES:
        raise ModuleError(
            f"{label}: instrument {number}: absurd sample length: {declared} bytes at byte "
            f"{offset}, the file has {len(data)}"
        )
    # A file cut short gives what it holds of both channels (the right one comes second).
    held = max(0, min(declared, len(data) - offset)) // width
    frames = held if channels == 1 else max(0, held - length_frames)
    frames = min(frames, length_frames)
    if frames == 0:
        return mod_sample(b"", name=name, volume=volume)
    blocks = [
        data[offset + c * length_frames * width : offset + (c * length_frames + frames) * width]
        for c in range(channels)
    ]
    bit_depth: BitDepth = "pcm16" if width == 2 else "pcm8"
    unsigned = header.sample_format == _UNSIGNED_SAMPLES
    rate_hz = min(c2spd, ST3_MAX_C2SPD_HZ) or DEFAULT_C2SPD_HZ
    rate_hz = min(max(rate_hz, MIN_RATE_HZ), MAX_RATE_HZ)
    audio = SampleAudio(frames=_decode(blocks, width, unsigned), sample_rate_hz=rate_hz)
    ref = SampleRef(
        sha256=sample_hash(audio, bit_depth),
        name=_name(filename),
        format=format_for_bit_depth(bit_depth),
        frames=frames,
        channels=channels,
        sample_rate_hz=rate_hz,
        bit_depth=bit_depth,
    )
    loop_end = min(loop_end, frames)
    looped = bool(flags & _LOOP_FLAG) and loop_start < loop_end
    instrument = SampleInstrument(
        name=name,
        volume=volume / VOLUME_MAX,
        sample=ref,
        base_note=BASE_NOTE,
        finetune=0,
        loop="forward" if looped else "none",
        loop_start_frames=loop_start if looped else 0,
        loop_end_frames=loop_end if looped else 0,
        amp_env=MOD_ENVELOPE,
    )
    return instrument, audio


def _decode(blocks: list[bytes], width: int, unsigned: bool) -> Frames:
    """Float32 frames (n, channels) from one block of little-endian PCM per channel."""
    signed = np.dtype("<i2" if width == 2 else "i1")
    bits = 8 * width
    columns = []
    for block in blocks:
        values = np.frombuffer(block, dtype=signed)
        if unsigned:  # flipping the top bit turns offset binary into two's complement
            values = values ^ signed.type(-(1 << (bits - 1)))
        columns.append(values.astype(np.float32) / np.float32(1 << (bits - 1)))
    return np.stack(columns, axis=1)
