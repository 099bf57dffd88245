"""MIDI out of the kernel: clock and transport for other gear, notes for external synths,
and cued positions. Rendered offline and checked frame by frame, like the effect tests."""

from __future__ import annotations

import numpy as np
import pytest

from tests.dsp.helpers import RATE, TICK, Run, make_song, sine_synth, start
from tracker.engine.kernel import MidiDue, RowReached
from tracker.model import Song, Track

CLOCK, START, CONTINUE, STOP, SPP = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2
EMPTY = "--- .. .. ..."


def clocked(song: Song, order: int = 0, row: int = 0) -> Run:
    run = start(song, play=False)
    run.kernel.set_midi_clock(True)
    run.kernel.play_song(order, row)
    return run


def drain(run: Run, frames: int, block: int = 4096) -> list[MidiDue]:
    due: list[MidiDue] = []
    done = 0
    while done < frames:
        n = min(block, frames - done)
        run.render(n, block=n)
        due.extend(run.kernel.midi_due())
        done += n
    return due


def frames_of(due: list[MidiDue], status: int) -> list[int]:
    return [m.frame for m in due if m.data[0] == status]


def test_clock_is_24_per_beat_at_speed_6_and_4_rows_per_beat_one_per_tick() -> None:
    run = clocked(make_song([EMPTY], [sine_synth()], length=64))
    due = drain(run, 96 * TICK)

    assert due[0] == MidiDue(0, bytes([START]))
    assert frames_of(due, CLOCK) == [t * TICK for t in range(96)]
    assert due[0].time_s == 0.0 and due[5].time_s == pytest.approx(due[5].frame / RATE)


@pytest.mark.parametrize(("speed", "rows_per_beat"), [(3, 4), (5, 4), (6, 3), (7, 5), (31, 1)])
def test_clock_follows_speed_and_rows_per_beat(speed: int, rows_per_beat: int) -> None:
    """A beat is rows_per_beat rows of `speed` ticks, whatever the BPM says; each clock sits
    at its exact frame inside its tick."""
    song = make_song([EMPTY], [sine_synth()], length=64, speed=speed, rows_per_beat=rows_per_beat)
    run = clocked(song)
    beats = 4
    ticks_per_beat = speed * rows_per_beat
    end = beats * ticks_per_beat * TICK
    due = drain(run, end + 1)

    expected = [k * ticks_per_beat * TICK // 24 for k in range(beats * 24 + 1)]
    assert [f for f in frames_of(due, CLOCK) if f <= end] == expected


def test_clocks_stay_on_the_beat_across_a_tempo_change() -> None:
    song = make_song([EMPTY, EMPTY, EMPTY, EMPTY, "--- .. .. F40"], [sine_synth()], length=8)
    run = clocked(song)
    due = drain(run, 2 * RATE)
    rows = {r.row: r.frame for r in run.rows() if r.order == 0}
    clocks = frames_of(due, CLOCK)
    # every row starts with a clock (one row is 6 ticks = 6 clocks at speed 6, 4 rows/beat)
    assert all(rows[r] in clocks for r in range(8))
    after = [f for f in clocks if f >= rows[4]]
    assert np.diff(after[:20]).tolist() == pytest.approx([RATE * 2.5 / 0x40] * 19, abs=1)


def test_play_from_elsewhere_sends_song_position_then_continue() -> None:
    song = make_song([[EMPTY] * 64, [EMPTY] * 32], [sine_synth()], order=[0, 1, 0])
    run = clocked(song, order=1, row=8)
    due = drain(run, TICK)

    sixteenths = 64 + 8  # rows before the start; 4 rows per beat: a row is a sixteenth
    assert [m.data for m in due[:2]] == [
        bytes([SPP, sixteenths & 0x7F, sixteenths >> 7]),
        bytes([CONTINUE]),
    ]
    assert frames_of(due, CLOCK)[0] == 0


def test_stop_sends_stop_and_no_more_clocks() -> None:
    run = clocked(make_song([EMPTY], [sine_synth()], length=64))
    drain(run, 10 * TICK + 5)
    run.kernel.stop()
    due = drain(run, 10 * TICK)

    assert [m.data for m in due] == [bytes([STOP])]


def test_without_clock_nothing_is_sent() -> None:
    run = start(make_song([EMPTY], [sine_synth()], length=64))
    assert drain(run, 10 * TICK) == []


# ---- external-synth tracks ------------------------------------------------------------


def midi_song(rows: list[str], *, midi_only: bool = False, instruments: int = 2) -> Song:
    song = make_song(rows, [sine_synth() for _ in range(instruments)], length=16)
    tracks = [song.tracks[0].model_copy(update={"midi_channel": 3, "midi_only": midi_only})]
    return song.model_copy(update={"tracks": tracks + song.tracks[1:]})


def test_an_external_track_sends_program_note_on_and_note_off_in_order() -> None:
    song = midi_song(["C-4 02 20 ...", "--- .. .. ...", "=== .. .. ...", "E-4 .. .. ..."])
    run = start(song)
    due = drain(run, 4 * 6 * TICK)

    row = 6 * TICK
    assert [(m.frame, m.data) for m in due] == [
        (0, bytes([0xC2, 1])),  # instrument 02 is program 1, channel 3
        (0, bytes([0x92, 48 + 12, 64])),  # C-4 is MIDI 60; volume 20 (of 40) is velocity 64
        (2 * row, bytes([0x82, 60, 0])),
        (3 * row, bytes([0x92, 64, 64])),  # no instrument: the volume stays, so does the program
    ]


def test_a_new_note_ends_the_last_one_and_stop_silences_everything() -> None:
    run = start(midi_song(["C-4 01 .. ...", "D-4 .. .. ..."]))
    drain(run, 7 * TICK)
    run.kernel.stop()
    due = drain(run, TICK)

    assert [m.data for m in due] == [bytes([0x82, 62, 0]), bytes([0xB2, 123, 0])]


def test_cc_and_pitch_bend_effects() -> None:
    run = start(midi_song(["C-4 01 .. M40", "--- .. .. N4A", "--- .. .. M7F", "--- .. .. I80"]))
    due = drain(run, 4 * 6 * TICK)

    assert [m.data for m in due if m.data[0] in (0xB2, 0xE2)] == [
        bytes([0xB2, 1, 0x40]),  # the mod wheel until N says otherwise
        bytes([0xB2, 0x4A, 0x7F]),
        bytes([0xE2, 0, 0x40]),  # 80 is the centre: 8192
    ]


def test_tone_portamento_does_not_retrigger_the_external_note() -> None:
    run = start(midi_song(["C-4 01 .. ...", "E-4 .. .. 305"]))
    due = drain(run, 2 * 6 * TICK)
    assert [m.data[1] for m in due if m.data[0] == 0x92] == [60]


def test_midi_only_track_is_silent_inside_and_plays_outside() -> None:
    both = start(midi_song(["C-4 01 .. ..."]))
    only = start(midi_song(["C-4 01 .. ..."], midi_only=True))
    assert both.render(4 * TICK).any()
    assert not only.render(4 * TICK).any()
    assert [m.data[0] for m in only.kernel.midi_due()] == [0xC2, 0x92]


@pytest.mark.parametrize("block", [1, 17, 64, 1000])
def test_midi_does_not_depend_on_the_block_size(block: int) -> None:
    song = midi_song(["C-4 01 .. M10", "D-4 .. 30 I20", "=== .. .. ...", "E-4 02 .. ..."])
    song = song.model_copy(update={"speed_ticks": 5})
    reference = clocked(song)
    expected = drain(reference, 30 * TICK)
    run = clocked(song)
    assert drain(run, 30 * TICK, block=block) == expected


def test_a_full_midi_queue_counts_what_it_drops() -> None:
    run = clocked(make_song([EMPTY], [sine_synth()], length=64))
    run.render(5000 * TICK)  # nobody drains: 5000 clocks for 4096 slots
    assert run.kernel.stats().midi_dropped > 0
    assert len(run.kernel.midi_due()) == 4096


def test_track_midi_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="midi_channel"):
        Track(midi_channel=17)
    with pytest.raises(ValueError, match="midi_channel"):
        Track(midi_channel=0)


# ---- cues ------------------------------------------------------------------------------


def test_a_cued_order_starts_when_the_playing_pattern_ends() -> None:
    song = make_song([[EMPTY] * 4, [EMPTY] * 4, [EMPTY] * 4], [sine_synth()])
    run = start(song)
    run.render(2 * 6 * TICK)
    run.kernel.cue(2)
    run.render(6 * 6 * TICK)

    assert [(r.order, r.row) for r in run.rows()][:7] == [
        (0, 0),
        (0, 1),
        (0, 2),
        (0, 3),
        (2, 0),
        (2, 1),
        (2, 2),
    ]


def test_a_cue_in_pattern_play_switches_pattern_and_can_be_cancelled() -> None:
    song = make_song([[EMPTY] * 2, [EMPTY] * 2], [sine_synth()])
    run = start(song, play=False)
    run.kernel.play_pattern(0)
    run.kernel.cue(1)
    run.render(4 * 6 * TICK)
    run.kernel.cue(0)
    run.render(TICK)
    from tracker.engine.kernel import CUE_NONE

    run.kernel.cue(CUE_NONE)
    run.render(5 * 6 * TICK)
    assert [r.pattern for r in run.rows()] == [0, 0, 1, 1, 1, 1, 1, 1, 1, 1]


def test_a_cue_to_a_missing_position_is_ignored() -> None:
    song = make_song([[EMPTY] * 2], [sine_synth()])
    run = start(song)
    run.kernel.cue(7)
    run.render(5 * 6 * TICK)
    assert all(isinstance(r, RowReached) and r.order == 0 for r in run.rows())
    assert [r.row for r in run.rows()] == [0, 1, 0, 1, 0]


def test_a_cue_for_the_bar_starts_where_the_bar_ends() -> None:
    song = make_song([[EMPTY] * 16, [EMPTY] * 16], [sine_synth()], rows_per_bar=4)
    run = start(song)
    run.render(6 * 6 * TICK)  # into row 6, the second bar
    run.kernel.cue(1, at_bar=True)
    run.render(4 * 6 * TICK)
    assert [(r.order, r.row) for r in run.rows()][5:10] == [(0, 5), (0, 6), (0, 7), (1, 0), (1, 1)]
