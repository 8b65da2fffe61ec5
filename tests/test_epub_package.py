"""What reading systems and catalogues read from the EPUB: metadata, navigation, notes."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from lxml import etree
from PIL import Image

from conftest import Built, build_book, epub_files, pdf_page_texts, run_chapbook
from epubcheck_helper import epubcheck_messages

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def opf(epub: Path) -> etree._Element:
    return etree.fromstring(epub_files(epub)["EPUB/content.opf"])


def meta(package: etree._Element, prop: str) -> list[str]:
    return [m.text for m in package.iterfind(f".//opf:meta[@property='{prop}']", NS)]


def test_author_has_a_sort_form_and_a_role(sample: Built) -> None:
    package = opf(sample.epub)
    creator = package.find(".//dc:creator", NS)
    refines = {m.get("property"): m.text for m in package.iterfind(f".//opf:meta[@refines='#{creator.get('id')}']", NS)}
    assert creator.text == "Mara Ellison" and refines == {"file-as": "Ellison, Mara", "role": "aut"}


def test_identifier_is_stable_and_unique_to_title_and_author(sample: Built) -> None:
    identifier = opf(sample.epub).findtext(".//dc:identifier", namespaces=NS)
    assert identifier.startswith("urn:uuid:")
    assert uuid.UUID(identifier.removeprefix("urn:uuid:")).version == 5  # derived from a name, not random


def test_accessibility_claims_match_the_book(sample: Built) -> None:
    package = opf(sample.epub)
    assert meta(package, "schema:accessMode") == ["textual", "visual"]  # the sample has one picture
    assert "alternativeText" in meta(package, "schema:accessibilityFeature")  # and it has alt text
    assert "printPageNumbers" in meta(package, "schema:accessibilityFeature")  # the page list
    assert meta(package, "schema:accessibilityHazard") == ["none"]
    assert meta(package, "schema:accessibilitySummary")[0].startswith("Reflowable text")


def test_nav_lists_chapters_with_their_sections_and_the_landmarks(sample: Built) -> None:
    nav = etree.fromstring(epub_files(sample.epub)["EPUB/nav.xhtml"])
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    chapters = toc.findall("x:ol/x:li", NS)
    assert len(chapters) == 8
    kitchen = chapters[0]
    assert kitchen.findtext("x:a", namespaces=NS) == "My Grandmother’s Kitchen"
    assert [a.text for a in kitchen.iterfind("x:ol/x:li/x:a", NS)] == ["The rules", "What she kept", "Small hours"]
    files = epub_files(sample.epub)
    for link in toc.iterfind(".//x:a", NS):  # every entry lands on an element that exists
        name, _, anchor = link.get("href").partition("#")
        document = etree.fromstring(files[f"EPUB/{name}"])
        assert not anchor or document.find(f".//*[@id='{anchor}']") is not None
    landmarks = {a.get(EPUB_TYPE): a.get("href") for a in nav.iterfind(".//x:nav[@epub:type='landmarks']//x:a", NS)}
    assert landmarks == {"cover": "cover.xhtml", "titlepage": "titlepage.xhtml", "toc": "nav.xhtml",
                         "bodymatter": "grandmothers-kitchen.xhtml"}


def test_an_ncx_serves_older_readers(sample: Built) -> None:
    ncx = etree.fromstring(epub_files(sample.epub)["EPUB/toc.ncx"])
    labels = [t.text for t in ncx.iterfind("ncx:navMap/ncx:navPoint/ncx:navLabel/ncx:text", NS)]
    assert labels[0] == "My Grandmother’s Kitchen" and len(labels) == 8


def test_notes_are_noteref_and_footnote_pairs_linked_both_ways(sample: Built) -> None:
    kitchen = etree.fromstring(epub_files(sample.epub)["EPUB/grandmothers-kitchen.xhtml"])
    ref = kitchen.find(".//x:a[@epub:type='noteref']", NS)
    note = kitchen.find(f".//x:aside[@id='{ref.get('href')[1:]}']", NS)
    assert note.get(EPUB_TYPE) == "footnote" and note.get("role") == "doc-footnote"
    assert "Rationing in Britain" in "".join(note.itertext())
    assert note.find(".//x:a[@class='footnote-backref']", NS).get("href") == "#" + ref.get("id")


def test_isbn_description_subjects_and_rights(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "book.toml").write_text('title = "Catalogued"\nauthor = "Ann Other"\nisbn = "978-0-306-40615-7"\n'
                                      'description = "Essays about maps."\nsubjects = ["Essays", "Travel"]\n'
                                      'rights = "© 2024 Ann Other"\n')
    (source / "one.md").write_text("# One\n\nText[^1].\n\n[^1]: A note.\n")
    built = build_book(source, tmp_path / "out", "--format", "epub")
    package = opf(built.epub)
    assert package.findtext(".//dc:identifier", namespaces=NS) == "urn:isbn:9780306406157"
    assert package.findtext(".//dc:description", namespaces=NS) == "Essays about maps."
    assert [s.text for s in package.iterfind(".//dc:subject", NS)] == ["Essays", "Travel"]
    assert package.findtext(".//dc:rights", namespaces=NS) == "© 2024 Ann Other"
    assert meta(package, "schema:accessModeSufficient") == ["textual"]  # no pictures in this one
    assert epubcheck_messages(built.epub) == []


def test_an_isbn_with_a_wrong_check_digit_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "book.toml").write_text('title = "T"\nisbn = "978-0-306-40615-8"\n')
    (source / "one.md").write_text("Text.\n")
    result = run_chapbook("build", str(source), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1 and "src/book.toml:2: isbn" in result.stderr and "check digit" in result.stderr


def test_copyright_and_dedication_pages(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "book.toml").write_text('title = "Kept"\nauthor = "Ann Other"\nedition = "First edition"\n'
                                      'dedication = "For the night buses"\nisbn = "978-0-306-40615-7"\n')
    (source / "one.md").write_text('+++\ntitle = "One"\ndate = 2021-06-01\n+++\n\nText.\n')
    built = build_book(source, tmp_path / "out")
    files = epub_files(built.epub)
    copyright_page = etree.fromstring(files["EPUB/copyright.xhtml"])
    text = " ".join("".join(copyright_page.itertext()).split())
    assert "© 2021 Ann Other. All rights reserved." in text  # the year of the newest essay
    assert "First edition" in text and "ISBN 978-0-306-40615-7" in text and "Set in EB Garamond." in text
    assert copyright_page.find(".//x:section", NS).get(EPUB_TYPE) == "copyright-page"
    dedication = etree.fromstring(files["EPUB/dedication.xhtml"])
    assert dedication.find(".//x:section", NS).get(EPUB_TYPE) == "dedication"
    package = opf(built.epub)
    spine = [ref.get("idref") for ref in package.iterfind(".//opf:spine/opf:itemref", NS)]
    assert spine[:5] == ["cover", "titlepage", "copyright", "dedication", "nav"]
    assert epubcheck_messages(built.epub) == []
    pages = pdf_page_texts(built.pdf)
    copyright_index = next(i for i, t in enumerate(pages) if "All rights reserved" in t)
    dedication_index = next(i for i, t in enumerate(pages) if "For the night buses" in t)
    assert copyright_index % 2 == 1 and dedication_index % 2 == 0  # a verso, then a recto
    assert copyright_index == next(i for i, t in enumerate(pages) if t.strip().startswith("Kept\nAnn Other")) + 1


def test_a_typographic_cover_is_drawn_when_the_book_has_none(sample: Built) -> None:
    files = epub_files(sample.epub)
    package = opf(sample.epub)
    cover_item = package.find(".//opf:manifest/opf:item[@properties='cover-image']", NS)
    assert cover_item.get("href") == "images/cover.jpg" and cover_item.get("media-type") == "image/jpeg"
    picture = Image.open(io.BytesIO(files["EPUB/images/cover.jpg"]))
    assert picture.size == (1600, 2560)
    # Mostly the theme's paper colour, with the title's ink in it.
    colours = picture.convert("L").getcolors(maxcolors=256 * 256)
    assert any(level < 80 for _, level in colours) and max(colours)[1] > 200
    spine = [ref.get("idref") for ref in package.iterfind(".//opf:spine/opf:itemref", NS)]
    assert spine[0] == "cover"
    page = etree.fromstring(files["EPUB/cover.xhtml"])
    assert page.find(".//x:img", NS).get("alt") == "Cover: Small Hours by Mara Ellison"


def test_the_books_own_cover_image_is_used(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "art").mkdir(parents=True)
    Image.new("RGB", (800, 1280), (20, 60, 120)).save(source / "art" / "front.png")
    (source / "book.toml").write_text('title = "Blue"\ncover = "art/front.png"\n')
    (source / "one.md").write_text("Text.\n")
    built = build_book(source, tmp_path / "out", "--format", "epub")
    files = epub_files(built.epub)
    assert files["EPUB/images/cover.png"] == (source / "art" / "front.png").read_bytes()
    assert epubcheck_messages(built.epub) == []


def test_the_epub_carries_the_themes_faces_as_static_subsets(sample: Built) -> None:
    from fontTools.ttLib import TTFont

    files = epub_files(sample.epub)
    fonts = {name: data for name, data in files.items() if name.startswith("EPUB/fonts/")}
    assert "EPUB/fonts/eb-garamond-400-normal.ttf" in fonts and "EPUB/fonts/eb-garamond-400-italic.ttf" in fonts
    text = TTFont(io.BytesIO(fonts["EPUB/fonts/eb-garamond-400-normal.ttf"]))
    assert "fvar" not in text  # a static instance: every reading system can use it
    cmap = text.getBestCmap()
    assert all(ord(char) in cmap for char in "“rhubarbarian” – Philippa’s flânerie")  # what the book prints
    assert ord("Ж") not in cmap  # and not the rest of the font
    css = files["EPUB/style/book.css"].decode()
    assert '@font-face { font-family: "EB Garamond"; font-weight: 400; font-style: normal; ' \
           'src: url("../fonts/eb-garamond-400-normal.ttf"); }' in css
    package = opf(sample.epub)
    assert package.find(".//opf:item[@href='fonts/eb-garamond-400-normal.ttf']", NS).get("media-type") == "font/ttf"


def test_the_epubs_static_fonts_set_text_as_the_variable_font_does_at_their_weight(sample: Built) -> None:
    """Each weight the EPUB carries shapes the book's words (kerning, ligatures, small capitals, old-style
    figures) to the same glyph advances as the theme's variable font set at that weight: the instance
    is that weight, with its kerning and features, not the default one."""
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    from chapbook.config import CONFIG_NAME
    from chapbook.themes import load_theme

    files = epub_files(sample.epub)
    theme = load_theme("classic", Path("/nonexistent-book"), Path("/nonexistent-book") / CONFIG_NAME)
    variable = {face.style: face.path for face in theme.faces if face.family == "EB Garamond"}
    words = "Philippa’s flânerie, “rhubarbarian” AVA 1984"

    def advances(data: bytes, features: dict[str, bool], weight: int | None = None) -> list[int]:
        font = hb.Font(hb.Face(hb.Blob(data)))
        if weight is not None:
            font.set_variations({"wght": weight})
        text = hb.Buffer()
        text.add_str(words)
        text.guess_segment_properties()
        hb.shape(font, text, features)
        return [glyph.x_advance for glyph in text.glyph_positions]

    compared = []
    for style, weight in [("normal", 400), ("normal", 600), ("italic", 600)]:
        static = files[f"EPUB/fonts/eb-garamond-{weight}-{style}.ttf"]
        assert TTFont(io.BytesIO(static))["OS/2"].usWeightClass == weight
        original = variable[style].read_bytes()
        for features in [{}, {"smcp": True}, {"onum": True}, {"kern": False}]:
            assert advances(static, features) == advances(original, features, weight), (style, weight, features)
        compared.append(advances(static, {}))
    assert compared[0] != compared[1]  # semi-bold is wider than regular: the weight was fixed, not ignored


def test_fonts_can_be_left_out(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "book.toml").write_text("embed_fonts = false\n")
    (source / "one.md").write_text("Text.\n")
    built = build_book(source, tmp_path / "out", "--format", "epub")
    assert not [n for n in epub_files(built.epub) if n.startswith("EPUB/fonts/")]
    assert oct(built.epub.stat().st_mode & 0o777) != "0o600"  # the book is not a private temporary file


def test_roles_beside_epub_types_and_the_package_language_for_assistive_technology(sample: Built) -> None:
    files = epub_files(sample.epub)
    assert opf(sample.epub).get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    kitchen = etree.fromstring(files["EPUB/grandmothers-kitchen.xhtml"])
    assert kitchen.find(".//x:a[@epub:type='noteref']", NS).get("role") == "doc-noteref"
    night = etree.fromstring(files["EPUB/night-walks.xhtml"])
    assert night.find(".//x:blockquote", NS).get("role") == "doc-epigraph"
    back = etree.fromstring(files["EPUB/backmatter.xhtml"])
    assert {s.get("role") for s in back.iterfind(".//x:section", NS)} == {"doc-appendix"}
