"""The build cache: a damaged or foreign entry is made again, never trusted; an EPUB written from a warm
cache is the one written without it, made without subsetting a font or converting a picture again."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image as Picture

from chapbook import __version__
from chapbook.assemble import read_book
from chapbook.cache import BuildCache, content_key
from chapbook.config import CONFIG_NAME
from chapbook.errors import WarningLog, log
from chapbook.media import pictures
from chapbook.model import Image
from chapbook.themes import FontFace, Theme, load_theme
from chapbook.writers.cover import front as cover_front
from chapbook.writers.epub import EpubFonts, fonts as epub_fonts, write_epub
from cmyk_profile import cmyk_profile

PAYLOAD = b"a result that took long to make\n" * 100


def calls(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[tuple]:
    """Count the calls to module.name (the function still runs)."""
    made: list[tuple] = []
    original = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        made.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return made


def truncated(entry: bytes) -> bytes:
    return entry[:-7]


def from_another_version(entry: bytes) -> bytes:
    header, _, payload = entry.partition(b"\n")
    magic, version, digest = header.split(b" ")
    assert version == __version__.encode()
    return b" ".join((magic, b"0.0.0-other", digest)) + b"\n" + payload


def damaged(entry: bytes) -> bytes:
    return entry[:-1] + bytes([entry[-1] ^ 0x20])


@pytest.mark.parametrize("spoil", [truncated, from_another_version, damaged])
def test_a_spoilt_entry_is_ignored_and_made_again(tmp_path: Path, spoil: Callable[[bytes], bytes]) -> None:
    cache = BuildCache(tmp_path)
    key = content_key("test", "spoilt")
    entry = cache.put("results", key, PAYLOAD)
    assert cache.get("results", key) == PAYLOAD
    entry.write_bytes(spoil(entry.read_bytes()))
    assert cache.get("results", key) is None
    made = []
    assert cache.remember("results", key, lambda: made.append(1) or PAYLOAD) == PAYLOAD
    assert made == [1]
    assert BuildCache(tmp_path).get("results", key) == PAYLOAD  # and the good entry is back in place


def test_without_reuse_nothing_is_read_back(tmp_path: Path) -> None:
    key = content_key("test", "no reuse")
    BuildCache(tmp_path).put("results", key, PAYLOAD)
    assert BuildCache(tmp_path, reuse=False).get("results", key) is None


WRITER = """
import sys
from pathlib import Path
from chapbook.cache import BuildCache
cache = BuildCache(Path(sys.argv[1]))
payload = bytes(range(256)) * 4096
for _ in range(60):
    cache.put("results", sys.argv[2], payload)
"""


def test_two_processes_writing_one_key_at_once_leave_a_whole_entry(tmp_path: Path) -> None:
    key = content_key("test", "concurrent")
    payload = bytes(range(256)) * 4096  # 1 MiB: a write that is not atomic would be seen half done
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), key]) for _ in range(2)]
    cache = BuildCache(tmp_path)
    entry = cache.path("results", key)
    seen = set()
    while any(writer.poll() is None for writer in writers):
        try:
            raw = entry.read_bytes()
        except FileNotFoundError:
            continue
        seen.add(len(raw))  # every read, while both write, finds a whole entry
    assert [writer.returncode for writer in writers] == [0, 0]
    assert cache.get("results", key) == payload
    assert len(seen) <= 1
    assert list(entry.parent.iterdir()) == [entry]  # no temporary file left behind


def classic() -> Theme:
    return load_theme("classic", Path("/nonexistent-book"), Path("/nonexistent-book") / CONFIG_NAME)


def weights_made(subsets: list[tuple]) -> int:
    """How many of a face's weights the counted _static_subsets calls made (one call makes them all)."""
    return sum(len(weights) for _face, weights, _characters in subsets)


def code_face() -> FontFace:
    """A small variable font (subset in a tenth of a second), to stand as a theme's only face."""
    return next(face for face in classic().faces if face.family == "Source Code Pro" and face.style == "normal")


def small_theme(*faces: FontFace) -> Theme:
    return dataclasses.replace(classic(), faces=faces)


def test_an_epub_from_a_warm_cache_is_the_epub_made_without_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    source = tmp_path / "book"
    source.mkdir()
    Picture.new("RGB", (2000, 60), (200, 120, 40)).save(source / "wide.png")  # wider than a reading device wants
    (source / "diagram.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
                                        '<circle cx="5" cy="5" r="4" onclick="alert(1)"/></svg>')
    (source / "essay.md").write_text('+++\ntitle = "Kept"\n+++\n\nSome words, *and* some more: café.\n\n'
                                     "![A wide band](wide.png)\n\n![A circle](diagram.svg)\n")
    book = read_book(source)
    theme = small_theme(code_face())
    subsets = calls(monkeypatch, epub_fonts, "_static_subsets")
    conversions = calls(monkeypatch, pictures, "_smaller")
    drawings = calls(monkeypatch, pictures, "clean_svg")
    covers = calls(monkeypatch, cover_front, "draw_cover")

    def written(name: str, cache: BuildCache | None) -> tuple[bytes, int, int, int]:
        for made in (subsets, conversions, drawings, covers):
            made.clear()
        write_epub(book, theme, tmp_path / name, [], cache)
        return (tmp_path / name).read_bytes(), weights_made(subsets), len(conversions), len(drawings), len(covers)

    plain, *_ = written("plain.epub", None)
    cold, *made_cold = written("cold.epub", BuildCache(tmp_path / "cache"))
    warm_cache = BuildCache(tmp_path / "cache")
    warm, *made_warm = written("warm.epub", warm_cache)
    assert made_cold == [2, 1, 1, 1]  # two weights of the one face, the wide picture, the drawing, the cover
    assert made_warm == [0, 0, 0, 0]
    assert (warm_cache.hits, warm_cache.misses) == (5, 0)
    assert plain == cold == warm


def test_a_font_subset_is_keyed_by_the_files_bytes_and_the_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = code_face()
    font = tmp_path / "face.ttf"
    shutil.copyfile(original.path, font)
    theme = small_theme(dataclasses.replace(original, path=font))
    cache = BuildCache(tmp_path / "cache")
    subsets = calls(monkeypatch, epub_fonts, "_static_subsets")

    first = epub_fonts.embedded_fonts(theme, "abc", cache)
    assert weights_made(subsets) == 2
    assert epub_fonts.embedded_fonts(theme, "abc", cache) == first and weights_made(subsets) == 2
    epub_fonts.embedded_fonts(theme, "abcé", cache)
    assert weights_made(subsets) == 4  # another character: other subsets

    # The same name, size and time, other bytes: the italic, written over it, is subset anew.
    stamp = font.stat()
    italic = original.path.with_name(original.path.name.replace("[wght]", "-Italic[wght]")).read_bytes()
    font.write_bytes(italic)
    os.utime(font, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    again = epub_fonts.embedded_fonts(theme, "abc", cache)
    assert weights_made(subsets) == 6
    assert [f.data for f in again] != [f.data for f in first]


def test_print_pictures_are_keyed_by_the_picture_and_the_press_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Picture.new("RGB", (40, 30), (30, 90, 160)).save(tmp_path / "blue.png")
    Picture.new("RGB", (40, 30), (30, 90, 160)).save(tmp_path / "small.jpg")
    image = Image("images/blue.png", tmp_path / "blue.png", "image/png")
    profile = tmp_path / "press.icc"
    profile.write_bytes(cmyk_profile())
    cache = BuildCache(tmp_path / "cache")
    separations = calls(monkeypatch, pictures, "_separate")

    separated = pictures.print_bytes(image, profile)
    assert pictures.print_bytes(image, profile, cache) == separated and len(separations) == 2
    assert pictures.print_bytes(image, profile, BuildCache(tmp_path / "cache")) == separated and len(separations) == 2
    profile.write_bytes(cmyk_profile("another press, with a longer name"))
    pictures.print_bytes(image, profile, cache)
    assert len(separations) == 3  # another press: separated again

    # A picture the book carries as it is has nothing to keep: the cache holds no second copy.
    elsewhere = BuildCache(tmp_path / "other-cache")
    jpeg = Image("images/small.jpg", tmp_path / "small.jpg", "image/jpeg")
    assert pictures.print_bytes(jpeg, None, elsewhere) == pictures.epub_bytes(jpeg, cache=elsewhere) == jpeg.source.read_bytes()
    assert not (tmp_path / "other-cache").exists()


def test_entries_unused_for_days_are_pruned_and_used_ones_kept(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path)
    old, used, fresh = (content_key("entry", n) for n in range(3))
    for key in (old, used, fresh):
        cache.put("piece", key, b"pages")
    four_days_ago = os.path.getmtime(cache.path("piece", old)) - 4 * 24 * 3600
    for key in (old, used):
        os.utime(cache.path("piece", key), (four_days_ago, four_days_ago))
    assert cache.get("piece", used) == b"pages"  # read by this build: not old any more
    assert cache.prune() == 1
    assert not cache.path("piece", old).exists()
    assert cache.get("piece", used) == cache.get("piece", fresh) == b"pages"


def test_the_drawn_cover_is_kept_for_its_title_page_and_drawn_again_for_another(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "book"
    source.mkdir()
    (source / "essay.md").write_text('+++\ntitle = "Kept"\n+++\n\nA few words.\n')
    (source / CONFIG_NAME).write_text('title = "Salt Roads"\nauthor = "Ada Ferrow"\n')
    book = read_book(source)
    theme = load_theme(book.config.theme, book.root, book.root / CONFIG_NAME, book.config.stylesheet)
    covers = calls(monkeypatch, cover_front, "draw_cover")
    cache = BuildCache(tmp_path / "cache")
    first = cover_front.front_cover(book, theme, cache)
    assert cover_front.front_cover(book, theme, BuildCache(tmp_path / "cache")) == first and len(covers) == 1
    retitled = dataclasses.replace(book, config=dataclasses.replace(book.config, title="Salt Roads, Again"))
    other = cover_front.front_cover(retitled, theme, cache)
    assert len(covers) == 2 and other.data != first.data


def test_a_font_that_cannot_be_cut_is_told_once_and_the_others_are_made_and_kept(tmp_path: Path) -> None:
    """EpubFonts makes the fonts when first asked and gives the same ones after (the book and each
    reader's copy share them); a damaged font file is named in a warning, and the book reads on."""
    source = tmp_path / "book"
    source.mkdir()
    (source / "essay.md").write_text('+++\ntitle = "Kept"\n+++\n\nSome words: café.\n')
    book = read_book(source)
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"\x00\x01\x00\x00" + b"not a font" * 20)
    good = code_face()
    theme = small_theme(good, dataclasses.replace(good, path=broken, style="italic"))
    told = WarningLog()
    log.addHandler(told)
    try:
        fonts = EpubFonts(book, theme, BuildCache(tmp_path / "cache"), lambda *_: None)
        made = fonts()
        assert fonts() is made
    finally:
        log.removeHandler(told)
    assert [(font.style, font.weight) for font in made] == [("normal", 400), ("normal", 600)]
    failed = [(place, message) for place, message in told.warnings if "could not prepare" in message]
    assert len(failed) == 1 and failed[0][0] == str(broken)
