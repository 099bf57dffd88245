"""Setup shared by the UI tests that play into the app through a real JACK server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import rtmidi

from tests.jack_rig import JackServer
from tracker.io import midi


@pytest.fixture(autouse=True)
def own_midi_client_name(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """The app's MIDI ports under a client name no other process uses: jack2 names a client's
    socket after its name and the user, so a ``tracker`` opened at the same moment by any
    other process (the tmux test's app, on no server at all) makes ours fail. A module may
    still set a name of its own."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    monkeypatch.setattr(midi, "CLIENT_NAME", f"tracker-{os.getpid()}-{module}")


@pytest.fixture
def keyboard(jack_server: JackServer) -> Iterator[Callable[[], Any]]:
    """keyboard(): a test client's MIDI output, connected to the app's input once it exists.

    The client is made before the test starts the app, as a keyboard plugged in beforehand
    would be: a client that joins the server while the app runs changes its timing (the
    clock-follow test in test_midi_clock_jack.py then fails now and then).
    The app's input is found under tracker.io.midi.CLIENT_NAME as it is when keyboard() is
    called, so a module may give the app a client name of its own; JACK lists it as
    ``<name>:in``, or ``<name>-01:in`` if another client (PortAudio's) took the name first.
    """
    sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name="test-keyboard")

    def connect() -> Any:
        ports = sender.get_ports()
        ours = [p for p in ports if p.startswith(midi.CLIENT_NAME) and p.endswith(":in")]
        assert ours, f"no {midi.CLIENT_NAME}:in among the JACK MIDI inputs {ports}"
        sender.open_port(ports.index(ours[0]))
        return sender

    yield connect
    sender.delete()
