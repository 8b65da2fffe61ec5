"""Pictures: full resolution for the printer, sized for reading devices, converted when a reader cannot show them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image, ImageDraw

from conftest import build_book
from epubcheck_helper import epubcheck_messages


def picture(path: Path, size: tuple[int, int], kind: str) -> None:
    image = Image.new("RGB", size, (230, 220, 200))
    ImageDraw.Draw(image).ellipse((size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill=(90, 60, 40))
    image.save(path, kind)


@pytest.fixture(scope="module")
def pictured(tmp_path_factory: pytest.TempPathFactory):
    source = tmp_path_factory.mktemp("pictures")
    (source / "img").mkdir()
    picture(source / "img" / "big.jpg", (3000, 2000), "JPEG")
    picture(source / "img" / "scan.tiff", (400, 300), "TIFF")
    (source / "a.md").write_text('+++\ntitle = "Pictures"\n+++\n\nA wide one:\n\n![A brown moon over sand](img/big.jpg)\n\n'
                                 "A scan:\n\n![A scanned moon](img/scan.tiff)\n\nAnd one with no words:\n\n![](img/big.jpg)\n")
    return build_book(source, tmp_path_factory.mktemp("pictures-out"))


def test_epub_pictures_fit_reading_devices_and_are_core_types(pictured) -> None:
    with zipfile.ZipFile(pictured.epub) as archive:
        names = [n for n in archive.namelist() if n.startswith("EPUB/images/") and "cover" not in n]
        assert sorted(names) == ["EPUB/images/big.jpg", "EPUB/images/scan.png"]
        big = Image.open(io.BytesIO(archive.read("EPUB/images/big.jpg")))
        scan = Image.open(io.BytesIO(archive.read("EPUB/images/scan.png")))
    assert big.size == (1600, 1067) and big.format == "JPEG"
    assert scan.format == "PNG" and scan.size == (400, 300)
    assert epubcheck_messages(pictured.epub) == []


def test_print_keeps_full_resolution(pictured) -> None:
    document = pdfium.PdfDocument(pictured.pdf)
    sizes = {obj.get_px_size() for page in document for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])}
    assert (3000, 2000) in sizes and (400, 300) in sizes


def test_a_picture_without_alt_text_is_named(pictured) -> None:
    assert "/a.md:15: image \"img/big.jpg\" has no alt text" in pictured.stderr


def test_a_damaged_or_cut_off_picture_is_a_warning_and_its_alt_text_shows(tmp_path: Path) -> None:
    whole = io.BytesIO()
    Image.new("RGB", (400, 300), (90, 120, 150)).save(whole, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 3])
    (tmp_path / "noise.png").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "bad.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>")
    (tmp_path / "a.md").write_text('+++\ntitle = "Pictures"\n+++\nText.\n\n![a cut-off field](cut.jpg)\n\n'
                                   "![noise](noise.png)\n\n![a bad drawing](bad.svg)\n")
    built = build_book(tmp_path, tmp_path.parent / f"{tmp_path.name}-out")  # builds; epubcheck clean
    for line, name in ((6, "cut.jpg"), (8, "noise.png"), (10, "bad.svg")):
        assert f'a.md:{line}: image "{name}" cannot be read' in built.stderr
    with zipfile.ZipFile(built.epub) as archive:
        assert not [n for n in archive.namelist() if n.startswith("EPUB/images/") and "cover" not in n]
    text = " ".join(pdfium.PdfDocument(built.pdf)[6].get_textpage().get_text_range().split())
    assert "a cut-off field" in text and "a bad drawing" in text
