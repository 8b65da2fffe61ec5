"""A real site nobody here wrote (the Zola docs), built as a folder of essays."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, build_book
from epubcheck_helper import epubcheck_messages

DOCS = ROOT.parent / "shared" / "corpora" / "zola-docs" / "content" / "documentation"
pytestmark = pytest.mark.skipif(not DOCS.is_dir(), reason="shared/corpora is not beside this checkout")


@pytest.fixture(scope="module")
def docs_epub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_book(DOCS, tmp_path_factory.mktemp("docs"), "--format", "epub").epub


def test_the_docs_epub_passes_epubcheck(docs_epub: Path) -> None:
    assert epubcheck_messages(docs_epub) == []


def test_every_page_is_a_chapter_and_links_between_pages_stay_in_the_book(docs_epub: Path) -> None:
    pages = [p for p in DOCS.rglob("*.md") if p.name != "_index.md"]
    with zipfile.ZipFile(docs_epub) as archive:
        front = {"EPUB/nav.xhtml", "EPUB/cover.xhtml", "EPUB/titlepage.xhtml", "EPUB/copyright.xhtml",
                 "EPUB/dedication.xhtml"}
        chapters = [n for n in archive.namelist() if n.endswith(".xhtml") and n not in front]
        hrefs = [a.get("href") for name in chapters
                 for a in etree.fromstring(archive.read(name)).iter("{http://www.w3.org/1999/xhtml}a")]
    assert len(chapters) == len(pages)
    internal = [h for h in hrefs if h and not h.startswith(("http:", "https:", "mailto:"))]
    assert not [h for h in internal if h.startswith("@") or ".md" in h]
    assert len([h for h in internal if ".xhtml#" in h]) >= 40  # links across chapters name the file


def test_no_shortcode_braces_reach_the_page_outside_code(docs_epub: Path) -> None:
    with zipfile.ZipFile(docs_epub) as archive:
        for name in archive.namelist():
            if not name.endswith(".xhtml"):
                continue
            root = etree.fromstring(archive.read(name))
            for code in list(root.iter("{http://www.w3.org/1999/xhtml}pre", "{http://www.w3.org/1999/xhtml}code")):
                code.text = None  # examples of template syntax are meant to show their braces
                for child in code:
                    code.remove(child)
            text = "".join(root.itertext())
            assert "{{" not in text and "{%" not in text, name


def test_the_colocated_pictures_are_in_the_book(docs_epub: Path) -> None:
    bundle = DOCS / "content" / "image-processing"
    with zipfile.ZipFile(docs_epub) as archive:
        images = {Path(n).name for n in archive.namelist() if n.startswith("EPUB/images/")}
    assert {p.name for p in bundle.iterdir() if p.suffix in {".png", ".jpg"}} <= images
