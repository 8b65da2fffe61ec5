"""The sample book, built as a user builds it, read as a reader reads it."""

from __future__ import annotations

import re

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from lxml import etree

from conftest import SAMPLE, Built, epub_files, font_of, pages_by_folio, pdf_page_texts, pdf_runs
from epubcheck_helper import epubcheck_messages

# The sample book's front matter decides this: weight 1, 2, 3, a tie at 4 broken by date,
# 5, then the two essays without a weight (the dated one before the undated one).
EXPECTED_ORDER = [
    "My Grandmother’s Kitchen",
    "What the Garden Knows",
    "Night Walks",
    "The Broken Radio",
    "The Winter Bus",
    "Learning to Bind Books",
    "A Diary of Small Hours",
    "Letters I Never Sent",
]
# One word only each essay uses, so each essay's text can be found in the book.
UNIQUE_WORDS = ["rhubarbarian", "hollyhockery", "nocturnist", "Wavemaster", "Fellgate",
                "kettlestitch", "inkwellian", "envelopery"]
DRAFT_WORD = "PALIMPSEST"
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


def reading_text(text: str) -> str:
    """Undo what line-breaking did: hyphenated line ends rejoined, lines joined by spaces."""
    return " ".join(re.sub(r"[\u2010-]\n", "", text).split())  # justified lines may hold wider spaces


def straight(text: str) -> str:
    return text.replace("’", "'")


@pytest.fixture(scope="module")
def pages(sample: Built) -> list[str]:
    return pdf_page_texts(sample.pdf)


@pytest.fixture(scope="module")
def spine_documents(sample: Built) -> list[etree._Element]:
    files = epub_files(sample.epub)
    opf = etree.fromstring(files["EPUB/content.opf"])
    hrefs = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:manifest/opf:item", OPF)}
    spine = [hrefs[ref.get("idref")] for ref in opf.iterfind(".//opf:spine/opf:itemref", OPF)]
    return [etree.fromstring(files[f"EPUB/{href}"]) for href in spine if href.endswith(".xhtml")]


def test_the_build_prints_both_outputs_and_a_summary(sample: Built) -> None:
    assert sample.epub.name == "small-hours.epub" and sample.epub.stat().st_size > 10_000
    assert sample.pdf.name == "small-hours.pdf" and sample.pdf.stat().st_size > 10_000
    assert re.search(r"8 chapters, \d+ pages, \d+ warnings, [\d.]+ s", sample.stderr)


def test_epub_passes_epubcheck_with_no_errors_or_warnings(sample: Built) -> None:
    assert epubcheck_messages(sample.epub) == []


def test_epub_package_metadata(sample: Built) -> None:
    opf = etree.fromstring(epub_files(sample.epub)["EPUB/content.opf"])
    assert opf.findtext(".//dc:title", namespaces=OPF) == "Small Hours"
    assert opf.findtext(".//dc:creator", namespaces=OPF) == "Mara Ellison"
    assert opf.findtext(".//dc:language", namespaces=OPF) == "en-GB"


def test_epub_chapters_follow_weight_then_date_then_title(spine_documents: list[etree._Element]) -> None:
    titles = [doc.findtext(".//x:h1[@class='chapter-title']", namespaces=XHTML) for doc in spine_documents]
    assert [t for t in titles if t] == EXPECTED_ORDER


def test_epub_holds_every_essay_and_not_the_draft(sample: Built) -> None:
    text = " ".join(
        "".join(etree.fromstring(data).itertext())
        for name, data in epub_files(sample.epub).items() if name.endswith(".xhtml")
    )
    for word in UNIQUE_WORDS:
        assert word in text
    assert DRAFT_WORD not in text and "Unfinished Business" not in text


def chapter(spine_documents: list[etree._Element], title: str) -> etree._Element:
    return next(d for d in spine_documents
                if d.findtext(".//x:h1[@class='chapter-title']", namespaces=XHTML) == title)


EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


@pytest.mark.parametrize("title, role, epub_type, stanzas, cite", [
    # First thing in the essay, with a "-- Artist" last line.
    ("Night Walks", "chapter-epigraph", "epigraph z3998:song", [2, 2], "— The Lamplighters, “Down to the Water”"),
    # Right under a ### heading, source named once in the front matter ([extra] epigraph_source).
    ("The Broken Radio", "section-epigraph", "epigraph z3998:song", [2, 2], "— heard on the Wavemaster, singer unknown"),
    # A section that holds only verse.
    ("What the Garden Knows", "interlude", "z3998:song", [2, 2], None),
    # Verse between paragraphs, broken with <br> rather than </br>.
    ("A Diary of Small Hours", "verse", "z3998:song", [2, 2], None),
])
def test_epub_lyrics_become_epigraphs_by_where_they_stand(
        spine_documents: list[etree._Element], title: str, role: str, epub_type: str,
        stanzas: list[int], cite: str | None) -> None:
    verse = chapter(spine_documents, title).find(".//x:blockquote", XHTML)
    assert verse.get("class").split()[-1] == role
    assert verse.get(EPUB_TYPE) == epub_type
    found = verse.findall("x:p[@class='stanza']", XHTML)
    assert [len(stanza.findall("x:span[@class='line']", XHTML)) for stanza in found] == stanzas
    assert all(len(s.findall("x:br", XHTML)) == len(s.findall("x:span[@class='line']", XHTML)) - 1 for s in found)
    assert verse.findtext("x:cite", namespaces=XHTML) == cite
    assert "br>" not in "".join(verse.itertext())


def test_epub_lyric_lines_keep_their_words(spine_documents: list[etree._Element]) -> None:
    verse = chapter(spine_documents, "Night Walks").find(".//x:blockquote", XHTML)
    lines = [span.text for span in verse.iterfind(".//x:span[@class='line']", XHTML)]
    assert lines == ["Carry the lantern down to the water", "Nobody’s waiting, nobody’s near",
                     "Tell the old river the names of your daughters", "Tell it the one thing you never said here"]


def test_epub_mojibake_is_repaired(sample: Built) -> None:
    text = b" ".join(data for name, data in epub_files(sample.epub).items() if name.endswith(".xhtml")).decode()
    assert "â€" not in text
    assert "I’m so glad the computer is working at last" in text


def test_pdf_pages_have_the_trim_size_from_book_toml(sample: Built) -> None:
    reader = pypdf.PdfReader(sample.pdf)
    sizes = {(round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1)) for p in reader.pages}
    assert sizes == {(5.5 * 72, 8.5 * 72)}


def test_pdf_embeds_every_font(sample: Built) -> None:
    reader = pypdf.PdfReader(sample.pdf)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    names = " ".join(fonts)
    assert "EB-Garamond" in names and "Dancing-Script" in names
    assert "DejaVu" not in names  # no silent fallback to a system font


def opener_pages(pages: list[str]) -> list[int]:
    """The page number (from 1) each expected chapter opens on."""
    openers = []
    for title in EXPECTED_ORDER:
        starts = [n for n, text in enumerate(pages, start=1)
                  if straight(text).lstrip().startswith(straight(title))]
        assert starts, f"no page opens with {title!r}"
        openers.append(starts[0])
    return openers


def test_pdf_chapters_in_order_each_opening_on_a_right_hand_page(pages: list[str]) -> None:
    openers = opener_pages(pages)
    assert openers == sorted(openers)
    assert all(page % 2 == 1 for page in openers), openers


def test_pdf_contents_page_numbers_are_where_chapters_start(pages: list[str]) -> None:
    contents = next(text for text in pages if text.strip().startswith("Contents"))
    listed = dict(re.findall(r"^(.+?)[ .]+ (\d+)$", contents, flags=re.MULTILINE))
    assert [straight(t) for t in listed] == [straight(t) for t in EXPECTED_ORDER]
    folios = pages_by_folio(pages)
    for title, page in listed.items():
        assert straight(pages[folios[page]]).lstrip().startswith(straight(title)), (title, page)


def test_pdf_holds_every_essay_and_not_the_draft(pages: list[str]) -> None:
    text = reading_text("\n".join(pages))
    for word in UNIQUE_WORDS:
        assert word in text
    assert DRAFT_WORD not in text


def test_pdf_sets_lyrics_on_lines_of_their_own(pages: list[str]) -> None:
    lines = [line.strip() for line in "\n".join(pages).split("\n")]
    start = lines.index("Carry the lantern down to the water")
    assert lines[start + 1 : start + 4] == [
        "Nobody’s waiting, nobody’s near",
        "Tell the old river the names of your daughters",
        "Tell it the one thing you never said here",
    ]


def test_missing_image_is_a_warning_with_its_line_and_the_alt_text_is_printed(sample: Built, pages: list[str]) -> None:
    source = (SAMPLE / "04-winter-bus.md").read_text().split("\n")
    line = next(n for n, text in enumerate(source, start=1) if "timetable.png" in text)
    assert f'04-winter-bus.md:{line}: image "images/timetable.png" not found' in sample.stderr
    assert "The old bus timetable" in reading_text("\n".join(pages))


def test_present_image_is_in_both_books(sample: Built) -> None:
    files = epub_files(sample.epub)
    assert files["EPUB/images/lamp.jpg"] == (SAMPLE / "images" / "lamp.jpg").read_bytes()
    document = pdfium.PdfDocument(sample.pdf)
    drawn = [n for n in range(len(document))
             if any(True for _ in document[n].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))]
    assert len(drawn) == 1
    # The picture belongs to "Learning to Bind Books": it is drawn between that opener and the next.
    openers = opener_pages(pdf_page_texts(sample.pdf))
    chapter = EXPECTED_ORDER.index("Learning to Bind Books")
    assert openers[chapter] <= drawn[0] + 1 < openers[chapter + 1]


@pytest.fixture(scope="module")
def runs(sample: Built) -> list[list[tuple[str, str]]]:
    return pdf_runs(sample.pdf)


def test_pdf_sets_verse_in_italic_and_the_cite_in_upright_small_caps(runs: list, pages: list[str]) -> None:
    for line in ["Carry the lantern down to the water", "Lay down your burden, the kettle is singing",
                 "Turn the cold earth over, turn it again"]:
        fonts = font_of(runs, line)
        assert fonts and all("Italic" in font for font in fonts), (line, fonts)
    cite_fonts = font_of(runs, "Lamplighters") | font_of(runs, "LAMPLIGHTERS") | font_of(runs, "amplighters")
    assert cite_fonts and not any("Italic" in font for font in cite_fonts)
    assert "</br>" not in "".join(pages) and "<br" not in "".join(pages)


def test_pdf_turns_a_long_verse_line_over_inside_the_interlude(pages: list[str]) -> None:
    lines = [line.strip() for line in "\n".join(pages).split("\n")]
    start = lines.index("Under the frost there’s a green thing waiting for the")
    assert lines[start + 1] == "light to come round to the low side of the hill"


def test_pdf_font_class_sets_the_diary_titles_by_hand(runs: list, pages: list[str]) -> None:
    openers = dict(zip(EXPECTED_ORDER, opener_pages(pages)))

    def title_fonts(title: str) -> set[str]:
        return {f.split("+")[-1] for f in font_of([runs[openers[title] - 1]], title)}

    assert title_fonts("A Diary of Small Hours") == {"Dancing-Script"}  # [extra] font_class = "diary"
    assert title_fonts("Night Walks") == {"EB-Garamond"}


def test_pdf_front_matter_in_roman_numbers_and_the_text_from_1(pages: list[str]) -> None:
    folios = pages_by_folio(pages)
    first_chapter = opener_pages(pages)[0] - 1
    assert folios["1"] == first_chapter  # the first chapter's opener is page 1
    contents = next(i for i, text in enumerate(pages) if text.strip().startswith("Contents"))
    assert folios["vii"] == contents  # after the epigraph page and its verso, counted from the half-title, in roman
    assert not any(pages[i].strip().split("\n")[-1].strip().isdigit() for i in range(first_chapter))


def test_pdf_outline_lists_the_chapters_with_their_sections(sample: Built) -> None:
    outline = pypdf.PdfReader(sample.pdf).outline
    top = [entry["/Title"] for entry in outline if not isinstance(entry, list)]
    assert top == ["Contents", *EXPECTED_ORDER, "First Published", "About the Author"]
    kitchen_sections = outline[2]  # the list after an entry holds its children
    assert [entry["/Title"] for entry in kitchen_sections] == ["The rules", "What she kept", "Small hours"]


def test_pdf_smart_punctuation_and_repaired_text(pages: list[str]) -> None:
    text = reading_text("\n".join(pages))
    assert "I’m so glad the computer is working at last" in text and "â€" not in text
    assert "“lucky spoon”" in text
    # Straight quotes, double hyphens and three dots in the Markdown, as a reader sees them:
    assert "staring at the ceiling – counting the ticks" in text
    assert "called her “the rhubarbarian” behind her back" in text
    assert "The kettle is loud in the empty kitchen… I drink my tea" in text


def test_pdf_no_line_opens_with_a_dash_except_a_cite(pages: list[str]) -> None:
    dashed = [line.strip() for page in pages for line in page.split("\n") if line.strip().startswith(("–", "—"))]
    cites = ("— The Lamplighters", "— heard on the Wavemaster", "— Night Porter")
    assert all(line.startswith(cites) for line in dashed), dashed


def test_chapters_and_scenes_open_with_a_lead_in(spine_documents: list[etree._Element]) -> None:
    night = chapter(spine_documents, "Night Walks")
    leads = [span.text for span in night.iterfind(".//x:p/x:span[@class='lead-in']", XHTML)]
    # The first paragraph after the epigraph, and the first after the scene break.
    assert leads == ["I started walking", "I sleep better"]
    first = night.find(".//x:section/x:p", XHTML)
    assert first.find("x:span", XHTML).get("class") == "lead-in"


def test_pdf_running_heads_book_title_left_chapter_title_right_none_on_openers(pages: list[str]) -> None:
    openers = opener_pages(pages)
    back_matter = next(n for n, text in enumerate(pages, start=1) if text.strip().startswith("First Published"))
    for number, text in enumerate(pages[:back_matter - 1], start=1):
        if number < openers[0] or not text.strip():
            continue  # front matter and blank versos
        lines = [straight(line.strip()) for line in text.split("\n")]
        chapter = EXPECTED_ORDER[max(i for i, start in enumerate(openers) if start <= number)]
        if number in openers:
            assert lines.count(straight(chapter)) == 1, number  # an opener shows its title, and no head
        elif number % 2 == 0:
            assert "Small Hours" in lines, number
        else:
            assert straight(chapter) in lines, (number, chapter)


def test_pdf_page_count_is_even_and_the_padding_is_blank(sample: Built, pages: list[str]) -> None:
    assert len(pages) % 2 == 0
    last_text = max(i for i, text in enumerate(pages) if text.strip())
    assert all(not text.strip() for text in pages[last_text + 1 :])
    document = pdfium.PdfDocument(sample.pdf)
    for index in range(last_text + 1, len(pages)):  # nothing drawn at all: no folio, no head, no ink
        assert not list(document[index].get_objects())


def test_pdf_notes_sit_at_the_foot_of_the_page_that_calls_them(pages: list[str]) -> None:
    note = next(i for i, text in enumerate(pages) if "Rationing in Britain" in text)
    lines = [line.strip() for line in pages[note].split("\n")]
    assert any("through rationing" in line for line in lines)  # the call is on the same page
    assert not any("Rationing in Britain" in text for i, text in enumerate(pages) if i != note)


def test_pdf_gives_a_links_address_as_a_note_on_its_page(pages: list[str]) -> None:
    page = next(i for i, text in enumerate(pages) if "Wikipedia article on flânerie" in reading_text(text))
    lines = [" ".join(line.split()) for line in pages[page].split("\n")]
    assert "1. https://en.wikipedia.org/wiki/Fl%C3%A2neur" in lines


def text_extent(document: pdfium.PdfDocument, index: int) -> tuple[float, float]:
    """The leftmost and rightmost ink of the text on a page, in points."""
    text = document[index].get_textpage()
    boxes = [text.get_charbox(i) for i in range(text.count_chars()) if not text.get_text_range(i, 1).isspace()]
    boxes = [box for box in boxes if box[2] > box[0]]
    return min(box[0] for box in boxes), max(box[2] for box in boxes)


def test_pdf_gutter_follows_the_page_count_and_text_stays_in_the_text_block(sample: Built, pages: list[str]) -> None:
    document = pdfium.PdfDocument(sample.pdf)
    width = document[0].get_width()
    gutter = (0.375 + 0.25) * 72  # KDP's minimum for 24-150 pages, and room for the thumbs
    outside = 0.6 * 72
    openers = opener_pages(pages)
    body = [i for i in range(openers[0] - 1, len(pages)) if pages[i].strip()]
    for index in body:
        left, right = text_extent(document, index)
        inner, outer = (left, width - right) if index % 2 == 0 else (width - right, left)  # index 0 is a recto
        # (a glyph may overhang its box by a hair: an italic f, a hyphen)
        assert inner >= gutter - 1.5 and outer >= outside - 1.5, (index + 1, inner, outer)
    # The text block is used: on most pages some line reaches the inside margin itself.
    reaching = [i for i in body if abs((text_extent(document, i)[0] if i % 2 == 0
                                         else width - text_extent(document, i)[1]) - gutter) < 1.5]
    assert len(reaching) > len(body) // 2


def test_back_matter_lists_where_each_essay_first_appeared(sample: Built, pages: list[str]) -> None:
    back = etree.fromstring(epub_files(sample.epub)["EPUB/backmatter.xhtml"])
    entries = back.findall(".//x:ul[@class='publication-list']/x:li", XHTML)
    assert [e.findtext("x:span[@class='publication-title']", namespaces=XHTML) for e in entries] == EXPECTED_ORDER
    night = entries[EXPECTED_ORDER.index("Night Walks")]
    assert "2 April 2023" in "".join(night.itertext())
    # The front matter's path = "night-walks", under book.toml's base_url.
    assert night.findtext("x:span[@class='publication-address']", namespaces=XHTML) == \
        "https://mara-ellison.example/night-walks/"
    about = ["".join(p.itertext()) for p in back.iterfind(".//x:section[@class='back-matter about-author']/x:p", XHTML)]
    assert about[0].startswith("Mara Ellison writes at night") and len(about) == 2
    published = next(i for i, text in enumerate(pages) if text.strip().startswith("First Published"))
    assert published % 2 == 0 and published > opener_pages(pages)[-1]  # a recto after the last chapter


def test_the_books_epigraph_has_a_right_hand_page_before_the_contents(sample: Built, pages: list[str]) -> None:
    index = next(i for i, text in enumerate(pages) if text.lstrip().startswith("The kettle knows the hour"))
    contents = next(i for i, text in enumerate(pages) if text.lstrip().startswith("Contents"))
    copyright_page = next(i for i, text in enumerate(pages) if "All rights reserved" in text)
    assert copyright_page < index < contents and index % 2 == 0  # a recto: index 0 is page one
    lines = [line.strip() for line in pages[index].strip().split("\n")]
    assert lines == ["The kettle knows the hour before I do,", "the radio keeps the names of rooms.",
                     "— Night Porter, “Small Hours”"]  # no folio, no running head
    files = epub_files(sample.epub)
    epigraph = etree.fromstring(files["EPUB/epigraph.xhtml"])
    quote = epigraph.find(".//x:section[@class='book-epigraph']/x:blockquote", XHTML)
    assert quote.get("{http://www.idpf.org/2007/ops}type") == "epigraph z3998:song"
    assert quote.findtext("x:cite", namespaces=XHTML) == "— Night Porter, “Small Hours”"
    spine = re.findall(r'<itemref idref="([^"]+)"', files["EPUB/content.opf"].decode())
    assert spine.index("epigraph") == spine.index("copyright") + 1


def test_pdf_the_rule_over_the_notes_is_short_as_in_books(sample: Built, pages: list[str]) -> None:
    index = next(i for i, text in enumerate(pages) if "Rationing in Britain" in text)
    page = pdfium.PdfDocument(sample.pdf)[index]
    text = page.get_textpage()
    found = text.search("Rationing", match_case=True).get_next()
    note_top = max(text.get_charbox(i)[3] for i in range(found[0], found[0] + found[1]))
    scale = 4
    picture = page.render(scale=scale).to_pil().convert("L")
    width, height = picture.size
    # Look just above the note (the rule sits half an em over it, the text line above farther) for dark pixels.
    top_row = int((page.get_height() - note_top - 10) * scale)
    bottom_row = int((page.get_height() - note_top - 2) * scale)
    dark = [x for y in range(top_row, bottom_row) for x in range(width) if picture.getpixel((x, y)) < 200]
    assert dark, "a rule over the notes"
    rule = (max(dark) - min(dark)) / scale
    measure = page.get_width() - 2 * 0.6 * 72 - 0.25 * 72  # less both margins at their narrowest
    assert 0.2 * measure < rule < 0.45 * measure
