"""Book → EPUB 3, with ebooklib."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

from ebooklib import epub
from lxml import etree

from .markdown.xhtml import inner_xml
from .model import Book
from .render import render
from .themes import Theme

STYLESHEET = "style/book.css"


def book_identifier(book: Book) -> str:
    """A stable identifier: the same title and author give the same id on every rebuild."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'chapbook:{book.config.title}:{book.config.author}')}"


def _ids(xhtml: str) -> list[str]:
    return [str(value) for value in _fragment(xhtml).xpath("//@id")]


def _fragment(xhtml: str) -> etree._Element:
    return etree.fromstring(f"<div>{xhtml}</div>")


def _link_across_files(xhtml: str, file_name: str, files_by_id: dict[str, str]) -> str:
    """In the PDF the book is one document; in the EPUB a link to another chapter names its file."""
    root = _fragment(xhtml)
    for link in root.iter("a"):
        target = (link.get("href") or "").removeprefix("#")
        if link.get("href", "").startswith("#") and files_by_id.get(target, file_name) != file_name:
            link.set("href", f"{files_by_id[target]}#{target}")
    return inner_xml(root)


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

    files_by_id = {
        element_id: essay.file_name for essay in book.essays for element_id in (essay.slug, *_ids(essay.xhtml))
    }
    chapters = []
    for essay in book.essays:
        essay = replace(essay, xhtml=_link_across_files(essay.xhtml, essay.file_name, files_by_id))
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
