"""Turn a Song (and its sample audio) into the kernel's C structures.

Everything the kernel reads lives in cffi memory owned by a CompiledSong, so
the song can be built off the audio thread and freed only after the kernel
hands it back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from tracker.engine.native import ffi, lib
from tracker.model import NOTE_CUT, NOTE_OFF, AutomationLane, Cell, Song
from tracker.model.instrument import (
    AutoVibrato,
    Envelope,
    Oscillator,
    PointEnvelope,
    SampleInstrument,
    SampleZone,
    SynthInstrument,
)
from tracker.model.notes import effect_command_number
from tracker.model.params import find_param

CELL_BYTES = 4 + 2 * lib.TK_MAX_FX_COLUMNS
GUARD_FRAMES = lib.TK_GUARD_FRAMES


def instrument_param_number(name: str) -> int:
    """The kernel's number for an instrument parameter named as in tk_dsp.h without TK_IP_."""
    number = getattr(lib, f"TK_IP_{name}", None)
    if number is None or name == "COUNT":
        raise KeyError(f"the kernel has no instrument parameter {name}")
    return int(number)


_TRACK_LANES = {
    "volume": lib.TK_LANE_TRACK_VOLUME,
    "pan": lib.TK_LANE_TRACK_PAN,
    "mute": lib.TK_LANE_TRACK_MUTE,
    "solo": lib.TK_LANE_TRACK_SOLO,
}

_WAVES = {
    "sine": lib.TK_WAVE_SINE,
    "triangle": lib.TK_WAVE_TRIANGLE,
    "saw": lib.TK_WAVE_SAW,
    "pulse": lib.TK_WAVE_PULSE,
    "noise": lib.TK_WAVE_NOISE,
    "wavetable": lib.TK_WAVE_TABLE,
    "off": lib.TK_WAVE_OFF,
}
_OSC_MODES = {"mix": lib.TK_OSC_MIX, "sync": lib.TK_OSC_SYNC, "ring": lib.TK_OSC_RING}
_FILTERS = {
    "off": lib.TK_FILTER_OFF,
    "lowpass": lib.TK_FILTER_LOWPASS,
    "bandpass": lib.TK_FILTER_BANDPASS,
    "highpass": lib.TK_FILTER_HIGHPASS,
}
_LFO_SHAPES = {
    "sine": lib.TK_LFO_SINE,
    "triangle": lib.TK_LFO_TRIANGLE,
    "saw": lib.TK_LFO_SAW,
    "square": lib.TK_LFO_SQUARE,
    "random": lib.TK_LFO_RANDOM,
}
_LFO_DESTS = {
    "off": lib.TK_LFO_OFF,
    "pitch": lib.TK_LFO_PITCH,
    "cutoff": lib.TK_LFO_CUTOFF,
    "amp": lib.TK_LFO_AMP,
    "pulse_width": lib.TK_LFO_PULSE_WIDTH,
}
_LOOPS = {
    "none": lib.TK_LOOP_NONE,
    "forward": lib.TK_LOOP_FORWARD,
    "pingpong": lib.TK_LOOP_PINGPONG,
}
_INTERPOLATION = {"linear": lib.TK_INTERP_LINEAR, "cubic": lib.TK_INTERP_CUBIC}
_VIBRATO_WAVES = {
    "sine": lib.TK_VIB_SINE,
    "square": lib.TK_VIB_SQUARE,
    "ramp_up": lib.TK_VIB_RAMP_UP,
    "ramp_down": lib.TK_VIB_RAMP_DOWN,
}
_PLAYBACK = {
    "native": lib.TK_PLAY_NATIVE,
    "protracker": lib.TK_PLAY_PROTRACKER,
    "fasttracker2": lib.TK_PLAY_FASTTRACKER2,
    "screamtracker3": lib.TK_PLAY_SCREAMTRACKER3,
}


def pack_cell(cell: Cell) -> bytes:
    """The kernel's tk_cell bytes for one cell."""
    note = lib.TK_NOTE_NONE
    if cell.note is not None:
        note = {NOTE_OFF: lib.TK_NOTE_OFF, NOTE_CUT: lib.TK_NOTE_CUT}.get(cell.note, cell.note)
    packed = bytearray(
        (
            note,
            cell.instrument or lib.TK_INSTR_NONE,
            lib.TK_VOL_NONE if cell.volume is None else cell.volume,
            0,
        )
    )
    for column in range(lib.TK_MAX_FX_COLUMNS):
        fx = cell.effects[column] if column < len(cell.effects) else None
        if fx is None:
            packed += bytes((lib.TK_FX_NONE, 0))
        else:
            packed += bytes((effect_command_number(fx.command), fx.param))
    return bytes(packed)


EMPTY_CELL_BYTES = pack_cell(Cell())


class CompiledSong:
    """A song in kernel memory. Keep it alive while the kernel may read it."""

    def __init__(self, song: Song, samples: Mapping[str, npt.NDArray[np.float32]]) -> None:
        self._keep: list[Any] = []
        self.pointer = ffi.new("tk_song *")
        self.address = int(ffi.cast("uintptr_t", self.pointer))
        self.tracks = len(song.tracks)
        self._fill_song(song)
        self._fill_patterns(song)
        self._fill_instruments(song, samples)

    def instrument_pointer(self, number: int) -> Any:
        """Pointer to instrument `number` (1-based) in kernel memory."""
        if not 1 <= number <= self.pointer.instrument_count:
            raise IndexError(f"no instrument {number}")
        return self.pointer.instruments + (number - 1)

    def _fill_song(self, song: Song) -> None:
        s = self.pointer
        s.tracks = len(song.tracks)
        s.tempo_bpm = song.tempo_bpm
        s.speed_ticks = song.speed_ticks
        s.rows_per_beat = song.rows_per_beat
        s.rows_per_bar = song.rows_per_bar
        s.master_volume = song.master_volume
        s.interpolation = _INTERPOLATION[song.interpolation]
        s.playback = _PLAYBACK[song.playback]
        s.amiga_slides = song.frequencies == "amiga"
        s.global_volume = song.global_volume
        orders = ffi.new("uint16_t[]", song.order)
        self._keep.append(orders)
        s.order_count = len(song.order)
        s.orders = orders
        s.restart_order = song.restart_order
        for index, track in enumerate(song.tracks):
            params = s.track[index]
            params.volume = track.volume
            params.pan = track.pan
            params.mute = track.mute
            params.solo = track.solo
            params.fx_columns = track.effect_columns
            params.midi_channel = track.midi_channel or 0
            params.midi_only = track.midi_only

    def _fill_patterns(self, song: Song) -> None:
        patterns = ffi.new("tk_pattern[]", len(song.patterns))
        self._keep.append(patterns)
        cache: dict[Cell, bytes] = {}
        for index, pattern in enumerate(song.patterns):
            packed = bytearray()
            for row in pattern.rows:
                for cell in row:
                    data = cache.get(cell)
                    if data is None:
                        data = cache[cell] = pack_cell(cell)
                    packed += data
            cells = ffi.new("tk_cell[]", len(pattern.rows) * self.tracks)
            ffi.memmove(cells, bytes(packed), len(packed))
            self._keep.append(cells)
            patterns[index].rows = len(pattern.rows)
            patterns[index].cells = cells
            if pattern.automation:
                lanes = ffi.new("tk_lane[]", len(pattern.automation))
                self._keep.append(lanes)
                for out, lane in zip(lanes, pattern.automation, strict=True):
                    self._fill_lane(out, song, lane, len(pattern.rows))
                patterns[index].lane_count = len(pattern.automation)
                patterns[index].lanes = lanes
        self.pointer.pattern_count = len(song.patterns)
        self.pointer.patterns = patterns

    def _fill_lane(self, out: Any, song: Song, lane: AutomationLane, rows: int) -> None:
        param = find_param(song, lane.param)
        spec = param.spec
        if param.scope == "instrument":
            assert spec.kernel is not None
            out.target = lib.TK_LANE_INSTRUMENT
            out.param = instrument_param_number(spec.kernel)
            out.index = param.number
        elif param.scope == "track":
            out.target = _TRACK_LANES[spec.key]
            out.index = param.number - 1
        else:
            out.target = lib.TK_LANE_TEMPO if spec.key == "tempo" else lib.TK_LANE_MASTER_VOLUME
        out.linear = lane.interpolation == "linear" and spec.kind == "float"
        # The value at each row's start, along the parameter's own curve (cutoff in octaves);
        # the kernel draws straight lines inside a row.
        values = [lane.value_at(row) for row in range(rows)]
        held = ffi.new(
            "float[]",
            [math.nan if v is None else float(spec.from_normalised(v)) for v in values],
        )
        self._keep.append(held)
        out.values = held

    def _fill_instruments(self, song: Song, samples: Mapping[str, npt.NDArray[np.float32]]) -> None:
        count = len(song.instruments)
        instruments = ffi.new("tk_instrument[]", max(count, 1))
        self._keep.append(instruments)
        for index, instrument in enumerate(song.instruments):
            out = instruments[index]
            out.volume = instrument.volume
            out.pan = instrument.pan
            out.filter_type = _FILTERS[instrument.filter.type]
            out.cutoff_hz = instrument.filter.cutoff_hz
            out.resonance = instrument.filter.resonance
            out.drive = instrument.filter.drive
            _set_envelope(out.amp_env, instrument.amp_env)
            _set_envelope(out.filter_env, instrument.filter_env)
            out.filter_env_octaves = instrument.filter_env_octaves
            out.lfo_shape = _LFO_SHAPES[instrument.lfo.shape]
            out.lfo_dest = _LFO_DESTS[instrument.lfo.destination]
            out.lfo_rate_hz = instrument.lfo.rate_hz
            out.lfo_depth = instrument.lfo.depth
            if isinstance(instrument, SynthInstrument):
                self._fill_synth(out, instrument)
            else:
                self._fill_sample(out, instrument, samples)
        self.pointer.instrument_count = count
        self.pointer.instruments = instruments

    def _fill_synth(self, out: Any, instrument: SynthInstrument) -> None:
        out.kind = lib.TK_KIND_SYNTH
        _set_osc(out.osc[0], instrument.osc1)
        _set_osc(out.osc[1], instrument.osc2)
        out.osc_mode = _OSC_MODES[instrument.osc_mode]
        out.glide_s = instrument.glide_s
        if instrument.wavetable:
            table = ffi.new("float[]", instrument.wavetable)
            self._keep.append(table)
            out.wavetable = table
            out.wavetable_frames = len(instrument.wavetable)

    def _fill_sample(
        self,
        out: Any,
        instrument: SampleInstrument,
        samples: Mapping[str, npt.NDArray[np.float32]],
    ) -> None:
        out.kind = lib.TK_KIND_SAMPLE
        self._fill_audio(out, instrument, samples)
        if instrument.volume_envelope:
            _set_points(out.volume_points, instrument.volume_envelope)
        if instrument.pan_envelope:
            _set_points(out.pan_points, instrument.pan_envelope)
        out.fadeout = instrument.fadeout
        if instrument.auto_vibrato:
            _set_vibrato(out, instrument.auto_vibrato)
        if not instrument.zones:
            return
        # Each zone is a whole copy of the instrument with its own sample, volume and pan, so
        # a voice reads one tk_instrument whichever sample it plays.
        zones = ffi.new("tk_instrument[]", len(instrument.zones))
        self._keep.append(zones)
        for index, zone in enumerate(instrument.zones):
            zones[index] = out
            self._fill_audio(zones[index], zone, samples)
            zones[index].volume = zone.volume
            zones[index].pan = zone.pan
        out.zones = zones
        out.zone_count = len(instrument.zones)
        for note, zone_number in enumerate(instrument.keymap or ()):
            out.keymap[note] = zone_number

    def _fill_audio(
        self,
        out: Any,
        part: SampleInstrument | SampleZone,
        samples: Mapping[str, npt.NDArray[np.float32]],
    ) -> None:
        """The sample fields: audio with its guard frames, loop, rate, base note, finetune."""
        ref = part.sample
        audio = samples.get(ref.sha256)
        if audio is None:
            raise KeyError(f"sample {ref.name or ref.sha256} has no audio loaded")
        looped = part.loop != "none" and part.loop_end_frames > part.loop_start_frames
        frames = part.loop_end_frames if looped else len(audio)
        padded = guarded_frames(
            audio, frames, part.loop if looped else "none", part.loop_start_frames
        )
        self._keep.append(padded)
        base = ffi.cast("float *", ffi.from_buffer(padded))
        out.sample_data = base + GUARD_FRAMES * padded.shape[1]
        out.sample_frames = frames
        out.sample_channels = padded.shape[1]
        out.loop_mode = _LOOPS[part.loop] if looped else lib.TK_LOOP_NONE
        out.loop_start_frames = part.loop_start_frames
        out.loop_end_frames = part.loop_end_frames
        out.sample_rate_hz = ref.sample_rate_hz
        out.base_note = part.base_note
        out.finetune = part.finetune


def guarded_frames(
    audio: npt.NDArray[np.float32], frames: int, loop: str, loop_start: int
) -> npt.NDArray[np.float32]:
    """Sample frames with GUARD_FRAMES on each side, so interpolation never reads past the data.

    After the end, a forward loop continues with its start, a ping-pong loop
    mirrors back, a one-shot sample goes silent. Before the start is silence,
    except for a loop from frame 0: cubic interpolation reads a frame back at
    the loop's start, and there it must find what the loop comes round from.
    """
    data = np.ascontiguousarray(audio[:frames], dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    channels = data.shape[1]
    after = np.zeros((GUARD_FRAMES, channels), dtype=np.float32)
    if loop == "forward":
        segment = data[loop_start:frames]
        after = np.resize(segment, (GUARD_FRAMES, channels)).astype(np.float32)
    elif loop == "pingpong":
        segment = data[loop_start:frames][::-1]
        after = np.resize(segment, (GUARD_FRAMES, channels)).astype(np.float32)
    before = np.zeros((GUARD_FRAMES, channels), dtype=np.float32)
    if loop == "forward" and loop_start == 0:
        before = data[np.arange(-GUARD_FRAMES, 0) % frames]
    elif loop == "pingpong" and loop_start == 0:
        # the kernel turns round at the start itself: frame -k is frame k
        before = data[np.minimum(np.arange(GUARD_FRAMES, 0, -1), frames - 1)]
    return np.ascontiguousarray(np.concatenate([before, data, after]))


def _set_envelope(out: Any, envelope: Envelope) -> None:
    out.attack_s = envelope.attack_s
    out.decay_s = envelope.decay_s
    out.sustain = envelope.sustain
    out.release_s = envelope.release_s


def _set_points(out: Any, envelope: PointEnvelope) -> None:
    out.count = len(envelope.points)
    for index, point in enumerate(envelope.points):
        out.tick[index] = point.tick
        out.value[index] = point.value
    none = lib.TK_ENV_NONE
    out.sustain = none if envelope.sustain is None else envelope.sustain
    out.loop_start = none if envelope.loop_start is None else envelope.loop_start
    out.loop_end = none if envelope.loop_end is None else envelope.loop_end


def _set_vibrato(out: Any, vibrato: AutoVibrato) -> None:
    out.vibrato_wave = _VIBRATO_WAVES[vibrato.wave]
    out.vibrato_rate = vibrato.rate
    out.vibrato_depth = vibrato.depth
    out.vibrato_sweep_ticks = vibrato.sweep_ticks


def _set_osc(out: Any, osc: Oscillator) -> None:
    out.wave = _WAVES[osc.wave]
    out.coarse_semitones = osc.coarse_semitones
    out.fine_cents = osc.fine_cents
    out.level = osc.level
    out.pulse_width = osc.pulse_width


def compile_song(
    song: Song, samples: Mapping[str, npt.NDArray[np.float32]] | None = None
) -> CompiledSong:
    """Build the kernel's copy of a song; samples maps sha256 to (frames, channels) float32."""
    return CompiledSong(song, samples or {})
