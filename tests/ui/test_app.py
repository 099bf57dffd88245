"""The App as a whole: views, names shown literally, no audio device, files, quitting."""

from __future__ import annotations

import time
from pathlib import Path

from tests.ui.app_support import hostile_song, make_app, small_song
from tracker.io.project import load_project
from tracker.model import Cell
from tracker.ui.screens.confirm import Confirm
from tracker.ui.screens.help import HelpScreen
from tracker.ui.widgets.pattern_grid import PatternGrid

SMALL = (80, 24)


def screen_text(app: object) -> str:
    """Every character on the screen, as the terminal would show it."""
    from textual.app import App

    assert isinstance(app, App)
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_hostile_names_are_shown_literally_and_without_control_characters() -> None:
    app = make_app(hostile_song())
    async with app.run_test(size=(200, 50)) as pilot:
        for view in ("f2", "f3", "f4"):
            await pilot.press(view)
            await pilot.pause()
            text = screen_text(app)
            assert "\x1b" not in text and "\x07" not in text
        await pilot.press("f2")
        await pilot.pause()
        text = screen_text(app)
        assert "Intro [/bold]" in text
        assert "[@click=app.quit]x" in text
        assert "evil\N{REPLACEMENT CHARACTER}[2J\N{REPLACEMENT CHARACTER}name" in text
        await pilot.press("f3")
        await pilot.pause()
        assert "[@click=app.quit]inst" in screen_text(app)
        assert app.is_running  # the click markup did not quit


async def test_with_no_audio_device_it_runs_silent_and_says_so() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        assert app.session.audio_notice.startswith("null (silent")
        await pilot.press("f5")
        await pilot.pause(0.3)
        assert app.session.heard.state == "song"
        assert app.session.heard.row > 0 or app.session.heard.order > 0  # time goes on


async def test_follow_mode_keeps_the_playing_row_in_view() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f5")
        await pilot.pause(0.5)
        grid = app.query_one(PatternGrid)
        heard = app.session.heard.row
        assert grid.playing_row is not None and abs(grid.playing_row - heard) <= 1
        await pilot.press("f8")
        await pilot.pause(0.1)
        assert app.session.state == "stopped"


async def test_views_switch_with_f2_f3_f4() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f3")
        assert app.views.current == "instruments"
        await pilot.press("f4")
        assert app.views.current == "mixer"
        await pilot.press("f2")
        assert app.views.current == "pattern"
        assert isinstance(app.focused, PatternGrid)


async def test_help_lists_every_binding() -> None:
    from tracker.ui.keymap import COMMANDS

    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for command in COMMANDS[:20]:  # the rest are further down the scroll
            assert command.description in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_ctrl_s_saves_to_the_new_songs_path(tmp_path: Path) -> None:
    path = tmp_path / "new.json"
    app = make_app(path=path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("space", "z")
        assert app.session.dirty
        await pilot.press("ctrl+s")
        assert not app.session.dirty
    saved = load_project(path).song
    assert saved.patterns[0].rows[0][0] == Cell(note=48, instrument=1)


async def test_quitting_with_unsaved_changes_asks_first(tmp_path: Path) -> None:
    app = make_app(path=tmp_path / "song.json")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("space", "z", "ctrl+q")
        assert isinstance(app.screen, Confirm)
        await pilot.press("c")  # cancel: still here, still unsaved
        assert app.is_running and app.session.dirty
        await pilot.press("ctrl+q", "s")  # save, then quit
        await pilot.pause()
        assert not app.is_running
    assert (tmp_path / "song.json").exists()


async def test_quitting_with_nothing_changed_does_not_ask() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_a_failed_save_keeps_the_edits_and_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    app = make_app(path=folder / "missing-dir" / "song.json")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("space", "z", "ctrl+s")
        assert app.session.dirty
        assert "not saved" in str(app.status_line.render())
        assert app.session.song.patterns[0].rows[0][0].note == 48


async def test_autosave_on_hangup_writes_beside_the_project(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    app = make_app(small_song(), path=path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("space", "z")
        app._save_and_exit()  # what SIGHUP and SIGTERM run (signals reach only the main thread)
        await pilot.pause()
    autosaved = load_project(tmp_path / "song.autosave.json").song
    assert autosaved.patterns[0].rows[0][0].note == 48
    assert not path.exists()  # the project itself is only written by a save


async def test_the_palette_finds_and_runs_tracker_commands() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        for char in "play song":
            await pilot.press("space" if char == " " else char)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.session.state == "song"


async def test_high_contrast_theme_toggles() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("ctrl+t")
        assert app.theme == "tracker-high-contrast"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


async def test_open_offers_projects_asks_about_unsaved_changes_and_opens(tmp_path: Path) -> None:
    from tracker.io.project import Project, save_project
    from tracker.ui.screens.sample_browser import AudioFileTree, SampleBrowser

    other = tmp_path / "other.json"
    song = small_song()
    song = song.model_copy(update={"title": "Other"})
    save_project(Project(song=song), other)
    (tmp_path / "notes.txt").write_text("not a song")
    app = make_app(path=tmp_path / "mine.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space", "z", "ctrl+o")
        assert isinstance(app.screen, SampleBrowser)
        tree = app.screen.query_one(AudioFileTree)
        await pilot.pause(0.3)
        names = [node.data.path.name for node in tree.root.children if node.data]
        assert names == ["other.json"]
        tree.move_cursor(tree.root.children[0])
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("d")
        await pilot.pause()
        assert app.session.song.title == "Other"
        assert app.session.project.path == other
        assert not app.session.dirty


async def test_a_broken_project_is_one_line_and_keeps_the_song(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1, "tracks": [')
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        before = app.session.song
        app._open(broken)
        await pilot.pause()
        assert app.session.song is before
        assert "broken.json" in str(app.status_line.render())


async def test_the_playing_row_is_marked_by_a_sign_not_only_a_colour() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f6")
        await pilot.pause(0.4)
        grid = app.query_one(PatternGrid)
        assert grid.playing_row is not None
        line = grid.render_line(2 + grid.playing_row - grid.top_row()).text
        assert line.startswith(f"{grid.playing_row:02X}\N{BLACK RIGHT-POINTING TRIANGLE}")


async def test_mixer_meters_get_levels_at_least_20_times_a_second_while_playing() -> None:
    from tracker.demo import demo_song

    app = make_app(demo_song())
    async with app.run_test(size=SMALL) as pilot:
        fed: list[dict[int, tuple[float, float]]] = []
        set_levels = app.mixer.set_levels

        def counting(peaks: dict[int, tuple[float, float]]) -> None:
            fed.append(dict(peaks))
            set_levels(peaks)

        app.mixer.set_levels = counting  # type: ignore[method-assign]
        await pilot.press("f4", "f5")
        await pilot.pause(0.5)  # the output's latency: levels are shown once heard
        fed.clear()
        started = time.monotonic()
        await pilot.pause(1.0)
        rate_hz = len(fed) / (time.monotonic() - started)
        assert rate_hz >= 20, rate_hz
        assert any(peak > 0 for peaks in fed for pair in peaks.values() for peak in pair)
