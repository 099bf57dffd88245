"""Seed inputs for the module fuzzers: small valid modules of each layout the MOD loader
reads (and S3Ms and XMs), so the fuzzer starts past the signature check instead of guessing
its way there.

    .venv/bin/python -m tests.fuzz.seeds build/fuzz/mod
    .venv/bin/python -m tests.fuzz.seeds build/fuzz/s3m s3m
    .venv/bin/python -m tests.fuzz.seeds build/fuzz/xm xm
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from tests.io import xm_builder as xm
from tests.io.s3m_builder import Entry, RawInstrument, effect, note_byte, raw_s3m
from tracker.io.mod import PERIODS, mod_sample, save_mod
from tracker.io.project import Project
from tracker.model import EFFECT_COMMANDS, Cell, Effect, Pattern, Song, Track

_SINE = bytes(round(100 * math.sin(i / 5)) & 0xFF for i in range(64))


def _project(tracks: int) -> Project:
    instruments = [
        mod_sample(_SINE, name="looped", volume=48, finetune=-3, loop=(8, 40)),
        mod_sample(_SINE[:32], name="short", finetune=5),
        mod_sample(b"", name="empty"),
    ]
    rows = [[Cell()] * tracks for _ in range(64)]
    for row in range(0, 64, 2):
        effect = Effect(command=EFFECT_COMMANDS[row % 16], param=row * 4 + 1)
        rows[row][row % tracks] = Cell(
            note=36 + row % len(PERIODS), instrument=1 + row % 3, effects=(effect,)
        )
    song = Song(
        tracks=[Track() for _ in range(tracks)],
        instruments=[instrument for instrument, _ in instruments],
        patterns=[Pattern(rows=rows), Pattern.empty(64, tracks)],
        order=[0, 1, 0],
        restart_order=1,
    )
    return Project(song, {i.sample.sha256: audio for i, audio in instruments})


def seeds() -> dict[str, bytes]:
    """name -> bytes: M.K., 6CHN, 12CH, FLT8 and a 15-sample Soundtracker module."""
    four, eight = save_mod(_project(4)), save_mod(_project(8))
    # FLT8 stores an 8-channel pattern as two 4-channel ones; any bytes do as a seed.
    flt8 = eight[:1080] + b"FLT8" + eight[1084:]
    # Soundtracker: 15 sample headers, no signature; finetunes must be 0.
    headers = bytearray(four[20 : 20 + 15 * 30])
    for slot in range(15):
        headers[slot * 30 + 24] = 0
    soundtracker = four[:20] + bytes(headers) + four[950:1080] + four[1084:]
    return {
        "mk.mod": four,
        "6chn.mod": save_mod(_project(6)),
        "12ch.mod": save_mod(_project(12)),
        "flt8.mod": flt8,
        "soundtracker.mod": soundtracker,
    }


def s3m_seeds() -> dict[str, bytes]:
    """name -> bytes: S3Ms with unsigned and signed, 8- and 16-bit, mono and stereo samples,
    AdLib and empty slots, a pan table, markers in the order and a missing pattern."""
    cells = {
        (row, row % 4): Entry(
            note=254 if row % 17 == 0 else note_byte(1 + row % 7, row % 12),
            instrument=1 + row % 4,
            volume=row if row % 2 else None,
            effect=effect("ABCDEFGHIJKLMOQRSTUVX"[row % 21], row * 4) if row % 3 else None,
        )
        for row in range(0, 64, 2)
    }
    instruments = [
        RawInstrument(_SINE, b"looped", flags=1, loop_start=8, loop_end=40),
        RawInstrument(_SINE, b"stereo 16-bit", flags=6, c2spd=22050),
        RawInstrument(b"", b"adlib", kind=2),
        RawInstrument(b"", b"empty", kind=0),
    ]
    channels = (0, 8, 1, 16) + (255,) * 28
    return {
        "unsigned.s3m": raw_s3m(
            [cells, {}], instruments=instruments, order=[0, 254, 1, 3, 255], channels=channels
        ),
        "signed-panned.s3m": raw_s3m(
            [cells],
            instruments=instruments,
            channels=channels,
            pans=bytes([0x20, 0x2F, 0x27, 0x08]) + bytes(28),
            sample_format=1,
        ),
    }


def xm_seeds() -> dict[str, bytes]:
    """name -> bytes: XMs with every kind of cell, 8- and 16-bit, stereo and ADPCM samples,
    multi-sample instruments with envelopes, an empty instrument, and OpenMPT's short header."""
    sine = [round(100 * math.sin(i / 5)) for i in range(64)]
    kept = "0123456789ABCDEFGHKLPRTX"
    cells = {
        (row, row % 4): xm.cell(
            1 + row % 97,
            1 + row % 4,
            (0, 0x20, 0x65, 0xC8)[row // 2 % 4],
            EFFECT_COMMANDS.index(kept[row % len(kept)]),
            row * 4,
            packed=row % 5 != 0,
        )
        for row in range(0, 64, 2)
    }
    table = bytes(range(16))
    instruments = [
        xm.RawInstrument(
            [xm.RawSample(xm.delta8(sine), b"looped", flags=1, loop_start=8, loop_length=32)],
            b"enveloped",
            volume_envelope=xm.RawEnvelope(
                [(0, 64), (8, 20), (30, 0)], sustain=1, loop_end=1, flags=7
            ),
            pan_envelope=xm.RawEnvelope([(0, 32), (4, 40)], flags=1),
            vibrato=(1, 2, 3, 4),
            fadeout=256,
        ),
        xm.RawInstrument(
            [
                xm.RawSample(xm.delta16(sine[:16]), b"16", flags=0x12, loop_length=8),
                xm.RawSample(xm.delta8(sine[:8]) * 2, b"stereo", flags=0x20),
                xm.RawSample(table + bytes(8), b"adpcm", reserved=0xAD, length=16),
            ],
            b"three",
            keymap=bytes([0] * 40 + [1] * 40 + [2] * 16),
        ),
        xm.RawInstrument(name=b"empty"),
    ]
    patterns = [
        xm.pattern(cells, channels=4),
        xm.pattern({(0, 1): xm.cell(97)}, rows=1, channels=4),
    ]
    return {
        "linear.xm": xm.raw_xm(patterns, instruments, order=[0, 1, 0, 5], channels=4, restart=1),
        "amiga-short-header.xm": xm.raw_xm(
            patterns, instruments, order=[1, 0], channels=4, flags=0, header_size=22
        ),
    }


def main(folder: str, kind: str = "mod") -> None:
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for name, data in {"mod": seeds, "s3m": s3m_seeds, "xm": xm_seeds}[kind]().items():
        (target / f"seed-{name}").write_bytes(data)


if __name__ == "__main__":
    main(*sys.argv[1:3])
