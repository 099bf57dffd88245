"""Fuzz target for the XM loader (atheris, libFuzzer): any input must load or raise a
ModuleError, never anything else, and never slowly; what loads must carry every sample's
audio in the shape its reference says, and must export (or be refused with a ModuleError)
to a file that loads back to the same song and exports to the same bytes again.

`make fuzz` seeds a corpus (tests/fuzz/seeds.py) and runs this for a fixed time; an input
that fails is saved as build/fuzz/xm-crash-<sha1> and becomes a regression test in
tests/io/test_xm.py.

    .venv/bin/python tests/fuzz/fuzz_xm.py -max_total_time=60 build/fuzz/xm
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["tracker"]):
    from tracker.io.mod import ModuleError
    from tracker.io.xm import load_xm, save_xm
    from tracker.model import SampleInstrument


def TestOneInput(data: bytes) -> None:  # the name atheris looks for
    try:
        project = load_xm(data)
    except ModuleError:
        return
    for instrument in project.song.instruments:
        assert isinstance(instrument, SampleInstrument)
        for ref in [instrument.sample, *(zone.sample for zone in instrument.zones)]:
            assert project.samples[ref.sha256].frames.shape == (ref.frames, ref.channels)
    try:
        exported = save_xm(project)
    except ModuleError:
        return
    again = load_xm(exported)
    assert again.song == project.song
    assert save_xm(again) == exported


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
