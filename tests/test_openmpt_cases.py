"""OpenMPT's own playback test cases that our replayer plays like openmpt123 today, kept so.

`make conformance` runs every case and prints the table; this pins the ones that pass, per
format, so a change to the kernel that breaks one fails the build. A case that starts to pass
belongs in its list (the conformance table shows it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance import DEFAULT_DIR, check_module

PASSING = {
    "mod": (
        "DelayBreak.mod InstrDelay.mod PTInstrSwap.mod PTInstrVolume.mod PTStoppedSwap.mod "
        "PTSwapEmpty.mod PatLoop-Break.mod PatternDelaysRetrig.mod PatternJump.mod "
        "PortaSmpChange.mod PortaTarget.mod"
    ),
    "xm": (
        "3xx-no-old-samp.xm 3xx-no-old-samp-noft.xm Arpeggio.xm AutoVibratoSweepKeyOff.xm "
        "BidiPrecision.xm DelayCombination.xm "
        "DelayVolume.xm EnvOff.xm FT2PanLaw.xm FineVol-LinkMem.xm GlobalVolume.xm NoteLimit.xm "
        "NoteOff.xm NoteOff2.xm OffDelay.xm "
        "NoteOffFade.xm NoteOffVolume.xm OffsetRange.xm PanOff.xm PanSlideMem.xm "
        "PatLoop-Nested.xm PatLoop-Overflow.xm PatLoop-Various.xm PatLoop-Weird.xm "
        "PatternDelays.xm PatternDelaysRetrig.xm Pickup.xm "
        "Porta-LinkMem.xm Porta-LinkMem_old.xm PortaJustStoppedNote.xm "
        "TonePortamentoMemory.xm Tremor.xm TremorInstr.xm TremorRecover.xm "
        "delay1.xm delay2.xm delay3.xm delaycut.xm "
        "pathead.xm"
    ),
    "s3m": (
        "FreqLimits.s3m LoopReset.s3m PatternDelaysRetrig.s3m PeriodLimitUpper.s3m "
        "VibratoTypeChange.s3m"
    ),
}
CASES = [(kind, name) for kind, names in PASSING.items() for name in names.split()]


@pytest.mark.parametrize(("kind", "name"), CASES, ids=[name for _, name in CASES])
def test_the_case_plays_as_openmpt123_plays_it(kind: str, name: str, tmp_path: Path) -> None:
    folder = DEFAULT_DIR / kind
    path = folder / name
    assert path.is_file(), (
        f"{path} is missing: OpenMPT's test cases are looked for in {DEFAULT_DIR}"
    )

    row = check_module(path, folder, tmp_path)

    assert row.result == "PASS", f"{name}: {row.note}"
