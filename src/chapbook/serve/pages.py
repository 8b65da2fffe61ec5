"""The built PDF as the preview shows it: each page keyed by everything its drawing depends on (its
content and resources), so an unchanged page keeps its address and is not drawn again; its text, where
its trim lies, and the chapters its outline starts.

The spreads are the proof's (spreads.py); pages are drawn here from the PDF's bytes, whole, without
the proof's trim line: the page shows its trim in CSS."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2
from PIL import Image

from ..media.page_keys import page_keys
from ..media.pdfium import PDFIUM

# Sharp on a high-density screen at the size the preview shows a page (about 600 px high).
PREVIEW_DPI = 144


@dataclass(frozen=True)
class Trim:
    """Where the trim lies on the drawn page, as fractions of its width and height from the top left."""

    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class PageView:
    """One page as the preview shows it: the key of its drawing, its size in points, its text and trim."""

    index: int
    key: str
    width: float
    height: float
    text: str
    trim: Trim

    def framing(self, side: str) -> Framing:
        """How the page shows as the left or the right page of a spread."""
        trim, ratio = self.trim, self.width / self.height
        start, end = (0.0, trim.left + trim.width) if side == "left" else (trim.left, 1.0)
        shown = end - start
        return Framing(ratio * shown, ratio * start, 100 * (trim.left - start) / shown, 100 * trim.top,
                       100 * trim.width / shown, 100 * trim.height)


@dataclass(frozen=True)
class Framing:
    """How a page sits in its spread: only the part of the sheet that is not cut off at the fold shows
    (a left page's bleed beyond its trim at the spine, a right page's before it), so the trims meet.
    Widths are in page heights; the trim's place is in percent of what shows."""

    width: float  # of what shows
    shift: float  # of the drawn sheet to the left, so that its cut-off part is outside
    trim_left: float
    trim_top: float
    trim_width: float
    trim_height: float


@dataclass(frozen=True)
class ContentsEntry:
    title: str
    page: int  # the PDF's page index, from 0
    folio: str  # the page's number as printed (the PDF's page label)


def render_page(pdf: Path | bytes, index: int, dpi: int = PREVIEW_DPI) -> Image.Image:
    """Draw one page of a PDF (a file, or its bytes), its whole media box, at this resolution."""
    with PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return document[index].render(scale=dpi / 72).to_pil()
        finally:
            document.close()


def page_png(pdf: bytes, index: int) -> bytes:
    """A page drawn for the preview, as PNG."""
    out = io.BytesIO()
    render_page(pdf, index).save(out, "PNG", compress_level=1)  # served on this machine: speed over size
    return out.getvalue()


def read_pages(pdf: bytes) -> list[PageView]:
    """Every page's key, size, text and trim, without drawing one."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        keys = page_keys(document)
    views = []
    with PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            for index, key in enumerate(keys):
                page = document[index]
                width, height = page.get_size()
                text = " ".join(page.get_textpage().get_text_bounded().split())
                views.append(PageView(index, key, width, height, text, _trim(page)))
        finally:
            document.close()
    return views




def _trim(page: pypdfium2.PdfPage) -> Trim:
    media_left, media_bottom, media_right, media_top = page.get_mediabox()
    left, bottom, right, top = page.get_trimbox()
    width, height = media_right - media_left, media_top - media_bottom
    return Trim((left - media_left) / width, (media_top - top) / height, (right - left) / width, (top - bottom) / height)


def contents(pdf: bytes) -> list[ContentsEntry]:
    """The chapters as the PDF's outline lists them, each with the page it starts on."""
    with PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            entries = []
            for bookmark in document.get_toc():
                destination = bookmark.get_dest()
                index = destination.get_index() if destination is not None else None
                if bookmark.level == 0 and index is not None:  # chapters, not their sections
                    entries.append(ContentsEntry(bookmark.get_title(), index,
                                                   document.get_page_label(index) or str(index + 1)))
            return entries
        finally:
            document.close()
