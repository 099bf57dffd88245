"""Edits made in one group (a MIDI recording pass) undo and redo as one step."""

from __future__ import annotations

from tests.model.edit_support import EMPTY, song_of
from tracker.model import Cell, History, Song, edit


def start() -> Song:
    return song_of([f"{EMPTY} | {EMPTY}"] * 4)


def notes(song: Song, *rows: int) -> list[Song]:
    """The songs after writing a note on each of ``rows``, one after another."""
    made = []
    for row in rows:
        song = edit.set_cell(song, 0, row, 0, Cell(note=48 + row))
        made.append(song)
    return made


def test_edits_of_one_group_are_one_undo_step() -> None:
    song = start()
    history = History(song)
    group = object()
    songs = notes(song, 0, 1, 2)
    for i, after in enumerate(songs):
        history.apply(after, "Record", where=i, group=group)
    assert history.song is songs[-1]
    step = history.undo()
    assert step is not None and (step.label, step.where) == ("Record", 0)
    assert history.song is song
    assert not history.can_undo
    assert history.redo() is not None
    assert history.song is songs[-1]


def test_another_edit_or_another_group_starts_a_new_step() -> None:
    song = start()
    history = History(song)
    first, second = object(), object()
    a, b, c, d = notes(song, 0, 1, 2, 3)
    history.apply(a, "Record", group=first)
    history.apply(b, "Enter note")
    history.apply(c, "Record", group=first)  # the group was interrupted: a step of its own
    history.apply(d, "Record", group=second)
    assert [history.undo() is not None for _ in range(4)] == [True] * 4
    assert history.song is song


def test_no_group_keeps_one_step_per_edit() -> None:
    song = start()
    history = History(song)
    for after in notes(song, 0, 1):
        history.apply(after, "Enter note")
    history.undo()
    assert history.can_undo


def test_a_group_edit_after_an_undo_is_a_new_step() -> None:
    song = start()
    history = History(song)
    group = object()
    a, b = notes(song, 0, 1)
    history.apply(a, "Record", group=group)
    history.undo()
    history.apply(b, "Record", group=group)
    assert not history.can_redo
    history.undo()
    assert history.song is song
