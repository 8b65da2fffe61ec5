"""The faces that stand behind every theme in print: what sets the characters a theme's own fonts lack.

Emoji, Chinese, Japanese and Korean, and symbols (★ ⏎ ✓, arrows, box drawing, sums) are in none of
the book faces. Left to the machine they print in whatever fonts it has, or as .notdef boxes. So every
font stack the print stylesheets declare gets these families after its first one, each from a pinned
package as the themes' own fonts are: a character the face lacks prints in the same face everywhere,
and a character the face has is set as before.
"""

from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import tinycss2


@dataclass(frozen=True)
class Fallback:
    """One fallback font file: its family, and where in which installed package it is."""

    family: str
    package: str  # the Python package that ships it
    file: str  # its path inside that package
    style: str = "normal"

    @property
    def path(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or spec.origin is None:
            raise FileNotFoundError(f"{self.package} is not installed")
        return Path(spec.origin).parent / self.file


# The scripts Noto Sans has a face of its own for, in manimgx-fonts.
SCRIPTS = ("Arabic", "Armenian", "Bengali", "Devanagari", "Ethiopic", "Georgian", "Gujarati", "Gurmukhi", "Hebrew",
           "Kannada", "Khmer", "Lao", "Malayalam", "Myanmar", "Oriya", "Sinhala", "Tamil", "Telugu", "Thai")

# In the order they are tried. Each is here for what the ones before it lack.
FALLBACKS = (
    # The formulas' own font (ziamath's): symbols, arrows, box drawing, sums, and Greek and Cyrillic
    # for the script faces, in a serif that sits well beside the text faces.
    Fallback("STIX Two Math", "ziamath", "fonts/STIXTwoMath-Regular.ttf"),
    # Emoji in black and white, as the rest of the page: before the symbol fonts, so that every emoji
    # is drawn alike, though Noto Sans Symbols 2 has a few of them too.
    Fallback("Noto Emoji", "manimgx_fonts", "NotoEmoji[wght].ttf"),
    # Dingbats (✗ ✦ ❝), more arrows and shapes, Braille, chess, and the other symbols.
    Fallback("Noto Sans Symbols 2", "justmytype_western_core", "fonts/ofl/notosanssymbols2/NotoSansSymbols2-Regular.ttf"),
    Fallback("Noto Sans Symbols", "manimgx_fonts", "NotoSansSymbols[wght].ttf"),
    # Letters beyond the faces' alphabets, and the scripts with faces of their own.
    Fallback("Noto Sans", "manimgx_fonts", "NotoSans[wght].ttf"),
    Fallback("Noto Sans", "manimgx_fonts", "NotoSans-Italic[wght].ttf", "italic"),
    *(Fallback(f"Noto Sans {script}", "manimgx_fonts", f"NotoSans{script}[wght].ttf") for script in SCRIPTS),
    # Chinese, Japanese and Korean: 5 MB, where Noto Sans CJK is 33.
    Fallback("WenQuanYi Micro Hei", "paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc"),
)
FALLBACK_FAMILIES = tuple(dict.fromkeys(fallback.family for fallback in FALLBACKS))
# What the book prints for a character no font has: the replacement character, which the faces draw.
REPLACEMENT = "\ufffd"

_KEYWORDS = {"inherit", "initial", "unset", "revert", "revert-layer"}


def with_fallbacks(css: str) -> str:
    """The stylesheet with the fallback families after the first family of every font-family declaration.

    After the first, not at the end: the names after it ("Garamond", serif) are the machine's fonts,
    and a glyph the face lacks should not depend on which of those a machine has. @font-face rules
    name one face, not a stack, and are left as they are."""
    return _stacked(tinycss2.parse_stylesheet(css))


def _stacked(nodes: list) -> str:
    out = []
    for node in nodes:
        if node.type == "declaration" and node.lower_name == "font-family":
            important = " !important" if node.important else ""
            out.append(f"{node.name}: {_with_fallbacks(node.value)}{important};")
        elif node.type == "declaration":
            out.append(node.serialize() + ";")
        elif node.type in ("qualified-rule", "at-rule") and node.content is not None \
                and getattr(node, "lower_at_keyword", None) != "font-face":
            keyword = f"@{node.at_keyword}" if node.type == "at-rule" else ""
            inner = _stacked(tinycss2.parse_blocks_contents(node.content))
            out.append(f"{keyword}{tinycss2.serialize(node.prelude)}{{{inner}}}")
        else:
            out.append(node.serialize())
    return "".join(out)


def _with_fallbacks(value: list) -> str:
    tokens = [token for token in value if token.type not in ("whitespace", "comment")]
    if not tokens or (tokens[0].type == "ident" and tokens[0].lower_value in _KEYWORDS) or tokens[0].type == "function":
        return tinycss2.serialize(value).strip()
    names = ", ".join(f'"{family}"' for family in FALLBACK_FAMILIES)
    comma = next((index for index, token in enumerate(value) if token.type == "literal" and token.value == ","), None)
    if comma is None:
        return f"{tinycss2.serialize(value).strip()}, {names}"
    return f"{tinycss2.serialize(value[:comma]).strip()}, {names}{tinycss2.serialize(value[comma:]).rstrip()}"


@lru_cache(maxsize=64)
def within_lines(path: Path, ascent: float, descent: float) -> bytes:
    """The font file with its ascent and descent no larger than these (in em): what print reads.

    WeasyPrint makes a line as tall as the tallest font on it, and some fallbacks reach far above
    or below a text face (Noto Sans Symbols 1.48 em up, Symbols 2 0.63 em down): one ✗ would open
    the line below it by two points. Within the theme's own metrics, a fallback leaves the leading
    as the theme set it. Only the numbers change, in place: the glyphs, and the file on disk, stay."""
    data = bytearray(path.read_bytes())
    for start in _font_offsets(data):
        tables = {}
        for record in range(start + 12, start + 12 + 16 * struct.unpack_from(">H", data, start + 4)[0], 16):
            tag, _, offset, length = struct.unpack_from(">4sIII", data, record)
            tables[tag] = (record, offset, length)
        units = struct.unpack_from(">H", data, tables[b"head"][1] + 18)[0]
        top, bottom = round(ascent * units), round(descent * units)
        hhea = tables[b"hhea"][1]
        _lower(data, hhea + 4, ">h", top)  # ascender
        _lower(data, hhea + 6, ">h", -bottom, deeper=True)  # descender, negative
        if b"OS/2" in tables:
            os2 = tables[b"OS/2"][1]
            _lower(data, os2 + 68, ">h", top)  # sTypoAscender
            _lower(data, os2 + 70, ">h", -bottom, deeper=True)  # sTypoDescender
            _lower(data, os2 + 74, ">H", top)  # usWinAscent
            _lower(data, os2 + 76, ">H", bottom)  # usWinDescent, positive
        for tag in (b"hhea", b"OS/2"):
            if tag in tables:
                record, offset, length = tables[tag]
                padded = bytes(data[offset:offset + length]) + b"\0" * (-length % 4)
                checksum = sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF
                struct.pack_into(">I", data, record + 4, checksum)
    return bytes(data)


def _font_offsets(data: bytearray) -> list[int]:
    """Where each font's table directory starts: one font, or each of a collection's."""
    if data[:4] != b"ttcf":
        return [0]
    return [struct.unpack_from(">I", data, 12 + 4 * index)[0] for index in range(struct.unpack_from(">I", data, 8)[0])]


def _lower(data: bytearray, offset: int, layout: str, limit: int, deeper: bool = False) -> None:
    value = struct.unpack_from(layout, data, offset)[0]
    struct.pack_into(layout, data, offset, max(value, limit) if deeper else min(value, limit))
