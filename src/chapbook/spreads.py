"""A print PDF as a reader holds the book open: its pages in spreads, and each spread as a picture.

A printed book opens on a right-hand page (a recto), alone: the inside of the cover faces it. Then
every left page (a verso) faces the next right page. The last page is a verso, alone, when the count
is even (the inside of the back cover faces it); with an odd count it is a recto facing the one
before it. Indexes are 0-based: the page numbered 1 is index 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from PIL import Image, ImageDraw

POINTS = 72.0
# Where no page is (the inside of a cover): a flat grey, so an empty slot never passes for a blank page.
EMPTY_SLOT = (205, 205, 205)
# The trim, drawn over a page that has bleed: where the printer's knife will cut.
TRIM_LINE = (0, 160, 220)
# The fold between the two pages of a spread.
SPINE_LINE = (150, 150, 150)


@dataclass(frozen=True)
class Spread:
    """Two facing pages, by index; None where a cover faces the page instead."""

    left: int | None
    right: int | None

    @property
    def indexes(self) -> tuple[int, ...]:
        return tuple(index for index in (self.left, self.right) if index is not None)


def spreads(page_count: int) -> list[Spread]:
    """The spreads of a book of page_count pages, as it opens: the first page alone on the right."""
    if page_count <= 0:
        return []
    found = [Spread(None, 0)]
    for left in range(1, page_count, 2):
        found.append(Spread(left, left + 1 if left + 1 < page_count else None))
    return found


def render_page(pdf_path: Path, index: int, dpi: float) -> Image.Image:
    """Page index of the PDF as an RGB picture at dpi, bleed and all, its trim marked if it has bleed."""
    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        return _rendered(document[index], dpi)
    finally:
        document.close()


def render_spread(pdf_path: Path, spread: Spread, dpi: float) -> Image.Image:
    """The spread's two pages side by side at dpi; a slot with no page is grey, the fold a line."""
    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        pages = {index: _rendered(document[index], dpi) for index in spread.indexes}
    finally:
        document.close()
    width = max(page.width for page in pages.values())
    height = max(page.height for page in pages.values())
    sheet = Image.new("RGB", (2 * width, height), EMPTY_SLOT)
    if spread.left is not None:
        sheet.paste(pages[spread.left], (width - pages[spread.left].width, 0))  # against the fold
    if spread.right is not None:
        sheet.paste(pages[spread.right], (width, 0))
    ImageDraw.Draw(sheet).line([(width, 0), (width, height)], fill=SPINE_LINE, width=1)
    return sheet


def _rendered(page: pypdfium2.PdfPage, dpi: float) -> Image.Image:
    """The page at dpi, with the trim drawn when the trim box lies inside the page (a bleed)."""
    scale = dpi / POINTS
    image = page.render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
    crop_left, crop_bottom, crop_right, crop_top = page.get_cropbox()
    left, bottom, right, top = page.get_trimbox()
    insets = (left - crop_left, bottom - crop_bottom, crop_right - right, crop_top - top)
    if max(insets) > 0.5:  # half a point: the same box, rounded
        box = [(left - crop_left) * scale, (crop_top - top) * scale,
               (right - crop_left) * scale - 1, (crop_top - bottom) * scale - 1]
        ImageDraw.Draw(image).rectangle(box, outline=TRIM_LINE, width=max(1, round(dpi / 100)))
    return image
