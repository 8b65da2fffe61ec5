"""A theme: its stylesheets for print and for EPUB, and the font families it sets text in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import fontpkg
from fontTools.ttLib import TTFont

from .cache import BuildCache, content_key
from .errors import ChapbookError, parse_toml, shown, warn
from .media.fallbacks import FALLBACKS
from .model import Book
from .sources.essays import decode_utf8
from .stylesheets import read_stylesheet

# Themes shipped with chapbook live in the repository's styles/; a book may bring its own.
BUILTIN_STYLES = Path(__file__).resolve().parents[2] / "styles"
THEME_FILE = "theme.toml"


@dataclass(frozen=True)
class FontFace:
    """One font file as CSS sees it."""

    family: str
    path: Path
    style: str
    weight: str  # "400", a variable range "400 800", or "" for whatever weight the file has


@dataclass(frozen=True)
class Theme:
    name: str
    folder: Path
    shared_css: str
    print_css: str
    epub_css: str
    faces: tuple[FontFace, ...]
    font_classes: tuple[str, ...]  # the names an essay's font_class may take
    cover_css: str = ""  # how the typographic cover is drawn
    book_css: str = ""  # the book's own stylesheet, applied last, in print and EPUB
    book_css_folder: Path | None = None

    @property
    def font_folders(self) -> tuple[Path, ...]:
        """The folders of the theme's fonts and of the fallbacks: the fonts the print engine may read."""
        return tuple(sorted({face.path.parent for face in (*self.faces, *fallback_faces())}))

    @property
    def epub_stylesheet(self) -> str:
        return "\n".join((self.shared_css, self.epub_css, self.book_css))

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(face.family for face in self.faces))

    @property
    def x_height(self) -> float | None:
        """The text face's x-height in em (its upright regular face's, as fonts record it)."""
        text = next((face for face in self.faces if face.style == "normal"), self.faces[0] if self.faces else None)
        return _x_height(text.path) if text else None

    @property
    def coverage(self) -> dict[str, frozenset[int]]:
        """Each family print may set text in, the theme's and then the fallbacks, with the characters it has."""
        paths: dict[str, list[Path]] = {}
        for face in (*self.faces, *fallback_faces()):
            paths.setdefault(face.family, []).append(face.path)
        return {family: _coverage(tuple(files)) for family, files in paths.items()}

    @property
    def line_extent(self) -> tuple[float, float] | None:
        """How far the theme's faces reach above and below the baseline, in em: the least of them,
        which a fallback is kept within so that it never opens a line."""
        metrics = [_extent(face.path) for face in self.faces]
        return (min(up for up, _ in metrics), min(down for _, down in metrics)) if metrics else None

    def font_face_css(self) -> str:
        """@font-face rules for the print engine (file URLs its fetcher is allowed to read), the
        theme's faces and the fallbacks behind them.

        A variable font gets no weight: WeasyPrint 70 rejects a range ("400 800"), and without
        one its text engine picks the weight each run asks for from the font's own axis."""
        return "\n".join(
            f"@font-face {{ font-family: '{face.family}'; src: url('{face.path.as_uri()}'); font-style: {face.style};"
            f"{f' font-weight: {face.weight};' if face.weight and ' ' not in face.weight else ''} }}"
            for face in (*self.faces, *fallback_faces())
        )


@lru_cache(maxsize=16)
def _x_height(path: Path) -> float | None:
    with TTFont(path, lazy=True) as font:
        height = getattr(font["OS/2"], "sxHeight", 0) if "OS/2" in font else 0
        return height / font["head"].unitsPerEm if height else None


@lru_cache(maxsize=16)
def _extent(path: Path) -> tuple[float, float]:
    """The ascent and descent (em) the text engine lays lines out with: the typographic ones where
    the font says to use them, else hhea's."""
    with TTFont(path, lazy=True) as font:
        units, os2 = font["head"].unitsPerEm, font["OS/2"]
        if os2.fsSelection & 1 << 7:  # USE_TYPO_METRICS
            return os2.sTypoAscender / units, -os2.sTypoDescender / units
        return font["hhea"].ascent / units, -font["hhea"].descent / units


# The characters of each font file, by its path, size and time: reading a font's character map takes a
# while (CJK fonts), so a build reads each once, and can take them from its cache (see remember_coverage).
_COVERAGE: dict[tuple[str, int, int], frozenset[int]] = {}


def _identity(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_size, stat.st_mtime_ns


def _coverage(paths: tuple[Path, ...]) -> frozenset[int]:
    covered: set[int] = set()
    for path in paths:
        identity = _identity(path)
        if identity not in _COVERAGE:
            with TTFont(path, lazy=True, fontNumber=0) as font:  # a collection's first face (its others share the glyphs)
                _COVERAGE[identity] = frozenset(font.getBestCmap())
        covered |= _COVERAGE[identity]
    return frozenset(covered)


def known_coverage() -> dict[tuple[str, int, int], frozenset[int]]:
    """The character maps read so far, to hand to another process or keep in the build cache."""
    return dict(_COVERAGE)


def remember_coverage(known: dict[tuple[str, int, int], frozenset[int]]) -> None:
    _COVERAGE.update(known)


def read_coverage(theme: Theme, cache: BuildCache) -> None:
    """Read the character maps of the theme's fonts and the fallbacks, from the cache when it has them."""
    identities = sorted({_identity(face.path) for face in (*theme.faces, *fallback_faces())})
    key = content_key("font coverage", identities)
    stored = cache.get_json("font-coverage", key)
    if isinstance(stored, list) and len(stored) == len(identities):
        remember_coverage({identity: frozenset(_codepoints(ranges)) for identity, ranges in zip(identities, stored)})
    if all(identity in _COVERAGE for identity in identities):
        return
    theme.coverage  # noqa: B018 — reads every map not yet known
    cache.put_json("font-coverage", key, [_ranges(_COVERAGE[identity]) for identity in identities])


def _ranges(codepoints: frozenset[int]) -> list[list[int]]:
    """A character map as runs [first, last]: a CJK font's 30,000 characters are a few hundred runs."""
    runs: list[list[int]] = []
    for code in sorted(codepoints):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return runs


def _codepoints(runs: list[list[int]]) -> Iterator[int]:
    for first, last in runs:
        yield from range(first, last + 1)


@lru_cache(maxsize=1)
def fallback_faces() -> tuple[FontFace, ...]:
    """The fallback fonts as faces (see media/fallbacks.py); one whose package is missing is said, and left out."""
    faces = []
    for fallback in FALLBACKS:
        try:
            path = fallback.path
        except FileNotFoundError:
            path = None
        if path is None or not path.is_file():
            warn(fallback.package, None, f"fallback font {fallback.family} is not installed; characters the theme's fonts "
                 f"lack may print as empty boxes. Reinstall chapbook to bring back its package")
            continue
        faces.append(FontFace(fallback.family, path, fallback.style, ""))
    return tuple(faces)


def load_theme(name: str, book_root: Path, config_path: Path, stylesheet: str = "") -> Theme:
    """Find the theme in the book's own styles/ first, then among chapbook's; add the book's own CSS."""
    for base in (book_root / "styles", BUILTIN_STYLES):
        folder = base / name
        if (folder / THEME_FILE).is_file():
            break
    else:
        available = sorted(p.parent.name for p in BUILTIN_STYLES.glob(f"*/{THEME_FILE}"))
        raise ChapbookError(config_path, None, f'theme "{name}" not found; the themes are: {", ".join(available)}')
    settings = _settings(folder / THEME_FILE)

    def css(key: str) -> str:
        return "\n".join(read_stylesheet(folder / file) for file in settings.get(key, []))

    faces = tuple(face for family in settings.get("fonts", []) for face in _faces(family, settings, folder))
    book_css_path = (book_root / stylesheet) if stylesheet else None
    theme = Theme(
        name, folder, css("shared"), css("print"), css("epub"), faces,
        font_classes=tuple(settings.get("font_classes", [])),
        cover_css=css("cover"),
        book_css=read_stylesheet(book_css_path) if book_css_path else "",
        book_css_folder=book_css_path.parent.resolve() if book_css_path else None,
    )
    _check_named_families(theme)
    return theme


def _settings(path: Path) -> dict:
    """theme.toml, read; a mistake in it is an error at its line, as in book.toml."""
    return parse_toml(shown(path), decode_utf8(shown(path), path.read_bytes()))


def check_font_classes(book: Book, theme: Theme) -> None:
    """An essay asking for a font set the theme does not have is told so, and keeps the theme's text face."""
    for essay in book.essays:
        if essay.font_class and essay.font_class not in theme.font_classes:
            offered = ", ".join(theme.font_classes) or "none"
            warn(shown(essay.source), None, f'font_class "{essay.font_class}" is not one theme {theme.name} has '
                 f"({offered}); the chapter uses the theme's usual fonts. Map it in book.toml's font_classes")


GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "inherit", "initial"}


def _check_named_families(theme: Theme) -> None:
    """A print rule whose first font is not one the theme ships would be set in whatever the system has."""
    known = {family.casefold() for family in theme.families} | GENERIC_FAMILIES
    for css in (theme.shared_css, theme.print_css):
        for declaration in re.findall(r"font-family\s*:\s*([^;}]+)", css):
            first = declaration.split(",")[0].strip().strip("'\"")
            if first.casefold() not in known:
                warn(theme.folder, None, f'the theme sets text in "{first}", which is not among its fonts '
                     f'({", ".join(theme.families) or "none"}); print falls back to a system font. '
                     "Add it to theme.toml's fonts")


def _faces(family: str, settings: dict, folder: Path) -> list[FontFace]:
    try:
        installed = fontpkg.family(family)
    except fontpkg.FontpkgError:
        fallback = settings.get("fallback", "serif")
        warn(folder / THEME_FILE, None, f'font "{family}" is not installed; text set in it falls back to {fallback}. '
             "Install its fontpkg package or change the theme's fonts")
        return []
    faces = []
    for file in installed.files:
        weight = f"{file.wght_min} {file.wght_max}" if file.variable and file.wght_min else str(file.weight or 400)
        faces.append(FontFace(installed.name, file.path, file.style, weight))
    return faces
