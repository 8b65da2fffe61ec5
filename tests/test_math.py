"""LaTeX math: MathML in the EPUB, drawn as paths on the text's baseline in the PDF; prices stay prices."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from lxml import etree

from chapbook.markdown import RenderContext, render_body
from conftest import Built, build_book, epub_files

MATHML = "{http://www.w3.org/1998/Math/MathML}"
OPF = "{http://www.idpf.org/2007/opf}"


def render(markdown: str) -> tuple[etree._Element, list[tuple[str, int | None]]]:
    warnings: list[tuple[str, int | None]] = []
    xhtml = render_body(markdown, RenderContext(language="en", id_prefix="e--", resolve_image=lambda src, alt, line: None,
                                                warn=lambda message, line: warnings.append((message, line)))).xhtml
    return etree.fromstring(f"<div>{xhtml}</div>"), warnings


def formulas(root: etree._Element) -> list[tuple[str | None, str | None]]:
    return [(m.get("display"), m.get("alttext")) for m in root.iter(f"{MATHML}math")]


@pytest.mark.parametrize(("markdown", "display", "latex"), [
    ("Let \\\\( x^2 \\\\) be.", "inline", "x^2"),
    ("Let \\( x^2 \\) be.", "inline", "x^2"),
    ("\\\\[ \\int_0^1 f \\\\]", "block", "\\int_0^1 f"),
    ("Then \\[ \\int_0^1 f \\] follows.", "block", "\\int_0^1 f"),
    ("$$ \\frac{a}{b} $$", "block", "\\frac{a}{b}"),
    ("$$\n\\sum_n a_n\n- b\n# c\n$$", "block", "\\sum_n a_n\n- b\n# c"),  # lines that look like Markdown stay LaTeX
])
def test_every_delimiter_gives_mathml_with_its_display_and_source(markdown: str, display: str, latex: str) -> None:
    root, warnings = render(markdown)
    assert formulas(root) == [(display, latex)] and warnings == []
    assert not root.findall(".//ul") and not root.findall(".//h2")


def test_single_dollars_are_prices_not_math() -> None:
    root, _ = render("It cost $5 and $10, or $x$ in a shop.")
    assert formulas(root) == []
    assert "".join(root.itertext()) == "It cost $5 and $10, or $x$ in a shop."


def test_brackets_escaped_in_prose_stay_brackets() -> None:
    root, _ = render("He wrote \\[sic\\] and cited \\[1\\].\n\n\\[Editor: since updated.\\]\n")
    assert formulas(root) == []
    assert [("".join(p.itertext())) for p in root.iter("p")] == ["He wrote [sic] and cited [1].", "[Editor: since updated.]"]


def test_math_in_code_stays_as_written() -> None:
    root, _ = render("Write `\\\\( x^2 \\\\)` or `$$ y $$`.\n\n```\n$$ z $$\n\\[ w \\]\n```\n")
    assert formulas(root) == []
    assert [c.text for c in root.iter("code")] == ["\\\\( x^2 \\\\)", "$$ y $$", "$$ z $$\n\\[ w \\]\n"]


def test_math_shortcodes_of_zola_and_hugo_take_the_same_path() -> None:
    root, warnings = render(
        'Zola {{ katex(body="E = mc^2") }} inline, Hugo {{< katex >}}a_n{{< /katex >}} too.\n\n'
        "{% katex(block=true) %}\n\\frac{1}{2}\n{% end %}\n\n"
        "{{< math display=true >}}\ne^{i\\pi} + 1 = 0\n{{< /math >}}\n\n{{< katex >}}\n")
    assert formulas(root) == [("inline", "E = mc^2"), ("inline", "a_n"), ("block", "\\frac{1}{2}"),
                              ("block", "e^{i\\pi} + 1 = 0")]
    assert warnings == [] and "{" not in "".join(root.itertext())


def test_a_math_shortcode_opened_and_closed_on_one_line_is_math() -> None:
    root, warnings = render("{% katex(block=true) %}P = 12 \\cdot n {% end %}\n\n"
                            "So {% katex() %}n^2{% end %} grows, as {{< math >}}2^n{{< /math >}} does.\n\n"
                            '{% quote(author="B. Pascal") %}\nSaid {% katex() %}p^k{% end %} once.\n{% end %}\n')
    assert formulas(root) == [("block", "P = 12 \\cdot n"), ("inline", "n^2"), ("inline", "2^n"), ("inline", "p^k")]
    assert root.find("blockquote//{http://www.w3.org/1998/Math/MathML}math") is not None  # nested in the quote
    assert warnings == [] and "{" not in "".join(root.itertext()) and "end" not in "".join(root.itertext())


def test_a_formula_that_cannot_be_read_is_named_with_its_line_and_shown_as_code() -> None:
    root, warnings = render("Fine.\n\nBroken: \\\\( \\frac{ \\\\) and\n\\\\( \\nosuchthing x \\\\) here.\n")
    assert formulas(root) == []
    assert [c.text for c in root.iter("code")] == ["\\frac{", "\\nosuchthing x"]
    assert [line for _, line in warnings] == [3, 4]
    assert "\\frac{" in warnings[0][0] and "\\nosuchthing" in warnings[1][0]


def test_raw_html_cannot_pose_as_a_formula() -> None:
    root, _ = render('<span class="chapbook-formula-0"></span> and \\\\( x \\\\)\n')
    assert formulas(root) == [("inline", "x")]


MATH_ESSAY = """+++
title = "Sums"
weight = 1
+++

Let \\\\( x^2 \\\\) be the thing, though it cost $5 and $10 at the fair.

\\\\[ \\int_0^1 f \\\\]

$$ \\frac{a}{b} $$

Said {{ katex(body="E = mc^2") }} inline, and `\\\\( q^2 \\\\)` in code.

{% katex(block=true) %}
\\sum_{n=1}^{\\infty} \\frac{1}{n^2}
{% end %}

Broken: \\\\( \\frac{ \\\\) here.
"""

DESCENT_ESSAY = """+++
title = "Descent"
weight = 2
+++

Before \\\\( y_p \\\\) after.

$$ \\frac{a}{b} $$

$$ a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} + a_{11} + a_{12} + a_{13} + a_{14} + a_{15} + a_{16} + a_{17} + a_{18} $$

Words to the end, and then more of them, enough words to fill the first line of this paragraph from its
left edge to its right, so that the page shows how wide the measure is.
"""


@pytest.fixture(scope="module")
def math_book(tmp_path_factory: pytest.TempPathFactory) -> Built:
    source = tmp_path_factory.mktemp("math-book")
    (source / "book.toml").write_text('title = "Numbers"\n')
    (source / "sums.md").write_text(MATH_ESSAY)
    (source / "descent.md").write_text(DESCENT_ESSAY)
    (source / "plain.md").write_text('+++\ntitle = "Plain"\nweight = 3\n+++\n\nNo math here, at $3.\n')
    return build_book(source, tmp_path_factory.mktemp("math-dist"))  # epubchecked there


def test_the_epub_carries_mathml_and_declares_it(math_book: Built) -> None:
    files = epub_files(math_book.epub)
    sums = etree.fromstring(files["EPUB/sums.xhtml"])
    assert formulas(sums) == [("inline", "x^2"), ("block", "\\int_0^1 f"), ("block", "\\frac{a}{b}"),
                              ("inline", "E = mc^2"), ("block", "\\sum_{n=1}^{\\infty} \\frac{1}{n^2}")]
    assert "$5 and $10" in "".join(sums.itertext())
    opf = etree.fromstring(files["EPUB/content.opf"])
    properties = {item.get("href"): (item.get("properties") or "").split() for item in opf.iter(f"{OPF}item")}
    assert "mathml" in properties["sums.xhtml"] and "mathml" in properties["descent.xhtml"]
    assert "mathml" not in properties["plain.xhtml"]


def test_a_broken_formula_is_a_warning_with_file_and_line(math_book: Built) -> None:
    assert 'sums.md:18: math "\\frac{" cannot be set' in math_book.stderr
    assert "Traceback" not in math_book.stderr


def _page(pdf: pdfium.PdfDocument, words: str) -> pdfium.PdfPage:
    return next(pdf[i] for i in range(len(pdf)) if words in pdf[i].get_textpage().get_text_range())


def _paths(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    """Each path's bounds (left, bottom, right, top) in points, from the page's foot."""
    return [obj.get_bounds() for obj in page.get_objects(max_depth=4) if obj.type == pdfium_raw.FPDF_PAGEOBJ_PATH]


def _char_box(page: pdfium.PdfPage, text: str) -> tuple[float, float, float, float]:
    textpage = page.get_textpage()
    return textpage.get_charbox(textpage.get_text_range().index(text), loose=False)


def test_the_pdf_draws_formulas_as_paths_and_keeps_prices_as_text(math_book: Built) -> None:
    pdf = pdfium.PdfDocument(math_book.pdf)
    sums = _page(pdf, "be the thing")
    text = sums.get_textpage().get_text_range()
    assert "$5 and $10" in " ".join(text.split())
    assert "x^2" not in text and "\\int" not in text and "mc^2" not in text  # drawn, not printed as source
    assert "\\\\( q^2 \\\\)" in text and "\\frac{" in text  # code and the broken formula print as written
    assert len(_paths(sums)) >= 10
    assert _paths(_page(pdf, "No math here")) == []


def _text_block(page: pdfium.PdfPage) -> tuple[float, float]:
    """The left and right edges of the page's text."""
    textpage = page.get_textpage()
    boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())
             if not textpage.get_text_range(i, 1).isspace()]
    return min(b[0] for b in boxes), max(b[2] for b in boxes)


def test_inline_math_sits_on_the_baseline_and_display_math_is_centred_within_the_measure(math_book: Built) -> None:
    pdf = pdfium.PdfDocument(math_book.pdf)
    page = _page(pdf, "Before")
    before, after = _char_box(page, "Before"), _char_box(page, "after")
    baseline, cap_top = before[1], before[3]
    size = cap_top - baseline  # a capital's height: about two thirds of the text size
    line = [p for p in _paths(page) if p[3] > baseline - size and p[1] < cap_top + size / 2]
    assert line, "the inline formula is drawn on the line of its text"
    left, bottom = min(p[0] for p in line), min(p[1] for p in line)
    right, top = max(p[2] for p in line), max(p[3] for p in line)
    assert before[2] < left and right < after[0]  # between the words around it
    # y and p hang below the baseline, as type does; the formula is not lifted above it nor dropped below.
    assert baseline - 0.6 * size < bottom < baseline - 0.15 * size
    assert baseline + 0.4 * size < top < cap_top + 0.4 * size  # the size of the text, not of a heading

    display = sorted((p for p in _paths(page) if p[3] < baseline - size), key=lambda p: -p[3])
    lines: list[list[tuple[float, float, float, float]]] = []
    for path in display:  # the drawings grouped by the display line they are on, top down
        if lines and path[3] > min(p[1] for p in lines[-1]) - size / 2:
            lines[-1].append(path)
        else:
            lines.append([path])
    assert len(lines) == 2
    fraction, long_sum = lines
    text_left, text_right = _text_block(page)
    long_left, long_right = min(p[0] for p in long_sum), max(p[2] for p in long_sum)
    assert text_left - 1 <= long_left and long_right <= text_right + 1  # scaled down to the measure
    assert long_right - long_left > 0.9 * (text_right - text_left)
    centre = (min(p[0] for p in fraction) + max(p[2] for p in fraction)) / 2
    assert abs(centre - (text_left + text_right) / 2) < 2


def test_formulas_are_sized_to_the_text_faces_x_height() -> None:
    from chapbook.media.formulas import math_scale
    from chapbook.themes import load_theme

    sample = Path(__file__).parents[1] / "book"
    garamond, literata = (load_theme(name, sample, sample / "book.toml", "").x_height for name in ("classic", "diary"))
    assert garamond == pytest.approx(0.40, abs=0.01) and literata == pytest.approx(0.507, abs=0.01)
    # Halfway between the type size and the x-height: smaller beside Garamond, larger beside Literata.
    assert math_scale(garamond) == pytest.approx(0.92, abs=0.01)
    assert math_scale(literata) == pytest.approx(1.035, abs=0.01)
    assert math_scale(None) == pytest.approx(0.92) and math_scale(0.9) == 1.15  # no wild sizes


def test_groups_nested_deep_are_set_at_once_and_formulas_too_deep_are_refused() -> None:
    """ziamath's time doubled with each group of one group: {{{…x…}}} thirty deep never finished (the
    fuzzer found it). Such groups are one group; a formula that truly nests past the limit is refused."""
    import time

    from chapbook.media.formulas import MathError, latex_to_mathml

    started = time.perf_counter()
    assert "<mi>x</mi>" in latex_to_mathml("{" * 30 + "x" + "}" * 30, display=False)
    assert time.perf_counter() - started < 5
    with pytest.raises(MathError, match="nests more than"):
        latex_to_mathml("\\sqrt{" * 25 + "x" + "}" * 25, display=True)
