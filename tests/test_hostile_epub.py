"""What a stranger's essay can put into the books: ids, names, titles, formulas and pictures.

Each case builds a tiny hostile book end to end (tests/hostile.py) and asserts the oracle, then what
the case is about:

- duplicate ids: a heading id repeated within an essay (twice the same heading, a raw <h2 id>, a
  `{#id}`, a raw id taking a footnote's) and the same headings in two essays: every id once per file;
- reserved slugs: essays named as the book's own pages (cover, nav, titlepage, copyright, dedication,
  epigraph, backmatter, toc, acknowledgements, page-1) and a picture named cover: no two entries of
  the EPUB share a name, and a link to nav.md still lands on that essay;
- awkward file names (spaces, non-ASCII, `:` and `?`, `A.md` beside `a.md`) and empty essays (a file
  of nothing, files of only front matter): one chapter file each, links between them kept;
- a title of `</title><script>alert(1)</script>`, for an essay and for the book: no <script> in the
  EPUB's XHTML or nav, and the title read as words in the PDF;
- formulas: `\\href{javascript:…}`, `\\style{…}`, `\\class{…}` and a colour that is no colour leave
  no link, style, class or javascript: in the MathML, and no link in the PDF;
- an SVG picture with a script, an onload, an <image> of the canary picture, an entity of the canary
  text, an escaped CSS url(), an XHTML <img> and an xml:base: the book's copy has none of them;
- a GIF whose comment and trailing bytes carry the canary's token: the book's GIF does not, and
  keeps its frames.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from pathlib import Path

import pikepdf
import pypdf
from lxml import etree
from PIL import Image

from hostile import Canary, Outcome, build_hostile, check_oracle, epub_entries, essay, plant_canary, write_book

XHTML = "http://www.w3.org/1999/xhtml"
MATHML = "http://www.w3.org/1998/Math/MathML"
SVG = "http://www.w3.org/2000/svg"
# The names of the EPUB's own pages and of the ids beside a chapter's (book.toml's Markdown, a page break).
OWN_NAMES = ("cover", "titlepage", "copyright", "dedication", "epigraph", "backmatter", "nav", "toc",
             "acknowledgements", "about-author", "book-epigraph", "page-1")


def built(tmp_path: Path, files: dict[str, str | bytes], canary: Canary | None = None) -> Outcome:
    """Build the book from files; it must succeed and meet the whole oracle."""
    outcome = build_hostile(write_book(tmp_path / "book", files), tmp_path / "out")
    check_oracle(outcome, canary, must_succeed=True)
    return outcome


def documents(epub: Path) -> dict[str, etree._Element]:
    """Every XHTML document of the EPUB (the nav among them), parsed."""
    return {name: etree.fromstring(data) for name, data in epub_entries(epub).items() if name.endswith(".xhtml")}


def chapter_titled(epub: Path, title: str) -> str:
    """The name (as the book's links name it) of the one chapter file whose title is this."""
    found = [name.removeprefix("EPUB/") for name, root in documents(epub).items()
             if any("".join(h.itertext()).strip() == title for h in root.iter(f"{{{XHTML}}}h1"))]
    assert len(found) == 1, (title, found)
    return found[0]


def pdf_text(pdf: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages)


def test_duplicate_heading_ids_within_and_across_essays_are_made_unique(tmp_path: Path) -> None:
    body = ("## Intro\n\nOne.[^1]\n\n## Intro\n\nTwo.\n\n<h2 id=\"intro\">Raw intro</h2>\n\n"
            "## Again {#intro}\n\nThree.\n\n<p id=\"fn1\">A raw paragraph with a note's id.</p>\n\n"
            "<p id=\"a b\">An id with a space.</p>\n\n[back to the intro](#intro)\n\n[^1]: The note.\n")
    outcome = built(tmp_path, {"first.md": essay("First", body, 1), "second.md": essay("Second", body, 2)})
    for name, root in documents(outcome.epub).items():
        repeated = [i for i, count in Counter(root.xpath("//@id")).items() if count > 1]
        assert not repeated, f"{name} repeats the ids {repeated}"
        assert not [i for i in root.xpath("//@id") if " " in i], name
    for title in ("First", "Second"):
        headings = [h for h in documents(outcome.epub)[f"EPUB/{chapter_titled(outcome.epub, title)}"]
                    .iter(f"{{{XHTML}}}h2")]
        assert len({h.get("id") for h in headings}) == 4


def test_essays_named_as_the_books_own_pages_get_files_of_their_own(tmp_path: Path) -> None:
    """Every reserved slug in one book: one build, not twelve."""
    from chapbook.model import RESERVED_SLUGS  # here: the code before the fix has none

    names = sorted(set(OWN_NAMES) | RESERVED_SLUGS)
    files: dict[str, str | bytes] = {
        "book.toml": 'title = "Own Pages"\nauthor = "A. Stranger"\ndedication = "For no one."\n'
                     'book_epigraph = "Words first."\nacknowledgements = "Thanks."\nabout_author = "A stranger."\n',
        **{f"{name}.md": essay(f"Essay {name}", f"The essay named {name}.", weight)
           for weight, name in enumerate(names, start=1)},
    }
    files["cover.md"] = essay("Essay cover", "See [the contents essay](nav.md).\n\n![A picture](cover.png)", 1)
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(picture, "PNG")
    files["cover.png"] = picture.getvalue()
    outcome = built(tmp_path, files)
    with zipfile.ZipFile(outcome.epub) as archive:
        entries = [info.filename for info in archive.infolist()]
    assert len(entries) == len(set(entries)), [name for name, n in Counter(entries).items() if n > 1]
    chapters = {name: chapter_titled(outcome.epub, f"Essay {name}") for name in names}
    assert len(set(chapters.values())) == len(names)
    # The book's own pages are the only other documents, each one a reserved name.
    own = {Path(name).stem for name in entries if name.endswith(".xhtml")} - {Path(f).stem for f in chapters.values()}
    assert own and own <= RESERVED_SLUGS, own
    link = documents(outcome.epub)[f"EPUB/{chapters['cover']}"].find(f".//{{{XHTML}}}a[@href]")
    assert link.get("href").split("#")[0] == chapters["nav"], link.get("href")
    assert sum(1 for name in entries if name.startswith("EPUB/images/cover")) == 2  # the cover, and the picture


def test_awkward_file_names_and_empty_essays_each_make_one_chapter(tmp_path: Path) -> None:
    """Names with spaces, accents, no Latin letter, `:` and `?`, and names that differ only in case; beside
    them an empty file and files of only front matter (one build for all: each is a name or a chapter)."""
    files = {
        "my essay.md": essay("Spaces", "Linked from [the café](<café au lait.md>).", 1),
        "café au lait.md": essay("Accents", "A café.", 2),
        "日本語.md": essay("Kanji", "A name with no Latin letter.", 3),
        "what: why?.md": essay("Punctuation", "A colon and a question mark.", 4),
        "A.md": essay("Upper", "Capital.", 5),
        "a.md": essay("Lower", "Small.", 6),
        "no front matter here.md": "Only words, no front matter, a title from the name.\n",
        "empty.md": "",
        "only-front.md": '+++\ntitle = "Only Front Matter"\nweight = 7\n+++\n',
        "yaml-only.md": "---\ntitle: Only YAML\nweight: 8\n---\n",
    }
    outcome = built(tmp_path, files)
    titles = ["Spaces", "Accents", "Kanji", "Punctuation", "Upper", "Lower", "Only Front Matter", "Only YAML"]
    chapters = {title: chapter_titled(outcome.epub, title) for title in titles}
    assert len(set(chapters.values())) == len(titles)
    assert all(name.isascii() and " " not in name and ":" not in name and "?" not in name
               for name in chapters.values())
    link = documents(outcome.epub)[f"EPUB/{chapters['Spaces']}"].find(f".//{{{XHTML}}}a[@href]")
    assert link.get("href").split("#")[0] == chapters["Accents"]


def test_a_title_of_markup_is_words_not_markup(tmp_path: Path) -> None:
    hostile = "</title><script>alert(1)</script>"
    outcome = built(tmp_path, {
        "book.toml": f"title = '{hostile}'\nauthor = '<script>alert(2)</script>'\n",
        "one.md": f"+++\ntitle = '{hostile}'\nweight = 1\n+++\n\nWords.\n",
    })
    for name, root in documents(outcome.epub).items():
        assert root.find(f".//{{{XHTML}}}script") is None and root.find(".//script") is None, name
    assert b"<script" not in b"".join(epub_entries(outcome.epub).values())
    assert "alert(1)" in pdf_text(outcome.pdf)


def test_formulas_carry_no_links_styles_or_classes(tmp_path: Path) -> None:
    formulas = [r"\href{javascript:alert(1)}{x}", r"\style{color:red; background:url(javascript:alert(2))}{y}",
                r"\class{evil}{z}", r"\color{url(javascript:alert(3))}{w}", r"\href{https://example.org/}{v}"]
    body = "\n\n".join(f"$$\n{formula}\n$$" for formula in formulas)
    outcome = built(tmp_path, {"maths.md": essay("Maths", body)})
    root = documents(outcome.epub)[f"EPUB/{chapter_titled(outcome.epub, 'Maths')}"]
    maths = list(root.iter(f"{{{MATHML}}}math"))
    assert len(maths) == len(formulas)
    for math in maths:
        for element in math.iter():
            for attribute, value in element.attrib.items():
                assert attribute not in ("href", "style", "class") and not attribute.startswith("on"), attribute
                assert attribute == "alttext" or "javascript" not in value.lower(), (attribute, value)
    with pikepdf.open(outcome.pdf) as document:
        assert not [thing for thing in document.objects
                    if isinstance(thing, pikepdf.Dictionary) and "/URI" in thing.keys()
                    and "javascript" in str(thing.URI).lower()]


def test_an_svg_picture_is_carried_clean(tmp_path: Path) -> None:
    canary = plant_canary(tmp_path / "secrets")
    picture, text = canary.picture.as_uri(), canary.text.as_uri()
    drawing = f"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "{text}">]>
<svg xmlns="{SVG}" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:html="{XHTML}"
     width="40" height="30" onload="alert(1)" xml:base="{canary.folder.as_uri()}/">
  <script>alert(2)</script>
  <style>.a {{ fill: \\75 rl({picture}) }} @\\69mport "{canary.stylesheet.as_uri()}";</style>
  <rect class="a" width="40" height="30" fill="#3a6" onclick="alert(3)"/>
  <image href="{picture}" xlink:href="{picture}" width="37" height="23"/>
  <rect width="4" height="4" style="fill: image-set('{picture}' 1x)"/>
  <html:img src="{picture}"/>
  <text x="2" y="20">&secret;</text>
</svg>
"""
    outcome = built(tmp_path, {"drawn.md": essay("Drawn", "![A drawing](drawing.svg)"),
                               "drawing.svg": drawing}, canary)
    carried = [data for name, data in epub_entries(outcome.epub).items() if name.endswith(".svg")]
    assert len(carried) == 1
    root = etree.fromstring(carried[0])
    assert [etree.QName(e).localname for e in root.iter(etree.Element)] == ["svg", "style", "rect", "rect", "text"]
    assert not [a for e in root.iter(etree.Element) for a in e.attrib if etree.QName(a).localname.startswith("on")]
    for needle in (b"file:", b"script", b"alert", b"mport", b"base="):
        assert needle not in carried[0], needle


def test_a_gif_carries_no_comment_or_trailing_bytes(tmp_path: Path) -> None:
    canary = plant_canary(tmp_path / "secrets")
    frames = [Image.new("RGB", (20, 20), colour) for colour in ((200, 0, 0), (0, 200, 0), (0, 0, 200))]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0,
                   comment=canary.token.encode())
    data = gif.getvalue() + canary.token.encode()  # bytes after the GIF's end: a polyglot's second file
    assert canary.token.encode() in data
    outcome = built(tmp_path, {"moving.md": essay("Moving", "![A moving picture](moving.gif)"),
                               "moving.gif": data}, canary)
    carried = [data for name, data in epub_entries(outcome.epub).items() if name.endswith(".gif")]
    assert len(carried) == 1
    with Image.open(io.BytesIO(carried[0])) as picture:
        assert picture.n_frames == 3 and "comment" not in picture.info
