"""Three-way merge of songs, for syncing one project between two machines through S3.

A song is cut into units: each setting (tempo_bpm, title, ...), each track, instrument and
pattern by its index, and the order and the MIDI mappings as wholes. A unit only one side
changed takes that side's value, one both sides changed alike takes it, and one they changed
differently is a conflict: then nothing is merged and the person chooses a side. Units are
compared as JSON documents (``model_dump(mode="json")``), so "equal" means "saves the same".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError

from tracker.model.errors import summarize
from tracker.model.song import Song

# Lists merged element by element, so an edit to pattern 3 and one to pattern 5 both survive.
# The order is one arrangement and is merged whole: two half-merged arrangements are nobody's.
_BY_INDEX: Final = ("tracks", "instruments", "patterns")

# A list element one side does not have, such as a pattern appended on the other side.
_ABSENT: Final = object()
# Stands in for a conflicted element in the merged lists: it may be there, so an absent
# element before it is a hole whichever side is called local.
_CONFLICT: Final = object()

Unit = tuple[str, int | None]  # ("patterns", 3) for patterns[3], ("tempo_bpm", None)


@dataclass(frozen=True, slots=True)
class MergeResult:
    song: Song | None
    """The merged song; None when there is a conflict."""
    conflicts: tuple[str, ...]
    """Units both sides changed differently ("patterns[3]", "tempo_bpm", "order") and
    elements one side deleted before ones kept after them (holes), in song order; empty when
    merged. When every unit merged but the song they make is invalid: the units either side
    changed, then one line "the merged song is invalid: ..."."""
    local_changes: tuple[str, ...]
    """Units the local song changed from the base (with no base: every unit that differs)."""
    remote_changes: tuple[str, ...]
    """Units the remote song changed from the base (with no base: every unit that differs)."""


def merge_songs(base: Song | None, local: Song, remote: Song) -> MergeResult:
    """Merge the changes ``local`` and ``remote`` each made to ``base``, their common ancestor.

    With no base (a first push that finds a project already there) the songs merge only
    when they are equal. Never raises for valid songs; performs no I/O.
    """
    local_doc = local.model_dump(mode="json")
    remote_doc = remote.model_dump(mode="json")
    if base is None:
        # Nothing says which side made a difference, so every difference is a conflict.
        units = _units(local_doc, remote_doc)
        differing = _names(u for u in units if _value(local_doc, u) != _value(remote_doc, u))
        return MergeResult(None if differing else local, differing, differing, differing)

    base_doc = base.model_dump(mode="json")
    units = _units(base_doc, local_doc, remote_doc)
    merged: dict[str, Any] = {field: [] for field in _BY_INDEX}
    local_changed: list[Unit] = []
    remote_changed: list[Unit] = []
    conflicts: set[Unit] = set()
    for unit in units:
        old, mine, theirs = (_value(doc, unit) for doc in (base_doc, local_doc, remote_doc))
        if mine != old:
            local_changed.append(unit)
        if theirs != old:
            remote_changed.append(unit)
        value = theirs if mine == old else mine
        if mine != old and theirs not in (old, mine):
            conflicts.add(unit)
            value = _CONFLICT
        field, index = unit
        if index is None:
            merged[field] = value
        else:
            merged[field].append(value)
    conflicts |= _holes(merged)

    local_changes, remote_changes = _names(local_changed), _names(remote_changed)
    if conflicts:
        conflicted = _names(u for u in units if u in conflicts)
        return MergeResult(None, conflicted, local_changes, remote_changes)
    # Every unit came from the side that changed it, so one side's song is the merge as is.
    if not remote_changed:
        return MergeResult(local, (), local_changes, remote_changes)
    if not local_changed:
        return MergeResult(remote, (), local_changes, remote_changes)
    try:
        song = Song.model_validate(merged)
    except ValidationError as error:
        # Each side is valid alone, but the rules that span parts (one cell per track on every
        # row, instruments that exist) may break between them; no one unit is to blame.
        changed = {*local_changed, *remote_changed}
        involved = _names(u for u in units if u in changed)
        reason = f"the merged song is invalid: {summarize(error)}"
        return MergeResult(None, (*involved, reason), local_changes, remote_changes)
    return MergeResult(song, (), local_changes, remote_changes)


def _units(*documents: Mapping[str, Any]) -> list[Unit]:
    """Every unit of any of the documents, in song field order."""
    units: list[Unit] = []
    for field in Song.model_fields:
        if field in _BY_INDEX:
            count = max(len(document[field]) for document in documents)
            units += [(field, index) for index in range(count)]
        else:
            units.append((field, None))
    return units


def _value(document: Mapping[str, Any], unit: Unit) -> Any:
    field, index = unit
    if index is None:
        return document[field]
    items = document[field]
    return items[index] if index < len(items) else _ABSENT


def _holes(merged: dict[str, Any]) -> set[Unit]:
    """Drop absent elements from the ends of the merged lists; return those left in between.

    One side deleting the last pattern while the other appends one would move the new
    pattern to another index, which neither side's order list refers to.
    """
    holes: set[Unit] = set()
    for field in _BY_INDEX:
        items: list[Any] = merged[field]
        while items and items[-1] is _ABSENT:
            items.pop()
        holes |= {(field, index) for index, item in enumerate(items) if item is _ABSENT}
    return holes


def _names(units: Iterable[Unit]) -> tuple[str, ...]:
    return tuple(field if index is None else f"{field}[{index}]" for field, index in units)


# What a person calls a setting; a field not named here reads as its name with spaces.
_SETTING_NAMES: Final = {
    "tempo_bpm": "tempo",
    "speed_ticks": "speed",
    "master_volume": "master volume",
    "restart_order": "restart position",
    "midi_mappings": "MIDI mappings",
}
_ELEMENT_NAMES: Final = {
    "tracks": ("track", "tracks"),
    "instruments": ("instrument", "instruments"),
    "patterns": ("pattern", "patterns"),
}
_ELEMENT_PART: Final = re.compile(r"(tracks|instruments|patterns)\[(\d+)\]")


def _element_number(field: str, index: int) -> str:
    """Element ``index`` numbered as the UI shows it."""
    if field == "tracks":
        return str(index + 1)  # "Track 1" heads the pattern grid's first column
    if field == "instruments":
        return f"{index + 1:02X}"  # the number cells use for it
    return f"{index:02X}"  # "P00" in the pattern grid, "00" in the order list


def describe_parts(parts: Sequence[str], limit: int = 4) -> str:
    """Parts (as in MergeResult) as one short line: "patterns 03 and 05, tempo".

    Numbers are those the UI shows. Past ``limit`` parts the rest are counted ("..., and 3
    more"); a text that is not a part, such as an invalid merge's reason, follows in brackets.
    """
    unique = list(dict.fromkeys(parts))
    known = [p for p in unique if p in Song.model_fields or _ELEMENT_PART.fullmatch(p)]
    notes = [p for p in unique if p not in known]
    shown = known[: max(limit, 1)]
    groups: dict[str, list[str]] = {}  # a name -> element numbers, in the order first seen
    for part in shown:
        element = _ELEMENT_PART.fullmatch(part)
        if element is None:
            groups.setdefault(_SETTING_NAMES.get(part, part.replace("_", " ")), [])
            continue
        field, index = element[1], int(element[2])
        groups.setdefault(field, []).append(_element_number(field, index))
    texts = []
    for name, numbers in groups.items():
        if not numbers:
            texts.append(name)
            continue
        one, many = _ELEMENT_NAMES[name]
        texts.append(f"{one if len(numbers) == 1 else many} {_join(numbers)}")
    text = ", ".join(texts)
    if len(known) > len(shown):
        text += f", and {len(known) - len(shown)} more"
    return " ".join([text, *(f"({note})" for note in notes)]).strip()


def _join(words: Sequence[str]) -> str:
    """["1", "2", "3"] -> "1, 2 and 3"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
