"""The demo song played through PortAudio into JACK is, sample for sample, the offline render:
the stream path adds, drops and changes nothing from the first note to the stop."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from tests.audio.conftest import RATE, Recording
from tracker.demo import demo_song
from tracker.engine import compile_song
from tracker.engine.kernel import Kernel, KernelEvent, RowReached, SongEnded, Stopped
from tracker.engine.playback import Playback

SONG_BOUND_FRAMES = 90 * RATE
"""More than the demo lasts (about 69 s) plus the start-up slack of a freewheeling server."""
TAIL_FRAMES = RATE // 20
"""Compared past the last voice's end: silence."""
WAIT_S = 60.0


def offline() -> tuple[np.ndarray, list[KernelEvent]]:
    """The demo rendered offline, and its events: from its start until its last release has
    rung out (the song's end releases its notes rather than cutting them), then TAIL_FRAMES."""
    kernel = Kernel(RATE)
    kernel.load(compile_song(demo_song()))
    kernel.set_metering(False)
    kernel.set_stop_at_end(True)
    kernel.play_song()
    blocks, events = [], []
    while kernel.stats().playing or kernel.stats().voices_active or not blocks:
        blocks.append(kernel.render(256))
        events += kernel.events()
        assert len(blocks) * 256 < SONG_BOUND_FRAMES, "the demo never stopped"
    blocks.append(np.zeros((TAIL_FRAMES, 2), np.float32))  # voices gone: nothing more to render
    return np.concatenate(blocks), events


def first_sound(audio: np.ndarray) -> int:
    return int(np.flatnonzero(np.any(audio != 0, axis=1))[0])


def test_freewheel_recording_of_the_demo_equals_the_offline_render(
    open_playback: Callable[..., Playback], record: Callable[..., Recording]
) -> None:
    expected, expected_events = offline()
    kernel = Kernel(RATE)
    kernel.load(compile_song(demo_song()))
    kernel.set_metering(False)  # levels would flood the event queue while freewheeling
    open_playback(kernel)
    recording = record(SONG_BOUND_FRAMES, freewheel=True)
    kernel.set_stop_at_end(True)
    kernel.play_song()
    events: list[KernelEvent] = []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        time.sleep(0.005)
        events += kernel.events()
        # the recorder runs after us in each cycle: what we rendered, it has recorded
        if events and kernel.stats().frames_rendered > events[0].frame + len(expected):
            break
    heard = recording.stop()
    assert kernel.stats().events_dropped == 0

    rows = [e for e in events if isinstance(e, RowReached)]
    ends = [e for e in events if isinstance(e, SongEnded | Stopped)]
    started = rows[0].frame  # engine frame of the song's first frame
    assert [e.frame - started for e in ends] == [
        e.frame for e in expected_events if isinstance(e, SongEnded | Stopped)
    ]
    assert [(r.frame - started, r.order, r.row) for r in rows] == [
        (r.frame, r.order, r.row) for r in expected_events if isinstance(r, RowReached)
    ]

    # align the first sound; the span compared runs from the song's first frame to past its stop
    start = first_sound(heard) - first_sound(expected)
    assert start >= 0
    assert len(expected) > ends[-1].frame - started + TAIL_FRAMES
    assert len(heard) - start >= len(expected), "the recording ends before the song's stop"
    span = heard[start : start + len(expected)]
    assert np.array_equal(span, expected)
    assert not span[-TAIL_FRAMES:].any()
