"""The sample store: audio files kept beside a project, named by a hash of their sound.

A project ``song.json`` keeps its samples in ``song.samples/<sha256>.<format>``. Integer
audio (8, 16 or 24 bit) is stored as FLAC, float audio as 32-bit float WAV, so nothing is
lost on import. The hash is taken over a canonical byte form of the audio rather than the
encoded file, so it does not change when a different libsndfile encodes the same sound::

    b"tk-sample-v1\\n" + b"<sample_rate_hz>\\n<channels>\\n<bit_depth>\\n<frames>\\n"
    + interleaved little-endian samples: int8 (pcm8), int16 (pcm16),
      int32 holding the 24-bit value (pcm24) or float32 (float32)

Integer samples are held in memory as float32 ``value / 2**(bits-1)``, which float32 holds
exactly, so the integers (and the hash) come back unchanged from the float frames.
"""

from __future__ import annotations

import errno
import hashlib
import os
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import soundfile as sf

from tracker.io.errors import ProjectError, SampleError
from tracker.model.instrument import SAMPLE_MAX_FRAMES, BitDepth, SampleFormat, SampleRef

if TYPE_CHECKING:
    from tracker.io.project import Project

HASH_TAG: Final = b"tk-sample-v1\n"
MIN_RATE_HZ: Final = 1000
MAX_RATE_HZ: Final = 384000

# Full scale of each integer depth: sample value / scale is the float in -1..1.
_SCALE: Final[dict[str, int]] = {"pcm8": 2**7, "pcm16": 2**15, "pcm24": 2**23}
_CANONICAL_DTYPE: Final[dict[str, str]] = {
    "pcm8": "<i1",
    "pcm16": "<i2",
    "pcm24": "<i4",
    "float32": "<f4",
}
# libsndfile subtype of a stored file, by (format, bit depth).
_STORED_SUBTYPE: Final[dict[tuple[str, str], str]] = {
    ("flac", "pcm8"): "PCM_S8",
    ("flac", "pcm16"): "PCM_16",
    ("flac", "pcm24"): "PCM_24",
    ("wav", "pcm8"): "PCM_U8",  # WAV has no signed 8-bit
    ("wav", "pcm16"): "PCM_16",
    ("wav", "pcm24"): "PCM_24",
    ("wav", "float32"): "FLOAT",
}
_SOURCE_BIT_DEPTH: Final[dict[str, BitDepth]] = {
    "PCM_U8": "pcm8",
    "PCM_S8": "pcm8",
    "PCM_16": "pcm16",
    "PCM_24": "pcm24",
}

Frames = npt.NDArray[np.float32]


@dataclass
class SampleAudio:
    """Decoded audio: ``frames`` is float32 of shape (n, channels)."""

    frames: Frames
    sample_rate_hz: int

    @property
    def channels(self) -> int:
        return int(self.frames.shape[1])


def bit_depth_for_subtype(subtype: str) -> BitDepth:
    """The depth an imported file keeps: its own integer depth, else float32."""
    return _SOURCE_BIT_DEPTH.get(subtype, "float32")


def format_for_bit_depth(bit_depth: BitDepth) -> SampleFormat:
    return "wav" if bit_depth == "float32" else "flac"


def canonical_pcm(frames: Frames, bit_depth: BitDepth) -> npt.NDArray[np.generic]:
    """The samples in their canonical dtype (see the module docstring), shape (n, channels)."""
    dtype = np.dtype(_CANONICAL_DTYPE[bit_depth])
    if bit_depth == "float32":
        return np.ascontiguousarray(frames, dtype=dtype)
    scale = _SCALE[bit_depth]
    values = np.rint(frames.astype(np.float64) * scale)
    return np.ascontiguousarray(np.clip(values, -scale, scale - 1), dtype=dtype)


def sample_hash(audio: SampleAudio, bit_depth: BitDepth) -> str:
    """sha256 of the canonical byte form of ``audio`` stored at ``bit_depth``."""
    frames, channels = audio.frames.shape
    header = f"{audio.sample_rate_hz}\n{channels}\n{bit_depth}\n{frames}\n".encode("ascii")
    digest = hashlib.sha256(HASH_TAG + header)
    digest.update(canonical_pcm(audio.frames, bit_depth).tobytes())
    return digest.hexdigest()


def samples_folder(project_path: Path) -> Path:
    """``song.json`` -> ``song.samples`` beside it."""
    return project_path.with_name(project_path.stem + ".samples")


def sample_path(folder: Path, ref: SampleRef) -> Path:
    """Where ``ref`` is stored in ``folder``.

    SampleRef's pattern already limits sha256 to hex digits; this check does not rely on it,
    so a ref built without validation (model_construct) still cannot name a file elsewhere.
    """
    path = folder / f"{ref.sha256}.{ref.format}"
    root = folder.resolve()
    resolved = path.resolve()
    if resolved.parent != root or path.name != resolved.name:
        raise SampleError(f"sample {ref.sha256!r} resolves outside {folder.name}/")
    return path


def _read(path: Path, bit_depth: BitDepth) -> tuple[Frames, int]:
    """Frames as float32 (exact for integer depths) and the rate, from any readable file."""
    if bit_depth == "float32":
        data, rate = sf.read(path, dtype="float32", always_2d=True)
        return np.ascontiguousarray(data, dtype=np.float32), int(rate)
    # libsndfile left-justifies integers in the type asked for; shift back to the real depth.
    if bit_depth == "pcm24":
        ints, rate = sf.read(path, dtype="int32", always_2d=True)
        values = ints >> 8
    else:
        ints, rate = sf.read(path, dtype="int16", always_2d=True)
        values = ints >> 8 if bit_depth == "pcm8" else ints
    frames = values.astype(np.float32) / np.float32(_SCALE[bit_depth])
    return np.ascontiguousarray(frames, dtype=np.float32), int(rate)


def read_audio_file(path: Path) -> tuple[SampleAudio, BitDepth]:
    """Decode any file libsndfile reads (WAV, FLAC, AIFF, OGG, ...), mono or stereo."""
    label = path.name
    try:
        info = sf.info(str(path))
    except (RuntimeError, OSError) as exc:
        raise SampleError(f"{label}: cannot read audio: {_one_line(exc)}") from None
    if info.channels not in (1, 2):
        raise SampleError(f"{label}: has {info.channels} channels; only mono and stereo load")
    if not 1 <= info.frames <= SAMPLE_MAX_FRAMES:
        raise SampleError(f"{label}: has {info.frames} frames, must be 1..{SAMPLE_MAX_FRAMES}")
    if not MIN_RATE_HZ <= info.samplerate <= MAX_RATE_HZ:
        raise SampleError(
            f"{label}: sample rate {info.samplerate} Hz is outside {MIN_RATE_HZ}..{MAX_RATE_HZ}"
        )
    bit_depth = bit_depth_for_subtype(info.subtype)
    try:
        frames, rate = _read(path, bit_depth)
    except (RuntimeError, OSError) as exc:
        raise SampleError(f"{label}: cannot read audio: {_one_line(exc)}") from None
    if not np.isfinite(frames).all():
        raise SampleError(f"{label}: contains NaN or infinite samples")
    return SampleAudio(frames=frames, sample_rate_hz=rate), bit_depth


def import_sample(project: Project, file_path: str | os.PathLike[str]) -> SampleRef:
    """Decode an audio file into ``project.samples`` and return its reference.

    The audio keeps its channels, rate and integer depth (other encodings become float32).
    Importing the same sound twice keeps one copy. The caller builds the instrument; the
    file is written into the sample folder by the next save_project.
    """
    path = Path(file_path)
    audio, bit_depth = read_audio_file(path)
    sha256 = sample_hash(audio, bit_depth)
    project.samples.setdefault(sha256, audio)
    return SampleRef(
        sha256=sha256,
        name=path.name[:256],
        format=format_for_bit_depth(bit_depth),
        frames=int(audio.frames.shape[0]),
        channels=1 if audio.channels == 1 else 2,
        sample_rate_hz=audio.sample_rate_hz,
        bit_depth=bit_depth,
    )


def load_sample(folder: Path, ref: SampleRef) -> SampleAudio:
    """Read a stored sample and check that it is the sound ``ref`` names."""
    path = sample_path(folder, ref)
    label = f"{folder.name}/{path.name}"
    try:
        info = sf.info(str(path))
    except (RuntimeError, OSError) as exc:
        if not path.exists():
            raise SampleError(f"missing sample file {label}") from None
        raise SampleError(f"{label}: cannot read audio: {_one_line(exc)}") from None
    expected = (ref.format.upper(), _STORED_SUBTYPE[(ref.format, ref.bit_depth)])
    if (info.format, info.subtype) != expected:
        raise SampleError(
            f"{label}: is {info.format}/{info.subtype}, expected {'/'.join(expected)}"
        )
    shape = (info.frames, info.channels, info.samplerate)
    if shape != (ref.frames, ref.channels, ref.sample_rate_hz):
        raise SampleError(
            f"{label}: has {info.frames} frames, {info.channels} channels at {info.samplerate} Hz;"
            f" expected {ref.frames}, {ref.channels} at {ref.sample_rate_hz} Hz"
        )
    try:
        frames, rate = _read(path, ref.bit_depth)
    except (RuntimeError, OSError) as exc:
        raise SampleError(f"{label}: cannot read audio: {_one_line(exc)}") from None
    audio = SampleAudio(frames=frames, sample_rate_hz=rate)
    if sample_hash(audio, ref.bit_depth) != ref.sha256:
        raise SampleError(f"{label}: content does not match its sha256 (file changed or damaged)")
    return audio


def store_sample(folder: Path, ref: SampleRef, audio: SampleAudio) -> bool:
    """Write ``audio`` as ``ref`` into ``folder`` unless it is already there.

    Returns True when a file was written. The audio must hash to ``ref.sha256``; a mismatch
    would store a file under the wrong name, so it is refused.
    """
    path = sample_path(folder, ref)
    if path.exists():
        return False
    frames = audio.frames
    if frames.ndim != 2 or frames.shape != (ref.frames, ref.channels):
        raise SampleError(
            f"{ref.name or ref.sha256}: audio has shape {frames.shape}, "
            f"the reference says {(ref.frames, ref.channels)}"
        )
    if (
        audio.sample_rate_hz != ref.sample_rate_hz
        or sample_hash(audio, ref.bit_depth) != ref.sha256
    ):
        raise SampleError(f"{ref.name or ref.sha256}: audio does not match its sha256")
    write_atomic(path, lambda file: _encode(file, ref, audio))
    return True


def _encode(file: IO[bytes], ref: SampleRef, audio: SampleAudio) -> None:
    pcm = canonical_pcm(audio.frames, ref.bit_depth)
    if ref.format == "wav" and ref.bit_depth == "float32":
        # By hand: libsndfile adds a PEAK chunk stamped with the current time, and a store
        # that names files by content should write the same bytes every time.
        file.write(_float_wav_bytes(pcm, audio.sample_rate_hz))
        return
    subtype = _STORED_SUBTYPE[(ref.format, ref.bit_depth)]
    if ref.bit_depth == "pcm24":
        data: npt.NDArray[np.generic] = pcm.astype(np.int32) << 8
    elif ref.bit_depth == "pcm8":
        data = pcm.astype(np.int16) << 8
    else:
        data = pcm
    sf.write(file, data, audio.sample_rate_hz, format=ref.format.upper(), subtype=subtype)


def _float_wav_bytes(pcm: npt.NDArray[np.generic], rate: int) -> bytes:
    frames, channels = pcm.shape
    data = pcm.tobytes()
    block = 4 * channels
    if len(data) > 0xFFFFFFFF - 64:
        raise SampleError("float sample too large for a WAV file (4 GiB)")
    fmt = struct.pack("<HHIIHHH", 3, channels, rate, rate * block, block, 32, 0)  # IEEE float
    chunks = b"".join(
        [
            b"fmt " + struct.pack("<I", len(fmt)) + fmt,
            b"fact" + struct.pack("<II", 4, frames),
            b"data" + struct.pack("<I", len(data)) + data,
        ]
    )
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def write_atomic(
    path: Path,
    write: Callable[[IO[bytes]], object],
    before_replace: Callable[[], None] | None = None,
) -> None:
    """Replace ``path`` with what ``write`` puts in a temporary file, or leave it untouched.

    The temporary file sits in the same folder (so os.replace is atomic), is flushed and
    fsynced before the rename, and the folder is fsynced after it so the rename survives a
    power cut. ``before_replace`` runs once the new data is safe on disk, just before the
    rename (to keep a backup of the old file). On any OSError the temporary file is removed
    and a ProjectError names the OS reason.
    """
    temp: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(
            dir=path.parent, delete=False, prefix=f".{path.name}.", suffix=".tmp"
        ) as file:
            temp = Path(file.name)
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, _mode_for(path))
        if before_replace is not None:
            before_replace()
        os.replace(temp, path)
        temp = None
        _fsync_folder(path.parent)
    except OSError as exc:
        raise ProjectError(f"{path.name}: cannot save: {_one_line(exc)}") from exc
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)


def _mode_for(path: Path) -> int:
    # NamedTemporaryFile makes 0600 files; keep the mode of the file being replaced instead,
    # or the usual 0644 for a new one.
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o644


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError as exc:
        # Some file systems cannot fsync a folder; the rename has happened all the same.
        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(descriptor)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__
