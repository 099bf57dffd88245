"""Automation lanes in the model: values along a lane, the edits that make them, what the
track and instrument edits do to them, the file, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from tracker.io.project import Project, ProjectError, load_project, save_project
from tracker.model import (
    AutomationLane,
    AutomationPoint,
    EditError,
    Pattern,
    Song,
    SynthInstrument,
)
from tracker.model import edit as ed


def song() -> Song:
    base, _ = ed.add_instrument(Song.new(tracks=3), SynthInstrument(name="lead"))
    return base


def lane(*points: tuple[int, float], step: bool = False) -> AutomationLane:
    return AutomationLane(
        param="track.1.volume",
        interpolation="step" if step else "linear",
        points=tuple(AutomationPoint(row=r, value=v) for r, v in points),
    )


@pytest.mark.parametrize(
    ("row", "linear", "step"),
    [(0, None, None), (3, None, None), (4, 0.0, 0.0), (6, 0.5, 0.0), (8, 1.0, 1.0), (60, 1.0, 1.0)],
)
def test_values_between_before_and_after_the_points(
    row: int, linear: float | None, step: float | None
) -> None:
    assert lane((4, 0.0), (8, 1.0)).value_at(row) == linear
    assert lane((4, 0.0), (8, 1.0), step=True).value_at(row) == step


def test_points_must_ascend_and_stay_in_range() -> None:
    with pytest.raises(ValidationError, match="rows must ascend"):
        lane((4, 0.0), (4, 1.0))
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        lane((0, 1.5))
    with pytest.raises(ValidationError, match="a point at row 70, the pattern has 64 rows"):
        Pattern(rows=Pattern.empty(64, 1).rows, automation=[lane((70, 0.0))])
    with pytest.raises(ValidationError, match=r"a second lane for track\.1\.volume"):
        Pattern(rows=Pattern.empty(64, 1).rows, automation=[lane((0, 0.0)), lane((1, 1.0))])


def test_set_and_clear_points_make_and_keep_the_lane() -> None:
    edited = ed.set_automation_point(song(), 0, "instrument.1.filter.cutoff_hz", 8, 0.75)
    edited = ed.set_automation_point(edited, 0, "instrument.1.filter.cutoff_hz", 2, 0.25)
    edited = ed.set_automation_point(edited, 0, "instrument.1.filter.cutoff_hz", 8, 1.0)
    found = edited.patterns[0].lane("instrument.1.filter.cutoff_hz")
    assert found is not None
    assert [(p.row, p.value) for p in found.points] == [(2, 0.25), (8, 1.0)]
    cleared = ed.clear_automation_point(edited, 0, "instrument.1.filter.cutoff_hz", 2)
    assert [p.row for p in cleared.patterns[0].automation[0].points] == [8]
    assert ed.clear_automation_point(cleared, 0, "track.2.pan", 0) is cleared


def test_bad_edits_are_clear_errors() -> None:
    with pytest.raises(EditError, match="track 9 does not exist"):
        ed.set_automation_point(song(), 0, "track.9.volume", 0, 0.5)
    with pytest.raises(EditError, match=r"outside 0\.\.1"):
        ed.set_automation_point(song(), 0, "track.1.volume", 0, 2.0)
    with pytest.raises(EditError, match="row 64 is outside"):
        ed.set_automation_point(song(), 0, "track.1.volume", 64, 0.5)
    with pytest.raises(EditError, match="no automation lane"):
        ed.set_lane_interpolation(song(), 0, "track.1.volume", "step")


def test_lanes_follow_their_tracks_and_instruments() -> None:
    edited = ed.set_automation_point(song(), 0, "track.2.volume", 0, 0.5)
    edited = ed.set_automation_point(edited, 0, "track.3.pan", 0, 0.5)
    edited = ed.set_automation_point(edited, 0, "instrument.1.volume", 0, 0.5)

    def params(s: Song) -> list[str]:
        return [a.param for a in s.patterns[0].automation]

    assert params(ed.delete_track(edited, 1)) == ["track.2.pan", "instrument.1.volume"]
    assert params(ed.add_track(edited, 0)) == [
        "track.3.volume",
        "track.4.pan",
        "instrument.1.volume",
    ]
    assert params(ed.delete_instrument(edited, 1)) == ["track.2.volume", "track.3.pan"]


def test_a_shorter_pattern_drops_the_points_past_its_end() -> None:
    edited = ed.set_automation_point(song(), 0, "tempo", 10, 0.5)
    edited = ed.set_automation_point(edited, 0, "tempo", 40, 1.0)
    shorter = ed.set_pattern_length(edited, 0, 32)
    assert [p.row for p in shorter.patterns[0].automation[0].points] == [10]


def test_lanes_round_trip_through_the_file_and_empty_ones_are_not_written(
    tmp_path: Path,
) -> None:
    edited = ed.set_automation_point(song(), 0, "master.volume", 4, 0.125)
    edited = ed.set_lane_interpolation(edited, 0, "master.volume", "step")
    path = tmp_path / "song.json"
    save_project(Project(song=edited), path)
    assert load_project(path).song == edited
    document = json.loads(path.read_text())
    assert document["patterns"][0]["automation"] == [
        {"param": "master.volume", "interpolation": "step", "points": [{"row": 4, "value": 0.125}]}
    ]
    save_project(Project(song=song()), path)
    assert "automation" not in json.loads(path.read_text())["patterns"][0]


def test_a_lane_of_a_missing_parameter_in_a_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    save_project(Project(song=ed.set_automation_point(song(), 0, "track.3.volume", 0, 1.0)), path)
    text = path.read_text().replace('"track.3.volume"', '"track.7.volume"')
    path.write_text(text)
    with pytest.raises(ProjectError) as error:
        load_project(path)
    message = str(error.value)
    assert "\n" not in message
    assert "patterns[0].automation[0].param" in message and "track 7 does not exist" in message


def test_inserting_and_deleting_rows_of_all_tracks_moves_the_points() -> None:
    edited = ed.set_automation_point(song(), 0, "tempo", 2, 0.25)
    edited = ed.set_automation_point(edited, 0, "tempo", 10, 0.5)
    edited = ed.set_automation_point(edited, 0, "tempo", 63, 1.0)

    def rows(s: Song) -> list[int]:
        return [p.row for p in s.patterns[0].automation[0].points]

    assert rows(ed.insert_row(edited, 0, 5)) == [2, 11]  # row 63 falls off the end
    assert rows(ed.delete_row(edited, 0, 10)) == [2, 62]  # row 10's point goes with it
    assert rows(ed.delete_row(edited, 0, 0)) == [1, 9, 62]
    assert rows(ed.insert_row(edited, 0, 5, track=1)) == [2, 10, 63]  # one track: lanes stay
