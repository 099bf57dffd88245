"""``python -m bench``: measure every figure, print it beside its target, save the results."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench.figures import Figure
from bench.midi_clock import FOLLOW_S, midi_clock_figures
from bench.midi_latency import midi_latency_figures
from bench.module_speed import all_module_speed_figures
from bench.realtime import LATENCY_NOTES, RUN_S, XRUN_RUN_S, realtime_figures
from bench.render_speed import render_figures
from bench.results import RESULTS_DIR, format_table, write_results
from bench.ui import PLAY_S, ui_figures
from bench.voices import voice_figures


def pin_to_one_core() -> int | None:
    """Run on one CPU, so the figures are single-core ones and the scheduler cannot migrate us."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


@contextmanager
def on_cores(cores: set[int] | None) -> Iterator[None]:
    """Run on `cores` for a while (None: leave the affinity alone)."""
    if cores is None:
        yield
        return
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, pinned)


def run(
    *,
    repeats: int = 3,
    seconds: float = 2.0,
    voices: int = 256,
    realtime_s: float | None = None,
    ui_s: float | None = None,
    midi_notes: int = LATENCY_NOTES,
    clock_s: float = FOLLOW_S,
    cores: set[int] | None = None,
) -> list[Figure]:
    """realtime_s: length of every real-time run (None: RUN_S, XRUN_RUN_S where xruns are
    judged; 0: skip them, the MIDI latency too). ui_s: how long the terminal output is counted
    while the demo plays (None: PLAY_S; 0: skip every UI figure). midi_notes: notes sent for
    the MIDI latency (0: skip it). clock_s: how long the MIDI clock is followed (0: skip the
    clock figures). cores: where the real-time and UI runs go."""
    figures = [
        *render_figures(repeats=repeats),
        *all_module_speed_figures(repeats=repeats),
        *voice_figures(voices=voices, seconds=seconds, repeats=repeats),
    ]
    if realtime_s != 0:
        # jackd, the recorder and PortAudio's audio thread inherit our affinity: on the one
        # pinned core they would queue behind the busy Python thread, which no user's does.
        with on_cores(cores):
            figures += realtime_figures(
                run_s=realtime_s or RUN_S, xrun_run_s=realtime_s or XRUN_RUN_S
            )
            if midi_notes:
                figures += midi_latency_figures(notes=midi_notes)
            if clock_s:
                figures += midi_clock_figures(follow_s=clock_s)
    if ui_s != 0:
        # The app's threads (the null output's clock, Textual's input reader) and the
        # `tracker` processes spread over the cores as a user's would.
        with on_cores(cores):
            figures += ui_figures(play_s=ui_s or PLAY_S)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the best counts")
    parser.add_argument("--seconds", type=float, default=2.0, help="audio per voice run")
    parser.add_argument(
        "--realtime-seconds",
        type=float,
        default=None,
        help=f"length of each real-time run (default {RUN_S:g} s, {XRUN_RUN_S:g} s where xruns "
        "are judged; 0 skips them)",
    )
    parser.add_argument(
        "--ui-seconds",
        type=float,
        default=None,
        help=f"how long the terminal output is counted while the demo plays (default {PLAY_S:g} "
        "s; 0 skips the UI figures)",
    )
    parser.add_argument(
        "--midi-notes",
        type=int,
        default=LATENCY_NOTES,
        help=f"notes sent for the MIDI latency (default {LATENCY_NOTES}; 0 skips it, as does "
        "--realtime-seconds 0)",
    )
    parser.add_argument(
        "--clock-seconds",
        type=float,
        default=FOLLOW_S,
        help=f"how long an external MIDI clock is followed (default {FOLLOW_S:g} s; 0 skips the "
        "MIDI clock figures, as does --realtime-seconds 0)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results directory")
    args = parser.parse_args(argv)

    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    cpu = pin_to_one_core()
    print(f"pinned to CPU {cpu}" if cpu is not None else "not pinned (no sched_setaffinity)")
    figures = run(
        repeats=args.repeats,
        seconds=args.seconds,
        realtime_s=args.realtime_seconds,
        ui_s=args.ui_seconds,
        midi_notes=args.midi_notes,
        clock_s=args.clock_seconds,
        cores=cores,
    )
    print(format_table(figures))
    missed = [figure.label for figure in figures if figure.met is False]
    print(f"{len(missed)} target(s) missed" if missed else "all targets met")
    for path in write_results(figures, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
