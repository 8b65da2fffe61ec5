"""The front cover as an image: the book's own, or one the theme draws from the title and author."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2
import weasyprint
from PIL import Image as Picture

from ...media.fallbacks import with_fallbacks
from ...media.pdfium import PDFIUM
from ...media.pictures import CORE_TYPES, picture_type, without_riders
from ...model import COVER_PICTURE, Book
from ...themes import Theme
from ..pdf.fetcher import BookFetcher, BookFonts
from ..pdf.glyphs import printable
from ..render import render

# The shape and size reading stores ask for: 1600 x 2560 pixels, 1 : 1.6.
COVER_WIDTH_PX = 1600
COVER_WIDTH_IN = 6.25
COVER_HEIGHT_IN = 10


@dataclass(frozen=True)
class CoverImage:
    name: str
    media_type: str
    data: bytes


def front_cover(book: Book, theme: Theme) -> CoverImage:
    """The book's cover image if book.toml names one, else the theme's typographic cover."""
    if book.config.cover:
        path = book.root / book.config.cover
        suffix, media_type = picture_type(path, path.suffix.lower(), CORE_TYPES.get(path.suffix.lower(), ""))
        return CoverImage(f"{COVER_PICTURE}{suffix}", media_type, without_riders(path.read_bytes(), media_type))
    return CoverImage(f"{COVER_PICTURE}.jpg", "image/jpeg", draw_cover(book, theme))


def cover_stylesheet(theme: Theme, fonts: BookFonts, fetcher: BookFetcher,
                     sizes: str, structure: str = "") -> weasyprint.CSS:
    """The theme's one cover design (the EPUB's cover image, the print wrap's front), sized by the caller.

    The base design comes first and the theme's own stylesheets after it, so a theme's cover rules
    (the diary's script title, paper and ornament) win over the base ones; the sizes come last."""
    css = "\n".join([theme.font_face_css(), with_fallbacks("\n".join([structure, theme.cover_css, theme.shared_css])), sizes])
    return weasyprint.CSS(string=css, font_config=fonts, url_fetcher=fetcher, base_url=theme.folder.as_uri() + "/")


def draw_cover(book: Book, theme: Theme) -> bytes:
    """Lay out the theme's cover page with the book's fonts, and photograph it as a JPEG."""
    fonts = BookFonts()
    fetcher = BookFetcher(book, theme)
    size = f"@page {{ size: {COVER_WIDTH_IN}in {COVER_HEIGHT_IN}in; margin: 0; }}\n.cover {{ height: {COVER_HEIGHT_IN}in; }}"
    html = printable(render("cover.html.j2", config=book.config), theme)
    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[cover_stylesheet(theme, fonts, fetcher, size)], font_config=fonts)
    with PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            picture: Picture.Image = document[0].render(scale=COVER_WIDTH_PX / (COVER_WIDTH_IN * 72)).to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    picture.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()
