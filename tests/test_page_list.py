"""The EPUB's page list follows the print edition: "page 42" is the same words in both books."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from conftest import Built, epub_files, pages_by_folio, pdf_page_texts

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def squeeze(text: str) -> str:
    """The text without the white space and hyphens line breaking adds or removes, and without
    figures (the print edition's note calls are numbers the EPUB does not have in the line)."""
    return re.sub(r"[\s\u2010\d]", "", text)


def text_after(marker: etree._Element, words: int) -> list[str]:
    """The first words that follow a marker in reading order."""
    marker.text = "\ue000"  # a sentinel, to find the marker's place in the document's text
    text = "".join(marker.getroottree().getroot().itertext())
    marker.text = None
    return text[text.index("\ue000") + 1 :].split()[:words]


@pytest.fixture(scope="module")
def page_list(sample: Built) -> list[tuple[str, str]]:
    nav = etree.fromstring(epub_files(sample.epub)["EPUB/nav.xhtml"])
    listing = nav.find(".//x:nav[@epub:type='page-list']", NS)
    return [(a.text, a.get("href")) for a in listing.iterfind(".//x:a", NS)]


def test_every_chapter_page_is_listed_in_order(sample: Built, page_list: list[tuple[str, str]]) -> None:
    labels = [int(label) for label, _ in page_list]
    assert labels == sorted(set(labels))
    printed = pdf_page_texts(sample.pdf)
    back_matter = next(i for i, text in enumerate(printed) if text.strip().startswith("First Published"))
    folios = {folio: index for folio, index in pages_by_folio(printed).items() if index < back_matter}
    # Every numbered page of the essays is in the list, under the number printed on it.
    assert labels == sorted(int(folio) for folio in folios if folio.isdigit())


def test_each_marker_begins_the_same_words_as_its_printed_page(sample: Built, page_list: list[tuple[str, str]]) -> None:
    files = epub_files(sample.epub)
    printed = pdf_page_texts(sample.pdf)
    folios = pages_by_folio(printed)
    for label, href in page_list:
        name, anchor = href.split("#")
        marker = etree.fromstring(files[f"EPUB/{name}"]).find(f".//*[@id='{anchor}']")
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("aria-label") == label
        words = text_after(marker, 4)
        # The first word may be the second half of a hyphenated one; the next words must open the page.
        expected = squeeze("".join(words[1:]))
        page_start = squeeze(printed[folios[label]])[:120]
        assert expected and expected in page_start, (label, words, page_start[:80])


def test_the_package_says_it_has_print_page_numbers(sample: Built) -> None:
    package = etree.fromstring(epub_files(sample.epub)["EPUB/content.opf"])
    features = [m.text for m in package.iterfind(".//opf:meta[@property='schema:accessibilityFeature']", NS)]
    assert "printPageNumbers" in features
    source = package.find(".//{http://purl.org/dc/elements/1.1/}source")
    refine = package.find(f".//opf:meta[@refines='#{source.get('id')}']", NS)
    assert refine.get("property") == "source-of" and refine.text == "pagination"
