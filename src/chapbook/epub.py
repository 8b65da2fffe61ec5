"""Book → EPUB 3, with ebooklib."""

from __future__ import annotations

import uuid
from pathlib import Path

from ebooklib import epub

from .model import Book
from .render import render
from .themes import Theme

STYLESHEET = "style/book.css"


def book_identifier(book: Book) -> str:
    """A stable identifier: the same title and author give the same id on every rebuild."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'chapbook:{book.config.title}:{book.config.author}')}"


def write_epub(book: Book, theme: Theme, target: Path) -> None:
    """Write the EPUB to target."""
    config = book.config
    document = epub.EpubBook()
    document.set_identifier(book_identifier(book))
    document.set_title(config.title)
    document.set_language(config.language)
    if config.author:
        document.add_author(config.author)

    stylesheet = epub.EpubItem(
        uid="style", file_name=STYLESHEET, media_type="text/css",
        content=(theme.shared_css + "\n" + theme.epub_css).encode("utf-8"),
    )
    document.add_item(stylesheet)

    title_page = epub.EpubHtml(uid="titlepage", title=config.title, file_name="titlepage.xhtml", lang=config.language)
    title_page.content = render("titlepage.xhtml.j2", config=config).encode("utf-8")
    title_page.add_item(stylesheet)
    document.add_item(title_page)

    chapters = []
    for essay in book.essays:
        chapter = epub.EpubHtml(
            uid=f"ch-{essay.slug}", title=essay.title, file_name=essay.file_name, lang=config.language
        )
        chapter.content = render("chapter.xhtml.j2", essay=essay, language=config.language).encode("utf-8")
        chapter.add_item(stylesheet)
        document.add_item(chapter)
        chapters.append(chapter)

    for image in book.images:
        document.add_item(epub.EpubImage(
            uid=f"img-{Path(image.name).stem}", file_name=image.name,
            media_type=image.media_type, content=image.source.read_bytes(),
        ))

    document.toc = [epub.Link(chapter.file_name, chapter.title, chapter.id) for chapter in chapters]
    nav = epub.EpubNav()
    document.add_item(nav)
    document.add_item(epub.EpubNcx())
    document.spine = [title_page, nav, *chapters]
    epub.write_epub(str(target), document, {"epub3_pages": False})
