"""`chapbook new`: a book.toml that knows what chapbook found in a site (checked against the sites'
own settings and files), every other option at its default, never a file overwritten, and a book
that builds; without a site, a starter book of two essays, one opening with a verse epigraph."""

from __future__ import annotations

import logging
import re
import shutil
import tomllib
import zipfile
from dataclasses import fields
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from conftest import ROOT, build_book, epub_files, run_chapbook
from chapbook.config import CONFIG_NAME, BookConfig, load_config
from chapbook.errors import WarningLog
from chapbook.starter import toml_value

FIXTURES = ROOT / "tests" / "fixtures"
CORPORA = ROOT.parent / "shared" / "corpora"


def copy_site(source: Path, to: Path) -> Path:
    """A site's settings and its Markdown pages, copied: chapbook new writes into the site."""
    def pictures_and_the_rest(folder: str, names: list[str]) -> list[str]:
        return [name for name in names if not (Path(folder, name).is_dir() or name.endswith((".md", ".markdown"))
                                               or name in ("config.toml", "hugo.toml", "_config.yml"))]
    return Path(shutil.copytree(source, to / source.name, ignore=pictures_and_the_rest))


def new(*args: str | Path, cwd: Path | None = None):
    return run_chapbook("new", *map(str, args), cwd=cwd)


def written_settings(book: Path) -> dict:
    return tomllib.loads((book / CONFIG_NAME).read_text(encoding="utf-8"))


def loaded_quietly(book: Path) -> BookConfig:
    """load_config, which must say nothing: no error, no warning."""
    heard = WarningLog()
    logger = logging.getLogger("chapbook")
    logger.addHandler(heard)
    try:
        config = load_config(book)
    finally:
        logger.removeHandler(heard)
    assert heard.warnings == []
    return config


def listed_sections(text: str) -> dict[str, int]:
    """The sections book.toml's header lists, with their essays."""
    header = text.split("\n\n")[0]
    return {name: int(count) for name, count in re.findall(r"(?m)^#     (\S+)\s+(\d+)$", header)}


def pages_of(content: Path, folder: str = "") -> list[Path]:
    """A Zola site's published pages, counted from the files: every .md but the sections' _index.md and drafts."""
    return [path for path in (content / folder).rglob("*.md") if path.name != "_index.md"
            and not re.search(r"(?m)^draft\s*=\s*true", path.read_text(encoding="utf-8"))]


# What each site's own settings say (read by eye from hugo.toml, _config.yml, config.toml), and how its
# essays fall into sections.
SITES = {
    "hugo-site": (FIXTURES, {"title": "Letters from Hollow Lane", "author": "Ines Calloway", "language": "en-us",
                             "base_url": "https://hollow-lane.example/"},
                  {"posts": 3}),
    "jekyll-site": (FIXTURES, {"title": "The Long Table", "author": "Tomas Reyes", "language": "en-GB",
                               "base_url": "https://longtable.example"},
                    {"(top)": 2}),
    "zola-docs": (CORPORA, {"title": "Zola", "author": "Vincent Prouillet", "language": "en",
                            "base_url": "https://www.getzola.org/"}, None),
    "rust-blog": (CORPORA, {"title": "Rust Blog", "language": "en", "base_url": "https://blog.rust-lang.org"}, None),
    "jekyll-news": (CORPORA, {"title": "Jekyll • Simple, blog-aware, static sites", "language": "en",
                              "base_url": "https://jekyllrb.com"}, {"(top)": 102}),
}


@pytest.mark.parametrize("name", SITES)
def test_new_writes_what_it_found_in_the_site(name: str, tmp_path: Path) -> None:
    where, settings, sections = SITES[name]
    site = copy_site(where / name, tmp_path)
    result = new(site)
    assert result.returncode == 0, result.stderr
    assert {Path(line) for line in result.stdout.split()} == {site / CONFIG_NAME, site / "styles" / "book.css"}

    written = written_settings(site)
    assert {key: written.get(key) for key in settings} == settings
    assert "author" in settings or "author" not in written  # no author made up where the site names none
    assert written["stylesheet"] == "styles/book.css"
    text = (site / CONFIG_NAME).read_text(encoding="utf-8")
    generator = {"hugo-site": "Hugo", "jekyll-site": "Jekyll", "jekyll-news": "Jekyll"}.get(name, "Zola")
    assert f"a {generator} site" in text.splitlines()[0]

    if sections is None:  # a Zola site: its pages counted from the files, section by section
        content = site / "content"
        sections = {folder.relative_to(content).as_posix(): len(pages_of(content, folder.relative_to(content).as_posix()))
                    for folder in content.glob("documentation/*") if folder.is_dir()} if name == "zola-docs" else \
            {"inside-rust": len(pages_of(content, "inside-rust")), "releases": len(pages_of(content, "releases"))}
        if name == "rust-blog":
            sections["(top)"] = len(pages_of(content)) - sum(sections.values())
    assert listed_sections(text) == sections

    config = loaded_quietly(site)  # the written book.toml reads back without a word, to the same values
    assert {key: getattr(config, key) for key in settings} == settings


def test_new_says_which_pages_it_left_out_and_why(tmp_path: Path) -> None:
    hugo = copy_site(FIXTURES / "hugo-site", tmp_path)
    jekyll = copy_site(FIXTURES / "jekyll-site", tmp_path)
    assert new(hugo).returncode == new(jekyll).returncode == 0
    hugo_text = (hugo / CONFIG_NAME).read_text(encoding="utf-8")
    assert "#     content/posts/unfinished.md: a draft (draft = true)" in hugo_text
    assert "#     content/posts/shopping-list.md: never rendered by the site" in hugo_text
    jekyll_text = (jekyll / CONFIG_NAME).read_text(encoding="utf-8")
    assert "#     _drafts/seconds.md: a draft (in _drafts/)" in jekyll_text
    assert "#     about.md: a page, not a post" in jekyll_text
    assert "Left out: 2 pages" in hugo_text and "Left out: 2 pages" in jekyll_text


def test_every_other_option_is_there_at_its_default_under_its_doc(tmp_path: Path) -> None:
    site = copy_site(FIXTURES / "jekyll-site", tmp_path)
    assert new(site).returncode == 0
    text = (site / CONFIG_NAME).read_text(encoding="utf-8")
    written = written_settings(site)
    for declared in fields(BookConfig):  # options added to config.py appear without a change here
        assert re.search(rf"(?m)^(# )?{declared.name} = ", text), f"{declared.name} is missing"
        first_words = " ".join(declared.metadata["doc"].split()[:4])
        assert f"# {first_words}" in text, f"the doc of {declared.name} is missing"
    # Every commented option, uncommented, is the default: the book reads the same.
    uncommented = re.sub(r"(?m)^# (\w+ = )", r"\1", text)
    assert len(tomllib.loads(uncommented)) == len(fields(BookConfig))
    (site / CONFIG_NAME).write_text(uncommented, encoding="utf-8")
    assert loaded_quietly(site) == BookConfig(**{**written, "stylesheet": "styles/book.css"})


@pytest.mark.parametrize("value", ['say "when"', "back\\slash", "two\nlines\tand a tab", "del\x7fete", "bell\x07",
                                   "line\u2028separator", "ünïcödé ✶ 🌙", ["a", 'b"c'], {"journal": "diary"}, True, 16])
def test_values_are_written_as_toml_reads_them(value) -> None:
    assert tomllib.loads(f"key = {toml_value(value)}\n")["key"] == value


def test_an_existing_book_toml_is_never_touched(tmp_path: Path) -> None:
    site = copy_site(FIXTURES / "hugo-site", tmp_path)
    mine = b'title = "My Own"\n# my notes, \xe2\x80\x94 kept\n'
    (site / CONFIG_NAME).write_bytes(mine)
    result = new(site)
    assert result.returncode == 1
    assert "book.toml: already exists" in result.stderr and "never overwrites" in result.stderr
    assert "Traceback" not in result.stderr
    assert (site / CONFIG_NAME).read_bytes() == mine
    assert not (site / "styles").exists()  # refused whole: nothing else written either

    starter = tmp_path / "starter"
    assert new("-o", starter).returncode == 0
    before = {path: path.read_bytes() for path in starter.rglob("*") if path.is_file()}
    again = new("-o", starter)
    assert again.returncode == 1 and again.stdout == ""
    assert {path: path.read_bytes() for path in starter.rglob("*") if path.is_file()} == before


def test_a_stylesheet_already_there_is_kept_and_not_taken_for_the_books(tmp_path: Path) -> None:
    site = copy_site(FIXTURES / "jekyll-site", tmp_path)
    (site / "styles").mkdir()
    (site / "styles" / "book.css").write_text("body { color: red; }\n")
    result = new(site)
    assert result.returncode == 0
    assert (site / "styles" / "book.css").read_text() == "body { color: red; }\n"
    assert "left as it was" in result.stderr
    assert "stylesheet" not in written_settings(site)
    loaded_quietly(site)


def test_a_site_and_another_book_folder_is_a_command_line_mistake(tmp_path: Path) -> None:
    site = copy_site(FIXTURES / "hugo-site", tmp_path)
    result = new(site, "-o", tmp_path / "elsewhere")
    assert result.returncode == 2
    assert "a book of a site is the site's own folder" in result.stderr
    assert not (site / CONFIG_NAME).exists() and not (tmp_path / "elsewhere").exists()


def test_a_site_named_that_holds_no_essays_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = new(tmp_path / "empty")
    assert result.returncode == 1 and "holds no Markdown essays" in result.stderr
    assert list((tmp_path / "empty").iterdir()) == []


def test_the_written_book_toml_builds(tmp_path: Path) -> None:
    site = copy_site(FIXTURES / "hugo-site", tmp_path)
    shutil.copy(FIXTURES / "hugo-site/content/posts/kettle/kettle.jpg", site / "content/posts/kettle")
    result = new(site)
    assert result.returncode == 0
    built = build_book(site, tmp_path / "dist")
    opf = next(text for name, text in epub_files(built.epub).items() if name.endswith(".opf"))
    assert b"<dc:title>Letters from Hollow Lane</dc:title>" in opf
    assert b"Ines Calloway" in opf
    assert "3 chapters" in built.stderr


def test_the_starter_book_builds_with_two_chapters_and_an_epigraph(tmp_path: Path) -> None:
    book = tmp_path / "my-essays"
    result = new("-o", book, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(path.relative_to(book).as_posix() for path in book.rglob("*") if path.is_file()) == [
        "01-first-light.md", "02-the-long-way-round.md", "book.toml", "styles/book.css"]
    assert "chapbook build my-essays -o dist" in result.stderr
    assert written_settings(book)["title"] == "My Essays"

    built = build_book(book, tmp_path / "dist")
    assert "2 chapters" in built.stderr
    chapters = {name: text for name, text in epub_files(built.epub).items()
                if name.endswith(".xhtml") and b"chapter-epigraph" in text}
    assert len(chapters) == 1
    epigraph = etree.fromstring(next(iter(chapters.values()))).xpath(
        "//*[contains(concat(' ', @class, ' '), ' chapter-epigraph ')]")[0]
    text = " ".join("".join(epigraph.itertext()).split())
    assert "The hill puts on its coat of grey" in text and "A rhyme for getting up" in text
    pages = [page.extract_text() or "" for page in pypdf.PdfReader(built.pdf).pages]
    assert any("First Light" in page and "coat of grey" in page for page in pages)
    assert any("The Long Way Round" in page for page in pages)


def test_help_lists_the_writers_loop_in_order() -> None:
    result = run_chapbook("--help")
    listed = re.findall(r"(?m)^    (\w+)\s", result.stdout)
    loop = ["new", "serve", "build", "proof", "check", "cover"]
    assert [command for command in listed if command in loop] == [command for command in loop if command in listed]
    assert listed[0] == "new" and {"build", "check", "cover"} <= set(listed)
