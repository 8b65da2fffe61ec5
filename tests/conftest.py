"""Shared fixtures: the sample book built once, and readers for what a reader of it would see."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest

from epubcheck_helper import epubcheck_messages
from pdf_glyphs import notdef_glyphs

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "book"


@dataclass(frozen=True)
class Built:
    epub: Path
    pdf: Path
    stdout: str
    stderr: str


def run_chapbook(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real command, as a user would."""
    return subprocess.run([sys.executable, "-m", "chapbook", *args], capture_output=True, text=True, cwd=cwd)


def build_book(source: Path, out: Path, *extra: str) -> Built:
    """Build as a user would; every EPUB the suite builds must pass epubcheck with nothing to report, and
    no PDF may draw a .notdef box for a character its fonts lack."""
    # -v: every warning as it comes, for the tests that read them (the terminal shows a few of each kind).
    result = run_chapbook("build", str(source), "-o", str(out), "-v", *extra)
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.split()]
    epub = next((p for p in written if p.suffix == ".epub"), None)
    pdf = next((p for p in written if p.suffix == ".pdf"), None)
    if epub is not None:
        assert epubcheck_messages(epub) == [], f"epubcheck on the EPUB built from {source}"
    if pdf is not None:
        assert notdef_glyphs(pdf) == [], f".notdef glyphs in the PDF built from {source}"
    return Built(epub, pdf, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_book(SAMPLE, tmp_path_factory.mktemp("sample-dist"))


def write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (text, or raw bytes) into folder, by their paths under it, and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def epub_files(epub: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(epub) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pdf_page_texts(pdf: Path) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages]


def pdf_runs(pdf: Path) -> list[list[tuple[str, str]]]:
    """For each page, the text runs as drawn, each with the name of the font that drew it."""
    pages = []
    for page in pypdf.PdfReader(pdf).pages:
        runs: list[tuple[str, str]] = []

        def visit(text: str, cm: object, tm: object, font: dict | None, size: float) -> None:
            if text.strip() and font is not None:
                runs.append((text, str(font.get("/BaseFont", ""))))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def font_of(pages: list[list[tuple[str, str]]], text: str) -> set[str]:
    """The fonts of every run that holds the text."""
    return {font for runs in pages for run, font in runs if text in run}


def pages_by_folio(pages: list[str]) -> dict[str, int]:
    """Map each printed page number (as the folio at the page foot reads) to its index in the PDF."""
    folios = {}
    for index, text in enumerate(pages):
        lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
        if lines and (lines[-1].isdigit() or set(lines[-1]) <= set("ivxlc")):
            folios.setdefault(lines[-1], index)
    return folios
