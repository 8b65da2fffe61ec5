"""Bad input: every mistake in a book stops the build with `error: PATH:LINE: message`,
the right exit status, no traceback, and the previous outputs left exactly as they were."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write_files
from epubcheck_helper import epubcheck_messages

GOOD_ESSAY = """\
+++
title = "On Walking Early"
date = 2023-05-14
weight = 1
+++

The street is still blue at five. A baker props his door open with a sack of flour,
and the smell follows me past the bridge.

That is the whole essay: a door, a smell, a bridge.
"""

SECOND_ESSAY = """\
---
title: Small Rooms
date: 2023-06-02
weight: 2
---

Every flat I have lived in was smaller than the last, and every one held more books.
"""


def write_book(tmp_path: Path, files: dict[str, str | bytes], name: str = "book") -> Path:
    """Write files (text, or raw bytes) into tmp_path/name and return that folder."""
    return write_files(tmp_path / name, files)


def chapbook(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the real command from tmp_path, so the paths it prints are relative to it."""
    return subprocess.run(
        [sys.executable, "-m", "chapbook", *args], capture_output=True, text=True, cwd=tmp_path
    )


def build(tmp_path: Path, source: str = "book", out: str = "out", fmt: str = "epub") -> subprocess.CompletedProcess:
    return chapbook(tmp_path, "build", source, "-o", out, "-q", "--format", fmt)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def assert_bad_input(result: subprocess.CompletedProcess, location: str, fragment: str) -> None:
    """Exit 1, one `error: LOCATION: ...` line that contains fragment, and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"error: {location}: "), result.stderr
    assert fragment in errors[0], result.stderr


def assert_nothing_built(tmp_path: Path, out: str = "out") -> None:
    folder = tmp_path / out
    assert not folder.exists() or os.listdir(folder) == [], os.listdir(folder)


def bad_book(tmp_path: Path, bad: str | bytes) -> None:
    """A good essay first, then the bad one as 02-bad.md, so the message must name the right file."""
    write_book(tmp_path, {"01-good.md": GOOD_ESSAY, "02-bad.md": bad})


# --- front matter that does not parse -------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "line", "fragment"),
    [
        pytest.param(
            '+++\ndate = 2024-01-01\ntitle = "Half a thought\nweight = 2\n+++\n\nBody.\n',
            3, "front matter is not valid TOML", id="toml-unterminated-string",
        ),
        pytest.param(
            # The bad line is the last one before the closing fence.
            '+++\ndate = 2024-01-01\ntitle = "Half a thought\n+++\n\nBody.\n',
            3, "front matter is not valid TOML", id="toml-unterminated-string-last-line",
        ),
        pytest.param(
            '+++\ndate = 2024-01-01\nweight = [1,\n+++\n\nBody.\n',
            3, "front matter is not valid TOML", id="toml-unclosed-array-last-line",
        ),
        pytest.param(
            '+++\ntitle = "Leap"\ndate = 2024-02-30\nweight = 2\n+++\n\nBody.\n',
            3, "front matter is not valid TOML", id="toml-impossible-date",
        ),
        pytest.param(
            "---\ndate: 2024-01-01\ntitle: [unclosed\n---\n\nBody.\n",
            3, "front matter is not valid YAML", id="yaml-unclosed-flow-sequence",
        ),
        pytest.param(
            "---\ntitle: Crooked\n  author: Someone\nweight: 2\n---\n\nBody.\n",
            3, "front matter is not valid YAML: mapping values are not allowed", id="yaml-bad-indentation",
        ),
        pytest.param(
            "---\n- a list\n- not a mapping\n---\n\nBody.\n",
            2, "front matter must be a list of `key: value` lines", id="yaml-not-a-mapping",
        ),
    ],
)
def test_malformed_front_matter_points_at_its_line(tmp_path, bad, line, fragment):
    bad_book(tmp_path, bad)
    result = build(tmp_path)
    assert_bad_input(result, f"book/02-bad.md:{line}", fragment)
    assert_nothing_built(tmp_path)


@pytest.mark.parametrize("fence", ["+++", "---"])
def test_front_matter_never_closed_points_at_line_1(tmp_path, fence):
    separator = "=" if fence == "+++" else ":"
    bad_book(tmp_path, f'{fence}\ntitle {separator} "Open Door"\n\nThe fence above is never shut.\n')
    result = build(tmp_path)
    assert_bad_input(result, "book/02-bad.md:1", f"front matter opened with {fence} is never closed")


def test_file_that_is_not_utf8_points_at_the_bad_byte(tmp_path):
    latin1 = '+++\ntitle = "Cafe Notes"\n+++\nThe caf\xe9 on the corner opens at six.\n'.encode("latin-1")
    assert latin1.count(b"\xe9") == 1
    bad_book(tmp_path, latin1)
    result = build(tmp_path)
    assert_bad_input(result, "book/02-bad.md:4", "is not UTF-8 (byte 0xE9 here)")


# --- front matter that parses but holds a wrong value --------------------------------------------


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        pytest.param('+++\ntitle = "Two"\nweight = "two"\n+++\n\nBody.\n',
                     'weight must be a whole number, got "two"', id="toml-word"),
        pytest.param("---\ntitle: Two\nweight: two\n---\n\nBody.\n",
                     'weight must be a whole number, got "two"', id="yaml-word"),
        pytest.param('+++\ntitle = "Two"\nweight = 2.5\n+++\n\nBody.\n',
                     "weight must be a whole number, got 2.5", id="toml-fraction"),
        pytest.param('+++\ntitle = "Two"\nweight = inf\n+++\n\nBody.\n',
                     "weight must be a whole number", id="toml-infinity"),
        pytest.param("---\ntitle: Two\nweight: .nan\n---\n\nBody.\n",
                     "weight must be a whole number", id="yaml-nan"),
    ],
)
def test_weight_that_is_not_a_whole_number(tmp_path, bad, fragment):
    bad_book(tmp_path, bad)
    result = build(tmp_path)
    assert_bad_input(result, "book/02-bad.md:3", fragment)


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        pytest.param('+++\ntitle = "When"\ndate = "yesterday"\n+++\n\nBody.\n',
                     "date must be a date like 2024-03-09, got 'yesterday'", id="toml-word"),
        pytest.param("---\ntitle: When\ndate: yesterday\n---\n\nBody.\n",
                     "date must be a date like 2024-03-09, got 'yesterday'", id="yaml-word"),
        pytest.param("---\ntitle: When\ndate: 2024-02-30\n---\n\nBody.\n",
                     "date", id="yaml-impossible-date"),
    ],
)
def test_date_that_is_not_a_date(tmp_path, bad, fragment):
    bad_book(tmp_path, bad)
    result = build(tmp_path)
    assert_bad_input(result, "book/02-bad.md:3", fragment)


def test_title_that_is_not_text(tmp_path):
    bad_book(tmp_path, '+++\nweight = 2\ntitle = ["one", "two"]\n+++\n\nBody.\n')
    result = build(tmp_path)
    assert_bad_input(result, "book/02-bad.md:3", "title must be text")


def test_bad_file_given_alone_is_named_as_given(tmp_path):
    bad_book(tmp_path, '+++\ntitle = "Two"\nweight = "two"\n+++\n\nBody.\n')
    result = build(tmp_path, source="book/02-bad.md")
    assert_bad_input(result, "book/02-bad.md:3", 'weight must be a whole number, got "two"')


def test_absolute_source_is_reported_relative_to_cwd(tmp_path):
    bad_book(tmp_path, '+++\ntitle = "Two"\nweight = "two"\n+++\n\nBody.\n')
    result = build(tmp_path, source=str(tmp_path / "book"))
    assert_bad_input(result, "book/02-bad.md:3", 'weight must be a whole number, got "two"')


def test_error_in_a_subfolder_names_the_full_path(tmp_path):
    write_book(tmp_path, {
        "01-good.md": GOOD_ESSAY,
        "part-two/03-deep.md": '+++\ntitle = "Deep"\n\nweight = "three"\n+++\n\nBody.\n',
    })
    result = build(tmp_path)
    assert_bad_input(result, "book/part-two/03-deep.md:4", 'weight must be a whole number, got "three"')


# --- books with nothing to build ------------------------------------------------------------------


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({}, id="empty"),
        pytest.param({"notes.txt": "not an essay\n", "_index.md": "+++\ntitle = \"Section\"\n+++\n",
                      "_drafts/unfinished.md": "# Unfinished\n\nLater.\n"}, id="only-non-essays"),
    ],
)
def test_folder_without_essays(tmp_path, files):
    write_book(tmp_path, files)
    result = build(tmp_path)
    assert_bad_input(result, "book", "holds no Markdown essays")
    assert_nothing_built(tmp_path)


def test_folder_where_every_essay_is_a_draft(tmp_path):
    write_book(tmp_path, {
        "01-one.md": '+++\ntitle = "One"\ndraft = true\n+++\n\nNot yet.\n',
        "02-two.md": "---\ntitle: Two\ndraft: true\n---\n\nNot yet either.\n",
    })
    result = build(tmp_path)
    assert_bad_input(result, "book", "every essay here is a draft")
    assert_nothing_built(tmp_path)


def test_source_that_does_not_exist(tmp_path):
    result = build(tmp_path, source="no-such-book")
    assert_bad_input(result, "no-such-book", "does not exist")
    assert_nothing_built(tmp_path)


# --- book.toml ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "line", "fragment"),
    [
        pytest.param('title = "Essays"\ncolour = "red"\n', 2, 'unknown option "colour"', id="unknown-key"),
        pytest.param('title = "Essays"\nauthor = "A. Writer"\ntrim = "huge"\n', 3,
                     'trim "huge" is not a page size', id="bad-trim"),
        pytest.param('title = 3\n', 1, "title must be text in quotes, got 3", id="not-a-string"),
        pytest.param('title = "Essays"\nauthor = "A. Writer\n', 2, "fix the TOML syntax", id="bad-syntax"),
        pytest.param('title = "Essays"\nauthor = "A. Writer', 2, "fix the TOML syntax",
                     id="bad-syntax-at-end-of-file"),
    ],
)
def test_bad_book_toml_points_at_its_line(tmp_path, config, line, fragment):
    write_book(tmp_path, {"book.toml": config, "01-good.md": GOOD_ESSAY})
    result = build(tmp_path)
    assert_bad_input(result, f"book/book.toml:{line}", fragment)
    assert_nothing_built(tmp_path)


def test_book_toml_that_is_not_utf8(tmp_path):
    write_book(tmp_path, {"book.toml": 'title = "Caf\xe9"\n'.encode("latin-1"), "01-good.md": GOOD_ESSAY})
    result = build(tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert error_lines(result.stderr)[0].startswith("error: book/book.toml")
    assert "UTF-8" in result.stderr


# --- the command line itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        pytest.param(("build", "book", "-o", "out", "--format", "docx"), "invalid choice: 'docx'", id="bad-format"),
        pytest.param((), "required: COMMAND", id="no-subcommand"),
        pytest.param(("make", "book"), "invalid choice: 'make'", id="unknown-subcommand"),
    ],
)
def test_usage_errors_exit_2(tmp_path, args, fragment):
    write_book(tmp_path, {"01-good.md": GOOD_ESSAY})
    result = chapbook(tmp_path, *args)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert "usage: chapbook" in result.stderr
    assert fragment in result.stderr
    assert result.stdout == ""
    assert_nothing_built(tmp_path)


def test_help_exits_0(tmp_path):
    top = chapbook(tmp_path, "--help")
    assert top.returncode == 0, top.stderr
    assert "usage: chapbook" in top.stdout
    assert "build" in top.stdout
    sub = chapbook(tmp_path, "build", "--help")
    assert sub.returncode == 0, sub.stderr
    for word in ("SOURCE", "OUTDIR", "--format", "epub,pdf,all"):
        assert word in sub.stdout, word


# --- a failed build loses nothing ---------------------------------------------------------------


def good_book(tmp_path: Path) -> Path:
    return write_book(tmp_path, {
        "book.toml": 'title = "Good Book"\nauthor = "A. Writer"\n',
        "01-walking.md": GOOD_ESSAY,
        "02-rooms.md": SECOND_ESSAY,
    })


def test_failed_build_leaves_previous_book_untouched(tmp_path):
    good_book(tmp_path)
    first = build(tmp_path, fmt="all")
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out"
    epub, pdf = out / "good-book.epub", out / "good-book.pdf"
    # The book, its warnings and report, and the build cache beside them (where a rebuild takes what did not change).
    assert sorted(os.listdir(out)) == [".chapbook-cache", "good-book-report.html", "good-book-warnings.txt",
                                       "good-book.epub", "good-book.pdf"]
    assert epubcheck_messages(epub) == []  # the book to keep is a good one
    before = {epub: epub.read_bytes(), pdf: pdf.read_bytes()}
    assert before[epub].startswith(b"PK") and before[pdf].startswith(b"%PDF")

    (tmp_path / "book" / "02-rooms.md").write_text(
        "---\ntitle: Small Rooms\nweight: [2\n---\n\nThe edit that broke it.\n", encoding="utf-8"
    )
    second = build(tmp_path, fmt="all")
    assert_bad_input(second, "book/02-rooms.md:3", "front matter is not valid YAML")

    assert epub.read_bytes() == before[epub]
    assert pdf.read_bytes() == before[pdf]
    leftovers = [name for name in os.listdir(out) if name.endswith(".part")]
    assert leftovers == []
    # The book, its warnings and report, and the build cache beside them (where a rebuild takes what did not change).
    assert sorted(os.listdir(out)) == [".chapbook-cache", "good-book-report.html", "good-book-warnings.txt",
                                       "good-book.epub", "good-book.pdf"]


def test_build_never_writes_into_the_source_folder(tmp_path):
    source = good_book(tmp_path)

    def listing() -> list[str]:
        return sorted(str(path.relative_to(source)) for path in source.rglob("*"))

    before = listing()
    result = build(tmp_path, fmt="all")
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "out")) == [".chapbook-cache", "good-book-report.html", "good-book-warnings.txt",
                                                    "good-book.epub", "good-book.pdf"]
    assert listing() == before
