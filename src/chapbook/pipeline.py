"""The whole build, in order: for each edition asked for (the book itself, or book.toml's
[editions.NAME]), read the book as that edition, then write each format and each reader's copy beside
the last good ones (staging.py: written apart, moved into place only when every file is whole)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path


from .assemble import read_book
from .cache import BuildCache, LastBuild, build_cache
from .config import CONFIG_NAME
from .copies import write_copies
from .editions import chosen, edition_names
from .errors import ChapbookError, WarningLog, log, said_again, shown, warnings_report
from .large_print import sized
from .model import Book
from .report import build_report, preflight_started, write_report
from .staging import Staging, staged
from .themes import BUILTIN_STYLES, Theme, check_font_classes, load_theme, read_coverage
from .writers.booklet import write_booklet
from .writers.cover import wrap_for, write_wrap
from .writers.epub import EmbeddedFont, EpubFonts, write_epub
from .writers.workers import start_fork_server, worker_count
from .writers.pdf import BookLayout, lay_out, pdf_written_apart

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
    epub_fonts: Callable[[], list[EmbeddedFont]]  # the EPUB's fonts, made when first asked for
    jobs: int  # processes the build may run at once (1: all in its own)


def read(source: Path, outdir: Path, progress: Callable[..., None], edition: str = "",
         jobs: int = 1) -> tuple[Book, Theme]:
    """Read the essays (in two processes, given more than one job) and load the theme: all a build knows
    before it sets a page."""
    progress(f"reading essays in {source}" + (f" for the edition {edition}" if edition else ""))
    book = read_book(source, exclude=(outdir.resolve(),), edition=edition, apart=jobs > 1)
    theme = sized(load_theme(book.config.theme, book.root, book.root / CONFIG_NAME, book.config.stylesheet),
                  book.config.theme_size)
    check_font_classes(book, theme)
    progress(f"{len(book.essays)} chapters, {len(book.images)} images, theme {theme.name}")
    return book, theme


@contextmanager
def prepared(source: Path, outdir: Path, progress: Callable[..., None], use_cache: bool = True,
             jobs: int | None = None, edition: str = "") -> Iterator[Prepared]:
    """Read the book (as one of its editions) and set the pages (even for an EPUB alone: its page list
    follows the print edition). The cache lives beside the outputs; without it, only for this build."""
    jobs = jobs or worker_count()
    if jobs > 1 and not start_fork_server():  # the workers' server imports WeasyPrint while the essays are read
        progress("no worker processes can start here: laying out in this one")
        jobs = 1
    book, theme = read(source, outdir, progress, edition, jobs)
    cache, scratch = build_cache(outdir, use_cache)
    try:
        read_coverage(theme, cache)
        progress("laying out pages")
        layout = lay_out(book, theme, cache, progress, jobs)
        yield Prepared(book, theme, cache, layout, EpubFonts(book, theme, cache, progress), jobs)
        cache.prune()
    finally:
        if scratch is not None:
            scratch.cleanup()


def chosen_editions(source: Path, wanted: list[str]) -> tuple[str, ...]:
    """The editions the command line names ("" the book itself), each one book.toml declares."""
    folder = source if source.is_dir() else source.parent
    names = edition_names(folder / CONFIG_NAME) if source.is_dir() else []
    return chosen(wanted, names, str(shown(folder / CONFIG_NAME))) if wanted else ("",)


@dataclass(frozen=True)
class EditionBuilt:
    """What building one edition wrote (or found already written), and the record to keep of it."""

    written: tuple[str, ...]  # file names in the output folder
    chapters: int
    pages: int | None
    warnings: list[tuple[str, str]]
    last: LastBuild | None  # None when nothing was built: the last record stands


def build(source: Path, outdir: Path, formats: tuple[str, ...], progress: Callable[..., None],
          use_cache: bool = True, jobs: int | None = None, editions: tuple[str, ...] = ("",)) -> BuildResult:
    """Write the requested formats of each edition ("" the book itself); they are moved into place
    together, and a failure leaves earlier outputs untouched."""
    started = time.perf_counter()
    with staged(outdir) as stage:
        built = [build_edition(source, outdir, formats, stage, progress, use_cache, jobs, name) for name in editions]
        _one_file_each(source, built)
        stage.publish()
    for edition in built:
        if edition.last is not None:
            edition.last.remember(tuple(outdir / name for name in edition.written), edition.chapters, edition.pages,
                                  edition.warnings)
    return BuildResult(tuple(outdir / name for edition in built for name in edition.written), built[0].chapters,
                       built[0].pages, time.perf_counter() - started)


def _one_file_each(source: Path, built: list[EditionBuilt]) -> None:
    """Refuse two outputs of one name: an edition's title, or a copy's reader, made another's file name."""
    names = [name for edition in built for name in edition.written]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise ChapbookError(source / CONFIG_NAME, None, f"two of the editions (or readers' copies) would both be "
                            f"{twice}; give one edition another name or title")


def build_edition(source: Path, outdir: Path, formats: tuple[str, ...], stage: Staging, progress: Callable[..., None],
                  use_cache: bool, jobs: int | None, edition: str) -> EditionBuilt:
    """Write one edition's formats, its readers' copies and its warnings into the staging folder, unless
    nothing it reads has changed since it was last built."""
    last = LastBuild(source, outdir, formats, (source if source.is_dir() else source.parent, BUILTIN_STYLES),
                     edition) if use_cache else None
    kept = last.unchanged() if last is not None else None
    if kept is not None:
        said_again(kept["warnings"])  # as the build that made the book said them
        progress(f"nothing changed since the last build: {'the edition ' + edition if edition else 'the book'} "
                 "is up to date")
        return EditionBuilt(tuple(Path(name).name for name, _ in kept["outputs"]), kept["chapters"], kept["pages"],
                            kept["warnings"], None)
    collected = WarningLog()
    log.addHandler(collected)
    first = len(stage.names)
    try:
        with prepared(source, outdir, progress, use_cache, jobs, edition) as ready:
            book, pages, pdf = ready.book, None, None
            with ExitStack() as joining:
                if "pdf" in formats:  # joined in a process of its own while the EPUB is written
                    progress("writing PDF")
                    pdf = stage(f"{book.file_stem}.pdf")
                    joined = joining.enter_context(pdf_written_apart(ready.layout, book, pdf, ready.cache,
                                                                     ready.jobs))
                if "epub" in formats:
                    progress("writing EPUB")
                    write_epub(book, ready.theme, stage(f"{book.file_stem}.epub"), ready.layout.starts, ready.cache,
                               progress, fonts=ready.epub_fonts())
                if pdf is not None:
                    pages = joined()
                    if BOOKLET in formats or book.config.booklet:
                        progress("imposing the booklet")
                        write_booklet(book, ready.theme, pdf, stage(f"{book.file_stem}-booklet.pdf"), progress)
            with preflight_started(pdf, ready.layout, ready.jobs, ready.cache) as preflight:
                write_copies(book, ready.theme, ready.layout, ready.cache, formats, stage, progress, ready.epub_fonts)
                # Every warning, by kind, beside the book: the terminal shows the first few of each kind.
                report = stage(f"{book.file_stem}-warnings.txt")
                report.write_text(warnings_report(collected.warnings), encoding="utf-8")
                write_report(build_report(book, ready.theme, ready.layout, pdf, preflight(), collected.warnings),
                             stage(f"{book.file_stem}-report.html"))
    finally:
        log.removeHandler(collected)
    return EditionBuilt(tuple(stage.names[first:]), len(book.essays), pages, collected.warnings, last)


def cover(source: Path, outdir: Path, progress: Callable[..., None], use_cache: bool = True,
          jobs: int | None = None, edition: str = "") -> BuildResult:
    """Write the print cover wrap, its spine as wide as the interior `build` writes is thick."""
    started = time.perf_counter()
    # The same layout as the PDF's, blank pages and all: the page count decides the spine.
    with staged(outdir) as stage, prepared(source, outdir, progress, use_cache, jobs, edition) as ready:
        book, pages = ready.book, ready.layout.pages
        wrap = wrap_for(book, pages)
        progress(f"{pages} pages on {book.config.paper} paper: spine {wrap.spine:.4f} in, "
                 f"wrap {wrap.width:.4f} x {wrap.height:.4f} in{'' if wrap.spine_text else ', no spine text'}")
        progress("writing the cover")
        write_wrap(book, ready.theme, wrap, stage(f"{book.file_stem}-cover.pdf"))
        written = stage.publish()
    return BuildResult(written, len(book.essays), pages, time.perf_counter() - started)
