"""FastTracker II modules: import (tracker.io.xm.load_xm), export (save_xm), the file door
(tracker.io.modules) and the `import` / `export` commands.

Modules under test are written byte by byte by tests/io/xm_builder.py, which knows nothing
of the loader, so the loader is checked against the format rather than against itself.
"""

from __future__ import annotations

import logging
import random
import struct
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conformance import OPENMPT_MODS, render_reference
from tests.io.refusals import assert_refused
from tests.io.xm_builder import (
    RawEnvelope,
    RawInstrument,
    RawSample,
    cell,
    delta8,
    delta16,
    pattern,
    raw_xm,
)
from tracker.cli import main
from tracker.io.mod import (
    MAX_DISTINCT_CELLS,
    MAX_MODULE_BYTES,
    MOD_ENVELOPE,
    ModuleError,
    master_volume_for,
)
from tracker.io.modules import load_module
from tracker.io.project import Project, load_project
from tracker.io.samples import SampleAudio, format_for_bit_depth, sample_hash
from tracker.io.xm import KEPT_EFFECTS, load_xm, save_xm
from tracker.model import (
    EFFECT_COMMANDS,
    NOTE_CUT,
    NOTE_OFF,
    AutomationLane,
    AutomationPoint,
    Cell,
    Effect,
    Envelope,
    Filter,
    Lfo,
    Pattern,
    SampleInstrument,
    Song,
    SynthInstrument,
    Track,
)
from tracker.model.instrument import (
    AutoVibrato,
    BitDepth,
    EnvelopePoint,
    PointEnvelope,
    SampleRef,
    SampleZone,
    sample_fields,
)

OPENMPT_XMS = sorted(str(path) for path in (OPENMPT_MODS.parent / "xm").glob("*.xm"))

SINE = [round(100 * np.sin(i / 5)) for i in range(64)]
SINE_SAMPLE = RawSample(delta8(SINE), b"SINE.WAV")
SINE_INSTRUMENT = RawInstrument([SINE_SAMPLE], b"sine")


def only_cell(project: Project, row: int = 0, track: int = 0, pattern: int = 0) -> Cell:
    return project.song.patterns[pattern].rows[row][track]


def instrument(project: Project, number: int = 1) -> SampleInstrument:
    found = project.song.instrument(number)
    assert isinstance(found, SampleInstrument)
    return found


def one_cell(entry: bytes) -> Project:
    """A song whose pattern 0 holds ``entry`` on row 0, channel 0, with one instrument."""
    return load_xm(raw_xm([pattern({(0, 0): entry})], [SINE_INSTRUMENT]))


def one_instrument(raw: RawInstrument) -> SampleInstrument:
    return instrument(load_xm(raw_xm([pattern()], [raw])))


def values_of(project: Project, ref: SampleRef) -> list[int]:
    scale = 128 if ref.bit_depth == "pcm8" else 32768
    return [round(v * scale) for v in project.samples[ref.sha256].frames[:, 0]]


def check_loaded(project: Project) -> None:
    """What any file that loads must give: every sample's audio in the shape its ref says,
    and a song that, if it exports at all, exports to a file that loads back to the same
    song and exports again to the same bytes."""
    for number in range(1, len(project.song.instruments) + 1):
        found = instrument(project, number)
        for ref in [found.sample, *(zone.sample for zone in found.zones)]:
            assert project.samples[ref.sha256].frames.shape == (ref.frames, 1)
    try:
        data = save_xm(project)
    except ModuleError:
        return
    again = load_xm(data)
    assert again.song == project.song
    assert save_xm(again) == data


# ---- song, header and order -------------------------------------------------------------


def test_an_xm_becomes_a_fasttracker2_song() -> None:
    data = raw_xm(
        [pattern(channels=4)],
        [SINE_INSTRUMENT],
        channels=4,
        title=b"space debris\0\0junk",
        speed=3,
        tempo=150,
    )
    song = load_xm(data).song
    assert song.title == "space debris  junk"  # NULs inside become spaces, as in OpenMPT
    assert (song.playback, song.frequencies) == ("fasttracker2", "linear")
    assert (song.speed_ticks, song.tempo_bpm, song.global_volume) == (3, 150, 64)
    assert song.master_volume == master_volume_for(4)
    assert [(t.pan, t.effect_columns) for t in song.tracks] == [(0.0, 1)] * 4
    assert song.instruments[0].name == "sine"


def test_the_flag_picks_amiga_frequencies() -> None:
    assert load_xm(raw_xm([pattern()], flags=0)).song.frequencies == "amiga"
    assert load_xm(raw_xm([pattern()], flags=0xFFFF)).song.frequencies == "linear"


@pytest.mark.parametrize(
    ("speed", "tempo", "expected"),
    [
        (6, 125, (6, 125)),
        (0, 125, (1, 125)),  # speed 0 plays as 1
        (31, 255, (31, 255)),
        (40, 300, (31, 255)),  # FastTracker II's highest
        (1, 10, (1, 32)),  # our lowest tempo
        (1, 0, (1, 32)),
    ],
)
def test_speed_and_tempo_are_clamped_to_the_model(
    speed: int, tempo: int, expected: tuple[int, int]
) -> None:
    song = load_xm(raw_xm([pattern()], speed=speed, tempo=tempo)).song
    assert (song.speed_ticks, song.tempo_bpm) == expected


def test_order_restart_and_patterns_the_file_lacks() -> None:
    patterns = [pattern({(0, 0): cell(effect=0xF, param=p + 1)}) for p in range(2)]
    project = load_xm(raw_xm(patterns, order=[1, 0, 3, 1], restart=2))
    song = project.song
    assert (song.order, song.restart_order) == ([1, 0, 3, 1], 2)
    # Patterns 2 and 3 are not in the file: FastTracker II plays them as empty 64-row ones.
    assert len(song.patterns) == 4
    assert song.patterns[3] == Pattern.empty(64, 2) == song.patterns[2]
    assert only_cell(project, pattern=1).effects == (Effect(command="F", param=2),)


def test_a_file_without_patterns_plays_an_empty_one() -> None:
    song = load_xm(raw_xm(channels=3)).song
    assert song.patterns == [Pattern.empty(64, 3)] and len(song.tracks) == 3


def test_patterns_the_order_skips_are_kept() -> None:
    song = load_xm(raw_xm([pattern()] * 3, order=[0])).song
    assert len(song.patterns) == 3


@pytest.mark.parametrize(
    ("order", "length", "restart", "expected"),
    [
        ([0, 0xFF, 0xFF], None, 0, ([0], 0)),  # padding some trackers wrote (ft2-clone)
        ([0], 0, 0, ([0], 0)),  # an empty order plays pattern 0
        ([0, 0], None, 2, ([0, 0], 0)),  # restart past the end: 0
        ([0, 0, 0], None, 2, ([0, 0, 0], 2)),
    ],
)
def test_order_edges(
    order: list[int], length: int | None, restart: int, expected: tuple[list[int], int]
) -> None:
    song = load_xm(raw_xm([pattern()], order=order, song_length=length, restart=restart)).song
    assert (song.order, song.restart_order) == expected


def test_a_short_header_as_openmpt_writes_it() -> None:
    # OpenMPT sets the header size to 20 + the song length: patterns follow the order.
    data = raw_xm([pattern({(1, 1): cell(49, 1)})], [SINE_INSTRUMENT], order=[0, 0], header_size=22)
    assert only_cell(load_xm(data), row=1, track=1) == Cell(note=60, instrument=1)


# ---- cells --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byte", "note"),
    [(1, 12), (49, 60), (96, 107), (97, NOTE_OFF), (0, None), (98, None), (127, None)],
)
def test_notes(byte: int, note: int | None) -> None:
    assert only_cell(one_cell(cell(byte, 1))).note == note


@pytest.mark.parametrize(
    ("byte", "volume", "effects"),
    [
        (0x10, 0, ()),
        (0x30, 32, ()),
        (0x50, 64, ()),
        (0x01, None, ()),  # 0x01-0x0F and 0x51-0x5F are nothing
        (0x0F, None, ()),
        (0x51, None, ()),
        (0x5F, None, ()),
        (0x60, None, (Effect(command="V", param=0x60),)),  # commands kept whole
        (0xC8, None, (Effect(command="V", param=0xC8),)),
        (0xFF, None, (Effect(command="V", param=0xFF),)),
    ],
)
def test_volume_column(byte: int, volume: int | None, effects: tuple[Effect, ...]) -> None:
    found = only_cell(one_cell(cell(49, 1, byte)))
    assert (found.volume, found.effects) == (volume, effects)


def test_a_volume_command_and_an_effect_take_two_effect_columns() -> None:
    cells = {
        (0, 0): cell(volume=0x65, effect=0xA, param=0x0F),
        (1, 1): cell(volume=0x65),
        (2, 1): cell(volume=0x40, effect=0xA, param=0x0F),
    }
    project = load_xm(raw_xm([pattern(cells)], channels=2))
    assert only_cell(project).effects == (
        Effect(command="V", param=0x65),
        Effect(command="A", param=0x0F),
    )
    assert [t.effect_columns for t in project.song.tracks] == [2, 1]
    assert only_cell(project, row=2, track=1) == Cell(
        volume=0x30, effects=(Effect(command="A", param=0x0F),)
    )


@pytest.mark.parametrize("number", sorted(KEPT_EFFECTS))
def test_effects_fasttracker_ii_has_keep_their_letter(number: int) -> None:
    letter = EFFECT_COMMANDS[number]
    assert only_cell(one_cell(cell(effect=number, param=0x3C))).effects == (
        Effect(command=letter, param=0x3C),
    )


def test_the_kept_letters() -> None:
    assert "".join(EFFECT_COMMANDS[n] for n in sorted(KEPT_EFFECTS)) == "0123456789ABCDEFGHKLPRTX"


@pytest.mark.parametrize(
    ("number", "param", "effects"),
    [
        (0, 0, ()),  # 000 is no effect
        (0, 0x37, (Effect(command="0", param=0x37),)),  # an arpeggio
        (1, 0, (Effect(command="1", param=0),)),  # 100 slides with the memory
        (0xE, 0xD3, (Effect(command="E", param=0xD3),)),
    ],
)
def test_effect_parameters(number: int, param: int, effects: tuple[Effect, ...]) -> None:
    assert only_cell(one_cell(cell(effect=number, param=param, packed=False))).effects == effects


@pytest.mark.parametrize("number", [*(EFFECT_COMMANDS.index(c) for c in "IJMNOQSUVWYZ"), 36, 255])
def test_effects_without_an_equivalent_are_dropped(number: int) -> None:
    found = only_cell(one_cell(cell(49, 1, 0x20, number, 0x11)))
    assert found == Cell(note=60, instrument=1, volume=0x10)


def test_dropped_effects_are_counted_in_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    z, y = EFFECT_COMMANDS.index("Z"), EFFECT_COMMANDS.index("Y")
    cells = {
        (0, 0): cell(effect=z, param=0x20),
        (1, 0): cell(effect=z, param=0x30),
        (2, 1): cell(effect=y, param=0x61),
        (3, 1): cell(effect=40),
        (4, 1): cell(effect=0xA, param=5),
    }
    with caplog.at_level(logging.INFO, logger="tracker.io.xm"):
        load_xm(raw_xm([pattern(cells), pattern(cells)], order=[0, 1]), "tune.xm")
    assert [r.getMessage() for r in caplog.records] == [
        "tune.xm: 8 effects have no equivalent and were dropped: Y x2, Z x4, command 40 x2"
    ]


def test_instrument_numbers() -> None:
    cells = {(0, 0): cell(49, 1), (1, 0): cell(49, 4), (2, 0): cell(49, 129), (3, 0): cell(49, 255)}
    project = load_xm(raw_xm([pattern(cells)], [SINE_INSTRUMENT]))
    # A number past the declared ones plays nothing: silent instruments fill up to it.
    assert len(project.song.instruments) == 4
    assert instrument(project, 4).sample.frames == 1
    assert instrument(project, 4).sample.sha256 in project.samples
    # Above 128 is no instrument: FastTracker II has 128.
    assert only_cell(project, row=2).instrument is None
    assert only_cell(project, row=3).instrument is None


def test_unpacked_and_packed_entries_mix() -> None:
    cells = {
        (0, 0): cell(49, 1, 0x50, 0xC, 0x20, packed=False),
        (0, 1): cell(note=50),
        (1, 0): cell(instrument=1, param=0x11),  # effect 0 absent, parameter present
    }
    project = load_xm(raw_xm([pattern(cells)], [SINE_INSTRUMENT]))
    assert only_cell(project) == Cell(
        note=60, instrument=1, volume=64, effects=(Effect(command="C", param=0x20),)
    )
    assert only_cell(project, track=1) == Cell(note=61)
    assert only_cell(project, row=1) == Cell(
        instrument=1, effects=(Effect(command="0", param=0x11),)
    )


# ---- patterns -----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 64, 256])
def test_pattern_lengths(rows: int) -> None:
    data = raw_xm([pattern({(rows - 1, 1): cell(96)}, rows=rows)])
    project = load_xm(data)
    assert len(project.song.patterns[0].rows) == rows
    assert only_cell(project, row=rows - 1, track=1).note == 107


def test_a_pattern_of_0_rows_is_64_as_openmpt_reads_it() -> None:
    project = load_xm(raw_xm([pattern(rows=0, data=b"")]))
    assert project.song.patterns[0] == Pattern.empty(64, 2)


def test_an_empty_pattern_stores_no_data_but_keeps_its_rows() -> None:
    project = load_xm(raw_xm([pattern(rows=16, data=b"")]))
    assert project.song.patterns[0] == Pattern.empty(16, 2)


def test_the_pattern_header_size_is_honoured() -> None:
    data = raw_xm([pattern({(0, 0): cell(49)}, header_size=272), pattern({(0, 1): cell(50)})])
    project = load_xm(data)
    assert only_cell(project).note == 60 and only_cell(project, pattern=1, track=1).note == 61


def test_packed_data_that_ends_between_cells_leaves_the_rest_empty() -> None:
    project = load_xm(raw_xm([pattern(rows=4, data=cell(49) + cell(50))]))
    rows = project.song.patterns[0].rows
    assert [rows[0][0].note, rows[0][1].note] == [60, 61]
    assert rows[1:] == [[Cell(), Cell()]] * 3


def test_bytes_after_the_last_cell_are_ignored() -> None:
    data = raw_xm([pattern(rows=1, data=cell(49) + cell(50) + b"\x83junk")])
    assert load_xm(data).song.patterns[0].rows == [[Cell(note=60), Cell(note=61)]]


# ---- samples ------------------------------------------------------------------------------


def test_8_bit_samples_are_delta_coded() -> None:
    values = [0, 1, -1, 127, -128, 64]  # 127 -> -128 wraps in the deltas
    raw = RawInstrument(
        [RawSample(delta8(values), b"st-01:bass\xe9  ", volume=32, finetune=-16, pan=64)],
        b"bass  ",
    )
    project = load_xm(raw_xm([pattern()], [raw]))
    found = instrument(project)
    assert (found.name, found.sample.name) == ("bass", "st-01:bass\xe9")
    assert (found.volume, found.finetune, found.pan, found.base_note) == (0.5, -16, -0.5, 60)
    assert found.amp_env == MOD_ENVELOPE
    ref = found.sample
    assert (ref.frames, ref.channels, ref.sample_rate_hz, ref.bit_depth) == (6, 1, 8363, "pcm8")
    assert ref.format == "flac"
    assert values_of(project, ref) == values
    assert ref.sha256 == sample_hash(project.samples[ref.sha256], "pcm8")


def test_16_bit_samples_are_delta_coded_little_endian() -> None:
    values = [0, 1000, -32768, 32767, -5]
    project = load_xm(
        raw_xm([pattern()], [RawInstrument([RawSample(delta16(values), flags=0x10)])])
    )
    ref = instrument(project).sample
    assert (ref.frames, ref.bit_depth) == (5, "pcm16")
    assert values_of(project, ref) == values


def test_an_odd_byte_of_16_bit_data_is_dropped_and_the_next_sample_still_lines_up() -> None:
    odd = RawSample(delta16([5, 6, 7]) + b"\x09", flags=0x10)
    raw = RawInstrument([odd, RawSample(delta8([1, 2]))], keymap=bytes([1]) * 96)
    project = load_xm(raw_xm([pattern()], [raw]))
    found = instrument(project)
    assert values_of(project, found.sample) == [5, 6, 7]
    assert values_of(project, found.zones[0].sample) == [1, 2]


def test_stereo_samples_are_mixed_to_mono() -> None:
    left, right = [10, 20, 30, -7], [30, 40, -50, 0]
    sample = RawSample(delta8(left) + delta8(right), flags=0x21, loop_start=2, loop_length=4)
    project = load_xm(raw_xm([pattern()], [RawInstrument([sample])]))
    found = instrument(project)
    assert values_of(project, found.sample) == [20, 30, -10, -4]  # (l + r) >> 1
    # Loop points count bytes of both channels: frames 1..3.
    assert (found.loop, found.loop_start_frames, found.loop_end_frames) == ("forward", 1, 3)


def test_modplug_adpcm_samples() -> None:
    table = bytes(np.array([0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8], np.int8))
    # Indices 1, 1, 3, 2, 0 (low nibble first): deltas 1, 1, 2, -1, 0.
    adpcm = RawSample(table + bytes([0x11, 0x23, 0x00]), reserved=0xAD, length=5)
    raw = RawInstrument([adpcm, RawSample(delta8([9, 8]))], keymap=bytes([1]) * 96)
    project = load_xm(raw_xm([pattern()], [raw]))
    found = instrument(project)
    assert values_of(project, found.sample) == [1, 2, 4, 3, 3]
    assert values_of(project, found.zones[0].sample) == [9, 8]


@pytest.mark.parametrize(
    ("flags", "start", "length", "loop"),
    [
        (0, 8, 16, ("none", 0, 0)),
        (1, 8, 16, ("forward", 8, 24)),
        (2, 8, 16, ("pingpong", 8, 24)),
        (3, 8, 16, ("pingpong", 8, 24)),  # both bits: ping-pong (FastTracker II, OpenMPT)
        (1, 8, 0, ("none", 0, 0)),  # length 0 is no loop
        (1, 40, 100, ("forward", 40, 64)),  # past the end: cut to the end
        (1, 64, 8, ("none", 0, 0)),  # nothing left
        (1, 1000, 8, ("none", 0, 0)),
        (0x11, 16, 32, ("forward", 8, 24)),  # 16-bit: bytes to frames
        (0x12, 17, 33, ("pingpong", 8, 24)),
    ],
)
def test_loops(flags: int, start: int, length: int, loop: tuple[str, int, int]) -> None:
    data = delta16(SINE) if flags & 0x10 else delta8(SINE)
    sample = RawSample(data, flags=flags, loop_start=start, loop_length=length)
    found = one_instrument(RawInstrument([sample]))
    assert (found.loop, found.loop_start_frames, found.loop_end_frames) == loop


@pytest.mark.parametrize(
    ("relative", "base_note"), [(0, 60), (12, 48), (-12, 72), (100, 0), (-100, 119)]
)
def test_relative_note_is_the_base_note(relative: int, base_note: int) -> None:
    found = one_instrument(RawInstrument([RawSample(delta8(SINE), relative_note=relative)]))
    assert found.base_note == base_note


@pytest.mark.parametrize(("byte", "pan"), [(0, -1.0), (128, 0.0), (255, 127 / 128), (192, 0.5)])
def test_sample_pan(byte: int, pan: float) -> None:
    assert one_instrument(RawInstrument([RawSample(delta8(SINE), pan=byte)])).pan == pan


@pytest.mark.parametrize(("stored", "finetune"), [(-128, -128), (127, 127), (-3, -3)])
def test_finetune_is_the_signed_byte(stored: int, finetune: int) -> None:
    found = one_instrument(RawInstrument([RawSample(delta8(SINE), finetune=stored)]))
    assert found.finetune == finetune


def test_volume_over_64_is_64() -> None:
    assert one_instrument(RawInstrument([RawSample(delta8(SINE), volume=200)])).volume == 1.0


def test_an_empty_sample_is_one_silent_frame_keeping_its_settings() -> None:
    empty = RawSample(b"", b"nothing", volume=16, flags=1, loop_length=8, relative_note=2)
    found = one_instrument(RawInstrument([empty], b"hollow"))
    assert (found.name, found.sample.name, found.sample.frames) == ("hollow", "nothing", 1)
    assert (found.volume, found.base_note, found.loop) == (0.25, 58, "none")


@pytest.mark.parametrize("size", [29, 33, 263, 0, 300])
def test_instruments_without_samples_are_silent_and_keep_their_name(size: int) -> None:
    raw = [RawInstrument(name=b"empty", size=size), SINE_INSTRUMENT]
    project = load_xm(raw_xm([pattern()], raw))
    empty = instrument(project, 1)
    assert (empty.name, empty.sample.frames, empty.zones, empty.keymap) == ("empty", 1, [], None)
    assert not project.samples[empty.sample.sha256].frames.any()
    assert values_of(project, instrument(project, 2).sample) == SINE  # the next one lines up


@pytest.mark.parametrize("size", [100, 300])
def test_the_instrument_header_size_is_honoured(size: int) -> None:
    # A header shorter than FastTracker II's leaves what it does not reach zero (no envelope
    # flags past byte 233); a longer one is skipped to its end.
    envelope = RawEnvelope([(0, 64), (10, 0)], flags=1)
    raw = RawInstrument([SINE_SAMPLE], b"sized", volume_envelope=envelope, size=size)
    project = load_xm(raw_xm([pattern()], [raw]))
    found = instrument(project)
    assert values_of(project, found.sample) == SINE
    assert (found.volume_envelope is None) == (size < 234)


@pytest.mark.parametrize("sample_header_size", [0, 18, 40, 64])
def test_the_sample_header_size_field_is_not_read(sample_header_size: int) -> None:
    # FastTracker II reads 40-byte sample headers whatever the field says.
    raw = RawInstrument(
        [SINE_SAMPLE, RawSample(delta8([3, 2, 1]))],
        keymap=bytes([1]) * 96,
        sample_header_size=sample_header_size,
    )
    project = load_xm(raw_xm([pattern()], [raw]))
    assert values_of(project, instrument(project).zones[0].sample) == [3, 2, 1]


def test_sample_data_cut_short_at_the_end_loads_what_is_there() -> None:
    looped = RawSample(delta8(SINE), b"cut", flags=1, loop_length=64)
    last = RawInstrument([SINE_SAMPLE, looped], keymap=bytes([1]) * 96)
    project = load_xm(raw_xm([pattern()], [SINE_INSTRUMENT, last])[:-24])
    zone = instrument(project, 2).zones[0]  # 40 of its 64 bytes remain
    assert (zone.sample.frames, zone.loop_start_frames, zone.loop_end_frames) == (40, 0, 40)
    assert values_of(project, zone.sample) == SINE[:40]
    assert values_of(project, instrument(project, 1).sample) == SINE


# ---- instruments: keymap, envelopes, fadeout, vibrato -------------------------------------


def test_a_keymap_picks_the_zones() -> None:
    keymap = bytes([0] * 48 + [1] * 24 + [2] * 23 + [5])  # 5: a sample the instrument lacks
    samples = [
        RawSample(delta8(SINE), b"low"),
        RawSample(delta16([1, 2]), b"mid", flags=0x11, loop_length=4, volume=32, pan=0),
        RawSample(delta8([7]), b"high", relative_note=-12, finetune=5),
    ]
    project = load_xm(raw_xm([pattern()], [RawInstrument(samples, b"multi", keymap=keymap)]))
    found = instrument(project)
    assert found.sample.name == "low"
    mid, high, silent = found.zones
    assert (mid.sample.name, mid.sample.bit_depth, mid.volume, mid.pan) == (
        "mid",
        "pcm16",
        0.5,
        -1.0,
    )
    assert (mid.loop, mid.loop_start_frames, mid.loop_end_frames) == ("forward", 0, 2)
    assert (high.base_note, high.finetune) == (72, 5)
    # FastTracker II plays nothing for a sample it does not have: a silent zone stands in.
    assert silent.sample.frames == 1 and silent.sample.sha256 in project.samples
    expected = [0] * 12 + [0] * 48 + [1] * 24 + [2] * 23 + [3] + [3] * 12
    assert found.keymap == expected  # notes below C-1 and above B-8 take the ends


def test_a_keymap_of_zeros_is_none() -> None:
    raw = RawInstrument([SINE_SAMPLE, RawSample(delta8([1]))])
    found = one_instrument(raw)
    assert found.keymap is None and len(found.zones) == 1


def test_samples_past_16_are_skipped_and_map_to_silence() -> None:
    samples = [RawSample(delta8([n, n]), b"s%d" % n) for n in range(18)]
    raw = RawInstrument(samples, keymap=bytes([17] + [15] * 95))
    project = load_xm(raw_xm([pattern()], [raw, SINE_INSTRUMENT]))
    found = instrument(project)
    assert [zone.sample.name for zone in found.zones] == [f"s{n}" for n in range(1, 16)] + [""]
    assert found.keymap is not None and found.keymap[12] == 16 and found.keymap[13] == 15
    assert values_of(project, instrument(project, 2).sample) == SINE


def test_envelopes_with_sustain_and_loop() -> None:
    volume = RawEnvelope(
        [(0, 64), (10, 32), (20, 48), (40, 0)], sustain=1, loop_start=2, loop_end=3, flags=7
    )
    pan = RawEnvelope([(0, 32), (5, 0), (9, 64)], sustain=2, loop_start=0, loop_end=1, flags=1)
    found = one_instrument(RawInstrument([SINE_SAMPLE], volume_envelope=volume, pan_envelope=pan))
    assert found.volume_envelope == PointEnvelope(
        points=[
            EnvelopePoint(tick=0, value=1.0),
            EnvelopePoint(tick=10, value=0.5),
            EnvelopePoint(tick=20, value=0.75),
            EnvelopePoint(tick=40, value=0.0),
        ],
        sustain=1,
        loop_start=2,
        loop_end=3,
    )
    # The pan envelope is on, but neither its sustain nor its loop flag is.
    assert found.pan_envelope == PointEnvelope(
        points=[
            EnvelopePoint(tick=0, value=0.5),
            EnvelopePoint(tick=5, value=0.0),
            EnvelopePoint(tick=9, value=1.0),
        ]
    )


@pytest.mark.parametrize(
    ("envelope", "expected"),
    [
        (RawEnvelope([(0, 64), (10, 0)], flags=6), None),  # not on: none
        # Ticks that go back: points stop before them, and so do sustain and loop.
        (
            RawEnvelope([(0, 64), (10, 32), (5, 16), (30, 0)], sustain=2, loop_end=2, flags=7),
            PointEnvelope(
                points=[EnvelopePoint(tick=0, value=1.0), EnvelopePoint(tick=10, value=0.5)]
            ),
        ),
        # No points but on: the first point (the count is clamped to 1..12).
        (
            RawEnvelope([(3, 16)], count=0, flags=1),
            PointEnvelope(points=[EnvelopePoint(tick=3, value=0.25)]),
        ),
        # A loop that ends before it starts is none; a value over 64 is 64.
        (
            RawEnvelope([(0, 200), (4, 0)], loop_start=1, loop_end=0, flags=5),
            PointEnvelope(
                points=[EnvelopePoint(tick=0, value=1.0), EnvelopePoint(tick=4, value=0.0)]
            ),
        ),
        # A loop of one point, and a count over 12.
        (
            RawEnvelope([(t, 1) for t in range(12)], count=40, loop_start=5, loop_end=5, flags=5),
            PointEnvelope(
                points=[EnvelopePoint(tick=t, value=1 / 64) for t in range(12)],
                loop_start=5,
                loop_end=5,
            ),
        ),
    ],
)
def test_envelope_edges(envelope: RawEnvelope, expected: PointEnvelope | None) -> None:
    assert (
        one_instrument(RawInstrument([SINE_SAMPLE], volume_envelope=envelope)).volume_envelope
        == expected
    )


@pytest.mark.parametrize(
    ("word", "fadeout"), [(0, 0.0), (0x400, 1 / 32), (32768, 1.0), (65535, 1.0)]
)
def test_fadeout(word: int, fadeout: float) -> None:
    assert one_instrument(RawInstrument([SINE_SAMPLE], fadeout=word)).fadeout == fadeout


@pytest.mark.parametrize(
    ("vibrato", "expected"),
    [
        ((1, 10, 8, 20), AutoVibrato(wave="square", rate=20, depth=8, sweep_ticks=10)),
        ((2, 0, 1, 1), AutoVibrato(wave="ramp_down", rate=1, depth=1)),
        ((7, 0, 20, 5), AutoVibrato(wave="ramp_up", rate=5, depth=15)),  # type & 3, depth <= 15
        ((0, 5, 0, 5), None),  # no depth
        ((0, 5, 5, 0), None),  # no rate
    ],
)
def test_auto_vibrato(vibrato: tuple[int, int, int, int], expected: AutoVibrato | None) -> None:
    assert one_instrument(RawInstrument([SINE_SAMPLE], vibrato=vibrato)).auto_vibrato == expected


# ---- bad files ----------------------------------------------------------------------------


def _good() -> bytes:
    return raw_xm([pattern({(0, 0): cell(49, 1)})], [SINE_INSTRUMENT])


def _with(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new) :]


_PATTERNS_AT = 336  # 60 + a header size of 276
_INSTRUMENT_AT = _PATTERNS_AT + len(pattern({(0, 0): cell(49, 1)}))

BAD_FILES = {
    "empty": (b"", "song.xm: is empty"),
    "text": (b"hello, world\n" * 100, "song.xm: not an XM file (it does not start with"),
    "a MOD": (bytes(1080) + b"M.K." + bytes(2000), "song.xm: not an XM file"),
    "signature cut": (
        b"Extended Mod",
        "song.xm: truncated header: 12 bytes, an XM header takes 80",
    ),
    "header cut": (_good()[:79], "song.xm: truncated header: 79 bytes, an XM header takes 80"),
    "version 1.03": (
        raw_xm([pattern()], version=0x0103),
        "song.xm: XM version 1.03 is not read, only 1.04 (1.02 and 1.03, from FastTracker II's "
        "betas, order the file differently)",
    ),
    "version 2.00": (raw_xm([pattern()], version=0x0200), "XM version 2.00 is not read"),
    "no channels": (raw_xm(channels=0), "song.xm: declares 0 channels, a song holds 1 to 64"),
    "65 channels": (raw_xm(channels=65), "song.xm: declares 65 channels, a song holds 1 to 64"),
    "257 patterns": (
        raw_xm(pattern_count=257),
        "song.xm: declares 257 patterns, an XM holds at most 256",
    ),
    "129 instruments": (
        raw_xm(instrument_count=129),
        "song.xm: declares 129 instruments, an XM holds at most 128",
    ),
    "257 order entries": (
        raw_xm(song_length=257),
        "song.xm: its order list has 257 entries, an XM at most 256",
    ),
    "header size under 20": (
        raw_xm(header_size=10),
        "song.xm: corrupt header: its size field says 10 bytes, its fields alone take 20",
    ),
    "header size past the end": (
        raw_xm(header_size=0xFFFFFFFF),
        "song.xm: truncated: the header runs to byte 4294967355, the file has 336",
    ),
    "order list cut": (
        raw_xm(order=[0] * 5, header_size=25)[:83],
        "song.xm: truncated: the order list runs to byte 85, the file has 83",
    ),
    "pattern header cut": (
        raw_xm([pattern()], pattern_count=2),
        "song.xm: truncated: the header of pattern 1 of 2 runs to byte",
    ),
    "pattern data longer than the file": (
        raw_xm([pattern(packed_size=60000)]),
        "song.xm: pattern data longer than the file: pattern 0 of 1 runs to byte 60345, the "
        "file has 473",
    ),
    "pattern header size past the end": (
        _with(raw_xm([pattern()]), _PATTERNS_AT, struct.pack("<I", 0xFFFFFFF0)),
        "song.xm: pattern data longer than the file",
    ),
    "65535 rows": (
        raw_xm([pattern(declared_rows=65535, data=b"")]),
        "song.xm: pattern 0 has 65535 rows, an XM pattern at most 256",
    ),
    "257 rows": (
        raw_xm([pattern(declared_rows=257, data=b"")]),
        "song.xm: pattern 0 has 257 rows, an XM pattern at most 256",
    ),
    "packed data overruns its pattern": (
        raw_xm([pattern(data=cell(49) + b"\x83\x31")]),
        "song.xm: pattern 0: its packed data overruns it: row 0, channel 1 runs past its 4 bytes",
    ),
    "unpacked cell cut": (
        raw_xm([pattern(data=b"\x31\x01\x40")]),
        "song.xm: pattern 0: its packed data overruns it: row 0, channel 0 runs past its 3 bytes",
    ),
    "instrument missing": (
        raw_xm([pattern()], instrument_count=1),
        "song.xm: truncated: instrument 1 of 1 runs to byte",
    ),
    "instrument header cut": (
        _good()[: _INSTRUMENT_AT + 200],
        f"song.xm: truncated: instrument 1's header runs to byte {_INSTRUMENT_AT + 263}, the "
        f"file has {_INSTRUMENT_AT + 200}",
    ),
    "instrument header size 2": (
        raw_xm([pattern()], [RawInstrument(size=2)]),
        "song.xm: corrupt: instrument 1's header size is 2, under 4",
    ),
    "instrument header size past the end": (
        raw_xm([pattern()], [RawInstrument([SINE_SAMPLE], size=0xFFFFFFFF)]),
        "song.xm: truncated: instrument 1's header runs to byte",
    ),
    "40 samples": (
        raw_xm([pattern()], [RawInstrument([SINE_SAMPLE], declared_samples=40)]),
        "song.xm: instrument 1 declares 40 samples, an XM instrument at most 32",
    ),
    "sample headers cut": (
        raw_xm([pattern()], [RawInstrument([SINE_SAMPLE], declared_samples=3)]),
        "song.xm: truncated: instrument 1's last sample header runs to byte 856, the file has 840",
    ),
    "4 GB sample": (
        raw_xm([pattern()], [RawInstrument([RawSample(length=0xFFFFFFFF)])]),
        "song.xm: absurd sample lengths: instrument 1's samples declare 4294967295 bytes, the "
        "file holds 0 after their headers",
    ),
    "sample data runs into the next instrument": (
        raw_xm(
            [pattern()], [RawInstrument([RawSample(b"\x01" * 10, length=1000)]), SINE_INSTRUMENT]
        ),
        "song.xm: truncated: the file ends in instrument 1's sample data, before instrument 2 of 2",
    ),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_one_line_errors(name: str) -> None:
    assert_refused(load_xm, *BAD_FILES[name])


def test_the_good_file_of_the_bad_ones_loads() -> None:
    assert instrument(load_xm(_good())).name == "sine"
    assert len(_good()) > _INSTRUMENT_AT + 263


def test_a_file_over_64_mib_is_refused_unparsed() -> None:
    data = bytearray(MAX_MODULE_BYTES + 1)  # made here, not at module level: freed after
    data[:80] = _good()[:80]
    with pytest.raises(ModuleError, match=r"^song\.xm: is over 64 MiB; a module to import"):
        load_xm(bytes(data))


def test_messages_name_the_source() -> None:
    with pytest.raises(ModuleError, match=r"^dance\.xm: is empty$"):
        load_xm(b"", "dance.xm")


@pytest.mark.parametrize(
    "data",
    [
        BAD_FILES["4 GB sample"][0],
        BAD_FILES["65535 rows"][0],
        BAD_FILES["header size past the end"][0],
        BAD_FILES["pattern header size past the end"][0],
        BAD_FILES["instrument header size past the end"][0],
        raw_xm([pattern(declared_rows=65535, packed_size=65535, data=b"")]),
        raw_xm(
            [pattern()],
            [RawInstrument([RawSample(length=0xFFFFFFFF)] * 32)],
        ),
    ],
    ids=[
        "4 GB sample",
        "65535 rows",
        "header",
        "pattern header",
        "instrument header",
        "rows and data",
        "32 huge samples",
    ],
)
def test_huge_declared_sizes_are_refused_fast_without_allocating(data: bytes) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ModuleError):
            load_xm(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 0.5
    assert peak < 1_000_000


def test_the_largest_patterns_a_file_can_declare_load_in_reasonable_time() -> None:
    # 256 patterns of 256 rows of 32 channels, every entry with all five fields.
    row = b"".join(cell(49, 1, 0x50, 0xA, 0x11, packed=False) for _ in range(32))
    blob = pattern(data=row * 256, rows=256, channels=32)
    data = raw_xm([blob] * 256, [SINE_INSTRUMENT], channels=32, order=list(range(256)))
    started = time.perf_counter()
    song = load_xm(data).song
    assert time.perf_counter() - started < 10.0
    assert len(song.patterns) == 256 and len(song.tracks) == 32
    assert song.patterns[255].rows[255][31] == Cell(
        note=60, instrument=1, volume=64, effects=(Effect(command="A", param=0x11),)
    )


SEED = raw_xm(
    [
        pattern(
            {
                (r, r % 3): cell(
                    1 + r % 97,
                    1 + r % 3,
                    [0, 0x20, 0x65, 0xC8][r // 2 % 4],
                    sorted(KEPT_EFFECTS)[r % len(KEPT_EFFECTS)],
                    r * 4,
                    packed=r % 5 != 0,
                )
                for r in range(0, 32, 2)
            },
            rows=32,
            channels=3,
        ),
        pattern({(0, 1): cell(97)}, rows=1, channels=3),
    ],
    [
        RawInstrument(
            [RawSample(delta8(SINE), b"looped", flags=1, loop_start=4, loop_length=30)],
            b"enveloped",
            volume_envelope=RawEnvelope(
                [(0, 64), (8, 20), (30, 0)], sustain=1, loop_end=1, flags=7
            ),
            pan_envelope=RawEnvelope([(0, 32), (4, 40)], flags=1),
            vibrato=(1, 2, 3, 4),
            fadeout=256,
        ),
        RawInstrument(
            [
                RawSample(delta16(SINE[:16]), b"16", flags=0x12, loop_start=4, loop_length=8),
                RawSample(delta8(SINE[:8]), b"8", relative_note=5),
            ],
            b"two",
            keymap=bytes([0] * 50 + [1] * 46),
        ),
        RawInstrument(name=b"empty"),
    ],
    order=[0, 1, 0],
    channels=3,
    restart=1,
)


@pytest.mark.parametrize("cut", range(0, len(SEED) + 1))
def test_a_file_cut_anywhere_loads_or_is_a_module_error(cut: int) -> None:
    try:
        project = load_xm(SEED[:cut])
    except ModuleError as error:
        assert "\n" not in str(error)
        return
    check_loaded(project)


def test_the_seed_loads_whole() -> None:
    project = load_xm(SEED)
    check_loaded(project)
    assert [i.name for i in project.song.instruments] == ["enveloped", "two", "empty"]
    assert [t.effect_columns for t in project.song.tracks] == [2, 2, 2]


def test_random_byte_flips_raise_nothing_but_module_errors() -> None:
    generator = random.Random(7)
    loaded = 0
    for _ in range(400):
        data = bytearray(SEED)
        for _ in range(generator.randint(1, 8)):
            data[generator.randrange(len(data))] = generator.randrange(256)
        try:
            project = load_xm(bytes(data))
        except ModuleError as error:
            assert "\n" not in str(error)
            continue
        check_loaded(project)
        loaded += 1
    assert loaded > 100  # most flips land in data that any value fits


# ---- the OpenMPT test modules -------------------------------------------------------------


@pytest.mark.parametrize("path", OPENMPT_XMS, ids=lambda p: Path(p).name)
def test_openmpt_test_modules_load_and_save_back(path: str) -> None:
    project = load_xm(Path(path).read_bytes(), Path(path).name)
    check_loaded(project)
    assert project.song.playback == "fasttracker2"
    if Path(path).name == "PatternDelays.xm":  # its second pattern tests ModPlug's X6x
        with pytest.raises(ModuleError, match=r"X61 is ModPlug's fine pattern delay"):
            save_xm(project)
    else:
        assert save_xm(project)  # check_loaded compared what it saved


@pytest.mark.parametrize(
    "name",
    [
        "3xxins.xm",  # 16-bit samples
        "Off-Porta.xm",  # Amiga frequencies, an envelope loop, auto-vibrato
        "PanSustainRelease.xm",  # a pan envelope
        "SamplePortaInInstrument.xm",  # a keymap and zones
        "SampleChange.xm",  # ping-pong loops
        "VolColDelay.xm",  # volume-column commands beside effects
        "delay2.xm",
    ],
)
def test_openmpt123_plays_a_module_saved_back_as_the_original(name: str, tmp_path: Path) -> None:
    original = (OPENMPT_MODS.parent / "xm" / name).read_bytes()
    saved = bytearray(save_xm(load_xm(original)))
    # OpenMPT picks its mix levels and quirks by the title's padding and the tracker's name,
    # which are the original's only there; the rest is what export wrote.
    saved[17:58] = original[17:58]
    (tmp_path / "original.xm").write_bytes(original)
    (tmp_path / "saved.xm").write_bytes(saved)
    expected = render_reference(tmp_path / "original.xm", tmp_path / "original.wav")
    assert np.array_equal(render_reference(tmp_path / "saved.xm", tmp_path / "saved.wav"), expected)


def test_the_openmpt_test_modules_are_there() -> None:
    assert len(OPENMPT_XMS) >= 80


# ---- export -------------------------------------------------------------------------------


def xm_sample(
    values: Sequence[int], bit_depth: BitDepth = "pcm8", name: str = ""
) -> tuple[SampleRef, SampleAudio]:
    scale = 128 if bit_depth == "pcm8" else 32768
    frames = np.array(values, dtype=np.float32).reshape(-1, 1) / np.float32(scale)
    audio = SampleAudio(frames=frames, sample_rate_hz=8363)
    ref = SampleRef(
        sha256=sample_hash(audio, bit_depth),
        name=name,
        format=format_for_bit_depth(bit_depth),
        frames=len(values),
        channels=1,
        sample_rate_hz=8363,
        bit_depth=bit_depth,
    )
    return ref, audio


def make_project(
    rows: dict[tuple[int, int], Cell] | None = None,
    *,
    instruments: Sequence[SampleInstrument | SynthInstrument] | None = None,
    audio: Sequence[tuple[SampleRef, SampleAudio]] = (),
    tracks: int = 2,
    columns: int = 1,
) -> Project:
    ref, sine = xm_sample(SINE, name="SINE.WAV")
    if instruments is None:
        instruments = [SampleInstrument(name="sine", volume=1.0, sample=ref, amp_env=MOD_ENVELOPE)]
    grid = [[Cell()] * tracks for _ in range(64)]
    for (row, track), found in (rows or {}).items():
        grid[row][track] = found
    song = Song(
        playback="fasttracker2",
        master_volume=master_volume_for(tracks),
        tracks=[Track(effect_columns=columns) for _ in range(tracks)],
        instruments=list(instruments),
        patterns=[Pattern(rows=grid)],
        order=[0],
    )
    samples = {ref.sha256: sine, **{r.sha256: a for r, a in audio}}
    return Project(song, samples)


def test_export_writes_the_format_byte_for_byte() -> None:
    ref16, audio16 = xm_sample([0, 1000, -1000, 5], "pcm16", "sixteen")
    ref8, audio8 = xm_sample([1, 2, 3], "pcm8", "eight")
    multi = SampleInstrument(
        name="multi",
        volume=0.5,
        pan=-0.5,
        sample=ref16,
        base_note=48,
        finetune=-7,
        loop="pingpong",
        loop_start_frames=1,
        loop_end_frames=3,
        amp_env=MOD_ENVELOPE,
        volume_envelope=PointEnvelope(
            points=[EnvelopePoint(tick=0, value=1.0), EnvelopePoint(tick=9, value=0.25)],
            sustain=1,
            loop_start=0,
            loop_end=1,
        ),
        fadeout=0.5,
        auto_vibrato=AutoVibrato(wave="ramp_up", rate=3, depth=4, sweep_ticks=5),
        zones=[
            SampleZone(sample=ref8, volume=0.25, base_note=61, loop="forward", loop_end_frames=3)
        ],
        keymap=[0] * 60 + [1] * 60,
    )
    sine = make_project().song.instruments[0]
    empty = SampleInstrument(
        name="empty", volume=1.0, sample=xm_sample([0], name="empty")[0], amp_env=MOD_ENVELOPE
    )
    rows = {
        (0, 0): Cell(note=60, instrument=2, volume=0x20),
        (1, 1): Cell(
            note=NOTE_OFF, effects=(Effect(command="V", param=0x65), Effect(command="A", param=1))
        ),
        (2, 0): Cell(note=12, instrument=1, volume=64, effects=(Effect(command="X", param=0x12),)),
    }
    project = make_project(
        rows,
        instruments=[sine, multi, empty],
        audio=[(ref16, audio16), (ref8, audio8)],
        columns=2,
    )
    project.song.title = "title"
    project.song.frequencies = "amiga"
    project.song.speed_ticks, project.song.tempo_bpm = 4, 140
    expected = raw_xm(
        [
            pattern(
                {
                    (0, 0): cell(49, 2, 0x30),
                    (1, 1): cell(97, 0, 0x65, 0xA, 1),
                    (2, 0): cell(1, 1, 0x50, 33, 0x12, packed=False),
                }
            )
        ],
        [
            RawInstrument([RawSample(delta8(SINE), b"SINE.WAV")], b"sine"),
            RawInstrument(
                [
                    RawSample(
                        delta16([0, 1000, -1000, 5]),
                        b"sixteen",
                        volume=32,
                        finetune=-7,
                        flags=0x12,
                        pan=64,
                        relative_note=12,
                        loop_start=2,
                        loop_length=4,
                    ),
                    RawSample(
                        delta8([1, 2, 3]),
                        b"eight",
                        volume=16,
                        flags=1,
                        relative_note=-1,
                        loop_length=3,
                    ),
                ],
                b"multi",
                keymap=bytes([0] * 48 + [1] * 48),
                volume_envelope=RawEnvelope([(0, 64), (9, 16)], sustain=1, loop_end=1, flags=7),
                vibrato=(3, 5, 4, 3),
                fadeout=16384,
            ),
            RawInstrument(name=b"empty", size=33),
        ],
        title=b"title".ljust(20),  # space-padded, as FastTracker II pads it
        tracker=b"FastTracker v2.00".ljust(20),
        flags=0,
        speed=4,
        tempo=140,
    )
    assert save_xm(project) == expected


def test_an_empty_pattern_is_written_without_data() -> None:
    data = save_xm(make_project())
    assert data[336:345] == struct.pack("<IBHH", 9, 0, 64, 0)


def test_export_normalises_what_plays_the_same() -> None:
    effect = Effect(command="A", param=1)
    rows = {
        (0, 0): Cell(effects=(None, effect)),  # alone in a later column: the first
        (1, 0): Cell(effects=(Effect(command="0", param=0),)),  # 000 is no effect
        (2, 0): Cell(effects=(Effect(command="V", param=0x70), None, effect)),
    }
    ref, _ = xm_sample(SINE, name="SINE.WAV")
    odd = SampleInstrument(
        name="odd",
        sample=ref,
        amp_env=Envelope(),  # the model's default: no shaping either
        auto_vibrato=AutoVibrato(wave="square", rate=0, depth=5),  # no rate: none
        keymap=[0] * 119 + [0],
    )
    project = make_project(rows, instruments=[odd], columns=3)
    loaded = load_xm(save_xm(project))
    cells = loaded.song.patterns[0].rows
    assert [cells[r][0].effects for r in range(3)] == [
        (effect,),
        (),
        (Effect(command="V", param=0x70), effect),
    ]
    found = instrument(loaded)
    assert (found.amp_env, found.auto_vibrato, found.keymap) == (MOD_ENVELOPE, None, None)


def test_export_quantises_24_bit_and_float_samples_to_16_bits() -> None:
    for bit_depth in ("pcm24", "float32"):
        audio = SampleAudio(
            frames=np.array([[0.5], [-0.25], [0.1]], np.float32), sample_rate_hz=8363
        )
        ref = SampleRef(
            sha256=sample_hash(audio, bit_depth),
            format=format_for_bit_depth(bit_depth),
            frames=3,
            channels=1,
            sample_rate_hz=8363,
            bit_depth=bit_depth,
        )
        project = make_project(instruments=[SampleInstrument(sample=ref)], audio=[(ref, audio)])
        loaded = load_xm(save_xm(project))
        out = instrument(loaded).sample
        assert out.bit_depth == "pcm16"
        assert values_of(loaded, out) == [16384, -8192, 3277]


def test_a_keymap_beyond_what_an_xm_plays_is_not_stored() -> None:
    ref, _ = xm_sample(SINE)
    ref2, audio2 = xm_sample([1, 2])
    keymap = [1] * 12 + [0] * 96 + [1] * 12  # notes an XM cannot play map to zone 1
    multi = SampleInstrument(sample=ref, zones=[SampleZone(sample=ref2)], keymap=keymap)
    loaded = load_xm(save_xm(make_project(instruments=[multi], audio=[(ref2, audio2)])))
    assert instrument(loaded).keymap is None


def _with_instrument(**changes: object) -> Project:
    project = make_project()
    found = project.song.instruments[0]
    project.song.instruments = [found.model_copy(update=changes)]
    return project


def _song_with(**changes: object) -> Project:
    project = make_project()
    project.song = project.song.model_copy(update=changes)
    return project


def _cell(found: Cell, columns: int = 2) -> Project:
    return make_project({(7, 1): found}, columns=columns)


def _automated() -> Project:
    project = make_project()
    lane = AutomationLane(param="tempo", points=(AutomationPoint(row=0, value=0.5),))
    project.song.patterns = [project.song.patterns[0].model_copy(update={"automation": [lane]})]
    return project


def _audio(values: np.ndarray, rate: int = 8363) -> Project:
    audio = SampleAudio(frames=values.astype(np.float32), sample_rate_hz=rate)
    ref = SampleRef(
        sha256=sample_hash(audio, "pcm16"),
        format="flac",
        frames=values.shape[0],
        channels=values.shape[1],
        sample_rate_hz=rate,
        bit_depth="pcm16",
    )
    return make_project(instruments=[SampleInstrument(sample=ref)], audio=[(ref, audio)])


def _zones(count: int) -> Project:
    ref, _ = xm_sample(SINE)
    multi = SampleInstrument(sample=ref, zones=[SampleZone(sample=ref)] * count)
    return make_project(instruments=[multi])


A = Effect(command="A", param=1)
V = Effect(command="V", param=0x70)

UNFIT = {
    "synth": (
        make_project(instruments=[SynthInstrument()]),
        "instruments[0] is a synth, an XM holds only samples",
    ),
    "129 instruments": (
        make_project(instruments=[make_project().song.instruments[0]] * 129),
        "it has 129 instruments, an XM at most 128",
    ),
    "33 tracks": (make_project(tracks=33), "it has 33 tracks, an XM at most 32 channels"),
    "global volume": (
        _song_with(global_volume=32),
        "its global volume starts at 32, an XM's at 64: set it with Gxx on the first row",
    ),
    "automation": (_automated(), "patterns[0] has automation, an XM none"),
    "note cut": (
        _cell(Cell(note=NOTE_CUT)),
        "patterns[0].rows[7]: track 1: ^^^ (note cut) has no XM equivalent: use EC0",
    ),
    "low note": (_cell(Cell(note=11)), "track 1: note B-0 is outside an XM's C-1..B-8"),
    "high note": (_cell(Cell(note=108)), "track 1: note C-9 is outside an XM's C-1..B-8"),
    "effect Z": (
        _cell(Cell(effects=(Effect(command="Z", param=0x40),))),
        "effect Z40 has no XM equivalent",
    ),
    "X6x": (
        _cell(Cell(effects=(Effect(command="X", param=0x62),))),
        "X62 is ModPlug's fine pattern delay, which FastTracker II and other players",
    ),
    "effect S": (_cell(Cell(effects=(Effect(command="S", param=1),))), "effect S01 has no XM"),
    "two effects": (_cell(Cell(effects=(A, A))), "has 2 effects, an XM cell holds one"),
    "V in the second column": (
        _cell(Cell(effects=(A, V))),
        "Vxx (a volume-column command) goes in the first",
    ),
    "volume and V": (
        _cell(Cell(volume=3, effects=(V,))),
        "has a volume and V70, an XM cell one of them",
    ),
    "V below 60": (
        _cell(Cell(effects=(Effect(command="V", param=0x40),))),
        "V40 is no volume-column command (those are V60-VFF)",
    ),
    "filter": (_with_instrument(filter=Filter(type="lowpass")), "instruments[0] has a filter"),
    "lfo": (_with_instrument(lfo=Lfo(destination="pitch", depth=0.5)), "has an LFO"),
    "adsr": (
        _with_instrument(amp_env=Envelope(decay_s=1.0, sustain=0.5)),
        "has an ADSR envelope, an XM instrument none (draw a volume envelope instead)",
    ),
    "17 samples": (_zones(16), "instruments[0] has 17 samples, an XM instrument at most 16"),
    "long sweep": (
        _with_instrument(auto_vibrato=AutoVibrato(rate=1, depth=1, sweep_ticks=256)),
        "has an auto-vibrato sweep over 255 ticks",
    ),
    "13 points": (
        _with_instrument(
            pan_envelope=PointEnvelope(points=[EnvelopePoint(tick=t, value=0.0) for t in range(13)])
        ),
        "instruments[0]: its pan envelope has 13 points, an XM's at most 12",
    ),
    "stereo": (_audio(np.zeros((4, 2))), "instruments[0]: its sample is stereo"),
    "44.1 kHz": (
        _audio(np.zeros((4, 1)), rate=44100),
        "instruments[0]: its sample plays at 44100 Hz, an XM sample at 8363 Hz on C-5",
    ),
}


@pytest.mark.parametrize("name", UNFIT)
def test_export_refuses_what_an_xm_cannot_hold(name: str) -> None:
    project, fragment = UNFIT[name]
    with pytest.raises(ModuleError) as caught:
        save_xm(project)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("the song does not fit an XM: ")
    assert fragment in message


def test_export_refuses_an_instrument_whose_audio_is_missing() -> None:
    project = make_project()
    project.samples.clear()
    with pytest.raises(ModuleError, match=r"instruments\[0\]: its audio is not loaded"):
        save_xm(project)


# ---- round trip ---------------------------------------------------------------------------

_points = st.lists(st.integers(0, 64), min_size=1, max_size=12)


@st.composite
def point_envelopes(draw: st.DrawFn) -> PointEnvelope | None:
    if draw(st.booleans()):
        return None
    values = draw(_points)
    ticks = sorted(draw(st.sets(st.integers(0, 65535), min_size=len(values), max_size=len(values))))
    last = len(values) - 1
    loop = draw(st.one_of(st.none(), st.tuples(st.integers(0, last), st.integers(0, last))))
    loop = None if loop is None else tuple(sorted(loop))
    return PointEnvelope(
        points=[EnvelopePoint(tick=t, value=v / 64) for t, v in zip(ticks, values, strict=True)],
        sustain=draw(st.one_of(st.none(), st.integers(0, last))),
        loop_start=None if loop is None else loop[0],
        loop_end=None if loop is None else loop[1],
    )


@st.composite
def xm_parts(draw: st.DrawFn) -> tuple[SampleZone, SampleAudio]:
    """A sample as an XM file holds one: a zone (whose fields also make an instrument's own)."""
    bit_depth: BitDepth = draw(st.sampled_from(["pcm8", "pcm16"]))
    top = 127 if bit_depth == "pcm8" else 32767
    values = draw(st.lists(st.integers(-top - 1, top), min_size=1, max_size=20))
    ref, audio = xm_sample(values, bit_depth, draw(st.text("abc é", max_size=22)).rstrip())
    loop, start, end = "none", 0, 0
    if draw(st.booleans()):
        loop = draw(st.sampled_from(["forward", "pingpong"]))
        start = draw(st.integers(0, len(values) - 1))
        end = draw(st.integers(start + 1, len(values)))
    zone = SampleZone(
        sample=ref,
        volume=draw(st.integers(0, 64)) / 64,
        pan=(draw(st.integers(0, 255)) - 128) / 128,
        base_note=draw(st.integers(0, 119)),
        finetune=draw(st.integers(-128, 127)),
        loop=loop,
        loop_start_frames=start,
        loop_end_frames=end,
    )
    return zone, audio


@st.composite
def xm_instruments(draw: st.DrawFn) -> tuple[SampleInstrument, list[SampleAudio]]:
    parts = draw(st.lists(xm_parts(), min_size=1, max_size=4))
    own = parts[0][0]
    keymap = None
    if len(parts) > 1 and draw(st.booleans()):
        entries = draw(st.lists(st.integers(0, len(parts) - 1), min_size=96, max_size=96))
        full = [entries[0]] * 12 + entries + [entries[-1]] * 12
        keymap = full if any(full) else None
    vibrato = None
    if draw(st.booleans()):
        vibrato = AutoVibrato(
            wave=draw(st.sampled_from(["sine", "square", "ramp_down", "ramp_up"])),
            rate=draw(st.integers(1, 255)),
            depth=draw(st.integers(1, 15)),
            sweep_ticks=draw(st.integers(0, 255)),
        )
    found = SampleInstrument(
        name=draw(st.text("xyz ", max_size=22)).rstrip(),
        **sample_fields(own),
        amp_env=MOD_ENVELOPE,
        volume_envelope=draw(point_envelopes()),
        pan_envelope=draw(point_envelopes()),
        fadeout=draw(st.integers(0, 32768)) / 32768,
        auto_vibrato=vibrato,
        zones=[zone for zone, _ in parts[1:]],
        keymap=keymap,
    )
    return found, [audio for _, audio in parts]


@st.composite
def xm_projects(draw: st.DrawFn) -> Project:
    """Songs as load_xm makes them: what an XM holds, in the loader's normal form."""
    tracks = draw(st.integers(1, 6))
    made = draw(st.lists(xm_instruments(), max_size=4))
    instruments = [found for found, _ in made]
    effects = st.builds(
        Effect,
        command=st.sampled_from([EFFECT_COMMANDS[n] for n in KEPT_EFFECTS]),
        param=st.integers(0, 255),
    ).filter(lambda e: (e.command, e.param) != ("0", 0) and (e.command, e.param >> 4) != ("X", 6))
    volume_commands = st.builds(Effect, command=st.just("V"), param=st.integers(0x60, 0xFF))
    cells = st.builds(
        Cell,
        note=st.one_of(st.none(), st.integers(12, 107), st.just(NOTE_OFF)),
        instrument=st.one_of(st.none(), st.integers(1, len(instruments)))
        if instruments
        else st.none(),
        volume=st.one_of(st.none(), st.integers(0, 64)),
        effects=st.one_of(
            st.just(()),
            effects.map(lambda e: (e,)),
            volume_commands.map(lambda v: (v,)),
            st.tuples(volume_commands, effects),
        ),
    ).filter(lambda c: c.volume is None or not c.effects or c.effects[0].command != "V")
    patterns = []
    for _ in range(draw(st.integers(1, 3))):
        rows = draw(st.integers(1, 8))
        grid = [[Cell()] * tracks for _ in range(rows)]
        for (row, track), found in draw(
            st.dictionaries(st.tuples(st.integers(0, rows - 1), st.integers(0, tracks - 1)), cells)
        ).items():
            grid[row][track] = found
        patterns.append(Pattern(rows=grid))
    wide = [
        any(len(row[t].effects) == 2 for p in patterns for row in p.rows) for t in range(tracks)
    ]
    order = draw(st.lists(st.integers(0, len(patterns) - 1), min_size=1, max_size=8))
    song = Song(
        title=draw(st.text("xyz ", max_size=20)).strip(),
        playback="fasttracker2",
        frequencies=draw(st.sampled_from(["linear", "amiga"])),
        speed_ticks=draw(st.integers(1, 31)),
        tempo_bpm=draw(st.integers(32, 255)),
        master_volume=master_volume_for(tracks),
        tracks=[Track(effect_columns=2 if w else 1) for w in wide],
        instruments=instruments,
        patterns=patterns,
        order=order,
        restart_order=draw(st.integers(0, len(order) - 1)),
    )
    samples = {
        part.sample.sha256: audio
        for found, audios in made
        for part, audio in zip([found, *found.zones], audios, strict=True)
    }
    return Project(song, samples)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xm_projects())
def test_save_then_load_gives_the_song_back(project: Project) -> None:
    data = save_xm(project)
    loaded = load_xm(data)
    assert loaded.song == project.song
    for sha, audio in project.samples.items():
        assert np.array_equal(loaded.samples[sha].frames, audio.frames)
    assert save_xm(loaded) == data


# ---- the file door and the command line ------------------------------------------------------


@pytest.mark.parametrize("name", ["tune.xm", "tune.mod", "tune"])
def test_load_module_reads_an_xm_by_its_signature(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(_good())
    assert instrument(load_module(path)).name == "sine"


def test_load_module_reads_the_xm_suffix_as_xm(tmp_path: Path) -> None:
    path = tmp_path / "tune.xm"
    path.write_bytes(bytes(100))
    with pytest.raises(ModuleError, match=r"^tune\.xm: not an XM file"):
        load_module(path)


def test_cli_imports_and_exports_an_xm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, song_path, out = tmp_path / "song.xm", tmp_path / "song.json", tmp_path / "out.xm"
    source.write_bytes(SEED)
    assert main(["import", str(source), "-o", str(song_path)]) == 0
    assert "wrote" in capsys.readouterr().err
    saved, imported = load_project(song_path), load_xm(SEED)
    assert saved.song == imported.song
    for sha, audio in imported.samples.items():
        assert np.array_equal(saved.samples[sha].frames, audio.frames)
    assert main(["export", str(song_path), "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err
    assert out.read_bytes() == save_xm(saved)
    assert load_xm(out.read_bytes()).song == imported.song


def test_cli_import_of_a_bad_xm_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, out = tmp_path / "bad.xm", tmp_path / "x.json"
    bad.write_bytes(raw_xm([pattern()], version=0x0102))
    assert main(["import", str(bad), "-o", str(out)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: bad.xm: XM version 1.02 is not read")
    assert not out.exists()


def test_cli_export_of_a_song_that_does_not_fit_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo.xm"
    assert main(["export", "-o", str(out)]) == 1  # the demo song has synths
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: demo.xm: the song does not fit an XM")
    assert not out.exists()


def test_an_xm_of_random_cells_is_refused_before_it_takes_much_memory() -> None:
    # 32 patterns of 256 rows x 32 channels, every cell five random bytes (unpacked, each
    # below 0x80): a quarter of a million different cells
    rng = np.random.default_rng(7)
    rows, channels, count = 256, 32, 32
    random_patterns = [
        pattern(
            data=rng.integers(1, 96, rows * channels * 5, dtype=np.uint8).tobytes(),
            rows=rows,
            channels=channels,
        )
        for _ in range(count)
    ]
    data = raw_xm(random_patterns, channels=channels, order=list(range(count)))

    with pytest.raises(ModuleError, match=f"more than {MAX_DISTINCT_CELLS} different"):
        load_xm(data, "random.xm")
