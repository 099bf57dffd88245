"""Render speed of imported modules, side by side with openmpt123 on the same files.

For each format (MOD, XM, S3M), both render every module of that format in the reference
folder to the song's end at 48 kHz with linear (2-tap) interpolation: ours through
render_song in this process, openmpt123 in one process for all the files (`--render
--filter 2`, so its start-up is paid once and its WAV writing is included). Modules whose
song never ends for us (loops forever within ENDLESS_S) are left out on both sides. The
figure is openmpt123's time over ours, best of `repeats` each, measured in
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
from tests.conformance import DEFAULT_DIR
from tracker.engine import render_song
from tracker.io.modules import load_module

RATE_HZ = 48000
TARGET_RATIO = 1.5
MODULES = DEFAULT_DIR
"""The OpenMPT test cases (../shared), a folder per format: the files `make conformance`
compares."""
FORMATS = ("mod", "xm", "s3m")
ENDLESS_S = 120.0
"""A song still playing after this long is taken to loop forever (PatLoop-Infinite.xm)."""


def all_module_speed_figures(folder: Path = MODULES, *, repeats: int = 3) -> list[Figure]:
    return [
        figure
        for kind in FORMATS
        for figure in module_speed_figures(folder / kind, kind, repeats=repeats)
    ]


def module_speed_figures(folder: Path, kind: str = "mod", *, repeats: int = 3) -> list[Figure]:
    """Figures for the `kind` files (.mod, .xm or .s3m) in `folder`."""
    files = sorted(folder.glob(f"*.{kind}"))
    if not files or shutil.which("openmpt123") is None:
        return []  # nothing to compare against: no figure rather than a made-up one
    files = [path for path in files if _ends(path)]
    import_s = min(_import_seconds(files) for _ in range(repeats))
    ours_s, audio_s = _ours(files, repeats)
    reference_s = _openmpt123(files, repeats)
    return [
        Figure(
            key=f"{kind}_render_vs_openmpt123",
            label=f"{kind.upper()} render vs openmpt123 ({len(files)} files, {audio_s:.0f} s)",
            value=reference_s / ours_s,
            unit="x faster",
            target=TARGET_RATIO,
        ),
        Figure(
            key=f"{kind}_import_and_render_vs_openmpt123",
            label="  with our import of the files counted too",
            value=reference_s / (import_s + ours_s),
            unit="x faster",
        ),
        Figure(
            key=f"{kind}_render_x_real_time",
            label="  ours",
            value=audio_s / ours_s,
            unit="x real time",
        ),
        Figure(
            key=f"{kind}_render_openmpt123_x_real_time",
            label="  openmpt123 (one process, WAV files written)",
            value=audio_s / reference_s,
            unit="x real time",
        ),
    ]


def _ends(path: Path) -> bool:
    project = load_module(path)
    samples = {sha: audio.frames for sha, audio in project.samples.items()}
    rendered = render_song(project.song, samples, sample_rate_hz=RATE_HZ, max_seconds=ENDLESS_S)
    return rendered.song_end_frame is not None


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
