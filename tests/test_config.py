"""config.toml: read with tomllib, written atomically by hand, never a traceback."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tracker import config as config_module
from tracker.config import (
    Config,
    ConfigError,
    UserConfig,
    config_dir,
    load_config,
    load_user_config,
    save_config,
    to_toml,
)
from tracker.ui import keymap

FULL = Config(
    midi_api="jack",
    midi_inputs=("Keystation 49:Keystation 49 MIDI 1", 'odd "name" \\ with\ttab'),
    midi_output="Volca Keys:Volca Keys MIDI 1",
    midi_channel=10,
    pitch_bend_semitones=12,
    midi_clock_out=True,
    midi_clock_in=True,
    perform_channel=16,
    s3_bucket="my-songs",
    s3_prefix="studio/",
    s3_endpoint_url="http://nas.local:9000",
)


@contextmanager
def read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No file can be made in `folder`, even by root (who ignores permission bits): the mode
    bits, else `chattr +i`; only where neither can work (root on a file system without
    immutable files) is the refusal injected, as the OS would give it (EROFS)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    made = None
    if shutil.which("chattr") is not None:
        made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if made is None or made.returncode != 0:

        def refused(*args: object, **kwargs: object) -> tuple[int, str]:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(folder))

        with monkeypatch.context() as patch:
            patch.setattr(config_module.tempfile, "mkstemp", refused)
            yield
        return
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_round_trip_of_every_field(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_config(FULL, path)
    assert load_config(path) == FULL
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["midi_inputs"] == list(FULL.midi_inputs)
    assert data["midi_channel"] == 10
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temporary file left


def test_control_characters_survive_the_hand_written_toml(tmp_path: Path) -> None:
    name = "a\x00b\x1bc\x7fd\re\nf\u00e9\U0001f3b9"
    path = tmp_path / "config.toml"
    save_config(Config(midi_output=name), path)
    assert load_config(path).midi_output == name


def test_unset_fields_are_left_out_and_read_back_as_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_config(Config(midi_channel=3), path)
    text = path.read_text(encoding="utf-8")
    # TOML has no null: a setting that is "none" is a line left out.
    assert not any(line.startswith(("midi_output", "midi_api")) for line in text.splitlines())
    assert load_config(path) == Config(midi_channel=3)


def test_every_field_is_documented_in_the_file() -> None:
    text = to_toml(FULL)
    for name, info in Config.model_fields.items():
        assert info.description, f"{name} has no docstring"
        assert f"# {info.description.splitlines()[0]}" in text


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "missing.toml") == Config()
    user = load_user_config(tmp_path / "missing.toml")
    assert (user.saved, user.effective, user.notice) == (Config(), Config(), "")
    assert not (tmp_path / "missing.toml").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("midi_channel = \n", "config.toml: "),
        ('midi_channel = "3"\n', "midi_channel: Input should be a valid integer (got '3')"),
        ("midi_channel = 17\n", "midi_channel: Input should be less than or equal to 16"),
        ("midi_channel = 0\n", "midi_channel: Input should be greater than or equal to 1"),
        ('midi_api = "oss"\n', "midi_api: Input should be 'alsa' or 'jack'"),
        ('midi_inputs = "keystation"\n', "midi_inputs: Input should be a list"),
        ("midi_inputs = [1]\n", "midi_inputs.0: Input should be a valid string"),
        ('midi_output = ""\n', "midi_output: String should have at least 1 character"),
        ("pitch_bend_semitones = 2.5\n", "pitch_bend_semitones: Input should be a valid integer"),
        ("pitch_bend_semitones = true\n", "pitch_bend_semitones: Input should be a valid integer"),
        ("midi_chanel = 3\n", "unknown setting 'midi_chanel'"),
        ("[midi]\napi = 'jack'\n", "unknown setting 'midi'"),
    ],
)
def test_a_broken_file_is_one_line_and_the_defaults(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    user = load_user_config(path)
    assert user.saved == user.effective == Config()
    assert user.notice.endswith("(using the default settings)")
    assert "\n" not in user.notice
    assert path.read_text(encoding="utf-8") == text  # never rewritten by reading


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    folder = tmp_path / "config.toml"
    folder.mkdir()  # cannot be read as a file, whoever runs the test
    for path in (binary, folder):
        with pytest.raises(ConfigError) as error:
            load_config(path)
        assert str(error.value).startswith(f"{path}: ")
        assert "\n" not in str(error.value)
        assert load_user_config(path).saved == Config()


def test_a_broken_file_is_kept_until_the_user_changes_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("midi_channel = [\n", encoding="utf-8")
    user = load_user_config(path)
    assert path.read_text(encoding="utf-8") == "midi_channel = [\n"
    user.change(midi_channel=5)
    assert load_config(path) == Config(midi_channel=5)


def test_saving_into_a_read_only_folder_fails_in_one_line_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    save_config(Config(midi_channel=2), path)
    before = path.read_bytes()
    with read_only(tmp_path, monkeypatch):
        with pytest.raises(ConfigError) as error:
            save_config(FULL, path)
        user = load_user_config(path)
        with pytest.raises(ConfigError):
            user.change(midi_channel=9)
    assert str(error.value).startswith(f"cannot save {path}: ")
    assert "\n" not in str(error.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]
    # The run keeps the change it could not save.
    assert (user.effective.midi_channel, user.saved.midi_channel) == (9, 2)


def test_options_override_for_the_run_and_are_never_saved(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_config(Config(midi_inputs=("saved-in",), midi_output="saved-out", midi_channel=4), path)
    user = load_user_config(path, midi_inputs=("option-in",), midi_output=None, midi_api="jack")
    assert user.effective == Config(
        midi_api="jack", midi_inputs=("option-in",), midi_output="saved-out", midi_channel=4
    )
    assert user.saved == load_config(path)
    # Changing another setting leaves the options out of the file...
    user.change(midi_channel=7)
    assert load_config(path) == Config(
        midi_inputs=("saved-in",), midi_output="saved-out", midi_channel=7
    )
    # ...while the setting the user changes is saved as chosen.
    user.change(midi_inputs=("option-in", "another"))
    assert load_config(path).midi_inputs == ("option-in", "another")
    assert user.effective.midi_api == "jack"
    assert load_config(path).midi_api is None


def test_a_wrong_change_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    user = load_user_config(path)
    with pytest.raises(ConfigError, match="midi_channel"):
        user.change(midi_channel=40)
    assert user.effective == Config()
    assert not path.exists()


def test_in_memory_config_never_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    user = UserConfig(None)
    user.change(midi_channel=3)
    assert user.effective.midi_channel == 3
    assert list(tmp_path.iterdir()) == []


def test_keys_and_settings_share_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_dir() == tmp_path / "tracker"
    assert keymap.config_path() == tmp_path / "tracker" / "keys.toml"
    save_config(Config(midi_channel=1))
    assert (tmp_path / "tracker" / "config.toml").is_file()
