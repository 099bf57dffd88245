"""Print figures beside their targets; write them as JSON and CSV for comparing runs."""

from __future__ import annotations

import csv
import json
import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.figures import Figure

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CSV_FIELDS = ("key", "label", "value", "unit", "target", "higher_is_better", "reference", "met")


def format_table(figures: Sequence[Figure]) -> str:
    rows = [("figure", "measured", "target", "")]
    for figure in figures:
        verdict = {True: "ok", False: "MISSED", None: ""}[figure.met]
        rows.append(
            (figure.label, f"{figure.value:,.1f} {figure.unit}", figure.describe_target(), verdict)
        )
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return "\n".join(
        f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip()
        for row in rows
    )


def _commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def figure_record(figure: Figure) -> dict[str, Any]:
    met = figure.met
    return {
        "key": figure.key,
        "label": figure.label,
        "value": float(figure.value),  # a numpy scalar is not JSON
        "unit": figure.unit,
        "target": figure.target,
        "higher_is_better": figure.higher_is_better,
        "reference": figure.reference,
        "met": None if met is None else bool(met),
    }


def write_results(
    figures: Sequence[Figure], directory: Path = RESULTS_DIR, now: datetime | None = None
) -> list[Path]:
    """Write <timestamp>.json/.csv and latest.json/.csv; returns the paths written."""
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    records = [figure_record(figure) for figure in figures]
    document = {
        "timestamp": now.isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": machine(),
        "figures": records,
    }
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    written = []
    for name in (stamp, "latest"):
        json_path = directory / f"{name}.json"
        json_path.write_text(json.dumps(document, indent=2) + "\n")
        csv_path = directory / f"{name}.csv"
        with csv_path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
            writer.writeheader()
            writer.writerows(records)
        written += [json_path, csv_path]
    return written
