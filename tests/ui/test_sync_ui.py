"""The sync key, the S3 indicator and the conflict dialog, against a real S3 server (moto's,
over HTTP on loopback). A second folder, synced with tracker.io.sync directly, stands for
another machine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

import tracker.ui.app as app_module
from tests.s3_rig import (
    SECRET_KEY,
    FaultProxy,
    MotoServer,
    admin_client,
    free_port,
)
from tests.ui.app_support import small_song, wait_for
from tracker.config import Config, UserConfig
from tracker.io.project import Project, load_project, save_project
from tracker.io.s3 import Location
from tracker.io.samples import import_sample
from tracker.io.sync import pull, push, read_state, sync_folder
from tracker.model import Cell, SampleInstrument, Song
from tracker.model import edit as ed
from tracker.session import Session
from tracker.ui.app import TrackerApp
from tracker.ui.screens.sync_conflict import SyncConflict

SYNC_WAIT_S = 20.0
"""A push that finds the endpoint gone waits out boto3's retries: far under this."""

_bucket_number = 0


@pytest.fixture
def bucket(s3_server: MotoServer, s3_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """A new bucket per test (tests share the module's s3_server), named by the environment."""
    global _bucket_number
    _bucket_number += 1
    name = f"ui-songs-{_bucket_number}-{free_port()}"
    admin_client(s3_server.url).create_bucket(Bucket=name)
    monkeypatch.setenv("TRACKER_S3_BUCKET", name)
    return name


def make_song_file(folder: Path) -> Path:
    """Two patterns in the order, four tracks, two synth instruments."""
    folder.mkdir(parents=True, exist_ok=True)
    song, second = ed.new_pattern(small_song(), 32)
    song = ed.insert_order(song, 1, second)
    path = folder / "song.json"
    save_project(Project(song=song), path)
    return path


def open_app(path: Path) -> TrackerApp:
    return TrackerApp(Session(load_project(path)), audio_device="null", midi=False)


def note(song: Song, pattern: int, row: int, track: int, value: int) -> Song:
    return ed.set_cell(song, pattern, row, track, Cell(note=value, instrument=1))


def change_file(path: Path, change: Any) -> Song:
    project = load_project(path)
    project.song = change(project.song)
    save_project(project, path)
    return project.song


def second_machine(tmp_path: Path, bucket: str) -> Path:
    """A folder that starts from what the bucket holds."""
    other = tmp_path / "b" / "song.json"
    other.parent.mkdir()
    pull(other, Location(bucket))
    return other


def indicator(app: TrackerApp) -> str:
    return app.transport.state.sync


def status_line(app: TrackerApp) -> str:
    return str(app.status_line.render())


async def synced(pilot: Any, app: TrackerApp, label: str = "S3 ✓") -> None:
    await wait_for(pilot, lambda: indicator(app) == label, SYNC_WAIT_S)


# ---- the sync key -------------------------------------------------------------------------


async def test_the_sync_key_pushes_a_saved_song(
    tmp_path: Path, bucket: str, s3_server: MotoServer
) -> None:
    path = make_song_file(tmp_path / "a")
    app = open_app(path)
    async with app.run_test() as pilot:
        assert indicator(app) == ""  # never synced: the bar is as it always was
        await pilot.press("ctrl+u")
        await synced(pilot, app)
        assert f"pushed to s3://{bucket}/song.json" in status_line(app)
    assert s3_server.song(bucket) == load_project(path).song == app.session.song
    state = read_state(path)
    assert state is not None and state.bucket == bucket and state.etag
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert SECRET_KEY.encode() not in file.read_bytes(), file


async def test_unsaved_edits_are_saved_then_pushed_where_config_says(
    tmp_path: Path, bucket: str, s3_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_S3_BUCKET")
    path = make_song_file(tmp_path / "a")
    app = open_app(path)
    app.config = UserConfig(None, effective=Config(s3_bucket=bucket, s3_prefix="band/"))
    async with app.run_test() as pilot:
        app.session.edit(note(app.session.song, 0, 5, 2, 61), "Note")
        assert app.session.dirty
        await pilot.press("ctrl+u")
        await synced(pilot, app)
        assert not app.session.dirty
    on_disk = load_project(path).song
    assert on_disk.patterns[0].rows[5][2].note == 61
    assert s3_server.song(bucket, "band/song.json") == on_disk


async def test_remote_changes_are_merged_in_as_one_undoable_edit(
    tmp_path: Path, bucket: str, s3_server: MotoServer
) -> None:
    """The other machine changed pattern 1 and added a sample instrument; we changed
    pattern 0. The app's song gets both, with the new sample ready to play."""
    path = make_song_file(tmp_path / "a")
    push(path, Location(bucket))
    other = second_machine(tmp_path, bucket)
    wav = tmp_path / "kick.wav"
    sf.write(wav, (np.sin(np.arange(400) / 5.0) * 20000).astype(np.int16), 44100)
    project = load_project(other)
    ref = import_sample(project, wav)
    project.song, _ = ed.add_instrument(
        note(project.song, 1, 4, 3, 50), SampleInstrument(name="kick", sample=ref)
    )
    save_project(project, other)
    push(other, None)

    app = open_app(path)
    async with app.run_test() as pilot:
        await synced(pilot, app, "S3 ↓")  # the check at start sees the remote ahead
        before = note(app.session.song, 0, 2, 0, 40)
        app.session.edit(before, "Note")
        await pilot.press("ctrl+u")
        await synced(pilot, app)
        song = app.session.song
        assert song.patterns[0].rows[2][0].note == 40  # ours
        assert song.patterns[1].rows[4][3].note == 50  # theirs
        assert song.instruments[-1].name == "kick"
        assert ref.sha256 in app.session.project.samples  # the engine has its frames
        assert not app.session.dirty  # the file holds the merged song
        assert load_project(path).song == song == s3_server.song(bucket)
        await pilot.press("ctrl+z")
        assert app.session.song is before
        assert app.session.dirty


async def test_a_conflict_asks_and_keep_mine_replaces_the_remote(
    tmp_path: Path, bucket: str, s3_server: MotoServer
) -> None:
    path, theirs = _conflicting(tmp_path, bucket)
    app = open_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await synced(pilot, app, "S3 ↓")
        mine = note(app.session.song, 0, 8, 1, 57)
        app.session.edit(mine, "Note")
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncConflict), SYNC_WAIT_S)
        shown = " ".join(str(label.render()) for label in app.screen.query("Label"))
        assert "pattern 00" in shown
        copies = list(path.parent.glob("song.conflict-*.json"))
        assert len(copies) == 1 and copies[0].name in shown
        assert indicator(app) == "S3 conflict"
        await pilot.press("k")
        await synced(pilot, app)
        assert app.session.song is mine
    assert s3_server.song(bucket) == mine
    assert load_project(copies[0]).song == theirs  # theirs is kept


async def test_decide_later_leaves_everything_and_shows_the_conflict(
    tmp_path: Path, bucket: str, s3_server: MotoServer
) -> None:
    path, theirs = _conflicting(tmp_path, bucket)
    app = open_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await synced(pilot, app, "S3 ↓")
        app.session.edit(note(app.session.song, 0, 8, 1, 57), "Note")
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncConflict), SYNC_WAIT_S)
        await pilot.press("l")
        await pilot.pause()
        assert not isinstance(app.screen, SyncConflict)
        assert indicator(app) == "S3 conflict"
        assert "conflict left for later" in status_line(app)
    assert s3_server.song(bucket) == theirs
    assert load_project(path).song.patterns[0].rows[8][1].note == 57


async def test_open_theirs_opens_the_conflict_copy(
    tmp_path: Path, bucket: str, s3_server: MotoServer
) -> None:
    path, theirs = _conflicting(tmp_path, bucket)
    app = open_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await synced(pilot, app, "S3 ↓")
        app.session.edit(note(app.session.song, 0, 8, 1, 57), "Note")
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncConflict), SYNC_WAIT_S)
        await pilot.press("o")
        await pilot.pause()
        copy = app.session.project.path
        assert copy is not None and copy.name.startswith("song.conflict-")
        assert app.session.song == theirs
        assert "(theirs)" in status_line(app)
        await wait_for(pilot, lambda: app._sync_running is None)
        assert indicator(app) == ""  # the copy was never synced
    assert load_project(path).song.patterns[0].rows[8][1].note == 57  # ours, as saved
    assert s3_server.song(bucket) == theirs


def _conflicting(tmp_path: Path, bucket: str) -> tuple[Path, Song]:
    """Our file synced, and the other machine's change to pattern 00 row 8 pushed since."""
    path = make_song_file(tmp_path / "a")
    push(path, Location(bucket))
    other = second_machine(tmp_path, bucket)
    theirs = change_file(other, lambda song: note(song, 0, 8, 1, 55))
    push(other, None)
    return path, theirs


# ---- no network, no bucket, no file -------------------------------------------------------


async def test_an_unreachable_endpoint_queues_the_push_and_the_retry_sends_it(
    tmp_path: Path, bucket: str, s3_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setattr(app_module, "SYNC_RETRY_S", 0.3)
    path = make_song_file(tmp_path / "a")
    app = open_app(path)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+u")
        await synced(pilot, app, "S3 queued")
        assert "offline, push queued" in status_line(app)
        state = read_state(path)
        assert state is not None and state.pending_push
        assert s3_server.keys(bucket) == []
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.url)  # the network is back
        await synced(pilot, app)
        assert "queued push done" in status_line(app)
    assert s3_server.song(bucket) == load_project(path).song
    state = read_state(path)
    assert state is not None and not state.pending_push


async def test_the_background_check_follows_the_remote_and_the_network(
    tmp_path: Path, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "SYNC_CHECK_S", 0.3)
    path = make_song_file(tmp_path / "a")
    push(path, Location(bucket))
    app = open_app(path)
    async with app.run_test() as pilot:
        await synced(pilot, app)
        other = second_machine(tmp_path, bucket)
        change_file(other, lambda song: note(song, 1, 0, 0, 30))
        push(other, None)
        await synced(pilot, app, "S3 ↓")
        app.session.edit(note(app.session.song, 0, 0, 0, 31), "Note")
        await pilot.press("ctrl+s")
        assert indicator(app) in ("S3 ↑", "S3 ⇅")  # ahead at once, before any check
        await synced(pilot, app, "S3 ⇅")
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{free_port()}")
        await synced(pilot, app, "S3 offline")
        assert app.transport.state.sync_alert


async def test_no_bucket_configured_says_so_in_one_line_and_writes_nothing(
    tmp_path: Path, s3_env: dict[str, str]
) -> None:
    path = make_song_file(tmp_path / "a")
    before = path.read_bytes()
    app = open_app(path)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: "never been synced" in status_line(app), SYNC_WAIT_S)
        assert "\n" not in status_line(app)
        assert indicator(app) == ""
    assert path.read_bytes() == before
    assert not sync_folder(path).exists()


async def test_a_song_never_saved_is_not_synced(s3_env: dict[str, str]) -> None:
    app = TrackerApp(Session(Project(song=small_song())), audio_device="null", midi=False)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+u")
        assert "never been saved" in status_line(app)
        assert app._sync_running is None


# ---- the UI while a sync runs -------------------------------------------------------------


async def test_keys_are_handled_while_a_slow_push_runs(
    tmp_path: Path, bucket: str, s3_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = FaultProxy(s3_server.port, delay_s=2.0)
    proxy.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
        path = make_song_file(tmp_path / "a")
        app = open_app(path)
        async with app.run_test() as pilot:
            await pilot.press("ctrl+u")
            assert indicator(app) == "S3 …"
            started = time.monotonic()
            await pilot.press("space")  # edit mode on, while the push waits on the network
            assert app.editor.edit_mode
            await pilot.press("ctrl+u")
            assert "a sync is under way" in status_line(app)
            assert time.monotonic() - started < 1.0  # far less than one request takes
            assert app._sync_running == "push" and indicator(app) == "S3 …"
            await synced(pilot, app)
        assert s3_server.song(bucket) == load_project(path).song
    finally:
        proxy.stop()


async def test_a_save_during_a_push_waits_for_it(
    tmp_path: Path, bucket: str, s3_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = FaultProxy(s3_server.port, delay_s=0.5)
    proxy.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
        path = make_song_file(tmp_path / "a")
        app = open_app(path)
        async with app.run_test() as pilot:
            await pilot.press("ctrl+u")
            later = note(app.session.song, 1, 1, 1, 70)
            app.session.edit(later, "Note")
            await pilot.press("ctrl+s")
            assert "saving when it is done" in status_line(app)
            await synced(pilot, app, "S3 ↑")  # saved after the push: ahead of the remote
            assert not app.session.dirty
        assert load_project(path).song == later
        assert s3_server.song(bucket).patterns[1].rows[1][1].note is None
    finally:
        proxy.stop()
