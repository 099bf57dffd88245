"""Offline render speed: how many times faster than real time the demo song renders."""

from __future__ import annotations

import time

from bench.figures import Figure
from tracker.demo import demo_song
from tracker.engine import render_song
from tracker.model import Song

RATE_HZ = 48000
TARGET_X_REAL_TIME = 200.0


def render_speed(
    song: Song | None = None, *, repeats: int = 3, max_seconds: float | None = None
) -> Figure:
    """Best of `repeats` renders through render_song, the path `tracker render` takes.

    The best run is the one least disturbed by the rest of the machine.
    """
    song = song or demo_song()
    best_s = float("inf")
    audio_s = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        rendered = render_song(song, sample_rate_hz=RATE_HZ, max_seconds=max_seconds)
        best_s = min(best_s, time.perf_counter() - start)
        audio_s = len(rendered.mix) / RATE_HZ
    return Figure(
        key="render_speed_x_real_time",
        label="demo song offline render, one core",
        value=audio_s / best_s,
        unit="x real time",
        target=TARGET_X_REAL_TIME,
    )
