"""Scream Tracker 3 songs in the kernel: periods from C2SPD, the shared parameter memory,
Dxy's fine forms and the period limits.

A sample at 8363 Hz on C-5 makes the arithmetic ST3's own: C-5 is period 1712, and a period p
plays at 14317056 / p Hz, so a slide of k period units a tick is exact to check.
"""

import numpy as np

from tests.dsp.helpers import (
    FULL,
    dc_sample,
    make_song,
    render_ticks,
    sample_instrument,
    tick_end,
    tick_level,
    tick_pitch,
    units_to_hz,
)

C2SPD_HZ = 8363
C5 = 60
C5_PERIOD = 1712
ST3_CLOCK_HZ = 14317056


def sine_at_c2spd() -> object:
    """A looped sine that plays 8363 / 64 Hz on C-5 (64 frames a cycle at 8363 Hz)."""
    frames = 64 * 128
    sine = np.sin(2 * np.pi * np.arange(frames) / 64).astype(np.float32)
    instrument = sample_instrument(
        sine, loop="forward", loop_start_frames=0, loop_end_frames=frames
    )
    ref = instrument.sample.model_copy(update={"sample_rate_hz": C2SPD_HZ})
    return instrument.model_copy(update={"sample": ref, "base_note": C5})


def heard_hz(rows: list[str], ticks: int, speed: int = 4) -> np.ndarray:
    song = make_song(rows, [sine_at_c2spd()], speed=speed, playback="screamtracker3", length=16)
    return np.array([units_to_hz(u) for u in tick_pitch(render_ticks(song, ticks))])


def period_hz(period: int) -> float:
    """The sine's frequency at an ST3 period: the sample plays at 14317056 / period Hz."""
    return ST3_CLOCK_HZ / period / 64


def test_a_porta_up_takes_four_period_units_a_tick_after_the_first() -> None:
    hz = heard_hz(["C-5 01 .. 110"], 4)

    expected = [period_hz(C5_PERIOD - 64 * k) for k in range(4)]
    np.testing.assert_allclose(hz, expected, rtol=2e-3)


def test_efx_is_a_fine_slide_of_x_times_four_and_eex_an_extra_fine_one_of_x() -> None:
    hz = heard_hz(["C-5 01 .. 2F8", "--- .. .. 2E8"], 8)

    expected = [period_hz(C5_PERIOD + 32)] * 4 + [period_hz(C5_PERIOD + 40)] * 4
    np.testing.assert_allclose(hz, expected, rtol=2e-3)


def test_a_00_parameter_takes_the_last_non_zero_one_of_any_command() -> None:
    # D04 leaves 04 in the memory; E00 then slides down by 04 x 4 a tick
    hz = heard_hz(["C-5 01 .. A04", "--- .. .. 200"], 8)

    expected = [period_hz(C5_PERIOD)] * 4 + [period_hz(C5_PERIOD + 16 * k) for k in range(4)]
    np.testing.assert_allclose(hz, expected, rtol=2e-3)


def test_dxf_and_dfy_slide_once_on_the_first_tick() -> None:
    rows = ["C-5 01 20 AF4", "--- .. .. A3F", "--- .. .. A04"]
    song = make_song(rows, [dc_sample()], speed=3, playback="screamtracker3", length=8)
    level = tick_end(render_ticks(song, 9)) / FULL * 64 / 2

    # FULL is volume 32 here: DF4 takes 4 once, D3F gives 3 once, D04 takes 4 a tick after the first
    expected = [28, 28, 28, 31, 31, 31, 31, 27, 23]
    np.testing.assert_allclose(level, expected, atol=1e-3)


def test_a_slide_to_period_zero_stops_the_note() -> None:
    # DF is 223 x 4 = 892 units a tick: 1712, 820, then below 0
    song = make_song(
        ["C-5 01 .. 1DF"], [sine_at_c2spd()], speed=4, playback="screamtracker3", length=8
    )
    level = tick_level(render_ticks(song, 4))

    assert (level[:2] > 0.25).all()  # the sine at its channel volume, 32 of 64
    assert level[3] == 0  # stopped on tick 2 with a 2 ms fade, silent from then on
