"""TransportBar: what it shows, how it wraps at 80 columns, and that it redraws only on change."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult, RenderResult
from textual.geometry import Region

from tracker.ui.widgets.transport_bar import TransportBar, TransportState

PLAYING = TransportState(
    playing="song",
    order=2,
    order_length=16,
    pattern=5,
    row=0x1F,
    edit_mode=True,
    load=0.03,
    dirty=True,
    audio="JACK",
)


class CountingBar(TransportBar):
    """Counts renders, to tell a redraw from none."""

    renders = 0

    def render(self) -> RenderResult:
        self.renders += 1
        return super().render()


class TransportApp(App[None]):
    def __init__(self, state: TransportState = PLAYING) -> None:
        super().__init__()
        self.state = state

    def compose(self) -> ComposeResult:
        yield CountingBar()

    def on_mount(self) -> None:
        self.query_one(TransportBar).update_state(self.state)


def lines(bar: TransportBar) -> list[str]:
    return [strip.text.rstrip() for strip in bar.render_lines(Region(0, 0, *bar.size))]


async def test_everything_shows_on_two_lines_at_80_columns() -> None:
    app = TransportApp()
    async with app.run_test(size=(80, 24)):
        bar = app.query_one(TransportBar)
        assert bar.size.height == 2
        assert lines(bar) == [
            "▶ SONG    ord 02/10 pat 05 row 1F │ 125 bpm spd 6 │ oct 4 step 1 │ EDIT │ FOLLOW",
            "cpu 3% xrun 0 │ JACK │ * unsaved",
        ]


async def test_one_line_when_wide_enough() -> None:
    app = TransportApp()
    async with app.run_test(size=(120, 24)):
        bar = app.query_one(TransportBar)
        assert bar.size.height == 1
        assert lines(bar) == [
            "▶ SONG    ord 02/10 pat 05 row 1F │ 125 bpm spd 6 │ oct 4 step 1 │ EDIT │ FOLLOW"
            " │ cpu 3% xrun 0 │ JACK │ * unsaved"
        ]


async def test_height_follows_the_content() -> None:
    app = TransportApp(TransportState())
    async with app.run_test(size=(100, 24)) as pilot:
        bar = app.query_one(TransportBar)
        assert bar.size.height == 1
        bar.update_state(TransportState(audio="null: no audio device", dirty=True))
        await pilot.pause()
        assert bar.size.height == 2


async def test_stopped_view_mode_decimal_rows_and_flags() -> None:
    state = TransportState(row=7, hex_rows=False, follow=False, loop_pattern=True, edit_mode=False)
    app = TransportApp(state)
    async with app.run_test(size=(120, 24)):
        (line,) = lines(app.query_one(TransportBar))
        assert line.startswith("■ STOP    ord 00/01 pat 00 row 007 │")
        assert "│ VIEW │ LOOP │" in line
        assert "FOLLOW" not in line
        assert "EDIT" not in line
        assert "unsaved" not in line


async def test_pattern_play_is_a_word() -> None:
    app = TransportApp(TransportState(playing="pattern"))
    async with app.run_test(size=(120, 24)):
        (line,) = lines(app.query_one(TransportBar))
        assert line.startswith("▶ PATTERN ord 00/01")


async def test_edit_mode_is_reversed() -> None:
    app = TransportApp()
    async with app.run_test(size=(120, 24)):
        bar = app.query_one(TransportBar)
        (strip,) = bar.render_lines(Region(0, 0, *bar.size))
        (edit,) = [segment for segment in strip if segment.text == "EDIT"]
        assert edit.style is not None and edit.style.reverse


async def test_overload_and_xruns_are_marked_not_only_coloured() -> None:
    app = TransportApp(TransportState(load=0.93, xruns=4))
    async with app.run_test(size=(120, 24)):
        (line,) = lines(app.query_one(TransportBar))
        assert "cpu 93%! xrun 4" in line


async def test_audio_description_is_printed_literally_and_cut() -> None:
    audio = "[bold]dev\x1b[2J\x07 with a very long name indeed"
    app = TransportApp(TransportState(audio=audio))
    async with app.run_test(size=(140, 24)):
        (line,) = lines(app.query_one(TransportBar))
        assert "[bold]dev\ufffd[2J\ufffd with a v…" in line
        screenshot = app.export_screenshot()
        assert "\x1b" not in screenshot
        assert "\x07" not in screenshot


async def test_redraws_only_when_the_state_changes() -> None:
    app = TransportApp()
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(CountingBar)
        await pilot.pause()
        renders = bar.renders
        bar.update_state(TransportState(**{**PLAYING.__dict__}))
        await pilot.pause()
        assert bar.renders == renders
        bar.update_state(TransportState(**{**PLAYING.__dict__, "row": 0x20}))
        await pilot.pause()
        assert bar.renders == renders + 1
        assert "row 20" in lines(bar)[0]


def test_snapshot_80x24(snap_compare: Any) -> None:
    assert snap_compare(TransportApp(), terminal_size=(80, 24))
