"""The Session keeps the kernel playing exactly the song the history holds: after a cell
edit (sent as cell commands), a structural edit (a swapped-in song), undo and redo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.ui.app_support import BASS, small_song
from tracker.engine import Kernel, compile_song
from tracker.io.project import Project, ProjectError, load_project
from tracker.model import Cell, Song
from tracker.model import edit as ed
from tracker.session import MAX_CELL_COMMANDS, Session, autosave_path

FRAMES = 48000


def offline(song: Song) -> np.ndarray:
    kernel = Kernel(48000)
    kernel.load(compile_song(song))
    kernel.play_song()
    return kernel.render(FRAMES)


def heard(session: Session) -> np.ndarray:
    """What the session's kernel plays from the top, drained and rendered offline."""
    session.kernel.stop()
    session.kernel.render(4800)  # let the stop's fade finish
    session.kernel.play_song()
    return session.kernel.render(FRAMES)


def melody(song: Song) -> Song:
    for row, note in ((0, 48), (4, 52), (8, 55)):
        song = ed.set_cell(song, 0, row, 0, Cell(note=note, instrument=1))
    return song


def test_cell_edits_reach_the_kernel_as_cell_commands() -> None:
    session = Session(Project(song=small_song()))
    edited = melody(session.song)
    session.edit(edited, "melody")
    np.testing.assert_array_equal(heard(session), offline(edited))
    assert np.abs(heard(session)).max() > 0.01


def test_a_structural_edit_swaps_in_the_whole_song() -> None:
    session = Session(Project(song=melody(small_song())))
    song, _ = ed.add_instrument(session.song, BASS)
    song = ed.set_cell(song, 0, 0, 1, Cell(note=36, instrument=3))
    session.edit(song, "bass")
    np.testing.assert_array_equal(heard(session), offline(song))


def test_many_cells_at_once_swap_too() -> None:
    session = Session(Project(song=small_song(rows=128)))
    song = session.song
    for row in range(MAX_CELL_COMMANDS + 10):
        song = ed.set_cell(song, 0, row, 0, Cell(note=48 + row % 12, instrument=1))
    session.edit(song, "many")
    np.testing.assert_array_equal(heard(session), offline(song))


def test_undo_and_redo_are_heard() -> None:
    first = small_song()
    session = Session(Project(song=first))
    session.edit(melody(first), "melody")
    session.undo()
    np.testing.assert_array_equal(heard(session), offline(first))
    session.redo()
    np.testing.assert_array_equal(heard(session), offline(melody(first)))


def test_a_missing_device_falls_back_to_silent_output_with_a_reason() -> None:
    session = Session(Project(song=small_song()))
    try:
        notice = session.open_audio("no such device 1234")
        assert notice.startswith("no audio (")
        assert "silent" in notice
        assert session.playback.is_open
    finally:
        session.close()


def test_saving_clears_dirty_and_writes_atomically(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    session = Session(Project(song=small_song(), path=path))
    session.edit(melody(session.song), "melody")
    assert session.dirty
    session.save()
    assert not session.dirty
    assert load_project(path).song.model_dump() == session.song.model_dump()
    session.undo()
    assert session.dirty


def test_saving_a_song_without_a_path_asks_for_one() -> None:
    session = Session(Project(song=small_song()))
    with pytest.raises(ProjectError, match="Save as"):
        session.save()


def test_autosave_goes_beside_the_project_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "tune.json"
    session = Session(Project(song=small_song(), path=path))
    session.save()
    before = path.read_bytes()
    session.edit(melody(session.song), "melody")
    written = session.autosave()
    assert written == tmp_path / "tune.autosave.json"
    assert path.read_bytes() == before
    assert load_project(written).song.model_dump() == session.song.model_dump()
    assert session.dirty  # an autosave is not a save


def test_an_untitled_song_autosaves_to_the_state_folder() -> None:
    assert autosave_path(None).name == "untitled.autosave.json"


def test_loop_pattern_keeps_song_play_in_the_pattern() -> None:
    from tracker.engine import RowReached

    song = ed.insert_order(small_song(rows=4), 1, 0)
    session = Session(Project(song=song))
    session.set_loop_pattern(True)
    session.play_song(0, 0)
    session.kernel.render(48000 * 2)  # 4-row pattern at 125 BPM speed 6: ~0.5 s a pass
    orders = {e.order for e in session.kernel.events() if isinstance(e, RowReached)}
    assert orders == {0}
    session.set_loop_pattern(False)
    session.kernel.render(48000)
    orders = {e.order for e in session.kernel.events() if isinstance(e, RowReached)}
    assert 1 in orders


def _poll_for(session: Session, seconds: float) -> set[str]:
    import time

    seen = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.poll()
        seen.add(session.heard.state)
        time.sleep(0.01)
    return seen


def test_a_stop_drained_after_the_next_play_does_not_stop_the_display() -> None:
    """Stop then play before the UI polls (a quick F8 F5, an external clock's stop and
    continue): the Stopped event comes after play began, and must not mark it stopped."""
    session = Session(Project(song=small_song(rows=8)))
    session.open_audio("null")
    try:
        session.play_song()
        _poll_for(session, 0.2)
        session.stop()
        session.play_song()
        assert _poll_for(session, 0.5) == {"song"}
    finally:
        session.close()


def test_a_song_that_loops_stays_playing_past_its_end() -> None:
    session = Session(Project(song=ed.update_song(small_song(rows=4), speed_ticks=1)))
    session.open_audio("null")
    try:
        session.play_song()  # four rows of 20 ms: it loops many times in half a second
        assert _poll_for(session, 0.5) == {"song"}
        session.stop()
        assert "stopped" in _poll_for(session, 0.3)
    finally:
        session.close()
