"""The child process of test_server_killed: play on JACK, kill -9 the server, carry on.

    python -m tests.audio.killed_server_child

It runs apart from pytest because PortAudio 19.6 aborts the process if it closes a stream
whose JACK server died, and can never rescan afterwards: whatever goes wrong here must not
take a test worker with it. It prints one line, ``result <json>``, and exits 0.
"""

from __future__ import annotations

import json
import sys
import time

from tests.jack_rig import rescan_portaudio, start_jack_server
from tracker.demo import demo_song
from tracker.engine import compile_song
from tracker.engine.kernel import Kernel, RowReached
from tracker.engine.playback import DeviceLost, Playback

RATE = 48000
PERIOD_FRAMES = 256
CHECK_PERIOD_S = 0.02
"""How often the child calls Playback.check(), as a UI timer would."""
GIVE_UP_S = 5.0
NULL_RUN_S = 0.2


def main() -> int:
    server = start_jack_server(RATE, PERIOD_FRAMES)
    try:
        rescan_portaudio(server)
        song = demo_song()
        model_before = song.model_dump_json()
        kernel = Kernel(RATE)
        kernel.load(compile_song(song))
        playback = Playback(kernel)
        playback.open(None)
        kernel.play_song()
        deadline = time.monotonic() + GIVE_UP_S
        while not any(isinstance(e, RowReached) for e in kernel.events()):
            if time.monotonic() > deadline:
                raise RuntimeError("the song never started on JACK")
            time.sleep(0.01)

        server.kill()
        killed_s = time.monotonic()
        message = ""
        while time.monotonic() - killed_s < GIVE_UP_S:
            try:
                playback.check()
            except DeviceLost as lost:
                message = str(lost)
                break
            time.sleep(CHECK_PERIOD_S)
        lost_after_s = time.monotonic() - killed_s

        frames = kernel.stats().frames_rendered
        playback.open("null")  # the user's way on: silent output, the song still playing
        time.sleep(NULL_RUN_S)
        null_frames = kernel.stats().frames_rendered - frames
        still_playing = kernel.stats().playing
        playback.check()
        kernel.stop()
        playback.close()

        result = {
            "message": message,
            "lost_after_s": lost_after_s,
            "song_unchanged": song.model_dump_json() == model_before,
            "null_frames": null_frames,
            "still_playing": still_playing,
        }
        print("result " + json.dumps(result), flush=True)
        return 0
    finally:
        server.kill()  # no-op after the kill above; never leave a server behind a failure


if __name__ == "__main__":
    sys.exit(main())
