"""Denormals are flushed: a filter ringing down into silence renders as fast as a note."""

import time

import numpy as np

from tests.dsp.helpers import RATE, make_song, sample_instrument, start
from tracker.model import Filter, Song

VOICES = 16


def song_of(audio: np.ndarray) -> Song:
    # a slow, resonant lowpass on every voice: its state decays for a long time
    ins = sample_instrument(audio, filter=Filter(type="lowpass", cutoff_hz=30.0, resonance=0.2))
    row = " | ".join(["A-4 01 .. ..."] * VOICES)
    return make_song([row], [ins], length=64)


def render_seconds(song: Song, seconds: float) -> float:
    best = float("inf")
    for _ in range(3):
        run = start(song)
        began = time.perf_counter()
        run.kernel.render(int(RATE * seconds))
        best = min(best, time.perf_counter() - began)
    return best


def test_a_decaying_filter_tail_renders_as_fast_as_a_note() -> None:
    seconds = 1.5
    frames = int(RATE * seconds)
    click = np.zeros(frames)
    click[:32] = 1.0  # then silence: the filters ring down through the denormal range
    noise = np.random.default_rng(1).uniform(-0.5, 0.5, frames)

    tail = render_seconds(song_of(click), seconds)
    note = render_seconds(song_of(noise), seconds)

    assert tail < 10 * note
