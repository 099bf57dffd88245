"""The bundled demo song, "First Light": a minute of A-minor house built from synths only.

Pure data, like tracker.model: no I/O and no audio. Patterns are written as short text
lines and drum grids, one bar (16 rows) at a time, and laid out by ``pattern``:

    line("E-5 . /446 C-5/308 = ^", LEAD)    one step per token: a note ("E-5"), "." (nothing),
                                            "=" (note off) or "^" (note cut); "@20" sets the
                                            volume column, each "/CPP" adds an effect
    hits("x...x...x...x...", {"x": KICK})   one step per character; "." is an empty row

The chord progression is Am - F - C - G, one chord per bar, so one 64-row pattern plays
it once; bass, chords and arpeggio are generated from it. At 125 BPM, speed 6, a pattern
lasts 7.68 s and the nine order positions about 69 s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from tracker.model import (
    EMPTY_CELL,
    NOTE_CUT,
    NOTE_MAX,
    NOTE_OFF,
    Cell,
    Effect,
    Envelope,
    Filter,
    Lfo,
    Oscillator,
    Pattern,
    Song,
    SynthInstrument,
    Track,
    note_name,
    parse_note,
)

BAR_ROWS: Final = 16
PATTERN_ROWS: Final = 64
EFFECT_COLUMNS: Final = 2

# ---- instruments ------------------------------------------------------------------------

# Cells name instruments by number: their index in INSTRUMENTS plus one.
KICK, SNARE, HAT, OPEN_HAT, BASS, PAD, STAB, LEAD, CHIP, RISER = range(1, 11)


def _drum(attack_s: float, decay_s: float) -> Envelope:
    """A one-shot: decays to a silent sustain, so the voice frees itself."""
    return Envelope(attack_s=attack_s, decay_s=decay_s, sustain=0.0, release_s=0.05)


INSTRUMENTS: Final[tuple[SynthInstrument, ...]] = (
    # Sine body plus a quieter triangle an octave up; the pattern's 2xx drops the pitch
    # and the filter envelope opens the triangle for the first few ms: the click.
    SynthInstrument(
        name="Kick",
        volume=0.42,
        osc1=Oscillator(wave="sine"),
        osc2=Oscillator(wave="triangle", coarse_semitones=12, level=0.3),
        filter=Filter(type="lowpass", cutoff_hz=180.0, resonance=0.1),
        amp_env=_drum(0.001, 0.35),
        filter_env=_drum(0.0, 0.04),
        filter_env_octaves=4.0,
    ),
    # Noise and a low triangle through one bandpass: rattle and body in one filter.
    SynthInstrument(
        name="Snare",
        volume=1.0,
        osc1=Oscillator(wave="noise"),
        osc2=Oscillator(wave="triangle"),
        filter=Filter(type="bandpass", cutoff_hz=1000.0, resonance=0.5),
        amp_env=_drum(0.001, 0.22),
        filter_env=_drum(0.0, 0.06),
        filter_env_octaves=1.5,
    ),
    SynthInstrument(
        name="Closed hat",
        volume=0.36,
        pan=0.3,
        osc1=Oscillator(wave="noise"),
        filter=Filter(type="highpass", cutoff_hz=7500.0, resonance=0.2),
        amp_env=_drum(0.0, 0.045),
    ),
    SynthInstrument(
        name="Open hat",
        volume=0.3,
        pan=-0.2,
        osc1=Oscillator(wave="noise"),
        filter=Filter(type="highpass", cutoff_hz=6500.0, resonance=0.3),
        amp_env=_drum(0.0, 0.4),
    ),
    # Saw and a narrow pulse, a resonant lowpass the filter envelope plucks open.
    SynthInstrument(
        name="Bass",
        volume=0.2,
        osc1=Oscillator(wave="saw"),
        osc2=Oscillator(wave="pulse", pulse_width=0.3, fine_cents=-6.0, level=0.6),
        filter=Filter(type="lowpass", cutoff_hz=260.0, resonance=0.55, drive=0.2),
        amp_env=Envelope(attack_s=0.002, decay_s=0.3, sustain=0.8, release_s=0.06),
        filter_env=Envelope(attack_s=0.001, decay_s=0.22, sustain=0.15, release_s=0.1),
        filter_env_octaves=3.5,
    ),
    # Two saws 18 cents apart, slow attack: the sustained chords.
    SynthInstrument(
        name="Pad",
        volume=0.11,
        osc1=Oscillator(wave="saw", fine_cents=-9.0),
        osc2=Oscillator(wave="saw", fine_cents=9.0),
        filter=Filter(type="lowpass", cutoff_hz=1600.0, resonance=0.2),
        amp_env=Envelope(attack_s=0.25, decay_s=1.0, sustain=0.8, release_s=0.5),
        filter_env=Envelope(attack_s=0.4, decay_s=1.5, sustain=0.3, release_s=0.5),
        filter_env_octaves=1.0,
        lfo=Lfo(shape="sine", destination="cutoff", rate_hz=0.25, depth=0.08),
    ),
    # The same saws, plucked: the chords of the drop.
    SynthInstrument(
        name="Stab",
        volume=0.2,
        osc1=Oscillator(wave="saw", fine_cents=-12.0),
        osc2=Oscillator(wave="pulse", fine_cents=12.0, pulse_width=0.4),
        filter=Filter(type="lowpass", cutoff_hz=900.0, resonance=0.35),
        amp_env=Envelope(attack_s=0.003, decay_s=0.25, sustain=0.25, release_s=0.12),
        filter_env=Envelope(attack_s=0.0, decay_s=0.18, sustain=0.0, release_s=0.1),
        filter_env_octaves=2.5,
    ),
    # Pulse lead with a slowly moving width; vibrato and slides come from the pattern.
    SynthInstrument(
        name="Lead",
        volume=0.15,
        osc1=Oscillator(wave="pulse", pulse_width=0.4),
        osc2=Oscillator(wave="saw", fine_cents=6.0, level=0.45),
        filter=Filter(type="lowpass", cutoff_hz=2800.0, resonance=0.25),
        amp_env=Envelope(attack_s=0.01, decay_s=0.4, sustain=0.75, release_s=0.25),
        filter_env=Envelope(attack_s=0.005, decay_s=0.3, sustain=0.4, release_s=0.2),
        filter_env_octaves=1.0,
        lfo=Lfo(shape="triangle", destination="pulse_width", rate_hz=0.7, depth=0.5),
    ),
    # A bare square for the chiptune arpeggios (0xy).
    SynthInstrument(
        name="Chip",
        volume=0.11,
        osc1=Oscillator(wave="pulse", pulse_width=0.25),
        filter=Filter(type="lowpass", cutoff_hz=5000.0),
        amp_env=Envelope(attack_s=0.002, decay_s=0.15, sustain=0.6, release_s=0.08),
    ),
    # Noise through a resonant bandpass that the build sweeps up with Wxy.
    SynthInstrument(
        name="Riser",
        volume=0.3,
        osc1=Oscillator(wave="noise"),
        filter=Filter(type="bandpass", cutoff_hz=400.0, resonance=0.6),
        amp_env=Envelope(attack_s=6.0, decay_s=0.1, sustain=1.0, release_s=0.3),
    ),
)

# ---- tracks -----------------------------------------------------------------------------

# (name, volume, pan): the three chord voices are spread across the stereo field.
TRACKS: Final = (
    ("Kick", 1.0, 0.0),
    ("Snare", 1.0, 0.0),
    ("Hats", 1.0, 0.0),
    ("Bass", 1.0, 0.0),
    ("Chords", 1.0, -0.45),
    ("Chords 2", 1.0, 0.0),
    ("Chords 3", 1.0, 0.45),
    ("Lead", 1.0, 0.1),
    ("Arp", 1.0, -0.25),
)
TRACK_NAMES: Final = tuple(name for name, _, _ in TRACKS)
CHORD_TRACKS: Final = ("Chords", "Chords 2", "Chords 3")

# ---- harmony ----------------------------------------------------------------------------

PROGRESSION: Final = ("Am", "F", "C", "G")
VOICINGS: Final = {  # voice-led: each voice moves by a step at most
    "Am": ("A-3", "C-4", "E-4"),
    "F": ("A-3", "C-4", "F-4"),
    "C": ("G-3", "C-4", "E-4"),
    "G": ("G-3", "B-3", "D-4"),
}
BASS_ROOTS: Final = {"Am": "A-1", "F": "F-1", "C": "C-2", "G": "G-1"}
ARPEGGIOS: Final = {  # root and the 0xy that plays the triad on it
    "Am": ("A-4", "037"),
    "F": ("F-4", "047"),
    "C": ("C-5", "047"),
    "G": ("G-4", "047"),
}

# ---- step notation ----------------------------------------------------------------------

_SPECIAL_NOTES: Final[dict[str, int | None]] = {".": None, "": None, "=": NOTE_OFF, "^": NOTE_CUT}


def effect(text: str) -> Effect:
    """Parse one effect: "A0F" is Effect("A", 0x0F)."""
    if len(text) != 3:
        raise ValueError(f"effect {text!r} is not a command and two hex digits")
    return Effect(command=text[0], param=int(text[1:], 16))


def _step(token: str, instrument: int | None) -> Cell:
    head, *effects = token.split("/")
    volume = None
    if "@" in head:
        head, volume_text = head.split("@")
        volume = int(volume_text, 16)
    note = _SPECIAL_NOTES[head] if head in _SPECIAL_NOTES else parse_note(head)
    return Cell(
        note=note,
        instrument=instrument if note is not None and note <= NOTE_MAX else None,
        volume=volume,
        effects=tuple(effect(e) for e in effects),
    )


def line(text: str, instrument: int | None = None, *, sticky: bool = False) -> list[Cell]:
    """One cell per whitespace-separated token; "|" tokens are bar lines and ignored.

    sticky: only the first note carries the instrument number. An instrument number resets
    the track's volume and filter overrides (FastTracker II), so a Zxx/Wxy sweep or an Axy
    fade that should run across several notes needs the later notes without one.
    """
    cells: list[Cell] = []
    for token in text.split():
        if token == "|":
            continue
        cell = _step(token, instrument)
        if sticky and cell.instrument is not None:
            instrument = None
        cells.append(cell)
    return cells


def hits(grid: str, kit: Mapping[str, Cell]) -> list[Cell]:
    """One cell per character: "." is an empty row, any other character is kit[character]."""
    return [EMPTY_CELL if mark == "." else kit[mark] for mark in grid if mark not in " |"]


def hit(instrument: int, note: str, volume: int | None = None, *effects: str) -> Cell:
    """A drum hit for a kit table."""
    return Cell(
        note=parse_note(note),
        instrument=instrument,
        volume=volume,
        effects=tuple(effect(e) for e in effects),
    )


def _pitched(cell: Cell) -> bool:
    return cell.note is not None and cell.note <= NOTE_MAX


def with_effects(cell: Cell, *texts: str) -> Cell:
    return cell.model_copy(update={"effects": (*cell.effects, *map(effect, texts))})


def automate(
    cells: Sequence[Cell], text: str, *, every: int = 1, start: int = 0, stop: int | None = None
) -> list[Cell]:
    """Add an effect to every `every`-th row from `start` up to `stop` (a sweep, a fade)."""
    end = len(cells) if stop is None else stop
    return [
        with_effects(cell, text) if start <= row < end and (row - start) % every == 0 else cell
        for row, cell in enumerate(cells)
    ]


def at(cells: Sequence[Cell], row: int, *texts: str) -> list[Cell]:
    """Add effects to one row (a speed change, a jump)."""
    out = list(cells)
    out[row] = with_effects(out[row], *texts)
    return out


def on_notes(cells: Sequence[Cell], *texts: str) -> list[Cell]:
    """Add effects to every row that starts a note."""
    return [with_effects(cell, *texts) if _pitched(cell) else cell for cell in cells]


def transposed(cells: Sequence[Cell], semitones: int) -> list[Cell]:
    return [
        cell.model_copy(update={"note": (cell.note or 0) + semitones}) if _pitched(cell) else cell
        for cell in cells
    ]


def crescendo(cells: Sequence[Cell], first: int, last: int) -> list[Cell]:
    """Volume column from `first` to `last` across the rows, set on every note."""
    span = max(len(cells) - 1, 1)
    return [
        cell.model_copy(update={"volume": round(first + (last - first) * row / span)})
        if _pitched(cell)
        else cell
        for row, cell in enumerate(cells)
    ]


def _shift(note: str, semitones: int) -> str:
    number = parse_note(note)
    if number is None:
        raise ValueError(f"{note!r} is not a note")
    return note_name(number + semitones)


def _per_bar(rhythm: str | Sequence[str]) -> list[str]:
    """One rhythm for every bar of the progression, or one rhythm per bar."""
    bars = [rhythm] * len(PROGRESSION) if isinstance(rhythm, str) else list(rhythm)
    if len(bars) != len(PROGRESSION):
        raise ValueError(f"{len(bars)} bars of rhythm for a {len(PROGRESSION)}-bar progression")
    return [bar.replace(" ", "") for bar in bars]


def chords(rhythm: str | Sequence[str], instrument: int) -> dict[str, list[Cell]]:
    """The progression's triads on the three chord tracks: "x" plays, "=" releases.

    Sticky instrument numbers, so sweeps and fades added later run across chord changes.
    """
    voices: dict[str, list[Cell]] = {}
    for voice, track in enumerate(CHORD_TRACKS):
        tokens = [
            VOICINGS[chord][voice] if mark == "x" else mark
            for chord, bar in zip(PROGRESSION, _per_bar(rhythm), strict=True)
            for mark in bar
        ]
        voices[track] = line(" ".join(tokens), instrument, sticky=True)
    return voices


# Bass rhythm marks: root, octave up, the same with a 3xx slide from the previous note.
_BASS_MARKS: Final = {"R": (0, ""), "O": (12, ""), "r": (0, "/306"), "o": (12, "/306")}


def bassline(rhythm: str | Sequence[str], *, sticky: bool = False) -> list[Cell]:
    """The progression's roots: R root, O octave, r/o slide there (3xx), "=" off, "." hold."""
    tokens = []
    for chord, bar in zip(PROGRESSION, _per_bar(rhythm), strict=True):
        for mark in bar:
            if mark in _BASS_MARKS:
                semitones, slide = _BASS_MARKS[mark]
                tokens.append(_shift(BASS_ROOTS[chord], semitones) + slide)
            else:
                tokens.append(mark)
    return line(" ".join(tokens), BASS, sticky=sticky)


def arpeggio(rhythm: str | Sequence[str], octave: int = 0, volume: int = 0x30) -> list[Cell]:
    """Chiptune chords: 0xy on every row of the bar, "x" restarts the note."""
    tokens = []
    for chord, bar in zip(PROGRESSION, _per_bar(rhythm), strict=True):
        root, arp = ARPEGGIOS[chord]
        for mark in bar:
            if mark == "x":
                tokens.append(f"{_shift(root, 12 * octave)}@{volume:02X}/{arp}")
            else:
                tokens.append(f"{mark}/{arp}")
    return line(" ".join(tokens), CHIP)


# ---- drums ------------------------------------------------------------------------------

KICKS: Final = {"x": hit(KICK, "C-3", None, "240"), "g": hit(KICK, "C-3", 0x28, "240")}
SNARES: Final = {
    "x": hit(SNARE, "G-3"),
    "g": hit(SNARE, "G-3", 0x14),  # ghost note
    "r": hit(SNARE, "G-3", None, "E93"),  # retriggered every 3 ticks: a 32nd-note roll
    "R": hit(SNARE, "G-3", None, "E91"),  # every tick
}
HATS: Final = {
    "h": hit(HAT, "C-5", None, "860"),  # on the 8ths, panned left of the instrument's right
    "s": hit(HAT, "C-5", 0x24, "ED2"),  # off-beat 16ths, two ticks late: the swing
    "a": hit(HAT, "C-5", 0x30),
    "o": hit(OPEN_HAT, "C-5", 0x30),
    "c": hit(OPEN_HAT, "C-5", 0x30, "EC3"),  # choked after half a row
}

FOUR: Final = "x...x...x...x..."
BACKBEAT: Final = "....x.......x..."
SWING_HATS: Final = "hsoshsoshsoshscs"
EIGHTH_HATS: Final = "h.o.h.o.h.o.h.c."

# ---- melodies (4 bars of 16 steps) ------------------------------------------------------

LEAD_A: Final = """
E-5 . . /446 | /446 /446 D-5 . | C-5 . A-4 . | . . C-5 . |
D-5 . . /446 | /446 /446 /A02 /A02 | C-5 . A-4 . | G-4 . A-4 . |
E-5 . . /446 | /446 /446 G-5/308 . | E-5 . D-5 . | C-5 . D-5 . |
B-4 . . /446 | /446 /446 /A01 /A01 | /A01 /A01 /A01 = | . . . . |
"""
LEAD_B: Final = """
A-5 . . /446 | /446 G-5 E-5 . | . . A-5/306 /300 | G-5 . E-5 . |
F-5 . . /446 | /446 /446 E-5 . | C-5 . . /446 | /446 /A02 = . |
E-5 . G-5 . | E-5 . C-6/308 /300 | /446 /446 /446 /446 | B-5 . G-5 . |
D-6 . . /446 | /446 /446 /446 /446 | C-6/304 /300 /300 /300 | B-5/A02 /A02 = . |
"""
LEAD_BREAK: Final = """
. . . . | . . . . | . . . . | . . . . |
C-5@20 . . /443 | /443 /443 /443 /443 | /443 /443 /A01 /A01 | = . . . |
. . . . | . . . . | . . . . | . . . . |
B-4@20 . . /443 | /443 /443 /443 /443 | D-5/304 /300 /443 /443 | /A01 /A01 = . |
"""
LEAD_BUILD: Final = """
. . . . | . . . . | . . . . | . . . . |
. . . . | . . . . | . . . . | . . . . |
E-5@28 . . /445 | /445 /445 /446 /446 | /447 /447 /447 /447 | /447 /447 /447 /447 |
/102 /102 /102 /102 | /102 /102 /102 /102 | /102 /102 /102 /102 | /102 /102 /102 /102 |
/102 /102 /102 /102 | /102 /102 /102 /102 | /102 /102 /102 /102 | /102 /102 = . |
"""
LEAD_OUTRO: Final = """
A-5 . . /446 | /446 /446 /446 /446 | /446 /446 /446 /446 | /A01 /A01 /A01 /A01 |
/A01 /A01 /A01 /A01 | = . . . | . . . . | . . . . |
"""

# ---- patterns ---------------------------------------------------------------------------


def pattern(name: str, parts: Mapping[str, Sequence[Cell]], rows: int = PATTERN_ROWS) -> Pattern:
    """Lay parts out by track name; a part shorter than the pattern is padded with empty rows."""
    unknown = set(parts) - set(TRACK_NAMES)
    if unknown:
        raise ValueError(f"pattern {name!r}: no track named {sorted(unknown)}")
    columns = [list(parts.get(track, ())) for track in TRACK_NAMES]
    for track, column in zip(TRACK_NAMES, columns, strict=True):
        if len(column) > rows:
            raise ValueError(f"pattern {name!r}: {track} has {len(column)} rows, not {rows}")
    return Pattern(
        name=name,
        rows=[
            [column[row] if row < len(column) else EMPTY_CELL for column in columns]
            for row in range(rows)
        ],
    )


def _intro() -> Pattern:
    # The pads open from a dark Z50 by one W step every fourth row.
    pads = {
        track: automate(at(cells, 0, "Z50"), "W10", every=4, start=4)
        for track, cells in chords("x...............", PAD).items()
    }
    return pattern(
        "Intro",
        {
            "Kick": hits(FOUR * 4, KICKS),
            "Hats": hits(EIGHTH_HATS * 4, HATS),
            **pads,
        },
    )


def _groove(name: str, with_lead: bool) -> Pattern:
    parts: dict[str, list[Cell]] = {
        "Kick": hits(FOUR * 3 + "x...x...x..x.x..", KICKS),
        "Snare": hits(BACKBEAT * 3 + "....x..g....x.gg", SNARES),
        "Hats": hits(SWING_HATS * 4, HATS),
        "Bass": bassline("R.=R.=O=R.=RO.r="),
        **chords("x...............", PAD),
    }
    if with_lead:
        parts["Lead"] = line(LEAD_A, LEAD)
    return pattern(name, parts)


def _break() -> Pattern:
    # Chords held back with C20; the bass closed down to a resonant growl (Z, Q).
    pads = {track: at(cells, 0, "C20") for track, cells in chords("x...............", PAD).items()}
    bass = on_notes(bassline("R.............=."), "Z40", "QA0")
    return pattern(
        "Break",
        {
            "Hats": hits("..a...a...a...a." * 4, HATS),
            "Bass": bass,
            **pads,
            "Lead": line(LEAD_BREAK, LEAD),
            "Arp": arpeggio("x...x...x...x.x."),
        },
    )


def _build() -> Pattern:
    # 48 rows at speed 6, then F03 halves the row: the last bar is 32 rows of 32nd notes.
    fill_kick = hits("x.......x.......x...x...x.x.x...", KICKS)
    fill_snare = crescendo(hits("x...x...x.x.x.x.xxxxxxxxRRRR....", SNARES), 0x18, 0x40)
    kick = at(hits(FOUR * 2 + "x...x...x...x.x.", KICKS) + fill_kick, 48, "F03")
    snare = (
        hits(BACKBEAT + "....x...x...x...", SNARES)
        + crescendo(hits("x.x.x.x.x.xxxxrr", SNARES), 0x20, 0x38)
        + fill_snare
    )
    hats = hits("hahahahahahahaha" * 3 + "h.h.h.h.h.h.h.h.hhhhhhhh........", HATS)
    pads = {
        track: automate(at(cells, 0, "Z60"), "W10", every=3, start=3)
        for track, cells in chords(
            ["x" + "." * 15] * 3 + ["x" + "." * 23 + "=" + "." * 7], PAD
        ).items()
    }
    riser = automate(
        line("C-5/Z10", RISER) + [EMPTY_CELL] * 78 + line("="), "W10", start=16, stop=78
    )
    return pattern(
        "Build",
        {
            "Kick": kick,
            "Snare": snare,
            "Hats": hats,
            "Bass": bassline(["R.R.R.R.R.R.R.R."] * 3 + ["R...R...R...R...RRRRRRRR=......."]),
            **pads,
            "Lead": line(LEAD_BUILD, LEAD),  # the last bar rises with 1xx
            "Arp": riser,
        },
        rows=80,
    )


def _drop(name: str, lead: Sequence[Cell], *, stabs: bool) -> Pattern:
    chord_parts = chords("x.=.x.=..x=.x.=.", STAB) if stabs else chords("x...............", PAD)
    return pattern(
        name,
        {
            # F06: back to speed 6 after the build's 32nd-note fill.
            "Kick": at(hits(FOUR * 3 + "x...x...x.x.x.x.", KICKS), 0, "F06"),
            "Snare": hits(BACKBEAT * 3 + "....x.g.xgx.rrrr", SNARES),
            "Hats": hits(SWING_HATS * 3 + "hshshsoshscsa.a.", HATS),
            "Bass": bassline("R.=RO=R.=RO.r.O="),
            **chord_parts,
            "Lead": lead,
            "Arp": arpeggio("x.x.x.x.x.x.x.x.", octave=1, volume=0x18),
        },
    )


def _outro() -> Pattern:
    # Pads fade with A01 over the last two bars; B01 loops back to the groove.
    pads = {
        track: automate(cells, "A01", every=1, start=32)
        for track, cells in chords("x...............", PAD).items()
    }
    return pattern(
        "Outro",
        {
            "Kick": at(
                hits(FOUR * 3 + "x...............", KICKS),
                63,
                f"B{LOOP_ORDER:02X}",
            ),
            "Hats": hits(EIGHTH_HATS * 3 + "h.o.h.o.h.......", HATS),
            "Bass": bassline(
                ["R.=RO=R.=RO.r.O=", "R.=RO=R.=RO.r.O=", "R...............", "R.......=......."]
            ),
            **pads,
            "Lead": line(LEAD_OUTRO, LEAD),
        },
    )


INTRO, GROOVE, GROOVE_LEAD, BREAK, BUILD, DROP, DROP_2, OUTRO = range(8)
ORDER: Final = (INTRO, GROOVE, GROOVE_LEAD, BREAK, BUILD, DROP, DROP_2, DROP, OUTRO)
LOOP_ORDER: Final = 1  # the outro's Bxx jumps back to the first groove


def demo_song() -> Song:
    """A minute-long song that exercises the synth, the filter effects and the replayer."""
    patterns = [
        _intro(),
        _groove("Groove", with_lead=False),
        _groove("Groove + lead", with_lead=True),
        _break(),
        _build(),
        _drop("Drop", line(LEAD_B, LEAD), stabs=True),
        _drop("Drop 2", transposed(line(LEAD_A, LEAD), 12), stabs=False),
        _outro(),
    ]
    return Song(
        title="First Light",
        author="tracker",
        tempo_bpm=125,
        master_volume=0.85,
        speed_ticks=6,
        tracks=[
            Track(name=name, volume=volume, pan=pan, effect_columns=EFFECT_COLUMNS)
            for name, volume, pan in TRACKS
        ],
        instruments=list(INSTRUMENTS),
        patterns=patterns,
        order=list(ORDER),
        restart_order=LOOP_ORDER,
    )
