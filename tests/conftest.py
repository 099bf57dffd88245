"""Suite-wide test setup."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# Tests that start JACK servers and clients run in one pytest-xdist worker, one after
# another: jack2 names a client's socket after the client and the user, not the server,
# so two processes opening "tracker" clients at once (PortAudio's audio client, our MIDI
# ports) disturb each other even on separate servers.
JACK_TESTS = (
    "audio/",
    "io/test_midi",  # every tests/io/test_midi*.py, tests/ui/test_midi*.py, tests/test_midi*.py
    "ui/test_midi",
    "test_midi",
    "test_cli_play.py",
    "test_bench_smoke.py",
    "test_session_rate.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(item.fspath).resolve().relative_to(TESTS).as_posix()
        if where.startswith(JACK_TESTS):
            item.add_marker(pytest.mark.xdist_group("jack"))
