"""OrderList: the lines it draws, cursor keys, scrolling, and the requests its keys post."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from tracker.ui.widgets.order_list import OrderAction, OrderList


class CountingOrderList(OrderList):
    """Counts rendered lines, to tell a redraw from none."""

    lines_rendered = 0

    def render_line(self, y: int) -> Strip:
        self.lines_rendered += 1
        return super().render_line(y)


class OrderApp(App[None]):
    def __init__(
        self,
        order: Sequence[int],
        pattern_count: int,
        cursor: int = 0,
        playing: int | None = None,
    ) -> None:
        super().__init__()
        self.order = order
        self.pattern_count = pattern_count
        self.cursor = cursor
        self.playing = playing
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield CountingOrderList()

    def on_mount(self) -> None:
        order_list = self.query_one(OrderList)
        order_list.set_order(self.order, self.pattern_count, self.cursor, self.playing)
        order_list.focus()

    def on_order_list_cursor_moved(self, message: OrderList.CursorMoved) -> None:
        self.seen.append(message)

    def on_order_list_jump(self, message: OrderList.Jump) -> None:
        self.seen.append(message)

    def on_order_list_requested(self, message: OrderList.Requested) -> None:
        self.seen.append(message)


def lines(order_list: OrderList) -> list[str]:
    return [
        strip.text.rstrip() for strip in order_list.render_lines(Region(0, 0, *order_list.size))
    ]


async def test_lines_show_cursor_play_mark_and_missing_patterns() -> None:
    app = OrderApp([0, 5, 0x1A, 2], pattern_count=6, cursor=1, playing=3)
    async with app.run_test(size=(80, 24)):
        assert lines(app.query_one(OrderList))[:5] == [
            "  00: 00",
            "> 01: 05",
            "  02: 1A!",
            " ▶03: 02",
            "",
        ]


async def test_cursor_and_play_mark_on_one_line() -> None:
    app = OrderApp([0, 1], pattern_count=2, cursor=1, playing=1)
    async with app.run_test(size=(80, 24)):
        assert lines(app.query_one(OrderList))[1] == ">▶01: 01"


async def test_cursor_keys_move_and_post() -> None:
    app = OrderApp(list(range(40)), pattern_count=40)
    async with app.run_test(size=(80, 24)) as pilot:
        order_list = app.query_one(OrderList)
        await pilot.press("down", "down", "up")
        await pilot.press("up", "up")  # stops at the top: nothing more to post
        await pilot.press("end", "home", "pagedown", "pageup")
        assert app.seen == [
            OrderList.CursorMoved(position) for position in [1, 2, 1, 0, 39, 0, 23, 0]
        ]
        assert order_list.cursor == 0


async def test_scrolls_to_keep_the_cursor_visible() -> None:
    app = OrderApp(list(range(40)), pattern_count=40)
    async with app.run_test(size=(80, 24)) as pilot:
        order_list = app.query_one(OrderList)
        await pilot.press("end")
        shown = lines(order_list)
        assert shown[0] == "  10: 10"
        assert shown[-1] == "> 27: 27"
        await pilot.press(*["up"] * 24)
        shown = lines(order_list)
        assert shown[0] == "> 0F: 0F"
        assert shown[-1] == "  26: 26"


async def test_set_order_scrolls_to_the_cursor() -> None:
    app = OrderApp(list(range(40)), pattern_count=40, cursor=30)
    async with app.run_test(size=(80, 24)):
        shown = lines(app.query_one(OrderList))
        assert "> 1E: 1E" in shown
        assert shown[-1] == "  27: 27"  # no empty lines below the end while it scrolls


async def test_enter_jumps() -> None:
    app = OrderApp([3, 4, 5], pattern_count=6)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "enter")
        assert app.seen[-1] == OrderList.Jump(1)


@pytest.mark.parametrize(
    ("key", "action"),
    [
        ("insert", "insert"),
        ("delete", "delete"),
        ("d", "duplicate"),
        ("ctrl+up", "move_up"),
        ("ctrl+down", "move_down"),
        ("plus", "next_pattern"),
        ("minus", "previous_pattern"),
        ("n", "new_pattern"),
        ("c", "clone_pattern"),
        ("u", "delete_unused"),
        ("l", "pattern_length"),
    ],
)
async def test_edit_keys_post_requests(key: str, action: OrderAction) -> None:
    app = OrderApp([0, 1, 2], pattern_count=3, cursor=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        assert app.seen == [OrderList.Requested(action, 2)]


async def test_redraws_only_when_something_shown_changes() -> None:
    app = OrderApp([0, 1, 2], pattern_count=3)
    async with app.run_test(size=(80, 24)) as pilot:
        order_list = app.query_one(CountingOrderList)
        await pilot.pause()
        before = order_list.lines_rendered
        order_list.set_order([0, 1, 2], 3, 0, None)
        await pilot.pause()
        assert order_list.lines_rendered == before
        order_list.set_order([0, 1, 2], 3, 0, 1)
        await pilot.pause()
        assert order_list.lines_rendered > before
        assert lines(order_list)[1] == " ▶01: 01"


async def test_cursor_is_reversed_only_with_focus() -> None:
    app = OrderApp([0, 1], pattern_count=2)
    async with app.run_test(size=(80, 24)) as pilot:
        order_list = app.query_one(OrderList)
        (cursor_line,) = order_list.render_line(0)
        assert cursor_line.style is not None and cursor_line.style.reverse
        order_list.blur()
        await pilot.pause()
        (cursor_line,) = order_list.render_line(0)
        assert cursor_line.style is not None and not cursor_line.style.reverse
        assert cursor_line.text.startswith(">")
