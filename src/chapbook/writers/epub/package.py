"""The EPUB's package metadata: who, what, when, and what a reader with a disability can rely on."""

from __future__ import annotations

import uuid

from ebooklib import epub
from lxml import etree

from ...model import Book
from ...print_facts import isbn_digits
from ...recipients import Recipient
from .documents import fragment


def book_identifier(book: Book) -> str:
    """A stable identifier: the same title and author give the same id on every rebuild."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'chapbook:{book.config.title}:{book.config.author}')}"


def describe(package: epub.EpubBook, book: Book, page_list: bool, reader: Recipient | None = None) -> None:
    """Set the package metadata (with page_list, where the page numbers come from; a reader's copy is
    a book of its own, with an identifier made from the book's and the reader's name)."""
    config = book.config
    isbn = isbn_digits(config.isbn)
    identifier = f"urn:isbn:{isbn}" if isbn else book_identifier(book)
    package.set_identifier(reader.identifier(identifier) if reader else identifier)
    package.set_title(config.title)
    package.set_language(config.language)
    if config.author:
        package.add_author(config.author, file_as=config.sortable_author, role="aut", uid="creator")
    package.add_metadata("DC", "date", book.modified.strftime("%Y-%m-%dT%H:%M:%SZ"))
    for key, value in (("description", config.description), ("rights", config.rights)):
        if value:
            package.add_metadata("DC", key, value)
    for subject in config.subjects:
        package.add_metadata("DC", "subject", subject)
    for prop, value in accessibility(book, page_list):
        package.add_metadata(None, "meta", value, {"property": f"schema:{prop}"})
    if page_list:  # where the page numbers come from: this book's own print edition (EPUB 3.3 source-of)
        source = f"urn:isbn:{isbn}" if isbn else f"{book_identifier(book)}:print"
        package.add_metadata("DC", "source", source, {"id": "pagination-source"})
        package.add_metadata(None, "meta", "pagination", {"refines": "#pagination-source", "property": "source-of"})


def accessibility(book: Book, page_list: bool) -> list[tuple[str, str]]:
    """EPUB Accessibility 1.1 metadata, claiming only what this book really offers."""
    images = [img for essay in book.essays for img in fragment(essay.xhtml).iter("img")]
    described = all((img.get("alt") or "").strip() for img in images)
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if images and described:
        features.append("alternativeText")
    if page_list:
        features += ["printPageNumbers", "pageNavigation"]
    claims = [("accessMode", "textual")] + ([("accessMode", "visual")] if images else [])
    if described:
        claims.append(("accessModeSufficient", "textual"))
    if images:
        claims.append(("accessModeSufficient", "textual,visual"))
    claims += [("accessibilityFeature", feature) for feature in features]
    claims.append(("accessibilityHazard", "none"))
    summary = ("Reflowable text with a table of contents, headings for each chapter and section, "
               "and notes linked to and from the text.")
    if page_list:
        summary += " Page numbers follow the print edition."
    if images:
        summary += " Every image has a text alternative." if described else " Some images have no text alternative."
    claims.append(("accessibilitySummary", summary))
    return claims


def with_package_language(opf: bytes, language: str) -> bytes:
    """The package's own xml:lang, which ebooklib leaves out and accessibility checkers ask for."""
    root = etree.fromstring(opf)
    root.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
