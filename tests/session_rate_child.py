"""Child of tests/test_session_rate.py: a Session opens the JACK server named in the
environment and prints ``result <json>`` (its kernel's rate, the notice, a callback count).

A process of its own, so PortAudio's JACK client is gone before the parent stops jackd
(stopping jackd under a live PortAudio client aborts Python).
"""

from __future__ import annotations

import json
import time

from tracker.io.project import Project
from tracker.model import Song
from tracker.session import Session

RUN_S = 0.3


def main() -> int:
    session = Session(Project(song=Song.new(tracks=2)))
    notice = session.open_audio()
    time.sleep(RUN_S)
    result = {
        "rate_hz": session.kernel.sample_rate_hz,
        "notice": notice,
        "callbacks": session.kernel.stats().callbacks,
    }
    session.close()
    print("result " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
