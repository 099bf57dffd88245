"""A dropped SSH connection (SIGHUP) or a SIGTERM saves unsaved work to the autosave file
before the UI exits: the real `tracker` in a tmux pane, the real signal."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.io.project import load_project

TRACKER = Path(sys.executable).parent / "tracker"
TIMEOUT_S = 20.0


class Pane:
    def __init__(self, command: list[str]) -> None:
        self.socket = f"tracker-signals-{uuid.uuid4().hex[:8]}"
        self._tmux("new-session", "-d", "-x", "100", "-y", "30", "exec " + " ".join(command))
        self.pid = int(self._tmux("display-message", "-p", "#{pane_pid}").strip())

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True
        ).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", *keys)

    def wait_for(self, text: str) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            if text in self.screen():
                return
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def pane_factory() -> Iterator[list[Pane]]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed; `make test` installs it", pytrace=False)
    panes: list[Pane] = []
    yield panes
    for pane in panes:
        pane.close()


def process_gone(pid: int) -> bool:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("signal_number", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT])
def test_a_signal_writes_the_autosave_and_leaves_the_project(
    tmp_path: Path, pane_factory: list[Pane], signal_number: int
) -> None:
    song = tmp_path / "song.json"
    pane = Pane([str(TRACKER), str(song), "--device", "null"])
    pane_factory.append(pane)
    pane.wait_for("new song")
    pane.keys("Space", "z", "x")
    pane.wait_for("unsaved")
    os.kill(pane.pid, signal_number)
    assert process_gone(pane.pid), pane.screen()
    autosave = tmp_path / "song.autosave.json"
    notes = [row[0].note for row in load_project(autosave).song.patterns[0].rows[:3]]
    assert notes == [48, 50, None]
    assert not song.exists()  # only a save writes the project itself
