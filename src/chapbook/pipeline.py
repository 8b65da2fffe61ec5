"""The whole build, in order: read the book, then write each format beside the last good one
(staging.py: written apart, moved into place only when every format is whole)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


from .assemble import read_book
from .cache import BuildCache, LastBuild, build_cache
from .config import CONFIG_NAME
from .errors import WarningLog, log, warnings_report
from .large_print import sized
from .model import Book
from .report import build_report, write_report
from .staging import staged
from .themes import BUILTIN_STYLES, Theme, check_font_classes, load_theme, read_coverage
from .writers.booklet import write_booklet
from .writers.cover import wrap_for, write_wrap
from .writers.epub import write_epub
from .writers.pdf import BookLayout, lay_out, write_pdf

FORMATS = ("epub", "pdf")
BOOKLET = "booklet"  # asked for beside the formats (chapbook build --booklet): the PDF imposed to print at home


@dataclass(frozen=True)
class BuildResult:
    written: tuple[Path, ...]
    chapters: int
    pages: int | None
    seconds: float


@dataclass(frozen=True)
class Prepared:
    """What every command starts from: the book read, its theme, its build cache and its pages set."""

    book: Book
    theme: Theme
    cache: BuildCache
    layout: BookLayout


def read(source: Path, outdir: Path, progress: Callable[..., None]) -> tuple[Book, Theme]:
    """Read the essays and load the theme: all a build knows before it sets a page."""
    progress(f"reading essays in {source}")
    book = read_book(source, exclude=(outdir.resolve(),))
    theme = sized(load_theme(book.config.theme, book.root, book.root / CONFIG_NAME, book.config.stylesheet),
                  book.config.theme_size)
    check_font_classes(book, theme)
    progress(f"{len(book.essays)} chapters, {len(book.images)} images, theme {theme.name}")
    return book, theme


@contextmanager
def prepared(source: Path, outdir: Path, progress: Callable[..., None], use_cache: bool = True,
             jobs: int | None = None) -> Iterator[Prepared]:
    """Read the book and set the pages (even for an EPUB alone: its page list follows the print
    edition). The cache lives beside the outputs; without it, only for this build."""
    book, theme = read(source, outdir, progress)
    cache, scratch = build_cache(outdir, use_cache)
    try:
        read_coverage(theme, cache)
        progress("laying out pages")
        yield Prepared(book, theme, cache, lay_out(book, theme, cache, progress, jobs))
        cache.prune()
    finally:
        if scratch is not None:
            scratch.cleanup()


def build(source: Path, outdir: Path, formats: tuple[str, ...], progress: Callable[..., None],
          use_cache: bool = True, jobs: int | None = None) -> BuildResult:
    """Read the essays and write the requested formats; a failure leaves earlier outputs untouched."""
    started = time.perf_counter()
    last = LastBuild(source, outdir, formats, (source if source.is_dir() else source.parent, BUILTIN_STYLES)) \
        if use_cache else None
    kept = last.unchanged() if last is not None else None
    if kept is not None:
        for place, message in kept["warnings"]:  # said again, as the build that made the book said them
            log.warning("%s: %s", place, message)
        progress("nothing changed since the last build: the book is up to date")
        return BuildResult(tuple(Path(name) for name, _ in kept["outputs"]), kept["chapters"], kept["pages"],
                           time.perf_counter() - started)
    collected = WarningLog()
    log.addHandler(collected)
    try:
        with staged(outdir) as stage, prepared(source, outdir, progress, use_cache, jobs) as ready:
            book, pages, pdf = ready.book, None, None
            if "epub" in formats:
                progress("writing EPUB")
                write_epub(book, ready.theme, stage(f"{book.slug}.epub"), ready.layout.starts, ready.cache, progress)
            if "pdf" in formats:
                progress("writing PDF")
                pdf = stage(f"{book.slug}.pdf")
                pages = write_pdf(ready.layout, book, pdf, ready.cache)
                if BOOKLET in formats or book.config.booklet:
                    progress("imposing the booklet")
                    write_booklet(book, ready.theme, pdf, stage(f"{book.slug}-booklet.pdf"), progress)
            # Every warning, by kind, beside the book: the terminal shows the first few of each kind.
            report = stage(f"{book.slug}-warnings.txt")
            report.write_text(warnings_report(collected.warnings), encoding="utf-8")
            write_report(build_report(book, ready.theme, ready.layout, pdf, collected.warnings),
                         stage(f"{book.slug}-report.html"))
            written = stage.publish()
            if last is not None:
                last.remember(written, len(book.essays), pages, collected.warnings)
    finally:
        log.removeHandler(collected)
    return BuildResult(written, len(book.essays), pages, time.perf_counter() - started)


def cover(source: Path, outdir: Path, progress: Callable[..., None], use_cache: bool = True,
          jobs: int | None = None) -> BuildResult:
    """Write the print cover wrap, its spine as wide as the interior `build` writes is thick."""
    started = time.perf_counter()
    # The same layout as the PDF's, blank pages and all: the page count decides the spine.
    with staged(outdir) as stage, prepared(source, outdir, progress, use_cache, jobs) as ready:
        book, pages = ready.book, ready.layout.pages
        wrap = wrap_for(book, pages)
        progress(f"{pages} pages on {book.config.paper} paper: spine {wrap.spine:.4f} in, "
                 f"wrap {wrap.width:.4f} x {wrap.height:.4f} in{'' if wrap.spine_text else ', no spine text'}")
        progress("writing the cover")
        write_wrap(book, ready.theme, wrap, stage(f"{book.slug}-cover.pdf"))
        written = stage.publish()
    return BuildResult(written, len(book.essays), pages, time.perf_counter() - started)
