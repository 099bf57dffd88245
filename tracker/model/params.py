"""Every parameter a controller (and, later, an automation lane) can move, by a stable id.

An id names a value in a song the way the project file does:

=============================  ===========================================================
``tempo``                      ``Song.tempo_bpm``
``master.volume``              ``Song.master_volume``
``track.<n>.<field>``          ``tracks[n - 1]``: volume, pan, mute, solo
``instrument.<n>.<path>``      ``instruments[n - 1]``: the field's path in the instrument,
                               e.g. ``instrument.2.filter.cutoff_hz``
=============================  ===========================================================

Numbers are 1-based, as the UI shows tracks and cells show instruments. Deleting or inserting
a track or instrument renumbers ids (``renumber``), which the edits in tracker.model.edit do
for everything in the song that holds ids.

The tables below are the data, one row per parameter, like mido's message specs; every
function here is pure. Each parameter maps to 0..1 (``to_normalised``/``from_normalised``) on a
linear or logarithmic curve: frequencies and times are log, so a knob's travel is spread over
what the ear hears.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from tracker.model.errors import EditError

if TYPE_CHECKING:  # the Song validates its mappings with this module, so no import cycle
    from tracker.model.song import Song

Scope = Literal["song", "track", "instrument"]
Curve = Literal["linear", "log"]
ValueKind = Literal["float", "int", "bool"]
InstrumentKind = Literal["synth", "sample"]
Value = float | int | bool

BOTH: Final[tuple[InstrumentKind, ...]] = ("synth", "sample")
SYNTH: Final[tuple[InstrumentKind, ...]] = ("synth",)
TIME_KNEE_S: Final = 0.001
"""Log curves over times from 0: the curve is near linear below this and logarithmic above,
so the first part of the travel is not spent on inaudible microseconds."""
FLOAT_DIGITS: Final = 6  # significant digits written to the song: tidy files, below any knob's step


class ParamError(EditError):
    """A parameter id that is malformed or names nothing in the song; one line."""


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One kind of parameter: its place in a track, instrument or the song, and its range."""

    key: str  # the id's last part: "volume", "filter.cutoff_hz"
    path: str  # the field's dotted path in the track, instrument or song
    label: str  # for people: "cutoff"
    low: float
    high: float
    unit: str = ""
    curve: Curve = "linear"
    kind: ValueKind = "float"
    kinds: tuple[InstrumentKind, ...] = BOTH  # instrument kinds that have it
    knee: float = 0.0  # log curves: where the curve bends (0: at ``low``, which must be > 0)
    kernel: str | None = None  # enum tk_instrument_param in dsp_c/tk_dsp.h, for live changes

    def clamp(self, value: float) -> Value:
        """``value`` inside the range, as the model stores it (rounded int, bool, tidy float)."""
        if not math.isfinite(value):
            raise ParamError(f"{self.label}: {value} is not a number")
        if self.kind == "bool":
            return value >= 0.5
        limited = min(max(value, self.low), self.high)
        if self.kind == "int":
            return round(limited)
        tidy = float(f"{limited:.{FLOAT_DIGITS}g}")
        return min(max(tidy, self.low), self.high) + 0.0  # + 0.0: no -0.0 in files

    def to_normalised(self, value: float) -> float:
        """Where ``value`` sits in the range, 0..1, along the curve."""
        value = min(max(float(value), self.low), self.high)
        if self.high == self.low:
            return 0.0
        if self.curve == "log":
            knee = self._knee()
            return math.log1p((value - self.low) / knee) / math.log1p((self.high - self.low) / knee)
        return (value - self.low) / (self.high - self.low)

    def from_normalised(self, position: float) -> Value:
        """The value at ``position`` (0..1, clamped) along the curve, as the model stores it."""
        position = min(max(position, 0.0), 1.0)
        if self.curve == "log":
            knee = self._knee()
            span = self.high - self.low
            value = self.low + knee * math.expm1(position * math.log1p(span / knee))
        else:
            value = self.low + position * (self.high - self.low)
        return self.clamp(value)

    def _knee(self) -> float:
        return self.knee if self.knee > 0 else self.low


# fmt: off
def _time(key: str, label: str, kernel: str, high: float = 20.0, kinds: tuple[InstrumentKind, ...] = BOTH) -> ParamSpec:  # noqa: E501
    return ParamSpec(key, key, label, 0.0, high, "s", "log", kinds=kinds, knee=TIME_KNEE_S, kernel=kernel)  # noqa: E501


SONG_PARAMS: Final[tuple[ParamSpec, ...]] = (
    #         key              path             label     low   high   unit   curve     kind
    ParamSpec("tempo",         "tempo_bpm",     "tempo",  32,   255,   "BPM", "linear", "int"),
    ParamSpec("master.volume", "master_volume", "volume", 0.0,  2.0),
)

TRACK_PARAMS: Final[tuple[ParamSpec, ...]] = (
    #         key       path      label     low   high  unit curve     kind
    ParamSpec("volume", "volume", "volume", 0.0,  1.0),
    ParamSpec("pan",    "pan",    "pan",    -1.0, 1.0),
    ParamSpec("mute",   "mute",   "mute",   0,    1,    "",  "linear", "bool"),
    ParamSpec("solo",   "solo",   "solo",   0,    1,    "",  "linear", "bool"),
)

INSTRUMENT_PARAMS: Final[tuple[ParamSpec, ...]] = (
    #         key                      path (= key)             label              low     high     unit    curve     kind     kinds  knee  kernel  # noqa: E501
    ParamSpec("volume",                "volume",                "volume",          0.0,    1.0,     kernel="VOLUME"),  # noqa: E501
    ParamSpec("pan",                   "pan",                   "pan",             -1.0,   1.0,     kernel="PAN"),  # noqa: E501
    ParamSpec("osc1.level",            "osc1.level",            "osc 1 level",     0.0,    1.0,     kinds=SYNTH, kernel="OSC1_LEVEL"),  # noqa: E501
    ParamSpec("osc1.coarse_semitones", "osc1.coarse_semitones", "osc 1 coarse",    -48,    48,      "st",   "linear", "int",   SYNTH, kernel="OSC1_COARSE"),  # noqa: E501
    ParamSpec("osc1.fine_cents",       "osc1.fine_cents",       "osc 1 fine",      -100.0, 100.0,   "ct",   kinds=SYNTH, kernel="OSC1_FINE_CENTS"),  # noqa: E501
    ParamSpec("osc1.pulse_width",      "osc1.pulse_width",      "osc 1 width",     0.01,   0.99,    kinds=SYNTH, kernel="OSC1_PULSE_WIDTH"),  # noqa: E501
    ParamSpec("osc2.level",            "osc2.level",            "osc 2 level",     0.0,    1.0,     kinds=SYNTH, kernel="OSC2_LEVEL"),  # noqa: E501
    ParamSpec("osc2.coarse_semitones", "osc2.coarse_semitones", "osc 2 coarse",    -48,    48,      "st",   "linear", "int",   SYNTH, kernel="OSC2_COARSE"),  # noqa: E501
    ParamSpec("osc2.fine_cents",       "osc2.fine_cents",       "osc 2 fine",      -100.0, 100.0,   "ct",   kinds=SYNTH, kernel="OSC2_FINE_CENTS"),  # noqa: E501
    ParamSpec("osc2.pulse_width",      "osc2.pulse_width",      "osc 2 width",     0.01,   0.99,    kinds=SYNTH, kernel="OSC2_PULSE_WIDTH"),  # noqa: E501
    _time("glide_s", "glide", "GLIDE_S", high=10.0, kinds=SYNTH),
    ParamSpec("filter.cutoff_hz",      "filter.cutoff_hz",      "cutoff",          20.0,   20000.0, "Hz",   "log",    kernel="CUTOFF_HZ"),  # noqa: E501
    ParamSpec("filter.resonance",      "filter.resonance",      "resonance",       0.0,    1.0,     kernel="RESONANCE"),  # noqa: E501
    ParamSpec("filter.drive",          "filter.drive",          "drive",           0.0,    1.0,     kernel="DRIVE"),  # noqa: E501
    _time("amp_env.attack_s", "amp attack", "AMP_ATTACK_S"),
    _time("amp_env.decay_s", "amp decay", "AMP_DECAY_S"),
    ParamSpec("amp_env.sustain",       "amp_env.sustain",       "amp sustain",     0.0,    1.0,     kernel="AMP_SUSTAIN"),  # noqa: E501
    _time("amp_env.release_s", "amp release", "AMP_RELEASE_S"),
    _time("filter_env.attack_s", "filter attack", "FILTER_ATTACK_S"),
    _time("filter_env.decay_s", "filter decay", "FILTER_DECAY_S"),
    ParamSpec("filter_env.sustain",    "filter_env.sustain",    "filter sustain",  0.0,    1.0,     kernel="FILTER_SUSTAIN"),  # noqa: E501
    _time("filter_env.release_s", "filter release", "FILTER_RELEASE_S"),
    ParamSpec("filter_env_octaves",    "filter_env_octaves",    "filter env amount", -8.0, 8.0,     "oct",  kernel="FILTER_ENV_OCTAVES"),  # noqa: E501
    ParamSpec("lfo.rate_hz",           "lfo.rate_hz",           "LFO rate",        0.01,   50.0,    "Hz",   "log",    kernel="LFO_RATE_HZ"),  # noqa: E501
    ParamSpec("lfo.depth",             "lfo.depth",             "LFO depth",       0.0,    1.0,     kernel="LFO_DEPTH"),  # noqa: E501
)
# fmt: on

_SONG: Final = {spec.key: spec for spec in SONG_PARAMS}
_TRACK: Final = {spec.key: spec for spec in TRACK_PARAMS}
_INSTRUMENT: Final = {spec.key: spec for spec in INSTRUMENT_PARAMS}


@dataclass(frozen=True, slots=True)
class Param:
    """A parameter of one song: the spec, and which track or instrument (1-based; 0: song)."""

    id: str
    scope: Scope
    number: int
    spec: ParamSpec

    @property
    def name(self) -> str:
        """For the status line and lists: "Track 3 volume", "Inst 02 cutoff", "Tempo"."""
        if self.scope == "track":
            return f"Track {self.number} {self.spec.label}"
        if self.scope == "instrument":
            return f"Inst {self.number:02X} {self.spec.label}"
        return "Master volume" if self.id == "master.volume" else self.spec.label.capitalize()


def param_id(scope: Scope, number: int, key: str) -> str:
    """The id of ``key`` in track or instrument ``number`` (1-based), or of a song parameter."""
    return key if scope == "song" else f"{scope}.{number}.{key}"


def parse_id(text: str) -> tuple[Scope, int, ParamSpec]:
    """(scope, number, spec) of an id, without looking at a song; ParamError if malformed."""
    if text in _SONG:
        return "song", 0, _SONG[text]
    scope, _, rest = text.partition(".")
    number_text, _, key = rest.partition(".")
    tables: dict[str, dict[str, ParamSpec]] = {"track": _TRACK, "instrument": _INSTRUMENT}
    if scope not in tables:
        raise ParamError(
            f"unknown parameter {_shown(text)}: ids start with track., instrument., "
            "master. or are tempo"
        )
    # isdecimal, not int(): "+1", " 1" and "1_0" are not the same id as "1".
    if not number_text.isdecimal() or not number_text.isascii() or number_text.startswith("0"):
        raise ParamError(f"unknown parameter {_shown(text)}: {scope} number must be 1 or more")
    spec = tables[scope].get(key)
    if spec is None:
        raise ParamError(f"unknown parameter {_shown(text)}: {scope}s have no {_shown(key)}")
    return "track" if scope == "track" else "instrument", int(number_text), spec


def find_param(song: Song, text: str) -> Param:
    """The parameter ``text`` names in ``song``; ParamError if it names nothing there."""
    scope, number, spec = parse_id(text)
    if scope == "track" and number > len(song.tracks):
        raise ParamError(f"{text}: track {number} does not exist (the song has {len(song.tracks)})")
    if scope == "instrument":
        if number > len(song.instruments):
            raise ParamError(
                f"{text}: instrument {number} does not exist (the song has {len(song.instruments)})"
            )
        kind = song.instruments[number - 1].kind
        if kind not in spec.kinds:
            raise ParamError(f"{text}: instrument {number} is a {kind} and has no {spec.label}")
    return Param(text, scope, number, spec)


def song_params(song: Song) -> list[Param]:
    """Every parameter ``song`` has: the song's, each track's, each instrument's, in order."""
    found = [Param(spec.key, "song", 0, spec) for spec in SONG_PARAMS]
    for number in range(1, len(song.tracks) + 1):
        found += [Param(param_id("track", number, s.key), "track", number, s) for s in TRACK_PARAMS]
    for number, instrument in enumerate(song.instruments, start=1):
        found += [
            Param(param_id("instrument", number, s.key), "instrument", number, s)
            for s in INSTRUMENT_PARAMS
            if instrument.kind in s.kinds
        ]
    return found


def read_param(song: Song, text: str) -> Value:
    """The parameter's value in ``song``, as the model holds it."""
    param = find_param(song, text)
    node: Any = _owner(song, param)
    for key in param.spec.path.split("."):
        node = getattr(node, key)
    assert isinstance(node, float | int | bool)
    return node


def read_normalised(song: Song, text: str) -> float:
    """The parameter's value in ``song`` as a position 0..1 along its curve."""
    return find_param(song, text).spec.to_normalised(float(read_param(song, text)))


def write_param(song: Song, text: str, value: float) -> Song:
    """``song`` with the parameter set to ``value`` (clamped to its range, rounded for the
    model); ``song`` itself when that changes nothing. Shares everything else with ``song``."""
    param = find_param(song, text)
    stored = param.spec.clamp(value)
    owner = _owner(song, param)
    updated = _with_path(owner, param.spec.path.split("."), stored)
    if updated is owner:
        return song
    if param.scope == "song":
        return updated  # type: ignore[no-any-return]
    field = "tracks" if param.scope == "track" else "instruments"
    items = list(getattr(song, field))
    items[param.number - 1] = updated
    return song.model_copy(update={field: items})


def _owner(song: Song, param: Param) -> Any:
    if param.scope == "track":
        return song.tracks[param.number - 1]
    if param.scope == "instrument":
        return song.instruments[param.number - 1]
    return song


def _with_path(model: Any, path: list[str], value: Value) -> Any:
    # Values are clamped to the model's own range first, so model_copy (which does not
    # validate) cannot make an invalid model; the test suite checks the tables against it.
    head, *rest = path
    current = getattr(model, head)
    new = _with_path(current, rest, value) if rest else value
    if new == current and type(new) is type(current):
        return model
    return model.model_copy(update={head: new})


def renumber(
    text: str,
    scope: Literal["track", "instrument"],
    removed: int | None = None,
    inserted: int | None = None,
) -> str | None:
    """The id after a track or instrument is removed or inserted at ``number`` (1-based).

    Ids of the removed one give None; ids of later ones move down (removed) or up
    (inserted); everything else comes back unchanged, malformed ids included.
    """
    try:
        id_scope, number, spec = parse_id(text)
    except ParamError:
        return text
    if id_scope != scope:
        return text
    if removed is not None:
        if number == removed:
            return None
        if number > removed:
            number -= 1
    if inserted is not None and number >= inserted:
        number += 1
    return param_id(scope, number, spec.key)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
