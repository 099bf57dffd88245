"""The demo song: valid, a minute long, clean, balanced and shaped like music.

One render (with stems) is shared by the module; the checks stand in for listening:
levels, limiter use, per-track energy, stem balance, spectrum and silence.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import numpy.typing as npt
import pytest

from tracker.demo import demo_song
from tracker.engine import Rendered, render_song
from tracker.model import Song, SynthInstrument

RATE_HZ = 48000
WINDOW_FRAMES = RATE_HZ // 20  # 50 ms, about the ear's loudness window


@pytest.fixture(scope="module")
def song() -> Song:
    return demo_song()


@pytest.fixture(scope="module")
def rendered(song: Song) -> Rendered:
    return render_song(song, sample_rate_hz=RATE_HZ, stems=True)


def _db(x: float) -> float:
    return 20.0 * float(np.log10(max(x, 1e-12)))


def _rms(x: npt.NDArray[np.float32]) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def _played(rendered: Rendered) -> npt.NDArray[np.float32]:
    """The mix up to the song's end, without the release tail."""
    assert rendered.song_end_frame is not None
    return rendered.mix[: rendered.song_end_frame]


def effect_commands(song: Song) -> Counter[str]:
    """Uses of each command in the patterns the order plays; E commands count by sub-command."""
    used: Counter[str] = Counter()
    for index in set(song.order):
        for row in song.patterns[index].rows:
            for cell in row:
                for fx in cell.effects:
                    if fx is not None:
                        used[fx.command + (f"{fx.param >> 4:X}" if fx.command == "E" else "")] += 1
    return used


def test_demo_song_is_a_valid_song(song: Song) -> None:
    assert Song.model_validate(song.model_dump()) == song
    assert song.title == "First Light"
    assert song.author == "tracker"


def test_demo_song_is_made_from_synths_only(song: Song) -> None:
    # The demo must play from a fresh clone: no sample files to ship or load.
    assert all(isinstance(instrument, SynthInstrument) for instrument in song.instruments)
    assert song.sample_refs() == {}


def test_demo_song_has_the_named_tracks(song: Song) -> None:
    names = [track.name for track in song.tracks]
    assert len(names) >= 6
    for name in ("Kick", "Snare", "Hats", "Bass", "Chords", "Lead"):
        assert name in names


def test_demo_song_uses_at_least_ten_effect_commands(song: Song) -> None:
    used = effect_commands(song)
    assert len(used) >= 10, sorted(used)
    # the ones the demo exists to show off
    for command in ("0", "3", "4", "8", "A", "B", "C", "F", "W", "Z", "E9", "EC", "ED"):
        assert command in used, command


def test_demo_song_loops_back_to_the_groove_with_a_jump(song: Song) -> None:
    last = song.patterns[song.order[-1]]
    jumps = [fx.param for cell in last.rows[-1] for fx in cell.effects if fx and fx.command == "B"]
    assert jumps == [song.restart_order]
    assert 0 < song.restart_order < len(song.order) - 1


def test_demo_song_lasts_at_least_a_minute(rendered: Rendered) -> None:
    assert rendered.song_end_frame is not None
    assert rendered.song_end_frame / rendered.sample_rate_hz >= 60.0


def test_demo_song_does_not_clip(rendered: Rendered) -> None:
    mix = rendered.mix
    assert np.isfinite(mix).all()
    assert float(np.abs(mix).max()) <= 1.0
    # The kernel's soft limiter starts at 0.8: it may catch a drum peak, not carry the mix.
    assert float(np.mean(np.abs(mix) > 0.8)) < 0.01


def test_every_track_is_heard(song: Song, rendered: Rendered) -> None:
    assert rendered.stems is not None
    for track, stem in zip(song.tracks, rendered.stems, strict=True):
        assert _db(_rms(stem)) > -50.0, track.name


def test_no_track_drowns_the_others(song: Song, rendered: Rendered) -> None:
    assert rendered.stems is not None
    levels = np.array([_db(_rms(stem)) for stem in rendered.stems])
    for index, track in enumerate(song.tracks):
        others = np.delete(levels, index).mean()
        assert levels[index] - others <= 12.0, (track.name, levels.round(1).tolist())


def test_mix_is_mostly_sound_at_a_sane_level(rendered: Rendered) -> None:
    mix = _played(rendered)
    assert -24.0 < _db(_rms(mix)) < -10.0
    windows = mix[: len(mix) // WINDOW_FRAMES * WINDOW_FRAMES].reshape(-1, WINDOW_FRAMES, 2)
    quiet = np.sqrt(np.mean(np.square(windows), axis=(1, 2))) < 10 ** (-40 / 20)
    assert float(np.mean(quiet)) < 0.05


def test_spectrum_is_shaped_like_a_mix(rendered: Rendered) -> None:
    mono = _played(rendered).mean(axis=1, dtype=np.float64)
    power = np.abs(np.fft.rfft(mono)) ** 2
    hz = np.fft.rfftfreq(len(mono), 1.0 / RATE_HZ)
    centroid = float((power * hz).sum() / power.sum())
    assert 200.0 < centroid < 4000.0

    def share(low: float, high: float) -> float:
        return float(power[(hz >= low) & (hz < high)].sum() / power.sum())

    # bass and drums carry the weight, but mids and highs are there (chords, lead, hats)
    assert share(40.0, 250.0) > 0.2
    assert share(250.0, 4000.0) > 0.1
    assert share(4000.0, 20000.0) > 0.005
