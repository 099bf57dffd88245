"""Every save keeps the file it replaces as <name>.bak; unfinished saves' temporaries are
cleared away; an autosave keeps no backup of its own."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tracker.io.project import (
    Project,
    ProjectError,
    backup_path,
    load_project,
    remove_stale_temporaries,
    save_project,
)
from tracker.model import Song
from tracker.model import edit as ed


def song(title: str) -> Song:
    return ed.update_song(Song.new(tracks=2), title=title)


def test_each_save_keeps_the_one_before_as_bak(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    save_project(Project(song=song("one")), path)
    assert not backup_path(path).exists()  # nothing was there to keep
    save_project(Project(song=song("two")), path)
    save_project(Project(song=song("three")), path)

    assert backup_path(path) == tmp_path / "song.json.bak"
    assert load_project(path).song.title == "three"
    assert load_project(backup_path(path)).song.title == "two"
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_backup_is_a_separate_file_not_a_link_that_the_next_save_changes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "song.json"
    save_project(Project(song=song("one")), path)
    save_project(Project(song=song("two")), path)
    save_project(Project(song=song("three")), path)  # replaces song.json by a new file
    assert load_project(backup_path(path)).song.title == "two"
    assert load_project(path).song.title == "three"
    assert os.stat(path).st_ino != os.stat(backup_path(path)).st_ino


def test_a_refused_save_leaves_file_and_backup_alone(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    save_project(Project(song=song("one")), path)
    save_project(Project(song=song("two")), path)
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    broken = song("three")
    broken.patterns[0].rows[0].append(broken.patterns[0].rows[0][0])  # a row too wide
    with pytest.raises(ProjectError, match="cannot save"):
        save_project(Project(song=broken), path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files


def test_stale_temporaries_go_and_fresh_ones_stay(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    save_project(Project(song=song("one")), path)
    stale = tmp_path / ".song.json.abc123.tmp"
    stale_backup = tmp_path / ".song.json.bak.4242.tmp"
    fresh = tmp_path / ".song.json.def456.tmp"
    other = tmp_path / ".other.json.xyz.tmp"
    for temp in (stale, stale_backup, fresh, other):
        temp.write_text("half a save")
    old = time.time() - 3600
    for temp in (stale, stale_backup, other):
        os.utime(temp, (old, old))

    removed = remove_stale_temporaries(path)
    assert sorted(removed) == sorted([stale, stale_backup])
    assert fresh.exists() and other.exists() and path.exists()


def test_an_autosave_keeps_no_backup(tmp_path: Path) -> None:
    from tracker.session import Session, autosave_path

    path = tmp_path / "song.json"
    save_project(Project(song=song("one")), path)
    session = Session(load_project(path))
    session.edit(ed.update_song(session.song, title="edited"), "Title")
    session.autosave()
    session.autosave()
    assert load_project(autosave_path(path)).song.title == "edited"
    assert not backup_path(autosave_path(path)).exists()


def test_a_save_that_fails_for_space_keeps_the_older_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backup is taken only once the new file is safely written: a full disk leaves the
    file and the backup before it as they were (not two copies of the same version)."""
    import errno

    from tracker.io import project as project_module

    path = tmp_path / "song.json"
    for title in ("one", "two"):
        save_project(Project(song=song(title)), path)

    def no_space(file: object, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(project_module, "_write_all", no_space)
    with pytest.raises(ProjectError, match="No space left on device"):
        save_project(Project(song=song("three")), path)
    monkeypatch.undo()
    assert load_project(path).song.title == "two"
    assert load_project(backup_path(path)).song.title == "one"
