"""Undo and redo: a list of whole songs.

Edits (tracker.model.edit) share every pattern, row and instrument they do not change, so a
snapshot of the song before an edit costs little more than the rows it touched; keeping
whole Song references is simpler than keeping diffs and cannot drift out of step with them.
Songs held here must never be changed in place.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Final

from tracker.model.song import Song

DEFAULT_LIMIT: Final = 4096  # steps; the oldest is dropped first


@dataclass(frozen=True, slots=True)
class Step:
    """One undoable edit, as kept on the undo and redo stacks."""

    song: Song  # the song before the edit (on the undo stack) or after it (on the redo stack)
    label: str  # "Insert row", shown in the UI
    where: object  # opaque UI state to restore (e.g. the cursor); may be None
    group: object = None  # edits applied in a row with the same group are this one step


class History:
    """The current song plus the songs to go back and forward to."""

    def __init__(self, song: Song, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self._song = song
        self._undo: deque[Step] = deque(maxlen=limit)
        self._redo: deque[Step] = deque(maxlen=limit)
        self._saved: Song | None = song

    @property
    def song(self) -> Song:
        """The current song."""
        return self._song

    def apply(self, song: Song, label: str, where: object = None, group: object = None) -> None:
        """Make ``song`` current, keeping the current one to undo to; clears redo.

        Nothing happens when ``song`` is the current song (an edit that changed nothing).
        ``group`` (compared by identity; None: none) joins this edit to the last step when
        that step was made in the same group, right before, with nothing undone since: one
        undo then goes back past all of them (a recording pass is one step).
        """
        if song is self._song:
            return
        last = self._undo[-1] if self._undo else None
        if group is not None and last is not None and last.group is group and not self._redo:
            self._song = song  # the step keeps the song from before the group's first edit
            return
        self._undo.append(Step(self._song, label, where, group))
        self._redo.clear()
        self._song = song

    def undo(self) -> Step | None:
        """Go back one edit; returns that edit's step (its label and ``where``), or None."""
        if not self._undo:
            return None
        step = self._undo.pop()
        self._redo.append(Step(self._song, step.label, step.where))
        self._song = step.song
        return step

    def redo(self) -> Step | None:
        """Make the last undone edit again; returns its step, or None."""
        if not self._redo:
            return None
        step = self._redo.pop()
        self._undo.append(Step(self._song, step.label, step.where))
        self._song = step.song
        return step

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def reset(self, song: Song) -> None:
        """Start over with a new document: no history, and ``song`` counts as saved."""
        self._song = song
        self._undo.clear()
        self._redo.clear()
        self._saved = song

    @property
    def saved(self) -> bool:
        """True while the current song is the one last marked saved (or loaded).

        Songs are compared by identity, so undoing back to the saved song counts as saved,
        but making the same change again by hand does not.
        """
        return self._song is self._saved

    def mark_saved(self) -> None:
        self._saved = self._song
