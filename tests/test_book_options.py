"""book.toml's typographic options, each read back from the built book."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from conftest import build_book, font_of, pages_by_folio, pdf_page_texts, pdf_runs, run_chapbook
from epubcheck_helper import epubcheck_messages

XHTML = {"x": "http://www.w3.org/1999/xhtml"}


def make_book(folder: Path, toml: str, essays: dict[str, str], files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.toml").write_text(toml)
    for name, text in {**essays, **(files or {})}.items():
        (folder / name).write_text(text)
    return folder


def chapter_xhtml(epub: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(epub) as archive:
        return etree.fromstring(archive.read(f"EPUB/{name}"))


ESSAYS = {
    "a.md": '+++\ntitle = "Morning"\ndate = 2023-04-02\nweight = 1\n[extra]\nfont_class = "journal"\n+++\n\n'
            "> Wake up, wake up</br>\n> The kettle's on\n\nThe first light came late that day. \"Guten Morgen,\" I said.\n",
    "b.md": '+++\ntitle = "Evening"\ndate = 2023-05-09\nweight = 2\n[extra]\nfont_class = "sketchbook"\n+++\n\n'
            "The last light went early.\n",
}


@pytest.fixture(scope="module")
def diary_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("diary")
    source = make_book(
        root / "src",
        'title = "Notebook"\nlanguage = "de"\ntheme = "diary"\nchapter_numbers = "words"\n'
        'epigraph_source = "Das Radio"\nstylesheet = "own.css"\nfont_classes = { journal = "diary" }\n'
        'page_count_multiple = 16\n',
        ESSAYS, {"own.css": "@page { size: 120mm 180mm; }\n.chapter-title { letter-spacing: 0.01em; }\n"},
    )
    built = build_book(source, root / "out")
    return built.epub, built.pdf, built.stderr


def test_the_diary_theme_builds_a_clean_epub(diary_book: tuple[Path, Path, str]) -> None:
    assert epubcheck_messages(diary_book[0]) == []


def test_the_diary_theme_embeds_its_own_faces(diary_book: tuple[Path, Path, str]) -> None:
    runs = pdf_runs(diary_book[1])
    assert {f.split("+")[-1] for f in font_of(runs, "came late that day")} == {"Literata"}
    opener = next(i for i, text in enumerate(pdf_page_texts(diary_book[1])) if text.lstrip().startswith("Eins"))
    title_fonts = {font.split("+")[-1] for run, font in runs[opener] if run.strip() == "Morning"}
    assert title_fonts == {"Dancing-Script"}  # the opener's title


def test_pages_are_padded_to_whole_signatures(diary_book: tuple[Path, Path, str]) -> None:
    assert len(pypdf.PdfReader(diary_book[1]).pages) == 16  # two short chapters, padded to one signature


def test_the_books_own_stylesheet_comes_last(diary_book: tuple[Path, Path, str]) -> None:
    page = pypdf.PdfReader(diary_book[1]).pages[0]
    assert (round(float(page.mediabox.width) / 72 * 25.4), round(float(page.mediabox.height) / 72 * 25.4)) == (120, 180)
    with zipfile.ZipFile(diary_book[0]) as archive:
        assert archive.read("EPUB/style/book.css").decode().rstrip().endswith(".chapter-title { letter-spacing: 0.01em; }")


def test_chapter_numbers_in_words_and_datelines_in_the_books_language(diary_book: tuple[Path, Path, str]) -> None:
    morning = chapter_xhtml(diary_book[0], "a.xhtml")
    assert "".join(morning.find(".//x:p[@class='chapter-number']", XHTML).itertext()) == "Eins"
    assert morning.findtext(".//x:p[@class='dateline']", namespaces=XHTML) == "2. April 2023"
    evening_page = next(t for t in pdf_page_texts(diary_book[1]) if "Evening" in t and "Zwei" in t)
    assert "9. Mai 2023" in evening_page


def test_german_quotes_and_the_books_epigraph_source(diary_book: tuple[Path, Path, str]) -> None:
    morning = chapter_xhtml(diary_book[0], "a.xhtml")
    lines = [s.text for s in morning.iterfind(".//x:span[@class='line']", XHTML)]
    assert lines == ["Wake up, wake up", "The kettle’s on"]  # an apostrophe is an apostrophe in any language
    assert "„Guten Morgen,“ I said." in "".join(morning.itertext())
    assert morning.findtext(".//x:blockquote/x:cite", namespaces=XHTML) == "— Das Radio"


def test_font_classes_map_book_names_to_the_themes_and_unknown_ones_warn(diary_book: tuple[Path, Path, str]) -> None:
    morning = chapter_xhtml(diary_book[0], "a.xhtml")
    assert "font-diary" in morning.find(".//x:section", XHTML).get("class").split()
    assert 'font_class "sketchbook" is not one theme diary has (diary, plain)' in diary_book[2]


def test_verse_detection_off_keeps_quotations(tmp_path: Path) -> None:
    source = make_book(tmp_path / "src", "verse_detection = false\n", ESSAYS)
    built = build_book(source, tmp_path / "out", "--format", "epub")
    quote = chapter_xhtml(built.epub, "a.xhtml").find(".//x:blockquote", XHTML)
    assert quote.get("class") is None and quote.find("x:p/x:br", XHTML) is not None


def test_a_wrong_option_value_is_named_with_its_line(tmp_path: Path) -> None:
    source = make_book(tmp_path / "src", 'title = "T"\nchapter_numbers = "roman"\n', ESSAYS)
    result = run_chapbook("build", str(source), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1
    assert "src/book.toml:2: chapter_numbers must be one of none, words, figures" in result.stderr
    source = make_book(tmp_path / "src2", "verse_detection = \"no\"\n", ESSAYS)
    result = run_chapbook("build", str(source), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1 and "src2/book.toml:1: verse_detection must be true or false" in result.stderr


def test_mojibake_is_repaired_with_a_warning_counting_the_places(tmp_path: Path) -> None:
    source = make_book(tmp_path / "src", "", {"a.md": "+++\ntitle = \"Mended\"\n+++\n\nFirst.\n\nIâ€™m sure itâ€™s â€œfineâ€�.\n"})
    built = build_book(source, tmp_path / "out", "--format", "epub")
    assert "a.md:7: repaired 4 places damaged by a wrong encoding" in built.stderr
    text = "".join(chapter_xhtml(built.epub, "a.xhtml").itertext())
    assert "I’m sure it’s “fine”." in text


def test_print_links_none_keeps_addresses_off_the_page(tmp_path: Path) -> None:
    essay = {"a.md": "+++\ntitle = \"Linked\"\n+++\n\nSee [the map](https://example.org/map) today.\n"}
    with_notes = build_book(make_book(tmp_path / "one", "", essay), tmp_path / "out1", "--format", "pdf")
    without = build_book(make_book(tmp_path / "two", 'print_links = "none"\n', essay), tmp_path / "out2", "--format", "pdf")
    at_end = build_book(make_book(tmp_path / "three", 'print_links = "chapter-end"\n', essay), tmp_path / "out3",
                        "--format", "pdf")
    assert "https://example.org/map" in "".join(pdf_page_texts(with_notes.pdf))
    assert "https://example.org/map" not in "".join(pdf_page_texts(without.pdf))
    lines = [" ".join(line.split()) for line in "\n".join(pdf_page_texts(at_end.pdf)).split("\n")]
    assert "See the map1 today." in lines and "Addresses" in lines  # a numbered call, a list at the end
    assert lines.index("Addresses") < next(i for i, line in enumerate(lines) if "https://example.org/map" in line)


def test_bleed_crop_marks_and_an_archival_pdf(tmp_path: Path) -> None:
    source = make_book(tmp_path / "src", 'title = "Archive"\ntrim = "6x9"\nbleed = "0.125in"\ncrop_marks = true\n'
                                         'pdf_variant = "pdf/a-2b"\n', ESSAYS)
    built = build_book(source, tmp_path / "out", "--format", "pdf")
    reader = pypdf.PdfReader(built.pdf)
    for page in reader.pages:
        assert [round(float(v), 2) for v in page.trimbox] == [0, 0, 432, 648]  # 6 x 9 in
        assert [round(float(v), 2) for v in page.bleedbox] == [-9, -9, 441, 657]  # 0.125 in beyond
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert b"pdfaid:part" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()  # PDF/A declared


def test_unknown_pdf_variant_is_refused(tmp_path: Path) -> None:
    source = make_book(tmp_path / "src", 'pdf_variant = "pdf/x-1a"\n', ESSAYS)
    result = run_chapbook("build", str(source), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1 and "src/book.toml:1: pdf_variant must be one of" in result.stderr


def test_a_link_to_another_chapter_gives_its_page_in_print(tmp_path: Path) -> None:
    essays = {"a.md": '+++\ntitle = "First"\nweight = 1\n+++\n\nRead [the second walk](b.md) next.\n',
              "b.md": '+++\ntitle = "Second"\nweight = 2\n+++\n\nThe second walk.\n'}
    built = build_book(make_book(tmp_path / "src", "", essays), tmp_path / "out", "--format", "pdf")
    pages = pdf_page_texts(built.pdf)
    folios = pages_by_folio(pages)
    second = next(folio for folio, index in folios.items() if pages[index].lstrip().startswith("Second"))
    text = " ".join(" ".join(pages).split())
    assert f"Read the second walk (see p. {second}) next." in text


def test_back_matter_is_written_in_markdown(tmp_path: Path) -> None:
    toml = ('title = "Walks"\nacknowledgements = """Thanks to *The Quarterly Walk*, where '
            '[the first essay](https://walk.example/one) appeared.\n\nAnd to my sister."""\n')
    built = build_book(make_book(tmp_path / "src", toml, ESSAYS), tmp_path / "out")
    back = chapter_xhtml(built.epub, "backmatter.xhtml")
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    section = back.find(".//x:section[@role='doc-acknowledgments']", ns)
    paragraphs = section.findall("x:p", ns)
    assert len(paragraphs) == 2 and "".join(paragraphs[1].itertext()) == "And to my sister."
    assert section.findtext(".//x:em", namespaces=ns) == "The Quarterly Walk"
    assert section.find(".//x:a", ns).get("href") == "https://walk.example/one"
    text = " ".join(" ".join(pdf_page_texts(built.pdf)).split())
    assert "*" not in text and "https://walk.example/one" in text  # the address as a note on paper


@pytest.mark.parametrize("bleed, edge", [('bleed = "0.125in"\n', 9.0), ("", 0.0)])
def test_a_picture_marked_bleed_fills_its_page_to_the_bleed_edge(tmp_path: Path, bleed: str, edge: float) -> None:
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    essays = {"a.md": '+++\ntitle = "Field"\n+++\nBefore the field.\n\n![A lamp on a desk](lamp.jpg){.bleed}\n\n'
                      "After the field.\n\nA small ![lamp](lamp.jpg){.bleed} inside a sentence.\n"}
    source = make_book(tmp_path / "src", f'title = "Fields"\n{bleed}', essays)
    (source / "lamp.jpg").write_bytes((Path(__file__).parents[1] / "book/images/lamp.jpg").read_bytes())
    built = build_book(source, tmp_path / "out")
    chapter = chapter_xhtml(built.epub, "a.xhtml")
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    assert chapter.find(".//x:p[@class='bleed-page']/x:img[@class='bleed']", ns) is not None
    assert len(chapter.findall(".//x:img[@class='bleed']", ns)) == 1  # in a sentence the mark means nothing
    document = pypdfium2.PdfDocument(built.pdf)
    pages = pdf_page_texts(built.pdf)
    index = next(i for i, text in enumerate(pages) if "Before the field." in text) + 1
    assert pages[index].strip() == ""  # a page of its own: no running head, no folio
    assert "After the field." in pages[index + 1]
    page = document[index]
    left, bottom, right, top = page.get_mediabox()
    trim = [round(v, 2) for v in page.get_trimbox()]
    assert [round(v, 2) for v in (left, bottom, right, top)] == [trim[0] - edge, trim[1] - edge, trim[2] + edge, trim[3] + edge]
    picture = next(iter(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=5)))
    x0, y0, x1, y1 = picture.get_bounds()
    assert x0 <= left + 0.5 and y0 <= bottom + 0.5 and x1 >= right - 0.5 and y1 >= top - 0.5  # to the sheet's edge


def _colour_uses(pdf: Path) -> tuple[set[str], set[str]]:
    """The colour operators of every content stream, and the colour spaces of every picture, page by page."""
    operators, spaces = set(), set()
    seen = set()

    def visit(resources, content: bytes) -> None:
        operators.update(op.decode() for op in re.findall(rb"\s(rg|RG|k|K|g|G|sc|scn|SC|SCN)\s", b" " + content + b" "))
        xobjects = (resources or {}).get("/XObject") or {}
        for name in xobjects:
            xobject = xobjects[name].get_object()
            if id(xobject) in seen:
                continue
            seen.add(id(xobject))
            if xobject.get("/Subtype") == "/Image":
                space = xobject.get("/ColorSpace")
                spaces.add(str(space if not hasattr(space, "get_object") else space.get_object()))
            elif xobject.get("/Subtype") == "/Form":
                visit(xobject.get("/Resources"), xobject.get_data())

    for page in pypdf.PdfReader(pdf).pages:
        visit(page.get("/Resources"), page.get_contents().get_data() if page.get_contents() is not None else b"")
    return operators, spaces


def test_pdf_x4_names_the_press_and_prints_in_its_inks(tmp_path: Path) -> None:
    from cmyk_profile import cmyk_profile

    essays = {"a.md": '+++\ntitle = "Field"\n+++\nA lamp, in colour.\n\n![A lamp on a desk](lamp.jpg)\n\n'
                      "Text after, with a note.[^1]\n\n[^1]: The note.\n"}
    toml = 'title = "Press"\npdf_variant = "pdf/x-4"\noutput_profile = "press.icc"\nbleed = "0.125in"\n'
    source = make_book(tmp_path / "src", toml, essays)
    (source / "lamp.jpg").write_bytes((Path(__file__).parents[1] / "book/images/lamp.jpg").read_bytes())
    (source / "press.icc").write_bytes(cmyk_profile())
    built = build_book(source, tmp_path / "out", "--format", "pdf")
    reader = pypdf.PdfReader(built.pdf)
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4 and profile.get_data() == (source / "press.icc").read_bytes()
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"PDF/X-4" in xmp and b"GTS_PDFXVersion" in xmp
    assert reader.trailer["/Info"]["/Trapped"] == "/False"
    assert all("/TrimBox" in page for page in reader.pages)
    operators, spaces = _colour_uses(built.pdf)
    assert {"scn"} <= operators, "the pages' colours were read (black ink set in CMYK)"
    assert not {"rg", "RG"} & operators, "no colour may be DeviceRGB under a CMYK output intent"
    assert "/DeviceRGB" not in spaces and "/DeviceCMYK" in spaces  # the picture separated into CMYK
    check = run_chapbook("check", str(built.pdf))
    assert "ok       PDF/X output intent for a CMYK press, every colour in its space" in check.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_piece_of_a_pdf_x4_book_carries_the_press_profile_as_written(tmp_path: Path, monkeypatch, jobs) -> None:
    """One process lays out many pieces with the stylesheets it parsed once: the colour profile must
    still be the printer's file, not Little CMS's copy of it after converting the first piece's colours."""
    from cmyk_profile import cmyk_profile

    monkeypatch.setenv("CHAPBOOK_JOBS", jobs)
    essays = {f"{n}.md": f'+++\ntitle = "Field {n}"\nweight = {n}\n+++\nA lamp.\n\n![A lamp](lamp.jpg)\n'
              for n in range(1, 4)}
    source = make_book(tmp_path / "src", 'title = "Press"\npdf_variant = "pdf/x-4"\noutput_profile = "press.icc"\n',
                       essays)
    (source / "lamp.jpg").write_bytes((Path(__file__).parents[1] / "book/images/lamp.jpg").read_bytes())
    (source / "press.icc").write_bytes(cmyk_profile())
    built = build_book(source, tmp_path / "out", "--format", "pdf")
    reader = pypdf.PdfReader(built.pdf)
    cmyk = {bytes(stream.get_data()) for stream in _icc_streams(reader) if stream["/N"] == 4}
    assert cmyk == {cmyk_profile()}  # on every page, the printer's file as it is
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/DestOutputProfile"].get_object().get_data() == cmyk_profile()


def _icc_streams(reader: pypdf.PdfReader) -> list:
    found = []
    for page in reader.pages:
        for space in (page["/Resources"].get("/ColorSpace") or {}).values():
            space = space.get_object()
            if isinstance(space, list) and len(space) == 2 and space[0] == "/ICCBased":
                found.append(space[1].get_object())
    return found


def test_pdf_x4_without_the_printers_profile_is_refused(tmp_path: Path) -> None:
    source = make_book(tmp_path / "src", 'title = "Press"\npdf_variant = "pdf/x-4"\n', ESSAYS)
    result = run_chapbook("build", str(source), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1 and "src/book.toml:2: pdf/x-4 needs the printer's CMYK profile" in result.stderr
    (source / "book.toml").write_text('title = "Press"\npdf_variant = "pdf/x-4"\noutput_profile = "a.md"\n')
    result = run_chapbook("build", str(source), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1 and 'src/book.toml:3: output_profile "a.md" is not an ICC profile' in result.stderr


def test_the_preflight_finds_rgb_left_in_a_pdf_x_file(tmp_path: Path) -> None:
    from cmyk_profile import cmyk_profile

    toml = 'title = "Press"\npdf_variant = "pdf/x-4"\noutput_profile = "press.icc"\nstylesheet = "own.css"\n'
    source = make_book(tmp_path / "src", toml, ESSAYS, {"own.css": ".chapter-title { color: #a03020; }\n"})
    (source / "press.icc").write_bytes(cmyk_profile())
    built = build_book(source, tmp_path / "out", "--format", "pdf")
    check = run_chapbook("check", str(built.pdf))
    assert check.returncode == 1
    assert re.search(r"PROBLEM  PDF/X for a CMYK press, but page\(s\) [\d, ]+ use DeviceRGB", check.stdout)


def test_a_table_with_a_very_long_word_stays_inside_the_text_block(tmp_path: Path) -> None:
    # One word longer than the measure, with no hyphen or slash to break at (a tracking code, say).
    address = "N21" + "8f3a9c0d5e7b1a2c4d6e" * 5
    essays = {"a.md": '+++\ntitle = "Timetable"\n+++\nThe buses:\n\n| Route | Departure | Where to look |\n'
                      f"|---|---|---|\n| N21 | 01:05 | {address} |\n| 9 | 23:40 | the stop |\n"}
    built = build_book(make_book(tmp_path / "src", 'title = "Buses"\n', essays), tmp_path / "out", "--format", "pdf")
    check = run_chapbook("check", str(built.pdf))
    assert "ok       all text at least 0.25 in inside the trim" in check.stdout, check.stdout
    words = pdf_page_texts(built.pdf)
    table_page = next(text for text in words if "Departure" in text)
    assert "Route" in table_page.split() and "Departure" in table_page.split()  # headers not broken mid-word
    assert address in "".join(table_page.split())  # the word whole, broken across lines only
