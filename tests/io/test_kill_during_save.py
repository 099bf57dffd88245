"""Crash safety: a process saving a project over and over is killed with SIGKILL at random
moments, 300 times. After every kill the project file loads and is exactly one of the
versions that were saved, and so is its backup.

The saver is a fork of this process (no interpreter start-up per kill, so 300 kills take
seconds); it shares nothing with the parent but the folder.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from tracker.io.project import Project, backup_path, load_project, save_project
from tracker.model import Cell, Song
from tracker.model import edit as ed

KILLS = 300


def version(k: int) -> Song:
    """Save number k: a title and a cell that say which one it is."""
    song = ed.update_song(Song.new(tracks=4), title=f"v{k}")
    return ed.set_cell(song, 0, k % 64, k % 4, Cell(note=k % 120))


def save_forever(path: Path, first: int) -> None:
    k = first
    while True:
        save_project(Project(song=version(k)), path)
        k += 1


def test_a_save_killed_at_any_moment_leaves_a_whole_version(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    save_project(Project(song=version(0)), path)
    rng = random.Random(5)
    first = 1
    seen_mid_save = 0
    for _ in range(KILLS):
        pid = os.fork()
        if pid == 0:  # the saver: never returns to pytest
            try:
                save_forever(path, first)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.02))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        seen_mid_save += any(tmp_path.glob(".*.tmp"))
        for saved in (path, backup_path(path)):
            if not saved.exists():
                continue
            song = load_project(saved).song
            k = int(song.title.removeprefix("v"))
            assert song == version(k), f"{saved.name} is not a whole version"
        first = int(load_project(path).song.title.removeprefix("v")) + 1
    # Not vacuous, even on a loaded machine: the workers got through whole writes between
    # kills, and many kills landed in the middle of one.
    assert first > KILLS // 10
    assert seen_mid_save >= 10
