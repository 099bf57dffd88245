"""On a running JACK server, tracker is the default output and shows up as tracker:out_0/out_1,
wired to the system playback ports, the way a JACK user expects to find it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from tests.audio.conftest import RATE
from tests.jack_rig import JackServer
from tracker.engine import portaudio
from tracker.engine.kernel import Kernel
from tracker.engine.playback import Playback


def connections(server: JackServer) -> dict[str, list[str]]:
    """Every port on the server and the ports it connects to, from `jack_lsp -c`."""
    listing = subprocess.run(
        ["jack_lsp", "-s", server.name, "-c"], capture_output=True, text=True, timeout=10
    )
    assert listing.returncode == 0, listing.stderr
    ports: dict[str, list[str]] = {}
    port = ""
    for line in listing.stdout.splitlines():
        if line.startswith(" "):  # jack_lsp indents a port's connections under it
            ports[port].append(line.strip())
        else:
            port = line.strip()
            ports[port] = []
    return ports


def test_default_output_is_the_jack_server(jack_server: JackServer) -> None:
    chosen = portaudio.default_output()

    assert chosen is not None
    assert chosen.host_api == portaudio.JACK
    assert chosen.default_rate_hz == jack_server.rate_hz


def test_our_outputs_are_tracker_out_0_and_out_1_on_the_system_playback(
    jack_server: JackServer, open_playback: Callable[..., Playback]
) -> None:
    assert "tracker:out_0" not in connections(jack_server)  # nothing of ours before we open
    playback = open_playback(Kernel(RATE))

    ports = connections(jack_server)
    assert ports["tracker:out_0"] == ["system:playback_1"]
    assert ports["tracker:out_1"] == ["system:playback_2"]
    assert "JACK" in playback.description

    playback.close()
    assert "tracker:out_0" not in connections(jack_server)  # closing unregisters them
