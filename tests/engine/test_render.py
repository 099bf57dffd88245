"""Offline render: once through the song, then the release tail, then stop."""

import numpy as np

from tests.dsp.helpers import FULL, RATE, SAMPLE_AUDIO, TICK, make_song, sine_synth, tick_level
from tracker.engine import render_song
from tracker.model import Envelope


def test_render_stops_at_the_song_end_after_the_release_tail() -> None:
    synth = sine_synth(amp_env=Envelope(attack_s=0, decay_s=0, sustain=1, release_s=0.2))
    song = make_song(["A-4 01 .. ...", "--- .. .. ...", "--- .. .. ...", "=== .. .. ..."], [synth])
    rendered = render_song(song, SAMPLE_AUDIO, sample_rate_hz=RATE, block_frames=1000)
    out = rendered.mix

    end = 4 * 6 * TICK
    assert rendered.song_end_frame == end
    assert end + 0.2 * RATE < len(out) < end + 0.5 * RATE
    level = tick_level(out[3 * 6 * TICK :])  # from the note-off on
    assert level[0] > 0.5 * FULL
    assert np.all(np.diff(level[: int(0.2 * RATE / TICK)]) < 0)  # no second pass of row 0
    assert np.abs(out[-100:]).max() < 1e-5


def test_render_ends_where_a_jump_goes_back() -> None:
    song = make_song([["A-4 01 .. ...", "--- .. .. B00"], ["A-4 01 .. ..."]], [sine_synth()])
    rendered = render_song(song, SAMPLE_AUDIO, sample_rate_hz=RATE)

    assert rendered.song_end_frame == 2 * 6 * TICK
    assert len(rendered.mix) < 2 * 6 * TICK + 0.2 * RATE
