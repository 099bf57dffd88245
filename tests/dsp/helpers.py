"""Shared helpers for the kernel tests: build small songs, render them, read them back.

Songs are written the way the pattern grid shows them, one string per row
(``"A-4 01 .. 000"``, tracks joined by ``" | "``), so a test reads like the
pattern it plays. At RATE and TEMPO a tick is exactly TICK frames, so every
per-tick window is clean: tick n covers frames [n * TICK, (n + 1) * TICK).

Two instruments make the output easy to read:
  - sine_synth(): a pure sine at full volume with a flat envelope, for pitch;
  - dc_sample(): a sample of constant value, so each output frame *is* the
    voice's gain (volume, tremolo, pan) with no waveform in the way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from tracker.engine import CompiledSong, Kernel, KernelEvent, RowReached, compile_song
from tracker.model import (
    Envelope,
    Instrument,
    Oscillator,
    Pattern,
    SampleInstrument,
    SampleRef,
    Song,
    SynthInstrument,
    Track,
    parse_cell,
)

RATE = 48000
TEMPO = 125
TICK = 960
"""Frames per tick at RATE and TEMPO: 2.5 * 48000 / 125."""

A4 = 57
A4_UNITS = A4 * 64
CONTROL_FRAMES = 32
"""Gains ramp over one control block after a change; skip it when reading a level."""

FULL = 0.5
"""Instrument volume of the helpers' instruments: below the master limiter's knee (0.8),
so the output is the voice's signal unchanged."""

FLAT = Envelope(attack_s=0.0, decay_s=0.0, sustain=1.0, release_s=0.0)
Audio = npt.NDArray[np.float32]

SAMPLE_AUDIO: dict[str, Audio] = {}
"""Audio of every sample a helper made, by hash: the hash names the audio, so one map serves all."""


# ---- instruments -------------------------------------------------------------


def sine_synth(**fields: Any) -> SynthInstrument:
    """A sine at volume FULL with a flat envelope; fields override (filter=..., amp_env=...)."""
    base: dict[str, Any] = {
        "volume": FULL,
        "osc1": Oscillator(wave="sine"),
        "osc2": Oscillator(wave="off"),
        "amp_env": FLAT,
    }
    return SynthInstrument(**(base | fields))


def saw_synth(**fields: Any) -> SynthInstrument:
    """A saw at volume FULL (rich in harmonics, for filter tests)."""
    return sine_synth(osc1=Oscillator(wave="saw"), **fields)


def sample_instrument(audio: npt.ArrayLike, **fields: Any) -> SampleInstrument:
    """A sample instrument at volume FULL playing `audio` one frame per output frame at A-4.

    The audio is registered in SAMPLE_AUDIO, so render() finds it.
    """
    data = np.ascontiguousarray(audio, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    digest = hashlib.sha256(data.tobytes() + bytes([data.shape[1]])).hexdigest()
    SAMPLE_AUDIO[digest] = data
    ref = SampleRef(
        sha256=digest,
        format="wav",
        frames=len(data),
        channels=data.shape[1],
        sample_rate_hz=RATE,
        bit_depth="float32",
    )
    base: dict[str, Any] = {"volume": FULL, "base_note": A4, "amp_env": FLAT}
    return SampleInstrument(sample=ref, **(base | fields))


def dc_sample(value: float = 1.0, frames: int = 4096, **fields: Any) -> SampleInstrument:
    """A constant sample, looped forward over its whole length unless fields say otherwise."""
    loop: dict[str, Any] = {"loop": "forward", "loop_start_frames": 0, "loop_end_frames": frames}
    return sample_instrument(np.full(frames, value, np.float32), **(loop | fields))


# ---- effect waveforms -------------------------------------------------------

VIBRATO_SINE = (
    0, 24, 49, 74, 97, 120, 141, 161, 180, 197, 212, 224, 235, 244, 250, 253,
    255, 253, 250, 244, 235, 224, 212, 197, 180, 161, 141, 120, 97, 74, 49, 24,
)  # fmt: skip
"""ProTracker's and FastTracker II's vibrato/tremolo sine: half a cycle, 0..255."""


def vibrato_sine(pos: int) -> int:
    """The vibrato/tremolo sine at position pos (64 positions a cycle), -255..255."""
    pos &= 63
    return VIBRATO_SINE[pos] if pos < 32 else -VIBRATO_SINE[pos & 31]


def lfo_offsets(
    wave: Any, speed: int, depth: int, divisor: int, ticks: int, row_ticks: int
) -> list[int]:
    """Per-tick vibrato (divisor 32) or tremolo (divisor 64) offsets from the row's start:
    none on a row's tick 0, wave(pos) * depth / divisor on the others, pos += speed after each.
    """
    out, pos = [], 0
    for tick in range(ticks):
        if tick % row_ticks == 0:
            out.append(0)
        else:
            out.append(int(wave(pos) * depth / divisor))  # C division truncates toward 0
            pos += speed
    return out


# ---- songs -------------------------------------------------------------------


def parse_rows(rows: Sequence[str], length: int | None = None) -> list[list[Any]]:
    """Rows of text into rows of Cells; `length` pads with empty rows."""
    cells = []
    for text in rows:
        row = []
        for cell_text in text.split(" | "):
            columns = (len(cell_text) - 9) // 4
            row.append(parse_cell(cell_text, columns))
        cells.append(row)
    width = len(cells[0])
    empty = parse_cell("--- .. ..", 0)
    while length is not None and len(cells) < length:
        cells.append([empty] * width)
    return cells


def make_song(
    patterns: Sequence[str] | Sequence[Sequence[str]],
    instruments: Sequence[Instrument],
    *,
    speed: int = 6,
    tempo: int = TEMPO,
    length: int | None = None,
    order: Sequence[int] | None = None,
    **song_fields: Any,
) -> Song:
    """A song from one pattern (a list of row strings) or several (a list of such lists)."""
    if patterns and isinstance(patterns[0], str):
        patterns = [patterns]  # type: ignore[list-item]
    grids = [parse_rows(rows, length) for rows in patterns]  # type: ignore[arg-type]
    tracks = len(grids[0][0])
    columns = [
        max([1, *(len(row[t].effects) for grid in grids for row in grid)]) for t in range(tracks)
    ]
    fields: dict[str, Any] = {
        "tempo_bpm": tempo,
        "speed_ticks": speed,
        "interpolation": "linear",
        "tracks": [Track(effect_columns=c) for c in columns],
        "instruments": list(instruments),
        "patterns": [Pattern(rows=grid) for grid in grids],
        "order": list(order) if order is not None else list(range(len(grids))),
    }
    return Song(**(fields | song_fields))


# ---- rendering ---------------------------------------------------------------


@dataclass
class Run:
    """A kernel playing a song, and what it has rendered and reported so far."""

    kernel: Kernel
    compiled: CompiledSong
    blocks: list[Audio] = field(default_factory=list)
    events: list[KernelEvent] = field(default_factory=list)

    def render(self, frames: int, block: int = 4096) -> Audio:
        """Render `frames` more frames in calls of at most `block`; returns just those frames."""
        new = []
        done = 0
        while done < frames:
            n = min(block, frames - done)
            new.append(self.kernel.render(n))
            self.events.extend(self.kernel.events())
            done += n
        audio = np.concatenate(new) if new else np.zeros((0, 2), np.float32)
        self.blocks.append(audio)
        return audio

    @property
    def out(self) -> Audio:
        """Everything rendered so far, (frames, 2)."""
        return np.concatenate(self.blocks) if self.blocks else np.zeros((0, 2), np.float32)

    def rows(self) -> list[RowReached]:
        return [e for e in self.events if isinstance(e, RowReached)]

    def of_type(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def start(song: Song, *, play: bool = True, rate: int = RATE) -> Run:
    """Compile and load a song into a fresh kernel and (by default) start playing it."""
    kernel = Kernel(rate)
    compiled = compile_song(song, SAMPLE_AUDIO)
    kernel.load(compiled)
    if play:
        kernel.play_song()
    return Run(kernel, compiled)


def render(song: Song, frames: int, *, block: int = 4096) -> Audio:
    """Play a song from the start for `frames` frames; (frames, 2)."""
    return start(song).render(frames, block)


def render_ticks(song: Song, ticks: int) -> Audio:
    return render(song, ticks * TICK)


# ---- timing ------------------------------------------------------------------


def tick_frames(bpm: int, rate: int = RATE) -> Fraction:
    """Exact length of one tick: 2.5 * rate / bpm frames."""
    return Fraction(5 * rate, 2 * bpm)


def onsets(mono: npt.NDArray[np.floating[Any]]) -> list[int]:
    """Frames where the signal becomes non-zero after silence (or at frame 0)."""
    nonzero = mono != 0
    starts = np.flatnonzero(nonzero[1:] & ~nonzero[:-1]) + 1
    return ([0] if nonzero[0] else []) + starts.tolist()


# ---- analysis ----------------------------------------------------------------


def windows(mono: npt.NDArray[np.floating[Any]], tick: int = TICK) -> list[Any]:
    """The signal cut into whole ticks."""
    return [mono[i * tick : (i + 1) * tick] for i in range(len(mono) // tick)]


def frequency_hz(x: npt.NDArray[np.floating[Any]], rate: int = RATE) -> float:
    """Frequency of a clean periodic signal from its interpolated rising zero crossings."""
    x = np.asarray(x, dtype=np.float64)
    i = np.flatnonzero((x[:-1] < 0) & (x[1:] >= 0))
    if len(i) < 2:
        return float("nan")
    t = i + x[i] / (x[i] - x[i + 1])
    return float((len(t) - 1) / (t[-1] - t[0]) * rate)


def hz_to_units(hz: float | npt.NDArray[np.float64]) -> Any:
    """Pitch in the kernel's units (1/64 semitone; A-4 = 57 * 64)."""
    return A4_UNITS + 768.0 * np.log2(np.asarray(hz) / 440.0)


def units_to_hz(units: float) -> float:
    return float(440.0 * 2.0 ** ((units - A4_UNITS) / 768.0))


def tick_pitch(out: Audio, tick: int = TICK) -> npt.NDArray[np.float64]:
    """Pitch of each tick of a sine render, in units; the first frames of a tick are skipped."""
    return np.array(
        [hz_to_units(frequency_hz(w[CONTROL_FRAMES:])) for w in windows(out[:, 0], tick)]
    )


def tick_level(
    out: Audio, channel: int = 0, tick: int = TICK, skip: int = CONTROL_FRAMES
) -> npt.NDArray[np.float64]:
    """Amplitude of each tick of a sine render (its peak), after `skip` frames of gain ramp.

    At 48 kHz the peak of a sampled sine below 1 kHz is within 0.2 % of its amplitude.
    """
    return np.array(
        [np.max(np.abs(w[skip:]), initial=0.0) for w in windows(out[:, channel], tick)],
        dtype=np.float64,
    )


def tick_end(out: Audio, channel: int = 0, tick: int = TICK) -> npt.NDArray[np.float64]:
    """The last frame of each tick: the settled gain, for a DC sample."""
    return np.array([w[-1] for w in windows(out[:, channel], tick)], dtype=np.float64)


def peak_frequency_hz(x: npt.NDArray[np.floating[Any]], rate: int = RATE) -> float:
    """Frequency of the strongest spectral peak, Hann window, parabolic interpolation."""
    x = np.asarray(x, dtype=np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-30)
    offset = 0.5 * (a - c) / (a - 2 * b + c)
    return float((k + offset) * rate / len(x))


def centroid_hz(x: npt.NDArray[np.floating[Any]], rate: int = RATE) -> float:
    """Spectral centroid: where the energy sits, a measure of brightness."""
    x = np.asarray(x, dtype=np.float64)
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1.0 / rate)
    return float(np.sum(freqs * power) / np.sum(power))


def brightness_hz(x: npt.NDArray[np.floating[Any]], rate: int = RATE) -> float:
    """RMS slope over RMS level, in Hz: a sine's own frequency, and for a richer sound a
    frequency-squared weighted mean that follows the upper harmonics (a lowpass closing)."""
    x = np.asarray(x, dtype=np.float64)
    return float(rate / (2 * np.pi) * np.sqrt(np.mean(np.diff(x) ** 2) / np.mean(x**2)))


def tone_amplitude(x: npt.NDArray[np.floating[Any]], hz: float, rate: int = RATE) -> float:
    """Amplitude of the component at `hz` (Hann-windowed projection)."""
    x = np.asarray(x, dtype=np.float64)
    window = np.hanning(len(x))
    phasor = np.exp(-2j * np.pi * hz * np.arange(len(x)) / rate)
    return float(2 * abs(np.sum(x * window * phasor)) / np.sum(window))


def band_fraction(
    x: npt.NDArray[np.floating[Any]], low_hz: float, high_hz: float, rate: int = RATE
) -> float:
    """Share of the signal's energy between low_hz and high_hz."""
    x = np.asarray(x, dtype=np.float64)
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1.0 / rate)
    band = (freqs >= low_hz) & (freqs < high_hz)
    return float(np.sum(power[band]) / np.sum(power))
