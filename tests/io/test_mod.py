"""ProTracker modules: import (tracker.io.mod.load_mod), export (save_mod), the file door
(tracker.io.modules) and the `import` / `export` commands.

Modules under test are written byte by byte by ``raw_mod`` below, which knows nothing of
save_mod, so the loader is checked against the format rather than against our own writer.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conformance import OPENMPT_MODS as OPENMPT_MOD_DIR
from tests.io.refusals import assert_refused
from tracker.cli import main
from tracker.io.mod import (
    C5_RATE_HZ,
    MAX_DISTINCT_CELLS,
    MAX_MODULE_BYTES,
    NOTE_HIGH,
    NOTE_LOW,
    PERIODS,
    ModuleError,
    load_mod,
    mod_sample,
    save_mod,
)
from tracker.io.modules import load_module
from tracker.io.project import Project, load_project
from tracker.io.samples import SampleAudio, format_for_bit_depth, sample_hash
from tracker.model import (
    EFFECT_COMMANDS,
    NOTE_OFF,
    AutomationLane,
    AutomationPoint,
    Cell,
    Effect,
    Envelope,
    Filter,
    Pattern,
    SampleInstrument,
    Song,
    SynthInstrument,
    Track,
)
from tracker.model.instrument import BitDepth, SampleRef

OPENMPT_MODS = sorted(str(path) for path in OPENMPT_MOD_DIR.glob("*.mod"))

# ---- a MOD writer of our own, independent of save_mod ------------------------------------


@dataclass(frozen=True)
class RawSample:
    data: bytes = b""
    name: bytes = b""
    finetune: int = 0  # the stored byte
    volume: int = 64
    loop_start: int = 0  # words (bytes in a 15-sample file), as stored
    loop_length: int = 1  # words
    length: int | None = None  # words; None: len(data) // 2


def raw_cell(period: int = 0, sample: int = 0, effect: int = 0, param: int = 0) -> bytes:
    return bytes(
        [(sample & 0xF0) | (period >> 8), period & 0xFF, ((sample & 0x0F) << 4) | effect, param]
    )


Cells = Mapping[tuple[int, int], bytes]  # (row, channel) -> 4 bytes


def raw_pattern(cells: Cells, channels: int = 4) -> bytes:
    return b"".join(
        cells.get((row, channel), bytes(4)) for row in range(64) for channel in range(channels)
    )


def raw_mod(
    patterns: Sequence[Cells] = ({},),
    *,
    samples: Sequence[RawSample] = (),
    order: Sequence[int] = (0,),
    song_length: int | None = None,
    restart: int = 0,
    signature: bytes = b"M.K.",
    channels: int = 4,
    title: bytes = b"",
    soundtracker: bool = False,
) -> bytes:
    slots = 15 if soundtracker else 31
    padded = [*samples, *[RawSample()] * (slots - len(samples))]
    headers = b"".join(
        struct.pack(
            ">22sHBBHH",
            s.name,
            len(s.data) // 2 if s.length is None else s.length,
            s.finetune,
            s.volume,
            s.loop_start,
            s.loop_length,
        )
        for s in padded
    )
    order_bytes = bytes(order) + bytes(128 - len(order))
    length = len(order) if song_length is None else song_length
    return (
        title.ljust(20, b"\0")
        + headers
        + bytes([length, restart])
        + order_bytes
        + (b"" if soundtracker else signature)
        + b"".join(raw_pattern(cells, channels) for cells in patterns)
        + b"".join(s.data for s in padded)
    )


def pcm(*values: int) -> bytes:
    return np.array(values, dtype=np.int8).tobytes()


SINE = pcm(*(int(100 * np.sin(i / 5)) for i in range(64)))


def only_cell(project: Project, row: int = 0, track: int = 0, pattern: int = 0) -> Cell:
    return project.song.patterns[pattern].rows[row][track]


def sample_instrument(project: Project, number: int) -> SampleInstrument:
    instrument = project.song.instrument(number)
    assert isinstance(instrument, SampleInstrument)
    return instrument


def assert_same_project(a: Project, b: Project) -> None:
    assert a.song == b.song
    assert a.samples.keys() == b.samples.keys()
    for sha, audio in a.samples.items():
        assert audio.sample_rate_hz == b.samples[sha].sample_rate_hz
        assert np.array_equal(audio.frames, b.samples[sha].frames)


# ---- song, notes and cells --------------------------------------------------------------


def test_a_protracker_module_becomes_a_protracker_song() -> None:
    data = raw_mod(title=b"space debris\0\0junk", samples=[RawSample(SINE, b"bass")])
    song = load_mod(data).song
    assert song.title == "space debris  junk"  # NULs inside become spaces, as in OpenMPT
    assert (song.playback, song.tempo_bpm, song.speed_ticks) == ("protracker", 125, 6)
    assert [track.pan for track in song.tracks] == [-1.0, 1.0, 1.0, -1.0]
    assert [track.effect_columns for track in song.tracks] == [1, 1, 1, 1]
    assert [len(pattern.rows) for pattern in song.patterns] == [64]


def test_every_period_in_the_table_is_its_note() -> None:
    for index, period in enumerate(PERIODS):
        project = load_mod(raw_mod([{(0, 0): raw_cell(period, 1)}], samples=[RawSample(SINE)]))
        assert only_cell(project).note == NOTE_LOW + index
    assert PERIODS[60 - NOTE_LOW] == 428  # C-5, ProTracker's C-2


@pytest.mark.parametrize(
    ("period", "note"),
    [
        (430, 60),  # near 428: C-5
        (1664, 37),  # halfway between 1712 (36) and 1616 (37): the higher note, as OpenMPT
        (1665, 36),
        (4000, NOTE_LOW),  # below the table's lowest note
        (5, NOTE_HIGH),  # above its highest
        (0xFFF, None),  # no note (OpenMPT)
        (0, None),
    ],
)
def test_periods_off_the_table_take_the_nearest_note(period: int, note: int | None) -> None:
    project = load_mod(raw_mod([{(0, 0): raw_cell(period, 1)}], samples=[RawSample(SINE)]))
    assert only_cell(project).note == note


@pytest.mark.parametrize("command", range(16))
def test_effects_keep_their_letter_and_parameter(command: int) -> None:
    project = load_mod(raw_mod([{(5, 2): raw_cell(effect=command, param=0x3C)}]))
    assert only_cell(project, row=5, track=2).effects == (
        Effect(command=EFFECT_COMMANDS[command], param=0x3C),
    )


def test_cell_fields_land_in_note_instrument_and_effect() -> None:
    samples = [RawSample(SINE, b"s%d" % n) for n in range(1, 18)]
    cells = {
        (0, 0): raw_cell(428, 1, 0xC, 0x20),  # Cxx stays an effect, the volume column empty
        (1, 1): raw_cell(0, 17),  # sample 17: the high bit in the first byte
        (2, 2): raw_cell(0, 0, 0, 0),  # 000: no effect at all
        (3, 3): raw_cell(0, 0, 0, 0x37),  # 037: an arpeggio
        (4, 0): raw_cell(0, 0, 0xE, 0xD3),  # EDx: E and the whole byte
        (5, 1): raw_cell(0, 0, 0xF, 0x1F),  # speed
        (6, 1): raw_cell(0, 0, 0xF, 0x20),  # tempo
    }
    song = load_mod(raw_mod([cells], samples=samples)).song
    rows = song.patterns[0].rows
    assert rows[0][0] == Cell(note=60, instrument=1, effects=(Effect(command="C", param=0x20),))
    assert rows[1][1] == Cell(instrument=17)
    assert rows[2][2] == Cell()
    assert rows[3][3] == Cell(effects=(Effect(command="0", param=0x37),))
    assert rows[4][0] == Cell(effects=(Effect(command="E", param=0xD3),))
    assert rows[5][1].effects == (Effect(command="F", param=0x1F),)
    assert rows[6][1].effects == (Effect(command="F", param=0x20),)


# ---- samples ------------------------------------------------------------------------------


def test_samples_become_8363_hz_8_bit_sample_instruments() -> None:
    data = pcm(0, 1, -1, 127, -128, 64)
    project = load_mod(
        raw_mod(samples=[RawSample(data, b"st-01:bass\xe9  ", finetune=0x0F, volume=32)])
    )
    instrument = sample_instrument(project, 1)
    assert instrument.name == "st-01:bass\xe9"  # Latin-1, trailing spaces dropped
    assert (instrument.volume, instrument.finetune, instrument.base_note) == (0.5, -16, 60)
    ref = instrument.sample
    assert (ref.frames, ref.channels, ref.sample_rate_hz) == (6, 1, C5_RATE_HZ)
    assert (ref.bit_depth, ref.format) == ("pcm8", "flac")
    audio = project.samples[ref.sha256]
    assert np.array_equal(audio.frames[:, 0] * 128, [0, 1, -1, 127, -128, 64])
    assert ref.sha256 == sample_hash(audio, "pcm8")


@pytest.mark.parametrize(
    ("stored", "finetune"), [(0, 0), (1, 16), (7, 112), (8, -128), (0xF, -16), (0x97, 112)]
)
def test_finetune_is_a_signed_nibble_in_eighths_of_a_semitone(stored: int, finetune: int) -> None:
    project = load_mod(raw_mod(samples=[RawSample(SINE, finetune=stored)]))
    assert sample_instrument(project, 1).finetune == finetune


def test_volume_over_64_is_64_as_in_protracker() -> None:
    project = load_mod(raw_mod(samples=[RawSample(SINE, volume=200)]))
    assert sample_instrument(project, 1).volume == 1.0


@pytest.mark.parametrize(
    ("loop_start", "loop_length", "loop"),
    [
        (0, 1, ("none", 0, 0)),  # one word: ProTracker's "no loop"
        (0, 0, ("none", 0, 0)),
        (4, 8, ("forward", 8, 24)),  # words to frames
        (0, 32, ("forward", 0, 64)),  # the whole sample
        (16, 32, ("forward", 32, 64)),  # runs past the end: ends at the end
        (31, 32, ("none", 0, 0)),  # what is left is shorter than two words
        (40, 12, ("forward", 40, 64)),  # start stored in bytes, as OpenMPT reads it
    ],
)
def test_loops_in_words_clamped_to_the_sample(
    loop_start: int, loop_length: int, loop: tuple[str, int, int]
) -> None:
    sample = RawSample(SINE, loop_start=loop_start, loop_length=loop_length)
    instrument = sample_instrument(load_mod(raw_mod(samples=[sample])), 1)
    assert (instrument.loop, instrument.loop_start_frames, instrument.loop_end_frames) == loop


def test_empty_slots_keep_their_numbers_and_trailing_unused_ones_go() -> None:
    samples = [
        RawSample(SINE, b"one"),
        RawSample(b"", b"", volume=40, finetune=3),  # empty, but a cell names it
        RawSample(SINE, b"three"),
        RawSample(b"", b"a message"),  # named: kept
        RawSample(b"", b""),  # unused and nameless: dropped
    ]
    project = load_mod(raw_mod([{(0, 0): raw_cell(0, 2)}], samples=samples))
    instruments = project.song.instruments
    assert [i.name for i in instruments] == ["one", "", "three", "a message"]
    empty = sample_instrument(project, 2)
    assert empty.sample.frames == 1 and not project.samples[empty.sample.sha256].frames.any()
    assert (empty.volume, empty.finetune, empty.loop) == (40 / 64, 48, "none")
    # One sound is stored once: the sine both "one" and "three" hold, and the silent frame.
    assert len(project.samples) == 2


def test_a_cell_naming_a_slot_past_the_samples_gets_a_silent_instrument() -> None:
    project = load_mod(raw_mod([{(0, 0): raw_cell(428, 20)}], samples=[RawSample(SINE)]))
    assert len(project.song.instruments) == 20
    assert sample_instrument(project, 20).sample.frames == 1


def test_a_soundtracker_cell_naming_slot_20_gets_a_silent_instrument_with_its_audio() -> None:
    samples = [RawSample(SINE, b"s%d" % n) for n in range(15)]
    data = raw_mod([{(0, 0): raw_cell(428, 20)}], samples=samples, soundtracker=True)
    project = load_mod(data)
    silent = sample_instrument(project, 20)
    assert silent.sample.frames == 1 and silent.sample.sha256 in project.samples


def test_sample_data_cut_short_at_the_end_loads_what_is_there() -> None:
    data = raw_mod(samples=[RawSample(SINE), RawSample(SINE, b"cut", loop_start=0, loop_length=32)])
    project = load_mod(data[:-24])  # 40 of the second sample's 64 bytes remain
    instrument = sample_instrument(project, 2)
    assert instrument.sample.frames == 40
    assert (instrument.loop_start_frames, instrument.loop_end_frames) == (0, 40)
    assert sample_instrument(project, 1).sample.frames == 64


# ---- order, patterns and channels ---------------------------------------------------------


def test_order_positions_restart_and_every_pattern_the_order_table_names() -> None:
    patterns = [{(0, 0): raw_cell(428 if p == 0 else 0, 1, 0xF, p + 1)} for p in range(4)]
    # Pattern 3 is named only after the song's end: ProTracker stores it all the same, and
    # the sample data comes after it.
    data = raw_mod(patterns, samples=[RawSample(SINE)], order=[2, 0, 1, 0, 3], song_length=4)
    project = load_mod(data)
    song = project.song
    assert song.order == [2, 0, 1, 0]
    assert len(song.patterns) == 4
    speeds = [only_cell(project, pattern=p).effects for p in range(4)]
    assert speeds == [(Effect(command="F", param=p + 1),) for p in range(4)]
    assert sample_instrument(project, 1).sample.frames == 64
    assert np.array_equal(
        project.samples[sample_instrument(project, 1).sample.sha256].frames[:, 0] * 128,
        np.frombuffer(SINE, dtype=np.int8),
    )


@pytest.mark.parametrize(
    ("restart", "channels", "order_length", "expected"),
    [
        (1, 4, 3, 1),
        (0x7F, 4, 128, 0),  # ProTracker writes 0x7F for "no restart"
        (3, 4, 3, 0),  # past the end
        (0x78, 4, 121, 0),  # NoiseTracker's tempo byte (OpenMPT)
        (0x78, 6, 121, 0x78),  # ... only in 4-channel files
    ],
)
def test_restart_byte(restart: int, channels: int, order_length: int, expected: int) -> None:
    signature = b"M.K." if channels == 4 else b"%dCHN" % channels
    data = raw_mod(
        order=[0] * order_length, restart=restart, signature=signature, channels=channels
    )
    assert load_mod(data).song.restart_order == expected


def test_order_entries_over_127_after_the_end_are_garbage() -> None:
    data = raw_mod([{}, {}], order=[0, 1, 200, 255], song_length=2)
    assert len(load_mod(data).song.patterns) == 2


def test_a_song_length_over_128_is_128() -> None:
    data = bytearray(raw_mod(order=[0] * 128))
    data[950] = 129
    assert len(load_mod(bytes(data)).song.order) == 128


@pytest.mark.parametrize(
    ("signature", "channels"),
    [
        (b"M!K!", 4),
        (b"FLT4", 4),
        (b"N.T.", 4),
        (b"1CHN", 1),
        (b"6CHN", 6),
        (b"8CHN", 8),
        (b"CD81", 8),
        (b"OKTA", 8),
        (b"10CH", 10),
        (b"12CN", 12),
        (b"32CH", 32),
        (b"64CH", 64),
    ],
)
def test_channels_come_from_the_signature(signature: bytes, channels: int) -> None:
    cells = {(63, channels - 1): raw_cell(856, 1, 0xA, 0x0F)}
    project = load_mod(
        raw_mod([cells], samples=[RawSample(SINE)], signature=signature, channels=channels)
    )
    song = project.song
    assert len(song.tracks) == channels
    assert [t.pan for t in song.tracks] == [[-1.0, 1.0, 1.0, -1.0][c % 4] for c in range(channels)]
    assert only_cell(project, row=63, track=channels - 1) == Cell(
        note=48, instrument=1, effects=(Effect(command="A", param=0x0F),)
    )
    assert sample_instrument(project, 1).sample.frames == 64  # samples start after patterns


def test_flt8_patterns_are_two_four_channel_halves() -> None:
    left = {(0, 0): raw_cell(428, 1), (63, 3): raw_cell(0, 0, 0xF, 3)}
    right = {(0, 0): raw_cell(856, 1), (10, 3): raw_cell(0, 0, 0xC, 9)}
    # Order entries name the 4-channel halves: 0 is pattern 0 (halves 0 and 1).
    data = raw_mod([left, right], samples=[RawSample(SINE)], order=[0], signature=b"FLT8")
    project = load_mod(data)
    assert len(project.song.tracks) == 8 and len(project.song.patterns) == 1
    assert only_cell(project, track=0).note == 60 and only_cell(project, track=4).note == 48
    assert only_cell(project, row=63, track=3).effects == (Effect(command="F", param=3),)
    assert only_cell(project, row=10, track=7).effects == (Effect(command="C", param=9),)


# ---- 15-sample Soundtracker modules ---------------------------------------------------------


def test_a_15_sample_soundtracker_module() -> None:
    samples = [
        RawSample(SINE, b"st-01:strings", volume=64, loop_start=10, loop_length=8),
        RawSample(SINE, b"st-01:drum"),
    ]
    cells = {(0, 0): raw_cell(428, 1), (1, 1): raw_cell(214, 2, 0xC, 0x10)}
    data = raw_mod([cells], samples=samples, soundtracker=True, restart=0x78)
    project = load_mod(data)
    song = project.song
    assert len(song.tracks) == 4 and song.playback == "protracker"
    assert [i.name for i in song.instruments] == ["st-01:strings", "st-01:drum"]
    assert only_cell(project, row=1, track=1) == Cell(
        note=72, instrument=2, effects=(Effect(command="C", param=0x10),)
    )
    strings = sample_instrument(project, 1)
    # Soundtracker stored the loop start in bytes.
    assert (strings.loop_start_frames, strings.loop_end_frames) == (10, 26)
    assert song.tempo_bpm == 125 and song.restart_order == 0


@pytest.mark.parametrize(("byte", "bpm"), [(0x78, 125), (0, 125), (100, 102), (1, 60)])
def test_soundtracker_tempo_byte(byte: int, bpm: int) -> None:
    data = raw_mod(samples=[RawSample(SINE)], soundtracker=True, restart=byte)
    assert load_mod(data).song.tempo_bpm == bpm


# ---- bad files ------------------------------------------------------------------------------


def _good() -> bytes:
    return raw_mod([{(0, 0): raw_cell(428, 1)}], samples=[RawSample(SINE, b"x")])


def _with(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new) :]


BAD_FILES = {
    "empty": (b"", "song.mod: is empty"),
    "short header": (_good()[:500], "song.mod: truncated header: 500 bytes"),
    "header cut before the signature": (_good()[:1000], "song.mod: truncated header: 1000"),
    "patterns missing": (
        raw_mod([{}, {}], order=[0, 1, 2]),
        "song.mod: truncated: 3 patterns declared (the order list names pattern 2), "
        "the file holds 2",
    ),
    "order past the stored patterns": (
        raw_mod([{}], order=[0, 9]),
        "truncated: 10 patterns declared (the order list names pattern 9), the file holds 1",
    ),
    "hidden order entry past the stored patterns": (
        raw_mod([{}], order=[0, 5], song_length=1),
        "names pattern 5",
    ),
    "absurd sample lengths": (
        raw_mod(samples=[RawSample(b"", length=0xFFFF)] * 3),
        "song.mod: absurd sample lengths: the samples declare 393210 bytes, the file holds 0 "
        "after its patterns",
    ),
    "wrong signature": (
        _with(_with(_good(), 1080, b"M.K!"), 20 + 24, b"\x05"),
        "song.mod: not a MOD file (no known signature at byte 1080, and not a plausible "
        "15-sample Soundtracker module: sample 1 has a finetune",
    ),
    "text": (b"hello, world\n" * 100, "song.mod: not a MOD file"),
    "soundtracker sample too long": (
        raw_mod(samples=[RawSample(SINE, length=40000)], soundtracker=True),
        "absurd sample length: sample 1 is 80000 bytes, over 64 KiB",
    ),
    "empty order": (raw_mod(order=[0], song_length=0), "song.mod: the song is empty"),
    "too many channels": (
        raw_mod(signature=b"99CH", channels=99),
        "song.mod: signature '99CH' declares 99 channels, a song holds at most 64",
    ),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_one_line_errors(name: str) -> None:
    assert_refused(load_mod, *BAD_FILES[name])


def test_a_file_over_64_mib_is_refused_unparsed() -> None:
    data = bytearray(MAX_MODULE_BYTES + 1)  # made here, not at module level: freed after
    data[:1084] = _good()[:1084]
    with pytest.raises(ModuleError, match=r"^song\.mod: is over 64 MiB; a module to import"):
        load_mod(bytes(data))
    assert load_mod(_good() + bytes(MAX_MODULE_BYTES - len(_good()))).song.instruments


def test_messages_name_the_source() -> None:
    with pytest.raises(ModuleError, match=r"^dance\.mod: is empty$"):
        load_mod(b"", "dance.mod")


FUZZ_SETTINGS = settings(
    max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow]
)


@FUZZ_SETTINGS
@given(st.binary(max_size=4096))
def test_random_bytes_raise_nothing_but_module_errors(data: bytes) -> None:
    with contextlib.suppress(ModuleError):
        load_mod(data)


def _seed_module() -> bytes:
    cells = {(r, r % 4): raw_cell(PERIODS[r], 1 + r % 3, r % 16, r) for r in range(0, 64, 3)}
    samples = [
        RawSample(SINE, b"a", loop_start=4, loop_length=8),
        RawSample(SINE[:32], b"b", finetune=9),
        RawSample(b"", b"c"),
    ]
    return raw_mod([cells, {}], samples=samples, order=[1, 0, 1])


SEED = _seed_module()


@FUZZ_SETTINGS
@given(
    edits=st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), max_size=16),
    cut=st.integers(0, len(SEED)),
)
def test_mutated_and_truncated_modules_raise_nothing_but_module_errors(
    edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(SEED)
    for at, value in edits:
        data[at] = value
    for candidate in (bytes(data), bytes(data[:cut])):
        try:
            project = load_mod(candidate)
        except ModuleError:
            continue
        check_loaded(project)


def check_loaded(project: Project) -> None:
    """What any module that loads must give: every sample's audio, and a song that, if it
    exports at all, exports to a file that loads and exports again to the same bytes."""
    for instrument in project.song.instruments:
        assert isinstance(instrument, SampleInstrument)
        audio = project.samples[instrument.sample.sha256]
        assert audio.frames.shape == (instrument.sample.frames, 1)
    try:
        data = save_mod(project)
    except ModuleError:
        return
    assert save_mod(load_mod(data)) == data


# ---- the OpenMPT test modules -------------------------------------------------------------


@pytest.mark.parametrize("path", OPENMPT_MODS, ids=lambda p: Path(p).name)
def test_openmpt_test_modules_load_and_save_back(path: str) -> None:
    data = Path(path).read_bytes()
    project = load_mod(data, Path(path).name)
    check_loaded(project)
    song = project.song
    assert song.playback == "protracker" and len(song.tracks) == 4
    assert all(isinstance(i, SampleInstrument) for i in song.instruments)
    assert_same_project(load_mod(save_mod(project)), project)


def test_the_openmpt_test_modules_are_there() -> None:
    assert len(OPENMPT_MODS) >= 20


@pytest.mark.parametrize("name", ["finetune.mod", "PatternJump.mod"])
def test_a_module_without_stray_bytes_saves_back_byte_for_byte(name: str) -> None:
    path = OPENMPT_MOD_DIR / name
    data = path.read_bytes()
    assert save_mod(load_mod(data)) == data


# ---- export -----------------------------------------------------------------------------


def make_project(
    rows: Mapping[tuple[int, int], Cell] | None = None,
    *,
    tracks: int = 4,
    patterns: int = 1,
    order: Sequence[int] = (0,),
    instruments: Sequence[tuple[SampleInstrument, SampleAudio]] | None = None,
) -> Project:
    if instruments is None:
        instruments = [mod_sample(SINE, name="sine", loop=(0, 64))]
    grid = [[Cell()] * tracks for _ in range(64)]
    for (row, track), cell in (rows or {}).items():
        grid[row][track] = cell
    song = Song(
        tracks=[Track(effect_columns=2) for _ in range(tracks)],
        instruments=[instrument for instrument, _ in instruments],
        patterns=[Pattern(rows=grid)] + [Pattern.empty(64, tracks) for _ in range(patterns - 1)],
        order=list(order),
    )
    return Project(song, {i.sample.sha256: audio for i, audio in instruments})


def test_export_writes_the_format_byte_for_byte() -> None:
    instruments = [
        mod_sample(SINE, name="sine", volume=48, finetune=-3, loop=(8, 40)),
        mod_sample(pcm(1, 2, 3), name="odd"),  # padded to a whole word
    ]
    rows = {
        (0, 0): Cell(note=60, instrument=1, effects=(Effect(command="A", param=0x0F),)),
        (1, 3): Cell(note=48, instrument=2, volume=0x20),  # the volume column becomes C20
        (2, 1): Cell(instrument=2, effects=(None, Effect(command="E", param=0xD3))),
    }
    project = make_project(rows, instruments=instruments)
    project.song.title = "title"
    data = save_mod(project)
    expected = raw_mod(
        [
            {
                (0, 0): raw_cell(428, 1, 0xA, 0x0F),
                (1, 3): raw_cell(856, 2, 0xC, 0x20),
                (2, 1): raw_cell(0, 2, 0xE, 0xD3),
            }
        ],
        samples=[
            RawSample(SINE, b"sine", finetune=0xD, volume=48, loop_start=4, loop_length=16),
            RawSample(pcm(1, 2, 3, 0), b"odd"),
            *[RawSample(volume=0)] * 29,
        ],
        title=b"title",
    )
    assert data == expected


@pytest.mark.parametrize(("tracks", "signature"), [(1, b"1CHN"), (6, b"6CHN"), (12, b"12CH")])
def test_export_signature_follows_the_track_count(tracks: int, signature: bytes) -> None:
    data = save_mod(make_project(tracks=tracks))
    assert data[1080:1084] == signature
    assert len(load_mod(data).song.tracks) == tracks


def test_more_than_64_patterns_on_4_channels_is_m_k_with_a_bang() -> None:
    data = save_mod(make_project(patterns=65, order=list(range(65))))
    assert data[1080:1084] == b"M!K!"
    assert len(load_mod(data).song.patterns) == 65


def test_patterns_the_order_skips_past_its_highest_are_kept() -> None:
    project = make_project(patterns=3, order=[0, 0])
    loaded = load_mod(save_mod(project))
    assert len(loaded.song.patterns) == 3 and loaded.song.order == [0, 0]


def sample_from(
    frames: list[list[float]] | np.ndarray, rate: int = C5_RATE_HZ, bit_depth: BitDepth = "pcm8"
) -> tuple[SampleInstrument, SampleAudio]:
    """A sample instrument (the model's defaults) holding ``frames`` (n, channels)."""
    audio = SampleAudio(frames=np.asarray(frames, dtype=np.float32), sample_rate_hz=rate)
    ref = SampleRef(
        sha256=sample_hash(audio, bit_depth),
        format=format_for_bit_depth(bit_depth),
        frames=audio.frames.shape[0],
        channels=1 if audio.channels == 1 else 2,
        sample_rate_hz=rate,
        bit_depth=bit_depth,
    )
    return SampleInstrument(sample=ref), audio


def test_export_rounds_volume_to_sixty_fourths_and_quantises_to_8_bits() -> None:
    instrument, audio = sample_from([[0.5004], [-0.25], [0.0], [0.99]], bit_depth="float32")
    assert instrument.volume == 0.8
    loaded = load_mod(save_mod(make_project(instruments=[(instrument, audio)])))
    out = sample_instrument(loaded, 1)
    assert out.volume == 51 / 64
    assert np.array_equal(loaded.samples[out.sample.sha256].frames[:, 0] * 128, [64, -32, 0, 127])


def test_a_sample_of_two_frames_or_fewer_exports_empty() -> None:
    two_frames = sample_from([[0.5], [-0.5]])
    data = save_mod(make_project({(0, 0): Cell(instrument=1)}, instruments=[two_frames]))
    assert data[20 + 22 : 20 + 24] == b"\0\0"  # length in words
    assert sample_instrument(load_mod(data), 1).sample.frames == 1


def _with_instrument(**changes: object) -> Project:
    instrument, audio = mod_sample(SINE, name="sine")
    return make_project(instruments=[(instrument.model_copy(update=changes), audio)])


def _song_with(**changes: object) -> Project:
    project = make_project()
    project.song = project.song.model_copy(update=changes)
    return project


def _cell(cell: Cell) -> Project:
    return make_project({(7, 2): cell})


def _automated() -> Project:
    project = make_project()
    lane = AutomationLane(param="tempo", points=(AutomationPoint(row=0, value=0.5),))
    project.song.patterns = [project.song.patterns[0].model_copy(update={"automation": [lane]})]
    return project


UNFIT = {
    "synth": (
        Project(
            Song(
                tracks=[Track()],
                instruments=[SynthInstrument()],
                patterns=[Pattern.empty(64, 1)],
                order=[0],
            )
        ),
        "instruments[0] is a synth, a MOD holds only samples",
    ),
    "32 instruments": (
        make_project(instruments=[mod_sample(SINE)] * 32),
        "it has 32 instruments, a MOD at most 31",
    ),
    "short pattern": (
        Project(Song(tracks=[Track()], patterns=[Pattern.empty(32, 1)], order=[0])),
        "patterns[0] has 32 rows, a MOD pattern 64",
    ),
    "33 tracks": (make_project(tracks=33), "it has 33 tracks, a MOD at most 32 channels"),
    "speed": (_song_with(speed_ticks=3), "it starts at speed 3 and 125 BPM"),
    "tempo": (_song_with(tempo_bpm=140), "and 140 BPM, a MOD at 6 and 125"),
    "restart 127": (
        _song_with(order=[0] * 128, restart_order=127),
        "restart_order 127 reads back as no restart",
    ),
    "low note": (
        _cell(Cell(note=24, instrument=1)),
        "patterns[0].rows[7]: track 2: note C-2 is outside a MOD's C-3..B-8",
    ),
    "note off": (_cell(Cell(note=NOTE_OFF)), "track 2: === (note off or cut) has no MOD"),
    "effect Z": (
        _cell(Cell(effects=(Effect(command="Z", param=0x40),))),
        "track 2: effect Z40 has no MOD equivalent",
    ),
    "two effects": (
        _cell(Cell(effects=(Effect(command="A", param=1), Effect(command="4", param=0x44)))),
        "track 2: has 2 effects, a MOD cell holds one",
    ),
    "volume and effect": (
        _cell(Cell(volume=3, effects=(Effect(command="A", param=1),))),
        "has a volume and an effect, a MOD cell holds one effect",
    ),
    "stereo": (make_project(instruments=[sample_from(np.zeros((8, 2)))]), "is stereo"),
    "too long": (
        make_project(instruments=[sample_from(np.zeros((131072, 1)))]),
        "instruments[0] has 131072 frames, at most 131070",
    ),
    "44.1 kHz": (
        make_project(instruments=[sample_from(np.zeros((8, 1)), rate=44100)]),
        "instruments[0] plays at 44100 Hz, a MOD sample at 8363 Hz",
    ),
    "base note": (_with_instrument(base_note=48), "has base note C-4, a MOD sample C-5"),
    "finetune": (_with_instrument(finetune=5), "has finetune 5, a MOD's steps are 16"),
    "pan": (_with_instrument(pan=0.5), "has a pan"),
    "filter": (_with_instrument(filter=Filter(type="lowpass")), "has a filter"),
    "envelope": (_with_instrument(amp_env=Envelope(decay_s=1.0, sustain=0.5)), "envelope"),
    "pingpong": (
        _with_instrument(loop="pingpong", loop_start_frames=0, loop_end_frames=64),
        "loops back and forth",
    ),
    "odd loop": (
        _with_instrument(loop="forward", loop_start_frames=1, loop_end_frames=64),
        "loops over frames 1..64, a MOD loop starts and ends on even frames",
    ),
    "automation": (_automated(), "patterns[0] has automation, a MOD none"),
}


@pytest.mark.parametrize("name", UNFIT)
def test_export_refuses_what_a_mod_cannot_hold(name: str) -> None:
    project, fragment = UNFIT[name]
    with pytest.raises(ModuleError) as caught:
        save_mod(project)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("the song does not fit a MOD: ")
    assert fragment in message


def test_export_refuses_an_instrument_whose_audio_is_missing() -> None:
    project = make_project()
    project.samples.clear()
    with pytest.raises(ModuleError, match=r"instruments\[0\]: its audio is not loaded"):
        save_mod(project)


# ---- round trip ---------------------------------------------------------------------------


@st.composite
def mod_projects(draw: st.DrawFn) -> Project:
    """Songs that fit a MOD: 64-row patterns, at most one effect (0-F) per cell, samples of
    whole words with loops on even frames."""
    tracks = draw(st.integers(1, 8))
    instruments = []
    for _ in range(draw(st.integers(0, 5))):
        data = draw(st.binary(min_size=0, max_size=24)) * 2  # whole words: odd lengths are padded
        frames = len(data) if len(data) > 2 else 1
        loop = None
        if frames >= 4 and draw(st.booleans()):
            start = 2 * draw(st.integers(0, (frames - 4) // 2))
            end = start + 2 * draw(st.integers(2, (frames - start) // 2))
            loop = (start, end)
        instruments.append(
            mod_sample(
                data,
                name=draw(st.text("abc é", max_size=22)).strip(),
                volume=draw(st.integers(0, 64)),
                finetune=draw(st.integers(-8, 7)),
                loop=loop,
            )
        )
    effects = st.builds(
        Effect, command=st.sampled_from(EFFECT_COMMANDS[:16]), param=st.integers(0, 255)
    ).filter(lambda e: e.command != "0" or e.param != 0)
    cells = st.builds(
        Cell,
        note=st.one_of(st.none(), st.integers(NOTE_LOW, NOTE_HIGH)),
        instrument=st.one_of(st.none(), st.integers(1, len(instruments)))
        if instruments
        else st.none(),
        effects=st.one_of(st.just(()), effects.map(lambda e: (e,))),
    )
    pattern_count = draw(st.integers(1, 3))
    patterns = []
    for _ in range(pattern_count):
        grid = [[Cell()] * tracks for _ in range(64)]
        for (row, track), cell in draw(
            st.dictionaries(st.tuples(st.integers(0, 63), st.integers(0, tracks - 1)), cells)
        ).items():
            grid[row][track] = cell
        patterns.append(Pattern(rows=grid))
    order = draw(st.lists(st.integers(0, pattern_count - 1), min_size=1, max_size=8))
    song = Song(
        title=draw(st.text("xyz ", max_size=20)).strip(),
        tracks=[Track() for _ in range(tracks)],
        instruments=[instrument for instrument, _ in instruments],
        patterns=patterns,
        order=order,
        restart_order=draw(st.integers(0, len(order) - 1)),
    )
    return Project(song, {i.sample.sha256: audio for i, audio in instruments})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mod_projects())
def test_save_then_load_gives_the_song_back(project: Project) -> None:
    data = save_mod(project)
    loaded = load_mod(data)
    song, back = project.song, loaded.song
    assert (back.title, back.order, back.restart_order) == (
        song.title,
        song.order,
        song.restart_order,
    )
    assert back.playback == "protracker" and len(back.tracks) == len(song.tracks)
    assert [p.rows for p in back.patterns] == [p.rows for p in song.patterns]
    # Unused empty slots at the end are not instruments in the file's song.
    assert back.instruments == song.instruments[: len(back.instruments)]
    for instrument in song.instruments[len(back.instruments) :]:
        assert isinstance(instrument, SampleInstrument) and instrument.sample.frames == 1
    # And a second trip changes nothing: load(save(load(x))) == load(x).
    assert save_mod(loaded) == save_mod(load_mod(save_mod(loaded)))
    assert_same_project(load_mod(save_mod(loaded)), loaded)


# ---- the file door and the command line ------------------------------------------------------


def test_load_module_reads_a_mod_by_path(tmp_path: Path) -> None:
    path = tmp_path / "tune.mod"
    path.write_bytes(_good())
    project = load_module(path)
    assert project.path is None and project.song.instruments[0].name == "x"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tune.xm", b"Extended Module: tune", "tune.xm: truncated header: 21 bytes"),
        ("tune.s3m", bytes(100), "tune.s3m: not an S3M file"),
        ("tune.mod", bytes(44) + b"SCRM" + bytes(100), "tune.mod: type byte is 0, an S3M"),
        ("tune.mod", b"", "tune.mod: is empty"),
    ],
)
def test_load_module_errors(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ModuleError, match=message):
        load_module(path)


def test_load_module_refuses_a_huge_file_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "huge.mod"
    with path.open("wb") as file:
        file.truncate(MAX_MODULE_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(ModuleError, match=r"^huge\.mod: is over 64 MiB"):
        load_module(path)


def test_load_module_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModuleError, match=r"^gone\.mod: cannot read: "):
        load_module(tmp_path / "gone.mod")


def test_cli_imports_and_exports_a_mod(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = Path(OPENMPT_MODS[0])
    song_path, out = tmp_path / "song.json", tmp_path / "out.mod"
    assert main(["import", str(source), "-o", str(song_path)]) == 0
    assert "wrote" in capsys.readouterr().err
    saved = load_project(song_path)
    assert_same_project(saved, load_mod(source.read_bytes(), source.name))
    assert main(["export", str(song_path), "-o", str(out)]) == 0
    assert out.read_bytes() == save_mod(saved)


def test_cli_import_of_a_bad_module_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, out = tmp_path / "bad.mod", tmp_path / "x.json"
    bad.write_bytes(raw_mod([{}], order=[0, 4]))
    assert main(["import", str(bad), "-o", str(out)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "tracker: bad.mod: truncated: 5 patterns declared (the order list names pattern 4), "
        "the file holds 1"
    ]
    assert not out.exists()


def test_cli_export_of_a_song_that_does_not_fit_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo.mod"
    assert main(["export", "-o", str(out)]) == 1  # the demo song has synths
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: demo.mod: the song does not fit a")
    assert not out.exists()


@pytest.mark.parametrize("command", ["import", "export"])
def test_cli_unsupported_suffixes_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    target = str(tmp_path / "x.wav")
    argv = ["import", target, "-o", "x.json"] if command == "import" else ["export", "-o", target]
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    line = capsys.readouterr().err.strip()
    assert "'.wav'" in line and ".mod" in line and ".mid" in line


def test_a_file_of_random_cells_is_refused_before_it_takes_much_memory() -> None:
    # 64 channels x 128 patterns of random bytes: half a million different cells, each a model
    # object; a real module repeats itself
    rng = np.random.default_rng(7)
    patterns = 128
    data = bytearray(raw_mod([{}], order=list(range(patterns)), signature=b"64CH", channels=64))
    body_at = 1084
    data[body_at:] = rng.integers(0, 256, patterns * 64 * 64 * 4, dtype=np.uint8).tobytes()

    with pytest.raises(ModuleError, match=f"more than {MAX_DISTINCT_CELLS} different"):
        load_mod(bytes(data), "random.mod")
