"""The build report beside the book (<slug>-report.html): each chapter's pages and words, each picture's
printed resolution, the fonts, every warning by kind with its place, and the preflight of the PDF.

It is read from what the build already knows (the layout: which piece each page belongs to) and from
the PDF it wrote (preflight.py measures pictures and fonts there, as `chapbook check` does). An EPUB
alone still has its pages set (its page list follows the print edition): the report gives the
chapters' pages, and says that pictures, fonts and the preflight wait for a PDF.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pypdfium2
from PIL import Image as Picture

from .cache import BuildCache, content_key
from .errors import grouped, kind_of
from .media.pdfium import PDFIUM
from .model import Book
from .preflight import PrintedImage, Report, check_pdf, pdf_page_keys, read_page_facts, unread_pages
from .print_facts import PRINT_DPI
from .themes import Theme
from .writers.pdf import BookLayout
from .writers.workers import BESIDE_UP_TO, fork_server
from .writers.render import render

WORD = re.compile(r"\w+(?:['’]\w+)*")


@dataclass(frozen=True)
class ChapterRow:
    title: str
    kind: str  # "chapter" or "part"
    source: str
    words: int
    first_page: int | None  # in the PDF, from 1
    last_page: int | None
    first_folio: str | None  # as printed on the page
    last_folio: str | None


@dataclass(frozen=True)
class PictureRow:
    name: str  # the book's picture of these pixels, if one matches
    chapter: str
    page: int  # in the PDF, from 1
    folio: str
    image: PrintedImage


@dataclass(frozen=True)
class WarningKind:
    kind: str
    warnings: tuple[tuple[str, str], ...]  # (place, message)


@dataclass(frozen=True)
class Preflight:
    ok: tuple[str, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class BuildReport:
    book: Book
    pages: int
    chapters: tuple[ChapterRow, ...]
    pictures: tuple[PictureRow, ...] | None  # None: no PDF was written
    fonts: tuple[tuple[str, bool], ...]  # (name, embedded); from the PDF, else the theme's families
    warning_kinds: tuple[WarningKind, ...]
    warnings: int
    preflight: Preflight | None
    print_dpi: int = PRINT_DPI

    @property
    def words(self) -> int:
        return sum(row.words for row in self.chapters)


# Fewer pages than this not read before, and the check runs in the build's own process when the report
# asks for it (a process of its own costs most of a second to start).
_READ_HERE = 200


@contextmanager
def preflight_started(pdf: Path | None, layout: BookLayout, jobs: int,
                      cache: BuildCache) -> Iterator[Callable[[], Report | None]]:
    """Start `chapbook check` on the PDF just written. The facts of each page the last build's check
    read are kept in the cache by the page's key, so after an edit only the pages that changed are
    read; when many are new (a first build: seconds for 2,500 pages), they are read in processes of
    their own while the build gathers its report. Yields the function that waits for the check, and keeps
    what it read for the next build."""
    if pdf is None:
        yield lambda: None
        return
    # The page keys name fonts by name: the font files they are set in key the whole table.
    font_files = sorted({(name, font["file"]) for piece in layout.pieces for name, font in piece["fonts"].items()})
    key = content_key("page facts", pdf.name, font_files)
    known = cache.get_json("page-facts", key)
    known = known if isinstance(known, dict) else {}

    def kept(report: Report) -> Report:
        cache.put_json("page-facts", key, report.page_facts)
        return report

    keys = pdf_page_keys(pdf)
    unread = unread_pages(keys, known) if jobs > 1 else []
    if len(unread) < _READ_HERE:
        yield lambda: kept(check_pdf(pdf, known, keys))
        return
    # Many pages to read (a first build): PDFium reads them in processes of their own while the report
    # is gathered, and the check, with every page's facts known, runs here. The readers hold PDFium alone:
    # at that moment the build's own process holds the whole book, and it grows with the book: on a
    # 5,000-page blog a second reader (or one that also held the check) took the peak past 1 GiB, so a
    # second reads only beside a shorter book.
    readers = min(jobs, 2) if len(keys) <= BESIDE_UP_TO else 1
    with ProcessPoolExecutor(readers, mp_context=fork_server()) as pool:
        shares = [pool.submit(read_page_facts, pdf, unread[share::readers]) for share in range(readers)]
        yield lambda: kept(check_pdf(pdf, {**known, **{key: fact for share in shares
                                                        for key, fact in share.result().items()}}, keys))


def build_report(book: Book, theme: Theme, layout: BookLayout, pdf: Path | None, checked: Report | None,
                 warnings: list[tuple[str, str]]) -> BuildReport:
    """Gather the report from the book, its layout, the PDF and its preflight (if one was written) and
    the warnings."""
    chapters = tuple(_chapter_rows(book, layout))
    pictures = fonts = preflight = None
    if pdf is not None and checked is not None:  # the check's fonts and pictures are the report's too
        pictures = tuple(_picture_rows(book, layout, pdf, checked.images))
        fonts = tuple(sorted(checked.fonts.items()))
        preflight = Preflight(tuple(checked.ok), tuple(checked.problems))
    kinds = tuple(WarningKind(kind_of(group[0][1]), tuple(group)) for group in grouped(warnings))
    return BuildReport(book, layout.pages, chapters, pictures,
                       fonts if fonts is not None else tuple((family, True) for family in theme.families),
                       kinds, len(warnings), preflight)


def write_report(report: BuildReport, target: Path) -> None:
    target.write_text(render("report.html.j2", report=report), encoding="utf-8")


def words_in(xhtml: str) -> int:
    """The words a reader reads in a chapter's XHTML: its text, less the markup."""
    if not xhtml.strip():
        return 0
    return len(WORD.findall(lxml.html.fromstring(xhtml).text_content()))


def _pages_of_pieces(layout: BookLayout) -> dict[str, list[int]]:
    """Each laid-out piece's pages in the book (indexes from 0), by the piece's name (its section id)."""
    found: dict[str, list[int]] = {}
    for index, place in enumerate(layout.placed):
        if place.piece is not None:
            found.setdefault(layout.pieces[place.piece]["name"], []).append(index)
    return found


def _folio(layout: BookLayout, index: int) -> str:
    place = layout.placed[index]
    return str(layout.pieces[place.piece]["start"] + place.page)


def _chapter_rows(book: Book, layout: BookLayout):
    """The parts' pages and the chapters, in reading order, each with its pages as the layout placed them."""
    pages = _pages_of_pieces(layout)
    for part, essays in book.contents():
        if part is not None:
            yield _row(layout, pages.get(part.slug), part.title, "part", _within(book, part.source),
                       words_in(part.opening))
        for essay in essays:
            yield _row(layout, pages.get(essay.slug), essay.title, "chapter", _within(book, essay.source),
                       words_in(essay.xhtml))


def _within(book: Book, source: Path | None) -> str:
    """A file of the book as a path from the book's folder (the report may be read on another machine)."""
    if source is None:
        return ""
    try:
        return source.resolve().relative_to(book.root.resolve()).as_posix()
    except ValueError:
        return source.name


def _row(layout: BookLayout, pages: list[int] | None, title: str, kind: str, shown: str, words: int) -> ChapterRow:
    if not pages:
        return ChapterRow(title, kind, shown, words, None, None, None, None)
    return ChapterRow(title, kind, shown, words, pages[0] + 1, pages[-1] + 1,
                      _folio(layout, pages[0]), _folio(layout, pages[-1]))


def _picture_rows(book: Book, layout: BookLayout, pdf: Path, images: list[PrintedImage]):
    """Every picture the PDF prints, with the book's file of the same pixels and the chapter it is in."""
    by_size: dict[tuple[int, int], str] = {}
    for image in book.images:
        try:
            with Picture.open(image.source) as opened:
                by_size.setdefault(opened.size, image.name)
        except (OSError, ValueError):  # an SVG, or a file Pillow cannot read: no pixels to match
            continue
    titles = {essay.slug: essay.title for essay in book.essays} | {part.slug: part.title for part in book.parts}
    labels = {}
    with PDFIUM:
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            for index in {image.page for image in images}:
                labels[index] = document.get_page_label(index) or str(index + 1)
        finally:
            document.close()
    for image in images:
        place = layout.placed[image.page] if image.page < len(layout.placed) else None
        piece = layout.pieces[place.piece]["name"] if place is not None and place.piece is not None else ""
        yield PictureRow(by_size.get((image.width_px, image.height_px), "a picture"),
                         titles.get(piece, {"front": "front matter", "back": "back matter"}.get(piece, "")),
                         image.page + 1, labels[image.page], image)
