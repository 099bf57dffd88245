"""MIDI record mode's pure logic (tracker.record): time to row and tick, chords to tracks,
notes to cells, one recording pass to one undo group."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from tracker.model import NOTE_OFF, Cell, Effect, Song
from tracker.model import edit as ed
from tracker.record import (
    ChordSpread,
    Moment,
    Recorder,
    RecordSettings,
    Spot,
    TimedRow,
    Timeline,
    apply_writes,
    quantise,
    volume_of,
    write_note,
)

ROW_S = 6 * 2.5 / 125  # speed 6 at 125 BPM: 0.12 s a row, 0.02 s a tick
TICK_S = 2.5 / 125


def song(rows: int = 8, patterns: int = 2, tracks: int = 4) -> Song:
    made = Song.new(tracks=tracks)
    made = ed.set_pattern_length(made, 0, rows)
    for _ in range(patterns - 1):
        made, _ = ed.new_pattern(made, rows)
    return made.model_copy(update={"order": list(range(patterns))})


def played(
    *rows: tuple[int, int, int], start_s: float = 10.0, speed: int = 6, tempo: int = 125
) -> list[TimedRow]:
    """Rows (order, pattern, row) heard one after another at the given speed and tempo."""
    row_s = speed * 2.5 / tempo
    return [
        TimedRow(order, pattern, row, start_s + i * row_s, speed, tempo)
        for i, (order, pattern, row) in enumerate(rows)
    ]


# ---- quantise: to the nearest row -----------------------------------------------------


@pytest.mark.parametrize(
    ("fraction", "row"),
    [(0.0, 3), (0.3, 3), (0.49, 3), (0.51, 4), (0.9, 4), (1.2, 4)],
)
def test_a_note_goes_to_the_nearest_row_start(fraction: float, row: int) -> None:
    rows = played((0, 0, 3), (0, 0, 4), (0, 0, 5))
    spot = quantise(rows, 10.0 + fraction * ROW_S, "row", song(), loop=False)
    assert spot == Spot(0, 0, row)


def test_the_next_row_is_the_one_played_next_when_the_kernel_reported_it() -> None:
    # A pattern break (D00 on row 2): row 2 is followed by row 0 of the next order position.
    rows = played((0, 0, 2), (1, 1, 0))
    assert quantise(rows, 10.0 + 0.7 * ROW_S, "row", song(), loop=False) == Spot(1, 1, 0)


def test_past_the_middle_of_a_patterns_last_row_is_the_next_order_positions_first() -> None:
    rows = played((0, 0, 6), (0, 0, 7))  # row 7 is the last; its successor not yet reported
    time_s = rows[-1].time_s + 0.6 * ROW_S
    assert quantise(rows, time_s, "row", song(), loop=False) == Spot(1, 1, 0)


def test_after_the_last_order_position_the_song_restarts() -> None:
    restarting = song(patterns=3).model_copy(update={"restart_order": 1})
    rows = played((2, 2, 7))
    assert quantise(rows, 10.0 + 0.6 * ROW_S, "row", restarting, loop=False) == Spot(1, 1, 0)


def test_a_looping_pattern_wraps_to_its_own_first_row() -> None:
    rows = played((0, 1, 7))
    assert quantise(rows, 10.0 + 0.6 * ROW_S, "row", song(), loop=True) == Spot(0, 1, 0)


def test_before_the_first_row_counts_as_its_start_and_no_rows_is_none() -> None:
    rows = played((0, 0, 0), (0, 0, 1))
    assert quantise(rows, 9.0, "row", song(), loop=False) == Spot(0, 0, 0)
    assert quantise([], 9.0, "row", song(), loop=False) is None


def test_a_row_the_song_no_longer_has_is_none() -> None:
    rows = played((0, 0, 40))  # the pattern was shortened since
    assert quantise(rows, 10.0, "row", song(), loop=False) is None


def test_a_row_made_longer_by_a_pattern_delay_has_its_middle_later() -> None:
    # Row 3 lasts two rows' time (EE1): the middle is one whole row after its start.
    rows = [TimedRow(0, 0, 3, 10.0, 6, 125), TimedRow(0, 0, 4, 10.0 + 2 * ROW_S, 6, 125)]
    assert quantise(rows, 10.0 + 0.9 * ROW_S, "row", song(), loop=False) == Spot(0, 0, 3)
    assert quantise(rows, 10.0 + 1.1 * ROW_S, "row", song(), loop=False) == Spot(0, 0, 4)


# ---- quantise: to the nearest tick ----------------------------------------------------


@pytest.mark.parametrize(
    ("ticks", "spot"),
    [
        (0.0, Spot(0, 0, 3, 0)),
        (0.49, Spot(0, 0, 3, 0)),
        (0.51, Spot(0, 0, 3, 1)),
        (2.4, Spot(0, 0, 3, 2)),
        (2.6, Spot(0, 0, 3, 3)),
        (5.49, Spot(0, 0, 3, 5)),
        (5.51, Spot(0, 0, 4, 0)),
    ],
)
def test_a_note_goes_to_the_nearest_tick(ticks: float, spot: Spot) -> None:
    rows = played((0, 0, 3), (0, 0, 4))
    assert quantise(rows, 10.0 + ticks * TICK_S, "tick", song(), loop=False) == spot


def test_ticks_follow_the_rows_speed_and_tempo() -> None:
    # Speed 3 at 250 BPM: ticks of 10 ms, three to a row.
    rows = played((0, 0, 3), speed=3, tempo=250)
    assert quantise(rows, 10.0 + 0.021, "tick", song(), loop=False) == Spot(0, 0, 3, 2)
    assert quantise(rows, 10.0 + 0.026, "tick", song(), loop=False) == Spot(0, 0, 4, 0)


# ---- the timeline: speed and tempo as played ------------------------------------------


@dataclass(frozen=True)
class Reached:
    order: int
    pattern: int
    row: int
    time_s: float


def test_the_timeline_follows_fxx_on_the_rows_played() -> None:
    made = song()
    made = ed.set_cell(made, 0, 2, 1, Cell(effects=(Effect(command="F", param=3),)))
    made = ed.set_cell(made, 0, 4, 3, Cell(effects=(Effect(command="F", param=0x96),)))
    made = ed.set_cell(made, 0, 5, 0, Cell(effects=(Effect(command="F", param=0),)))
    timeline = Timeline()
    timeline.add([Reached(0, 0, row, float(row)) for row in range(6)], made, plays=1)
    assert [(r.speed, r.tempo_bpm) for r in timeline.rows] == [
        (6, 125),
        (6, 125),
        (3, 125),  # F03 on row 2 applies to row 2 itself
        (3, 125),
        (3, 150),  # F96: tempo 150
        (3, 150),  # F00 does nothing
    ]


def test_a_new_play_starts_again_from_the_songs_speed_and_tempo() -> None:
    made = ed.set_cell(song(), 0, 0, 0, Cell(effects=(Effect(command="F", param=2),)))
    timeline = Timeline()
    timeline.add([Reached(0, 0, 0, 1.0), Reached(0, 0, 1, 2.0)], made, plays=1)
    assert timeline.rows[-1].speed == 2
    timeline.add([Reached(0, 0, 5, 9.0)], made, plays=2)
    assert [(r.row, r.speed) for r in timeline.rows] == [(5, 6)]


def test_a_live_tempo_change_of_the_song_is_followed() -> None:
    timeline = Timeline()
    timeline.add([Reached(0, 0, 0, 1.0)], song(), plays=1)
    faster = song().model_copy(update={"tempo_bpm": 140})
    timeline.add([Reached(0, 0, 1, 2.0)], faster, plays=1)
    assert [r.tempo_bpm for r in timeline.rows] == [125, 140]


def test_the_timeline_keeps_only_the_latest_rows() -> None:
    timeline = Timeline(keep=4)
    timeline.add([Reached(0, 0, row % 8, float(row)) for row in range(10)], song(), plays=1)
    assert [r.time_s for r in timeline.rows] == [6.0, 7.0, 8.0, 9.0]


# ---- chords -> tracks -----------------------------------------------------------------


def test_a_chord_spreads_over_the_next_free_tracks_and_wraps() -> None:
    spread = ChordSpread()
    assert [spread.press(note, 2, 4, spread=True) for note in (60, 64, 67)] == [2, 3, 0]


def test_a_released_key_frees_its_track_for_the_next_note() -> None:
    spread = ChordSpread()
    for note in (60, 64, 67):
        spread.press(note, 0, 4, spread=True)
    assert spread.release(64) == 1
    assert spread.press(71, 0, 4, spread=True) == 1  # track 0 still holds 60
    assert spread.release(60) == 0
    assert spread.press(72, 0, 4, spread=True) == 0  # the cursor's track again
    assert spread.held() == {67: 2, 71: 1, 72: 0}
    assert spread.release(99) is None


def test_more_keys_than_tracks_double_up_on_the_cursors_track() -> None:
    spread = ChordSpread()
    assert [spread.press(note, 1, 2, spread=True) for note in (60, 62, 64)] == [1, 0, 1]


def test_without_spread_every_note_goes_to_the_cursors_track() -> None:
    spread = ChordSpread()
    assert [spread.press(note, 2, 4, spread=False) for note in (60, 64)] == [2, 2]
    assert spread.release(60) == 2


# ---- notes -> cells -------------------------------------------------------------------


@pytest.mark.parametrize(("velocity", "volume"), [(127, 64), (100, 50), (64, 32), (1, 1), (0, 0)])
def test_velocity_becomes_the_volume_column(velocity: int, volume: int) -> None:
    assert volume_of(velocity / 127) == volume


def test_a_note_on_a_later_tick_gets_a_note_delay_in_the_first_free_column() -> None:
    old = Cell(note=40, volume=10, effects=(Effect(command="A", param=0x0F),))
    cell = write_note(old, 60, 1, 50, 3, effect_columns=2)
    assert cell == Cell(
        note=60,
        instrument=1,
        volume=50,
        effects=(Effect(command="A", param=0x0F), Effect(command="E", param=0xD3)),
    )


def test_an_old_note_delay_is_replaced_or_dropped() -> None:
    old = Cell(note=40, effects=(Effect(command="E", param=0xD4), Effect(command="1", param=2)))
    moved = write_note(old, 60, None, None, 2, effect_columns=2)
    assert moved is not None and moved.effects[0] == Effect(command="E", param=0xD2)
    on_the_row = write_note(old, 60, None, None, 0, effect_columns=2)
    assert on_the_row is not None and on_the_row.effects == (None, Effect(command="1", param=2))


def test_no_free_effect_column_means_no_note_delay() -> None:
    old = Cell(effects=(Effect(command="A", param=1),))
    assert write_note(old, 60, 1, None, 2, effect_columns=1) is None


def test_no_volume_keeps_the_volume_column() -> None:
    cell = write_note(Cell(note=40, volume=0x20), NOTE_OFF, None, None, 0, effect_columns=1)
    assert cell == Cell(note=NOTE_OFF, volume=0x20)


# ---- the recorder ---------------------------------------------------------------------


def moment(time_s: float = 0.0, playing: bool = True, **changes: object) -> Moment:
    now = Moment(
        playing=playing,
        time_s=time_s,
        loop=True,
        cursor_pattern=0,
        cursor_row=2,
        edit_step=3,
        instrument=1,
        plays=1,
    )
    return replace(now, **changes)  # type: ignore[arg-type]


def recorder_at(*rows: tuple[int, int, int], settings: RecordSettings | None = None) -> Recorder:
    recorder = Recorder()
    recorder.toggle()
    recorder.settings = settings or RecordSettings()
    recorder.timeline.rows.extend(played(*rows))
    return recorder


def test_stopped_notes_go_to_the_cursor_row_and_step_down() -> None:
    recorder = recorder_at()
    take = recorder.press(song(), 60, 100 / 127, 1, moment(playing=False))
    assert [(w.pattern, w.row, w.track, w.cell) for w in take.writes] == [
        (0, 2, 1, Cell(note=60, instrument=1, volume=50))
    ]
    assert take.cursor_row == 5
    assert take.group is None  # each note its own undo step while stopped


def test_stopped_a_chord_shares_the_first_notes_row() -> None:
    recorder = recorder_at()
    first = recorder.press(song(), 60, 1.0, 0, moment(playing=False))
    # The cursor stepped on; the chord's other keys still go to row 2.
    second = recorder.press(song(), 64, 1.0, 1, moment(playing=False, cursor_row=5))
    assert (first.writes[0].row, second.writes[0].row) == (2, 2)
    assert (first.cursor_row, second.cursor_row) == (5, None)
    recorder.release(song(), 60, moment(playing=False))
    recorder.release(song(), 64, moment(playing=False))
    third = recorder.press(song(), 67, 1.0, 0, moment(playing=False, cursor_row=5))
    assert (third.writes[0].row, third.cursor_row) == (5, 0)  # 5 + 3 wraps in 8 rows


def test_the_step_wraps_round_the_pattern_and_velocity_can_be_left_out() -> None:
    recorder = recorder_at(settings=RecordSettings(velocity=False))
    take = recorder.press(song(), 60, 0.5, 0, moment(playing=False, cursor_row=7, instrument=0))
    assert take.writes[0].cell == Cell(note=60)
    assert take.cursor_row == 2


def test_playing_a_note_goes_where_it_was_heard_and_one_pass_is_one_group() -> None:
    recorder = recorder_at((0, 0, 3), (0, 0, 4), (0, 0, 5))
    first = recorder.press(song(), 60, 1.0, 0, moment(10.0 + 0.2 * ROW_S))
    second = recorder.press(song(), 62, 1.0, 1, moment(10.0 + 1.7 * ROW_S))
    assert [(w.pattern, w.row, w.track) for w in first.writes + second.writes] == [
        (0, 3, 0),
        (0, 5, 1),
    ]
    assert first.cursor_row is None
    assert first.group is not None and first.group is second.group
    replay = recorder.press(song(), 64, 1.0, 2, moment(10.0, plays=2))
    assert replay.group is not first.group  # playback restarted: a new pass
    recorder.toggle()
    recorder.toggle()
    assert recorder.press(song(), 65, 1.0, 3, moment(10.0, plays=2)).group is not replay.group


def test_note_offs_are_written_where_the_key_is_released() -> None:
    recorder = recorder_at((0, 0, 3), (0, 0, 4), (0, 0, 5), settings=RecordSettings(note_offs=True))
    recorder.press(song(), 60, 1.0, 2, moment(10.0))
    take = recorder.release(song(), 60, moment(10.0 + 1.8 * ROW_S))
    assert [(w.row, w.track, w.cell) for w in take.writes] == [(5, 2, Cell(note=NOTE_OFF))]


def test_a_release_in_the_notes_own_row_writes_nothing() -> None:
    settings = RecordSettings(note_offs=True, quantise="tick")
    recorder = recorder_at((0, 0, 3), (0, 0, 4), settings=settings)
    recorder.press(song(), 60, 1.0, 0, moment(10.0 + 1 * TICK_S))
    assert recorder.release(song(), 60, moment(10.0 + 4 * TICK_S)).writes == ()


def test_note_offs_off_or_while_stopped_write_nothing() -> None:
    recorder = recorder_at((0, 0, 3), (0, 0, 4), (0, 0, 5))
    recorder.press(song(), 60, 1.0, 0, moment(10.0))
    assert recorder.release(song(), 60, moment(10.0 + 2 * ROW_S)).writes == ()
    recorder.settings = RecordSettings(note_offs=True)
    recorder.press(song(), 60, 1.0, 0, moment(playing=False))
    assert recorder.release(song(), 60, moment(playing=False)).writes == ()


def test_tick_mode_writes_a_note_delay_or_falls_back_to_the_nearest_row() -> None:
    settings = RecordSettings(quantise="tick", velocity=False)
    made = ed.set_cell(song(), 0, 4, 0, Cell(effects=(Effect(command="A", param=1),)))
    recorder = recorder_at((0, 0, 3), (0, 0, 4), settings=settings)
    delayed = recorder.press(made, 60, 1.0, 1, moment(10.0 + ROW_S + 2 * TICK_S))
    assert [(w.row, w.track, w.cell) for w in delayed.writes] == [
        (4, 1, Cell(note=60, instrument=1, effects=(Effect(command="E", param=0xD2),)))
    ]
    # Track 0 has one effect column, taken on row 4: no delay; row 4 is the nearest row.
    full = recorder.press(made, 62, 1.0, 0, moment(10.0 + ROW_S + 2 * TICK_S))
    assert [(w.row, w.cell) for w in full.writes] == [
        (4, Cell(note=62, instrument=1, effects=(Effect(command="A", param=1),)))
    ]


def test_nothing_is_written_while_playing_before_any_row_is_known() -> None:
    recorder = recorder_at()
    assert recorder.press(song(), 60, 1.0, 0, moment(10.0)).writes == ()


def test_writes_apply_to_the_song() -> None:
    recorder = recorder_at((0, 1, 6))
    take = recorder.press(song(), 60, 1.0, 3, moment(10.0, instrument=0))
    assert apply_writes(song(), take.writes).patterns[1].rows[6][3].note == 60
