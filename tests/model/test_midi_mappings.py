"""MIDI mappings in the song: what a valid one is, and the edits that keep them pointing at
the same parameter when tracks and instruments come and go."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.model.edit_support import EMPTY, assert_valid, song_of
from tracker.model import SampleInstrument, SampleRef, Song, summarize
from tracker.model import edit as ed
from tracker.model.edit import EditError
from tracker.model.song import MidiMapping


def mapping(param: str, controller: int = 74, channel: int = 0, **more: object) -> MidiMapping:
    return MidiMapping.model_validate(
        {"param": param, "channel": channel, "controller": controller, **more}
    )


def mapped(*mappings: MidiMapping, tracks: int = 3, instruments: int = 3) -> Song:
    song = song_of([" | ".join([EMPTY] * tracks)], columns=(1,) * tracks, instruments=instruments)
    for one in mappings:
        song = ed.add_mapping(song, one)
    return song


def params(song: Song) -> list[str]:
    return [m.param for m in song.midi_mappings]


def test_a_song_without_mappings_has_an_empty_list() -> None:
    assert Song.new().midi_mappings == []


def test_mappings_name_parameters_the_song_has() -> None:
    song = mapped(tracks=2, instruments=1)
    data = song.model_dump()
    data["midi_mappings"] = [{"param": "track.3.volume", "channel": 0, "controller": 7}]

    with pytest.raises(ValidationError) as raised:
        Song.model_validate(data)
    assert summarize(raised.value) == (
        "midi_mappings[0].param: track.3.volume: track 3 does not exist (the song has 2)"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"channel": 16}, "channel: must be <= 15, got 16"),
        ({"controller": 128}, "controller: must be <= 127, got 128"),
        ({"mode": "relative"}, "mode: must be one of"),
        ({"low": 1.5}, "low: must be <= 1.0, got 1.5"),
        ({"mode": "absolute_14bit", "controller": 40}, "a 14-bit control's MSB is 0..31"),
        ({"param": "x" * 65}, "param: must be at most 64 characters long"),
        ({"extra": 1}, "extra: unknown field"),
    ],
)
def test_a_bad_mapping_is_one_line(fields: dict[str, object], message: str) -> None:
    data = {"param": "tempo", "channel": 0, "controller": 7, **fields}
    with pytest.raises(ValidationError) as raised:
        MidiMapping.model_validate(data)
    assert message in summarize(raised.value)
    assert "\n" not in summarize(raised.value)


def test_learning_a_control_again_replaces_its_mapping_and_the_parameters() -> None:
    song = mapped(mapping("track.1.volume", 7), mapping("track.2.volume", 8))
    song = ed.add_mapping(song, mapping("track.3.pan", 7))  # the same knob: moved to pan
    assert params(song) == ["track.2.volume", "track.3.pan"]
    song = ed.add_mapping(song, mapping("track.2.volume", 9))  # the parameter: a new knob
    assert [(m.param, m.controller) for m in song.midi_mappings] == [
        ("track.3.pan", 7),
        ("track.2.volume", 9),
    ]
    # A 14-bit control takes its LSB's number too.
    song = ed.add_mapping(song, mapping("tempo", 7, mode="absolute_14bit"))
    song = ed.add_mapping(song, mapping("master.volume", 2, mode="absolute_14bit"))
    song = ed.add_mapping(song, mapping("track.1.mute", 34))
    assert params(song) == ["track.2.volume", "tempo", "track.1.mute"]
    assert_valid(song)


def test_add_mapping_refuses_what_the_song_lacks() -> None:
    with pytest.raises(EditError, match="instrument 4 does not exist"):
        ed.add_mapping(mapped(), mapping("instrument.4.volume"))


def test_remove_and_update_a_mapping() -> None:
    song = mapped(mapping("track.1.volume", 7), mapping("tempo", 8))
    changed = ed.update_mapping(song, 1, mode="relative_binary_offset", low=0.25)
    assert changed.midi_mappings[1].mode == "relative_binary_offset"
    assert changed.midi_mappings[1].low == 0.25
    assert changed.midi_mappings[0] is song.midi_mappings[0]
    assert ed.update_mapping(song, 1, low=0.0) is song  # no change
    with pytest.raises(EditError, match=r"high: must be <= 1\.0"):
        ed.update_mapping(song, 0, high=2.0)
    with pytest.raises(EditError, match=r"MIDI mapping 2 is outside 0\.\.1"):
        ed.remove_mapping(song, 2)
    assert params(ed.remove_mapping(song, 0)) == ["tempo"]
    assert song.midi_mappings[0].mode == "absolute"  # edits never change their input


def test_deleting_a_track_drops_its_mappings_and_renumbers_later_ones() -> None:
    song = mapped(
        mapping("track.1.volume", 1),
        mapping("track.2.pan", 2),
        mapping("track.3.mute", 3),
        mapping("tempo", 4),
        mapping("instrument.2.volume", 5),
    )
    deleted = ed.delete_track(song, 1)  # index 1: "track.2"
    assert params(deleted) == ["track.1.volume", "track.2.mute", "tempo", "instrument.2.volume"]
    assert_valid(deleted)


def test_inserting_a_track_renumbers_the_ones_after_it() -> None:
    song = mapped(mapping("track.1.volume", 1), mapping("track.2.pan", 2))
    inserted = ed.add_track(song, 1)  # before "track.2"
    assert params(inserted) == ["track.1.volume", "track.3.pan"]
    assert_valid(inserted)


def test_deleting_an_instrument_drops_its_mappings_and_renumbers_later_ones() -> None:
    song = mapped(
        mapping("instrument.1.filter.cutoff_hz", 1),
        mapping("instrument.2.volume", 2),
        mapping("instrument.3.lfo.depth", 3),
        mapping("track.2.volume", 4),
    )
    deleted = ed.delete_instrument(song, 2)
    assert params(deleted) == [
        "instrument.1.filter.cutoff_hz",
        "instrument.2.lfo.depth",
        "track.2.volume",
    ]
    assert_valid(deleted)


def test_an_instrument_that_becomes_a_sample_loses_its_oscillator_mappings() -> None:
    song = mapped(mapping("instrument.1.osc1.level", 1), mapping("instrument.1.volume", 2))
    sample = SampleInstrument(
        sample=SampleRef(
            sha256="cd" * 32,
            format="flac",
            frames=10,
            channels=1,
            sample_rate_hz=8000,
            bit_depth="pcm8",
        )
    )
    replaced = ed.replace_instrument(song, 1, sample)
    assert params(replaced) == ["instrument.1.volume"]
    assert_valid(replaced)
    same_kind = ed.replace_instrument(song, 1, song.instruments[0].model_copy())
    assert same_kind.midi_mappings is song.midi_mappings
