"""Book → print PDF, with WeasyPrint; only the book's own files can be read while it lays out pages."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .errors import warn
from .model import Book
from .render import render
from .themes import Theme

# Images are named relative to the book ("images/lamp.jpg"); this base makes them absolute
# without pointing at any real folder, so only the fetcher decides what they are.
VIRTUAL_BASE = "file:///chapbook-book/"


class BookFetcher(URLFetcher):
    """Serve the book's images, the theme's files and the font files; refuse everything else."""

    def __init__(self, book: Book, theme: Theme):
        super().__init__(allowed_protocols={"file"})
        self.images = {VIRTUAL_BASE + image.name: image.source for image in book.images}
        self.folders = (theme.folder.resolve(), *theme.font_folders)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = self.images.get(url) or self._allowed_file(url)
        if path is None:
            warn("pdf", None, f"refused to load {url}: a book may only use files inside it")
            raise ValueError(f"not a file of this book: {url}")
        return URLFetcherResponse(url, body=path.read_bytes())

    def _allowed_file(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc:
            return None
        path = Path(unquote(parts.path)).resolve()
        inside = any(path.is_relative_to(folder) for folder in self.folders)
        return path if inside and path.is_file() else None


def page_css(book: Book) -> str:
    width, height = book.config.trim_inches
    return f"@page {{ size: {width:.4f}in {height:.4f}in; }}"


def write_pdf(book: Book, theme: Theme, target: Path) -> int:
    """Lay out and write the PDF; return its page count."""
    html = render("book.html.j2", book=book, config=book.config)
    fonts = FontConfiguration()
    fetcher = BookFetcher(book, theme)
    css = "\n".join([theme.font_face_css(), theme.shared_css, theme.print_css, page_css(book)])
    stylesheet = weasyprint.CSS(string=css, font_config=fonts, url_fetcher=fetcher, base_url=theme.folder.as_uri() + "/")
    with _weasyprint_warnings():
        document = weasyprint.HTML(string=html, base_url=VIRTUAL_BASE, url_fetcher=fetcher).render(
            stylesheets=[stylesheet], font_config=fonts
        )
        document.metadata.title = book.config.title
        document.metadata.authors = [book.config.author] if book.config.author else []
        document.metadata.lang = book.config.language
        document.write_pdf(target, uncompressed_pdf=False)
    return len(document.pages)


class _Forward(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        warn("pdf", None, record.getMessage())


@contextmanager
def _weasyprint_warnings() -> Iterator[None]:
    """Pass WeasyPrint's warnings on through chapbook's channel instead of letting them vanish."""
    logger, handler = logging.getLogger("weasyprint"), _Forward(logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
