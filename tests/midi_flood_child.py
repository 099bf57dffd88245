"""Child of tests/ui/test_midi_flood.py: a MIDI sender in a process of its own (as a device
or another program is), connected to the JACK MIDI input named in argv[1], sends argv[2]
messages over argv[3] seconds and prints ``sent <n>``.

Its own process because rtmidi's JACK send holds the GIL while it waits for room in its
ring buffer: in the app's process it would be the sender, not the app, that froze the UI.
"""

from __future__ import annotations

import sys
import time

import rtmidi

KINDS = [
    [0x90, 60, 100],
    [0x80, 60, 0],
    [0xB0, 7, 64],  # mapped in the test: track 1's volume
    [0xF8],  # clock, far faster than any tempo
    [0xE0, 0, 64],  # pitch bend
    [0xB0, 1, 100],  # mod wheel
    [0xF0, *([0x11] * 100), 0xF7],  # sysex under the cap
    [0xF0, *([0x22] * 5000), 0xF7],  # sysex over it: dropped and counted
    [0xC0, 1],
    [0x90, 72, 1],
]


def main() -> int:
    port, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=f"test-flood-{port.split(':')[0]}")
    sender.open_port(sender.get_ports().index(port))
    start = time.monotonic()
    for k in range(count):
        sender.send_message(KINDS[k % len(KINDS)])
        wait_s = start + (k + 1) * seconds / count - time.monotonic()
        if wait_s > 0:
            time.sleep(wait_s)
    time.sleep(0.2)  # rtmidi's ring buffer empties in the next JACK periods
    sender.delete()
    print(f"sent {count}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
