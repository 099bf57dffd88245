"""MIDI learn and the mappings screen in the app, with CCs handed to its controllers as the
MIDI reader thread would (tests/ui/test_midi_learn.py does it through real JACK ports)."""

from __future__ import annotations

import mido

from tests.ui.app_support import make_app, wait_for
from tracker.model import edit as ed
from tracker.model.song import MidiMapping
from tracker.ui.app import TrackerApp
from tracker.ui.screens.midi_mappings import MidiMappingsScreen


def cc(control: int, value: int, channel: int = 0) -> mido.Message:
    return mido.Message("control_change", channel=channel, control=control, value=value)


def status(app: TrackerApp) -> str:
    return str(app.status_line.render())


async def test_learn_a_mixer_volume_then_the_knob_moves_it() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4", "right")  # the second track's strip
        await pilot.press("alt+a")
        assert status(app) == "Move a control to map Track 2 volume (escape cancels)"
        app.controllers.handle(cc(74, 100, channel=2))
        await wait_for(pilot, lambda: bool(app.session.song.midi_mappings))

        assert app.session.song.midi_mappings == [
            MidiMapping(param="track.2.volume", channel=2, controller=74)
        ]
        assert status(app) == "Mapped CC 74 ch 3 → Track 2 volume"
        app.controllers.handle(cc(74, 0, channel=2))
        app.controllers.handle(cc(74, 64, channel=2))
        await wait_for(pilot, lambda: app.session.song.tracks[1].volume != 1.0)
        assert app.session.song.tracks[1].volume == round(64 / 127, 6)
        assert app.session.history.undo_label == "MIDI Track 2 volume"

        await pilot.press("ctrl+z")  # the knob's move
        assert app.session.song.tracks[1].volume == 1.0
        await pilot.press("ctrl+z")  # the mapping
        assert app.session.song.midi_mappings == []


async def test_learn_again_on_a_strip_picks_its_next_parameter() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4", "alt+a", "alt+a", "alt+a")
        assert app.controllers.learner.armed == "track.1.mute"
        await pilot.press("left")  # the master strip
        await pilot.press("alt+a")
        assert app.controllers.learner.armed == "master.volume"


async def test_learn_a_14bit_cutoff_in_the_instrument_editor() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f3")
        app.instrument_editor.select("filter.cutoff_hz")
        await pilot.press("alt+a")
        assert status(app) == "Move a control to map Inst 01 cutoff (escape cancels)"
        app.controllers.handle(cc(1, 64))
        app.controllers.handle(cc(33, 0))
        await wait_for(pilot, lambda: bool(app.session.song.midi_mappings))

        mapping = app.session.song.midi_mappings[0]
        assert (mapping.param, mapping.mode) == ("instrument.1.filter.cutoff_hz", "absolute_14bit")
        assert status(app) == "Mapped CC 1/33 ch 1 → Inst 01 cutoff"
        app.controllers.handle(cc(1, 0))
        await wait_for(pilot, lambda: app.session.song.instruments[0].filter.cutoff_hz == 20.0)
        shown = app.instrument_editor.instrument
        assert shown is not None and shown.filter.cutoff_hz == 20.0  # the editor shows it


async def test_a_choice_cannot_be_learned_and_escape_cancels() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f3")
        app.instrument_editor.select("filter.type")
        await pilot.press("alt+a")
        assert status(app) == "MIDI learn: Type cannot be mapped to a control"
        assert app.controllers.learner.armed is None

        app.instrument_editor.select("lfo.rate_hz")
        await pilot.press("alt+a")
        assert app.controllers.learner.armed == "instrument.1.lfo.rate_hz"
        await pilot.press("escape")
        assert app.controllers.learner.armed is None
        assert status(app) == "MIDI learn cancelled"
        app.controllers.handle(cc(74, 1))
        await pilot.pause(0.1)
        assert app.session.song.midi_mappings == []


async def test_learn_outside_the_mixer_and_editor_says_where_to_go() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("alt+a")
        assert "select a parameter in the mixer or instrument editor" in status(app)
        assert app.controllers.learner.armed is None


async def test_the_mappings_screen_edits_and_removes_undoably() -> None:
    song = make_app().session.song
    for one in (
        MidiMapping(param="track.1.volume", channel=0, controller=7),
        MidiMapping(param="instrument.2.lfo.depth", channel=1, controller=20),
    ):
        song = ed.add_mapping(song, one)
    app = make_app(song)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f9")
        screen = app.screen
        assert isinstance(screen, MidiMappingsScreen)
        rows = str(screen.query_one("#rows").render())
        assert "Track 1 volume" in rows and "Inst 02 LFO depth" in rows
        assert "CC 20 ch 2" in rows and "absolute 7-bit" in rows

        await pilot.press("down", "full_stop")  # the second mapping's mode: next
        assert app.session.song.midi_mappings[1].mode == "absolute_14bit"
        await pilot.press("full_stop")
        assert app.session.song.midi_mappings[1].mode == "relative_twos_complement"
        await pilot.press("right", "right", "comma", "comma")  # its high end down twice
        assert app.session.song.midi_mappings[1].high == 0.9
        await pilot.pause(0.2)
        assert "relative (2's complement)" in str(screen.query_one("#rows").render())

        await pilot.press("up", "delete")
        assert [m.param for m in app.session.song.midi_mappings] == ["instrument.2.lfo.depth"]
        await pilot.press("ctrl+z")
        assert [m.param for m in app.session.song.midi_mappings] == [
            "track.1.volume",
            "instrument.2.lfo.depth",
        ]
        await pilot.pause(0.2)  # the screen sees the undone song
        assert "Track 1 volume" in str(screen.query_one("#rows").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, MidiMappingsScreen)


async def test_a_14bit_mode_is_skipped_for_a_controller_above_31() -> None:
    song = ed.add_mapping(
        make_app().session.song, MidiMapping(param="tempo", channel=0, controller=74)
    )
    app = make_app(song)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f9", "full_stop")
        assert app.session.song.midi_mappings[0].mode == "relative_twos_complement"
        await pilot.press("comma", "comma")
        assert app.session.song.midi_mappings[0].mode == "relative_sign_magnitude"
