"""The key table: docs/keys.md made from it, user overrides from keys.toml, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.app_support import make_app
from tracker.ui import keymap

REPO = Path(__file__).resolve().parents[2]


def test_docs_keys_md_is_made_from_the_table() -> None:
    written = (REPO / "docs" / "keys.md").read_text(encoding="utf-8")
    assert written == keymap.keys_markdown() + "\n", "run `make keys-doc`"


def test_every_binding_id_and_key_is_used_once() -> None:
    ids = [c.id for c in keymap.COMMANDS]
    assert len(ids) == len(set(ids))
    keys = [key for c in keymap.COMMANDS for key in c.keys.split(",")]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_no_command_takes_a_note_key() -> None:
    from tracker.ui.editor import NOTE_CUT_KEYS, NOTE_KEYS, NOTE_OFF_KEYS

    keys = {key for c in keymap.COMMANDS for key in c.keys.split(",")}
    assert not keys & (set(NOTE_KEYS) | NOTE_OFF_KEYS | NOTE_CUT_KEYS)


def test_overrides_are_read_by_binding_id(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\nplay_song = "f9, alt+p"\n', encoding="utf-8")
    assert keymap.load_overrides(path) == {"play_song": "f9,alt+p"}


def test_no_config_file_means_no_overrides(tmp_path: Path) -> None:
    assert keymap.load_overrides(tmp_path / "missing.toml") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[keys\n", "keys.toml: "),
        ('[keys]\nlaunch_missiles = "f1"\n', "unknown binding id 'launch_missiles'"),
        ("[keys]\nsave = 5\n", "save must be a string"),
        ('keys = "f1"\n', "[keys] must be a table"),
        ('[keys]\nsave = "  "\n', "save must be a string"),
    ],
)
def test_a_bad_config_file_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(keymap.KeymapError) as error:
        keymap.load_overrides(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_binary_garbage_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(keymap.KeymapError):
        keymap.load_overrides(path)


async def test_an_override_moves_the_action_to_the_new_key() -> None:
    app = make_app()
    app.key_overrides = {"play_song": "f9"}
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f5")
        assert app.session.state == "stopped"
        await pilot.press("f9")
        assert app.session.state == "song"
