"""What WeasyPrint may read while it sets a book: the book's own pictures, the theme's files and the fonts;
and its fonts without the machine's colour fonts."""

from __future__ import annotations

import logging
import os
import shutil
from multiprocessing.util import Finalize
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.text.ffi import ffi, fontconfig, pangoft2
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ...cache import BuildCache
from ...errors import shortened, warn
from ...media.fallbacks import within_lines
from ...model import Book
from ...media.pictures import data_picture, print_bytes
from ...themes import Theme, fallback_faces

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

    def add_font_face(self, rule_descriptors, url_fetcher):
        had_folder = self._folder is not None
        font_path = super().add_font_face(rule_descriptors, url_fetcher)
        if not had_folder and self._folder is not None:
            # WeasyPrint removes the folder of @font-face files in __del__, which a layout worker never
            # reaches: it ends with os._exit. multiprocessing runs its finalizers just before that
            # (and at a normal exit), so the folder goes when the fonts do or when the process ends.
            Finalize(self, shutil.rmtree, args=(self._folder,), kwargs={"ignore_errors": True}, exitpriority=0)
        return font_path


class BookFetcher(URLFetcher):
    """Serve the book's images (and pictures written into its drawings), the theme's files and the font
    files; refuse everything else."""

    def __init__(self, book: Book, theme: Theme, cache: BuildCache | None = None):
        super().__init__(allowed_protocols={"file"})
        self.cache = cache
        self.images = {VIRTUAL_BASE + image.name: image for image in book.images}
        own = (theme.book_css_folder,) if theme.book_css_folder else ()
        self.folders = (theme.folder.resolve(), *theme.font_folders, *own)
        self.fallbacks = {face.path.resolve() for face in fallback_faces()}
        self.line_extent = theme.line_extent
        # PDF/X-4: the printer's profile, and pictures separated into its inks.
        self.profile = book.root / book.config.output_profile if book.config.output_profile else None

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url in self.images:
            return URLFetcherResponse(url, body=print_bytes(self.images[url], self.profile, self.cache))
        if url == OUTPUT_PROFILE_URL and self.profile is not None:
            return URLFetcherResponse(url, body=self.profile.read_bytes())
        inside = data_picture(url)
        if inside is not None:  # a picture written into an SVG drawing: nothing to fetch
            return URLFetcherResponse(url, body=inside[1], headers={"Content-Type": inside[0]})
        path = self._allowed_file(url)
        if path is None:
            warn("pdf", None, f"refused to load {shortened(url)}: a book may only use files inside it")
            raise ValueError(f"not a file of this book: {shortened(url)}")
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
def source_date(modified: datetime) -> Iterator[None]:
    """fontTools stamps each font subset with the time unless SOURCE_DATE_EPOCH says otherwise:
    give it the book's own date (`book.modified`), so the same sources always make the same PDF."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(modified.timestamp()))
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
