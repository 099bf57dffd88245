"""Parameter ids (tracker.model.params): every parameter of a song reads, writes and maps to
0..1 and back; the table agrees with the model; bad ids say what is wrong in one line."""

from __future__ import annotations

import math

import pytest
from annotated_types import Ge, Le
from pydantic import BaseModel

from tracker.demo import demo_song
from tracker.model import Filter, Lfo, Oscillator, SampleInstrument, SampleRef, Song
from tracker.model import edit as ed
from tracker.model.instrument import Envelope, SynthInstrument
from tracker.model.params import (
    INSTRUMENT_PARAMS,
    SONG_PARAMS,
    TRACK_PARAMS,
    ParamError,
    ParamSpec,
    find_param,
    parse_id,
    read_normalised,
    read_param,
    renumber,
    song_params,
    write_param,
)
from tracker.model.song import Track

SAMPLE = SampleInstrument(
    name="kick",
    sample=SampleRef(
        sha256="ab" * 32,
        format="flac",
        frames=100,
        channels=1,
        sample_rate_hz=44100,
        bit_depth="pcm16",
    ),
)


def song_with_sample() -> Song:
    song, _ = ed.add_instrument(demo_song(), SAMPLE)
    return song


def test_the_demo_song_lists_every_parameter_once() -> None:
    song = song_with_sample()
    ids = [param.id for param in song_params(song)]

    assert len(ids) == len(set(ids))
    assert ids[:2] == ["tempo", "master.volume"]
    assert "track.9.solo" in ids and "track.10.volume" not in ids
    assert "instrument.1.filter.cutoff_hz" in ids
    assert "instrument.1.osc2.coarse_semitones" in ids
    sample = len(song.instruments)
    assert f"instrument.{sample}.amp_env.release_s" in ids
    assert f"instrument.{sample}.osc1.level" not in ids  # samples have no oscillators
    assert f"instrument.{sample}.glide_s" not in ids
    per_synth = len([s for s in INSTRUMENT_PARAMS if "synth" in s.kinds])
    per_sample = len([s for s in INSTRUMENT_PARAMS if "sample" in s.kinds])
    expected = (
        len(SONG_PARAMS)
        + len(TRACK_PARAMS) * len(song.tracks)
        + per_synth * (len(song.instruments) - 1)
        + per_sample
    )
    assert len(ids) == expected


@pytest.mark.parametrize("position", [0.0, 0.3, 0.77, 1.0])
def test_every_parameter_of_the_demo_writes_reads_and_round_trips(position: float) -> None:
    song = written = song_with_sample()
    for param in song_params(song):
        written = write_param(written, param.id, param.spec.from_normalised(position))
    for param in song_params(song):
        spec = param.spec
        assert read_param(written, param.id) == spec.from_normalised(position), param.id
        # Ints and bools land on a step of their range; floats keep six digits.
        tolerance = {"int": 0.5 / (spec.high - spec.low), "bool": 0.5}.get(spec.kind, 1e-4)
        back = read_normalised(written, param.id)
        assert back == pytest.approx(position, abs=tolerance), param.id
    assert Song.model_validate(written.model_dump()) == written  # still a valid song


def test_a_write_changes_only_its_value_and_shares_the_rest() -> None:
    song = demo_song()
    written = write_param(song, "instrument.2.filter.cutoff_hz", 1234.5)

    assert written.instruments[1].filter.cutoff_hz == 1234.5
    assert written.instruments[1].amp_env is song.instruments[1].amp_env
    assert written.instruments[0] is song.instruments[0]
    assert written.patterns is song.patterns
    assert song.instruments[1].filter.cutoff_hz != 1234.5  # the input is untouched


def test_writing_the_current_value_returns_the_same_song() -> None:
    song = demo_song()
    assert write_param(song, "track.1.volume", song.tracks[0].volume) is song
    assert write_param(song, "tempo", song.tempo_bpm) is song


def test_values_are_clamped_rounded_and_typed_as_the_model_wants() -> None:
    song = demo_song()
    assert write_param(song, "tempo", 300.4).tempo_bpm == 255
    assert write_param(song, "tempo", 99.6).tempo_bpm == 100
    assert write_param(song, "track.1.volume", -3.0).tracks[0].volume == 0.0
    assert write_param(song, "track.2.mute", 0.7).tracks[1].mute is True
    assert write_param(song, "track.2.mute", 0.2).tracks[1].mute is False
    assert write_param(song, "master.volume", 1 / 3).master_volume == 0.333333
    coarse = write_param(song, "instrument.1.osc1.coarse_semitones", -12.4)
    assert coarse.instruments[0].osc1.coarse_semitones == -12
    with pytest.raises(ParamError, match="not a number"):
        write_param(song, "track.1.volume", math.nan)


def test_frequencies_and_times_are_on_a_log_curve() -> None:
    cutoff = find_param(demo_song(), "instrument.1.filter.cutoff_hz").spec
    assert cutoff.from_normalised(0.5) == pytest.approx(math.sqrt(20 * 20000), rel=1e-5)
    assert cutoff.from_normalised(0.0) == 20.0 and cutoff.from_normalised(1.0) == 20000.0
    attack = find_param(demo_song(), "instrument.1.amp_env.attack_s").spec
    assert attack.from_normalised(0.0) == 0.0 and attack.from_normalised(1.0) == 20.0
    # Half-way is well under the linear 10 s: the travel is spread over what is heard.
    assert 0.05 < float(attack.from_normalised(0.5)) < 0.5
    volume = find_param(demo_song(), "track.1.volume").spec
    assert volume.from_normalised(0.5) == 0.5


def _bounds(model: type[BaseModel], field: str) -> tuple[float, float]:
    metadata = model.model_fields[field].metadata
    low = next(m.ge for m in metadata if isinstance(m, Ge))
    high = next(m.le for m in metadata if isinstance(m, Le))
    return float(low), float(high)  # type: ignore[arg-type]


def _model_of(spec: ParamSpec, scope: str) -> tuple[type[BaseModel], str]:
    *parents, leaf = spec.path.split(".")
    owners: dict[str, type[BaseModel]] = {
        "osc1": Oscillator,
        "osc2": Oscillator,
        "filter": Filter,
        "amp_env": Envelope,
        "filter_env": Envelope,
        "lfo": Lfo,
    }
    if parents:
        return owners[parents[0]], leaf
    return {"song": Song, "track": Track, "instrument": SynthInstrument}[scope], leaf


@pytest.mark.parametrize(
    ("spec", "scope"),
    [(s, "song") for s in SONG_PARAMS]
    + [(s, "track") for s in TRACK_PARAMS if s.kind != "bool"]
    + [(s, "instrument") for s in INSTRUMENT_PARAMS],
    ids=lambda value: value.key if isinstance(value, ParamSpec) else value,
)
def test_the_table_ranges_are_the_models(spec: ParamSpec, scope: str) -> None:
    model, field = _model_of(spec, scope)
    assert (spec.low, spec.high) == _bounds(model, field)


def test_every_kernel_name_is_a_tk_instrument_param() -> None:
    names = [spec.kernel for spec in INSTRUMENT_PARAMS]
    assert None not in names and len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "unknown parameter '': ids start with track., instrument., master. or are tempo"),
        ("bpm", "unknown parameter 'bpm'"),
        ("track.0.volume", "track number must be 1 or more"),
        ("track.01.volume", "track number must be 1 or more"),
        ("track.+1.volume", "track number must be 1 or more"),
        ("track.\uff11.volume", "track number must be 1 or more"),
        ("track.x.volume", "track number must be 1 or more"),
        ("track.1.cutoff", "tracks have no 'cutoff'"),
        ("track.1", "tracks have no ''"),
        ("instrument.1.filter", "instruments have no 'filter'"),
        ("instrument.1.filter.type", "instruments have no 'filter.type'"),  # a choice
        ("instrument.1.name", "instruments have no 'name'"),
        ("track.99.volume", "track.99.volume: track 99 does not exist (the song has 9)"),
        ("instrument.12.volume", "instrument 12 does not exist (the song has 11)"),
        ("instrument.11.osc1.level", "instrument 11 is a sample and has no osc 1 level"),
        ("master.pan", "unknown parameter 'master.pan'"),
    ],
)
def test_bad_ids_say_what_is_wrong_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ParamError) as raised:
        read_param(song_with_sample(), text)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_names_for_people() -> None:
    song = demo_song()
    assert find_param(song, "instrument.2.filter.cutoff_hz").name == "Inst 02 cutoff"
    assert find_param(song, "track.3.volume").name == "Track 3 volume"
    assert find_param(song, "master.volume").name == "Master volume"
    assert find_param(song, "tempo").name == "Tempo"


def test_parse_id_needs_no_song() -> None:
    scope, number, spec = parse_id("instrument.12.lfo.rate_hz")
    assert (scope, number, spec.path, spec.unit, spec.curve) == (
        "instrument",
        12,
        "lfo.rate_hz",
        "Hz",
        "log",
    )


@pytest.mark.parametrize(
    ("text", "removed", "inserted", "expected"),
    [
        ("track.3.volume", 3, None, None),
        ("track.4.pan", 3, None, "track.3.pan"),
        ("track.2.pan", 3, None, "track.2.pan"),
        ("track.2.pan", None, 2, "track.3.pan"),
        ("track.1.pan", None, 2, "track.1.pan"),
        ("instrument.4.volume", 3, None, "instrument.4.volume"),  # another scope: untouched
        ("tempo", 1, None, "tempo"),
    ],
)
def test_renumber_after_a_track_is_removed_or_inserted(
    text: str, removed: int | None, inserted: int | None, expected: str | None
) -> None:
    assert renumber(text, "track", removed=removed, inserted=inserted) == expected
