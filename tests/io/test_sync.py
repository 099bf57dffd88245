"""Sync against a real S3 server (moto's, over HTTP on loopback): every scenario checks
that no edit is lost on either side.

Two project folders stand for two machines. moto checks a conditional write one request at
a time, not atomically under truly concurrent ones, so races are written as interleaved
sequences of the two clients (push's on_step hook pauses one push between its steps).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from tests.s3_rig import (
    SECRET_KEY,
    FaultProxy,
    MotoServer,
    admin_client,
    free_port,
)
from tracker.io.project import Project, load_project, save_project, sync_folder
from tracker.io.s3 import Bucket, Location, S3Error
from tracker.io.samples import import_sample
from tracker.io.sync import (
    SyncError,
    SyncOffline,
    SyncStatus,
    log,
    pull,
    push,
    read_state,
    status,
)
from tracker.model import Cell, Pattern, SampleInstrument, Song, Track
from tracker.model.edit import set_cell

_bucket_number = 0


@pytest.fixture
def bucket_name(s3_server: MotoServer, s3_env: dict[str, str]) -> str:
    """A new bucket per test: tests share the module's s3_server."""
    global _bucket_number
    _bucket_number += 1
    name = f"songs-{_bucket_number}-{free_port()}"
    admin_client(s3_server.url).create_bucket(Bucket=name)
    return name


@pytest.fixture
def where(bucket_name: str) -> Location:
    return Location(bucket_name, prefix="band/")


def note(song: Song, pattern: int, row: int, track: int, value: int) -> Song:
    instrument = 1 if song.instruments else None
    return set_cell(song, pattern, row, track, Cell(note=value, instrument=instrument))


def make_project(folder: Path, name: str = "song.json", with_sample: bool = True) -> Path:
    """Two patterns, two tracks and, with_sample, a 16-bit sample instrument."""
    folder.mkdir(parents=True, exist_ok=True)
    project = Project.new(tracks=2)
    instruments = []
    if with_sample:
        wav = folder / "kick.wav"
        frames = (np.sin(np.arange(400) / 5.0) * 20000).astype(np.int16)
        sf.write(wav, frames, 44100, subtype="PCM_16")
        ref = import_sample(project, wav)
        instruments.append(SampleInstrument(name="kick", sample=ref))
    project.song = Song(
        title="two machines",
        tracks=[Track(name="a"), Track(name="b")],
        instruments=instruments,
        patterns=[Pattern.empty(16, 2), Pattern.empty(16, 2)],
        order=[0, 1],
    )
    path = folder / name
    save_project(project, path)
    return path


def edit(path: Path, change: Any) -> Song:
    """Load, change the song with `change(song) -> song`, save; returns the new song."""
    project = load_project(path)
    project.song = change(project.song)
    save_project(project, path)
    return project.song


def no_secret_under(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert SECRET_KEY.encode() not in path.read_bytes(), path


# ---- scenarios ----------------------------------------------------------------------------


def test_first_push_uploads_samples_then_the_song(
    tmp_path: Path, where: Location, s3_server: MotoServer
) -> None:
    song_path = make_project(tmp_path / "a")
    steps: list[str] = []
    result = push(song_path, where, on_step=steps.append)
    assert steps == ["samples", "song"]
    assert result.status is SyncStatus.IN_SYNC and result.samples_sent == 1
    keys = s3_server.keys(where.bucket)
    assert "band/song.json" in keys
    assert [k for k in keys if k.startswith("band/samples/")] != []
    assert s3_server.song(where.bucket, "band/song.json") == load_project(song_path).song
    state = read_state(song_path)
    assert state is not None and state.etag and state.key == "band/song.json"
    assert (sync_folder(song_path) / "base.json").read_bytes() == song_path.read_bytes()
    assert status(song_path, None)[0] is SyncStatus.IN_SYNC
    again = push(song_path, None)  # the state remembers where
    assert "nothing to push" in again.message
    no_secret_under(tmp_path)


def test_first_push_never_overwrites_a_song_already_there(
    tmp_path: Path, where: Location, s3_server: MotoServer
) -> None:
    theirs = make_project(tmp_path / "b")
    theirs_song = edit(theirs, lambda s: note(s, 0, 0, 0, 60))
    push(theirs, where)
    mine = make_project(tmp_path / "a")
    mine_song = edit(mine, lambda s: note(s, 0, 0, 0, 62))
    result = push(mine, where)  # IfNoneMatch="*": the key exists, and there is no base
    assert result.conflict_copy is not None
    assert load_project(result.conflict_copy).song == theirs_song
    assert load_project(mine).song == mine_song
    assert s3_server.song(where.bucket, "band/song.json") == theirs_song


def test_remote_change_then_push_gets_412_and_merges(
    tmp_path: Path, where: Location, s3_server: MotoServer
) -> None:
    a = make_project(tmp_path / "a")
    push(a, where)
    b = tmp_path / "b" / "song.json"
    b.parent.mkdir()
    pulled = pull(b, where)  # a second machine starts from the bucket
    assert pulled.samples_fetched == 1 and load_project(b).song == load_project(a).song
    edit(b, lambda s: note(s, 1, 4, 1, 50))
    push(b, None)
    edit(a, lambda s: note(s, 0, 2, 0, 40))
    assert status(a, None)[0] is SyncStatus.DIVERGED
    result = push(a, None)
    assert result.merged and result.status is SyncStatus.IN_SYNC
    for song in (load_project(a).song, s3_server.song(where.bucket, "band/song.json")):
        assert song.patterns[0].rows[2][0].note == 40  # ours
        assert song.patterns[1].rows[4][1].note == 50  # theirs
    assert status(b, None)[0] is SyncStatus.REMOTE_AHEAD
    pull(b, None)
    assert load_project(b).song == load_project(a).song
    assert status(a, None)[0] is SyncStatus.IN_SYNC
    assert status(b, None)[0] is SyncStatus.IN_SYNC


def test_interleaved_pushes_of_different_patterns_merge(tmp_path: Path, where: Location) -> None:
    """A's push is paused after its samples; B pushes meanwhile; A's song write gets 412."""
    a = make_project(tmp_path / "a")
    push(a, where)
    b = tmp_path / "b" / "song.json"
    b.parent.mkdir()
    pull(b, where)
    edit(a, lambda s: note(s, 0, 0, 0, 30))
    edit(b, lambda s: note(s, 1, 15, 1, 70))

    def b_pushes(step: str) -> None:
        if step == "song":
            push(b, None)

    result = push(a, None, on_step=b_pushes)
    assert result.merged
    pull(b, None)
    for path in (a, b):
        song = load_project(path).song
        assert song.patterns[0].rows[0][0].note == 30
        assert song.patterns[1].rows[15][1].note == 70


def test_the_same_cell_edited_on_both_keeps_both_versions(
    tmp_path: Path, where: Location, s3_server: MotoServer
) -> None:
    a = make_project(tmp_path / "a")
    push(a, where)
    b = tmp_path / "b" / "song.json"
    b.parent.mkdir()
    pull(b, where)
    theirs = edit(b, lambda s: note(s, 0, 8, 1, 55))
    push(b, None)
    mine = edit(a, lambda s: note(s, 0, 8, 1, 57))
    mine_bytes = a.read_bytes()
    result = push(a, None)
    assert result.conflict_copy is not None and "pattern 00" in result.message
    assert a.read_bytes() == mine_bytes  # ours untouched
    assert load_project(result.conflict_copy).song == theirs  # theirs beside it, with samples
    assert s3_server.song(where.bucket, "band/song.json") == theirs  # not overwritten
    assert read_state(a).conflict_copy == result.conflict_copy.name  # type: ignore[union-attr]
    # Pushing again is the person's choice: ours replaces the remote, theirs stays in the copy.
    again = push(a, None)
    assert again.status is SyncStatus.IN_SYNC
    assert s3_server.song(where.bucket, "band/song.json") == mine
    assert load_project(result.conflict_copy).song == theirs


def test_a_pull_with_local_changes_merges_or_keeps_a_copy(tmp_path: Path, where: Location) -> None:
    a = make_project(tmp_path / "a")
    push(a, where)
    b = tmp_path / "b" / "song.json"
    b.parent.mkdir()
    pull(b, where)
    edit(a, lambda s: s.model_copy(update={"tempo_bpm": 140}))
    push(a, None)
    edit(b, lambda s: s.model_copy(update={"title": "renamed on b"}))
    merged = pull(b, None)
    assert merged.merged and merged.status is SyncStatus.LOCAL_AHEAD
    song = load_project(b).song
    assert (song.tempo_bpm, song.title) == (140, "renamed on b")
    assert (b.parent / "song.json.bak").exists()  # what was replaced is kept


def test_server_stopped_in_the_middle_of_a_push_queues_it(
    tmp_path: Path, bucket_name: str, s3_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    outage = MotoServer()  # a server of its own to stop; moto keeps the buckets in-process
    outage.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", outage.url)
    where = Location(bucket_name)
    a = make_project(tmp_path / "a")
    push(a, where)
    mine = edit(a, lambda s: note(s, 1, 1, 1, 66))

    def cut(step: str) -> None:
        if step == "song":
            outage.stop()

    queued = push(a, None, on_step=cut)
    assert queued.queued and "offline" in queued.message
    assert read_state(a).pending_push  # type: ignore[union-attr]
    assert status(a, Location(bucket_name, endpoint_url=s3_server.url))[0] is SyncStatus.LOCAL_AHEAD
    assert load_project(a).song == mine  # the working copy is untouched
    outage.start()  # the network is back
    done = push(a, None)
    assert done.status is SyncStatus.IN_SYNC and not read_state(a).pending_push  # type: ignore[union-attr]
    assert s3_server.song(bucket_name, "song.json") == mine
    outage.stop()


def test_samples_are_stored_once_and_pulled_only_when_missing(
    tmp_path: Path, where: Location, s3_server: MotoServer
) -> None:
    first = make_project(tmp_path / "a", "one.json")
    second = make_project(tmp_path / "a", "two.json")  # the same sound in another song
    assert push(first, where).samples_sent == 1
    assert push(second, where).samples_sent == 0
    samples = [k for k in s3_server.keys(where.bucket) if "/samples/" in k]
    assert len(samples) == 1
    fresh = tmp_path / "b" / "one.json"
    fresh.parent.mkdir()
    assert pull(fresh, where).samples_fetched == 1
    other = tmp_path / "b" / "two.json"
    # two.json's samples folder is its own: the sound is fetched for it, once
    assert pull(other, where).samples_fetched == 1
    edit(first, lambda s: note(s, 0, 0, 0, 48))
    push(first, None)
    assert pull(fresh, None).samples_fetched == 0
    assert load_project(fresh).song == load_project(first).song


def test_a_damaged_sample_on_the_bucket_is_refused(
    tmp_path: Path, where: Location, s3_server: MotoServer
) -> None:
    a = make_project(tmp_path / "a")
    push(a, where)
    client = admin_client(s3_server.url)
    (sample_key,) = [k for k in s3_server.keys(where.bucket) if "/samples/" in k]
    client.put_object(Bucket=where.bucket, Key=sample_key, Body=b"RIFF not really")
    b = tmp_path / "b" / "song.json"
    b.parent.mkdir()
    with pytest.raises(SyncError, match="samples/"):
        pull(b, where)
    assert not b.exists()
    assert list((tmp_path / "b").rglob("*.wav")) == []


def test_versioned_bucket_log_and_pull_a_version(
    tmp_path: Path, where: Location, s3_server: MotoServer
) -> None:
    admin_client(s3_server.url).put_bucket_versioning(
        Bucket=where.bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    a = make_project(tmp_path / "a", with_sample=False)
    push(a, where)
    first = load_project(a).song
    edit(a, lambda s: note(s, 0, 0, 0, 61))
    push(a, None)
    second = load_project(a).song
    lines = log(a, None)
    assert len(lines) == 2 and "latest" in lines[0] and "synced here" in lines[0]
    oldest = lines[1].split()[0]
    restored = pull(a, None, version_id=oldest)
    assert restored.status is SyncStatus.LOCAL_AHEAD
    assert load_project(a).song == first
    assert load_project(a.with_name("song.json.bak")).song == second
    push(a, None)  # the old version becomes the latest; the history keeps the other
    assert s3_server.song(where.bucket, "band/song.json") == first
    assert len(log(a, None)) == 3


def test_pull_of_a_version_refuses_to_drop_local_changes(tmp_path: Path, where: Location) -> None:
    a = make_project(tmp_path / "a", with_sample=False)
    push(a, where)
    edit(a, lambda s: note(s, 0, 0, 0, 61))
    before = a.read_bytes()
    with pytest.raises(SyncError, match="not pushed"):
        pull(a, None, version_id="anything")
    assert a.read_bytes() == before


def test_unversioned_bucket_log_says_so(tmp_path: Path, where: Location) -> None:
    a = make_project(tmp_path / "a", with_sample=False)
    push(a, where)
    lines = log(a, None)
    assert lines[0].startswith("versioning is off")
    assert len(lines) == 2


def test_409_is_retried_with_backoff(
    tmp_path: Path, bucket_name: str, s3_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = FaultProxy(s3_server.port)
    proxy.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
        proxy.fail("PUT", "/song.json", 409, "ConditionalRequestConflict", times=2)
        a = make_project(tmp_path / "a", with_sample=False)
        result = push(a, Location(bucket_name))
        assert result.status is SyncStatus.IN_SYNC
        assert [status for _, _, status in proxy.answered] == [409, 409]
        assert s3_server.song(bucket_name, "song.json") == load_project(a).song
    finally:
        proxy.stop()


# ---- errors: one line each, nothing changed -------------------------------------------------


def test_no_bucket_named(tmp_path: Path, s3_env: dict[str, str]) -> None:
    a = make_project(tmp_path, with_sample=False)
    with pytest.raises(SyncError, match="never been synced and no bucket is set"):
        push(a, None)


def test_a_bucket_that_does_not_exist(tmp_path: Path, s3_env: dict[str, str]) -> None:
    a = make_project(tmp_path, with_sample=False)
    with pytest.raises(SyncError, match="bucket no-such-bucket-here does not exist"):
        push(a, Location("no-such-bucket-here"))
    assert read_state(a) is None


def test_no_credentials(tmp_path: Path, bucket_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    a = make_project(tmp_path, with_sample=False)
    with pytest.raises(SyncError, match=r"^no S3 credentials") as caught:
        push(a, Location(bucket_name))
    assert "\n" not in str(caught.value)


def test_access_denied(
    tmp_path: Path, bucket_name: str, s3_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = FaultProxy(s3_server.port)
    proxy.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
        proxy.fail("PUT", "/song.json", 403, "AccessDenied", times=5)
        a = make_project(tmp_path, with_sample=False)
        with pytest.raises(SyncError, match=r"access denied to s3://.*song\.json"):
            push(a, Location(bucket_name))
        state = read_state(a)
        assert state is None or not state.pending_push  # not a network problem: not queued
    finally:
        proxy.stop()


def test_endpoint_unreachable_pull_and_status(
    tmp_path: Path, s3_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", nobody)
    a = make_project(tmp_path, with_sample=False)
    before = a.read_bytes()
    with pytest.raises(SyncOffline, match=f"cannot reach {nobody}") as caught:
        pull(a, Location("somewhere"))
    assert "\n" not in str(caught.value)
    with pytest.raises(SyncError, match="cannot reach"):
        status(a, Location("somewhere"))
    queued = push(a, Location("somewhere"))
    assert queued.queued
    assert a.read_bytes() == before
    no_secret_under(tmp_path)


def test_a_remote_file_that_is_not_a_project(
    tmp_path: Path, where: Location, s3_server: MotoServer
) -> None:
    admin_client(s3_server.url).put_object(
        Bucket=where.bucket, Key="band/song.json", Body=b'{"tempo_bpm": "fast"'
    )
    a = make_project(tmp_path, with_sample=False)
    before = a.read_bytes()
    with pytest.raises(SyncError, match=r"band/song\.json is not a tracker project: .*JSON"):
        pull(a, where)
    assert a.read_bytes() == before
    assert read_state(a) is None


def test_an_oversized_remote_object_is_not_read(where: Location, s3_server: MotoServer) -> None:
    admin_client(s3_server.url).put_object(Bucket=where.bucket, Key="big", Body=b"x" * 5000)
    with pytest.raises(S3Error, match="5000 bytes"):
        Bucket(where).get("big", max_bytes=4096)


def test_a_broken_state_file_is_one_line(tmp_path: Path, where: Location) -> None:
    a = make_project(tmp_path, with_sample=False)
    sync_folder(a).mkdir()
    (sync_folder(a) / "state.json").write_text("{ nope")
    with pytest.raises(SyncError, match="not a sync state"):
        push(a, where)
