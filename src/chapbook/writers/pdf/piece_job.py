"""One piece of the book (the front matter, a part's page, a chapter, the back matter) laid out on its
own, in a worker process or in the build's own: WeasyPrint sets its pages and writes them as a PDF,
and the job reports what the book needs from them (how many pages, where each anchor fell, each
page's first line for the EPUB's page list, the bookmarks, the fonts and glyphs used, the warnings).

A piece's folios continue the pages before it. Its page count does not depend on them (every piece
opens on a right-hand page), so it is laid out first and numbered after: the folios are drawn in the
page margins, which WeasyPrint lays out last; before it does, the job reports its page count and
learns where it starts from the pieces before it (see `_late_folios`).
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pydyf
import weasyprint
import weasyprint.layout
import weasyprint.layout.inline
import weasyprint.layout.page
import weasyprint.pdf
from weasyprint.css import ColorProfile
from weasyprint.formatting_structure.boxes import MarginBox
from weasyprint.layout.leader import leader_index
from weasyprint.text.line_break import split_first_line

from ...cache import BuildCache
from ...errors import WarningLog, log
from .glyphs import fallback_findings
from ...model import Book
from ..pagemap import first_lines
from ...themes import Theme, remember_coverage
from .fetcher import VIRTUAL_BASE, BookFetcher, BookFonts, source_date, weasyprint_warnings

# A link to an anchor in another piece: WeasyPrint drops links to anchors it cannot see, so the job
# makes it an address of this scheme, and the join makes it a link to the named place again.
ELSEWHERE = "chapbook-anchor:"
# The Font attributes that go into the join (the rest, HarfBuzz objects, are made again there).
_FONT_HANDLES = ("hb_font", "hb_face", "file_content")


@dataclass(frozen=True)
class PieceJob:
    """What a worker needs to lay out one piece; the book and theme it inherits from the build."""

    index: int  # the piece's place in the book
    name: str
    html: str
    stylesheets: tuple[tuple[str, str], ...]  # (CSS, base URL), in cascade order
    key: str  # the cache key of its layout, without the folios
    start: int | None  # its first folio; None: work it out from the page counts of the pieces before


@dataclass
class WorkerState:
    """What every job reads, given to each worker as it starts: the book (without the chapters' text,
    which the jobs carry), the theme, the cache, and the page counts of the pieces, shared by all."""

    book: Book
    theme: Theme
    cache: BuildCache
    pdf_variant: str | None
    counts: Sequence[int]  # each piece's page count: -1 not yet known, FAILED if its layout failed
    coverage: dict  # the fonts' character maps, read once by the build (themes.known_coverage)


FAILED = -2
STATE: WorkerState | None = None


def start_worker(state: WorkerState) -> None:
    global STATE
    STATE = state
    remember_coverage(state.coverage)


def folio_of(index: int, pages: int) -> int:
    """A body piece's first folio, once every body piece before it has its page count (piece 0 is the
    front matter, numbered on its own); the pieces are handed out in order, so the wait is short."""
    counts = STATE.counts
    counts[index] = pages
    while True:
        before = [counts[number] for number in range(1, index)]
        if FAILED in before:
            raise RuntimeError("an earlier piece of the book failed to lay out")
        if all(count >= 0 for count in before):
            return 1 + sum(count + count % 2 for count in before)
        time.sleep(0.005)
# Font files this process has found whole in a cache, or stored there: (cache folder, digest), as one
# process may build several books (serve, -j 1) each with its own cache.
_FONT_FILES_STORED: set[tuple[str, str]] = set()


def lay_out_piece(job: PieceJob) -> dict:
    """Lay the piece out, store its PDF in the cache, and return what the book needs to know of it."""
    state = STATE
    started = time.perf_counter()
    capture = WarningLog()
    handlers, log.handlers = log.handlers, [capture]
    try:
        with weasyprint_warnings():
            styles = _styles_for(job, state)
            capture.warnings.extend(styles.warnings)
            fetcher, fonts, profiles, stylesheets = styles.fetcher, styles.fonts, styles.fresh_profiles(), styles.sheets
            folios = _FolioPlan(job)
            with _late_folios(folios), _leaders_in_one_run(), _empty_margin_boxes_unsized():
                document = weasyprint.HTML(string=job.html, base_url=VIRTUAL_BASE, url_fetcher=fetcher).render(
                    stylesheets=stylesheets, font_config=fonts, color_profiles=profiles)
            fallbacks = fallback_findings(document, state.book, state.theme)
            anchors = _anchors(document)
            _point_elsewhere(document, anchors)
            _set_metadata(document, state.book)
            with source_date(state.book.modified), _fonts_recorded() as used_fonts:
                pdf = document.write_pdf(uncompressed_pdf=False, pdf_variant=state.pdf_variant or None)
    finally:
        log.handlers = handlers
    font_files = {}
    for name, (content, attributes) in used_fonts.items():
        digest = hashlib.sha256(content).hexdigest()
        stored = (str(state.cache.folder), digest)
        if stored not in _FONT_FILES_STORED and state.cache.load("font-file", digest) is None:
            state.cache.put("font-file", digest, content)
        _FONT_FILES_STORED.add(stored)
        font_files[name] = {"file": digest, **attributes}
    result = {
        "name": job.name, "key": job.key, "job": job_key(job.key, folios.start), "start": folios.start, "pages": len(document.pages),
        "sizes": [[page.width, page.height] for page in document.pages],
        "anchors": anchors,
        "first_lines": first_lines(document),
        "bookmarks": [[list(mark[:2]) + list(mark[2]) + [mark[3]] for mark in page.bookmarks] for page in document.pages],
        "fonts": font_files,
        "warnings": capture.warnings,
        "fallbacks": fallbacks,
        "pdf": hashlib.sha256(pdf).hexdigest(),
        "seconds": round(time.perf_counter() - started, 3),
    }
    state.cache.put("piece-pdf", job_key(job.key, folios.start), pdf)
    state.cache.put_json("piece", job_key(job.key, folios.start), result)
    state.cache.put_json("piece-pages", job.key, len(document.pages))
    return result


@dataclass
class _Styles:
    """The stylesheets parsed, their fonts loaded: the same for every piece of a book (parsing them and
    loading the fallback fonts' faces cost a third of a chapter's layout), so once a worker."""

    key: tuple
    fetcher: BookFetcher
    fonts: BookFonts
    profiles: dict[str, tuple]  # each colour profile the stylesheets name: its bytes as read, and its use
    sheets: list
    warnings: list  # what parsing them said: every piece reports it, as if it had parsed them itself

    def fresh_profiles(self) -> dict[str, ColorProfile]:
        """The colour profiles made again for one piece: Little CMS changes a profile it has converted
        colours with (its bytes grow), and the next piece would embed the changed one."""
        return {name: ColorProfile(io.BytesIO(content), *use) for name, (content, *use) in self.profiles.items()}


_STYLES: _Styles | None = None


def _styles_for(job: PieceJob, state: WorkerState) -> _Styles:
    global _STYLES
    # The state itself, not its id: a later build in this process (serve, -j 1) may get a freed id.
    key = (state, job.stylesheets)
    if _STYLES is None or _STYLES.key[0] is not state or _STYLES.key[1] != job.stylesheets:
        capture = WarningLog()
        handlers, log.handlers = log.handlers, [capture]
        try:
            fetcher, fonts, profiles = BookFetcher(state.book, state.theme, state.cache), BookFonts(), {}
            sheets = [weasyprint.CSS(string=css, font_config=fonts, url_fetcher=fetcher, color_profiles=profiles,
                                     base_url=base) for css, base in job.stylesheets]
        finally:
            log.handlers = handlers
        as_read = {name: (profile.content, profile.src, profile.rendering_intent, profile.components)
                   for name, profile in profiles.items()}
        _STYLES = _Styles(key, fetcher, fonts, as_read, sheets, capture.warnings)
    return _STYLES


def job_key(content_key: str, start: int) -> str:
    """A laid-out piece is its content and its folios."""
    return hashlib.sha256(f"{content_key} {start}".encode()).hexdigest()


class _FolioPlan:
    def __init__(self, job: PieceJob):
        self.job = job
        self.start = job.start

    def offset(self, pages: int) -> int:
        if self.start is None:
            self.start = folio_of(self.job.index, pages)
        return self.start - 1


class _late_folios:
    """While a piece is laid out: before its margins are drawn, shift its page counter to its folios."""

    original = staticmethod(weasyprint.layout.make_margin_boxes)

    def __init__(self, plan: _FolioPlan):
        self.plan = plan

    def __enter__(self) -> None:
        plan, original = self.plan, self.original
        shifted: set[int] = set()

        def make_margin_boxes(context, page, state):
            # Called once a page, after every page of the piece is set: their number is known.
            offset = plan.offset(len(context.page_maker) - 1)
            counters = state[1]
            if offset and id(counters) not in shifted and counters.get("page"):
                shifted.add(id(counters))
                counters["page"] = [*counters["page"][:-1], counters["page"][-1] + offset]
            return original(context, page, state)

        weasyprint.layout.make_margin_boxes = make_margin_boxes

    def __exit__(self, *exc: object) -> None:
        weasyprint.layout.make_margin_boxes = self.original


class _leaders_in_one_run:
    """While a piece is laid out: a leader's dots as one run of text. WeasyPrint sets a leader as a text
    box a dot (". "), each drawn on its own; the contents of a 560-essay book had 17,000 of them, and
    drawing them was half the time of its front matter. One run of the same dots, from the same place,
    prints the same line."""

    original = staticmethod(weasyprint.layout.inline.handle_leader)

    def __enter__(self) -> None:
        original = self.original

        def handle_leader(context, line, containing_block):
            original(context, line, containing_block)
            _, leader = leader_index(line)
            if leader is None or len(leader.children) < 2:
                return
            dots = leader.children  # from the right: the last is where the run begins
            layout, _, _, width, _, _ = split_first_line(dots[-1].text * len(dots), dots[-1].style, context,
                                                         None, 0)
            run = dots[-1].copy_with_text(layout.text)
            run.pango_layout, run.width = layout, width
            leader.children = (run,)

        weasyprint.layout.inline.handle_leader = handle_leader

    def __exit__(self, *exc: object) -> None:
        weasyprint.layout.inline.handle_leader = self.original


class _empty_margin_boxes_unsized:
    """While a piece is laid out: a margin box with no content is not sized from its style. WeasyPrint
    makes all sixteen of a page's margin boxes, resolves the percentages of each, then sets an empty
    one's size, margins, padding and borders to zero, all that is read of it after; resolving them was
    a twentieth of a chapter's layout (a page has two boxes with content: the running head and the
    folio). The pages are the same bytes."""

    original = staticmethod(weasyprint.layout.page.resolve_percentages)

    def __enter__(self) -> None:
        original = self.original

        def resolve_percentages(box, containing_block):
            if type(box) is MarginBox and not box.is_generated:
                return
            original(box, containing_block)

        weasyprint.layout.page.resolve_percentages = resolve_percentages

    def __exit__(self, *exc: object) -> None:
        weasyprint.layout.page.resolve_percentages = self.original


class _fonts_recorded:
    """Record each font WeasyPrint would embed (its whole file, and the glyphs and widths this piece
    used) instead of embedding it: the join embeds each font once, with the glyphs of every piece, in
    place of the piece's stand-in. Subsetting every font for every piece (and making a variable font
    static) cost more than laying most chapters out."""

    original = staticmethod(weasyprint.pdf.build_fonts_dictionary)

    def __enter__(self) -> dict[str, tuple[bytes, dict]]:
        recorded: dict[str, tuple[bytes, dict]] = {}

        def build_fonts_dictionary(pdf, fonts, compress, subset, options):
            for font in fonts.values():
                attributes = {name: value for name, value in vars(font).items() if name not in _FONT_HANDLES}
                attributes["name"] = font.name.decode()
                for table in ("widths", "to_unicode", "missing"):
                    attributes[table] = {str(key): value for key, value in attributes[table].items()}
                previous = recorded.get(font.hash)
                if previous:  # two fonts of one face (WeasyPrint makes them): one record of both
                    for table in ("widths", "to_unicode", "missing"):
                        attributes[table] = {**previous[1][table], **attributes[table]}
                recorded[font.hash] = (font.file_content, attributes)
            return _stand_in_fonts(pdf, fonts)

        weasyprint.pdf.build_fonts_dictionary = build_fonts_dictionary
        return recorded

    def __exit__(self, *exc: object) -> None:
        weasyprint.pdf.build_fonts_dictionary = self.original


def _stand_in_fonts(pdf: pydyf.PDF, fonts: dict) -> pydyf.Dictionary:
    """The piece's font resources: one bare font dictionary a face, replaced by the join."""
    stand_ins = pydyf.Dictionary()
    for font in fonts.values():
        if font.hash not in stand_ins:
            stand_in = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type0", "BaseFont": font.name})
            pdf.add_object(stand_in)
            stand_ins[font.hash] = stand_in.reference
    return stand_ins


def _anchors(document: weasyprint.Document) -> dict[str, int]:
    """Each anchor of the piece and the page (from 0) it is on; the first, where a name repeats."""
    found: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            found.setdefault(name, number)
    return found


def _point_elsewhere(document: weasyprint.Document, anchors: dict[str, int]) -> None:
    for page in document.pages:
        page.links = [(("external", ELSEWHERE + target, *rest) if kind == "internal" and target not in anchors
                       else (kind, target, *rest)) for kind, target, *rest in page.links]


def _set_metadata(document: weasyprint.Document, book: Book) -> None:
    document.metadata.title = book.config.title
    document.metadata.authors = [book.config.author] if book.config.author else []
    document.metadata.lang = book.config.language
    document.metadata.created = document.metadata.modified = book.modified.strftime("%Y-%m-%dT%H:%M:%SZ")

