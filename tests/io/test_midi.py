"""MIDI ports on a private JACK server (dummy driver): real rtmidi clients on both ends.

This machine has no ALSA sequencer; tests that need "no ALSA" say so with the `no_alsa`
fixture, so they behave the same on a machine that has one.

Every JACK client here has a name no other test worker uses: jack2 names a client's socket
after the client's name and the user only, so two workers opening "tracker" at once, even on
their own servers, make each other fail (see tracker.io.midi.PROBE_CLIENT_NAME).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mido
import pytest
import rtmidi

from tests.jack_rig import JackServer
from tracker.io import midi
from tracker.io.midi import MidiError, MidiInput, MidiOutput

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 5.0
"""Longest wait for messages to cross the server: a dummy period is 5 ms."""

CHILD_TIMEOUT_S = 60.0
PROBE_WITHOUT_ALSA = """
import os, pathlib
from tracker.io import midi
midi.ALSA_SEQUENCER = pathlib.Path("/nonexistent/seq")
try:
    print("chose", midi.choose_api())
except midi.MidiError as error:
    print("error", error)
print("JACK_NO_START_SERVER", os.environ.get("JACK_NO_START_SERVER"))
"""
"""choose_api() in a child process: a hang inside libjack would hold the GIL, out of reach
of any timeout in this process."""

CLIENT = f"tracker-{os.getpid()}"
"""Our ports' client in these tests, instead of tracker.io.midi.CLIENT_NAME."""
SENDER = f"test-sender-{os.getpid()}"
RECEIVER = f"test-receiver-{os.getpid()}"

Received = list[tuple[mido.Message, float]]


@pytest.fixture(autouse=True)
def own_client_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(midi, "CLIENT_NAME", CLIENT)


@pytest.fixture
def no_alsa(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(midi, "ALSA_SEQUENCER", tmp_path / "no-seq")


def wait_until(done: Callable[[], bool], timeout_s: float = WAIT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def sender_to(clients: Callable[..., Any], port_name: str) -> Any:
    """A test client whose output is connected to `port_name`."""
    sender = clients(rtmidi.MidiOut, SENDER)
    sender.open_port(sender.get_ports().index(port_name), "out")
    return sender


def collect(into: Received) -> Callable[[mido.Message, float], None]:
    return lambda message, delta_s: into.append((message, delta_s))


def drain(client: Any, count: int) -> list[list[int]]:
    """The next `count` messages a test input receives, waiting at most WAIT_S."""
    got: list[list[int]] = []

    def more() -> bool:
        while (event := client.get_message()) is not None:
            got.append(event[0])
        return len(got) >= count

    wait_until(more)
    return got


def processes_naming(word: str) -> list[str]:
    """Command lines of running processes that include `word`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended meanwhile
            continue
        if word in command:
            found.append(command)
    return found


def late_cycles(server: JackServer) -> int:
    """Cycles in which JACK found one of this module's clients not finished."""
    return sum(server.client_xruns(name) for name in (CLIENT, SENDER, RECEIVER))


def run_python(args: list[str] | str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python args` (or `python -c args`) in the repository; killed, with any jackd it
    started, if it hangs."""
    command = [sys.executable, *(["-c", args] if isinstance(args, str) else args)]
    child = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, with the jackd it may start
    )
    try:
        out, err = child.communicate(timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        pytest.fail(f"{' '.join(command)} hung; its output:\n{out}\n{err}")
    return subprocess.CompletedProcess(command, child.returncode, out, err)


def tracker_devices(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_python(["-m", "tracker.cli", "devices"], env)


def test_choose_api_falls_back_to_a_running_jack_server(
    jack_server: JackServer, no_alsa: None
) -> None:
    assert midi.choose_api() == "jack"
    assert midi.choose_api("alsa") == "jack"
    with MidiInput(collect([])) as port:  # no API given: the same choice, on our server
        assert port.api == "jack"
        assert midi.MidiPort(port.port_name, "jack", is_input=False) in midi.list_ports("jack")[1]


def test_choose_api_without_a_midi_system_says_so_in_one_line_and_quietly() -> None:
    absent = f"tracker-test-absent-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k != "JACK_NO_START_SERVER"}
    result = run_python(PROBE_WITHOUT_ALSA, {**env, "JACK_DEFAULT_SERVER": absent})
    assert result.stdout.splitlines() == [
        f"error {midi.NO_MIDI_SYSTEM}",
        "JACK_NO_START_SERVER None",  # set only while probing
    ]
    assert result.stderr == ""  # libjack's complaints are not the user's to read
    assert not processes_naming(absent), "probing must never start a JACK server"


def test_ports_are_listed_and_described(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    clients(rtmidi.MidiOut, SENDER).open_virtual_port("out")
    clients(rtmidi.MidiIn, RECEIVER).open_virtual_port("in")
    inputs, outputs = midi.list_ports("jack")
    assert midi.MidiPort(f"{SENDER}:out", "jack", is_input=True) in inputs
    assert midi.MidiPort(f"{RECEIVER}:in", "jack", is_input=False) in outputs
    lines = midi.describe_ports("jack")
    assert f"  in  jack  {SENDER}:out" in lines
    assert f"  out jack  {RECEIVER}:in" in lines


def test_virtual_input_receives_every_kind_of_message_in_order(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    expected = [
        mido.Message("note_on", channel=0, note=60, velocity=100),
        mido.Message("control_change", channel=1, control=7, value=90),
        mido.Message("pitchwheel", channel=2, pitch=-8192),
        mido.Message("program_change", channel=9, program=5),
        mido.Message("clock"),
        mido.Message("sysex", data=[i % 128 for i in range(98)]),  # 100 bytes with F0 and F7
        mido.Message("note_off", channel=0, note=60, velocity=0),
    ]
    received: Received = []
    with MidiInput(collect(received), api="jack") as port:
        assert port.port_name == f"{CLIENT}:in"
        sender = sender_to(clients, port.port_name)
        for message in expected:
            sender.send_message(message.bytes())
        assert wait_until(lambda: len(received) >= len(expected))
        time.sleep(0.02)  # a few periods more: nothing else may arrive
    assert [message for message, _ in received] == expected
    assert all(delta_s >= 0 for _, delta_s in received)
    assert (port.received, port.malformed, port.sysex_dropped) == (len(expected), 0, 0)


def test_input_opens_a_source_by_a_unique_part_of_its_name(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    sender = clients(rtmidi.MidiOut, SENDER)
    sender.open_virtual_port("out")
    received: Received = []
    with MidiInput(collect(received), name=SENDER.upper(), api="jack") as port:
        assert port.port_name == f"{SENDER}:out"
        sender.send_message([0x90, 64, 1])
        assert wait_until(lambda: len(received) == 1)
    assert received[0][0] == mido.Message("note_on", note=64, velocity=1)


def test_a_missing_or_ambiguous_port_name_lists_what_exists(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    clients(rtmidi.MidiOut, f"{SENDER}-a").open_virtual_port("out")
    clients(rtmidi.MidiOut, f"{SENDER}-b").open_virtual_port("out")
    with pytest.raises(MidiError, match=rf"no MIDI input matches 'keystation'.*{SENDER}-a:out"):
        MidiInput(collect([]), name="keystation", api="jack")
    with pytest.raises(MidiError, match=f"'{SENDER}' matches several MIDI inputs"):
        MidiInput(collect([]), name=SENDER, api="jack")
    with pytest.raises(MidiError, match="no MIDI output matches 'nowhere'"):
        MidiOutput(name="nowhere", api="jack")


def test_sysex_longer_than_the_limit_is_dropped_and_counted(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    longest = [0xF0, *([0x11] * (midi.MAX_SYSEX_BYTES - 2)), 0xF7]
    too_long = [0xF0, *([0x22] * (midi.MAX_SYSEX_BYTES - 1)), 0xF7]
    received: Received = []
    with MidiInput(collect(received), api="jack") as port:
        sender = sender_to(clients, port.port_name)
        for data in (longest, too_long, [0xF8]):
            sender.send_message(data)
        assert wait_until(lambda: len(received) == 2)
    assert [message.bytes() for message, _ in received] == [longest, [0xF8]]
    assert port.sysex_dropped == 1


def test_malformed_bytes_are_counted_not_fatal(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    malformed = [[0x40], [0x90, 60], [0xF4], [0xF0, 0x80, 0xF7], [0x90, 200, 1]]
    received: Received = []
    with MidiInput(collect(received), api="jack") as port:
        sender = sender_to(clients, port.port_name)
        for data in [*malformed, [0x90, 60, 1]]:
            sender.send_message(data)
        assert wait_until(lambda: len(received) == 1)
        time.sleep(0.02)
    assert received[0][0] == mido.Message("note_on", note=60, velocity=1)
    assert port.malformed == len(malformed)
    assert port.received == 1


def test_a_dropped_message_keeps_its_time_in_the_next_delta(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    received: Received = []
    with MidiInput(collect(received), api="jack") as port:
        sender = sender_to(clients, port.port_name)
        for data in ([0x90, 60, 1], [0x40], [0x90, 61, 1]):
            sender.send_message(data)
            time.sleep(0.1)
        assert wait_until(lambda: len(received) == 2)
    assert 0.15 < received[1][1] < 0.5  # both gaps, not only the one after the dropped byte


def test_the_handler_may_close_its_own_input(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    ports: list[MidiInput] = []
    port = MidiInput(lambda message, delta_s: ports[0].close(), api="jack")
    ports.append(port)
    sender_to(clients, port.port_name).send_message([0x90, 60, 1])
    assert wait_until(lambda: f"{CLIENT}:in" not in midi._port_names("jack", is_input=False))
    assert not port.alive()


def test_a_sysex_without_its_end_swallows_messages_until_one_comes(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    """rtmidi's JACK input joins them into one message, which is malformed (0x90 is no data)."""
    received: Received = []
    with MidiInput(collect(received), api="jack") as port:
        sender = sender_to(clients, port.port_name)
        for data in ([0xF0, 1, 2], [0x90, 60, 1], [0xF7], [0x90, 61, 1]):
            sender.send_message(data)
        assert wait_until(lambda: len(received) == 1)
    assert received[0][0] == mido.Message("note_on", note=61, velocity=1)
    assert port.malformed == 1


def test_a_burst_of_ten_thousand_notes_arrives_whole_and_in_order(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    """Unless JACK ran a client late: then it drops or repeats that cycle's MIDI by itself.

    A loaded machine (two test workers on two cores) makes the dummy server do that now and
    then, and it says so in its log; even then, all rtmidi hands on reaches the handler.
    """
    count, chunk = 10_000, 100
    sent = [(i % 128, 1 + i // 128) for i in range(count)]  # every (note, velocity) unique
    got: list[tuple[int, int]] = []
    late_before = late_cycles(jack_server)
    with MidiInput(lambda m, _: got.append((m.note, m.velocity)), api="jack") as port:
        sender = sender_to(clients, port.port_name)
        for start in range(0, count, chunk):  # 100 notes every 10 ms: about 1 s in all
            for note, velocity in sent[start : start + chunk]:
                sender.send_message([0x90, note, velocity])
            time.sleep(0.01)
        sent_at = time.monotonic()
        wait_until(lambda: port.received >= count, timeout_s=2.0)
        behind_s = time.monotonic() - sent_at
    assert port.received == len(got)
    assert (port.malformed, port.sysex_dropped, port.handler_errors) == (0, 0, 0)
    if late_cycles(jack_server) == late_before:
        assert got == sent
        assert behind_s < 1.0, "the reader fell behind"


def test_a_handler_that_raises_is_counted_and_reading_goes_on(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    notes: list[int] = []

    def handler(message: mido.Message, delta_s: float) -> None:
        if message.note == 13:
            raise RuntimeError("unlucky")
        notes.append(message.note)

    with MidiInput(handler, api="jack") as port:
        sender = sender_to(clients, port.port_name)
        for note in (12, 13, 14):
            sender.send_message([0x90, note, 1])
        assert wait_until(lambda: len(notes) == 2)
    assert notes == [12, 14]
    assert (port.received, port.handler_errors) == (3, 1)


def test_output_to_a_named_port_arrives_byte_exact(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    receiver = clients(rtmidi.MidiIn, RECEIVER)
    receiver.ignore_types(sysex=False, timing=False, active_sense=False)
    receiver.open_virtual_port("in")
    messages = [
        mido.Message("note_on", channel=15, note=127, velocity=127),
        mido.Message("polytouch", channel=3, note=1, value=2),
        mido.Message("aftertouch", value=64),
        mido.Message("pitchwheel", pitch=8191),
        mido.Message("sysex", data=[0x7F] * (midi.MAX_SYSEX_BYTES - 2)),
        mido.Message("start"),
        mido.Message("clock"),
        mido.Message("stop"),
    ]
    with MidiOutput(name=f"{RECEIVER}:in", api="jack") as port:
        assert port.port_name == f"{RECEIVER}:in"
        for message in messages:
            port.send(message)
        assert drain(receiver, len(messages)) == [message.bytes() for message in messages]


def test_a_virtual_output_and_all_notes_off(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    with MidiOutput(api="jack") as port:
        assert port.port_name == f"{CLIENT}:out"
        receiver = clients(rtmidi.MidiIn, RECEIVER)
        receiver.open_port(receiver.get_ports().index(port.port_name), "in")
        port.all_notes_off()
        got = drain(receiver, 32)
    expected = [[0xB0 | channel, cc, 0] for channel in range(16) for cc in (123, 120)]
    assert got == expected


def test_output_refuses_messages_it_cannot_send(jack_server: JackServer) -> None:
    port = MidiOutput(api="jack")
    with pytest.raises(MidiError, match="at most 4096"):
        port.send(mido.Message("sysex", data=[0] * midi.MAX_SYSEX_BYTES))
    port.close()
    port.close()  # closing twice is fine
    with pytest.raises(MidiError, match="is closed"):
        port.send(mido.Message("clock"))
    assert not port.alive()


def test_input_notices_its_source_is_gone(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    sender = clients(rtmidi.MidiOut, SENDER)
    sender.open_virtual_port("out")
    with MidiInput(collect([]), name=f"{SENDER}:out", api="jack") as port:
        assert port.alive()
        sender.close_port()
        assert not port.alive()
        port.close()
        port.close()
        assert not port.alive()


def test_a_server_gone_is_noticed_and_never_freezes_a_send() -> None:
    """rtmidi would spin forever, holding the GIL, once its 16 KB ring buffer is full.

    The scenario runs in tests/io/midi_server_gone_child.py: see there why.
    """
    result = run_python(["-m", "tests.io.midi_server_gone_child"], dict(os.environ))
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stdout}{result.stderr}"
    lines = [line for line in result.stdout.splitlines() if line.startswith("result ")]
    assert len(lines) == 1, result.stdout + result.stderr
    outcome = json.loads(lines[0].removeprefix("result "))
    assert outcome["alive_before"]
    assert not outcome["alive_after"]
    # Refused once JACK_CHECK_BYTES were sent, long before the ring buffer (2340 notes) is full.
    assert 0 <= outcome["refused_after"] < 2000
    assert outcome["message"].endswith(" is gone")


def test_tracker_devices_lists_midi_ports(
    jack_server: JackServer, clients: Callable[..., Any]
) -> None:
    clients(rtmidi.MidiOut, SENDER).open_virtual_port("out")
    clients(rtmidi.MidiIn, RECEIVER).open_virtual_port("in")
    result = tracker_devices(dict(os.environ))
    assert result.returncode == 0, result.stderr
    midi_section = result.stdout.split("MIDI (jack):\n", 1)[1].splitlines()
    assert f"  in  jack  {SENDER}:out" in midi_section
    assert f"  out jack  {RECEIVER}:in" in midi_section


# The real command, in a process whose ALSA sequencer path points at nothing: as on a box
# without /dev/snd/seq, on any machine.
WITHOUT_ALSA = (
    "import sys; from pathlib import Path; from tracker.io import midi; from tracker import cli; "
    "midi.ALSA_SEQUENCER = Path('/nonexistent/snd/seq'); sys.exit(cli.main(['devices']))"
)


def test_tracker_devices_without_a_midi_system_says_why() -> None:
    env = {**os.environ, "JACK_DEFAULT_SERVER": f"tracker-test-absent-{uuid.uuid4().hex[:8]}"}
    result = run_python(["-c", WITHOUT_ALSA], env)
    assert result.returncode == 0
    assert f"MIDI: {midi.NO_MIDI_SYSTEM}\n" in result.stdout
    assert result.stderr == ""
