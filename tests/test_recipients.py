"""Readers' copies: book.toml's recipients, one EPUB and PDF each with "For <name>" after the title page and
an EPUB identifier of its own; the book is laid out once, only each copy's front matter again."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from chapbook.config import load_config
from chapbook.errors import ChapbookError
from chapbook.recipients import Recipient, with_stems
from conftest import epub_files, write_files
from epubcheck_helper import epubcheck_messages

EPOCH = "1700000000"
ESSAYS = {
    "01-bread.md": '+++\ntitle = "Bread"\ndate = 2022-01-02\n+++\n\nThe dough rises while the radio talks to '
                   "nobody in particular, and the kitchen smells of a morning that has not started yet.\n",
    "02-rain.md": '+++\ntitle = "Rain"\ndate = 2022-02-03\n+++\n\nRain on the skylight is a drum that was never '
                  "taught a rhythm, which is why it is worth listening to.\n",
}
# Twenty readers: names that are markup, an ampersand, accents, a name in another script, two that slug alike.
NAMES = ["Mum", "Sam Lee", "Sam  Lee", "<script>alert(1)</script>", "Tom & Jerry", "Zoë Brontë", "李白",
         *(f"Reader {number}" for number in range(8, 21))]
CSV = "name,line\n" + "".join(
    f'"{name.replace(chr(34), chr(34) * 2)}",{"With love, always" if number % 2 else ""}\n'
    for number, name in enumerate(NAMES)).replace(",With love, always", ',"With love, always"')


def chapbook(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CHAPBOOK_JOBS": "1"}
    return subprocess.run([sys.executable, "-m", "chapbook", *args], capture_output=True, text=True, env=env)


def pieces_laid_out(result: subprocess.CompletedProcess) -> int:
    return int(re.search(r"(\d+) pieces laid out", result.stderr)[1])


def timed_build(folder: Path, out: Path) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    result = chapbook("build", str(folder), "-o", str(out), "-j", "1")
    assert result.returncode == 0, result.stderr
    return result, time.perf_counter() - started


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """The book with twenty readers (a CSV file), built once: (output folder, the build)."""
    root = tmp_path_factory.mktemp("copies")
    one = write_files(root / "one", {"book.toml": 'title = "Kitchen Hours"\nrecipients = ["Mum"]\n', **ESSAYS})
    twenty = write_files(root / "twenty", {"book.toml": 'title = "Kitchen Hours"\nrecipients = "readers.csv"\n',
                                           "readers.csv": CSV, **ESSAYS})
    single, single_seconds = timed_build(one, root / "one-out")
    result, seconds = timed_build(twenty, root / "twenty-out")
    # The body is laid out once for all the copies: each copy costs one front matter's layout.
    assert pieces_laid_out(result) == pieces_laid_out(single) + 19
    print(f"\n1 copy: {single_seconds:.1f} s, {pieces_laid_out(single)} pieces laid out; "
          f"20 copies: {seconds:.1f} s, {pieces_laid_out(result)} pieces laid out")
    return root / "twenty-out", result


def inscription_text(epub: Path) -> list[str]:
    root = etree.fromstring(epub_files(epub)["EPUB/inscription.xhtml"])
    return ["".join(p.itertext()) for p in root.iter("{http://www.w3.org/1999/xhtml}p")]


def identifier(epub: Path) -> str:
    opf = etree.fromstring(epub_files(epub)["EPUB/content.opf"])
    return opf.find(".//{http://purl.org/dc/elements/1.1/}identifier").text


def test_twenty_readers_get_twenty_valid_copies_with_their_names(copies) -> None:
    out, _ = copies
    readers = with_stems([Recipient(" ".join(name.split())) for name in NAMES])
    stems = [reader.stem for reader in readers]
    assert stems[:7] == ["mum", "sam-lee", "sam-lee-2", "script-alert-1-script", "tom-jerry", "zoe-bronte",
                         stems[6]] and re.fullmatch(r"reader-[0-9a-f]{8}", stems[6])
    book = out / "kitchen-hours.epub"
    identifiers = {identifier(book)}
    for number, reader in enumerate(readers):
        epub, pdf = out / f"kitchen-hours-for-{reader.stem}.epub", out / f"kitchen-hours-for-{reader.stem}.pdf"
        line = ["With love, always"] if number % 2 else []
        assert inscription_text(epub) == [f"For {reader.name}", *line], epub.name
        assert epubcheck_messages(epub) == [], epub.name
        identifiers.add(identifier(epub))
        assert identifier(epub) == reader.identifier(identifier(book))  # the book's id and the name: stable
        pages = [page.extract_text() for page in pypdf.PdfReader(pdf).pages]
        assert pages[2].split("\n") == ["Kitchen Hours"]  # the title page; its back, the copyright page
        assert " ".join(pages[4].split()) == " ".join([f"For {reader.name}", *line]), pdf.name
    assert len(identifiers) == 21  # the book's and each copy's own
    # The plain book has no inscription.
    assert "EPUB/inscription.xhtml" not in epub_files(book)


def test_a_copy_is_the_book_with_two_pages_more_in_front(copies) -> None:
    out, _ = copies
    book = [page.extract_text() for page in pypdf.PdfReader(out / "kitchen-hours.pdf").pages]
    copy = [page.extract_text() for page in pypdf.PdfReader(out / "kitchen-hours-for-mum.pdf").pages]
    assert len(copy) == len(book) + 2 and copy[4] == "For Mum" and copy[5] == ""
    contents = book.index(next(page for page in book if page.startswith("Contents")))
    # From the contents on, the same pages (the contents' own roman folio is two later: vii for v).
    assert copy[:4] == book[:4]
    assert copy[contents + 2].replace("vii", "v") == book[contents]
    assert copy[contents + 3:] == book[contents + 1:]
    # The EPUB's page list, taken from the body's folios, is the book's.
    nav = {name: re.findall(rb'href="([^"]+)">(\d+)</a>', epub_files(out / name)["EPUB/nav.xhtml"])
           for name in ("kitchen-hours.epub", "kitchen-hours-for-mum.epub")}
    assert nav["kitchen-hours.epub"] and nav["kitchen-hours.epub"] == nav["kitchen-hours-for-mum.epub"]


def test_recipients_in_book_toml_and_in_an_edition(tmp_path: Path) -> None:
    write_files(tmp_path, {"book.toml": 'recipients = ["Mum", { name = "Sam Lee", line = "For the long nights" }]\n'
                                        '[editions.gift]\nrecipients = ["Ana"]\n'})
    assert load_config(tmp_path).recipients == (Recipient("Mum", "", "mum"),
                                                Recipient("Sam Lee", "For the long nights", "sam-lee"))
    assert load_config(tmp_path, "gift").recipients == (Recipient("Ana", "", "ana"),)


@pytest.mark.parametrize(("csv", "line", "message"), [
    ("name,line\nMum,Hello\nSam,one,two\n", 3, "a row has 3 cells"),
    ("Mum\n\n ,a line and no name\n", 3, "a recipient has no name"),
    ('Mum\n"Sam\n', 2, "not a CSV row chapbook can read"),
])
def test_a_malformed_row_of_the_readers_file_is_reported_at_its_line(tmp_path: Path, csv: str, line: int,
                                                                     message: str) -> None:
    write_files(tmp_path, {"book.toml": 'recipients = "readers.csv"\n', "readers.csv": csv})
    with pytest.raises(ChapbookError) as caught:
        load_config(tmp_path)
    assert (str(caught.value.path).endswith("readers.csv"), caught.value.line) == (True, line)
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize("value", ['"../outside.csv"', "3", '[["Mum"]]', '[""]'])
def test_recipients_that_are_not_names_are_refused_at_their_line(tmp_path: Path, value: str) -> None:
    write_files(tmp_path, {"book.toml": f'title = "T"\nrecipients = {value}\n'})
    with pytest.raises(ChapbookError) as caught:
        load_config(tmp_path)
    assert (caught.value.path, caught.value.line) == (tmp_path / "book.toml", 2)
