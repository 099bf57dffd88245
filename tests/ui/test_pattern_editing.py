"""Every pattern-editing action through real key presses: the song changes exactly as
expected, undo (ctrl+z) restores the song before it, redo (ctrl+y) applies it again."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from tests.ui.app_support import cell, make_app, song_with_notes
from tracker.model import NOTE_CUT, NOTE_OFF, Cell, Effect, Song
from tracker.ui.app import TrackerApp

SIZE = (120, 40)


async def check_undo_redo(
    pilot: Pilot[None],
    app: TrackerApp,
    before: Song,
    check: Callable[[Song], None],
    steps: int = 1,
) -> None:
    """The `steps` edits just made pass `check`; undoing them gives back `before`; redoing
    them the edited song."""
    after = app.session.song
    check(after)
    await pilot.press(*["ctrl+z"] * steps)
    assert app.session.song.model_dump() == before.model_dump()
    await pilot.press(*["ctrl+y"] * steps)
    assert app.session.song.model_dump() == after.model_dump()


async def test_note_keys_enter_notes_with_the_instrument_and_step_down() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        await pilot.press("space", "z", "q", "i", "s")  # C-4, C-5, C-6, C#4 at octave 4

        def entered(song: Song) -> None:
            notes = [song.patterns[0].rows[r][0].note for r in range(4)]
            assert notes == [48, 60, 72, 49]
            assert {song.patterns[0].rows[r][0].instrument for r in range(4)} == {1}

        assert app.editor.cursor.row == 4
        await check_undo_redo(pilot, app, before, entered, steps=4)


async def test_undo_puts_the_cursor_back_where_the_edit_was() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "z", "x", "c")
        assert app.editor.cursor.row == 3
        await pilot.press("ctrl+z")
        assert app.editor.cursor.row == 2
        assert cell(app, 2, 0) == Cell()


async def test_note_off_and_note_cut_keys() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "1", "exclamation_mark")
        assert cell(app, 0, 0).note == NOTE_OFF
        assert cell(app, 1, 0).note == NOTE_CUT
        assert cell(app, 0, 0).instrument is None


async def test_octave_and_edit_step_change_what_is_entered() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "greater_than_sign", "right_curly_bracket")
        assert (app.editor.octave, app.editor.edit_step) == (5, 2)
        await pilot.press("z", "z")
        assert cell(app, 0, 0).note == 60
        assert cell(app, 2, 0).note == 60
        assert cell(app, 1, 0) == Cell()


async def test_edit_mode_starts_off_and_note_keys_then_only_play() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        assert app.editor.edit_mode is False
        await pilot.press("z")
        await pilot.pause(0.2)
        assert app.session.song is before
        # The null output renders on the clock: the jammed note is a live voice.
        assert app.session.kernel.stats().voices_active >= 1


async def test_hex_digits_fill_instrument_and_volume() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        await pilot.press("space", "right", "0", "2", "up", "right", "right", "3", "0")

        def typed(song: Song) -> None:
            assert song.patterns[0].rows[0][0] == Cell(instrument=2, volume=0x30)

        await check_undo_redo(pilot, app, before, typed, steps=4)


async def test_effect_command_and_parameter() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", *["right"] * 5, "a", "0", "f")
        assert cell(app, 0, 0).effects == (Effect(command="A", param=0x0F),)
        assert app.editor.cursor.row == 1


async def test_delete_clears_the_column_and_shift_delete_the_cell() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        await pilot.press("space", "delete")

        def cleared(song: Song) -> None:
            assert song.patterns[0].rows[0][0] == Cell(volume=0x40)

        await check_undo_redo(pilot, app, before, cleared)
        await pilot.press("up", "right", "right", "right", "alt+delete")
        assert cell(app, 1, 0) == Cell()


async def test_insert_and_delete_row_in_one_track_and_in_all() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        await pilot.press("space", "insert")

        def inserted(song: Song) -> None:
            assert song.patterns[0].rows[1][0].note == 48
            assert song.patterns[0].rows[2][1].effects  # other tracks did not move

        await check_undo_redo(pilot, app, before, inserted)
        before = app.session.song
        await pilot.press("alt+o")
        assert cell(app, 3, 1).effects  # all tracks moved
        await pilot.press("ctrl+z")
        before = app.session.song
        await pilot.press("backspace")
        assert app.session.song is not before


async def test_copy_paste_and_mix_paste_a_selection() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        await pilot.press("space", *["shift+down"] * 4, "alt+c", "escape")
        await pilot.press(*["down"] * 12, "alt+v")

        def pasted(song: Song) -> None:
            rows = song.patterns[0].rows
            assert rows[16][0].note == 48 and rows[20][0].note == 50

        await check_undo_redo(pilot, app, before, pasted)
        # Mix paste onto notes keeps what is there and fills only the empty fields.
        await pilot.press("up", "up", "up", "up")
        await pilot.press("alt+m")
        assert cell(app, 16, 0).note == 48


async def test_cut_empties_the_selection() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        await pilot.press("space", *["shift+down"] * 4, "alt+x")

        def cut(song: Song) -> None:
            assert song.patterns[0].rows[0][0] == Cell()
            assert song.patterns[0].rows[4][0] == Cell()
            assert song.patterns[0].rows[8][0].note == 52

        await check_undo_redo(pilot, app, before, cut)


async def test_transpose_by_semitone_and_octave() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        await pilot.press("space", *["shift+down"] * 8, "alt+up")

        def up(song: Song) -> None:
            notes = [song.patterns[0].rows[r][0].note for r in (0, 4, 8)]
            assert notes == [49, 51, 53]

        await check_undo_redo(pilot, app, before, up)
        await pilot.press("alt+pagedown")
        assert [cell(app, r, 0).note for r in (0, 4, 8)] == [37, 39, 41]


async def test_set_instrument_on_a_selection() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        await pilot.press("alt+right", *["shift+down"] * 8, "alt+s")

        def set_(song: Song) -> None:
            assert [song.patterns[0].rows[r][0].instrument for r in (0, 4, 8)] == [2, 2, 2]

        await check_undo_redo(pilot, app, before, set_)


async def test_interpolate_volumes_across_a_selection() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        await pilot.press("right", "right", "right", *["shift+down"] * 4, "alt+j")

        def ramped(song: Song) -> None:
            volumes = [song.patterns[0].rows[r][0].volume for r in range(5)]
            assert volumes == [0x40, 0x38, 0x30, 0x28, 0x20]

        await check_undo_redo(pilot, app, before, ramped)


async def test_expand_and_shrink() -> None:
    app = make_app(song_with_notes())
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.song
        await pilot.press("alt+g")

        def expanded(song: Song) -> None:
            rows = song.patterns[0].rows
            assert [rows[r][0].note for r in (0, 8, 16)] == [48, 50, 52]

        await check_undo_redo(pilot, app, before, expanded)
        await pilot.press("alt+h")
        assert [cell(app, r, 0).note for r in (0, 4, 8)] == [48, 50, 52]


async def test_cursor_moves_by_column_track_page_and_end() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        editor = app.editor
        await pilot.press("tab", "tab")
        assert editor.cursor.track == 2
        await pilot.press("shift+tab")
        assert editor.cursor.track == 1
        await pilot.press("pagedown")
        assert editor.cursor.row == 16
        await pilot.press("end")
        assert editor.cursor.row == 31
        await pilot.press("down")
        assert editor.cursor.row == 0  # wraps like FT2
        await pilot.press("left")  # from track 1's note to track 0's last effect digit
        assert (editor.cursor.track, editor.cursor.column, editor.cursor.digit) == (0, 3, 2)


async def test_a_thousand_edits_undo_back_to_the_start() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        first = app.session.song
        await pilot.press("space", "right_curly_bracket", "left_curly_bracket")
        assert app.editor.edit_step == 1
        editor = app.editor
        for i in range(1000):
            editor.enter_note(48 + i % 12)
        assert app.session.history.can_undo
        for _ in range(1000):
            editor.undo()
        assert app.session.song.model_dump() == first.model_dump()
        assert not app.session.history.can_undo
