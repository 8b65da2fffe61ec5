#!/usr/bin/env python3
"""Time chapbook's builds and measure their memory against a naive render of the same essays.

    python benchmarks/run.py [--books sample,zola-docs,generated] [--cases naive,cold,warm,edit,epub]
                             [--quick] [--timeout SECONDS] [--repeat N] [--json FILE]

For each book, every case is its own process, measured from outside:

  naive  benchmarks/naive.py: one HTML document, one WeasyPrint render, the PDF only (the yardstick)
  cold   `chapbook build SOURCE -o OUT` into a new, empty OUT (with --no-cache when chapbook has it)
  warm   the same build again into the same OUT, nothing changed
  edit   again, after one sentence is appended to the essay in the middle of the book
  epub   `--format epub` alone, into the same OUT

Wall time is the clock around the process. Peak memory is the largest sum of VmRSS over the process
and all its descendants, sampled every 50 ms (chapbook may lay out chapters in worker processes), and
never less than wait4's ru_maxrss, the largest single process, which is shown beside it. The books
are copied to a temporary folder first: the edit changes the copy, nothing is written beside the
originals.
Books: sample (book/), zola-docs and rust-blog (../shared/corpora), generated (benchmarks/generate.py,
560 essays, written afresh each run). rust-blog is large (754 posts) and runs only when asked for.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from generate import write_book

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
NAIVE = Path(__file__).resolve().parent / "naive.py"
GENERATED = "generated"
# Where each book's sources are; the generated book is written into the work folder instead.
SOURCES = {
    "sample": ROOT / "book",
    "zola-docs": CORPORA / "zola-docs",
    "rust-blog": CORPORA / "rust-blog",
    GENERATED: None,
}
DEFAULT_BOOKS = ("sample", "zola-docs", GENERATED)  # rust-blog takes long enough to be asked for by name
QUICK_BOOKS = ("sample", "zola-docs")
CASES = ("naive", "cold", "warm", "edit", "epub")
REBUILDS = ("warm", "edit", "epub")  # the cases that rebuild into the output folder of the one before
SAMPLE_EVERY = 0.05  # seconds between two readings of the process tree's memory


@dataclass
class Run:
    book: str
    case: str
    seconds: float | None  # None: failed or timed out
    peak_mib: float  # the largest sum of VmRSS over the process tree
    maxrss_mib: float  # wait4's ru_maxrss: the largest single process of the tree that was waited for
    pages: int | None
    note: str = ""


def descendants(root: int) -> list[int]:
    """The process and every process below it, from each process's parent in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()  # the name in parentheses may hold spaces
        except OSError:  # gone since the listing
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def resident_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0  # gone, or a zombie (no VmRSS line)


def measure(command: list[str], log: Path, timeout: float) -> tuple[float | None, float, float, str, str]:
    """Run a command to its end; return seconds (None if it failed), peak tree MiB, ru_maxrss MiB, output
    and a note."""
    with log.open("w") as output:
        started = time.perf_counter()
        # Its own session, so that a timeout can stop it and its workers together.
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        peak_kib, status, usage, note = 0, 0, None, ""
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak_kib = max(peak_kib, sum(resident_kib(p) for p in descendants(process.pid)))
            if time.perf_counter() - started > timeout:
                os.killpg(process.pid, signal.SIGKILL)
                _, status, usage = os.wait4(process.pid, 0)
                note = f"timed out after {timeout:.0f} s"
                break
            time.sleep(SAMPLE_EVERY)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    text = log.read_text(errors="replace")
    if not note and process.returncode != 0:
        note = f"failed, exit status {process.returncode} (see {log})"
    # A peak shorter than the sampling interval can slip between readings; the largest single process
    # (which wait4 does not miss) is a floor for the tree's peak.
    peak_kib = max(peak_kib, usage.ru_maxrss)
    return (None if note else seconds), peak_kib / 1024, usage.ru_maxrss / 1024, text, note


def pages_in(output: str) -> int | None:
    """The page count the process printed: chapbook's summary line, or naive.py's `N pages`."""
    found = re.findall(r"\b(\d+) pages\b", output)
    return int(found[-1]) if found else None


def has_no_cache_flag() -> bool:
    help_text = subprocess.run([sys.executable, "-m", "chapbook", "build", "--help"],
                               capture_output=True, text=True).stdout
    return "--no-cache" in help_text


def copy_book(source: Path, into: Path) -> None:
    """A writable copy (the corpora are read-only), so the edit case can change an essay."""
    shutil.copytree(source, into, copy_function=shutil.copyfile, ignore=shutil.ignore_patterns("dist", ".chapbook-cache"))
    for folder, _, _ in os.walk(into):
        os.chmod(folder, 0o755)


def middle_essay(source: Path) -> Path:
    """The file of the essay in the middle of the book's reading order, as chapbook reads it."""
    from chapbook.assemble import read_book

    logger = logging.getLogger("chapbook")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False  # its warnings about the book are the builds' to report
    essays = read_book(source).essays
    return essays[len(essays) // 2].source


def measure_book(name: str, source: Path, cases: tuple[str, ...], args: argparse.Namespace, no_cache: bool,
                 work: Path, repetition: int) -> list[Run]:
    """One pass over the cases for one book, in a fresh output folder."""
    out = work / f"out-{repetition}"
    chapbook = [sys.executable, "-m", "chapbook", "build", str(source), "-o", str(out)]
    commands = {
        "naive": [sys.executable, str(NAIVE), str(source), str(work / "naive.pdf")],
        "cold": chapbook + (["--no-cache"] if no_cache else []),
        "warm": chapbook, "edit": chapbook, "epub": chapbook + ["--format", "epub"],
    }
    runs: list[Run] = []
    ready = False  # whether OUT holds a book and its cache, for the rebuild cases to reuse
    for case in cases:
        notes = []
        if case in REBUILDS and not ready:
            # A rebuild needs a book built before it; a cold build with --no-cache need not have left a
            # cache behind. Build once more, unmeasured.
            if measure(chapbook, work / f"{case}-{repetition}-first.log", args.timeout)[0] is None:
                runs.append(Run(name, case, None, 0, 0, None, "the build before it failed"))
                break
            ready = True
            notes.append("after an unmeasured build")
        if case == "edit":
            essay = middle_essay(source)
            with essay.open("a", encoding="utf-8") as handle:
                handle.write(f"\n\nThis sentence was added by the benchmark, edit number {repetition + 1}.\n")
            notes.append(f"edited {essay.relative_to(source)}")
        seconds, peak, maxrss, output, failure = measure(commands[case], work / f"{case}-{repetition}.log", args.timeout)
        run = Run(name, case, seconds, peak, maxrss, pages_in(output), failure or "; ".join(notes))
        runs.append(run)
        print(f"  {name} {case}: {'-' if seconds is None else f'{seconds:.1f} s'}, {peak:.0f} MiB"
              f"{', ' + run.note if run.note else ''}", file=sys.stderr, flush=True)
        if failure and case != "naive":
            break  # the rebuilds after a failed build would measure nothing meaningful
        ready = ready or (case == "cold" and not no_cache)
    return runs


def combined(runs: list[Run]) -> Run:
    """Several repetitions of one case as one row: the median time and the largest peak."""
    done = [r.seconds for r in runs if r.seconds is not None]
    first = runs[-1]
    return Run(first.book, first.case, statistics.median(done) if len(done) == len(runs) else None,
               max(r.peak_mib for r in runs), max(r.maxrss_mib for r in runs), first.pages, first.note)


def ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}" if value is not None and base else "-"


def table(runs: list[Run]) -> str:
    lines = ["| book | pages | case | wall s | peak MiB (tree) | max RSS MiB (one process) | time ÷ naive "
             "| memory ÷ naive | time ÷ cold | note |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for run in runs:
        naive = next((r for r in runs if r.book == run.book and r.case == "naive"), None)
        cold = next((r for r in runs if r.book == run.book and r.case == "cold"), None)
        lines.append(
            f"| {run.book} | {run.pages or '-'} | {run.case} | {'-' if run.seconds is None else f'{run.seconds:.1f}'} "
            f"| {run.peak_mib:.0f} | {run.maxrss_mib:.0f} "
            f"| {ratio(run.seconds, naive and naive.seconds)} "
            # A run stopped early had not reached its peak: no ratio for it.
            f"| {ratio(run.peak_mib if run.seconds is not None else None, naive and naive.peak_mib)} "
            f"| {ratio(run.seconds, cold and cold.seconds) if run.case not in ('naive', 'cold') else '-'} "
            f"| {run.note} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:"))
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    return (f"Machine: {cpu}, {os.cpu_count()} cores, {memory_kib / 1024 ** 2:.1f} GiB RAM, "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
            f"WeasyPrint {metadata.version('weasyprint')}; chapbook at {commit}; "
            f"load average {os.getloadavg()[0]:.2f} at the start.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", default=",".join(DEFAULT_BOOKS),
                        help=f"comma-separated, of {', '.join(SOURCES)}, or all (default: {','.join(DEFAULT_BOOKS)})")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {','.join(CASES)} (default: all)")
    parser.add_argument("--quick", action="store_true", help=f"only {' and '.join(QUICK_BOOKS)}")
    parser.add_argument("--essays", type=int, default=560, help="essays in the generated book (default: 560)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one build may take (default: 3600)")
    parser.add_argument("--repeat", type=int, default=1, help="passes per book: median time, largest peak (default: 1)")
    parser.add_argument("--json", type=Path, help="also write every run to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (copies, outputs, logs)")
    args = parser.parse_args()
    books = QUICK_BOOKS if args.quick else tuple(SOURCES) if args.books == "all" else tuple(args.books.split(","))
    cases = tuple(args.cases.split(","))
    for name in books:
        if name not in SOURCES:
            parser.error(f"unknown book {name!r}; the books are {', '.join(SOURCES)}")
    for case in cases:
        if case not in CASES:
            parser.error(f"unknown case {case!r}; the cases are {', '.join(CASES)}")
    cases = tuple(case for case in CASES if case in cases)  # always in the order that builds on the one before

    print(machine(), flush=True)
    no_cache = has_no_cache_flag()
    print(f"Cold builds {'use --no-cache' if no_cache else 'start from an empty output folder (no --no-cache flag)'}.")
    work_root = Path(tempfile.mkdtemp(prefix="chapbook-bench-"))
    rows: list[Run] = []
    notes: list[str] = []
    try:
        for name in books:
            original = SOURCES[name]
            if original is not None and not original.exists():
                notes.append(f"{name}: skipped, {original} is missing")
                continue
            work = work_root / name
            work.mkdir()
            source = work / "source"
            if original is None:
                write_book(source, args.essays, seed=11)
            else:
                copy_book(original, source)
            print(f"{name}: measuring in {work}", file=sys.stderr, flush=True)
            passes = [measure_book(name, source, cases, args, no_cache, work, n) for n in range(args.repeat)]
            by_case: dict[str, list[Run]] = {}
            for run in (r for one in passes for r in one):
                by_case.setdefault(run.case, []).append(run)
            rows.extend(combined(runs) for runs in by_case.values())
    finally:
        if args.keep:
            print(f"work folder kept: {work_root}", file=sys.stderr)
        else:
            shutil.rmtree(work_root, ignore_errors=True)
    print()
    print(table(rows))
    for note in notes:
        print(f"\n{note}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
