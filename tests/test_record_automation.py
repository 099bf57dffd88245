"""Controllers' moves as automation points (tracker.record.Recorder.automate, apply_points),
the timed moves Controllers keeps for it, and the follower joining a recording pass."""

from __future__ import annotations

import mido
import pytest

from tracker.io.project import Project
from tracker.midi_learn import MOVES_KEPT, Controllers, Moved, ParamFollower
from tracker.model import Song, SynthInstrument
from tracker.model import edit as ed
from tracker.model.song import MidiMapping
from tracker.record import ControlMove, Moment, PointWrite, Recorder, TimedRow, apply_points
from tracker.session import Session

ROW_S = 6 * 2.5 / 125
CUTOFF = "instrument.1.filter.cutoff_hz"


def song(rows: int = 8) -> Song:
    made = ed.set_pattern_length(Song.new(tracks=2), 0, rows)
    made, second = ed.new_pattern(made, rows)
    made = made.model_copy(update={"order": [0, second]})
    made, _ = ed.add_instrument(made, SynthInstrument(name="lead"))
    return made


def recorder_heard(*rows: tuple[int, int, int]) -> Recorder:
    """A recorder whose timeline holds rows (order, pattern, row) from 10 s on."""
    recorder = Recorder()
    recorder.on = True
    for i, (order, pattern, row) in enumerate(rows):
        recorder.timeline.rows.append(TimedRow(order, pattern, row, 10.0 + i * ROW_S, 6, 125))
    return recorder


def moment(playing: bool = True) -> Moment:
    return Moment(
        playing=playing,
        time_s=0.0,
        loop=False,
        cursor_pattern=0,
        cursor_row=0,
        edit_step=1,
        instrument=1,
        plays=1,
    )


def at(rows: float) -> float:
    return 10.0 + rows * ROW_S


def test_moves_go_to_the_nearest_row_heard_and_the_latest_in_a_row_wins() -> None:
    recorder = recorder_heard((0, 0, 6), (0, 0, 7), (1, 1, 0))
    moves = [
        ControlMove("track.1.volume", 0.9, at(0.1)),
        ControlMove("track.1.volume", 0.5, at(0.4)),  # the same row, later: it wins
        ControlMove("track.1.volume", 0.25, at(1.7)),  # past row 7's middle: pattern 1's 0
        ControlMove(CUTOFF, 20000.0, at(1.1)),
    ]
    take = recorder.automate(song(), moves, moment())
    assert set(take.points) == {
        PointWrite(0, "track.1.volume", 6, 0.5),
        PointWrite(1, "track.1.volume", 0, 0.25),
        PointWrite(0, CUTOFF, 7, 1.0),  # normalised along the parameter's curve
    }
    assert take.group is not None


def test_the_points_share_the_passs_undo_group_with_the_notes() -> None:
    recorder = recorder_heard((0, 0, 0), (0, 0, 1))
    made = song()
    take = recorder.automate(made, [ControlMove("track.1.volume", 1.0, at(0.0))], moment())
    later = recorder.automate(made, [ControlMove("track.1.volume", 0.0, at(1.0))], moment())
    notes = recorder.press(made, 60, 1.0, 0, moment())
    assert take.group is later.group is notes.group


def test_stopped_or_with_no_row_heard_nothing_is_written() -> None:
    moves = [ControlMove("track.1.volume", 0.5, at(0.0))]
    assert recorder_heard((0, 0, 0)).automate(song(), moves, moment(playing=False)).points == ()
    assert recorder_heard().automate(song(), moves, moment()).points == ()


def test_a_parameter_gone_from_the_song_is_skipped() -> None:
    recorder = recorder_heard((0, 0, 0))
    take = recorder.automate(song(), [ControlMove("track.9.volume", 0.5, at(0.0))], moment())
    assert take.points == ()


def test_points_make_lanes_linear_or_step_for_on_off_parameters() -> None:
    made = apply_points(
        song(),
        [PointWrite(0, "track.1.volume", 3, 0.5), PointWrite(0, "track.2.mute", 3, 1.0)],
    )
    volume, mute = made.patterns[0].automation
    assert (volume.param, volume.interpolation, volume.value_at(3)) == (
        "track.1.volume",
        "linear",
        0.5,
    )
    assert (mute.param, mute.interpolation) == ("track.2.mute", "step")
    # A lane the user set to linear stays so when more points come.
    again = ed.set_lane_interpolation(made, 0, "track.2.mute", "linear")
    again = apply_points(again, [PointWrite(0, "track.2.mute", 5, 0.0)])
    assert again.patterns[0].lane("track.2.mute").interpolation == "linear"  # type: ignore[union-attr]


# ---- Controllers keeps timed moves; the follower joins a pass --------------------------------


def test_controllers_keep_every_move_with_its_time_for_the_ui() -> None:
    made = ed.add_mapping(song(), MidiMapping(param="track.1.volume", channel=0, controller=7))
    now = [5.0]
    controllers = Controllers(Session(Project(song=made)), lambda _: None, clock=lambda: now[0])
    for value in (0, 127):
        controllers.handle(mido.Message("control_change", control=7, value=value))
        now[0] += 0.25
    assert controllers.take_moves() == [
        Moved("track.1.volume", 0.0, 5.0),
        Moved("track.1.volume", 1.0, 5.25),
    ]
    assert controllers.take_moves() == []
    assert controllers.take_values() == {"track.1.volume": 1.0}


def test_moves_not_taken_are_bounded() -> None:
    made = ed.add_mapping(song(), MidiMapping(param="track.1.volume", channel=0, controller=7))
    controllers = Controllers(Session(Project(song=made)), lambda _: None)
    for n in range(MOVES_KEPT + 10):
        controllers.handle(mido.Message("control_change", control=7, value=n % 128))
    moves = controllers.take_moves()
    assert len(moves) == MOVES_KEPT
    assert moves[-1].value == pytest.approx(((MOVES_KEPT + 9) % 128) / 127, abs=1e-6)


def test_the_follower_joins_a_group_given_then_starts_its_own_again() -> None:
    session = Session(Project(song=song()))
    follower = ParamFollower(session)
    recording = object()
    session.edit(
        ed.set_automation_point(session.song, 0, "track.2.pan", 0, 0.5), "Record", group=recording
    )
    follower.apply({"track.1.volume": 0.5}, 0.0, recording)  # joins the pass's step
    follower.apply({"track.1.volume": 0.4}, 0.1)  # the pass is over: a step of its own
    labels = []
    while (step := session.undo()) is not None:
        labels.append(step.label)
    assert labels == ["MIDI Track 1 volume", "Record"]
