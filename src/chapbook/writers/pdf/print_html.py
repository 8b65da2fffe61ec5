"""The book as HTML for paper, cut into the pieces that are laid out on their own.

The whole book is one HTML tree first (the same markup the EPUB is made from, keyed for the page
list, with notes where paper wants them); then it is cut: the front matter, each part's page, each
chapter and the back matter become documents of their own, each with the book's <head>. Every piece
starts on a right-hand page, so how many pages it takes does not depend on where it falls.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import lxml.html
from lxml import etree

from ...media.formulas import formulas_as_svg, math_scale
from .glyphs import replace_unprintable
from ...model import Book
from ..pagemap import number_for_print
from .printnotes import links_as_notes, notes_at_page_foot
from ..render import front_matter_context, render
from ...themes import Theme
from .fetcher import OUTPUT_PROFILE_URL

# The attribute a link to a place in the book carries its page number in: the contents and "see p. N"
# are set from it (print.css), as the page is in another piece than the link.
PAGE_ATTRIBUTE = "data-page"


@dataclass(frozen=True)
class Piece:
    """One document to lay out: `front` (roman folios), a part's page, a chapter, or `back`."""

    name: str
    root: etree._Element  # the whole <html> of this piece

    def links(self) -> list[etree._Element]:
        """Links whose printed page number comes from the layout: the contents and cross-references."""
        return [a for a in self.root.iter("a") if PAGE_ATTRIBUTE in a.attrib]

    def html(self) -> str:
        return lxml.html.tostring(self.root, doctype="<!DOCTYPE html>", encoding="unicode")


def book_html(book: Book, theme: Theme) -> etree._Element:
    """The book as one HTML document, keyed for the page list, with notes where paper wants them."""
    root = lxml.html.document_fromstring(render("book.html.j2", **front_matter_context(book, theme)))
    number_for_print(root)  # first: the keys must follow the markup the EPUB has
    formulas_as_svg(root, math_scale(theme.x_height))
    notes_at_page_foot(root)
    if book.config.print_links != "none":
        links_as_notes(root, at_chapter_end=book.config.print_links == "chapter-end")
    replace_unprintable(root, book, theme)  # last: the notes and link addresses above are text to print too
    for link in root.iter("a"):
        classes = (link.get("class") or "").split()
        if (link.get("href") or "").startswith("#") and ("xref" in classes or _in_contents(link)):
            link.set(PAGE_ATTRIBUTE, "")
    return root


def _in_contents(link: etree._Element) -> bool:
    """A link of the contents, or of a year's list of its chapters."""
    return any("contents" in (parent.get("class") or "").split() for parent in link.iterancestors("nav")) \
        or any("part-contents" in (parent.get("class") or "").split() for parent in link.iterancestors("ol"))


def pieces(root: etree._Element) -> list[Piece]:
    """Cut the book into its front matter, each part page and chapter, and its back matter."""
    body = root.find("body")
    front, main, back = [], None, []
    for child in body:
        if child.tag == "main":
            main = child
        elif main is None:
            front.append(child)
        else:
            back.append(child)
    result = [Piece("front", _document(root, front, None))]
    for section in (main if main is not None else []):
        if isinstance(section.tag, str):
            result.append(Piece(section.get("id"), _document(root, [section], main)))
    if back:
        result.append(Piece("back", _document(root, back, None)))
    return result


def _document(root: etree._Element, children: list[etree._Element], wrapper: etree._Element | None) -> etree._Element:
    """A document of the book's <head> and these elements (inside a copy of their <main>, if any)."""
    html = etree.Element("html", dict(root.attrib))
    html.append(copy.deepcopy(root.find("head")))
    body = etree.SubElement(html, "body", dict(root.find("body").attrib))
    holder = etree.SubElement(body, wrapper.tag, dict(wrapper.attrib)) if wrapper is not None else body
    for child in children:
        holder.append(copy.deepcopy(child))
    title = root.find(".//*[@class='half-title-text']")
    if title is not None and not any(child is title.getparent() for child in children):
        # The running heads name the book, and the half-title sets that name: each piece carries a copy
        # that takes no room and prints nothing, inside its first section (before it, the section's
        # break to a right-hand page would leave a page for it).
        holder[0].insert(0, _running_source(title))
    return html


def _running_source(title: etree._Element) -> etree._Element:
    holder = etree.Element("div", {"class": "running-source", "aria-hidden": "true"})
    holder.append(copy.deepcopy(title))
    holder[0].tail = None
    return holder


def page_css(book: Book, gutter: float) -> str:
    width, height = book.config.trim_inches
    bleed = f" bleed: {book.config.bleed};" if book.config.bleed else ""
    marks = " marks: crop;" if book.config.crop_marks else ""
    # A picture meant to bleed covers the whole page and runs on into the bleed, to be trimmed.
    edge = book.config.bleed_inches
    return (f"@page {{ size: {width:.4f}in {height:.4f}in;{bleed}{marks} }}\n"
            f"@page :right {{ margin-left: {gutter}in; }}\n@page :left {{ margin-right: {gutter}in; }}\n"
            f".bleed-page > img.bleed {{ width: {width + 2 * edge:.4f}in; height: {height + 2 * edge:.4f}in; "
            f"margin: -{edge:.4f}in 0 0 -{edge:.4f}in; }}")


def press_css(book: Book) -> str:
    """For PDF/X-4: the printer's profile as the CMYK the book is printed in, and the type and rules in
    black ink alone (K), as a press wants text; sRGB would be DeviceRGB, which PDF/X-4 does not allow."""
    if book.config.pdf_variant != "pdf/x-4":
        return ""
    black, grey = "device-cmyk(0 0 0 1)", "device-cmyk(0 0 0 0.6)"
    return (f'@color-profile device-cmyk {{ src: url("{OUTPUT_PROFILE_URL}"); components: cyan, magenta, yellow, black; }}\n'
            f"html, body, a, h1, h2, h3, h4, h5, h6, p, li, blockquote, cite, code, pre, td, th {{ color: {black}; }}\n"
            f"hr, table, td, th, .missing-image {{ border-color: {grey}; }}\n"
            f"@page {{ @top-left {{ color: {black}; }} @top-right {{ color: {black}; }} @bottom-center {{ color: {black}; }} }}\n"
            f"@page {{ @footnote {{ border-top-color: {grey}; border-image-source: none; }} }}\n")
