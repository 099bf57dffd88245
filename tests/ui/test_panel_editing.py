"""Mixer and instrument edits through the App: one undo step each, heard by the kernel."""

from __future__ import annotations

import pytest

from tests.ui.app_support import make_app, song_with_notes
from tracker.model import SynthInstrument
from tracker.ui.widgets.instrument_editor import InstrumentEditor
from tracker.ui.widgets.instrument_list import InstrumentList

SIZE = (120, 40)


async def test_mute_solo_and_volume_from_the_mixer_are_undoable() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", "m")
        assert app.session.song.tracks[0].mute is True
        await pilot.press("right", "s")
        assert app.session.song.tracks[1].solo is True
        await pilot.press("down")
        assert app.session.song.tracks[1].volume == pytest.approx(0.8913, abs=1e-4)
        await pilot.press("ctrl+z", "ctrl+z", "ctrl+z")
        tracks = app.session.song.tracks
        assert (tracks[0].mute, tracks[1].solo, tracks[1].volume) == (False, False, 1.0)


async def test_an_instrument_parameter_change_is_one_undo_step() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        assert isinstance(app.focused, InstrumentEditor)
        before = app.session.song.instruments[0]
        await pilot.press("right")  # the first parameter: volume, one fine step up
        after = app.session.song.instruments[0]
        assert isinstance(after, SynthInstrument)
        assert after.volume > before.volume
        await pilot.press("ctrl+z")
        assert app.session.song.instruments[0] == before


async def test_new_clone_and_delete_instruments_from_the_list() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        app.query_one(InstrumentList).focus()
        await pilot.press("n")
        assert len(app.session.song.instruments) == 3
        assert app.editor.instrument == 3
        await pilot.press("c")
        assert len(app.session.song.instruments) == 4
        await pilot.press("delete")
        assert len(app.session.song.instruments) == 3
        await pilot.press("ctrl+z", "ctrl+z", "ctrl+z")
        assert len(app.session.song.instruments) == 2


async def test_selecting_an_instrument_makes_it_the_one_notes_use() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        app.query_one(InstrumentList).focus()
        await pilot.press("down")
        assert app.editor.instrument == 2
        await pilot.press("f2", "space", *["down"] * 10, "z")
        assert app.session.song.patterns[0].rows[10][0].instrument == 2


async def test_note_keys_play_the_instrument_being_edited() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "z")
        await pilot.pause(0.2)
        assert app.session.kernel.stats().voices_active >= 1
        assert app.session.song.patterns[0].rows[1][0].note is None  # nothing written
