"""MIDI mappings in project files: saved with the song, loaded back, older files without
them still load, and a mapping to nothing is a one-line error naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.io import Project, ProjectError, load_project, save_project
from tracker.model import Song, SynthInstrument
from tracker.model import edit as ed
from tracker.model.song import MidiMapping


def mapped_song() -> Song:
    song, _ = ed.add_instrument(Song.new(tracks=2), SynthInstrument(name="lead"))
    for mapping in (
        MidiMapping(param="track.2.volume", channel=0, controller=7),
        MidiMapping(
            param="instrument.1.filter.cutoff_hz",
            channel=15,
            controller=1,
            mode="absolute_14bit",
            low=0.25,
            high=0.75,
        ),
        MidiMapping(param="tempo", channel=3, controller=20, mode="relative_sign_magnitude"),
    ):
        song = ed.add_mapping(song, mapping)
    return song


def test_mappings_survive_a_save_and_load(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    song = mapped_song()
    save_project(Project(song=song), path)

    loaded = load_project(path).song
    assert loaded.midi_mappings == song.midi_mappings
    document = json.loads(path.read_text())
    assert list(document)[-1] == "midi_mappings"
    assert document["midi_mappings"][1] == {
        "param": "instrument.1.filter.cutoff_hz",
        "channel": 15,
        "controller": 1,
        "mode": "absolute_14bit",
        "low": 0.25,
        "high": 0.75,
    }
    save_project(load_project(path), tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()


def test_a_file_from_before_mappings_loads_with_none(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    save_project(Project(song=Song.new(tracks=1)), path)
    document = json.loads(path.read_text())
    del document["midi_mappings"]
    path.write_text(json.dumps(document))

    assert load_project(path).song.midi_mappings == []


def test_a_mapping_to_a_missing_track_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    save_project(Project(song=mapped_song()), path)
    document = json.loads(path.read_text())
    document["midi_mappings"][0]["param"] = "track.5.volume"
    path.write_text(json.dumps(document))

    with pytest.raises(ProjectError) as raised:
        load_project(path)
    assert str(raised.value) == (
        "song.json: midi_mappings[0].param: track.5.volume: track 5 does not exist (the song has 2)"
    )
