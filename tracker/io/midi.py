"""MIDI ports for performers: list them, take messages in from one, send messages out to one.

Everything goes through python-rtmidi with the API chosen explicitly (ALSA's sequencer, else
a running JACK server): mido's default backend picks ALSA and raises when /dev/snd/seq is
missing, even while JACK runs. mido is used only for its message type.

rtmidi traps, measured with python-rtmidi 1.5.8 (RtMidi 6) on jackd 1.9:
- rtmidi calls an input callback on JACK's real-time process thread, where Python must take
  the GIL: with two busy Python threads that made hundreds of JACK cycles late (an xrun for
  every client, our audio too). So no callback: rtmidi queues input in C, and our own reader
  thread drains the queue every POLL_INTERVAL_S and calls the handler.
- each rtmidi object is a client of its own; JACK renames a second "tracker" client
  "tracker-01", so a virtual port's real name is looked up after it opens.
- a client keeps listing the ports of a JACK server that stopped or died: only a fresh client
  can tell a port is gone, which is what ``alive()`` does (about 20 ms on JACK, holding the
  GIL).
- ``send_message`` spins, holding the GIL, until rtmidi's 16 KB JACK ring buffer has room,
  and once the server is gone it never has: ``MidiOutput`` checks the server before each
  JACK_CHECK_BYTES it sends, so a vanished server raises MidiError instead of freezing Python.
- once a new client has failed to reach a server that is gone, closing or freeing a client
  of that server crashes the process: such clients are abandoned (kept, never freed), as
  tracker.engine.portaudio does with PortAudio streams.
- libjack and rtmidi are not safe to open and close clients from two threads at once (a
  reader thread closing its client while another thread probed the server crashed in
  CI), and probing swaps the process's stderr and environment: every client is made, used
  for listing and freed under _CLIENTS_LOCK.
- on JACK, a sysex without its F7 makes rtmidi join every later message to it until an F7
  comes; the joined message is counted as malformed.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, ParamSpec, TypeVar

import mido
import rtmidi

Api = Literal["alsa", "jack"]
DEFAULT_APIS: tuple[Api, ...] = ("alsa", "jack")
"""Linux only, in the order tried: ALSA reaches hardware directly; JACK if a server runs."""

CLIENT_NAME = "tracker"
IN_PORT = "in"
OUT_PORT = "out"
PROBE_CLIENT_NAME = f"tracker-probe-{os.getpid()}"
"""Short-lived clients that list ports. Not "tracker", or JACK would rename our own client;
one per process, because jack2 names a client's socket after the client's name and the user
only: same-named clients opened at once by two processes, even on two servers, both fail."""

QUEUE_SIZE = 16384
"""Messages rtmidi holds between two reads (its default is 1024); more are dropped in C."""
POLL_INTERVAL_S = 0.001
"""How often the reader looks at rtmidi's queue; JACK delivers once per period anyway."""
MAX_SYSEX_BYTES = 4096
"""Longest sysex taken in or sent out, F0 and F7 included; longer incoming ones are counted."""
JACK_CHECK_BYTES = 8192
"""Sent bytes between two server checks: with MAX_SYSEX_BYTES, below the 16 KB ring buffer."""
READER_JOIN_TIMEOUT_S = 1.0
"""How long close() waits for a handler to return; the reader frees the client when it does."""

ALSA_SEQUENCER = Path("/dev/snd/seq")
NO_MIDI_SYSTEM = (
    "no MIDI system: ALSA's sequencer (/dev/snd/seq) is missing and no JACK server is running"
)

_API_IDS: dict[Api, int] = {"alsa": rtmidi.API_LINUX_ALSA, "jack": rtmidi.API_UNIX_JACK}
_SYSEX_START = 0xF0
_ALSA_ADDRESS = re.compile(r" \d+:\d+$")  # RtMidi's ALSA port names end in " client:port"
_RING_ENTRY_BYTES = 4  # rtmidi's JACK ring buffer stores an int length before each message
_ALL_SOUND_OFF = 120
_ALL_NOTES_OFF = 123
_CHANNELS = 16

_CLIENTS_LOCK = threading.RLock()
"""Held while a client is made, lists ports, opens a port or is freed (module docstring)."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _serialized(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """`function` run under _CLIENTS_LOCK."""

    @functools.wraps(function)
    def locked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _CLIENTS_LOCK:
            return function(*args, **kwargs)

    return locked


Handler = Callable[[mido.Message, float], None]
"""Called on the reader thread with each message and the seconds since the one before it."""


class MidiError(Exception):
    """A one-line, user-facing MIDI problem (no MIDI system, no such port, port gone)."""


@dataclass(frozen=True, slots=True)
class MidiPort:
    name: str
    api: Api
    is_input: bool
    """True for a port MidiInput can listen to (a source), False for one MidiOutput sends to."""

    def describe(self) -> str:
        return f"  {'in' if self.is_input else 'out':<4}{self.api:<6}{self.name}"


def choose_api(preferred: Api | None = None) -> Api:
    """The first API that works, `preferred` first, then DEFAULT_APIS; never starts a server."""
    candidates = dict.fromkeys([*([preferred] if preferred else []), *DEFAULT_APIS])
    for api in candidates:
        if _available(api):
            return api
    raise MidiError(NO_MIDI_SYSTEM)


def available(api: Api) -> bool:
    """Whether `api` can be used now (for JACK: a server runs); never starts a server.

    For JACK this silences file descriptor 2 for the moment a client takes to open (libjack
    complains there when no server runs): a terminal UI that draws on stderr, as Textual does,
    loses what it writes meanwhile and should redraw after a change of state.
    """
    return _available(api)


def list_ports(api: Api) -> tuple[list[MidiPort], list[MidiPort]]:
    """(inputs, outputs): the ports we can listen to and the ports we can send to."""
    inputs = [MidiPort(name, api, is_input=True) for name in _port_names(api, is_input=True)]
    outputs = [MidiPort(name, api, is_input=False) for name in _port_names(api, is_input=False)]
    return inputs, outputs


def port_names(api: Api, is_input: bool) -> list[str]:
    """The names of list_ports' inputs (is_input) or outputs: one fresh client, not two."""
    return _port_names(api, is_input)


def match_port(names: Sequence[str], wanted: str, is_input: bool) -> str:
    """The one of `names` that `wanted` picks, as MidiInput and MidiOutput pick: the exact
    name, else the one name containing it (any case). MidiError if none or several."""
    listed = list(names)
    return listed[_find(listed, wanted, "input" if is_input else "output")]


def is_tracker_port(name: str) -> bool:
    """A port of a tracker client: our virtual ports, and the ports rtmidi adds to a client
    to connect it to a named one (they are listed too: ``tracker-02:in``)."""
    return _ours(name, IN_PORT) or _ours(name, OUT_PORT)


def stable_name(name: str, api: Api) -> str:
    """A listed port's name as worth remembering: ALSA's names end in the client and port
    numbers (``Keystation:Keystation MIDI 1 20:0``), which change when a device is plugged in
    again; the rest still picks the port through match_port."""
    return _ALSA_ADDRESS.sub("", name) if api == "alsa" else name


def describe_ports(api: Api) -> list[str]:
    """Lines for `tracker devices`, like ``  in  jack  system:midi_capture_1``."""
    inputs, outputs = list_ports(api)
    return [port.describe() for port in [*inputs, *outputs]] or ["  (no MIDI ports)"]


class MidiInput:
    """Messages from one port, handed to `handler` on our reader thread.

    `name` picks a source by exact name or a unique part of it; None opens a virtual port
    (``tracker:in``) that other programs connect to. Counters, written only by the reader
    and readable from any thread: `received` (handed to the handler), `malformed` and
    `sysex_dropped` (dropped), `handler_errors` (the handler raised; the message counts as
    received). Messages beyond QUEUE_SIZE waiting in rtmidi are dropped there, uncounted.
    """

    def __init__(self, handler: Handler, name: str | None = None, api: Api | None = None) -> None:
        self.api: Api = api or choose_api()
        self.virtual = name is None
        self.received = 0
        self.malformed = 0
        self.sysex_dropped = 0
        self.handler_errors = 0
        self._handler = handler
        self._rt: Any = _client(self.api, is_input=True, client_name=CLIENT_NAME)
        try:
            self._rt.ignore_types(sysex=False, timing=False, active_sense=True)
            self.port_name = _open(self._rt, self.api, name, is_input=True)
        except BaseException:
            _release(self._rt, self.api)
            raise
        self._stop = threading.Event()
        self._reader = threading.Thread(
            target=self._read, args=(self._rt,), name="midi-in", daemon=True
        )
        self._reader.start()

    def alive(self) -> bool:
        """True while a fresh client still lists the port (see the module docstring)."""
        return self._rt is not None and _still_listed(self.api, self.port_name, self.virtual, True)

    def close(self) -> None:
        """Stop reading; the reader frees the client once the handler returns (also from it)."""
        if self._rt is None:
            return
        self._rt = None
        self._stop.set()
        if threading.current_thread() is not self._reader:
            self._reader.join(READER_JOIN_TIMEOUT_S)

    def __enter__(self) -> MidiInput:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _read(self, rt: Any) -> None:
        # Seconds since the last message handed on: a dropped message's delta is not lost.
        delta_s = 0.0
        while not self._stop.is_set():
            event = rt.get_message()
            if event is None:
                self._stop.wait(POLL_INTERVAL_S)
                continue
            data, event_delta_s = event
            delta_s += event_delta_s
            message = self._parse(data)
            if message is None:
                continue
            self.received += 1
            try:
                self._handler(message, delta_s)
            except Exception:  # the handler is not ours to judge: count it and keep reading
                self.handler_errors += 1
            delta_s = 0.0
        _release(rt, self.api)

    def _parse(self, data: list[int]) -> mido.Message | None:
        if data and data[0] == _SYSEX_START and len(data) > MAX_SYSEX_BYTES:
            self.sysex_dropped += 1
            return None
        try:
            return mido.Message.from_bytes(data)
        except Exception:  # mido raises ValueError; nothing a sender does may stop the reader
            self.malformed += 1
            return None


class MidiOutput:
    """Messages to one port: `name` as for MidiInput; None opens a virtual ``tracker:out``."""

    def __init__(self, name: str | None = None, api: Api | None = None) -> None:
        self.api: Api = api or choose_api()
        self.virtual = name is None
        self._rt: Any = _client(self.api, is_input=False, client_name=CLIENT_NAME)
        try:
            self.port_name = _open(self._rt, self.api, name, is_input=False)
        except BaseException:
            _release(self._rt, self.api)
            raise
        self._unchecked_bytes = 0

    def send(self, message: mido.Message) -> None:
        """Send now; MidiError if the output is closed or gone, or the message too long."""
        if self._rt is None:
            raise MidiError(f"MIDI output {self.port_name} is closed")
        data = message.bytes()
        if len(data) > MAX_SYSEX_BYTES:
            raise MidiError(f"MIDI message of {len(data)} bytes: at most {MAX_SYSEX_BYTES}")
        if self.api == "jack":
            self._check_jack(len(data) + _RING_ENTRY_BYTES)
        try:
            self._rt.send_message(data)
        except (rtmidi.RtMidiError, ValueError) as error:
            raise MidiError(f"cannot send to MIDI output {self.port_name}: {error}") from error

    def all_notes_off(self) -> None:
        """All notes off (CC 123) and all sound off (CC 120) on every channel: 32 messages."""
        for channel in range(_CHANNELS):
            for control in (_ALL_NOTES_OFF, _ALL_SOUND_OFF):
                self.send(mido.Message("control_change", channel=channel, control=control))

    def alive(self) -> bool:
        """True while a fresh client still lists the port (see the module docstring)."""
        return self._rt is not None and _still_listed(self.api, self.port_name, self.virtual, False)

    def close(self) -> None:
        rt, self._rt = self._rt, None
        if rt is not None:
            _release(rt, self.api)

    def __enter__(self) -> MidiOutput:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_jack(self, size_bytes: int) -> None:
        """Make sure the server still drains rtmidi's ring buffer before it could fill up."""
        if self._unchecked_bytes + size_bytes > JACK_CHECK_BYTES:
            if not self.alive():
                raise MidiError(f"MIDI output {self.port_name} is gone")
            self._unchecked_bytes = 0
        self._unchecked_bytes += size_bytes


@_serialized
def _client(api: Api, is_input: bool, client_name: str) -> Any:
    """A new rtmidi MidiIn or MidiOut on `api`; MidiError if that MIDI system is not there."""
    if api == "alsa" and not ALSA_SEQUENCER.exists():
        # Checked first: libasound prints an error of its own when the device is missing.
        raise MidiError(f"ALSA's sequencer ({ALSA_SEQUENCER}) is missing")
    api_id = _API_IDS[api]
    if api_id not in rtmidi.get_compiled_api():
        # RtMidi would quietly use another API instead.
        raise MidiError(f"python-rtmidi was built without {api.upper()} support")
    try:
        with _jack_never_starts_a_server():
            if is_input:
                return rtmidi.MidiIn(api_id, name=client_name, queue_size_limit=QUEUE_SIZE)
            return rtmidi.MidiOut(api_id, name=client_name)
    except rtmidi.RtMidiError as error:  # SystemError when there is no server or no device
        raise MidiError(f"cannot open {api.upper()} MIDI: {_one_line(error)}") from error


@_serialized
def _available(api: Api) -> bool:
    """Whether a client can be made on `api` now (for JACK: a server runs)."""
    try:
        # libjack prints several lines when no server runs; our callers say it in one.
        with _stderr_silenced():
            _client(api, is_input=True, client_name=PROBE_CLIENT_NAME).delete()
    except MidiError:
        return False
    return True


_abandoned: list[Any] = []


@_serialized
def _release(rt: Any, api: Api) -> None:
    """Close and free a client, or abandon it if its JACK server is gone (module docstring)."""
    if api == "jack" and not _available(api):
        _abandoned.append(rt)
        return
    rt.close_port()
    rt.delete()


@_serialized
def _port_names(api: Api, is_input: bool) -> list[str]:
    """Sources (is_input) or destinations, as listed by a fresh client."""
    client = _client(api, is_input, PROBE_CLIENT_NAME)
    try:
        return [str(name) for name in client.get_ports()]
    finally:
        client.delete()


@_serialized
def _open(rt: Any, api: Api, name: str | None, is_input: bool) -> str:
    """Open a virtual port, or a port connected to `name`; returns the name to watch."""
    kind = "input" if is_input else "output"
    own_port = IN_PORT if is_input else OUT_PORT
    try:
        if name is not None:
            names = [str(found) for found in rt.get_ports()]
            index = _find(names, name, kind)
            rt.open_port(index, own_port)
            return names[index]
        # Our virtual input is a destination for other programs, our virtual output a source.
        before = set(_port_names(api, not is_input))
        rt.open_virtual_port(own_port)
        new = [p for p in _port_names(api, not is_input) if p not in before and _ours(p, own_port)]
        return new[0] if len(new) == 1 else f"{CLIENT_NAME}:{own_port}"
    except rtmidi.RtMidiError as error:
        port = name or f"{CLIENT_NAME}:{own_port}"
        raise MidiError(f"cannot open MIDI {kind} {port}: {_one_line(error)}") from error


def _ours(listed_name: str, own_port: str) -> bool:
    """JACK lists ``tracker:in`` (``tracker-01:in`` if renamed), ALSA ``tracker:in 128:0``."""
    return listed_name.startswith(CLIENT_NAME) and f":{own_port}" in listed_name


def _find(names: list[str], wanted: str, kind: str) -> int:
    """The index of `wanted`: an exact name, else the one name containing it (any case)."""
    if wanted in names:
        return names.index(wanted)
    matches = [i for i, name in enumerate(names) if wanted.lower() in name.lower()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        several = ", ".join(names[i] for i in matches)
        raise MidiError(f"{wanted!r} matches several MIDI {kind}s: {several}")
    existing = ", ".join(names) or "none"
    raise MidiError(f"no MIDI {kind} matches {wanted!r} (MIDI {kind}s: {existing})")


def _still_listed(api: Api, port_name: str, virtual: bool, is_input: bool) -> bool:
    # A virtual port is listed on the other side: our input is someone else's destination.
    try:
        return port_name in _port_names(api, is_input != virtual)
    except MidiError:
        return False


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


@contextmanager
def _jack_never_starts_a_server() -> Iterator[None]:
    """libjack starts a server when none runs unless told not to; that is the user's choice."""
    saved = os.environ.get("JACK_NO_START_SERVER")
    os.environ["JACK_NO_START_SERVER"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("JACK_NO_START_SERVER", None)
        else:
            os.environ["JACK_NO_START_SERVER"] = saved


@contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null, as sounddevice does while PortAudio initialises."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
