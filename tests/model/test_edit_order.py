"""The order list: insert, delete, duplicate, move and set entries; restart_order follows."""

import pytest

from tests.model.edit_support import EMPTY, edited, song_of
from tracker.model import EditError, Song, edit
from tracker.model.song import MAX_ORDER

ROW = [f"{EMPTY} | {EMPTY}"]


def song_with(order: list[int], restart_order: int = 0, patterns: int = 3) -> Song:
    return song_of(*[ROW] * patterns, order=order, restart_order=restart_order)


def test_insert_order_before_a_position() -> None:
    song = song_with([0, 1, 2])
    result = edited(song, edit.insert_order, 1, 2)
    assert (result.order, result.restart_order) == ([0, 2, 1, 2], 0)
    assert result.patterns == song.patterns


def test_insert_order_at_the_end_appends() -> None:
    result = edited(song_with([0, 1]), edit.insert_order, 2, 0)
    assert result.order == [0, 1, 0]


@pytest.mark.parametrize(("position", "restart"), [(0, 2), (1, 2), (2, 1), (3, 1)])
def test_insert_order_keeps_restart_on_its_entry(position: int, restart: int) -> None:
    result = edited(song_with([0, 1, 2], restart_order=1), edit.insert_order, position, 0)
    assert result.restart_order == restart
    assert result.order[restart] == 1


@pytest.mark.parametrize(
    ("position", "pattern", "message"),
    [
        (4, 0, "order position 4 is outside 0..3"),
        (-1, 0, "order position -1"),
        (0, 3, "pattern 3 is outside 0..2"),
        (0, -1, "pattern -1"),
    ],
)
def test_insert_order_rejects(position: int, pattern: int, message: str) -> None:
    with pytest.raises(EditError, match=message):
        edit.insert_order(song_with([0, 1, 2]), position, pattern)


def test_insert_order_into_a_full_list() -> None:
    song = song_with([0] * MAX_ORDER)
    with pytest.raises(EditError, match="full"):
        edit.insert_order(song, 0, 0)
    with pytest.raises(EditError, match="full"):
        edit.duplicate_order(song, 0)


def test_delete_order() -> None:
    result = edited(song_with([0, 1, 2]), edit.delete_order, 1)
    assert (result.order, result.restart_order) == ([0, 2], 0)


@pytest.mark.parametrize(
    ("position", "restart"),
    [(0, 1), (1, 1), (2, 2)],  # before the restart entry, the entry itself, after it
)
def test_delete_order_moves_restart_with_its_entry(position: int, restart: int) -> None:
    result = edited(song_with([0, 1, 2, 0], restart_order=2), edit.delete_order, position)
    assert result.restart_order == restart


def test_delete_the_last_order_entry_that_restart_points_at() -> None:
    result = edited(song_with([0, 1, 2], restart_order=2), edit.delete_order, 2)
    assert (result.order, result.restart_order) == ([0, 1], 1)


def test_delete_the_only_order_entry() -> None:
    with pytest.raises(EditError, match="only order entry"):
        edit.delete_order(song_with([1]), 0)


@pytest.mark.parametrize("position", [3, -1])
def test_delete_order_rejects_positions(position: int) -> None:
    with pytest.raises(EditError, match=f"order position {position}"):
        edit.delete_order(song_with([0, 1, 2]), position)


def test_duplicate_order_repeats_the_entry_after_itself() -> None:
    result = edited(song_with([0, 1, 2], restart_order=2), edit.duplicate_order, 1)
    assert (result.order, result.restart_order) == ([0, 1, 1, 2], 3)


def test_duplicate_the_last_order_entry() -> None:
    result = edited(song_with([0, 2]), edit.duplicate_order, 1)
    assert result.order == [0, 2, 2]


def test_duplicate_order_rejects_positions() -> None:
    with pytest.raises(EditError, match="order position 2"):
        edit.duplicate_order(song_with([0, 1]), 2)


@pytest.mark.parametrize(
    ("position", "delta", "order"),
    [
        (1, -1, [1, 0, 2]),
        (1, 1, [0, 2, 1]),
        (0, -1, [0, 1, 2]),  # clamped at the top
        (2, 1, [0, 1, 2]),  # clamped at the bottom
        (0, 5, [1, 2, 0]),
    ],
)
def test_move_order(position: int, delta: int, order: list[int]) -> None:
    result = edited(song_with([0, 1, 2]), edit.move_order, position, delta)
    assert result.order == order


def test_move_order_that_goes_nowhere_returns_the_song() -> None:
    song = song_with([0, 1, 2])
    assert edit.move_order(song, 0, -1) is song
    assert edit.move_order(song, 1, 0) is song


@pytest.mark.parametrize(
    ("position", "delta", "restart"),
    [(1, -1, 0), (0, 1, 0), (2, -1, 2), (2, -2, 2), (0, 2, 0)],
)
def test_move_order_keeps_restart_on_its_entry(position: int, delta: int, restart: int) -> None:
    song = song_with([0, 1, 2], restart_order=1)
    result = edited(song, edit.move_order, position, delta)
    assert result.restart_order == restart
    assert result.order[restart] == 1


def test_move_order_rejects_positions() -> None:
    with pytest.raises(EditError, match="order position 3"):
        edit.move_order(song_with([0, 1, 2]), 3, -1)


def test_set_order() -> None:
    song = song_with([0, 1, 2], restart_order=2)
    result = edited(song, edit.set_order, 1, 2)
    assert (result.order, result.restart_order) == ([0, 2, 2], 2)
    assert edit.set_order(song, 1, 1) is song


@pytest.mark.parametrize(
    ("position", "pattern", "message"),
    [(3, 0, "order position 3"), (0, 3, "pattern 3"), (0, -1, "pattern -1")],
)
def test_set_order_rejects(position: int, pattern: int, message: str) -> None:
    with pytest.raises(EditError, match=message):
        edit.set_order(song_with([0, 1, 2]), position, pattern)
