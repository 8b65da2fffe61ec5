"""The front cover as an image: the book's own, or one the theme draws from the title and author."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2
import weasyprint
from PIL import Image as Picture

from ...cache import BuildCache, content_key, file_digest
from ...media.fallbacks import with_fallbacks
from ...media.pdfium import PDFIUM
from ...media.pictures import CORE_TYPES, picture_type, without_riders
from ...model import COVER_PICTURE, Book
from ...themes import Theme
from ..pdf.fetcher import BookFetcher, BookFonts
from ..pdf import fonts_identity
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


def front_cover(book: Book, theme: Theme, cache: BuildCache | None = None) -> CoverImage:
    """The book's cover image if book.toml names one, else the theme's typographic cover (with a cache,
    drawn once for its title page and design: laying it out and photographing it takes most of a second)."""
    if book.config.cover:
        path = book.root / book.config.cover
        suffix, media_type = picture_type(path, path.suffix.lower(), CORE_TYPES.get(path.suffix.lower(), ""))
        return CoverImage(f"{COVER_PICTURE}{suffix}", media_type, without_riders(path.read_bytes(), media_type))
    if cache is None:
        return CoverImage(f"{COVER_PICTURE}.jpg", "image/jpeg", draw_cover(book, theme))
    html, css = _cover_page(book, theme)
    # The fonts by their bytes: the theme's faces are named in the CSS by path alone.
    key = content_key("epub cover", html, css, [file_digest(face.path) for face in theme.faces], fonts_identity())
    return CoverImage(f"{COVER_PICTURE}.jpg", "image/jpeg", cache.remember("cover", key, lambda: draw_cover(book, theme)))


def cover_css(theme: Theme, sizes: str, structure: str = "") -> str:
    """The theme's one cover design (the EPUB's cover image, the print wrap's front), sized by the caller.

    The base design comes first and the theme's own stylesheets after it, so a theme's cover rules
    (the diary's script title, paper and ornament) win over the base ones; the sizes come last."""
    return "\n".join([theme.font_face_css(), with_fallbacks("\n".join([structure, theme.cover_css, theme.shared_css])), sizes])


def cover_stylesheet(theme: Theme, fonts: BookFonts, fetcher: BookFetcher,
                     sizes: str, structure: str = "") -> weasyprint.CSS:
    return weasyprint.CSS(string=cover_css(theme, sizes, structure), font_config=fonts, url_fetcher=fetcher,
                          base_url=theme.folder.as_uri() + "/")


_COVER_SIZE = f"@page {{ size: {COVER_WIDTH_IN}in {COVER_HEIGHT_IN}in; margin: 0; }}\n.cover {{ height: {COVER_HEIGHT_IN}in; }}"


def _cover_page(book: Book, theme: Theme) -> tuple[str, str]:
    """The EPUB cover's HTML and its stylesheet."""
    return printable(render("cover.html.j2", config=book.config), theme), cover_css(theme, _COVER_SIZE)


def draw_cover(book: Book, theme: Theme) -> bytes:
    """Lay out the theme's cover page with the book's fonts, and photograph it as a JPEG."""
    fonts = BookFonts()
    fetcher = BookFetcher(book, theme)
    html, _ = _cover_page(book, theme)
    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[cover_stylesheet(theme, fonts, fetcher, _COVER_SIZE)], font_config=fonts)
    with PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            picture: Picture.Image = document[0].render(scale=COVER_WIDTH_PX / (COVER_WIDTH_IN * 72)).to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    picture.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()
