"""The theme's typefaces for the EPUB: static instances of the variable fonts, subset to the book's text.

Reading systems handle variable fonts unevenly (many show only the default instance), so each
face the stylesheets ask for becomes a static TrueType file, cut down to the characters the
book uses (with the OpenType features kept, so small capitals and ligatures still work)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import uharfbuzz as hb
from fontTools import subset

from ...cache import BuildCache, content_key, file_digest
from ...errors import warn
from ...model import Book
from ...recipients import for_word
from ...themes import FontFace, Theme
from ..render import part_number
from .documents import fragment

# The weights the stylesheets use: body text and the semi-bold of <strong> (in the text face only;
# the theme's other faces set headings or code at their regular weight).
WEIGHTS = (400, 600)
# The features that shape text in any script (fontTools' subsetter keeps them by default), and the ones
# the stylesheets ask for.
LAYOUT_FEATURES = (*subset.Options().layout_features, "smcp", "c2sc", "onum", "lnum", "pnum", "tnum", "case", "dlig")


@dataclass(frozen=True)
class EmbeddedFont:
    family: str
    weight: int
    style: str
    file_name: str  # inside the EPUB, e.g. "fonts/eb-garamond-400-italic.ttf"
    data: bytes


def embedded_fonts(theme: Theme, text: str, cache: BuildCache | None = None,
                   progress: Callable[..., None] = lambda *_: None) -> list[EmbeddedFont]:
    """Every face of the theme, at the weights the book uses, subset to the characters in text (with a
    cache, each subset made once for a font file, weight and set of characters)."""
    characters = sorted({ord(char) for char in set(text)} | set(range(0x20, 0x7F)))  # set(): at C's pace
    fonts = []
    text_face = theme.families[0] if theme.families else None
    wanted = [(face, _weights(face, face.family == text_face)) for face in theme.faces]
    total, done = sum(len(weights) for _, weights in wanted), 0
    for face, weights in wanted:
        try:
            made = _subsets(face, weights, characters, cache)
        except Exception as error:  # a damaged or unusual font file: the book reads on in the reader's fonts
            warn(face.path, None, f"could not prepare {face.family} for the EPUB ({error}); readers use their own font")
            made = {}
        slug = face.family.lower().replace(" ", "-")
        for weight in weights:
            done += 1
            progress(f"prepared {done}/{total} fonts for the EPUB", done, total)
            if weight in made:
                fonts.append(EmbeddedFont(face.family, weight, face.style, f"fonts/{slug}-{weight}-{face.style}.ttf",
                                          made[weight]))
    return fonts


class EpubFonts:
    """The EPUB's fonts, made when first asked for and kept: the book and each reader's copy share them."""

    def __init__(self, book: Book, theme: Theme, cache: BuildCache, progress: Callable[..., None]):
        self.book, self.theme, self.cache, self.progress = book, theme, cache, progress
        self.fonts: list[EmbeddedFont] | None = None

    def __call__(self) -> list[EmbeddedFont]:
        if self.fonts is None:
            self.fonts = (embedded_fonts(self.theme, book_text(self.book), self.cache, self.progress)
                          if self.book.config.embed_fonts else [])
        return self.fonts


def _weights(face: FontFace, text_face: bool) -> tuple[int, ...]:
    if " " not in face.weight:  # a static face: its one weight
        return (int(face.weight),)
    low, high = (int(part) for part in face.weight.split())
    wanted = WEIGHTS if text_face else WEIGHTS[:1]
    return tuple(weight for weight in wanted if low <= weight <= high) or (low,)


def _subsets(face: FontFace, weights: tuple[int, ...], characters: list[int], cache: BuildCache | None) -> dict[int, bytes]:
    """The face at each weight, subset: from the cache where it has them, else made (all together)."""
    if cache is None:
        return _static_subsets(face, weights, characters)
    # The file's bytes, not its name: a font updated in place is subset again. HarfBuzz's version, as a
    # newer subsetter writes other bytes.
    digest = file_digest(face.path)
    keys = {weight: content_key("font subset", hb.version_string(), digest, weight, characters) for weight in weights}
    found = {weight: cache.get("fonts", key) for weight, key in keys.items()}
    missing = tuple(weight for weight, data in found.items() if data is None)
    if missing:
        for weight, data in _static_subsets(face, missing, characters).items():
            cache.put("fonts", keys[weight], data)
            found[weight] = data
    return found  # type: ignore[return-value]


def _static_subsets(face: FontFace, weights: tuple[int, ...], characters: list[int]) -> dict[int, bytes]:
    """The face cut to the characters and fixed at each weight, by HarfBuzz's subsetter: milliseconds
    where fontTools' instancer took seconds a face (merging the kerning of each weight), with the same
    glyphs, outlines, metrics and shaping (compared glyph by glyph on the theme's faces)."""
    font = hb.Face(hb.Blob.from_file_path(str(face.path)))
    axes = [axis.tag for axis in font.axis_infos]
    made = {}
    for weight in weights:
        wanted = hb.SubsetInput()
        wanted.unicode_set.update(characters)
        # The features text is set with, and the ones the stylesheets ask for; not the alternates and
        # swashes ("aalt", "salt", "ss01"…) that would pull most of the font back in.
        features = wanted.layout_feature_tag_set
        features.clear()
        features.update(_tag(feature) for feature in LAYOUT_FEATURES)
        wanted.sets(hb.SubsetInputSets.NAME_ID).invert()  # every name: the font's licence and its designers
        wanted.flags = hb.SubsetFlags.NOTDEF_OUTLINE | hb.SubsetFlags.NO_HINTING  # reading devices render without hints
        if axes:  # a variable font: the weight asked for, other axes (optical size) at their defaults
            wanted.pin_all_axes_to_default(font)
            if "wght" in axes:
                wanted.pin_axis_location(font, "wght", weight)
        made[weight] = hb.subset(font, wanted).blob.data  # raises where the file is not a font it can cut
    return made


def _tag(name: str) -> int:
    return int.from_bytes(name.ljust(4).encode("ascii"), "big")


def font_face_css(fonts: list[EmbeddedFont], stylesheet_folder: str = "style") -> str:
    """@font-face rules for the EPUB's stylesheet (which sits in style/, beside fonts/)."""
    return "\n".join(
        f'@font-face {{ font-family: "{font.family}"; font-weight: {font.weight}; font-style: {font.style}; '
        f'src: url("../{font.file_name}"); }}'
        for font in fonts
    )


def book_text(book: Book) -> str:
    """Every character a reader may see: the essays, their titles, and what the front matter says."""
    config = book.config
    parts = [config.title, config.author, config.dedication, config.rights, config.edition, "©0123456789"]
    for essay in book.essays:
        parts += [essay.title, "".join(fragment(essay.xhtml).itertext())]
    for part in book.parts:
        parts += [part.title, part_number(part.number, config.language), "".join(fragment(part.opening).itertext())]
    # The readers' inscriptions: the book and its copies share one subset of each font.
    parts += [f"{for_word(config.language)} {reader.name} {reader.line}" for reader in config.recipients]
    return "".join(parts)
