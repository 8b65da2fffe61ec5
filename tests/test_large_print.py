"""theme_size = "large": the large-print layer over any theme, read back from the PDF and the EPUB."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pypdf
import pytest

from conftest import build_book, epub_files, pdf_page_texts, write_files

# Long words a justified, hyphenated setting would break at the line's end.
PARAGRAPH = ("The lighthouse keeper's notebooks were extraordinarily particular about the weather: "
             "temperatures, visibility, the unaccountable behaviour of gulls, and the comprehensively "
             "catalogued disappointments of a man who had expected correspondence and received barometers. ")

ESSAYS = {
    "01-lamp.md": ("+++\ntitle = \"The Lamp Room\"\ndate = 2021-03-04\n+++\n\n"
                   "> Turn the wick before the dark comes in  \n> and count the ships by what they leave\n>\n"
                   "> -- Harbour Song\n\n"
                   + "\n\n".join([PARAGRAPH * 3] * 3) + "\n\nHe wrote it down.[^1]\n\n"
                   "```\nbeam   = 23 nautical miles\nperiod = 10 seconds\n```\n\n"
                   "| Night | Ships |\n|---|---|\n| Monday | four |\n| Tuesday | none |\n\n"
                   "[^1]: In pencil, on the back of a tide table.\n"),
    "02-tide.md": ("+++\ntitle = \"Tide Tables\"\ndate = 2021-05-06\n+++\n\n"
                   + "\n\n".join([PARAGRAPH * 4] * 4) + "\n"),
}


def _book(folder: Path, toml: str) -> Path:
    return write_files(folder, {"book.toml": 'title = "The Keeper"\nauthor = "Ana Moss"\n' + toml, **ESSAYS})


def letter_sizes(pdf: Path, pages: range | None = None) -> list[Counter]:
    """For each page, the letters drawn at each size in points (the text matrix and the page's
    transformation applied to the font size), as a reader's eye meets them."""
    result = []
    reader = pypdf.PdfReader(pdf)
    for page in (reader.pages[i] for i in (pages or range(len(reader.pages)))):
        sizes: Counter = Counter()

        def visit(text: str, cm: list, tm: list, font: object, size: float) -> None:
            a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
            c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
            letters = sum(character.isalnum() for character in text)
            if letters:
                sizes[round(size * abs(a * d - b * c) ** 0.5, 1)] += letters

        page.extract_text(visitor_text=visit)
        result.append(sizes)
    return result


def body_size(sizes: list[Counter]) -> float:
    """The size most letters of the book are set in: its text."""
    return sum(sizes, Counter()).most_common(1)[0][0]


@pytest.fixture(scope="module")
def regular(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("regular")
    return build_book(_book(folder / "book", ""), folder / "dist")


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("large")
    return build_book(_book(folder / "book", 'theme_size = "large"\n'), folder / "dist")


def test_large_print_text_is_at_least_16_pt_and_takes_more_pages(regular, large) -> None:
    regular_sizes, large_sizes = letter_sizes(regular.pdf), letter_sizes(large.pdf)
    assert body_size(regular_sizes) == 11.0  # regular is as it was
    assert body_size(large_sizes) >= 16.0
    # EB Garamond's small x-height asks for the top of the range, so its letters look as large as 16 pt of
    # a face with larger ones.
    assert body_size(large_sizes) == 18.0
    assert len(pypdf.PdfReader(large.pdf).pages) > len(pypdf.PdfReader(regular.pdf).pages)


def test_nothing_in_large_print_is_small(large) -> None:
    """The chapters' notes, code, table and epigraph, their running heads and folios: nothing under 14 pt
    but the calls of notes, set small above the line."""
    texts, sizes = pdf_page_texts(large.pdf), letter_sizes(large.pdf)
    first = next(i for i, text in enumerate(texts) if text.startswith("The Lamp Room"))
    last = next(i for i, text in enumerate(texts) if text.startswith("First Published"))
    letters = sum((sizes[i] for i in range(first, last)), Counter())
    assert sum(count for size, count in letters.items() if size < 14.0) == 1, letters  # the one note's call
    assert min(letters) >= 0.8 * 14.4  # the call, 0.8 of the note's size
    note_page = next(i for i in range(first, last) if "pencil" in texts[i])
    assert min(size for size in sizes[note_page] if size >= 14.0) == 14.4  # the note itself: 0.8 of 18 pt
    # A left page's head (the book's title) and folio are 14.4 pt: 0.8 of the text, never under 14.
    head_page = next(i for i in range(first, last) if "\nThe Keeper\n" in texts[i])
    assert min(sizes[head_page]) == 14.4


def test_large_print_is_ragged_right_and_unhyphenated(regular, large) -> None:
    def broken_words(pdf: Path) -> int:
        lines = (line.rstrip() for text in pdf_page_texts(pdf) for line in text.split("\n"))
        return sum(line.endswith(("-", "\u2010", "\u00ad")) for line in lines)  # a hyphen as text gives it
    assert broken_words(regular.pdf) > 0  # the text's long words do break in a justified setting
    assert broken_words(large.pdf) == 0


def stylesheet(epub: Path) -> str:
    return "\n".join(data.decode() for name, data in epub_files(epub).items() if name.endswith(".css"))


def test_the_large_print_epub_leaves_the_size_to_the_reader(regular, large) -> None:
    """The reader's own setting sizes the text; large print in the EPUB is its clear-print rules."""
    css, regular_css = stylesheet(large.epub), stylesheet(regular.epub)
    assert "-epub-hyphens: none" in css and "-epub-hyphens: none" not in regular_css
    assert "font-size: 18pt" not in css and "font-size: 16pt" not in css


def test_a_theme_with_a_larger_face_is_set_at_16_pt(tmp_path: Path) -> None:
    built = build_book(_book(tmp_path / "book", 'theme = "diary"\ntheme_size = "large"\n'), tmp_path / "dist")
    assert body_size(letter_sizes(built.pdf)) == 16.0  # Literata's x-height is half its size
