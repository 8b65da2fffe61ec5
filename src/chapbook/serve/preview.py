"""What the preview shows after a build: the book's pages and spreads, its EPUB, its warnings, and the
error that stopped the last build if one did (the pages then stay those of the last good build)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ChapbookError, grouped, kind_of, where
from .epub_view import EpubView, read_epub
from ..spreads import Spread, spreads
from .pages import ContentsEntry, PageView, contents, page_png, read_pages


@dataclass(frozen=True)
class Problem:
    """A warning or an error as the page shows it: where (path:line, or nothing) and what."""

    place: str
    message: str


@dataclass(frozen=True)
class Preview:
    version: int  # builds finished, good or failed: the page asks again when it changes
    title: str
    pages: tuple[PageView, ...] = ()
    spreads: tuple[Spread, ...] = ()
    contents: tuple[ContentsEntry, ...] = ()
    epub: EpubView | None = None
    pdf: bytes = b""  # the built PDF, whose pages are drawn as the page asks for them
    warnings: tuple[Problem, ...] = ()
    error: Problem | None = None
    report: Path | None = None  # the build report beside the book, when the build writes one
    seconds: float = 0.0
    changed: tuple[str, ...] = ()  # the files whose saving started the build

    @property
    def warnings_by_kind(self) -> list[tuple[str, list[Problem]]]:
        """The warnings by kind (what a kind says, its warnings), the most frequent kind first."""
        groups = grouped([(problem.place, problem.message) for problem in self.warnings])
        return [(kind_of(group[0][1]), [Problem(place, message) for place, message in group]) for group in groups]

    @property
    def changed_names(self) -> list[str]:
        return [Path(name).name for name in self.changed]

    def page(self, index: int | None) -> PageView | None:
        return None if index is None else self.pages[index]


def built(previous: Preview, written: tuple[Path, ...], warnings: list[tuple[str, str]], seconds: float,
          changed: tuple[str, ...]) -> Preview:
    """The preview of a good build, made from the files it wrote."""
    pdf_path = next(path for path in written if path.suffix == ".pdf")
    pdf = pdf_path.read_bytes()
    epub = read_epub(next(path for path in written if path.suffix == ".epub").read_bytes())
    pages = read_pages(pdf)
    report = pdf_path.with_name(f"{pdf_path.stem}-report.html")
    return Preview(previous.version + 1, epub.title or previous.title, tuple(pages), tuple(spreads(len(pages))),
                   tuple(contents(pdf)), epub, pdf, tuple(Problem(place, message) for place, message in warnings),
                   None, report if report.is_file() else None, seconds, changed)


def failed(previous: Preview, error: ChapbookError | Exception, warnings: list[tuple[str, str]], seconds: float,
           changed: tuple[str, ...]) -> Preview:
    """The last good build's pages, with the error that stopped this one."""
    if isinstance(error, ChapbookError):
        problem = Problem(where(error.path, error.line) if error.path is not None else "", error.message)
    else:
        problem = Problem("", str(error))
    return replace(previous, version=previous.version + 1, error=problem,
                   warnings=tuple(Problem(place, message) for place, message in warnings), seconds=seconds,
                   changed=changed)


# Pages kept drawn: a few books' worth of what a screen shows (about 150 KB each).
DRAWN_PAGES_KEPT = 400


class Latest:
    """The latest preview and whether a build is under way; the page's event streams wait here for the next."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        self.previous = preview
        self.building = False
        self.revision = 0  # every change the page is told of: a build starting or ending
        self.closed = False
        self._changed = threading.Condition()
        self._drawn: dict[str, bytes] = {}  # pages drawn as PNG, by key, the least recently used first
        self._drawn_lock = threading.Lock()

    def publish(self, preview: Preview | None = None, building: bool = False) -> None:
        with self._changed:
            if preview is not None:
                self.previous, self.preview = self.preview, preview
            self.building = building
            self.revision += 1
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait(self, revision: int, timeout: float) -> int:
        """Wait until the revision is past this one (or the timeout, or closing); return the revision."""
        with self._changed:
            self._changed.wait_for(lambda: self.revision != revision or self.closed, timeout)
            return self.revision

    def image(self, key: str) -> bytes | None:
        """A page's PNG by its key, drawn the first time it is asked for, from this build or the one
        before (a page may still be asking for those); None for a key neither has."""
        with self._drawn_lock:
            png = self._drawn.pop(key, None)
            if png is not None:
                self._drawn[key] = png  # the most recently used last
                return png
        for preview in (self.preview, self.previous):
            index = next((page.index for page in preview.pages if page.key == key), None)
            if index is not None:
                png = page_png(preview.pdf, index)
                with self._drawn_lock:
                    self._drawn[key] = png
                    while len(self._drawn) > DRAWN_PAGES_KEPT:
                        del self._drawn[next(iter(self._drawn))]
                return png
        return None
