"""Real-time audio fixtures: a private JACK server per test worker, playbacks that are always
closed before it goes, and the recorder client (tests/jack_recorder.py) run as a subprocess.

Order matters (see tests/jack_rig.py): PortAudio must be rescanned after the server starts,
and must let go of its JACK client before the server stops, or Python aborts.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pytest
import sounddevice

from tests.jack_rig import JackServer, jackd_available, private_jack_server, rescan_portaudio
from tracker.engine.kernel import Kernel
from tracker.engine.playback import Playback

REPO = Path(__file__).resolve().parents[2]
RECORDER = REPO / "tests" / "jack_recorder.py"
RATE = 48000
PERIOD_FRAMES = 256
READY_TIMEOUT_S = 20.0
"""The recorder imports numpy and JACK-Client before it says ready: slow on a loaded machine."""
DONE_TIMEOUT_S = 20.0
"""Beyond the recording's own length in real time (freewheel recordings are much faster)."""


Audio = npt.NDArray[np.float32]


@pytest.fixture(scope="session")
def jack_server() -> Iterator[JackServer]:
    """This worker's own jackd (dummy driver, RATE, PERIOD_FRAMES), with PortAudio pointed at it."""
    if not jackd_available():
        pytest.fail("jackd is not installed; `make test` installs jackd2", pytrace=False)
    with private_jack_server(RATE, PERIOD_FRAMES) as server:
        rescan_portaudio(server)
        try:
            yield server
        finally:
            sounddevice._terminate()  # closes any stream left open while its server still runs
    sounddevice._initialize()


@pytest.fixture
def open_playback(jack_server: JackServer) -> Iterator[Callable[..., Playback]]:
    """open_playback(kernel, device=None) opens a Playback that is closed even if the test fails.

    PortAudio's JACK client numbers its ports on from the last stream's (a second stream gets
    tracker:out_2 and out_3), so each test starts from a fresh client, where the recorder finds
    tracker:out_0 and out_1.
    """
    rescan_portaudio(jack_server)
    opened: list[Playback] = []

    def open_(kernel: Kernel, device: str | int | None = None) -> Playback:
        playback = Playback(kernel)
        opened.append(playback)
        playback.open(device)
        return playback

    yield open_
    for playback in opened:
        playback.kernel.stop()
        playback.close()


class Recording:
    """One run of the recorder: a second JACK client recording tracker:out_0 and out_1."""

    def __init__(self, out: Path, frames: int, freewheel: bool) -> None:
        self.out = out
        self.frames = frames
        self.log_path = out.with_suffix(".log")
        command = [sys.executable, str(RECORDER), "--out", str(out), "--frames", str(frames)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, *(["--freewheel"] if freewheel else [])],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                cwd=REPO,
            )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        self._expect("ready", READY_TIMEOUT_S)

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            self._lines.put(line.strip())
        self._lines.put(None)

    def _expect(self, word: str, timeout_s: float) -> str:
        try:
            line = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            line = f"nothing within {timeout_s:.0f} s"
        if line is None or not line.startswith(word):
            self.kill()
            log = self.log_path.read_text(errors="replace")
            pytest.fail(f"recorder: expected {word!r}, got {line!r}; its stderr:\n{log}")
        return line

    def stop(self) -> Audio:
        """End the recording now (or take it whole if it already ended) and read it."""
        if self.process.poll() is None and self.process.stdin is not None:
            try:
                self.process.stdin.write("stop\n")
                self.process.stdin.flush()
            except BrokenPipeError:
                pass  # it finished on its own a moment ago
        return self.wait()

    def wait(self) -> Audio:
        """Wait for the recording to end by itself and read it."""
        self._expect("done", self.frames / RATE + DONE_TIMEOUT_S)
        self.process.wait(timeout=DONE_TIMEOUT_S)
        assert self.process.returncode == 0
        audio: Audio = np.load(self.out)
        return audio

    @property
    def meta(self) -> dict[str, Any]:
        return dict(json.loads(self.out.with_suffix(".npy.json").read_text()))

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=DONE_TIMEOUT_S)


@pytest.fixture
def record(jack_server: JackServer, tmp_path: Path) -> Iterator[Callable[..., Recording]]:
    """record(frames, freewheel=False) starts the recorder and returns once it records.

    Open the playback first: the recorder connects to tracker's ports, so they must exist.
    """
    started: list[Recording] = []

    def record_(frames: int, freewheel: bool = False) -> Recording:
        recording = Recording(tmp_path / f"recording_{len(started)}.npy", frames, freewheel)
        started.append(recording)
        return recording

    yield record_
    for recording in started:  # a failed test must not leave a client, or a freewheeling server
        recording.kill()
