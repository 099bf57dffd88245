"""Real-time playback: a kernel connected to an audio output, watched for dropouts and loss.

The output is a PortAudio stream (tracker.engine.portaudio) or the kernel's
silent, clock-driven null stream. Either way the audio thread runs only the
kernel's C callback; this class lives on the control side and only opens,
watches and closes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from tracker.engine.kernel import Kernel
from tracker.engine.native import ffi, lib
from tracker.engine.portaudio import (
    JACK,
    AudioError,
    CallbackStream,
    OutputDevice,
    find_output,
)

NULL_DEVICE = "null"
"""The device name that asks for silent output paced by the clock."""

NULL_BLOCK_FRAMES = 256
STALL_S = 1.0
"""An open stream that has not called back for this long is treated as lost."""


class Output(Protocol):
    @property
    def active(self) -> bool: ...
    def time_s(self) -> float: ...
    def close(self) -> None: ...
    def abandon(self) -> None: ...


class NullStream:
    """The kernel's null stream: a C thread calls the stream callback every block period."""

    def __init__(self, kernel: Kernel, block_frames: int = NULL_BLOCK_FRAMES) -> None:
        engine = ffi.cast("tk_engine *", kernel.address)
        self._kernel = kernel  # the C thread renders into its memory: keep it alive
        self._stream = lib.tk_null_stream_start(engine, block_frames)
        if self._stream == ffi.NULL:
            raise AudioError(f"cannot start the null output with {block_frames}-frame blocks")
        self.blocksize = block_frames
        self.rate_hz = float(kernel.sample_rate_hz)
        self.latency_s = block_frames / self.rate_hz

    @property
    def active(self) -> bool:
        return self._stream is not None

    def time_s(self) -> float:
        return float(lib.tk_stream_clock_now_s())

    def close(self) -> None:
        if self._stream is not None:
            lib.tk_null_stream_stop(self._stream)
            self._stream = None

    def abandon(self) -> None:
        self.close()

    def __del__(self) -> None:
        # Dropped without close(): stop the thread before the kernel's memory can go
        # (finalizers in a garbage cycle run before any of it is freed, PEP 442).
        self.close()


@dataclass(frozen=True, slots=True)
class PlaybackStatus:
    device: str
    rate_hz: float
    blocksize: int  # 0: the host's own period (JACK)
    latency_s: float
    callbacks: int
    underflows: int
    load_last: float  # callback time / block duration
    load_max: float


class DeviceLost(AudioError):
    """The output stopped on its own: the server died or the card went away."""


class Playback:
    """One kernel's connection to an output. Control side only."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self._output: CallbackStream | NullStream | None = None
        self._description = ""
        self._watch_callbacks = 0
        self._watch_time_s = 0.0

    @property
    def is_open(self) -> bool:
        return self._output is not None

    def __del__(self) -> None:
        # A Playback dropped while open must not leave an audio thread on a freed kernel.
        if getattr(self, "_output", None) is not None:
            self.close()

    @property
    def description(self) -> str:
        return self._description

    def open(self, device: str | int | None = None, blocksize: int = 0) -> str:
        """Open an output (None: the default device; "null": silent) and start calling the kernel.

        Raises AudioError with a one-line message. Returns the device's description.
        """
        self.close()
        if device == NULL_DEVICE:
            output: CallbackStream | NullStream = NullStream(
                self.kernel, blocksize or NULL_BLOCK_FRAMES
            )
            self._description = "null (silent, clock-driven)"
        else:
            chosen = find_output(device)
            self._check_rate(chosen)
            output = CallbackStream(
                chosen, self.kernel.address, self.kernel.sample_rate_hz, blocksize
            )
            self._description = chosen.describe()
        self._output = output
        self._watch_callbacks = self.kernel.stats().callbacks
        self._watch_time_s = time.monotonic()
        return self._description

    def _check_rate(self, device: OutputDevice) -> None:
        rate = self.kernel.sample_rate_hz
        if device.host_api == JACK and round(device.default_rate_hz) != rate:
            raise AudioError(
                f"the JACK server runs at {device.default_rate_hz:.0f} Hz, not {rate} Hz "
                f"(use --rate {device.default_rate_hz:.0f})"
            )

    def close(self) -> None:
        """Stop the stream. Stop the song first (kernel.stop()) to let voices fade."""
        if self._output is not None:
            self._output.close()
            self._output = None

    def now_s(self) -> float:
        """Now on the output's clock, comparable with events' time_s; 0 when closed."""
        return self._output.time_s() if self._output is not None else 0.0

    def check(self) -> None:
        """Raise DeviceLost (once) if the output stopped or stalled; call a few times a second."""
        output = self._output
        if output is None:
            return
        callbacks = self.kernel.stats().callbacks
        now_s = time.monotonic()  # a dead stream's own clock may stop too
        if callbacks != self._watch_callbacks:
            self._watch_callbacks = callbacks
            self._watch_time_s = now_s
        stalled = now_s - self._watch_time_s > STALL_S
        if output.active and not stalled:
            return
        output.abandon()
        self._output = None
        reason = (
            "went away (device unplugged or audio server stopped)"
            if not output.active
            else f"stopped calling back for {STALL_S:.0f} s"
        )
        raise DeviceLost(f"audio output {self._description} {reason}; playback stopped")

    def status(self) -> PlaybackStatus:
        stats = self.kernel.stats()
        output = self._output
        return PlaybackStatus(
            device=self._description if output else "closed",
            rate_hz=output.rate_hz if output else 0.0,
            blocksize=output.blocksize if output else 0,
            latency_s=output.latency_s if output else 0.0,
            callbacks=stats.callbacks,
            underflows=stats.underflows,
            load_last=stats.load_last,
            load_max=stats.load_max,
        )
