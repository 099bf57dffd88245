"""Tracks and song settings: update_track, update_song, add_track, delete_track."""

from typing import Any

import pytest

from tests.model.edit_support import EMPTY, edited, grid, song_of
from tracker.model import MAX_TRACKS, EditError, Song, Track, edit

ROWS = ["C-4 01 .. A01 B02 C03 | D-4 .. .. ...", f"--- .. 20 ... ... C04 | {EMPTY}"]


def song() -> Song:
    return song_of(ROWS, [f"--- .. .. ... ... ... | {EMPTY}"], columns=(3, 1), order=[0, 1])


def test_update_track_settings() -> None:
    original = song()
    result = edited(original, edit.update_track, 1, name="bass", volume=0.5, mute=True)
    assert result.tracks[1] == Track(name="bass", volume=0.5, mute=True)
    assert result.tracks[0] is original.tracks[0]
    assert result.patterns == original.patterns


def test_update_track_with_the_same_values_returns_the_song() -> None:
    original = song()
    assert edit.update_track(original, 0, effect_columns=3, solo=False) is original


def test_fewer_effect_columns_drop_them_from_the_track_cells() -> None:
    original = song()
    result = edited(original, edit.update_track, 0, effect_columns=1)
    assert grid(result) == ["C-4 01 .. A01 | D-4 .. .. ...", f"--- .. 20 ... | {EMPTY}"]
    assert result.patterns[1] is original.patterns[1]  # it had no effects to drop


def test_more_effect_columns_keep_the_cells() -> None:
    original = song()
    result = edited(original, edit.update_track, 1, effect_columns=4)
    assert result.patterns == original.patterns
    assert grid(result)[0].endswith("| D-4 .. .. ... ... ... ...")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"volume": 1.5}, "volume: must be <= 1"),
        ({"pan": -2.0}, "pan"),
        ({"effect_columns": 0}, "effect_columns: must be >= 1"),
        ({"effect_columns": 5}, "effect_columns"),
        ({"mute": "yes"}, "mute"),
        ({"colour": 3}, "colour: unknown field"),
    ],
)
def test_update_track_rejects(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(EditError, match=message):
        edit.update_track(song(), 0, **changes)


@pytest.mark.parametrize("track", [2, -1])
def test_update_track_rejects_indexes(track: int) -> None:
    with pytest.raises(EditError, match=f"track {track}"):
        edit.update_track(song(), track, mute=True)


def test_update_song_settings() -> None:
    original = song()
    result = edited(
        original,
        edit.update_song,
        title="Tune",
        tempo_bpm=140,
        speed_ticks=3,
        interpolation="linear",
        restart_order=1,
    )
    assert (result.title, result.tempo_bpm, result.speed_ticks) == ("Tune", 140, 3)
    assert (result.interpolation, result.restart_order) == ("linear", 1)
    assert result.patterns is original.patterns
    assert result.tracks is original.tracks
    assert edit.update_song(original, tempo_bpm=125, title="") is original


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tempo_bpm": 31}, "tempo_bpm: must be >= 32"),
        ({"tempo_bpm": 125.0}, "tempo_bpm"),
        ({"master_volume": 3.0}, "master_volume"),
        ({"interpolation": "sinc"}, "interpolation"),
        ({"restart_order": 2}, "restart_order: 2 is past the end of the order"),
        ({"tracks": []}, "tracks is not a song setting"),
        ({"schema_version": 2}, "schema_version is not a song setting"),
        ({"bpm": 120}, "bpm is not a song setting"),
    ],
)
def test_update_song_rejects(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(EditError, match=message):
        edit.update_song(song(), **changes)


def test_add_track_in_the_middle_of_every_pattern() -> None:
    original = song()
    result = edited(original, edit.add_track, 1)
    assert [t.effect_columns for t in result.tracks] == [3, 1, 1]
    assert grid(result) == [
        f"C-4 01 .. A01 B02 C03 | {EMPTY} | D-4 .. .. ...",
        f"--- .. 20 ... ... C04 | {EMPTY} | {EMPTY}",
    ]
    assert grid(result, 1) == [f"--- .. .. ... ... ... | {EMPTY} | {EMPTY}"]


@pytest.mark.parametrize(("at", "width"), [(0, 3), (2, 3)])
def test_add_track_at_either_end(at: int, width: int) -> None:
    result = edited(song(), edit.add_track, at)
    assert result.tracks[at] == Track()
    assert result.patterns[0].rows[0][at].note is None
    assert result.patterns[0].track_count == width


@pytest.mark.parametrize("at", [3, -1])
def test_add_track_rejects_positions(at: int) -> None:
    with pytest.raises(EditError, match=f"track position {at} is outside 0..2"):
        edit.add_track(song(), at)


def test_add_track_to_a_full_song() -> None:
    full = song_of([" | ".join([EMPTY] * MAX_TRACKS)], columns=[1] * MAX_TRACKS)
    with pytest.raises(EditError, match=f"already has {MAX_TRACKS} tracks"):
        edit.add_track(full, 0)


def test_delete_track_from_every_pattern() -> None:
    original = song()
    result = edited(original, edit.delete_track, 0)
    assert result.tracks == [original.tracks[1]]
    assert grid(result) == ["D-4 .. .. ...", EMPTY]
    assert grid(result, 1) == [EMPTY]


def test_delete_the_only_track() -> None:
    with pytest.raises(EditError, match="only track"):
        edit.delete_track(song_of([EMPTY], columns=(1,)), 0)


@pytest.mark.parametrize("track", [2, -1])
def test_delete_track_rejects_indexes(track: int) -> None:
    with pytest.raises(EditError, match=f"track {track}"):
        edit.delete_track(song(), track)
