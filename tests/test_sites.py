"""Whole sites as books: the Hugo and Jekyll fixture sites, and book.toml's choosing, ordering and parts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from chapbook.assemble import read_book
from chapbook.errors import ChapbookError
from chapbook.sources.frontmatter import split_front_matter
from conftest import ROOT, build_book, epub_files, pages_by_folio, pdf_page_texts

FIXTURES = ROOT / "tests" / "fixtures"
XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def spine_titles(files: dict[str, bytes]) -> list[str]:
    """The chapter titles in reading order, as the EPUB's spine gives them."""
    opf = etree.fromstring(files["EPUB/content.opf"])
    ns = {"o": "http://www.idpf.org/2007/opf"}
    hrefs = {item.get("id"): item.get("href") for item in opf.iterfind(".//o:manifest/o:item", ns)}
    titles = []
    for ref in opf.iterfind(".//o:spine/o:itemref", ns):
        page = etree.fromstring(files["EPUB/" + hrefs[ref.get("idref")]])
        heading = page.find(".//x:h1[@class='chapter-title']", XHTML)
        if heading is not None:
            titles.append("".join(heading.itertext()))
    return titles


def links_of(files: dict[str, bytes], name: str) -> dict[str, str]:
    page = etree.fromstring(files[f"EPUB/{name}"])
    return {"".join(a.itertext()): a.get("href") for a in page.iterfind(".//x:a", XHTML)}


@pytest.fixture(scope="module")
def hugo(tmp_path_factory: pytest.TempPathFactory):
    return build_book(FIXTURES / "hugo-site", tmp_path_factory.mktemp("hugo"))


@pytest.fixture(scope="module")
def jekyll(tmp_path_factory: pytest.TempPathFactory):
    return build_book(FIXTURES / "jekyll-site", tmp_path_factory.mktemp("jekyll"))


def test_a_hugo_site_becomes_a_book_of_its_published_posts(hugo) -> None:
    files = epub_files(hugo.epub)
    # YAML, TOML (a leaf bundle) and JSON front matter; the draft, a page never rendered (_build),
    # the home page and the theme's example site are not essays.
    assert spine_titles(files) == ["First Frost", "The Kettle", "River Notes"]
    opf = files["EPUB/content.opf"].decode()
    assert "<dc:title>Letters from Hollow Lane</dc:title>" in opf and "Ines Calloway" in opf
    assert "<dc:language>en-US</dc:language>" in opf or "<dc:language>en-us</dc:language>" in opf
    text = " ".join(pdf_page_texts(hugo.pdf))
    assert "Unfinished" not in text and "Shopping" not in text and "Theme Demo" not in opf
    assert hugo.stderr.count("warning:") == 0, hugo.stderr


def test_hugo_images_from_static_and_from_a_page_bundle(hugo) -> None:
    files = epub_files(hugo.epub)
    assert "EPUB/images/frost.jpg" in files and "EPUB/images/kettle.jpg" in files
    frost = etree.fromstring(files["EPUB/first-frost.xhtml"])
    figure = frost.find(".//x:figure", XHTML)
    assert figure.find("x:img", XHTML).get("src") == "images/frost.jpg"
    assert "".join(figure.find("x:figcaption", XHTML).itertext()) == "The gate, before nine."


def test_hugo_links_by_site_path_and_by_the_sites_own_address_stay_in_the_book(hugo) -> None:
    files = epub_files(hugo.epub)
    links = links_of(files, "first-frost.xhtml")
    assert links["in another letter"] == "kettle.xhtml#kettle"  # /posts/kettle/
    assert links["as well"] == "river-notes.xhtml#river-notes"  # https://hollow-lane.example/posts/river-notes/
    kettle = links_of(files, "kettle.xhtml")  # Hugo's ref and relref, by page name and by path
    assert kettle["the river"] == "river-notes.xhtml#river-notes"
    assert kettle["the frost"] == "first-frost.xhtml#first-frost"
    assert kettle["its old address"] == "river-notes.xhtml#river-notes"  # an alias of the post
    river = links_of(files, "river-notes.xhtml")
    assert river["the first frost"] == "first-frost.xhtml#first-frost"
    assert river["https://www.youtube.com/watch?v=dQw4w9WgXcQ"].startswith("https://www.youtube.com/")
    # In print the link reads as the page it goes to.
    pages = pdf_page_texts(hugo.pdf)
    folios = pages_by_folio(pages)
    kettle = next(f for f, i in folios.items() if pages[i].lstrip().startswith("The Kettle"))
    assert f"in another letter (see p. {kettle})" in " ".join(" ".join(pages).split())


def test_a_jekyll_site_takes_posts_only_dated_by_their_names(jekyll) -> None:
    files = epub_files(jekyll.epub)
    assert spine_titles(files) == ["The Spring Ledger", "The Long Table"]
    text = " ".join(pdf_page_texts(jekyll.pdf))
    assert "Second Helpings" not in text and "about page" not in text and "used by chapbook" not in text
    assert "4 March 2021" in text  # the date from the file name, written the en-GB way
    assert "EPUB/images/table.jpg" in files  # /assets/img/table.jpg from the site's root
    # Jekyll's permalink /2021/03/04/spring-ledger.html is the other post.
    table = links_of(files, "the-long-table.xhtml")
    assert table["the ledger"] == table["March pages"] == "spring-ledger.xhtml#spring-ledger"  # and post_url
    chapter = etree.fromstring(files["EPUB/the-long-table.xhtml"])
    code = chapter.find(".//x:pre/x:code", XHTML)  # {% highlight %}: a code block, spacing kept
    assert code.get("class") == "language-text" and "left:   the cousins" in code.text
    words = "".join(chapter.find(".//x:section", XHTML).itertext())
    assert "{{ nobody leaves hungry }}" in words and "{%" not in words  # raw stays raw; no tags left
    back = files["EPUB/backmatter.xhtml"].decode()
    assert "https://longtable.example/family/2021/06/10/the-long-table.html" in back
    assert jekyll.stderr.count("warning:") == 0, jekyll.stderr


def test_json_front_matter_errors_name_their_line(tmp_path: Path) -> None:
    front = split_front_matter(Path("p.md"), '{\n  "title": "Tide",\n  "weight": 2\n}\nThe sea came in.\n')
    assert front.data == {"title": "Tide", "weight": 2} and front.body == "The sea came in.\n"
    assert front.line_of("weight") == 3 and front.body_line == 5
    with pytest.raises(ChapbookError, match=r"p\.md:3: front matter is not valid JSON"):
        split_front_matter(Path("p.md"), '{\n  "title": "Tide",\n  "weight": two\n}\nBody\n')


def zola_site(folder: Path, book_toml: str = "") -> Path:
    """A small Zola site: two sections with an _index.md each, and a page at the top."""
    pages = {
        "content/preface.md": ("Preface", 0, "Why these essays."),
        "content/travel/trains.md": ("Trains", 2, "On trains one reads."),
        "content/travel/ferries.md": ("Ferries", 1, "On ferries one stands at the rail."),
        "content/travel/old/boats.md": ("Boats", 3, "Boats, once."),
        "content/home/kitchen.md": ("Kitchen", 1, "The kitchen is where it happens."),
        "content/home/garden.md": ("Garden", 2, "The garden, slowly."),
    }
    for name, (title, weight, body) in pages.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'+++\ntitle = "{title}"\nweight = {weight}\n+++\n{body}\n', encoding="utf-8")
    (folder / "content/travel/_index.md").write_text('+++\ntitle = "Going Away"\n+++\nWritten on the move.\n')
    (folder / "config.toml").write_text('title = "Sections"\nbase_url = "https://s.example"\n')
    (folder / "book.toml").write_text(book_toml, encoding="utf-8")
    return folder


def titles(book) -> list[str]:
    return [essay.title for essay in book.essays]


def test_sections_include_exclude_and_order_choose_the_essays(tmp_path: Path, caplog) -> None:
    site = zola_site(tmp_path / "a", 'sections = ["travel"]\nexclude = ["travel/old"]\n')
    assert titles(read_book(site)) == ["Ferries", "Trains"]
    site = zola_site(tmp_path / "b", 'include = ["home/*", "preface.md"]\norder = ["home/garden.md", "preface.md"]\n')
    assert titles(read_book(site)) == ["Garden", "Preface", "Kitchen"]
    site = zola_site(tmp_path / "c", 'sections = ["travle"]\ninclude = ["*"]\n')
    with pytest.raises(ChapbookError, match="no essay is left"):
        read_book(site)
    assert re.search(r'book\.toml:1: sections "travle" matches no essay', caplog.text)


def test_parts_group_chapters_with_a_page_of_their_own(tmp_path: Path) -> None:
    site = zola_site(tmp_path / "site", '[[parts]]\nsection = "travel"\n\n[[parts]]\ntitle = "At Home"\nessays = ["home/*"]\n')
    (site / "content/preface.md").write_text('+++\ntitle = "Preface"\nweight = 0\n+++\nWhy these essays: '
                                             "[going away](@/travel/_index.md), and [home](/home/kitchen/).\n")
    built = build_book(site, tmp_path / "out")
    files = epub_files(built.epub)
    # The preface belongs to no part and comes first; each part's chapters keep the book's order.
    assert spine_titles(files) == ["Preface", "Ferries", "Trains", "Boats", "Kitchen", "Garden"]
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    toc = nav.find(".//x:nav[@epub:type='toc']/x:ol", XHTML)
    top = [("".join(li.find("x:a", XHTML).itertext()), [
        "".join(a.itertext()) for a in li.iterfind("x:ol/x:li/x:a", XHTML)]) for li in toc.iterfind("x:li", XHTML)]
    assert top == [("Preface", []), ("Going Away", ["Ferries", "Trains", "Boats"]), ("At Home", ["Kitchen", "Garden"])]
    part = etree.fromstring(files["EPUB/part-1.xhtml"])
    assert part.find(".//x:section", XHTML).get(f"{{{XHTML['epub']}}}type") == "part"
    assert "Written on the move." in "".join(part.itertext())  # the section's _index.md opens the part
    preface = links_of(files, "preface.xhtml")
    assert preface["going away"] == "part-1.xhtml#part-1"  # a link to a section that is a part: its page

    # The PDF's bookmarks: each part with its chapters under it.
    outline = pypdf.PdfReader(built.pdf).outline
    tops = [item.title for item in outline if not isinstance(item, list)]
    assert tops == ["Contents", "Preface", "Going Away", "At Home", "First Published"]
    under_travel = outline[outline.index(next(i for i in outline if getattr(i, "title", "") == "Going Away")) + 1]
    assert [item.title for item in under_travel if not isinstance(item, list)] == ["Ferries", "Trains", "Boats"]
    pages = pdf_page_texts(built.pdf)
    folios = pages_by_folio(pages)
    part_pages = [i for i, text in enumerate(pages) if text.lstrip().startswith("Part ")]
    assert [pages[i].split("\n")[1].strip() for i in part_pages] == ["Going Away", "At Home"]
    for index in part_pages:
        assert index % 2 == 0  # a right-hand page (index 0 is page one, a recto)
        assert not re.search(r"\n\s*\d+\s*$", pages[index])  # a display page: no folio
        assert pages[index + 1].strip() == ""  # its verso is blank, the chapter opens on the next recto
    contents = next(text for text in pages if text.lstrip().startswith("Contents"))
    for title in ("Going Away", "At Home", "Ferries", "Kitchen"):
        listed = re.search(rf"{title}[ .]*?(\d+)\s*$", contents, re.MULTILINE)
        assert listed, title
        # Body pages are numbered on from page 1, with or without a printed folio.
        index = folios["1"] + int(listed[1]) - 1
        assert title in pages[index].strip().split("\n")[:2]


def test_a_part_needs_a_section_or_essays(tmp_path: Path) -> None:
    site = zola_site(tmp_path / "site", 'title = "X"\n\n[[parts]]\ntitle = "Empty"\n')
    with pytest.raises(ChapbookError, match=r"book\.toml:3: a part needs section"):
        read_book(site)


def test_image_paths_as_zola_serves_them(tmp_path: Path) -> None:
    site = zola_site(tmp_path / "site")
    shutil.copy(ROOT / "book" / "images" / "lamp.jpg", tmp_path / "lamp.jpg")
    for place in ("static/img/lamp.jpg", "static/travel/pics/lamp2.jpg"):
        (site / place).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "lamp.jpg", site / place)
    (site / "content/travel/trains.md").write_text(
        '+++\ntitle = "Trains"\n+++\n![a lamp](/img/lamp.jpg)\n\n![a lamp](../img/lamp.jpg)\n\n'
        '![another lamp](../pics/lamp2.jpg)\n', encoding="utf-8")
    (site / "content/preface.md").write_text('+++\ntitle = "Preface"\n+++\n![a lamp](../img/lamp.jpg)\n\n'
                                             '![the same lamp](https://www.s.example/img/lamp.jpg)\n')
    book = read_book(site)
    names = sorted(image.name for image in book.images)
    assert names == ["images/lamp.jpg", "images/lamp2.jpg"]
    trains = next(e for e in book.essays if e.title == "Trains")
    # /img/x from static/; ../img/x from /travel/trains/ is /travel/img/x: not there, so its alt text shows.
    assert trains.xhtml.count('src="images/lamp.jpg"') == 1 and 'src="images/lamp2.jpg"' in trains.xhtml
    preface = next(e for e in book.essays if e.title == "Preface")
    assert 'src="images/lamp.jpg"' in preface.xhtml  # /preface/ + ../img/lamp.jpg is /img/lamp.jpg
    # The site's own address (base_url https://s.example, here with www.) is the site's own file.
    assert preface.xhtml.count('src="images/lamp.jpg"') == 2 and "missing-image" not in preface.xhtml


def test_raw_html_from_a_post_builds_a_valid_epub_and_prints_the_embed_address(tmp_path: Path) -> None:
    site = zola_site(tmp_path / "site")
    (site / "content/home/garden.md").write_text(
        '+++\ntitle = "Garden"\n+++\nThe beans came up.\n\n<iframe src="https://player.vimeo.com/video/4242" '
        'title="Beans, time-lapse"></iframe>\n\n<div class="aside"><p>An unclosed <em>thought\n\n'
        "<details><summary>More</summary>Hidden</details>\n\nAfter</span> the stray tag.\n", encoding="utf-8")
    built = build_book(site, tmp_path / "out")  # epubcheck: no errors, no warnings
    text = " ".join(" ".join(pdf_page_texts(built.pdf)).split())
    assert "Vimeo video: Beans, time-lapse (on the web at https://vimeo.com/4242)" in text


def test_a_draft_section_publishes_none_of_its_pages(tmp_path: Path) -> None:
    site = zola_site(tmp_path / "site")
    (site / "content/home/_index.md").write_text('+++\ntitle = "Home"\ndraft = true\n+++\n')
    assert titles(read_book(site)) == ["Preface", "Ferries", "Trains", "Boats"]


def page_list(files: dict[str, bytes]) -> dict[str, str]:
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    listing = nav.find(".//x:nav[@epub:type='page-list']/x:ol", XHTML)
    return {a.text: a.get("href") for a in listing.iterfind("x:li/x:a", XHTML)}


@pytest.mark.parametrize("toml", ['[[parts]]\nsection = "travel"\n',
                                  '[[parts]]\ntitle = "Everything"\nessays = ["*"]\n'], ids=["part-later", "part-first"])
def test_the_page_list_counts_a_parts_page_as_print_does(tmp_path: Path, toml: str) -> None:
    built = build_book(zola_site(tmp_path / "site", toml), tmp_path / "out")
    files = epub_files(built.epub)
    pages = pdf_page_texts(built.pdf)
    first_body = next(i for i, text in enumerate(pages)
                      if text.lstrip().startswith(("Part One", "Preface")))  # page 1, folio printed or not
    listed = page_list(files)
    part_label = next(label for label, href in listed.items() if href.startswith("part-1.xhtml#page-"))
    assert pages[first_body + int(part_label) - 1].lstrip().startswith("Part One")
    for label, href in listed.items():  # every marker sits on the page the PDF has that number on
        name, anchor = href.split("#")
        page = etree.fromstring(files[f"EPUB/{name}"])
        marker = page.find(f".//*[@id='{anchor}']")
        after = " ".join("".join(marker.xpath("following::text()")).split())
        assert after[:12].replace(" ", "") in "".join(pages[first_body + int(label) - 1].split())[:400], label


def test_a_sections_sort_by_orders_its_essays_among_their_places(tmp_path: Path) -> None:
    site = zola_site(tmp_path / "site")
    # By weight (Preface 0, Ferries and Kitchen 1, Garden and Trains 2, Boats 3), ties by title.
    assert titles(read_book(site)) == ["Preface", "Ferries", "Kitchen", "Garden", "Trains", "Boats"]
    (site / "content/travel/_index.md").write_text('+++\ntitle = "Going Away"\nsort_by = "title"\n+++\n')
    # travel (and travel/old) by title, in the places travel's essays held: Boats, Ferries, Trains.
    assert titles(read_book(site)) == ["Preface", "Boats", "Kitchen", "Garden", "Ferries", "Trains"]


def test_parts_can_be_the_sites_sections(tmp_path: Path) -> None:
    site = zola_site(tmp_path / "site", 'parts = "sections"\n')
    (site / "content/home/_index.md").write_text('+++\ntitle = "Indoors"\nweight = 1\n+++\n')
    (site / "content/travel/_index.md").write_text('+++\ntitle = "Going Away"\nweight = 2\n+++\nOn the move.\n')
    (site / "content/pictures").mkdir()  # a folder with no essays is no part
    book = read_book(site)
    assert [(part.title, part.chapters) for part in book.parts] == [
        ("Indoors", ("kitchen", "garden")), ("Going Away", ("ferries", "trains", "boats"))]
    assert titles(book) == ["Preface", "Kitchen", "Garden", "Ferries", "Trains", "Boats"]
    assert "On the move" in book.parts[1].opening


@pytest.mark.parametrize("language, expected", [("en", ["Ferries", "Trains"]), ("fr", ["Ferries", "Les trains"])])
def test_a_multilingual_site_gives_the_books_language(tmp_path: Path, language: str, expected: list[str]) -> None:
    site = zola_site(tmp_path / "site", f'language = "{language}"\nsections = ["travel"]\nexclude = ["travel/old"]\n')
    (site / "content/travel/trains.fr.md").write_text('+++\ntitle = "Les trains"\nweight = 2\n+++\nDans le train.\n')
    (site / "content/travel/ferries.de.md").write_text('+++\ntitle = "Fähren"\nweight = 1\n+++\nAuf der Fähre.\n')
    assert titles(read_book(site)) == expected
