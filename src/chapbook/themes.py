"""A theme: its stylesheets for print and for EPUB, and the font families it sets text in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import fontpkg
import tinycss2
from fontTools.ttLib import TTFont

from .cache import BuildCache, content_key
from .config import option_line
from .errors import ChapbookError, parse_toml, shortened, shown, warn
from .media.fallbacks import FALLBACKS
from .model import Book
from .sources.essays import decode_utf8
from .stylesheets import read_stylesheet

# Themes shipped with chapbook live in its package (src/chapbook/styles/, package data); a book may bring its own.
BUILTIN_STYLES = Path(__file__).resolve().parent / "styles"
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
        return epub_css("\n".join((self.shared_css, self.epub_css, self.book_css)))

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
    return _covered(tuple(_identity(path) for path in paths))


@lru_cache(maxsize=64)
def _covered(identities: tuple[tuple[str, int, int], ...]) -> frozenset[int]:
    """The characters these font files have between them (the same set each time it is asked for: each
    piece of the book asks)."""
    covered: set[int] = set()
    for identity in identities:
        if identity not in _COVERAGE:
            with TTFont(identity[0], lazy=True, fontNumber=0) as font:  # a collection's first face (its others share the glyphs)
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
    """Find the theme in the book's own styles/ first, then among chapbook's; add the book's own CSS.

    Nothing outside the book is read for it: a theme of the book's, and every file its theme.toml
    names, must be inside the book folder once links are followed (a built-in theme's, inside
    chapbook's styles/)."""
    folder, home = _theme_folder(name, book_root, config_path)
    settings = ThemeSettings.read(folder / THEME_FILE, home)
    faces = tuple(face for family in settings.names("fonts") for face in _faces(family, settings.fallback, folder))
    book_css_path = (book_root / stylesheet) if stylesheet else None
    book_css = read_stylesheet(book_css_path) if book_css_path else ""
    theme = Theme(
        name, folder, settings.css("shared"), settings.css("print"), settings.css("epub"), faces,
        font_classes=settings.names("font_classes"),
        cover_css=settings.css("cover"),
        book_css=book_css,
        book_css_folder=book_css_path.parent.resolve() if book_css_path else None,
    )
    if book_css_path:
        _warn_of_references(book_css, book_css_path)
    _check_named_families(theme)
    return theme


def _theme_folder(name: str, book_root: Path, config_path: Path) -> tuple[Path, Path]:
    """The theme's folder, and the folder its files must stay in: the book, or chapbook's styles/."""
    for base, home in ((book_root / "styles", book_root), (BUILTIN_STYLES, BUILTIN_STYLES)):
        folder = base / name
        if (folder / THEME_FILE).is_file():
            break
    else:
        available = sorted(p.parent.name for p in BUILTIN_STYLES.glob(f"*/{THEME_FILE}"))
        raise ChapbookError(config_path, option_line(book_root, "theme"),
                            f'theme "{name}" not found; the themes are: {", ".join(available)}')
    if not (folder / THEME_FILE).resolve().is_relative_to(home.resolve()):
        raise ChapbookError(config_path, option_line(book_root, "theme"),
                            f'theme "{name}" is styles/{name}, which leads outside the book folder (a symbolic '
                            "link?); a book's theme must be a folder inside it")
    return folder.resolve(), home.resolve()


@dataclass(frozen=True)
class ThemeSettings:
    """A theme.toml read and checked: what it sets, and the line each setting is on, for messages."""

    path: Path
    home: Path  # every file the theme names must be inside this folder
    text: str
    data: dict

    @classmethod
    def read(cls, path: Path, home: Path) -> ThemeSettings:
        text = decode_utf8(shown(path), path.read_bytes())
        data = parse_toml(shown(path), text)
        settings = cls(path, home, text, data)
        for key in (*THEME_FILE_ROLES, "fonts", "font_classes"):
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ChapbookError(shown(path), settings.line(key), f'{key} must be a list of names, like ["book.css"]')
        if not isinstance(settings.fallback, str):
            raise ChapbookError(shown(path), settings.line("fallback"), 'fallback must be a font family, like "serif"')
        for role in THEME_FILE_ROLES:
            settings.files(role)  # each file is checked now, before any is read
        return settings

    @property
    def fallback(self) -> str:
        return self.data.get("fallback", "serif")

    def names(self, key: str) -> tuple[str, ...]:
        return tuple(self.data.get(key, []))

    def files(self, role: str) -> list[Path]:
        """The files a stylesheet role lists, each a plain file inside the theme's home."""
        files = []
        for name in self.names(role):
            path = self.path.parent / name
            if not path.resolve().is_relative_to(self.home):
                raise ChapbookError(shown(self.path), self.line(role, name),
                                    f'"{name}" leads outside the {_home_name(self.home)}; a theme may use only '
                                    "files inside it")
            if not path.is_file():
                raise ChapbookError(shown(self.path), self.line(role, name),
                                    f'"{name}" is not a file (beside {THEME_FILE}, or on the path it gives); '
                                    "fix the name or add the file")
            files.append(path)
        return files

    def css(self, role: str) -> str:
        texts = [read_stylesheet(path) for path in self.files(role)]
        if role in EPUB_ROLES:
            for path, text in zip(self.files(role), texts):
                _warn_of_references(text, path)
        return "\n".join(texts)

    def line(self, key: str, value: str | None = None) -> int | None:
        """The line that names the value in quotes, else the line that sets the key."""
        lines = self.text.splitlines()
        if value is not None:
            quoted = (f'"{value}"', f"'{value}'")
            found = next((n for n, line in enumerate(lines, start=1) if any(q in line for q in quoted)), None)
            if found:
                return found
        return next((n for n, line in enumerate(lines, start=1) if re.match(rf"\s*{re.escape(key)}\s*=", line)), 1)


# The stylesheets a theme.toml lists, by the role each plays; and those the EPUB carries.
THEME_FILE_ROLES = ("shared", "print", "epub", "cover")
EPUB_ROLES = ("shared", "epub")


def _home_name(home: Path) -> str:
    return "styles folder of chapbook" if home == BUILTIN_STYLES.resolve() else "book folder"




# The CSS functions that name a file: the EPUB carries none of those a stylesheet names.
_REFERENCES = {"url", "src", "image", "image-set", "-webkit-image-set"}


def _without_references(nodes: list, found: list[tuple[int, str]]) -> list:
    """The CSS nodes with each reference to a file `none` and each @import gone; found gets (line, reference)."""
    kept = []
    for node in nodes:
        if node.type == "url" or (node.type == "function" and node.lower_name in _REFERENCES) \
                or (node.type == "error" and node.kind == "bad-url"):
            found.append((node.source_line, node.serialize()))
            kept.append(tinycss2.ast.IdentToken(node.source_line, node.source_column, "none"))
            continue
        if node.type == "at-rule" and node.lower_at_keyword == "import":
            found.append((node.source_line, tinycss2.serialize(node.prelude).strip()))
            continue
        for part in ("prelude", "content", "arguments"):
            inner = getattr(node, part, None)
            if isinstance(inner, list):
                setattr(node, part, _without_references(inner, found))
        kept.append(node)
    return kept


def epub_css(css: str) -> str:
    """A stylesheet as the EPUB carries it: without the files it names (the EPUB holds none of them, and a
    reading system would look for them on its reader's disk or the web)."""
    found: list[tuple[int, str]] = []
    kept = _without_references(tinycss2.parse_stylesheet(css), found)
    return tinycss2.serialize(kept) if found else css  # written again only when it must change


def _warn_of_references(css: str, path: Path) -> None:
    found: list[tuple[int, str]] = []
    _without_references(tinycss2.parse_stylesheet(css), found)
    for line, reference in found:
        warn(shown(path), line, f"{shortened(reference)} is left out of the EPUB's stylesheet: an EPUB carries no file a "
             "stylesheet names (print reads it only from inside the book). Remove it to silence this")


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


def _faces(family: str, fallback: str, folder: Path) -> list[FontFace]:
    try:
        installed = fontpkg.family(family)
    except fontpkg.FontpkgError:
        warn(folder / THEME_FILE, None, f'font "{family}" is not installed; text set in it falls back to {fallback}. '
             "Install its fontpkg package or change the theme's fonts")
        return []
    faces = []
    for file in installed.files:
        weight = f"{file.wght_min} {file.wght_max}" if file.variable and file.wght_min else str(file.weight or 400)
        faces.append(FontFace(installed.name, file.path, file.style, weight))
    return faces
