import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import BIT_DEPTHS, ref_for, sample_audio
from tracker.io import (
    Project,
    ProjectError,
    SampleAudio,
    SampleError,
    import_sample,
    load_project,
    sample_hash,
    save_project,
)
from tracker.io.samples import load_sample, sample_path, store_sample
from tracker.model import SampleInstrument
from tracker.model.instrument import BitDepth


def ramp(frames: int, channels: int, scale: int) -> np.ndarray:
    """Integers that cover the whole range of a depth, as left-justified int32."""
    values = np.linspace(-scale, scale - 1, frames * channels).round().astype(np.int64)
    return values.reshape(frames, channels)


def test_16_bit_wav(tmp_path: Path) -> None:
    ints = ramp(1000, 1, 2**15).astype(np.int16)
    sf.write(tmp_path / "kick.wav", ints, 44100, subtype="PCM_16")
    project = Project.new()
    ref = import_sample(project, tmp_path / "kick.wav")
    assert (ref.name, ref.format, ref.bit_depth) == ("kick.wav", "flac", "pcm16")
    assert (ref.frames, ref.channels, ref.sample_rate_hz) == (1000, 1, 44100)
    audio = project.samples[ref.sha256]
    assert audio.frames.dtype == np.float32
    assert audio.frames.shape == (1000, 1)
    np.testing.assert_array_equal(audio.frames * 2**15, ints)


def test_float_wav(tmp_path: Path) -> None:
    data = np.linspace(-1.25, 1.25, 300, dtype=np.float32).reshape(-1, 1)
    sf.write(tmp_path / "pad.wav", data, 48000, subtype="FLOAT")
    project = Project.new()
    ref = import_sample(project, tmp_path / "pad.wav")
    assert (ref.format, ref.bit_depth, ref.sample_rate_hz) == ("wav", "float32", 48000)
    np.testing.assert_array_equal(project.samples[ref.sha256].frames, data)


def test_stereo_24_bit_flac(tmp_path: Path) -> None:
    ints = ramp(500, 2, 2**23).astype(np.int32)
    sf.write(tmp_path / "loop.flac", ints << 8, 96000, subtype="PCM_24")
    project = Project.new()
    ref = import_sample(project, tmp_path / "loop.flac")
    assert (ref.format, ref.bit_depth, ref.channels) == ("flac", "pcm24", 2)
    np.testing.assert_array_equal(project.samples[ref.sha256].frames * 2**23, ints)


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_S8"])
def test_8_bit(tmp_path: Path, subtype: str) -> None:
    path = tmp_path / ("hat.wav" if subtype == "PCM_U8" else "hat.aiff")
    ints = ramp(256, 1, 2**7).astype(np.int16)
    sf.write(path, ints << 8, 22050, subtype=subtype)
    project = Project.new()
    ref = import_sample(project, path)
    assert ref.bit_depth == "pcm8"
    np.testing.assert_array_equal(project.samples[ref.sha256].frames * 2**7, ints)


def test_32_bit_integers_become_float(tmp_path: Path) -> None:
    sf.write(tmp_path / "x.wav", np.zeros((10, 1), np.int32), 44100, subtype="PCM_32")
    ref = import_sample(Project.new(), tmp_path / "x.wav")
    assert (ref.bit_depth, ref.format) == ("float32", "wav")


def test_hash_is_pinned() -> None:
    # The hash names files on disk; if this changes, every saved project breaks.
    audio = SampleAudio(
        frames=(np.arange(-4, 4) / 8).astype(np.float32).reshape(4, 2), sample_rate_hz=44100
    )
    canonical = (
        b"tk-sample-v1\n44100\n2\npcm16\n4\n" + (np.arange(-4, 4) * 4096).astype("<i2").tobytes()
    )
    assert (
        sample_hash(audio, "pcm16")
        == hashlib.sha256(canonical).hexdigest()
        == ("9fe1bb8566047e273e02bafe379cf532c7e1b8fc70ffc848e626799b727780ca")
    )


def test_hash_ignores_the_container(tmp_path: Path) -> None:
    ints = ramp(700, 2, 2**15).astype(np.int16)
    sf.write(tmp_path / "a.wav", ints, 44100, subtype="PCM_16")
    sf.write(tmp_path / "a.flac", ints, 44100, subtype="PCM_16")
    sf.write(tmp_path / "a.aiff", ints, 44100, subtype="PCM_16")
    project = Project.new()
    refs = [import_sample(project, tmp_path / name) for name in ("a.wav", "a.flac", "a.aiff")]
    assert len({ref.sha256 for ref in refs}) == 1
    assert len(project.samples) == 1


def test_hash_depends_on_rate_depth_and_channels() -> None:
    frames = np.zeros((4, 2), np.float32)
    hashes = {
        sample_hash(SampleAudio(frames, 44100), "pcm16"),
        sample_hash(SampleAudio(frames, 48000), "pcm16"),
        sample_hash(SampleAudio(frames, 44100), "pcm24"),
        sample_hash(SampleAudio(frames.reshape(8, 1), 44100), "pcm16"),
    }
    assert len(hashes) == 4


def test_same_audio_imported_twice_is_stored_once(tmp_path: Path) -> None:
    ints = ramp(100, 1, 2**15).astype(np.int16)
    sf.write(tmp_path / "one.wav", ints, 44100, subtype="PCM_16")
    sf.write(tmp_path / "two.wav", ints, 44100, subtype="PCM_16")
    project = Project.new()
    first = import_sample(project, tmp_path / "one.wav")
    second = import_sample(project, tmp_path / "two.wav")
    assert first.sha256 == second.sha256
    assert (first.name, second.name) == ("one.wav", "two.wav")
    project.song = project.song.model_copy(
        update={"instruments": [SampleInstrument(sample=first), SampleInstrument(sample=second)]}
    )
    save_project(project, tmp_path / "song.json")
    stored = list((tmp_path / "song.samples").iterdir())
    assert [path.name for path in stored] == [f"{first.sha256}.flac"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: sf.write(p, np.zeros((8, 3), np.float32), 44100), "has 3 channels"),
        (lambda p: p.write_bytes(b"not audio at all" * 10), "cannot read audio"),
        (lambda p: sf.write(p, np.zeros((8, 1), np.float32), 500), "sample rate 500 Hz"),
        (lambda p: sf.write(p, np.zeros((0, 1), np.float32), 44100), "has 0 frames"),
        (
            lambda p: sf.write(p, np.array([[np.nan]], np.float32), 44100, subtype="FLOAT"),
            "NaN",
        ),
        (lambda p: None, "cannot read audio"),
    ],
)
def test_import_refuses(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "bad.wav"
    make(path)  # type: ignore[operator]
    with pytest.raises(SampleError, match=message) as info:
        import_sample(Project.new(), path)
    assert str(info.value).startswith("bad.wav: ")
    assert "\n" not in str(info.value)


def test_sample_path_stays_in_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "song.samples"
    valid = ref_for(SampleAudio(np.zeros((4, 1), np.float32), 8000), "pcm16")
    # model_copy skips validation, as a ref built by buggy code might
    sneaky = valid.model_copy(update={"sha256": "../../etc/passwd"})
    with pytest.raises(SampleError, match=r"outside song\.samples/"):
        sample_path(folder, sneaky)
    absolute = valid.model_copy(update={"sha256": "/etc/passwd"})
    with pytest.raises(SampleError):
        sample_path(folder, absolute)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    audio = SampleAudio(np.zeros((4, 1), np.float32), 8000)
    ref = ref_for(audio, "pcm16")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    store_sample(outside, ref, audio)
    folder = tmp_path / "song.samples"
    folder.mkdir()
    (folder / f"{ref.sha256}.flac").symlink_to(outside / f"{ref.sha256}.flac")
    with pytest.raises(SampleError, match="outside"):
        load_sample(folder, ref)


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(BIT_DEPTHS).flatmap(
        lambda depth: st.tuples(st.just(depth), sample_audio(depth))
    )
)
def test_store_and_load_give_back_the_same_audio(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[BitDepth, SampleAudio]
) -> None:
    bit_depth, audio = case
    folder = tmp_path_factory.mktemp("samples")
    ref = ref_for(audio, bit_depth)
    assert store_sample(folder, ref, audio)
    assert not store_sample(folder, ref, audio)  # already there
    loaded = load_sample(folder, ref)
    assert loaded.sample_rate_hz == audio.sample_rate_hz
    np.testing.assert_array_equal(loaded.frames, audio.frames)


def test_stored_files_are_the_same_bytes_every_time(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    for bit_depth in BIT_DEPTHS:
        frames = (rng.integers(-128, 128, (50, 2)) / 128).astype(np.float32)
        audio = SampleAudio(frames, 44100)
        ref = ref_for(audio, bit_depth)
        first, second = tmp_path / f"{bit_depth}-1", tmp_path / f"{bit_depth}-2"
        first.mkdir()
        second.mkdir()
        store_sample(first, ref, audio)
        store_sample(second, ref, audio)
        name = f"{ref.sha256}.{ref.format}"
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_store_refuses_audio_that_does_not_match_its_ref(tmp_path: Path) -> None:
    audio = SampleAudio(np.zeros((4, 1), np.float32), 8000)
    ref = ref_for(audio, "pcm16")
    louder = SampleAudio(np.full((4, 1), 0.5, np.float32), 8000)
    with pytest.raises(SampleError, match="does not match its sha256"):
        store_sample(tmp_path, ref, louder)
    with pytest.raises(SampleError, match="shape"):
        store_sample(tmp_path, ref, SampleAudio(np.zeros((5, 1), np.float32), 8000))
    assert list(tmp_path.iterdir()) == []


def test_load_checks_the_stored_file(tmp_path: Path) -> None:
    audio = SampleAudio(np.zeros((4, 1), np.float32), 8000)
    ref = ref_for(audio, "pcm16")
    store_sample(tmp_path, ref, audio)
    path = tmp_path / f"{ref.sha256}.flac"
    sf.write(path, np.ones((4, 1), np.int16), 8000, format="FLAC", subtype="PCM_16")
    with pytest.raises(SampleError, match="does not match its sha256"):
        load_sample(tmp_path, ref)
    sf.write(path, np.zeros((4, 1), np.int16), 8000, format="FLAC", subtype="PCM_24")
    with pytest.raises(SampleError, match="expected FLAC/PCM_16"):
        load_sample(tmp_path, ref)
    sf.write(path, np.zeros((5, 1), np.int16), 8000, format="FLAC", subtype="PCM_16")
    with pytest.raises(SampleError, match="has 5 frames"):
        load_sample(tmp_path, ref)
    path.write_bytes(b"garbage")
    with pytest.raises(SampleError, match="cannot read audio"):
        load_sample(tmp_path, ref)
    path.unlink()
    with pytest.raises(SampleError, match=f"missing sample file {tmp_path.name}/{ref.sha256}"):
        load_sample(tmp_path, ref)


def test_loaded_project_has_its_samples(tmp_path: Path) -> None:
    ints = ramp(64, 2, 2**15).astype(np.int16)
    sf.write(tmp_path / "in.wav", ints, 44100, subtype="PCM_16")
    project = Project.new()
    ref = import_sample(project, tmp_path / "in.wav")
    project.song.instruments = [SampleInstrument(sample=ref)]
    save_project(project, tmp_path / "song.json")
    loaded = load_project(tmp_path / "song.json")
    np.testing.assert_array_equal(loaded.samples[ref.sha256].frames * 2**15, ints)


def test_saving_a_sample_that_is_not_loaded_fails(tmp_path: Path) -> None:
    ref = ref_for(SampleAudio(np.zeros((4, 1), np.float32), 8000), "pcm16")
    project = Project.new()
    project.song.instruments = [SampleInstrument(sample=ref)]
    with pytest.raises(ProjectError, match=r"song.json: instruments\[0\].sample: no audio"):
        save_project(project, tmp_path / "song.json")
    assert not (tmp_path / "song.json").exists()
