"""The EPUB's XHTML documents: the markup print is set from, and what only a reading system needs.

A chapter and a part's title page are made alike: the print edition's page breaks put in, links to
another chapter pointed at its file, notes made pop-ups, and the classes the Markdown stage wrote
given the epub:type and ARIA roles they stand for."""

from __future__ import annotations

from lxml import etree

from ...config import BookConfig
from ...media.formulas import MATHML_NS
from ...model import Book, Essay, Part
from ..pagemap import PageStart, chapter_sections, insert_page_breaks
from ..render import render

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# What each class the Markdown stage writes means to a reading system (EPUB structural semantics).
# (tag, class, epub:type, ARIA role): assistive technology reads the role, reading systems the type.
SEMANTICS = (
    ("blockquote", "epigraph", "epigraph z3998:song", "doc-epigraph"),
    ("blockquote", "verse", "z3998:song", None),
    ("a", "footnote-ref-link", "noteref", "doc-noteref"),
    ("section", "footnotes", "footnotes", None),
)


def fragment(xhtml: str) -> etree._Element:
    """An essay's XHTML (a run of elements) as one tree."""
    return etree.fromstring(f"<div>{xhtml}</div>")


def has_mathml(essay: Essay) -> bool:
    """Whether the essay holds a formula: the manifest names the documents a reader must set math in."""
    return fragment(essay.xhtml).find(f".//{{{MATHML_NS}}}math") is not None


def files_by_id(book: Book) -> dict[str, str]:
    """The file each id of the text is in: every chapter's and part's own, and each element's."""
    files = {element_id: essay.file_name for essay in book.essays
             for element_id in (essay.slug, *(str(value) for value in fragment(essay.xhtml).xpath("//@id")))}
    files.update({part.slug: part.file_name for part in book.parts})
    return files


def text_document(section: Essay | Part, number: int, config: BookConfig, files: dict[str, str],
                  starts: list[PageStart]) -> bytes:
    """A chapter's file (number is its number), or a part's title page: the shared markup, plus what
    only an EPUB needs."""
    if isinstance(section, Part):
        markup = render("part.xhtml.j2", part=section, config=config)
    else:
        markup = render("chapter.xhtml.j2", essay=section, number=number, config=config)
    root = etree.fromstring(markup.encode("utf-8"))
    mine = [start for start in starts if start.chapter == section.slug]
    for page_section in chapter_sections(root):  # first, while the markup is still the one the PDF was set from
        insert_page_breaks(page_section, mine, _page_marker)
    _link_across_files(root, section.file_name, files)
    _notes_as_asides(root)
    _add_semantics(root)
    return serialized(root)


def with_semantics(xhtml: str) -> bytes:
    """A page rendered from a template, with the epub:type and roles its classes stand for."""
    root = etree.fromstring(xhtml.encode("utf-8"))
    _add_semantics(root)
    return serialized(root)


def serialized(root: etree._Element) -> bytes:
    """An XHTML document as a reading system wants it: declared UTF-8, with the HTML doctype."""
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def _link_across_files(root: etree._Element, file_name: str, files: dict[str, str]) -> None:
    """In the PDF the book is one document; in the EPUB a link to another chapter names its file."""
    for link in root.iter(f"{{{XHTML_NS}}}a"):
        href = link.get("href") or ""
        target = href.removeprefix("#")
        if href.startswith("#") and files.get(target, file_name) != file_name:
            link.set("href", f"{files[target]}#{target}")


def _page_marker(label: str) -> etree._Element:
    return etree.Element(f"{{{XHTML_NS}}}span", {
        "id": f"page-{label}", EPUB_TYPE: "pagebreak", "role": "doc-pagebreak", "aria-label": label})


def _notes_as_asides(root: etree._Element) -> None:
    """Reading systems show a note as a pop-up when it is an <aside epub:type="footnote">, not a list item."""
    for notes in root.iter(f"{{{XHTML_NS}}}section"):
        if "footnotes" not in (notes.get("class") or "").split():
            continue
        items = notes.findall(f".//{{{XHTML_NS}}}li")
        for child in list(notes):
            notes.remove(child)
        notes.text = "\n"
        for number, item in enumerate(items, start=1):
            aside = etree.SubElement(notes, f"{{{XHTML_NS}}}aside", id=item.get("id"), role="doc-footnote")
            aside.set("class", "footnote")
            aside.set(EPUB_TYPE, "footnote")
            aside.text, aside.tail = item.text, "\n"
            aside.extend(list(item))
            first = aside.find(f"{{{XHTML_NS}}}p")
            label = etree.Element(f"{{{XHTML_NS}}}span", {"class": "footnote-number"})
            label.text, label.tail = f"{number}.", " " + ((first.text or "") if first is not None else "")
            if first is not None:
                first.text = None
                first.insert(0, label)


def _add_semantics(root: etree._Element) -> None:
    """Give the classes the Markdown stage wrote the epub:type reading systems understand."""
    for element in root.iter():
        classes = (element.get("class") or "").split()
        tag = etree.QName(element).localname
        if tag == "a" and element.getparent() is not None and "footnote-ref" in (element.getparent().get("class") or ""):
            classes.append("footnote-ref-link")
        for wanted_tag, wanted_class, epub_type, role in SEMANTICS:
            if tag == wanted_tag and wanted_class in classes:
                element.set(EPUB_TYPE, epub_type)
                if role:
                    element.set("role", role)
                break
