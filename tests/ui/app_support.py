"""Build a TrackerApp on a small song with a silent (null) output, for Pilot tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker.io.project import Project
from tracker.model import Cell, Effect, Envelope, Oscillator, Song, SynthInstrument, Track
from tracker.model import edit as ed
from tracker.session import Session
from tracker.ui.app import TrackerApp

LEAD = SynthInstrument(
    name="lead",
    osc1=Oscillator(wave="saw"),
    amp_env=Envelope(attack_s=0.0, decay_s=0.1, sustain=0.8, release_s=0.05),
)
BASS = SynthInstrument(name="bass", osc1=Oscillator(wave="pulse"))
WAIT_S = 5.0
"""wait_for's default limit: far beyond what anything awaited takes when all is well."""


def small_song(tracks: int = 4, rows: int = 32) -> Song:
    """Four tracks (the second with two effect columns), two instruments, one pattern."""
    song = Song.new(tracks=tracks)
    song = ed.set_pattern_length(song, 0, rows)
    song = ed.update_track(song, 1, effect_columns=2)
    song, _ = ed.add_instrument(song, LEAD)
    song, _ = ed.add_instrument(song, BASS)
    return song


def song_with_notes() -> Song:
    song = small_song()
    song = ed.set_cell(song, 0, 0, 0, Cell(note=48, instrument=1, volume=0x40))
    song = ed.set_cell(song, 0, 4, 0, Cell(note=50, instrument=1, volume=0x20))
    song = ed.set_cell(song, 0, 8, 0, Cell(note=52, instrument=2))
    song = ed.set_cell(song, 0, 2, 1, Cell(effects=(Effect(command="A", param=0x0F),)))
    return song


def hostile_song() -> Song:
    song = small_song()
    names = ["Intro [/bold]", "[@click=app.quit]x", "evil\x1b[2J\x07name", "[red]red[/red]"]
    song = song.model_copy(
        update={
            "tracks": [Track(name=name, effect_columns=3) for name in names],
            "title": "[b]title",
        }
    )
    return ed.rename_instrument(song, 1, "[@click=app.quit]inst\x1b]0;pwned\x07")


def make_app(song: Song | None = None, path: Path | None = None, midi: bool = False) -> TrackerApp:
    """The app on a silent output; MIDI ports only when asked (tests/ui/test_midi_ui.py)."""
    project = Project(song=song or small_song(), samples={}, path=path)
    return TrackerApp(Session(project), audio_device="null", midi=midi)


def cell(app: TrackerApp, row: int, track: int, pattern: int = 0) -> Cell:
    return app.session.song.patterns[pattern].rows[row][track]


async def wait_for(pilot: Any, done: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    """Let the app run until `done()`; fail the test after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


def steady(app: TrackerApp) -> TrackerApp:
    """``app`` with a fixed callback load, so the transport bar's cpu figure reads the same on
    any machine (snapshots)."""
    from tracker.engine.playback import PlaybackStatus

    app.session.playback.status = lambda: PlaybackStatus(  # type: ignore[method-assign]
        device="null",
        rate_hz=48000.0,
        blocksize=256,
        latency_s=0.0053,
        callbacks=0,
        underflows=0,
        load_last=0.0,
        load_max=0.0,
    )
    return app
