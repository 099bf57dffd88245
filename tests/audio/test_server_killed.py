"""The JACK server dying under us (kill -9) is reported within a moment as a one-line
DeviceLost, the process survives it, the song is untouched, and playback goes on silently.

The scenario runs in a child process (tests/audio/killed_server_child.py): in PortAudio 19.6
closing a stream whose server died aborts the process, which must never be a test worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.audio.conftest import RATE, REPO
from tests.jack_rig import jackd_available

CHILD_TIMEOUT_S = 60.0
LOST_WITHIN_S = 2.0
NULL_RUN_S = 0.2
"""As in the child: how long the null output runs after the loss."""


def test_a_killed_server_raises_device_lost_and_playback_goes_on() -> None:
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.audio.killed_server_child"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, with the jackd it starts
    )
    try:
        out, err = child.communicate(timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        pytest.fail(f"the child hung; its output:\n{out}\n{err}")

    assert child.returncode == 0, f"exit {child.returncode} (134 is an abort):\n{out}\n{err}"
    lines = [line for line in out.splitlines() if line.startswith("result ")]
    assert len(lines) == 1, out + err
    result = json.loads(lines[0].removeprefix("result "))
    assert result["lost_after_s"] < LOST_WITHIN_S
    assert result["message"]
    assert "\n" not in result["message"]
    assert "playback stopped" in result["message"]
    assert result["song_unchanged"]
    assert result["still_playing"]
    assert result["null_frames"] > RATE * NULL_RUN_S / 2  # the null output runs in real time
