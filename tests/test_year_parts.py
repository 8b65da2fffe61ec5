"""parts = "years": a blog's posts in a part for each year, in the print contents, on the years' own pages
and in the EPUB's navigation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from chapbook.assemble import read_book
from chapbook.errors import ChapbookError
from chapbook.model import NESTED_CONTENTS_LIMIT
from chapbook.themes import load_theme
from chapbook.writers.pdf.print_html import book_html
from conftest import build_book, epub_files, pdf_page_texts, write_files

XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def post(title: str, when: str, body: str, extra: str = "") -> str:
    date = f"date = {when}\n" if when else ""
    return f'+++\ntitle = "{title}"\n{date}{extra}+++\n\n{body}\n'


# Written out of order, one dated only by its address (as rust-blog's posts are), one of no year.
POSTS = {
    "book.toml": 'title = "Field Notes"\nauthor = "Ivo Marsh"\nparts = "years"\n',
    "frost.md": post("First Frost", "2021-11-02", "The frost came early, and the hoses split."),
    "swifts.md": post("The Swifts Return", "2019-05-14", "They arrive the same week every year, screaming."),
    "moths.md": post("Counting Moths", "2019-08-30", "A sheet, a lamp, and a long night of counting."),
    "ice.md": post("Pond Ice", "", "How thick the ice must be before the heron gives up.",
                   'path = "2021/01/09/pond-ice"\n'),
    "about.md": post("About These Notes", "", "What I watch, and from which window."),
    "hedge.md": post("Laying a Hedge", "2020-02-17", "Pleach, stake and bind: a hedge is woven, not planted."),
}
ORDER = ["About These Notes", "2019", "The Swifts Return", "Counting Moths", "2020", "Laying a Hedge",
         "2021", "First Frost", "Pond Ice"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("years")
    return build_book(write_files(folder / "book", POSTS), folder / "dist")


def test_the_years_are_parts_oldest_first(tmp_path: Path) -> None:
    book = read_book(write_files(tmp_path / "book", POSTS))
    assert [(part.title, part.year, part.titles) for part in book.parts] == [
        ("2019", 2019, ("The Swifts Return", "Counting Moths")),
        ("2020", 2020, ("Laying a Hedge",)),
        # Pond Ice's year is in its address; with no date of its own it comes after the year's dated
        # essays, as in the book's usual order (weight, date, title).
        ("2021", 2021, ("First Frost", "Pond Ice")),
    ]
    # The essay of no year comes first, as one no part claims.
    assert [essay.title for essay in book.essays][0] == "About These Notes"


def test_the_print_contents_lists_each_year_with_its_essays_and_pages(built) -> None:
    texts = pdf_page_texts(built.pdf)
    contents = next(text for text in texts if text.startswith("Contents"))
    entries = [re.fullmatch(r"(.+?)[ .]+(\d+)", line.strip()) for line in contents.split("\n")[1:]]
    assert [entry[1] for entry in entries if entry] == ORDER  # each with its page
    page_of = {entry[1]: entry[2] for entry in entries if entry}
    # A year is a part with a page of its own: the year, no "Part One", its essays with their pages.
    openers = [text for text in texts if text.split("\n")[0] in ("2019", "2020", "2021")]
    assert [text.split("\n")[0] for text in openers] == ["2019", "2020", "2021"]
    assert "The Swifts Return" in openers[0] and "Counting Moths" in openers[0] and "Pond Ice" not in openers[0]
    assert not any("Part One" in text for text in texts)
    assert next(line for line in openers[0].split("\n") if line.startswith("The Swifts")).split()[-1] \
        == page_of["The Swifts Return"]


def test_the_epub_nav_nests_each_years_essays(built) -> None:
    nav = etree.fromstring(epub_files(built.epub)["EPUB/nav.xhtml"])
    toc = nav.find(".//x:nav[@epub:type='toc']/x:ol", XHTML)
    entries = []
    for item in toc.findall("x:li", XHTML):
        label = "".join(item.find("x:a", XHTML).itertext()).strip()
        inner = item.find("x:ol", XHTML)
        entries.append((label, [("".join(a.itertext()).strip()) for a in inner.iterfind("x:li/x:a", XHTML)]
                        if inner is not None else None))
    assert entries == [("About These Notes", None), ("2019", ["The Swifts Return", "Counting Moths"]),
                       ("2020", ["Laying a Hedge"]), ("2021", ["First Frost", "Pond Ice"])]


def test_a_long_blogs_contents_names_the_years_and_each_year_lists_its_posts(tmp_path: Path) -> None:
    count = NESTED_CONTENTS_LIMIT + 5
    dates = {n: f"{2010 + n % 4}-0{1 + n % 9}-1{n % 10}" for n in range(count)}
    posts = {f"post-{n:03}.md": post(f"Post {n}", dates[n], "Short.") for n in range(count)}
    book = read_book(write_files(tmp_path / "book", {"book.toml": 'parts = "years"\n', **posts}))
    root = book_html(book, load_theme("classic", book.root, book.root / "book.toml"))
    contents = root.find(".//nav[@class='contents']")
    assert ["".join(a.itertext()) for a in contents.iter("a")] == ["2010", "2011", "2012", "2013"]
    lists = {part.get("id"): ["".join(a.itertext()) for a in part.iterfind(".//ol[@class='part-contents']/li/a")]
             for part in root.iterfind(".//section[@role='doc-part']")}
    assert sum(len(titles) for titles in lists.values()) == count
    # 2010's posts, in the book's order: by date
    assert lists["part-1"] == [f"Post {n}" for n in sorted((n for n in dates if n % 4 == 0), key=dates.get)]
    assert all(a.get("data-page") is not None for a in root.iterfind(".//ol[@class='part-contents']/li/a"))


def test_parts_must_be_sections_years_or_tables(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "book", {**POSTS, "book.toml": 'title = "X"\nparts = "months"\n'})
    with pytest.raises(ChapbookError) as caught:
        read_book(folder)
    assert caught.value.line == 2 and '"years"' in caught.value.message
