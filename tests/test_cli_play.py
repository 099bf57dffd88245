"""`tracker play` and `tracker devices` as a user runs them: real processes, a real JACK server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.jack_rig import JackServer, start_jack_server
from tests.test_cli import assert_one_line_error, small_song
from tracker.io.project import Project, save_project


def run(
    *args: str | Path, server: str | None = None, timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env=_env(server),
    )


def _env(server: str | None) -> dict[str, str]:
    # With no server of ours, point libjack at a name nobody uses: a user's
    # or another test's server must not make "no device" pass or fail.
    return {
        **os.environ,
        "JACK_DEFAULT_SERVER": server or "tracker-test-nobody",
        "JACK_NO_START_SERVER": "1",
    }


@pytest.fixture
def server(tmp_path: Path) -> Iterator[JackServer]:
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    jack = start_jack_server(log_dir=tmp_path)
    for key, value in saved.items():  # start_jack_server points this process at it: undo
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    yield jack
    jack.stop()


def test_no_device_is_one_line_and_non_zero() -> None:
    result = run("play", "--seconds", "1")
    assert_one_line_error(result, "no audio output device", "--device null")


def test_null_device_plays_for_the_time_asked() -> None:
    started_s = time.monotonic()
    result = run("play", "--device", "null", "--seconds", "1", "--from", "1:4")
    assert result.returncode == 0, result.stderr
    assert 0.9 <= time.monotonic() - started_s < 20
    assert "played 1.0 s on null" in result.stderr
    assert "xruns 0" in result.stderr


def test_a_song_plays_to_its_end_and_exits(tmp_path: Path) -> None:
    path = tmp_path / "short.json"
    save_project(Project(song=small_song(), samples={}, path=path), path)
    started_s = time.monotonic()
    result = run("play", path, "--device", "null")
    elapsed_s = time.monotonic() - started_s
    assert result.returncode == 0, result.stderr
    # 64 rows at speed 6, 125 BPM: 7.68 s, then the release
    assert 7.5 <= elapsed_s < 20
    assert "played" in result.stderr


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--from", "99"], ["--from 99", "9 order positions"]),
        (["--from", "1:99"], ["--from 1:99", "64 rows"]),
        (["--from", "two"], ["--from two", "ORDER:ROW"]),
        (["--from", "-1"], ["--from -1"]),
        (["--rate", "100"], ["--rate 100"]),
        (["--blocksize", "-4"], ["--blocksize -4"]),
        (["--seconds", "0"], ["--seconds 0"]),
        (["--device", "99"], ["index 99"]),
        (["--device", "no such card"], ["'no such card'"]),
    ],
)
def test_bad_options_are_one_line(args: list[str], fragments: list[str]) -> None:
    device = [] if "--device" in args else ["--device", "null"]
    assert_one_line_error(run("play", *device, "--seconds", "1", *args), *fragments)


def test_a_broken_project_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{ not json")
    assert_one_line_error(run("play", path, "--device", "null"), "broken.json")


def test_devices_without_a_server_lists_only_null() -> None:
    result = run("devices")
    assert result.returncode == 0, result.stderr
    assert "null" in result.stdout
    assert "No audio output devices found" in result.stdout


def test_devices_shows_jack_as_the_default(server: JackServer) -> None:
    result = run("devices", server=server.name)
    assert result.returncode == 0, result.stderr
    default = [line for line in result.stdout.splitlines() if line.startswith(" *")]
    assert len(default) == 1
    assert "JACK Audio Connection Kit" in default[0]
    assert f"{server.rate_hz} Hz" in default[0]


def test_plays_through_jack_by_default(server: JackServer) -> None:
    result = run("play", "--seconds", "1", server=server.name)
    assert result.returncode == 0, result.stderr
    assert "JACK Audio Connection Kit" in result.stderr


def test_wrong_rate_for_the_jack_server_is_one_line(server: JackServer) -> None:
    result = run("play", "--seconds", "1", "--rate", "44100", server=server.name)
    assert_one_line_error(result, "48000 Hz", "--rate 48000")


def test_server_killed_mid_play_is_a_clear_error_not_a_crash(server: JackServer) -> None:
    player = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "play", "--seconds", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(server.name),
    )
    try:
        time.sleep(2.0)  # playing by now
        assert player.poll() is None
        server.kill()
        _, stderr = player.communicate(timeout=20)
    finally:
        if player.poll() is None:
            player.kill()
            player.wait()
    # 1, not 134 (SIGABRT from PortAudio closing a dead JACK client) or a traceback
    assert player.returncode == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "went away" in lines[0] and "playback stopped" in lines[0]


def _tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout


def test_terminal_status_line_and_ctrl_c(tmp_path: Path) -> None:
    """In a real terminal (tmux): a live status line, and Ctrl-C stops cleanly with exit 0."""
    session = f"tracker-play-{os.getpid()}"
    done = tmp_path / "exit-code"
    # the shell stays a while after, so the pane can still be read
    play = f"{sys.executable} -m tracker.cli play --device null --seconds 60"
    command = f"{play}; echo $? > {done}; sleep 30"
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "10", command)
    try:
        rows_seen = set()
        deadline = time.monotonic() + 15
        while len(rows_seen) < 3 and time.monotonic() < deadline:
            screen = _tmux("capture-pane", "-p", "-t", session)
            for line in screen.splitlines():
                if line.startswith("▶ order"):
                    assert "cpu" in line and "xruns 0" in line
                    rows_seen.add(line.split("row ")[1][:2])
            time.sleep(0.2)
        assert len(rows_seen) >= 3, "the status line's row did not advance"
        _tmux("send-keys", "-t", session, "C-c")
        deadline = time.monotonic() + 15
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        screen = _tmux("capture-pane", "-p", "-t", session)
        assert done.read_text().strip() == "0", screen
        assert "stopped" in screen and "on null" in screen
        assert "Traceback" not in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
