"""`chapbook check`: a print shop's preflight of the built PDF, as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdf
from PIL import Image

from chapbook.media.page_keys import page_keys
from chapbook.preflight import check_pdf, pdf_page_keys, read_page_facts, unread_pages
from conftest import Built, build_book, run_chapbook, write_files


def test_the_sample_book_passes_preflight(sample: Built) -> None:
    result = run_chapbook("check", str(sample.pdf))
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert "ok       trim 5.5 in × 8.5 in, no bleed" in lines
    assert any(line.startswith("ok       every font embedded (") and "EB-Garamond" in line for line in lines)
    assert any(line.startswith("ok       inside margin 0.6") and "KDP asks 0.375 in" in line for line in lines)
    assert "PROBLEM" not in result.stdout


def test_a_picture_stretched_past_its_resolution_is_a_problem(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    Image.new("RGB", (200, 150), (120, 90, 60)).save(source / "small.png")
    (source / "book.toml").write_text('stylesheet = "wide.css"\n')
    (source / "wide.css").write_text("img { width: 100%; }\n")  # the writer's own CSS enlarges it
    (source / "a.md").write_text("A picture:\n\n![A small square](small.png)\n")
    built = build_book(source, tmp_path / "out", "--format", "pdf")
    result = run_chapbook("check", str(built.pdf))
    assert result.returncode == 1
    assert "PROBLEM  images below 300 dpi" in result.stdout and "200 px across" in result.stdout


def test_checking_something_that_is_not_a_pdf(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_text("not a pdf")
    result = run_chapbook("check", str(tmp_path / "notes.pdf"))
    assert result.returncode == 1 and "not a PDF chapbook can read" in result.stderr and "Traceback" not in result.stderr
    result = run_chapbook("check", str(tmp_path / "missing.pdf"))
    assert result.returncode == 1 and "no such PDF" in result.stderr


def _essays(count: int, extra: str = "") -> dict[str, str]:
    paragraph = ("The kettle ticked as it cooled, and the window held the last of the light over the "
                 "allotments, where someone was still turning the soil by hand. ") * 6
    return {f"{number:02d}-day.md": f"+++\ntitle = \"Day {number}\"\nweight = {number}\n+++\n\n"
            + "\n\n".join([paragraph] * 5) + (extra if number == 3 else "") + "\n" for number in range(1, count + 1)}


def test_a_rebuilt_book_has_only_its_changed_pages_read_again(tmp_path: Path) -> None:
    source = write_files(tmp_path / "src", _essays(5))
    first = build_book(source, tmp_path / "out", "--format", "pdf").pdf
    kept = tmp_path / "first.pdf"
    kept.write_bytes(first.read_bytes())
    fresh = check_pdf(kept)
    pages = len(pypdf.PdfReader(kept).pages)
    assert fresh.pages_read > pages // 2  # every page not alike another (the blanks are one)
    assert check_pdf(kept, fresh.page_facts).pages_read == 0
    # A long book's pages are read by several processes, each a share: together, the same check.
    unread = unread_pages(pdf_page_keys(kept), {})
    assert len(unread) == fresh.pages_read
    shared = {**read_page_facts(kept, unread[0::2]), **read_page_facts(kept, unread[1::2])}
    together = check_pdf(kept, shared)
    assert together.pages_read == 0 and (together.ok, together.problems) == (fresh.ok, fresh.problems)

    (source / "03-day.md").write_text(_essays(5, "\n\nOne more sentence, added the next morning.")["03-day.md"])
    edited = build_book(source, tmp_path / "out", "--format", "pdf").pdf
    again = check_pdf(edited, fresh.page_facts)
    assert 0 < again.pages_read < fresh.pages_read // 2  # the edited chapter's pages, not the book's
    whole = check_pdf(edited)
    assert (again.ok, again.problems, again.fonts) == (whole.ok, whole.problems, whole.fonts)


def test_what_was_read_before_is_used_by_page_key_and_a_bad_entry_read_again(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    Image.new("RGB", (900, 600), (120, 90, 60)).save(source / "field.png")
    (source / "a.md").write_text("A picture:\n\n![A brown field](field.png)\n")
    pdf = build_book(source, tmp_path / "out", "--format", "pdf").pdf
    fresh = check_pdf(pdf)
    assert len(fresh.images) == 1 and fresh.images[0].sharp
    page_key = page_keys(pikepdf.open(pdf), fonts_by_name=True)[fresh.images[0].page]

    # A stored fact is believed for its page: the picture, said to be 100 px across 2 in, is soft.
    told = {**fresh.page_facts, page_key: [fresh.page_facts[page_key][0], [[100, 60, 2.0, 1.2]]]}
    believed = check_pdf(pdf, told)
    assert believed.pages_read == 0
    assert any("page " + str(fresh.images[0].page + 1) + ": 100 px across 2.00 in is 50 dpi" in line
               for line in believed.problems)

    # Entries not as the check writes them (a damaged or foreign cache) are read again from the PDF.
    damaged = {key: ["junk", {"images": 1}] for key in fresh.page_facts}
    reread = check_pdf(pdf, damaged)
    assert reread.pages_read == fresh.pages_read and (reread.ok, reread.problems) == (fresh.ok, fresh.problems)
