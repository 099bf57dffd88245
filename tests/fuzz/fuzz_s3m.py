"""Fuzz target for the S3M loader (atheris, libFuzzer): any input must load or raise a
ModuleError, never anything else, and never slowly; what loads must carry every sample's
audio in the shape its reference says.

`make fuzz` seeds a corpus (tests/fuzz/seeds.py) and runs this for a fixed time; an input
that fails is saved as build/fuzz/s3m-crash-<sha1> and becomes a regression test in
tests/io/test_s3m.py.

    .venv/bin/python tests/fuzz/fuzz_s3m.py -max_total_time=60 build/fuzz/s3m
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["tracker"]):
    from tracker.io.mod import ModuleError
    from tracker.io.s3m import load_s3m
    from tracker.model import SampleInstrument


def TestOneInput(data: bytes) -> None:  # the name atheris looks for
    try:
        project = load_s3m(data)
    except ModuleError:
        return
    for instrument in project.song.instruments:
        assert isinstance(instrument, SampleInstrument)
        ref = instrument.sample
        assert project.samples[ref.sha256].frames.shape == (ref.frames, ref.channels)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
