"""A theme's fonts come from packages; a font that is missing is said, never silently replaced."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from chapbook.errors import ChapbookError
from chapbook.themes import load_theme


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
