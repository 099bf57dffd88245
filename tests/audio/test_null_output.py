"""The null output (``--device null``), opened the way the app opens it: it keeps real-time pace
on the monotonic clock, stamps events with when they would be heard, and stops cleanly."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.dsp.helpers import SAMPLE_AUDIO, TICK, dc_sample, make_song
from tracker.engine import compile_song
from tracker.engine.kernel import Kernel, KernelEvent, RowReached, Stopped
from tracker.engine.playback import NULL_BLOCK_FRAMES, Playback

RATE = 48000
MEASURE_S = 1.0
PACE_TOLERANCE = 0.1
WAIT_S = 2.0


@pytest.fixture
def playback() -> Iterator[Playback]:
    kernel = Kernel(RATE)
    kernel.load(compile_song(make_song(["A-4 01 .. ..."], [dc_sample()], speed=1), SAMPLE_AUDIO))
    kernel.set_metering(False)
    playback = Playback(kernel)
    playback.open("null")
    yield playback
    playback.close()


def wait_for(kernel: Kernel, kind: type[KernelEvent]) -> KernelEvent:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        for event in kernel.events():
            if isinstance(event, kind):
                return event
        time.sleep(0.001)
    pytest.fail(f"no {kind.__name__} within {WAIT_S} s")


def test_null_output_renders_at_real_time_pace(playback: Playback) -> None:
    kernel = playback.kernel
    kernel.play_song()
    first_frames, first_s = kernel.stats().frames_rendered, time.monotonic()
    time.sleep(MEASURE_S)
    frames = kernel.stats().frames_rendered - first_frames
    elapsed_s = time.monotonic() - first_s

    assert frames == pytest.approx(elapsed_s * RATE, rel=PACE_TOLERANCE)
    assert playback.status().blocksize == NULL_BLOCK_FRAMES


def test_null_output_stamps_events_on_the_monotonic_clock(playback: Playback) -> None:
    kernel = playback.kernel
    block_s = NULL_BLOCK_FRAMES / RATE
    latency_s = playback.status().latency_s

    assert playback.now_s() == pytest.approx(time.monotonic(), abs=0.01)  # the same clock
    now_s = playback.now_s()
    kernel.play_song()
    first = wait_for(kernel, RowReached)
    assert now_s - block_s <= first.time_s <= now_s + latency_s + 2 * block_s
    second = wait_for(kernel, RowReached)
    assert second.time_s - first.time_s == pytest.approx(TICK / RATE, abs=block_s)


def test_null_output_stops_cleanly(playback: Playback) -> None:
    kernel = playback.kernel
    kernel.play_song()
    wait_for(kernel, RowReached)
    kernel.stop()
    wait_for(kernel, Stopped)
    playback.close()
    frames = kernel.stats().frames_rendered
    time.sleep(0.05)

    assert kernel.stats().frames_rendered == frames  # its thread is gone
    assert not playback.is_open
    assert playback.status().device == "closed"
    playback.check()  # a closed output is not a lost one
