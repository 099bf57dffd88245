"""An S3M writer for tests, byte by byte from the format and independent of tracker.io.s3m,
so the loader is checked against the format rather than against itself. The fuzz seeds
(tests/fuzz/seeds.py) use it too.

Layout as ST3 wrote it: header, order list, parapointers, pan table, then instrument
headers, packed patterns and sample data, each starting on a 16-byte boundary.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

HEADER = struct.Struct("<28sBB2x6H4s6B8xH32s")
SAMPLE_HEADER = struct.Struct("<B12sBH3IBxBBI12x28s4s")
DEFAULT_CHANNELS = (0, 8) + (255,) * 30  # L1, R1, the rest unused


@dataclass(frozen=True)
class RawInstrument:
    data: bytes = b""  # sample data as stored
    name: bytes = b""
    filename: bytes = b""
    kind: int = 1  # 0 empty, 1 PCM, 2.. AdLib
    length: int | None = None  # frames; None: from data, flags and channels
    loop_start: int = 0
    loop_end: int = 0
    volume: int = 64
    pack: int = 0
    flags: int = 0  # 1 loop, 2 stereo, 4 16-bit
    c2spd: int = 8363
    data_at: int | None = None  # byte offset of the data; None: where it is written


@dataclass(frozen=True)
class Entry:
    """One channel on one row: a note byte (None: no note or instrument field unless
    ``instrument`` is set), volume (None: no field) and (command, info) (None: no field)."""

    note: int | None = None
    instrument: int = 0
    volume: int | None = None
    effect: tuple[int, int] | None = None


Cells = Mapping[tuple[int, int], Entry]  # (row, channel) -> entry


def note_byte(octave: int, semitone: int) -> int:
    return octave << 4 | semitone


def effect(letter: str, info: int) -> tuple[int, int]:
    """An S3M effect by its letter: ("D", 0x0F) is D0F."""
    return ord(letter) - ord("A") + 1, info


def packed_pattern(cells: Cells, rows: int = 64) -> bytes:
    """The packed pattern with its length word (which counts itself)."""
    body = bytearray()
    for row in range(rows):
        for (r, channel), entry in sorted(cells.items()):
            if r != row:
                continue
            what = channel
            fields = bytearray()
            if entry.note is not None or entry.instrument:
                what |= 0x20
                fields += bytes([255 if entry.note is None else entry.note, entry.instrument])
            if entry.volume is not None:
                what |= 0x40
                fields.append(entry.volume)
            if entry.effect is not None:
                what |= 0x80
                fields += bytes(entry.effect)
            body += bytes([what]) + fields
        body.append(0)
    return struct.pack("<H", len(body) + 2) + bytes(body)


def _pad(data: bytes) -> bytes:
    return data + bytes(-len(data) % 16)


def raw_s3m(
    patterns: Sequence[Cells | bytes | None] = ({},),
    *,
    instruments: Sequence[RawInstrument] = (),
    order: Sequence[int] = (0,),
    channels: Sequence[int] = DEFAULT_CHANNELS,
    pans: bytes | None = None,
    title: bytes = b"",
    speed: int = 6,
    tempo: int = 125,
    global_volume: int = 64,
    master: int = 0xB0,
    sample_format: int = 2,
    file_type: int = 16,
) -> bytes:
    """An S3M file. A pattern is cells to pack, bytes already packed, or None (parapointer
    0); ``pans`` is the 32-byte pan table (and sets the flag that says it is there)."""
    pointers_at = HEADER.size + len(order)
    table_end = pointers_at + 2 * (len(instruments) + len(patterns)) + (32 if pans else 0)
    at = table_end + -table_end % 16
    headers_at = at
    at += 80 * len(instruments)
    pattern_blobs: list[bytes | None] = [
        None if p is None else p if isinstance(p, bytes) else packed_pattern(p) for p in patterns
    ]
    stored: dict[bytes, int] = {}  # equal patterns are stored once and share a parapointer
    for blob in pattern_blobs:
        if blob is not None and blob not in stored:
            stored[blob] = at
            at += len(_pad(blob))
    pattern_at = [0 if blob is None else stored[blob] for blob in pattern_blobs]
    sample_headers = bytearray()
    sample_data = bytearray()
    for instrument in instruments:
        data_at = at if instrument.data_at is None else instrument.data_at
        per_frame = (2 if instrument.flags & 4 else 1) * (2 if instrument.flags & 2 else 1)
        length = instrument.length
        if length is None:
            length = len(instrument.data) // per_frame
        sample_headers += SAMPLE_HEADER.pack(
            instrument.kind,
            instrument.filename,
            data_at >> 20,
            (data_at >> 4) & 0xFFFF,
            length,
            instrument.loop_start,
            instrument.loop_end,
            instrument.volume,
            instrument.pack,
            instrument.flags,
            instrument.c2spd,
            instrument.name,
            b"SCRS" if instrument.kind == 1 else b"SCRI",
        )
        sample_data += _pad(instrument.data)
        at += len(_pad(instrument.data))
    header = HEADER.pack(
        title,
        0x1A,
        file_type,
        len(order),
        len(instruments),
        len(patterns),
        0,
        0x1320,
        sample_format,
        b"SCRM",
        global_volume,
        speed,
        tempo,
        master,
        16,
        0xFC if pans else 0,
        0,
        bytes(channels),
    )
    pointers = [a // 16 for a in range(headers_at, headers_at + 80 * len(instruments), 80)]
    pointers += [a // 16 for a in pattern_at]
    tables = bytes(order) + struct.pack(f"<{len(pointers)}H", *pointers) + (pans or b"")
    out = _pad(header + tables) + bytes(sample_headers)
    for blob in stored:
        out += _pad(blob)
    return out + bytes(sample_data)
