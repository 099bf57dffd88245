"""Sync a project with an S3 bucket: push, pull, status and log, never losing either side.

The local file is always the working copy. What was last pushed or pulled is kept beside it
in ``song.sync/``: ``state.json`` (bucket, key, ETag, version) and ``base.json`` (the song
as it was then), so two folders on one machine behave like two machines.

A push writes with ``IfMatch=<the synced ETag>`` (``IfNoneMatch='*'`` the first time). When
the remote changed meanwhile (412), the two sides are merged three ways against base.json
(tracker.model.merge): changes to different patterns, instruments, tracks or settings are
combined, saved locally and pushed; changes to the same one are a conflict, and the remote
version is saved beside the local one as ``song.conflict-<time>.json``, reported, and the
local one left as it is. Samples are uploaded first, under their sha256 (once per sound),
so a song on the bucket never names a sample that is not there. A push that cannot reach
the endpoint is queued in state.json and done by the next push (the app retries).
"""

from __future__ import annotations

import dataclasses
import json
import os
import posixpath
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, ValidationError

from tracker.io.errors import ProjectError
from tracker.io.project import (
    MAX_PROJECT_BYTES,
    Project,
    keep_backup,
    loads_song,
    save_project,
    sync_folder,
)
from tracker.io.s3 import (
    Bucket,
    Location,
    Missing,
    Offline,
    PreconditionFailed,
    S3Error,
    Stored,
)
from tracker.io.samples import load_sample, sample_path, samples_folder, write_atomic
from tracker.model.instrument import SampleRef
from tracker.model.merge import MergeResult, describe_parts, merge_songs
from tracker.model.song import Song

__all__ = [
    "SyncError",
    "SyncOffline",
    "SyncResult",
    "SyncState",
    "SyncStatus",
    "log",
    "pull",
    "push",
    "read_state",
    "status",
]

STATE_FILE: Final = "state.json"
BASE_FILE: Final = "base.json"
MAX_SAMPLE_BYTES: Final = 1 << 30
"""Largest sample file taken from a bucket (SAMPLE_MAX_FRAMES of 32-bit stereo fit)."""
MERGE_ROUNDS: Final = 5
"""Pushes tried in a row while the remote keeps changing under a merge."""


class SyncError(Exception):
    """A sync that could not be done; one line. The local files are as they were."""


class SyncOffline(SyncError):
    """The bucket could not be reached (a push is queued instead of raising this)."""


def _sync_error(error: S3Error, suffix: str = "") -> SyncError:
    kind = SyncOffline if isinstance(error, Offline) else SyncError
    return kind(f"{error}{suffix}")


def _bucket(location: Location, given: Bucket | None) -> Bucket:
    try:
        return given or Bucket(location)
    except S3Error as error:  # an unknown AWS_PROFILE, a malformed endpoint URL
        raise _sync_error(error) from None


class SyncState(BaseModel):
    """state.json: where the project is synced to and which remote version base.json is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str
    key: str
    prefix: str = ""
    """Where the samples are: ``<prefix>samples/``."""
    endpoint_url: str | None = None
    etag: str | None = None
    """The remote's ETag when base.json was taken; None before the first push or pull."""
    version_id: str | None = None
    pending_push: bool = False
    """A push could not reach the bucket: the next push (or the app) does it."""
    conflict_copy: str | None = None
    """The file the last conflicting remote version was saved to, until the next push."""


class SyncStatus(Enum):
    IN_SYNC = "in sync"
    LOCAL_AHEAD = "local ahead"
    REMOTE_AHEAD = "remote ahead"
    DIVERGED = "diverged"
    NOT_SYNCED = "not synced"
    """Never pushed or pulled here."""
    REMOTE_MISSING = "remote missing"
    """Synced before, but the key is gone from the bucket."""


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a push or pull did, for one line of report."""

    message: str
    status: SyncStatus
    conflict_copy: Path | None = None
    merged: bool = False
    """The local file was rewritten with remote changes merged in (reload it)."""
    queued: bool = False
    samples_sent: int = 0
    samples_fetched: int = 0
    changed_local: bool = False
    """The local file was replaced (pull, merge): an open editor should load it again."""


def read_state(project_path: Path) -> SyncState | None:
    """The project's sync state, None if it was never synced; SyncError if it is unreadable."""
    path = sync_folder(project_path) / STATE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise SyncError(f"{path}: cannot read: {_reason(error)}") from None
    try:
        return SyncState.model_validate_json(text)
    except ValidationError as error:
        raise SyncError(f"{path}: not a sync state ({error.error_count()} problems)") from None


def push(
    project_path: Path,
    location: Location | None,
    bucket: Bucket | None = None,
    on_step: Callable[[str], None] | None = None,
) -> SyncResult:
    """Upload the project file as saved (its samples first).

    `location` is needed the first time; later the state's bucket and key are used (a
    different location is refused). `bucket` is for tests and the app, which keep one
    client. `on_step` is told "samples" and "song" as each part starts.
    """
    state = read_state(project_path)
    location = _location(project_path, state, location)
    bucket = _bucket(location, bucket)
    key = state.key if state else location.key(project_path.name)
    local = _read_local(project_path)
    local_song = _song(local, project_path.name)
    base = _read_base(project_path) if state and state.etag else None
    try:
        if on_step:
            on_step("samples")
        sent = _send_samples(bucket, project_path, local_song)
        if on_step:
            on_step("song")
        etag = state.etag if state else None
        unchanged = state is not None and not state.pending_push
        if (
            etag is not None
            and unchanged
            and _same(local, base, project_path.name)
            and bucket.head_etag(key) == etag
        ):
            return SyncResult(
                f"{project_path.name} is in sync; nothing to push",
                SyncStatus.IN_SYNC,
                samples_sent=sent,
            )
        merged = False
        for _ in range(MERGE_ROUNDS):
            try:
                written = bucket.put(key, local, if_match=etag, create=etag is None)
            except PreconditionFailed:
                outcome = _merge_remote(bucket, project_path, key, local, base, state)
                if outcome.result is not None:
                    return outcome.result
                local, base, etag = outcome.local, outcome.base, outcome.etag
                state, merged = outcome.state, True
                continue
            _save_state(
                project_path, location, key, Stored(local, written.etag, written.version_id)
            )
            merged_note = " (with the remote's changes merged in)" if merged else ""
            return SyncResult(
                f"pushed to {bucket.url(key)}{merged_note}; {_samples_note(sent, 'sent')}",
                SyncStatus.IN_SYNC,
                samples_sent=sent,
                merged=merged,
                changed_local=merged,
            )
        raise SyncError(f"{bucket.url(key)} kept changing while merging; push again")
    except Offline as error:
        _save_pending(project_path, location, key, state)
        return SyncResult(
            f"offline, push queued: {error}",
            SyncStatus.LOCAL_AHEAD,
            queued=True,
        )
    except S3Error as error:
        raise _sync_error(error) from None


@dataclass
class _MergeOutcome:
    """After a 412: either a final result, or the merged local bytes to push over `etag`."""

    result: SyncResult | None
    local: bytes = b""
    base: bytes | None = None
    etag: str | None = None
    state: SyncState | None = None


def _merge_remote(
    bucket: Bucket,
    project_path: Path,
    key: str,
    local: bytes,
    base: bytes | None,
    state: SyncState | None,
) -> _MergeOutcome:
    remote = bucket.get(key, MAX_PROJECT_BYTES)
    remote_song = _remote_song(bucket, key, remote.data)
    location = _state_location(state, bucket.location)
    if remote.data == local or remote_song == _song(local, project_path.name):
        state = _save_state(project_path, location, key, remote)
        return _MergeOutcome(
            SyncResult(f"{bucket.url(key)} already holds this song", SyncStatus.IN_SYNC)
        )
    fetched = _fetch_samples(bucket, samples_folder(project_path), remote_song)
    merge = _merge(project_path, local, base, remote_song)
    if merge.song is None:
        kept = _keep_both(bucket, project_path, location, key, remote, remote_song, merge)
        note = " and not pushed (push again to replace the remote with yours)"
        return _MergeOutcome(
            dataclasses.replace(kept, message=kept.message + note, samples_fetched=fetched)
        )
    if merge.song == remote_song:  # nothing of ours the remote lacks: take it as it is
        _replace_local(project_path, remote.data)
        _save_state(project_path, location, key, remote)
        return _MergeOutcome(
            SyncResult(
                f"pulled {bucket.url(key)}: it had changes, there were none here to push",
                SyncStatus.IN_SYNC,
                samples_fetched=fetched,
                changed_local=True,
            )
        )
    merged = _write_song(project_path, merge.song)
    state = _save_state(project_path, location, key, remote)
    return _MergeOutcome(None, merged, remote.data, remote.etag, state)


def pull(
    project_path: Path,
    location: Location | None,
    version_id: str | None = None,
    bucket: Bucket | None = None,
    key: str | None = None,
) -> SyncResult:
    """Bring the remote into the local file: replaced if it has no changes of its own,
    merged if it has, a conflict copy beside it if the two cannot merge.

    With `version_id` (a versioned bucket) that version replaces the local file, which
    must then have no unpushed changes; a push afterwards makes it the latest again. `key`
    names the remote file of a project not synced yet (default: the prefix and the name).
    """
    state = read_state(project_path)
    location = _location(project_path, state, location)
    if state is not None:
        key = state.key
    elif key is not None:
        # A project pulled by its key: its samples are beside it, in <its folder>/samples/.
        location = dataclasses.replace(location, prefix=posixpath.dirname(key))
        bucket = bucket.moved(location) if bucket is not None else None
    key = key or location.key(project_path.name)
    bucket = _bucket(location, bucket)
    local = _read_local(project_path) if project_path.exists() else None
    base = _read_base(project_path) if state and state.etag else None
    local_changed = local is not None and not _same(local, base, project_path.name)
    try:
        if version_id is not None:
            return _pull_version(
                bucket, project_path, location, key, version_id, state, local_changed
            )
        if (
            state is not None
            and state.etag is not None
            and not local_changed
            and bucket.head_etag(key) == state.etag
        ):
            return SyncResult(f"{project_path.name} is in sync", SyncStatus.IN_SYNC)
        remote = bucket.get(key, MAX_PROJECT_BYTES)
        remote_song = _remote_song(bucket, key, remote.data)
        fetched = _fetch_samples(bucket, samples_folder(project_path), remote_song)
        if local is None or not local_changed or (state is None and local == remote.data):
            _replace_local(project_path, remote.data)
            _save_state(project_path, location, key, remote)
            return SyncResult(
                f"pulled {bucket.url(key)}; {_samples_note(fetched, 'fetched')}",
                SyncStatus.IN_SYNC,
                samples_fetched=fetched,
                changed_local=True,
            )
        if state is not None and remote.etag == state.etag:
            return SyncResult(
                f"nothing to pull; {project_path.name} has changes to push",
                SyncStatus.LOCAL_AHEAD,
            )
        merge = _merge(project_path, local, base, remote_song)
        if merge.song is None:
            kept = _keep_both(bucket, project_path, location, key, remote, remote_song, merge)
            return dataclasses.replace(kept, samples_fetched=fetched)
        _write_song(project_path, merge.song)
        _save_state(project_path, location, key, remote)
        return SyncResult(
            f"merged {bucket.url(key)} into {project_path.name} "
            f"(remote changed {describe_parts(merge.remote_changes)}); push to share yours",
            SyncStatus.LOCAL_AHEAD,
            merged=True,
            samples_fetched=fetched,
            changed_local=True,
        )
    except S3Error as error:
        raise _sync_error(error, "; nothing pulled" if isinstance(error, Offline) else "") from None


def _merge(project_path: Path, local: bytes, base: bytes | None, remote: Song) -> MergeResult:
    base_song = _song(base, "base.json") if base is not None else None
    return merge_songs(base_song, _song(local, project_path.name), remote)


def _keep_both(
    bucket: Bucket,
    project_path: Path,
    location: Location,
    key: str,
    remote: Stored,
    remote_song: Song,
    merge: MergeResult,
) -> SyncResult:
    """The two sides changed the same parts: the remote goes beside ours as a conflict copy
    and becomes the synced version, so the next push replaces it with ours on purpose."""
    copy = _save_conflict_copy(bucket, project_path, remote.data, remote_song)
    _save_state(project_path, location, key, remote, conflict_copy=copy.name)
    return SyncResult(
        f"conflict in {describe_parts(merge.conflicts)}: the remote version is saved "
        f"as {copy.name}; yours is unchanged",
        SyncStatus.LOCAL_AHEAD,
        conflict_copy=copy,
    )


def _pull_version(
    bucket: Bucket,
    project_path: Path,
    location: Location,
    key: str,
    version_id: str,
    state: SyncState | None,
    local_changed: bool,
) -> SyncResult:
    if local_changed:
        raise SyncError(
            f"{project_path.name} has changes that are not pushed; push them first "
            "(or pull the version into another file)"
        )
    old = bucket.get(key, MAX_PROJECT_BYTES, version_id=version_id)
    old_song = _remote_song(bucket, key, old.data)
    fetched = _fetch_samples(bucket, samples_folder(project_path), old_song)
    latest = bucket.get(key, MAX_PROJECT_BYTES)
    _replace_local(project_path, old.data)
    # The base is the latest version: the old one shows as a local change, and a push
    # makes it the latest again (nothing later is lost; it stays in the bucket's history).
    _save_state(project_path, location, key, latest)
    ahead = SyncStatus.IN_SYNC if old.data == latest.data else SyncStatus.LOCAL_AHEAD
    return SyncResult(
        f"pulled version {version_id} of {bucket.url(key)}; "
        f"{_samples_note(fetched, 'fetched')}"
        + ("; push to make it the latest" if ahead is SyncStatus.LOCAL_AHEAD else ""),
        ahead,
        samples_fetched=fetched,
        changed_local=True,
    )


def status(
    project_path: Path, location: Location | None, bucket: Bucket | None = None
) -> tuple[SyncStatus, str]:
    """How the local file and the remote compare, and one line saying so."""
    state = read_state(project_path)
    if state is None and location is None:
        return SyncStatus.NOT_SYNCED, f"{project_path.name} has never been synced"
    location = _location(project_path, state, location)
    bucket = _bucket(location, bucket)
    key = state.key if state else location.key(project_path.name)
    try:
        remote_etag = bucket.head_etag(key)
    except S3Error as error:
        raise _sync_error(error) from None
    if state is None or state.etag is None:
        there = "exists" if remote_etag else "does not exist yet"
        return SyncStatus.NOT_SYNCED, f"never synced here; {bucket.url(key)} {there}"
    if remote_etag is None:
        return SyncStatus.REMOTE_MISSING, f"{bucket.url(key)} is gone from the bucket"
    local = _read_local(project_path) if project_path.exists() else None
    local_changed = local is None or not _same(local, _read_base(project_path), project_path.name)
    remote_changed = remote_etag != state.etag
    if local_changed and remote_changed:
        result = SyncStatus.DIVERGED
    elif local_changed:
        result = SyncStatus.LOCAL_AHEAD
    elif remote_changed:
        result = SyncStatus.REMOTE_AHEAD
    else:
        result = SyncStatus.IN_SYNC
    notes = [f"{result.value}: {project_path.name} and {bucket.url(key)}"]
    if state.pending_push:
        notes.append("a push is queued")
    if state.conflict_copy:
        notes.append(f"the last conflicting remote version is in {state.conflict_copy}")
    return result, "; ".join(notes)


def log(project_path: Path, location: Location | None, bucket: Bucket | None = None) -> list[str]:
    """Lines for `tracker sync log`: the remote versions, newest first."""
    state = read_state(project_path)
    location = _location(project_path, state, location)
    bucket = _bucket(location, bucket)
    key = state.key if state else location.key(project_path.name)
    try:
        versions = bucket.versions(key)
        versioned = bucket.versioning()
    except S3Error as error:
        raise _sync_error(error) from None
    if not versions:
        return [f"{bucket.url(key)} does not exist"]
    lines = []
    if not versioned:
        lines.append(
            f"versioning is off for bucket {location.bucket}: only the latest version is kept"
        )
    for version in versions:
        marks = []
        if version.latest:
            marks.append("latest")
        if state is not None and version.etag == state.etag:
            marks.append("synced here")
        when = version.modified.strftime("%Y-%m-%d %H:%M:%S")
        extra = f"  ({', '.join(marks)})" if marks else ""
        lines.append(f"{version.version_id}  {when}  {version.size_bytes:>8} bytes{extra}")
    return lines


# ---- local files --------------------------------------------------------------------------


def _location(project_path: Path, state: SyncState | None, given: Location | None) -> Location:
    """The state's location once synced; a different bucket or key given is refused."""
    if state is None:
        if given is None:
            raise SyncError(
                f"{project_path.name} has never been synced and no bucket is set "
                "(s3_bucket in config.toml, TRACKER_S3_BUCKET or --bucket)"
            )
        return given
    if given is not None and given.bucket != state.bucket:
        raise SyncError(
            f"{project_path.name} is synced with s3://{state.bucket}/{state.key}, "
            f"not bucket {given.bucket}"
        )
    return _state_location(state, given)


def _state_location(state: SyncState | None, given: Location | None) -> Location:
    if state is None:
        assert given is not None, "a project never synced needs a location"
        return given
    endpoint_url = given.endpoint_url if given is not None else None
    return Location(state.bucket, state.prefix, endpoint_url or state.endpoint_url)


def _read_local(project_path: Path) -> bytes:
    try:
        size = project_path.stat().st_size
        if size > MAX_PROJECT_BYTES:
            raise SyncError(f"{project_path.name} is {size} bytes: too large to sync")
        return project_path.read_bytes()
    except OSError as error:
        raise SyncError(f"{project_path.name}: cannot read: {_reason(error)}") from None


def _read_base(project_path: Path) -> bytes | None:
    try:
        return (sync_folder(project_path) / BASE_FILE).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SyncError(
            f"{project_path.name}: cannot read its sync base: {_reason(error)}"
        ) from None


def _song(data: bytes, label: str) -> Song:
    try:
        return loads_song(data, label)
    except ProjectError as error:
        raise SyncError(str(error)) from None


def _remote_song(bucket: Bucket, key: str, data: bytes) -> Song:
    try:
        return loads_song(data, bucket.url(key))
    except ProjectError as error:
        raise SyncError(f"{bucket.url(key)} is not a tracker project: {error}") from None


def _same(local: bytes, base: bytes | None, label: str) -> bool:
    """Local and base hold the same song (equal bytes, or equal once parsed)."""
    if base is None:
        return False
    if local == base:
        return True
    try:
        return loads_song(local, label) == loads_song(base, "base.json")
    except ProjectError:
        return False


def _replace_local(project_path: Path, data: bytes) -> None:
    """Write `data` as the project file, the old one kept as its .bak."""
    try:
        write_atomic(
            project_path,
            lambda file: file.write(data),
            before_replace=lambda: keep_backup(project_path),
        )
    except ProjectError as error:
        raise SyncError(str(error)) from None


def _write_song(project_path: Path, song: Song) -> bytes:
    """Save a merged song over the project file (its samples are all in the folder)."""
    try:
        save_project(Project(song=song), project_path)
    except ProjectError as error:
        raise SyncError(str(error)) from None
    return _read_local(project_path)


def _save_conflict_copy(bucket: Bucket, project_path: Path, data: bytes, song: Song) -> Path:
    """The remote version beside the local one, with its samples, under a new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    copy = project_path.with_name(f"{project_path.stem}.conflict-{stamp}.json")
    number = 1
    while copy.exists():
        number += 1
        copy = project_path.with_name(f"{project_path.stem}.conflict-{stamp}-{number}.json")
    own = samples_folder(project_path)
    folder = samples_folder(copy)
    for ref in _sample_refs(song):
        source = sample_path(own, ref)
        if source.exists():
            folder.mkdir(exist_ok=True)
            _link_or_copy(source, sample_path(folder, ref))
    _fetch_samples(bucket, folder, song)
    try:
        write_atomic(copy, lambda file: file.write(data))
    except ProjectError as error:
        raise SyncError(str(error)) from None
    return copy


def _link_or_copy(source: Path, target: Path) -> None:
    if target.exists():
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _save_state(
    project_path: Path,
    location: Location,
    key: str,
    synced: Stored,
    conflict_copy: str | None = None,
) -> SyncState:
    """Record `synced` as the version both sides share: base.json first, then state.json,
    each atomically."""
    state = SyncState(
        bucket=location.bucket,
        key=key,
        prefix=location.prefix,
        endpoint_url=location.endpoint_url,
        etag=synced.etag,
        version_id=synced.version_id,
        conflict_copy=conflict_copy,
    )
    folder = sync_folder(project_path)
    try:
        folder.mkdir(exist_ok=True)
        write_atomic(folder / BASE_FILE, lambda file: file.write(synced.data))
        _write_state(folder, state)
    except (OSError, ProjectError) as error:
        raise SyncError(f"{folder.name}: cannot save the sync state: {_reason(error)}") from None
    return state


def _save_pending(
    project_path: Path, location: Location, key: str, state: SyncState | None
) -> None:
    pending = state or SyncState(
        bucket=location.bucket, key=key, endpoint_url=location.endpoint_url
    )
    folder = sync_folder(project_path)
    try:
        folder.mkdir(exist_ok=True)
        _write_state(folder, pending.model_copy(update={"pending_push": True}))
    except (OSError, ProjectError) as error:
        raise SyncError(f"{folder.name}: cannot queue the push: {_reason(error)}") from None


def _write_state(folder: Path, state: SyncState) -> None:
    text = json.dumps(state.model_dump(mode="json"), indent=2) + "\n"
    write_atomic(folder / STATE_FILE, lambda file: file.write(text.encode("utf-8")))


# ---- samples ------------------------------------------------------------------------------


def _sample_refs(song: Song) -> list[SampleRef]:
    return list(song.sample_refs().values())


def _sample_name(ref: SampleRef) -> str:
    return f"{ref.sha256}.{ref.format}"


def _send_samples(bucket: Bucket, project_path: Path, song: Song) -> int:
    """Upload the samples the bucket does not have yet; returns how many were sent."""
    folder = samples_folder(project_path)
    sent = 0
    for ref in _sample_refs(song):
        key = bucket.location.sample_key(_sample_name(ref))
        if bucket.head_etag(key) is not None:
            continue
        path = sample_path(folder, ref)
        if not path.exists():
            raise SyncError(f"{folder.name}/{path.name} is missing: cannot push")
        try:
            bucket.put(key, path, create=True)
        except PreconditionFailed:
            continue  # uploaded meanwhile by someone else: it is the same sound
        sent += 1
    return sent


def _fetch_samples(bucket: Bucket, folder: Path, song: Song) -> int:
    """Download the samples `song` needs that `folder` lacks, each checked against its
    sha256 before it is put in place; returns how many were fetched."""
    fetched = 0
    for ref in _sample_refs(song):
        target = sample_path(folder, ref)
        if target.exists():
            continue
        key = bucket.location.sample_key(_sample_name(ref))
        folder.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder, prefix=".fetch-") as temp_name:
            temp = Path(temp_name)
            with sample_path(temp, ref).open("wb") as file:
                try:
                    bucket.download(key, MAX_SAMPLE_BYTES, file.write)
                except Missing:
                    raise SyncError(f"{bucket.url(key)} is missing: the song needs it") from None
            try:
                load_sample(temp, ref)
            except ProjectError as error:
                raise SyncError(f"{bucket.url(key)}: {error}") from None
            os.replace(sample_path(temp, ref), target)
        fetched += 1
    return fetched


def _samples_note(count: int, verb: str) -> str:
    if count == 0:
        return f"no samples {verb}"
    return f"{count} sample{'s' if count != 1 else ''} {verb}"


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return " ".join(str(error).split())
