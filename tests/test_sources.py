"""Reading essays: front matter, titles, slugs, drafts and the reading order."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from chapbook.assemble import read_book
from chapbook.errors import ChapbookError
from chapbook.sources import find_essays, read_essay
from hostile import plant_canary


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_toml_front_matter_with_zola_extra(tmp_path: Path) -> None:
    path = write(tmp_path, "01-walk.md", '+++\ntitle = "Walk"\ndate = 2023-04-02\nweight = 3\n'
                 'path = "night/walks"\n[extra]\nfont_class = "diary"\n+++\n\nBody.\n')
    essay = read_essay(path, path)
    assert (essay.title, essay.date, essay.weight, essay.slug, essay.font_class) == \
        ("Walk", dt.date(2023, 4, 2), 3, "walks", "diary")
    assert essay.body.strip() == "Body." and essay.body_line == 9


def test_yaml_front_matter_with_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "bus.md"
    path.write_bytes("\ufeff---\r\ntitle: The Bus\r\ndate: 2022-11-05\r\nweight: '2'\r\nslug: Bus Route\r\n---\r\nText\r\n".encode())
    essay = read_essay(path, path)
    assert (essay.title, essay.date, essay.weight, essay.slug) == ("The Bus", dt.date(2022, 11, 5), 2, "bus-route")


def test_no_front_matter_title_from_first_heading_which_leaves_the_body(tmp_path: Path) -> None:
    path = write(tmp_path, "07-letters.md", "# Letters I Never Sent\n\nDear you.\n")
    essay = read_essay(path, path)
    assert essay.title == "Letters I Never Sent" and "Letters I Never Sent" not in essay.body
    assert essay.slug == "letters"


def test_no_title_anywhere_uses_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "2023-01-05-winter-light.md", "Just text.\n")
    assert read_essay(path, path).title == "Winter light"


def test_discovery_is_recursive_sorted_and_skips_section_files_hidden_and_output(tmp_path: Path) -> None:
    for name in ["b.md", "a/z.md", "a/_index.md", ".git/x.md", "dist/old.md", "_drafts/d.md", "notes.txt"]:
        write(tmp_path, name, "x\n")
    found = find_essays(tmp_path, exclude=(tmp_path / "dist",))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a/z.md", "b.md"]


def test_order_is_weight_then_date_then_title_with_unweighted_last(tmp_path: Path) -> None:
    essays = {
        "e1.md": 'title = "Late tie"\nweight = 2\ndate = 2023-05-01',
        "e2.md": 'title = "Early tie"\nweight = 2\ndate = 2021-01-01',
        "e3.md": 'title = "First"\nweight = 1',
        "e4.md": 'title = "B no weight"\ndate = 2020-01-01',
        "e5.md": 'title = "A no weight"\ndate = 2020-01-01',
        "e6.md": 'title = "Draft"\nweight = 0\ndraft = true',
        "e7.md": 'title = "No date, weight 2"\nweight = 2',
    }
    for name, front in essays.items():
        write(tmp_path, name, f"+++\n{front}\n+++\n\nText.\n")
    book = read_book(tmp_path)
    assert [e.title for e in book.essays] == [
        "First", "Early tie", "Late tie", "No date, weight 2", "A no weight", "B no weight"]


def test_same_slug_twice_gets_distinct_file_names(tmp_path: Path) -> None:
    write(tmp_path, "a/post.md", '+++\ntitle = "One"\nweight = 1\n+++\nx\n')
    write(tmp_path, "b/post.md", '+++\ntitle = "Two"\nweight = 2\n+++\nx\n')
    assert [e.file_name for e in read_book(tmp_path).essays] == ["post.xhtml", "post-2.xhtml"]


def test_an_image_outside_the_book_is_never_read(tmp_path: Path) -> None:
    plant_canary(tmp_path / "outside")  # a real picture: a damaged one would be refused for that alone
    write(tmp_path, "book/essay.md", "![secret](../outside/secret.png)\n\n![also](/../outside/secret.png)\n")
    book = read_book(tmp_path / "book")
    assert book.images == ()
    assert book.essays[0].xhtml.count("missing-image") == 2


def test_a_single_markdown_file_is_a_book(tmp_path: Path) -> None:
    path = write(tmp_path, "one-essay.md", '+++\ntitle = "Alone"\n+++\nText.\n')
    write(tmp_path, "other.md", "Not part of it.\n")
    book = read_book(path)
    assert [e.title for e in book.essays] == ["Alone"] and book.config.title == "Alone"


def test_bad_weight_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "x.md", '+++\ntitle = "X"\nweight = "two"\n+++\n')
    with pytest.raises(ChapbookError) as caught:
        read_essay(path, Path("x.md"))
    assert str(caught.value) == 'x.md:3: weight must be a whole number, got "two"; write one such as 3'


def test_links_between_essays_land_in_the_book(tmp_path: Path) -> None:
    write(tmp_path, "content/walks/_index.md", '+++\ntitle = "Walks"\n+++\n')
    write(tmp_path, "content/walks/night.md", '+++\ntitle = "Night"\nweight = 2\n+++\n\n## The bridge\n\nText.\n')
    write(tmp_path, "content/walks/dawn.md", '+++\ntitle = "Dawn"\nweight = 1\n+++\n\nText.\n')
    write(tmp_path, "content/home.md", '+++\ntitle = "Home"\nweight = 3\n+++\n\n'
          "[a](@/walks/night.md#the-bridge) [b](walks/dawn.md) [c](@/walks/_index.md) [d](@/gone.md) [e](#top)\n")
    book = read_book(tmp_path)
    home = next(e for e in book.essays if e.title == "Home")
    hrefs = re.findall(r'href="([^"]*)"', home.xhtml)
    # d is text now: no such essay; "#top" is the top of the page in HTML, the chapter's start in the book
    assert hrefs == ["#night--the-bridge", "#dawn", "#dawn", "#home"]
    assert re.search(r">c</a> d <a ", home.xhtml)  # the link to nothing keeps its words
    night = next(e for e in book.essays if e.title == "Night")
    assert 'id="night--the-bridge"' in night.xhtml


@pytest.mark.parametrize("files, expected", [
    ({"config.toml": 'base_url = "https://a.example"\ntitle = "Zola Site"\ndefault_language = "fr"\n[extra]\nauthor = "Zed"\n'},
     ("Zola Site", "Zed", "fr")),
    ({"hugo.toml": 'baseURL = "https://b.example"\ntitle = "Hugo Site"\nlanguageCode = "de"\n[params]\nauthor = "Hu"\n'},
     ("Hugo Site", "Hu", "de")),
    ({"_config.yml": "title: Jekyll Site\nlang: es\nauthor:\n  name: Jay\n"}, ("Jekyll Site", "Jay", "es")),
    ({"_config.yml": "title: Jekyll Site\nauthor: Jay\n", "book.toml": 'title = "My Own Title"\n'},
     ("My Own Title", "Jay", "en")),
    ({"config.yaml": "baseURL: https://c.example\ntitle: Hugo Yaml\nlanguageCode: nl\nparams:\n  author: Hy\n"},
     ("Hugo Yaml", "Hy", "nl")),
    ({"hugo.json": '{"baseURL": "https://d.example", "title": "Hugo Json", "languageCode": "it", '
                   '"params": {"author": "Jo"}}'}, ("Hugo Json", "Jo", "it")),
], ids=["zola", "hugo", "jekyll", "book-toml-wins", "hugo-config-yaml", "hugo-json"])
def test_a_sites_settings_give_the_books_title_author_and_language(tmp_path: Path, files: dict, expected: tuple) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    write(tmp_path, "content/post.md", "+++\ntitle = \"Post\"\n+++\nText.\n")
    config = read_book(tmp_path).config
    assert (config.title, config.author, config.language) == expected


def test_a_jekyll_post_takes_its_date_and_slug_from_its_name(tmp_path: Path) -> None:
    path = write(tmp_path, "_posts/2021-03-14-the-long-walk.md", "---\ntitle: The Long Walk\n---\nText.\n")
    essay = read_essay(path, path)
    assert (essay.date, essay.slug) == (dt.date(2021, 3, 14), "the-long-walk")
    dated = write(tmp_path, "_posts/2021-03-15-x.md", "---\ntitle: X\ndate: 2020-01-01\n---\nText.\n")
    assert read_essay(dated, dated).date == dt.date(2020, 1, 1)  # the front matter wins


def test_a_link_to_a_page_left_out_goes_to_the_site_when_its_address_is_known(tmp_path: Path) -> None:
    write(tmp_path, "book.toml", 'base_url = "https://walks.example/"\n')
    write(tmp_path, "home.md", '+++\ntitle = "Home"\n+++\n\n[the map](@/maps/old-map.md#north) and [all maps](@/maps/_index.md)\n')
    home = read_book(tmp_path).essays[0]
    hrefs = re.findall(r'<a href="([^"]*)"', home.xhtml)
    assert hrefs == ["https://walks.example/maps/old-map/#north", "https://walks.example/maps/"]
    assert "xref" not in home.xhtml  # a web link, not a page of the book
