"""Hypothesis strategies for songs and projects, shared by the model, io and engine tests.

Sizes are small by default so a property test of a hundred examples runs in about a second.
``songs()`` gives valid Song objects (sample instruments refer to made-up hashes unless
``sample_refs`` is given); ``projects()`` gives a Project whose sample instruments refer to
real decoded audio, ready for save_project or the engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

from tracker.io.project import Project
from tracker.io.samples import SampleAudio, format_for_bit_depth, sample_hash
from tracker.model import (
    EFFECT_COMMANDS,
    NOTE_CUT,
    NOTE_MAX,
    NOTE_OFF,
    Cell,
    Effect,
    Envelope,
    Filter,
    Lfo,
    Oscillator,
    Pattern,
    SampleInstrument,
    SampleRef,
    Song,
    SynthInstrument,
    Track,
)
from tracker.model.instrument import BitDepth, LoopMode

BIT_DEPTHS: tuple[BitDepth, ...] = ("pcm8", "pcm16", "pcm24", "float32")
LOOP_MODES: tuple[LoopMode, ...] = ("none", "forward", "pingpong")
_SCALE = {"pcm8": 2**7, "pcm16": 2**15, "pcm24": 2**23}

names = st.text(max_size=12)


def unit(low: float = 0.0, high: float = 1.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


notes = st.one_of(st.none(), st.integers(0, NOTE_MAX), st.sampled_from([NOTE_OFF, NOTE_CUT]))
effects = st.builds(Effect, command=st.sampled_from(EFFECT_COMMANDS), param=st.integers(0, 255))


@st.composite
def cells(draw: st.DrawFn, effect_columns: int = 4, instruments: int = 255) -> Cell:
    """A cell that fits a track with ``effect_columns`` columns and a song with that many
    instruments (numbers 1..instruments)."""
    instrument = st.none() if instruments == 0 else st.integers(1, instruments)
    return Cell(
        note=draw(notes),
        instrument=draw(st.one_of(st.none(), instrument)),
        volume=draw(st.one_of(st.none(), st.integers(0, 64))),
        effects=tuple(draw(st.lists(st.one_of(st.none(), effects), max_size=effect_columns))),
    )


@st.composite
def patterns(
    draw: st.DrawFn, effect_columns: Sequence[int], instruments: int, max_rows: int = 8
) -> Pattern:
    rows = draw(st.integers(1, max_rows))
    cell_rows = [
        [draw(cells(columns, instruments)) for columns in effect_columns] for _ in range(rows)
    ]
    return Pattern(name=draw(names), rows=cell_rows)


tracks = st.builds(
    Track,
    name=names,
    volume=unit(),
    pan=unit(-1, 1),
    mute=st.booleans(),
    solo=st.booleans(),
    effect_columns=st.integers(1, 4),
)
oscillators = st.builds(
    Oscillator,
    wave=st.sampled_from(["sine", "triangle", "saw", "pulse", "noise", "wavetable", "off"]),
    coarse_semitones=st.integers(-48, 48),
    fine_cents=unit(-100, 100),
    level=unit(),
    pulse_width=unit(0.01, 0.99),
)
filters = st.builds(
    Filter,
    type=st.sampled_from(["off", "lowpass", "bandpass", "highpass"]),
    cutoff_hz=unit(20, 20000),
    resonance=unit(),
    drive=unit(),
)
envelopes = st.builds(
    Envelope, attack_s=unit(0, 20), decay_s=unit(0, 20), sustain=unit(), release_s=unit(0, 20)
)
lfos = st.builds(
    Lfo,
    shape=st.sampled_from(["sine", "triangle", "saw", "square", "random"]),
    destination=st.sampled_from(["off", "pitch", "cutoff", "amp", "pulse_width"]),
    rate_hz=unit(0.01, 50),
    depth=unit(),
)


@st.composite
def synth_instruments(draw: st.DrawFn) -> SynthInstrument:
    osc1, osc2 = draw(oscillators), draw(oscillators)
    uses_table = "wavetable" in (osc1.wave, osc2.wave)
    table = st.lists(unit(-1, 1), min_size=2, max_size=16)
    return SynthInstrument(
        name=draw(names),
        volume=draw(unit()),
        pan=draw(unit(-1, 1)),
        osc1=osc1,
        osc2=osc2,
        osc_mode=draw(st.sampled_from(["mix", "sync", "ring"])),
        wavetable=draw(table if uses_table else st.one_of(st.none(), table)),
        glide_s=draw(unit(0, 10)),
        filter=draw(filters),
        amp_env=draw(envelopes),
        filter_env=draw(envelopes),
        filter_env_octaves=draw(unit(-8, 8)),
        lfo=draw(lfos),
    )


@st.composite
def sample_refs(draw: st.DrawFn) -> SampleRef:
    """A well-formed reference to audio that does not exist (for model-only tests)."""
    bit_depth = draw(st.sampled_from(BIT_DEPTHS))
    return SampleRef(
        sha256=draw(st.text("0123456789abcdef", min_size=64, max_size=64)),
        name=draw(names),
        format=format_for_bit_depth(bit_depth),
        frames=draw(st.integers(1, 2**31)),
        channels=draw(st.sampled_from([1, 2])),
        sample_rate_hz=draw(st.integers(1000, 384000)),
        bit_depth=bit_depth,
    )


@st.composite
def sample_instruments(draw: st.DrawFn, ref: SampleRef) -> SampleInstrument:
    loop = draw(st.sampled_from(LOOP_MODES))
    if loop == "none":  # the range is kept but not checked while the loop is off
        start, end = draw(st.integers(0, ref.frames)), draw(st.integers(0, ref.frames))
    else:
        end = draw(st.integers(1, ref.frames))
        start = draw(st.integers(0, end - 1))
    return SampleInstrument(
        name=draw(names),
        volume=draw(unit()),
        pan=draw(unit(-1, 1)),
        sample=ref,
        base_note=draw(st.integers(0, NOTE_MAX)),
        finetune=draw(st.integers(-128, 127)),
        loop=loop,
        loop_start_frames=start,
        loop_end_frames=end,
        filter=draw(filters),
        amp_env=draw(envelopes),
        filter_env=draw(envelopes),
        filter_env_octaves=draw(unit(-8, 8)),
        lfo=draw(lfos),
    )


@st.composite
def songs(
    draw: st.DrawFn,
    max_tracks: int = 4,
    max_patterns: int = 3,
    max_rows: int = 8,
    max_instruments: int = 3,
    refs: Sequence[SampleRef] | None = None,
) -> Song:
    """A valid song. Sample instruments use ``refs`` when given, else made-up references."""
    song_tracks = draw(st.lists(tracks, min_size=1, max_size=max_tracks))
    if refs is None:  # made up, but one hash never names two different sounds
        refs = draw(st.lists(sample_refs(), max_size=2, unique_by=lambda ref: ref.sha256))
    instrument = (
        st.one_of(synth_instruments(), st.sampled_from(refs).flatmap(sample_instruments))
        if refs
        else synth_instruments()
    )
    instruments = draw(st.lists(instrument, max_size=max_instruments))
    # every ref is used, so all of a project's samples are saved
    instruments += [draw(sample_instruments(ref)) for ref in refs]
    columns = [track.effect_columns for track in song_tracks]
    song_patterns = draw(
        st.lists(patterns(columns, len(instruments), max_rows), min_size=1, max_size=max_patterns)
    )
    order = draw(st.lists(st.integers(0, len(song_patterns) - 1), min_size=1, max_size=8))
    return Song(
        title=draw(names),
        author=draw(names),
        tempo_bpm=draw(st.integers(32, 255)),
        speed_ticks=draw(st.integers(1, 31)),
        rows_per_beat=draw(st.integers(1, 32)),
        rows_per_bar=draw(st.integers(1, 256)),
        master_volume=draw(unit(0, 2)),
        interpolation=draw(st.sampled_from(["linear", "cubic"])),
        tracks=song_tracks,
        instruments=instruments,
        patterns=song_patterns,
        order=order,
        restart_order=draw(st.integers(0, len(order) - 1)),
    )


@st.composite
def sample_audio(draw: st.DrawFn, bit_depth: BitDepth, max_frames: int = 64) -> SampleAudio:
    """Audio exactly representable at ``bit_depth`` (integers / full scale, or any float32)."""
    frames = draw(st.integers(1, max_frames))
    channels = draw(st.sampled_from([1, 2]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if bit_depth == "float32":
        data = rng.uniform(-1.5, 1.5, (frames, channels)).astype(np.float32)
    else:
        scale = _SCALE[bit_depth]
        ints = rng.integers(-scale, scale, (frames, channels))
        data = (ints / scale).astype(np.float32)
    rate = draw(st.sampled_from([8000, 22050, 44100, 48000, 96000]))
    return SampleAudio(frames=data, sample_rate_hz=rate)


def ref_for(audio: SampleAudio, bit_depth: BitDepth, name: str = "") -> SampleRef:
    return SampleRef(
        sha256=sample_hash(audio, bit_depth),
        name=name,
        format=format_for_bit_depth(bit_depth),
        frames=audio.frames.shape[0],
        channels=1 if audio.channels == 1 else 2,
        sample_rate_hz=audio.sample_rate_hz,
        bit_depth=bit_depth,
    )


@st.composite
def projects(draw: st.DrawFn, /, max_samples: int = 2, **song_limits: int) -> Project:
    """A project whose sample instruments all refer to audio in ``project.samples``."""
    samples: dict[str, SampleAudio] = {}
    refs: list[SampleRef] = []
    for bit_depth in draw(st.lists(st.sampled_from(BIT_DEPTHS), max_size=max_samples)):
        audio = draw(sample_audio(bit_depth))
        ref = ref_for(audio, bit_depth, draw(names))
        samples.setdefault(ref.sha256, audio)
        refs.append(ref)
    song = draw(songs(refs=refs, **song_limits))
    return Project(song=song, samples=samples)
