"""What real blogs hold and browsers forgive, made valid in the book rather than dropped: raw <img> tags
without alt text or with sizes in percent, addresses with stray "#", links to anchors that moved, a
JPEG saved as .png, an SVG drawing with a script, tracking parameters in printed addresses."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image, ImageDraw

from conftest import Built, build_book, epub_files, pdf_page_texts

X = "{http://www.w3.org/1999/xhtml}"

ESSAY = """+++
title = "The Allotment"
weight = 1
+++
We walked to the allotment in the rain, past the water butts and the shed.

<img src="beans.png">

A row of runner beans, seen from the path: <img src="beans.png" title="Runner beans on hazel poles">

<figure>
<img src="shed.png">
<figcaption>The shed after the storm, its door off</figcaption>
</figure>

The plot is narrow: <img src="beans.png" alt="A narrow plot" width="50%" height="120">

![A jar of damson jam](jam.png)

![The plan of the beds](plan.svg)

The tools are listed in [the next essay](shed.md#no-such), the rake [further down](shed.md#tool),
and the rules on [the society's page](https://example.org/rules###). [This note](#nowhere) goes nowhere.

Seeds came from [the seed shop](https://seeds.example.org/list?utm_source=blog&id=3&fbclid=xyz).

![](gone.png)

The end of the walk is the gate.<a name="the gate"></a> Shut [the gate](#the-gate) behind you.

<div class="chart"><noscript><img alt="Rainfall by month, wettest in October" src="beans.png"></noscript></div>

Raw links: <a href="shed.md">to the shed</a>, <a href="rainfall.csv">the figures</a>.
"""

SHED = """+++
title = "The Shed"
weight = 2
+++
It leans a little to the east.

## Tools

A rake, a hoe, and a fork with one tine bent.
"""

SVG = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="300" height="150">
  <script>document.title = "hello"</script>
  <rect width="300" height="150" fill="#dce8d0" onclick="alert(1)"/>
  <image href="https://example.org/tracker.png" width="10" height="10"/>
  <image href="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFElEQVR4nGM8YWPDAANMDEgANwcAQBABSAGJ25oAAAAASUVORK5CYII=" x="280" y="130" width="16" height="16"/>
  <foreignObject width="100" height="50"><p xmlns="http://www.w3.org/1999/xhtml">a web page</p></foreignObject>
  <a xlink:href="javascript:alert(2)"><rect x="40" y="40" width="220" height="70" fill="#6a8f4e"/></a>
</svg>
"""


def picture(path: Path, kind: str, colour: tuple[int, int, int]) -> None:
    image = Image.new("RGB", (480, 320), colour)
    ImageDraw.Draw(image).ellipse((120, 80, 360, 240), fill=(70, 90, 60))
    image.save(path, kind)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    source = tmp_path_factory.mktemp("raw-html")
    (source / "book.toml").write_text('title = "Raw Weather"\nauthor = "A. Gardener"\n')
    (source / "allotment.md").write_text(ESSAY)
    (source / "shed.md").write_text(SHED)
    picture(source / "beans.png", "PNG", (200, 220, 190))
    picture(source / "shed.png", "PNG", (190, 190, 210))
    picture(source / "jam.png", "JPEG", (220, 190, 200))  # a JPEG under a .png name, as blogs have
    (source / "plan.svg").write_text(SVG)
    return build_book(source, tmp_path_factory.mktemp("raw-html-out"))  # epubcheck: nothing to report


@pytest.fixture(scope="module")
def chapter(built: Built) -> etree._Element:
    return etree.fromstring(epub_files(built.epub)["EPUB/allotment.xhtml"])


def test_every_raw_img_gets_an_alt_text_and_the_writer_is_told_where(built: Built, chapter: etree._Element) -> None:
    alts = [image.get("alt") for image in chapter.iter(f"{X}img")]
    assert alts[:3] == ["", "Runner beans on hazel poles", "The shed after the storm, its door off"]
    assert None not in alts
    assert 'allotment.md:7: image "beans.png" has no alt text, so the book gives it an empty one' in built.stderr
    assert 'allotment.md:9: image "beans.png" has no alt text; the book uses its title, ' \
           '"Runner beans on hazel poles"' in built.stderr
    assert 'allotment.md:12: image "shed.png" has no alt text; the book uses its figure\'s caption' in built.stderr


def test_a_size_in_percent_becomes_css_and_whole_pixels_stay(chapter: etree._Element) -> None:
    narrow = next(image for image in chapter.iter(f"{X}img") if image.get("alt") == "A narrow plot")
    assert narrow.get("width") is None and narrow.get("style") == "width: 50%"
    assert narrow.get("height") == "120"


def test_a_link_to_an_anchor_that_is_not_there_is_mended_or_unlinked(built: Built, chapter: etree._Element) -> None:
    links = {"".join(a.itertext()): a.get("href") for a in chapter.iter(f"{X}a")}
    assert links["the next essay"] == "shed.xhtml#shed"  # the page it meant, from its start
    assert links["further down"] == "shed.xhtml#shed--tools"  # the heading the anchor obviously was
    assert "This note" not in links and "This note goes nowhere." in "".join(chapter.itertext())
    assert 'allotment.md:22: link to "#no-such": no heading or anchor there has that name; it leads to the ' \
           'start of "The Shed"' in built.stderr
    assert 'allotment.md:22: link to "#tool"' in built.stderr and 'allotment.md:23: link to "#nowhere"' in built.stderr
    assert built.stderr.count('"#no-such"') == 1
    assert "No anchor" not in built.stderr and "undefined anchor" not in built.stderr  # the PDF's links hold too


def test_an_old_named_anchor_is_an_id_links_can_reach(chapter: etree._Element) -> None:
    links = {"".join(a.itertext()): a.get("href") for a in chapter.iter(f"{X}a")}
    assert links["the gate"] == "#allotment--the-gate"
    assert chapter.xpath("//*[@id='allotment--the-gate']") and not chapter.xpath("//@name")


def test_raw_links_land_as_markdown_links_do_and_noscript_pictures_show(built: Built,
                                                                         chapter: etree._Element) -> None:
    links = {"".join(a.itertext()): a for a in chapter.iter(f"{X}a")}
    assert links["to the shed"].get("href") == "shed.xhtml#shed" and links["to the shed"].get("class") == "xref"
    assert "the figures" not in links and "the figures." in "".join(chapter.itertext())  # no such page
    assert 'allotment.md:33: link "rainfall.csv"' in built.stderr
    assert [i.get("alt") for i in chapter.iter(f"{X}img")][-1] == "Rainfall by month, wettest in October"
    assert "&lt;img" not in etree.tostring(chapter, encoding="unicode")
    assert "data-chapbook-line" not in etree.tostring(chapter, encoding="unicode")


def test_an_address_browsers_forgive_is_made_valid(chapter: etree._Element) -> None:
    links = {"".join(a.itertext()): a.get("href") for a in chapter.iter(f"{X}a")}
    assert links["the society’s page"] == "https://example.org/rules"


def test_a_jpeg_named_png_is_a_jpeg_in_the_manifest(built: Built) -> None:
    files = epub_files(built.epub)
    manifest = etree.fromstring(files["EPUB/content.opf"])
    items = {item.get("href"): item.get("media-type") for item in manifest.iter("{http://www.idpf.org/2007/opf}item")}
    assert items["images/jam.jpg"] == "image/jpeg" and "images/jam.png" not in items
    assert Image.open(io.BytesIO(files["EPUB/images/jam.jpg"])).format == "JPEG"


def test_an_svg_is_carried_without_scripts_or_outside_references(built: Built) -> None:
    files = epub_files(built.epub)
    drawing = files["EPUB/images/plan.svg"].decode("utf-8")
    for unsafe in ("<script", "foreignObject", "onclick", "javascript:", "https://example.org/tracker.png"):
        assert unsafe not in drawing
    assert drawing.count("<rect") == 2 and "data:image/png;base64," in drawing  # the drawing itself is all there
    manifest = files["EPUB/content.opf"].decode("utf-8")
    assert "scripted" not in manifest and "remote-resources" not in manifest
    assert 'allotment.md:20: image "plan.svg" holds scripts' in built.stderr
    assert "refused to load" not in built.stderr  # print used the same cleaned drawing, its own picture too


def test_printed_addresses_leave_out_tracking_but_the_epub_link_keeps_it(built: Built,
                                                                         chapter: etree._Element) -> None:
    text = " ".join(pdf_page_texts(built.pdf))
    assert "https://seeds.example.org/list?id=3" in text and "utm_" not in text and "fbclid" not in text
    links = {"".join(a.itertext()): a.get("href") for a in chapter.iter(f"{X}a")}
    assert links["the seed shop"] == "https://seeds.example.org/list?utm_source=blog&id=3&fbclid=xyz"


def test_a_missing_picture_without_alt_text_leaves_nothing_behind(built: Built, chapter: etree._Element) -> None:
    assert 'allotment.md:27: image "gone.png" not found' in built.stderr
    assert not chapter.xpath("//*[contains(@class, 'missing-image')]")
    assert not [p for p in chapter.iter(f"{X}p") if len(p) == 0 and not (p.text or "").strip()]
    pages = pdf_page_texts(built.pdf)
    assert not [page for page in pages if "image" in page.lower().split()]


@pytest.mark.parametrize(("written", "valid"), [
    ("https://example.org/a###", "https://example.org/a"),
    ("https://example.org/a#b#c", "https://example.org/a#b%23c"),
    ("https://example.org/a b?q=x|y", "https://example.org/a%20b?q=x%7Cy"),
    ("https://example.org/100%", "https://example.org/100%25"),
    ("https://de.example.org/Straße?a=%C3%A9", "https://de.example.org/Straße?a=%C3%A9"),
    ("http://[broken", None),
])
def test_valid_url(written: str, valid: str | None) -> None:
    from chapbook.urls import valid_url

    assert valid_url(written) == valid


@pytest.mark.parametrize(("address", "printed"), [
    ("https://x.org/p?utm_source=a&utm_medium=b&id=3", "https://x.org/p?id=3"),
    ("https://x.org/p?gclid=1&mc_cid=2&mc_eid=3&_hsenc=4&_hsmi=5&mkt_tok=6&yclid=7&msclkid=8", "https://x.org/p"),
    ("https://x.org/p?ref_src=twsrc&igshid=1#part", "https://x.org/p#part"),
    ("https://youtu.be/abc?si=track&t=30", "https://youtu.be/abc?t=30"),
    ("https://x.org/p?si=kept&ref=main", "https://x.org/p?si=kept&ref=main"),
    ("https://x.org/search?q=a%20b&UTM_Campaign=z", "https://x.org/search?q=a%20b"),
])
def test_printable_address(address: str, printed: str) -> None:
    from chapbook.urls import printable_address

    assert printable_address(address) == printed


def test_clean_svg_keeps_the_drawing_and_small_safe_pictures_inside_it() -> None:
    from chapbook.media.pictures import clean_svg

    pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    drawing = (f'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><style>@import url(http://a/b.css); '
               f'.a {{ fill: url(#g) }}</style><image href="{pixel}"/><image href="data:image/svg+xml,&lt;svg/&gt;"/>'
               '<rect fill="url(http://a/p.svg#p)"/><use href="#a"/></svg>')
    cleaned, removed = clean_svg(drawing.encode())
    text = cleaned.decode()
    assert pixel in text and "svg+xml" not in text and "http://a/" not in text and "onload" not in text
    assert 'href="#a"' in text and "url(#g)" in text
    assert removed == ["event handlers", "references to other files"]


def test_an_svg_drawn_for_light_and_dark_screens_is_drawn_light() -> None:
    """draw.io writes its colours as light-dark(), which WeasyPrint does not know: the drawing printed black."""
    from chapbook.media.pictures import clean_svg

    drawing = ('<svg xmlns="http://www.w3.org/2000/svg"><style>text { fill: light-dark(#000000, #ffffff) }</style>'
               '<rect style="fill: light-dark(rgb(218, 232, 252), rgb(29, 41, 59)); stroke: #6c8ebf"/></svg>')
    cleaned, removed = clean_svg(drawing.encode())
    assert "light-dark" not in cleaned.decode() and removed == []
    assert 'style="fill: rgb(218, 232, 252); stroke: #6c8ebf"' in cleaned.decode()
    assert "text { fill: #000000 }" in cleaned.decode()


def test_details_open_with_a_one_line_summary_and_same_named_pictures_are_two(tmp_path: Path) -> None:
    """Seen in the Rust blog: a <summary> left after the text it hides, or wrapped in a paragraph by the
    Markdown inside the HTML; and a chart as rust-at-work.png beside rust-at-work.svg."""
    source = tmp_path / "src"
    (source / "images").mkdir(parents=True)
    Image.new("RGB", (60, 40), "teal").save(source / "images" / "chart.png")
    (source / "images" / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="60" height="40">'
                                                 '<rect width="60" height="40" fill="orange"/></svg>')
    (source / "book.toml").write_text('title = "Folds"\n')
    (source / "folds.md").write_text(
        '+++\ntitle = "Folds"\n+++\n\n<details>\n\nThe hidden words.\n\n> A quote inside.\n\n'
        "<summary>One update available.</summary>\n</details>\n\n<details>\n<summary>\n\nOpen *me*\n\n</summary>\n\n"
        "Inside.\n\n</details>\n\n![a teal chart](images/chart.png)\n\n![an orange chart](images/chart.svg)\n")
    built = build_book(source, tmp_path / "out")  # epubcheck finds nothing to report
    xhtml = etree.fromstring(epub_files(built.epub)["EPUB/folds.xhtml"])
    details = xhtml.findall(".//{http://www.w3.org/1999/xhtml}details")
    assert [d[0].tag.rsplit("}", 1)[1] for d in details] == ["summary", "summary"]
    assert ["".join(d[0].itertext()).strip() for d in details] == ["One update available.", "Open me"]
    assert "The hidden words." in "".join(details[0].itertext())
    opf = epub_files(built.epub)["EPUB/content.opf"].decode()
    assert 'href="images/chart.png"' in opf and 'href="images/chart.svg"' in opf
