"""Render speed of imported modules, side by side with openmpt123 on the same files.

Both render every MOD of the reference folder to the song's end at 48 kHz with linear
(2-tap) interpolation: ours through render_song in this process, openmpt123 in one process
for all the files (`--render --filter 2`, so its start-up is paid once and its WAV writing
is included). The figure is openmpt123's time over ours, best of `repeats` each, measured in
the same run. Ours is the render of the imported songs; openmpt123's time also holds its
reading of the files, so a second figure, for information, adds our import to ours.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.figures import Figure
from tests.conformance import OPENMPT_MODS
from tracker.engine import render_song
from tracker.io.modules import load_module

RATE_HZ = 48000
TARGET_RATIO = 1.5
MODULES = OPENMPT_MODS
"""The OpenMPT test cases (../shared): the same files `make conformance` compares."""


def module_speed_figures(folder: Path = MODULES, *, repeats: int = 3) -> list[Figure]:
    files = sorted(folder.glob("*.mod"))
    if not files or shutil.which("openmpt123") is None:
        return []  # nothing to compare against: no figure rather than a made-up one
    import_s = min(_import_seconds(files) for _ in range(repeats))
    ours_s, audio_s = _ours(files, repeats)
    reference_s = _openmpt123(files, repeats)
    return [
        Figure(
            key="module_render_vs_openmpt123",
            label=f"MOD render vs openmpt123 ({len(files)} files, {audio_s:.0f} s of audio)",
            value=reference_s / ours_s,
            unit="x faster",
            target=TARGET_RATIO,
        ),
        Figure(
            key="module_import_and_render_vs_openmpt123",
            label="  with our import of the files counted too",
            value=reference_s / (import_s + ours_s),
            unit="x faster",
        ),
        Figure(
            key="module_render_x_real_time",
            label="  ours",
            value=audio_s / ours_s,
            unit="x real time",
        ),
        Figure(
            key="module_render_openmpt123_x_real_time",
            label="  openmpt123 (one process, WAV files written)",
            value=audio_s / reference_s,
            unit="x real time",
        ),
    ]


def _import_seconds(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        load_module(path)
    return time.perf_counter() - start


def _ours(files: list[Path], repeats: int) -> tuple[float, float]:
    projects = [load_module(path) for path in files]
    best_s, audio_s = float("inf"), 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        frames = 0
        for project in projects:
            song = project.song.model_copy(update={"interpolation": "linear"})
            samples = {sha: audio.frames for sha, audio in project.samples.items()}
            rendered = render_song(song, samples, sample_rate_hz=RATE_HZ)
            frames += rendered.song_end_frame or len(rendered.mix)
        best_s = min(best_s, time.perf_counter() - start)
        audio_s = frames / RATE_HZ
    return best_s, audio_s


def _openmpt123(files: list[Path], repeats: int) -> float:
    best_s = float("inf")
    with tempfile.TemporaryDirectory() as folder:
        copies = [Path(shutil.copy(path, folder)) for path in files]
        command = [
            "openmpt123", "--render", "--quiet", "--force", "--samplerate", str(RATE_HZ),
            "--filter", "2", "--ramping", "0", "--dither", "0", "--ctl", "play.at_end=stop",
            *map(str, copies),
        ]  # fmt: skip
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, timeout=600)
            best_s = min(best_s, time.perf_counter() - start)
    return best_s
