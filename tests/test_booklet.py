"""The booklet to print at home: the order of its pages, and the imposed PDF read back side by side.

The order is checked against a fold: a signature's sheets, nested and folded, read front right, back
left of each sheet from the outside in, then back right, front left from the inside out. The imposed
PDF is made from a synthetic book whose every page says its number and draws a frame at its trim."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from chapbook.assemble import read_book
from chapbook.config import CONFIG_NAME, BookConfig, load_config
from chapbook.errors import ChapbookError
from chapbook.themes import load_theme
from chapbook.writers.booklet import SHEETS, Sheet, booklet_order, sheet_paper, write_booklet
from conftest import run_chapbook, write_files

POINTS = 72
TRIM = (396.0, 612.0)  # 5.5 x 8.5 in
INSTRUCTION_SIDES = 2  # the instructions, and their back


def folded(sides: list[tuple], sheets_per_signature: list[int]) -> list:
    """The pages in reading order once each signature's sheets (front, back, front, back...) are folded."""
    pages, at = [], 0
    for count in sheets_per_signature:
        sheets = [(sides[2 * n], sides[2 * n + 1]) for n in range(at, at + count)]
        pages += [page for front, back in sheets for page in (front[1], back[0])]
        pages += [page for front, back in reversed(sheets) for page in (back[1], front[0])]
        at += count
    return pages


def sides_of(sheets: list[Sheet]) -> list[tuple]:
    return [side for sheet in sheets for side in (sheet.front, sheet.back)]


def signature_sizes(page_count: int, signature: int) -> list[int]:
    """Sheets in each signature: full ones, then what is left made up to a multiple of 4 pages."""
    pages = -(-page_count // 4) * 4
    size = signature or pages
    return [min(size, pages - first) // 4 for first in range(0, pages, size)]


# The order: literal for the small signatures, and checked against a fold for every size.

def test_a_four_page_booklet_is_one_sheet() -> None:
    assert booklet_order(4) == [Sheet(front=(3, 0), back=(1, 2), signature=0, depth=0)]


def test_an_eight_page_signature_nests_two_sheets() -> None:
    assert booklet_order(8, 8) == [Sheet((7, 0), (1, 6), 0, 0), Sheet((5, 2), (3, 4), 0, 1)]


def test_a_sixteen_page_signature_has_its_middle_spread_on_the_last_sheets_back() -> None:
    sheets = booklet_order(16, 16)
    assert [(sheet.front, sheet.back) for sheet in sheets] == [
        ((15, 0), (1, 14)), ((13, 2), (3, 12)), ((11, 4), (5, 10)), ((9, 6), (7, 8))]
    assert [sheet.depth for sheet in sheets] == [0, 1, 2, 3]


@pytest.mark.parametrize("page_count, signature", [(4, 4), (8, 8), (16, 16), (32, 32), (32, 16), (32, 8), (64, 16),
                                                   (48, 0), (128, 32)])
def test_the_sheets_folded_read_in_order(page_count: int, signature: int) -> None:
    sheets = booklet_order(page_count, signature)
    assert folded(sides_of(sheets), signature_sizes(page_count, signature)) == list(range(page_count))
    assert len({sheet.signature for sheet in sheets}) == page_count // (signature or page_count)


def test_thirty_two_pages_in_sixteens_are_two_signatures_each_nested_from_its_own_outside() -> None:
    sheets = booklet_order(32, 16)
    assert [(sheet.signature, sheet.depth) for sheet in sheets] == [(0, d) for d in range(4)] + [(1, d) for d in range(4)]
    assert sheets[4] == Sheet((31, 16), (17, 30), 1, 0)


@pytest.mark.parametrize("page_count, signature", [(1, 0), (2, 0), (10, 0), (42, 0), (10, 8), (30, 16), (35, 12)])
def test_a_count_that_needs_blanks_gets_them_at_the_end_and_no_more(page_count: int, signature: int) -> None:
    sheets = booklet_order(page_count, signature)
    pages = folded(sides_of(sheets), signature_sizes(page_count, signature))
    assert pages == list(range(page_count)) + [None] * (len(pages) - page_count)
    assert len(pages) - page_count < 4  # only to a multiple of 4: the last signature is a short one


def test_ten_pages_leave_the_outer_sheets_last_two_pages_blank() -> None:
    assert booklet_order(10)[0] == Sheet(front=(None, 0), back=(1, None), signature=0, depth=0)


def test_a_signature_not_a_multiple_of_four_is_refused() -> None:
    with pytest.raises(ValueError):
        booklet_order(12, 6)


@pytest.mark.parametrize("language, paper", [("en", "letter"), ("en-US", "letter"), ("en-GB", "a4"), ("fr-CA", "letter"),
                                             ("de", "a4"), ("es-MX", "letter"), ("zh-Hant-TW", "a4")])
def test_the_paper_follows_the_books_region(language: str, paper: str) -> None:
    assert sheet_paper(BookConfig(language=language)) == paper
    assert sheet_paper(BookConfig(language=language, booklet_paper="a4")) == "a4"


# The imposed PDF, read back.

def numbered_pdf(path: Path, count: int, bleed: float = 0.0) -> Path:
    """A book whose every page shows "P01", "P02"... and a frame at its trim; with bleed, black all round it."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    (width, height), b = TRIM, bleed
    for number in range(1, count + 1):
        drawing = [f"0 g 0 0 {width + 2 * b} {height + 2 * b} re f 1 g {b} {b} {width} {height} re f" if b else "",
                   f"0 G 2 w {b + 1} {b + 1} {width - 2} {height - 2} re S",
                   f"0 g BT /F1 60 Tf {b + 90} {b + height / 2} Td (P{number:02d}) Tj ET"]
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, width + 2 * b, height + 2 * b],
                                  TrimBox=[b, b, b + width, b + height],
                                  Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                                  Contents=pdf.make_stream("\n".join(drawing).encode()))
        pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def tiny_book(folder: Path, *options: str) -> Path:
    return write_files(folder, {
        "book.toml": "\n".join(['title = "Fold Test"', 'author = "Ada Quire"', *options]) + "\n",
        "01-first.md": "+++\ntitle = \"First\"\ndate = 2024-01-02\n+++\n\nThe first essay, short.\n",
        "02-second.md": "+++\ntitle = \"Second\"\ndate = 2024-02-03\n+++\n\nThe second essay, shorter.\n",
    })


def impose(tmp_path: Path, count: int, *options: str, bleed: float = 0.0) -> Path:
    """The booklet write_booklet makes of a numbered book of count pages, with these book.toml lines."""
    folder = tiny_book(tmp_path / "book", *options)
    book = read_book(folder)
    theme = load_theme(book.config.theme, book.root, folder / CONFIG_NAME)
    target = tmp_path / "booklet.pdf"
    write_booklet(book, theme, numbered_pdf(tmp_path / "numbered.pdf", count, bleed), target, lambda *_: None)
    return target


def markers(page: pdfium.PdfPage) -> list[tuple[str, float, bool]]:
    """Each "Pnn" on a side: its label, the x of its middle, and whether it reads left to right (upright)."""
    text = page.get_textpage()
    chars = [(text.get_text_range(index, 1), text.get_charbox(index)) for index in range(text.count_chars())]
    found = []
    for match in re.finditer(r"P\d\d", "".join(char for char, _ in chars)):
        boxes = [box for _, box in chars[match.start():match.end()]]
        lefts = [left for left, _, _, _ in boxes]
        found.append((match.group(), (boxes[0][0] + boxes[-1][2]) / 2, lefts == sorted(lefts) and lefts[0] < lefts[-1]))
    return found


def read_sides(booklet: Path) -> list[tuple[str | None, str | None]]:
    """Each imposed side's (left, right) page label, after checking each is upright."""
    document = pdfium.PdfDocument(booklet)
    sides = []
    for index in range(INSTRUCTION_SIDES, len(document)):
        page = document[index]
        fold = page.get_width() / 2
        halves: dict[bool, str] = {}
        for label, middle, upright in markers(page):
            assert upright, f"{label} on side {index + 1} is not upright"
            assert (middle > fold) not in halves, f"two pages on one half of side {index + 1}"
            halves[middle > fold] = label
        sides.append((halves.get(False), halves.get(True)))
    return sides


@pytest.mark.parametrize("count, signature", [(4, 4), (8, 8), (16, 16), (32, 32), (32, 16), (10, 0), (14, 8)])
def test_each_source_page_lands_upright_on_its_half_of_its_side(tmp_path: Path, count: int, signature: int) -> None:
    booklet = impose(tmp_path, count, f"signature = {signature}")
    sides = read_sides(booklet)
    expected = [tuple(None if page is None else f"P{page + 1:02d}" for page in side)
                for side in sides_of(booklet_order(count, signature))]
    assert sides == expected
    reading = folded(sides, signature_sizes(count, signature))
    assert reading == [f"P{n:02d}" for n in range(1, count + 1)] + [None] * (len(reading) - count)


def frames(booklet: Path, side: int) -> list[tuple[int, int, int, int]]:
    """The dark pixels' bounds (left, top, right, bottom, at 1 px a point) in each half of a side, left first."""
    picture = pdfium.PdfDocument(booklet)[side].render(scale=1).to_pil().convert("L")
    fold = picture.width // 2
    dark = picture.point(lambda value: 255 if value < 128 else 0)
    left, right = dark.crop((0, 0, fold, picture.height)).getbbox(), dark.crop((fold, 0, picture.width, picture.height)).getbbox()
    return [left, (right[0] + fold, right[1], right[2] + fold, right[3])]


def test_pages_meet_at_the_fold_at_one_scale_a_quarter_inch_clear_of_the_edges(tmp_path: Path) -> None:
    booklet = impose(tmp_path, 4, 'booklet_paper = "letter"')
    width, height = (inches * POINTS for inches in SHEETS["letter"])
    document = pdfium.PdfDocument(booklet)
    assert {tuple(round(size) for size in document[n].get_size()) for n in range(len(document))} == {(792, 612)}
    # Half a Letter sheet is 5.5 x 8.5 in, the trim itself: a quarter inch each side takes 8.5 in to 8.
    scale = (height - 36) / TRIM[1]
    left, right = frames(booklet, INSTRUCTION_SIDES)
    assert right[0] == pytest.approx(width / 2, abs=2) and left[2] == pytest.approx(width / 2, abs=2)
    for frame in (left, right):
        assert frame[2] - frame[0] == pytest.approx(TRIM[0] * scale, abs=3)
        assert frame[3] - frame[1] == pytest.approx(TRIM[1] * scale, abs=3)
        assert min(frame[0], frame[1], width - frame[2], height - frame[3]) >= 18 - 1


def test_bleed_and_what_is_drawn_in_it_stay_off_the_sheet(tmp_path: Path) -> None:
    booklet = impose(tmp_path, 4, 'booklet_paper = "a4"', bleed=9)
    left, right = frames(booklet, INSTRUCTION_SIDES + 1)
    scale = min(1.0, (SHEETS["a4"][0] * POINTS / 2 - 18) / TRIM[0], (SHEETS["a4"][1] * POINTS - 36) / TRIM[1])
    for frame in (left, right):  # the frame at the trim is the outermost dark thing: no black bleed beyond it
        assert frame[2] - frame[0] == pytest.approx(TRIM[0] * scale, abs=3)
        assert frame[3] - frame[1] == pytest.approx(TRIM[1] * scale, abs=3)


def test_creep_moves_each_nested_sheets_pages_toward_the_fold(tmp_path: Path) -> None:
    booklet = impose(tmp_path, 16, "signature = 16", 'creep = "2mm"', 'booklet_paper = "letter"')
    step = 2 / 25.4 * POINTS
    outer_edges = [frames(booklet, INSTRUCTION_SIDES + 2 * depth) for depth in range(4)]  # the fronts, outside in
    width = SHEETS["letter"][0] * POINTS
    for depth, (left, right) in enumerate(outer_edges):
        # The fore-edges come in by the creep a sheet; the inner edges are clipped at the fold.
        assert left[0] - outer_edges[0][0][0] == pytest.approx(depth * step, abs=1.5)
        assert outer_edges[0][1][2] - right[2] == pytest.approx(depth * step, abs=1.5)
        assert left[2] == pytest.approx(width / 2, abs=2) and right[0] == pytest.approx(width / 2, abs=2)


def test_the_first_sheet_says_how_to_print_fold_and_bind_this_book(tmp_path: Path) -> None:
    booklet = impose(tmp_path, 30, "signature = 16", 'booklet_paper = "a4"')
    document = pdfium.PdfDocument(booklet)
    words = " ".join(document[0].get_textpage().get_text_range().split())
    assert "How to print Fold Test as a booklet" in words
    assert "8 sheets of A4" in words and "30 pages (and 2 blank pages at its end)" in words
    assert "flip on short edge" in words and "actual size" in words
    assert "2 signatures of up to 16 pages" in words and "Signature 1 is sheets 1–4, signature 2 is sheets 5–8: each is folded on its own" in words
    assert "upside down" in document[1].get_textpage().get_text_range()
    assert len(document) == INSTRUCTION_SIDES + 16


def test_the_same_book_makes_the_same_booklet(tmp_path: Path) -> None:
    first = impose(tmp_path / "one", 8).read_bytes()
    assert impose(tmp_path / "two", 8).read_bytes() == first


# Through the command line and book.toml.

def test_build_booklet_writes_it_beside_the_pdf_with_the_books_first_page_on_sheet_one(tmp_path: Path) -> None:
    folder = tiny_book(tmp_path / "book")
    out = tmp_path / "out"
    plain = run_chapbook("build", str(folder), "-o", str(out), "--format", "pdf", "-j", "1")
    assert plain.returncode == 0, plain.stderr
    assert not (out / "fold-test-booklet.pdf").exists()
    # The last build is up to date, but it made no booklet: asking for one builds again.
    result = run_chapbook("build", str(folder), "-o", str(out), "--format", "pdf", "--booklet", "-j", "1")
    assert result.returncode == 0, result.stderr
    booklet = out / "fold-test-booklet.pdf"
    assert str(booklet) in result.stdout.split()
    book_pages = len(pikepdf.open(out / "fold-test.pdf").pages)
    document = pdfium.PdfDocument(booklet)
    assert len(document) == INSTRUCTION_SIDES + 2 * (-(-book_pages // 4))
    front = document[INSTRUCTION_SIDES]
    fold = front.get_width() / 2
    text = front.get_textpage()
    book = pdfium.PdfDocument(out / "fold-test.pdf")
    # The book's first page (its half-title) on the right, outside; on the left its last, blank.
    assert letters(text.get_text_bounded(left=fold)) == letters(book[0].get_textpage().get_text_range()) == "FoldTest"
    assert letters(text.get_text_bounded(right=fold)) == letters(book[book_pages - 1].get_textpage().get_text_range())


def letters(text: str) -> str:
    """Text without its spaces and line breaks: small capitals are letterspaced."""
    return "".join(text.split())


def test_booklet_true_in_book_toml_writes_it_and_an_epub_alone_is_not_a_booklet(tmp_path: Path) -> None:
    folder = tiny_book(tmp_path / "book", "booklet = true", "signature = 4")
    result = run_chapbook("build", str(folder), "-o", str(tmp_path / "out"), "--format", "pdf", "-j", "1")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "fold-test-booklet.pdf").is_file()
    wrong = run_chapbook("build", str(folder), "-o", str(tmp_path / "other"), "--format", "epub", "--booklet")
    assert wrong.returncode == 2 and "--booklet" in wrong.stderr
    assert not (tmp_path / "other").exists()


def test_a_signature_not_a_multiple_of_four_stops_the_build_at_its_line(tmp_path: Path) -> None:
    folder = tiny_book(tmp_path / "book", "booklet = true", "signature = 6")
    result = run_chapbook("build", str(folder), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert f"{folder / CONFIG_NAME}:4: signature must be 0 (one fold) or a multiple of 4 up to 128, got 6" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize("line, message", [
    ('creep = "a little"', 'creep must be a length such as "0.1mm" or "0.004in", got "a little"'),
    ('booklet_paper = "legal"', 'booklet_paper must be "letter" or "a4", got "legal"'),
    ('signature = "16"', "signature must be a whole number"),
    ('booklet = "yes"', "booklet must be true or false"),
])
def test_bad_booklet_options_are_refused_at_their_line(tmp_path: Path, line: str, message: str) -> None:
    folder = tiny_book(tmp_path, line)
    with pytest.raises(ChapbookError) as caught:
        load_config(folder)
    assert caught.value.line == 3 and caught.value.message.startswith(message)
