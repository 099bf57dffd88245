"""The conformance comparator (tests/conformance.py) on signals whose differences are known:
what two correct players may differ by passes, what they must agree on fails.

The signal is a little song: decaying four-partial tones at known pitches and onsets, every
fourth onset a noise burst, onsets 200-500 ms apart. Variants move every onset, detune every
tone, change the level, or filter it the way another interpolation would.
"""

from __future__ import annotations

import csv
import shutil
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests import conformance
from tests.conformance import Metrics, compare, render_reference

RATE = 48000
SECONDS = 9.0
NOTES_HZ = (110.0, 220.0, 261.63, 329.63, 392.0, 440.0, 523.25, 659.26, 880.0)
MOD_FOLDER = conformance.OPENMPT_MODS
SHORT_MODULE = MOD_FOLDER / "TempoChange.mod"  # 2.72 s of notes: onsets and pitch to time
SHORT_MODULE_FRAMES = 130370  # openmpt123 --info: "Duration...: 00:02.716" at 48 kHz

Stereo = npt.NDArray[np.float32]


@cache
def song(detune_cents: float = 0.0, shift_ms: float = 0.0) -> Stereo:
    """The test song; read-only, since it is shared between tests."""
    noise = np.random.default_rng(7)
    out = np.zeros(int(SECONDS * RATE))
    onset_s, k = 0.1, 0
    while onset_s < SECONDS - 0.6:
        start = int((onset_s + shift_ms / 1000) * RATE)
        if k % 4 == 3:
            frames = int(0.08 * RATE)
            t = np.arange(frames) / RATE
            burst = 0.3 * noise.standard_normal(frames) * np.exp(-t / 0.02)
        else:
            frames = int(0.45 * RATE)
            t = np.arange(frames) / RATE
            f = NOTES_HZ[k % len(NOTES_HZ)] * 2 ** (detune_cents / 1200)
            partials = sum(np.sin(2 * np.pi * f * h * t) / h for h in range(1, 5))
            burst = 0.3 * partials * np.exp(-t / 0.12)
        out[start : start + frames] += burst[: len(out) - start]
        onset_s += 0.2 + 0.15 * (k % 3)
        k += 1
    stereo = np.stack([out, 0.8 * out], axis=1).astype(np.float32)
    stereo.flags.writeable = False
    return stereo


def metric_failures(metrics: Metrics, word: str) -> list[str]:
    return [failure for failure in metrics.failures if word in failure]


def test_identical_renders_pass_with_a_perfect_score() -> None:
    metrics = compare(song(), song())

    assert metrics.passed, metrics.failures
    assert metrics.envelope_r == pytest.approx(1.0)
    assert metrics.median_db_error == metrics.p95_db_error == 0.0
    assert metrics.onset_pass_fraction == metrics.pitch_pass_fraction == 1.0
    assert metrics.onset_windows == 3  # 4 s + 4 s + 1 s
    assert metrics.pitch_frames > 200
    assert metrics.length_diff_ms == 0.0


def test_a_6_db_level_offset_passes_once_the_median_offset_is_removed() -> None:
    metrics = compare(song() * np.float32(0.5), song())

    assert metrics.passed, metrics.failures
    assert metrics.level_offset_db == pytest.approx(-6.02, abs=0.01)
    assert metrics.median_db_error == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize(("shift_ms", "passes"), [(1.0, True), (5.0, False)])
def test_every_onset_moved_by_1_ms_passes_and_by_5_ms_fails(shift_ms: float, passes: bool) -> None:
    metrics = compare(song(shift_ms=shift_ms), song())

    assert metrics.onset_pass_fraction == (1.0 if passes else 0.0)
    assert bool(metric_failures(metrics, "onsets")) is not passes
    assert metrics.pitch_pass_fraction == 1.0  # timing is judged by the onsets alone


@pytest.mark.parametrize(("cents", "passes"), [(5.0, True), (-5.0, True), (20.0, False)])
def test_a_5_cent_detune_passes_and_a_20_cent_one_fails(cents: float, passes: bool) -> None:
    metrics = compare(song(detune_cents=cents), song())

    assert bool(metric_failures(metrics, "pitch")) is not passes
    if passes:
        assert metrics.passed, metrics.failures
    else:
        assert metrics.pitch_pass_fraction < 0.5
        assert metrics.failures == metric_failures(metrics, "pitch")


def test_another_interpolation_passes_a_low_passed_reference() -> None:
    # Linear interpolation droops the top octave much like this three-tap filter.
    reference = np.stack(
        [np.convolve(channel, [0.25, 0.5, 0.25], mode="same") for channel in song().T], axis=1
    )

    metrics = compare(song(), reference)

    assert metrics.passed, metrics.failures
    assert metrics.envelope_r > 0.99


def test_another_interpolation_passes_its_error_as_noise_at_minus_50_db() -> None:
    # An interpolation's error rides on the signal: noise 50 dB below its 10 ms level.
    clean = song().astype(np.float64)
    level = np.sqrt(np.convolve(np.square(clean[:, 0]), np.ones(480) / 480, mode="same"))
    noise = np.random.default_rng(3).standard_normal(clean.shape) * level[:, None]

    metrics = compare(song(), clean + 10 ** (-50 / 20) * noise)

    assert metrics.passed, metrics.failures


def test_a_200_ms_longer_reference_fails_on_length_alone() -> None:
    reference = np.concatenate([song(), song()[: int(0.2 * RATE)]])

    metrics = compare(song(), reference)

    assert metrics.length_diff_ms == pytest.approx(-200.0)
    assert metrics.failures == ["length differs by -200 ms (> 150)"]


def test_silence_against_silence_passes_with_finite_figures() -> None:
    silence = np.zeros((RATE * 2, 2), np.float32)

    for metrics in (compare(silence, silence), compare(silence[:0], silence[:0])):
        figures = [metrics.envelope_r, metrics.median_db_error, metrics.p95_db_error]
        figures += [metrics.onset_pass_fraction, metrics.pitch_pass_fraction]
        assert metrics.passed, metrics.failures
        assert np.all(np.isfinite(figures))
        assert metrics.onset_windows == metrics.pitch_frames == 0  # nothing to time or tune


def test_silence_against_a_song_fails_with_finite_figures() -> None:
    silence = np.zeros_like(song())

    metrics = compare(silence, song())

    assert metric_failures(metrics, "envelope r")
    assert metric_failures(metrics, "onsets")
    assert np.isfinite([metrics.envelope_r, metrics.median_db_error, metrics.p95_db_error]).all()


# ---- the runner, with openmpt123 itself ----------------------------------------------------


@pytest.fixture(scope="module")
def openmpt123() -> str:
    path = shutil.which(conformance.OPENMPT123)
    if path is None:
        pytest.fail("openmpt123 is not installed; `make test` installs it", pytrace=False)
    return path


@pytest.mark.usefixtures("openmpt123")
def test_openmpt123_agrees_with_itself_end_to_end(tmp_path: Path) -> None:
    first = render_reference(SHORT_MODULE, tmp_path / "first.wav")
    second = render_reference(SHORT_MODULE, tmp_path / "second.wav")

    metrics = compare(first, second)

    assert metrics.passed, metrics.failures
    assert metrics.envelope_r == pytest.approx(1.0)
    assert metrics.pitch_frames > 0 and metrics.onset_windows > 0
    # Stereo at 48 kHz, ending at the song end: no fade-out past it, no second subsong.
    assert first.shape == (SHORT_MODULE_FRAMES, 2)
    assert np.abs(first).max() > 0.1
    assert list(MOD_FOLDER.glob("*.wav")) == []  # rendered elsewhere, not beside the module


@pytest.mark.usefixtures("openmpt123")
def test_the_report_lists_each_module_and_writes_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "modules"
    (folder / "mod").mkdir(parents=True)
    shutil.copyfile(SHORT_MODULE, folder / "mod" / SHORT_MODULE.name)
    (folder / "mod" / "junk.s3m").write_bytes(b"not a module")  # refused, reported, not fatal
    (folder / "notes.txt").write_text("not a module either")
    table = tmp_path / "table.csv"

    assert conformance.main([str(folder), "--csv", str(table)]) == 0

    out = capsys.readouterr().out
    assert "mod/TempoChange.mod" in out and "mod/junk.s3m" in out
    assert "notes.txt" not in out
    assert "s3m: 0/1 passed (1 unsupported, 0 errors)" in out
    rows = list(csv.DictReader(table.open()))
    assert [row["module"] for row in rows] == ["mod/TempoChange.mod", "mod/junk.s3m"]
    assert rows[1]["result"] == "unsupported"
    assert rows[0]["result"] in {"PASS", "FAIL", "unsupported", "error"}


def test_the_report_needs_openmpt123(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(conformance, "OPENMPT123", "openmpt123-not-installed")

    assert conformance.main([str(MOD_FOLDER)]) == 1
    assert "openmpt123 is not installed" in capsys.readouterr().err
