import pytest

from tracker.model import (
    EFFECT_COMMANDS,
    NOTE_CUT,
    NOTE_OFF,
    effect_command_number,
    note_name,
    parse_note,
)


def test_numbers_match_the_kernel() -> None:
    # TK_NOTE_OFF and TK_NOTE_CUT in dsp_c/tk_dsp.h
    assert (NOTE_OFF, NOTE_CUT) == (254, 253)


@pytest.mark.parametrize(
    ("number", "text"),
    [(0, "C-0"), (1, "C#0"), (48, "C-4"), (49, "C#4"), (57, "A-4"), (60, "C-5"), (119, "B-9")],
)
def test_note_names(number: int, text: str) -> None:
    assert note_name(number) == text
    assert parse_note(text) == number


def test_special_notes() -> None:
    assert note_name(NOTE_OFF) == "==="
    assert note_name(NOTE_CUT) == "^^^"
    assert note_name(None) == "---"
    assert parse_note("===") == NOTE_OFF
    assert parse_note("^^^") == NOTE_CUT
    assert parse_note("---") is None


def test_every_note_round_trips() -> None:
    for number in [*range(120), NOTE_OFF, NOTE_CUT]:
        assert parse_note(note_name(number)) == number


@pytest.mark.parametrize("number", [-1, 120, 252, 255])
def test_note_name_rejects_numbers_outside_the_table(number: int) -> None:
    with pytest.raises(ValueError):
        note_name(number)


@pytest.mark.parametrize("text", ["H-4", "c-4", "Db4", "C-10", "C4", "", "C#-", "E#4", " C-4"])
def test_parse_note_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="bad note"):
        parse_note(text)


def test_effect_commands_are_base36_digits() -> None:
    assert len(EFFECT_COMMANDS) == 36
    for command in EFFECT_COMMANDS:
        assert effect_command_number(command) == int(command, 36)


@pytest.mark.parametrize("command", ["a", "", "AA", "-", "."])
def test_effect_command_number_rejects(command: str) -> None:
    with pytest.raises(ValueError, match="bad effect command"):
        effect_command_number(command)
