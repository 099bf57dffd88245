"""A song made from the keyboard in a real terminal (tmux), saved, and read back from its file.

Everything goes through `tracker` as a user runs it: the console script, a terminal's
escape sequences for the keys, the save to disk. Each step waits for the screen to show
its result before the next, so a key that goes nowhere fails at that step, with the screen.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
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
from tracker.model import Cell, SynthInstrument, note_name

COLUMNS, LINES = 120, 40
TRACKS = 4  # what `tracker NEW.json` starts with
STEP_TIMEOUT_S = 15.0  # the first draw includes Python's start-up
POLL_S = 0.05

# The melody: (key, row, track, note). Edit step 1, octave 4: C-4 is 48. Tab before
# the first note on track 2 moves the cursor there on the same row.
MELODY = (
    ("z", 0, 0, 48),  # C-4
    ("x", 1, 0, 50),  # D-4
    ("c", 2, 0, 52),  # E-4
    ("v", 3, 0, 53),  # F-4
    ("b", 4, 0, 55),  # G-4
    ("q", 5, 1, 60),  # C-5
    ("w", 6, 1, 62),  # D-5
    ("e", 7, 1, 64),  # E-5
)
PAN_STEPS = 3  # right presses on Pan, 0.01 each
EXPECTED_PAN = 0.03


def tracker_command() -> list[str]:
    script = Path(sys.executable).with_name("tracker")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tracker.cli"]


class Tmux:
    """One tmux server of our own (its own socket) running one pane."""

    def __init__(self, directory: Path) -> None:
        self.socket = f"tracker-e2e-{uuid.uuid4().hex[:12]}"
        self.directory = directory  # the app's working directory
        self.exit_file = directory / "exit-status"
        self.screen = ""  # the last capture, for failure messages

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def start(self, command: list[str]) -> None:
        # A shell runs the app and writes its exit status to a file: tmux 3.3 may leave a dead
        # pane's process unreaped (no status to read) and lose its last output.
        # remain-on-exit keeps a traceback on the screen.
        script = f"{shlex.join(command)}; echo $? > {shlex.quote(str(self.exit_file))}"
        self.run(
            "new-session", "-d", "-s", "e2e", "-x", str(COLUMNS), "-y", str(LINES),
            "-c", str(self.directory), script,
            ";", "set-option", "-t", "e2e", "remain-on-exit", "on",
        )  # fmt: skip

    def capture(self) -> str:
        self.screen = self.run("capture-pane", "-p", "-t", "e2e")
        return self.screen

    def send(self, *keys: str) -> None:
        self.run("send-keys", "-t", "e2e", *keys)

    def pane(self, variable: str) -> str:
        return self.run("display-message", "-p", "-t", "e2e", f"#{{{variable}}}").strip()

    def _poll(self, pattern: str) -> re.Match[str] | None:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while time.monotonic() < deadline:
            dead = self.pane("pane_dead") == "1"
            found = re.search(pattern, self.capture())
            if found or dead:
                return found
            time.sleep(POLL_S)
        return None

    def wait_for(self, pattern: str, step: str) -> str:
        """Poll the screen until `pattern` (a regex) is on it; fail with the screen if not."""
        if self._poll(pattern) is None:
            pytest.fail(
                f"{step}: {pattern!r} never appeared. Screen:\n{self.screen}", pytrace=False
            )
        return self.screen

    def wait_for_exit(self, step: str) -> int:
        """The app's exit status; on a hang, fail with the stack of each of its threads."""
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError):
                written = self.exit_file.read_text()
                if written.endswith("\n"):
                    return int(written)
            time.sleep(POLL_S)
        # PYTHONFAULTHANDLER is set: SIGABRT prints every thread's stack where it hangs.
        shell = self.pane("pane_pid")
        with contextlib.suppress(OSError, ValueError):
            for pid in Path(f"/proc/{shell}/task/{shell}/children").read_text().split():
                os.kill(int(pid), signal.SIGABRT)
            time.sleep(1.0)
        self.capture()
        pytest.fail(f"{step}: tracker did not exit. Screen:\n{self.screen}", pytrace=False)

    def kill(self) -> None:
        try:
            socket_path = Path(self.run("display-message", "-p", "#{socket_path}").strip())
        except subprocess.CalledProcessError:  # the server never started
            return
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10, check=False
        )
        socket_path.unlink(missing_ok=True)  # tmux 3.3 leaves it behind


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (apt-get install tmux)", pytrace=False)
    server = Tmux(tmp_path)
    try:
        yield server
    finally:
        server.kill()


def grid_line(row: int, cells: dict[int, str]) -> str:
    """A regex for pattern row `row` as the grid draws it: `cells` by track, the rest empty."""
    empty = "--- .. .. ..."
    shown = [cells.get(track, empty) for track in range(TRACKS)]
    return re.escape(f"{row:02X}  " + "│".join(shown) + "│")


def test_a_song_typed_in_the_terminal_is_saved_and_reads_back(tmux: Tmux, tmp_path: Path) -> None:
    song_path = tmp_path / "song.json"
    # A config folder of its own: a developer's keys.toml must not change the keys. No
    # COLUMNS/LINES: they outrank the pane's size, and readline exports them under pytest.
    config = f"XDG_CONFIG_HOME={tmp_path / 'config'}"
    command = ["env", "-u", "COLUMNS", "-u", "LINES", config, "PYTHONFAULTHANDLER=1"]
    command += tracker_command()
    tmux.start([*command, str(song_path), "--device", "null"])
    tmux.wait_for(r"new song: Ctrl\+S saves it to", "start")
    screen = tmux.wait_for(r"P00 Track 1", "first draw")
    widest = max(len(line) for line in screen.splitlines())
    assert widest > 80, f"the app did not take the pane's {COLUMNS} columns:\n{screen}"

    # A synth instrument. With none yet, F3 focuses the instrument list, where n makes one.
    tmux.send("F3")
    tmux.wait_for(r"No instruments: n adds one", "instruments view")
    tmux.send("n")
    tmux.wait_for(r">01 synth", "new instrument (n in the instrument list)")

    # Its pan: the editor's second parameter, three fine steps right.
    tmux.send("Tab")
    tmux.send("Down")
    tmux.wait_for(r"> Pan +\+0\.00", "cursor on Pan")
    tmux.send(*["Right"] * PAN_STEPS)
    tmux.wait_for(r"> Pan +\+0\.03", "pan changed")

    # The melody, in edit mode, on two tracks.
    tmux.send("F2")
    tmux.wait_for(r"P00 Track 1", "pattern view")
    tmux.send("Space")
    tmux.wait_for(r"│ EDIT │", "edit mode on")
    track_now = 0
    for key, row, track, note in MELODY:
        if track != track_now:
            tmux.send("Tab")
            track_now = track
        tmux.send(key)
        name = note_name(note)
        tmux.wait_for(
            grid_line(row, {track: f"{name} 01 .. ..."}),
            f"note {name} at row {row:02X}, track {track + 1}",
        )

    tmux.send("C-s")
    tmux.wait_for(r"saved \S*song\.json", "save")
    tmux.send("C-q")
    status = tmux.wait_for_exit("quit")
    assert status == 0, f"tracker exited with status {status}. Screen:\n{tmux.capture()}"

    song = load_project(song_path).song
    # A new synth with its pan changed and nothing else.
    assert song.instruments == [SynthInstrument(name="synth", pan=EXPECTED_PAN)]
    assert len(song.tracks) == TRACKS
    assert len(song.patterns) == 1
    pattern = song.patterns[song.order[0]]
    expected = {(row, track): note for _, row, track, note in MELODY}
    for row, cells in enumerate(pattern.rows):
        for track, cell in enumerate(cells):
            played = expected.get((row, track))
            want = Cell() if played is None else Cell(note=played, instrument=1)
            assert cell == want, f"row {row:02X}, track {track + 1}: {cell} (want {want})"
