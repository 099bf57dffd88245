"""SampleBrowser: only folders and audio files, literal names, Enter and Escape."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from textual.app import App
from textual.pilot import Pilot
from textual.widgets.directory_tree import DirEntry
from textual.widgets.tree import TreeNode

from tracker.ui.screens.sample_browser import AudioFileTree, SampleBrowser, is_audio_file


class BrowserApp(App[None]):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.results: list[Path | None] = []

    def on_mount(self) -> None:
        self.push_screen(SampleBrowser(self.folder), callback=self.results.append)


def write_wav(path: Path) -> Path:
    sf.write(path, np.zeros(64, dtype=np.float32), 8000, subtype="PCM_16")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_wav(tmp_path / "kick.wav")
    write_wav(tmp_path / "Snare.WAV")
    sf.write(tmp_path / "pad.flac", np.zeros(64, dtype=np.float32), 8000, subtype="PCM_16")
    (tmp_path / "notes.txt").write_text("not audio")
    (tmp_path / "song.json").write_text("{}")
    write_wav(tmp_path / ".hidden.wav")
    (tmp_path / "drums").mkdir()
    write_wav(tmp_path / "drums" / "hat.aiff")
    return tmp_path


async def loaded_tree(pilot: Pilot[None], children: int) -> AudioFileTree:
    """The browser's tree once its root shows ``children`` entries (it loads in a worker)."""
    tree = pilot.app.screen.query_one(AudioFileTree)
    for _ in range(100):
        await pilot.pause(0.01)
        if len(tree.root.children) >= children:
            break
    return tree


def labels(nodes: list[TreeNode[DirEntry]]) -> list[str]:
    return [str(node.label) for node in nodes]


async def cursor_to(pilot: Pilot[None], tree: AudioFileTree, path: Path) -> None:
    for _ in range(20):
        node = tree.cursor_node
        if node is not None and node.data is not None and node.data.path == path:
            return
        await pilot.press("down")
    raise AssertionError(f"{path.name} is not in the tree")


def test_audio_suffixes_match_without_case() -> None:
    for name in ("a.wav", "a.WAV", "a.flac", "a.Aiff", "a.aif", "a.ogg"):
        assert is_audio_file(Path(name)), name
    for name in ("a.txt", "a.json", "a.mp3", "wav", "a.wav.bak"):
        assert not is_audio_file(Path(name)), name


async def test_shows_folders_and_audio_files_only(folder: Path) -> None:
    app = BrowserApp(folder)
    async with app.run_test(size=(80, 24)) as pilot:
        tree = await loaded_tree(pilot, 4)
        assert labels(list(tree.root.children)) == ["drums", "kick.wav", "pad.flac", "Snare.WAV"]


async def test_enter_on_a_file_returns_its_path(folder: Path) -> None:
    app = BrowserApp(folder)
    async with app.run_test(size=(80, 24)) as pilot:
        tree = await loaded_tree(pilot, 4)
        await cursor_to(pilot, tree, folder / "pad.flac")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [folder / "pad.flac"]


async def test_enter_opens_a_folder_and_finds_files_inside(folder: Path) -> None:
    app = BrowserApp(folder)
    async with app.run_test(size=(80, 24)) as pilot:
        tree = await loaded_tree(pilot, 4)
        await cursor_to(pilot, tree, folder / "drums")
        await pilot.press("enter")
        for _ in range(100):
            await pilot.pause(0.01)
            if tree.root.children[0].children:
                break
        assert labels(list(tree.root.children[0].children)) == ["hat.aiff"]
        await cursor_to(pilot, tree, folder / "drums" / "hat.aiff")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [folder / "drums" / "hat.aiff"]


async def test_escape_returns_none(folder: Path) -> None:
    app = BrowserApp(folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded_tree(pilot, 4)
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_backspace_browses_the_parent_folder(folder: Path) -> None:
    app = BrowserApp(folder / "drums")
    async with app.run_test(size=(80, 24)) as pilot:
        tree = await loaded_tree(pilot, 1)
        assert labels(list(tree.root.children)) == ["hat.aiff"]
        await pilot.press("backspace")
        tree = await loaded_tree(pilot, 4)
        assert labels(list(tree.root.children)) == ["drums", "kick.wav", "pad.flac", "Snare.WAV"]


async def test_file_names_are_shown_literally(tmp_path: Path) -> None:
    # "/" cannot be in a file name, so markup that would open a style stands in for "[/bold]".
    names = ["Intro [bold].wav", "[@click=app.quit]x.wav", "\x1b[2J evil\x07.wav"]
    for name in names:
        write_wav(tmp_path / name)
    app = BrowserApp(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        tree = await loaded_tree(pilot, 3)
        shown = "\n".join(tree.render_line(y).text for y in range(tree.size.height))
        assert "Intro [bold].wav" in shown
        assert "[@click=app.quit]x.wav" in shown
        assert "\N{REPLACEMENT CHARACTER}[2J evil\N{REPLACEMENT CHARACTER}.wav" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        assert "\x1b" not in app.export_screenshot()
        # The hostile name is still the file it names.
        await cursor_to(pilot, tree, tmp_path / names[2])
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [tmp_path / names[2]]
