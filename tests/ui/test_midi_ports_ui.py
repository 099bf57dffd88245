"""The MIDI ports screen (ctrl+k) on a real JACK server: it lists a test client's ports,
choosing one opens it at once and saves it in config.toml, a port that goes is a notice and
is reopened when it returns, and the chosen output receives what the app sends."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mido
import pytest
import rtmidi
from textual.widgets import DataTable, Label, Static

from tests.ui import app_support
from tests.ui.app_support import small_song
from tracker.config import Config, load_config, load_user_config, save_config
from tracker.io import midi
from tracker.io.project import Project
from tracker.session import Session
from tracker.ui.app import TrackerApp
from tracker.ui.screens.midi_ports import MidiPortsScreen

WAIT_S = 6.0
"""The watcher looks every 1.5 s; a port opened or gone shows within that."""
CLIENT = f"tracker-{os.getpid()}"
SENDER = f"screen-sender-{os.getpid()}"
RECEIVER = f"screen-receiver-{os.getpid()}"
RECEIVED, MALFORMED = 4, 5  # columns of the inputs table


@pytest.fixture(autouse=True)
def own_client_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(midi, "CLIENT_NAME", CLIENT)


def make_app(config_path: Path, midi_on: bool = True) -> TrackerApp:
    project = Project(song=small_song(), samples={}, path=None)
    config = load_user_config(config_path)
    return TrackerApp(Session(project), audio_device="null", midi=midi_on, config=config)


async def wait_for(pilot: Any, done: Callable[[], bool]) -> None:
    """app_support.wait_for, allowing for the port watcher's 1.5 s (WAIT_S)."""
    await app_support.wait_for(pilot, done, WAIT_S)


def status(app: TrackerApp) -> str:
    return str(app.status_line.render())


def keys(table: DataTable[Any]) -> list[str]:
    return [str(key.value) for key in table.rows]


async def choose_row(pilot: Any, table: DataTable[Any], key: str, press: str) -> None:
    """Move the cursor to the row `key` with the arrow keys, then press `press`."""
    await wait_for(pilot, lambda: key in keys(table))
    while table.cursor_row != keys(table).index(key):
        await pilot.press("down" if table.cursor_row < keys(table).index(key) else "up")
    await pilot.press(press)


async def test_choose_an_input_it_plays_goes_and_comes_back(
    clients: Callable[..., Any], tmp_path: Path
) -> None:
    sender = clients(rtmidi.MidiOut, SENDER)
    sender.open_virtual_port("out")
    path = tmp_path / "config.toml"
    app = make_app(path)
    async with app.run_test(size=(110, 32)) as pilot:
        assert len(app.midi_inputs) == 1 and len(app.midi_outputs) == 1, status(app)
        await pilot.press("ctrl+k")
        screen = app.screen
        assert isinstance(screen, MidiPortsScreen)
        assert "MIDI ports (JACK)" in str(screen.query_one("#ports-title", Label).render())
        inputs = screen.query_one("#inputs", DataTable)
        assert keys(inputs)[0] == f"in:{app.midi_inputs[0].port_name}"  # ours, first
        await choose_row(pilot, inputs, f"in:{SENDER}:out", "space")
        await wait_for(pilot, lambda: len(app.midi_inputs) == 2)
        assert app.midi_inputs[1].port_name == f"{SENDER}:out"
        assert load_config(path) == Config(midi_inputs=(f"{SENDER}:out",))
        assert f"saved in {path}" in str(screen.query_one("#ports-status", Static).render())

        sender.send_message([0x90, 60, 100])
        sender.send_message([0x40])  # a stray data byte: dropped, counted, shown
        await wait_for(pilot, lambda: app.session.kernel.stats().voices_active >= 1)
        row = f"in:{SENDER}:out"
        await wait_for(pilot, lambda: inputs.get_row(row)[RECEIVED : MALFORMED + 1] == ["1", "1"])
        assert inputs.get_row(row)[0] == "●"

        sender.delete()  # unplugged
        await wait_for(pilot, lambda: "is gone" in status(app))
        assert f"MIDI input {SENDER}:out is gone" in status(app)
        assert len(app.midi_inputs) == 1
        await wait_for(pilot, lambda: str(inputs.get_row(row)[3]) == "gone")

        sender = clients(rtmidi.MidiOut, SENDER)  # plugged in again
        sender.open_virtual_port("out")
        await wait_for(pilot, lambda: f"MIDI input {SENDER}:out is back" in status(app))
        assert len(app.midi_inputs) == 2
        sender.send_message([0x90, 62, 100])
        await wait_for(pilot, lambda: app.midi_inputs[1].received == 1)

        await pilot.press("space")  # dropped again: closed and saved
        await wait_for(pilot, lambda: len(app.midi_inputs) == 1)
        assert load_config(path).midi_inputs == ()
        await pilot.press("escape")
        assert not isinstance(app.screen, MidiPortsScreen)


async def test_the_chosen_output_receives_what_the_app_sends(
    clients: Callable[..., Any], tmp_path: Path
) -> None:
    receiver = clients(rtmidi.MidiIn, RECEIVER)
    receiver.open_virtual_port("in")
    path = tmp_path / "config.toml"
    app = make_app(path)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.press("ctrl+k")
        screen = app.screen
        outputs = screen.query_one("#outputs", DataTable)
        await pilot.press("tab")
        assert screen.focused is outputs
        await choose_row(pilot, outputs, f"out:{RECEIVER}:in", "enter")
        await wait_for(pilot, lambda: len(app.midi_outputs) == 2)
        assert load_config(path).midi_output == f"{RECEIVER}:in"
        taken = app.midi_outputs
        taken[1].send(mido.Message("note_on", channel=3, note=72, velocity=99))
        deadline = time.monotonic() + WAIT_S
        while (event := receiver.get_message()) is None and time.monotonic() < deadline:
            await pilot.pause(0.01)
        assert event is not None and event[0] == [0x93, 72, 99]

        await pilot.press("enter")  # the chosen one again: no output
        await wait_for(pilot, lambda: len(app.midi_outputs) == 1)
        assert load_config(path).midi_output is None
        assert len(taken) == 2  # the list a sender took was never changed


async def test_a_chosen_port_missing_at_start_is_said_and_opened_when_it_comes(
    clients: Callable[..., Any], tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    save_config(Config(midi_inputs=(SENDER,)), path)
    app = make_app(path)
    async with app.run_test(size=(110, 32)) as pilot:
        assert f"MIDI input {SENDER} is not there" in status(app)
        sender = clients(rtmidi.MidiOut, SENDER)
        sender.open_virtual_port("out")
        await wait_for(pilot, lambda: f"MIDI input {SENDER}:out is open" in status(app))
        sender.send_message([0x90, 64, 100])
        await wait_for(pilot, lambda: app.midi_inputs[1].received == 1)
    assert load_config(path) == Config(midi_inputs=(SENDER,))  # as the user wrote it


async def test_the_channel_played_is_chosen_and_saved(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = make_app(path, midi_on=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+k")
        screen = app.screen
        assert isinstance(screen, MidiPortsScreen)
        assert "MIDI ports: none" in str(screen.query_one("#ports-title", Label).render())
        channel = screen.query_one("#channel", Static)
        assert str(channel.render()) == "Channel played: all"
        await pilot.press("c", "c")
        assert str(channel.render()) == "Channel played: 2"
        assert app.midi_player.channel == 1
        assert load_config(path).midi_channel == 2
        for _ in range(15):
            await pilot.press("c")
        assert str(channel.render()) == "Channel played: all"
        assert app.midi_player.channel is None
        assert load_config(path).midi_channel is None
