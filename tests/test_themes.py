"""A theme's fonts come from packages; a font that is missing is said, never silently replaced. A theme is
named, not pointed at, and reads nothing outside the book."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from chapbook.config import load_config
from chapbook.errors import ChapbookError
from chapbook.themes import epub_css, load_theme


def make_theme(book: Path, fonts: list[str], css: str) -> None:
    folder = book / "styles" / "mine"
    folder.mkdir(parents=True)
    (folder / "theme.toml").write_text(f'fonts = {fonts!r}\nfallback = "serif"\nshared = ["book.css"]\n'.replace("'", '"'))
    (folder / "book.css").write_text(css)


def test_the_classic_theme_ships_its_fonts_as_files() -> None:
    theme = load_theme("classic", Path("/nonexistent"), Path("book.toml"))
    assert {"EB Garamond", "Dancing Script", "Source Code Pro"} <= set(theme.families)
    assert all(face.path.is_file() for face in theme.faces)
    assert "@font-face" in theme.font_face_css() and "EBGaramond" in theme.font_face_css()


def test_a_font_that_is_not_installed_is_a_warning_naming_it_and_its_fallback(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    make_theme(tmp_path, ["EB Garamond", "Imaginary Grotesk"], "body { font-family: 'EB Garamond', serif; }")
    with caplog.at_level(logging.WARNING, logger="chapbook"):
        theme = load_theme("mine", tmp_path, tmp_path / "book.toml")
    assert theme.families == ("EB Garamond",)
    assert any('"Imaginary Grotesk" is not installed' in m and "falls back to serif" in m for m in caplog.messages)


def test_css_naming_a_font_the_theme_does_not_ship_is_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    make_theme(tmp_path, ["EB Garamond"], "h1 { font-family: \"Comic Neue\", cursive; } p { font-family: serif; }")
    with caplog.at_level(logging.WARNING, logger="chapbook"):
        load_theme("mine", tmp_path, tmp_path / "book.toml")
    assert [m for m in caplog.messages if "Comic Neue" in m]
    assert not [m for m in caplog.messages if '"serif"' in m]


def test_an_unknown_theme_is_an_error_listing_the_themes(tmp_path: Path) -> None:
    with pytest.raises(ChapbookError, match='theme "nope" not found; the themes are: classic'):
        load_theme("nope", tmp_path, tmp_path / "book.toml")


def test_the_theme_knows_which_characters_its_faces_have(tmp_path: Path) -> None:
    coverage = load_theme("classic", tmp_path, tmp_path / "book.toml").coverage
    assert all(ord(char) in coverage["EB Garamond"] for char in "plain “text” – ok ↑")
    assert ord("⚠") not in coverage["EB Garamond"] and ord("😄") not in coverage["EB Garamond"]


@pytest.mark.parametrize("name", ["../../elsewhere", "/home/me/theme", "styles/mine", ".hidden", "mine\\..\\x"])
def test_a_theme_is_a_name_not_a_path(tmp_path: Path, name: str) -> None:
    (tmp_path / "book.toml").write_text(f"title = 'T'\ntheme = '{name}'\n")
    with pytest.raises(ChapbookError, match="not a path") as caught:
        load_config(tmp_path)
    assert caught.value.line == 2


def test_a_theme_folder_linked_outside_the_book_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "theme.toml").write_text('fonts = ["EB Garamond"]\n')
    book = tmp_path / "book"
    (book / "styles").mkdir(parents=True)
    (book / "book.toml").write_text('title = "T"\ntheme = "mine"\n')
    (book / "styles" / "mine").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ChapbookError, match="outside the book folder") as caught:
        load_theme("mine", book, book / "book.toml")
    assert caught.value.line == 2


@pytest.mark.parametrize("listed", ["/etc/hostname", "../../../secret.css", "linked.css", "../../../../../../etc/hostname"])
def test_a_file_a_theme_names_must_be_inside_the_book(tmp_path: Path, listed: str) -> None:
    (tmp_path / "secret.css").write_text("p { color: red; }\n")
    book = tmp_path / "book"
    make_theme(book, ["EB Garamond"], "p { font-family: serif; }")
    theme_file = book / "styles" / "mine" / "theme.toml"
    theme_file.write_text(theme_file.read_text() + f'epub = [\n  "book.css",\n  "{listed}",\n]\n')
    (book / "styles" / "mine" / "linked.css").symlink_to(tmp_path / "secret.css")
    with pytest.raises(ChapbookError, match="leads outside the book folder") as caught:
        load_theme("mine", book, book / "book.toml")
    assert caught.value.line == 6 and str(caught.value.path).endswith("theme.toml")


@pytest.mark.parametrize("settings, line, said", [
    ('fonts = ["EB Garamond"]\nshared = ["book.css"\n', 2, "fix the TOML syntax"),
    ('fonts = ["EB Garamond"]\n\nshared = "book.css"\n', 3, "shared must be a list of names"),
    ('fonts = "EB Garamond"\n', 1, "fonts must be a list of names"),
    ('fonts = []\nfallback = 3\n', 2, "fallback must be a font family"),
    ('fonts = []\nprint = ["book.css", "gone.css"]\n', 2, '"gone.css" is not a file'),
    ('fonts = []\ncover = ["."]\n', 2, '"." is not a file'),
])
def test_theme_toml_mistakes_are_told_at_their_line(tmp_path: Path, settings: str, line: int, said: str) -> None:
    make_theme(tmp_path, [], "p { font-family: serif; }")
    (tmp_path / "styles" / "mine" / "theme.toml").write_text(settings)
    with pytest.raises(ChapbookError, match=re.escape(said)) as caught:
        load_theme("mine", tmp_path, tmp_path / "book.toml")
    assert caught.value.line == line


def test_the_epub_stylesheet_names_no_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "style.css").write_text(
        '@import "a.css";\n@\\69mport url(b.css);\n@font-face { font-family: F; src: url(/f.ttf) format("truetype"); }\n'
        "h1 { background: url(file:///x.png) no-repeat; color: red; }\n"
        "@media print { h2::before { content: \\75rl(y.png); } }\np { background: image-set('z.png' 1x); }\n")
    with caplog.at_level(logging.WARNING, logger="chapbook"):
        theme = load_theme("classic", tmp_path, tmp_path / "book.toml", "style.css")
    book_css = theme.epub_stylesheet[theme.epub_stylesheet.index("@font-face { font-family: F"):]
    assert "url" not in book_css.lower() and "import" not in book_css.lower() and "color: red" in book_css
    assert "a.css" in theme.book_css  # print keeps them: its fetcher decides what they may read
    assert len([m for m in caplog.messages if "left out of the EPUB's stylesheet" in m]) == 6
    assert epub_css("p { color: blue }\n") == "p { color: blue }\n"


def test_links_that_stay_inside_the_book_are_fine(tmp_path: Path) -> None:
    make_theme(tmp_path, ["EB Garamond"], "p { font-family: serif; }")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "house.css").write_text("h1 { color: teal; }\n")
    folder = tmp_path / "styles" / "mine"
    (folder / "linked.css").symlink_to(tmp_path / "shared" / "house.css")
    (folder / "theme.toml").write_text('fonts = ["EB Garamond"]\nshared = ["book.css", "linked.css"]\n')
    (tmp_path / "styles" / "alias").symlink_to(folder, target_is_directory=True)
    theme = load_theme("alias", tmp_path, tmp_path / "book.toml")
    assert "color: teal" in theme.shared_css
