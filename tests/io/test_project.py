import errno
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings

import tracker.io.project as project_module
from tests.strategies import projects
from tracker.io import (
    MAX_PROJECT_BYTES,
    MIGRATIONS,
    Project,
    ProjectError,
    SampleAudio,
    dumps_song,
    import_sample,
    load_project,
    loads_song,
    migrate,
    save_project,
)
from tracker.model import (
    SCHEMA_VERSION,
    Cell,
    Effect,
    Oscillator,
    Pattern,
    SampleInstrument,
    Song,
    SynthInstrument,
    Track,
)

FX = Effect(command="A", param=0x0F)


def example_project(folder: Path) -> Project:
    """Two tracks (2 and 1 effect columns), a wavetable synth and a 16-bit sample."""
    ints = (np.arange(64) * 512 - 16384).astype(np.int16).reshape(32, 2)
    sf.write(folder / "kick.wav", ints, 44100, subtype="PCM_16")
    project = Project.new(tracks=2)
    ref = import_sample(project, folder / "kick.wav")
    pattern = (
        Pattern.empty(4, 2, name="intro")
        .with_cell(0, 0, Cell(note=48, instrument=1, volume=0x40, effects=(FX, FX)))
        .with_cell(1, 1, Cell(note=57, instrument=2))
    )
    project.song = Song(
        title="Démo ♪",
        author="me",
        tracks=[Track(name="lead", effect_columns=2), Track(name="drums")],
        instruments=[
            SynthInstrument(
                name="table", osc1=Oscillator(wave="wavetable"), wavetable=[0.0, 0.5, -0.5, 1.0]
            ),
            SampleInstrument(name="kick", sample=ref),
        ],
        patterns=[pattern, Pattern.empty(2, 2)],
        order=[0, 1, 0],
    )
    return project


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "song.json"
    save_project(example_project(tmp_path), path)
    return path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# ---- the file as text ----------------------------------------------------------------------


def test_file_layout(saved: Path) -> None:
    text = saved.read_text(encoding="utf-8")
    assert text.startswith('{\n  "schema_version": 1,\n  "title": "Démo ♪",\n  "author": "me",')
    assert text.endswith("}\n")
    lines = text.splitlines()
    assert '        "C-4 01 40 A0F A0F | --- .. .. ...",' in lines
    assert '        "--- .. .. ... ... | A-4 02 .. ...",' in lines
    assert '      "wavetable": [0.0, 0.5, -0.5, 1.0],' in lines
    assert '  "order": [0, 1, 0],' in lines
    document = json.loads(text)
    assert list(document) == list(Song.model_fields)
    assert document["patterns"][0] == {
        "name": "intro",
        "rows": [
            "C-4 01 40 A0F A0F | --- .. .. ...",
            "--- .. .. ... ... | A-4 02 .. ...",
            "--- .. .. ... ... | --- .. .. ...",
            "--- .. .. ... ... | --- .. .. ...",
        ],
    }


def test_save_load_save_is_byte_identical(saved: Path) -> None:
    first = snapshot(saved.parent)
    project = load_project(saved)
    save_project(project, saved)
    after = {name: data for name, (data, _) in snapshot(saved.parent).items()}
    assert after.pop(f"{saved.name}.bak") == first[saved.name][0]  # the one it replaced
    assert after == {name: data for name, (data, _) in first.items()}


def test_loading_does_not_touch_the_folder(saved: Path) -> None:
    before = snapshot(saved.parent)
    project = load_project(saved)
    assert project.path == saved
    assert snapshot(saved.parent) == before


def test_hand_written_numbers_are_made_canonical(saved: Path) -> None:
    text = saved.read_text().replace('"master_volume": 1.0', '"master_volume": 1')
    song = loads_song(text)
    assert song.master_volume == 1.0
    assert dumps_song(song) == saved.read_text()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_round_trip(tmp_path_factory: pytest.TempPathFactory, project: Project) -> None:
    path = tmp_path_factory.mktemp("p") / "song.json"
    save_project(project, path)
    loaded = load_project(path)
    assert loaded.song == project.song
    assert loaded.samples.keys() == project.samples.keys()
    for sha256, audio in project.samples.items():
        np.testing.assert_array_equal(loaded.samples[sha256].frames, audio.frames)
        assert loaded.samples[sha256].sample_rate_hz == audio.sample_rate_hz
    text = path.read_bytes()
    save_project(loaded, path)
    assert path.read_bytes() == text


# ---- bad files -----------------------------------------------------------------------------

Edit = Callable[[Path], None]


def replace(old: str, new: str, count: int = 1) -> Edit:
    def edit(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def write(data: bytes) -> Edit:
    def edit(path: Path) -> None:
        path.write_bytes(data)

    return edit


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def huge(path: Path) -> None:
    with path.open("r+b") as file:
        file.truncate(MAX_PROJECT_BYTES + 1)  # sparse: costs no disk


def sample_file(path: Path) -> Path:
    (sample,) = (path.parent / "song.samples").iterdir()
    return sample


def delete_sample(path: Path) -> None:
    sample_file(path).unlink()


def change_sample(path: Path) -> None:
    sample = sample_file(path)
    data, rate = sf.read(sample, dtype="int16", always_2d=True)
    data[3, 1] += 1
    sf.write(sample, data, rate, format="FLAC", subtype="PCM_16")


def escape_sample_folder(path: Path) -> None:
    sha256 = sample_file(path).stem
    path.write_text(path.read_text().replace(sha256, "../../etc/passwd"))


def not_utf8(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace("Démo".encode(), b"D\xffmo"))


def deep_nesting(path: Path) -> None:
    path.write_text('{"schema_version": 1, "title": ' + "[" * 100_000 + "]" * 100_000 + "}")


BAD_FILES: list[tuple[str, Edit, str]] = [
    ("truncated", truncate, "invalid JSON at line"),
    ("empty", write(b""), "invalid JSON at line 1 column 1: Expecting value"),
    ("nan", replace('"master_volume": 1.0', '"master_volume": NaN'), "NaN is not allowed"),
    ("infinity", replace('"pan": 0.0', '"pan": -Infinity'), "-Infinity is not allowed"),
    (
        "overflow",
        replace('"master_volume": 1.0', '"master_volume": 1e999'),
        "master_volume: must be a finite number",
    ),
    (
        "long int",
        replace('"tempo_bpm": 125', '"tempo_bpm": 1' + "0" * 5000),
        "invalid JSON: Exceeds the limit",
    ),
    ("bad note", replace("C-4 01", "H-4 01"), r"patterns\[0\].rows\[0\]: track 0: bad note 'H-4'$"),
    (
        "note out of range",
        replace("A-4 02", "A-X 02"),
        r"patterns\[0\].rows\[1\]: track 1: bad note 'A-X'$",
    ),
    (
        "volume",
        replace("C-4 01 40", "C-4 01 41"),
        r"patterns\[0\].rows\[0\]: track 0: volume 41 is outside 00..40$",
    ),
    ("lower-case hex", replace("A0F A0F", "a0f A0F"), r"track 0: bad effect 'a0f'"),
    (
        "tempo",
        replace('"tempo_bpm": 125', '"tempo_bpm": 300'),
        "tempo_bpm: must be <= 255, got 300$",
    ),
    (
        "tempo as text",
        replace('"tempo_bpm": 125', '"tempo_bpm": "125"'),
        "tempo_bpm: must be an integer, got '125'$",
    ),
    (
        "unknown field",
        replace('"author": "me",', '"author": "me", "bpm": 120,'),
        "song.json: bpm: unknown field$",
    ),
    (
        "unknown nested field",
        replace('"name": "lead",', '"name": "lead", "colour": 1,'),
        r"tracks\[0\].colour: unknown field$",
    ),
    (
        "track effect columns",
        replace('"effect_columns": 2', '"effect_columns": 5'),
        r"tracks\[0\].effect_columns: must be <= 4, got 5$",
    ),
    (
        "future schema",
        replace('"schema_version": 1', '"schema_version": 2'),
        r"written by a newer version of tracker \(schema 2, this reads up to 1\)$",
    ),
    ("missing schema", replace('"schema_version": 1,', ""), "schema_version: missing"),
    (
        "schema as text",
        replace('"schema_version": 1', '"schema_version": "1"'),
        "schema_version: must be a positive integer",
    ),
    (
        "schema zero",
        replace('"schema_version": 1', '"schema_version": 0'),
        "schema_version: must be a positive integer",
    ),
    ("sample path escape", escape_sample_folder, r"instruments\[1\].sample.sha256: must match"),
    (
        "missing sample",
        delete_sample,
        r"instruments\[1\].sample: missing sample file song.samples/[0-9a-f]{64}.flac$",
    ),
    (
        "sample hash mismatch",
        change_sample,
        r"instruments\[1\].sample: song.samples/[0-9a-f]{64}.flac: content does not match",
    ),
    (
        "row too short",
        replace('"--- .. .. ... ... | A-4 02 .. ..."', '"--- .. .. ... ..."'),
        r"patterns\[0\].rows\[1\]: has 1 cells, expected 2 \(one per track\)$",
    ),
    (
        "row too long",
        replace(
            '"--- .. .. ... ... | A-4 02 .. ..."',
            '"--- .. .. ... ... | A-4 02 .. ... | --- .. .. ..."',
        ),
        r"rows\[1\]: has 3 cells, expected 2",
    ),
    (
        "too many effect columns",
        replace("C-4 01 40 A0F A0F |", "C-4 01 40 A0F A0F A0F |"),
        r"rows\[0\]: track 0: has 3 effect columns, the track has 2$",
    ),
    (
        "cell width",
        replace("C-4 01 40 A0F A0F |", "C-4 01 40 A0F A0 |"),
        r"track 0: cell 'C-4 01 40 A0F A0' is 16 characters, expected 17$",
    ),
    (
        "row not text",
        replace('"--- .. .. ... ... | A-4 02 .. ..."', "5"),
        r"rows\[1\]: must be a string of cells, got a number$",
    ),
    (
        "dangling instrument",
        replace("A-4 02", "A-4 03"),
        r"rows\[1\]: track 1: instrument 03 does not exist \(the song has 2 instruments\)$",
    ),
    (
        "order",
        replace('"order": [0, 1, 0]', '"order": [0, 2]'),
        r"order\[1\]: pattern 2 does not exist",
    ),
    (
        "unknown instrument kind",
        replace('"kind": "synth"', '"kind": "fm"'),
        r"instruments\[0\]: kind must be one of 'synth', 'sample', got 'fm'$",
    ),
    (
        "instrument range",
        replace('"name": "kick",\n      "volume": 0.8', '"name": "kick",\n      "volume": 8'),
        r"instruments\[1\].volume: must be <= 1.0, got 8",
    ),
    (
        "duplicate key",
        replace('"author": "me",', '"author": "me", "title": "again",'),
        "duplicate key 'title'",
    ),
    ("huge", huge, "a project file may have at most 67108864"),
    ("json bomb", deep_nesting, "JSON is nested too deeply$"),
    ("not utf-8", not_utf8, r"is not UTF-8 text \(byte 0xff at offset \d+\)$"),
    ("array", write(b"[1, 2, 3]"), "expected a JSON object at the top level, got an array$"),
    ("string", write(b'"song"'), "expected a JSON object at the top level, got a string$"),
]


@pytest.mark.parametrize(
    ("edit", "message"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES]
)
def test_bad_file(saved: Path, edit: Edit, message: str) -> None:
    edit(saved)
    before = snapshot(saved.parent)
    with pytest.raises(ProjectError) as info:
        load_project(saved)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith("song.json: ")
    assert re.search(message, text), text
    assert snapshot(saved.parent) == before  # same files, bytes and mtimes


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"nope\.json: cannot read: No such file or directory"):
        load_project(tmp_path / "nope.json")
    with pytest.raises(ProjectError, match="cannot read: Is a directory"):
        load_project(tmp_path)


# ---- migrations ----------------------------------------------------------------------------


def test_no_migrations_yet() -> None:
    assert SCHEMA_VERSION == 1
    assert MIGRATIONS == {}


def test_migrations_run_in_order() -> None:
    def add_speed(document: dict[str, Any]) -> dict[str, Any]:
        return {**document, "speed": 6}

    def rename_speed(document: dict[str, Any]) -> dict[str, Any]:
        document["speed_ticks"] = document.pop("speed")
        return document

    steps = {1: add_speed, 2: rename_speed}
    document = migrate({"schema_version": 1}, migrations=steps, target=3)
    assert document == {"schema_version": 3, "speed_ticks": 6}
    assert migrate({"schema_version": 3}, migrations=steps, target=3) == {"schema_version": 3}
    with pytest.raises(ProjectError, match="no migration from 2"):
        migrate({"schema_version": 2}, migrations={1: add_speed}, target=3)
    with pytest.raises(ProjectError, match=r"schema 4, this reads up to 3"):
        migrate({"schema_version": 4}, migrations=steps, target=3)


def test_migrations_do_not_change_the_callers_document() -> None:
    original = {"schema_version": 1, "a": 1}
    migrate(original, migrations={1: lambda d: d.update(a=2) or d}, target=2)
    assert original == {"schema_version": 1, "a": 1}


# ---- saving --------------------------------------------------------------------------------
# Failures are injected with monkeypatch rather than a read-only folder: the tests may run
# as root, which writes through permission bits.


def edited(path: Path) -> Project:
    project = load_project(path)
    project.song.title = "changed"
    return project


@pytest.mark.parametrize("call", ["replace", "fsync", "write"])
def test_failed_save_leaves_the_old_file(
    saved: Path, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    project = edited(saved)
    before = snapshot(saved.parent)

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def half_then_no_space(file: Any, data: bytes) -> None:
        file.write(data[: len(data) // 2])
        no_space()

    if call == "write":
        monkeypatch.setattr(project_module, "_write_all", half_then_no_space)
    else:
        monkeypatch.setattr(os, call, no_space)
    with pytest.raises(ProjectError, match=r"^song\.json: cannot save: No space left on device$"):
        save_project(project, saved)
    monkeypatch.undo()
    after = snapshot(saved.parent)
    backup = after.pop(f"{saved.name}.bak", None)  # taken once the new data was safe
    assert backup is None or (call == "replace" and backup[0] == before[saved.name][0])
    assert after == before  # no temp file left, nothing changed
    assert load_project(saved).song.title == "Démo ♪"


def test_failed_sample_write_leaves_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = example_project(tmp_path)
    before = snapshot(tmp_path)

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(ProjectError, match=r"instruments\[1\].sample: .*No space left on device"):
        save_project(project, tmp_path / "song.json")
    monkeypatch.undo()
    assert snapshot(tmp_path) == before
    assert list((tmp_path / "song.samples").iterdir()) == []


def test_save_refuses_a_song_broken_in_place(saved: Path) -> None:
    before = snapshot(saved.parent)
    project = load_project(saved)
    project.song.patterns.append(Pattern.empty(4, 3))  # bypasses validation
    with pytest.raises(ProjectError, match=r"cannot save: patterns\[2\].rows\[0\]: row has 3"):
        save_project(project, saved)
    project = load_project(saved)
    project.song.order.append(7)
    with pytest.raises(ProjectError, match=r"cannot save: order\[3\]: pattern 7 does not exist"):
        save_project(project, saved)
    project = load_project(saved)
    instrument = project.song.instruments[0]
    assert isinstance(instrument, SynthInstrument) and instrument.wavetable is not None
    instrument.wavetable.append(float("nan"))
    with pytest.raises(ProjectError, match="cannot save: Out of range float"):
        save_project(project, saved)
    assert snapshot(saved.parent) == before


def test_save_sets_the_path_and_keeps_the_mode(saved: Path) -> None:
    saved.chmod(0o600)
    project = edited(saved)
    save_project(project, saved)
    assert saved.stat().st_mode & 0o777 == 0o600
    copy = saved.with_name("copy.json")
    save_project(project, copy)
    assert project.path == copy
    assert copy.stat().st_mode & 0o777 == 0o644
    assert load_project(copy).song == project.song
    assert [path.name for path in (saved.parent / "copy.samples").iterdir()] == [
        path.name for path in (saved.parent / "song.samples").iterdir()
    ]


def test_save_as_copies_samples_loaded_from_elsewhere(saved: Path, tmp_path: Path) -> None:
    project = load_project(saved)
    other = tmp_path / "other"
    other.mkdir()
    save_project(project, other / "moved.json")
    assert load_project(other / "moved.json").song == project.song


def test_unused_samples_are_not_written(tmp_path: Path) -> None:
    project = Project.new()
    project.samples["f" * 64] = SampleAudio(np.zeros((4, 1), np.float32), 8000)
    save_project(project, tmp_path / "song.json")
    assert not (tmp_path / "song.samples").exists()
