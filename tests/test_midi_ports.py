"""The app's MIDI ports on a private JACK server: ours always open, chosen ones opened by name,
ports that go are noticed and reopened when they return. Real rtmidi clients on both ends."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import mido
import pytest
import rtmidi

from tracker import midi_ports
from tracker.io import midi
from tracker.io.midi import MidiError
from tracker.midi_ports import AVAILABLE, GONE, MISSING, OPEN, MidiPorts

WAIT_S = 5.0
CLIENT = f"tracker-{os.getpid()}"
SENDER = f"ports-sender-{os.getpid()}"
RECEIVER = f"ports-receiver-{os.getpid()}"


@pytest.fixture(autouse=True)
def own_client_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(midi, "CLIENT_NAME", CLIENT)


class Recorder:
    """What MidiPorts hands out: messages (reader threads) and notices (watcher thread)."""

    def __init__(self) -> None:
        self.notes: list[int] = []
        self.notices: list[str] = []

    def handle(self, message: mido.Message, delta_s: float) -> None:
        if message.type == "note_on":
            self.notes.append(message.note)

    def ports(self, **kwargs: Any) -> MidiPorts:
        return MidiPorts(self.handle, api="jack", notify=self.notices.append, **kwargs)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder


@pytest.fixture
def opened() -> Iterator[list[MidiPorts]]:
    """MidiPorts a test made, closed even when it fails."""
    made: list[MidiPorts] = []
    yield made
    for ports in made:
        ports.close()


def wait_until(done: Callable[[], bool], timeout_s: float = WAIT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def receive(client: Any) -> list[int] | None:
    """The next message a test input receives, waiting at most WAIT_S."""
    got: list[list[int]] = []

    def arrived() -> bool:
        event = client.get_message()
        if event is not None:
            got.append(event[0])
        return bool(got)

    wait_until(arrived)
    return got[0] if got else None


def names(ports: list[Any]) -> list[str]:
    """Port names, ours as "ours:in" / "ours:out": each rtmidi port is a JACK client of its
    own, and JACK renames a second client of one name (tracker-01)."""
    return [
        f"ours:{port.port_name.rsplit(':', 1)[1]}"
        if port.port_name.startswith(CLIENT) and port.virtual
        else port.port_name
        for port in ports
    ]


def test_our_ports_and_a_chosen_input_open_and_play(
    clients: Callable[..., Any], recorder: Recorder, opened: list[MidiPorts]
) -> None:
    sender = clients(rtmidi.MidiOut, SENDER)
    sender.open_virtual_port("out")
    ports = recorder.ports(inputs=[SENDER])  # a unique part of the name picks the port
    opened.append(ports)
    assert ports.open() == []
    assert ports.api == "jack"
    assert names(ports.inputs) == ["ours:in", f"{SENDER}:out"]
    assert names(ports.outputs) == ["ours:out"]
    assert all(port.virtual for port in (ports.inputs[0], ports.outputs[0]))
    sender.send_message([0x90, 60, 100])
    assert wait_until(lambda: recorder.notes == [60])
    # Another program plays into our own port: it is always open.
    player = clients(rtmidi.MidiOut, RECEIVER)
    player.open_port(player.get_ports().index(ports.inputs[0].port_name))
    player.send_message([0x90, 61, 100])
    assert wait_until(lambda: recorder.notes == [60, 61])


def test_a_port_that_goes_is_noticed_and_reopened_when_it_returns(
    clients: Callable[..., Any], recorder: Recorder, opened: list[MidiPorts]
) -> None:
    sender = clients(rtmidi.MidiOut, SENDER)
    sender.open_virtual_port("out")
    ports = recorder.ports(inputs=[f"{SENDER}:out"])
    opened.append(ports)
    assert ports.open() == []
    ports.start(period_s=0.05)  # the real watcher thread, looking often
    sender.close_port()
    gone = f"MIDI input {SENDER}:out is gone; it is opened again when it returns"
    assert wait_until(lambda: gone in recorder.notices), recorder.notices
    assert names(ports.inputs) == ["ours:in"]
    assert [row.state for row in ports.rows() if row.chosen] == [GONE]
    sender.delete()  # a device unplugged and plugged in again: the same name comes back
    sender = clients(rtmidi.MidiOut, SENDER)
    sender.open_virtual_port("out")
    assert wait_until(lambda: f"MIDI input {SENDER}:out is back" in recorder.notices)
    assert names(ports.inputs) == ["ours:in", f"{SENDER}:out"]
    sender.send_message([0x90, 64, 1])
    assert wait_until(lambda: recorder.notes == [64])
    assert recorder.notices == [gone, f"MIDI input {SENDER}:out is back"]  # each said once


def test_a_port_missing_at_start_opens_when_it_appears(
    clients: Callable[..., Any], recorder: Recorder, opened: list[MidiPorts]
) -> None:
    ports = recorder.ports(inputs=[SENDER])
    opened.append(ports)
    assert ports.open() == [f"MIDI input {SENDER} is not there; it is opened when it appears"]
    ports.check()
    assert recorder.notices == []  # said once, at start
    rows = [row for row in ports.rows() if row.chosen]
    assert [(row.name, row.state) for row in rows] == [(SENDER, MISSING)]
    sender = clients(rtmidi.MidiOut, SENDER)
    sender.open_virtual_port("out")
    ports.check()
    assert recorder.notices == [f"MIDI input {SENDER}:out is open"]
    sender.send_message([0x90, 65, 1])
    assert wait_until(lambda: recorder.notes == [65])


def test_the_chosen_output_receives_and_comes_back(
    clients: Callable[..., Any], recorder: Recorder, opened: list[MidiPorts]
) -> None:
    receiver = clients(rtmidi.MidiIn, RECEIVER)
    receiver.open_virtual_port("in")
    ports = recorder.ports(output=RECEIVER)
    opened.append(ports)
    assert ports.open() == []
    taken = ports.outputs
    assert names(taken) == ["ours:out", f"{RECEIVER}:in"]
    taken[1].send(mido.Message("note_on", note=70, velocity=5))
    assert receive(receiver) == [0x90, 70, 5]

    receiver.close_port()
    ports.check()
    assert recorder.notices == [
        f"MIDI output {RECEIVER}:in is gone; it is opened again when it returns"
    ]
    assert names(ports.outputs) == ["ours:out"]
    assert names(taken) == ["ours:out", f"{RECEIVER}:in"]  # a list taken is never changed
    taken[1].send(mido.Message("clock"))  # not closed yet under a sender that took it
    time.sleep(midi_ports.RETIRE_AFTER_S)
    ports.check()
    with pytest.raises(MidiError, match="is closed"):
        taken[1].send(mido.Message("clock"))

    receiver.delete()
    receiver = clients(rtmidi.MidiIn, RECEIVER)
    receiver.open_virtual_port("in")
    ports.check()
    assert recorder.notices[-1] == f"MIDI output {RECEIVER}:in is back"
    ports.outputs[1].send(mido.Message("note_on", note=71, velocity=5))
    assert receive(receiver) == [0x90, 71, 5]


def test_choices_are_applied_by_the_watcher_at_once(
    clients: Callable[..., Any], recorder: Recorder, opened: list[MidiPorts]
) -> None:
    sender = clients(rtmidi.MidiOut, SENDER)
    sender.open_virtual_port("out")
    receiver = clients(rtmidi.MidiIn, RECEIVER)
    receiver.open_virtual_port("in")
    ports = recorder.ports()
    opened.append(ports)
    assert ports.open() == []
    ports.start(period_s=60.0)  # only a choice wakes it in this test
    rows = {row.name: row for row in ports.rows()}
    assert [row.own for row in rows.values()] == [True, False, True, False]
    assert rows[ports.inputs[0].port_name].own and rows[ports.outputs[0].port_name].own
    assert (rows[f"{SENDER}:out"].state, rows[f"{SENDER}:out"].chosen) == (AVAILABLE, None)
    assert rows[f"{RECEIVER}:in"].is_input is False
    # Our own ports are not offered to us.
    assert ports.outputs[0].port_name not in ports.sources
    assert ports.inputs[0].port_name not in ports.destinations

    started = time.monotonic()
    ports.choose([f"{SENDER}:out"], f"{RECEIVER}:in")
    assert wait_until(lambda: len(ports.inputs) == 2 and len(ports.outputs) == 2)
    assert time.monotonic() - started < 1.0
    assert recorder.notices == [
        f"MIDI input {SENDER}:out is open",
        f"MIDI output {RECEIVER}:in is open",
    ]
    sender.send_message([0x90, 66, 1])
    sender.send_message([0x40])  # malformed: counted
    assert wait_until(lambda: recorder.notes == [66])
    chosen = next(row for row in ports.rows() if row.name == f"{SENDER}:out")
    assert (chosen.state, chosen.chosen) == (OPEN, f"{SENDER}:out")
    assert wait_until(lambda: (ports.inputs[1].received, ports.inputs[1].malformed) == (1, 1))
    counts = next(row for row in ports.rows() if row.name == f"{SENDER}:out").counts
    assert counts is not None and (counts.received, counts.malformed) == (1, 1)

    ports.choose([], None)
    assert wait_until(lambda: len(ports.inputs) == 1 and len(ports.outputs) == 1)
    sender.send_message([0x90, 67, 1])
    time.sleep(0.1)
    assert recorder.notes == [66]


def test_an_ambiguous_name_is_said_once_and_opens_nothing(
    clients: Callable[..., Any], recorder: Recorder, opened: list[MidiPorts]
) -> None:
    clients(rtmidi.MidiOut, f"{SENDER}-a").open_virtual_port("out")
    clients(rtmidi.MidiOut, f"{SENDER}-b").open_virtual_port("out")
    ports = recorder.ports(inputs=[SENDER])
    opened.append(ports)
    (problem,) = ports.open()
    assert f"'{SENDER}' matches several MIDI inputs" in problem
    ports.check()
    assert recorder.notices == []
    assert names(ports.inputs) == ["ours:in"]


def test_only_the_listings_the_chosen_ports_need_are_made(
    clients: Callable[..., Any],
    recorder: Recorder,
    opened: list[MidiPorts],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each listing holds the GIL for tens of ms on JACK, delaying the MIDI reader threads."""
    listed: list[bool] = []
    real = midi.port_names

    def counted(api: midi.Api, is_input: bool) -> list[str]:
        listed.append(is_input)
        return real(api, is_input)

    monkeypatch.setattr(midi, "port_names", counted)
    clients(rtmidi.MidiOut, SENDER).open_virtual_port("out")
    ports = recorder.ports(inputs=[f"{SENDER}:out"])
    opened.append(ports)
    assert ports.open() == []
    assert sorted(listed) == [False, True]  # at start, everything
    listed.clear()
    for _ in range(midi_ports.OWN_CHECK_EVERY - 1):
        ports.check()
    assert listed == [True] * (midi_ports.OWN_CHECK_EVERY - 1)  # the chosen input's sources
    listed.clear()
    ports.check()  # our own ports' turn
    assert listed == [False, True]
    ports.list_everything = True  # a screen shows the ports
    listed.clear()
    ports.check()
    assert listed == [False, True]
    assert len(ports.inputs) == 2 and recorder.notices == []
