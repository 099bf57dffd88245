"""InstrumentList and RenameScreen: selection, requests, literal names."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Input

from tracker.model import Instrument, SampleInstrument, SampleRef, SynthInstrument
from tracker.ui.screens.rename import RenameScreen
from tracker.ui.widgets.instrument_list import InstrumentList

HOSTILE_NAMES = ["Intro [/bold]", "[@click=app.quit]x", "\x1b[2J evil\x07"]


def instruments(*names: str) -> list[Instrument]:
    ref = SampleRef(
        sha256="1" * 64,
        name="s.wav",
        format="wav",
        frames=10,
        channels=1,
        sample_rate_hz=8000,
        bit_depth="float32",
    )
    return [
        SampleInstrument(name=name, sample=ref) if index % 2 else SynthInstrument(name=name)
        for index, name in enumerate(names)
    ]


class ListApp(App[None]):
    """One InstrumentList, focused, that records what it posts."""

    def __init__(self, shown: list[Instrument], current: int) -> None:
        super().__init__()
        self.shown = shown
        self.current = current
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield InstrumentList()

    def on_mount(self) -> None:
        instrument_list = self.query_one(InstrumentList)
        instrument_list.set_instruments(self.shown, self.current)
        instrument_list.focus()

    def on_instrument_list_selected(self, message: InstrumentList.Selected) -> None:
        self.messages.append(message)

    def on_instrument_list_requested(self, message: InstrumentList.Requested) -> None:
        self.messages.append(message)


def lines(widget: InstrumentList) -> list[str]:
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


def posted(app: ListApp) -> list[tuple[str, ...] | int]:
    summary: list[tuple[str, ...] | int] = []
    for message in app.messages:
        if isinstance(message, InstrumentList.Selected):
            summary.append(message.number)
        elif isinstance(message, InstrumentList.Requested):
            summary.append((message.action, f"{message.number}"))
    return summary


async def test_one_line_per_instrument_with_the_current_one_marked() -> None:
    app = ListApp(instruments("kick", "snare", "", "hat"), current=2)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        assert lines(app.query_one(InstrumentList))[:5] == [
            " 01 kick",
            ">02 snare",
            " 03 (no name)",
            " 04 hat",
            "",
        ]
        assert app.messages == []  # set_instruments is not the user's choice


async def test_keys_select_and_stop_at_the_ends() -> None:
    app = ListApp(instruments("a", "b", "c"), current=1)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.press("up", "down", "down", "down", "home", "end")
        await pilot.pause()
        assert posted(app) == [2, 3, 1, 3]
        assert app.query_one(InstrumentList).current == 3
        assert lines(app.query_one(InstrumentList))[2] == ">03 c"


async def test_keys_request_actions_on_the_current_instrument() -> None:
    app = ListApp(instruments("a", "b"), current=2)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.press("n", "l", "c", "delete", "r")
        await pilot.pause()
        assert posted(app) == [
            ("new_synth", "2"),
            ("new_sample", "2"),
            ("clone", "2"),
            ("delete", "2"),
            ("rename", "2"),
        ]


async def test_an_empty_list_asks_only_for_new_instruments() -> None:
    app = ListApp([], current=0)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.press("down", "c", "delete", "r", "n", "l")
        await pilot.pause()
        assert posted(app) == [("new_synth", "0"), ("new_sample", "0")]
        assert lines(app.query_one(InstrumentList))[0].startswith("No instruments")


async def test_click_selects() -> None:
    app = ListApp(instruments("a", "b", "c"), current=1)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.click(InstrumentList, offset=(2, 2))
        await pilot.pause()
        assert posted(app) == [3]


async def test_scrolls_to_the_current_instrument() -> None:
    app = ListApp(instruments(*(f"i{n}" for n in range(40))), current=1)
    async with app.run_test(size=(40, 10)) as pilot:
        instrument_list = app.query_one(InstrumentList)
        await pilot.press("end")
        await pilot.pause()
        assert instrument_list.scroll_offset.y > 0
        assert ">28 i39" in lines(instrument_list)
        instrument_list.set_instruments(instruments("x"), 1)
        await pilot.pause()
        assert instrument_list.scroll_offset.y == 0
        assert lines(instrument_list)[0] == ">01 x"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_names_are_shown_literally(name: str) -> None:
    app = ListApp(instruments(name, name), current=1)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        shown = lines(app.query_one(InstrumentList))
        literal = name.replace("\x1b", "\N{REPLACEMENT CHARACTER}").replace(
            "\x07", "\N{REPLACEMENT CHARACTER}"
        )
        assert shown[:2] == [f">01 {literal}", f" 02 {literal}"]
        assert "\x1b" not in app.export_screenshot()


async def test_long_names_are_cut_to_the_width() -> None:
    app = ListApp(instruments("x" * 256), current=1)
    async with app.run_test(size=(20, 5)) as pilot:
        await pilot.pause()
        instrument_list = app.query_one(InstrumentList)
        first = instrument_list.render_line(0).text
        assert first.startswith(">01 xxx") and first.endswith("…")
        assert len(first) == instrument_list.scrollable_content_region.width


# --- RenameScreen ------------------------------------------------------------------------------


class RenameApp(App[None]):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.old_name = name
        self.results: list[str | None] = []

    def on_mount(self) -> None:
        self.push_screen(RenameScreen(self.old_name), callback=self.results.append)


async def test_rename_returns_the_text_typed() -> None:
    app = RenameApp("[b]old")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        field = app.screen.query_one(Input)
        assert field.value == "[b]old"
        assert field.max_length == 256
        await pilot.press("end", "backspace", "backspace", "backspace", "n", "e", "w", "enter")
        await pilot.pause()
        assert app.results == ["[b]new"]


async def test_rename_escape_returns_none() -> None:
    app = RenameApp("kick")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x", "escape")
        await pilot.pause()
        assert app.results == [None]


async def test_rename_shows_control_characters_as_replacements() -> None:
    app = RenameApp("\x1b[2J evil\x07")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        replacement = "\N{REPLACEMENT CHARACTER}"
        assert app.screen.query_one(Input).value == f"{replacement}[2J evil{replacement}"
        assert "\x1b" not in app.export_screenshot()
