"""Headless playback (`tracker play`): a song through the sound card, with a one-line status.

The audio thread runs only the kernel's C callback; this loop wakes every
50 ms to drain the kernel's events, watch the device and redraw the status
line. The position shown is the last row already heard (events carry the
time they reach the speakers), so the display never runs ahead of the sound.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

import numpy as np
import numpy.typing as npt

from tracker.engine import Kernel, RowReached, Stopped, compile_song
from tracker.engine.playback import NULL_DEVICE, Playback
from tracker.engine.portaudio import JACK, AudioError, find_output, rescan
from tracker.model import Song

POLL_S = 0.05
FADE_WAIT_S = 2.0
"""After stopping, how long voices may take to release before the stream closes."""


@dataclass(frozen=True, slots=True)
class PlayOptions:
    device: str | None = None  # None: JACK if running, else the system default; "null": silent
    rate_hz: int | None = None  # None: the JACK server's rate, or 48000
    blocksize: int = 0  # 0: the host's own period
    start_order: int = 0
    start_row: int = 0
    loop: bool = False
    seconds: float | None = None


@dataclass(frozen=True, slots=True)
class PlayResult:
    seconds: float
    underflows: int
    load_max: float
    device: str
    interrupted: bool


def choose_rate(options: PlayOptions) -> tuple[int, str | None]:
    """The engine's sample rate, and the device (None: default) it was chosen for."""
    if options.device == NULL_DEVICE:
        return options.rate_hz or 48000, options.device
    rescan()  # see a JACK server started since import, and name our client
    device = find_output(options.device)
    if options.rate_hz is not None:
        return options.rate_hz, str(device.index)
    if device.host_api == JACK:
        return round(device.default_rate_hz), str(device.index)
    return 48000, str(device.index)


def play(
    song: Song,
    samples: Mapping[str, npt.NDArray[np.float32]],
    options: PlayOptions,
    status: TextIO | None,
) -> PlayResult:
    """Play until the song ends (or --seconds, or Ctrl-C); raise AudioError on device trouble.

    status: where the live status line goes (a terminal), or None for none.
    """
    if options.start_order >= len(song.order):
        raise AudioError(
            f"--from {options.start_order}: the song has {len(song.order)} order positions"
        )
    rows = len(song.patterns[song.order[options.start_order]].rows)
    if options.start_row >= rows:
        raise AudioError(
            f"--from {options.start_order}:{options.start_row}: that pattern has {rows} rows"
        )
    rate_hz, device = choose_rate(options)
    kernel = Kernel(rate_hz)
    kernel.load(compile_song(song, samples))
    kernel.set_stop_at_end(not options.loop)
    playback = Playback(kernel)
    description = playback.open(device, options.blocksize)
    started_s = time.monotonic()
    interrupted = False
    try:
        kernel.play_song(options.start_order, options.start_row)
        _run(kernel, playback, song, options, status, started_s)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        _stop(kernel, playback)
        if status is not None:
            status.write("\n")
            status.flush()
    stats = kernel.stats()
    return PlayResult(
        seconds=time.monotonic() - started_s,
        underflows=stats.underflows,
        load_max=stats.load_max,
        device=description,
        interrupted=interrupted,
    )


def _run(
    kernel: Kernel,
    playback: Playback,
    song: Song,
    options: PlayOptions,
    status: TextIO | None,
    started_s: float,
) -> None:
    pending: list[RowReached] = []
    heard: RowReached | None = None
    stopped_at_s: float | None = None
    while True:
        time.sleep(POLL_S)
        playback.check()
        for event in kernel.events():
            if isinstance(event, RowReached):
                pending.append(event)
            elif isinstance(event, Stopped):
                stopped_at_s = event.time_s
        now_s = playback.now_s()
        while pending and pending[0].time_s <= now_s:
            heard = pending.pop(0)
        if status is not None:
            status.write("\r" + status_line(heard, song, playback, now_s) + "\x1b[K")
            status.flush()
        if stopped_at_s is not None and now_s >= stopped_at_s:
            return
        if options.seconds is not None and time.monotonic() - started_s >= options.seconds:
            return


def status_line(heard: RowReached | None, song: Song, playback: Playback, now_s: float) -> str:
    state = playback.status()
    if heard is None:
        where = "starting"
    else:
        where = (
            f"order {heard.order:02X}/{len(song.order) - 1:02X}  "
            f"pattern {heard.pattern:02X}  row {heard.row:02X}"
        )
    return (
        f"▶ {where}  cpu {state.load_last * 100:4.1f}% (max {state.load_max * 100:4.1f}%)  "
        f"xruns {state.underflows}"
    )


def _stop(kernel: Kernel, playback: Playback) -> None:
    """Let voices fade (no click), then close the stream."""
    if not playback.is_open:
        return
    try:
        kernel.stop()
        deadline = time.monotonic() + FADE_WAIT_S
        while time.monotonic() < deadline and kernel.stats().voices_active > 0:
            time.sleep(0.01)
            kernel.events()
        time.sleep(playback.status().latency_s)  # what is queued in the device plays out
    finally:
        playback.close()
