"""A key for each page of a PDF: a digest of everything its drawing depends on (its content streams,
its resources with the fonts and pictures they hold, its boxes). Two pages with the same key draw the
same, so what was read from one (the preview's image, the preflight's facts) holds for the other.

With `fonts_by_name`, an embedded font counts by its name alone, not its bytes. WeasyPrint names a
font by a hash of the face it is (family, weight, style, variations) and subsets it keeping each
glyph's number, so a glyph drawn with that name has the same outline and width in any subset: a page
keeps its key when another chapter's new letter adds a glyph to the font. A caller that keys this way
must tell the font files apart itself (the preflight keys its facts by the files the layout used)."""

from __future__ import annotations

import hashlib

import pikepdf

# The page keys of a page's dictionary that change how it is drawn (not /Parent: the page tree).
DRAWN = ("/Contents", "/Resources", "/MediaBox", "/CropBox", "/TrimBox", "/BleedBox", "/Rotate", "/Group")


def page_keys(document: pikepdf.Pdf, fonts_by_name: bool = False) -> list[str]:
    """Every page's key, in order. Each indirect object is read once (a font is shared by every page):
    about 0.1 ms a page."""
    memo: dict[tuple[int, int], bytes] = {}
    return [_digest(pikepdf.Dictionary({name: page.obj[name] for name in DRAWN if name in page.obj}), memo,
                    fonts_by_name).hex()
            for page in document.pages]


def _digest(value: object, memo: dict[tuple[int, int], bytes], fonts_by_name: bool = False) -> bytes:
    """A digest of a PDF object and all it refers to: equal digests draw the same."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        known = memo.get(value.objgen)
        if known is not None:
            return known
        memo[value.objgen] = b"(a reference back)"
    digest = hashlib.blake2b(digest_size=12)
    if fonts_by_name and _embedded_font(value):
        digest.update(b"font " + str(value.get("/BaseFont")).encode())
    elif isinstance(value, (pikepdf.Dictionary, pikepdf.Stream)):
        if isinstance(value, pikepdf.Stream):
            digest.update(b"stream" + value.read_raw_bytes())
        for name in sorted(value.keys()):
            digest.update(name.encode() + _digest(value[name], memo, fonts_by_name))
    elif isinstance(value, pikepdf.Array):
        for item in value:
            digest.update(b"," + _digest(item, memo, fonts_by_name))
    elif isinstance(value, pikepdf.Object):
        digest.update(value.unparse())
    else:  # pikepdf gives numbers and booleans as Python's own
        digest.update(repr(value).encode())
    result = digest.digest()
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        memo[value.objgen] = result
    return result


def _embedded_font(value: object) -> bool:
    """A font dictionary whose glyphs are an embedded program (not a Type 3 font, drawn by its own
    content streams, which are digested as any other)."""
    if not isinstance(value, pikepdf.Dictionary) or value.get("/Type") != "/Font" or "/BaseFont" not in value:
        return False
    return value.get("/Subtype") != "/Type3"
