"""`chapbook proof`: contact sheets of the print spreads, --pages, and --changed after an edit."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageStat

from chapbook.proof import SPREADS_ACROSS, SPREADS_DOWN
from chapbook.spreads import TRIM_LINE, Spread, render_spread, spreads
from conftest import run_chapbook, write_files

TITLES = {"harbour": "The Harbour Wall", "orchard": "An Orchard in March", "kiln": "Firing the Kiln"}
SENTENCES = {
    "harbour": "The tide came in over the lower steps and the gulls moved one stone higher each time.",
    "orchard": "The pruned branches lay in rows between the trees, waiting for somebody to burn them.",
    "kiln": "We stacked the bowls on their shelves and bricked the door shut before the sun was up.",
}


def essay(slug: str, weight: int) -> str:
    paragraphs = [" ".join(f"{SENTENCES[slug]} ({slug} {n}.{m})" for m in range(6)) for n in range(14)]
    return f'+++\ntitle = "{TITLES[slug]}"\nweight = {weight}\n+++\n\n' + "\n\n".join(paragraphs) + "\n"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_files(tmp_path / "book", {
        "book.toml": 'title = "Three Walks"\nauthor = "Ines Okafor"\nlanguage = "en"\n',
        **{f"{n}-{slug}.md": essay(slug, n) for n, slug in enumerate(TITLES, start=1)},
    })


def proof(*args: str) -> tuple[list[Path], str]:
    result = run_chapbook("proof", *args, "-j", "1")
    assert result.returncode == 0, result.stderr
    return [Path(line) for line in result.stdout.split()], result.stderr


def chapter_pages(pdf: Path) -> dict[str, range]:
    """Each essay's pages (indexes from 0), from the PDF's outline: from its opener to the next one's."""
    reader = pypdf.PdfReader(pdf)
    starts = {item.title: reader.get_destination_page_number(item) for item in reader.outline
              if not isinstance(item, list)}
    opened = sorted((starts[title], slug) for slug, title in TITLES.items())
    ends = [start for start, _ in opened[1:]] + [len(reader.pages)]
    return {slug: range(start, end) for (start, slug), end in zip(opened, ends)}


def differing(stderr: str) -> list[tuple[int, ...]]:
    """The spreads --changed names, as 0-based page indexes."""
    return [tuple(int(page) - 1 for page in pages.split("-"))
            for pages in re.findall(r"the spread of PDF page\(s\) ([\d-]+)", stderr)]


def test_spreads_open_as_a_book() -> None:
    assert spreads(1) == [Spread(None, 0)]
    assert spreads(4) == [Spread(None, 0), Spread(1, 2), Spread(3, None)]
    assert spreads(5) == [Spread(None, 0), Spread(1, 2), Spread(3, 4)]
    assert spreads(0) == []


def test_proof_writes_readable_sheets_of_every_spread(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    sheets, stderr = proof(str(book), "-o", str(out))
    pdf = out / "three-walks.pdf"
    pages = len(pypdf.PdfReader(pdf).pages)
    expected = len(spreads(pages))
    assert f"{expected} spreads of {pages} pages" in stderr
    assert len(sheets) == -(-expected // (SPREADS_ACROSS * SPREADS_DOWN))
    assert all(sheet.parent == out / "three-walks-proof" and sheet.suffix == ".png" for sheet in sheets)
    assert len(list((out / "three-walks-proof" / ".spreads").glob("*.png"))) == expected
    first = Image.open(sheets[0]).convert("L")
    # Two 5.5 x 8.5 in spreads across at 100 dpi: over 2000 pixels wide, three rows of 850 down.
    assert first.width > 2 * 1100 and first.height > 3 * 850
    # Not blank: dark type on white pages.
    assert sum(first.histogram()[:100]) > 10_000
    assert ImageStat.Stat(first).stddev[0] > 20
    # The spread on the sheet is the PDF's pages: the second cell holds the PDF's spread of pages 2 and 3.
    drawn = render_spread(pdf, spreads(pages)[1], 100)
    cell = drawn.convert("L")
    placed = first.crop((30 + cell.width + 40, 30, 30 + 2 * cell.width + 40, 30 + cell.height))
    assert placed.tobytes() == cell.tobytes()
    assert TRIM_LINE not in {colour for _, colour in drawn.getcolors(1 << 16)}  # no bleed, no trim drawn


def test_pages_limits_the_sheets_to_spreads_touching_them(book: Path, tmp_path: Path) -> None:
    sheets, stderr = proof(str(book), "-o", str(tmp_path / "dist"), "--pages", "5-8")
    # Pages 5 to 8 (indexes 4 to 7) lie on the spreads 4-5, 6-7 and 8-9.
    assert "3 spreads of" in stderr
    assert len(sheets) == 1
    assert 2 * 850 < Image.open(sheets[0]).height < 3 * 850  # a row of two spreads and a row of one
    bad = run_chapbook("proof", str(book), "-o", str(tmp_path / "dist"), "--pages", "8-5")
    assert bad.returncode == 2 and "--pages 8-5" in bad.stderr and "Traceback" not in bad.stderr


def test_changed_marks_only_the_edited_essays_spreads(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = run_chapbook("proof", str(book), "-o", str(out), "--changed")
    assert first.returncode == 1 and "no earlier proof" in first.stderr and "Traceback" not in first.stderr
    proof(str(book), "-o", str(out))
    before = chapter_pages(out / "three-walks.pdf")
    # A word for a word of the same length, in the orchard essay only: its pages keep their count.
    text = (book / "2-orchard.md").read_text(encoding="utf-8")
    (book / "2-orchard.md").write_text(text.replace("(orchard 3.2)", "(ORCHARD 3.2)"), encoding="utf-8")
    sheets, stderr = proof(str(book), "-o", str(out), "--changed")
    assert chapter_pages(out / "three-walks.pdf") == before
    changed = differing(stderr)
    assert changed, stderr
    assert all(set(pages) <= set(before["orchard"]) for pages in changed)
    # Only the page the edited paragraph is on, not every spread of the essay.
    assert len(changed) < len(range(0, len(before["orchard"]), 2))
    assert [sheet.name for sheet in sheets] == ["changed-01.png"]
    assert not list((out / "three-walks-proof").glob("sheet-*.png"))  # the last proof's sheets are gone
    red = Image.open(sheets[0]).convert("RGB").get_flattened_data()
    assert sum(1 for r, g, b in red if r > 200 and g < 30 and b < 30) > 100  # the difference is outlined
    # The last proof stays the one compared with: asked again, the same spreads differ.
    assert differing(proof(str(book), "-o", str(out), "--changed")[1]) == changed


def test_changed_after_an_essay_grows_shows_the_pages_it_moved(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    proof(str(book), "-o", str(out))
    before = chapter_pages(out / "three-walks.pdf")
    with (book / "1-harbour.md").open("a", encoding="utf-8") as file:
        file.write("\n\n" + "\n\n".join([SENTENCES["harbour"] * 6] * 8) + "\n")
    _, stderr = proof(str(book), "-o", str(out), "--changed")
    after = chapter_pages(out / "three-walks.pdf")
    assert after["kiln"].start > before["kiln"].start
    changed = {index for pages in differing(stderr) for index in pages}
    assert changed & set(after["kiln"])  # the later essay's pages moved, and are shown
    # The contents page shows the moved folios; the half-title before it is as it was.
    assert 0 not in changed and changed & set(range(before["harbour"].start))


def test_proof_of_a_built_pdf_with_bleed_and_of_no_pdf(book: Path, tmp_path: Path) -> None:
    with (book / "book.toml").open("a", encoding="utf-8") as file:
        file.write('bleed = "0.125in"\n')
    built = run_chapbook("build", str(book), "-o", str(tmp_path / "dist"), "--format", "pdf", "-j", "1")
    assert built.returncode == 0, built.stderr
    pdf = tmp_path / "dist" / "three-walks.pdf"
    shutil.copy(pdf, tmp_path / "printer.pdf")
    sheets, _ = proof(str(tmp_path / "printer.pdf"), "-o", str(tmp_path / "sheets"))
    assert sheets and sheets[0].parent == tmp_path / "sheets" / "printer-proof"
    # The trim is drawn an eighth of an inch (12.5 pixels at 100 dpi) inside the bleed's edge.
    spread = render_spread(tmp_path / "printer.pdf", Spread(1, 2), 100)
    column = [spread.getpixel((spread.width * 3 // 4, y)) for y in range(30)]
    assert [y for y, colour in enumerate(column) if colour == TRIM_LINE] in ([12], [12, 13], [13])
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 nothing more")
    broken = run_chapbook("proof", str(tmp_path / "broken.pdf"), "-o", str(tmp_path / "sheets"))
    assert broken.returncode == 1 and "broken.pdf" in broken.stderr and "Traceback" not in broken.stderr
