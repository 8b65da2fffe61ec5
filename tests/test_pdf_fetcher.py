"""While WeasyPrint lays out pages it may read the book's images, its theme and its fonts: nothing else."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PIL import Image

from chapbook.assemble import read_book
from chapbook.writers.pdf.fetcher import VIRTUAL_BASE, BookFetcher
from chapbook.themes import load_theme
from hostile import plant_canary


@pytest.fixture()
def fetcher(tmp_path: Path) -> BookFetcher:
    Image.new("RGB", (4, 4), "white").save(tmp_path / "pic.png")  # a real picture: damaged ones are refused
    (tmp_path / "essay.md").write_text("![a picture](pic.png)\n")
    book = read_book(tmp_path)
    return BookFetcher(book, load_theme("classic", tmp_path, tmp_path / "book.toml"))


def test_serves_the_books_image_the_theme_and_its_fonts(fetcher: BookFetcher) -> None:
    assert fetcher.fetch(VIRTUAL_BASE + "images/pic.png").read().startswith(b"\x89PNG")
    theme_file = next(fetcher.folders[0].glob("*.css"))
    assert fetcher.fetch(theme_file.as_uri()).read() == theme_file.read_bytes()
    font = next(fetcher.folders[1].glob("*.ttf"))
    assert len(fetcher.fetch(font.as_uri()).read()) > 10_000


@pytest.mark.parametrize("url", [
    "file:///etc/hostname",
    VIRTUAL_BASE + "../etc/hostname",
    VIRTUAL_BASE + "images/not-registered.png",
    "https://example.com/tracker.png",
    "http://127.0.0.1/",
    "data:text/plain,hello",
])
def test_refuses_everything_else(fetcher: BookFetcher, url: str) -> None:
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_refuses_a_theme_path_that_climbs_out(fetcher: BookFetcher) -> None:
    climbing = fetcher.folders[0].as_uri() + "/../../../../etc/hostname"
    with pytest.raises(ValueError):
        fetcher.fetch(climbing)


@pytest.mark.parametrize("url", [
    "file://localhost/etc/hostname",
    VIRTUAL_BASE + "%2e%2e/%2e%2e/etc/hostname",
    "file:///dev/zero",
    "ftp://127.0.0.1/x.png",
])
def test_refuses_the_other_spellings_of_outside(fetcher: BookFetcher, url: str) -> None:
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_refuses_a_link_in_the_books_theme_to_a_file_outside(tmp_path: Path) -> None:
    plant_canary(tmp_path / "outside")
    book = tmp_path / "book"
    (book / "styles" / "mine").mkdir(parents=True)
    (book / "styles" / "mine" / "theme.toml").write_text('fonts = ["EB Garamond"]\n')
    (book / "styles" / "mine" / "own.png").write_bytes((tmp_path / "outside" / "secret.png").read_bytes())
    (book / "styles" / "mine" / "linked.png").symlink_to(tmp_path / "outside" / "secret.png")
    (book / "essay.md").write_text("Text.\n")
    theme = load_theme("mine", book, book / "book.toml")
    fetcher = BookFetcher(read_book(book), theme)
    assert fetcher.fetch((theme.folder / "own.png").as_uri()).read().startswith(b"\x89PNG")
    with pytest.raises(ValueError):
        fetcher.fetch((theme.folder / "linked.png").as_uri())


def test_a_refused_data_url_is_named_briefly(fetcher: BookFetcher, caplog: pytest.LogCaptureFixture) -> None:
    huge = "data:image/png;base64," + "A" * (3 * 1024 * 1024)
    with caplog.at_level(logging.WARNING, logger="chapbook"), pytest.raises(ValueError) as refused:
        fetcher.fetch(huge)
    assert len(str(refused.value)) < 200 and all(len(message) < 300 for message in caplog.messages)
