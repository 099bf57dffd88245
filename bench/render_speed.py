"""Offline render speed: how many times faster than real time the demo song renders.

Two figures: render_song as `tracker render` runs it (the target), and the kernel's own
share, the same frames through Kernel.render with no events decoded, so a gap between the
two points at the Python side rather than the C side.
"""

from __future__ import annotations

import time

from bench.figures import Figure
from tracker.demo import demo_song
from tracker.engine import Kernel, compile_song, render_song
from tracker.engine.render import BLOCK_FRAMES
from tracker.model import Song

RATE_HZ = 48000
TARGET_X_REAL_TIME = 200.0


def render_speed(
    song: Song | None = None, *, repeats: int = 3, max_seconds: float | None = None
) -> Figure:
    """Best of `repeats` renders through render_song; the best run is the one least
    disturbed by the rest of the machine."""
    return render_figures(song, repeats=repeats, max_seconds=max_seconds)[0]


def render_figures(
    song: Song | None = None, *, repeats: int = 3, max_seconds: float | None = None
) -> list[Figure]:
    song = song or demo_song()
    best_s = float("inf")
    frames = 0
    for _ in range(repeats):
        start = time.perf_counter()
        rendered = render_song(song, sample_rate_hz=RATE_HZ, max_seconds=max_seconds)
        best_s = min(best_s, time.perf_counter() - start)
        frames = len(rendered.mix)
    kernel_s = min(_kernel_seconds(song, frames) for _ in range(repeats))
    audio_s = frames / RATE_HZ
    return [
        Figure(
            key="render_speed_x_real_time",
            label="demo song offline render, one core",
            value=audio_s / best_s,
            unit="x real time",
            target=TARGET_X_REAL_TIME,
        ),
        Figure(
            key="kernel_render_speed_x_real_time",
            label="  of which the kernel alone",
            value=audio_s / kernel_s if kernel_s > 0 else 0.0,
            unit="x real time",
        ),
    ]


def _kernel_seconds(song: Song, frames: int) -> float:
    """The same frames in render_song's block size, events left undecoded in the kernel."""
    kernel = Kernel(RATE_HZ)
    kernel.load(compile_song(song))
    kernel.set_stop_at_end(True)
    kernel.play_song()
    start = time.perf_counter()
    for done in range(0, frames, BLOCK_FRAMES):
        kernel.render(min(BLOCK_FRAMES, frames - done))
    return time.perf_counter() - start
