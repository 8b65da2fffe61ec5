"""Jekyll's kramdown and the site's own MathJax or KaTeX: a post's math and markup as the blog showed them."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from chapbook.assemble import read_book
from chapbook.markdown import RenderContext, render_body
from chapbook.sources.sites import read_site, site_markdown
from conftest import Built, build_book, epub_files

MATHML = "{http://www.w3.org/1998/Math/MathML}"
XHTML = "{http://www.w3.org/1999/xhtml}"

POST = r"""---
title: "Counting Stones"
---

Each evening she added them up, $$\sum_{i=1}^n x_i$$. The heaviest was \\(s\_k\\), kept apart.

$$\sum_{i=1}^n x_i$$

$$
\begin{matrix} a & b \\ c & d \end{matrix}
$$

## Where the stones went
{:.no_toc}

* TOC
{:toc}

The ledger sat on the windowsill all winter.
{: .note}

{: #weather .aside}
Frost came early that year, and the stones froze to the sill.

{::comment}
A draft sentence that never reached the page.
{:/comment}

Nothing {::comment}whispered aside{:/comment} more was said.

{::nomarkdown}
<p class="raw-note">Written as HTML.</p>
{:/nomarkdown}

She kept the [list](https://example.org/stones){:target="_blank"} in a *drawer*{: .quiet} by the door.
"""


@pytest.fixture(scope="module")
def jekyll_math(tmp_path_factory: pytest.TempPathFactory) -> Built:
    site = tmp_path_factory.mktemp("jekyll-math")
    (site / "_config.yml").write_text('title: "Pebbles"\nauthor: "Ada Stone"\n')
    (site / "_posts").mkdir()
    (site / "_posts" / "2024-01-02-x.md").write_text(POST)
    return build_book(site, tmp_path_factory.mktemp("jekyll-math-dist"), "--format", "epub")  # epubchecked there


def _chapter(built: Built) -> etree._Element:
    return etree.fromstring(epub_files(built.epub)["EPUB/x.xhtml"])  # the post's slug, from its file name


def _text(element: etree._Element) -> str:
    """The words a reader sees, formulas left out (their MathML is drawn, not read as text)."""
    copy = etree.fromstring(etree.tostring(element))
    for math in list(copy.iter(f"{MATHML}math")):
        tail = math.tail
        parent = math.getparent()
        parent.remove(math)
        if tail:
            previous = math.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
    return "".join(copy.itertext())


def test_kramdown_dollars_are_inline_in_a_sentence_and_display_on_their_own(jekyll_math: Built) -> None:
    chapter = _chapter(jekyll_math)
    sentence = next(p for p in chapter.iter(f"{XHTML}p") if "Each evening" in "".join(p.itertext()))
    inline = list(sentence.iter(f"{MATHML}math"))
    assert [(m.get("display"), m.get("alttext")) for m in inline] == [
        ("inline", r"\sum_{i=1}^n x_i"), ("inline", "s_k")]  # the escape \_ undone, as MathJax read it
    assert inline[0].tail.startswith(".")  # the full stop stays in the sentence, beside the formula
    for math in inline:
        assert "_" not in "".join(math.itertext()) and "\\" not in "".join(math.itertext())
    shown = [(m.get("display"), m.get("alttext")) for m in chapter.iter(f"{MATHML}math") if m not in inline]
    assert shown == [("block", r"\sum_{i=1}^n x_i"), ("block", r"\begin{matrix} a & b \\ c & d \end{matrix}")]
    # kramdown hands a $$ body to MathJax untouched: its \\ is still a new row
    matrix = [m for m in chapter.iter(f"{MATHML}math") if "matrix" in m.get("alttext")][0]
    assert len(list(matrix.iter(f"{MATHML}mtr"))) == 2


def test_kramdown_attribute_lists_and_extensions_are_never_printed(jekyll_math: Built) -> None:
    chapter = _chapter(jekyll_math)
    words = _text(chapter)
    assert "{:" not in words and "{::" not in words and "}" not in words
    assert "draft sentence" not in words and "whispered" not in words
    assert "Nothing  more was said." in words or "Nothing more was said." in words
    classes = {p.get("class") for p in chapter.iter(f"{XHTML}p")}
    assert {"note", "aside", "raw-note"} <= classes
    assert chapter.find(f".//{XHTML}em[@class='quiet']") is not None
    # * TOC {:toc} is kramdown's table of contents: the book has its own, so the list is gone
    assert "TOC" not in words and not list(chapter.iter(f"{XHTML}ul"))
    assert "Where the stones went" in words
    assert "warning:" not in jekyll_math.stderr, jekyll_math.stderr


def render(markdown: str, **options: bool) -> etree._Element:
    xhtml = render_body(markdown, RenderContext(language="en", id_prefix="e--",
                                                resolve_image=lambda src, alt, line: None, **options)).xhtml
    return etree.fromstring(f"<div>{xhtml}</div>")


def formulas(root: etree._Element) -> list[tuple[str | None, str | None]]:
    return [(m.get("display"), m.get("alttext")) for m in root.iter(f"{MATHML}math")]


KRAMDOWN = {"liquid": True, "kramdown": True, "math_after_markdown": True}


@pytest.mark.parametrize(("markdown", "expected"), [
    ("$$a$$\nand more", [("inline", "a")]),  # text on the next line: one paragraph
    ("\\$$ a $$\n", [("inline", "a")]),  # kramdown's escape for an inline formula standing alone
    ("$$\na\n\nb\n$$\n", [("block", "a\n\nb")]),  # a display formula may hold a blank line
    ("Then $$a$$ and $$b$$ follow.", [("inline", "a"), ("inline", "b")]),
    ("\\\\[ a \\, b\\_c \\\\]", [("block", "a \\, b_c")]),  # kramdown eats the escape of _, not of \,
])
def test_kramdown_reads_dollars_by_their_place(markdown: str, expected: list) -> None:
    assert formulas(render(markdown, **KRAMDOWN)) == expected


def test_a_heading_id_names_the_heading_and_is_not_printed() -> None:
    root = render("## Stones {#stones}\n\n## Stones again {#stones}\n", **KRAMDOWN)
    assert [(h.get("id"), h.text) for h in root.iter("h2")] == [("e--stones", "Stones"), ("e--stones-again", "Stones again")]


def test_a_comment_hides_only_what_it_holds() -> None:
    root = render("{::comment}x{:/comment} kept.\n\n{::comment}\ngone\n\nalso gone\n{:/}\n\nAfter.\n", **KRAMDOWN)
    assert "".join(root.itertext()).split() == ["kept.", "After."]


def test_kramdown_marks_are_read_only_in_a_jekyll_post() -> None:
    markdown = "Sum $$a$$ here.\n\nText.\n{: .note}\n"
    post = render(markdown, **KRAMDOWN)
    assert formulas(post) == [("inline", "a")] and post.find("p[@class='note']").text == "Text."
    elsewhere = render(markdown)
    assert formulas(elsewhere) == [("block", "a")]  # MathJax displays $$ wherever it stands
    assert "{: .note}" in "".join(elsewhere.itertext())  # not kramdown: what CommonMark reads


def _hugo_site(root: Path, *, layout: str | None = None, settings: str = "", theme_layout: str | None = None) -> Path:
    (root / "content" / "posts").mkdir(parents=True)
    (root / "hugo.toml").write_text(f'baseURL = "https://sums.example/"\ntitle = "Sums"\n{settings}')
    (root / "content" / "posts" / "sums.md").write_text(
        '+++\ntitle = "Sums"\n+++\n\nThe first term is $$a\\_1$$ and the next \\\\(x\\_i\\\\), then \\(y\\_i\\).\n')
    if layout is not None:
        (root / "layouts" / "partials").mkdir(parents=True)
        (root / "layouts" / "partials" / "head.html").write_text(layout)
    if theme_layout is not None:
        (root / "themes" / "quiet" / "layouts" / "shortcodes").mkdir(parents=True)
        (root / "themes" / "quiet" / "layouts" / "shortcodes" / "math.html").write_text(theme_layout)
    return root


MATHJAX = '<script id="MathJax-script" async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>\n'


def _sums(site: Path) -> list[tuple[str | None, str | None]]:
    book = read_book(site)
    return formulas(etree.fromstring(f"<div>{book.essays[0].xhtml}</div>"))


def test_a_hugo_page_that_loads_mathjax_reads_the_tex_after_markdown(tmp_path: Path) -> None:
    site = _hugo_site(tmp_path / "mathjax", layout=MATHJAX)
    # $$ and \\( were Markdown first: \_ became _ before MathJax read it. \( is Hugo's passthrough: as written.
    assert _sums(site) == [("block", "a_1"), ("inline", "x_i"), ("inline", "y\\_i")]
    # No MathJax in the page: the TeX as written, as before
    assert _sums(_hugo_site(tmp_path / "plain")) == [("block", "a\\_1"), ("inline", "x\\_i"), ("inline", "y\\_i")]


@pytest.mark.parametrize(("layout", "settings", "theme_layout", "loads"), [
    (None, "[params]\nmath = true\n", None, True),
    (None, "[params.math]\nenable = true\n", None, True),
    ("<link rel=stylesheet href=/katex/katex.min.css>", "", None, True),
    (MATHJAX, "[markup.goldmark.extensions.passthrough]\nenable = true\n", None, False),  # TeX handed over untouched
    (None, "", "<script src=katex.js></script>", False),  # a shortcode loads it only where it is used
    (None, "[params]\nmath = false\n", None, False),
])
def test_what_says_a_hugo_site_typesets_math_in_the_page(tmp_path: Path, layout: str | None, settings: str,
                                                         theme_layout: str | None, loads: bool) -> None:
    site = _hugo_site(tmp_path, layout=layout, settings=settings, theme_layout=theme_layout)
    assert site_markdown(read_site(site)).math_after_markdown is loads


def test_a_zola_theme_with_katex_and_a_jekyll_engine_other_than_kramdown(tmp_path: Path) -> None:
    zola = tmp_path / "zola"
    (zola / "themes" / "ink" / "templates").mkdir(parents=True)
    (zola / "config.toml").write_text('base_url = "https://ink.example"\ntheme = "ink"\n')
    (zola / "themes" / "ink" / "templates" / "base.html").write_text('<script src="/js/KaTeX/auto-render.min.js">')
    assert site_markdown(read_site(zola)).math_after_markdown
    jekyll = tmp_path / "jekyll"
    jekyll.mkdir()
    (jekyll / "_config.yml").write_text("markdown: CommonMarkGhPages\n")
    assert site_markdown(read_site(jekyll)).kramdown is False and site_markdown(read_site(jekyll)).math_after_markdown
    (jekyll / "_config.yml").write_text("title: x\n")
    assert site_markdown(read_site(jekyll)).kramdown
