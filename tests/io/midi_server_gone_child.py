"""The child process of test_midi's server-gone test: open MIDI ports, then stop the server.

    python -m tests.io.midi_server_gone_child

It runs apart from pytest because a hang here is one inside rtmidi, holding the GIL, that
no thread of the test could time out, and because libjack, once a client has failed to reach
the stopped server, crashes the process that frees that server's clients. It prints one line,
``result <json>``, and exits 0.

The server is stopped (SIGTERM), not killed: both hurt rtmidi alike, and a killed server
leaves its name in JACK's registry, where tests/jack_rig.py would hand it to another test
worker while this child may still be probing it.
"""

from __future__ import annotations

import json
import os
import sys

import mido

from tests.jack_rig import start_jack_server
from tracker.io import midi
from tracker.io.midi import MidiError, MidiInput, MidiOutput

SENDS = 10_000
"""70 KB of notes: four times what rtmidi's JACK ring buffer holds."""


def main() -> int:
    # A name of its own, as in test_midi: same-named JACK clients of two processes collide.
    midi.CLIENT_NAME = f"tracker-{os.getpid()}"
    server = start_jack_server()
    try:
        source = MidiInput(lambda message, delta_s: None, api="jack")
        sink = MidiOutput(api="jack")
        alive_before = source.alive() and sink.alive()
    finally:
        server.stop()
    alive_after = source.alive() or sink.alive()
    refused_after, message = -1, ""
    for sent in range(SENDS):
        try:
            sink.send(mido.Message("note_on", note=60))
        except MidiError as error:
            refused_after, message = sent, str(error)
            break
    source.close()
    sink.close()
    result = dict(
        alive_before=alive_before,
        alive_after=alive_after,
        refused_after=refused_after,
        message=message,
    )
    print("result " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
