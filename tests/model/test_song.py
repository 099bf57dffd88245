from typing import Any

import pytest
from hypothesis import given
from pydantic import ValidationError

from tests.strategies import songs
from tracker.model import (
    SCHEMA_VERSION,
    Cell,
    Effect,
    Pattern,
    SampleInstrument,
    SampleRef,
    Song,
    SynthInstrument,
    Track,
)

REF = SampleRef(
    sha256="a" * 64, format="flac", frames=10, channels=1, sample_rate_hz=8000, bit_depth="pcm8"
)


def song_with(**fields: Any) -> dict[str, Any]:
    return {**Song.new(tracks=2).model_dump(), **fields}


def test_new_song() -> None:
    song = Song.new(tracks=8)
    assert song.schema_version == SCHEMA_VERSION == 1
    assert len(song.tracks) == 8
    assert len(song.patterns) == 1
    assert len(song.patterns[0].rows) == 64
    assert song.patterns[0].track_count == 8
    assert song.order == [0]
    assert song.instruments == []
    assert (song.tempo_bpm, song.speed_ticks, song.interpolation) == (125, 6, "cubic")


def test_json_keys_start_with_the_schema_version() -> None:
    assert list(Song.model_fields)[:3] == ["schema_version", "title", "author"]


def test_track_defaults() -> None:
    track = Track()
    assert (track.volume, track.pan, track.mute, track.solo, track.effect_columns) == (
        1.0,
        0.0,
        False,
        False,
        1,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tempo_bpm": 31}, "tempo_bpm"),
        ({"tempo_bpm": 256}, "tempo_bpm"),
        ({"speed_ticks": 32}, "speed_ticks"),
        ({"rows_per_beat": 0}, "rows_per_beat"),
        ({"master_volume": 2.5}, "master_volume"),
        ({"interpolation": "sinc"}, "interpolation"),
        ({"schema_version": 2}, "must be 1"),
        ({"tracks": []}, "tracks"),
        ({"tracks": [{}] * 65}, "tracks"),
        ({"order": []}, "order"),
        ({"order": [1]}, r"order\[0\]: pattern 1 does not exist"),
        ({"order": [-1]}, r"order\[0\]"),
        ({"restart_order": 1}, "restart_order"),
        ({"patterns": []}, "patterns"),
        ({"instruments": [{"kind": "synth"}] * 256}, "instruments"),
        ({"title": 5}, "title"),
        ({"bpm": 120}, "bpm"),
    ],
)
def test_song_fields(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Song.model_validate(song_with(**fields))


def test_rows_must_have_one_cell_per_track() -> None:
    with pytest.raises(ValidationError, match=r"patterns\[0\].rows\[0\]: has 3 cells"):
        Song.model_validate(song_with(patterns=[Pattern.empty(4, 3)]))


def test_cells_use_no_more_effect_columns_than_their_track() -> None:
    fx = Effect(command="A", param=1)
    pattern = Pattern.empty(4, 2).with_cell(3, 1, Cell(effects=(None, fx)))
    with pytest.raises(ValidationError, match=r"rows\[3\]: track 1: uses 2 effect columns"):
        Song.model_validate(song_with(patterns=[pattern]))
    tracks = [Track(), Track(effect_columns=2)]
    Song.model_validate(song_with(patterns=[pattern], tracks=tracks))


def test_instrument_numbers_refer_to_existing_instruments() -> None:
    pattern = Pattern.empty(4, 2).with_cell(1, 0, Cell(note=48, instrument=2))
    with pytest.raises(ValidationError, match="instrument 02 does not exist"):
        Song.model_validate(song_with(patterns=[pattern], instruments=[SynthInstrument()]))
    Song.model_validate(song_with(patterns=[pattern], instruments=[SynthInstrument()] * 2))


def test_one_hash_describes_one_sound() -> None:
    other = REF.model_copy(update={"frames": 11, "name": "other"})
    with pytest.raises(ValidationError, match="same sha256"):
        Song.model_validate(
            song_with(instruments=[SampleInstrument(sample=REF), SampleInstrument(sample=other)])
        )
    renamed = REF.model_copy(update={"name": "renamed"})
    song = Song.model_validate(
        song_with(instruments=[SampleInstrument(sample=REF), SampleInstrument(sample=renamed)])
    )
    assert song.sample_refs() == {REF.sha256: REF}


def test_assignment_is_validated() -> None:
    song = Song.new()
    with pytest.raises(ValidationError):
        song.tempo_bpm = 300
    with pytest.raises(ValidationError, match="pattern 1 does not exist"):
        song.order = [0, 1]
    assert song.order == [0]


def test_instrument_lookup_is_one_based() -> None:
    synth = SynthInstrument(name="lead")
    song = Song.model_validate(song_with(instruments=[synth]))
    assert song.instrument(1) == synth
    with pytest.raises(IndexError):
        song.instrument(0)
    with pytest.raises(IndexError):
        song.instrument(2)


@given(songs())
def test_generated_songs_survive_revalidation(song: Song) -> None:
    assert Song.model_validate(song.model_dump()) == song
    assert Song.model_validate_json(song.model_dump_json()) == song
