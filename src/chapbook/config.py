"""book.toml → a typed, validated BookConfig."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

from PIL import ImageCms

from .editions import EDITIONS, edition_tables, header_line, table_text
from .errors import ChapbookError, UsageError, brief, parse_toml, shown
from .limits import SCALE_DOWN, picture_size, too_many_pixels
from .print_facts import BLEED_LENGTH, TRIM_PRESETS, parse_bleed, parse_trim, valid_isbn
from .recipients import Recipient, read_recipients
from .sources.characters import xml_values
from .sources.essays import decode_utf8
from .sources.sites import site_defaults

CONFIG_NAME = "book.toml"

EVERY_SECTION = "*"  # parts = "sections": each top-level section becomes a part
EVERY_YEAR = "*year"  # parts = "years": the essays of each year a part (no section can be named so)


@dataclass(frozen=True)
class PartSpec:
    """One [[parts]] table of book.toml: a title and the essays it holds (a site section, or paths)."""

    title: str = ""
    section: str = ""
    essays: tuple[str, ...] = ()
    line: int | None = None  # where book.toml declares it, for messages


CHAPTER_NUMBERS = ("none", "words", "figures")
PAPERS = ("white", "cream")
PDF_VARIANTS = ("", "pdf/x-4", "pdf/a-2b", "pdf/a-3b", "pdf/ua-1")
PRINT_LINKS = ("footnotes", "chapter-end", "none")
SIGNATURES = (8, 12, 16, 24, 32, 48, 64)  # pages a printer folds from one sheet
# A booklet printed at home: the pages folded together, 0 for all in one fold (saddle stitch), else a multiple of 4.
BOOKLET_SIGNATURES = (0, *range(4, 129, 4))
BOOKLET_PAPERS = ("", "letter", "a4")  # "": by the book's language and region
THEME_SIZES = ("regular", "large")


def _either(choices: tuple[str, ...]) -> str:
    """List choices the way a message does: "a", "b" or "c"."""
    *others, last = (f'"{choice}"' for choice in choices)
    return f"{', '.join(others)} or {last}"


# A rule no list of choices can say: an option's value and the book folder → what is wrong, or None.
Check = Callable[[Any, Path], str | None]


def option(default: Any, *, doc: str, choices: tuple[Any, ...] = (), wanted: str = "",
           check: Check | None = None) -> Any:
    """Declare a book.toml option: its default, a one-line doc, and the values it may take (choices, or a check).

    wanted says the choices in a message ("must be {wanted}, got ..."); by default "one of" them.
    """
    metadata = {"doc": doc, "choices": choices, "wanted": wanted or f"one of {', '.join(map(str, choices))}",
                "check": check}
    if isinstance(default, (list, dict)):
        return field(default_factory=type(default), metadata=metadata)
    return field(default=default, metadata=metadata)


# The checks, each named in its option's declaration below.

def _inside(folder: Path, name: str) -> bool:
    """Whether a path book.toml gives is a file inside the book folder."""
    where = folder / name
    return where.resolve().is_relative_to(folder.resolve()) and where.is_file()


def _check_isbn(isbn: str, folder: Path) -> str | None:
    if not valid_isbn(isbn):
        return f'isbn "{isbn}" is not a valid ISBN-13 or ISBN-10 (its check digit does not match)'
    return None


def _check_cover(cover: str, folder: Path) -> str | None:
    if not _inside(folder, cover):
        return f'cover "{cover}" is not a file inside the book folder'
    if Path(cover).suffix.lower() not in {".jpg", ".jpeg", ".png"}:
        return f"cover must be a JPEG or PNG image, got {cover}"
    size = picture_size(folder / cover)
    if size is None:
        return f'cover "{cover}" is not a picture chapbook can read; export it again as a JPEG or PNG'
    problem = too_many_pixels(size)
    return f'cover "{cover}" {problem}. {SCALE_DOWN}' if problem else None


def _check_output_profile(name: str, folder: Path) -> str | None:
    """PDF/X-4 names the press it was separated for: the profile must describe a CMYK printer."""
    if not _inside(folder, name):
        return f'output_profile "{name}" is not a file inside the book folder'
    try:
        profile = ImageCms.getOpenProfile(io.BytesIO((folder / name).read_bytes())).profile
    except (OSError, ImageCms.PyCMSError):
        return f'output_profile "{name}" is not an ICC profile'
    if profile.xcolor_space.strip() != "CMYK" or profile.device_class != "prtr":
        return (f'output_profile "{name}" describes a {profile.xcolor_space.strip()} {profile.device_class} device; '
                'PDF/X-4 for a press wants a CMYK printer ("prtr") profile')
    return None


def _check_bleed(bleed: str, folder: Path) -> str | None:
    if not BLEED_LENGTH.fullmatch(bleed):
        return f'bleed must be a length such as "0.125in" or "3mm", got "{bleed}"'
    return None


def _check_creep(creep: str, folder: Path) -> str | None:
    if not BLEED_LENGTH.fullmatch(creep):
        return f'creep must be a length such as "0.1mm" or "0.004in", got "{creep}"'
    return None


def _check_trim(trim: str, folder: Path) -> str | None:
    try:
        parse_trim(trim)
    except ValueError:
        return f'trim "{trim}" is not a page size; use one of {", ".join(TRIM_PRESETS)} or "WxH" with in, mm or cm'
    return None


# A theme is named, not pointed at: a built-in theme's name or a folder of the book's styles/.
THEME_NAME = re.compile(r"\w[\w.-]*")


def _check_theme(theme: str, folder: Path) -> str | None:
    if not THEME_NAME.fullmatch(theme):
        return (f'theme must be the name of a theme (classic, diary, or a folder in the book\'s styles/), not a path: '
                f'got "{theme}"')
    return None


def _check_stylesheet(stylesheet: str, folder: Path) -> str | None:
    if not (folder / stylesheet).resolve().is_relative_to(folder.resolve()):
        return "stylesheet must be a file inside the book folder"
    if not (folder / stylesheet).is_file():
        return f'stylesheet "{stylesheet}" not found'
    return None


def _check_shortcodes(shortcodes: dict[str, str], folder: Path) -> str | None:
    for name, template in shortcodes.items():
        if not _inside(folder, template):
            return f'the template for shortcode "{name}", "{template}", is not a file inside the book folder'
    return None


@dataclass(frozen=True)
class BookConfig:
    """Every book.toml option: its default, and its doc in the field's metadata."""

    title: str = option("", doc="The book's title; by default the name of the folder.")
    author: str = option("", doc="The author as printed on the title page.")
    author_sort: str = option("", doc=(
        'The author as catalogues sort it ("Ellison, Mara"); by default the last word of author first.'))
    description: str = option("", doc=(
        "A sentence or two about the book: the EPUB's description, and the blurb on the print cover's back."))
    subjects: list[str] = option([], doc='Subjects or genres for catalogues: ["Essays", "Memoir"].')
    rights: str = option("", doc='The rights line: "© 2024 Mara Ellison. All rights reserved."')
    isbn: str = option("", doc=(
        "The ISBN of this edition, if it has one; it becomes the EPUB's identifier."),
        check=_check_isbn)
    edition: str = option("", doc='The edition, printed on the copyright page: "First edition".')
    dedication: str = option("", doc=(
        'A dedication, set alone on its own page after the copyright page: "For my grandmother".'))
    book_epigraph: str = option("", doc=(
        "An epigraph for the whole book, on a right-hand page of its own before the contents: its lines, a blank line "
        'between stanzas; a last line starting with "—" or "--" names its source.'))
    base_url: str = option("", doc=(
        'The address of the site, for the "first published" list (by default the base URL the site itself names).'))
    also_at: list[str] = option([], doc=(
        'Other addresses the site was served at ("https://old-host/blog"): links and pictures written with them are '
        "the site's own, as with base_url (http or https, with or without www)."))
    acknowledgements: str = option("", doc="Back matter: acknowledgements (blank lines separate paragraphs).")
    about_author: str = option("", doc="Back matter: a note about the author (blank lines separate paragraphs).")
    first_published: bool = option(True, doc=(
        'A "First published" page at the back, listing the title, date and address of each essay.'))
    cover: str = option("", doc=(
        "A cover image in the book folder (JPEG or PNG, about 1600 x 2560; for print, 300 dpi at the trim and its "
        "bleed); the EPUB's cover and the print cover's front. By default the theme draws one."),
        check=_check_cover)
    pdf_variant: str = option("", doc=(
        'The PDF standard to meet: "" (plain PDF 1.7), "pdf/x-4" (for the printer; needs output_profile), "pdf/a-2b" '
        'or "pdf/a-3b" (an archival keepsake), "pdf/ua-1" (tagged).'),
        choices=PDF_VARIANTS, wanted=f"one of {', '.join(map(repr, PDF_VARIANTS))}")
    output_profile: str = option("", doc=(
        "The printer's CMYK ICC profile (a file in the book folder, such as the FOGRA39 or GRACoL one the printer "
        "names): PDF/X-4's output intent, and what pictures are separated with."),
        check=_check_output_profile)
    bleed: str = option("", doc=(
        'Print bleed around the trim, for a printer who trims the pages: "0.125in" (KDP, IngramSpark). The print '
        "cover always has bleed: this, or 0.125in."),
        check=_check_bleed)
    crop_marks: bool = option(False, doc="Crop marks in the bleed, where the printer cuts.")
    paper: str = option("white", doc=(
        'The paper the interior is printed on, "white" or "cream": it sets the spine width of the cover.'),
        choices=PAPERS, wanted=f"{_either(PAPERS)} (the spine's width depends on it)")
    embed_fonts: bool = option(True, doc=(
        "The EPUB carries the theme's fonts (subset to the book's characters), so every reader sees the book's "
        "typeface; false leaves them out for a smaller file."))
    page_count_multiple: int = option(2, doc=(
        "Blank pages are added at the end until the page count is a multiple of this: 2 (the leaves of a book), 4, or "
        "the printer's signature size (16, 32)."),
        choices=(1, 2, 4, *SIGNATURES), wanted=f"2, 4 or a signature size ({', '.join(map(str, SIGNATURES))})")
    booklet: bool = option(False, doc=(
        "Also write <slug>-booklet.pdf: the PDF's pages two to a side of Letter or A4, in the order that folds into "
        "a booklet (as chapbook build --booklet does)."))
    booklet_paper: str = option("", doc=(
        'The booklet\'s sheets, "letter" or "a4"; by default Letter for English without a region and the Americas\' '
        "Letter countries, A4 elsewhere."),
        choices=BOOKLET_PAPERS, wanted=_either(BOOKLET_PAPERS[1:]))
    signature: int = option(0, doc=(
        "The booklet's pages folded together (a multiple of 4: 16 is four sheets), each signature folded and sewn "
        "on its own; 0 folds the whole book as one, to staple (saddle stitch)."),
        choices=BOOKLET_SIGNATURES, wanted="0 (one fold) or a multiple of 4 up to 128")
    creep: str = option("", doc=(
        'How far each sheet nested inside another in a booklet signature is shifted toward the fold ("0.1mm", about '
        "a sheet's thickness): inner sheets stick out at the fore-edge when folded."),
        check=_check_creep)
    language: str = option("en", doc="BCP 47 language tag: hyphenation, quotes and the EPUB's language follow it.")
    trim: str = option("5.5x8.5in", doc=(
        'Page size: a preset (5x8, 5.25x8, 5.5x8.5, 6x9, A5, pocket) or "WxH" in in, mm or cm.'),
        check=_check_trim)
    theme: str = option("classic", doc=(
        "A folder under styles/ (or the book's own styles/) holding the theme's CSS and fonts: a name, not a path."),
        check=_check_theme)
    theme_size: str = option("regular", doc=(
        '"regular", or "large" for a large-print edition: text of 16 to 18 pt, ragged right and unhyphenated, with '
        "running heads, folios and notes to match (see Large print)."),
        choices=THEME_SIZES, wanted=_either(THEME_SIZES))
    stylesheet: str = option("", doc=(
        "A CSS file of the book's own (relative to the book folder), applied on top of the theme."),
        check=_check_stylesheet)
    chapter_numbers: str = option("none", doc=(
        'Chapter numbers above the titles: "none", "words" (Chapter One) or "figures" (1).'),
        choices=CHAPTER_NUMBERS)
    print_links: str = option("footnotes", doc=(
        "In print, a web link's address is given as a note at the page foot "
        '("footnotes"), in a numbered list at the end of its chapter ("chapter-end"), or not at all ("none").'),
        choices=PRINT_LINKS, wanted=_either(PRINT_LINKS))
    verse_detection: bool = option(True, doc=(
        "Blockquotes of hard-broken lines are set as verse and epigraphs; false keeps them quotations."))
    epigraph_source: str = option("", doc=(
        "Who the quoted lyrics are by, when all of them come from one source: cited under each epigraph."))
    font_classes: dict[str, str] = option({}, doc=(
        'The names essays give font_class in this book, mapped to those of the theme: { journal = "diary" }.'))
    # Choosing essays. Paths and globs are relative to where essays are read from: content/ in a
    # Zola or Hugo site, _posts/ in Jekyll, else the book folder; "*" matches across folders.
    sections: list[str] = option([], doc=(
        'The sections (folders) of the site that make the book: ["essays", "travel"]; by default all.'))
    include: list[str] = option([], doc='Only the essays matching these paths or globs: ["2023-*", "travel/*"].')
    exclude: list[str] = option([], doc='Leave out the essays matching these paths or globs: ["notes/*"].')
    order: list[str] = option([], doc=(
        "An explicit reading order: the essays matching these come first, in this order; the rest follow by weight, "
        "date and title."))
    shortcodes: dict[str, str] = option({}, doc=(
        "The site's own shortcodes, each drawn by a Jinja template in the book folder: "
        '{ note = "shortcodes/note.html" }. '
        "The template sees the shortcode's arguments by name, the positional ones as args[0], args[1]…, and body "
        "(its inner Markdown, rendered)."),
        check=_check_shortcodes)
    parts: tuple[PartSpec, ...] = option((), doc=(
        "Parts grouping the chapters, each a [[parts]] table with a title and either a site section (section = "
        '"travel"; its _index.md gives the title and an opening text) or essays = [paths]; or parts = "sections": '
        "every top-level section of the site a part, in its weight's order; or parts = \"years\": each year's essays "
        "a part, oldest first."))
    recipients: tuple[Recipient, ...] = option((), doc=(
        'Readers to write a copy for, each with "For <name>" on a page after the title page: a list of names '
        '(["Mum", "Sam Lee"], or { name = "Mum", line = "..." } tables), or a CSV file in the book folder.'))

    @property
    def sortable_author(self) -> str:
        if self.author_sort or not self.author:
            return self.author_sort
        *given, family = self.author.split()
        return f"{family}, {' '.join(given)}" if given else family

    @property
    def bleed_inches(self) -> float:
        """The bleed in inches (0 without one); validated at load, so it always parses."""
        return parse_bleed(self.bleed)

    @property
    def trim_inches(self) -> tuple[float, float]:
        """The page size in inches; validated at load, so it always parses."""
        return parse_trim(self.trim)


class Between(NamedTuple):
    """A rule between options: where holds(config) is false, the message, at the line that sets `at`."""

    at: str
    holds: Callable[[BookConfig], bool]
    message: str


# PDF/X-4 names the press it was separated for; a press's profile means nothing to the other variants.
BETWEEN_OPTIONS = (
    Between("pdf_variant", lambda config: config.pdf_variant != "pdf/x-4" or bool(config.output_profile),
            "pdf/x-4 needs the printer's CMYK profile: add "
            'output_profile = "profiles/<the .icc file your printer names>" (FOGRA39, GRACoL, SWOP…)'),
    Between("output_profile", lambda config: not config.output_profile or config.pdf_variant == "pdf/x-4",
            'output_profile is for pdf_variant = "pdf/x-4"; set that too, or remove it'),
)


def _line_of(text: str, key: str) -> int | None:
    """Find the line a top-level key is set on, for messages that point at it."""
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return None


def load_config(folder: Path, edition: str = "") -> BookConfig:
    """Read folder/book.toml if there is one, as the book or as one of its [editions.NAME]; every mistake is
    reported with its line."""
    path = folder / CONFIG_NAME
    default_title = folder.name.replace("-", " ").replace("_", " ").strip().title() or "Untitled"
    # A site's own settings (Zola, Hugo, Jekyll) come before the defaults, book.toml before both.
    site = {"title": default_title, **site_defaults(folder)}
    if not path.is_file():
        return BookConfig(**site)
    text = decode_utf8(path, path.read_bytes())
    data = xml_values(parse_toml(path, text))
    editions = edition_tables(path, text, data.pop(EDITIONS, {}))
    config = _read_table(path, text, folder, site, data)
    if not edition:
        return config
    # An edition is the book's options, then its own: read and held to the same rules, at its own lines.
    book = {declared.name: getattr(config, declared.name) for declared in fields(BookConfig)}
    if edition not in editions:
        raise UsageError(None, None, f'{shown(path)} has no edition "{edition}"')
    try:
        return _read_table(path, table_text(text, edition), folder, book, editions[edition], f"[editions.{edition}]")
    except ChapbookError as error:
        if error.line is not None:
            raise
        raise ChapbookError(error.path, header_line(text, edition), error.message) from None


def _read_table(path: Path, text: str, folder: Path, base: dict[str, Any], data: dict[str, Any],
                table: str = "") -> BookConfig:
    """The options a table of book.toml sets, over the base values, each checked at its line of text."""
    known = {option.name for option in fields(BookConfig)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            choices = ", ".join(sorted(known))
            raise ChapbookError(path, _line_of(text, key), f'unknown option "{key}"{" in " + table if table else ""}; '
                                f"the options are: {choices}")
        if key == "recipients":
            values[key] = read_recipients(path, _line_of(text, key), value, folder)
            continue
        values[key] = _parts(path, text, value) if key == "parts" else _checked(path, text, key, value)
    config = BookConfig(**{**base, **values})
    _validate(path, text, folder, config, set(values))
    return config


def _validate(path: Path, text: str, folder: Path, config: BookConfig, given: set[str]) -> None:
    """Hold each option book.toml sets to the rules declared with it, then the options to the rules between them."""
    for declared in fields(BookConfig):
        name, rules, value = declared.name, declared.metadata, getattr(config, declared.name)
        # Defaults are always allowed (an empty text is an option left unset), and the site's own settings are
        # not book.toml's to answer for.
        if name not in given or value == declared.default:
            continue
        if rules["choices"] and value not in rules["choices"]:
            shown = f'"{value}"' if isinstance(value, str) else value
            raise ChapbookError(path, _line_of(text, name), f"{name} must be {rules['wanted']}, got {shown}")
        check = rules["check"]
        problem = check(value, folder) if check else None
        if problem:
            raise ChapbookError(path, _line_of(text, name), problem)
    for rule in BETWEEN_OPTIONS:
        if not rule.holds(config):
            raise ChapbookError(path, _line_of(text, rule.at), rule.message)


_KINDS = {"str": (str, "text in quotes"), "bool": (bool, "true or false"),
          "dict[str, str]": (dict, 'a table of names, like { journal = "diary" }'),
          "list[str]": (list, 'a list of texts, like ["Essays", "Memoir"]'),
          "int": (int, "a whole number")}


def _checked(path: Path, text: str, key: str, value: Any) -> Any:
    """Check a value against the option's declared type; the message says what to write instead."""
    kind, wanted = _KINDS[str(BookConfig.__dataclass_fields__[key].type)]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    wrong_kind = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
    if wrong_kind or not all(isinstance(item, str) for item in items):
        raise ChapbookError(path, _line_of(text, key), f"{key} must be {wanted}, got {brief(value)}")
    return value.strip() if isinstance(value, str) else value


def _parts(path: Path, text: str, value: Any) -> tuple[PartSpec, ...]:
    """Read the [[parts]] tables; each needs a section or a list of essays."""
    if value in ("sections", "years"):  # resolved when the essays are read
        return (PartSpec(section=EVERY_SECTION if value == "sections" else EVERY_YEAR, line=_line_of(text, "parts")),)
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if re.match(r"\s*\[\[\s*parts\s*\]\]", line)]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ChapbookError(path, _line_of(text, "parts"), 'parts must be "sections", "years" or [[parts]] tables, '
                            'each with title = "..." and section = "..." or essays = ["..."]')
    specs = []
    for index, item in enumerate(value):
        line = lines[index] if index < len(lines) else _line_of(text, "parts")
        unknown = set(item) - {"title", "section", "essays"}
        if unknown:
            raise ChapbookError(path, line, f'a part has title, section and essays, not "{sorted(unknown)[0]}"')
        title, section, essays = item.get("title", ""), item.get("section", ""), item.get("essays", [])
        if not isinstance(title, str) or not isinstance(section, str) or not (
                isinstance(essays, list) and all(isinstance(e, str) for e in essays)):
            raise ChapbookError(path, line, 'a part\'s title and section are text and its essays a list of paths, '
                                'like essays = ["travel/*"]')
        if not section and not essays:
            raise ChapbookError(path, line, 'a part needs section = "folder" or essays = ["path or glob", ...]')
        if not title and not section:
            raise ChapbookError(path, line, 'a part of listed essays needs a title = "..."')
        specs.append(PartSpec(title.strip(), section.strip().strip("/"), tuple(essays), line))
    return tuple(specs)


def option_line(folder: Path, key: str) -> int | None:
    """The line of book.toml that sets an option, for a warning about its value."""
    path = folder / CONFIG_NAME
    return _line_of(path.read_text(encoding="utf-8"), key) if path.is_file() else None
