"""Playback through PortAudio's ALSA host API, with no JACK server running.

This machine has no sound card, so the ALSA device is ALSA's own `null` PCM
plugin, declared in a private ~/.asoundrc: real ALSA, real PortAudio, a sink
that discards audio. The plugin is not clocked (PortAudio writes to it as fast
as it can), so these tests check device choice and threading, not timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ASOUNDRC = """
pcm.trackernull {
    type null
    hint { show on description "discards audio" }
}
"""

PROBE = textwrap.dedent(
    """
    import glob, json, os, time
    from tracker.demo import demo_song
    from tracker.engine import Kernel, compile_song
    from tracker.engine.playback import Playback

    kernel = Kernel(48000)
    kernel.load(compile_song(demo_song()))
    playback = Playback(kernel)
    print("device", playback.open(None, 256))
    kernel.play_song()
    time.sleep(0.3)
    policies = set()
    for stat in glob.glob(f"/proc/{os.getpid()}/task/*/stat"):
        fields = open(stat).read().rsplit(") ", 1)[1].split()
        policies.add(int(fields[38]))  # field 41 of stat: the scheduling policy
    print("policies", json.dumps(sorted(policies)))
    print("frames", kernel.stats().frames_rendered)
    kernel.stop()
    playback.close()
    """
)


@pytest.fixture
def alsa_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / ".asoundrc").write_text(ASOUNDRC)
    return {
        **os.environ,
        "HOME": str(tmp_path),
        "JACK_DEFAULT_SERVER": "tracker-test-nobody",  # no JACK here: ALSA must be chosen
        "JACK_NO_START_SERVER": "1",
    }


def realtime_allowed() -> bool:
    """Whether this process may use SCHED_FIFO at all (root, or an rtprio limit)."""
    probe = "import os; os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def test_alsa_callback_thread_asks_for_realtime_scheduling(alsa_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=alsa_env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert "ALSA" in lines["device"] and "trackernull" in lines["device"]
    assert int(lines["frames"]) > 0
    policies = set(json.loads(lines["policies"]))
    if realtime_allowed():
        assert os.SCHED_FIFO in policies  # PortAudio's callback thread
    else:
        assert policies == {os.SCHED_OTHER}  # refused quietly; playback still ran


PLAY_WITH_WATCHDOG = textwrap.dedent(
    """
    import faulthandler, sys
    # A hang (seen once in CI, under load) ends with every thread's stack on stderr.
    faulthandler.dump_traceback_later(40, exit=True)
    from tracker.cli import main
    sys.exit(main(["play", "--seconds", "0.5"]))
    """
)


def test_tracker_play_uses_the_system_default_without_jack(alsa_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PLAY_WITH_WATCHDOG],
        capture_output=True,
        text=True,
        env=alsa_env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "trackernull (ALSA" in result.stderr


FALLBACK_PROBE = textwrap.dedent(
    """
    import time, warnings
    import sounddevice
    from tracker.demo import demo_song
    from tracker.engine import Kernel, RowReached, compile_song
    from tracker.engine.playback import Playback

    # As if a sounddevice release stopped taking C function pointers as callbacks:
    # its own Python-callback streams (which build on _StreamBase) keep working.
    original = sounddevice._StreamBase

    class WithoutCCallbacks(original):
        def __init__(self, *args, wrap_callback=None, **kwargs):
            if wrap_callback is None:
                raise TypeError("callback must be callable")
            original.__init__(self, *args, wrap_callback=wrap_callback, **kwargs)

    sounddevice._StreamBase = WithoutCCallbacks
    kernel = Kernel(48000)
    kernel.load(compile_song(demo_song()))
    # ALSA's null device takes blocks as fast as they come (tens of thousands a second):
    # levels events would fill the queue before the song's first row could be reported.
    kernel.set_metering(False)
    playback = Playback(kernel)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        playback.open(None, 256)
    kernel.play_song()
    time.sleep(0.3)
    rows = [e for e in kernel.events() if isinstance(e, RowReached)]
    print("warnings", len(caught), caught[0].message if caught else "")
    print("callbacks", kernel.stats().callbacks)
    print("rows", len(rows))
    kernel.stop()
    playback.close()
    """
)


def test_missing_sounddevice_internals_fall_back_with_a_warning(alsa_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", FALLBACK_PROBE],
        capture_output=True,
        text=True,
        env=alsa_env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["warnings"].startswith("1 ") and "Python callback" in lines["warnings"]
    assert int(lines["callbacks"]) > 10  # the same C callback, now called from Python
    assert int(lines["rows"]) > 0
