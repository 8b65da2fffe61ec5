"""Read back the glyphs a PDF draws, to find any .notdef: the empty box a font draws for a character it lacks.

A viewer's text extraction cannot tell: WeasyPrint maps a missing character to glyph 0 but keeps its
Unicode in the ToUnicode map, so the text reads right while the page shows a box. So this follows
every string the content streams show through the font's encoding (Identity-H, or the CMap WeasyPrint
writes when a font lacks glyphs) and its CIDToGIDMap to the glyph drawn, and checks that glyph against
the font program embedded in the file.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pypdf
from fontTools.ttLib import TTFont
from pypdf.generic import ContentStream, DictionaryObject, IndirectObject, NameObject

SHOW_TEXT = {b"Tj", b"TJ", b"'", b'"'}


@dataclass(frozen=True)
class Notdef:
    page: int  # from 1
    font: str  # the PDF's BaseFont, e.g. "ABCDEF+EB-Garamond"
    text: str  # what the glyph stands for, from the font's ToUnicode map ("" when it has none)


def notdef_glyphs(pdf: Path) -> list[Notdef]:
    """Every .notdef glyph the PDF draws, page by page, in the order drawn."""
    reader = pypdf.PdfReader(pdf)
    found: list[Notdef] = []
    fonts: dict[object, _Font] = {}  # every page names the same few fonts: read each once
    for number, page in enumerate(reader.pages, start=1):
        contents = page.get_contents()
        if contents is not None:
            _scan(contents, page.get("/Resources"), reader, number, found, fonts)
    return found


def _scan(contents: object, resources: object, reader: pypdf.PdfReader, page: int, found: list[Notdef],
          known: dict[object, _Font]) -> None:
    resources = _resolve(resources) or DictionaryObject()
    fonts = _resolve(resources.get("/Font")) or {}
    xobjects = _resolve(resources.get("/XObject")) or {}
    stream = contents if isinstance(contents, ContentStream) else ContentStream(_resolve(contents), reader)
    font: _Font | None = None
    for operands, operator in stream.operations:
        if operator == b"Tf":
            reference = fonts[operands[0]]
            key = reference.idnum if isinstance(reference, IndirectObject) else id(reference)
            if key not in known:
                known[key] = _Font(_resolve(reference))
            font = known[key]
        elif operator in SHOW_TEXT and font is not None:
            strings = operands[0] if operator == b"TJ" else operands[-1:]
            for string in strings:
                if not isinstance(string, (int, float)):  # TJ's numbers move the pen
                    for code in font.codes(_bytes(string)):
                        if font.is_notdef(code):
                            found.append(Notdef(page, font.name, font.to_unicode.get(code, "")))
        elif operator == b"Do":
            xobject = _resolve(xobjects.get(operands[0]))
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                _scan(ContentStream(xobject, reader), xobject.get("/Resources", resources), reader, page, found, known)


class _Font:
    """A font as the content stream uses it: codes → CIDs → glyphs of the embedded program."""

    def __init__(self, dictionary: DictionaryObject):
        self.name = str(dictionary.get("/BaseFont", "?"))
        self.composite = dictionary.get("/Subtype") == "/Type0"
        self.to_unicode = _bf_map(_data(dictionary.get("/ToUnicode")))
        self.cid_of: dict[int, int] | None = None  # None: Identity-H (code = CID)
        self.gid_of: bytes | None = None  # None: Identity (CID = glyph)
        descriptor = dictionary
        if self.composite:
            encoding = _resolve(dictionary.get("/Encoding"))
            if not isinstance(encoding, NameObject):
                self.cid_of = _cid_map(_data(encoding))
            descendant = _resolve(_resolve(dictionary["/DescendantFonts"])[0])
            cid_to_gid = _resolve(descendant.get("/CIDToGIDMap"))
            if cid_to_gid is not None and not isinstance(cid_to_gid, NameObject):
                self.gid_of = _data(cid_to_gid)
            descriptor = descendant
        self.glyph_count = _glyph_count(_resolve(descriptor.get("/FontDescriptor")))

    def codes(self, data: bytes) -> list[int]:
        if not self.composite:
            return list(data)
        return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]

    def is_notdef(self, code: int) -> bool:
        if not self.composite:
            return False  # simple fonts draw what their encoding names; WeasyPrint sets text only in Type0 fonts
        cid = code if self.cid_of is None else self.cid_of.get(code, 0)
        gid = cid if self.gid_of is None else int.from_bytes(self.gid_of[2 * cid:2 * cid + 2] or b"\0\0", "big")
        return gid == 0 or (self.glyph_count is not None and gid >= self.glyph_count)


def _glyph_count(descriptor: DictionaryObject | None) -> int | None:
    """How many glyphs the embedded font program has (a glyph past them is drawn as .notdef)."""
    if descriptor is None:
        return None
    for key in ("/FontFile2", "/FontFile3"):
        if key in descriptor:
            return _count(_data(descriptor[key]))
    return None


@cache
def _count(program: bytes) -> int | None:
    try:
        return TTFont(io.BytesIO(program), lazy=True)["maxp"].numGlyphs
    except Exception:  # a bare CFF program: fontTools reads it as a table, not a font
        return None


def _cid_map(cmap: bytes) -> dict[int, int]:
    """A CMap's code → CID entries (cidchar and cidrange); a code it leaves out is CID 0, .notdef."""
    mapping: dict[int, int] = {}
    for block in re.findall(rb"begincidchar(.*?)endcidchar", cmap, re.S):
        for code, cid in re.findall(rb"<([0-9a-fA-F]+)>\s*(\d+)", block):
            mapping[int(code, 16)] = int(cid)
    for block in re.findall(rb"begincidrange(.*?)endcidrange", cmap, re.S):
        for low, high, cid in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\d+)", block):
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = int(cid) + offset
    return mapping


def _bf_map(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap's code → text entries (bfchar and bfrange)."""
    def text(hex_string: bytes) -> str:
        return bytes.fromhex(hex_string.decode()).decode("utf-16-be", "replace")

    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, value in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            mapping[int(code, 16)] = text(value)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, value in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            start = int(value, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def _resolve(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _data(stream: object) -> bytes:
    stream = _resolve(stream)
    return stream.get_data() if stream is not None else b""


def _bytes(string: object) -> bytes:
    if isinstance(string, bytes):
        return string
    return string.original_bytes if hasattr(string, "original_bytes") else str(string).encode("latin-1")
