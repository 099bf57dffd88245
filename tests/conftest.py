"""Suite-wide test setup."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rtmidi

from tests.jack_rig import JackServer, jackd_available, private_jack_server
from tests.s3_rig import s3_env, s3_server

TESTS = Path(__file__).resolve().parent
__all__ = ["s3_env", "s3_server"]  # S3 fixtures for every test (tests/s3_rig.py)

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


@pytest.fixture(scope="module")
def jack_server() -> Iterator[JackServer]:
    """The test module's own jackd (dummy driver, 48 kHz, 256 frames), stopped after its last
    test; the JACK variables are put back for the modules that follow. tests/audio has its own,
    and so has a module whose server PortAudio must see (tests/ui/test_midi_record.py)."""
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    with private_jack_server() as server:
        yield server


@pytest.fixture
def clients(jack_server: JackServer) -> Iterator[Callable[..., Any]]:
    """clients(kind, name): a test's own rtmidi client on JACK, deleted even if it fails."""
    made: list[Any] = []

    def make(kind: type[Any], name: str) -> Any:
        client = kind(rtmidi.API_UNIX_JACK, name=name)
        made.append(client)
        return client

    yield make
    for client in made:
        client.delete()
