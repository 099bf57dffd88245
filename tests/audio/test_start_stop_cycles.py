"""Opening and closing the JACK output, and starting and stopping the song, many times over:
nothing leaks, nothing crashes, and every play and stop is heard."""

from __future__ import annotations

import time
from collections.abc import Callable

import psutil
import pytest

from tests.audio.conftest import RATE
from tests.dsp.helpers import SAMPLE_AUDIO, dc_sample, make_song
from tracker.engine import compile_song
from tracker.engine.kernel import Kernel, KernelEvent, RowReached, Stopped
from tracker.engine.playback import Playback

CYCLES = 100
WARM_UP_CYCLES = 10
"""PortAudio and libjack allocate their pools on the first opens: growth is measured after."""
RSS_GROWTH_LIMIT_BYTES = 4 * 1024 * 1024
WAIT_S = 5.0


def song_kernel() -> Kernel:
    kernel = Kernel(RATE)
    kernel.load(compile_song(make_song(["A-4 01 .. ..."], [dc_sample()], length=16), SAMPLE_AUDIO))
    kernel.set_metering(False)
    return kernel


def wait_for(kernel: Kernel, kind: type[KernelEvent]) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if any(isinstance(e, kind) for e in kernel.events()):
            return
        time.sleep(0.001)
    pytest.fail(f"no {kind.__name__} within {WAIT_S} s")


def play_and_stop(kernel: Kernel) -> None:
    """Play until the first row is heard, then stop and wait until the stop is rendered."""
    kernel.play_song()
    wait_for(kernel, RowReached)
    kernel.stop()
    wait_for(kernel, Stopped)


def test_open_play_stop_close_a_hundred_times_leaks_no_memory(
    open_playback: Callable[..., Playback],
) -> None:
    kernel = song_kernel()
    playback = open_playback(kernel)
    playback.close()
    process = psutil.Process()
    rss_bytes = 0
    for cycle in range(WARM_UP_CYCLES + CYCLES):
        if cycle == WARM_UP_CYCLES:
            rss_bytes = process.memory_info().rss
        playback.open(None)
        play_and_stop(kernel)
        playback.check()  # the stream ran on its own and is still alive
        playback.close()

    assert process.memory_info().rss - rss_bytes < RSS_GROWTH_LIMIT_BYTES
    assert kernel.stats().faults == 0


def test_play_and_stop_a_hundred_times_on_one_open_stream(
    open_playback: Callable[..., Playback],
) -> None:
    kernel = song_kernel()
    playback = open_playback(kernel)
    callbacks = kernel.stats().callbacks
    for _ in range(CYCLES):
        play_and_stop(kernel)
    playback.check()

    stats = kernel.stats()
    assert stats.callbacks > callbacks
    assert not stats.playing
    assert stats.faults == 0
    assert stats.events_dropped == 0
