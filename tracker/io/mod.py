"""ProTracker modules (.mod): import one as a new project, export a song back to one.

Reads 31-sample modules by their signature at byte 1080 (ProTracker's ``M.K.`` and ``M!K!``,
NoiseTracker's ``N.T.``, Startrekker's ``FLT4`` and ``FLT8``, ``xCHN``/``xxCH``/``xxCN``
from FastTracker and friends, Octalyser's ``CD61``/``CD81``, Oktalyzer's ``OKTA``/``OCTA``),
and 15-sample Soundtracker modules, which have no signature and are recognised by how
plausible their header is. Writes ``M.K.`` (``M!K!`` past 64 patterns) for 4 channels and
``xCHN``/``xxCH`` for 1 to 32.

An imported song plays by ProTracker's rules (``Song.playback = "protracker"``): the
patterns keep the file's effect letters and parameters one for one, and the kernel gives
them ProTracker's meaning. docs/file-format.md ("Modules") has the whole mapping.

Every problem is a one-line ModuleError. Nothing is allocated from a size in the file before
that size is checked against the file's length, so any input is cheap to refuse.
"""

from __future__ import annotations

import functools
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, NoReturn

import numpy as np
from pydantic import ValidationError

from tracker.io.errors import ProjectError
from tracker.io.project import Project
from tracker.io.samples import SampleAudio, canonical_pcm, format_for_bit_depth, sample_hash
from tracker.model.errors import summarize
from tracker.model.instrument import (
    Envelope,
    Instrument,
    SampleInstrument,
    SampleRef,
    SynthInstrument,
)
from tracker.model.notes import EFFECT_COMMANDS, NOTE_CUT, NOTE_OFF, note_name
from tracker.model.pattern import MAX_TRACKS, Cell, Effect, Pattern
from tracker.model.song import Song, Track

SUFFIXES: Final = (".mod",)
"""File name endings read and written as ProTracker modules."""

MAX_MODULE_BYTES: Final = 64 * 1024 * 1024
"""Larger files are refused (and load_module reads no further); the largest real MOD
(32 channels, 256 patterns, 31 samples of 128 KiB) is under 7 MiB."""

PATTERN_ROWS: Final = 64
C5_RATE_HZ: Final = 8363
"""The rate a sample plays at on C-5 (period 428) with finetune 0: Amiga PAL timing."""
BASE_NOTE: Final = 60  # C-5 in our naming (OpenMPT's); ProTracker calls it C-2
FINETUNE_STEP: Final = 16
"""One step of a MOD finetune (1/8 semitone) in the model's 1/128 semitone."""
VOLUME_MAX: Final = 64
SAMPLE_MAX_FRAMES: Final = 2 * 0xFFFF
"""A sample's length is a 16-bit count of 2-byte words."""
EXPORT_MAX_CHANNELS: Final = 32
ORDER_ENTRIES: Final = 128

# OpenMPT's ProTrackerPeriodTable: finetune-0 periods of notes 36 (C-3) to 107 (B-8), the
# range FastTracker II and OpenMPT read and write. ProTracker itself plays C-4 (856) to
# B-6 (113); periods 428 and up are the same numbers as in its own table.
PERIODS: Final = (
    *(1712, 1616, 1524, 1440, 1356, 1280, 1208, 1140, 1076, 1016, 960, 907),
    *(856, 808, 762, 720, 678, 640, 604, 570, 538, 508, 480, 453),
    *(428, 404, 381, 360, 339, 320, 302, 285, 269, 254, 240, 226),
    *(214, 202, 190, 180, 170, 160, 151, 143, 135, 127, 120, 113),
    *(107, 101, 95, 90, 85, 80, 75, 71, 67, 63, 60, 56),
    *(53, 50, 47, 45, 42, 40, 37, 35, 33, 31, 30, 28),
)
NOTE_LOW: Final = 36
"""The note of PERIODS[0]; PERIODS[i] is note NOTE_LOW + i."""
NOTE_HIGH: Final = NOTE_LOW + len(PERIODS) - 1

TRACK_PANS: Final = (-1.0, 1.0, 1.0, -1.0)
"""Amiga hard panning, repeating every four channels: left, right, right, left."""

TRUNCATION_SLACK_BYTES: Final = 65536
"""Sample data may run this far past the end of the file and still load (OpenMPT's
allowance for broken Soundtracker files such as sll7.mod); further is not a cut-off file
but lengths that are wrong."""

_TITLE_BYTES: Final = 20
_NAME_BYTES: Final = 22
_SAMPLE_HEADER: Final = struct.Struct(">22sHBBHH")  # name, length, finetune, volume, loop
_SIGNATURE_AT: Final = 1080
_CELL_BYTES: Final = 4
_SOUNDTRACKER_TEMPO: Final = 0x78  # Ultimate Soundtracker's default "tempo" byte: 125 BPM

_SIGNATURES: Final[dict[bytes, int]] = {
    b"M.K.": 4,  # ProTracker
    b"M!K!": 4,  # ProTracker, more than 64 patterns
    b"N.T.": 4,  # NoiseTracker
    b"FLT4": 4,  # Startrekker
    b"FLT8": 8,  # Startrekker; patterns stored as two 4-channel halves
    b"CD61": 6,  # Octalyser (Atari)
    b"CD81": 8,
    b"OKTA": 8,  # Oktalyzer
    b"OCTA": 8,
}
_MULTICHANNEL: Final = re.compile(rb"([1-9])CHN|([1-9][0-9])C[HN]")


class ModuleError(ProjectError):
    """A module could not be read, imported or written; the message is one line."""


@dataclass(frozen=True, slots=True)
class _Layout:
    samples: int  # 15 or 31
    channels: int
    flt8: bool = False

    @property
    def order_at(self) -> int:
        return _TITLE_BYTES + self.samples * _SAMPLE_HEADER.size

    @property
    def patterns_at(self) -> int:
        return self.order_at + 2 + ORDER_ENTRIES + (4 if self.samples == 31 else 0)

    @property
    def pattern_bytes(self) -> int:
        return PATTERN_ROWS * self.channels * _CELL_BYTES


@dataclass(frozen=True, slots=True)
class _SampleHeader:
    name: str
    length: int  # bytes
    finetune: int  # -8..7 eighths of a semitone
    volume: int  # 0..64 as ProTracker clamps it
    loop_start: int  # as stored: words (bytes in Soundtracker files)
    loop_length: int  # words


# ---- import ---------------------------------------------------------------------------


def load_mod(data: bytes, source: str = "song.mod") -> Project:
    """A new project from the bytes of a MOD file; ModuleError (one line) if they are not one.

    ``source`` names the file in messages. The project has no path; its samples are keyed by
    sha256 as ``import_sample`` keys them.
    """
    label = source
    check_module_size(data, label)
    layout = _layout(data, label)
    headers = [
        _sample_header(data, _TITLE_BYTES + index * _SAMPLE_HEADER.size)
        for index in range(layout.samples)
    ]
    positions, restart, pattern_count = _order(data, layout, label)
    patterns_end = layout.patterns_at + pattern_count * layout.pattern_bytes
    declared = sum(header.length for header in headers)
    present = len(data) - patterns_end
    if declared - present > TRUNCATION_SLACK_BYTES:
        raise ModuleError(
            f"{label}: absurd sample lengths: the samples declare {declared} bytes, the file "
            f"holds {present} after its patterns"
        )

    cells: dict[bytes, Cell] = {}
    patterns = []
    for index in range(pattern_count):
        patterns.append(
            _pattern(data, layout, layout.patterns_at + index * layout.pattern_bytes, cells)
        )
        check_distinct_cells(len(cells), label)
    referenced = max((cell.instrument or 0 for cell in cells.values()), default=0)

    samples: dict[str, SampleAudio] = {}
    instruments: list[Instrument] = []
    at = patterns_end
    for header in headers:
        pcm = data[at : at + header.length]  # a file cut short gives what is there
        at += header.length
        loop = _loop(header, len(pcm), layout.samples == 15)
        instrument, audio = mod_sample(
            pcm, name=header.name, volume=header.volume, finetune=header.finetune, loop=loop
        )
        samples.setdefault(instrument.sample.sha256, audio)
        instruments.append(instrument)
    # Unused empty slots at the end are left out; a cell may still name an empty slot (or one
    # past the 15 of a Soundtracker file), which keeps its place as a silent instrument.
    kept = max(
        (n for n, ins in enumerate(instruments, 1) if ins.name or _has_audio(ins)),
        default=0,
    )
    count = max(kept, referenced)
    while len(instruments) < count:
        silent, audio = mod_sample(b"")
        samples.setdefault(silent.sample.sha256, audio)
        instruments.append(silent)
    del instruments[count:]
    used = {ins.sample.sha256 for ins in instruments if isinstance(ins, SampleInstrument)}

    try:
        song = Song(
            title=stored_text(data[:_TITLE_BYTES]),
            tempo_bpm=_tempo(data, layout),
            speed_ticks=6,
            playback="protracker",
            master_volume=master_volume_for(layout.channels),
            tracks=[Track(pan=TRACK_PANS[t % len(TRACK_PANS)]) for t in range(layout.channels)],
            instruments=instruments,
            patterns=patterns,
            order=positions,
            restart_order=restart,
        )
    except ValidationError as error:  # a bug here rather than in the file: still one line
        raise ModuleError(f"{label}: imported song is invalid: {summarize(error)}") from None
    return Project(song=song, samples={sha: samples[sha] for sha in samples if sha in used})


MAX_DISTINCT_CELLS: Final = 200_000
"""A module may hold at most this many different cells (note, instrument, volume, effects).
Each is a model object of a few hundred bytes, so this bounds a hostile file's memory to
about 100 MB; real modules repeat themselves and hold a few thousand."""


def check_distinct_cells(count: int, label: str) -> None:
    """ModuleError once a loader has seen more than MAX_DISTINCT_CELLS different cells."""
    if count > MAX_DISTINCT_CELLS:
        raise ModuleError(
            f"{label}: has more than {MAX_DISTINCT_CELLS} different pattern cells; real modules "
            "have far fewer (a file of random bytes?)"
        )


def check_module_size(data: bytes, label: str) -> None:
    """ModuleError unless ``data`` holds 1 to MAX_MODULE_BYTES bytes: every loader's first check."""
    if not data:
        raise ModuleError(f"{label}: is empty")
    if len(data) > MAX_MODULE_BYTES:
        raise ModuleError(
            f"{label}: is over {MAX_MODULE_BYTES // 2**20} MiB; a module to import may have at "
            f"most {MAX_MODULE_BYTES} bytes"
        )


def _has_audio(instrument: Instrument) -> bool:
    return isinstance(instrument, SampleInstrument) and instrument.sample.frames > 1


def mod_sample(
    pcm: bytes,
    *,
    name: str = "",
    volume: int = VOLUME_MAX,
    finetune: int = 0,
    loop: tuple[int, int] | None = None,
) -> tuple[SampleInstrument, SampleAudio]:
    """A sample instrument as a MOD holds one, and its audio (for ``Project.samples``).

    ``pcm`` is signed 8-bit; ``volume`` 0..64; ``finetune`` -8..7 eighths of a semitone;
    ``loop`` (start, end) in frames, or None. The model has no sample without audio, so an
    empty ``pcm`` (or a single word, which OpenMPT reads as empty too) gives one silent
    frame: the slot keeps its number, name, volume and finetune and plays nothing.
    """
    if len(pcm) <= 2:
        pcm, loop = b"\x00", None
    values = np.frombuffer(pcm, dtype=np.int8).astype(np.float32) / np.float32(128)
    audio = SampleAudio(frames=values.reshape(-1, 1), sample_rate_hz=C5_RATE_HZ)
    sha256 = sample_hash(audio, "pcm8")
    ref = SampleRef(
        sha256=sha256,
        name=name,
        format=format_for_bit_depth("pcm8"),
        frames=len(pcm),
        channels=1,
        sample_rate_hz=C5_RATE_HZ,
        bit_depth="pcm8",
    )
    instrument = SampleInstrument(
        name=name,
        volume=volume / VOLUME_MAX,
        sample=ref,
        base_note=BASE_NOTE,
        finetune=finetune * FINETUNE_STEP,
        loop="none" if loop is None else "forward",
        loop_start_frames=0 if loop is None else loop[0],
        loop_end_frames=0 if loop is None else loop[1],
        amp_env=MOD_ENVELOPE,
    )
    return instrument, audio


def _layout(data: bytes, label: str) -> _Layout:
    """31 samples and the channels of the signature, or a plausible 15-sample module."""
    signature = data[_SIGNATURE_AT : _SIGNATURE_AT + 4]
    channels = _SIGNATURES.get(signature)
    if channels is None and (match := _MULTICHANNEL.fullmatch(signature)):
        channels = int(match.group(1) or match.group(2))
    if channels is not None:
        if channels > MAX_TRACKS:
            raise ModuleError(
                f"{label}: signature {signature.decode('latin-1')!r} declares {channels} "
                f"channels, a song holds at most {MAX_TRACKS}"
            )
        return _Layout(samples=31, channels=channels, flt8=signature == b"FLT8")
    soundtracker = _Layout(samples=15, channels=4)
    if len(data) < soundtracker.patterns_at:
        raise ModuleError(
            f"{label}: truncated header: {len(data)} bytes, a MOD header takes "
            f"{_Layout(31, 4).patterns_at} ({soundtracker.patterns_at} for a 15-sample module)"
        )
    problem = _soundtracker_problem(data)
    if problem is None:
        return soundtracker
    if len(data) < _SIGNATURE_AT + 4:
        raise ModuleError(
            f"{label}: truncated header: {len(data)} bytes, a MOD header takes "
            f"{_Layout(31, 4).patterns_at}, and it is not a plausible 15-sample Soundtracker "
            f"module ({problem})"
        )
    raise ModuleError(
        f"{label}: not a MOD file (no known signature at byte {_SIGNATURE_AT}, and not a "
        f"plausible 15-sample Soundtracker module: {problem})"
    )


def _invalid_chars(text: bytes) -> int:
    return sum(1 for byte in text if 0 < byte < 0x20 or byte > 0x7F)


def _soundtracker_problem(data: bytes) -> str | None:
    """Why the header cannot be a 15-sample Soundtracker module, or None if it can be.

    OpenMPT's checks (Load_mod.cpp, ValidateHeader): such files have no signature, so only
    values no Soundtracker wrote tell one from any other 600 bytes.
    """
    if _invalid_chars(data[:_TITLE_BYTES]) > 5:
        return "its title is binary data"
    invalid = 0
    total_length = 0
    any_volume = False
    for index in range(15):
        name, length, finetune, volume, _, _ = _SAMPLE_HEADER.unpack_from(
            data, _TITLE_BYTES + index * _SAMPLE_HEADER.size
        )
        invalid += _invalid_chars(name)
        if invalid > 48:
            return "its sample names are binary data"
        if volume > VOLUME_MAX:
            return f"sample {index + 1} has volume {volume}, over 64"
        if finetune:
            return f"sample {index + 1} has a finetune, which Soundtracker did not have"
        if length > 32768:
            return f"absurd sample length: sample {index + 1} is {2 * length} bytes, over 64 KiB"
        total_length += length
        any_volume = any_volume or volume > 0
    if total_length == 0 or not any_volume:
        return "it has no audible samples"
    order_at = _Layout(15, 4).order_at
    length, tempo = data[order_at], data[order_at + 1]
    if not 1 <= length <= ORDER_ENTRIES:
        return f"song length {length} is outside 1..{ORDER_ENTRIES}"
    if tempo > 220:
        return f"tempo byte {tempo} is over 220"
    highest = max(data[order_at + 2 : order_at + 2 + ORDER_ENTRIES])
    if highest > 63:
        return f"its order list names pattern {highest}, Soundtracker had 64"
    return None


def _sample_header(data: bytes, at: int) -> _SampleHeader:
    name, length, finetune, volume, loop_start, loop_length = _SAMPLE_HEADER.unpack_from(data, at)
    nibble = finetune & 0x0F  # ProTracker ignores the high nibble
    return _SampleHeader(
        name=stored_text(name),
        length=2 * length,
        finetune=nibble - 16 if nibble > 7 else nibble,
        volume=min(volume, VOLUME_MAX),
        loop_start=loop_start,
        loop_length=loop_length,
    )


def _loop(header: _SampleHeader, frames: int, soundtracker: bool) -> tuple[int, int] | None:
    """The (start, end) frames of a sample's loop, or None.

    A repeat length of one word or less is no loop. Loops that run past the sample's end
    (or past what a cut-off file holds of it) end at its end, as in ProTracker and OpenMPT;
    what is left shorter than two words is no loop.
    """
    length = 2 * header.loop_length
    if length <= 2:
        return None
    start = header.loop_start if soundtracker else 2 * header.loop_start  # Soundtracker: bytes
    if not soundtracker and start + length > header.length >= start // 2 + length:
        start //= 2  # stored in bytes by mistake: such loops fit only that way (OpenMPT)
    end = min(start + length, frames)
    return (start, end) if end - start >= 4 else None


def _order(data: bytes, layout: _Layout, label: str) -> tuple[list[int], int, int]:
    """The song's order positions, its restart position and how many patterns the file holds."""
    at = layout.order_at
    length, restart = data[at], data[at + 1]
    raw = data[at + 2 : at + 2 + ORDER_ENTRIES]
    # FLT8 names 4-channel halves, and an 8-channel pattern is two of them: even entries only.
    entries = [entry // 2 for entry in raw] if layout.flt8 else list(raw)
    if length == 0:
        raise ModuleError(f"{label}: the song is empty (its order list has length 0)")
    length = min(length, ORDER_ENTRIES)  # beatwave.mod claims 129 (OpenMPT)
    positions = entries[:length]
    # ProTracker stores every pattern the 128 entries name, played or not; entries past the
    # song's end above 127 are garbage (dragnet.mod, libxmp).
    hidden = [entries[i] for i in range(length, ORDER_ENTRIES) if raw[i] < 128]
    highest = max(positions + hidden)
    count = highest + 1
    held = max(len(data) - layout.patterns_at, 0) // layout.pattern_bytes
    if count > held:
        raise ModuleError(
            f"{label}: truncated: {count} pattern{'s' if count > 1 else ''} declared (the order "
            f"list names pattern {highest}), the file holds {held}"
        )
    if layout.samples == 15:
        restart = 0  # the byte is Soundtracker's tempo
    elif restart >= length or restart == 0x7F or (restart == 0x78 and layout.channels == 4):
        restart = 0  # 0x7F: ProTracker's "no restart"; 0x78: NoiseTracker's tempo (OpenMPT)
    return positions, restart, count


def _tempo(data: bytes, layout: _Layout) -> int:
    """125 BPM, but Ultimate Soundtracker kept a tempo in the restart byte (converted as
    OpenMPT's ReadM15 does: the byte counts CIA timer steps, 0x78 or 0 being 125 BPM)."""
    if layout.samples == 31:
        return 125
    byte = data[layout.order_at + 1]
    if byte in (0, _SOUNDTRACKER_TEMPO):
        return 125
    bpm = (709379 // ((240 - byte) * 122)) * 125 // 50
    return min(max(bpm, 32), 255)


def _pattern(data: bytes, layout: _Layout, at: int, cells: dict[bytes, Cell]) -> Pattern:
    rows: list[list[Cell]] = []
    width = layout.channels * _CELL_BYTES
    half = PATTERN_ROWS * 4 * _CELL_BYTES
    for row in range(PATTERN_ROWS):
        if layout.flt8:  # channels 1-4 of all 64 rows, then channels 5-8
            start = at + row * 16
            raw = data[start : start + 16] + data[start + half : start + half + 16]
        else:
            raw = data[at + row * width : at + (row + 1) * width]
        rows.append([_cell(raw[c : c + _CELL_BYTES], cells) for c in range(0, width, _CELL_BYTES)])
    return Pattern(rows=rows)


def _cell(raw: bytes, cells: dict[bytes, Cell]) -> Cell:
    cell = cells.get(raw)
    if cell is None:
        period = ((raw[0] & 0x0F) << 8) | raw[1]
        sample = (raw[0] & 0x10) | (raw[2] >> 4)  # the other three high bits are unused
        command, param = raw[2] & 0x0F, raw[3]
        cell = Cell(
            note=None if period in (0, 0xFFF) else _NOTE_OF_PERIOD[period],
            instrument=sample or None,
            effects=(_effect(command, param),) if command or param else (),
        )
        cells[raw] = cell
    return cell


@functools.cache
def _effect(command: int, param: int) -> Effect:
    return Effect(command=EFFECT_COMMANDS[command], param=param)


def _note_of(period: int) -> int:
    """The note of the nearest period in PERIODS; a tie goes to the higher note (OpenMPT)."""
    for index, table in enumerate(PERIODS):
        if period >= table:
            if period != table and index and PERIODS[index - 1] - period < period - table:
                return NOTE_LOW + index - 1
            return NOTE_LOW + index
    return NOTE_HIGH


_NOTE_OF_PERIOD: Final = tuple(_note_of(period) for period in range(0x1000))


def stored_text(raw: bytes) -> str:
    """A name as stored: Latin-1, NUL padded; control characters become spaces (OpenMPT)."""
    text = raw.decode("latin-1")
    return "".join(" " if ord(char) < 0x20 or char == "\x7f" else char for char in text).rstrip()


# ---- export ---------------------------------------------------------------------------


MOD_ENVELOPE: Final = Envelope(attack_s=0.0, decay_s=0.0, sustain=1.0, release_s=0.0)
"""A MOD sample starts at full volume and plays to its end: Paula has no envelope."""


def master_volume_for(channels: int) -> float:
    """Headroom for `channels` full-volume channels: Paula sums half of them on each side,
    and the sum must stay under the master limiter's knee (0.8) so it is never squashed."""
    per_side = max(1, (channels + 1) // 2)
    return round(min(1.0, 0.7 / per_side), 3)


def save_mod(project: Project) -> bytes:
    """The song as a MOD file's bytes; ModuleError (one line) for what a MOD cannot hold.

    Nothing is changed on the way except what a MOD stores more coarsely: instrument
    volumes round to 1/64, samples are quantised to 8 bits, names are cut to 20 and 22
    Latin-1 bytes. A song that would play differently is refused instead: see
    docs/file-format.md ("Modules") for the list. ``load_mod`` of the result gives the
    same song back, apart from the changes listed there.
    """
    song = project.song
    channels = len(song.tracks)
    if channels > EXPORT_MAX_CHANNELS:
        _refuse(f"it has {channels} tracks, a MOD at most {EXPORT_MAX_CHANNELS} channels")
    if (song.speed_ticks, song.tempo_bpm) != (6, 125):
        _refuse(
            f"it starts at speed {song.speed_ticks} and {song.tempo_bpm} BPM, a MOD at 6 and "
            "125: set them with Fxx on the first row instead"
        )
    if len(song.instruments) > 31:
        _refuse(f"it has {len(song.instruments)} instruments, a MOD at most 31")
    if len(song.patterns) > ORDER_ENTRIES:
        _refuse(f"it has {len(song.patterns)} patterns, a MOD at most {ORDER_ENTRIES}")
    if len(song.order) > ORDER_ENTRIES:
        _refuse(f"its order has {len(song.order)} entries, a MOD at most {ORDER_ENTRIES}")
    order = _export_order(song, channels)

    headers: list[bytes] = []
    sample_data: list[bytes] = []
    for number in range(31):
        if number < len(song.instruments):
            header, pcm = _export_instrument(project, number)
        else:
            header, pcm = _SAMPLE_HEADER.pack(b"", 0, 0, 0, 0, 1), b""
        headers.append(header)
        sample_data.append(pcm)

    if channels == 4:
        signature = b"M.K." if len(song.patterns) <= 64 else b"M!K!"
    else:
        signature = f"{channels}{'CHN' if channels < 10 else 'CH'}".encode("ascii")
    encoded: dict[Cell, bytes] = {}
    patterns = [
        _export_pattern(pattern, index, encoded) for index, pattern in enumerate(song.patterns)
    ]
    return b"".join(
        [
            name_bytes(song.title, _TITLE_BYTES),
            *headers,
            bytes([len(song.order), song.restart_order]),
            bytes(order),
            signature,
            *patterns,
            *sample_data,
        ]
    )


def _refuse(reason: str) -> NoReturn:
    raise ModuleError(f"the song does not fit a MOD: {reason}")


def _export_order(song: Song, channels: int) -> list[int]:
    """The 128 order entries. Patterns past the highest one the song plays are kept by naming
    the last of them after the song's end, where ProTracker looks for patterns too."""
    restart = song.restart_order
    if restart == 0x7F or (restart == 0x78 and channels == 4):
        _refuse(f"restart_order {restart} reads back as no restart (ProTracker, NoiseTracker)")
    order = [*song.order, *[0] * (ORDER_ENTRIES - len(song.order))]
    if len(song.patterns) > max(song.order) + 1:
        if len(song.order) == ORDER_ENTRIES:
            _refuse(
                f"patterns after {max(song.order)} are not in the order, and with 128 order "
                "entries a MOD has no room to keep them"
            )
        order[len(song.order)] = len(song.patterns) - 1
    return order


def _export_instrument(project: Project, number: int) -> tuple[bytes, bytes]:
    instrument = project.song.instruments[number]
    where = f"instruments[{number}]"
    if isinstance(instrument, SynthInstrument):
        _refuse(f"{where} is a synth, a MOD holds only samples")
    ref = instrument.sample
    problems = [
        (ref.channels != 1, "is stereo, a MOD sample is mono"),
        (ref.frames > SAMPLE_MAX_FRAMES, f"has {ref.frames} frames, at most {SAMPLE_MAX_FRAMES}"),
        (
            ref.sample_rate_hz != C5_RATE_HZ,
            f"plays at {ref.sample_rate_hz} Hz, a MOD sample at {C5_RATE_HZ} Hz",
        ),
        (
            instrument.base_note != BASE_NOTE,
            f"has base note {note_name(instrument.base_note)}, a MOD sample {note_name(BASE_NOTE)}",
        ),
        (
            instrument.finetune % FINETUNE_STEP != 0,
            f"has finetune {instrument.finetune}, a MOD's steps are {FINETUNE_STEP} (1/8 semitone)",
        ),
        (instrument.pan != 0.0, "has a pan, a MOD sample none"),
        (instrument.filter.type != "off", "has a filter, a MOD sample none"),
        (
            instrument.amp_env not in (MOD_ENVELOPE, Envelope()),
            "has a shaped envelope, a MOD sample none",
        ),
        (
            instrument.lfo.destination != "off" and instrument.lfo.depth > 0,
            "has an LFO, a MOD sample none",
        ),
        (instrument.loop == "pingpong", "loops back and forth, a MOD loop only forward"),
    ]
    for failed, reason in problems:
        if failed:
            _refuse(f"{where} {reason}")
    audio = project.samples.get(ref.sha256)
    if audio is None or audio.frames.shape != (ref.frames, 1):
        _refuse(f"{where}: its audio is not loaded")
    pcm = canonical_pcm(audio.frames, "pcm8").tobytes()
    if len(pcm) <= 2:
        pcm = b""  # the silent frame of an empty slot; players read one word as empty anyway
    pcm += b"\x00" * (len(pcm) % 2)
    loop_start, loop_words = 0, 1  # ProTracker's "no loop"
    if instrument.loop == "forward":
        start, end = instrument.loop_start_frames, instrument.loop_end_frames
        if start % 2 or end % 2 or end - start < 4:
            _refuse(
                f"{where} loops over frames {start}..{end}, a MOD loop starts and ends on even "
                "frames and is at least 4 long"
            )
        loop_start, loop_words = start // 2, (end - start) // 2
    header = _SAMPLE_HEADER.pack(
        name_bytes(instrument.name, _NAME_BYTES),
        len(pcm) // 2,
        (instrument.finetune // FINETUNE_STEP) & 0x0F,
        round(instrument.volume * VOLUME_MAX),
        loop_start,
        loop_words,
    )
    return header, pcm


def _export_pattern(pattern: Pattern, index: int, encoded: dict[Cell, bytes]) -> bytes:
    if len(pattern.rows) != PATTERN_ROWS:
        _refuse(f"patterns[{index}] has {len(pattern.rows)} rows, a MOD pattern {PATTERN_ROWS}")
    if pattern.automation:
        _refuse(f"patterns[{index}] has automation, a MOD none")
    out = bytearray()
    for r, row in enumerate(pattern.rows):
        for t, cell in enumerate(row):
            raw = encoded.get(cell)
            if raw is None:
                raw = _export_cell(cell, f"patterns[{index}].rows[{r}]: track {t}")
                encoded[cell] = raw
            out += raw
    return bytes(out)


def _export_cell(cell: Cell, where: str) -> bytes:
    period = 0
    if cell.note in (NOTE_OFF, NOTE_CUT):
        _refuse(f"{where}: {note_name(cell.note)} (note off or cut) has no MOD equivalent")
    if cell.note is not None:
        if not NOTE_LOW <= cell.note <= NOTE_HIGH:
            _refuse(
                f"{where}: note {note_name(cell.note)} is outside a MOD's "
                f"{note_name(NOTE_LOW)}..{note_name(NOTE_HIGH)}"
            )
        period = PERIODS[cell.note - NOTE_LOW]
    effects: Sequence[Effect] = [effect for effect in cell.effects if effect is not None]
    if cell.volume is not None:
        if effects:
            _refuse(f"{where}: has a volume and an effect, a MOD cell holds one effect")
        effects = [Effect(command="C", param=cell.volume)]  # the same tick-0 volume set
    if len(effects) > 1:
        _refuse(f"{where}: has {len(effects)} effects, a MOD cell holds one")
    command = param = 0
    if effects:
        effect = effects[0]
        command = EFFECT_COMMANDS.index(effect.command)
        if command > 0x0F:
            _refuse(f"{where}: effect {effect.command}{effect.param:02X} has no MOD equivalent")
        param = effect.param
    sample = cell.instrument or 0
    return bytes(
        [(sample & 0x10) | (period >> 8), period & 0xFF, ((sample & 0x0F) << 4) | command, param]
    )


def name_bytes(text: str, size: int) -> bytes:
    """A name as a module stores it: Latin-1 (others as ``?``), cut to ``size``, NUL padded."""
    return text.encode("latin-1", "replace")[:size].ljust(size, b"\x00")
