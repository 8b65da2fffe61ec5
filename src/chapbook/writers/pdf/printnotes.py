"""Notes for paper: a note is set at the foot of its page, and a link's address becomes a note.

Paper has no back button and no clickable links, so the HTML the PDF is laid out from moves
each Markdown footnote to its call (where CSS `float: footnote` sends it to the page foot) and
gives each web link its address as a note. The EPUB keeps notes as linked pop-ups.
"""

from __future__ import annotations

from lxml import etree

from ..pagemap import chapter_sections
from ...urls import printable_address


def _classes(element: etree._Element) -> list[str]:
    return (element.get("class") or "").split()


def notes_at_page_foot(root: etree._Element) -> None:
    """Move each footnote's text to its call; its paragraphs become inline spans (a <p> cannot sit in a <p>)."""
    for section in chapter_sections(root):
        notes = {li.get("id"): li for li in section.iter("li") if "footnote-item" in _classes(li)}
        for call in [a for a in section.iter("a") if "footnote-ref" in _classes(a.getparent())]:
            item = notes.get((call.get("href") or "").removeprefix("#"))
            if item is None:
                continue
            note = etree.Element("span", {"class": "page-note"})
            for paragraph in item.iterfind("p"):
                paragraph.tag = "span"
                paragraph.set("class", "page-note-paragraph")
                note.append(paragraph)
            marker = call.getparent()  # the <sup> with the number; the float's own call replaces it
            note.tail = marker.tail
            marker.addprevious(note)
            marker.getparent().remove(marker)
        for block in [s for s in section.iter("section") if "footnotes" in _classes(s)]:
            block.getparent().remove(block)
        for rule in [hr for hr in section.iter("hr") if "footnotes-sep" in _classes(hr)]:
            rule.getparent().remove(rule)


def _text_sections(root: etree._Element) -> list[etree._Element]:
    """Where a reader meets links: the chapters, part openings and the back matter."""
    return [section for section in root.iter("section")
            if {"chapter", "part", "back-matter"} & set(_classes(section))]


def links_as_notes(root: etree._Element, at_chapter_end: bool = False) -> None:
    """A web link's address goes to the page foot (or to a list at the chapter's end), unless the
    link's text is the address already; what is printed is what a reader types, without the tracking
    parameters (the link itself keeps them, as the EPUB's does)."""
    for section in _text_sections(root):
        addresses = []
        for link in list(section.iter("a")):
            href = link.get("href") or ""
            shown = "".join(link.itertext()).strip()
            if not href.startswith(("http://", "https://")):
                continue
            if shown.rstrip("/") == href.rstrip("/"):  # the text is the address: it is what is printed
                if len(link) == 0:
                    link.text = printable_address(shown)
                continue
            if at_chapter_end:
                addresses.append(printable_address(href))
                note = etree.Element("sup", {"class": "link-call"})
                note.text = str(len(addresses))
            else:
                note = etree.Element("span", {"class": "page-note link-note"})
                note.text = printable_address(href)
            note.tail, link.tail = link.tail, None
            link.addnext(note)
        if addresses:
            listing = etree.SubElement(section, "section", {"class": "link-notes"})
            etree.SubElement(listing, "p", {"class": "link-notes-title"}).text = "Addresses"
            numbered = etree.SubElement(listing, "ol")
            for address in addresses:
                etree.SubElement(numbered, "li").text = address
