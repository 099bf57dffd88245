"""Each FastTracker II effect, volume-column command and instrument part, written into a small
4-channel XM by our own writer, rendered by our engine and by openmpt123 (the reference
player), and compared by the conformance recipe (tests/conformance.py). A module is a few rows
on the first track of one 64-row pattern at speed 6, playing looped square and sine waves
(and a decaying sine for offsets and retriggers).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from tests.conformance import OPENMPT123, compare, render_ours, render_reference
from tracker.io.mod import mod_sample
from tracker.io.project import Project
from tracker.io.samples import SampleAudio
from tracker.io.xm import save_xm
from tracker.model import Pattern, Song, Track, parse_cell
from tracker.model.instrument import (
    AutoVibrato,
    EnvelopePoint,
    PointEnvelope,
    SampleInstrument,
    SampleZone,
    sample_fields,
)

ROWS = 64
TRACKS = 4
EFFECT_COLUMNS = 2  # a volume-column command (Vxx), then the XM effect
KEYMAP_NOTES = 120


def _envelope(
    points: list[tuple[int, float]],
    sustain: int | None = None,
    loop: tuple[int, int] | None = None,
) -> PointEnvelope:
    return PointEnvelope(
        points=[EnvelopePoint(tick=tick, value=value) for tick, value in points],
        sustain=sustain,
        loop_start=None if loop is None else loop[0],
        loop_end=None if loop is None else loop[1],
    )


def instruments() -> tuple[list[SampleInstrument], dict[str, SampleAudio]]:
    """01 square, 02 sine (the MOD test's), 03 square with a volume envelope holding at a
    sustain point, looping after the key off and fading out, 04 sine with a volume envelope
    without sustain and a fadeout, 05 sine with a pan envelope, 06 sine with a swept
    auto-vibrato, 07 square below C-5 and sine from it (a keymap), 08 a second of a decaying
    sine without a loop (for sample offsets and retriggers)."""
    square_pcm = np.where(np.arange(64) < 32, 90, -90).astype(np.int8).tobytes()
    sine_pcm = (np.sin(2 * np.pi * np.arange(32) / 32) * 100).astype(np.int8).tobytes()
    frames = np.arange(8192)
    decay_pcm = (np.sin(2 * np.pi * frames / 32) * np.linspace(110, 10, len(frames))).astype(
        np.int8
    )
    square, square_audio = mod_sample(square_pcm, name="square", volume=48, loop=(0, 64))
    sine, sine_audio = mod_sample(sine_pcm, name="sine", volume=64, loop=(0, 32))
    decay, decay_audio = mod_sample(decay_pcm.tobytes(), name="decay", volume=64)
    sustained = square.model_copy(
        update={
            "name": "sustain loop fade",
            "volume_envelope": _envelope(
                [(0, 0.0), (4, 1.0), (12, 0.5), (20, 0.9), (28, 0.3), (60, 0.6)],
                sustain=2,
                loop=(3, 4),
            ),
            "fadeout": 1024 / 32768,
        }
    )
    enveloped = sine.model_copy(
        update={
            "name": "envelope fade",
            "volume_envelope": _envelope([(0, 1.0), (30, 0.4), (60, 0.8)]),
            "fadeout": 512 / 32768,
        }
    )
    panned = sine.model_copy(
        update={
            "name": "pan envelope",
            "pan_envelope": _envelope([(0, 0.0), (24, 1.0), (48, 0.5)]),
        }
    )
    vibrato = sine.model_copy(
        update={
            "name": "auto-vibrato",
            "auto_vibrato": AutoVibrato(wave="sine", rate=16, depth=12, sweep_ticks=48),
        }
    )
    zone = SampleZone(**sample_fields(sine) | {"pan": 0.0})
    keymapped = square.model_copy(
        update={
            "name": "keymap",
            "zones": [zone],
            "keymap": [0] * 60 + [1] * (KEYMAP_NOTES - 60),
        }
    )
    audio = {
        square.sample.sha256: square_audio,
        sine.sample.sha256: sine_audio,
        decay.sample.sha256: decay_audio,
    }
    return [square, sine, sustained, enveloped, panned, vibrato, keymapped, decay], audio


@dataclass(frozen=True)
class Case:
    rows: list[str]
    """Track 0's first rows: ``NNN II VV CPP``, or ``NNN II VV CPP CPP`` with a volume-column
    command ``Vxx`` first; the rest of the 64 are empty (speed 6, so 7.68 s)."""
    order: tuple[int, ...] = (0,)
    frequencies: Literal["linear", "amiga"] = "linear"


TITLE_BYTES = 20


def module(case: Case, title: str = "") -> Project:
    """A FastTracker II song of four tracks (the first with two effect columns) and one
    pattern, ``case.rows`` on the first track.

    The title fills its 20 bytes with spaces, as FastTracker II pads it: OpenMPT takes an XM
    whose title holds a NUL for one of ModPlug Tracker 1.10-1.16 and plays it by ModPlug's
    rules, not FastTracker II's (``openmpt123 --info`` names the tracker)."""
    kept, samples = instruments()
    empty = parse_cell("--- .. .. ...", 1)
    # A cell's text is 9 characters and 4 per effect column.
    cells = [[parse_cell(text, (len(text) - 9) // 4), empty, empty, empty] for text in case.rows]
    cells += [[empty] * TRACKS] * (ROWS - len(cells))
    song = Song(
        tracks=[Track(effect_columns=EFFECT_COLUMNS if t == 0 else 1) for t in range(TRACKS)],
        instruments=list(kept),
        patterns=[Pattern(rows=cells)],
        order=list(case.order),
        playback="fasttracker2",
        frequencies=case.frequencies,
        title=title[:TITLE_BYTES].ljust(TITLE_BYTES),
    )
    return Project(song=song, samples=samples)


NOTHING = "--- .. .. ..."

CASES: dict[str, Case] = {
    # -- the effect column --
    "0xy arpeggio": Case(["C-5 01 .. 037", "--- .. .. 037", "--- .. .. 047"]),
    "1xx porta up": Case(["C-5 01 .. 104", "--- .. .. 104", "--- .. .. 108"]),
    "2xx porta down": Case(["C-6 02 .. 204", "--- .. .. 208"]),
    "3xx tone porta": Case(["C-5 01 .. ...", "G-5 .. .. 308", "--- .. .. 300", "--- .. .. 300"]),
    "4xy vibrato": Case(["C-5 02 .. 448", "--- .. .. 400", "--- .. .. 4A4"]),
    "5xy porta + volume slide": Case(["C-5 01 .. ...", "E-5 .. .. 304", "--- .. .. 502"]),
    "6xy vibrato + volume slide": Case(["C-5 02 .. 446", "--- .. .. 602", "--- .. .. 602"]),
    "7xy tremolo": Case(["C-5 02 .. 748", "--- .. .. 748", "--- .. .. 7A4"]),
    "8xx set panning": Case(["C-5 02 .. 800", "--- .. .. 8FF", "--- .. .. 840"]),
    "9xx sample offset": Case(["C-5 08 .. 910", "C-5 08 .. ...", "C-5 08 .. 900", "C-5 08 .. 918"]),
    "Axy volume slide": Case(["C-5 01 .. A02", "--- .. .. A02", "--- .. .. A20"]),
    "Bxx position jump": Case(["C-5 01 .. ...", "--- .. .. ...", "D-5 02 .. B01"], order=(0, 0)),
    "Cxx set volume": Case(["C-5 01 .. C10", "--- .. .. C40", "C-5 02 .. C20"]),
    "Dxx pattern break": Case(["C-5 01 .. ...", "D-5 02 .. D32"], order=(0, 0)),
    "E1x/E2x fine porta": Case(["C-5 01 .. E13", "--- .. .. E13", "--- .. .. E26"]),
    "E3x glissando": Case(["C-5 02 .. E31", "G-5 .. .. 302", "--- .. .. 300", "--- .. .. 300"]),
    "E4x vibrato waveform": Case(["C-5 02 .. E41", "--- .. .. 448", "--- .. .. E42", NOTHING]),
    "E5x set finetune": Case(["C-5 02 .. E5F", "--- .. .. ...", "C-5 02 .. E50", "C-5 02 .. ..."]),
    "E6x pattern loop": Case(["C-5 01 .. E60", "D-5 02 .. ...", "E-5 01 .. E62"]),
    "E7x tremolo waveform": Case(["C-5 02 .. E72", "--- .. .. 748", "--- .. .. 748"]),
    "E9x retrigger": Case(["C-5 08 .. E92", "--- .. .. E93"]),
    "EAx/EBx fine volume": Case(["C-5 01 .. EB4", "--- .. .. EB4", "--- .. .. EA8"]),
    "ECx note cut": Case(["C-5 01 .. EC2", "C-5 02 .. EC4"]),
    "EDx note delay": Case(["C-5 01 .. ED3", "D-5 02 .. ED1"]),
    "EEx pattern delay": Case(["C-5 01 .. EE2", "D-5 02 .. ..."]),
    "Fxx speed and tempo": Case(["C-5 01 .. F03", "D-5 02 .. F50", "E-5 01 .. F06"]),
    "Gxx global volume": Case(["C-5 01 .. G20", "--- .. .. G40", "C-5 02 .. G10"]),
    "Hxy global volume slide": Case(["C-5 02 .. H04", "--- .. .. H04", "--- .. .. H30"]),
    "K00 key off": Case(["C-5 03 .. ...", NOTHING, NOTHING, "--- .. .. K00"]),
    "K03 key off on tick 3": Case(["C-5 03 .. ...", NOTHING, NOTHING, "--- .. .. K03"]),
    "Lxx envelope position": Case(["C-5 03 .. L10", NOTHING, "C-5 04 .. L20"]),
    "Pxy panning slide": Case(["C-5 02 .. P0F", "--- .. .. P0F", "--- .. .. PF0"]),
    "Rxy multi retrigger": Case(
        ["C-5 08 .. R23", "--- .. .. R23", "--- .. .. RA2"],
    ),
    "Txy tremor": Case(
        ["C-5 02 .. T12", "--- .. .. T12", "--- .. .. T21"],
    ),
    "X1x/X2x extra fine porta": Case(
        ["C-5 01 .. X1F", *["--- .. .. X1F"] * 5, *["--- .. .. X28"] * 3]
    ),
    # -- the volume column --
    "volume column set volume": Case(
        ["C-5 01 10 ...", "--- .. 30 ...", "C-5 02 00 ...", "--- .. 40 ..."]
    ),
    "V6x/V7x volume slides": Case(["C-5 02 .. V64 ...", "--- .. .. V64 ...", "--- .. .. V78 ..."]),
    "V8x/V9x fine volume slides": Case(
        ["C-5 02 .. V88 ...", "--- .. .. V88 ...", "--- .. .. V94 ..."]
    ),
    "VAx/VBx vibrato": Case(
        ["C-5 02 .. VA6 ...", "--- .. .. VB8 ...", "--- .. .. VB4 ..."],
    ),
    "VCx set panning": Case(["C-5 02 .. VC0 ...", "--- .. .. VCF ...", "--- .. .. VC8 ..."]),
    "VDx/VEx panning slides": Case(["C-5 02 .. VD4 ...", "--- .. .. VD4 ...", "--- .. .. VE8 ..."]),
    "VFx tone porta": Case(
        ["C-5 01 .. ... ...", "G-5 .. .. VF2 ...", "--- .. .. VF0 ...", "--- .. .. VF0 ..."]
    ),
    "V6x beside 4xy": Case(["C-5 02 .. V62 446", "--- .. .. V62 400", "--- .. .. V72 4A2"]),
    # -- instruments --
    "key off without a volume envelope": Case(
        ["C-5 01 .. ...", NOTHING, "=== .. .. ...", NOTHING, NOTHING, "--- .. 30 ..."]
    ),
    "key off with a volume envelope": Case(["C-5 04 .. ...", *[NOTHING] * 5, "=== .. .. ..."]),
    "volume envelope sustain, loop and fadeout": Case(
        ["C-5 03 .. ...", *[NOTHING] * 7, "=== .. .. ..."]
    ),
    "pan envelope": Case(["C-5 05 .. ..."]),
    "auto-vibrato with sweep": Case(
        ["C-5 06 .. ...", *[NOTHING] * 11, "G-5 06 .. ..."],
    ),
    "two-sample instrument with a keymap": Case(
        ["C-4 07 .. ...", NOTHING, "C-5 07 .. ...", NOTHING, "G-4 07 .. ...", "E-5 07 .. ..."]
    ),
    # -- the frequency table --
    "Amiga frequencies: 1xx/2xx porta": Case(
        ["C-5 01 .. 104", "--- .. .. 104", "--- .. .. 208", "--- .. .. 208"],
        frequencies="amiga",
    ),
    "Amiga frequencies: 3xx tone porta": Case(
        ["C-5 01 .. ...", "G-5 .. .. 308", "--- .. .. 300", "--- .. .. 300"],
        frequencies="amiga",
    ),
    "Amiga frequencies: 4xy vibrato": Case(
        ["C-5 02 .. 448", "--- .. .. 400", "--- .. .. 4A4"], frequencies="amiga"
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_xm_effect_plays_as_openmpt123_plays_it(name: str, tmp_path: Path) -> None:
    path = tmp_path / "case.xm"
    path.write_bytes(save_xm(module(CASES[name], title=name)))
    ours = render_ours(path)
    reference = render_reference(path, tmp_path / "reference.wav")
    metrics = compare(ours, reference)
    assert metrics.passed, f"{name}: {'; '.join(metrics.failures)}"


def test_openmpt123_plays_the_cases_by_fasttracker2s_rules(tmp_path: Path) -> None:
    """The comparison means something only if openmpt123 takes the files for FastTracker II's:
    one it takes for ModPlug's plays by ModPlug's rules (K03 on tick 0, tremor, mix levels)."""
    path = tmp_path / "case.xm"
    path.write_bytes(save_xm(module(CASES["0xy arpeggio"], title="0xy arpeggio")))
    done = subprocess.run(
        [OPENMPT123, "--info", "--", str(path)], capture_output=True, text=True, check=True
    )
    tracker = [line for line in done.stdout.splitlines() if line.startswith("Tracker")]
    assert tracker and "FastTracker 2" in tracker[0], tracker
