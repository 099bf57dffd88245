"""The one door to PortAudio: device lists, and streams whose callback is the kernel's C function.

Everything here goes through sounddevice (device choice, host APIs, latency),
but the stream callback is ``tk_stream_callback`` from the kernel, handed to
PortAudio as a C function pointer through ``sounddevice._StreamBase`` (which
casts it with ``sounddevice._ffi`` and calls ``sounddevice._lib.Pa_OpenStream``).
No Python runs in the audio thread, so a busy Python thread (the GIL) cannot
cause a dropout. These are sounddevice internals: pyproject.toml pins the
range they were checked with, and if they are missing this falls back to
sounddevice's ordinary callback, which calls the same C function, with a warning.

PortAudio 19.6 traps, measured here:
- it sees a JACK server only if the server ran when PortAudio initialised:
  ``rescan()`` re-initialises it;
- closing a stream (or terminating PortAudio) after its JACK server died
  aborts the process in ``pa_jack.c``: such a stream is abandoned, never closed.
"""

from __future__ import annotations

import atexit
import ctypes
import warnings
from dataclasses import dataclass
from typing import Any

from tracker.engine.native import ffi, lib

APP_NAME = "tracker"
JACK = "JACK Audio Connection Kit"
ALSA = "ALSA"
SOUNDDEVICE_VERSIONS = ">=0.5,<0.6"
"""The sounddevice range whose internals (_StreamBase with a C callback, _ffi, _libname) we use."""

_CHANNELS = 2


class AudioError(RuntimeError):
    """A one-line, user-facing audio problem (no device, device gone, bad settings)."""


@dataclass(frozen=True, slots=True)
class OutputDevice:
    index: int
    name: str
    host_api: str
    channels: int
    default_rate_hz: float
    low_latency_s: float

    def describe(self) -> str:
        return f"[{self.index}] {self.name} ({self.host_api}, {self.channels} ch)"


def _sounddevice() -> Any:
    """Import sounddevice late: importing it initialises PortAudio, and fails without it."""
    try:
        import sounddevice
    except OSError as error:  # sounddevice raises OSError when libportaudio is missing
        raise AudioError(
            "PortAudio is not installed (Debian/Ubuntu: apt install libportaudio2)"
        ) from error
    return sounddevice


_client_name: ctypes.Array[ctypes.c_char] | None = None  # PortAudio keeps the pointer


def set_jack_client_name(name: str = APP_NAME) -> None:
    """Name our JACK client (ports become ``tracker:out_0``); applies at the next rescan()."""
    global _client_name
    sd = _sounddevice()
    try:
        portaudio = ctypes.CDLL(sd._libname)
        set_name = portaudio.PaJack_SetClientName
    except (OSError, AttributeError):
        return  # a PortAudio built without JACK: nothing to name
    _client_name = ctypes.create_string_buffer(name.encode())
    set_name(_client_name)


def rescan() -> None:
    """Re-initialise PortAudio so it sees audio servers started since (JACK) and our client name.

    Refused while a stream whose server died is abandoned: PortAudio would abort.
    """
    sd = _sounddevice()
    if _abandoned:
        raise AudioError("cannot rescan audio devices after a JACK server died; restart tracker")
    set_jack_client_name()
    sd._terminate()
    sd._initialize()


def output_devices() -> list[OutputDevice]:
    sd = _sounddevice()
    apis = sd.query_hostapis()
    found = []
    for info in sd.query_devices():
        if info["max_output_channels"] < 1:
            continue
        found.append(
            OutputDevice(
                index=info["index"],
                name=info["name"],
                host_api=apis[info["hostapi"]]["name"],
                channels=info["max_output_channels"],
                default_rate_hz=info["default_samplerate"],
                low_latency_s=info["default_low_output_latency"],
            )
        )
    return found


def default_output() -> OutputDevice | None:
    """What a user expects: a running JACK server first (on Linux), then the system default."""
    sd = _sounddevice()
    devices = {d.index: d for d in output_devices()}
    for api in sd.query_hostapis():
        if api["name"] == JACK and api["default_output_device"] in devices:
            return devices[api["default_output_device"]]
    try:
        index = sd.default.device[1]
    except Exception:  # sounddevice raises PortAudioError subclasses of Exception here
        index = -1
    if index in devices:
        return devices[index]
    return next(iter(devices.values()), None)


def find_output(device: str | int | None) -> OutputDevice:
    """A device by index, by (part of) its name, or the default; AudioError if there is none."""
    if device is None:
        chosen = default_output()
        if chosen is None:
            raise AudioError("no audio output device found (use --device null for silent output)")
        return chosen
    devices = output_devices()
    if isinstance(device, int) or device.isdigit():
        for d in devices:
            if d.index == int(device):
                return d
        raise AudioError(f"no audio output device with index {device}")
    matches = [d for d in devices if device.lower() in f"{d.name} {d.host_api}".lower()]
    if not matches:
        raise AudioError(f"no audio output device matches {device!r}")
    exact = [d for d in matches if d.name.lower() == device.lower()]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    names = ", ".join(d.describe() for d in matches)
    raise AudioError(f"{device!r} matches several outputs: {names}")


class CallbackStream:
    """An open PortAudio output whose callback is the kernel's C function for one engine."""

    def __init__(
        self, device: OutputDevice, engine_address: int, rate_hz: int, blocksize: int
    ) -> None:
        """blocksize 0 lets the host choose (best for JACK, which has its own period)."""
        sd = _sounddevice()
        self.device = device
        self.fallback = False
        options: dict[str, Any] = dict(
            samplerate=rate_hz,
            blocksize=blocksize,
            device=device.index,
            channels=_CHANNELS,
            dtype="float32",
            latency="low",
            clip_off=True,  # the kernel's limiter already keeps samples within ±1
            dither_off=True,
        )
        try:
            try:
                self._stream = _c_callback_stream(sd, engine_address, options)
            except (AttributeError, TypeError):  # the internals moved: see the module docstring
                warnings.warn(
                    "sounddevice lacks the internals for a C callback; "
                    "using its Python callback (dropouts are likely while Python is busy)",
                    RuntimeWarning,
                    stacklevel=2,
                )
                self.fallback = True
                self._stream = _python_callback_stream(sd, engine_address, options)
            if device.host_api == ALSA:
                _alsa_realtime(sd, self._stream)
            self._stream.start()
        except sd.PortAudioError as error:
            raise AudioError(f"cannot open {device.describe()}: {error.args[0]}") from error
        self.rate_hz = float(self._stream.samplerate)
        self.latency_s = float(self._stream.latency)
        self.blocksize = int(self._stream.blocksize)
        self._closed = False

    @property
    def active(self) -> bool:
        """False once PortAudio stopped calling back on its own (the device or server went away)."""
        return bool(self._stream.active)

    def time_s(self) -> float:
        """Now, on the clock that the kernel's event stamps use."""
        return float(self._stream.time)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stream.stop()
        self._stream.close()

    def abandon(self) -> None:
        """Forget a stream whose device died without closing it (closing would abort, see above)."""
        if not self._closed:
            self._closed = True
            _abandon(self._stream)


_abandoned: list[Any] = []


def _abandon(stream: Any) -> None:
    sd = _sounddevice()
    if not _abandoned:
        # sounddevice terminates PortAudio at exit, which closes every stream: skip it.
        atexit.unregister(sd._exit_handler)
    _abandoned.append(stream)


def _c_callback_stream(sd: Any, engine_address: int, options: dict[str, Any]) -> Any:
    callback_address = int(ffi.cast("uintptr_t", ffi.addressof(lib, "tk_stream_callback")))
    callback = sd._ffi.cast("PaStreamCallback *", callback_address)
    userdata = sd._ffi.cast("void *", engine_address)
    return sd._StreamBase(kind="output", callback=callback, userdata=userdata, **options)


def _alsa_realtime(sd: Any, stream: Any) -> None:
    """Ask for SCHED_FIFO on PortAudio's ALSA callback thread (JACK clients get it from jackd).

    Without it, the callback thread competes with every other process on a busy box.
    PortAudio falls back to normal scheduling when the system refuses.
    """
    try:
        enable = ctypes.CDLL(sd._libname).PaAlsa_EnableRealtimeScheduling
    except (OSError, AttributeError):
        return
    enable(ctypes.c_void_p(int(sd._ffi.cast("uintptr_t", stream._ptr))), 1)


def _python_callback_stream(sd: Any, engine_address: int, options: dict[str, Any]) -> Any:
    engine = ffi.cast("void *", engine_address)
    time_info = ffi.new("tk_stream_time *")

    def callback(outdata: Any, frames: int, time: Any, status: Any) -> None:
        time_info.current_s = time.currentTime
        time_info.output_dac_s = time.outputBufferDacTime
        flags = lib.TK_STATUS_OUTPUT_UNDERFLOW if status.output_underflow else 0
        lib.tk_stream_callback(ffi.NULL, ffi.from_buffer(outdata), frames, time_info, flags, engine)

    return sd.RawOutputStream(callback=callback, **options)


def portaudio_version() -> str:
    try:
        return str(_sounddevice().get_portaudio_version()[1])
    except AudioError:
        return "not installed"
