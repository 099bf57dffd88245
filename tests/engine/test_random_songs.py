"""Any valid song, however odd, renders finite, bounded and block-size independent audio.

TRACKER_FUZZ_EXAMPLES=800 runs a longer search (800 examples passed when this was written).
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import projects
from tracker.engine import Kernel, compile_song
from tracker.io.project import Project

RATE_HZ = 22050
FRAMES = RATE_HZ // 2


def render(project: Project, block: int) -> np.ndarray:
    kernel = Kernel(RATE_HZ)
    samples = {sha: audio.frames for sha, audio in project.samples.items()}
    kernel.load(compile_song(project.song, samples))
    kernel.play_song()
    blocks = [kernel.render(min(block, FRAMES - done)) for done in range(0, FRAMES, block)]
    kernel.events()
    assert kernel.stats().faults == 0
    return np.concatenate(blocks)


@settings(
    max_examples=int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(project=projects(max_tracks=4, max_rows=8), block=st.integers(1, 700))
def test_random_songs_render_bounded_and_independent_of_block_size(
    project: Project, block: int
) -> None:
    whole = render(project, FRAMES)
    assert np.isfinite(whole).all()
    assert np.abs(whole).max() <= 1.0  # the master limiter never lets anything past full scale
    assert np.array_equal(whole, render(project, block))
