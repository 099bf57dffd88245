"""The guard frames compile_song puts around sample data, which the kernel's interpolation
reads past either end: what follows the end, and what comes before a loop from frame 0."""

import numpy as np
import pytest

from tracker.engine.compile import GUARD_FRAMES, guarded_frames

DATA = np.arange(1, 11, dtype=np.float32)  # frames 1.0 .. 10.0


def guards(loop: str, loop_start: int, frames: int = 10) -> tuple[list[float], list[float]]:
    padded = guarded_frames(DATA, frames, loop, loop_start)[:, 0]
    assert padded.shape == (frames + 2 * GUARD_FRAMES,)
    np.testing.assert_array_equal(padded[GUARD_FRAMES:-GUARD_FRAMES], DATA[:frames])
    return padded[:GUARD_FRAMES].tolist(), padded[-GUARD_FRAMES:].tolist()


@pytest.mark.parametrize(
    ("loop", "loop_start", "before", "after"),
    [
        ("none", 0, [0, 0, 0, 0], [0, 0, 0, 0]),
        ("forward", 6, [0, 0, 0, 0], [7, 8, 9, 10]),
        ("pingpong", 6, [0, 0, 0, 0], [10, 9, 8, 7]),
        # a loop from frame 0 comes round from its own end
        ("forward", 0, [7, 8, 9, 10], [1, 2, 3, 4]),
        ("pingpong", 0, [5, 4, 3, 2], [10, 9, 8, 7]),
    ],
)
def test_guard_frames(loop: str, loop_start: int, before: list[float], after: list[float]) -> None:
    assert guards(loop, loop_start) == (before, after)


def test_guard_frames_of_a_loop_shorter_than_the_guard() -> None:
    assert guards("forward", 0, frames=3) == ([3, 1, 2, 3], [1, 2, 3, 1])
