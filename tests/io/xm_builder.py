"""XM files written byte by byte for tests, from the format's description alone: this knows
nothing of tracker.io.xm, so the loader is checked against the format rather than itself.

Every size field can be given a wrong value, so tests can build hostile files too.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


def delta8(values: Sequence[int]) -> bytes:
    """Signed 8-bit values as XM stores them: each byte the difference from the one before."""
    out, previous = bytearray(), 0
    for value in values:
        out.append((value - previous) & 0xFF)
        previous = value
    return bytes(out)


def delta16(values: Sequence[int]) -> bytes:
    """Signed 16-bit values, delta-coded, little-endian."""
    out, previous = bytearray(), 0
    for value in values:
        out += struct.pack("<H", (value - previous) & 0xFFFF)
        previous = value
    return bytes(out)


def cell(
    note: int = 0,
    instrument: int = 0,
    volume: int = 0,
    effect: int = 0,
    param: int = 0,
    *,
    packed: bool = True,
) -> bytes:
    """One pattern entry: a flag byte and the fields that are not 0, or all five unpacked."""
    fields = (note, instrument, volume, effect, param)
    if not packed:
        return bytes(fields)
    flags = 0x80 | sum(1 << bit for bit, value in enumerate(fields) if value)
    return bytes([flags, *(value for value in fields if value)])


Cells = Mapping[tuple[int, int], bytes]  # (row, channel) -> an entry from cell()


def pattern(
    cells: Cells | None = None,
    *,
    rows: int = 64,
    channels: int = 2,
    header_size: int = 9,
    declared_rows: int | None = None,
    packed_size: int | None = None,
    data: bytes | None = None,
) -> bytes:
    """A pattern: its header (``header_size`` bytes, padded) and packed data. Cells not given
    are empty flag bytes; ``data`` replaces the data outright."""
    if data is None:
        cells = cells or {}
        data = b"".join(
            cells.get((row, channel), b"\x80") for row in range(rows) for channel in range(channels)
        )
    head = struct.pack(
        "<IBHH",
        header_size,
        0,
        rows if declared_rows is None else declared_rows,
        len(data) if packed_size is None else packed_size,
    )
    return head.ljust(header_size, b"\0") + data


@dataclass(frozen=True)
class RawSample:
    data: bytes = b""  # as stored (already delta-coded)
    name: bytes = b""
    volume: int = 64
    finetune: int = 0  # signed
    flags: int = 0  # bits 0-1 loop, 0x10 16-bit, 0x20 stereo
    pan: int = 128
    relative_note: int = 0  # signed
    reserved: int = 0
    loop_start: int = 0  # bytes
    loop_length: int = 0  # bytes
    length: int | None = None  # bytes; None: len(data)

    def header(self) -> bytes:
        return struct.pack(
            "<IIIBbBBbB22s",
            len(self.data) if self.length is None else self.length,
            self.loop_start,
            self.loop_length,
            self.volume,
            self.finetune,
            self.flags,
            self.pan,
            self.relative_note,
            self.reserved,
            self.name,
        )


@dataclass(frozen=True)
class RawEnvelope:
    points: Sequence[tuple[int, int]] = ()
    count: int | None = None  # None: len(points)
    sustain: int = 0
    loop_start: int = 0
    loop_end: int = 0
    flags: int = 0  # 1 on, 2 sustain, 4 loop

    def words(self) -> list[int]:
        flat = [value for point in self.points for value in point]
        return flat + [0] * (24 - len(flat))


@dataclass(frozen=True)
class RawInstrument:
    samples: Sequence[RawSample] = ()
    name: bytes = b""
    keymap: bytes = bytes(96)
    volume_envelope: RawEnvelope = field(default_factory=RawEnvelope)
    pan_envelope: RawEnvelope = field(default_factory=RawEnvelope)
    vibrato: tuple[int, int, int, int] = (0, 0, 0, 0)  # type, sweep, depth, rate
    fadeout: int = 0
    size: int | None = None  # the header size field; None: 263, or 29 without samples
    sample_header_size: int = 40
    declared_samples: int | None = None

    def bytes(self) -> bytes:
        count = len(self.samples) if self.declared_samples is None else self.declared_samples
        size = self.size if self.size is not None else 263 if count else 29
        v, p = self.volume_envelope, self.pan_envelope
        head = struct.pack(
            "<I22sBHI96s24H24H14BH",
            size,
            self.name,
            0,
            count,
            self.sample_header_size,
            self.keymap,
            *v.words(),
            *p.words(),
            len(v.points) if v.count is None else v.count,
            len(p.points) if p.count is None else p.count,
            v.sustain,
            v.loop_start,
            v.loop_end,
            p.sustain,
            p.loop_start,
            p.loop_end,
            v.flags,
            p.flags,
            *self.vibrato,
            self.fadeout,
        ).ljust(263, b"\0")
        # The header takes `size` bytes (0 stands for 263), whatever it holds; the size
        # field itself is always written, and a size past 64 KiB is not padded out (such a
        # file is meant to end early).
        stored = min(max(size or 263, 4), 65536)
        head = head[:stored].ljust(stored, b"\0")
        return (
            head
            + b"".join(sample.header() for sample in self.samples)
            + b"".join(sample.data for sample in self.samples)
        )


def raw_xm(
    patterns: Sequence[bytes] = (),
    instruments: Sequence[RawInstrument] = (),
    *,
    order: Sequence[int] = (0,),
    channels: int = 2,
    restart: int = 0,
    flags: int = 1,
    speed: int = 6,
    tempo: int = 125,
    title: bytes = b"",
    tracker: bytes = b"test builder",
    version: int = 0x0104,
    header_size: int = 276,
    pattern_count: int | None = None,
    instrument_count: int | None = None,
    song_length: int | None = None,
) -> bytes:
    """A whole file: patterns from pattern() and instruments, after a header whose fields
    are the arguments (counts default to what is given)."""
    head = struct.pack(
        "<17s20sB20sHIHHHHHHHH",
        b"Extended Module: ",
        title,
        0x1A,
        tracker,
        version,
        header_size,
        len(order) if song_length is None else song_length,
        restart,
        channels,
        len(patterns) if pattern_count is None else pattern_count,
        len(instruments) if instrument_count is None else instrument_count,
        flags,
        speed,
        tempo,
    )
    # The order table fills the rest of the header (at most its 256 entries).
    table_bytes = min(max(header_size - 20, 0), 256)
    return (
        head
        + bytes(order).ljust(table_bytes, b"\0")[:table_bytes]
        + b"".join(patterns)
        + b"".join(instrument.bytes() for instrument in instruments)
    )
