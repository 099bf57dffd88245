"""Order list and pattern actions through the App: keys on the focused order list change
the song's order and patterns; undo restores them."""

from __future__ import annotations

from tests.ui.app_support import make_app, song_with_notes
from tracker.ui.screens.number_prompt import NumberPrompt

SIZE = (100, 30)


async def test_insert_delete_duplicate_and_undo() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g", "insert")
        assert app.session.song.order == [0, 0]
        await pilot.press("delete")
        assert app.session.song.order == [0]
        await pilot.press("ctrl+z")
        assert app.session.song.order == [0, 0]
        await pilot.press("ctrl+z")
        assert app.session.song.order == [0]


async def test_new_pattern_goes_after_the_cursor_and_is_shown() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g", "n")
        song = app.session.song
        assert song.order == [0, 1]
        assert len(song.patterns) == 2
        assert len(song.patterns[1].rows) == len(song.patterns[0].rows)
        assert app.editor.cursor.pattern == 1
        await pilot.press("ctrl+z")
        assert len(app.session.song.patterns) == 1


async def test_clone_pattern_copies_its_cells() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g", "c")
        song = app.session.song
        assert song.order == [0, 1]
        assert song.patterns[1].rows == song.patterns[0].rows


async def test_pattern_number_up_and_down_and_delete_unused() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g", "n", "up", "plus")
        assert app.session.song.order == [1, 1]
        await pilot.press("u")  # pattern 0 is no longer used
        song = app.session.song
        assert len(song.patterns) == 1 and song.order == [0, 0]


async def test_pattern_length_asks_and_sets() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g", "l")
        assert isinstance(app.screen, NumberPrompt)
        await pilot.press(*["backspace"] * 4, "4", "8", "enter")
        await pilot.pause()
        assert len(app.session.song.patterns[0].rows) == 48
        await pilot.press("ctrl+z")
        assert len(app.session.song.patterns[0].rows) == 32


async def test_enter_jumps_and_plays_from_the_position_while_playing() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g", "d")  # two positions
        await pilot.press("f5", "ctrl+g", "down", "enter")
        await pilot.pause(0.2)
        assert app.session.state == "song"
        assert app.editor.order_position == 1
