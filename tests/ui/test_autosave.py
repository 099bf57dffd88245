"""Unsaved work in the autosave file every autosave_s, and offered back at the next start
when it is newer than the song; declined, both files stay as they were."""

from __future__ import annotations

import os
from pathlib import Path

from tests.ui.app_support import small_song, wait_for
from tracker.config import Config, UserConfig
from tracker.io.project import Project, load_project, save_project
from tracker.model import edit as ed
from tracker.session import Session, autosave_path
from tracker.ui.app import TrackerApp
from tracker.ui.screens.confirm import Confirm


def saved_with_newer_autosave(tmp_path: Path) -> Path:
    path = tmp_path / "song.json"
    save_project(Project(song=ed.update_song(small_song(), title="as saved")), path)
    autosave = Project(song=ed.update_song(small_song(), title="unsaved work"))
    save_project(autosave, autosave_path(path), backup=False)
    older = path.stat().st_mtime - 10
    os.utime(path, (older, older))
    return path


def app_for(path: Path, autosave_s: float = 60.0) -> TrackerApp:
    config = UserConfig(None, effective=Config(autosave_s=autosave_s))
    return TrackerApp(Session(load_project(path)), audio_device="null", midi=False, config=config)


async def test_a_newer_autosave_is_offered_and_recovered(tmp_path: Path) -> None:
    path = saved_with_newer_autosave(tmp_path)
    song_bytes = path.read_bytes()
    app = app_for(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("r")
        assert app.session.song.title == "unsaved work"
        assert app.session.dirty  # recovered into the editor, not yet saved over the song
        assert "recovered" in str(app.status_line.render())
    assert path.read_bytes() == song_bytes


async def test_declining_leaves_both_files_as_they_were(tmp_path: Path) -> None:
    path = saved_with_newer_autosave(tmp_path)
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    app = app_for(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("k")
        assert app.session.song.title == "as saved"
        assert not app.session.dirty
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files


async def test_an_older_autosave_is_not_offered(tmp_path: Path) -> None:
    path = saved_with_newer_autosave(tmp_path)
    newer = autosave_path(path).stat().st_mtime + 10
    os.utime(path, (newer, newer))
    app = app_for(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        assert not isinstance(app.screen, Confirm)


async def test_unsaved_work_is_autosaved_periodically_and_only_when_changed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "song.json"
    save_project(Project(song=small_song()), path)
    song_bytes = path.read_bytes()
    app = app_for(path, autosave_s=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.5)
        assert not autosave_path(path).exists()  # nothing unsaved yet
        app.session.edit(ed.update_song(app.session.song, title="new work"), "Title")
        await wait_for(pilot, lambda: autosave_path(path).exists())
        assert load_project(autosave_path(path)).song.title == "new work"
        first = autosave_path(path).stat().st_mtime_ns
        await pilot.pause(0.5)
        assert autosave_path(path).stat().st_mtime_ns == first  # unchanged: not rewritten
    assert path.read_bytes() == song_bytes
