"""Note and effect-command tables shared by the pattern model, the file format and the kernel.

Notes are numbered from C-0 = 0 in semitones (A-4 = 57, B-9 = 119). Two numbers above the
note range stand for pattern events instead of pitches; they are the same numbers as
``TK_NOTE_OFF`` and ``TK_NOTE_CUT`` in ``dsp_c/tk_dsp.h``.
"""

from __future__ import annotations

from typing import Final

NOTE_MIN: Final = 0
NOTE_MAX: Final = 119  # B-9
NOTE_OFF: Final = 254  # key released: the envelope goes to its release stage
NOTE_CUT: Final = 253  # voice silenced at once

NOTES_PER_OCTAVE: Final = 12
MIDI_NOTE_OFFSET: Final = 12
"""MIDI note = tracker note + 12: A-4 (57) is MIDI 69, 440 Hz, and C-4 (48) is middle C."""
PITCH_CLASS_NAMES: Final = ("C-", "C#", "D-", "D#", "E-", "F-", "F#", "G-", "G#", "A-", "A#", "B-")

EMPTY_NOTE_TEXT: Final = "---"
SPECIAL_NOTE_TEXT: Final[dict[int, str]] = {NOTE_OFF: "===", NOTE_CUT: "^^^"}

# Effect commands are one base-36 digit; the kernel receives int(command, 36).
EFFECT_COMMANDS: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def is_note_value(value: int) -> bool:
    """True for a pitch (0..119), NOTE_OFF or NOTE_CUT: the values a cell's note may hold."""
    return NOTE_MIN <= value <= NOTE_MAX or value in SPECIAL_NOTE_TEXT


def note_name(note: int | None) -> str:
    """Three-character text of a note: "C-4", "C#4", "===" (off), "^^^" (cut), "---" (None)."""
    if note is None:
        return EMPTY_NOTE_TEXT
    if note in SPECIAL_NOTE_TEXT:
        return SPECIAL_NOTE_TEXT[note]
    if not NOTE_MIN <= note <= NOTE_MAX:
        raise ValueError(f"note {note} is outside {NOTE_MIN}..{NOTE_MAX}")
    octave, pitch_class = divmod(note, NOTES_PER_OCTAVE)
    return f"{PITCH_CLASS_NAMES[pitch_class]}{octave}"


_NOTE_BY_TEXT: Final[dict[str, int | None]] = {
    **{note_name(n): n for n in range(NOTE_MIN, NOTE_MAX + 1)},
    **{text: value for value, text in SPECIAL_NOTE_TEXT.items()},
    EMPTY_NOTE_TEXT: None,
}


def parse_note(text: str) -> int | None:
    """Inverse of note_name: "C-4" -> 48, "---" -> None. Raises ValueError on anything else.

    Only the exact spellings note_name writes are accepted (upper case, sharps, no flats).
    """
    try:
        return _NOTE_BY_TEXT[text]
    except KeyError:
        raise ValueError(f"bad note {text!r}") from None


def effect_command_number(command: str) -> int:
    """The kernel's number for an effect command: '0'..'9' -> 0..9, 'A'..'Z' -> 10..35."""
    if len(command) != 1 or command not in EFFECT_COMMANDS:
        raise ValueError(f"bad effect command {command!r}")
    return EFFECT_COMMANDS.index(command)
