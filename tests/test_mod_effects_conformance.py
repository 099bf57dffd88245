"""Each ProTracker effect, written into a small 4-channel MOD by our own writer, rendered by our
engine and by openmpt123 (the reference player), and compared by the conformance recipe
(tests/conformance.py). A module is 8 rows of a looped square wave plus a sine, at speed 6.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conformance import compare, render_ours, render_reference
from tracker.io.mod import mod_sample, save_mod
from tracker.io.project import Project
from tracker.model import Pattern, Song, Track, parse_cell

ROWS = 64


def waves() -> tuple[list, dict]:
    square = bytes(np.where(np.arange(64) < 32, 90, -90).astype(np.int8).tobytes())
    sine = (np.sin(2 * np.pi * np.arange(32) / 32) * 100).astype(np.int8).tobytes()
    one, one_audio = mod_sample(square, name="square", volume=48, loop=(0, 64))
    two, two_audio = mod_sample(sine, name="sine", volume=64, loop=(0, 32))
    samples = {one.sample.sha256: one_audio, two.sample.sha256: two_audio}
    return [one, two], samples


def module(rows: list[str]) -> Project:
    """`rows` on the first of four tracks (a ProTracker M.K. file: players follow
    ProTracker's rules only for those); 64 rows, the rest empty."""
    instruments, samples = waves()
    empty = parse_cell("--- .. .. ...", 1)
    cells = [[parse_cell(text, 1), empty, empty, empty] for text in rows]
    cells += [[empty] * 4] * (ROWS - len(cells))
    song = Song(
        tracks=[Track() for _ in range(4)],
        instruments=instruments,
        patterns=[Pattern(rows=cells)],
        order=[0],
        playback="protracker",
    )
    return Project(song=song, samples=samples)


# Each case: its rows (the rest of the 64 are empty; speed 6, so 7.68 s).
CASES = {
    "0xy arpeggio": ["C-5 01 .. 037", "--- .. .. 037", "--- .. .. 047"],
    "1xx porta up": ["C-5 01 .. 104", "--- .. .. 104", "--- .. .. 108"],
    "2xx porta down": ["C-6 02 .. 204", "--- .. .. 208"],
    "3xx tone porta": ["C-5 01 .. ...", "G-5 .. .. 308", "--- .. .. 300", "--- .. .. 300"],
    "4xy vibrato": ["C-5 02 .. 448", "--- .. .. 400", "--- .. .. 4A4"],
    "5xy porta + volume slide": ["C-5 01 .. ...", "E-5 .. .. 304", "--- .. .. 502"],
    "6xy vibrato + volume slide": ["C-5 02 .. 446", "--- .. .. 602", "--- .. .. 602"],
    "7xy tremolo": ["C-5 02 .. 748", "--- .. .. 748", "--- .. .. 7A4"],
    "9xx sample offset": ["C-5 02 .. 901", "C-5 02 .. ...", "C-5 02 .. 900"],
    "Axy volume slide": ["C-5 01 .. A02", "--- .. .. A02", "--- .. .. A20"],
    "Cxx set volume": ["C-5 01 .. C10", "--- .. .. C40", "C-5 02 .. C20"],
    "E1x/E2x fine porta": ["C-5 01 .. E13", "--- .. .. E13", "--- .. .. E26"],
    "E9x retrigger": ["C-5 01 .. E92", "--- .. .. E93"],
    "EAx/EBx fine volume": ["C-5 01 .. EB4", "--- .. .. EB4", "--- .. .. EA8"],
    "ECx note cut": ["C-5 01 .. EC2", "C-5 02 .. EC4"],
    "EDx note delay": ["C-5 01 .. ED3", "D-5 02 .. ED1"],
    "EEx pattern delay": ["C-5 01 .. EE2", "D-5 02 .. ..."],
    "Fxx speed and tempo": ["C-5 01 .. F03", "D-5 02 .. F50", "E-5 01 .. F06"],
    "Fxx tempo from the row's second tick": [
        "C-5 01 .. F20",
        "C-5 01 .. A0C",
        "C-5 01 .. FFF",
        "C-5 01 .. A0C",
    ],
    "4xy deep vibrato, no offset on tick 0": ["C-6 01 .. 41F", *["--- .. .. 41F"] * 12],
    "Axy on a note every row": ["C-5 01 .. A0C"] * 6,
}


@pytest.mark.parametrize("name", list(CASES))
def test_effect_plays_as_openmpt123_plays_it(name: str, tmp_path: Path) -> None:
    path = tmp_path / "case.mod"
    path.write_bytes(save_mod(module(CASES[name])))
    ours = render_ours(path)
    reference = render_reference(path, tmp_path / "reference.wav")
    metrics = compare(ours, reference)
    assert metrics.passed, f"{name}: {'; '.join(metrics.failures)}"
