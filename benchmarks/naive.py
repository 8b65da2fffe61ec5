#!/usr/bin/env python3
"""Render a book the naive way, as the yardstick the benchmarks measure chapbook against.

    python benchmarks/naive.py SOURCE OUT.pdf

The essays are read with chapbook's own reader, so both renders set the same text; then every essay's
XHTML, under its title, goes into ONE HTML document with the theme's stylesheets, and ONE WeasyPrint
render writes the PDF. Nothing else: no EPUB, no contents page, no notes moved to the page foot, no
second pass for the gutter, no colour-font filter, no print conversion of pictures (they are served
as the files they are; formulas stay as the reader wrote them). Prints the page count on stdout.
"""

from __future__ import annotations

import html
import logging
import sys
from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from chapbook.assemble import read_book
from chapbook.config import CONFIG_NAME
from chapbook.themes import load_theme

# The essays name their pictures relative to the book ("images/lamp.jpg"); under this made-up base the
# fetcher below can tell them apart from the theme's font files.
BOOK_BASE = "file:///naive-book/"


class PictureFetcher(URLFetcher):
    """The book's pictures by their names in the book; anything else (the fonts) as WeasyPrint fetches it."""

    def __init__(self, pictures: dict[str, Path]):
        super().__init__()
        self.pictures = pictures

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url in self.pictures:
            return URLFetcherResponse(url, body=self.pictures[url].read_bytes())
        return super().fetch(url, headers)


def naive_html(source: Path) -> tuple[str, str, dict[str, Path], Path]:
    """The whole book as one HTML document, its stylesheet, its pictures by URL and the theme's folder."""
    book = read_book(source)
    theme = load_theme(book.config.theme, book.root, book.root / CONFIG_NAME, book.config.stylesheet)
    width, height = book.config.trim_inches
    css = "\n".join((theme.font_face_css(), theme.shared_css, theme.print_css, theme.book_css,
                     f"@page {{ size: {width:.4f}in {height:.4f}in; }}"))
    chapters = "\n".join(
        f'<section class="chapter" id="{essay.slug}"><h1 class="chapter-title">{html.escape(essay.title)}</h1>\n'
        f"{essay.xhtml}\n</section>"
        for essay in book.essays
    )
    document = (f'<!DOCTYPE html>\n<html lang="{book.config.language}"><head><meta charset="utf-8"/>'
                f"<title>{html.escape(book.config.title)}</title></head>\n<body>\n{chapters}\n</body></html>")
    pictures = {BOOK_BASE + image.name: image.source for image in book.images}
    return document, css, pictures, theme.folder


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    # The reader's and WeasyPrint's warnings (missing alt text, unknown CSS) are not what is measured.
    for name in ("chapbook", "weasyprint"):
        logging.getLogger(name).addHandler(logging.NullHandler())
        logging.getLogger(name).propagate = False
    document, css, pictures, theme_folder = naive_html(source)
    fetcher = PictureFetcher(pictures)
    fonts = FontConfiguration()  # without one, WeasyPrint ignores the theme's @font-face rules
    stylesheet = weasyprint.CSS(string=css, base_url=theme_folder.as_uri() + "/", url_fetcher=fetcher, font_config=fonts)
    rendered = weasyprint.HTML(string=document, base_url=BOOK_BASE, url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=fonts)
    rendered.write_pdf(target)
    print(f"{len(rendered.pages)} pages")


if __name__ == "__main__":
    main()
