"""Scream Tracker 3 modules: import (tracker.io.s3m.load_s3m), the file door
(tracker.io.modules) and the `import` command.

Modules under test are written byte by byte by tests/io/s3m_builder.py, which knows nothing
of the loader, so the loader is checked against the format rather than against itself.
"""

from __future__ import annotations

import logging
import random
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conformance import OPENMPT_MODS
from tests.io.refusals import assert_refused
from tests.io.s3m_builder import (
    Entry,
    RawInstrument,
    effect,
    note_byte,
    raw_s3m,
)
from tracker.cli import main
from tracker.io.mod import MAX_MODULE_BYTES, MOD_ENVELOPE, ModuleError, master_volume_for
from tracker.io.modules import load_module
from tracker.io.project import Project, load_project
from tracker.io.s3m import load_s3m
from tracker.io.samples import sample_hash
from tracker.model import NOTE_CUT, Cell, Effect, SampleInstrument

OPENMPT_S3MS = sorted(str(path) for path in (OPENMPT_MODS.parent / "s3m").glob("*.s3m"))

SINE = bytes(round(100 * np.sin(i / 5)) + 128 for i in range(64))  # unsigned 8-bit
SAMPLE = RawInstrument(SINE, b"sine", b"SINE.SMP")


def only_cell(project: Project, row: int = 0, track: int = 0, pattern: int = 0) -> Cell:
    return project.song.patterns[pattern].rows[row][track]


def instrument(project: Project, number: int = 1) -> SampleInstrument:
    found = project.song.instrument(number)
    assert isinstance(found, SampleInstrument)
    return found


def one_entry(entry: Entry) -> Project:
    """A song whose pattern 0 holds ``entry`` on row 0, channel 0, with one sample."""
    return load_s3m(raw_s3m([{(0, 0): entry}], instruments=[SAMPLE]))


def check_loaded(project: Project) -> None:
    """What any file that loads must give: every sample's audio, in the shape its ref says."""
    for number in range(1, len(project.song.instruments) + 1):
        ref = instrument(project, number).sample
        audio = project.samples[ref.sha256]
        assert audio.frames.shape == (ref.frames, ref.channels)


# ---- song, tracks and order ---------------------------------------------------------------


def test_an_s3m_becomes_a_screamtracker3_song() -> None:
    data = raw_s3m(title=b"second\x01reality\x00old name", speed=5, tempo=140, global_volume=48)
    song = load_s3m(data).song
    assert song.title == "second reality"  # up to the NUL; control characters as spaces
    assert (song.playback, song.frequencies) == ("screamtracker3", "amiga")
    assert (song.speed_ticks, song.tempo_bpm, song.global_volume) == (5, 140, 48)
    assert song.master_volume == master_volume_for(2)
    assert song.restart_order == 0 and song.order == [0]
    assert [len(p.rows) for p in song.patterns] == [64]
    assert [t.effect_columns for t in song.tracks] == [1, 1]


@pytest.mark.parametrize(("byte", "speed"), [(0, 6), (255, 6), (1, 1), (31, 31), (40, 31)])
def test_initial_speed(byte: int, speed: int) -> None:
    assert load_s3m(raw_s3m(speed=byte)).song.speed_ticks == speed


@pytest.mark.parametrize(("byte", "bpm"), [(0, 125), (32, 125), (33, 33), (150, 150), (255, 255)])
def test_initial_tempo_below_33_is_125_as_st3_loads_it(byte: int, bpm: int) -> None:
    assert load_s3m(raw_s3m(tempo=byte)).song.tempo_bpm == bpm


@pytest.mark.parametrize(("byte", "volume"), [(0, 0), (20, 20), (64, 64), (200, 64)])
def test_global_volume_is_clamped_to_64(byte: int, volume: int) -> None:
    assert load_s3m(raw_s3m(global_volume=byte)).song.global_volume == volume


def test_left_and_right_channels_pan_as_st3_does_by_default() -> None:
    channels = (0, 7, 8, 15) + (255,) * 28
    song = load_s3m(raw_s3m(channels=channels)).song
    assert [t.pan for t in song.tracks] == pytest.approx([-0.6, -0.6, 0.6, 0.6])
    assert song.master_volume == master_volume_for(4)


def test_the_pan_table_sets_channels_whose_entry_has_bit_5() -> None:
    pans = bytes([0x20, 0x2F, 0x07, 0x28]) + bytes(28)
    song = load_s3m(raw_s3m(channels=(0, 8, 8, 0) + (255,) * 28, pans=pans)).song
    # 0x07 lacks bit 5: the channel keeps its default (right, 0xC).
    assert [t.pan for t in song.tracks] == pytest.approx([-1.0, 1.0, 0.6, 0.5 / 7.5])


def test_a_mono_song_pans_every_track_centre() -> None:
    pans = bytes([0x20, 0x2F]) + bytes(30)
    song = load_s3m(raw_s3m(master=0x30, pans=pans)).song
    assert [t.pan for t in song.tracks] == [0.0, 0.0]


def test_tracks_run_to_the_highest_enabled_channel_and_keep_disabled_ones_muted() -> None:
    # L1, disabled R1, unused, AdLib melody 1, then a disabled and unused channels after.
    channels = (0, 0x88, 255, 16, 0x81) + (255,) * 27
    cells = {(0, c): Entry(note=note_byte(4, 0), instrument=1) for c in range(6)}
    project = load_s3m(raw_s3m([cells], channels=channels, instruments=[SAMPLE]))
    song = project.song
    assert [t.mute for t in song.tracks] == [False, True, True, False]
    assert [t.pan for t in song.tracks] == pytest.approx([-0.6, 0.6, 0.0, 0.0])
    # Data on a muted channel stays; data past the last track is not read.
    assert [cell.note for cell in song.patterns[0].rows[0]] == [60] * 4
    assert song.master_volume == master_volume_for(1)  # one channel plays samples


def test_a_song_without_enabled_channels_has_one_muted_track() -> None:
    song = load_s3m(raw_s3m(channels=(255,) * 32)).song
    assert [t.mute for t in song.tracks] == [True]


def test_order_skips_markers_and_ends_at_the_first_end_marker() -> None:
    song = load_s3m(raw_s3m([{}, {}], order=[1, 254, 0, 255, 1, 0])).song
    assert song.order == [1, 0]


def test_patterns_the_file_lacks_play_empty() -> None:
    cells = {(3, 1): Entry(note=note_byte(5, 0), instrument=1)}
    project = load_s3m(raw_s3m([cells, None], order=[0, 1, 4], instruments=[SAMPLE]))
    song = project.song
    assert len(song.patterns) == 5 and song.order == [0, 1, 4]
    assert only_cell(project, 3, 1).note == 72
    for pattern in song.patterns[1:]:
        assert len(pattern.rows) == 64 and all(c == Cell() for row in pattern.rows for c in row)


# ---- cells -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byte", "note"),
    [
        (note_byte(4, 0), 60),  # ST3's C-4 is our C-5
        (note_byte(0, 0), 12),
        (note_byte(3, 9), 57),
        (note_byte(8, 11), 119),
        (note_byte(9, 0), None),  # past B-9
        (note_byte(4, 12), None),  # no such semitone
        (254, NOTE_CUT),
        (255, None),
    ],
)
def test_notes(byte: int, note: int | None) -> None:
    assert only_cell(one_entry(Entry(note=byte, instrument=1))).note == note


def test_note_instrument_and_volume_land_in_their_columns() -> None:
    cell = only_cell(one_entry(Entry(note=note_byte(5, 2), instrument=1, volume=33)))
    assert cell == Cell(note=74, instrument=1, volume=33)
    assert only_cell(one_entry(Entry(instrument=1))) == Cell(instrument=1)
    assert only_cell(one_entry(Entry(volume=0))) == Cell(volume=0)
    assert only_cell(one_entry(Entry(volume=90))) == Cell(volume=64)  # over 64 is 64
    assert only_cell(one_entry(Entry(note=note_byte(4, 0)))) == Cell(note=60)


def test_an_instrument_past_the_last_slot_gets_silent_ones_up_to_it() -> None:
    project = one_entry(Entry(note=note_byte(4, 0), instrument=4))
    assert only_cell(project).instrument == 4
    assert len(project.song.instruments) == 4
    assert [instrument(project, n).sample.frames for n in (2, 3, 4)] == [1, 1, 1]
    check_loaded(project)


EFFECTS: dict[str, tuple[tuple[int, int], Effect | None]] = {
    "A speed": (effect("A", 0x03), Effect(command="F", param=0x03)),
    "A00 does nothing": (effect("A", 0x00), None),
    "A over 1F is 1F": (effect("A", 0x40), Effect(command="F", param=0x1F)),
    "B jump": (effect("B", 0x02), Effect(command="B", param=0x02)),
    "C break, decimal": (effect("C", 0x12), Effect(command="D", param=0x12)),
    "D slide": (effect("D", 0x0F), Effect(command="A", param=0x0F)),
    "D fine": (effect("D", 0xF3), Effect(command="A", param=0xF3)),
    "E down": (effect("E", 0xE4), Effect(command="2", param=0xE4)),
    "F up": (effect("F", 0xF2), Effect(command="1", param=0xF2)),
    "G porta": (effect("G", 0x20), Effect(command="3", param=0x20)),
    "H vibrato": (effect("H", 0x48), Effect(command="4", param=0x48)),
    "I tremor": (effect("I", 0x31), Effect(command="T", param=0x31)),
    "J arpeggio": (effect("J", 0x37), Effect(command="0", param=0x37)),
    "J00 reuses": (effect("J", 0x00), Effect(command="0", param=0x00)),
    "K vib+slide": (effect("K", 0x04), Effect(command="6", param=0x04)),
    "L porta+slide": (effect("L", 0x40), Effect(command="5", param=0x40)),
    "O offset": (effect("O", 0x10), Effect(command="9", param=0x10)),
    "Q retrig": (effect("Q", 0x83), Effect(command="R", param=0x83)),
    "R tremolo": (effect("R", 0x26), Effect(command="7", param=0x26)),
    "T tempo": (effect("T", 0x96), Effect(command="F", param=0x96)),
    "T20 tempo": (effect("T", 0x20), Effect(command="F", param=0x20)),
    "T below 20": (effect("T", 0x1F), None),
    "U fine vibrato": (effect("U", 0x23), Effect(command="U", param=0x23)),
    "V global volume": (effect("V", 0x40), Effect(command="G", param=0x40)),
    "V over 64": (effect("V", 0x41), None),
    "X pan": (effect("X", 0x40), Effect(command="8", param=0x80)),
    "X80 right": (effect("X", 0x80), Effect(command="8", param=0xFF)),
    "X surround": (effect("X", 0xA4), Effect(command="8", param=0x80)),
    "X past 80": (effect("X", 0x90), None),
    "S1x glissando": (effect("S", 0x11), Effect(command="E", param=0x31)),
    "S2x finetune": (effect("S", 0x2A), Effect(command="E", param=0x5A)),
    "S3x vibrato wave": (effect("S", 0x32), Effect(command="E", param=0x42)),
    "S4x tremolo wave": (effect("S", 0x41), Effect(command="E", param=0x71)),
    "S8x pan": (effect("S", 0x8F), Effect(command="8", param=0xFF)),
    "S80 pan": (effect("S", 0x80), Effect(command="8", param=0x00)),
    "SBx loop": (effect("S", 0xB3), Effect(command="E", param=0x63)),
    "SCx cut": (effect("S", 0xC2), Effect(command="E", param=0xC2)),
    "SDx delay": (effect("S", 0xD1), Effect(command="E", param=0xD1)),
    "SEx pattern delay": (effect("S", 0xE4), Effect(command="E", param=0xE4)),
    **{f"S{x:X}x dropped": (effect("S", x << 4 | 1), None) for x in (0, 5, 6, 7, 9, 0xA, 0xF)},
    **{f"{letter} dropped": (effect(letter, 0x11), None) for letter in "MNPWYZ"},
    "no command": ((0, 0x11), None),
    "command past Z": ((27, 0x11), None),
}


@pytest.mark.parametrize("name", EFFECTS)
def test_effects(name: str) -> None:
    raw, expected = EFFECTS[name]
    cell = only_cell(one_entry(Entry(note=note_byte(4, 0), instrument=1, effect=raw)))
    assert cell.effects == (() if expected is None else (expected,))
    assert cell.note == 60


def test_dropped_effects_are_counted_in_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    cells = {
        (0, 0): Entry(effect=effect("M", 0x20)),
        (1, 0): Entry(effect=effect("M", 0x30)),
        (2, 1): Entry(effect=effect("S", 0x61)),
        (3, 1): Entry(effect=effect("A", 0x05)),
    }
    with caplog.at_level(logging.INFO, logger="tracker.io.s3m"):
        load_s3m(raw_s3m([cells, cells], order=[0, 1]), "tune.s3m")
    assert [r.getMessage() for r in caplog.records] == [
        "tune.s3m: 6 effects have no equivalent and were dropped: M x4, S6x x2"
    ]


def test_a_pattern_of_64_packed_rows_reads_every_row() -> None:
    cells = {(r, r % 2): Entry(note=note_byte(r % 8, r % 12), instrument=1) for r in range(64)}
    project = load_s3m(raw_s3m([cells], instruments=[SAMPLE]))
    for r in range(64):
        assert only_cell(project, r, r % 2).note == (r % 8) * 12 + r % 12 + 12


# ---- samples -----------------------------------------------------------------------------


def frames_of(project: Project, number: int = 1) -> np.ndarray:
    return project.samples[instrument(project, number).sample.sha256].frames


def test_a_pcm_sample_becomes_a_sample_instrument() -> None:
    raw = RawInstrument(SINE, b"lead\x00junk", b"LEAD.SMP", volume=48, c2spd=22050)
    project = load_s3m(raw_s3m(instruments=[raw]))
    found = instrument(project)
    assert (found.name, found.volume, found.base_note, found.finetune) == ("lead", 0.75, 60, 0)
    assert (found.loop, found.amp_env) == ("none", MOD_ENVELOPE)
    ref = found.sample
    assert (ref.name, ref.frames, ref.channels, ref.sample_rate_hz) == ("LEAD.SMP", 64, 1, 22050)
    assert (ref.bit_depth, ref.format) == ("pcm8", "flac")
    audio = project.samples[ref.sha256]
    assert ref.sha256 == sample_hash(audio, "pcm8") and audio.sample_rate_hz == 22050
    check_loaded(project)


@pytest.mark.parametrize(
    ("sample_format", "data"),
    [(2, bytes([0x80, 0xFF, 0x00, 0xC0])), (1, bytes([0x00, 0x7F, 0x80, 0x40]))],
    ids=["unsigned", "signed"],
)
def test_8_bit_samples_signed_or_unsigned_by_the_header(sample_format: int, data: bytes) -> None:
    project = load_s3m(raw_s3m(instruments=[RawInstrument(data)], sample_format=sample_format))
    assert frames_of(project)[:, 0].tolist() == [0.0, 127 / 128, -1.0, 0.5]


@pytest.mark.parametrize(
    ("sample_format", "values"),
    [(2, [0x8000, 0xFFFF, 0x0000, 0xC000]), (1, [0x0000, 0x7FFF, 0x8000, 0x4000])],
    ids=["unsigned", "signed"],
)
def test_16_bit_samples(sample_format: int, values: list[int]) -> None:
    raw = RawInstrument(struct.pack("<4H", *values), flags=4)
    project = load_s3m(raw_s3m(instruments=[raw], sample_format=sample_format))
    assert frames_of(project)[:, 0].tolist() == [0.0, 32767 / 32768, -1.0, 0.5]
    assert instrument(project).sample.bit_depth == "pcm16"


def test_stereo_samples_store_the_left_block_then_the_right() -> None:
    left, right = [0x80, 0xC0, 0x40], [0x00, 0xFF, 0x80]
    project = load_s3m(raw_s3m(instruments=[RawInstrument(bytes(left + right), flags=2)]))
    assert frames_of(project).tolist() == [[0.0, -1.0], [0.5, 127 / 128], [-0.5, 0.0]]
    assert instrument(project).sample.channels == 2
    wide = RawInstrument(struct.pack("<4H", 0x8000, 0xC000, 0x4000, 0x0000), flags=6)
    project = load_s3m(raw_s3m(instruments=[wide]))
    assert frames_of(project).tolist() == [[0.0, -0.5], [0.5, -1.0]]
    check_loaded(project)


@pytest.mark.parametrize(
    ("flags", "start", "end", "loop"),
    [
        (1, 8, 40, ("forward", 8, 40)),
        (0, 8, 40, ("none", 0, 0)),  # the loop flag is clear
        (1, 8, 100, ("forward", 8, 64)),  # ends at the sample's end
        (1, 40, 40, ("none", 0, 0)),  # nothing to repeat
        (1, 70, 90, ("none", 0, 0)),  # starts past the end
    ],
)
def test_loops(flags: int, start: int, end: int, loop: tuple[str, int, int]) -> None:
    raw = RawInstrument(SINE, flags=flags, loop_start=start, loop_end=end)
    found = instrument(load_s3m(raw_s3m(instruments=[raw])))
    assert (found.loop, found.loop_start_frames, found.loop_end_frames) == loop


@pytest.mark.parametrize(
    ("c2spd", "rate"), [(0, 8363), (8363, 8363), (44100, 44100), (100000, 65535), (500, 1000)]
)
def test_c2spd_is_the_rate_of_c5(c2spd: int, rate: int) -> None:
    project = load_s3m(raw_s3m(instruments=[RawInstrument(SINE, c2spd=c2spd)]))
    assert instrument(project).sample.sample_rate_hz == rate
    assert project.samples[instrument(project).sample.sha256].sample_rate_hz == rate


@pytest.mark.parametrize(
    "raw",
    [
        RawInstrument(SINE, b"fm bass", kind=2),  # AdLib melody
        RawInstrument(SINE, b"fm drum", kind=5),  # AdLib drum
        RawInstrument(b"", b"nothing", kind=0),
        RawInstrument(SINE, b"packed", pack=1),  # ADPCM: not decoded
        RawInstrument(b"", b"no data"),
    ],
    ids=["adlib", "adlib drum", "empty", "adpcm", "length 0"],
)
def test_slots_without_pcm_are_silent_instruments_keeping_their_name(raw: RawInstrument) -> None:
    project = load_s3m(raw_s3m(instruments=[raw, SAMPLE]))
    silent = instrument(project)
    assert silent.name == raw.name.decode() and silent.sample.frames == 1
    assert not frames_of(project).any()
    assert instrument(project, 2).sample.frames == 64  # the next slot keeps its number
    check_loaded(project)


def test_an_instrument_parapointer_of_0_is_an_empty_slot() -> None:
    data = bytearray(raw_s3m(instruments=[SAMPLE]))
    data[96 + 1 : 96 + 3] = b"\x00\x00"
    project = load_s3m(bytes(data))
    assert instrument(project).sample.frames == 1


def test_sample_data_cut_short_at_the_end_loads_what_is_there() -> None:
    data = raw_s3m(instruments=[RawInstrument(SINE, flags=1, loop_start=8, loop_end=60)])
    found = instrument(load_s3m(data[:-24]))
    assert found.sample.frames == 40 and (found.loop_start_frames, found.loop_end_frames) == (
        8,
        40,
    )
    stereo = raw_s3m(instruments=[RawInstrument(SINE, flags=2)])  # 32 frames a side
    project = load_s3m(stereo[:-10])
    assert frames_of(project).shape == (22, 2)
    assert frames_of(project)[:, 1].tolist() == frames_of(load_s3m(stereo))[:22, 1].tolist()


# ---- bad input ---------------------------------------------------------------------------


def _good() -> bytes:
    cells = {(0, 0): Entry(note=note_byte(4, 0), instrument=1, volume=40, effect=effect("A", 3))}
    return raw_s3m([cells], instruments=[SAMPLE], pans=bytes([0x23]) * 32)


def _with(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new) :]


def _patterns_at(data: bytes) -> int:
    """Where the first pattern is, from its parapointer."""
    orders, instruments = struct.unpack_from("<2H", data, 32)
    (pointer,) = struct.unpack_from("<H", data, 96 + orders + 2 * instruments)
    return int(pointer) * 16


BAD_FILES = {
    "empty": (b"", "song.s3m: is empty"),
    "short": (_good()[:40], "song.s3m: truncated header: 40 bytes, an S3M header takes 96"),
    "no signature": (bytes(100), "song.s3m: not an S3M file (no 'SCRM' at byte 44)"),
    "cut in the header": (_good()[:80], "song.s3m: truncated header: 80 bytes"),
    "wrong type": (_with(_good(), 29, b"\x11"), "song.s3m: type byte is 17, an S3M module's is 16"),
    "too many orders": (
        _with(_good(), 32, struct.pack("<H", 257)),
        "song.s3m: declares 257 orders, a song holds at most 256",
    ),
    "too many instruments": (
        _with(_good(), 34, struct.pack("<H", 256)),
        "song.s3m: declares 256 instruments, a song holds at most 255",
    ),
    "too many patterns": (
        _with(_good(), 36, struct.pack("<H", 0xFFFF)),
        "song.s3m: declares 65535 patterns, a song holds at most 256",
    ),
    "counts past the file": (
        _with(raw_s3m(), 36, struct.pack("<H", 200)),
        "song.s3m: truncated header: 192 bytes, the header, order list and parapointers take 497",
    ),
    "pan table past the file": (
        raw_s3m(pans=bytes(32))[:120],
        "the header, order list, parapointers and pan table take 131",
    ),
    "sample format": (
        _with(_good(), 42, struct.pack("<H", 3)),
        "song.s3m: sample format 3 is neither 1 (signed samples) nor 2 (unsigned)",
    ),
    "empty order": (raw_s3m(order=[255, 0]), "song.s3m: the song is empty"),
    "only markers": (raw_s3m(order=[254, 254]), "song.s3m: the song is empty"),
    "instrument header past the end": (
        _with(_good(), 96 + 1, struct.pack("<H", 0xFFFF)),
        "song.s3m: instrument 1: its header at byte 1048560 runs past the end of the file",
    ),
    "pattern past the end": (
        _with(_good(), 96 + 3, struct.pack("<H", 0xFFFF)),
        "song.s3m: pattern 0: starts at byte 1048560, past the end of the file",
    ),
    "pattern length past the end": (
        _with(_good(), _patterns_at(_good()), struct.pack("<H", 0xFFFF)),
        "song.s3m: pattern 0: its 65535 bytes at byte",
    ),
    "pattern rows past its length": (
        _with(_good(), _patterns_at(_good()), struct.pack("<H", 40)),
        "song.s3m: pattern 0: its 64 rows run past its length (40 bytes)",
    ),
    "entry cut by its length": (
        raw_s3m([struct.pack("<H", 4) + b"\x80\x01" + bytes(64)]),
        "pattern 0: its 64 rows run past its length",
    ),
    "row with too many entries": (
        raw_s3m([struct.pack("<H", 2 + 33 + 64) + b"\x01" * 33 + bytes(64)]),
        "song.s3m: pattern 0: row 0 has more than 32 entries",
    ),
    "absurd sample length": (
        raw_s3m(instruments=[RawInstrument(SINE, length=0xFFFFFFFF)]),
        "song.s3m: instrument 1: absurd sample length: 4294967295 bytes at byte",
    ),
    "sample data far past the end": (
        raw_s3m(instruments=[RawInstrument(SINE, data_at=0xFFFFFF0)]),
        "instrument 1: absurd sample length: 64 bytes at byte 268435440",
    ),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_one_line_errors(name: str) -> None:
    assert_refused(load_s3m, *BAD_FILES[name])


def test_a_file_over_64_mib_is_refused_unparsed() -> None:
    data = bytearray(MAX_MODULE_BYTES + 1)
    data[:96] = _good()[:96]
    with pytest.raises(ModuleError, match=r"^song\.s3m: is over 64 MiB; a module to import"):
        load_s3m(bytes(data))


def test_messages_name_the_source() -> None:
    with pytest.raises(ModuleError, match=r"^dance\.s3m: is empty$"):
        load_s3m(b"", "dance.s3m")


def test_the_largest_patterns_a_file_can_declare_load_in_reasonable_time() -> None:
    # 256 patterns of 64 rows of 32 entries with every field, stored once.
    row = b"".join(bytes([0xE0 | c, 0x40, 1, 64, 4, 0x11]) for c in range(32)) + b"\x00"
    blob = struct.pack("<H", 2 + 64 * len(row)) + row * 64
    data = raw_s3m([blob] * 256, instruments=[SAMPLE], channels=tuple(range(16)) * 2)
    started = time.perf_counter()
    song = load_s3m(data).song
    assert time.perf_counter() - started < 5.0
    assert len(song.patterns) == 256 and len(song.tracks) == 32
    assert song.patterns[255].rows[63][31] == Cell(
        note=60, instrument=1, volume=64, effects=(Effect(command="A", param=0x11),)
    )


SEED = raw_s3m(
    [
        {
            (r, r % 3): Entry(
                note=note_byte(2 + r % 5, r % 12),
                instrument=1 + r % 3,
                volume=r if r % 2 else None,
                effect=effect("ABCDEFGHIJKLOQRSTUVX"[r % 20], r * 4) if r % 3 else None,
            )
            for r in range(0, 64, 3)
        },
        {(0, 1): Entry(note=254)},
    ],
    instruments=[
        RawInstrument(SINE, b"looped", flags=1, loop_start=4, loop_end=40),
        RawInstrument(SINE, b"stereo 16", flags=6, c2spd=22050),
        RawInstrument(b"", b"adlib", kind=2),
    ],
    order=[1, 254, 0, 255],
    channels=(0, 8, 16) + (255,) * 29,
    pans=bytes([0x20, 0x2F, 0x27]) + bytes(29),
)


@pytest.mark.parametrize("cut", range(0, len(SEED) + 1, 1))
def test_a_file_cut_anywhere_loads_or_is_a_module_error(cut: int) -> None:
    try:
        project = load_s3m(SEED[:cut])
    except ModuleError as error:
        assert "\n" not in str(error)
        return
    check_loaded(project)


def test_random_byte_flips_raise_nothing_but_module_errors() -> None:
    generator = random.Random(3)
    loaded = 0
    for _ in range(400):
        data = bytearray(SEED)
        for _ in range(generator.randint(1, 8)):
            data[generator.randrange(len(data))] = generator.randrange(256)
        try:
            project = load_s3m(bytes(data))
        except ModuleError:
            continue
        check_loaded(project)
        loaded += 1
    assert loaded > 100  # most flips land in data that any value fits


# ---- the OpenMPT test modules -------------------------------------------------------------


@pytest.mark.parametrize("path", OPENMPT_S3MS, ids=lambda p: Path(p).name)
def test_openmpt_test_modules_load(path: str) -> None:
    project = load_s3m(Path(path).read_bytes(), Path(path).name)
    check_loaded(project)
    assert project.song.playback == "screamtracker3"


def test_the_openmpt_test_modules_are_there() -> None:
    assert len(OPENMPT_S3MS) >= 20


# ---- the file door and the command line ------------------------------------------------------


@pytest.mark.parametrize("name", ["tune.s3m", "tune.mod", "tune"])
def test_load_module_reads_an_s3m_by_its_signature(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(_good())
    project = load_module(path)
    assert project.path is None and project.song.playback == "screamtracker3"


def test_load_module_reads_an_s3m_suffix_as_s3m(tmp_path: Path) -> None:
    path = tmp_path / "tune.s3m"
    path.write_bytes(bytes(100))
    with pytest.raises(ModuleError, match=r"^tune\.s3m: not an S3M file"):
        load_module(path)


def test_cli_imports_an_s3m(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, song_path = tmp_path / "song.s3m", tmp_path / "song.json"
    source.write_bytes(SEED)
    assert main(["import", str(source), "-o", str(song_path)]) == 0
    assert "wrote" in capsys.readouterr().err
    saved, imported = load_project(song_path), load_s3m(SEED)
    assert saved.song == imported.song
    for sha, audio in imported.samples.items():
        assert np.array_equal(saved.samples[sha].frames, audio.frames)


def test_cli_import_of_a_bad_s3m_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, out = tmp_path / "bad.s3m", tmp_path / "x.json"
    bad.write_bytes(raw_s3m(order=[255]))
    assert main(["import", str(bad), "-o", str(out)]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "tracker: bad.s3m: the song is empty (its order list has no pattern)"
    ]
    assert not out.exists()
