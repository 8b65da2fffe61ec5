"""The theme's typefaces for the EPUB: static instances of the variable fonts, subset to the book's text.

Reading systems handle variable fonts unevenly (many show only the default instance), so each
face the stylesheets ask for becomes a static TrueType file, cut down to the characters the
book uses (with the OpenType features kept, so small capitals and ligatures still work)."""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property

import fontTools
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib.instancer import instantiateVariableFont

from ...cache import BuildCache, content_key, file_digest
from ...errors import WarningLog, log, said_again, warn
from ...model import Book
from ...recipients import for_word
from ...themes import FontFace, Theme
from ..workers import give_back_memory
from ..render import part_number
from .documents import fragment

# The weights the stylesheets use: body text and the semi-bold of <strong> (in the text face only;
# the theme's other faces set headings or code at their regular weight).
WEIGHTS = (400, 600)
EXTRA_FEATURES = ["smcp", "c2sc", "onum", "lnum", "pnum", "tnum", "case", "dlig"]


@dataclass(frozen=True)
class EmbeddedFont:
    family: str
    weight: int
    style: str
    file_name: str  # inside the EPUB, e.g. "fonts/eb-garamond-400-italic.ttf"
    data: bytes


def embedded_fonts(theme: Theme, text: str, cache: BuildCache | None = None,
                   progress: Callable[..., None] = lambda *_: None, only: int | None = None) -> list[EmbeddedFont]:
    """Every face of the theme (or only the one of this index), at the weights the book uses, subset to
    the characters in text (with a cache, each subset made once for a font file, weight and set of
    characters)."""
    characters = sorted({ord(char) for char in set(text)} | set(range(0x20, 0x7F)))  # set(): at C's pace
    fonts = []
    text_face = theme.families[0] if theme.families else None
    wanted = [(face, _weights(face, face.family == text_face)) for index, face in enumerate(theme.faces)
              if only is None or index == only]
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
    """The EPUB's fonts, a face a job, made on the layout workers if the layout lends them (`start`),
    else in this process when first asked for. The layout lends a worker when one will soon sit idle:
    once the last chapter is handed out (the first face, the text's, the longest to make), and once
    the front matter, the last piece, is (the others, shared by the workers it leaves free). The
    seconds a long book's fonts take were the build's own after its last page. Called, gives them,
    and tells the warnings making them gave."""

    def __init__(self, book: Book, theme: Theme, cache: BuildCache, progress: Callable[..., None]):
        self.book, self.theme, self.cache, self.progress = book, theme, cache, progress
        self.making: list[Future] = []  # the faces handed to workers, in the theme's order
        self.fonts: list[EmbeddedFont] | None = None

    def start(self, lend: Callable[..., Future], last: bool = True) -> None:
        """Hand faces to `lend`, which runs a function on a worker: one if more layout follows, else
        every face not handed out yet."""
        if not self.book.config.embed_fonts:
            return
        while len(self.making) < len(self.theme.faces):
            self.making.append(lend(made_apart, self.theme, self.characters, self.cache, len(self.making)))
            if not last:
                break

    @cached_property
    def characters(self) -> str:
        """The book's characters, each once: all a face is subset to (a few hundred, where the text is
        megabytes for each worker to be sent and hold)."""
        characters = "".join(set(book_text(self.book)))
        give_back_memory()  # the book's text, made to be read once
        return characters

    def __call__(self) -> list[EmbeddedFont]:
        if self.fonts is not None:
            return self.fonts
        if not self.book.config.embed_fonts:
            self.fonts = []
        elif not self.making:
            self.fonts = embedded_fonts(self.theme, self.characters, self.cache, self.progress)
        else:
            self.fonts, total = [], 0
            for index in range(len(self.theme.faces)):
                making = self.making[index] if index < len(self.making) else None
                if making is None or making.cancelled():  # no worker came to it: made here
                    fonts, warnings, count = made_apart(self.theme, self.characters, self.cache, index)
                else:
                    fonts, warnings, count = making.result()
                said_again(warnings)  # as if they had been made in this process
                self.fonts += fonts
                total += count
            self.progress(f"prepared {total}/{total} fonts for the EPUB", total, total)
        return self.fonts


def made_apart(theme: Theme, text: str, cache: BuildCache,
               only: int | None = None) -> tuple[list[EmbeddedFont], list[tuple[str, str]], int]:
    """embedded_fonts on a worker: the fonts, the warnings it gave, and how many it was to make."""
    capture = WarningLog()
    handlers, log.handlers = log.handlers, [capture]
    told: list[int] = []
    try:
        fonts = embedded_fonts(theme, text, cache, lambda _message, _done, total: told.append(total), only)
    finally:
        log.handlers = handlers
        give_back_memory()  # what fontTools took to subset, before the worker sits idle with it
    return fonts, capture.warnings, told[-1] if told else len(fonts)


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
    # The file's bytes, not its name: a font updated in place is subset again. fontTools' version,
    # as a newer subsetter or instancer writes other bytes.
    digest = file_digest(face.path)
    keys = {weight: content_key("font subset", fontTools.version, digest, weight, characters) for weight in weights}
    found = {weight: cache.get("fonts", key) for weight, key in keys.items()}
    missing = tuple(weight for weight, data in found.items() if data is None)
    if missing:
        for weight, data in _static_subsets(face, missing, characters).items():
            cache.put("fonts", keys[weight], data)
            found[weight] = data
    return found  # type: ignore[return-value]


def _static_subsets(face: FontFace, weights: tuple[int, ...], characters: list[int]) -> dict[int, bytes]:
    """The face cut to the characters once (reading its layout tables is most of the cost), then fixed
    at each weight."""
    font = TTFont(face.path, recalcTimestamp=False)  # the font's own date, not the clock: reproducible
    # Subset first (cheap on the whole variable font), then fix the weight on what is left.
    options = subset.Options()
    # The features text is set with, and the ones the stylesheets ask for; not the alternates
    # and swashes ("aalt", "salt", "ss01"…) that would pull most of the font back in.
    options.layout_features = [*subset.Options().layout_features, *EXTRA_FEATURES]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False  # screens of reading devices render without it
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters)
    subsetter.subset(font)
    if "fvar" not in font:
        return {weight: _saved(font) for weight in weights}
    cut = _saved(font, reorder=False)
    made = {}
    for weight in weights:
        font = TTFont(io.BytesIO(cut), recalcTimestamp=False)
        axes = {axis.axisTag: axis for axis in font["fvar"].axes}
        # The weight asked for; other axes (optical size) at their defaults.
        location = {tag: (weight if tag == "wght" else axis.defaultValue) for tag, axis in axes.items()}
        instance = instantiateVariableFont(font, location, inplace=True)  # the font is read afresh for each weight
        instance.recalcTimestamp = False
        made[weight] = _saved(instance)
    return made


def _saved(font: TTFont, reorder: bool = True) -> bytes:
    out = io.BytesIO()
    font.save(out, reorderTables=reorder)
    return out.getvalue()


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
