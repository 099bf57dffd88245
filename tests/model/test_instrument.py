from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from tracker.model import (
    Envelope,
    Filter,
    Instrument,
    Lfo,
    Oscillator,
    SampleInstrument,
    SampleRef,
    SynthInstrument,
)

SHA = "0" * 64
REF = SampleRef(
    sha256=SHA,
    name="kick.wav",
    format="flac",
    frames=1000,
    channels=1,
    sample_rate_hz=44100,
    bit_depth="pcm16",
)


def test_synth_defaults() -> None:
    synth = SynthInstrument()
    assert synth.osc1.wave == "saw"
    assert synth.osc2.wave == "off"
    assert synth.filter == Filter(type="off", cutoff_hz=20000, resonance=0, drive=0)
    assert synth.amp_env == Envelope(attack_s=0.002, decay_s=0.2, sustain=1.0, release_s=0.05)
    assert synth.lfo == Lfo(shape="sine", destination="off", rate_hz=5, depth=0)
    assert synth.wavetable is None


def test_sample_defaults() -> None:
    sample = SampleInstrument(sample=REF)
    assert (sample.base_note, sample.finetune, sample.loop) == (60, 0, "none")
    assert (sample.amp_env.sustain, sample.amp_env.release_s) == (1.0, 0.05)


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Oscillator, {"coarse_semitones": 49}),
        (Oscillator, {"coarse_semitones": 1.0}),
        (Oscillator, {"fine_cents": -100.5}),
        (Oscillator, {"level": 1.01}),
        (Oscillator, {"pulse_width": 0.0}),
        (Oscillator, {"wave": "square"}),
        (Filter, {"cutoff_hz": 19.9}),
        (Filter, {"cutoff_hz": float("inf")}),
        (Filter, {"resonance": float("nan")}),
        (Filter, {"type": "notch"}),
        (Envelope, {"attack_s": -0.1}),
        (Envelope, {"release_s": 20.5}),
        (Envelope, {"sustain": 2}),
        (Lfo, {"rate_hz": 0}),
        (Lfo, {"destination": "volume"}),
        (SynthInstrument, {"volume": 1.5}),
        (SynthInstrument, {"pan": -1.1}),
        (SynthInstrument, {"glide_s": 11}),
        (SynthInstrument, {"filter_env_octaves": 9}),
        (SynthInstrument, {"name": "x" * 257}),
        (SynthInstrument, {"osc_mode": "fm"}),
        (SynthInstrument, {"wavetable": [0.0]}),
        (SynthInstrument, {"wavetable": [0.0] * 4097}),
        (SynthInstrument, {"wavetable": [0.0, 1.5]}),
        (SynthInstrument, {"unknown": 1}),
        (SynthInstrument, {"volume": "0.5"}),
    ],
)
def test_ranges(model: type[Any], fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model(**fields)


def test_wavetable_required_when_an_oscillator_reads_it() -> None:
    with pytest.raises(ValidationError, match=r"osc2\.wave is 'wavetable'"):
        SynthInstrument(osc2=Oscillator(wave="wavetable"))
    synth = SynthInstrument(osc1=Oscillator(wave="wavetable"), wavetable=[-1.0, 1.0])
    assert synth.wavetable == [-1.0, 1.0]


def test_wavetable_kept_when_unused() -> None:
    assert SynthInstrument(wavetable=[0.0, 0.5]).wavetable == [0.0, 0.5]


@pytest.mark.parametrize(
    "fields",
    [
        {"sha256": "../../etc/passwd"},
        {"sha256": "A" * 64},
        {"sha256": "0" * 63},
        {"frames": 0},
        {"frames": 2**31 + 1},
        {"channels": 3},
        {"sample_rate_hz": 999},
        {"sample_rate_hz": 384001},
        {"bit_depth": "pcm32"},
        {"format": "mp3"},
        {"bit_depth": "float32"},  # with format flac
        {"name": "x" * 257},
    ],
)
def test_sample_ref_rejects(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SampleRef.model_validate({**REF.model_dump(), **fields})


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [(0, 1000, True), (999, 1000, True), (10, 10, False), (11, 10, False), (0, 1001, False)],
)
def test_loop_must_lie_inside_the_sample(start: int, end: int, ok: bool) -> None:
    def build() -> SampleInstrument:
        return SampleInstrument(
            sample=REF, loop="forward", loop_start_frames=start, loop_end_frames=end
        )

    if ok:
        build()
    else:
        with pytest.raises(ValidationError, match="loop_start_frames"):
            build()


def test_loop_range_unchecked_while_off() -> None:
    SampleInstrument(sample=REF, loop="none", loop_start_frames=50, loop_end_frames=10)


def test_turning_a_loop_on_checks_the_range() -> None:
    sample = SampleInstrument(sample=REF, loop_start_frames=50, loop_end_frames=10)
    with pytest.raises(ValidationError):
        sample.loop = "pingpong"


def test_instrument_union_is_chosen_by_kind() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(Instrument)
    assert isinstance(adapter.validate_python({"kind": "synth"}), SynthInstrument)
    sample = adapter.validate_python({"kind": "sample", "sample": REF.model_dump()})
    assert isinstance(sample, SampleInstrument)
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "fm"})
    with pytest.raises(ValidationError):
        adapter.validate_python({"name": "no kind"})
