"""Build the book in one background thread, one build at a time, whenever the watcher reports a save,
and hand each result to the page as a new preview. A build that fails leaves the last good pages and
says why; the server goes on."""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from pathlib import Path

from ..errors import ChapbookError, WarningLog, log
from ..pipeline import FORMATS, build
from .preview import Latest, Preview, built, failed


class Builder(threading.Thread):
    """Rebuilds into outdir (keeping its build cache) each time it is asked, and publishes the preview."""

    def __init__(self, source: Path, outdir: Path, latest: Latest, jobs: int | None = None):
        super().__init__(name="chapbook-builder", daemon=True)
        self.source, self.outdir, self.latest, self.jobs = source, outdir, latest, jobs
        self.wanted = threading.Event()
        self.stopping = False
        self.changed: list[str] = []
        self._lock = threading.Lock()

    def request(self, changed: list[str]) -> None:
        """Build again (after the build under way, if one is) for these saved files."""
        with self._lock:
            self.changed += changed
        self.wanted.set()

    def stop(self) -> None:
        self.stopping = True
        self.wanted.set()

    def run(self) -> None:
        while True:
            self.wanted.wait()
            self.wanted.clear()
            if self.stopping:
                return
            with self._lock:
                changed, self.changed = tuple(self.changed), []
            self.latest.publish(building=True)
            preview = self.build(self.latest.preview, changed)
            self.latest.publish(preview)
            say(summary(preview))

    def build(self, previous: Preview, changed: tuple[str, ...]) -> Preview:
        """Build once; the preview of what was built, or of the last good build and the error."""
        collected = WarningLog()
        log.addHandler(collected)
        started = time.perf_counter()
        try:
            result = build(self.source, self.outdir, FORMATS, lambda *_, **__: None, use_cache=True, jobs=self.jobs)
            return built(previous, result.written, collected.warnings, time.perf_counter() - started, changed)
        except (ChapbookError, OSError) as error:
            return failed(previous, error, collected.warnings, time.perf_counter() - started, changed)
        except Exception as error:  # chapbook's own fault: shown on the page and here, and the server goes on
            traceback.print_exc(file=sys.stderr)
            return failed(previous, RuntimeError(f"chapbook failed ({type(error).__name__}: {error}); this is "
                                                 f"a bug in chapbook, please report it"),
                          collected.warnings, time.perf_counter() - started, changed)
        finally:
            log.removeHandler(collected)


def summary(preview: Preview) -> str:
    """One line on the terminal for each build."""
    what = f"{', '.join(Path(name).name for name in preview.changed)} changed: " if preview.changed else ""
    if preview.error is not None:
        place = f"{preview.error.place}: " if preview.error.place else ""
        return f"{what}error: {place}{preview.error.message}"
    count = len(preview.warnings)
    return (f"{what}built in {preview.seconds:.1f} s: {len(preview.pages)} pages, "
            f"{count} warning{'' if count == 1 else 's'}")


def say(line: str) -> None:
    print(f"chapbook: {line}", file=sys.stderr, flush=True)


def quiet_logger() -> None:
    """Warnings go to each build's list only: the page shows them, the terminal counts them."""
    logger = logging.getLogger("chapbook")
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
