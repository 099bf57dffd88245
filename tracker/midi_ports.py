"""The app's MIDI ports: our own, the ones the user chose, and a watcher that reopens them.

Our virtual ports ``tracker:in`` and ``tracker:out`` are always open, so other programs can
play into us and listen to us with no setup; the inputs and the output the user chose
(tracker.config) are opened by name. A watcher thread looks at every port each
CHECK_PERIOD_S: a port that is gone is closed with a notice, and opened again, with another,
when it is listed again. A choice made in the UI is applied by the watcher at once.

Threads: all opening, closing and checking happens under one lock, at start on the caller's
thread, then on the watcher's: ``alive()`` and port listings cost ~20 ms on JACK holding the
GIL, so never on the UI, audio or MIDI reader threads. `inputs` and `outputs` are lists that
are replaced whole, never changed in place: a reader on any thread iterates the list it took.

Traps (on top of tracker.io.midi's), measured here:
- Textual draws on stderr, and probing JACK (``midi.available``) silences stderr for a moment,
  and libjack prints there when a client finds no server: after each notice the UI redraws.
  So a server that is gone is probed every SERVER_PROBE_PERIOD_S only, and the MIDI system is
  chosen once, at start.
- ``MidiOutput.send`` on another thread may have taken the output just before the watcher
  closes it, and rtmidi crashes on a freed client: an output taken out of `outputs` is closed
  one check later (RETIRE_AFTER_S), when no send can still be using it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from tracker.io import midi
from tracker.io.midi import Api, Handler, MidiError, MidiInput, MidiOutput

CHECK_PERIOD_S: Final = 1.5
"""How often the watcher looks at the ports."""
SERVER_PROBE_PERIOD_S: Final = 5.0
"""How often a MIDI system that went away (a JACK server that stopped) is looked for."""
RETIRE_AFTER_S: Final = 1.0
"""How long an output taken out of `outputs` stays open for a send that had taken it."""
OWN_CHECK_EVERY: Final = 4
"""Our own ports are looked for at every 4th check only (see _check)."""
CLOSE_TIMEOUT_S: Final = 3.0

OPEN: Final = "open"
MISSING: Final = "missing"
"""Chosen, not listed (never seen since it was chosen)."""
GONE: Final = "gone"
"""Chosen, was open, is no longer listed."""
AVAILABLE: Final = "available"
"""Listed, not chosen."""

Notify = Callable[[str], object]


@dataclass(frozen=True, slots=True)
class InputCounts:
    """A MidiInput's counters (see tracker.io.midi.MidiInput)."""

    received: int
    malformed: int
    sysex_dropped: int
    handler_errors: int

    @classmethod
    def of(cls, port: MidiInput) -> InputCounts:
        return cls(port.received, port.malformed, port.sysex_dropped, port.handler_errors)


@dataclass(frozen=True, slots=True)
class PortRow:
    """One port as the ports screen lists it."""

    name: str
    """As listed; for a chosen port that is not listed, the name it was chosen by."""
    is_input: bool
    api: Api | None
    own: bool
    """Our own virtual port, always open."""
    chosen: str | None
    """The name in the settings that picks this port; None when it is not chosen."""
    state: str
    """OPEN, MISSING, GONE, AVAILABLE, or a one-line problem."""
    counts: InputCounts | None = None
    """An open input's counters."""


class _Slot:
    """A port we want open: our own (`wanted` None) or one the user chose by name."""

    def __init__(self, wanted: str | None, is_input: bool, announce: bool) -> None:
        self.wanted = wanted
        self.is_input = is_input
        self.port: MidiInput | MidiOutput | None = None
        self.state = MISSING
        self.listed_as: str | None = None
        """The listed name `wanted` matched at the last check."""
        self.announce = announce
        """Say so when it opens (a choice made in the UI; at start only problems are said)."""
        self.told = False
        """A notice said it is not open: its opening is news too."""

    @property
    def virtual(self) -> bool:
        return self.wanted is None

    @property
    def label(self) -> str:
        kind = "input" if self.is_input else "output"
        if self.port is not None:
            return f"MIDI {kind} {self.port.port_name}"
        own = midi.IN_PORT if self.is_input else midi.OUT_PORT
        return f"MIDI {kind} {self.wanted or f'{midi.CLIENT_NAME}:{own}'}"


@dataclass(frozen=True, slots=True)
class _View:
    """What the UI reads of a slot: taken under the lock, replaced whole."""

    wanted: str | None
    is_input: bool
    port: MidiInput | MidiOutput | None
    state: str
    listed_as: str | None


def _in_sources(slot: _Slot) -> bool:
    """Whether a slot's port is listed among the sources (else the destinations): a chosen
    input is someone's source, our own input is a destination for others, and so on."""
    return slot.is_input != slot.virtual


class MidiPorts:
    """Our own ports and the chosen ones, opened, watched and reopened.

    `handler` gets every input's messages on that input's reader thread. `notify` gets
    one-line notices (a port gone, back, missing) on the watcher's thread.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        api: Api | None = None,
        inputs: Sequence[str] = (),
        output: str | None = None,
        notify: Notify = lambda text: None,
    ) -> None:
        self._handler = handler
        self._preferred_api = api
        self._notify = notify
        self.api: Api | None = None
        """The MIDI system in use, chosen at open(); None: there is none."""
        self.inputs: list[MidiInput] = []
        """Open inputs, ours first. Replaced whole, never changed in place."""
        self.outputs: list[MidiOutput] = []
        """Open outputs, ours first. Replaced whole, never changed in place: a sender thread
        iterates the list it took; a send may still raise MidiError (the port went)."""
        self.sources: tuple[str, ...] = ()
        """Ports we can listen to, as last listed, our own left out."""
        self.destinations: tuple[str, ...] = ()
        """Ports we can send to, as last listed, our own left out."""
        self.problem = ""
        """Why there is no MIDI at all, or ""."""
        self.list_everything = False
        """Set while a screen shows the ports: every check lists every port."""
        self._checks = 0
        self._wanted: tuple[tuple[str, ...], str | None] = (tuple(dict.fromkeys(inputs)), output)
        self._slots: list[_Slot] = [
            _Slot(None, is_input=True, announce=False),
            _Slot(None, is_input=False, announce=False),
        ]
        self._snapshot: tuple[tuple[_View, ...], tuple[str, ...], tuple[str, ...]] = ((), (), ())
        """What rows() shows: the slots, the sources and the destinations, replaced whole."""
        self._retired: list[tuple[float, MidiOutput]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._server_lost_at: float | None = None
        self._probed_at = 0.0
        self._closed = False
        self._started = False

    # ---- the caller's side (any thread) -------------------------------------------------

    @property
    def wanted_inputs(self) -> tuple[str, ...]:
        return self._wanted[0]

    @property
    def wanted_output(self) -> str | None:
        return self._wanted[1]

    def open(self) -> list[str]:
        """Choose the MIDI system and open every port now; returns the problems, one line
        each (nothing is raised: no MIDI is no reason not to start)."""
        with self._lock:
            try:
                self.api = midi.choose_api(self._preferred_api)
            except MidiError as error:
                self.problem = str(error)
                return [self.problem]
            problems = []
            if self._preferred_api and self.api != self._preferred_api:
                wanted = self._preferred_api.upper()
                problems.append(f"{wanted} MIDI is not there: using {self.api.upper()}")
            problems += self._check()
            self._started = True
            return problems

    def start(self, period_s: float = CHECK_PERIOD_S) -> None:
        """Run the watcher thread (after open())."""
        if self._watcher is not None or self.api is None:
            return
        self._watcher = threading.Thread(
            target=self._watch, args=(period_s,), name="midi-ports", daemon=True
        )
        self._watcher.start()

    def choose(self, inputs: Sequence[str], output: str | None) -> None:
        """The chosen inputs and output (None: none) from now on; the watcher opens and
        closes ports at once. Returns without waiting for any port."""
        self._wanted = (tuple(dict.fromkeys(inputs)), output)
        self._wake.set()

    def check(self) -> None:
        """One look at every port (the watcher's job; tests call it to not wait)."""
        with self._lock:
            if self._closed or not self._started:
                return
            for notice in self._check():
                self._notify(notice)

    def rows(self) -> list[PortRow]:
        """Inputs then outputs as a ports screen shows them: ours, then every listed port,
        then chosen ones that are not listed. Cheap: no port is asked anything."""
        if self.api is None:
            return []
        rows: list[PortRow] = []
        views, sources, destinations = self._snapshot
        for is_input, listed in ((True, sources), (False, destinations)):
            mine = [view for view in views if view.is_input == is_input]
            for view in mine:
                if view.wanted is None:
                    own = f"{midi.CLIENT_NAME}:{midi.IN_PORT if is_input else midi.OUT_PORT}"
                    name = view.port.port_name if view.port is not None else own
                    rows.append(self._row(name, is_input, None, view, own=True))
            matched = {view.listed_as: view for view in mine if view.wanted is not None}
            for name in listed:
                found = matched.get(name)
                rows.append(self._row(name, is_input, found.wanted if found else None, found))
            for view in mine:
                if view.wanted is not None and view.listed_as not in listed:
                    rows.append(self._row(view.wanted, is_input, view.wanted, view))
        return rows

    def close(self) -> None:
        """Stop the watcher and close every port (the app is ending)."""
        self._stop.set()
        self._wake.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(CLOSE_TIMEOUT_S)
        with self._lock:
            self._closed = True
            ports = [slot.port for slot in self._slots if slot.port is not None]
            ports += [output for _, output in self._retired]
            for slot in self._slots:
                slot.port = None
            self._retired = []
            self._publish()
        for port in ports:
            port.close()

    # ---- the watcher's side (under the lock) --------------------------------------------

    def _watch(self, period_s: float) -> None:
        while not self._stop.is_set():
            self._wake.wait(period_s)
            self._wake.clear()
            if self._stop.is_set():
                return
            self.check()

    def _check(self) -> list[str]:
        notices: list[str] = []
        api = self.api
        assert api is not None
        self._close_retired(time.monotonic())
        self._follow_choices()
        if self._server_lost_at is not None:
            now = time.monotonic()
            self._publish()  # choices made meanwhile show, though nothing can open
            if now - self._probed_at < SERVER_PROBE_PERIOD_S:
                return notices
            self._probed_at = now
            if not midi.available(api):
                return notices
            self._server_lost_at = None
            notices.append(f"{api.upper()} MIDI is back")
        # Each listing is a fresh client: ~20-35 ms holding the GIL on JACK, which delays the
        # MIDI reader threads too. So only the listings the chosen ports are found in are
        # made; our own ports, which go only with the server, are looked for every
        # OWN_CHECK_EVERY checks, and everything while a screen shows the ports.
        self._checks += 1
        own_due = self._checks % OWN_CHECK_EVERY == 1 or any(
            slot.virtual and slot.port is None for slot in self._slots
        )
        needed = {_in_sources(slot) for slot in self._slots if not slot.virtual}
        if own_due or self.list_everything:
            needed = {True, False}
        listings: dict[bool, list[str]] = {}
        try:
            for in_sources in sorted(needed):
                listings[in_sources] = midi.port_names(api, is_input=in_sources)
        except MidiError as error:
            self._server_lost_at = self._probed_at = time.monotonic()
            for slot in self._slots:
                self._lose(slot)
            self.sources = self.destinations = ()
            self._publish()
            notices.append(f"MIDI: {error}; ports are opened again when it is back")
            return notices
        for slot in self._slots:
            listed = listings.get(_in_sources(slot))
            if listed is not None:
                self._check_slot(slot, api, listed, notices)
        # Ours, and the ports rtmidi adds to connect to a chosen one, are left out: playing
        # into those would loop back into us. (Another tracker's too; by name they open.)
        if True in listings:
            self.sources = tuple(n for n in listings[True] if not midi.is_tracker_port(n))
        if False in listings:
            self.destinations = tuple(n for n in listings[False] if not midi.is_tracker_port(n))
        self._publish()
        return notices

    def _follow_choices(self) -> None:
        """Slots for what is chosen now: new ones added, ones no longer chosen closed."""
        inputs, output = self._wanted
        wanted = [(name, True) for name in inputs] + ([(output, False)] if output else [])
        keep: list[_Slot] = [slot for slot in self._slots if slot.virtual]
        existing = {(slot.wanted, slot.is_input): slot for slot in self._slots}
        for name, is_input in wanted:
            slot = existing.pop((name, is_input), None)
            keep.append(slot or _Slot(name, is_input, announce=self._started))
        for slot in existing.values():
            if not slot.virtual:
                self._lose(slot)
        self._slots = keep

    def _check_slot(self, slot: _Slot, api: Api, listed: list[str], notices: list[str]) -> None:
        if slot.port is not None:
            if slot.port.port_name in listed:
                return
            notices.append(f"{slot.label} is gone; it is opened again when it returns")
            self._lose(slot)
            slot.told = True
            return
        name: str | None = None
        if slot.wanted is not None:
            ours = {s.port.port_name for s in self._slots if s.virtual and s.port is not None}
            candidates = [found for found in listed if found not in ours]
            try:
                name = midi.match_port(candidates, slot.wanted, slot.is_input)
            except MidiError as error:
                several = any(slot.wanted.lower() in found.lower() for found in candidates)
                slot.listed_as = None
                self._not_open(slot, str(error) if several else MISSING, notices)
                return
        try:
            if slot.is_input:
                slot.port = MidiInput(self._handler, name=name, api=api)
            else:
                slot.port = MidiOutput(name=name, api=api)
        except MidiError as error:  # listed a moment ago, gone now, or refused
            self._not_open(slot, str(error), notices)
            return
        if slot.told or slot.announce:
            notices.append(f"{slot.label} is {'back' if slot.state == GONE else 'open'}")
        slot.state, slot.listed_as, slot.told = OPEN, slot.port.port_name, False

    def _not_open(self, slot: _Slot, state: str, notices: list[str]) -> None:
        """Say once why a slot is not open; a port that went was told when it went."""
        if state == MISSING:
            if slot.state == GONE:
                return
            if not slot.told:
                notices.append(f"{slot.label} is not there; it is opened when it appears")
        elif state != slot.state:
            notices.append(state)
        slot.state, slot.told = state, True

    def _lose(self, slot: _Slot) -> None:
        """Close a slot's port: an input now, an output once no send can be using it."""
        port, slot.port = slot.port, None
        if port is None:
            return
        slot.state = GONE
        if isinstance(port, MidiInput):
            port.close()
        else:
            self._retired.append((time.monotonic(), port))

    def _close_retired(self, now: float) -> None:
        due = [(at, port) for at, port in self._retired if now - at >= RETIRE_AFTER_S]
        self._retired = [(at, port) for at, port in self._retired if now - at < RETIRE_AFTER_S]
        for _, port in due:
            port.close()

    def _publish(self) -> None:
        self.inputs = [s.port for s in self._slots if isinstance(s.port, MidiInput)]
        self.outputs = [s.port for s in self._slots if isinstance(s.port, MidiOutput)]
        views = tuple(
            _View(slot.wanted, slot.is_input, slot.port, slot.state, slot.listed_as)
            for slot in self._slots
        )
        self._snapshot = (views, self.sources, self.destinations)

    def _row(
        self, name: str, is_input: bool, chosen: str | None, view: _View | None, own: bool = False
    ) -> PortRow:
        port = view.port if view else None
        counts = InputCounts.of(port) if isinstance(port, MidiInput) else None
        state = view.state if view else AVAILABLE
        return PortRow(name, is_input, self.api, own, chosen, state, counts)
