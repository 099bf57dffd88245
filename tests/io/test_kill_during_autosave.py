"""Crash safety of the autosave and its recovery: a process autosaving, recovering the
autosave and saving it over the song, in a loop, is killed with SIGKILL at random moments
300 times. After every kill the autosave, the song and the song's backup each load and are
exactly one of the versions written, the song is never ahead of the autosave it came from,
and the song is never left missing.

As in test_kill_during_save.py, the worker is a fork of this process (no interpreter
start-up per kill).
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
from tracker.session import autosave_path, write_autosave

KILLS = 300


def version(k: int) -> Song:
    song = ed.update_song(Song.new(tracks=4), title=f"v{k}")
    return ed.set_cell(song, 0, k % 64, k % 4, Cell(note=k % 120))


def number(path: Path) -> int:
    """The version a file holds; fails the test unless it is one whole version."""
    song = load_project(path).song
    k = int(song.title.removeprefix("v"))
    assert song == version(k), f"{path.name} is not a whole version"
    return k


def autosave_and_recover_forever(path: Path, first: int) -> None:
    """What the app does: autosave unsaved work; at the next start, recover it and save."""
    project = load_project(path)
    k = first
    while True:
        write_autosave(project, version(k))
        recovered = load_project(autosave_path(path))
        save_project(Project(song=recovered.song, samples=recovered.samples), path)
        k += 1


def test_autosave_and_recovery_killed_at_any_moment_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    save_project(Project(song=version(0)), path)
    # Kill times span about two rounds however fast this machine is at the moment.
    started = time.perf_counter()
    write_autosave(load_project(path), version(0))
    save_project(load_project(autosave_path(path)), path)
    round_s = time.perf_counter() - started
    rng = random.Random(7)
    first = 1
    mid_write = 0
    for _ in range(KILLS):
        pid = os.fork()
        if pid == 0:  # the worker: never returns to pytest
            try:
                autosave_and_recover_forever(path, first)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 2.5 * round_s))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        mid_write += any(tmp_path.glob(".*.tmp"))
        song_k = number(path)
        autosave = autosave_path(path)
        if autosave.exists():
            assert number(autosave) >= song_k  # the song only ever takes what was autosaved
        if backup_path(path).exists():
            assert number(backup_path(path)) <= song_k
        first = max(song_k, number(autosave) if autosave.exists() else 0) + 1
    # Not vacuous, even on a loaded machine: the workers got through whole writes between
    # kills, and many kills landed in the middle of one.
    assert first > KILLS // 10
    assert mid_write >= 10
