"""Conformance against openmpt123, the reference player: render a module with our engine and
with openmpt123, and compare the two by the issue's recipe.

The comparison forgives what two correct players may do differently (interpolation, volume
ramping, overall gain) and is strict on what they must agree on (when notes start, at which
pitch, how loud relative to each other, how long the song is). The thresholds are the ones at
which two independent correct players agree:

    envelope r >= 0.95, median |dB error| <= 0.6, 95th percentile <= 3 dB,
    onsets within 2 ms in >= 90 % of 4 s windows, pitch within 10 cents in >= 98 % of frames,
    song length within 150 ms.

Where the recipe is silent the choices are ours, each explained beside its metric below. They
were checked against openmpt123 itself: its renders with 4-tap interpolation, with ramping 2,
or with 8 taps and default ramping pass against the recipe's settings on all 129 OpenMPT test
modules, except xm/NoteOffFade.xm with 8 taps and default ramping (0.47 s long: one ramped
block of its 19 sets the p95).

``python -m tests.conformance [DIR] [--csv PATH]`` (``make conformance DIR=...``) runs the
comparison over every .mod/.xm/.s3m under DIR and prints a table; it is a report, so it exits 0
whatever the results, and 1 only when openmpt123 is missing.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import soundfile

RATE_HZ: Final = 48000
OPENMPT123: Final = "openmpt123"
# The options, plus: --subsong 0, because the default (-1) plays every subsong one
# after another and we render the song from order 0 once; play.at_end=stop, because the
# default ("fadeout") adds a 100 ms fade past the song end that no tracker plays.
OPENMPT_OPTIONS: Final = (
    "--render",
    "--samplerate",
    str(RATE_HZ),
    "--filter",
    "2",
    "--ramping",
    "0",
    "--dither",
    "0",
    "--subsong",
    "0",
    "--ctl",
    "play.at_end=stop",
    "--quiet",
    "--force",
)
RENDER_TIMEOUT_S: Final = 120.0
OURS_MAX_SECONDS: Final = 900.0
"""Bounds our render of a module whose end the engine misses; the length metric reports it."""
MODULE_SUFFIXES: Final = (".mod", ".xm", ".s3m")
_SHARED_PLACES: Final = (Path(__file__).resolve().parents[2] / "shared", Path("/work/shared"))
DEFAULT_DIR: Final = (
    next((place for place in _SHARED_PLACES if place.is_dir()), _SHARED_PLACES[0])
    / "modules/openmpt-tests"
)
"""OpenMPT's playback test cases, in the workplace's ../shared beside the project (or where
the workplace keeps it, for a clone made elsewhere)."""
OPENMPT_MODS: Final = DEFAULT_DIR / "mod"

# The recipe's thresholds.
ENVELOPE_R_MIN: Final = 0.95
MEDIAN_DB_MAX: Final = 0.6
P95_DB_MAX: Final = 3.0
ONSET_TOLERANCE_MS: Final = 2.0
ONSET_WINDOWS_MIN: Final = 0.90
PITCH_TOLERANCE_CENTS: Final = 10.0
PITCH_FRAMES_MIN: Final = 0.98
LENGTH_MS_MAX: Final = 150.0

# The recipe's analysis sizes, and our choices where it is silent.
ENVELOPE_MS: Final = 10
FLOOR_DB: Final = 60.0
"""Envelopes are floored this far below their peak."""
SILENT_DB: Final = -120.0
"""An envelope frame at or below this RMS (dBFS) is silence whatever the peak: below 16-bit
quantisation, so a silent render is not judged against its own (zero) peak."""
ENVELOPE_FLAT_DB: Final = 1.0
"""An envelope whose standard deviation is below this has no shape to correlate: a held
tone whose only ripples are a player's declicks (ours fades a retriggered note over 2 ms,
which moves a 10 ms block by up to 0.7 dB; openmpt123 without ramping does not)."""
FLUX_WINDOW: Final = 256
FLUX_FLOOR_DB: Final = 40.0
"""Log magnitudes are floored this far below the largest bin the signal's peak could give."""
FLUX_HOP_MS: Final = 1
ONSET_WINDOW_S: Final = 4.0
ONSET_MAX_LAG_MS: Final = 50
ONSET_QUIET: Final = 0.1
ONSET_PEAK_SPREADS: Final = 20.0
"""An onset's flux peak stands this many median absolute deviations above the window's median."""
"""A window whose onset strength is below this fraction of the song's strongest window, in
both renders, has too little onset energy to time and is skipped."""
PITCH_FRAME: Final = 4096
PITCH_HOP: Final = 1024
PITCH_FFT: Final = 4 * PITCH_FRAME
"""Zero-padded so the 10-cent grid interpolates a smooth spectrum even at low frequencies."""
PITCH_LOW_HZ: Final = 40.0
PITCH_HIGH_HZ: Final = 10000.0
PITCH_BIN_CENTS: Final = 10.0
PITCH_MAX_SHIFT_CENTS: Final = 100.0
PITCH_CLARITY_MAX: Final = 0.8
"""A frame whose reference spectrum correlates this well with itself shifted 100 cents has no
pitch to measure and is skipped. A 4-partial tone at 110 Hz scores about 0.83 (its partials
are wider than 100 cents at this frame size), a click or a smooth noise about 0.9-1.0; at 0.9
openmpt123 with and without ramping disagreed on the clicks of hard note cuts."""
TINY: Final = 1e-10

Audio = npt.NDArray[np.floating]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


class Unsupported(Exception):
    """Our side cannot load this module (importer missing, or the format not handled yet)."""


class ReferenceRenderError(RuntimeError):
    """openmpt123 failed to render a module."""


@dataclass(frozen=True)
class Metrics:
    """One comparison's figures; ``failures`` names each threshold missed."""

    envelope_r: float
    median_db_error: float
    p95_db_error: float
    level_offset_db: float  # ours minus reference, removed before the dB errors
    onset_pass_fraction: float  # of the windows timed; 1.0 when none could be
    onset_windows: int  # windows timed (near-silent ones skipped)
    pitch_pass_fraction: float  # of the frames judged; 1.0 when none could be
    pitch_frames: int  # frames judged (quiet ones skipped)
    length_diff_ms: float  # ours minus reference
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


# ---- rendering ---------------------------------------------------------------------------


def render_reference(module_path: str | Path, out_wav_path: str | Path) -> npt.NDArray[np.float32]:
    """Render a module with openmpt123 to out_wav_path; returns its (frames, 2) float32 audio.

    openmpt123 --render writes ``<file>.wav`` beside its input, so the module is copied into a
    temporary folder first: the module folder may be read-only and must stay clean.
    """
    module = Path(module_path)
    with tempfile.TemporaryDirectory(prefix="conformance-") as folder:
        copy = Path(folder) / module.name
        shutil.copyfile(module, copy)
        try:
            done = subprocess.run(
                [OPENMPT123, *OPENMPT_OPTIONS, "--", copy.name],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=RENDER_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ReferenceRenderError(
                f"{module.name}: openmpt123 took over {RENDER_TIMEOUT_S:.0f} s"
            ) from None
        written = copy.with_name(copy.name + ".wav")
        if done.returncode != 0 or not written.exists():
            said = (done.stderr or done.stdout).strip().splitlines()
            reason = said[-1] if said else f"exit code {done.returncode}"
            raise ReferenceRenderError(f"{module.name}: openmpt123: {reason}")
        shutil.move(written, out_wav_path)
    frames: npt.NDArray[np.float32]
    frames, rate_hz = soundfile.read(out_wav_path, dtype="float32", always_2d=True)
    if rate_hz != RATE_HZ:
        raise ReferenceRenderError(f"{module.name}: openmpt123 wrote {rate_hz} Hz")
    return frames


def render_ours(
    module_path: str | Path, *, max_seconds: float = OURS_MAX_SECONDS
) -> npt.NDArray[np.float32]:
    """Render a module with our engine at 48 kHz to the song end; (frames, 2) float32.

    The release tail our offline render adds after the song end is cut off: openmpt123 stops at
    the song end, and the length metric compares song lengths. Raises Unsupported when the
    module cannot be loaded (a format with no importer yet, or a file it refuses).
    """
    from tracker.engine.render import render_song
    from tracker.io.errors import ProjectError
    from tracker.io.modules import load_module

    try:
        project = load_module(Path(module_path))
    except (NotImplementedError, ProjectError) as error:
        raise Unsupported(str(error) or type(error).__name__) from None
    samples = {sha: audio.frames for sha, audio in project.samples.items()}
    # Like for like: openmpt123 renders with --filter 2, linear interpolation.
    song = project.song.model_copy(update={"interpolation": "linear"})
    rendered = render_song(song, samples, sample_rate_hz=RATE_HZ, max_seconds=max_seconds)
    mix = rendered.mix
    if rendered.song_end_frame is not None:
        mix = mix[: rendered.song_end_frame]
    return mix


# ---- the comparison ----------------------------------------------------------------------


def compare(ours: Audio, reference: Audio, rate_hz: int = RATE_HZ) -> Metrics:
    """Compare two renders, (frames, channels) or mono, by the recipe.

    Everything but the length is measured on the mono sums over their common length: a
    missing or extra ending shows in the length metric, not twice.
    """
    mono_ours, mono_ref = _mono(ours), _mono(reference)
    length_diff_ms = (len(mono_ours) - len(mono_ref)) * 1000.0 / rate_hz
    common = min(len(mono_ours), len(mono_ref))
    mono_ours, mono_ref = mono_ours[:common], mono_ref[:common]

    env_ours, env_ref = _envelope_db(mono_ours, rate_hz), _envelope_db(mono_ref, rate_hz)
    r, median_db, p95_db, offset_db, edges = _envelope_metrics(env_ours, env_ref)
    onset_fraction, onset_windows = _onset_metrics(mono_ours, mono_ref, rate_hz)
    floors = _floor_db(env_ours), _floor_db(env_ref)
    block = rate_hz * ENVELOPE_MS // 1000
    pitch_fraction, pitch_frames = _pitch_metrics(
        mono_ours, mono_ref, rate_hz, floors, edges, block
    )

    failures = []
    if not r >= ENVELOPE_R_MIN:
        failures.append(f"envelope r {r:.3f} < {ENVELOPE_R_MIN}")
    if not median_db <= MEDIAN_DB_MAX:
        failures.append(f"median dB error {median_db:.2f} > {MEDIAN_DB_MAX}")
    if not p95_db <= P95_DB_MAX:
        failures.append(f"p95 dB error {p95_db:.2f} > {P95_DB_MAX}")
    if not onset_fraction >= ONSET_WINDOWS_MIN:
        failures.append(
            f"onsets within {ONSET_TOLERANCE_MS:g} ms in {onset_fraction:.0%} of windows"
            f" < {ONSET_WINDOWS_MIN:.0%}"
        )
    if not pitch_fraction >= PITCH_FRAMES_MIN:
        failures.append(
            f"pitch within {PITCH_TOLERANCE_CENTS:g} cents in {pitch_fraction:.1%} of frames"
            f" < {PITCH_FRAMES_MIN:.0%}"
        )
    if not abs(length_diff_ms) <= LENGTH_MS_MAX:
        failures.append(f"length differs by {length_diff_ms:+.0f} ms (> {LENGTH_MS_MAX:g})")
    return Metrics(
        envelope_r=r,
        median_db_error=median_db,
        p95_db_error=p95_db,
        level_offset_db=offset_db,
        onset_pass_fraction=onset_fraction,
        onset_windows=onset_windows,
        pitch_pass_fraction=pitch_fraction,
        pitch_frames=pitch_frames,
        length_diff_ms=length_diff_ms,
        failures=failures,
    )


def _mono(audio: Audio) -> Floats:
    """The sum of the channels (not the mean: both players' stereo mixes are compared whole)."""
    samples = np.asarray(audio, dtype=np.float64)
    return samples.sum(axis=1) if samples.ndim == 2 else samples


# -- envelope: 10 ms RMS in dB --
#
# Non-overlapping 10 ms blocks (a partial last block is dropped), RMS in dBFS. Each envelope's
# floor is 60 dB below its own peak (and never below SILENT_DB). The level offset is the
# median, over blocks where both envelopes are above their floors, of ours minus reference;
# ours is shifted by it, then both are clipped at one common floor (60 dB below the louder
# aligned peak) so that silence against silence is no error.
# r: Pearson's correlation of the two clipped envelopes over every block (1.0 when both are
# flat, see _pearson).
# dB errors: |ours - reference| over the blocks where either is above the common floor
# (silent stretches would dilute them), except the blocks on either side of a change between
# silence and sound in either envelope: a ramped note end spills a little energy into the
# next block where an unramped one leaves silence, a 15-40 dB "error" in a block that only
# says the two players ramp differently; the onset metric judges timing.


def _envelope_db(mono: Floats, rate_hz: int) -> Floats:
    block = rate_hz * ENVELOPE_MS // 1000
    blocks = len(mono) // block
    power: Floats = np.square(mono[: blocks * block]).reshape(blocks, block).mean(axis=1)
    return 20.0 * np.log10(np.maximum(np.sqrt(power), TINY))


def _floor_db(envelope: Floats) -> float:
    peak = float(envelope.max()) if len(envelope) else SILENT_DB
    return max(peak - FLOOR_DB, SILENT_DB)


def _envelope_metrics(
    env_ours: Floats, env_ref: Floats
) -> tuple[float, float, float, float, Bools]:
    """(r, median |dB error|, 95th percentile |dB error|, level offset dB, silence edges)."""
    if len(env_ours) == 0:
        return 1.0, 0.0, 0.0, 0.0, np.zeros(0, bool)
    both = (env_ours > _floor_db(env_ours)) & (env_ref > _floor_db(env_ref))
    offset = float(np.median(env_ours[both] - env_ref[both])) if both.any() else 0.0
    aligned = env_ours - offset
    floor = max(max(float(aligned.max()), float(env_ref.max())) - FLOOR_DB, SILENT_DB)
    a, b = np.maximum(aligned, floor), np.maximum(env_ref, floor)
    edges = _silence_edges(a > floor) | _silence_edges(b > floor)
    judged = ((a > floor) | (b > floor)) & ~edges
    errors = np.abs(a - b)[judged]
    median_db = float(np.median(errors)) if len(errors) else 0.0
    p95_db = float(np.percentile(errors, 95)) if len(errors) else 0.0
    # r over the same blocks as the errors: a note's ramped end beside silence is a player's
    # own shaping, and a few such blocks would otherwise decide r for a sparse song.
    return _pearson(a[~edges], b[~edges]), median_db, p95_db, offset, edges


def _silence_edges(sounding: Bools) -> Bools:
    """The blocks on either side of each change between silence and sound."""
    change = sounding[1:] != sounding[:-1]
    edges = np.zeros(len(sounding), bool)
    edges[:-1] |= change
    edges[1:] |= change
    return edges


def _pearson(a: Floats, b: Floats) -> float:
    """Correlation of two envelopes. Two flat ones (a held tone, silence) agree: their
    ripples are not a shape, and correlating them gives noise (the dB errors still judge
    their levels). One flat against one that moves does not."""
    if a.std() < ENVELOPE_FLAT_DB and b.std() < ENVELOPE_FLAT_DB:
        return 1.0
    da, db = a - a.mean(), b - b.mean()
    norm = float(np.sqrt(np.dot(da, da) * np.dot(db, db)))
    return float(np.dot(da, db) / norm) if norm > 0 else 0.0


# -- onsets: 1 ms spectral flux, cross-correlated per 4 s window --
#
# STFT with a 512-point Hann window centred on every 1 ms (48 samples at 48 kHz); log
# magnitude floored 40 dB below the largest bin the signal's peak could give (relative, so a
# gain difference cancels); flux = the half-wave rectified frame-to-frame increase of log
# magnitude, summed over bins. The window and floor are chosen so that a ramped note start and
# a hard one peak at the same millisecond: with 1024 points and a 60 dB floor, a hard step's
# faint splatter raised every bin as soon as it entered the window's far edge, and openmpt123
# with and without ramping disagreed by 3-7 ms on some windows.
# The common length is cut into 4 s windows (a last piece shorter than twice the lag range is
# not timed). Per window, ours is correlated with the reference at whole-millisecond lags
# within +-50 ms (the reference's neighbouring flux is used, not zeros, so every lag sees a
# full window); the correlation is normalised per lag, so a strong onset just outside the
# window cannot outweigh the match. The lag of the maximum must be within 2 ms. A window
# whose onset strength (max minus median of its flux) is below ONSET_QUIET of the song's
# strongest window in both renders is near silence or a held note and is skipped; one strong
# in either render is timed, so an onset only one side has counts against it.


def _spectral_flux(mono: Floats, rate_hz: int) -> Floats:
    hop = rate_hz * FLUX_HOP_MS // 1000
    window = np.hanning(FLUX_WINDOW)
    padded = np.pad(mono, (FLUX_WINDOW // 2, FLUX_WINDOW // 2))
    frames = 1 + max(len(padded) - FLUX_WINDOW, 0) // hop
    # The largest bin magnitude a full-scale sine of the signal's peak could give.
    eps = max(float(np.abs(mono).max(initial=0.0)) * window.sum() / 2, TINY) * 10 ** (
        -FLUX_FLOOR_DB / 20
    )
    flux = np.zeros(frames)
    previous: Floats | None = None
    chunk = 2048
    for start in range(0, frames, chunk):
        stop = min(start + chunk, frames)
        index = (np.arange(start, stop) * hop)[:, None] + np.arange(FLUX_WINDOW)
        spectrum = np.abs(np.fft.rfft(padded[index] * window, axis=1))
        log_magnitude = np.log(spectrum + eps)
        rows = log_magnitude if previous is None else np.vstack([previous, log_magnitude])
        rises = np.maximum(np.diff(rows, axis=0), 0.0).sum(axis=1)
        flux[start + (previous is None) : stop] = rises
        previous = log_magnitude[-1:]
    return flux


def _onset_metrics(mono_ours: Floats, mono_ref: Floats, rate_hz: int) -> tuple[float, int]:
    """(fraction of timed windows within tolerance, windows timed)."""
    flux_ours = _spectral_flux(mono_ours, rate_hz)
    flux_ref = _spectral_flux(mono_ref, rate_hz)
    width = int(ONSET_WINDOW_S * 1000 / FLUX_HOP_MS)
    lag = ONSET_MAX_LAG_MS // FLUX_HOP_MS
    # The first and last lag-width of a render have no neighbours to be timed against, and
    # hold only the edges of the render itself (sound starting from nothing at frame 0,
    # the cut at the song's end), which each player shapes its own way: not timed.
    for flux in (flux_ours, flux_ref):
        flux[:lag] = 0.0
        flux[max(len(flux) - lag, 0) :] = 0.0
    spans = [
        (start, min(start + width, len(flux_ours)))
        for start in range(0, len(flux_ours), width)
        if min(start + width, len(flux_ours)) - start >= 2 * lag
    ]
    if not spans:
        return 1.0, 0

    judge = _loud_windows(flux_ours, spans) | _loud_windows(flux_ref, spans)
    padded_ref = np.pad(flux_ref, (lag, lag))
    timed = passed = 0
    for (start, stop), loud in zip(spans, judge, strict=True):
        if not loud:
            continue
        timed += 1
        shifted = np.lib.stride_tricks.sliding_window_view(
            padded_ref[start : stop + 2 * lag], stop - start
        )
        ncc = _normalised_correlation(flux_ours[start:stop][None, :], shifted)
        best_ms = (int(np.argmax(ncc)) - lag) * FLUX_HOP_MS
        passed += abs(best_ms) <= ONSET_TOLERANCE_MS
    return (passed / timed if timed else 1.0), timed


def _loud_windows(flux: Floats, spans: list[tuple[int, int]]) -> Bools:
    """Windows with an onset: a flux peak near the song's strongest that also stands far
    out of the window's own spread. A held low tone's flux ripples with the waveform's
    phase under the short window; timing that ripple would measure phase, not onsets."""
    strength: Floats = np.array([flux[s:e].max() - np.median(flux[s:e]) for s, e in spans])
    spread: Floats = np.array(
        [np.median(np.abs(flux[s:e] - np.median(flux[s:e]))) for s, e in spans]
    )
    loud: Bools = (
        (strength > 0)
        & (strength >= ONSET_QUIET * strength.max())
        & (strength >= ONSET_PEAK_SPREADS * spread)
    )
    return loud


def _normalised_correlation(a: Floats, b: Floats) -> Floats:
    """Pearson correlation of the rows of a and b, (n, k) each or broadcast: (n,)."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    norms = np.sqrt(np.square(a).sum(axis=-1) * np.square(b).sum(axis=-1))
    # Scale-free: a quiet render's spectra are tiny but still have a shape.
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, (a * b).sum(axis=-1) / norms, 0.0)


# -- pitch: best shift of log-frequency spectra --
#
# 4096-sample Hann frames every 1024 samples, each with its mean removed, magnitude spectra
# zero-padded to 16384 points and interpolated onto a grid of 10-cent bins from 40 Hz to
# 10 kHz (the reference's grid reaches 100 cents further each way, so every shift compares
# whole spectra). Per frame, the whole-bin shift of the reference's spectrum within +-100
# cents that maximises the normalised cross-correlation with ours must be within 10 cents (one
# bin). Linear magnitudes weight the partials, not the noise floor. Skipped frames:
# - quiet: RMS at or below either envelope's floor;
# - holding a silence edge (see the envelope): a note cut or started hard is a click whose
#   spectrum depends on the ramping, not on the pitch;
# - unpitched: the reference's spectrum still correlates >= PITCH_CLARITY_MAX with itself
#   shifted a whole 100 cents (a click, a smooth noise, or a bass note whose partials this
#   frame cannot resolve), so the best shift would be arbitrary. Judged on the reference only:
#   our render turning a pitched frame into noise must count against it.


def _pitch_frames(mono: Floats, rate_hz: int, grid_hz: Floats) -> tuple[Floats, Floats]:
    """(spectra on grid_hz, RMS in dB) of each frame with its mean removed: a DC offset (a
    sample held at a constant value) has no pitch, and would leak into the lowest bins."""
    window = np.hanning(PITCH_FRAME)
    frames = 1 + max(len(mono) - PITCH_FRAME, 0) // PITCH_HOP
    padded = np.pad(mono, (0, max(PITCH_FRAME - len(mono), 0)))
    bins_hz = np.fft.rfftfreq(PITCH_FFT, 1.0 / rate_hz)
    spectra = np.empty((frames, len(grid_hz)))
    rms = np.empty(frames)
    chunk = 256
    for start in range(0, frames, chunk):
        stop = min(start + chunk, frames)
        index = (np.arange(start, stop) * PITCH_HOP)[:, None] + np.arange(PITCH_FRAME)
        block = padded[index]
        block -= block.mean(axis=1, keepdims=True)
        rms[start:stop] = np.sqrt(np.square(block).mean(axis=1))
        magnitude = np.abs(np.fft.rfft(block * window, n=PITCH_FFT, axis=1))
        for row, spectrum in enumerate(magnitude):
            spectra[start + row] = np.interp(grid_hz, bins_hz, spectrum)
    return spectra, 20.0 * np.log10(np.maximum(rms, TINY))


def _pitch_metrics(
    mono_ours: Floats,
    mono_ref: Floats,
    rate_hz: int,
    floors_db: tuple[float, float],
    edges: Bools,
    block: int,
) -> tuple[float, int]:
    """(fraction of judged frames within tolerance, frames judged)."""
    if len(mono_ours) == 0:
        return 1.0, 0
    reach = int(PITCH_MAX_SHIFT_CENTS / PITCH_BIN_CENTS)
    octaves = np.log2(PITCH_HIGH_HZ / PITCH_LOW_HZ)
    steps = np.arange(-reach, int(octaves * 1200 / PITCH_BIN_CENTS) + 1 + reach)
    grid_ref = PITCH_LOW_HZ * 2.0 ** (steps * PITCH_BIN_CENTS / 1200)
    grid_ours = grid_ref[reach:-reach]
    spectra_ours, level_ours = _pitch_frames(mono_ours, rate_hz, grid_ours)
    spectra_ref, level_ref = _pitch_frames(mono_ref, rate_hz, grid_ref)
    loud = (level_ours > floors_db[0]) & (level_ref > floors_db[1])
    # The envelope blocks first..last each frame covers; a frame holding a silence edge is out.
    starts = np.arange(len(loud)) * PITCH_HOP
    last = np.minimum((starts + PITCH_FRAME - 1) // block, len(edges) - 1)
    first = np.minimum(starts // block, last)
    edges_before = np.concatenate([[0], np.cumsum(edges)])
    loud &= edges_before[last + 1] == edges_before[first]
    bins = spectra_ours.shape[1]
    ours, ref = spectra_ours[loud], spectra_ref[loud]
    centre = ref[:, reach : reach + bins]
    clarity = np.maximum(
        _normalised_correlation(centre, ref[:, :bins]),
        _normalised_correlation(centre, ref[:, 2 * reach :]),
    )
    pitched = clarity < PITCH_CLARITY_MAX
    ours, ref = ours[pitched], ref[pitched]
    ncc = np.stack(
        [
            _normalised_correlation(ours, ref[:, shift : shift + bins])
            for shift in range(2 * reach + 1)
        ],
        axis=1,
    )
    shifts_cents = (np.argmax(ncc, axis=1) - reach) * PITCH_BIN_CENTS if len(ncc) else ncc
    judged = len(ours)
    passed = int(np.count_nonzero(np.abs(shifts_cents) <= PITCH_TOLERANCE_CENTS))
    return (passed / judged if judged else 1.0), judged


# ---- the report --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    module: str
    kind: str  # mod, xm or s3m
    result: str  # PASS, FAIL, unsupported or error
    metrics: Metrics | None
    note: str


COLUMNS: Final = (
    ("env r", 6),
    ("med dB", 6),
    ("p95 dB", 6),
    ("onset", 6),
    ("pitch", 6),
    ("len ms", 7),
)


def find_modules(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in MODULE_SUFFIXES and path.is_file()
    )


def check_module(path: Path, folder: Path, scratch: Path) -> Row:
    """Render one module both ways and compare; never raises for a module's own fault."""
    name = path.relative_to(folder).as_posix()
    kind = path.suffix.lower().lstrip(".")
    try:
        ours = render_ours(path)
    except Unsupported as error:
        # The importer's messages start with the file name, which the row already shows.
        reason = str(error).removeprefix(f"{path.name}: ")
        return Row(name, kind, "unsupported", None, _one_line(reason))
    except Exception as error:  # a report row, not a crash: one broken module must not end the run
        return Row(name, kind, "error", None, _one_line(f"ours: {type(error).__name__}: {error}"))
    try:
        reference = render_reference(path, scratch / f"{path.stem}.wav")
    except (ReferenceRenderError, OSError, soundfile.LibsndfileError) as error:
        return Row(name, kind, "error", None, _one_line(f"reference: {error}"))
    metrics = compare(ours, reference)
    result = "PASS" if metrics.passed else "FAIL"
    return Row(name, kind, result, metrics, "; ".join(metrics.failures))


def _one_line(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _figures(metrics: Metrics | None) -> list[str]:
    if metrics is None:
        return [""] * len(COLUMNS)
    return [
        f"{metrics.envelope_r:.3f}",
        f"{metrics.median_db_error:.2f}",
        f"{metrics.p95_db_error:.2f}",
        f"{metrics.onset_pass_fraction:.0%}",
        f"{metrics.pitch_pass_fraction:.0%}",
        f"{metrics.length_diff_ms:+.0f}",
    ]


def format_row(row: Row, module_width: int) -> str:
    cells = [f"{row.module:<{module_width}}", f"{row.result:<11}"]
    cells += [
        f"{text:>{width}}" for text, (_, width) in zip(_figures(row.metrics), COLUMNS, strict=True)
    ]
    return "  ".join([*cells, row.note]).rstrip()


def format_header(module_width: int) -> str:
    cells = [f"{'module':<{module_width}}", f"{'result':<11}"]
    cells += [f"{title:>{width}}" for title, width in COLUMNS]
    return "  ".join([*cells, "note"])


def summary(rows: Sequence[Row]) -> list[str]:
    lines = []
    for kind in sorted({row.kind for row in rows}):
        mine = [row for row in rows if row.kind == kind]
        counts = {
            result: sum(row.result == result for row in mine)
            for result in ("PASS", "unsupported", "error")
        }
        lines.append(
            f"{kind}: {counts['PASS']}/{len(mine)} passed"
            f" ({counts['unsupported']} unsupported, {counts['error']} errors)"
        )
    return lines


CSV_FIELDS: Final = (
    "module",
    "format",
    "result",
    "envelope_r",
    "median_db_error",
    "p95_db_error",
    "level_offset_db",
    "onset_pass_fraction",
    "onset_windows",
    "pitch_pass_fraction",
    "pitch_frames",
    "length_diff_ms",
    "note",
)


def write_csv(rows: Sequence[Row], path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for row in rows:
            metrics = row.metrics
            figures: list[object] = (
                [""] * 9
                if metrics is None
                else [
                    round(metrics.envelope_r, 4),
                    round(metrics.median_db_error, 3),
                    round(metrics.p95_db_error, 3),
                    round(metrics.level_offset_db, 3),
                    round(metrics.onset_pass_fraction, 4),
                    metrics.onset_windows,
                    round(metrics.pitch_pass_fraction, 4),
                    metrics.pitch_frames,
                    round(metrics.length_diff_ms, 1),
                ]
            )
            writer.writerow([row.module, row.kind, row.result, *figures, row.note])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.conformance",
        description="Compare our renders of every module in a folder with openmpt123's.",
    )
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=DEFAULT_DIR,
        metavar="DIR",
        help=f"searched recursively for .mod/.xm/.s3m files (default: {DEFAULT_DIR})",
    )
    parser.add_argument("--csv", type=Path, help="also write the table as CSV to this path")
    args = parser.parse_args(argv)
    if shutil.which(OPENMPT123) is None:
        print(
            "conformance: openmpt123 is not installed (`make conformance` installs it)",
            file=sys.stderr,
        )
        return 1
    folder: Path = args.folder
    modules = find_modules(folder)
    if not modules:
        print(f"conformance: no {'/'.join(MODULE_SUFFIXES)} files under {folder}", file=sys.stderr)
        return 0
    width = max(len(path.relative_to(folder).as_posix()) for path in modules)
    print(format_header(width), flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="conformance-") as scratch:
        for path in modules:
            row = check_module(path, folder, Path(scratch))
            rows.append(row)
            print(format_row(row, width), flush=True)
    print()
    for line in summary(rows):
        print(line)
    if args.csv is not None:
        write_csv(rows, args.csv)
        print(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
