"""Hostile input, catalogue items 2 and 4 (the harness and the oracle are in hostile.py).

2. Denial of service: input built to exhaust the parsers or the machine ends in time with a clear
   message naming the file, or makes a sane book (the limits, and why, are in chapbook/limits.py):
   - lists, blockquotes, raw HTML and paired shortcodes nested 10,000 deep: flattened past a depth,
     with a warning, and the book is made;
   - a 100,000-row table and one 5 MB paragraph: refused at their line, with their size and the limit;
   - 50,000 backticks, brackets, emphasis markers: the book is made, in linear time (a run with no
     space gets a place to break every 20 characters: WeasyPrint laid out the rest of it for each line);
   - a picture of 30,000 x 30,000 pixels (a PNG whose header says so) in an essay: left out with a
     warning saying it is too large, its size and the limit (not "damaged");
   - a PNG decompression bomb (a few kB that decode to 400 million pixels) as book.toml's cover: refused;
   - a "billion laughs" YAML front matter: refused, its aliases named;
   - arrays nested 10,000 deep in TOML front matter, book.toml and YAML front matter: refused;
   - `@page { size: 100000in }` and `font-size: 1e9px` in the book's stylesheet: refused, at their line.
4. Front matter and encoding:
   - a byte-order mark, CRLF and CR-only line ends, in TOML and YAML: the front matter is read (the
     chapter's title is the one it gives);
   - front matter that is a bare scalar: refused (a list is in test_bad_input.py, as are an unclosed
     fence, an impossible date in TOML and YAML, and Latin-1 text);
   - a YAML tag that would run a command: nothing runs, and the message names the tag;
   - YAML 1.1's surprises: `title: no` is the title "no", `title: 1.10` the title "1.10" (where text is
     wanted, the scalar as written; `draft: yes` stays true, as Jekyll reads it);
   - Windows-1252 and UTF-16 text: refused at the file and line, saying which encoding it looks like;
   - a theme whose theme.toml is malformed or whose stylesheet is not UTF-8, and a book stylesheet
     that is not UTF-8: refused at the file and line, not a traceback.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from lxml import etree

from hostile import Outcome, build_hostile, check_oracle, essay, plant_canary, write_book

ESSAY = "01-deep.md"


def build(tmp_path: Path, files: dict[str, str | bytes], **oracle) -> Outcome:
    """Write a book beside a canary, build it under the harness's limits, and assert the oracle."""
    canary = plant_canary(tmp_path / "outside")
    book = write_book(tmp_path / "book", files)
    outcome = build_hostile(book, tmp_path / "out", "-v")
    check_oracle(outcome, canary, **oracle)
    return outcome


def refused(tmp_path: Path, files: dict[str, str | bytes], names: str, *fragments: str) -> str:
    """Build a book that must be refused with a message naming `names`; return the error line."""
    outcome = build(tmp_path, files, names=names)
    assert outcome.returncode == 1, outcome.stderr[-3000:]
    error = next(line for line in outcome.stderr.splitlines() if line.startswith("error: "))
    assert len(error) < 1000, "an error message should be a line, not the input"
    for fragment in fragments:
        assert fragment in error, error
    return error


NOT_CHAPTERS = {"cover", "titlepage", "copyright", "dedication", "epigraph", "backmatter", "nav"}


def chapter_titles(epub: Path) -> list[str]:
    with zipfile.ZipFile(epub) as archive:
        pages = [archive.read(name).decode() for name in sorted(archive.namelist())
                 if name.endswith(".xhtml") and Path(name).stem not in NOT_CHAPTERS]
    return [re.search(r"<title>(.*?)</title>", page)[1] for page in pages]


def warnings_of(outcome: Outcome) -> list[str]:
    return [line for line in outcome.stderr.splitlines() if line.startswith("warning: ")]


def png(width: int, height: int, rows: bytes | None = None) -> bytes:
    """A 1-bit greyscale PNG of this size; rows None: only the header and an empty image stream, so a
    picture of any size costs a few bytes (what a hostile header looks like)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows or zlib.compress(b"")) + chunk(b"IEND", b"")


def png_bomb(side: int) -> bytes:
    """A whole, valid white PNG of side x side pixels, a few kB long: every row compresses to nothing."""
    row = b"\x00" + b"\xff" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row * 1000) for _ in range(side // 1000)) + packer.flush()
    return png(side, side, data)


# --- 2. denial of service -------------------------------------------------------------------------

DEPTH = 10_000

# Each kind of nesting, and the words after it, which must survive too.
DEEP = {
    "lists": ("- " * DEPTH + "the bottom\n\nAfter the list.", "After the list."),
    "blockquotes": ("> " * DEPTH + "the bottom\n\nAfter the quotation.", "After the quotation."),
    "raw-html": ("<div>" * DEPTH + "the bottom" + "</div>" * DEPTH + "\n\nAfter the divisions.", "After the divisions."),
    # Written tight, to stay within the longest paragraph chapbook sets (200,000 characters).
    "zola-shortcodes": ("{%n()%}\n" * DEPTH + "the bottom\n" + "{%end%}\n" * DEPTH + "\nAfter the notes.", "After the notes."),
    "hugo-shortcodes": ("A line " + "{{<m>}}" * DEPTH + "the bottom" + "{{</m>}}" * DEPTH + " ends.", "ends."),
}


def chapters(epub: Path) -> dict[str, str]:
    """Each chapter's words by its file's stem (the essay's name less its number); the page list's
    markers, which may fall inside a word, and the zero-width spaces long runs get, left out."""
    with zipfile.ZipFile(epub) as archive:
        return {Path(name).stem: "".join(etree.fromstring(archive.read(name)).itertext()).replace("\u200b", "")
                for name in archive.namelist() if name.endswith(".xhtml") and Path(name).stem not in NOT_CHAPTERS}


def test_nesting_ten_thousand_deep_is_flattened_with_a_warning(tmp_path):
    # One book, an essay for each kind: a build a case would be most of this file's time.
    files = {f"{number:02}-{kind}.md": essay(kind, body, number) for number, (kind, (body, _)) in enumerate(DEEP.items())}
    outcome = build(tmp_path, files, must_succeed=True)
    pages = chapters(outcome.epub)
    for kind, (_, after) in DEEP.items():
        assert [line for line in warnings_of(outcome) if f"-{kind}.md" in line and "nested" in line], kind
        assert "the bottom" in pages[kind] and after in pages[kind], kind


@pytest.mark.parametrize(("body", "size"), [
    pytest.param("| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 100_000, "1,000,020 characters", id="table-of-100000-rows"),
    pytest.param("All work and no play makes Jack a dull boy. " * 120_000, "5,280,001 characters", id="paragraph-of-5-MB"),
])
def test_a_block_too_long_to_lay_out_is_refused_with_its_size(tmp_path, body, size):
    refused(tmp_path, {ESSAY: essay("Long", body)}, f"{ESSAY}:6", size, "200,000")


def test_long_runs_of_markdown_punctuation_make_a_book(tmp_path):
    # 50,000 of each, a paragraph each: the parser stays linear, and the layout too (a run with no
    # space gets places to break; before, WeasyPrint laid out the rest of the run for each line).
    runs = ["`", "[", "*", "_"]
    outcome = build(tmp_path, {f"{number:02}-run.md": essay(f"Run {number}", f"Before. {run * 50_000} after.", number)
                               for number, run in enumerate(runs)}, must_succeed=True)
    assert all("Before." in words and "after." in words for words in chapters(outcome.epub).values())


def test_a_picture_of_thirty_thousand_pixels_square_is_too_large_not_damaged(tmp_path):
    outcome = build(tmp_path, {ESSAY: essay("Wall", "![a wall](wall.png)"), "wall.png": png(30_000, 30_000)},
                    must_succeed=True)
    said = [line for line in warnings_of(outcome) if "wall.png" in line]
    assert said and "damaged" not in said[0], outcome.stderr[-3000:]
    assert "30000 x 30000 pixels" in said[0] and "89,478,485" in said[0], said[0]


def test_a_decompression_bomb_as_the_cover_is_refused(tmp_path):
    config = 'title = "Bomb"\ncover = "cover.png"\n'
    bomb = png_bomb(20_000)
    assert len(bomb) < 100_000  # 400 million pixels in a few kB
    refused(tmp_path, {"book.toml": config, ESSAY: essay("Cover", "Text."), "cover.png": bomb},
            "book.toml:2", "20000 x 20000 pixels", "too large")


BILLION_LAUGHS = "---\ntitle: Laughs\n" + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 10)) + "author: *a9\nweight: *a9\n---\n\nHa.\n"


def test_a_billion_laughs_in_yaml_front_matter_is_refused(tmp_path):
    refused(tmp_path, {ESSAY: BILLION_LAUGHS}, f"{ESSAY}:4", "aliases")


@pytest.mark.parametrize(("name", "text", "line"), [
    pytest.param(ESSAY, '+++\ntitle = "Deep"\na = ' + "[" * DEPTH + "]" * DEPTH + "\n+++\n\nText.\n", 3,
                 id="toml-front-matter"),
    pytest.param("book.toml", 'title = "Deep"\na = ' + "[" * DEPTH + "]" * DEPTH + "\n", 2, id="book-toml"),
    pytest.param(ESSAY, "---\ntitle: Deep\na: " + "[" * DEPTH + "]" * DEPTH + "\n---\n\nText.\n", 3,
                 id="yaml-front-matter"),
])
def test_arrays_nested_ten_thousand_deep_are_refused(tmp_path, name, text, line):
    files = {ESSAY: essay("Plain", "Text."), name: text}
    refused(tmp_path, files, f"{name}:{line}", "nested")


@pytest.mark.parametrize(("css", "fragment"), [
    ("p { margin: 0 }\n@page {\n  size: 100000in 9in;\n}\n", "100000in"),
    ("p {\n  font-size: 1e9px;\n}\n", "1e9px"),
])
def test_absurd_sizes_in_the_book_stylesheet_are_refused_at_their_line(tmp_path, css, fragment):
    line = css.split("\n").index(next(row for row in css.split("\n") if fragment in row)) + 1
    files = {"book.toml": 'title = "Big"\nstylesheet = "big.css"\n', ESSAY: essay("Plain", "Text."), "big.css": css}
    refused(tmp_path, files, f"big.css:{line}", fragment)


# --- 4. front matter and encoding -------------------------------------------------------------------

def test_byte_order_marks_and_line_ends_keep_the_front_matter(tmp_path):
    fronts = {"toml": '+++\ntitle = "{title}"\n+++\n\nThe body.\n', "yaml": "---\ntitle: {title}\n---\n\nThe body.\n"}
    ways = {"bom": ("\ufeff", "\n"), "crlf": ("", "\r\n"), "cr": ("", "\r"), "bom-cr": ("\ufeff", "\r")}
    files = {f"{way}-{kind}.md": (bom + front.format(title=f"Title {way} {kind}").replace("\n", newline)).encode()
             for way, (bom, newline) in ways.items() for kind, front in fronts.items()}
    outcome = build(tmp_path, files, must_succeed=True)
    assert sorted(chapter_titles(outcome.epub)) == sorted(f"Title {way} {kind}" for way in ways for kind in fronts)


def test_front_matter_that_is_a_bare_scalar_is_refused(tmp_path):
    refused(tmp_path, {ESSAY: "---\njust a sentence\n---\n\nBody.\n"}, f"{ESSAY}:2", "key: value")


def test_a_yaml_tag_that_would_run_a_command_runs_nothing(tmp_path):
    touched = tmp_path / "touched"
    front = f'---\ntitle: Tagged\nweight: !!python/object/apply:os.system ["touch {touched}"]\n---\n\nBody.\n'
    refused(tmp_path, {ESSAY: front}, f"{ESSAY}:3", "!!python/object/apply:os.system")
    assert not touched.exists()


def test_yaml_scalars_where_text_is_wanted_are_the_text_as_written(tmp_path):
    written = ["no", "1.10", "On", "2024-01-01"]
    files = {f"{number:02}-scalar.md": f"---\ntitle: {title}\nweight: {number}\n---\n\nBody.\n"
             for number, title in enumerate(written)}
    files["99-draft.md"] = "---\ntitle: Unfinished\ndraft: yes\n---\n\nBody.\n"  # yes is still true here
    outcome = build(tmp_path, files, must_succeed=True)
    assert sorted(chapter_titles(outcome.epub)) == sorted(written)


@pytest.mark.parametrize(("data", "line", "fragment"), [
    pytest.param('+++\ntitle = "Quotes"\n+++\n\nShe said \u201cno\u201d.\n'.encode("cp1252"), 5, "Windows-1252",
                 id="cp1252"),
    pytest.param('+++\ntitle = "Wide"\n+++\n\nText.\n'.encode("utf-16"), 1, "UTF-16", id="utf-16"),
])
def test_text_in_another_encoding_is_refused_saying_which(tmp_path, data, line, fragment):
    refused(tmp_path, {ESSAY: data}, f"{ESSAY}:{line}", fragment, "UTF-8")


def own_theme(toml: str | bytes, css: str | bytes = "p { margin: 0 }\n") -> dict[str, str | bytes]:
    return {"book.toml": 'title = "Themed"\ntheme = "mine"\n', ESSAY: essay("Plain", "Text."),
            "styles/mine/theme.toml": toml, "styles/mine/mine.css": css}


@pytest.mark.parametrize(("files", "names", "fragment"), [
    pytest.param(own_theme('fonts = ["EB Garamond"]\nshared = ["mine.css"\n'), "styles/mine/theme.toml:2", "TOML",
                 id="malformed-theme-toml"),
    pytest.param(own_theme('fonts = ["EB Garamond"]\nshared = ["mine.css"]\n', "p {}\n/* caf\xe9 */\n".encode("cp1252")),
                 "styles/mine/mine.css:2", "UTF-8", id="theme-stylesheet-not-utf8"),
    pytest.param({"book.toml": 'title = "Own"\nstylesheet = "own.css"\n', ESSAY: essay("Plain", "Text."),
                  "own.css": "p {}\n\n/* \xa9 2024 */\n".encode("latin-1")}, "own.css:3", "UTF-8",
                 id="book-stylesheet-not-utf8"),
])
def test_theme_and_stylesheet_files_that_do_not_parse_are_named_at_their_line(tmp_path, files, names, fragment):
    refused(tmp_path, files, names, fragment)
