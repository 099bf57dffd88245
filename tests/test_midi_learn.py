"""tracker.midi_learn without ports: CC streams decoded per mapping mode, MIDI learn's 7/14-bit
choice, controllers sending values to a Session, and the song following one gesture at a time."""

from __future__ import annotations

import time

import mido
import pytest

from tracker.io.project import Project
from tracker.midi_learn import (
    MAX_14BIT,
    RELATIVE_STEPS,
    Controllers,
    Decoder,
    Learned,
    Learner,
    ParamFollower,
    control_name,
    fan_out,
    relative_delta,
)
from tracker.model import Song, SynthInstrument
from tracker.model import edit as ed
from tracker.model.params import read_param
from tracker.model.song import MidiMapping, MidiMode
from tracker.session import Session


def cc(control: int, value: int, channel: int = 0) -> mido.Message:
    return mido.Message("control_change", channel=channel, control=control, value=value)


def mapping(mode: MidiMode = "absolute", controller: int = 74, **more: object) -> MidiMapping:
    data = {"param": "track.1.volume", "channel": 0, "controller": controller, "mode": mode}
    return MidiMapping.model_validate({**data, **more})


# ---- decoding -------------------------------------------------------------------------------


def test_absolute_7bit_sweeps_the_range() -> None:
    decoder = Decoder()
    one = mapping()
    assert decoder.decode(one, 74, 0, 0.5) == 0.0
    assert decoder.decode(one, 74, 127, 0.5) == 1.0
    assert decoder.decode(one, 74, 64, 0.0) == pytest.approx(64 / 127)


def test_a_range_narrows_or_turns_the_control_around() -> None:
    decoder = Decoder()
    narrow = mapping(low=0.25, high=0.75)
    assert decoder.decode(narrow, 74, 0, 0.0) == 0.25
    assert decoder.decode(narrow, 74, 127, 0.0) == 0.75
    inverted = mapping(low=1.0, high=0.0)
    assert decoder.decode(inverted, 74, 0, 0.0) == 1.0
    assert decoder.decode(inverted, 74, 127, 0.0) == 0.0


def test_14bit_msb_then_lsb() -> None:
    decoder = Decoder()
    fine = mapping("absolute_14bit", controller=7)
    assert decoder.decode(fine, 7, 64, 0.0) == pytest.approx((64 << 7) / MAX_14BIT)
    assert decoder.decode(fine, 39, 127, 0.0) == pytest.approx(((64 << 7) | 127) / MAX_14BIT)
    # Only the LSB moves while the knob turns slowly: each refines the last MSB.
    assert decoder.decode(fine, 39, 3, 0.0) == pytest.approx(((64 << 7) | 3) / MAX_14BIT)
    # A new MSB starts from LSB 0, as the MIDI spec says.
    assert decoder.decode(fine, 7, 127, 0.0) == pytest.approx((127 << 7) / MAX_14BIT)
    assert decoder.decode(fine, 39, 127, 0.0) == 1.0


def test_14bit_lsb_alone_refines_around_the_current_value() -> None:
    decoder = Decoder()
    fine = mapping("absolute_14bit", controller=7)
    position = decoder.decode(fine, 39, 10, 0.5)  # no MSB seen yet: the parameter is at 0.5
    assert position == pytest.approx(((64 << 7) | 10) / MAX_14BIT)
    assert abs(position - 0.5) < 128 / MAX_14BIT


def test_14bit_halves_are_kept_per_channel() -> None:
    decoder = Decoder()
    first = mapping("absolute_14bit", controller=7, channel=0)
    second = mapping("absolute_14bit", controller=7, channel=1)
    decoder.decode(first, 7, 100, 0.0)
    decoder.decode(second, 7, 1, 0.0)
    assert decoder.decode(first, 39, 0, 0.0) == pytest.approx((100 << 7) / MAX_14BIT)


@pytest.mark.parametrize(
    ("mode", "value", "detents"),
    [
        ("relative_twos_complement", 1, 1),
        ("relative_twos_complement", 5, 5),
        ("relative_twos_complement", 127, -1),
        ("relative_twos_complement", 64, -64),
        ("relative_binary_offset", 65, 1),
        ("relative_binary_offset", 63, -1),
        ("relative_binary_offset", 64, 0),
        ("relative_binary_offset", 0, -64),
        ("relative_sign_magnitude", 1, 1),
        ("relative_sign_magnitude", 65, -1),
        ("relative_sign_magnitude", 70, -6),
        ("relative_sign_magnitude", 64, 0),
    ],
)
def test_relative_modes(mode: MidiMode, value: int, detents: int) -> None:
    assert relative_delta(mode, value) == detents
    position = Decoder().decode(mapping(mode), 74, value, 0.5)
    assert position == pytest.approx(0.5 + detents / RELATIVE_STEPS)


def test_relative_moves_clamp_at_the_ends_of_the_range() -> None:
    decoder = Decoder()
    up = mapping("relative_binary_offset", low=0.2, high=0.6)
    assert decoder.decode(up, 74, 127, 0.59) == 0.6
    assert decoder.decode(up, 74, 0, 0.21) == 0.2
    assert decoder.decode(up, 74, 65, 0.9) == 0.6  # from outside the range: back to its edge
    assert decoder.decode(up, 74, 65, 0.6) == 0.6
    # In a range of the whole travel, RELATIVE_STEPS detents go from one end to the other.
    position = 0.0
    whole = mapping("relative_twos_complement")
    for _ in range(RELATIVE_STEPS):
        position = decoder.decode(whole, 74, 1, position)
    assert position == 1.0


def test_control_names() -> None:
    assert control_name(mapping(channel=0)) == "CC 74 ch 1"
    assert control_name(mapping("absolute_14bit", controller=7, channel=15)) == "CC 7/39 ch 16"


# ---- learning -------------------------------------------------------------------------------


def test_learn_a_7bit_control_above_31_at_once() -> None:
    learner = Learner()
    assert learner.feed(0, 74, 0.0) is None  # not armed
    learner.arm("track.2.pan")
    learned = learner.feed(3, 74, 1.0)
    assert learned == MidiMapping(param="track.2.pan", channel=3, controller=74)
    assert learner.armed is None
    assert learner.feed(3, 74, 1.1) is None  # disarmed after one


def test_learn_a_14bit_pair() -> None:
    learner = Learner()
    learner.arm("tempo")
    assert learner.feed(1, 7, 10.0) is None  # might be an MSB: wait for its LSB
    learned = learner.feed(1, 39, 10.005)
    assert learned == MidiMapping(param="tempo", channel=1, controller=7, mode="absolute_14bit")


@pytest.mark.parametrize(
    ("second", "at_s"),
    [
        ((1, 39), 10.05),  # the LSB's number, but too late
        ((1, 8), 10.001),  # another control
        ((2, 39), 10.001),  # another channel
        ((1, 7), 10.001),  # the same control again: a plain 7-bit knob
    ],
)
def test_learn_a_low_control_that_has_no_lsb(second: tuple[int, int], at_s: float) -> None:
    learner = Learner()
    learner.arm("tempo")
    learner.feed(1, 7, 10.0)
    learned = learner.feed(*second, at_s)
    assert learned == MidiMapping(param="tempo", channel=1, controller=7, mode="absolute")


def test_learn_expires_to_7bit_when_nothing_follows() -> None:
    learner = Learner()
    learner.arm("tempo")
    learner.feed(0, 1, 5.0)
    assert learner.expire(5.01) is None  # still inside the window
    assert learner.expire(5.03) == MidiMapping(param="tempo", channel=0, controller=1)


def test_learn_ignores_channel_mode_messages_and_can_be_cancelled() -> None:
    learner = Learner()
    learner.arm("tempo")
    assert learner.feed(0, 123, 0.0) is None  # all notes off
    assert learner.armed == "tempo"
    learner.cancel()
    assert learner.feed(0, 74, 0.0) is None
    assert learner.armed is None


# ---- controllers and a session ------------------------------------------------------------


def session_with(*mappings: MidiMapping) -> Session:
    song, _ = ed.add_instrument(Song.new(tracks=2), SynthInstrument(name="lead"))
    for one in mappings:
        song = ed.add_mapping(song, one)
    return Session(Project(song=song))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_mapped_cc_sets_the_parameter_and_the_ui_gets_the_latest_value() -> None:
    session = session_with(mapping(param="instrument.1.filter.cutoff_hz"))
    controllers = Controllers(session, lambda _: None)
    for value in (0, 64, 127):
        controllers.handle(cc(74, value))
    controllers.handle(cc(75, 0))  # not mapped
    controllers.handle(cc(74, 0, channel=1))  # another channel
    controllers.handle(mido.Message("note_on", note=74, velocity=1))

    assert controllers.take_values() == {"instrument.1.filter.cutoff_hz": 20000.0}
    assert controllers.take_values() == {}
    assert read_param(session.song, "instrument.1.filter.cutoff_hz") == 20000.0  # untouched:
    # the song follows on the UI thread (ParamFollower), not here.


def test_relative_encoders_accumulate_faster_than_the_song_follows() -> None:
    clock = Clock()
    session = session_with(mapping("relative_twos_complement", param="track.1.volume"))
    controllers = Controllers(session, lambda _: None, clock=clock)
    for _ in range(10):
        controllers.handle(cc(74, 127))  # ten detents down from 1.0, song not yet updated
        clock.now += 0.01
    assert controllers.take_values()["track.1.volume"] == pytest.approx(1 - 10 / 128, abs=1e-6)
    clock.now += 1.0  # the gesture is over: the next turn starts from the song's value
    controllers.handle(cc(74, 1))
    assert controllers.take_values()["track.1.volume"] == 1.0


def test_while_learning_controls_move_nothing_and_the_mapping_goes_to_the_ui() -> None:
    clock = Clock()
    learned: list[Learned] = []
    session = session_with(mapping(param="track.1.volume"))
    controllers = Controllers(session, learned.append, clock=clock)
    controllers.learner.arm("track.2.pan")
    controllers.handle(cc(74, 10))
    assert controllers.take_values() == {}
    assert learned == [Learned(MidiMapping(param="track.2.pan", channel=0, controller=74))]

    controllers.learner.arm("tempo")
    controllers.handle(cc(2, 10))
    controllers.expire_learn()
    assert len(learned) == 1  # still waiting for an LSB
    clock.now += 0.05
    controllers.expire_learn()
    assert learned[1].mapping.controller == 2


def test_a_flood_of_ccs_is_handled_in_bounded_time() -> None:
    # 10,000 messages with no audio thread draining the kernel: its queue fills, the extra
    # live values are dropped and counted, and the last value still reaches the UI.
    session = session_with(
        mapping(param="instrument.1.filter.cutoff_hz"),
        mapping("absolute_14bit", controller=7, param="track.2.volume"),
    )
    controllers = Controllers(session, lambda _: None)
    started = time.perf_counter()
    for n in range(10_000):
        controllers.handle(cc(74, n % 128))
        controllers.handle(cc(7 + 32 * (n % 2), n % 128))
    elapsed = time.perf_counter() - started

    assert elapsed < 5.0
    assert controllers.dropped > 0
    values = controllers.take_values()
    assert values["instrument.1.filter.cutoff_hz"] == pytest.approx(
        float(20 * 1000 ** ((9999 % 128) / 127)), rel=1e-5
    )
    assert values["track.2.volume"] == pytest.approx(((14 << 7) | 15) / MAX_14BIT, abs=1e-6)


def test_fan_out_hands_each_message_to_every_handler_in_order() -> None:
    seen: list[tuple[str, int]] = []
    handle = fan_out(
        lambda m, _d: seen.append(("a", m.value)), lambda m, _d: seen.append(("b", m.value))
    )
    handle(cc(1, 5), 0.0)
    assert seen == [("a", 5), ("b", 5)]


# ---- the song follows --------------------------------------------------------------------


def test_a_gesture_is_one_undo_step_and_ends_with_one_swap() -> None:
    session = session_with()
    swaps: list[object] = []
    real_swap = session.kernel.swap

    def swap(song: object) -> None:
        swaps.append(song)
        real_swap(song)  # type: ignore[arg-type]

    session.kernel.swap = swap  # type: ignore[method-assign,assignment]
    follower = ParamFollower(session)
    before = session.song

    for step in range(20):  # a knob turned for 0.4 s, seen at the UI's 50 Hz
        assert follower.apply({"track.1.volume": 0.9 - step / 40}, 10.0 + step * 0.02)
    assert read_param(session.song, "track.1.volume") == pytest.approx(0.9 - 19 / 40)
    assert session.history.undo_label == "MIDI Track 1 volume"
    assert swaps == []  # the kernel already had every value
    follower.apply({}, 10.5)
    assert swaps == []  # not still for long enough yet
    follower.apply({}, 11.0)
    assert len(swaps) == 1
    follower.apply({}, 12.0)
    assert len(swaps) == 1

    session.undo()
    assert session.song is before  # the whole gesture at once
    assert not session.history.can_undo


def test_a_pause_starts_a_new_undo_step_and_an_edit_between_ends_the_gesture() -> None:
    session = session_with()
    follower = ParamFollower(session)
    follower.apply({"track.1.volume": 0.5}, 0.0)
    follower.apply({"track.1.volume": 0.4}, 1.0)  # after a pause: a second gesture
    session.edit(ed.update_track(session.song, 1, pan=0.5), "Mixer")
    follower.apply({"track.1.volume": 0.3}, 1.1)  # the Mixer edit came between

    labels = []
    while (step := session.undo()) is not None:
        labels.append(step.label)
    assert labels == ["MIDI Track 1 volume", "Mixer", "MIDI Track 1 volume", "MIDI Track 1 volume"]


def test_values_for_a_parameter_gone_from_the_song_are_skipped() -> None:
    session = session_with()
    follower = ParamFollower(session)
    assert not follower.apply({"track.9.volume": 0.5}, 0.0)
    assert follower.apply({"track.9.volume": 0.5, "tempo": 140.0}, 0.1)
    assert session.song.tempo_bpm == 140
