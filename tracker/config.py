"""The user's settings: ``config.toml`` in the user config folder (platformdirs), e.g.::

    midi_api = "jack"
    midi_inputs = ["Keystation 49:Keystation 49 MIDI 1"]
    midi_output = "Volca Keys:Volca Keys MIDI 1"
    midi_channel = 1
    pitch_bend_semitones = 2
    midi_clock_out = true
    perform_channel = 16
    s3_bucket = "my-songs"
    s3_prefix = "studio/"

Every field may be left out (its default is used); TOML has no null, so a setting that is
"none" or "automatic" is written by leaving it out. Command-line options override settings
for one run and are never saved. A file that cannot be read or used gives a one-line notice
and the defaults, and is left as it is until the user changes a setting.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

APP_NAME: Final = "tracker"
CONFIG_FILE_NAME: Final = "config.toml"
ENV_S3_BUCKET: Final = "TRACKER_S3_BUCKET"
"""Overrides s3_bucket (and is overridden by --bucket)."""
ENV_S3_PREFIX: Final = "TRACKER_S3_PREFIX"


def config_dir() -> Path:
    """The user config folder (``~/.config/tracker`` on Linux); keys.toml lives there too."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME)


def config_path() -> Path:
    return config_dir() / CONFIG_FILE_NAME


class ConfigError(ValueError):
    """A config file that cannot be read, used or written; the message is one line."""


class Config(BaseModel):
    """The settings; TOML types are taken as they are (no "2" for 2)."""

    model_config = ConfigDict(
        frozen=True, strict=True, extra="forbid", use_attribute_docstrings=True
    )

    midi_api: Literal["alsa", "jack"] | None = None
    """The MIDI system: "alsa" or "jack"; left out: ALSA's sequencer if there is one, else a
    running JACK server."""
    # TOML gives a list; strict mode would take only a tuple (its items stay strict).
    midi_inputs: tuple[Annotated[str, Strict(), Field(min_length=1)], ...] = Field(
        default=(), strict=False
    )
    """Inputs to play from, by name or a unique part of it, besides our own port tracker:in,
    which is always open. A port that is missing is opened when it appears."""
    midi_output: str | None = Field(default=None, min_length=1)
    """The output to send to (clock, external synths), besides our own port tracker:out,
    which is always open; left out: none."""
    midi_channel: int | None = Field(default=None, ge=1, le=16)
    """The only channel (1-16) whose notes are played; left out: every channel."""
    pitch_bend_semitones: int = Field(default=2, ge=0, le=48)
    """The pitch wheel's range up and down, in semitones."""
    midi_clock_out: bool = False
    """Send MIDI clock (24 a beat), start, stop, continue and song position to the outputs."""
    midi_clock_in: bool = False
    """Follow an external MIDI clock: its tempo, start, stop, continue and song position."""
    autosave_s: float = Field(default=60.0, ge=0.0, le=3600.0, strict=False)
    """Seconds between autosaves while there are unsaved changes (0: only on SIGHUP,
    SIGTERM and SIGINT)."""
    perform_channel: int | None = Field(default=None, ge=1, le=16)
    """A channel (1-16) for live performance pads instead of notes: C1 (36) up cues order
    positions 0-31, C5 (72) up toggles the mute of tracks 1-24, C7 (96) up their solo, and a
    program change cues its order position. Left out: none."""
    s3_bucket: str | None = Field(default=None, min_length=3, max_length=63)
    """The S3 bucket `tracker sync` and the app's sync key use (TRACKER_S3_BUCKET and
    --bucket override it). Credentials are never kept here: boto3 finds them."""
    s3_prefix: str | None = None
    """A folder in the bucket for the songs, e.g. "studio/" (TRACKER_S3_PREFIX, --prefix)."""
    s3_endpoint_url: str | None = Field(default=None, min_length=1)
    """An S3-compatible store's URL (MinIO, Ceph); left out: AWS, or AWS_ENDPOINT_URL_S3."""


@dataclass
class UserConfig:
    """The settings as saved, and as this run uses them (the saved ones plus options).

    `path` None keeps changes in memory only (tests, or nowhere to save).
    """

    path: Path | None
    saved: Config = field(default_factory=Config)
    """What the file holds (the defaults when there is none or it cannot be used)."""
    effective: Config = field(default_factory=Config)
    """What this run uses: `saved` with the command line's options over it."""
    notice: str = ""
    """One line for the status line when the file could not be used."""

    def change(self, **fields: Any) -> None:
        """The user changed settings: this run uses them at once, and they are saved.

        Only the fields given are written over the saved ones: an option from the command
        line stays out of the file unless the user changes that very setting. ConfigError
        (one line) when the values are wrong or the file cannot be written; a run keeps
        valid changes even then.
        """
        effective = _validated(self.effective, fields)
        saved = _validated(self.saved, fields)
        self.effective = effective
        if self.path is not None:
            save_config(saved, self.path)
        self.saved = saved


def _validated(config: Config, fields: dict[str, Any]) -> Config:
    try:
        return Config.model_validate({**config.model_dump(), **fields})
    except ValidationError as error:
        raise ConfigError(_first_problem(error)) from None


def load_config(path: Path | None = None) -> Config:
    """The settings in `path` (default: config_path()); defaults when there is no file.

    Raises ConfigError with one line when the file cannot be read or used.
    """
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise ConfigError(f"{path}: {_one_line(str(reason))}") from None
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {_first_problem(error)}") from None


def load_user_config(path: Path | None = None, **overrides: Any) -> UserConfig:
    """The saved settings with this run's `overrides` (fields of Config; None: not given)."""
    path = path or config_path()
    notice = ""
    try:
        saved = load_config(path)
    except ConfigError as error:
        saved, notice = Config(), f"{error} (using the default settings)"
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        effective = _validated(saved, given)
    except ConfigError as error:  # the CLI checks its options; this is a last guard
        effective, notice = saved, f"{error} (options ignored)"
    return UserConfig(path, saved, effective, notice)


def save_config(config: Config, path: Path | None = None) -> None:
    """Write atomically: a temporary file in the same folder, then renamed over the old one.

    ConfigError (one line) if it cannot be written; the old file is then left intact.
    """
    path = path or config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as error:
        raise ConfigError(f"cannot save {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(to_toml(config))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ConfigError(f"cannot save {path}: {error.strerror or error}") from None


def to_toml(config: Config) -> str:
    """The file's text: one ``key = value`` line per field that is set, each after its doc.

    Written by hand: the values are strings, integers and lists of strings, and the standard
    library reads TOML but does not write it.
    """
    lines = ["# tracker's settings; see README.md. Every line may be left out.", ""]
    for name, info in Config.model_fields.items():
        value = getattr(config, name)
        if value is None:
            continue
        lines += [f"# {line}" for line in (info.description or "").splitlines()]
        lines += [f"{name} = {_toml_value(value)}", ""]
    return "\n".join(lines)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):  # before int: a bool is an int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _first_problem(error: ValidationError) -> str:
    """Pydantic's first complaint in one line, e.g. ``midi_channel: must be 1-16 (got 17)``."""
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"]) or "the file"
    if problem["type"] == "extra_forbidden":
        return f"unknown setting {where!r}"
    message = problem["msg"].replace("a valid tuple", "a list")  # TOML has lists
    got = problem.get("input")
    shown = f" (got {got!r})" if not isinstance(got, dict) else ""
    return _one_line(f"{where}: {message}{shown}")


def _one_line(text: str) -> str:
    return " ".join(text.split())
