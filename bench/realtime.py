"""Real time through JACK: callback load, xruns and note latency at small block sizes.

Each block size gets its own JACK server (dummy driver) whose period is the block, so
every PortAudio callback renders exactly one period. For each one:

- load: the demo song plays looped while the kernel's C callback records its own time
  over the block's duration; p50, p99 and max, first with Python idle, then with a second
  Python thread building strings, churning dicts and collecting garbage. The callback
  never takes the GIL, so the busy thread should cost nothing but CPU time.
- xruns during the busy run, per minute: the server log's "client = tracker was not
  finished" cycles (ours) beside the dummy driver's own late wake-ups (the machine's),
  and PortAudio's underflow flags as the kernel counted them (JACK raises those for any
  xrun in the graph, ours or not).
- latency: a silent engine, a recorder client (tests/jack_recorder.py, its own process)
  on our outputs; the time from note_on to the note's first non-silent sample.

The common clock for latency is JACK's frame time. PortAudio's JACK host API reports
stream time as (jack_frame_time - t0) / rate, with t0 the frame time at Pa_OpenStream
(pa_jack.c), and t0 is not exposed, so playback.now_s() and the events' time_s cannot
be placed on the recording. Instead an inactive JACK client in this process reads
jack_frame_time as note_on is sent, and the recorder stamps its first frame with the
frame time of its cycle: recorded frame i was produced in the cycle that began at
first_frame_time + i. Latency so measured runs from the command to the cycle that
renders it; the driver's playback latency (heard later still) is not part of it.
"""

from __future__ import annotations

import gc
import json
import os
import random
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bench.figures import Figure
from tests.jack_rig import JackServer, jackd_available, start_jack_server
from tracker.demo import demo_song
from tracker.engine import Kernel, compile_song, portaudio
from tracker.engine.playback import Playback
from tracker.model import Envelope, Oscillator, Pattern, Song, SynthInstrument, Track

RATE_HZ = 48000
BLOCK_SIZES_FRAMES = (64, 128, 256)
RUN_S = 10.0  # per load run
XRUN_RUN_S = 60.0  # the busy run where xruns are judged: one minute, so one xrun reads as 1/min
TARGET_CLIENT_XRUNS_PER_MIN = {128: 1.0, 256: 0.0}
LATENCY_BLOCK_SIZES_FRAMES = (128, 256)
LATENCY_NOTES = 20
LATENCY_SLACK_S = 0.001  # target: one block + this
POLL_S = 0.02  # the kernel drops events not drained within ~50 ms
NOTE_S = 0.05
NOTE_GAP_S = 0.08  # silence between notes: far longer than the release
SILENCE = 1e-6  # an idle engine writes exact zeros; a new note's first frame is ~1e-2
RECORDER = Path(__file__).resolve().parents[1] / "tests" / "jack_recorder.py"
RECORDER_TIMEOUT_S = 20.0  # it imports numpy and JACK-Client first: slow on a busy machine
JACK_ENV = ("JACK_DEFAULT_SERVER", "JACK_NO_AUDIO_RESERVATION", "JACK_NO_START_SERVER")

# A pulse with no attack: its first frame is already far above SILENCE, so the onset
# found is the frame the note starts on, not some way into a fade-in.
LATENCY_SYNTH = SynthInstrument(
    name="click",
    volume=0.5,
    osc1=Oscillator(wave="pulse"),
    amp_env=Envelope(attack_s=0.0, decay_s=0.0, sustain=1.0, release_s=0.005),
)
LATENCY_NOTE = 57


@dataclass(frozen=True, slots=True)
class LoadRun:
    """One stretch of playback: per-callback loads and what went wrong meanwhile."""

    loads: npt.NDArray[np.float32]  # callback time / block duration, one per callback
    seconds: float
    client_xruns: int  # cycles our client did not finish in time (server log)
    driver_xruns: int  # the dummy driver's own late wake-ups
    underflows: int  # PortAudio's underflow flags, as stats() counts them

    def per_min(self, count: int) -> float:
        return count * 60.0 / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class BlockResult:
    block_frames: int
    idle: LoadRun
    busy: LoadRun
    latencies_s: tuple[float, ...]  # empty when latency was not measured at this size


def realtime_figures(
    *,
    block_sizes_frames: Sequence[int] = BLOCK_SIZES_FRAMES,
    run_s: float = RUN_S,
    xrun_run_s: float = XRUN_RUN_S,
    notes: int = LATENCY_NOTES,
) -> list[Figure]:
    """Measure every block size in turn; no figures (and a note) when jackd is missing."""
    if not jackd_available():
        print("real-time figures skipped: no jackd (Debian: apt install jackd2)")
        return []
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-jack-") as log_dir:
        for block_frames in block_sizes_frames:
            busy_s = xrun_run_s if block_frames in TARGET_CLIENT_XRUNS_PER_MIN else run_s
            latency_notes = notes if block_frames in LATENCY_BLOCK_SIZES_FRAMES else 0
            results.append(
                measure_block(
                    block_frames,
                    idle_s=run_s,
                    busy_s=busy_s,
                    notes=latency_notes,
                    log_dir=Path(log_dir),
                )
            )
    return [figure for result in results for figure in block_figures(result)]


def measure_block(
    block_frames: int, *, idle_s: float, busy_s: float, notes: int, log_dir: Path
) -> BlockResult:
    """Load runs and note latencies on a fresh JACK server whose period is block_frames."""
    with jack_output(block_frames, log_dir) as (server, device):
        idle, busy = _load_runs(server, device, idle_s=idle_s, busy_s=busy_s)
        latencies: list[float] = []
        if notes:
            # PortAudio 19.6 numbers a reopened stream's ports on from the last (out_2, out_3);
            # the recorder listens to out_0 and out_1, which a fresh PortAudio gives again.
            portaudio.rescan()
            latencies = note_latencies(_jack_device(), block_frames, notes, log_dir)
    return BlockResult(block_frames, idle, busy, tuple(latencies))


@contextmanager
def jack_output(block_frames: int, log_dir: Path) -> Iterator[tuple[JackServer, int]]:
    """A fresh JACK server whose period is block_frames, and PortAudio's JACK output on it."""
    import sounddevice

    saved_env = {name: os.environ.get(name) for name in JACK_ENV}
    server = start_jack_server(RATE_HZ, period_frames=block_frames, log_dir=log_dir)
    try:
        portaudio.rescan()  # PortAudio sees only servers that ran when it initialised
        yield server, _jack_device()
    finally:
        # PortAudio must let go of its JACK client before the server stops, or Python aborts.
        sounddevice._terminate()
        server.stop()
        # whatever server PortAudio saw before (a test session's, say) is the one it sees again
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        sounddevice._initialize()


def _jack_device() -> int:
    for device in portaudio.output_devices():
        if device.host_api == portaudio.JACK:
            return device.index
    raise RuntimeError("PortAudio lists no JACK output although the server runs")


# ---- load and xruns -----------------------------------------------------------------


def _load_runs(
    server: JackServer, device: int, *, idle_s: float, busy_s: float
) -> tuple[LoadRun, LoadRun]:
    kernel = Kernel(RATE_HZ)
    kernel.load(compile_song(demo_song()))
    kernel.set_stop_at_end(False)
    kernel.play_song()
    playback = Playback(kernel)
    playback.open(device, blocksize=0)  # 0: the JACK period, one callback per cycle
    try:
        _wait_for_callbacks(kernel)
        idle = _load_run(server, kernel, idle_s)
        with _busy_python():
            busy = _load_run(server, kernel, busy_s)
    finally:
        playback.close()
    return idle, busy


def _load_run(server: JackServer, kernel: Kernel, seconds: float) -> LoadRun:
    client_before, driver_before = server.client_xruns(), server.driver_xruns()
    underflows_before = kernel.stats().underflows
    since = kernel.stats().callbacks
    chunks = []
    start = time.monotonic()
    deadline = start + seconds
    while (now := time.monotonic()) < deadline:
        time.sleep(min(POLL_S, deadline - now))
        kernel.events()
        loads, next_since = kernel.read_loads(since)
        if next_since - len(loads) != since:
            raise RuntimeError("callback loads were overwritten before the bench read them")
        since = next_since
        chunks.append(loads)
    return LoadRun(
        np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32),
        time.monotonic() - start,
        server.client_xruns() - client_before,
        server.driver_xruns() - driver_before,
        kernel.stats().underflows - underflows_before,
    )


def _wait_for_callbacks(kernel: Kernel, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while kernel.stats().callbacks == 0:
        if time.monotonic() > deadline:
            raise RuntimeError("the JACK stream opened but never called back")
        time.sleep(POLL_S)
    kernel.events()


def churn_python(stop: threading.Event) -> None:
    """What a busy UI thread does to the interpreter: allocate, hash, free, collect."""
    while not stop.is_set():
        table = {f"row {i}": f"{i:04x}" * 8 for i in range(20_000)}
        text = "".join(table.values())
        for key in list(table)[::2]:
            del table[key]
        table.update((text[i : i + 16], str(i)) for i in range(0, len(text), 64))
        gc.collect()


@contextmanager
def _busy_python() -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=churn_python, args=(stop,), name="bench-churn")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# ---- latency ------------------------------------------------------------------------


def latency_song() -> Song:
    return Song(
        tracks=[Track()],
        instruments=[LATENCY_SYNTH],
        patterns=[Pattern.empty(1, 1)],
        order=[0],
    )


class NoteKeys(Protocol):
    """Plays the latency note (track 0, instrument 1) one way or another."""

    def press(self) -> None: ...

    def release(self) -> None: ...


KeysFor = Callable[[Kernel], AbstractContextManager[NoteKeys]]
"""Opens the keys that play into a kernel whose Playback is already open."""


@dataclass(frozen=True, slots=True)
class KernelKeys:
    """Note commands straight into the kernel's queue, as the computer keyboard sends them."""

    kernel: Kernel

    def press(self) -> None:
        self.kernel.note_on(0, LATENCY_NOTE, 1)

    def release(self) -> None:
        self.kernel.note_off(0)


@contextmanager
def kernel_keys(kernel: Kernel) -> Iterator[NoteKeys]:
    yield KernelKeys(kernel)


def note_latencies(
    device: int, block_frames: int, notes: int, log_dir: Path, keys_for: KeysFor = kernel_keys
) -> list[float]:
    """Play `notes` notes to a silent engine while the recorder listens; seconds each."""
    import jack

    clock = jack.Client("bench-clock", no_start_server=True)  # never activated
    kernel = Kernel(RATE_HZ)
    kernel.load(compile_song(latency_song()))
    playback = Playback(kernel)
    out = log_dir / f"latency-{block_frames}.npy"
    try:
        playback.open(device, blocksize=0)
        with keys_for(kernel) as keys:
            commands = _record_notes(kernel, keys, block_frames, notes, clock, out)
    finally:
        playback.close()
        clock.close()
    audio = np.load(out)
    first_frame_time = json.loads(out.with_suffix(".npy.json").read_text())["first_frame_time"]
    return onset_latencies_s(audio, first_frame_time, commands, block_frames)


def _record_notes(
    kernel: Kernel, keys: NoteKeys, block_frames: int, notes: int, clock: Any, out: Path
) -> list[int]:
    """Play the notes while the recorder writes `out`; the JACK frame time of each press."""
    block_s = block_frames / RATE_HZ
    record_s = notes * (NOTE_GAP_S + block_s + NOTE_S) + 3 * NOTE_GAP_S + 1.0
    recorder = subprocess.Popen(
        [
            sys.executable,
            str(RECORDER),
            "--out",
            str(out),
            "--frames",
            str(int(record_s * RATE_HZ)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    commands = []
    try:
        _wait_for_callbacks(kernel)
        assert recorder.stdout is not None and recorder.stdin is not None
        waiting, _, _ = select.select([recorder.stdout], [], [], RECORDER_TIMEOUT_S)
        ready = recorder.stdout.readline() if waiting else "(nothing)"
        if not ready.startswith("ready"):
            raise RuntimeError(f"the JACK recorder did not start: {ready.strip()!r}")
        rng = random.Random(block_frames)
        for _ in range(notes):
            # a random wait puts the commands at every phase of the JACK cycle
            _drain_for(kernel, NOTE_GAP_S + rng.uniform(0.0, block_s))
            commands.append(int(clock.frame_time))
            keys.press()
            _drain_for(kernel, NOTE_S)
            keys.release()
        _drain_for(kernel, NOTE_GAP_S)
        recorder.stdin.write("stop\n")
        recorder.stdin.flush()
        recorder.communicate(timeout=RECORDER_TIMEOUT_S)
    finally:
        if recorder.poll() is None:
            recorder.kill()
            recorder.wait()
    return commands


def _drain_for(kernel: Kernel, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (now := time.monotonic()) < deadline:
        time.sleep(min(POLL_S, deadline - now))
        kernel.events()


def frames_between(later: int, earlier: int) -> int:
    """later - earlier for JACK frame times, which wrap at 2**32."""
    return (later - earlier + 2**31) % 2**32 - 2**31


def onset_latencies_s(
    audio: npt.NDArray[np.float32],
    first_frame_time: int,
    command_frame_times: Sequence[int],
    block_frames: int,
) -> list[float]:
    """For each command, the seconds from it to the first non-silent recorded frame.

    The search starts a block before the command: a command read just after a cycle
    began, before our callback drained the queue, still sounds in that cycle.
    """
    sounding = np.flatnonzero(np.abs(audio).max(axis=1) > SILENCE)
    latencies = []
    for n, command in enumerate(command_frame_times):
        command_index = frames_between(command, first_frame_time)
        found = np.searchsorted(sounding, max(command_index - block_frames, 0))
        if found == len(sounding):
            raise RuntimeError(f"note {n + 1} of {len(command_frame_times)} was never recorded")
        latencies.append(float(sounding[found] - command_index) / RATE_HZ)
    return latencies


# ---- figures ------------------------------------------------------------------------


def block_figures(result: BlockResult) -> list[Figure]:
    block = result.block_frames
    figures = []
    for run, name, condition in (
        (result.idle, "idle", ""),
        (result.busy, "busy", " with a busy Python thread"),
    ):
        stats = np.percentile(run.loads, [50, 99, 100]) * 100 if len(run.loads) else [0.0] * 3
        for stat, value in zip(("p50", "p99", "max"), stats, strict=True):
            heading = name == "idle" and stat == "p50"
            figures.append(
                Figure(
                    f"callback_load_{stat}_{name}_{block}_frames",
                    f"callback load p50, {block}-frame blocks"
                    if heading
                    else f"  {stat}{condition}",
                    float(value),
                    "% of block",
                    higher_is_better=False,
                )
            )
    busy = result.busy
    figures += [
        Figure(
            f"client_xruns_per_min_{block}_frames",
            f"our xruns with a busy Python thread, {block} frames",
            busy.per_min(busy.client_xruns),
            "per min",
            target=TARGET_CLIENT_XRUNS_PER_MIN.get(block),
            higher_is_better=False,
        ),
        Figure(
            f"driver_xruns_per_min_{block}_frames",
            "  the JACK driver's own (not ours)",
            busy.per_min(busy.driver_xruns),
            "per min",
            higher_is_better=False,
        ),
        Figure(
            f"underflows_per_min_{block}_frames",
            "  PortAudio underflow flags (any xrun)",
            busy.per_min(busy.underflows),
            "per min",
            higher_is_better=False,
        ),
    ]
    if result.latencies_s:
        figures += latency_figures(
            "note_latency", "note_on to first sound", block, result.latencies_s, LATENCY_SLACK_S
        )
    return figures


MIN_SAMPLES_FOR_P99 = 100  # below this the nearest-rank p99 is the maximum


def latency_figures(
    key: str, what: str, block_frames: int, latencies_s: Sequence[float], slack_s: float
) -> list[Figure]:
    """Median and p99 of a latency, each against the target of one block + ``slack_s``."""
    target_ms = (block_frames / RATE_HZ + slack_s) * 1000
    latencies_ms = np.array(latencies_s) * 1000
    count = len(latencies_ms)
    p99_ms = float(np.percentile(latencies_ms, 99, method="inverted_cdf"))
    p99_is = "the max" if count < MIN_SAMPLES_FOR_P99 else "nearest rank"
    return [
        Figure(
            f"{key}_median_ms_{block_frames}_frames",
            f"{what}, {block_frames} frames, median",
            float(np.median(latencies_ms)),
            "ms",
            target=target_ms,
            higher_is_better=False,
        ),
        Figure(
            f"{key}_p99_ms_{block_frames}_frames",
            f"  p99 of {count} ({p99_is})",
            p99_ms,
            "ms",
            target=target_ms,
            higher_is_better=False,
        ),
    ]
