"""Where each printed page begins, so that the EPUB can say "page 42" where the paper does.

Every element of every chapter is numbered in document order, the same way in the HTML the
PDF is laid out from and in the EPUB's XHTML (both come from the same chapter markup). After
layout, the first line of text on each page names its block element and how many characters
of that block came before it; the EPUB puts a page-break marker at the same character.
Characters are counted without white space, which line breaking changes and the text does not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from weasyprint import Document
from weasyprint.formatting_structure import boxes

PAGE_KEY = "data-pb"
# The elements whose text a reader would call a line of the page: the key of a page start.
BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "pre", "cite",
              "figcaption", "summary"}
AUTO_HYPHEN = "\u2010"  # what WeasyPrint adds where it hyphenates a word at a line's end


@dataclass(frozen=True)
class PageStart:
    """Page `label` begins in chapter `chapter`, in its element number `element`, after `chars` characters."""

    label: str
    chapter: str
    element: int
    chars: int


def chapter_sections(root: etree._Element) -> Iterator[etree._Element]:
    """The body's sections, each a file of its own in the EPUB: the chapters and the parts' pages."""
    for section in root.iter("{*}section", "section"):
        if {"chapter", "part"} & set((section.get("class") or "").split()):
            yield section


# A formula is MathML in the EPUB and a drawing on paper: one element, no text, in both.
OPAQUE_TAGS = {"math", "svg"}


def keyed_elements(element: etree._Element) -> Iterator[etree._Element]:
    """The element and those inside it in document order, a formula counted as one element."""
    yield element
    if _local(element.tag) in OPAQUE_TAGS:
        return
    for child in element:
        if isinstance(child.tag, str):  # not a comment or a processing instruction
            yield from keyed_elements(child)


def number_for_print(root: etree._Element) -> None:
    """Key every element of every chapter in the book's HTML, for the layout to report."""
    for section in chapter_sections(root):
        for index, element in enumerate(keyed_elements(section)):
            element.set(PAGE_KEY, f"{section.get('id')}/{index}")


def first_lines(document: Document) -> list[tuple[str, int, int] | None]:
    """For each page, where its first line of the book's text begins: the chapter (or part page), the
    element's number in it and the characters of that element on earlier pages; None for a page
    without such a line (a blank page, the front matter)."""
    consumed: dict[str, int] = defaultdict(int)
    result: list[tuple[str, int, int] | None] = []
    for page in document.pages:
        first = None
        for key, text in _text_runs(page._page_box, None):
            if key is None:
                continue
            if first is None and _count(text):
                chapter, index = key.rsplit("/", 1)
                first = (chapter, int(index), consumed[key])
            consumed[key] += _count(text.removesuffix(AUTO_HYPHEN))
        result.append(first)
    return result


def page_starts(folios: list[tuple[str, tuple[str, int, int] | None]]) -> list[PageStart]:
    """The pages that begin with the book's text, labelled as their folios read (the text is numbered
    from 1 on the first chapter's opener), from each page's folio and first line."""
    return [PageStart(label, *first) for label, first in folios if first is not None]


def _text_runs(box: boxes.Box, key: str | None) -> Iterator[tuple[str | None, str]]:
    """The page's text in reading order, each run with the key of the block it belongs to."""
    if isinstance(box, boxes.MarginBox) or "::" in (getattr(box, "element_tag", "") or ""):
        return  # running heads, folios, list bullets and generated content are not the book's text
    element = getattr(box, "element", None)
    if element is not None and element.get(PAGE_KEY) and _is_block(element):
        key = element.get(PAGE_KEY)
    if isinstance(box, boxes.TextBox):
        yield key, box.text
    for child in getattr(box, "children", ()) or ():
        yield from _text_runs(child, key)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _is_block(element: etree._Element) -> bool:
    tag = _local(element.tag)
    classes = (element.get("class") or "").split()
    # Verse lines, and a note's paragraphs (spans in print, since a note sits inside a paragraph).
    return tag in BLOCK_TAGS or (tag == "span" and bool({"line", "page-note-paragraph"} & set(classes)))


def _count(text: str) -> int:
    """The characters of text that are not spaces (str.split's spaces are str.isspace's), at C's pace."""
    return len("".join(text.split()))


def insert_page_breaks(section: etree._Element, starts: list[PageStart], make_marker) -> None:
    """Put a marker for each page start into the chapter's XHTML, before the word the page begins with."""
    elements = list(keyed_elements(section))
    for start in starts:
        if start.element < len(elements):
            _insert_at(elements[start.element], start.chars, make_marker(start.label))


def _slots(element: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    if _local(element.tag) not in OPAQUE_TAGS:  # a formula's characters are drawn, not counted on paper
        yield element, "text"
        for child in element:
            yield from _slots(child)
            yield child, "tail"


# Elements whose children must be list items, rows or cells: a marker cannot stand among them.
_NO_LOOSE_TEXT = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr"}


def _insert_at(element: etree._Element, chars: int, marker: etree._Element) -> None:
    parent = element.getparent()
    # A <details> must open with its <summary>: a page starting there is marked inside the summary.
    if chars == 0 and parent is not None and _local(parent.tag) not in _NO_LOOSE_TEXT and _local(element.tag) != "summary":
        # A page that starts with a whole block: the marker goes before it, not into a heading's text.
        element.addprevious(marker)
        return
    seen = 0
    for owner, slot in _slots(element):
        text = getattr(owner, slot) or ""
        here = _count(text)
        if seen + here <= chars:
            seen += here
            continue
        position = _position_of(text, chars - seen)
        while position > 0 and not text[position - 1].isspace():  # back to the start of the word
            position -= 1
        setattr(owner, slot, text[:position])
        marker.tail = text[position:]
        if slot == "text":
            owner.insert(0, marker)
        else:
            owner.addnext(marker)
        return
    element.append(marker)  # the page starts after all of this element's text


def _position_of(text: str, nth: int) -> int:
    """The index of the nth (from 0) non-space character of text."""
    count = 0
    for index, char in enumerate(text):
        if not char.isspace():
            if count == nth:
                return index
            count += 1
    return len(text)
