"""Voice cost: many copies of one note rendered by the kernel, bypassing the replayer.

A voice's cost is measured as seconds per voice-frame with 256 voices at once
(Kernel.bench_voices); the figure is how many such voices fit in half of one core
in real time at 48 kHz: 0.5 / (seconds per voice-frame * 48000).

The synth is two oscillators (saw + pulse), a resonant lowpass and amp and filter
envelopes; the sample is a looped one-second mono float loop with no filter, read with
linear or cubic interpolation.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from bench.figures import Figure
from tracker.engine import Kernel, compile_song
from tracker.model import (
    Envelope,
    Filter,
    Oscillator,
    Pattern,
    SampleInstrument,
    SampleRef,
    Song,
    SynthInstrument,
    Track,
)

RATE_HZ = 48000
CORE_SHARE = 0.5
MAX_VOICES = 256  # the kernel's voice pool; bench_voices renders at most this many
SAMPLE_FRAMES = RATE_HZ  # one second, looped
TARGET_SYNTH_VOICES = 1000.0
TARGET_SAMPLE_VOICES = 3000.0
HARDWARE_NS_PER_LINEAR_VOICE_SAMPLE = 2.0  # what this machine allows for a linear read + mix

Interpolation = Literal["linear", "cubic"]
SYNTH, SAMPLE = 1, 2  # instrument numbers in the bench song

# Two oscillators, a resonant lowpass, amp and filter envelopes that sustain (so no voice
# ends during the measurement): the synth's full per-sample path.
BENCH_SYNTH = SynthInstrument(
    name="bench synth",
    osc1=Oscillator(wave="saw"),
    osc2=Oscillator(wave="pulse", fine_cents=7.0, pulse_width=0.4, level=0.7),
    filter=Filter(type="lowpass", cutoff_hz=1200.0, resonance=0.6),
    amp_env=Envelope(attack_s=0.005, decay_s=0.3, sustain=0.7, release_s=0.2),
    filter_env=Envelope(attack_s=0.001, decay_s=0.4, sustain=0.3, release_s=0.2),
    filter_env_octaves=3.0,
)


@dataclass(frozen=True, slots=True)
class VoiceCost:
    seconds_per_voice_frame: float
    voices: int

    @property
    def ns_per_voice_sample(self) -> float:
        return self.seconds_per_voice_frame * 1e9

    @property
    def voices_in_core_share(self) -> float:
        return CORE_SHARE / (self.seconds_per_voice_frame * RATE_HZ)


def bench_sample_audio(frames: int = SAMPLE_FRAMES) -> npt.NDArray[np.float32]:
    """A mono loop with partials at whole cycles of the loop, so it loops without a click."""
    t = np.arange(frames, dtype=np.float64) / frames
    wave = np.zeros(frames)
    for k in (1, 2, 3, 5):
        wave += np.sin(2 * np.pi * k * 220 * t) / k
    return (0.4 * wave).astype(np.float32)[:, None]


def bench_song(interpolation: Interpolation, audio: npt.NDArray[np.float32]) -> Song:
    frames = len(audio)
    ref = SampleRef(
        sha256=hashlib.sha256(audio.tobytes()).hexdigest(),
        name="bench loop",
        format="wav",
        frames=frames,
        channels=1,
        sample_rate_hz=RATE_HZ,
        bit_depth="float32",
    )
    sample = SampleInstrument(
        name="bench sample",
        sample=ref,
        loop="forward",
        loop_start_frames=0,
        loop_end_frames=frames,
    )
    return Song(
        tracks=[Track()],
        instruments=[BENCH_SYNTH, sample],
        patterns=[Pattern.empty(1, 1)],
        order=[0],
        interpolation=interpolation,
    )


def voice_cost(
    instrument: int,
    interpolation: Interpolation = "linear",
    *,
    voices: int = MAX_VOICES,
    seconds: float = 2.0,
    repeats: int = 3,
) -> VoiceCost:
    """Best of `repeats` runs of `voices` voices of one instrument for `seconds` of audio."""
    audio = bench_sample_audio()
    song = bench_song(interpolation, audio)
    compiled = compile_song(song, {song.sample_refs().popitem()[0]: audio})
    kernel = Kernel(RATE_HZ)
    kernel.load(compiled)  # sample voices read the song's interpolation mode
    frames = max(1, round(seconds * RATE_HZ))
    best_s = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        sounded = kernel.bench_voices(compiled, instrument, voices, frames)
        best_s = min(best_s, time.perf_counter() - start)
        if sounded != voices:
            raise RuntimeError(f"only {sounded} of {voices} voices sounded")
    return VoiceCost(best_s / (voices * frames), voices)


def voice_figures(
    *, voices: int = MAX_VOICES, seconds: float = 2.0, repeats: int = 3
) -> list[Figure]:
    synth = voice_cost(SYNTH, voices=voices, seconds=seconds, repeats=repeats)
    linear = voice_cost(SAMPLE, "linear", voices=voices, seconds=seconds, repeats=repeats)
    cubic = voice_cost(SAMPLE, "cubic", voices=voices, seconds=seconds, repeats=repeats)
    share = f"in {CORE_SHARE:.0%} of a core at {RATE_HZ // 1000} kHz"
    return [
        Figure(
            "synth_voices",
            f"synth voices {share}",
            synth.voices_in_core_share,
            "voices",
            target=TARGET_SYNTH_VOICES,
        ),
        Figure(
            "synth_ns_per_voice_sample",
            "synth, per voice-sample",
            synth.ns_per_voice_sample,
            "ns",
            higher_is_better=False,
        ),
        Figure(
            "sample_linear_voices",
            f"linear sample voices {share}",
            linear.voices_in_core_share,
            "voices",
            target=TARGET_SAMPLE_VOICES,
        ),
        Figure(
            "sample_linear_ns_per_voice_sample",
            "linear sample, per voice-sample",
            linear.ns_per_voice_sample,
            "ns",
            higher_is_better=False,
            reference=HARDWARE_NS_PER_LINEAR_VOICE_SAMPLE,
        ),
        Figure(
            "sample_cubic_voices",
            f"cubic sample voices {share}",
            cubic.voices_in_core_share,
            "voices",
        ),
        Figure(
            "sample_cubic_ns_per_voice_sample",
            "cubic sample, per voice-sample",
            cubic.ns_per_voice_sample,
            "ns",
            higher_is_better=False,
        ),
    ]
