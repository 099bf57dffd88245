"""Child of tests/ui/test_midi_clock_jack.py: a drum machine in a process of its own (as a
real one is: the app's busy Python cannot delay its clock). Connects to the JACK MIDI input
argv[1], sends 24 clocks a beat at argv[2] BPM on exact deadlines, prints ``ready``, and
sends a transport message for each line on stdin: ``start``, ``stop``, ``continue``,
``spp N`` (sixteenths); ``quit`` ends it.
"""

from __future__ import annotations

import sys
import threading
import time

import rtmidi

CLOCK, START, CONTINUE, STOP, SPP = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2


def main() -> int:
    port, bpm = sys.argv[1], float(sys.argv[2])
    sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=f"test-drums-{port.split(':')[0]}")
    sender.open_port(sender.get_ports().index(port))
    lock = threading.Lock()  # one rtmidi output, two threads
    done = threading.Event()

    def send(message: list[int]) -> None:
        with lock:
            sender.send_message(message)

    def clock() -> None:
        interval_s = 60.0 / (24 * bpm)
        begin = time.monotonic()
        k = 0
        while not done.is_set():
            time.sleep(max(0.0, begin + k * interval_s - time.monotonic()))
            send([CLOCK])
            k += 1

    thread = threading.Thread(target=clock, daemon=True)
    thread.start()
    print("ready", flush=True)
    for line in sys.stdin:
        word, *rest = line.split()
        if word == "quit":
            break
        if word == "spp":
            sixteenths = int(rest[0])
            send([SPP, sixteenths & 0x7F, sixteenths >> 7])
        else:
            send([{"start": START, "stop": STOP, "continue": CONTINUE}[word]])
    done.set()
    thread.join()
    sender.delete()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
