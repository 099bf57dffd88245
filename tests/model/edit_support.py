"""Songs written as text rows for the edit tests, and the checks every edit test makes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tracker.model import Pattern, Song, SynthInstrument, Track, format_row, parse_row

EMPTY = "--- .. .. ..."  # an empty cell on a track with one effect column


def song_of(
    *patterns: Sequence[str],
    columns: Sequence[int] = (1, 1),
    instruments: int = 2,
    order: Sequence[int] = (0,),
    restart_order: int = 0,
) -> Song:
    """A song whose patterns are given as rows of cell text (see tracker.model.cell_text).

    Tracks have ``columns`` effect columns each; instruments are synths named "1", "2", ...
    """
    return Song(
        tracks=[Track(effect_columns=c) for c in columns],
        instruments=[SynthInstrument(name=str(n)) for n in range(1, instruments + 1)],
        patterns=[Pattern(rows=[parse_row(row, columns) for row in rows]) for rows in patterns],
        order=list(order),
        restart_order=restart_order,
    )


def grid(song: Song, pattern: int = 0) -> list[str]:
    """A pattern of ``song`` as rows of cell text."""
    columns = [track.effect_columns for track in song.tracks]
    return [format_row(row, columns) for row in song.patterns[pattern].rows]


def assert_valid(song: Song) -> None:
    """The song keeps every Song invariant: it validates again from its own dump, unchanged."""
    dump = song.model_dump()
    assert Song.model_validate(dump).model_dump() == dump


def edited(song: Song, edit: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``edit(song, *args, **kwargs)``, checking that it left ``song`` alone and that every
    song it returned is valid."""
    before = song.model_dump()
    result = edit(song, *args, **kwargs)
    assert song.model_dump() == before
    for value in result if isinstance(result, tuple) else (result,):
        if isinstance(value, Song):
            assert_valid(value)
    return result
