#!/usr/bin/env python3
"""Measure build time and peak memory of real books: the sample book and the Zola docs corpus.

    .venv/bin/python benchmarks/run.py [--repeat N]

Each build runs as its own `chapbook build` process; its peak resident memory comes from the
kernel's accounting of that one child (wait4), its time from the wall clock. Prints a table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
BOOKS = {
    "sample book (book/)": ROOT / "book",
    "zola-docs/content/documentation": CORPORA / "zola-docs" / "content" / "documentation",
}


def measure(source: Path, fmt: str) -> tuple[float, float, str]:
    """Build once; return seconds, peak MiB and chapbook's summary line."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "chapbook", "build", str(source), "-o", out, "--format", fmt]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        stderr = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"build of {source} failed:\n{stderr}")
        summary = next((line for line in reversed(stderr.splitlines()) if "chapters" in line), "")
        return seconds, usage.ru_maxrss / 1024, summary.removeprefix("chapbook: ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="builds per book and format (median reported)")
    args = parser.parse_args()
    print(f"| book | format | wall s (median of {args.repeat}) | peak RSS MiB | chapbook says |")
    print("| --- | --- | --- | --- | --- |")
    for name, source in BOOKS.items():
        if not source.exists():
            print(f"| {name} | - | missing | - | - |")
            continue
        for fmt in ("all", "epub", "pdf"):
            runs = [measure(source, fmt) for _ in range(args.repeat)]
            seconds = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            print(f"| {name} | {fmt} | {seconds:.2f} | {peak:.0f} | {runs[-1][2]} |", flush=True)


if __name__ == "__main__":
    main()
