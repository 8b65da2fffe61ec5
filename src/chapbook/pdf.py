"""Book → print PDF, with WeasyPrint; only the book's own files can be read while it lays out pages."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import weasyprint
from weasyprint.text.ffi import ffi, fontconfig, pangoft2
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .errors import warn
from .fallbacks import with_fallbacks, within_lines
from .formulas import formulas_as_svg, math_scale
from .glyphs import replace_unprintable, report_fallbacks
from .model import Book
from .pagemap import number_for_print
from .pictures import data_picture, print_bytes
from .printnotes import links_as_notes, notes_at_page_foot
from .render import front_matter_context, render
from .themes import Theme, fallback_faces

# Images are named relative to the book ("images/lamp.jpg"); this base makes them absolute
# without pointing at any real folder, so only the fetcher decides what they are.
VIRTUAL_BASE = "file:///chapbook-book/"
OUTPUT_PROFILE_URL = VIRTUAL_BASE + "output-profile.icc"


# WeasyPrint declares only the fontconfig calls it makes itself; these two build a configuration anew.
ffi.cdef("FcConfig * FcInitLoadConfig (void); FcBool FcConfigBuildFonts (FcConfig *config);")


class BookFonts(FontConfiguration):
    """WeasyPrint's fonts without the machine's colour fonts.

    The text engine sets an emoji in a colour emoji font when the machine has one, whatever the
    stylesheet asks: the page would get a bitmap picture, on this machine and not the next. Without
    them, an emoji prints in the monochrome Noto Emoji that stands behind every theme."""

    NO_COLOUR = (b'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
                 b'<selectfont><rejectfont><pattern><patelt name="color"><bool>true</bool></patelt></pattern>'
                 b"</rejectfont></selectfont></fontconfig>")

    def __init__(self) -> None:
        super().__init__()
        # A font is rejected as the configuration gathers the fonts: so the machine's configuration
        # again, with the rule read before the fonts.
        config = fontconfig.FcInitLoadConfig()
        fontconfig.FcConfigParseAndLoadFromMemory(config, self.NO_COLOUR, True)
        fontconfig.FcConfigBuildFonts(config)
        pangoft2.pango_fc_font_map_set_config(ffi.cast("PangoFcFontMap *", self.font_map), config)
        fontconfig.FcConfigDestroy(config)  # the font map keeps its own reference, as WeasyPrint's does
        self._config = config


class BookFetcher(URLFetcher):
    """Serve the book's images (and pictures written into its drawings), the theme's files and the font
    files; refuse everything else."""

    def __init__(self, book: Book, theme: Theme):
        super().__init__(allowed_protocols={"file"})
        self.images = {VIRTUAL_BASE + image.name: image for image in book.images}
        own = (theme.book_css_folder,) if theme.book_css_folder else ()
        self.folders = (theme.folder.resolve(), *theme.font_folders, *own)
        self.fallbacks = {face.path.resolve() for face in fallback_faces()}
        self.line_extent = theme.line_extent
        # PDF/X-4: the printer's profile, and pictures separated into its inks.
        self.profile = book.root / book.config.output_profile if book.config.output_profile else None

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url in self.images:
            return URLFetcherResponse(url, body=print_bytes(self.images[url], self.profile))
        if url == OUTPUT_PROFILE_URL and self.profile is not None:
            return URLFetcherResponse(url, body=self.profile.read_bytes())
        inside = data_picture(url)
        if inside is not None:  # a picture written into an SVG drawing: nothing to fetch
            return URLFetcherResponse(url, body=inside[1], headers={"Content-Type": inside[0]})
        path = self._allowed_file(url)
        if path is None:
            warn("pdf", None, f"refused to load {url}: a book may only use files inside it")
            raise ValueError(f"not a file of this book: {url}")
        if path in self.fallbacks and self.line_extent:
            return URLFetcherResponse(url, body=within_lines(path, *self.line_extent))
        return URLFetcherResponse(url, body=path.read_bytes())

    def _allowed_file(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc:
            return None
        path = Path(unquote(parts.path)).resolve()
        inside = any(path.is_relative_to(folder) for folder in self.folders)
        return path if inside and path.is_file() else None


# Amazon KDP's minimum inside margin by page count (up to that many pages → inches).
KDP_GUTTER = ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875))
# What a reader's thumbs and the binding's curve take beyond the printer's minimum.
GUTTER_COMFORT = 0.25


def gutter_for(pages: int) -> float:
    """The inside margin in inches for a book of this many pages."""
    minimum = next((inches for limit, inches in KDP_GUTTER if pages <= limit), KDP_GUTTER[-1][1])
    return minimum + GUTTER_COMFORT


def page_css(book: Book, gutter: float = gutter_for(0)) -> str:
    width, height = book.config.trim_inches
    bleed = f" bleed: {book.config.bleed};" if book.config.bleed else ""
    marks = " marks: crop;" if book.config.crop_marks else ""
    # A picture meant to bleed covers the whole page and runs on into the bleed, to be trimmed.
    edge = book.config.bleed_inches
    return (f"@page {{ size: {width:.4f}in {height:.4f}in;{bleed}{marks} }}\n"
            f"@page :right {{ margin-left: {gutter}in; }}\n@page :left {{ margin-right: {gutter}in; }}\n"
            f".bleed-page > img.bleed {{ width: {width + 2 * edge:.4f}in; height: {height + 2 * edge:.4f}in; "
            f"margin: -{edge:.4f}in 0 0 -{edge:.4f}in; }}")


def press_css(book: Book) -> str:
    """For PDF/X-4: the printer's profile as the CMYK the book is printed in, and the type and rules in
    black ink alone (K), as a press wants text; sRGB would be DeviceRGB, which PDF/X-4 does not allow."""
    if book.config.pdf_variant != "pdf/x-4":
        return ""
    black, grey = "device-cmyk(0 0 0 1)", "device-cmyk(0 0 0 0.6)"
    return (f'@color-profile device-cmyk {{ src: url("{OUTPUT_PROFILE_URL}"); components: cyan, magenta, yellow, black; }}\n'
            f"html, body, a, h1, h2, h3, h4, h5, h6, p, li, blockquote, cite, code, pre, td, th {{ color: {black}; }}\n"
            f"hr, table, td, th, .missing-image {{ border-color: {grey}; }}\n"
            f"@page {{ @top-left {{ color: {black}; }} @top-right {{ color: {black}; }} @bottom-center {{ color: {black}; }} }}\n"
            f"@page {{ @footnote {{ border-top-color: {grey}; border-image-source: none; }} }}\n")


def html_for_print(book: Book, theme: Theme) -> str:
    """The book as one HTML document, keyed for the page list, with notes where paper wants them."""
    root = lxml.html.document_fromstring(render("book.html.j2", **front_matter_context(book, theme)))
    number_for_print(root)  # first: the keys must follow the markup the EPUB has
    formulas_as_svg(root, math_scale(theme.x_height))
    notes_at_page_foot(root)
    if book.config.print_links != "none":
        links_as_notes(root, at_chapter_end=book.config.print_links == "chapter-end")
    replace_unprintable(root, book, theme)  # last: the notes and link addresses above are text to print too
    return lxml.html.tostring(root, doctype="<!DOCTYPE html>", encoding="unicode")


def lay_out(book: Book, theme: Theme) -> weasyprint.Document:
    """Set the book in pages (the PDF's layout, which the EPUB's page list is taken from too).

    The gutter depends on the page count, which depends on the gutter: lay out, and again with
    the wider gutter when the count crossed a step of the table (at most twice more)."""
    html = html_for_print(book, theme)
    gutter = gutter_for(0)
    with weasyprint_warnings():  # once around every pass, so a warning is not repeated per pass
        for attempt in range(3):
            document = _render(book, theme, html, gutter)
            if attempt == 0:  # every pass sets the same text in the same faces
                report_fallbacks(document, book, theme)
            wanted = gutter_for(len(document.pages))
            if wanted <= gutter:
                break
            gutter = wanted
    _pad_with_blank_pages(document, book)
    document.metadata.title = book.config.title
    document.metadata.authors = [book.config.author] if book.config.author else []
    document.metadata.lang = book.config.language
    document.metadata.created = document.metadata.modified = book.modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    return document


def _render(book: Book, theme: Theme, html: str, gutter: float) -> weasyprint.Document:
    fonts = BookFonts()
    profiles: dict = {}  # the @color-profile rules the stylesheets declare (PDF/X-4's press), for the render
    fetcher = BookFetcher(book, theme)
    css = "\n".join([theme.font_face_css(), with_fallbacks(theme.shared_css + "\n" + theme.print_css),
                     page_css(book, gutter), press_css(book)])
    stylesheets = [weasyprint.CSS(string=css, font_config=fonts, url_fetcher=fetcher, color_profiles=profiles,
                                  base_url=theme.folder.as_uri() + "/")]
    if theme.book_css:
        stylesheets.append(weasyprint.CSS(string=with_fallbacks(theme.book_css), font_config=fonts, url_fetcher=fetcher,
                                          color_profiles=profiles, base_url=theme.book_css_folder.as_uri() + "/"))
    return weasyprint.HTML(string=html, base_url=VIRTUAL_BASE, url_fetcher=fetcher).render(
        stylesheets=stylesheets, font_config=fonts, color_profiles=profiles)


def _pad_with_blank_pages(document: weasyprint.Document, book: Book) -> None:
    """A printed book has an even number of pages (or whole signatures): add truly blank ones at the end."""
    missing = -len(document.pages) % book.config.page_count_multiple
    if missing:
        # A break before the first block of a document makes no page; each later one does.
        blanks = "<div style='break-before: page; height: 1pt'></div>" * missing
        padding = weasyprint.HTML(string=f"<html><body>{blanks}</body></html>").render(
            stylesheets=[weasyprint.CSS(string=page_css(book))])
        document.pages.extend(padding.pages)


def write_pdf(document: weasyprint.Document, book: Book, target: Path) -> int:
    """Write the laid-out book as a PDF; return its page count."""
    with weasyprint_warnings(), source_date(book):
        document.write_pdf(target, uncompressed_pdf=False, pdf_variant=book.config.pdf_variant or None)
    return len(document.pages)


# Notices about WeasyPrint's own set-up, not about the book: the fontTools subsetter it falls back to is fine.
_NOT_FOR_WRITERS = ("Using fontTools instead of HarfBuzz-Subset",)


class _Forward(logging.Handler):
    def __init__(self, level: int):
        super().__init__(level)
        self.seen: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(_NOT_FOR_WRITERS) and message not in self.seen:
            self.seen.add(message)
            warn("pdf", None, message)


@contextmanager
def source_date(book: Book) -> Iterator[None]:
    """fontTools stamps each font subset with the time unless SOURCE_DATE_EPOCH says otherwise:
    give it the book's own date, so the same sources always make the same PDF."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(book.modified.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


@contextmanager
def weasyprint_warnings() -> Iterator[None]:
    """Pass WeasyPrint's warnings on through chapbook's channel instead of letting them vanish."""
    logger, handler = logging.getLogger("weasyprint"), _Forward(logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
