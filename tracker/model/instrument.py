"""Instruments: subtractive synths and samples, with the filter, envelopes and LFO they share.

Field names, ranges and units match ``tk_instrument`` in ``dsp_c/tk_dsp.h``; the engine copies
them across one to one. An instrument's number in a cell is its index in
``Song.instruments`` plus one.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, Self

from pydantic import Field, model_validator

from tracker.model.base import NAME_MAX_CHARS, StrictModel
from tracker.model.notes import NOTE_MAX, NOTE_MIN

Wave = Literal["sine", "triangle", "saw", "pulse", "noise", "wavetable", "off"]
OscMode = Literal["mix", "sync", "ring"]
FilterType = Literal["off", "lowpass", "bandpass", "highpass"]
LfoShape = Literal["sine", "triangle", "saw", "square", "random"]
LfoDestination = Literal["off", "pitch", "cutoff", "amp", "pulse_width"]
LoopMode = Literal["none", "forward", "pingpong"]
SampleFormat = Literal["flac", "wav"]
BitDepth = Literal["pcm8", "pcm16", "pcm24", "float32"]

EnvelopeLoop = Literal["none", "forward"]
VibratoWave = Literal["sine", "square", "ramp_down", "ramp_up"]

WAVETABLE_MIN_FRAMES: Final = 2
WAVETABLE_MAX_FRAMES: Final = 4096
SAMPLE_MAX_FRAMES: Final = 2**31
ENVELOPE_MAX_S: Final = 20.0
ENVELOPE_MAX_POINTS: Final = 32
ENVELOPE_MAX_TICKS: Final = 65535
KEYMAP_NOTES: Final = NOTE_MAX + 1
MAX_ZONES: Final = 127


class Oscillator(StrictModel):
    wave: Wave = "saw"
    coarse_semitones: int = Field(default=0, ge=-48, le=48)
    fine_cents: float = Field(default=0.0, ge=-100.0, le=100.0)
    level: float = Field(default=1.0, ge=0.0, le=1.0)
    pulse_width: float = Field(default=0.5, ge=0.01, le=0.99)


class Filter(StrictModel):
    type: FilterType = "off"
    cutoff_hz: float = Field(default=20000.0, ge=20.0, le=20000.0)
    resonance: float = Field(default=0.0, ge=0.0, le=1.0)
    drive: float = Field(default=0.0, ge=0.0, le=1.0)


class Envelope(StrictModel):
    """ADSR; fields in the order of ``tk_adsr``. Zero times are instant steps."""

    attack_s: float = Field(default=0.002, ge=0.0, le=ENVELOPE_MAX_S)
    decay_s: float = Field(default=0.2, ge=0.0, le=ENVELOPE_MAX_S)
    sustain: float = Field(default=1.0, ge=0.0, le=1.0)
    release_s: float = Field(default=0.05, ge=0.0, le=ENVELOPE_MAX_S)


class Lfo(StrictModel):
    shape: LfoShape = "sine"
    destination: LfoDestination = "off"
    rate_hz: float = Field(default=5.0, ge=0.01, le=50.0)
    depth: float = Field(default=0.0, ge=0.0, le=1.0)


class EnvelopePoint(StrictModel, frozen=True):
    tick: int = Field(ge=0, le=ENVELOPE_MAX_TICKS)
    value: float = Field(ge=0.0, le=1.0)
    """Volume: 0..1 of full; pan: 0 left, 0.5 centre, 1 right."""


class PointEnvelope(StrictModel):
    """A drawn envelope, FastTracker II style: points in ticks from the note's start.

    It moves one tick per replayer tick, so it follows the song's tempo. While the key is
    held it stops at the ``sustain`` point; ``loop_start``..``loop_end`` (point indices) repeat
    until the envelope is released (and after, unless sustain holds it first).
    """

    points: list[EnvelopePoint] = Field(min_length=1, max_length=ENVELOPE_MAX_POINTS)
    sustain: int | None = Field(default=None, ge=0)
    loop_start: int | None = Field(default=None, ge=0)
    loop_end: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _points_fit(self) -> Self:
        for before, after in zip(self.points, self.points[1:], strict=False):
            if after.tick <= before.tick:
                raise ValueError(f"point at tick {after.tick} follows tick {before.tick}")
        last = len(self.points) - 1
        for label in ("sustain", "loop_start", "loop_end"):
            index = getattr(self, label)
            if index is not None and index > last:
                raise ValueError(f"{label}: point {index} does not exist (last is {last})")
        if (self.loop_start is None) != (self.loop_end is None):
            raise ValueError("loop_start and loop_end are set together or not at all")
        start, end = self.loop_start, self.loop_end
        if start is not None and end is not None and start > end:
            raise ValueError(f"loop_start {start} is after loop_end {end}")
        return self


class AutoVibrato(StrictModel):
    """Vibrato every note of the instrument gets by itself (FastTracker II's sample vibrato)."""

    wave: VibratoWave = "sine"
    rate: int = Field(default=0, ge=0, le=255)
    """Steps per tick through a 256-step cycle."""
    depth: int = Field(default=0, ge=0, le=15)
    """At FastTracker II's scale: 15 swings ±15/64 semitone (about ±23 cents) once
    ``sweep_ticks`` have passed."""
    sweep_ticks: int = Field(default=0, ge=0, le=65535)
    """Ticks from the note's start to full depth; 0: full depth at once."""


def _osc2_default() -> Oscillator:
    return Oscillator(wave="off")


class SynthInstrument(StrictModel):
    kind: Literal["synth"] = "synth"
    name: str = Field(default="", max_length=NAME_MAX_CHARS)
    volume: float = Field(default=0.8, ge=0.0, le=1.0)
    pan: float = Field(default=0.0, ge=-1.0, le=1.0)
    osc1: Oscillator = Field(default_factory=Oscillator)
    osc2: Oscillator = Field(default_factory=_osc2_default)
    osc_mode: OscMode = "mix"
    # One cycle, read by an oscillator whose wave is "wavetable". Kept when no oscillator
    # uses it, so switching a wave away and back does not lose the table.
    wavetable: (
        Annotated[
            list[Annotated[float, Field(ge=-1.0, le=1.0)]],
            Field(min_length=WAVETABLE_MIN_FRAMES, max_length=WAVETABLE_MAX_FRAMES),
        ]
        | None
    ) = None
    glide_s: float = Field(default=0.0, ge=0.0, le=10.0)
    filter: Filter = Field(default_factory=Filter)
    amp_env: Envelope = Field(default_factory=Envelope)
    filter_env: Envelope = Field(default_factory=Envelope)
    filter_env_octaves: float = Field(default=0.0, ge=-8.0, le=8.0)
    lfo: Lfo = Field(default_factory=Lfo)

    @model_validator(mode="after")
    def _wavetable_present_when_used(self) -> Self:
        for label, osc in (("osc1", self.osc1), ("osc2", self.osc2)):
            if osc.wave == "wavetable" and self.wavetable is None:
                raise ValueError(f"{label}.wave is 'wavetable' but the instrument has no wavetable")
        return self


class SampleRef(StrictModel):
    """Where a sample's audio is: ``<project>.samples/<sha256>.<format>``.

    The hash is over a canonical form of the audio (see tracker.io.samples), not the file's
    bytes, so it names the sound itself and the pattern keeps any path out of the file.
    """

    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    name: str = Field(default="", max_length=NAME_MAX_CHARS)  # the imported file's name
    format: SampleFormat
    frames: int = Field(ge=1, le=SAMPLE_MAX_FRAMES)
    channels: Literal[1, 2]
    sample_rate_hz: int = Field(ge=1000, le=384000)
    bit_depth: BitDepth

    @model_validator(mode="after")
    def _flac_holds_integers(self) -> Self:
        if self.format == "flac" and self.bit_depth == "float32":
            raise ValueError("bit_depth 'float32' needs format 'wav': FLAC stores integers only")
        return self


class SampleZone(StrictModel):
    """A further sample of a multi-sample instrument, played for the notes the keymap gives it
    (an XM instrument's samples beyond its first). Fields as on SampleInstrument."""

    sample: SampleRef
    volume: float = Field(default=1.0, ge=0.0, le=1.0)
    pan: float = Field(default=0.0, ge=-1.0, le=1.0)
    base_note: int = Field(default=60, ge=NOTE_MIN, le=NOTE_MAX)
    finetune: int = Field(default=0, ge=-128, le=127)
    loop: LoopMode = "none"
    loop_start_frames: int = Field(default=0, ge=0, le=SAMPLE_MAX_FRAMES)
    loop_end_frames: int = Field(default=0, ge=0, le=SAMPLE_MAX_FRAMES)

    @model_validator(mode="after")
    def _loop_inside_sample(self) -> Self:
        _check_loop(self.loop, self.loop_start_frames, self.loop_end_frames, self.sample.frames)
        return self


def _check_loop(loop: LoopMode, start: int, end: int, frames: int) -> None:
    if loop != "none" and not start < end <= frames:
        raise ValueError(
            f"loop_start_frames..loop_end_frames ({start}..{end}) must satisfy "
            f"start < end <= sample.frames ({frames}) while loop is {loop!r}"
        )


class SampleInstrument(StrictModel):
    """One sample (or, with zones and a keymap, several) with the shared filter, envelopes and
    LFO, and the drawn envelopes, fadeout and auto-vibrato of FastTracker II instruments."""

    kind: Literal["sample"] = "sample"
    name: str = Field(default="", max_length=NAME_MAX_CHARS)
    volume: float = Field(default=0.8, ge=0.0, le=1.0)
    pan: float = Field(default=0.0, ge=-1.0, le=1.0)
    sample: SampleRef
    base_note: int = Field(default=60, ge=NOTE_MIN, le=NOTE_MAX)  # plays at sample_rate_hz
    finetune: int = Field(default=0, ge=-128, le=127)  # 1/128 semitone
    loop: LoopMode = "none"
    # The loop covers [start, end); checked against the sample only while a loop is on.
    loop_start_frames: int = Field(default=0, ge=0, le=SAMPLE_MAX_FRAMES)
    loop_end_frames: int = Field(default=0, ge=0, le=SAMPLE_MAX_FRAMES)
    filter: Filter = Field(default_factory=Filter)
    amp_env: Envelope = Field(default_factory=Envelope)
    filter_env: Envelope = Field(default_factory=Envelope)
    filter_env_octaves: float = Field(default=0.0, ge=-8.0, le=8.0)
    lfo: Lfo = Field(default_factory=Lfo)
    volume_envelope: PointEnvelope | None = None
    """Drawn volume envelope in ticks; when set it shapes the note instead of ``amp_env``."""
    pan_envelope: PointEnvelope | None = None
    """Drawn pan envelope in ticks (0.5 is the note's own pan)."""
    fadeout: float = Field(default=0.0, ge=0.0, le=1.0)
    """After the key is released, the note loses this share of its full volume per tick
    (0: never fades; FastTracker II's fadeout / 32768)."""
    auto_vibrato: AutoVibrato | None = None
    zones: list[SampleZone] = Field(default_factory=list, max_length=MAX_ZONES)
    keymap: list[Annotated[int, Field(ge=0, le=MAX_ZONES)]] | None = Field(
        default=None, min_length=KEYMAP_NOTES, max_length=KEYMAP_NOTES
    )
    """Which sample each note 0..119 plays: 0 this instrument's own, n ``zones[n - 1]``;
    None: its own for every note."""

    @model_validator(mode="after")
    def _parts_fit(self) -> Self:
        _check_loop(self.loop, self.loop_start_frames, self.loop_end_frames, self.sample.frames)
        for note, zone in enumerate(self.keymap or ()):
            if zone > len(self.zones):
                raise ValueError(
                    f"keymap[{note}]: zone {zone} does not exist (the instrument has "
                    f"{len(self.zones)} zones)"
                )
        return self


Instrument = Annotated[SynthInstrument | SampleInstrument, Field(discriminator="kind")]


SAMPLE_FIELDS: Final = (
    "sample", "volume", "pan", "base_note", "finetune", "loop", "loop_start_frames",
    "loop_end_frames",
)  # fmt: skip
"""What a SampleInstrument and a SampleZone both say about their sample."""


def sample_fields(part: SampleInstrument | SampleZone) -> dict[str, Any]:
    """The SAMPLE_FIELDS of an instrument or zone, to build the other kind from."""
    return {name: getattr(part, name) for name in SAMPLE_FIELDS}


def sample_refs_of(instrument: SampleInstrument) -> list[SampleRef]:
    """The instrument's own sample, then its zones'."""
    return [instrument.sample, *(zone.sample for zone in instrument.zones)]
