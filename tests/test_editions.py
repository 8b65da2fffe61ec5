"""Editions: book.toml's [editions.NAME] tables, each the book with the options it names set otherwise,
built from one folder in one command (`--edition all`), the book itself left as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from chapbook.config import load_config
from chapbook.errors import ChapbookError
from conftest import epub_files, write_files
from epubcheck_helper import epubcheck_messages

EPOCH = "1700000000"
ESSAYS = {
    "01-lamp.md": '+++\ntitle = "The Lamp"\ndate = 2023-03-04\n+++\n\nThe lamp on the desk has outlived three '
                  "desks. It leans a little to the left, as if listening to the window.\n",
    "02-stair.md": '+++\ntitle = "The Stair"\ndate = 2023-05-06\n+++\n\nThe stair counts my steps at night and '
                   "always gets the number wrong by one, which is a kind of company.\n",
}
BOOK_TOML = """title = "House Notes"
author = "Ines Marr"

[editions.travel]
trim = "6x9"
edition = "Travel edition"

[editions.night]
theme = "diary"
"""


def chapbook(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CHAPBOOK_JOBS": "1"}
    return subprocess.run([sys.executable, "-m", "chapbook", *args], capture_output=True, text=True, env=env)


def page_size_inches(pdf: Path) -> tuple[float, float]:
    box = pypdf.PdfReader(pdf).pages[0].mediabox
    return round(float(box.width) / 72, 2), round(float(box.height) / 72, 2)


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The book and its two editions, built in one command: (book folder, output folder)."""
    folder = write_files(tmp_path_factory.mktemp("editions") / "house", {"book.toml": BOOK_TOML, **ESSAYS})
    out = folder.parent / "dist"
    result = chapbook("build", str(folder), "-o", str(out), "--edition", "all")
    assert result.returncode == 0, result.stderr
    return folder, out


def test_each_edition_overrides_what_it_names_and_only_that(editions: tuple[Path, Path]) -> None:
    _, out = editions
    assert sorted(path.name for path in out.iterdir() if not path.name.startswith(".")) == [
        "house-notes-night-report.html", "house-notes-night-warnings.txt", "house-notes-night.epub",
        "house-notes-night.pdf", "house-notes-report.html", "house-notes-travel-report.html",
        "house-notes-travel-warnings.txt", "house-notes-travel.epub", "house-notes-travel.pdf",
        "house-notes-warnings.txt", "house-notes.epub", "house-notes.pdf"]
    # The trim: the travel edition's pages are 6 x 9 in, the others the book's 5.5 x 8.5 in.
    assert page_size_inches(out / "house-notes.pdf") == (5.5, 8.5)
    assert page_size_inches(out / "house-notes-travel.pdf") == (6.0, 9.0)
    assert page_size_inches(out / "house-notes-night.pdf") == (5.5, 8.5)
    # The theme: the night edition is set in the diary theme's Literata, in print and in the EPUB.
    fonts = {name: {str(font["/BaseFont"]) for page in pypdf.PdfReader(out / f"{name}.pdf").pages
                    for font in page["/Resources"]["/Font"].values()}
             for name in ("house-notes", "house-notes-travel", "house-notes-night")}
    assert any("Literata" in font for font in fonts["house-notes-night"])
    assert not any("Literata" in font for font in fonts["house-notes"] | fonts["house-notes-travel"])
    css = {name: epub_files(out / f"{name}.epub")["EPUB/style/book.css"].decode()
           for name in ("house-notes", "house-notes-travel", "house-notes-night")}
    assert 'font-family: "Literata"' in css["house-notes-night"] and "Literata" not in css["house-notes"]
    # What the travel edition does not name is the book's: its EPUB's stylesheet, and its copyright page says
    # its own edition.
    assert css["house-notes-travel"] == css["house-notes"]
    copyright_pages = {name: epub_files(out / f"{name}.epub")["EPUB/copyright.xhtml"].decode()
                       for name in ("house-notes", "house-notes-travel")}
    assert "Travel edition" in copyright_pages["house-notes-travel"]
    assert "Travel edition" not in copyright_pages["house-notes"]
    for epub in out.glob("*.epub"):
        assert epubcheck_messages(epub) == [], epub.name


def test_the_book_without_an_edition_is_the_same_book(editions: tuple[Path, Path], tmp_path: Path) -> None:
    folder, out = editions
    alone = chapbook("build", str(folder), "-o", str(tmp_path / "alone"))
    assert alone.returncode == 0, alone.stderr
    for name in ("house-notes.epub", "house-notes.pdf"):
        assert (tmp_path / "alone" / name).read_bytes() == (out / name).read_bytes(), name
    assert sorted(path.name for path in (tmp_path / "alone").iterdir() if not path.name.startswith(".")) == [
        "house-notes-report.html", "house-notes-warnings.txt", "house-notes.epub", "house-notes.pdf"]


def test_each_edition_is_up_to_date_on_its_own(editions: tuple[Path, Path]) -> None:
    folder, out = editions
    again = chapbook("build", str(folder), "-o", str(out), "--edition", "travel,night")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("nothing changed") == 2 and "laid out" not in again.stderr
    assert again.stdout.split() == [str(out / name) for name in (
        "house-notes-travel.pdf", "house-notes-travel.epub", "house-notes-travel-warnings.txt",
        "house-notes-travel-report.html", "house-notes-night.pdf", "house-notes-night.epub",
        "house-notes-night-warnings.txt", "house-notes-night-report.html")]


def test_the_cover_of_an_edition_has_its_trim(editions: tuple[Path, Path]) -> None:
    folder, out = editions
    result = chapbook("cover", str(folder), "-o", str(out), "--edition", "travel")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(out / "house-notes-travel-cover.pdf")]
    assert page_size_inches(out / "house-notes-travel-cover.pdf")[1] == 9.25  # 9 in and its bleed


@pytest.mark.parametrize(("table", "line", "message"), [
    ('trim = "6x9"\ncolour = "red"\n', 6, 'unknown option "colour" in [editions.travel]; the options are: '),
    ('print_links = 3\n', 5, "print_links must be "),
    ('paper = "pink"\n', 5, 'paper must be "white" or "cream"'),
    ('\ntrim = "huge"\n', 6, 'trim "huge" is not a page size'),
])
def test_a_mistake_in_an_edition_is_reported_at_its_line(tmp_path: Path, table: str, line: int,
                                                         message: str) -> None:
    # A top-level trim and a later table too: the line found is the edition's own.
    write_files(tmp_path, {"book.toml": f'title = "T"\ntrim = "5x8"\n\n[editions.travel]\n{table}\n[editions.b]\n'
                                        'trim = "A5"\n'})
    assert load_config(tmp_path).trim == "5x8"
    with pytest.raises(ChapbookError) as caught:
        load_config(tmp_path, "travel")
    assert (caught.value.path, caught.value.line) == (tmp_path / "book.toml", line)
    assert caught.value.message.startswith(message)
    assert load_config(tmp_path, "b").trim == "A5"


def test_the_command_says_where_an_edition_is_wrong(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "book", {"book.toml": 'title = "T"\n\n[editions.small]\ncolour = "red"\n',
                                             **ESSAYS})
    wrong = chapbook("build", str(folder), "-o", str(tmp_path / "out"), "--edition", "small")
    assert wrong.returncode == 1
    assert f'{folder / "book.toml"}:4: unknown option "colour" in [editions.small]' in wrong.stderr
    assert "Traceback" not in wrong.stderr and not (tmp_path / "out").exists()
    unknown = chapbook("build", str(folder), "-o", str(tmp_path / "out"), "--edition", "large")
    assert unknown.returncode == 2
    assert 'has no edition "large" (its editions: small)' in unknown.stderr


@pytest.mark.parametrize("name", ['"Big Print"', '"../up"', "all", "default"])
def test_an_edition_name_must_be_a_safe_file_name_part(tmp_path: Path, name: str) -> None:
    write_files(tmp_path, {"book.toml": f'title = "T"\n\n[editions.{name}]\ntrim = "6x9"\n'})
    with pytest.raises(ChapbookError) as caught:
        load_config(tmp_path)
    assert caught.value.line == 3 and "cannot name an edition" in caught.value.message
