"""How the main screens look, at 80x24 (an SSH session's default) and 160x50.

The audio output is the null one; its callback load is replaced by a fixed figure here
(the only stand-in in these tests) so the transport bar's `cpu` reads the same on any
machine. Regenerate with `pytest tests/ui/test_snapshots.py --snapshot-update` and look
at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.app_support import make_app, song_with_notes, steady
from tracker.ui.app import TrackerApp

SIZES = [(80, 24), (160, 50)]
VIEWS = {"pattern": "f2", "instruments": "f3", "mixer": "f4"}


def steady_app() -> TrackerApp:
    return steady(make_app(song_with_notes()))


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("view", list(VIEWS))
def test_main_screens(snap_compare: Any, view: str, size: tuple[int, int]) -> None:
    keys = [VIEWS[view]]
    if view == "pattern":
        keys += ["space", "down", "right", "shift+down", "shift+down"]  # edit mode, a selection
    assert snap_compare(steady_app(), press=keys, terminal_size=size)


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(steady_app(), press=["f1"], terminal_size=(80, 24))
