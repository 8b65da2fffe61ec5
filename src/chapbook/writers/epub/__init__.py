"""Book → EPUB 3. `write_epub` is the list of steps: each adds its share to the package ebooklib
assembles, in the order the manifest lists them (so reordering the steps changes the file's bytes),
and the last zips it reproducibly. The XHTML documents come from documents.py, the contents and page
list from navigation.py, the metadata from package.py, the fonts from fonts.py, the zip from archive.py."""

from __future__ import annotations

import re

from collections.abc import Callable
from pathlib import Path

from ebooklib import epub

from ...cache import BuildCache
from ...media.pictures import epub_bytes
from ...model import Book
from ...recipients import Recipient, for_word
from ...themes import Theme
from ..cover import front_cover
from ..cover.front import CoverImage
from ..pagemap import PageStart
from ..render import front_matter_context, render
from .archive import archive
from .documents import files_by_id, has_mathml, text_document, with_semantics
from .fonts import EmbeddedFont, EpubFonts, book_text, embedded_fonts, font_face_css
from .navigation import contents, page_targets, with_page_list
from .package import describe, with_package_language

STYLESHEET = "style/book.css"

__all__ = ["EmbeddedFont", "EpubFonts", "write_epub"]


def write_epub(book: Book, theme: Theme, target: Path, starts: list[PageStart], cache: BuildCache | None = None,
               progress: Callable[..., None] = lambda *_: None, reader: Recipient | None = None,
               cover: CoverImage | None = None, fonts: list[EmbeddedFont] | None = None) -> None:
    """Write the EPUB to target, with page-break markers where the print edition's pages begin
    (with a cache, the font subsets and converted pictures of an earlier build are used again); a
    reader's copy has their inscription after the title page, and an identifier of its own (and
    takes the cover the book drew). `fonts`: the fonts made already (EpubFonts), else made here."""
    package = epub.EpubBook()
    describe(package, book, page_list=bool(starts), reader=reader)
    style = add_fonts_and_stylesheet(package, book, theme, cache, progress, fonts)
    front = add_cover_and_front_matter(package, book, theme, style, reader, cover or front_cover(book, theme, cache))
    text = add_text(package, book, starts, style)
    add_pictures(package, book, cache, progress)
    back = add_back_matter(package, book, style)
    nav = add_navigation(package, book, front, text, back)
    target.write_bytes(archive(package, book.modified, finishing_edits(book, nav, starts)))


def add_fonts_and_stylesheet(package: epub.EpubBook, book: Book, theme: Theme, cache: BuildCache | None,
                             progress: Callable[..., None] = lambda *_: None,
                             fonts: list[EmbeddedFont] | None = None) -> epub.EpubItem:
    """Add the theme's fonts (subset to the book's text) and the stylesheet that names them."""
    if fonts is None:
        fonts = embedded_fonts(theme, book_text(book), cache, progress) if book.config.embed_fonts else []
    for font in fonts:
        package.add_item(epub.EpubItem(uid=Path(font.file_name).stem, file_name=font.file_name,
                                       media_type="font/ttf", content=font.data))
    stylesheet = epub.EpubItem(
        uid="style", file_name=STYLESHEET, media_type="text/css",
        content=(font_face_css(fonts) + "\n" + theme.epub_stylesheet).encode("utf-8"),
    )
    package.add_item(stylesheet)
    return stylesheet


def add_cover_and_front_matter(package: epub.EpubBook, book: Book, theme: Theme, style: epub.EpubItem,
                               reader: Recipient | None = None,
                               cover: CoverImage | None = None) -> list[epub.EpubHtml]:
    """Add the cover, the title page, a reader's inscription, and the copyright, dedication and epigraph
    pages the book has."""
    config = book.config
    cover = cover or front_cover(book, theme)
    package.set_cover(cover.name, cover.data, create_page=False)
    front = [
        _add_document(package, book, style, "cover", "Cover", "cover.xhtml",
                      render("cover.xhtml.j2", config=config, image=cover.name).encode("utf-8")),
        _add_document(package, book, style, "titlepage", config.title, "titlepage.xhtml",
                      render("titlepage.xhtml.j2", config=config).encode("utf-8")),
    ]
    context = front_matter_context(book, theme, epub=True)
    if reader is not None:
        front.append(_add_document(package, book, style, "inscription", "Inscription", "inscription.xhtml", with_semantics(
            render("frontmatter.xhtml.j2", part="inscription", title="Inscription", reader=reader,
                   for_word=for_word(config.language), **context))))
    for part, title, wanted in (("copyright", "Copyright", True), ("dedication", "Dedication", bool(config.dedication)),
                                ("epigraph", "Epigraph", bool(book.epigraph))):
        if wanted:
            front.append(_add_document(package, book, style, part, title, f"{part}.xhtml",
                                       with_semantics(render("frontmatter.xhtml.j2", part=part, title=title, **context))))
    return front


def add_text(package: epub.EpubBook, book: Book, starts: list[PageStart], style: epub.EpubItem) -> list[epub.EpubHtml]:
    """Add the chapters in reading order, a part's title page before its first chapter."""
    files = files_by_id(book)
    text = []
    for number, essay in enumerate(book.essays, start=1):
        part = book.part_opening_at(essay)
        if part:
            text.append(_add_document(package, book, style, part.slug, part.title, part.file_name,
                                      text_document(part, part.number, book.config, files, starts)))
        chapter = _add_document(package, book, style, f"ch-{essay.slug}", essay.title, essay.file_name,
                                text_document(essay, number, book.config, files, starts))
        if has_mathml(essay):
            chapter.properties.append("mathml")  # the manifest says which documents a reader must set math in
        text.append(chapter)
    return text


def add_pictures(package: epub.EpubBook, book: Book, cache: BuildCache | None,
                 progress: Callable[..., None] = lambda *_: None) -> None:
    """Add the essays' pictures, sized and compressed for reading devices."""
    for done, image in enumerate(book.images, start=1):
        progress(f"prepared {done}/{len(book.images)} pictures for the EPUB", done, len(book.images))
        package.add_item(epub.EpubImage(
            # The whole file name: a drawing's .svg and its .png beside it are two pictures, two ids.
            uid="img-" + re.sub(r"[^A-Za-z0-9_.-]", "-", Path(image.name).name), file_name=image.name,
            media_type=image.media_type, content=epub_bytes(image, cache=cache),
        ))


def add_back_matter(package: epub.EpubBook, book: Book, style: epub.EpubItem) -> list[epub.EpubHtml]:
    """Add the back matter page (acknowledgements, first publication, the author), if there is any."""
    config = book.config
    if not (config.acknowledgements or config.first_published or config.about_author):
        return []
    return [_add_document(package, book, style, "backmatter", "Back matter", "backmatter.xhtml",
                          render("backmatter.xhtml.j2", book=book, config=config).encode("utf-8"))]


def add_navigation(package: epub.EpubBook, book: Book, front: list[epub.EpubHtml], text: list[epub.EpubHtml],
                   back: list[epub.EpubHtml]) -> epub.EpubNav:
    """Add the contents (the nav document and, for older readers, the NCX), the spine and the landmarks."""
    package.toc = contents(book)
    nav = epub.EpubNav(title="Contents")
    package.add_item(nav)
    package.add_item(epub.EpubNcx())
    package.spine = [*front, nav, *text, *back]
    cover, title_page = front[:2]
    package.guide = [
        {"href": cover.file_name, "title": "Cover", "type": "cover"},
        {"href": title_page.file_name, "title": "Title page", "type": "titlepage"},
        {"href": nav.file_name, "title": "Contents", "type": "toc"},
        {"href": text[0].file_name, "title": "Start of the text", "type": "bodymatter"},
    ]
    return nav


def finishing_edits(book: Book, nav: epub.EpubNav, starts: list[PageStart]) -> dict[str, Callable[[bytes], bytes]]:
    """Say what ebooklib cannot write, as edits of its files: the page list, and the package's language."""
    pages = page_targets(book, starts)
    edits = {f"EPUB/{nav.file_name}": lambda content: with_page_list(content, pages)} if pages else {}
    edits["EPUB/content.opf"] = lambda content: with_package_language(content, book.config.language)
    return edits


def _add_document(package: epub.EpubBook, book: Book, style: epub.EpubItem, uid: str, title: str,
                  file_name: str, content: bytes) -> epub.EpubHtml:
    """Add one XHTML document, in the book's language and linked to its stylesheet."""
    document = epub.EpubHtml(uid=uid, title=title, file_name=file_name, lang=book.config.language)
    document.content = content
    document.add_item(style)
    package.add_item(document)
    return document
