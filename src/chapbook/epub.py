"""Book → EPUB 3, with ebooklib."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from pathlib import Path

from ebooklib import epub
from lxml import etree

from .config import BookConfig
from .model import Book, Essay
from .render import render
from .themes import Theme

STYLESHEET = "style/book.css"


def book_identifier(book: Book) -> str:
    """A stable identifier: the same title and author give the same id on every rebuild."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'chapbook:{book.config.title}:{book.config.author}')}"


XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# What each class the Markdown stage writes means to a reading system (EPUB structural semantics).
SEMANTICS = (
    ("blockquote", "epigraph", "epigraph z3998:song"),
    ("blockquote", "verse", "z3998:song"),
    ("a", "footnote-ref-link", "noteref"),
    ("li", "footnote-item", "footnote"),
    ("section", "footnotes", "endnotes"),
)


def _ids(xhtml: str) -> list[str]:
    return [str(value) for value in etree.fromstring(f"<div>{xhtml}</div>").xpath("//@id")]


def chapter_document(essay: Essay, number: int, config: BookConfig, files_by_id: dict[str, str]) -> bytes:
    """The chapter's XHTML file: the shared chapter markup, plus what only an EPUB needs."""
    root = etree.fromstring(render("chapter.xhtml.j2", essay=essay, number=number, config=config).encode("utf-8"))
    _link_across_files(root, essay.file_name, files_by_id)
    _add_semantics(root)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def _link_across_files(root: etree._Element, file_name: str, files_by_id: dict[str, str]) -> None:
    """In the PDF the book is one document; in the EPUB a link to another chapter names its file."""
    for link in root.iter(f"{{{XHTML_NS}}}a"):
        href = link.get("href") or ""
        target = href.removeprefix("#")
        if href.startswith("#") and files_by_id.get(target, file_name) != file_name:
            link.set("href", f"{files_by_id[target]}#{target}")


def _add_semantics(root: etree._Element) -> None:
    for element in root.iter():
        classes = (element.get("class") or "").split()
        tag = etree.QName(element).localname
        if tag == "a" and element.getparent() is not None and "footnote-ref" in (element.getparent().get("class") or ""):
            classes.append("footnote-ref-link")
        for wanted_tag, wanted_class, epub_type in SEMANTICS:
            if tag == wanted_tag and wanted_class in classes:
                element.set(EPUB_TYPE, epub_type)
                break


def write_epub(book: Book, theme: Theme, target: Path) -> None:
    """Write the EPUB to target."""
    config = book.config
    document = epub.EpubBook()
    document.set_identifier(book_identifier(book))
    document.set_title(config.title)
    document.set_language(config.language)
    if config.author:
        document.add_author(config.author)
    document.add_metadata("DC", "date", book.modified.strftime("%Y-%m-%dT%H:%M:%SZ"))

    stylesheet = epub.EpubItem(
        uid="style", file_name=STYLESHEET, media_type="text/css",
        content=theme.epub_stylesheet.encode("utf-8"),
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
    for number, essay in enumerate(book.essays, start=1):
        chapter = epub.EpubHtml(
            uid=f"ch-{essay.slug}", title=essay.title, file_name=essay.file_name, lang=config.language
        )
        chapter.content = chapter_document(essay, number, config, files_by_id)
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
    packed = io.BytesIO()
    epub.write_epub(packed, document, {"epub3_pages": False, "mtime": book.modified})
    target.write_bytes(repack(packed.getvalue(), book.modified))


def repack(archive: bytes, modified: dt.datetime) -> bytes:
    """Rewrite the zip with fixed timestamps and attributes, `mimetype` first and stored, so that
    the same book always gives the same bytes (ebooklib stamps every entry with the clock)."""
    stamp = max(modified.timetuple()[:6], (1980, 1, 1, 0, 0, 0))  # the earliest time a zip can hold
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w") as result:
        names = source.namelist()
        for name in ["mimetype", *sorted(n for n in names if n != "mimetype")]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            result.writestr(info, source.read(name))
    return out.getvalue()
