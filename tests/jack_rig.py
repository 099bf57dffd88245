"""A private JACK server with the dummy driver, for tests and benchmarks.

Each server gets a name no running server has, so parallel test workers and a
user's own server never meet. The environment variables that point PortAudio and
JACK-Client at it are set in this process (os.environ), because libjack reads
them at connect time.

Order matters (measured with PortAudio 19.6): start the server, then
``tracker.engine.portaudio.rescan()`` so PortAudio sees it; close every stream
and let PortAudio go before stopping the server, or Python aborts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

READY_TIMEOUT_S = 10.0
RESCAN_PAUSE_S = 0.2
NAME_PREFIX = "tracker-test-"

# JACK's server registry (jack2 common/shm.h): a 24-byte header, then MAX_SERVERS entries of
# a pid and a "jack-<uid>:<server name>:" string.
REGISTRY = Path("/dev/shm/jack-shm-registry")
_MAX_SERVERS = 8
_ENTRIES_AT = 24
_ENTRY_BYTES = 264

# jackd's log lines: its own late wake-ups, and clients that missed the deadline.
_DRIVER_XRUN = re.compile(r"JackTimedDriver::Process XRun|JackAudioDriver::ProcessAsync.*XRun")
_CLIENT_LATE = re.compile(r"client = (\S+) was not finished")


JACK_ENV = ("JACK_DEFAULT_SERVER", "JACK_NO_AUDIO_RESERVATION", "JACK_NO_START_SERVER")
"""What start_jack_server sets in os.environ for the clients of this process."""


@contextmanager
def private_jack_server(rate_hz: int = 48000, period_frames: int = 256) -> Iterator[JackServer]:
    """A started server for a `with` block; afterwards it is stopped and the JACK variables
    are as they were, so later tests and their subprocesses see no server."""
    saved = {name: os.environ.get(name) for name in JACK_ENV}
    server = start_jack_server(rate_hz, period_frames)
    try:
        yield server
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def rescan_portaudio(server: JackServer) -> None:
    """portaudio.rescan() until PortAudio lists the server's outputs.

    PortAudio leaves JACK out without a word when its client fails to open, which happened
    once in CI on a loaded machine although the server already served jack_lsp.
    """
    from tracker.engine import portaudio  # late: the rig's other users need no PortAudio

    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        portaudio.rescan()
        if any(d.host_api == portaudio.JACK for d in portaudio.output_devices()):
            return
        if time.monotonic() > deadline or not server.alive():
            raise RuntimeError(f"PortAudio does not see JACK server {server.name}:\n{server.log()}")
        time.sleep(RESCAN_PAUSE_S)


def jackd_available() -> bool:
    return shutil.which("jackd") is not None


@dataclass
class JackServer:
    """A running jackd; use as a context manager or call stop()."""

    name: str
    rate_hz: int
    period_frames: int
    log_path: Path
    realtime: bool
    process: subprocess.Popen[bytes] = field(repr=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def client_xruns(self, client: str = "tracker") -> int:
        """Cycles in which `client` was not finished in time (ours, not the server's)."""
        return sum(1 for m in _CLIENT_LATE.finditer(self.log()) if m.group(1) == client)

    def driver_xruns(self) -> int:
        """The dummy driver's own late wake-ups: the machine's noise, not any client's fault."""
        return len(_DRIVER_XRUN.findall(self.log()))

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Kill -9: the server dies the way a crashed one does."""
        if self.alive():
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> JackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_jack_server(
    rate_hz: int = 48000, period_frames: int = 256, log_dir: Path | None = None
) -> JackServer:
    """Start `jackd -n <name> -R -d dummy`, falling back to no real-time; wait until it serves.

    The name is that of a dead server still holding an entry in JACK's registry if there is one
    (see _dead_server_names), else a new unique one.
    """
    os.environ["JACK_NO_AUDIO_RESERVATION"] = "1"
    os.environ["JACK_NO_START_SERVER"] = "1"  # a client must never spawn a server of its own
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="jackd-"))
    driver = ["-d", "dummy", "-r", str(rate_hz), "-p", str(period_frames)]
    # Another worker may take the same dead name a moment earlier: then try the next.
    names = [*_dead_server_names(), f"{NAME_PREFIX}{uuid.uuid4().hex[:10]}"]
    for name in names:
        os.environ["JACK_DEFAULT_SERVER"] = name
        log_path = log_dir / f"{name}.log"
        for realtime in (True, False):
            mode = ["-R"] if realtime else ["--no-realtime"]
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    ["jackd", "-n", name, *mode, *driver],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            server = JackServer(name, rate_hz, period_frames, log_path, realtime, process)
            if _wait_ready(server):
                return server
            server.kill()
    raise RuntimeError(f"jackd did not start; its log:\n{log_path.read_text(errors='replace')}")


def _dead_server_names() -> list[str]:
    """Names of servers that died without leaving JACK's registry, ours (NAME_PREFIX) first.

    jackd 1.9 keeps at most 8 servers in /dev/shm/jack-shm-registry, and frees the entry of
    a server that died without cleaning up (kill -9) only when a server of the same name
    starts. Servers killed under unique names would fill it for good, and then no server
    starts ("Too many servers already active"); starting under such a name frees the entry.
    """
    try:
        registry = REGISTRY.read_bytes()
    except OSError:
        return []
    if registry[:4] != b"KCAJ" or len(registry) < _ENTRIES_AT + _MAX_SERVERS * _ENTRY_BYTES:
        return []  # not the layout this was written against: take a fresh name
    prefix = f"jack-{os.getuid()}:"
    dead = []
    for slot in range(_MAX_SERVERS):
        at = _ENTRIES_AT + slot * _ENTRY_BYTES
        pid = int.from_bytes(registry[at : at + 4], "little")
        entry = registry[at + 4 : at + _ENTRY_BYTES].split(b"\0")[0].decode(errors="replace")
        if pid and not Path(f"/proc/{pid}").exists() and entry.startswith(prefix):
            dead.append(entry.removeprefix(prefix).removesuffix(":"))
    return sorted(dead, key=lambda name: not name.startswith(NAME_PREFIX))


def _wait_ready(server: JackServer) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if not server.alive():
            return False
        probe = subprocess.run(
            ["jack_lsp", "-s", server.name],
            capture_output=True,
            text=True,
            env={**os.environ, "JACK_NO_START_SERVER": "1"},
            timeout=5,
        )
        if probe.returncode == 0 and "system:playback_1" in probe.stdout:
            return True
        time.sleep(0.05)
    return False
