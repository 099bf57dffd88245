"""The `tracker` command as a user runs it: a real process, real files."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tracker import cli
from tracker.io.project import Project, load_project, save_project
from tracker.model import Cell, Song
from tracker.model.instrument import Oscillator, SynthInstrument


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tracker: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def small_song() -> Song:
    song = Song.new(tracks=2)
    pattern = song.patterns[0].with_cell(0, 0, Cell(note=57, instrument=1))
    pattern = pattern.with_cell(8, 1, Cell(note=64, instrument=1))
    return song.model_copy(
        update={
            "title": "cli test",
            "instruments": [SynthInstrument(name="sine", osc1=Oscillator(wave="sine"))],
            "patterns": [pattern],
        }
    )


def test_version_and_help() -> None:
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("tracker ")
    helped = run("--help")
    assert helped.returncode == 0
    assert "render" in helped.stdout and "new" in helped.stdout


def test_new_writes_a_loadable_empty_project(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    result = run("new", path, "--tracks", "4")
    assert result.returncode == 0, result.stderr
    song = load_project(path).song
    assert len(song.tracks) == 4
    assert song == Song.new(tracks=4)


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "song.json"
    path.write_text("precious")
    result = run("new", path)
    assert_one_line_error(result, "already exists")
    assert path.read_text() == "precious"


def test_new_demo_round_trips(tmp_path: Path) -> None:
    from tracker.demo import demo_song

    path = tmp_path / "demo.json"
    assert run("new", path, "--demo").returncode == 0
    assert load_project(path).song == demo_song()


def test_render_a_project_and_its_stems(tmp_path: Path) -> None:
    song_path = tmp_path / "song.json"
    save_project(Project(song=small_song(), samples={}, path=song_path), song_path)
    out = tmp_path / "out.wav"
    stems = tmp_path / "stems"
    result = run("render", song_path, "-o", out, "--rate", "44100", "--stems", stems)
    assert result.returncode == 0, result.stderr
    audio, rate = soundfile.read(out, dtype="float32")
    assert rate == 44100
    # one 64-row pattern at 125 BPM, speed 6 = 7.68 s, plus the release tail
    assert 7.68 <= len(audio) / rate < 8.5
    assert np.abs(audio).max() > 0.1
    written = sorted(p.name for p in stems.iterdir())
    assert written == ["01-track.wav", "02-track.wav"] or len(written) == 2
    for path in stems.iterdir():
        stem, stem_rate = soundfile.read(path, dtype="float32")
        assert stem_rate == 44100 and len(stem) == len(audio)
        assert np.abs(stem).max() > 0.1


def test_render_the_demo_for_a_few_seconds(tmp_path: Path) -> None:
    out = tmp_path / "demo.wav"
    result = run("render", "-o", out, "--seconds", "3", "--bits", "16")
    assert result.returncode == 0, result.stderr
    info = soundfile.info(out)
    assert info.subtype == "PCM_16"
    assert info.frames == 3 * 48000


def test_usage_mistakes_are_one_line() -> None:
    result = run("render")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "-o/--output" in result.stderr
    assert run("dance").stderr.count("\n") == 1


def test_render_errors_are_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    assert_one_line_error(run("render", tmp_path / "missing.json", "-o", out), "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1, "title": ')
    before = broken.read_bytes()
    assert_one_line_error(run("render", broken, "-o", out), "broken.json")
    assert broken.read_bytes() == before
    assert_one_line_error(run("render", "-o", out, "--rate", "5"), "--rate")
    assert_one_line_error(run("render", "-o", out, "--seconds", "-1"), "--seconds")
    unwritable = tmp_path / "no" / "such" / "dir" / "out.wav"
    assert_one_line_error(run("render", "-o", unwritable, "--seconds", "0.1"), "cannot write")
    assert not out.exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_ui_midi_options_reach_the_app_for_this_run_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.config import Config, load_config, save_config
    from tracker.ui.app import TrackerApp

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    saved = Config(midi_inputs=("saved-in",), midi_output="saved-out", midi_channel=3)
    save_config(saved)
    config_file = tmp_path / "tracker" / "config.toml"
    before = config_file.read_bytes()
    started: list[TrackerApp] = []
    monkeypatch.setattr(TrackerApp, "run", lambda app, *a, **k: started.append(app))
    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr(sys, "stdout", _Terminal())
    options = ["--midi-in", "keys", "--midi-out", "synth", "--midi-api", "jack"]
    assert cli.main(options) == 0
    (app,) = started
    assert app.config.effective == Config(
        midi_api="jack", midi_inputs=("keys",), midi_output="synth", midi_channel=3
    )
    assert app.config.saved == saved == load_config(config_file)
    assert app.midi_ports.wanted_inputs == ("keys",)
    assert app.midi_ports.wanted_output == "synth"
    assert app.midi_player.channel == 2  # the MIDI channel 3 is 2 on the wire
    assert config_file.read_bytes() == before
    # Without options, the saved settings are used.
    assert cli.main([]) == 0
    assert started[1].config.effective == saved


def test_ui_midi_option_mistakes_are_one_line() -> None:
    result = run("--midi-api", "oss")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--midi-api" in result.stderr and "'oss'" in result.stderr


@pytest.mark.parametrize("name", ["xm/Arpeggio.xm", "s3m/LoopReset.s3m", "mod/PatternJump.mod"])
def test_render_plays_a_module_as_its_tracker_would(name: str, tmp_path: Path) -> None:
    from tests.conformance import DEFAULT_DIR
    from tracker.engine import render_song
    from tracker.io.modules import load_module

    out = tmp_path / "module.wav"
    result = run("render", DEFAULT_DIR / name, "-o", out, "--seconds", "2")
    assert result.returncode == 0, result.stderr

    audio, rate = soundfile.read(out, dtype="float32")
    project = load_module(DEFAULT_DIR / name)
    samples = {sha: a.frames for sha, a in project.samples.items()}
    expected = render_song(project.song, samples, max_seconds=2).mix
    assert rate == 48000
    np.testing.assert_allclose(audio, expected[: len(audio)], atol=1e-6)  # float WAV


def test_a_broken_module_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xm"
    broken.write_bytes(b"Extended Module: " + bytes(20))
    result = run("render", broken, "-o", tmp_path / "x.wav")
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1
    assert "broken.xm" in result.stderr
