"""The build report beside the book: read as a browser would, and checked against the PDF it describes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import lxml.html
import pypdf
import pytest
from PIL import Image

from conftest import run_chapbook, write_files

BODIES = {
    "1-ferry.md": ("The Night Ferry", "The ferry left at nine and the lights of the town went small behind us. " * 60),
    "2-field.md": ("A Field in August", "The barley stood dry and pale and the wind went over it like a hand. " * 90),
    "3-stairs.md": ("Counting Stairs", "There are forty stairs to the flat and I have counted every one of them. " * 40),
}


def picture() -> bytes:
    image = Image.new("RGB", (600, 400), (90, 130, 80))
    for x in range(0, 600, 40):
        image.paste((200, 180, 90), (x, 0, x + 20, 400))
    data = io.BytesIO()
    image.save(data, "PNG")
    return data.getvalue()


def essay(title: str, weight: int, body: str, extra: str = "") -> str:
    return f'+++\ntitle = "{title}"\nweight = {weight}\n+++\n\n{body}\n{extra}'


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "book"
    files = {name: essay(title, n, body) for n, (name, (title, body)) in enumerate(BODIES.items(), start=1)}
    # Line 8: a picture printed as a full page, so wider than its pixels allow at 300 dpi; line 10: one
    # that is missing (a warning with its place, and its alt text printed in its stead).
    files["2-field.md"] += "\n![The field from the gate](images/field.png){.bleed}\n\n![A map](images/map.png)\n"
    return write_files(folder, {"book.toml": 'title = "Late Summer"\nauthor = "Tomas Reyes"\n',
                                "images/field.png": picture(), **files})


@pytest.fixture(scope="module")
def built(book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report-dist")
    result = run_chapbook("build", str(book), "-o", str(out), "-j", "1")
    assert result.returncode == 0, result.stderr
    assert str(out / "late-summer-report.html") in result.stdout.split()
    return out


def report(out: Path) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(out / "late-summer-report.html")).getroot()


def cells(row: lxml.html.HtmlElement) -> list[str]:
    return [" ".join(cell.text_content().split()) for cell in row.findall("td")]


def test_chapters_have_the_pdfs_pages_and_their_words(built: Path) -> None:
    reader = pypdf.PdfReader(built / "late-summer.pdf")
    opens = {item.title: reader.get_destination_page_number(item) + 1 for item in reader.outline
             if not isinstance(item, list)}
    rows = [cells(row) for row in report(built).findall(".//section[@id='chapters']//tbody/tr")]
    assert [row[0] for row in rows] == [title for title, _ in BODIES.values()]
    for (title, body), (_, source, folios, pdf_pages, words) in zip(BODIES.values(), rows):
        first, last = (int(page) for page in pdf_pages.split("–"))
        assert first == opens[title]
        following = [page for page in opens.values() if page > first]
        assert first < last < min(following, default=len(reader.pages) + 1)
        # The folios are those printed on the pages: the last page's number is at its foot.
        first_folio, last_folio = folios.split("–")
        assert reader.page_labels[first - 1] == first_folio
        assert last_folio in reader.pages[last - 1].extract_text().split()
        shown_alt = ["A", "map"] if title == "A Field in August" else []
        assert int(words.replace(",", "")) == len(body.split() + shown_alt)
        assert source in BODIES and Path(source).name == source


def test_the_picture_row_gives_its_printed_resolution(built: Path) -> None:
    [row] = report(built).findall(".//section[@id='pictures']//tbody/tr")
    name, chapter, page, pixels, printed, resolution = cells(row)
    assert (name, chapter, pixels) == ("images/field.png", "A Field in August", "600 × 400")
    width = float(printed.split(" × ")[0])
    dpi = int(resolution.removesuffix(" dpi"))
    assert dpi == round(600 / width) and dpi < 300
    assert row.find(".//span[@class='badge bad']") is not None  # soft in print, and marked so


def test_warnings_are_grouped_with_their_places(built: Path) -> None:
    groups = report(built).findall(".//section[@id='warnings']//details")
    missing = [group for group in groups if "not found" in group.find("summary").text_content()]
    assert len(missing) == 1
    places = [span.text for span in missing[0].iterfind(".//span[@class='place']")]
    assert any(re.fullmatch(r".*2-field\.md:10", place) for place in places), places
    # Every warning of the build's warnings file is in the report.
    listed = (built / "late-summer-warnings.txt").read_text(encoding="utf-8").splitlines()[0]
    assert listed.startswith(f"{sum(len(g.findall('.//li')) for g in groups)} warning")


def test_the_preflight_is_that_of_chapbook_check(built: Path) -> None:
    checked = run_chapbook("check", str(built / "late-summer.pdf"))
    expected = [line.split(maxsplit=1)[1] for line in checked.stdout.splitlines()]
    shown = report(built).findall(".//section[@id='preflight']//li")
    assert sorted(" ".join(li.text_content().split()) for li in shown) == sorted(expected)
    problems = [li.text_content() for li in shown if li.get("class") == "problem"]
    assert any("below 300 dpi" in line for line in problems)  # the soft picture, as check says it
    assert (checked.returncode == 1) == bool(problems)
    fonts = [li.text_content() for li in report(built).findall(".//section[@id='fonts']//li")]
    assert any("Garamond" in font for font in fonts)


def test_the_report_is_an_output_the_up_to_date_check_keeps(book: Path, built: Path) -> None:
    again = run_chapbook("build", str(book), "-o", str(built), "-j", "1")
    assert "up to date" in again.stderr and str(built / "late-summer-report.html") in again.stdout.split()
    (built / "late-summer-report.html").unlink()
    rebuilt = run_chapbook("build", str(book), "-o", str(built), "-j", "1")
    assert "up to date" not in rebuilt.stderr and (built / "late-summer-report.html").is_file()


def test_an_epub_alone_reports_its_pages_and_says_what_waits_for_a_pdf(book: Path, tmp_path: Path) -> None:
    result = run_chapbook("build", str(book), "-o", str(tmp_path), "--format", "epub", "-j", "1")
    assert result.returncode == 0, result.stderr
    page = report(tmp_path)
    rows = [cells(row) for row in page.findall(".//section[@id='chapters']//tbody/tr")]
    assert rows[0][2].startswith("1–")  # the print edition's pages, which the EPUB's page list follows
    assert "No PDF was written" in page.find(".//section[@id='preflight']").text_content()
    assert "No PDF was written" in page.find(".//section[@id='pictures']").text_content()
    assert not page.findall(".//section[@id='preflight']//li")
