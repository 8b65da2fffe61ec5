"""The built PDF as the preview shows it: each page drawn as an image (pypdfium2), keyed by its pixels
so an unchanged page keeps its address, its text, where its trim lies, the spreads it is bound in,
and the chapters its outline starts.

`spreads` and `render_page` are this module's whole contact with the drawing: the proof sheets
(chapbook proof) draw pages the same way, and one of them can serve both."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from PIL import Image

# Sharp on a high-density screen at the size the preview shows a page (about 600 px high).
PREVIEW_DPI = 144


@dataclass(frozen=True)
class Spread:
    """Two facing pages by index from 0; None where there is no page (left of the first, right of the last)."""

    left: int | None
    right: int | None


@dataclass(frozen=True)
class Trim:
    """Where the trim lies on the drawn page, as fractions of its width and height from the top left."""

    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class PageView:
    """One page as the preview shows it: its image's key (a digest of its pixels), size and text."""

    index: int
    key: str
    width: int
    height: int
    text: str
    trim: Trim


@dataclass(frozen=True)
class ContentsEntry:
    title: str
    page: int


def spreads(page_count: int) -> list[Spread]:
    """The book's openings: the first page alone on the right, then each left page with its right."""
    if page_count == 0:
        return []
    opened = [Spread(None, 0)]
    for left in range(1, page_count, 2):
        opened.append(Spread(left, left + 1 if left + 1 < page_count else None))
    return opened


def render_page(pdf_path: Path, index: int, dpi: int = PREVIEW_DPI) -> Image.Image:
    """Draw one page of a PDF, its whole media box, at this resolution."""
    document = pypdfium2.PdfDocument(pdf_path)
    try:
        return document[index].render(scale=dpi / 72).to_pil()
    finally:
        document.close()


def read_pages(pdf_path: Path, known: dict[str, bytes], dpi: int = PREVIEW_DPI) -> tuple[list[PageView], dict[str, bytes]]:
    """Draw every page; return the pages and the PNG of each key, made only for keys not already known."""
    document = pypdfium2.PdfDocument(pdf_path)
    views, images = [], {}
    try:
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=dpi / 72)
            key = hashlib.blake2b(bytes(bitmap.buffer), digest_size=12,
                                  person=f"{bitmap.width}x{bitmap.height}".encode()[:16]).hexdigest()
            images[key] = known.get(key) or _png(bitmap.to_pil())
            text = page.get_textpage().get_text_bounded()
            views.append(PageView(index, key, bitmap.width, bitmap.height, " ".join(text.split()), _trim(page)))
    finally:
        document.close()
    return views, images


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)  # a preview served on this machine: speed over size
    return out.getvalue()


def _trim(page: pypdfium2.PdfPage) -> Trim:
    media_left, media_bottom, media_right, media_top = page.get_mediabox()
    left, bottom, right, top = page.get_trimbox()
    width, height = media_right - media_left, media_top - media_bottom
    return Trim((left - media_left) / width, (media_top - top) / height, (right - left) / width, (top - bottom) / height)


def contents(pdf_path: Path) -> list[ContentsEntry]:
    """The chapters as the PDF's outline lists them, each with the page it starts on."""
    document = pypdfium2.PdfDocument(pdf_path)
    try:
        entries = []
        for bookmark in document.get_toc():
            destination = bookmark.get_dest()
            if bookmark.level > 0:  # a chapter's sections: the sidebar lists chapters
                continue
            index = destination.get_index() if destination is not None else None
            if index is not None:
                entries.append(ContentsEntry(bookmark.get_title(), index))
        return entries
    finally:
        document.close()
