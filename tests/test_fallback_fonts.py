"""Every character prints in a real typeface: symbols, emoji and CJK the theme's faces lack are set in
pinned fallback fonts, said once per essay and font, and a character in no font prints as U+FFFD."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
import weasyprint
from fontTools.ttLib import TTFont

from chapbook.media.fallbacks import FALLBACKS, with_fallbacks
from chapbook.themes import load_theme
from conftest import Built, build_book, font_of, pdf_runs, run_chapbook
from pdf_glyphs import notdef_glyphs

# Written for this test: a walker's notes, with the marks, emoji and scripts a blog post may hold.
SIGNS = """+++
title = "Signs on the Road ★"
weight = 1
+++

The map I carried had a key of little marks: ★ for a view, ⏎ where the path turned back on
itself, → for the way on, and ✓ beside every village I reached before dark; ✗ for the ones I missed.

On the postcard home I drew 😀 and 🎉, and 👍 for the ferryman who waited.

At the station the boards said 日本語, 한국어 and 中文 side by side. A Greek walker read one
aloud, Καλημέρα, and her Russian friend answered: Доброе утро.

```
┌─────┐
│ ∑ √ │ ≤ ≥ ≠
└─────┘
```

One mark no font has: 𓀀, the seated man.
"""

# A chapter whose headings are set in Dancing Script, which has no Greek and no stars.
DIARY = """+++
title = "Ημέρα ✦ Two"
weight = 2
[extra]
font_class = "diary"
+++

A plain paragraph under a title the script face cannot set alone.
"""


@pytest.fixture(scope="module")
def signs(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("signs")
    source = root / "src"
    source.mkdir()
    (source / "book.toml").write_text('title = "Signs and Wonders"\nauthor = "Ines Varga"\n')
    (source / "signs.md").write_text(SIGNS)
    (source / "diary.md").write_text(DIARY)
    return build_book(source, root / "out")  # build_book also scans the PDF for .notdef


def test_the_pdf_draws_no_notdef_glyph(signs: Built) -> None:
    assert notdef_glyphs(signs.pdf) == []


def test_each_kind_of_character_prints_in_its_fallback(signs: Built) -> None:
    runs = pdf_runs(signs.pdf)

    def faces(text: str) -> set[str]:  # the families, whatever the style (a running head is italic)
        names = {font.split("+")[-1].rstrip(",") for font in font_of(runs, text)}
        return {name.removesuffix("-Oblique").removesuffix("-Italic") for name in names}

    assert faces("★") == {"STIX-Two-Math"}
    assert faces("✗") == {"Noto-Sans-Symbols-2"}
    assert faces("😀") == faces("👍") == {"Noto-Emoji"}
    assert faces("日本語") == faces("한국어") == {"WenQuanYi-Micro-Hei"}
    assert faces("Доброе") == {"EB-Garamond"}  # the face has it: no fallback
    assert faces("│ ∑ √ │") == {"Source-Code-Pro"}


def test_a_fallback_leaves_the_leading_as_the_theme_set_it(signs: Built) -> None:
    """Noto Sans Symbols 2 reaches 0.63 em below the baseline: served as it is, the ✗ would open the line below."""
    reader = pypdf.PdfReader(signs.pdf)
    page = next(page for page in reader.pages if "map I carried" in page.extract_text())
    rows: dict[float, str] = {}

    def visit(text: str, cm: object, tm: list[float], font: object, size: float) -> None:
        if text.strip():
            rows[round(tm[5], 2)] = rows.get(round(tm[5], 2), "") + text

    page.extract_text(visitor_text=visit)
    baselines = sorted(rows)
    first = next(y for y in baselines if "★" in rows[y] and "map" in rows[y])
    last = next(y for y in baselines if "Доброе" in rows[y])
    body = [y for y in baselines if first <= y <= last]  # three paragraphs: symbols, emoji, CJK
    steps = [b - a for a, b in zip(body, body[1:])]
    assert len(body) >= 6 and max(steps) - min(steps) < 0.05, rows


def test_fallbacks_are_named_once_per_essay_and_font_with_the_line(signs: Built) -> None:
    warnings = [line for line in signs.stderr.splitlines() if "printed in" in line]
    assert any(line.endswith('signs.md:2: "★⏎✓" are not in EB Garamond; printed in STIX Two Math') for line in warnings)
    assert any(line.endswith('signs.md:7: "✗" is not in EB Garamond; printed in Noto Sans Symbols 2') for line in warnings)
    # EB Garamond has a 👍, but an emoji is set in the emoji font: the warning says what was printed.
    assert any(line.endswith('signs.md:9: "😀🎉👍" are not in EB Garamond; printed in Noto Emoji') for line in warnings)
    assert any(line.endswith('signs.md:11: "日本語한국어中文" are not in EB Garamond; printed in WenQuanYi Micro Hei')
               for line in warnings)
    assert any(line.endswith('diary.md:2: "Ημέρα" are not in Dancing Script; printed in STIX Two Math')
               for line in warnings), warnings
    # The star is in the contents and the running head (EB Garamond) and the chapter title (Dancing Script).
    assert any(line.endswith('diary.md:2: "✦" is not in EB Garamond or Dancing Script; printed in Noto Sans Symbols 2')
               for line in warnings), warnings
    assert len(warnings) == len(set(warnings)), "once each, not once per layout pass"


def test_a_character_in_no_font_prints_as_the_replacement_character(signs: Built) -> None:
    assert 'signs.md:20: "𓀀" is in no font chapbook has' in signs.stderr
    assert 'printed as "\ufffd"' in signs.stderr
    text = "".join(page.extract_text() for page in pypdf.PdfReader(signs.pdf).pages)
    assert "\ufffd, the seated man" in text.replace("\n", " ")


def test_emoji_are_monochrome_glyphs_not_pictures(signs: Built) -> None:
    for page in pypdf.PdfReader(signs.pdf).pages:
        assert "/XObject" not in page["/Resources"] or not page["/Resources"]["/XObject"], "an emoji drawn as a picture"


def test_every_fallback_font_is_installed_and_monochrome() -> None:
    for fallback in FALLBACKS:
        with TTFont(fallback.path, lazy=True, fontNumber=0) as font:
            assert not {"COLR", "CBDT", "sbix", "SVG "} & set(font.keys()), f"{fallback.family} draws in colour"


def test_the_fallbacks_stand_after_the_first_family_of_every_stack() -> None:
    fallbacks = ", ".join(f'"{family}"' for family in dict.fromkeys(fallback.family for fallback in FALLBACKS))
    css = with_fallbacks("body { font-family: 'EB Garamond', Garamond, serif !important; color: red }\n"
                         "@page { @top-left { font-family: Literata; } }\n"
                         "@font-face { font-family: 'Mine'; src: url(mine.ttf) }\n"
                         "p { font-family: inherit }")
    assert f'font-family: "EB Garamond", {fallbacks}, Garamond, serif !important;' in css
    assert "color: red" in css
    assert f"@top-left {{ font-family: Literata, {fallbacks};" in css
    assert '@font-face { font-family: "Mine"; src: url(mine.ttf) }' in css  # one face, not a stack
    assert "p { font-family: inherit;}" in css


def test_the_theme_names_its_faces_before_the_fallbacks(tmp_path: Path) -> None:
    theme = load_theme("classic", tmp_path, tmp_path / "book.toml")
    families = list(theme.coverage)
    assert families[:3] == ["EB Garamond", "Dancing Script", "Source Code Pro"]
    assert families[3:] == list(dict.fromkeys(fallback.family for fallback in FALLBACKS))
    assert ord("★") not in theme.coverage["EB Garamond"] and ord("★") in theme.coverage["STIX Two Math"]


def test_the_scanner_finds_a_notdef(tmp_path: Path) -> None:
    """Without a font that has it, WeasyPrint draws U+10FFFD (a private character no font has) as .notdef."""
    pdf = tmp_path / "box.pdf"
    weasyprint.HTML(string="<p>A box: \U0010fffd.</p>").write_pdf(pdf)
    found = notdef_glyphs(pdf)
    assert [(notdef.page, notdef.text) for notdef in found] == [(1, "\U0010fffd")]


def test_the_cover_wrap_prints_every_character_too(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "book.toml").write_text('title = "Stars ★ and 𓀀"\nauthor = "Ines Varga"\n'
                                      'description = "Postcards in 日本語 and 😀, and one 𓀀."\n')
    (source / "signs.md").write_text(DIARY)
    result = run_chapbook("cover", str(source), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    wrap = next((tmp_path / "out").glob("*-cover.pdf"))
    assert notdef_glyphs(wrap) == []
    faces = {font.split("+")[-1].rstrip(",") for runs in pdf_runs(wrap) for _, font in runs}
    assert {"STIX-Two-Math", "WenQuanYi-Micro-Hei", "Noto-Emoji"} <= faces
