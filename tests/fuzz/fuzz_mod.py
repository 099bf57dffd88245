"""Fuzz target for the MOD loader (atheris, libFuzzer): any input must load or raise a
ModuleError, never anything else, and never slowly; what loads must export (or be refused
with a ModuleError) to a file that loads and exports to the same bytes again.

`make fuzz` seeds a corpus (tests/fuzz/seeds.py) and runs this for a fixed time; an input
that fails is saved as build/fuzz/crash-<sha1> and becomes a regression test in
tests/io/test_mod.py.

    .venv/bin/python tests/fuzz/fuzz_mod.py -max_total_time=60 build/fuzz/mod
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["tracker"]):
    from tracker.io.mod import ModuleError, load_mod, save_mod


def TestOneInput(data: bytes) -> None:  # the name atheris looks for
    try:
        project = load_mod(data)
    except ModuleError:
        return
    for instrument in project.song.instruments:  # every sample's audio came with it
        assert instrument.kind == "sample"
        assert project.samples[instrument.sample.sha256].frames.shape[0] == instrument.sample.frames
    # What exports at all must load back and export to the same bytes.
    try:
        exported = save_mod(project)
    except ModuleError:
        return
    assert save_mod(load_mod(exported)) == exported


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
