"""Blocks: selection, clear, copy, cut, paste, transpose, set instrument, interpolate,
expand and shrink."""

import pytest

from tests.model.edit_support import EMPTY, edited, grid, song_of
from tracker.model import Block, Cell, Clip, EditError, Effect, edit
from tracker.model.edit import EFFECT0, INSTRUMENT, NOTE, VOLUME, column_count

EMPTY2 = "--- .. .. ... ..."  # an empty cell on a track with two effect columns
ROWS = [
    "C-4 01 40 A0F | D-4 02 30 B01",
    "E-4 02 10 ... | F-4 01 .. C02",
    "G-4 .. 20 ... | A-4 .. .. ...",
]


def whole(pattern: int, first_row: int, last_row: int, last_track: int = 1) -> Block:
    """Rows first_row..last_row of tracks 0..last_track, every column."""
    return Block(pattern, first_row, last_row, 0, NOTE, last_track, column_count(4) - 1)


def test_column_count() -> None:
    assert (NOTE, INSTRUMENT, VOLUME, EFFECT0) == (0, 1, 2, 3)
    assert column_count(1) == 4
    assert column_count(4) == 7


def test_between_normalises_the_corners() -> None:
    block = Block.between(0, 5, 2, 1, 1, 0, 4)
    assert block == Block(0, 1, 5, 0, 4, 2, 1)
    assert Block.between(0, 1, 0, 4, 5, 2, 1) == block
    assert block.rows() == range(1, 6)
    assert block.tracks() == range(0, 3)


def test_between_on_one_track_orders_the_columns() -> None:
    assert Block.between(3, 2, 1, 3, 2, 1, 0) == Block(3, 2, 2, 1, 0, 1, 3)


def test_covers_reads_columns_in_order() -> None:
    block = Block(0, 0, 0, 0, 4, 2, 1)
    assert [block.covers(0, c) for c in range(7)] == [False] * 4 + [True] * 3
    assert all(block.covers(1, c) for c in range(7))
    assert [block.covers(2, c) for c in range(3)] == [True, True, False]
    assert not block.covers(3, 0)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (Block(1, 0, 0, 0, 0, 0, 0), "pattern 1"),
        (Block(0, 0, 3, 0, 0, 0, 0), "row 3"),
        (Block(0, -1, 0, 0, 0, 0, 0), "row -1"),
        (Block(0, 2, 1, 0, 0, 0, 0), "upside down"),
        (Block(0, 0, 0, 0, 0, 2, 0), "track 2"),
        (Block(0, 0, 0, -1, 0, 0, 0), "track -1"),
        (Block(0, 0, 0, 0, 0, 0, 7), "column 7 is outside 0..6"),
        (Block(0, 0, 0, 0, -1, 0, 0), "column -1"),
        (Block(0, 0, 0, 1, 0, 0, 3), "ends before it starts"),
        (Block(0, 0, 0, 0, 3, 0, 2), "ends before it starts"),
    ],
)
def test_block_edits_reject_bad_blocks(block: Block, message: str) -> None:
    song = song_of(ROWS)
    for operation in (edit.clear, edit.copy, edit.interpolate, edit.expand, edit.shrink):
        with pytest.raises(EditError, match=message):
            operation(song, block)
    with pytest.raises(EditError, match=message):
        edit.transpose(song, block, 1)


def test_clear_empties_only_the_selected_columns() -> None:
    song = song_of(ROWS)
    result = edited(song, edit.clear, Block(0, 0, 1, 0, VOLUME, 1, INSTRUMENT))
    assert grid(result) == [
        "C-4 01 .. ... | --- .. 30 B01",
        "E-4 02 .. ... | --- .. .. C02",
        ROWS[2],
    ]
    assert result.patterns[0].rows[2] is song.patterns[0].rows[2]


def test_clear_of_empty_cells_returns_the_song() -> None:
    song = song_of([f"{EMPTY} | {EMPTY}"])
    assert edit.clear(song, whole(0, 0, 0)) is song


def test_copy_keeps_only_the_selected_columns() -> None:
    clip = edited(song_of(ROWS), edit.copy, Block(0, 0, 1, 0, VOLUME, 1, INSTRUMENT))
    a0f = Effect(command="A", param=0x0F)
    assert clip == Clip(
        cells=(
            (Cell(volume=0x40, effects=(a0f,)), Cell(note=50, instrument=2)),
            (Cell(volume=0x10), Cell(note=53, instrument=1)),
        ),
        columns=(frozenset({VOLUME, EFFECT0}), frozenset({NOTE, INSTRUMENT})),
    )


def test_cut_then_paste_restores_the_pattern() -> None:
    song = song_of(ROWS)
    block = Block(0, 1, 2, 0, INSTRUMENT, 1, VOLUME)
    cleared, clip = edited(song, edit.cut, block)
    assert grid(cleared) == [
        ROWS[0],
        "E-4 .. .. ... | --- .. .. C02",
        "G-4 .. .. ... | --- .. .. ...",
    ]
    restored = edited(cleared, edit.paste, 0, 1, 0, clip)
    assert grid(restored) == ROWS


def test_paste_overwrites_with_empty_values_too() -> None:
    song = song_of(["C-4 .. .. ... | D-4 01 20 A01"])
    clip = edit.copy(song, Block(0, 0, 0, 0, NOTE, 0, VOLUME))
    result = edited(song, edit.paste, 0, 0, 1, clip)
    assert grid(result) == ["C-4 .. .. ... | C-4 .. .. A01"]


def test_mix_paste_fills_only_empty_fields() -> None:
    song = song_of(
        ["C-4 .. 30 B02 | D-4 01 20 ...", f"{EMPTY} | --- 01 .. A01"],
    )
    clip = edit.copy(song, Block(0, 0, 0, 0, NOTE, 0, EFFECT0))
    result = edited(song, edit.paste, 0, 0, 1, clip, mix=True)
    assert grid(result) == ["C-4 .. 30 B02 | D-4 01 20 B02", f"{EMPTY} | --- 01 .. A01"]
    result = edited(song, edit.paste, 0, 1, 1, clip, mix=True)
    assert grid(result)[1] == f"{EMPTY} | C-4 01 30 A01"


def test_paste_is_clipped_at_the_last_row_and_track() -> None:
    song = song_of(ROWS)
    clip = edit.copy(song, whole(0, 0, 1))
    result = edited(song, edit.paste, 0, 2, 1, clip)
    assert grid(result) == [ROWS[0], ROWS[1], "G-4 .. 20 ... | C-4 01 40 A0F"]


def test_paste_drops_effect_columns_the_track_does_not_have() -> None:
    song = song_of([f"C-4 .. .. A01 B02 | {EMPTY}"], columns=(2, 1))
    clip = edit.copy(song, whole(0, 0, 0, last_track=0))
    result = edited(song, edit.paste, 0, 0, 1, clip)
    assert grid(result) == ["C-4 .. .. A01 B02 | C-4 .. .. A01"]


def test_paste_into_another_pattern_leaves_the_source_shared() -> None:
    song = song_of(ROWS, [f"{EMPTY} | {EMPTY}"] * 3, order=[0, 1])
    result = edited(song, edit.paste, 1, 0, 0, edit.copy(song, whole(0, 0, 2)))
    assert grid(result, 1) == ROWS
    assert result.patterns[0] is song.patterns[0]


def test_paste_rejects_a_clip_with_missing_instruments() -> None:
    source = song_of(["C-4 03 .. ... | " + EMPTY], instruments=3)
    clip = edit.copy(source, whole(0, 0, 0))
    with pytest.raises(EditError, match="instrument 03 does not exist"):
        edit.paste(song_of(ROWS), 0, 0, 0, clip)


@pytest.mark.parametrize(("row", "track"), [(3, 0), (-1, 0), (0, 2), (0, -1)])
def test_paste_rejects_positions(row: int, track: int) -> None:
    song = song_of(ROWS)
    with pytest.raises(EditError):
        edit.paste(song, 0, row, track, edit.copy(song, whole(0, 0, 0)))


def test_clip_checks_its_shape() -> None:
    with pytest.raises(ValueError, match="1 cells for 2 tracks"):
        Clip(cells=((Cell(),),), columns=(frozenset({0}), frozenset({0})))
    with pytest.raises(ValueError, match="columns"):
        Clip(cells=((Cell(),),), columns=(frozenset({7}),))


TRANSPOSE_ROWS = [
    "C-4 01 .. ... | B-9 .. .. ...",
    "=== .. .. ... | ^^^ .. .. ...",
    f"C-0 .. 20 ... | {EMPTY}",
]


def test_transpose_up_leaves_notes_that_would_leave_the_range() -> None:
    result = edited(song_of(TRANSPOSE_ROWS), edit.transpose, whole(0, 0, 2), 12)
    assert grid(result) == [
        "C-5 01 .. ... | B-9 .. .. ...",
        "=== .. .. ... | ^^^ .. .. ...",
        f"C-1 .. 20 ... | {EMPTY}",
    ]


def test_transpose_down() -> None:
    result = edited(song_of(TRANSPOSE_ROWS), edit.transpose, whole(0, 0, 2), -1)
    assert grid(result)[0] == "B-3 01 .. ... | A#9 .. .. ..."
    assert grid(result)[2] == f"C-0 .. 20 ... | {EMPTY}"  # would be below C-0


def test_transpose_needs_the_note_column_in_the_block() -> None:
    song = song_of(TRANSPOSE_ROWS)
    result = edited(song, edit.transpose, Block(0, 0, 2, 0, INSTRUMENT, 1, NOTE), 1)
    assert grid(result)[0] == "C-4 01 .. ... | B-9 .. .. ..."  # B-9 + 1 is out of range
    result = edited(song, edit.transpose, Block(0, 0, 0, 0, INSTRUMENT, 1, NOTE), -1)
    assert grid(result)[0] == "C-4 01 .. ... | A#9 .. .. ..."


def test_set_instrument_on_notes_and_numbers_in_the_block() -> None:
    song = song_of(
        [
            f"C-4 .. .. ... | {EMPTY}",
            f"--- 01 .. ... | {EMPTY}",
            f"=== .. .. ... | {EMPTY}",
            "--- .. 20 A01 | D-4 01 .. ...",
        ]
    )
    result = edited(song, edit.set_instrument, Block(0, 0, 3, 0, NOTE, 0, NOTE), 2)
    assert grid(result) == [
        f"C-4 02 .. ... | {EMPTY}",
        f"--- 02 .. ... | {EMPTY}",
        f"=== .. .. ... | {EMPTY}",
        "--- .. 20 A01 | D-4 01 .. ...",
    ]


def test_set_instrument_none_removes_numbers() -> None:
    song = song_of(ROWS)
    result = edited(song, edit.set_instrument, Block(0, 0, 2, 1, INSTRUMENT, 1, VOLUME), None)
    assert grid(result) == [
        "C-4 01 40 A0F | D-4 .. 30 B01",
        "E-4 02 10 ... | F-4 .. .. C02",
        "G-4 .. 20 ... | A-4 .. .. ...",
    ]


def test_set_instrument_skips_tracks_whose_note_and_instrument_are_not_selected() -> None:
    song = song_of(ROWS)
    assert edit.set_instrument(song, Block(0, 0, 2, 0, VOLUME, 0, EFFECT0), 2) is song


@pytest.mark.parametrize(("number", "message"), [(3, "outside 1..2"), (0, "outside 1..2")])
def test_set_instrument_rejects_missing_instruments(number: int, message: str) -> None:
    with pytest.raises(EditError, match=message):
        edit.set_instrument(song_of(ROWS), whole(0, 0, 2), number)


def test_interpolate_volume_and_effects() -> None:
    song = song_of(
        [
            "C-4 .. 00 A00 | --- .. 10 ...",
            "D-4 .. 3F ... | --- .. .. ...",
            "--- 01 .. B07 | --- .. .. ...",
            "--- .. .. ... | --- .. .. ...",
            "E-4 .. 40 C10 | --- .. .. B01",
        ]
    )
    result = edited(song, edit.interpolate, whole(0, 0, 4))
    assert grid(result) == [
        "C-4 .. 00 A00 | --- .. 10 ...",  # track 1: no end values, left alone
        "D-4 .. 10 A04 | --- .. .. ...",  # notes are not ramped
        "--- 01 20 A08 | --- .. .. ...",
        "--- .. 30 A0C | --- .. .. ...",
        "E-4 .. 40 C10 | --- .. .. B01",  # the end keeps its own command
    ]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("00", "01", ["00", "01", "01"]),  # 0.5 rounds up
        ("01", "00", ["01", "01", "00"]),  # 0.5 rounds up going down too
        ("00", "40", ["00", "20", "40"]),
    ],
)
def test_interpolate_rounds_half_up(start: str, end: str, expected: list[str]) -> None:
    song = song_of([f"--- .. {start} ...", EMPTY, f"--- .. {end} ..."], columns=(1,))
    result = edited(song, edit.interpolate, Block(0, 0, 2, 0, VOLUME, 0, VOLUME))
    assert [row[7:9] for row in grid(result)] == expected


def test_interpolate_only_the_selected_columns() -> None:
    song = song_of(["--- .. 00 A00", EMPTY, "--- .. 40 A10"], columns=(1,))
    result = edited(song, edit.interpolate, Block(0, 0, 2, 0, EFFECT0, 0, EFFECT0))
    assert grid(result)[1] == "--- .. .. A08"


def test_interpolate_a_one_row_block_returns_the_song() -> None:
    song = song_of(ROWS)
    assert edit.interpolate(song, whole(0, 1, 1)) is song


EXPAND_ROWS = ["C-4 01", "D-4 02", "E-4 01", "F-4 02", "G-4 01"]


def one_track(rows: list[str]) -> list[str]:
    return [f"{row} .. ..." for row in rows]


def test_expand_spreads_rows_inside_the_block() -> None:
    song = song_of(one_track(EXPAND_ROWS), columns=(1,))
    result = edited(song, edit.expand, Block(0, 0, 3, 0, NOTE, 0, EFFECT0))
    assert grid(result) == one_track(["C-4 01", "--- ..", "D-4 02", "--- ..", "G-4 01"])


def test_expand_moves_only_the_selected_columns() -> None:
    song = song_of(one_track(EXPAND_ROWS), columns=(1,))
    result = edited(song, edit.expand, Block(0, 1, 4, 0, NOTE, 0, NOTE))
    assert grid(result) == one_track(["C-4 01", "D-4 02", "--- 01", "E-4 02", "--- 01"])


def test_shrink_keeps_every_second_row() -> None:
    song = song_of(one_track(EXPAND_ROWS), columns=(1,))
    result = edited(song, edit.shrink, Block(0, 0, 4, 0, NOTE, 0, EFFECT0))
    assert grid(result) == one_track(["C-4 01", "E-4 01", "G-4 01", "--- ..", "--- .."])


def test_shrink_inside_a_block_of_two_tracks() -> None:
    song = song_of(ROWS)
    result = edited(song, edit.shrink, whole(0, 1, 2))
    assert grid(result) == [ROWS[0], ROWS[1], f"{EMPTY} | {EMPTY}"]
