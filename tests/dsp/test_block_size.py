"""Output is bit-identical whatever the host's block size, and from one render to the next."""

from typing import Any

import numpy as np
import pytest

from tests.dsp.helpers import (
    RATE,
    Audio,
    make_song,
    sample_instrument,
    saw_synth,
    sine_synth,
    start,
)
from tracker.model import Envelope, Filter, Lfo, Oscillator, Song

# fmt: off
ROWS = [
    "C-4 01 .. 047 ... | A-3 03 .. 910 ... | E-4 04 30 ... ... | C-3 02 .. Z80 W08",
    "--- .. .. 1F2 ... | --- .. .. 8C0 ... | --- .. .. 4A8 ... | --- .. .. Q80 Y10",
    "D-4 .. .. 310 E31 | C#4 03 .. E92 ... | G-4 04 .. 748 E42 | --- .. .. W40 ...",
    "--- .. .. 300 A04 | --- .. .. A0F ... | --- .. .. 620 ... | G-3 02 20 ZC0 ...",
    "=== .. .. ... ... | B-3 03 .. ED3 ... | ^^^ .. .. ... ... | --- .. .. EC4 ...",
    "F-4 01 .. 208 ... | --- .. .. 903 ... | A-4 04 .. 514 ... | C-4 02 .. 0C7 ...",
    "--- .. .. EA2 E14 | E-3 03 .. 880 ... | --- .. .. EB1 E23 | --- .. .. 4F4 ...",
    "C-5 01 .. F03 ... | --- .. .. ... ... | === .. .. ... ... | D-4 02 .. E5C ...",
]
# fmt: on


def busy_song(interpolation: str) -> Song:
    """Four tracks of effects over synths (filter, envelopes, LFOs, sync, glide) and
    samples looping forward (mono) and ping-pong (stereo)."""
    t = np.arange(3000)
    mono = np.sin(2 * np.pi * t / 61.3) * np.linspace(1, 0.3, len(t))
    stereo = np.stack([mono, np.cos(2 * np.pi * t / 97.1)], axis=1)
    synth_filter: dict[str, Any] = {
        "filter": Filter(type="lowpass", cutoff_hz=1800.0, resonance=0.8, drive=0.6),
        "filter_env": Envelope(attack_s=0.01, decay_s=0.05, sustain=0.3, release_s=0.05),
        "filter_env_octaves": 2.5,
    }
    instruments = [
        saw_synth(
            osc2=Oscillator(wave="pulse", coarse_semitones=7, pulse_width=0.3, level=0.5),
            osc_mode="sync",
            lfo=Lfo(shape="triangle", destination="cutoff", rate_hz=7.0, depth=0.4),
            amp_env=Envelope(attack_s=0.005, decay_s=0.1, sustain=0.6, release_s=0.08),
            **synth_filter,
        ),
        sample_instrument(mono, loop="forward", loop_start_frames=500, loop_end_frames=2900),
        sample_instrument(
            stereo,
            loop="pingpong",
            loop_start_frames=700,
            loop_end_frames=1400,
            filter=Filter(type="bandpass", cutoff_hz=900.0, resonance=0.5),
            lfo=Lfo(shape="random", destination="amp", rate_hz=13.0, depth=0.5),
        ),
        sine_synth(
            glide_s=0.03,
            osc2=Oscillator(wave="noise", level=0.05),
            lfo=Lfo(shape="sine", destination="pitch", rate_hz=5.0, depth=0.05),
            filter=Filter(type="highpass", cutoff_hz=200.0, resonance=0.3),
            amp_env=Envelope(attack_s=0.02, decay_s=0.2, sustain=0.5, release_s=0.1),
        ),
    ]
    song = make_song(ROWS, instruments, speed=3, tempo=137, interpolation=interpolation)
    return song.model_copy(update={"order": [0, 0]})


def render_in_blocks(song: Song, frames: int, block: int) -> Audio:
    run = start(song)
    out = np.empty((frames, 2), np.float32)
    for at in range(0, frames, block):
        run.kernel.render_into(out[at : at + block])
    return out


@pytest.mark.parametrize("interpolation", ["linear", "cubic"])
def test_block_size_does_not_change_the_output(interpolation: str) -> None:
    song = busy_song(interpolation)
    frames = RATE // 2
    reference = render_in_blocks(song, frames, 4096)

    assert np.abs(reference).max() > 0.05
    for block in (17, 64, 1000):
        assert np.array_equal(render_in_blocks(song, frames, block), reference), block
    # one frame at a time, over a shorter stretch
    short = RATE // 10
    assert np.array_equal(render_in_blocks(song, short, 1), reference[:short])


def test_a_decaying_filter_tail_does_not_depend_on_the_block_size() -> None:
    # A click through a lowpass, then silence: the filter rings down through the range
    # where its state is flushed to zero, which must happen at the same frame every time.
    click = np.zeros(RATE)
    click[:50] = 1.0
    ins = sample_instrument(click, filter=Filter(type="lowpass", cutoff_hz=200.0, resonance=0.5))
    song = make_song(["A-4 01 .. ..."], [ins], length=64)
    reference = render_in_blocks(song, RATE // 4, 4096)

    assert np.array_equal(render_in_blocks(song, RATE // 4, 17), reference)


def test_two_renders_are_identical() -> None:
    song = busy_song("cubic")
    first = render_in_blocks(song, RATE // 2, 4096)
    second = render_in_blocks(song, RATE // 2, 4096)

    assert np.array_equal(first, second)
