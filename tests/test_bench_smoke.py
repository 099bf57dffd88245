"""The benchmarks run and write their results: tiny sizes, and no timing is judged here."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bench.figures import Figure
from bench.midi_clock import midi_clock_figures
from bench.midi_latency import midi_latency_figures
from bench.module_speed import MODULES, module_speed_figures
from bench.realtime import (
    RATE_HZ,
    BlockResult,
    LoadRun,
    block_figures,
    frames_between,
    onset_latencies_s,
    realtime_figures,
)
from bench.render_speed import render_figures, render_speed
from bench.results import CSV_FIELDS, format_table, write_results
from bench.voices import MAX_VOICES, SAMPLE, SYNTH, Interpolation, voice_cost, voice_figures
from tests.jack_rig import jackd_available
from tracker.model import Pattern, Song, Track


def test_render_speed_reports_a_positive_figure_against_its_target() -> None:
    song = Song(tracks=[Track()], patterns=[Pattern.empty(4, 1)], order=[0])
    figure = render_speed(song, repeats=1)
    assert figure.value > 0
    assert figure.target == 200.0


def test_module_speed_compares_with_openmpt123_on_the_same_files(tmp_path: Path) -> None:
    for name in ("PatternJump.mod", "TempoChange.mod"):
        (tmp_path / name).write_bytes((MODULES / "mod" / name).read_bytes())
    ratio, with_import, ours, theirs = module_speed_figures(tmp_path, "mod", repeats=1)
    assert ratio.key == "mod_render_vs_openmpt123" and ratio.target == 1.5
    assert "2 files, 3 s)" in ratio.label  # 0.72 s + 2.72 s of audio
    assert ours.value > 0 and theirs.value > 0
    assert ratio.value == pytest.approx(ours.value / theirs.value)
    assert 0 < with_import.value < ratio.value  # importing takes time too


def test_render_figures_add_the_kernels_share_for_information() -> None:
    song = Song(tracks=[Track()], patterns=[Pattern.empty(4, 1)], order=[0])
    whole, kernel = render_figures(song, repeats=1)
    assert whole.key == "render_speed_x_real_time"
    assert kernel.key == "kernel_render_speed_x_real_time"
    assert kernel.value > 0
    assert kernel.target is None


@pytest.mark.parametrize(
    ("instrument", "interpolation"), [(SYNTH, "linear"), (SAMPLE, "linear"), (SAMPLE, "cubic")]
)
def test_voice_cost_runs_every_voice(instrument: int, interpolation: Interpolation) -> None:
    cost = voice_cost(instrument, interpolation, voices=4, seconds=0.01, repeats=1)
    assert cost.voices == 4
    assert cost.seconds_per_voice_frame > 0
    assert cost.voices_in_core_share > 0


def test_voice_cost_refuses_more_voices_than_the_kernel_has() -> None:
    with pytest.raises(RuntimeError, match="voices sounded"):
        voice_cost(SYNTH, voices=MAX_VOICES + 1, seconds=0.001, repeats=1)


def test_met_compares_in_the_figures_direction() -> None:
    assert Figure("a", "a", 5.0, "x", target=4.0).met is True
    assert Figure("a", "a", 5.0, "ns", target=4.0, higher_is_better=False).met is False
    assert Figure("a", "a", 5.0, "ns", reference=2.0).met is None


def test_results_are_written_as_json_and_csv(tmp_path: Path) -> None:
    figures = [
        render_speed(Song(tracks=[Track()], patterns=[Pattern.empty(1, 1)], order=[0]), repeats=1)
    ]
    figures += voice_figures(voices=2, seconds=0.002, repeats=1)
    written = write_results(figures, tmp_path, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))

    names = sorted(path.name for path in written)
    assert names == ["20260102T030405Z.csv", "20260102T030405Z.json", "latest.csv", "latest.json"]
    document = json.loads((tmp_path / "latest.json").read_text())
    assert document["timestamp"] == "2026-01-02T03:04:05+00:00"
    assert set(document["machine"]) >= {"cpu", "python"}
    keys = [record["key"] for record in document["figures"]]
    assert keys == [figure.key for figure in figures]
    assert {"synth_voices", "sample_linear_voices", "sample_cubic_voices"} <= set(keys)
    assert all(set(record) == set(CSV_FIELDS) for record in document["figures"])

    with (tmp_path / "latest.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["key"] for row in rows] == keys
    assert all(float(row["value"]) > 0 for row in rows)
    assert (tmp_path / "20260102T030405Z.json").read_text() == (
        tmp_path / "latest.json"
    ).read_text()

    table = format_table(figures)
    assert ">= 200 x real time" in table
    assert "~2 ns (hardware)" in table


def test_onsets_are_found_after_each_command_across_the_frame_time_wrap() -> None:
    audio = np.zeros((4000, 2), dtype=np.float32)
    audio[1024:1100] = 0.3  # a note in the cycle after its command
    audio[3072:3100, 1] = -0.3  # the right channel alone counts too
    first_frame_time = 2**32 - 1000  # JACK frame times are uint32: recorded frame 1000 is 0

    latencies = onset_latencies_s(audio, first_frame_time, [0, 2050], 256)

    assert latencies == pytest.approx([24 / RATE_HZ, 22 / RATE_HZ])
    assert frames_between(5, 2**32 - 5) == 10


def test_a_command_just_after_a_cycle_began_may_sound_in_that_cycle() -> None:
    audio = np.zeros((2048, 2), dtype=np.float32)
    audio[1024:] = 0.3
    assert onset_latencies_s(audio, 0, [1030], 256) == [pytest.approx(-6 / RATE_HZ)]


def test_a_note_never_recorded_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="never recorded"):
        onset_latencies_s(np.zeros((512, 2), dtype=np.float32), 0, [100], 128)


def test_block_figures_judge_xruns_and_latency_against_the_block() -> None:
    loads = np.array([0.01, 0.02, 0.5], dtype=np.float32)
    run = LoadRun(loads, seconds=30.0, client_xruns=1, driver_xruns=3, underflows=4)
    figures = {f.key: f for f in block_figures(BlockResult(128, run, run, (0.001, 0.003)))}

    assert figures["callback_load_max_busy_128_frames"].value == pytest.approx(50.0)
    assert figures["client_xruns_per_min_128_frames"].value == pytest.approx(2.0)
    assert figures["client_xruns_per_min_128_frames"].met is False
    assert figures["driver_xruns_per_min_128_frames"].target is None
    assert figures["note_latency_p99_ms_128_frames"].target == pytest.approx(128 / 48 + 1)
    assert figures["note_latency_median_ms_128_frames"].value == pytest.approx(2.0)


def test_realtime_figures_run_on_a_jack_server() -> None:
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    figures = realtime_figures(block_sizes_frames=(256,), run_s=0.3, xrun_run_s=0.3, notes=2)

    keys = [figure.key for figure in figures]
    assert "callback_load_p99_busy_256_frames" in keys
    assert "client_xruns_per_min_256_frames" in keys
    assert "note_latency_p99_ms_256_frames" in keys
    loads = [figure for figure in figures if figure.key.startswith("callback_load_")]
    assert len(loads) == 6
    assert all(figure.value > 0 for figure in loads)


def test_midi_latency_figures_run_on_a_jack_server() -> None:
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    figures = midi_latency_figures(block_sizes_frames=(256,), notes=2)

    keys = [figure.key for figure in figures]
    assert keys == ["midi_latency_median_ms_256_frames", "midi_latency_p99_ms_256_frames"]
    assert all(figure.value > 0 for figure in figures)
    assert all(figure.target == pytest.approx(256 / 48 + 2) for figure in figures)


def test_midi_clock_figures_run_on_a_jack_server() -> None:
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    figures = midi_clock_figures(out_s=2.0, follow_s=3.0)

    values = {figure.key: figure.value for figure in figures}
    assert list(values) == [
        "midi_clock_out_tempo_error_ppm",
        "midi_clock_out_jitter_p1_p99_ms_128_frames",
        "midi_clock_out_jitter_range_ms_128_frames",
        "midi_clock_in_drift_ticks",
        "midi_clock_in_wobble_percent",
        "midi_clock_in_tempo_error_percent",
    ]
    assert values["midi_clock_out_tempo_error_ppm"] < 1000  # 125 BPM, not something else
    assert values["midi_clock_in_drift_ticks"] < 2
    assert all(np.isfinite(value) for value in values.values())


def test_latency_p99_is_the_max_below_a_hundred_samples_and_nearest_rank_above() -> None:
    from bench.realtime import latency_figures

    few = latency_figures("x", "x", 128, [i / 1000 for i in range(1, 21)], 0.001)
    assert few[1].value == pytest.approx(20.0) and "(the max)" in few[1].label
    many = latency_figures("x", "x", 128, [i / 1000 for i in range(1, 201)], 0.001)
    assert many[1].value == pytest.approx(198.0)  # nearest rank: the 198th of 200
    assert many[0].value == pytest.approx(100.5)
    assert many[0].target == pytest.approx(128 / 48 + 1)


def test_numpy_values_are_written_as_plain_json(tmp_path: Path) -> None:
    """A figure measured with numpy (a float64 value, so a numpy bool for met) still writes."""
    figure = Figure("x", "x", np.float64(2.5), "ms", target=3.0, higher_is_better=False)
    write_results([figure], tmp_path, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    record = json.loads((tmp_path / "latest.json").read_text())["figures"][0]
    assert (record["value"], record["met"]) == (2.5, True)
