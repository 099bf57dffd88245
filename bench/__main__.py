"""``python -m bench``: measure every figure, print it beside its target, save the results."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.figures import Figure
from bench.render_speed import render_figures
from bench.results import RESULTS_DIR, format_table, write_results
from bench.voices import voice_figures


def pin_to_one_core() -> int | None:
    """Run on one CPU, so the figures are single-core ones and the scheduler cannot migrate us."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def run(*, repeats: int = 3, seconds: float = 2.0, voices: int = 256) -> list[Figure]:
    return [
        *render_figures(repeats=repeats),
        *voice_figures(voices=voices, seconds=seconds, repeats=repeats),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the best counts")
    parser.add_argument("--seconds", type=float, default=2.0, help="audio per voice run")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results directory")
    args = parser.parse_args(argv)

    cpu = pin_to_one_core()
    print(f"pinned to CPU {cpu}" if cpu is not None else "not pinned (no sched_setaffinity)")
    figures = run(repeats=args.repeats, seconds=args.seconds)
    print(format_table(figures))
    missed = [figure.label for figure in figures if figure.met is False]
    print(f"{len(missed)} target(s) missed" if missed else "all targets met")
    for path in write_results(figures, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
