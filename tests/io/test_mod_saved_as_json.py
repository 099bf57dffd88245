"""An imported MOD saved as a project and opened again plays exactly as the module did:
the song keeps its playback rules ("protracker") and every setting the import made."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conformance import OPENMPT_MODS
from tracker.engine import render_song
from tracker.io.modules import load_module
from tracker.io.project import load_project, save_project


def render(song, samples) -> np.ndarray:  # type: ignore[no-untyped-def]
    frames = {sha: audio.frames for sha, audio in samples.items()}
    return render_song(song, frames, sample_rate_hz=48000, max_seconds=20).mix


@pytest.mark.parametrize("name", ["PTInstrSwap.mod", "PatternJump.mod", "TempoChange.mod"])
def test_saved_and_reopened_it_renders_bit_for_bit(name: str, tmp_path: Path) -> None:
    imported = load_module(OPENMPT_MODS / name)
    path = tmp_path / "song.json"
    save_project(imported, path)
    reopened = load_project(path)
    assert reopened.song.playback == "protracker"
    assert reopened.song == imported.song
    np.testing.assert_array_equal(
        render(reopened.song, reopened.samples), render(imported.song, imported.samples)
    )
