"""The print cover wrap: back, spine and front on one sheet, sized from the interior's page count."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import weasyprint
from PIL import Image as Picture
from weasyprint.urls import URLFetcherResponse

from ...config import CONFIG_NAME
from ...errors import warn
from ...markdown import render_title
from ...model import Book
from ...print_facts import (BARCODE_HEIGHT, BARCODE_INSET, BARCODE_WIDTH, COVER_BLEED_IN, PRINT_DPI, SPINE_PER_PAGE,
                            SPINE_TEXT_MARGIN, SPINE_TEXT_MIN_PAGES)
from ...themes import BUILTIN_STYLES, Theme
from ..pdf.fetcher import VIRTUAL_BASE, BookFetcher, BookFonts, source_date, weasyprint_warnings
from ..pdf.glyphs import printable
from ..render import render
from .front import cover_stylesheet

# The spine's type: never larger than this, nor smaller than a reader can make out on a shelf
# (a spine under about 0.24 in, some 107 pages on white paper, is left blank), and clear of the
# head and foot of the spine by this much.
SPINE_TEXT_MAX_PT = 16.0
SPINE_TEXT_MIN_PT = 6.0
# Centred on its line, a face's descenders reach about 0.65 em from the middle (EB Garamond and
# Literata, measured): 0.7 em leaves room.
SPINE_TEXT_HALF_DEPTH_EM = 0.7
SPINE_TEXT_END_MARGIN = 0.6
# The back's blurb: its margins from the trim and the fold, and where it starts below the head.
BLURB_SIDE, BLURB_TOP = 0.75, 1.25
WRAP_CSS = BUILTIN_STYLES / "base" / "wrap.css"
COVER_ART_URL = VIRTUAL_BASE + "cover-art"


@dataclass(frozen=True)
class Wrap:
    """The wrap's geometry in inches: trim of one cover panel, the spine, the bleed all round."""

    trim_width: float
    trim_height: float
    spine: float
    bleed: float
    pages: int

    @property
    def width(self) -> float:
        return 2 * self.trim_width + self.spine + 2 * self.bleed

    @property
    def height(self) -> float:
        return self.trim_height + 2 * self.bleed

    @property
    def spine_type_fits(self) -> float:
        """The largest type (pt) that fits across the spine inside KDP's margins from the folds."""
        return (self.spine / 2 - SPINE_TEXT_MARGIN) * 72 / SPINE_TEXT_HALF_DEPTH_EM

    @property
    def spine_text(self) -> bool:
        return self.pages >= SPINE_TEXT_MIN_PAGES and self.spine_type_fits >= SPINE_TEXT_MIN_PT


def wrap_for(book: Book, pages: int) -> Wrap:
    """The wrap of this book when its interior has this many pages."""
    width, height = book.config.trim_inches
    bleed = book.config.bleed_inches if book.config.bleed else COVER_BLEED_IN
    return Wrap(width, height, pages * SPINE_PER_PAGE[book.config.paper], bleed, pages)


def write_wrap(book: Book, theme: Theme, wrap: Wrap, target: Path) -> None:
    """Lay out the wrap on one page whose trim is the closed book's outline, and write it as a PDF."""
    fonts = BookFonts()
    fetcher = _WrapFetcher(book, theme)
    # The blurb is printed, so it gets the book's typography: curly quotes, dashes.
    blurb = [render_title(part, language=book.config.language)
             for part in book.config.description.split("\n\n") if part.strip()]
    spine_line = " · ".join(part for part in (book.config.title, book.config.author) if part)
    html = printable(render("cover-wrap.html.j2", config=book.config, blurb=blurb, spine_text=wrap.spine_text,
                            image=COVER_ART_URL if book.config.cover else ""), theme)
    stylesheet = cover_stylesheet(theme, fonts, fetcher, _geometry_css(wrap, len(spine_line)),
                                  structure=WRAP_CSS.read_text(encoding="utf-8"))
    with weasyprint_warnings():
        document = weasyprint.HTML(string=html, base_url=VIRTUAL_BASE, url_fetcher=fetcher).render(
            stylesheets=[stylesheet], font_config=fonts)
    document.metadata.title = f"{book.config.title}: cover"
    document.metadata.authors = [book.config.author] if book.config.author else []
    document.metadata.lang = book.config.language
    document.metadata.created = document.metadata.modified = book.modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    if book.config.cover:
        _warn_if_coarse(book, wrap)
    _warn_if_blurb_too_long(book, document)
    with weasyprint_warnings(), source_date(book.modified):
        document.write_pdf(target, uncompressed_pdf=False)


class _WrapFetcher(BookFetcher):
    """The book's fetcher, and the cover picture book.toml names."""

    def __init__(self, book: Book, theme: Theme):
        super().__init__(book, theme)
        self.art = book.root / book.config.cover if book.config.cover else None

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url == COVER_ART_URL and self.art is not None:
            return URLFetcherResponse(url, body=self.art.read_bytes())
        return super().fetch(url, headers)


def _warn_if_coarse(book: Book, wrap: Wrap) -> None:
    with Picture.open(book.root / book.config.cover) as picture:
        width, height = picture.size
    dpi = min(width / (wrap.trim_width + wrap.bleed), height / wrap.height)
    if dpi < PRINT_DPI:
        wanted = f"{round((wrap.trim_width + wrap.bleed) * PRINT_DPI)} x {round(wrap.height * PRINT_DPI)}"
        warn(book.root / CONFIG_NAME, None, f'cover "{book.config.cover}" fills the printed front at {dpi:.0f} dpi; '
             f"printers ask for {PRINT_DPI}: use a picture of at least {wanted} pixels")


def _warn_if_blurb_too_long(book: Book, document: weasyprint.Document) -> None:
    """A blurb that runs down into the barcode's area would be printed over: say so."""
    found: dict[str, object] = {}
    stack = [document.pages[0]._page_box]  # WeasyPrint's laid-out boxes: where the blurb ended up
    while stack:
        box = stack.pop()
        name = box.element.get("class") if getattr(box, "element", None) is not None else None
        if name in ("cover-blurb", "cover-barcode") and name not in found:
            found[name] = box
        stack.extend(getattr(box, "children", ()) or ())
    if len(found) == 2:
        blurb, barcode = found["cover-blurb"], found["cover-barcode"]
        gap = BARCODE_INSET * 96  # CSS pixels
        if blurb.position_y + blurb.margin_height() > barcode.position_y - gap:
            warn(book.root / CONFIG_NAME, None, "the description is too long for the back cover: it runs into the "
                 f"{BARCODE_WIDTH:g} x {BARCODE_HEIGHT:g} in the printer keeps for the barcode; shorten it")


def _geometry_css(wrap: Wrap, spine_chars: int) -> str:
    """Where each panel lies, measured from the wrap's outer (bleed) edge, and the spine's type size."""
    b, w, h, s = wrap.bleed, wrap.trim_width, wrap.trim_height, wrap.spine
    front = b + w + s
    rules = [
        f"@page {{ size: {2 * w + s:.4f}in {h:.4f}in; bleed: {b:.4f}in; margin: 0; }}",
        f".cover.cover-ground {{ left: {-b:.4f}in; top: {-b:.4f}in; width: {wrap.width:.4f}in; height: {wrap.height:.4f}in; }}",
        f".cover-back {{ left: {b:.4f}in; top: {b:.4f}in; width: {w:.4f}in; height: {h:.4f}in; }}",
        f".cover .cover-blurb {{ left: {BLURB_SIDE}in; top: {BLURB_TOP}in; width: {w - 2 * BLURB_SIDE:.4f}in; }}",
        f".cover-barcode {{ right: {BARCODE_INSET}in; bottom: {BARCODE_INSET}in; "
        f"width: {BARCODE_WIDTH}in; height: {BARCODE_HEIGHT}in; }}",
        f".cover-spine {{ left: {b + w:.4f}in; top: {b:.4f}in; width: {s:.4f}in; height: {h:.4f}in; }}",
        f".cover-front {{ left: {front:.4f}in; top: {b:.4f}in; width: {w:.4f}in; height: {h:.4f}in; }}",
        f".cover-front .cover {{ width: {w:.4f}in; height: {h:.4f}in; }}",
        # A picture runs on past the trim into the bleed, at the head, the foot and the fore-edge.
        f".cover-image {{ left: 0; top: {-b:.4f}in; width: {w + b:.4f}in; height: {wrap.height:.4f}in; }}",
    ]
    if wrap.spine_text:
        length = h - 2 * SPINE_TEXT_END_MARGIN
        # Across the spine as wide as fits; along it, a long title and name must fit too (a letter and
        # its spacing take about 0.6 em).
        size = min(SPINE_TEXT_MAX_PT, wrap.spine_type_fits, length * 72 / (0.6 * spine_chars))
        rules.append(f".cover .cover-spine-text {{ left: {(s - length) / 2:.4f}in; top: {(h - s) / 2:.4f}in; "
                     f"width: {length:.4f}in; height: {s:.4f}in; line-height: {s:.4f}in; font-size: {size:.2f}pt; }}")
    return "\n".join(rules)
