"""The same sources give the same bytes: two builds, in two processes, compared by hash."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pypdf
from lxml import etree

from conftest import SAMPLE

OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


def build(out: Path, epoch: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = epoch
    subprocess.run([sys.executable, "-m", "chapbook", "build", str(SAMPLE), "-o", str(out), "-q"],
                   check=True, env=env, capture_output=True)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir()) if p.is_file()}


def modified(epub: Path) -> str:
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    return opf.findtext(".//opf:meta[@property='dcterms:modified']", namespaces=OPF)


def test_two_builds_with_source_date_epoch_are_byte_identical(tmp_path: Path) -> None:
    first, second = build(tmp_path / "a", "1700000000"), build(tmp_path / "b", "1700000000")
    assert set(first) == {"small-hours.epub", "small-hours.pdf", "small-hours-warnings.txt",
                          "small-hours-report.html"}
    assert first == second
    assert modified(tmp_path / "a" / "small-hours.epub") == "2023-11-14T22:13:20Z"
    assert pypdf.PdfReader(tmp_path / "a" / "small-hours.pdf").metadata["/ModDate"].startswith("D:20231114221320")
    with zipfile.ZipFile(tmp_path / "a" / "small-hours.epub") as archive:
        first_entry = archive.infolist()[0]
        assert first_entry.filename == "mimetype" and first_entry.compress_type == zipfile.ZIP_STORED
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_without_source_date_epoch_the_date_comes_from_the_essays_not_the_clock(tmp_path: Path) -> None:
    first, second = build(tmp_path / "a", None), build(tmp_path / "b", None)
    assert first == second
    assert modified(tmp_path / "a" / "small-hours.epub") == "2024-01-03T00:00:00Z"  # the newest essay's date


def test_another_epoch_changes_the_stamp(tmp_path: Path) -> None:
    assert build(tmp_path / "a", "1700000000") != build(tmp_path / "b", "1800000000")


def test_empty_margin_boxes_left_unsized_set_the_same_pages(tmp_path: Path, monkeypatch) -> None:
    """piece_job skips sizing the empty margin boxes WeasyPrint makes (fourteen a page): the PDF is the
    same bytes as WeasyPrint's own way gives, and the shortcut was taken."""
    from contextlib import nullcontext

    from weasyprint.formatting_structure.boxes import MarginBox

    from chapbook import pipeline
    from chapbook.writers.pdf import piece_job

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    skipped = []
    original = piece_job._empty_margin_boxes_unsized.original

    def counted(box, containing_block):
        skipped.append(type(box) is MarginBox and not box.is_generated)
        original(box, containing_block)

    def built(out: Path) -> bytes:
        pipeline.build(SAMPLE, out, ("pdf",), lambda *_: None, use_cache=False, jobs=1)
        return next(out.glob("*.pdf")).read_bytes()

    monkeypatch.setattr(piece_job._empty_margin_boxes_unsized, "original", staticmethod(counted))
    shortcut = built(tmp_path / "shortcut")
    # Without the shortcut, seven empty boxes a page for each with content (a running head, a folio);
    # with it, only those of the blank page, drawn once on its own.
    assert 0 < skipped.count(True) < skipped.count(False)
    monkeypatch.setattr(piece_job, "_empty_margin_boxes_unsized", nullcontext)
    assert built(tmp_path / "weasyprints_way") == shortcut
