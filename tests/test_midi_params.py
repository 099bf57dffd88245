"""Session.set_param reaches the kernel: each kind of parameter changes what is rendered, and
the kernel numbers the Session uses are the compiled kernel's own."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.engine.compile import instrument_param_number
from tracker.engine.native import lib
from tracker.io.project import Project
from tracker.model import Filter, Oscillator, Song, SynthInstrument
from tracker.model import edit as ed
from tracker.model.params import INSTRUMENT_PARAMS, ParamError
from tracker.session import Session

A4 = 57
BLOCK = 4800  # 100 ms at 48 kHz


def test_every_instrument_parameter_has_a_kernel_number() -> None:
    numbers = {spec.kernel: instrument_param_number(spec.kernel) for spec in INSTRUMENT_PARAMS}
    assert sorted(numbers.values()) == list(range(lib.TK_IP_COUNT))
    with pytest.raises(KeyError, match="no instrument parameter"):
        instrument_param_number("COUNT")


def playing_session() -> Session:
    synth = SynthInstrument(
        name="saw",
        osc1=Oscillator(wave="saw"),
        filter=Filter(type="lowpass", cutoff_hz=20000.0),
    )
    song, _ = ed.add_instrument(Song.new(tracks=2), synth)
    session = Session(Project(song=song))
    session.note_on(0, A4, 1)
    session.kernel.render(BLOCK)  # past the attack
    return session


def level(session: Session) -> float:
    out = session.kernel.render(BLOCK)[BLOCK // 2 :]
    return float(np.sqrt(np.mean(out**2)))


def test_track_volume_is_heard_at_once() -> None:
    session = playing_session()
    full = level(session)
    session.set_param("track.1.volume", 0.25)
    assert level(session) == pytest.approx(0.25 * full, rel=0.02)
    session.set_param("track.1.mute", 1.0)
    assert level(session) == 0.0


def test_master_volume_and_instrument_volume_are_heard() -> None:
    session = playing_session()
    full = level(session)
    session.set_param("master.volume", 0.5)
    assert level(session) == pytest.approx(0.5 * full, rel=0.02)
    session.set_param("instrument.1.volume", 0.4)  # 0.8 before
    assert level(session) == pytest.approx(0.25 * full, rel=0.02)


def test_cutoff_darkens_a_saw() -> None:
    session = playing_session()
    bright = level(session)
    session.set_param("instrument.1.filter.cutoff_hz", 150.0)
    assert level(session) < 0.5 * bright


def test_the_song_is_not_changed_by_set_param() -> None:
    session = playing_session()
    song = session.song
    session.set_param("tempo", 200)
    assert session.song is song


def test_set_param_refuses_what_the_song_lacks() -> None:
    with pytest.raises(ParamError, match="track 3 does not exist"):
        playing_session().set_param("track.3.volume", 0.5)
