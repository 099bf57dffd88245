"""`tracker sync` as a user runs it: a real process against moto's S3 server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.io.test_sync import edit, make_project, note
from tests.s3_rig import SECRET_KEY, MotoServer, admin_client, aws_environment, free_port
from tracker.cli import EXIT_CONFLICT, EXIT_QUEUED
from tracker.io.project import load_project

TRACKER = Path(sys.executable).with_name("tracker")


@pytest.fixture
def env(s3_server: MotoServer, tmp_path: Path) -> dict[str, str]:
    bucket = f"cli-{free_port()}"
    admin_client(s3_server.url).create_bucket(Bucket=bucket)
    variables = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "TRACKER_S3_"))
    }
    variables.update(aws_environment(tmp_path, s3_server.url))
    variables["TRACKER_S3_BUCKET"] = bucket
    variables["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # no user config.toml
    return variables


def run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(TRACKER), "sync", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert SECRET_KEY not in done.stdout + done.stderr
    return done


def test_push_status_pull_and_log(tmp_path: Path, env: dict[str, str]) -> None:
    song = make_project(tmp_path / "a", with_sample=True)
    pushed = run(env, song.parent, "push", "song.json", "--prefix", "live")
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.startswith(f"pushed to s3://{env['TRACKER_S3_BUCKET']}/live/song.json")
    status = run(env, song.parent, "status", "song.json")
    assert status.stdout.startswith("in sync: song.json and s3://")
    edit(song, lambda s: note(s, 0, 1, 0, 50))
    assert run(env, song.parent, "status", "song.json").stdout.startswith("local ahead")
    other = tmp_path / "b"
    other.mkdir()
    pulled = run(env, other, "pull", "live/song.json")  # by remote key, into the folder
    assert pulled.returncode == 0, pulled.stderr
    assert "1 sample fetched" in pulled.stdout
    assert load_project(other / "song.json").song != load_project(song).song  # not pushed yet
    run(env, song.parent, "push", "song.json")
    run(env, other, "pull", "song.json")
    assert load_project(other / "song.json").song == load_project(song).song
    lines = run(env, other, "log", "song.json").stdout.splitlines()
    assert lines[0].startswith("versioning is off")


def test_conflict_exit_code_and_copy(tmp_path: Path, env: dict[str, str]) -> None:
    a = make_project(tmp_path / "a", with_sample=False)
    assert run(env, a.parent, "push", "song.json").returncode == 0
    b_dir = tmp_path / "b"
    b_dir.mkdir()
    run(env, b_dir, "pull", "song.json")
    edit(b_dir / "song.json", lambda s: note(s, 0, 0, 0, 40))
    run(env, b_dir, "push", "song.json")
    mine = edit(a, lambda s: note(s, 0, 0, 0, 41))
    done = run(env, a.parent, "push", "song.json")
    assert done.returncode == EXIT_CONFLICT
    assert done.stdout.startswith("conflict in pattern 00")
    (copy,) = a.parent.glob("song.conflict-*.json")
    assert load_project(copy).song.patterns[0].rows[0][0].note == 40
    assert load_project(a).song == mine


def test_unreachable_endpoint_queues_the_push(tmp_path: Path, env: dict[str, str]) -> None:
    a = make_project(tmp_path / "a", with_sample=False)
    env = {**env, "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{free_port()}"}
    done = run(env, a.parent, "push", "song.json")
    assert done.returncode == EXIT_QUEUED
    assert done.stdout.startswith("offline, push queued: cannot reach http://127.0.0.1:")
    assert len(done.stdout.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["push", "missing.json"], "tracker: missing.json: no such file"),
        (["status", "song.json", "--bucket", "no-such-bucket-x"], "bucket no-such-bucket-x"),
    ],
)
def test_errors_are_one_line(
    tmp_path: Path, env: dict[str, str], args: list[str], expected: str
) -> None:
    make_project(tmp_path, with_sample=False)
    done = run(env, tmp_path, *args)
    assert done.returncode == 1
    assert done.stderr.startswith(expected) or expected in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_no_bucket_anywhere(tmp_path: Path, env: dict[str, str]) -> None:
    make_project(tmp_path, with_sample=False)
    env = {k: v for k, v in env.items() if k != "TRACKER_S3_BUCKET"}
    done = run(env, tmp_path, "push", "song.json")
    assert done.returncode == 1
    assert done.stderr == (
        "tracker: no bucket is set (s3_bucket in config.toml, TRACKER_S3_BUCKET or --bucket)\n"
    )
