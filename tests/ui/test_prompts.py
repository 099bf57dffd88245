"""NumberPrompt and Confirm: what they return for each key, and literal titles."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widgets import Button, Input, Label

from tracker.ui.screens.confirm import Confirm
from tracker.ui.screens.number_prompt import NumberPrompt

UNSAVED = [("s", "Save"), ("d", "Discard"), ("c", "Cancel")]


class PromptApp(App[None]):
    """Pushes one dialog on mount and keeps what it returns."""

    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


def label_text(screen: Screen[Any], selector: str) -> str:
    return str(screen.query_one(selector, Label).render())


def length_prompt() -> NumberPrompt:
    return NumberPrompt("Pattern length", 64, minimum=1, maximum=256)


async def test_number_prompt_returns_the_number() -> None:
    app = PromptApp(length_prompt())
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.query_one(Input).value == "64"
        await pilot.press("1", "2", "8", "enter")  # the initial value is selected: replaced
        assert app.results == [128]
        assert not isinstance(app.screen, NumberPrompt)


async def test_number_prompt_enter_keeps_the_initial_value() -> None:
    app = PromptApp(length_prompt())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        assert app.results == [64]


async def test_out_of_range_shows_an_error_and_keeps_asking() -> None:
    app = PromptApp(length_prompt())
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = app.screen
        assert label_text(dialog, "#message") == "A whole number from 1 to 256"
        await pilot.press("3", "0", "0", "enter")
        assert app.results == []
        assert app.screen is dialog
        assert label_text(dialog, "#message") == "! A whole number from 1 to 256"
        assert dialog.query_one("#message").has_class("-error")
        await pilot.press("backspace")  # typing again clears the error
        assert label_text(dialog, "#message") == "A whole number from 1 to 256"
        await pilot.press("backspace", "backspace", "enter")  # empty
        assert app.results == []
        assert label_text(dialog, "#message").startswith("!")
        await pilot.press("3", "2", "enter")
        assert app.results == [32]


async def test_negative_range() -> None:
    app = PromptApp(NumberPrompt("Transpose", 0, minimum=-12, maximum=12))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("minus", "1", "3", "enter")
        assert app.results == []
        await pilot.press("backspace", "enter")
        assert app.results == [-1]


async def test_number_prompt_escape_returns_none() -> None:
    app = PromptApp(length_prompt())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1", "escape")
        assert app.results == [None]


async def test_number_prompt_title_is_literal() -> None:
    app = PromptApp(NumberPrompt("Length of [b]Intro[/b]\x1b[2J", 64, minimum=1, maximum=256))
    async with app.run_test(size=(80, 24)):
        assert label_text(app.screen, "#title") == "Length of [b]Intro[/b]\ufffd[2J"


async def test_confirm_keys_pick_answers() -> None:
    for keys, expected in [(["d"], "d"), (["S"], "s"), (["c"], "c"), (["escape"], None)]:
        app = PromptApp(Confirm("Save changes to the song?", UNSAVED))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*keys)
            assert app.results == [expected]


async def test_confirm_other_keys_do_nothing() -> None:
    app = PromptApp(Confirm("Save changes to the song?", UNSAVED))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x", "1")
        assert app.results == []
        assert isinstance(app.screen, Confirm)


async def test_confirm_buttons_by_focus() -> None:
    app = PromptApp(Confirm("Save changes to the song?", UNSAVED))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.focused is not None
        assert app.screen.focused.name == "s"
        await pilot.press("right", "right", "left", "enter")
        assert app.results == ["d"]


async def test_confirm_labels_show_their_keys() -> None:
    choices = [("s", "Save"), ("d", "Discard"), ("x", "Close"), ("[", "Odd [b]")]
    app = PromptApp(Confirm("Quit?", choices))
    async with app.run_test(size=(80, 24)):
        labels = [str(button.label) for button in app.screen.query(Button)]
        assert labels == ["[S]ave", "[D]iscard", "Close [x]", "Odd [[]b]"]


async def test_confirm_question_is_literal() -> None:
    question = "Save [@click=app.quit]x[/] and a\x07b?"
    app = PromptApp(Confirm(question, UNSAVED))
    async with app.run_test(size=(80, 24)):
        assert label_text(app.screen, "#question") == "Save [@click=app.quit]x[/] and a\ufffdb?"
        screenshot = app.export_screenshot()
        assert "\x07" not in screenshot
        assert "\x1b" not in screenshot
