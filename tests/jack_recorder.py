"""A second JACK client, in its own process, that records another client's output ports.

    python tests/jack_recorder.py --out rec.npy --frames N [--source tracker] [--freewheel]

It registers two inputs, connects them to ``<source>:out_0`` and ``out_1`` as
soon as they exist, prints ``ready <jack frame time>`` and records from the
next cycle on. With --freewheel it then switches the server to freewheel mode,
which runs the graph as fast as it can and drops nothing. It stops after
--frames frames, or at a ``stop`` line on stdin, writes the recording
(frames x 2 float32, .npy) and a JSON sidecar (``<out>.json``: the JACK frame
time of the first recorded frame, cycles seen, the server's xrun callbacks),
and prints ``done <frames>``.

It is a separate process so that its Python never shares a GIL with the
client under test. The server comes from JACK_DEFAULT_SERVER.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import jack
import numpy as np

CONNECT_TIMEOUT_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--frames", type=int, required=True)
    parser.add_argument("--source", default="tracker")
    parser.add_argument("--freewheel", action="store_true")
    args = parser.parse_args()

    buffer = np.zeros((args.frames, 2), dtype=np.float32)
    state = {"recording": False, "written": 0, "first_frame_time": -1, "cycles": 0, "xruns": 0}
    finished = threading.Event()

    client = jack.Client("recorder", no_start_server=True)
    ins = [client.inports.register(f"in_{c}") for c in range(2)]

    @client.set_process_callback
    def process(frames: int) -> None:
        if not state["recording"] or finished.is_set():
            return
        if state["first_frame_time"] < 0:
            state["first_frame_time"] = client.last_frame_time
        state["cycles"] += 1
        start = state["written"]
        n = min(frames, args.frames - start)
        for c, port in enumerate(ins):
            buffer[start : start + n, c] = port.get_array()[:n]
        state["written"] = start + n
        if state["written"] >= args.frames:
            finished.set()

    @client.set_xrun_callback
    def xrun(delay_us: float) -> None:
        state["xruns"] += 1

    client.activate()
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    sources = [f"{args.source}:out_{c}" for c in range(2)]
    while True:
        names = {p.name for p in client.get_ports(is_output=True, is_audio=True)}
        if all(s in names for s in sources):
            break
        if time.monotonic() > deadline:
            print(f"error: no ports {sources} on the server", flush=True)
            return 2
        time.sleep(0.01)
    for source, port in zip(sources, ins, strict=True):
        client.connect(source, port)
    state["recording"] = True
    print(f"ready {client.frame_time}", flush=True)
    if args.freewheel:
        client.set_freewheel(True)

    def watch_stdin() -> None:
        for line in sys.stdin:
            if line.strip() == "stop":
                finished.set()
                return

    threading.Thread(target=watch_stdin, daemon=True).start()
    finished.wait()
    if args.freewheel:
        client.set_freewheel(False)
    client.deactivate()
    client.close()

    written = state["written"]
    np.save(args.out, buffer[:written])
    meta = {k: state[k] for k in ("first_frame_time", "cycles", "xruns")}
    meta["frames"] = written
    args.out.with_suffix(args.out.suffix + ".json").write_text(json.dumps(meta))
    print(f"done {written}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
