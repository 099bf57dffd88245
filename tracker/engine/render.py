"""Offline render: the kernel render function real-time playback uses, driven block by block."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tracker.engine.compile import compile_song
from tracker.engine.kernel import Kernel, SongEnded, Stopped
from tracker.model import Song

BLOCK_FRAMES = 16384
"""Frames a call renders while the song plays: the output does not depend on it, and each
call costs some Python around the kernel (4096 frames a call rendered MODs 5 % slower)."""
TAIL_BLOCK_FRAMES = 4096
"""Frames a call renders once the song has stopped: the render ends at the first silent
call, so smaller calls cut the silence after the release tail closer."""
TAIL_MAX_S = 10.0
"""After the song ends, releases ring out for at most this long."""

SILENCE = 1e-5


@dataclass
class Rendered:
    mix: npt.NDArray[np.float32]  # (frames, 2)
    stems: npt.NDArray[np.float32] | None  # (tracks, frames, 2) post-fader, or None
    sample_rate_hz: int
    song_end_frame: int | None  # where the song ended, None if cut by max_seconds


def estimate_frames(song: Song, sample_rate_hz: int) -> int:
    """Length of the song ignoring jumps, breaks and tempo changes: for progress bars only."""
    rows = sum(len(song.patterns[index].rows) for index in song.order)
    return int(rows * song.speed_ticks * 2.5 * sample_rate_hz / song.tempo_bpm)


def render_song(
    song: Song,
    samples: Mapping[str, npt.NDArray[np.float32]] | None = None,
    *,
    sample_rate_hz: int = 48000,
    max_seconds: float | None = None,
    stems: bool = False,
    block_frames: int = BLOCK_FRAMES,
    on_progress: Callable[[int], None] | None = None,
) -> Rendered:
    """Render a song once through, plus the release of its last notes.

    max_seconds cuts the render short (and bounds songs that never end). A
    song whose jumps loop forever ends where it first jumps back.
    """
    kernel = Kernel(sample_rate_hz)
    compiled = compile_song(song, samples)
    kernel.load(compiled)
    kernel.set_stop_at_end(True)
    kernel.set_metering(False)
    kernel.play_song()
    tracks = len(song.tracks)
    limit_frames = int(max_seconds * sample_rate_hz) if max_seconds is not None else None
    tail_frames = int(TAIL_MAX_S * sample_rate_hz)

    mixes: list[npt.NDArray[np.float32]] = []
    stem_blocks: list[npt.NDArray[np.float32]] = []
    done = 0
    end_frame: int | None = None
    stopped_frame: int | None = None
    while True:
        n = block_frames if stopped_frame is None else min(block_frames, TAIL_BLOCK_FRAMES)
        if limit_frames is not None:
            n = min(n, limit_frames - done)
        if stopped_frame is not None:
            n = min(n, stopped_frame + tail_frames - done)
        if n <= 0:
            break
        if stems:
            mix, stem = kernel.render_stems(n, tracks)
            stem_blocks.append(stem)
        else:
            mix = kernel.render(n)
        mixes.append(mix)
        done += n
        for event in kernel.events():
            if isinstance(event, SongEnded) and end_frame is None:
                end_frame = event.frame
            elif isinstance(event, Stopped) and stopped_frame is None:
                stopped_frame = event.frame
        if on_progress:
            on_progress(done)
        # only the tail is checked for silence: during the song it would only cost time
        if stopped_frame is not None and done > stopped_frame and _rang_out(kernel, mix):
            break

    mix_all = np.concatenate(mixes) if mixes else np.zeros((0, 2), np.float32)
    stems_all = np.concatenate(stem_blocks, axis=1) if stems and stem_blocks else None
    return Rendered(mix_all, stems_all, sample_rate_hz, end_frame)


def _rang_out(kernel: Kernel, mix: npt.NDArray[np.float32]) -> bool:
    return kernel.stats().voices_active == 0 and float(np.abs(mix).max()) < SILENCE
