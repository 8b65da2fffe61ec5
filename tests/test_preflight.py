"""`chapbook check`: a print shop's preflight of the built PDF, as a user runs it."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from conftest import Built, build_book, run_chapbook


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
