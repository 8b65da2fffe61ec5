"""`chapbook cover`: the print wrap, measured and read as the printer and a reader would."""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

from conftest import SAMPLE, build_book, run_chapbook

POINTS = 72
WHITE, CREAM = 0.002252, 0.0025  # KDP's inches per page
BLEED = 0.125


@dataclass(frozen=True)
class Wrap:
    pdf: Path
    stderr: str


def make_cover(source: Path, out: Path) -> Wrap:
    result = run_chapbook("cover", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    [written] = [Path(line) for line in result.stdout.split()]
    return Wrap(written, result.stderr)


def copy_of_sample(folder: Path, *lines: str) -> Path:
    """The sample book, with lines added to its book.toml (replacing an option it sets already)."""
    source = folder / "book"
    shutil.copytree(SAMPLE, source)
    toml = (source / "book.toml").read_text(encoding="utf-8")
    for line in lines:
        key = line.split("=")[0].strip()
        toml = re.sub(rf'(?m)^{key} = (""".*?"""|.*)$\n?', "", toml, flags=re.S)
    (source / "book.toml").write_text(toml + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return source


def boxes(pdf: Path) -> dict[str, list[float]]:
    page = pypdf.PdfReader(pdf).pages[0]
    return {name: [float(v) for v in page[f"/{name}"]] for name in ("MediaBox", "TrimBox", "BleedBox")}


def chars(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    """Every visible character with its box (left, bottom, right, top) in points, the trim's corner at 0."""
    page = pdfium.PdfDocument(pdf)[0]
    text = page.get_textpage()
    found = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        if char.strip():
            found.append((char, *text.get_charbox(index)))
    return found


def letters(found: list[tuple[str, float, float, float, float]]) -> str:
    return "".join(char for char, *_ in found).casefold()


def fonts_of(resources: pypdf.generic.DictionaryObject, seen: set[int] | None = None) -> list[pypdf.generic.DictionaryObject]:
    """Every font a page's resources use, in its forms too."""
    seen = set() if seen is None else seen
    found = []
    for font in (resources.get("/Font") or {}).values():
        found.append(font.get_object())
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if id(xobject) not in seen and "/Resources" in xobject:
            seen.add(id(xobject))
            found += fonts_of(xobject["/Resources"].get_object(), seen)
    return found


def embedded(font: pypdf.generic.DictionaryObject) -> bool:
    for part in [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]:
        descriptor = part.get("/FontDescriptor")
        if descriptor is not None and any(key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            return True
    return False


@pytest.fixture(scope="module")
def sample_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Wrap]:
    """The sample book's interior as `build` writes it, and its cover."""
    out = tmp_path_factory.mktemp("wrap-sample")
    interior = build_book(SAMPLE, out, "--format", "pdf").pdf
    return interior, make_cover(SAMPLE, out)


WORDS = ("lamp window river kettle letter garden winter morning bread street quiet evening paper "
         "light stair radio field station coat door table night ink hour bench road stone").split()


@pytest.fixture(scope="module")
def thick(tmp_path_factory: pytest.TempPathFactory) -> Wrap:
    """A generated book of 200-odd pages."""
    rng = random.Random(11)
    source = tmp_path_factory.mktemp("thick")
    (source / "book.toml").write_text('title = "A Long Walk"\nauthor = "Test Writer"\ntrim = "5x8"\n')
    for number in range(1, 19):
        text = "\n\n".join(" ".join(" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "."
                                    for _ in range(6)) for _ in range(42))
        (source / f"{number:02d}.md").write_text(f'+++\ntitle = "Walk {number}"\nweight = {number}\n+++\n\n{text}\n')
    return make_cover(source, tmp_path_factory.mktemp("thick-out"))


def test_the_wrap_is_two_covers_a_spine_and_bleed(sample_pair: tuple[Path, Wrap]) -> None:
    interior, wrap = sample_pair
    pages = len(pypdf.PdfReader(interior).pages)
    assert 30 < pages < 80 and pages % 2 == 0
    spine = pages * WHITE * POINTS
    media, trim, bleed = boxes(wrap.pdf).values()
    assert media[2] - media[0] == pytest.approx(2 * 5.5 * POINTS + spine + 2 * BLEED * POINTS, abs=0.01)
    assert media[3] - media[1] == pytest.approx(8.5 * POINTS + 2 * BLEED * POINTS, abs=0.01)
    assert bleed == media
    assert [t - m for t, m in zip(trim[:2], media[:2])] == pytest.approx([BLEED * POINTS] * 2, abs=0.01)
    assert [m - t for t, m in zip(trim[2:], media[2:])] == pytest.approx([BLEED * POINTS] * 2, abs=0.01)
    assert f"{pages} pages on white paper" in wrap.stderr


def test_every_font_in_the_wrap_is_embedded(sample_pair: tuple[Path, Wrap]) -> None:
    page = pypdf.PdfReader(sample_pair[1].pdf).pages[0]
    fonts = fonts_of(page["/Resources"].get_object())
    assert fonts and all(embedded(font) for font in fonts), [str(font.get("/BaseFont")) for font in fonts]


def test_title_and_author_are_on_the_front_and_a_thin_spine_is_blank(sample_pair: tuple[Path, Wrap]) -> None:
    interior, wrap = sample_pair
    spine = len(pypdf.PdfReader(interior).pages) * WHITE * POINTS
    front_edge = 5.5 * POINTS + spine
    found = chars(wrap.pdf)
    front = [c for c in found if c[1] > front_edge + BLEED * POINTS]
    assert "smallhours" in letters(front) and "maraellison" in letters(front)
    spine_and_back = [c for c in found if c[3] <= front_edge + BLEED * POINTS]
    assert letters(spine_and_back).startswith("eightessayswritten")  # the description, on the back
    assert all(c[3] < 5.5 * POINTS + BLEED * POINTS for c in spine_and_back)  # a thin spine: nothing on it
    # The front is the EPUB's cover: its title centred on the panel.
    title = [c for c in front if c[0] in "SH"]
    middle = (min(c[1] for c in front) + max(c[3] for c in front)) / 2
    assert middle == pytest.approx(front_edge + 5.5 * POINTS / 2, abs=3) and title


def test_a_thick_book_has_its_title_and_author_down_the_spine(thick: Wrap) -> None:
    media, trim, _ = boxes(thick.pdf).values()
    pages = int(thick.stderr.split(" pages on white paper")[0].rsplit(maxsplit=1)[-1])
    assert pages >= 200
    spine = pages * WHITE * POINTS
    assert trim[2] - trim[0] == pytest.approx(2 * 5 * POINTS + spine, abs=0.01)
    left, right = 5 * POINTS, 5 * POINTS + spine
    on_spine = [c for c in chars(thick.pdf) if c[3] > left and c[1] < right]
    assert letters(on_spine).replace("·", "") == "alongwalktestwriter"
    # Inside KDP's margin of 1/16 in from each fold, centred across the spine, running down it.
    assert min(c[1] for c in on_spine) >= left + 0.0625 * POINTS
    assert max(c[3] for c in on_spine) <= right - 0.0625 * POINTS
    glyphs = [c for c in on_spine if c[0] not in "·"]
    across = (min(c[1] for c in glyphs) + max(c[3] for c in glyphs)) / 2
    assert across == pytest.approx((left + right) / 2, abs=0.04 * POINTS)
    tops = [c[4] for c in glyphs]
    assert tops == sorted(tops, reverse=True)  # top to bottom, as English-language books read


def test_cream_paper_makes_a_wider_spine(sample_pair: tuple[Path, Wrap], tmp_path: Path) -> None:
    interior, white = sample_pair
    pages = len(pypdf.PdfReader(interior).pages)
    cream = make_cover(copy_of_sample(tmp_path, 'paper = "cream"'), tmp_path / "out")
    widths = [boxes(pdf)["MediaBox"][2] - boxes(pdf)["MediaBox"][0] for pdf in (white.pdf, cream.pdf)]
    assert widths[1] - widths[0] == pytest.approx(pages * (CREAM - WHITE) * POINTS, abs=0.01)
    assert widths[1] - widths[0] > 0.5


def test_the_description_is_on_the_back_clear_of_the_barcode(tmp_path: Path) -> None:
    blurb = "Night walks, buses and radios: essays written while the city slept. " * 4
    wrap = make_cover(copy_of_sample(tmp_path, f'description = "{blurb.strip()}"', 'bleed = "3mm"'), tmp_path / "out")
    bleed = 3 / 25.4 * POINTS
    media, trim, _ = boxes(wrap.pdf).values()
    assert trim[0] - media[0] == pytest.approx(bleed, abs=0.01)
    back = [c for c in chars(wrap.pdf) if c[3] < 5.5 * POINTS]
    assert "nightwalks,buses" in letters(back)
    # Nothing within a quarter inch of the trim or the fold; nothing in KDP's barcode area.
    assert min(c[1] for c in back) > 0.25 * POINTS and max(c[3] for c in back) < (5.5 - 0.25) * POINTS
    assert max(c[4] for c in back) < (8.5 - 0.25) * POINTS
    barcode = (5.5 * POINTS - 0.25 * POINTS - 2 * POINTS, 0.25 * POINTS, 5.5 * POINTS - 0.25 * POINTS, 1.45 * POINTS)
    assert min(c[2] for c in back) > barcode[3]
    page = pdfium.PdfDocument(wrap.pdf)[0]
    picture = page.render(scale=1).to_pil().convert("RGB")
    # Rendered from the bleed's corner, with y down: the barcode area is white, all of it.
    height = picture.height
    area = picture.crop((round(barcode[0] + bleed), round(height - bleed - barcode[3]),
                         round(barcode[2] + bleed), round(height - bleed - barcode[1])))
    assert area.getcolors() == [(area.width * area.height, (255, 255, 255))]


def test_a_bad_paper_is_reported_with_its_line_and_the_old_cover_kept(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "book.toml").write_text('title = "Kept"\npaper = "glossy"\n')
    (source / "a.md").write_text("Text.\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept-cover.pdf").write_bytes(b"the previous cover")
    result = run_chapbook("cover", str(source), "-o", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{source / 'book.toml'}:2: paper must be \"white\" or \"cream\"" in result.stderr
    assert (out / "kept-cover.pdf").read_bytes() == b"the previous cover"
    assert sorted(p.name for p in out.iterdir()) == ["kept-cover.pdf"]


def test_the_books_cover_picture_fills_the_front_and_its_bleed(tmp_path: Path) -> None:
    from PIL import Image

    source = tmp_path / "src"
    (source / "art").mkdir(parents=True)
    # 5.5 x 8.5 in and its bleed at 150 dpi: half what a printer wants, so a warning too.
    Image.new("RGB", (844, 1313), (20, 60, 120)).save(source / "art" / "front.png")
    (source / "book.toml").write_text('title = "Blue"\ncover = "art/front.png"\n')
    (source / "one.md").write_text("Text.\n")
    wrap = make_cover(source, tmp_path / "out")
    assert "book.toml: cover \"art/front.png\" fills the printed front at 150 dpi" in wrap.stderr
    media, trim, _ = boxes(wrap.pdf).values()
    picture = pdfium.PdfDocument(wrap.pdf)[0].render(scale=1).to_pil().convert("RGB")
    fold = round(trim[2] - trim[0] - 5.5 * POINTS + BLEED * POINTS)  # the front's fold, from the bleed's edge
    blue = (20, 60, 120)
    right, bottom = picture.width - 2, picture.height - 2  # the last row and column are part pixels
    for x, y in ((fold + 1, 0), (right, 0), (right, bottom), (fold + 1, bottom)):
        assert picture.getpixel((x, y)) == blue, (x, y)
    assert picture.getpixel((fold - 4, picture.height // 2)) != blue  # the spine and the back keep the ground


def test_spine_text_from_80_pages_as_kdp_allows_and_when_6pt_fits() -> None:
    from chapbook.writers.cover import Wrap as Geometry

    # KDP allows spine text past 79 pages; chapbook also wants 6 pt type to fit inside the fold margins.
    assert [Geometry(5.5, 8.5, n * WHITE, BLEED, n).spine_text for n in (79, 80, 107, 108)] == [False, False, False, True]
    assert [Geometry(5.5, 8.5, n * 0.0025, BLEED, n).spine_text for n in (79, 96, 97)] == [False, False, True]
    assert Geometry(5.5, 8.5, 108 * WHITE, BLEED, 108).spine_type_fits >= 6


def test_a_description_too_long_for_the_back_is_a_warning(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.md").write_text("Text.\n")
    for words, warned in ((40, False), (700, True)):
        (source / "book.toml").write_text(f'title = "Blurb"\ndescription = "{"word " * words}"\n')
        wrap = make_cover(source, tmp_path / "out")
        assert ("too long for the back cover" in wrap.stderr) is warned, wrap.stderr


def test_the_preflight_reads_a_wrap_as_a_cover(sample_pair: tuple[Path, Wrap]) -> None:
    _, wrap = sample_pair
    result = run_chapbook("check", str(wrap.pdf))
    assert result.returncode == 0, result.stdout
    trim_width = 2 * 5.5 + len(pypdf.PdfReader(sample_pair[0]).pages) * WHITE
    assert f"ok       cover wrap {trim_width:.3g} in × 8.5 in at the trim, bleed 0.125 in all round" in result.stdout
    assert "all type at least 0.125 in inside the trim" in result.stdout
