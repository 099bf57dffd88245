"""Instruments: subtractive synths and samples, with the filter, envelopes and LFO they share.

Field names, ranges and units match ``tk_instrument`` in ``dsp_c/tk_dsp.h``; the engine copies
them across one to one. An instrument's number in a cell is its index in
``Song.instruments`` plus one.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal, Self

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

WAVETABLE_MIN_FRAMES: Final = 2
WAVETABLE_MAX_FRAMES: Final = 4096
SAMPLE_MAX_FRAMES: Final = 2**31
ENVELOPE_MAX_S: Final = 20.0


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


class SampleInstrument(StrictModel):
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

    @model_validator(mode="after")
    def _loop_inside_sample(self) -> Self:
        if self.loop == "none":
            return self
        start, end, frames = self.loop_start_frames, self.loop_end_frames, self.sample.frames
        if not start < end <= frames:
            raise ValueError(
                f"loop_start_frames..loop_end_frames ({start}..{end}) must satisfy "
                f"start < end <= sample.frames ({frames}) while loop is {self.loop!r}"
            )
        return self


Instrument = Annotated[SynthInstrument | SampleInstrument, Field(discriminator="kind")]
