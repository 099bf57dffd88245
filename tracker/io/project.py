"""Project files: a Song as JSON beside a folder of samples.

``song.json`` holds the song (docs/file-format.md describes it) and ``song.samples/`` its
samples. The JSON is the Song's fields in model order with ``indent=2``, except that each
pattern row is one line of text (tracker.model.cell_text) so that a diff shows which rows
changed, and lists of numbers stay on one line. Writing is canonical: loading a saved file
and saving it again gives the same bytes.

Reading is strict and never writes. Every problem becomes a one-line ProjectError that
names the file and the place in it, e.g. ``song.json: tempo_bpm: must be <= 255, got 300``.
"""

from __future__ import annotations

import glob
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from pydantic import TypeAdapter, ValidationError

from tracker.io.errors import ProjectError, SampleError
from tracker.io.samples import (
    SampleAudio,
    load_sample,
    sample_path,
    samples_folder,
    store_sample,
    write_atomic,
)
from tracker.model.cell_text import format_row, parse_row
from tracker.model.errors import summarize
from tracker.model.instrument import SampleInstrument, SampleRef, sample_refs_of
from tracker.model.pattern import Cell, Pattern
from tracker.model.song import SCHEMA_VERSION, Song, Track

__all__ = [
    "MAX_PROJECT_BYTES",
    "MIGRATIONS",
    "Project",
    "ProjectError",
    "dumps_song",
    "load_project",
    "loads_song",
    "migrate",
    "save_project",
]

MAX_PROJECT_BYTES: Final = 64 * 1024 * 1024

Document = dict[str, Any]

# MIGRATIONS[n] turns a version-n document into a version n+1 one. Each takes and returns
# the parsed JSON (patterns still as text rows) and must not touch the file system.
MIGRATIONS: dict[int, Callable[[Document], Document]] = {}

_TRACKS: Final = TypeAdapter(list[Track])


@dataclass
class Project:
    """A song with its decoded samples (by sha256) and the file it was loaded from or saved to."""

    song: Song
    samples: dict[str, SampleAudio] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def new(cls, tracks: int = 8) -> Project:
        return cls(song=Song.new(tracks))


# ---- writing ----------------------------------------------------------------------------


BACKUP_SUFFIX: Final = ".bak"
"""Every save keeps the file it replaces as ``<name>.bak``."""
STALE_TEMPORARY_S: Final = 60.0
"""A save's temporary file older than this belongs to a save that was killed."""


def dumps_song(song: Song) -> str:
    """The canonical project-file text of ``song`` (UTF-8, ends with a newline)."""
    columns = [track.effect_columns for track in song.tracks]
    document: Document = {}
    for name in Song.model_fields:
        if name == "patterns":
            document[name] = [
                _pattern_document(pattern, p, columns) for p, pattern in enumerate(song.patterns)
            ]
        else:
            document[name] = song.model_dump(mode="json", include={name})[name]
    return _encode(document, 0) + "\n"


def _pattern_document(pattern: Pattern, p: int, columns: list[int]) -> Document:
    document: Document = {}
    for name in Pattern.model_fields:
        if name == "rows":
            document[name] = [_row_text(row, p, r, columns) for r, row in enumerate(pattern.rows)]
        elif name == "automation" and not pattern.automation:
            continue  # most patterns have none: the file stays as it was before lanes existed
        else:
            document[name] = pattern.model_dump(mode="json", include={name})[name]
    return document


def _row_text(row: list[Cell], p: int, r: int, columns: list[int]) -> str:
    try:
        return format_row(row, columns)
    except ValueError as exc:  # only a song edited in place past its validation gets here
        raise ValueError(f"patterns[{p}].rows[{r}]: {exc}") from None


def _encode(value: Any, depth: int) -> str:
    # json.dumps(indent=2), except that a list of numbers (order, wavetable) stays on one line.
    inner = "  " * (depth + 1)
    if isinstance(value, dict) and value:
        items = [
            f"{inner}{_scalar(key)}: {_encode(item, depth + 1)}" for key, item in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
    if isinstance(value, list) and value:
        if all(isinstance(item, int | float) and not isinstance(item, bool) for item in value):
            return "[" + ", ".join(_scalar(item) for item in value) + "]"
        if all(
            isinstance(item, dict) and all(_is_number(v) for v in item.values()) for item in value
        ):
            # automation points: one {"row": .., "value": ..} a line, so a diff shows which
            lines = [
                inner
                + "{"
                + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in item.items())
                + "}"
                for item in value
            ]
            return "[\n" + ",\n".join(lines) + "\n" + "  " * depth + "]"
        items = [inner + _encode(item, depth + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * depth + "]"
    return _scalar(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def save_project(project: Project, path: str | os.PathLike[str], backup: bool = True) -> None:
    """Write ``project`` to ``path`` and its missing samples to the sample folder beside it.

    The whole song is validated first (as loading would), so a song edited in place into an
    inconsistent state is refused rather than written. Samples are written before the JSON,
    each atomically; then, with ``backup``, the file as it was becomes ``<name>.bak``, and
    the JSON replaces it atomically. On failure the old file is left as it was and a
    ProjectError is raised. On success ``project.path`` is ``path``.
    """
    target = Path(path)
    label = target.name
    try:
        text = dumps_song(project.song)
    except ValueError as exc:  # a row that does not fit its tracks, a NaN put in a list
        raise ProjectError(f"{label}: cannot save: {' '.join(str(exc).split())}") from None
    try:
        loads_song(text, label)  # refuse to write what could not be read back
    except ProjectError as exc:
        reason = str(exc).removeprefix(f"{label}: ")
        raise ProjectError(f"{label}: cannot save: {reason}") from None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ProjectError(f"{label}: text cannot be written as UTF-8 ({exc.reason})") from None
    folder = samples_folder(target)
    for number, ref in _numbered_refs(project.song):
        where = f"{label}: instruments[{number}].sample"
        audio = project.samples.get(ref.sha256)
        try:
            if audio is None:
                if not sample_path(folder, ref).exists():
                    raise SampleError(f"no audio loaded for sha256 {ref.sha256}")
                continue
            folder.mkdir(exist_ok=True)
            store_sample(folder, ref, audio)
        except OSError as exc:
            raise ProjectError(f"{where}: cannot save: {exc.strerror or exc}") from exc
        except ProjectError as exc:
            raise ProjectError(f"{where}: {exc}") from None
    # The backup is taken once the new file is safe on disk: a save that fails (a full disk)
    # leaves both the file and its backup as they were.
    keep = (lambda: keep_backup(target)) if backup else None
    write_atomic(target, lambda file: _write_all(file, data), before_replace=keep)
    project.path = target


def sync_folder(path: Path) -> Path:
    """``song.json`` -> ``song.sync`` beside it: what tracker.io.sync last synced."""
    return path.with_name(path.stem + ".sync")


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def keep_backup(path: Path) -> None:
    """Make ``<name>.bak`` the file at ``path`` as it is now (nothing if there is none).

    A hard link under a temporary name, renamed over the old backup: no copy, and a save
    killed at any moment leaves either the old backup or the new one, whole. Where links
    are not allowed (some network and FAT file systems) the file is copied the same way.
    Raises OSError.
    """
    if not path.exists():
        return
    backup = backup_path(path)
    link = path.with_name(f".{backup.name}.{os.getpid()}.tmp")
    try:
        link.unlink(missing_ok=True)
        os.link(path, link)
        os.replace(link, backup)
    except OSError:
        # An OSError from here on fails the save, and the save's own write_atomic reports it.
        link.unlink(missing_ok=True)
        data = path.read_bytes()
        try:
            with link.open("wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(link, backup)
        finally:
            link.unlink(missing_ok=True)


def remove_stale_temporaries(path: Path, older_than_s: float = STALE_TEMPORARY_S) -> list[Path]:
    """Remove the temporary files that saves of ``path`` (and its backup) left when they were
    killed: ``.<name>.*.tmp`` beside it, older than ``older_than_s`` (a save under way in
    another process is younger). Returns what was removed; what cannot be is left."""
    removed = []
    now_s = time.time()
    for name in (path.name, backup_path(path).name):
        for temp in path.parent.glob(f".{glob.escape(name)}.*.tmp"):
            try:
                if now_s - temp.stat().st_mtime >= older_than_s:
                    temp.unlink()
                    removed.append(temp)
            except OSError:
                continue
    return removed


def _write_all(file: IO[bytes], data: bytes) -> None:
    file.write(data)


# ---- reading ----------------------------------------------------------------------------


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file and every sample it uses. The files are only read, never written."""
    source = Path(path)
    label = source.name
    try:
        with source.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            data = file.read(MAX_PROJECT_BYTES + 1) if size <= MAX_PROJECT_BYTES else b""
    except OSError as exc:
        raise ProjectError(f"{label}: cannot read: {exc.strerror or exc}") from None
    if size > MAX_PROJECT_BYTES or len(data) > MAX_PROJECT_BYTES:
        raise ProjectError(
            f"{label}: is {max(size, len(data))} bytes; a project file may have at most "
            f"{MAX_PROJECT_BYTES} ({MAX_PROJECT_BYTES // 2**20} MiB)"
        )
    song = loads_song(data, label)
    folder = samples_folder(source)
    samples: dict[str, SampleAudio] = {}
    for number, ref in _numbered_refs(song):
        if ref.sha256 in samples:
            continue
        try:
            samples[ref.sha256] = load_sample(folder, ref)
        except ProjectError as exc:
            raise ProjectError(f"{label}: instruments[{number}].sample: {exc}") from None
    return Project(song=song, samples=samples, path=source)


def _numbered_refs(song: Song) -> Iterator[tuple[int, SampleRef]]:
    """Each sample instrument's samples (its own, then its zones') with its index."""
    for number, instrument in enumerate(song.instruments):
        if isinstance(instrument, SampleInstrument):
            for ref in sample_refs_of(instrument):
                yield number, ref


def loads_song(data: bytes | str, source: str = "song.json") -> Song:
    """Parse, migrate and validate project-file text. ``source`` names it in errors."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProjectError(
                f"{source}: is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
            ) from None
    try:
        document = json.loads(data, parse_constant=_reject_constant, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise ProjectError(
            f"{source}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ProjectError(f"{source}: JSON is nested too deeply") from None
    except ValueError as exc:  # from the hooks, or an integer too long to convert
        raise ProjectError(f"{source}: invalid JSON: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict):
        raise ProjectError(
            f"{source}: expected a JSON object at the top level, got {_json_kind(document)}"
        )
    return _song_from_document(migrate(document, source), source)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed: numbers must be finite")


def _object(pairs: list[tuple[str, Any]]) -> Document:
    # json.loads keeps the last of two equal keys; a hand-edited file with both is refused.
    document: Document = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {key!r}")
        document[key] = value
    return document


def _json_kind(value: Any) -> str:
    kinds = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }
    return kinds.get(type(value), "a number")


def migrate(
    document: Document,
    source: str = "song.json",
    migrations: Mapping[int, Callable[[Document], Document]] | None = None,
    target: int = SCHEMA_VERSION,
) -> Document:
    """Bring a parsed document from its schema_version up to ``target``, one step at a time."""
    steps = MIGRATIONS if migrations is None else migrations
    if "schema_version" not in document:
        raise ProjectError(f"{source}: schema_version: missing (is this a tracker project?)")
    version = document["schema_version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"{source}: schema_version: must be a positive integer, got {version!r}")
    if version > target:
        raise ProjectError(
            f"{source}: written by a newer version of tracker "
            f"(schema {version}, this reads up to {target})"
        )
    while version < target:
        if version not in steps:
            raise ProjectError(f"{source}: schema_version: no migration from {version}")
        document = steps[version](dict(document))
        version += 1
        document["schema_version"] = version
    return document


def _song_from_document(document: Document, source: str) -> Song:
    """Validate a current-schema document, turning text rows back into cells."""
    document = dict(document)
    if "tracks" in document:
        try:
            tracks = _TRACKS.validate_python(document["tracks"])
        except ValidationError as exc:
            raise ProjectError(f"{source}: tracks{_prefix(summarize(exc))}") from None
        columns = [track.effect_columns for track in tracks]
        patterns = document.get("patterns")
        if isinstance(patterns, list):
            document["patterns"] = [
                _pattern_from_document(pattern, p, columns, source)
                for p, pattern in enumerate(patterns)
            ]
    try:
        return Song.model_validate(document)
    except ValidationError as exc:
        raise ProjectError(f"{source}: {summarize(exc)}") from None


def _prefix(message: str) -> str:
    # summarize() of a list starts with "[i]..." or with a bare message; join it to a path.
    return message if message.startswith("[") else f": {message}"


def _pattern_from_document(pattern: Any, p: int, columns: list[int], source: str) -> Any:
    if not isinstance(pattern, dict) or not isinstance(pattern.get("rows"), list):
        return pattern  # the Song validator reports the wrong shape
    rows = []
    for r, text in enumerate(pattern["rows"]):
        where = f"{source}: patterns[{p}].rows[{r}]"
        if not isinstance(text, str):
            raise ProjectError(f"{where}: must be a string of cells, got {_json_kind(text)}")
        try:
            rows.append(parse_row(text, columns))
        except ValueError as exc:
            raise ProjectError(f"{where}: {exc}") from None
    return {**pattern, "rows": rows}
