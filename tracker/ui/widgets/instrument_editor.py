"""The instrument editor: every parameter of one instrument, with its envelopes and sample drawn.

What can be edited is one table, GROUPS: each row names a field by its path in the model, its
kind, its fine and coarse steps, its range and its scale. Keys move the value under the cursor;
each move builds a new instrument that the model validates and posts Changed, so the app can
apply it to the song (undoably) and the engine plays it at once. The editor never mutates the
instrument it was given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal, get_args

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracker.model import (
    NOTE_MAX,
    NOTE_MIN,
    Envelope,
    Instrument,
    PointEnvelope,
    SampleInstrument,
    note_name,
)
from tracker.model.instrument import (
    ENVELOPE_MAX_S,
    SAMPLE_MAX_FRAMES,
    FilterType,
    LfoDestination,
    LfoShape,
    LoopMode,
    OscMode,
    Wave,
)
from tracker.ui.text import literal

InstrumentKind = Literal["synth", "sample"]
ParamKind = Literal["float", "int", "note", "frames", "choice"]
Scale = Literal["linear", "log"]
EnvelopePath = Literal["amp_env", "filter_env"]
Frames = npt.NDArray[np.float32]
Value = float | int | str

SYNTH: Final[tuple[InstrumentKind, ...]] = ("synth",)
SAMPLE: Final[tuple[InstrumentKind, ...]] = ("sample",)
BOTH: Final[tuple[InstrumentKind, ...]] = ("synth", "sample")

TIME_FLOOR_S: Final = 0.001  # a time on a log scale steps from 0 s to 1 ms and back
LOG_DIGITS: Final = 5  # significant digits kept on a log scale, so files hold tidy numbers


@dataclass(frozen=True)
class Param:
    """One editable field of an instrument and how the keys move it.

    A step is added on a linear scale and is in octaves on a log scale (the value is
    multiplied by ``2**step``); for ``frames`` it is a fraction of the sample's length.
    """

    label: str
    path: str  # dotted path into the instrument, e.g. "filter.cutoff_hz"
    kind: ParamKind
    unit: str = ""
    step: float = 1.0
    coarse_step: float = 1.0
    minimum: float = 0.0
    maximum: float = 0.0
    scale: Scale = "linear"
    # On a log scale from 0, stepping up from 0 lands here and stepping below it returns to 0.
    log_floor: float = TIME_FLOOR_S
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """Parameters shown together under a heading, for the instrument kinds listed."""

    title: str
    kinds: tuple[InstrumentKind, ...]
    params: tuple[Param, ...]
    envelope: EnvelopePath | None = None  # drawn beside the group


def _choice(label: str, path: str, literal_type: Any) -> Param:
    return Param(label, path, "choice", choices=get_args(literal_type))


# fmt: off
def _oscillator(osc: str) -> tuple[Param, ...]:
    return (
        _choice("Wave", f"{osc}.wave", Wave),
        #     label          path                       kind     unit  step  coarse min     max
        Param("Coarse",      f"{osc}.coarse_semitones", "int",   "st", 1,    12,    -48,    48),
        Param("Fine",        f"{osc}.fine_cents",       "float", "ct", 1.0,  10.0,  -100.0, 100.0),
        Param("Level",       f"{osc}.level",            "float", "",   0.01, 0.1,   0.0,    1.0),
        Param("Pulse width", f"{osc}.pulse_width",      "float", "",   0.01, 0.1,   0.01,   0.99),
    )


def _envelope(env: str) -> tuple[Param, ...]:
    return (
        #     label      path                kind     unit step  coarse min  max             scale
        Param("Attack",  f"{env}.attack_s",  "float", "s", 0.25, 1.0,   0.0, ENVELOPE_MAX_S, "log"),
        Param("Decay",   f"{env}.decay_s",   "float", "s", 0.25, 1.0,   0.0, ENVELOPE_MAX_S, "log"),
        Param("Sustain", f"{env}.sustain",   "float", "",  0.01, 0.1,   0.0, 1.0),
        Param("Release", f"{env}.release_s", "float", "s", 0.25, 1.0,   0.0, ENVELOPE_MAX_S, "log"),
    )


GROUPS: Final[tuple[Group, ...]] = (
    Group("Main", BOTH, (
        #     label     path      kind     unit step  coarse min   max
        Param("Volume", "volume", "float", "",  0.01, 0.1,   0.0,  1.0),
        Param("Pan",    "pan",    "float", "",  0.01, 0.1,   -1.0, 1.0),
    )),
    Group("Osc 1", SYNTH, _oscillator("osc1")),
    Group("Osc 2", SYNTH, _oscillator("osc2")),
    Group("Voice", SYNTH, (
        _choice("Mode", "osc_mode", OscMode),
        #     label    path       kind     unit step  coarse min  max   scale
        Param("Glide", "glide_s", "float", "s", 0.25, 1.0,   0.0, 10.0, "log"),
    )),
    Group("Sample", SAMPLE, (
        #     label         path                 kind      unit step   coarse min       max
        Param("Base note",  "base_note",         "note",   "", 1,      12,    NOTE_MIN, NOTE_MAX),
        Param("Finetune",   "finetune",          "int",    "", 1,      16,    -128,     127),
        _choice("Loop", "loop", LoopMode),
        Param("Loop start", "loop_start_frames", "frames", "", 2**-10, 2**-5, 0, SAMPLE_MAX_FRAMES),
        Param("Loop end",   "loop_end_frames",   "frames", "", 2**-10, 2**-5, 0, SAMPLE_MAX_FRAMES),
        Param("Fadeout",    "fadeout",           "float",  "", 0.25,   1.0,   0.0,      1.0, "log"),
    )),
    Group("Filter", BOTH, (
        _choice("Type", "filter.type", FilterType),
        #     label        path                kind     unit  step    coarse min   max      scale
        Param("Cutoff",    "filter.cutoff_hz", "float", "Hz", 1 / 12, 1.0,   20.0, 20000.0, "log"),
        Param("Resonance", "filter.resonance", "float", "",   0.01,   0.1,   0.0,  1.0),
        Param("Drive",     "filter.drive",     "float", "",   0.01,   0.1,   0.0,  1.0),
    )),
    Group("Amp env", BOTH, _envelope("amp_env"), envelope="amp_env"),
    Group("Filter env", BOTH, (
        *_envelope("filter_env"),
        Param("Amount", "filter_env_octaves", "float", "oct", 0.1, 1.0, -8.0, 8.0),
    ), envelope="filter_env"),
    Group("LFO", BOTH, (
        _choice("Shape", "lfo.shape", LfoShape),
        _choice("Target", "lfo.destination", LfoDestination),
        #     label    path           kind     unit  step    coarse min   max   scale
        Param("Rate",  "lfo.rate_hz", "float", "Hz", 1 / 12, 1.0,   0.01, 50.0, "log"),
        Param("Depth", "lfo.depth",   "float", "",   0.01,   0.1,   0.0,  1.0),
    )),
)
# fmt: on


def groups_for(instrument: Instrument) -> tuple[Group, ...]:
    """The groups an instrument of this kind shows, in table order."""
    return tuple(group for group in GROUPS if instrument.kind in group.kinds)


def params_for(instrument: Instrument) -> tuple[Param, ...]:
    """Every parameter an instrument of this kind shows, in cursor order."""
    return tuple(param for group in groups_for(instrument) for param in group.params)


def value_at(instrument: Instrument, path: str) -> Value:
    """The field at ``path`` ("filter.cutoff_hz") of ``instrument``."""
    node: Any = instrument
    for key in path.split("."):
        node = getattr(node, key)
    if not isinstance(node, float | int | str):
        raise TypeError(f"{path} is not a parameter")
    return node


def with_value(instrument: Instrument, path: str, value: Value) -> Instrument | None:
    """A new instrument with ``path`` set to ``value``, or None when the model rejects it."""
    data = instrument.model_dump()
    *parents, leaf = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    node[leaf] = value
    if data["kind"] == "sample":
        _repair_loop(data)
    try:
        return type(instrument).model_validate(data)
    except ValidationError:
        return None


def _repair_loop(data: dict[str, Any]) -> None:
    # A loop switched on keeps whatever of its points makes sense and loops the whole
    # sample otherwise, rather than refusing the switch.
    if data["loop"] == "none":
        return
    frames = data["sample"]["frames"]
    if not data["loop_start_frames"] < data["loop_end_frames"] <= frames:
        data["loop_end_frames"] = frames
    if data["loop_start_frames"] >= data["loop_end_frames"]:
        data["loop_start_frames"] = 0


def limits(instrument: Instrument, param: Param) -> tuple[float, float]:
    """The range ``param`` may take in this instrument: the table's, narrowed for loop points."""
    if param.kind != "frames" or not isinstance(instrument, SampleInstrument):
        return param.minimum, param.maximum
    low, high = 0, instrument.sample.frames
    if instrument.loop != "none":
        # The model wants start < end while a loop is on; each point stops at the other.
        if param.path == "loop_start_frames":
            high = instrument.loop_end_frames - 1
        else:
            low = instrument.loop_start_frames + 1
    return low, high


def nudge(instrument: Instrument, param: Param, direction: int, coarse: bool) -> Instrument | None:
    """``instrument`` with ``param`` moved one step up (+1) or down (-1), clamped to its range.

    Returns None when the value does not change (at a limit) or nothing valid is left.
    """
    current = value_at(instrument, param.path)
    if param.kind == "choice":
        return _cycle(instrument, param, str(current), direction)
    if isinstance(current, str):
        raise TypeError(f"{param.path} holds text, not a number")
    step = param.coarse_step if coarse else param.step
    low, high = limits(instrument, param)
    value: Value
    if param.kind == "frames" and isinstance(instrument, SampleInstrument):
        frames_step = max(1, round(instrument.sample.frames * step))
        value = int(min(max(current + direction * frames_step, low), high))
    elif param.kind in ("int", "note", "frames"):
        value = int(min(max(current + direction * round(step), low), high))
    elif param.scale == "log":
        value = min(max(_log_step(current, param, step * direction), low), high)
    else:
        # Rounded to the fine step's decimals, so 0.1 + 0.2 is stored as 0.3 (and + 0.0 turns
        # a rounded -0.0 into 0.0).
        decimals = max(0, -math.floor(math.log10(param.step)))
        value = min(max(round(current + direction * step, decimals) + 0.0, low), high)
    if value == current:
        return None
    return with_value(instrument, param.path, value)


def _log_step(current: float, param: Param, octaves: float) -> float:
    floor = param.log_floor if param.minimum == 0 else param.minimum
    if octaves > 0 and current < floor:
        return floor
    moved = current * 2.0**octaves
    if moved < floor:
        return param.minimum
    return float(f"{moved:.{LOG_DIGITS}g}")


def _cycle(instrument: Instrument, param: Param, current: str, direction: int) -> Instrument | None:
    # Choices the model refuses here (a wavetable wave with no table) are stepped over.
    choices = param.choices
    start = choices.index(current) if current in choices else -1
    for offset in range(1, len(choices)):
        candidate = choices[(start + direction * offset) % len(choices)]
        changed = with_value(instrument, param.path, candidate)
        if changed is not None:
            return changed
    return None


def format_value(param: Param, value: Value) -> str:
    """The value as the editor shows it, with its unit: "1.06 kHz", "C-5", "+12 st"."""
    if isinstance(value, str):
        return value.replace("_", " ")
    if param.kind == "note":
        return note_name(int(value))
    if param.kind == "frames":
        return str(value)
    sign = "+" if param.minimum < 0 else ""
    unit = f" {param.unit}" if param.unit else ""
    if param.kind == "int":
        return f"{value:{sign}d}{unit}"
    if param.unit == "s":
        return f"{value * 1000:.3g} ms" if value < 1 else f"{value:.3g} s"
    if param.unit == "Hz" and value >= 1000:
        return f"{value / 1000:.3g} kHz"
    if param.scale == "log":
        return f"{value:.3g}{unit}"
    decimals = max(0, -math.floor(math.log10(param.step)))
    return f"{value:{sign}.{decimals}f}{unit}"


# --- Drawings ---------------------------------------------------------------------------------

TIME_CONSTANTS_60DB: Final = 6.9  # dsp_c/envelope.c: decay and release close 60 dB in their time
ENVELOPE_KNEE_S: Final = 0.005  # times are drawn on log2(1 + t/knee), so 2 ms and 2 s both show
# Braille dot bits, [row][column], 2 dots across and 4 down per cell.
_DOT_BITS: Final = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


class DotCanvas:
    """A drawing of braille dots: ``width_cells * 2`` dots across, ``height_cells * 4`` down."""

    def __init__(self, width_cells: int, height_cells: int) -> None:
        self.width = width_cells * 2
        self.height = height_cells * 4
        self._cells = [[0] * width_cells for _ in range(height_cells)]

    def line_down(self, x: int, y1: int, y2: int) -> None:
        """Set the dots of column ``x`` from row ``y1`` to row ``y2`` (either order, inclusive)."""
        for y in range(max(0, min(y1, y2)), min(self.height - 1, max(y1, y2)) + 1):
            self._cells[y // 4][x // 2] |= _DOT_BITS[y % 4][x % 2]

    def lines(self) -> list[str]:
        return ["".join(chr(0x2800 + bits) if bits else " " for bits in row) for row in self._cells]


def envelope_levels(envelope: Envelope, columns: int) -> list[float]:
    """The highest level (0..1) in each of ``columns`` columns: attack, decay, sustain, release.

    Each stage's width grows with the log of its time; inside a stage time runs linearly and
    the curve is the kernel's: a straight attack, exponential decay and release. Taking each
    column's highest level keeps the peak in the drawing however short the attack.
    """
    hold = max(1, columns // 5)
    spans = [
        math.log2(1.0 + seconds / ENVELOPE_KNEE_S)
        for seconds in (envelope.attack_s, envelope.decay_s, envelope.release_s)
    ]
    total = sum(spans)
    if total == 0:
        hold = columns
    attack, decay, release = (span * (columns - hold) / total if total else 0.0 for span in spans)
    sustain = envelope.sustain

    def level_at(t: float) -> float:
        if t < attack:
            return t / attack
        if t < attack + decay:
            decayed = (t - attack) / decay
            return sustain + (1.0 - sustain) * math.exp(-TIME_CONSTANTS_60DB * decayed)
        if t < attack + decay + hold or release == 0:
            return sustain
        released = (t - attack - decay - hold) / release
        return sustain * math.exp(-TIME_CONSTANTS_60DB * released)

    levels: list[float] = []
    for column in range(columns):
        # The level only rises in the attack and only falls after it: the highest point of a
        # column is at one of its edges or at the peak.
        times = [float(column), column + 1.0]
        if column <= attack < column + 1:
            times.append(attack)
        levels.append(max(level_at(t) for t in times))
    return levels


def points_levels(envelope: PointEnvelope, columns: int) -> list[float]:
    """A drawn envelope's level (0..1) in each of ``columns`` columns: its ticks spread evenly
    from the first point to the last, straight lines between points as the kernel plays them."""
    ticks = [point.tick for point in envelope.points]
    values = [point.value for point in envelope.points]
    last = max(ticks[-1], 1)
    return [
        float(np.interp(column * last / max(columns - 1, 1), ticks, values))
        for column in range(columns)
    ]


def envelope_art(envelope: Envelope | PointEnvelope, width: int, height: int) -> list[str]:
    """``height`` lines of ``width`` cells drawing the envelope's curve in braille: an ADSR,
    or a drawn envelope (an imported FastTracker II instrument's), which plays instead."""
    canvas = DotCanvas(width, height)
    bottom = canvas.height - 1
    previous = bottom  # a note starts from silence
    if isinstance(envelope, PointEnvelope):
        levels = points_levels(envelope, canvas.width)
        previous = round((1.0 - levels[0]) * bottom)
    else:
        levels = envelope_levels(envelope, canvas.width)
    for x, level in enumerate(levels):
        y = round((1.0 - level) * bottom)
        canvas.line_down(x, previous, y)
        previous = y
    canvas.line_down(canvas.width - 1, previous, bottom)  # and ends in it
    return canvas.lines()


def waveform_extents(frames: Frames, columns: int) -> tuple[Frames, Frames]:
    """The lowest and highest sample, over all channels, in each of ``columns`` equal spans."""
    data = frames.reshape(len(frames), -1)
    count = data.shape[0]
    if count == 0 or columns <= 0:
        empty = np.zeros(max(columns, 0), dtype=np.float32)
        return empty, empty
    # A sample shorter than the drawing repeats frames; reduceat gives the start frame there.
    starts = np.minimum(np.arange(columns) * count // columns, count - 1)
    lows = np.minimum.reduceat(data.min(axis=1), starts)
    highs = np.maximum.reduceat(data.max(axis=1), starts)
    return lows.astype(np.float32), highs.astype(np.float32)


def waveform_art(lows: Frames, highs: Frames, height: int) -> list[str]:
    """``height`` lines drawing each column's span from its low to its high sample."""
    canvas = DotCanvas(len(lows) // 2, height)
    bottom = canvas.height - 1
    for x, (low, high) in enumerate(zip(lows, highs, strict=True)):
        if x >= canvas.width:
            break
        top_y = round((1.0 - min(max(float(high), -1.0), 1.0)) / 2 * bottom)
        low_y = round((1.0 - min(max(float(low), -1.0), 1.0)) / 2 * bottom)
        canvas.line_down(x, top_y, low_y)
    return canvas.lines()


def loop_ruler(start_frames: int, end_frames: int, frames: int, width: int) -> str:
    """A line marking the loop [start, end) of a ``frames`` long sample: "   ├────┤   "."""
    first = min(width - 1, start_frames * width // frames)
    last = max(first, min(width - 1, (end_frames - 1) * width // frames))
    marks = "│" if first == last else "├" + "─" * (last - first - 1) + "┤"
    return (" " * first + marks).ljust(width)


# --- Layout -----------------------------------------------------------------------------------

LABEL_WIDTH: Final = 11
VALUE_WIDTH: Final = 11
PARAM_WIDTH: Final = 2 + LABEL_WIDTH + 1 + VALUE_WIDTH  # "> Label       value"
GRAPH_GAP: Final = 2
GRAPH_MIN_WIDTH: Final = 10
COLUMN_GAP: Final = 1
COLUMN_MIN_WIDTH: Final = PARAM_WIDTH + GRAPH_GAP + GRAPH_MIN_WIDTH
COLUMN_MAX_WIDTH: Final = 72  # wider columns would stretch the envelopes thin
ENVELOPE_ROWS_BELOW: Final = 4  # when a column is too narrow to draw beside the parameters
ENVELOPE_EXTRA_ROWS_MAX: Final = 6
WAVEFORM_ROWS: Final = 4
WAVEFORM_EXTRA_ROWS_MAX: Final = 8


def arrange(heights: Sequence[int], count: int) -> list[list[int]]:
    """Split groups, kept in order, into at most ``count`` columns; the tallest is shortest."""
    for capacity in range(max(heights, default=0), sum(heights) + 1):
        columns: list[list[int]] = [[]]
        used = 0
        for index, height in enumerate(heights):
            if columns[-1] and used + height > capacity:
                columns.append([])
                used = 0
            columns[-1].append(index)
            used += height
        if len(columns) <= count:
            return columns
    return [list(range(len(heights)))]


def _spanned(text: Text) -> Text:
    """``text`` with its base style made a span: Text.render drops the base style."""
    text.stylize_before(text.style)
    text.style = ""
    return text


class InstrumentEditor(ScrollView, can_focus=True):
    """Every parameter of one instrument, a cursor to pick one and keys to change it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Previous parameter", show=False),
        Binding("down", "cursor(1)", "Next parameter", show=False),
        Binding("pageup", "group(-1)", "Previous group", show=False),
        Binding("pagedown", "group(1)", "Next group", show=False),
        Binding("home", "first", "First parameter", show=False),
        Binding("end", "last", "Last parameter", show=False),
        Binding("left", "nudge(-1, False)", "Decrease", show=False),
        Binding("right", "nudge(1, False)", "Increase", show=False),
        Binding("shift+left,left_square_bracket", "nudge(-1, True)", "Decrease more", show=False),
        Binding("shift+right,right_square_bracket", "nudge(1, True)", "Increase more", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up, down | Move the cursor to the previous or next parameter. |
    | pageup, pagedown | Move the cursor to the previous or next group. |
    | home, end | Move the cursor to the first or last parameter. |
    | left, right | Change the value by a fine step; a choice goes to its previous or next. |
    | shift+left, shift+right, [, ] | Change the value by a coarse step. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "instrument-editor--heading",
        "instrument-editor--label",
        "instrument-editor--value",
        "instrument-editor--cursor",
        "instrument-editor--graph",
        "instrument-editor--muted",
    }
    """
    | Class | Description |
    | :- | :- |
    | `instrument-editor--heading` | Group titles and the instrument's number. |
    | `instrument-editor--label` | Parameter names. |
    | `instrument-editor--value` | Parameter values. |
    | `instrument-editor--cursor` | The parameter under the cursor. |
    | `instrument-editor--graph` | Envelope curves and the waveform. |
    | `instrument-editor--muted` | Details: kind, sample format, loop ruler. |
    """

    DEFAULT_CSS = """
    InstrumentEditor {
        width: 1fr;
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        background: $surface;
        & > .instrument-editor--heading { color: $accent; text-style: bold; }
        & > .instrument-editor--label { color: $foreground-muted; }
        & > .instrument-editor--value { color: $foreground; }
        & > .instrument-editor--graph { color: $success; }
        & > .instrument-editor--muted { color: $text-muted; }
        & > .instrument-editor--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .instrument-editor--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
    }
    """

    cursor: reactive[int] = reactive(0, init=False)
    """Index of the parameter under the cursor in ``params_for(instrument)``."""

    class Changed(Message):
        """The user changed a parameter: ``instrument`` is the new, validated instrument.

        The editor already shows it; the app applies it to the song and, if it refuses,
        calls ``set_instrument`` with the instrument it keeps.
        """

        def __init__(
            self, editor: InstrumentEditor, number: int, instrument: Instrument, param: str
        ) -> None:
            super().__init__()
            self.editor = editor
            self.number = number  # 1-based, as in pattern cells
            self.instrument = instrument
            self.param = param  # the path of the field that changed, e.g. "filter.cutoff_hz"

        @property
        def control(self) -> InstrumentEditor:
            return self.editor

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._number = 0
        self._instrument: Instrument | None = None
        self._params: tuple[Param, ...] = ()
        self._frames: Frames | None = None
        self._waveform_cache: tuple[int, tuple[Frames, Frames]] | None = None
        self._lines: list[Strip] = []
        self._param_regions: list[Region] = []  # where each parameter's row is drawn

    def set_instrument(
        self, number: int, instrument: Instrument | None, sample_frames: Frames | None = None
    ) -> None:
        """Show ``instrument`` (numbered 1-based, as in cells); None shows that there is none.

        ``sample_frames`` is a sample instrument's decoded audio, shape (frames, channels),
        for the waveform; the cursor stays on the same parameter when the new kind has it.
        """
        path = self._params[self.cursor].path if self._params else None
        self._number = number
        self._instrument = instrument
        if sample_frames is not self._frames:
            self._frames = sample_frames
            self._waveform_cache = None
        self._params = params_for(instrument) if instrument is not None else ()
        paths = [param.path for param in self._params]
        cursor = paths.index(path) if path in paths else min(self.cursor, len(paths) - 1)
        self.set_reactive(InstrumentEditor.cursor, max(0, cursor))
        self._rebuild()

    @property
    def instrument(self) -> Instrument | None:
        """The instrument shown, including the edits this editor has made."""
        return self._instrument

    @property
    def param(self) -> Param | None:
        """The parameter under the cursor."""
        return self._params[self.cursor] if self._params else None

    def select(self, path: str) -> None:
        """Put the cursor on the parameter at ``path`` ("lfo.rate_hz") when it is shown."""
        paths = [param.path for param in self._params]
        if path in paths:
            self.cursor = paths.index(path)

    def validate_cursor(self, cursor: int) -> int:
        return max(0, min(cursor, len(self._params) - 1))

    def watch_cursor(self) -> None:
        self._rebuild()
        self._scroll_to_cursor()

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self._params) - 1

    def action_group(self, direction: int) -> None:
        """Move to the first parameter of the previous or next group."""
        if self._instrument is None:
            return
        starts: list[int] = []
        total = 0
        for group in groups_for(self._instrument):
            starts.append(total)
            total += len(group.params)
        if direction > 0:
            later = [start for start in starts if start > self.cursor]
            self.cursor = later[0] if later else self.cursor
        else:
            earlier = [start for start in starts if start < self.cursor]
            self.cursor = earlier[-1] if earlier else 0

    def action_nudge(self, direction: int, coarse: bool) -> None:
        """Step the parameter under the cursor and post the new instrument."""
        param = self.param
        if self._instrument is None or param is None:
            return
        changed = nudge(self._instrument, param, direction, coarse)
        if changed is None:
            return
        self._instrument = changed
        self._rebuild()
        self.post_message(self.Changed(self, self._number, changed, param.path))

    def on_resize(self) -> None:
        self._rebuild()

    def on_focus(self) -> None:
        self._rebuild()

    def on_blur(self) -> None:
        self._rebuild()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._rebuild()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        point = offset + self.scroll_offset
        for index, region in enumerate(self._param_regions):
            if region.contains_point(point):
                self.cursor = index
                return

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        index = scroll_y + y
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        return self._lines[index].crop_extend(scroll_x, scroll_x + width, self.rich_style)

    # --- drawing ------------------------------------------------------------------------------

    def _style(self, component: str) -> Style:
        # Not partial: the colours are translucent ($text-muted) and blend with the background.
        return self.get_component_rich_style(f"instrument-editor--{component}")

    def _scroll_to_cursor(self) -> None:
        if not self._param_regions:
            return
        row = self._param_regions[self.cursor].y
        # Keep a group's heading in view with its first parameter (and the header with the first).
        top = 0 if self.cursor == 0 else row - 1
        self.scroll_to_region(
            Region(0, top, 1, row - top + 1), animate=False, immediate=True, force=True
        )

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        region = self.scrollable_content_region
        width, height = region.width, region.height
        if width <= 0:
            return
        lines = self._layout(width, max(height, 1))
        base = self.rich_style
        self._lines = [
            Strip(list(_spanned(line).render(self.app.console)), width).apply_style(base)
            for line in lines
        ]
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def _layout(self, width: int, height: int) -> list[Text]:
        instrument = self._instrument
        self._param_regions = []
        if instrument is None:
            return [self._fit(Text("No instrument", style=self._style("muted")), width)]
        top = self._header(instrument, width)
        band_rows = WAVEFORM_ROWS + 1 if isinstance(instrument, SampleInstrument) else 0
        groups = groups_for(instrument)
        columns, column_width = self._arrange(groups, width, height - len(top) - band_rows)
        tallest = max(sum(self._group_height(groups[i], column_width) for i in c) for c in columns)
        spare = height - len(top) - band_rows - tallest
        if isinstance(instrument, SampleInstrument):
            extra = min(WAVEFORM_EXTRA_ROWS_MAX, max(0, spare))
            top += self._waveform_band(instrument, width, WAVEFORM_ROWS + extra)
        first_param = [0]
        for group in groups[:-1]:
            first_param.append(first_param[-1] + len(group.params))
        blocks: list[list[Text]] = []
        for column_index, column in enumerate(columns):
            x = column_index * (column_width + COLUMN_GAP)
            column_height = sum(self._group_height(groups[i], column_width) for i in column)
            drawn = [i for i in column if groups[i].envelope is not None]
            room = height - len(top) - column_height
            extra = min(ENVELOPE_EXTRA_ROWS_MAX, room // len(drawn)) if drawn and room > 0 else 0
            block: list[Text] = []
            for index in column:
                y = len(top) + len(block)
                self._param_regions += [
                    Region(x, y + 1 + row, PARAM_WIDTH, 1)
                    for row in range(len(groups[index].params))
                ]
                block += self._group_block(groups[index], first_param[index], column_width, extra)
            blocks.append(block)
        body: list[Text] = []
        blank = Text(" " * column_width)
        for row in range(max(len(block) for block in blocks)):
            parts = [block[row] if row < len(block) else blank for block in blocks]
            body.append(self._fit(Text(" " * COLUMN_GAP).join(parts), width))
        return top + body

    def _arrange(
        self, groups: Sequence[Group], width: int, height: int
    ) -> tuple[list[list[int]], int]:
        # The fewest columns that fit the height, but enough that none grows past its maximum.
        most = max(1, min(len(groups), (width + COLUMN_GAP) // (COLUMN_MIN_WIDTH + COLUMN_GAP)))
        least = min(most, math.ceil(width / COLUMN_MAX_WIDTH))
        chosen: tuple[list[list[int]], int] | None = None
        for count in range(least, most + 1):
            column_width = (width - COLUMN_GAP * (count - 1)) // count
            heights = [self._group_height(group, column_width) for group in groups]
            columns = arrange(heights, count)
            chosen = (columns, column_width)
            if max(sum(heights[i] for i in column) for column in columns) <= height:
                break
        assert chosen is not None
        return chosen

    @staticmethod
    def _group_height(group: Group, column_width: int) -> int:
        rows = 1 + len(group.params)
        if group.envelope is not None and column_width - PARAM_WIDTH - GRAPH_GAP < GRAPH_MIN_WIDTH:
            rows += ENVELOPE_ROWS_BELOW
        return rows

    def _group_block(self, group: Group, first: int, width: int, extra_rows: int) -> list[Text]:
        assert self._instrument is not None
        rows = [self._fit(Text(group.title, style=self._style("heading")), PARAM_WIDTH)]
        rows += [self._param_row(first + offset) for offset in range(len(group.params))]
        if group.envelope is None:
            return [self._fit(row, width) for row in rows]
        envelope = getattr(self._instrument, group.envelope)
        assert isinstance(envelope, Envelope)
        drawn = getattr(self._instrument, "volume_envelope", None)
        if group.envelope == "amp_env" and drawn is not None:
            envelope = drawn  # it shapes the note instead of the ADSR: show what is heard
        graph_style = self._style("graph")
        beside = width - PARAM_WIDTH - GRAPH_GAP
        if beside >= GRAPH_MIN_WIDTH:
            # Drawn beside the parameters, not the heading, so that the heading row parts the
            # curves of two groups one above the other.
            art = ["", *envelope_art(envelope, beside, len(group.params) + extra_rows)]
            rows += [Text(" " * PARAM_WIDTH) for _ in range(len(art) - len(rows))]
            gap = " " * GRAPH_GAP
            return [
                self._fit(Text.assemble(row, gap, (line, graph_style)), width)
                for row, line in zip(rows, art, strict=True)
            ]
        art = envelope_art(envelope, width - 2, ENVELOPE_ROWS_BELOW + extra_rows)
        return [self._fit(row, width) for row in rows] + [
            self._fit(Text.assemble("  ", (line, graph_style)), width) for line in art
        ]

    def _param_row(self, index: int) -> Text:
        assert self._instrument is not None
        param = self._params[index]
        value = format_value(param, value_at(self._instrument, param.path))
        label = param.label.ljust(LABEL_WIDTH)
        shown = value.rjust(VALUE_WIDTH)[:VALUE_WIDTH]
        if index == self.cursor:
            # The marker says where the cursor is without relying on colour.
            return Text.assemble((f"> {label} {shown}", self._style("cursor")))
        return Text.assemble(
            "  ", (label, self._style("label")), " ", (shown, self._style("value"))
        )

    def _header(self, instrument: Instrument, width: int) -> list[Text]:
        heading, muted = self._style("heading"), self._style("muted")
        title = Text.assemble(
            (f"{self._number:02X} ", heading),
            literal(instrument.name) if instrument.name else ("(no name)", muted),
            (f"  {instrument.kind}", muted),
        )
        lines = [self._fit(title, width)]
        if isinstance(instrument, SampleInstrument):
            ref = instrument.sample
            channels = "mono" if ref.channels == 1 else "stereo"
            seconds = ref.frames / ref.sample_rate_hz
            details = Text.assemble(
                ("Sample ", muted),
                literal(ref.name) if ref.name else (ref.sha256[:12], muted),
                (
                    f"  {ref.sample_rate_hz} Hz · {ref.bit_depth} · {channels}"
                    f" · {ref.frames} frames · {seconds:.3f} s",
                    muted,
                ),
            )
            lines.append(self._fit(details, width))
        return lines

    def _waveform_band(self, instrument: SampleInstrument, width: int, rows: int) -> list[Text]:
        graph, muted = self._style("graph"), self._style("muted")
        if self._frames is None or len(self._frames) == 0:
            lines = [self._fit(Text("(audio not loaded)", style=muted), width)]
            return lines + [Text(" " * width) for _ in range(rows)]
        columns = width * 2
        if self._waveform_cache is None or self._waveform_cache[0] != columns:
            self._waveform_cache = (columns, waveform_extents(self._frames, columns))
        lows, highs = self._waveform_cache[1]
        art = waveform_art(lows, highs, rows)
        lines = [self._fit(Text(line, style=graph), width) for line in art]
        if instrument.loop == "none":
            ruler = Text("no loop", style=muted)
        else:
            ruler = Text(
                loop_ruler(
                    instrument.loop_start_frames,
                    instrument.loop_end_frames,
                    instrument.sample.frames,
                    width,
                ),
                style=muted,
            )
        return [*lines, self._fit(ruler, width)]

    @staticmethod
    def _fit(text: Text, width: int) -> Text:
        text.truncate(width, overflow="ellipsis", pad=True)
        text.no_wrap = True
        text.end = ""
        return text
