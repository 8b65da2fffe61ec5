"""Links to places the book does not have: once every chapter is rendered, each link to an #anchor is
checked against the ids the chapters really hold, and one that names nothing is mended or unlinked.

A blog's page may link to a heading that was renamed since, or to an anchor a theme made and
Markdown does not; the browser then just opens the page, but an EPUB with such a link is invalid.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path

from lxml import etree

from .addresses import ID_SEPARATOR
from .config import CONFIG_NAME
from .errors import shown, warn
from .markdown.xhtml import inner_xml
from .model import Book

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# How alike an anchor and a heading's id must be for the heading to be where the anchor went.
MOVED = 0.8
# Not a tag anyone writes: links to drop are renamed to it, then stripped, their words kept.
_UNLINKED = "chapbook-unlinked"


def mend_anchor_links(book: Book) -> Book:
    """Point each link whose #anchor names no place in the book at the heading it obviously became, or at
    the start of the chapter it names; a link to nothing in its own chapter keeps its words, unlinked."""
    texts = {essay.slug: essay.xhtml for essay in book.essays}
    texts.update({part.slug: part.opening for part in book.parts})
    ids = {slug: _ids(xhtml) for slug, xhtml in texts.items()}
    headings = {slug: {str(h.get("id")): _words(h) for h in _fragment(xhtml).iter(*HEADINGS) if h.get("id")}
                for slug, xhtml in texts.items()}
    everywhere = set(ids) | {i for found in ids.values() for i in found}
    for key in ("epigraph", "acknowledgements", "about_author"):
        everywhere |= _ids(getattr(book, key))
    reported: set[tuple[Path, str]] = set()

    def mend(xhtml: str, slug: str, source: Path) -> str:
        if not xhtml:
            return xhtml
        root = _fragment(xhtml)
        changed = False
        for link in root.iter("a"):
            href = link.get("href") or ""
            if not href.startswith("#") or href[1:] in everywhere:
                continue
            changed = True
            target, written = _new_target(href[1:], slug, headings)
            if target:
                link.set("href", "#" + target)
            else:
                link.tag = _UNLINKED
            # "#top" is HTML's own name for the top of the page: nothing to report.
            if (source, href) not in reported and written.lower() != "top":
                reported.add((source, href))
                warn(shown(source), _line_of(source, written), _what_became(written, target, headings, book))
        if not changed:
            return xhtml
        etree.strip_tags(root, _UNLINKED)
        return inner_xml(root).strip()

    config_file = book.root / CONFIG_NAME
    return replace(
        book,
        essays=tuple(replace(e, xhtml=mend(e.xhtml, e.slug, e.source)) for e in book.essays),
        parts=tuple(replace(p, opening=mend(p.opening, p.slug, p.source or config_file)) for p in book.parts),
        **{key: mend(getattr(book, key), key, config_file) for key in ("epigraph", "acknowledgements", "about_author")},
    )


def _new_target(target: str, here: str, headings: dict[str, dict[str, str]]) -> tuple[str | None, str]:
    """Where a link to the missing id `target` should lead (None: nowhere), and its anchor as written."""
    chapter, _, anchor = target.partition(ID_SEPARATOR)
    if chapter not in headings:  # not even the chapter is in the book (an id written by hand in raw HTML)
        return None, target
    if anchor.lower() == "top":
        return chapter, anchor
    own = {heading_id.partition(ID_SEPARATOR)[2]: heading_id for heading_id in headings[chapter]}
    # The same words spelt another way (another generator's slugs: "My_Heading", "my-heading"), or a near miss.
    spelt = anchor.lower().replace("_", "-").replace("%20", "-").replace(" ", "-")
    close = own.get(spelt) or next((own[a] for a in difflib.get_close_matches(spelt, list(own), 1, MOVED)), None)
    if close:
        return close, anchor
    # Another chapter's lost anchor still means that chapter, as a browser opens the page; in its own
    # chapter the link leads nowhere.
    return (chapter if chapter != here else None), anchor


def _what_became(anchor: str, target: str | None, headings: dict[str, dict[str, str]], book: Book) -> str:
    said = f'link to "#{anchor}": no heading or anchor there has that name; '
    if target is None:
        return said + "its words are kept, without the link"
    chapter, _, heading = target.partition(ID_SEPARATOR)
    if heading:
        return said + f'it leads to the heading "{headings[chapter][target]}" instead. Fix the anchor if that is wrong'
    title = next((item.title for item in (*book.essays, *book.parts) if item.slug == chapter), chapter)
    return said + f'it leads to the start of "{title}". Fix the anchor, or link the page alone'


def _line_of(source: Path, anchor: str) -> int | None:
    """The first line of the source that holds the anchor as written: where the writer will look."""
    try:
        lines = source.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return None
    return next((number for number, line in enumerate(lines, start=1) if f"#{anchor}" in line), None)


def _fragment(xhtml: str) -> etree._Element:
    return etree.fromstring(f"<div>{xhtml}</div>")


def _ids(xhtml: str) -> set[str]:
    return {str(value) for value in _fragment(xhtml).xpath("//@id")} if xhtml else set()


def _words(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())
