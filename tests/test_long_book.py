"""A generated book of 150+ pages: the gutter widens with the page count, structure holds at length."""

from __future__ import annotations

import random
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

from conftest import build_book, pages_by_folio, pdf_page_texts
from chapbook.print_facts import gutter_for

WORDS = ("lamp window river kettle letter garden winter morning bread street quiet evening paper "
         "light stair radio field station coat door table night ink hour bench road stone").split()


def paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(4, 7)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


@pytest.fixture(scope="module")
def long_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    rng = random.Random(7)  # the same book every run
    source = tmp_path_factory.mktemp("long")
    (source / "book.toml").write_text('title = "A Long Walk"\nauthor = "Test Writer"\ntrim = "5x8"\n')
    for number in range(1, 15):
        sections = "\n\n".join(f"### Part {part}\n\n" + "\n\n".join(paragraph(rng) for _ in range(11))
                               for part in range(1, 5))
        (source / f"{number:02d}.md").write_text(f'+++\ntitle = "Walk {number}"\nweight = {number}\n+++\n\n{sections}\n')
    built = build_book(source, tmp_path_factory.mktemp("long-out"), "--format", "pdf")
    return built.pdf, pdf_page_texts(built.pdf)


def test_the_gutter_table() -> None:
    assert [gutter_for(n) for n in (24, 150, 151, 300, 301, 500, 700, 828)] == \
        [0.625, 0.625, 0.75, 0.75, 0.875, 0.875, 1.0, 1.125]


def test_a_long_book_gets_the_wider_gutter(long_book: tuple[Path, list[str]]) -> None:
    pdf, pages = long_book
    assert 150 < len(pages) <= 300
    document = pdfium.PdfDocument(pdf)
    width = document[0].get_width()
    recto = next(i for i, text in enumerate(pages) if i % 2 == 0 and i > 20 and text.strip())
    text = document[recto].get_textpage()
    left = min(text.get_charbox(i)[0] for i in range(text.count_chars()) if not text.get_text_range(i, 1).isspace())
    assert abs(left - 0.75 * 72) < 1.5  # 151-300 pages: 0.5 in for KDP, and 0.25 in for the reader
    assert width == pytest.approx(5 * 72, abs=0.1)


def test_a_long_books_contents_and_openers_hold(long_book: tuple[Path, list[str]]) -> None:
    _, pages = long_book
    folios = pages_by_folio(pages)
    contents = next(t for t in pages if t.strip().startswith("Contents"))
    for number in range(1, 15):
        line = next(l for l in contents.split("\n") if l.startswith(f"Walk {number} "))
        folio = line.split()[-1]
        index = folios[folio]
        assert pages[index].lstrip().startswith(f"Walk {number}") and index % 2 == 0  # a recto
    assert len(pypdf.PdfReader(long_book[0]).pages) % 2 == 0
