"""Every character in a real typeface: which face prints each one, said where it is not the theme's own.

Before layout, a character in no font at all (neither the theme's nor a fallback) becomes U+FFFD in
print, which the faces draw, instead of an empty .notdef box. After layout, each character a
fallback prints is named once per essay and fallback, with the faces that lack it:
`essay.md:12: "★⏎" are not in EB Garamond; printed in STIX Two Math`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from lxml import etree
from weasyprint import Document
from weasyprint.formatting_structure import boxes
from weasyprint.text.ffi import ffi, pango

from ...config import CONFIG_NAME
from ...errors import shown, warn
from ...media.fallbacks import REPLACEMENT
from ...model import Book
from ..pagemap import PAGE_KEY
from ...themes import Theme

# Default-ignorable characters outside the format controls (Cf): they steer the glyphs around them
# (a variation selector asks for emoji or text style) and draw nothing themselves.
_IGNORABLE = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x3164, 0x3164),
              (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0000, 0xE0FFF))
# A formula is drawn from the math font as paths; its characters are not set in the text faces.
_DRAWN = {"math", "svg"}
_UNPRINTED = {"head", "title", "style", "script"}


def needs_glyph(char: str) -> bool:
    """Whether a character is drawn: not white space, a control, or a mark that only steers others."""
    code = ord(char)
    return not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")
                or any(low <= code <= high for low, high in _IGNORABLE))


# Unicode's line and paragraph separators (U+2028, U+2029) stop WeasyPrint's line breaking with an
# error; a line break says what they mean (a space in running text, a new line in verse and code).
_SEPARATORS = {0x2028: "\n", 0x2029: "\n"}


def replace_unprintable(root: etree._Element, book: Book, theme: Theme) -> None:
    """Put U+FFFD in place of each character no font has, and say which, essay by essay."""
    _source.cache_clear()
    covered = frozenset().union(*theme.coverage.values())
    missing: dict[Path, dict[str, None]] = {}
    unprintable: dict[str, bool] = {}  # each distinct character asked about once: books repeat theirs

    def fix(text: str | None, where: Iterator[etree._Element]) -> str | None:
        if not text:
            return text
        text = text.translate(_SEPARATORS)
        lacking = [char for char in set(text) if char not in unprintable and _unprintable(char, covered, unprintable)
                   or unprintable[char]]
        if not lacking:
            return text
        lacking = [char for char in dict.fromkeys(text) if char in lacking]  # in the order the text has them
        missing.setdefault(source_of(where), {}).update(dict.fromkeys(lacking))
        return "".join(REPLACEMENT if char in lacking else char for char in text)

    # Most books have no such character: one look at all the text (lxml's, fast) says so.
    every_char = set("".join(root.itertext()))
    if not any(ord(char) in _SEPARATORS or _unprintable(char, covered, unprintable) for char in every_char):
        return

    sources = {essay.slug: essay.source for essay in book.essays}

    def source_of(elements: Iterator[etree._Element]) -> Path:
        chapter = next((e for e in elements if _local(e.tag) == "section" and e.get("id") in sources), None)
        return sources[chapter.get("id")] if chapter is not None else _book_file(book)

    for element in root.iter():
        if not isinstance(element.tag, str) or _local(element.tag) in _UNPRINTED:
            continue
        drawn = any(_local(a.tag) in _DRAWN for a in element.iterancestors())
        if not drawn and _local(element.tag) not in _DRAWN:
            element.text = fix(element.text, _self_and_ancestors(element))
        if not drawn:  # the text after a formula is set as any other
            element.tail = fix(element.tail, element.iterancestors())
    for where, chars in missing.items():
        text = "".join(chars)
        warn(shown(where), _line_of(where, text), f'"{text}" {_is(text)} in no font chapbook has, the theme\'s or '
             f'a fallback; printed as "{REPLACEMENT}". Replace {_them(text)} or add a font that has {_them(text)} '
             "to the theme")


def _unprintable(char: str, covered: frozenset[int], known: dict[str, bool]) -> bool:
    known[char] = ord(char) not in covered and needs_glyph(char)
    return known[char]


def printable(html: str, theme: Theme) -> str:
    """The markup with U+FFFD for each character no font has, for the covers (their title and author are
    on the title page too, where the interior's layout names them). Markup is ASCII: only text changes."""
    covered = frozenset().union(*theme.coverage.values())
    return "".join(char if ord(char) in covered or not needs_glyph(char) else REPLACEMENT for char in html)


# What a fallback printed in one place: (the essay or file, the fallback, its characters, the faces they are not in).
Fallback = tuple[str, str, str, list[str]]


def fallback_findings(document: Document, book: Book, theme: Theme) -> list[Fallback]:
    """The characters each fallback prints in this document, by essay and fallback, with the faces they are not in.

    The faces are the ones the text engine chose, not a guess from the fonts' character maps: it sets
    an emoji in the emoji font even where the text face has a glyph for it (EB Garamond's 👍)."""
    _source.cache_clear()  # the essays as they are now, not as an earlier build in this process read them
    coverage = {family.casefold(): (family, chars) for family, chars in theme.coverage.items()}
    essays = {essay.slug: essay for essay in book.essays}
    found: dict[tuple[Path, str], tuple[dict[str, None], dict[str, None]]] = {}  # → characters, faces
    for page in document.pages:
        for box, key in _text_boxes(page._page_box, None):
            stack = box.style["font_family"]
            if not stack or stack[0].casefold() not in coverage:
                continue  # a face the CSS names but no package ships: the theme's own warning says so
            face, own = coverage[stack[0].casefold()]
            if _set_in_face(own).issuperset(box.text) or not any(_maybe_elsewhere(char, own) for char in box.text):
                continue  # the face has every character, and none is an emoji: no need to ask
            essay = essays.get(key.rsplit("/", 1)[0]) if key else None
            for printer, text in _runs(box):
                if printer.casefold() == face.casefold():
                    continue
                for char in filter(needs_glyph, text):
                    where = essay.source if essay else _first_mention(book, char)
                    chars, faces = found.setdefault((where, printer), ({}, {}))
                    chars[char] = faces[face] = None
    return [(str(where), printer, "".join(chars), list(faces)) for (where, printer), (chars, faces) in found.items()]


def report_fallbacks(findings: list[Fallback]) -> None:
    """Name the characters each fallback prints, once per essay and fallback (across the pieces of the
    book laid out apart), with the faces they are not in."""
    merged: dict[tuple[str, str], tuple[dict[str, None], dict[str, None]]] = {}
    for where, printer, text, faces in findings:
        chars, not_in = merged.setdefault((where, printer), ({}, {}))
        chars.update(dict.fromkeys(text))
        not_in.update(dict.fromkeys(faces))
    for (where, printer), (chars, faces) in merged.items():
        text = "".join(chars)
        warn(shown(Path(where)), _line_of(Path(where), text),
             f'"{text}" {_is(text)} not in {" or ".join(faces)}; printed in {printer}')


@lru_cache(maxsize=64)
def _set_in_face(own: frozenset[int]) -> frozenset[str]:
    """The characters a face of this coverage sets itself: it has them, and none is an emoji (a first look at
    a line of text, at the speed of a set; most lines need no other)."""
    return frozenset(chr(code) for code in own if code < 0x231A and code != 0xFE0F)


def _maybe_elsewhere(char: str, own: frozenset[int]) -> bool:
    """Whether a character may be set in another face: the face lacks it, or it may be an emoji, which
    the text engine sets in an emoji font first (the emoji begin at U+231A ⌚; U+FE0F asks for one)."""
    code = ord(char)
    return (code not in own or code >= 0x231A or code == 0xFE0F) and needs_glyph(char)


def _runs(box: boxes.TextBox) -> Iterator[tuple[str, str]]:
    """The box's text as the text engine sets it: each run's font family, and its text."""
    layout = box.pango_layout
    layout.reactivate(box.style)  # WeasyPrint lets go of its shaping after layout, and shapes again to draw
    try:
        text = layout.text.encode()
        index = 0
        while (line := pango.pango_layout_get_line_readonly(layout.layout, index)) != ffi.NULL:
            run = line.runs
            while run != ffi.NULL:
                item = ffi.cast("PangoGlyphItem *", run.data).item
                description = pango.pango_font_describe_with_absolute_size(item.analysis.font)
                family = ffi.string(pango.pango_font_description_get_family(description)).decode()
                pango.pango_font_description_free(description)
                yield family, text[item.offset:item.offset + item.length].decode()
                run = run.next
            index += 1
    finally:
        layout.deactivate()


def _self_and_ancestors(element: etree._Element) -> Iterator[etree._Element]:
    yield element
    yield from element.iterancestors()


def _text_boxes(box: boxes.Box, key: str | None) -> Iterator[tuple[boxes.TextBox, str | None]]:
    """The page's text boxes, running heads and folios too, each with the page-list key of its element.
    Not the theme's own marks (list bullets, generated content): the writer did not type them."""
    if "::" in (getattr(box, "element_tag", "") or ""):
        return
    element = getattr(box, "element", None)
    if element is not None and element.get(PAGE_KEY):
        key = element.get(PAGE_KEY)
    if isinstance(box, boxes.TextBox):
        yield box, key
    for child in getattr(box, "children", ()) or ():
        yield from _text_boxes(child, key)


def _first_mention(book: Book, char: str) -> Path:
    """Where text outside the chapters (a running head, the title page) comes from: the first essay that
    has the character, else book.toml."""
    for essay in book.essays:
        if char in _source(essay.source):
            return essay.source
    return _book_file(book)


def _book_file(book: Book) -> Path:
    return book.root / CONFIG_NAME


def _line_of(path: Path, chars: str) -> int | None:
    """The first line of the file that has one of the characters."""
    for number, line in enumerate(_source(path).splitlines(), start=1):
        if any(char in line for char in chars):
            return number
    return None


@lru_cache(maxsize=256)
def _source(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _is(text: str) -> str:
    return "is" if len(text) == 1 else "are"


def _them(text: str) -> str:
    return "it" if len(text) == 1 else "them"
