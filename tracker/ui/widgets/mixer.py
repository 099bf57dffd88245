"""The mixer: a strip per track and one for the master, with fader, pan, mute, solo and meters.

The widget never edits the song. Keys post TrackChanged or MasterChanged, the app applies the
edit (so it can be undone) and answers with set_tracks.

A strip, seven cells wide after its separator::

    Bass       name (reversed when selected and the mixer has focus)
    02 M ·     track number, M when muted, S when soloed
      L12      pan
    m3  !!     MIDI channel (M: MIDI only), clip marks held CLIP_HOLD_S after a peak at or over
               full scale
     ██ ▆▅     fader (on a dB scale) and the left and right peak meters, -48..0 dB
     ██ ██
    -1.0dB     volume
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from tracker.model.song import Track
from tracker.ui.text import fit

MASTER: Final = -1
"""The master strip's index in `selected` and in `set_levels`."""

STRIP_CELLS: Final = 8  # a separator column and seven of content
CONTENT_CELLS: Final = STRIP_CELLS - 1

METER_FLOOR_DB: Final = -48.0
METER_HOT_DB: Final = -6.0  # meter rows above this are drawn in the warning colour
TRACK_VOLUME_MAX: Final = 1.0
MASTER_VOLUME_MAX: Final = 2.0
VOLUME_STEP_DB: Final = 1.0
VOLUME_COARSE_STEP_DB: Final = 6.0
PAN_STEP: Final = 0.05

METER_FALL_DB_PER_S: Final = 24.0  # release, so bars do not flicker from block to block
PEAK_HOLD_S: Final = 0.5
PEAK_HOLD_FALL_DB_PER_S: Final = 36.0
CLIP_HOLD_S: Final = 1.0
IDLE_TICK_S: Final = 1 / 15  # meters still fall and clips clear if the engine stops sending

# Rows from the top, and the bottom row for the volume; the meter bars fill the rows between.
_NAME_ROW, _FLAGS_ROW, _PAN_ROW, _CLIP_ROW = range(4)
_BARS_TOP_ROW: Final = 4
_BLOCKS: Final = " ▁▂▃▄▅▆▇█"  # eighths of a cell, empty to full
_HOLD_MARK: Final = "─"
_CLIP_MARK: Final = "!"


def gain_db(gain: float) -> float:
    """A linear gain or peak in dB (minus infinity for silence)."""
    return 20.0 * math.log10(gain) if gain > 0.0 else -math.inf


def step_volume(volume: float, step_db: float, maximum: float) -> float:
    """The volume ``step_db`` away on a whole-dB grid: 0 below the meter floor, at most ``maximum``.

    Four decimals keep project files tidy and still read back as the same whole dB.
    """
    if volume <= 0.0:
        db = METER_FLOOR_DB if step_db > 0 else -math.inf
    else:
        db = round(gain_db(volume)) + step_db
    if db < METER_FLOOR_DB:
        return 0.0
    return min(maximum, round(math.pow(10.0, db / 20.0), 4))


def step_pan(pan: float, direction: int) -> float:
    """The pan one PAN_STEP left (-1) or right (+1), within -1..1."""
    return max(-1.0, min(1.0, round(pan + direction * PAN_STEP, 2)))


def pan_label(pan: float) -> str:
    """``L12``, ``C`` or ``R40``: the pan in percent, by side."""
    percent = round(pan * 100)
    if percent == 0:
        return "C"
    return f"L{-percent}" if percent < 0 else f"R{percent}"


def volume_label(volume: float) -> str:
    """The volume in dB, at most CONTENT_CELLS wide."""
    if volume <= 0.0:
        return "-inf"
    db = gain_db(volume)
    label = f"{db:+.1f}dB"
    return label if len(label) <= CONTENT_CELLS else f"{db:+.0f}dB"


MIDI_CHANNELS: Final = 16


def midi_label(strip: _StripState | None) -> str:
    """Four cells: the MIDI channel a track also plays on (``m12``), ``M12`` when only
    there (its own instrument silent), blank when none."""
    if strip is None or strip.midi_channel is None:
        return "    "
    return f"{'M' if strip.midi_only else 'm'}{strip.midi_channel:<2d} "


def _eighths(db: float, top_db: float, rows: int) -> int:
    """How many eighths of ``rows`` cells a bar from METER_FLOOR_DB to ``top_db`` fills."""
    if db <= METER_FLOOR_DB:
        return 0
    fraction = min(1.0, (db - METER_FLOOR_DB) / (top_db - METER_FLOOR_DB))
    return round(fraction * rows * 8)


@dataclass
class _Channel:
    """One meter channel: the level with its release, the peak hold and the clip mark, in dB."""

    level_db: float = -math.inf
    hold_db: float = -math.inf
    hold_until_s: float = -math.inf
    clip_until_s: float = -math.inf
    clipping: bool = False

    def update(self, peak: float, now_s: float, elapsed_s: float) -> None:
        if not math.isfinite(peak):
            peak = 1.0  # NaN or infinity: the engine resets and alerts; meanwhile it is a clip
        peak_db = gain_db(peak)
        self.level_db = max(peak_db, self.level_db - METER_FALL_DB_PER_S * elapsed_s)
        if peak_db >= self.hold_db:
            self.hold_db, self.hold_until_s = peak_db, now_s + PEAK_HOLD_S
        elif now_s >= self.hold_until_s:
            self.hold_db -= PEAK_HOLD_FALL_DB_PER_S * elapsed_s
        self.hold_db = max(self.hold_db, self.level_db)
        if peak >= 1.0:
            self.clip_until_s = now_s + CLIP_HOLD_S
        self.clipping = now_s < self.clip_until_s

    @property
    def active(self) -> bool:
        """True while anything of this channel is still on screen."""
        return self.hold_db > METER_FLOOR_DB or self.clipping


@dataclass(frozen=True)
class _StripState:
    """What a track strip shows of its track."""

    name: str
    volume: float
    pan: float
    mute: bool
    solo: bool
    midi_channel: int | None = None
    midi_only: bool = False
    midi_output: str | None = None


_MeterCells = tuple[int, int, int, int, bool, bool]
"""A stereo meter as drawn: level and hold in eighths of a cell (left, right), clip marks."""


class Mixer(Widget, can_focus=True):
    """Volume, pan, mute and solo per track, the master volume, and peak meters."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "select(-1)", "Previous strip", show=False),
        Binding("right", "select(1)", "Next strip", show=False),
        Binding("up", f"volume({VOLUME_STEP_DB})", "Volume up", show=False),
        Binding("down", f"volume({-VOLUME_STEP_DB})", "Volume down", show=False),
        Binding("shift+up", f"volume({VOLUME_COARSE_STEP_DB})", "Volume up", show=False),
        Binding("shift+down", f"volume({-VOLUME_COARSE_STEP_DB})", "Volume down", show=False),
        Binding("comma", "pan(-1)", "Pan left", key_display=","),
        Binding("full_stop", "pan(1)", "Pan right", key_display="."),
        Binding("m", "toggle_flag('mute')", "Mute"),
        Binding("s", "toggle_flag('solo')", "Solo"),
        Binding("0", "reset", "Reset"),
        Binding("c", "midi_channel(1)", "MIDI channel"),
        Binding("C", "midi_channel(-1)", "MIDI channel down", show=False),
        Binding("i", "toggle_flag('midi_only')", "MIDI only"),
        Binding("o", "midi_output", "MIDI output"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | left, right | Select the previous or next strip; the master comes after the last track. |
    | up, down | Volume up or down 1 dB. |
    | shift+up, shift+down | Volume up or down 6 dB. |
    | comma, full_stop | Pan left or right by 5%. |
    | m | Mute or unmute the track. |
    | s | Solo or unsolo the track. |
    | 0 | Volume back to 0 dB and pan to the centre. |
    | c, C | The next or previous MIDI channel the track's notes also go out on (off, 1-16). |
    | i | MIDI only: the track's own instrument silent, an external synth plays it. |
    | o | The MIDI output the track sends to: each open one in turn, then every one. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "mixer--separator",
        "mixer--selected",
        "mixer--flag",
        "mixer--fader",
        "mixer--meter",
        "mixer--meter-hot",
        "mixer--hold",
        "mixer--clip",
    }
    """
    | Class | Description |
    | :- | :- |
    | `mixer--separator` | The lines between strips. |
    | `mixer--selected` | The selected strip's name. |
    | `mixer--flag` | M and S while a track is muted or soloed. |
    | `mixer--fader` | The volume bar. |
    | `mixer--meter` | Meter rows below -6 dB. |
    | `mixer--meter-hot` | Meter rows above -6 dB. |
    | `mixer--hold` | The peak-hold marks. |
    | `mixer--clip` | The clip marks. |
    """

    DEFAULT_CSS = """
    Mixer {
        width: 1fr;
        height: 1fr;
        min-height: 7;
        background: $surface;
        color: $foreground;
        & > .mixer--separator {
            color: $foreground-muted;
        }
        & > .mixer--selected {
            text-style: underline;
        }
        &:focus > .mixer--selected {
            text-style: reverse bold;
        }
        & > .mixer--flag {
            color: $warning;
            text-style: bold;
        }
        & > .mixer--fader {
            color: $accent;
        }
        & > .mixer--meter {
            color: $success;
        }
        & > .mixer--meter-hot {
            color: $warning;
        }
        & > .mixer--hold {
            color: $foreground;
        }
        & > .mixer--clip {
            color: $error;
            text-style: bold reverse;
        }
    }
    """

    selected: reactive[int] = reactive(0)
    """The selected strip: a track index from 0, or MASTER (-1)."""

    @dataclass
    class TrackChanged(Message):
        """Posted when a key asks for a track's mixer settings to change; the app applies it."""

        track: int
        """Track index, from 0."""
        changes: dict[str, object]
        """Track fields and their new values, e.g. ``{"volume": 0.8913}`` or ``{"mute": True}``."""

    @dataclass
    class MasterChanged(Message):
        """Posted when a key asks for the master volume to change; the app applies it."""

        volume: float
        """The new master volume, 0..2."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        output_names: Callable[[], Sequence[str]] = tuple,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """A mixer with no tracks until set_tracks; ``clock`` (seconds) times the meters;
        ``output_names``: the MIDI outputs open now, for a track to choose from."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._clock = clock
        self._output_names = output_names
        self._strips: tuple[_StripState, ...] = ()
        self._master_volume = 1.0
        # Values posted but not yet answered by set_tracks: a key repeating faster than the app
        # answers steps on from the last request instead of repeating it.
        self._pending: dict[tuple[int, str], float | bool] = {}
        self._meters: dict[int, tuple[_Channel, _Channel]] = {MASTER: (_Channel(), _Channel())}
        self._drawn: dict[int, _MeterCells] = {}
        self._levels_at_s: float | None = None
        self._idle_timer: Timer | None = None
        self._first = 0  # the leftmost track strip shown

    def validate_selected(self, selected: int) -> int:
        return max(MASTER, min(selected, len(self._strips) - 1))

    def watch_selected(self) -> None:
        self._scroll_to_selected()

    def on_mount(self) -> None:
        self._idle_timer = self.set_interval(IDLE_TICK_S, self._on_idle_tick, pause=True)

    def on_resize(self) -> None:
        self._drawn.clear()
        self._scroll_to_selected()

    def on_click(self, event: events.Click) -> None:
        for index, x in self._visible_strips():
            if x <= event.x < x + STRIP_CELLS:
                self.selected = index

    def set_tracks(self, tracks: Sequence[Track], master_volume: float) -> None:
        """Show the song's tracks and master volume; redraws only if what is shown changed."""
        self._pending.clear()  # the app has answered: its song is the truth again
        strips = tuple(
            _StripState(
                t.name, t.volume, t.pan, t.mute, t.solo, t.midi_channel, t.midi_only, t.midi_output
            )
            for t in tracks
        )
        if strips == self._strips and master_volume == self._master_volume:
            return
        self._strips = strips
        self._master_volume = master_volume
        self._meters = {
            index: self._meters.get(index) or (_Channel(), _Channel())
            for index in range(MASTER, len(strips))
        }
        self.selected = self.selected  # clamp to the new track count
        self._scroll_to_selected()
        self._redraw_all()

    def set_levels(self, peaks: Mapping[int, tuple[float, float]]) -> None:
        """Feed the meters (left, right) linear peaks per track, 1.0 being full scale.

        MASTER (-1) is the master's key; a strip left out is taken as silent and its meter
        falls. Cheap at 30 calls a second: only strips whose drawn cells change are redrawn.
        """
        self._advance(peaks, self._clock())

    def _advance(self, peaks: Mapping[int, tuple[float, float]], now_s: float) -> None:
        elapsed_s = 0.0 if self._levels_at_s is None else max(0.0, now_s - self._levels_at_s)
        self._levels_at_s = now_s
        self._scroll_to_selected()
        active = False
        for index, (left, right) in self._meters.items():
            left_peak, right_peak = peaks.get(index, (0.0, 0.0))
            left.update(left_peak, now_s, elapsed_s)
            right.update(right_peak, now_s, elapsed_s)
            active = active or left.active or right.active
        rows = self._bar_rows()
        for index, x in self._visible_strips():
            cells = self._meter_cells(index, rows)
            if self._drawn.get(index) != cells:
                self._drawn[index] = cells
                self.refresh(Region(x, _CLIP_ROW, STRIP_CELLS, rows + 1))
        if self._idle_timer is not None:
            if active:
                self._idle_timer.resume()
            else:
                self._idle_timer.pause()

    def _on_idle_tick(self) -> None:
        now_s = self._clock()
        if self._levels_at_s is None or now_s - self._levels_at_s >= IDLE_TICK_S:
            self._advance({}, now_s)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Before the first set_tracks the selection may point at a track that is not there.
        return action == "select" or self.selected < len(self._strips)

    def action_select(self, step: int) -> None:
        # The master follows the last track, and the first track the master.
        slots = len(self._strips) + 1
        position = (self.selected % slots + step) % slots
        self.selected = position if position < len(self._strips) else MASTER

    def action_volume(self, step_db: float) -> None:
        maximum = MASTER_VOLUME_MAX if self.selected == MASTER else TRACK_VOLUME_MAX
        volume = float(self._current(self.selected, "volume"))
        self._request({"volume": step_volume(volume, step_db, maximum)})

    def action_pan(self, direction: int) -> None:
        if self.selected != MASTER:
            pan = float(self._current(self.selected, "pan"))
            self._request({"pan": step_pan(pan, direction)})

    def action_toggle_flag(self, field: str) -> None:
        if self.selected != MASTER:
            self._request({field: not self._current(self.selected, field)})

    def action_midi_channel(self, direction: int) -> None:
        """The next (or previous) MIDI channel the strip's notes go out on: off, 1..16."""
        if self.selected == MASTER:
            return
        key = (self.selected, "midi_channel")
        current = int(self._pending.get(key, self._strips[self.selected].midi_channel or 0))
        channel = (current + direction) % (MIDI_CHANNELS + 1)
        self._pending[key] = channel  # 0: none (the model's None)
        self.post_message(self.TrackChanged(self.selected, {"midi_channel": channel or None}))

    def action_midi_output(self) -> None:
        if self.selected == MASTER:
            return
        current = self._strips[self.selected].midi_output
        choices: list[str | None] = [None, *self._output_names()]
        at = choices.index(current) if current in choices else 0
        chosen = choices[(at + 1) % len(choices)]
        if chosen != current:
            self.post_message(self.TrackChanged(self.selected, {"midi_output": chosen}))

    def action_reset(self) -> None:
        if self.selected == MASTER:
            self._request({"volume": 1.0})
        else:
            self._request({"volume": 1.0, "pan": 0.0})

    def _current(self, index: int, field: str) -> float | bool:
        """A strip's field as last requested, else as last set."""
        if (index, field) in self._pending:
            return self._pending[index, field]
        if index == MASTER:
            return self._master_volume
        value: float | bool = getattr(self._strips[index], field)
        return value

    def _request(self, changes: dict[str, float | bool]) -> None:
        """Post the changes to the selected strip that change anything."""
        index = self.selected
        changed: dict[str, object] = {}
        for field, value in changes.items():
            if value != self._current(index, field):
                changed[field] = self._pending[index, field] = value
        if not changed:
            return
        if index == MASTER:
            self.post_message(self.MasterChanged(float(changes["volume"])))
        else:
            self.post_message(self.TrackChanged(index, changed))

    def _track_slots(self) -> int:
        """How many track strips fit beside the master strip."""
        return max(1, self.size.width // STRIP_CELLS - 1)

    def _visible_strips(self) -> list[tuple[int, int]]:
        """(strip index, x) of each strip on screen, the master last."""
        shown = min(self._track_slots(), len(self._strips) - self._first)
        strips = [(self._first + slot, slot * STRIP_CELLS) for slot in range(shown)]
        strips.append((MASTER, shown * STRIP_CELLS))
        return strips

    def _scroll_to_selected(self) -> None:
        if self._fit_first():
            self.refresh()

    def _fit_first(self) -> bool:
        """Move the strips so the selected one shows, and no slot is empty needlessly.

        True if they moved. The master strip always shows.
        """
        slots = self._track_slots()
        first = max(0, min(self._first, len(self._strips) - slots))
        if self.selected != MASTER:
            first = max(min(first, self.selected), self.selected - slots + 1)
        if first == self._first:
            return False
        self._first = first
        self._drawn.clear()
        return True

    def _redraw_all(self) -> None:
        self._drawn.clear()
        self.refresh()

    def _bar_rows(self) -> int:
        return max(0, self.size.height - _BARS_TOP_ROW - 1)

    def _meter_cells(self, index: int, rows: int) -> _MeterCells:
        left, right = self._meters[index]
        return (
            _eighths(left.level_db, 0.0, rows),
            _eighths(right.level_db, 0.0, rows),
            _eighths(left.hold_db, 0.0, rows),
            _eighths(right.hold_db, 0.0, rows),
            left.clipping,
            right.clipping,
        )

    def render_line(self, y: int) -> Strip:
        self._fit_first()  # the width may have changed since the selection last moved
        base = self.rich_style
        separator = self.get_component_rich_style("mixer--separator")
        segments: list[Segment] = []
        for index, x in self._visible_strips():
            if index == MASTER:
                hidden = self._first + self._track_slots() < len(self._strips)
                mark = "▶" if hidden and y == _NAME_ROW else "║"
            else:
                mark = "◀" if x == 0 and self._first > 0 and y == _NAME_ROW else "│"
            segments.append(Segment(mark, separator))
            segments.extend(self._strip_line(index, y, base))
        return Strip(segments).crop_extend(0, self.size.width, base)

    def _strip_line(self, index: int, y: int, base: Style) -> list[Segment]:
        """Row ``y`` of strip ``index``: CONTENT_CELLS cells."""
        height = self.size.height
        is_master = index == MASTER
        strip = None if is_master else self._strips[index]
        volume = self._master_volume if strip is None else strip.volume
        if y == _NAME_ROW:
            name = fit("MASTER" if strip is None else strip.name, CONTENT_CELLS)
            style = self.get_component_rich_style("mixer--selected")
            return [Segment(name, style if index == self.selected else base)]
        if y == height - 1:
            return [Segment(volume_label(volume).center(CONTENT_CELLS), base)]
        if y == _FLAGS_ROW:
            if strip is None:
                return [Segment(" " * CONTENT_CELLS, base)]
            flag = self.get_component_rich_style("mixer--flag")
            return [
                Segment(f"{index + 1:02d} ", base),
                Segment("M", flag) if strip.mute else Segment("·", base),
                Segment(" ", base),
                Segment("S", flag) if strip.solo else Segment("·", base),
                Segment(" ", base),
            ]
        if y == _PAN_ROW:
            label = "" if strip is None else pan_label(strip.pan)
            return [Segment(label.center(CONTENT_CELLS), base)]
        rows = self._bar_rows()
        left_e, right_e, left_hold, right_hold, left_clip, right_clip = self._meter_cells(
            index, rows
        )
        if y == _CLIP_ROW:
            clip = self.get_component_rich_style("mixer--clip")
            return [
                Segment(midi_label(strip), base),
                Segment(_CLIP_MARK, clip) if left_clip else Segment(" ", base),
                Segment(_CLIP_MARK, clip) if right_clip else Segment(" ", base),
                Segment(" ", base),
            ]
        row = height - 2 - y  # bar rows count from the bottom
        top_db = gain_db(MASTER_VOLUME_MAX) if is_master else 0.0
        fader = _BLOCKS[max(0, min(8, _eighths(gain_db(volume), top_db, rows) - row * 8))]
        row_top_db = METER_FLOOR_DB + (row + 1) / rows * -METER_FLOOR_DB
        meter = self.get_component_rich_style(
            "mixer--meter-hot" if row_top_db > METER_HOT_DB else "mixer--meter"
        )
        return [
            Segment(" ", base),
            Segment(fader * 2, self.get_component_rich_style("mixer--fader")),
            Segment(" ", base),
            self._meter_cell(left_e, left_hold, row, meter),
            self._meter_cell(right_e, right_hold, row, meter),
            Segment(" ", base),
        ]

    def _meter_cell(self, level: int, hold: int, row: int, style: Style) -> Segment:
        """One meter channel's cell in bar row ``row``, given level and hold in eighths."""
        fill = max(0, min(8, level - row * 8))
        if fill == 0 and hold > 0 and (hold - 1) // 8 == row:
            return Segment(_HOLD_MARK, self.get_component_rich_style("mixer--hold"))
        return Segment(_BLOCKS[fill], style)
