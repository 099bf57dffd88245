"""Songs that follow ProTracker (playback "protracker") keep pitch as an Amiga period:
notes come from ProTracker's period tables, slides move the period (uneven in pitch) and
stop at B-3 (113) and C-1 (856), and a sample's volume becomes the channel's volume.

A one-cycle sine sample of CYCLE frames at 8363 Hz, base note C-5, sounds at
AMIGA_CLOCK / period / CYCLE Hz, so each tick's frequency gives its period back.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.dsp.helpers import (
    SAMPLE_AUDIO,
    TICK,
    frequency_hz,
    make_song,
    render_ticks,
    sample_instrument,
    tick_level,
    windows,
)

AMIGA_CLOCK_HZ = 3546895.0
CYCLE = 16
MOD_RATE_HZ = 8363


def sine_cycle(finetune: int = 0, volume: float = 1.0) -> object:
    cycle = np.sin(2 * np.pi * np.arange(CYCLE) / CYCLE).astype(np.float32) * 0.5
    ref_fields = {
        "base_note": 60,
        "finetune": finetune * 16,
        "volume": volume,
        "loop": "forward",
        "loop_start_frames": 0,
        "loop_end_frames": CYCLE,
    }
    instrument = sample_instrument(cycle, **ref_fields)
    sample = instrument.sample.model_copy(update={"sample_rate_hz": MOD_RATE_HZ})
    return instrument.model_copy(update={"sample": sample})


def periods(rows: list[str], ticks: int, finetune: int = 0, speed: int = 6) -> list[float]:
    song = make_song(rows, [sine_cycle(finetune)], speed=speed, playback="protracker")
    out = render_ticks(song, ticks)
    return [AMIGA_CLOCK_HZ / (frequency_hz(w[64:]) * CYCLE) for w in windows(out[:, 0], TICK)]


def test_c5_is_period_428_and_a_native_song_differs() -> None:
    assert periods(["C-5 01 .. 000"], 2) == pytest.approx([428, 428], abs=0.05)
    native = make_song(["C-5 01 .. 000"], [sine_cycle()], playback="native")
    hz = frequency_hz(render_ticks(native, 1)[64:, 0])
    assert hz == pytest.approx(MOD_RATE_HZ / CYCLE, rel=1e-4)  # native: C-5 is 8363 Hz


def test_notes_come_from_the_period_table() -> None:
    got = periods(["C-4 01 .. 000", "D#4 .. .. 000", "B-6 .. .. 000"], 3, speed=1)
    assert got == pytest.approx([856, 720, 113], rel=1e-3)  # zero crossings at 2 kHz: 0.1 %


def test_finetune_picks_its_own_table() -> None:
    # ProTracker's finetune -8 table starts one semitone lower: its C-1 is 907.
    assert periods(["C-4 01 .. 000"], 1, finetune=-8) == pytest.approx([907], abs=0.05)
    assert periods(["C-5 01 .. 000"], 1, finetune=7) == pytest.approx([407], abs=0.05)
    # E5x on the note's row overrides the instrument's (x=F is -1).
    assert periods(["C-5 01 .. E5F"], 1) == pytest.approx([431], abs=0.05)


def test_porta_up_subtracts_from_the_period_each_tick_and_stops_at_113() -> None:
    got = periods(["C-5 01 .. 110"], 6)
    assert got == pytest.approx([428, 412, 396, 380, 364, 348], abs=0.05)
    high = periods(["B-6 01 .. 1FF"], 3)
    assert high == pytest.approx([113, 113, 113], rel=1e-3)


def test_porta_down_adds_and_stops_at_856() -> None:
    got = periods(["C-4 01 .. 205"], 3)
    assert got == pytest.approx([856, 856, 856], abs=0.05)
    assert periods(["C-5 01 .. 203"], 3) == pytest.approx([428, 431, 434], abs=0.05)


def test_slides_have_no_memory() -> None:
    # 100 after 110 does not slide (FastTracker II would repeat the 10).
    assert periods(["C-5 01 .. 110", "--- .. .. 100"], 8, speed=4)[4:] == pytest.approx(
        [380] * 4, abs=0.05
    )


def test_fine_slides_move_the_period_once() -> None:
    assert periods(["C-5 01 .. E14"], 3) == pytest.approx([424, 424, 424], abs=0.05)
    assert periods(["C-5 01 .. E24"], 2) == pytest.approx([432, 432], abs=0.05)


def test_tone_porta_moves_the_period_toward_the_note() -> None:
    got = periods(["C-5 01 .. 000", "D-5 .. .. 310"], 12, speed=6)
    assert got[6:] == pytest.approx([428, 412, 396, 381, 381, 381], abs=0.05)


def test_arpeggio_takes_neighbour_periods_from_the_table() -> None:
    got = periods(["C-5 01 .. 047"], 6, speed=6)
    # ticks 0..5: base, +4 semitones (E-2 = 339), +7 (G-2 = 285), base, +4, +7
    assert got == pytest.approx([428, 339, 285, 428, 339, 285], abs=0.05)


def test_the_sample_volume_is_the_channel_volume() -> None:
    quiet = make_song(
        ["C-5 01 .. 000", "--- .. .. C40"], [sine_cycle(volume=0.5)], speed=2, playback="protracker"
    )
    level = tick_level(render_ticks(quiet, 4))
    # The sample's volume 32 is where the channel starts; C40 sets 64, twice as loud.
    assert level[3] == pytest.approx(2 * level[1], rel=0.02)


def test_a_reached_porta_target_is_forgotten() -> None:
    # PortaTarget.mod: once 3xx arrives, a later 300 does not slide back after a 2xx.
    rows = ["C-5 01 .. 000", "D-5 .. .. 3FF", "--- .. .. 204", "--- .. .. 300"]
    got = periods(rows, 8, speed=2)
    assert got[2:] == pytest.approx([428, 381, 381, 385, 385, 385], abs=0.05)


def test_a_new_note_without_porta_keeps_the_old_target() -> None:
    # PortaTarget.mod: C-5 slides toward G-5 (285), a new C-5 does not reset the target.
    rows = ["C-5 01 .. 000", "G-5 .. .. 301", "C-5 .. .. 000", "--- .. .. 310"]
    got = periods(rows, 8, speed=2)
    assert got[4:] == pytest.approx([428, 428, 428, 412], abs=0.05)


def rows_played(rows: list[str], ticks: int, playback: str = "protracker") -> list[int]:
    from tests.dsp.helpers import start

    song = make_song(rows, [sine_cycle()], speed=1, playback=playback)
    run = start(song)
    run.render(ticks * TICK)
    return [event.row for event in run.rows()]


EMPTY2 = "--- .. .. 000 | --- .. .. 000"


def test_bxx_clears_a_break_left_of_it() -> None:
    # PatternJump.mod: D05 then B00 on the same row jumps to row 0 of position 0.
    rows = ["C-5 01 .. 000 | --- .. .. 000", "--- .. .. D05 | --- .. .. B00", *[EMPTY2] * 6]
    assert rows_played(rows, 5)[:4] == [0, 1, 0, 1]


def test_a_break_after_a_row_delay_skips_its_target_row() -> None:
    # DelayBreak.mod: EE1 with D02 on one row: row 2 is not played, row 3 is.
    rows = ["C-5 01 .. 000 | --- .. .. 000", "--- .. .. EE1 | --- .. .. D02", *[EMPTY2] * 6]
    assert rows_played(rows, 5)[:4] == [0, 1, 1, 3]


def test_fine_slides_run_on_every_row_delay_repetition() -> None:
    # PatternDelaysRetrig.mod: E12 on a row repeated twice by EE2 slides three times.
    got = periods(["C-5 01 .. E12 EE2", "--- .. .. ... ..."], 4, speed=1)
    assert got == pytest.approx([426, 424, 422, 422], abs=0.05)


def test_native_songs_slide_once_per_delayed_row() -> None:
    song = make_song(["C-5 01 .. E14 EE2", "--- .. .. ... ..."], [sine_cycle()], speed=1)
    out = render_ticks(song, 4)
    hz = [frequency_hz(w[64:]) for w in windows(out[:, 0], TICK)]
    assert hz[1] == pytest.approx(hz[2], rel=1e-4)  # the repetition does not slide again


def scaled_cycle(scale: float, looped: bool = True) -> object:
    instrument = sine_cycle()
    audio = SAMPLE_AUDIO[instrument.sample.sha256] * scale
    fields = {"loop": "forward", "loop_start_frames": 0, "loop_end_frames": CYCLE} if looped else {}
    other = sample_instrument(audio[:, 0], base_note=60, volume=1.0, **fields)
    sample = other.sample.model_copy(update={"sample_rate_hz": MOD_RATE_HZ})
    return other.model_copy(update={"sample": sample})


def test_a_lone_instrument_number_swaps_the_sample_at_its_loop_end() -> None:
    # PTInstrSwap.mod: no retrigger; the new sample's loop takes over when the old one's
    # comes round (a 16-frame loop: within the tick), at the sounding note's pitch.
    song = make_song(
        ["C-5 01 .. 000", "--- 02 .. 000", "--- 03 .. 000"],
        [sine_cycle(), scaled_cycle(0.5), scaled_cycle(0.5, looped=False)],
        speed=1,
        playback="protracker",
    )
    out = render_ticks(song, 3)
    level = tick_level(out, skip=TICK // 2)  # the old loop finishes in the tick's first 93 frames
    assert level[1] == pytest.approx(level[0] / 2, rel=0.02)
    assert frequency_hz(windows(out[:, 0], TICK)[1][64:]) == pytest.approx(
        AMIGA_CLOCK_HZ / 428 / CYCLE, rel=1e-3
    )
    assert level[2] < 1e-3  # a sample without a loop plays its silent one-shot loop


def test_an_arpeggio_past_b3_reads_on_through_protrackers_tables() -> None:
    # ArpWraparound.mod: B-6 (B-3 in ProTracker) +1 reads the word after the table, a 0, and
    # the sample stands still; +2 reads the next finetune's table from its C-1 (850)
    song = make_song(["B-6 01 .. 012"], [sine_cycle()], speed=3, playback="protracker", length=4)
    ticks = windows(render_ticks(song, 3)[:, 0], TICK)
    assert AMIGA_CLOCK_HZ / (frequency_hz(ticks[0][64:]) * CYCLE) == pytest.approx(113, abs=0.05)
    assert np.ptp(ticks[1][64:]) < 1e-6  # a period of 0: one value held
    assert AMIGA_CLOCK_HZ / (frequency_hz(ticks[2][64:]) * CYCLE) == pytest.approx(850, rel=1e-3)


def test_a_note_delayed_past_the_row_plays_on_the_next_rows_first_tick() -> None:
    # NoteDelay-NextRow.mod: ED3 at speed 2 never comes; the next row, having no note of its
    # own, takes D-5 at once as an instant portamento
    got = periods(["C-5 01 .. 000", "D-5 01 .. ED3", "--- .. .. 000"], 6, speed=2)
    assert got == pytest.approx([428, 428, 428, 428, 381, 381], abs=0.05)
