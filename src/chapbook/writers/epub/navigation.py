"""The EPUB's ways around the book: the contents (chapters, under their parts, with their sections)
and the page list, which goes to the print edition's pages."""

from __future__ import annotations

from ebooklib import epub
from lxml import etree

from ...sources.characters import shows
from ...model import Book, Essay
from ..pagemap import PageStart
from .documents import EPUB_TYPE, XHTML_NS, fragment, serialized


def contents(book: Book) -> list:
    """The table of contents: each part with its chapters under it, and the chapters outside parts."""
    return [
        entry for part, essays in book.contents() for entry in (
            [(epub.Section(part.title, href=part.file_name), [_toc_entry(e) for e in essays])] if part
            else [_toc_entry(e) for e in essays])
    ]


def _toc_entry(essay: Essay) -> epub.Link | tuple[epub.Section, list[epub.Link]]:
    """A chapter in the contents, with its sections (its h2 headings) under it."""
    sections = [(h.get("id"), "".join(h.itertext()).strip()) for h in fragment(essay.xhtml).iter("h2")
                if h.get("id") and shows("".join(h.itertext()))]
    if not sections:
        return epub.Link(essay.file_name, essay.title, f"toc-{essay.slug}")
    return (epub.Section(essay.title, href=essay.file_name),
            [epub.Link(f"{essay.file_name}#{anchor}", text, f"toc-{anchor}") for anchor, text in sections])


def page_targets(book: Book, starts: list[PageStart]) -> list[tuple[str, str]]:
    """Each print page's label, and the page-break marker it goes to."""
    files = {section.slug: section.file_name for section in (*book.essays, *book.parts)}
    return [(s.label, f"{files[s.chapter]}#page-{s.label}") for s in starts]


def with_page_list(nav: bytes, pages: list[tuple[str, str]]) -> bytes:
    """Add the page-list nav: print page numbers a reader can go to, as in the paper book."""
    root = etree.fromstring(nav)
    body = root.find(f"{{{XHTML_NS}}}body")
    page_nav = etree.SubElement(body, f"{{{XHTML_NS}}}nav", {EPUB_TYPE: "page-list", "id": "page-list", "hidden": "hidden"})
    etree.SubElement(page_nav, f"{{{XHTML_NS}}}h2").text = "Pages"
    listing = etree.SubElement(page_nav, f"{{{XHTML_NS}}}ol")
    for label, href in pages:
        link = etree.SubElement(etree.SubElement(listing, f"{{{XHTML_NS}}}li"), f"{{{XHTML_NS}}}a", href=href)
        link.text = label
    return serialized(root)
