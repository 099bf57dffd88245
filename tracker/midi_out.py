"""Playing the kernel's MIDI out: clock, transport and external-synth notes, each sent when
its audio is heard.

The replayer writes MIDI messages into their own queue, stamped with the time their frame
reaches the speakers (tracker.engine.kernel.MidiDue). The sender's thread takes them in order
and sleeps until each is due, so the timing comes from the audio clock, not from a Python
timer, and a late UI thread cannot delay it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Final, Protocol

import mido

from tracker.engine.kernel import Kernel, MidiDue

POLL_INTERVAL_S: Final = 0.001
"""How often an idle sender looks at the kernel's queue: a tenth of a 96 ppqn clock at 250 BPM."""
LATE_S: Final = 0.5
"""Messages due this long ago are dropped, not sent (the output stalled): a burst of stale
clocks would make a slave race."""
FLUSH_TIMEOUT_S: Final = 0.3
"""How long close() keeps sending what is already due (a stop's note-offs)."""
FLUSH_AT_LEAST_S: Final = 0.05
"""How long close() waits for the kernel to render a stop just sent (a few blocks) before
an empty queue means there is nothing more to send."""


class MidiSink(Protocol):
    """Where messages go: tracker.io.midi.MidiOutput, or anything with its name and send()."""

    port_name: str

    def send(self, message: mido.Message) -> None: ...


Route = Callable[[int | None], Sequence[MidiSink]]
"""The outputs for a track's messages (None: clock and transport, for every output)."""


class MidiSender:
    """One thread that drains a kernel's MIDI queue and sends each message at its time."""

    def __init__(
        self,
        kernel: Kernel,
        now_s: Callable[[], float],
        outputs: Route,
    ) -> None:
        """now_s: the output stream's clock (the one the kernel stamps with); outputs: the
        ports to send a track's message to, asked for each message (they may change while
        we run)."""
        self._kernel = kernel
        self._now_s = now_s
        self._outputs = outputs
        self._pending: deque[MidiDue] = deque()
        self._stop = threading.Event()
        self.sent = 0
        self.late = 0
        """Messages dropped because they were more than LATE_S overdue."""
        self.errors = 0
        """Sends an output refused (a port that went away): counted, never raised."""
        self.last_error = ""
        self._flush_from_s = self._flush_until_s = 0.0
        self._thread = threading.Thread(target=self._run, name="midi-out", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Send what is already due (note-offs of a stop), then stop the thread."""
        now_s = self._now_s()
        self._flush_from_s = now_s + FLUSH_AT_LEAST_S
        self._flush_until_s = now_s + FLUSH_TIMEOUT_S
        self._stop.set()
        self._thread.join(FLUSH_TIMEOUT_S + 1.0)

    def _run(self) -> None:
        while True:
            self._pending.extend(self._kernel.midi_due())
            now_s = self._now_s()
            while self._pending and self._pending[0].time_s <= now_s:
                self._send(self._pending.popleft(), now_s)
            if self._stop.is_set() and (
                (not self._pending and now_s >= self._flush_from_s) or now_s >= self._flush_until_s
            ):
                return
            wait_s = POLL_INTERVAL_S
            if self._pending:
                wait_s = min(wait_s, self._pending[0].time_s - now_s)
            if wait_s > 0:
                time.sleep(wait_s)

    def _send(self, due: MidiDue, now_s: float) -> None:
        if now_s - due.time_s > LATE_S:
            self.late += 1
            return
        message = mido.Message.from_bytes(list(due.data))
        for output in self._outputs(due.track):
            try:
                output.send(message)
            except Exception as error:  # a port gone away: the port watcher reopens it
                self.errors += 1
                self.last_error = str(error)
        self.sent += 1
