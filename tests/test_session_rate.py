"""The UI's Session plays at the JACK server's own rate, whatever it is (44.1 kHz here),
instead of falling silent because the engine was made for 48 kHz."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.jack_rig import jackd_available, private_jack_server

REPO = Path(__file__).resolve().parents[1]


def test_the_engine_takes_the_jack_servers_rate() -> None:
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    with private_jack_server(rate_hz=44100) as server:
        child = subprocess.run(
            [sys.executable, "-m", "tests.session_rate_child"],
            cwd=REPO,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert child.returncode == 0, child.stderr
    line = next(line for line in child.stdout.splitlines() if line.startswith("result "))
    result = json.loads(line.removeprefix("result "))
    assert result["rate_hz"] == 44100, (result, server.log_path.read_text(errors="replace"))
    assert "JACK" in result["notice"]
    assert result["callbacks"] > 0
