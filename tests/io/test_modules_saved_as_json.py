"""An imported module saved as a project and opened again plays exactly as the module did:
the song keeps its playback rules ("protracker", "fasttracker2", "screamtracker3") and every
setting the import made (instrument zones, drawn envelopes, frequencies, global volume)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conformance import DEFAULT_DIR
from tracker.engine import render_song
from tracker.io.modules import load_module
from tracker.io.project import load_project, save_project


def render(song, samples) -> np.ndarray:  # type: ignore[no-untyped-def]
    frames = {sha: audio.frames for sha, audio in samples.items()}
    return render_song(song, frames, sample_rate_hz=48000, max_seconds=20).mix


@pytest.mark.parametrize(
    ("name", "playback"),
    [
        ("mod/PTInstrSwap.mod", "protracker"),
        ("mod/PatternJump.mod", "protracker"),
        ("mod/TempoChange.mod", "protracker"),
        ("xm/EnvLoops.xm", "fasttracker2"),  # drawn envelopes with loops
        ("xm/PanSustainRelease.xm", "fasttracker2"),  # a pan envelope
        ("xm/AutoVibratoSweepKeyOff.xm", "fasttracker2"),
        ("xm/PatternDelays.xm", "fasttracker2"),  # Amiga frequencies
        ("s3m/ParamMemory.s3m", "screamtracker3"),
        ("s3m/PeriodLimit.s3m", "screamtracker3"),
    ],
)
def test_saved_and_reopened_it_renders_bit_for_bit(
    name: str, playback: str, tmp_path: Path
) -> None:
    imported = load_module(DEFAULT_DIR / name)
    path = tmp_path / "song.json"
    save_project(imported, path)
    reopened = load_project(path)
    assert reopened.song.playback == playback
    assert reopened.song == imported.song
    np.testing.assert_array_equal(
        render(reopened.song, reopened.samples), render(imported.song, imported.samples)
    )


def test_a_multi_sample_instrument_keeps_its_zones_and_keymap(tmp_path: Path) -> None:
    imported = load_module(DEFAULT_DIR / "xm" / "SamplePortaInInstrument.xm")
    zoned = [i for i in imported.song.instruments if getattr(i, "zones", None)]
    assert zoned, "the module has an instrument of several samples"
    path = tmp_path / "song.json"
    save_project(imported, path)
    reopened = load_project(path)
    assert [i for i in reopened.song.instruments if getattr(i, "zones", None)] == zoned
    assert set(reopened.samples) == set(imported.samples)  # every zone's audio came back
