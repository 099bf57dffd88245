"""Instruments: add, replace, clone, delete (renumbering cells), rename."""

import pytest

from tests.model.edit_support import EMPTY, edited, grid, song_of
from tracker.model import (
    INSTRUMENT_MAX,
    EditError,
    SampleInstrument,
    SampleRef,
    Song,
    SynthInstrument,
    edit,
)

ROWS = ["C-4 01 .. ... | D-4 02 .. ...", "E-4 03 .. ... | --- 03 20 ..."]
REF = SampleRef(
    sha256="a" * 64, format="flac", frames=10, channels=1, sample_rate_hz=8000, bit_depth="pcm16"
)


def names(song: Song) -> list[str]:
    return [instrument.name for instrument in song.instruments]


def test_add_instrument_returns_its_number() -> None:
    song = song_of(ROWS, instruments=3)
    result, number = edited(song, edit.add_instrument, SynthInstrument(name="bass"))
    assert number == 4
    assert names(result) == ["1", "2", "3", "bass"]
    assert result.patterns[0] is song.patterns[0]


def test_add_the_first_instrument() -> None:
    result, number = edited(
        song_of([f"{EMPTY} | {EMPTY}"], instruments=0), edit.add_instrument, SynthInstrument()
    )
    assert (number, len(result.instruments)) == (1, 1)


def test_add_instrument_to_a_full_song() -> None:
    song = song_of(ROWS, instruments=INSTRUMENT_MAX)
    with pytest.raises(EditError, match=f"already has {INSTRUMENT_MAX} instruments"):
        edit.add_instrument(song, SynthInstrument())
    with pytest.raises(EditError, match=f"already has {INSTRUMENT_MAX} instruments"):
        edit.clone_instrument(song, 1)


def test_add_a_sample_that_contradicts_another_with_the_same_hash() -> None:
    song, _ = edit.add_instrument(song_of(ROWS, instruments=3), SampleInstrument(sample=REF))
    other = REF.model_copy(update={"frames": 11})
    with pytest.raises(EditError, match="same sha256"):
        edit.add_instrument(song, SampleInstrument(sample=other))
    with pytest.raises(EditError, match="same sha256"):
        edit.replace_instrument(song, 1, SampleInstrument(sample=other))


def test_replace_instrument_keeps_the_cells() -> None:
    song = song_of(ROWS, instruments=3)
    result = edited(song, edit.replace_instrument, 2, SampleInstrument(name="kick", sample=REF))
    assert names(result) == ["1", "kick", "3"]
    assert result.instruments[0] is song.instruments[0]
    assert result.patterns == song.patterns


@pytest.mark.parametrize("number", [0, 4, -1])
def test_instrument_edits_reject_numbers(number: int) -> None:
    song = song_of(ROWS, instruments=3)
    message = f"instrument {number} is outside 1..3"
    with pytest.raises(EditError, match=message):
        edit.replace_instrument(song, number, SynthInstrument())
    with pytest.raises(EditError, match=message):
        edit.clone_instrument(song, number)
    with pytest.raises(EditError, match=message):
        edit.delete_instrument(song, number)
    with pytest.raises(EditError, match=message):
        edit.rename_instrument(song, number, "x")


def test_instrument_edits_on_a_song_without_instruments() -> None:
    with pytest.raises(EditError, match="no instruments"):
        edit.delete_instrument(song_of([f"{EMPTY} | {EMPTY}"], instruments=0), 1)


def test_clone_instrument_is_a_separate_copy() -> None:
    song = song_of(ROWS, instruments=3)
    result, number = edited(song, edit.clone_instrument, 2)
    assert number == 4
    assert names(result) == ["1", "2", "3", "2"]
    assert result.instruments[3] == song.instruments[1]
    assert result.instruments[3] is not song.instruments[1]
    copy, original = result.instruments[3], song.instruments[1]
    assert isinstance(copy, SynthInstrument) and isinstance(original, SynthInstrument)
    assert copy.osc1 is not original.osc1


def test_delete_instrument_renumbers_cells() -> None:
    song = song_of(ROWS, [f"{EMPTY} | {EMPTY}"], instruments=3, order=[0, 1])
    result = edited(song, edit.delete_instrument, 2)
    assert names(result) == ["1", "3"]
    assert grid(result) == ["C-4 01 .. ... | D-4 .. .. ...", "E-4 02 .. ... | --- 02 20 ..."]
    assert result.patterns[1] is song.patterns[1]


def test_delete_the_last_instrument_leaves_the_rows_with_lower_numbers() -> None:
    song = song_of(ROWS, instruments=3)
    result = edited(song, edit.delete_instrument, 3)
    assert grid(result) == ["C-4 01 .. ... | D-4 02 .. ...", "E-4 .. .. ... | --- .. 20 ..."]
    assert result.patterns[0].rows[0] is song.patterns[0].rows[0]


def test_delete_an_unused_instrument_shares_the_patterns() -> None:
    song = song_of(ROWS, instruments=4)
    result = edited(song, edit.delete_instrument, 4)
    assert names(result) == ["1", "2", "3"]
    assert result.patterns[0] is song.patterns[0]


def test_rename_instrument() -> None:
    song = song_of(ROWS, instruments=3)
    result = edited(song, edit.rename_instrument, 1, "lead")
    assert names(result) == ["lead", "2", "3"]
    assert result.instruments[0].amp_env is song.instruments[0].amp_env
    assert edit.rename_instrument(song, 1, "1") is song


def test_rename_instrument_rejects_a_long_name() -> None:
    with pytest.raises(EditError, match="name: must be at most 256 characters long"):
        edit.rename_instrument(song_of(ROWS, instruments=3), 1, "x" * 257)
