"""FastTracker II instruments in the kernel: drawn envelopes, fadeout, auto-vibrato, keymaps.

A constant sample makes each tick's last frame the voice's gain. Under FastTracker II's rules
the sample's volume (FULL) is the channel's, and FT2's square-root pan law puts a centred
note at CENTRE (FULL, -3 dB) on each side, so a note at full envelope reads CENTRE.
"""

import math

import numpy as np
import pytest

from tests.dsp.helpers import (
    A4_UNITS,
    FULL,
    SAMPLE_AUDIO,
    TICK,
    dc_sample,
    make_song,
    render_ticks,
    sample_instrument,
    start,
    tick_end,
    tick_pitch,
)
from tracker.engine import compile_song
from tracker.model import AutoVibrato, EnvelopePoint, PointEnvelope, SampleZone

CENTRE = FULL * math.sqrt(0.5)


def side(pan: float) -> float:
    """FT2's gain on the right side of a note at pan -1..1 (the left is side(-pan))."""
    return math.sqrt(0.5 * (1 + pan))


def envelope(*points: tuple[int, float], **fields: int) -> PointEnvelope:
    return PointEnvelope(points=[EnvelopePoint(tick=t, value=v) for t, v in points], **fields)


def levels(rows: list[str], instruments: list, ticks: int, **song: object) -> np.ndarray:
    played = make_song(rows, instruments, playback="fasttracker2", length=16, **song)
    return tick_end(render_ticks(played, ticks)) / CENTRE


def test_the_volume_envelope_moves_a_tick_at_a_time_from_its_first_point() -> None:
    ramp = envelope((0, 1.0), (4, 0.5), (8, 0.0))
    level = levels(["A-4 01 .. ..."], [dc_sample(volume_envelope=ramp)], 10)

    expected = [1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0, 0]
    np.testing.assert_allclose(level, expected, atol=1e-5)


def test_the_sustain_point_holds_until_the_key_is_released() -> None:
    held = envelope((0, 1.0), (2, 0.5), (6, 0.25), sustain=1)
    rows = ["A-4 01 .. ...", "=== .. .. ..."]
    level = levels(rows, [dc_sample(volume_envelope=held)], 10, speed=6)

    # held at 0.5 from tick 2; released on tick 6, where FT2 holds the point one tick more
    expected = [1, 0.75, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4375, 0.375, 0.3125]
    np.testing.assert_allclose(level, expected, atol=1e-5)


def test_the_loop_goes_round_from_its_end_point_to_its_start_point() -> None:
    looped = envelope((0, 1.0), (2, 0.5), (4, 1.0), loop_start=1, loop_end=2)
    level = levels(["A-4 01 .. ..."], [dc_sample(volume_envelope=looped)], 9)

    # ticks 0 1 2 3 4->2 3 4->2 ...
    expected = [1, 0.75, 0.5, 0.75, 0.5, 0.75, 0.5, 0.75, 0.5]
    np.testing.assert_allclose(level, expected, atol=1e-5)


def test_a_released_note_fades_out_by_its_fadeout_each_tick() -> None:
    flat = envelope((0, 1.0), (10, 1.0), sustain=0)
    rows = ["A-4 01 .. ...", "=== .. .. ..."]
    level = levels(rows, [dc_sample(volume_envelope=flat, fadeout=0.25)], 12, speed=4)

    expected = [1, 1, 1, 1, 0.75, 0.5, 0.25, 0, 0, 0, 0, 0]
    np.testing.assert_allclose(level, expected, atol=1e-5)


def test_without_a_volume_envelope_the_key_release_silences_the_note() -> None:
    rows = ["A-4 01 .. ...", "=== .. .. ..."]
    level = levels(rows, [dc_sample(fadeout=0.25)], 8, speed=4)

    np.testing.assert_allclose(level, [1, 1, 1, 1, 0, 0, 0, 0], atol=1e-5)


def test_an_instrument_number_alone_restarts_the_envelope_of_the_sounding_note() -> None:
    ramp = envelope((0, 1.0), (8, 0.0))
    rows = ["A-4 01 .. ...", "--- 01 .. ..."]
    level = levels(rows, [dc_sample(volume_envelope=ramp)], 8, speed=4)

    np.testing.assert_allclose(level, [1, 0.875, 0.75, 0.625, 1, 0.875, 0.75, 0.625], atol=1e-5)


def test_lxx_sets_the_envelope_position() -> None:
    ramp = envelope((0, 1.0), (8, 0.0))
    rows = ["A-4 01 .. ...", "--- .. .. L06"]
    level = levels(rows, [dc_sample(volume_envelope=ramp)], 6, speed=3)

    np.testing.assert_allclose(level, [1, 0.875, 0.75, 0.25, 0.125, 0], atol=1e-5)


def test_the_pan_envelope_swings_the_note_between_the_sides() -> None:
    swing = envelope((0, 0.0), (2, 1.0))
    played = make_song(
        ["A-4 01 .. ..."], [dc_sample(pan_envelope=swing)], playback="fasttracker2", length=16
    )
    out = render_ticks(played, 3)
    left, right = tick_end(out, 0) / FULL, tick_end(out, 1) / FULL

    np.testing.assert_allclose(left, [1, side(0), 0], atol=1e-5)
    np.testing.assert_allclose(right, [0, side(0), 1], atol=1e-5)


def test_auto_vibrato_sweeps_in_to_its_depth() -> None:
    sine = np.sin(2 * np.pi * np.arange(48000) * 440 / 48000).astype(np.float32)
    vibrato = AutoVibrato(wave="square", rate=128, depth=8, sweep_ticks=4)
    instrument = sample_instrument(
        sine, loop="forward", loop_start_frames=0, loop_end_frames=48000, auto_vibrato=vibrato
    )
    played = make_song(["A-4 01 .. ..."], [instrument], playback="fasttracker2", length=16)
    offsets = tick_pitch(render_ticks(played, 8)) - A4_UNITS

    # the square is +64 for positions past 127: a period up is a pitch down; the depth grows
    # by 8 << 8 / 4 a tick to 8 << 8, and 64 * (8 << 8) >> 14 is 8 units
    expected = [-2, 4, -6, 8, -8, 8, -8, 8]
    np.testing.assert_allclose(offsets, expected, atol=0.3)


def test_the_keymap_picks_each_notes_sample_with_its_own_volume() -> None:
    loud, quiet = dc_sample(1.0), dc_sample(0.25)
    keymap = [0] * 60 + [1] * 60
    instrument = loud.model_copy(
        update={
            "zones": [
                SampleZone(
                    sample=quiet.sample,
                    volume=0.5,
                    base_note=quiet.base_note,
                    loop="forward",
                    loop_end_frames=quiet.sample.frames,
                )
            ],
            "keymap": keymap,
        }
    )
    level = levels(["B-4 01 .. ...", "C-5 01 .. ..."], [instrument], 4, speed=2)

    # B-4 plays the instrument's own sample at its volume, C-5 the zone at 0.25 x 0.5 / FULL
    np.testing.assert_allclose(level, [1, 1, 0.25 * 0.5 / FULL, 0.25 * 0.5 / FULL], atol=1e-5)


def test_global_volume_and_its_slide_scale_every_track() -> None:
    rows = ["A-4 01 .. G20", "--- .. .. H02"]
    level = levels(rows, [dc_sample()], 6, speed=3)

    np.testing.assert_allclose(level, [0.5, 0.5, 0.5, 0.5, 30 / 64, 28 / 64], atol=1e-5)


def test_the_song_starts_at_its_global_volume() -> None:
    level = levels(["A-4 01 .. ..."], [dc_sample()], 2, global_volume=16)

    np.testing.assert_allclose(level, [0.25, 0.25], atol=1e-5)


def test_kxx_releases_the_key_at_tick_xx() -> None:
    level = levels(["A-4 01 .. K02"], [dc_sample()], 4, speed=4)

    np.testing.assert_allclose(level, [1, 1, 0, 0], atol=1e-5)


def test_pxy_slides_the_pan_each_tick() -> None:
    played = make_song(
        ["A-4 01 .. 880", "--- .. .. P0F"],
        [dc_sample()],
        speed=3,
        playback="fasttracker2",
        length=16,
    )
    right = tick_end(render_ticks(played, 6), 1) / FULL

    # the note's pan starts at 80 (centre); P0F moves it 15 left a tick after the row's first
    np.testing.assert_allclose(right, [side(p / 128) for p in (0, 0, 0, 0, -15, -30)], atol=1e-5)


def test_txy_tremor_turns_the_note_on_and_off() -> None:
    level = levels(["A-4 01 .. T11"], [dc_sample()], 8, speed=8)

    # tick 0 plays; from the first tick on, x + 1 = 2 ticks on and y + 1 = 2 off
    assert (level > 0.5).tolist() == [True, True, True, False, False, True, True, False]


def test_rxy_retriggers_every_y_ticks_changing_the_volume_by_x() -> None:
    ramp = envelope((0, 1.0), (8, 0.0))
    level = levels(["A-4 01 .. R82"], [dc_sample(volume_envelope=ramp)], 6, speed=6)

    # the count takes in the note's own tick 0, so every second tick from tick 1 the note
    # starts again, and its envelope with it
    np.testing.assert_allclose(level, [1, 1, 0.875, 1, 0.875, 1], atol=1e-5)


def test_x1x_and_x2x_are_extra_fine_slides_of_one_unit() -> None:
    sine = np.sin(2 * np.pi * np.arange(48000) * 440 / 48000).astype(np.float32)
    instrument = sample_instrument(sine, loop="forward", loop_start_frames=0, loop_end_frames=48000)
    rows = ["A-4 01 .. X18", "--- .. .. X10", "--- .. .. X23"]
    played = make_song(rows, [instrument], speed=2, playback="fasttracker2", length=16)
    offsets = tick_pitch(render_ticks(played, 6)) - A4_UNITS

    np.testing.assert_allclose(offsets, [8, 8, 16, 16, 13, 13], atol=0.3)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("V62", [1, 62 / 64, 60 / 64]),  # slide down 2 a tick after the first
        ("V71", [1, 1, 1]),  # up, held at 64
        ("V83", [61 / 64, 61 / 64, 61 / 64]),  # fine down, once
    ],
)
def test_the_volume_column_commands(command: str, expected: list[float]) -> None:
    played = make_song(
        [f"A-4 01 40 {command}"], [dc_sample(FULL)], speed=3, playback="fasttracker2", length=16
    )
    level = tick_end(render_ticks(played, 3)) / FULL / side(0)

    np.testing.assert_allclose(level, expected, atol=1e-5)


def test_the_volume_columns_tone_portamento_slides_instead_of_starting_the_note() -> None:
    sine = np.sin(2 * np.pi * np.arange(48000) * 440 / 48000).astype(np.float32)
    instrument = sample_instrument(sine, loop="forward", loop_start_frames=0, loop_end_frames=48000)
    rows = ["A-4 01 .. ...", "B-4 .. .. VF1"]
    played = make_song(rows, [instrument], speed=3, playback="fasttracker2", length=16)
    offsets = tick_pitch(render_ticks(played, 6)) - A4_UNITS

    # F1 is 3xx's speed 10 (x 16): 64 units a tick toward B-4, 128 units up
    np.testing.assert_allclose(offsets, [0, 0, 0, 0, 64, 128], atol=0.3)


def test_fasttracker2_arpeggio_order_depends_on_the_speed() -> None:
    sine = np.sin(2 * np.pi * np.arange(48000) * 440 / 48000).astype(np.float32)
    instrument = sample_instrument(sine, loop="forward", loop_start_frames=0, loop_end_frames=48000)
    played = make_song(["A-4 01 .. 037"], [instrument], speed=5, playback="fasttracker2", length=16)
    semitones = (tick_pitch(render_ticks(played, 5)) - A4_UNITS) / 64

    # ticks count down from the speed: 5-1=4 -> x, 3 -> base, 2 -> y, 1 -> x
    np.testing.assert_allclose(semitones, [0, 3, 0, 7, 3], atol=0.02)


def test_a_live_note_steps_its_envelope_by_the_clock() -> None:
    ramp = envelope((0, 1.0), (4, 0.0))
    played = make_song(
        ["--- .. .. ..."], [dc_sample(volume_envelope=ramp)], playback="fasttracker2", length=16
    )
    run = start(played, play=False)
    run.kernel.note_on(0, 57, 1)
    level = tick_end(run.render(6 * TICK)) / 0.5 / side(0)

    np.testing.assert_allclose(level, [1, 0.75, 0.5, 0.25, 0, 0], atol=1e-3)


def test_a_live_notes_clock_keeps_to_the_tick_over_a_long_envelope() -> None:
    # one step each tick length, not a frame more: over 30 ticks it stays on its tick
    ramp = envelope((0, 1.0), (40, 0.0))
    played = make_song(
        ["--- .. .. ..."], [dc_sample(volume_envelope=ramp)], playback="fasttracker2", length=16
    )
    run = start(played, play=False)
    run.kernel.note_on(0, 57, 1)
    level = tick_end(run.render(31 * TICK)) / 0.5 / side(0)

    np.testing.assert_allclose(level[[10, 20, 30]], [0.75, 0.5, 0.25], atol=1e-3)


def zoned(low: float, high: float, **fields: object) -> object:
    """A dc instrument playing `low` below C-5 and a zone of `high` (volume 1) from C-5 up."""
    own, other = dc_sample(low), dc_sample(high)
    zone = SampleZone(
        sample=other.sample,
        volume=1.0,
        base_note=other.base_note,
        loop="forward",
        loop_end_frames=other.sample.frames,
    )
    return own.model_copy(update={"zones": [zone], "keymap": [0] * 60 + [1] * 60, **fields})


def test_a_live_note_plays_the_sample_its_key_maps_to() -> None:
    played = make_song(["--- .. .. ..."], [zoned(0.25, 0.5)], playback="fasttracker2")
    run = start(played, play=False)
    run.kernel.note_on(0, 60, 1)
    # a live note is a velocity-scaled gain on the zone's own volume, not the channel's
    assert tick_end(run.render(2 * TICK))[-1] == pytest.approx(0.5 * side(0), abs=1e-4)


def test_a_swapped_song_carries_a_zones_note_on_in_the_new_songs_zone() -> None:
    rows = ["C-5 01 .. ..."] + ["--- .. .. ..."] * 7
    run = start(make_song(rows, [zoned(0.1, 0.4)], speed=1, playback="fasttracker2"))
    before = tick_end(run.render(2 * TICK))
    louder = compile_song(
        make_song(rows, [zoned(0.1, 0.6)], speed=1, playback="fasttracker2"), SAMPLE_AUDIO
    )
    run.kernel.swap(louder)
    after = tick_end(run.render(3 * TICK))

    assert before[-1] == pytest.approx(0.4 * side(0), abs=1e-4)
    assert after[-1] == pytest.approx(
        0.6 * side(0), abs=1e-4
    )  # the new song's zone 1, not its own sample


def test_a_parameter_set_on_the_instrument_reaches_its_zones() -> None:
    noise = np.random.default_rng(1).uniform(-0.5, 0.5, 48000).astype(np.float32)
    own = sample_instrument(noise, loop="forward", loop_start_frames=0, loop_end_frames=48000)
    zone = SampleZone(
        sample=own.sample,
        volume=1.0,
        base_note=own.base_note,
        loop="forward",
        loop_end_frames=48000,
    )
    filtered = own.model_copy(
        update={
            "zones": [zone],
            "keymap": [1] * 120,
            "filter": own.filter.model_copy(update={"type": "lowpass", "cutoff_hz": 20000.0}),
        }
    )
    run = start(make_song(["A-4 01 .. ..."], [filtered], playback="fasttracker2", length=16))
    open_ = run.render(4 * TICK)
    run.kernel.set_instrument_param(1, "CUTOFF_HZ", 200.0)
    run.render(4 * TICK)  # the 10 ms glide
    closed = run.render(4 * TICK)

    def high_energy(x: np.ndarray) -> float:
        return float(np.mean(np.diff(x[:, 0]) ** 2))

    assert high_energy(closed) < 0.01 * high_energy(open_)


# ---- FastTracker II's rules beyond the instrument ------------------------------------------


def test_a_key_off_without_a_volume_envelope_mutes_and_a_volume_beside_it_fades_back() -> None:
    rows = ["A-4 01 .. ...", "=== .. .. ...", "--- .. 20 ...", "=== .. 20 ..."]
    level = levels(rows, [dc_sample(fadeout=0.25)], 16, speed=4)

    # muted by the first key off and back at 20 on a plain volume (20 of the dc sample is
    # FULL); a second key off with a volume beside it comes back at 20 fading a quarter a tick
    expected = [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0.75, 0.5, 0.25, 0]
    np.testing.assert_allclose(level, expected, atol=1e-5)


def test_k00_ignores_the_note_and_instrument_beside_it() -> None:
    rows = ["A-4 01 .. ...", "A-4 02 .. K00"]
    level = levels(rows, [dc_sample(), dc_sample(0.25)], 8, speed=4)

    np.testing.assert_allclose(level, [1, 1, 1, 1, 0, 0, 0, 0], atol=1e-5)


def test_x6x_makes_the_row_longer_by_every_tracks_ticks() -> None:
    rows = ["A-4 01 .. X62 | --- .. .. X63", "--- .. .. ... | --- .. .. ..."]
    run = start(make_song(rows, [dc_sample()], speed=3, playback="fasttracker2", length=4))
    run.render(20 * TICK)
    starts = [r.frame // TICK for r in run.rows()[:3]]

    assert starts == [0, 8, 11]  # 3 + 2 + 3 ticks, then 3


def test_after_a_loop_the_next_pattern_starts_at_the_loops_row() -> None:
    first = ["--- .. .. ...", "--- .. .. ...", "--- .. .. E60", "--- .. .. E61"]
    second = ["--- .. .. ..."] * 4
    run = start(make_song([first, second], [dc_sample()], speed=1, playback="fasttracker2"))
    run.render(12 * TICK)
    played = [(r.order, r.row) for r in run.rows()[:8]]

    assert played == [(0, 0), (0, 1), (0, 2), (0, 3), (0, 2), (0, 3), (1, 2), (1, 3)]


def sine_instrument() -> object:
    sine = np.sin(2 * np.pi * np.arange(48000) * 440 / 48000).astype(np.float32)
    return sample_instrument(sine, loop="forward", loop_start_frames=0, loop_end_frames=48000)


def test_vibrato_goes_down_first_and_its_offset_stays_until_the_pitch_is_set() -> None:
    rows = ["A-4 01 .. 48F", "--- .. .. ...", "--- .. .. 100"]
    played = make_song(rows, [sine_instrument()], speed=3, playback="fasttracker2", length=8)
    offsets = tick_pitch(render_ticks(played, 9)) - A4_UNITS

    # speed 8: positions 0, 8, 16 on ticks 1, 2 (sine 0, 180): down by 180 * 15 >> 5 = 84
    assert offsets[0] == pytest.approx(0, abs=0.3)
    assert offsets[2] == pytest.approx(-84, abs=0.3)
    # a row without vibrato after one sets the pitch back; 100 (no slide) leaves it
    np.testing.assert_allclose(offsets[3:], 0, atol=0.3)
