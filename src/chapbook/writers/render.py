"""The Jinja environment: every XHTML and HTML file chapbook writes comes from a template in chapbook/templates/."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from num2words import num2words

from ..model import Book
from ..themes import Theme


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale("en")


def dateline(date: dt.date | None, language: str) -> str:
    """A date as a book in this language prints it: 2 April 2023 (en-GB), April 2, 2023 (en), 2. April 2023 (de)."""
    return format_date(date, format="long", locale=_locale(language)) if date else ""


def chapter_number(number: int, style: str, language: str) -> str:
    """"One" or "1", as book.toml's chapter_numbers asks; words in the book's language where num2words has it."""
    if style == "figures":
        return str(number)
    try:
        words = num2words(number, lang=language.split("-")[0].lower())
    except NotImplementedError:
        return str(number)
    return words[:1].upper() + words[1:]


# "Part" in the languages whose books chapbook has been checked in; others print the numeral alone.
PART_WORDS = {"en": "Part", "fr": "Partie", "de": "Teil", "es": "Parte", "it": "Parte", "pt": "Parte", "nl": "Deel"}
_ROMAN = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def part_number(number: int, language: str) -> str:
    """"Part One" where the language's word for part is known, else the Roman numeral: "III"."""
    word = PART_WORDS.get(language.split("-")[0].lower())
    if word:
        return f"{word} {chapter_number(number, 'words', language)}"
    roman, left = "", number
    for value, letters in _ROMAN:
        count, left = divmod(left, value)
        roman += letters * count
    return roman


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("chapbook", "templates"),
        autoescape=select_autoescape(["j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["dateline"] = dateline
    env.filters["chapter_number"] = chapter_number
    env.filters["part_number"] = part_number
    return env


def front_matter_context(book: Book, theme: Theme, epub: bool = False) -> dict[str, object]:
    """What the title, copyright and dedication pages say, the same in print and EPUB."""
    # The colophon names the text face: the theme's first font (its others serve headings or code).
    text_face = theme.families[0] if theme.families else "the reader's own fonts"
    return {"book": book, "config": book.config, "year": book.modified.year, "fonts": text_face, "epub": epub}


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
