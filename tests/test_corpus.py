"""A real site nobody here wrote (the Zola docs), built as a folder of essays."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from markdown_it import MarkdownIt

from chapbook.assemble import read_book
from ace_helper import ace_violations
from conftest import ROOT, build_book
from epubcheck_helper import epubcheck_messages

DOCS = ROOT.parent / "shared" / "corpora" / "zola-docs" / "content" / "documentation"
pytestmark = pytest.mark.skipif(not DOCS.is_dir(), reason="shared/corpora is not beside this checkout")


@pytest.fixture(scope="module")
def docs_epub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_book(DOCS, tmp_path_factory.mktemp("docs"), "--format", "epub").epub


def test_the_docs_epub_passes_epubcheck(docs_epub: Path) -> None:
    assert epubcheck_messages(docs_epub) == []


def test_the_docs_epub_has_no_critical_or_serious_accessibility_violation(docs_epub: Path) -> None:
    assert ace_violations(docs_epub) == []


def test_every_page_is_a_chapter_and_links_between_pages_stay_in_the_book(docs_epub: Path) -> None:
    pages = [p for p in DOCS.rglob("*.md") if p.name != "_index.md"]
    with zipfile.ZipFile(docs_epub) as archive:
        front = {"EPUB/nav.xhtml", "EPUB/cover.xhtml", "EPUB/titlepage.xhtml", "EPUB/copyright.xhtml",
                 "EPUB/dedication.xhtml", "EPUB/backmatter.xhtml"}
        chapters = [n for n in archive.namelist() if n.endswith(".xhtml") and n not in front]
        hrefs = [a.get("href") for name in chapters
                 for a in etree.fromstring(archive.read(name)).iter("{http://www.w3.org/1999/xhtml}a")]
    assert len(chapters) == len(pages)
    internal = [h for h in hrefs if h and not h.startswith(("http:", "https:", "mailto:"))]
    assert not [h for h in internal if h.startswith("@") or ".md" in h]
    assert len([h for h in internal if ".xhtml#" in h]) >= 40  # links across chapters name the file


def test_no_shortcode_braces_reach_the_page_outside_code(docs_epub: Path) -> None:
    with zipfile.ZipFile(docs_epub) as archive:
        for name in archive.namelist():
            if not name.endswith(".xhtml"):
                continue
            root = etree.fromstring(archive.read(name))
            for code in list(root.iter("{http://www.w3.org/1999/xhtml}pre", "{http://www.w3.org/1999/xhtml}code")):
                code.text = None  # examples of template syntax are meant to show their braces
                for child in code:
                    code.remove(child)
            text = "".join(root.itertext())
            assert "{{" not in text and "{%" not in text, name


def test_the_colocated_pictures_are_in_the_book(docs_epub: Path) -> None:
    bundle = DOCS / "content" / "image-processing"
    with zipfile.ZipFile(docs_epub) as archive:
        images = {Path(n).name for n in archive.namelist() if n.startswith("EPUB/images/")}
    assert {p.name for p in bundle.iterdir() if p.suffix in {".png", ".jpg"}} <= images


def reference_counts(markdown: str) -> Counter:
    """What a plain CommonMark renderer (as Zola's) makes of a post: the blocks a reader would count."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(footnote_plugin).parse(markdown)
    kinds = Counter(t.type for t in tokens)
    inline = Counter(c.type for t in tokens for c in t.children or [])
    return Counter({"headings": kinds["heading_open"], "items": kinds["list_item_open"],
                    "quotes": kinds["blockquote_open"], "tables": kinds["table_open"],
                    "code": kinds["fence"] + kinds["code_block"], "links": inline["link_open"]})


def book_counts(chapter: etree._Element) -> Counter:
    x = "{http://www.w3.org/1999/xhtml}"
    body = chapter.find(f".//{x}section")
    links = [a for a in body.iter(f"{x}a") if a.get("{http://www.idpf.org/2007/ops}type") != "noteref"
             and "footnote-backref" not in (a.get("class") or "")]
    return Counter({"headings": sum(len(list(body.iter(f"{x}h{n}"))) for n in range(2, 7)),
                    "items": len(list(body.iter(f"{x}li"))), "quotes": len(list(body.iter(f"{x}blockquote"))),
                    "tables": len(list(body.iter(f"{x}table"))), "code": len(list(body.iter(f"{x}pre"))),
                    "links": len(links)})


def test_every_post_holds_what_commonmark_gives(tmp_path: Path) -> None:
    built = build_book(DOCS, tmp_path / "out", "--format", "epub")
    dropped = Counter(re.findall(r"warning: (\S+?):\d+: link .*? its words are kept", built.stderr))
    # Which file holds which post (several posts share a title, so ask the book model).
    files = {essay.source.resolve(): essay.file_name for essay in read_book(DOCS).essays}
    differing = {}
    archive = zipfile.ZipFile(built.epub)
    for post in sorted(p for p in DOCS.rglob("*.md") if p.name != "_index.md"):
        text = post.read_text(encoding="utf-8")
        body = text.split("+++", 2)[2] if text.startswith("+++") else text
        expected = reference_counts(body)
        # Links to pages outside the book keep their words but not the link; the build says so, post by post.
        expected["links"] -= sum(n for path, n in dropped.items() if post.as_posix().endswith(path.lstrip("./")))
        got = book_counts(etree.fromstring(archive.read(f"EPUB/{files[post.resolve()]}")))
        if got != expected:
            differing[post.relative_to(DOCS).as_posix()] = (dict(expected - got), dict(got - expected))
    assert differing == {}


def test_the_whole_site_builds_from_its_root_with_its_links_inside_the_book(tmp_path: Path) -> None:
    site = DOCS.parents[1]  # zola-docs/: config.toml, content/, static/, templates/
    built = build_book(site, tmp_path / "out", "--format", "epub")  # epubcheck: nothing to report
    # The @/ links CommonMark reads as links (an example inside code is not one).
    reader = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    written = sum(1 for page in (site / "content").rglob("*.md") if page.name != "_index.md"
                  for token in reader.parse(page.read_text(encoding="utf-8")) for child in token.children or []
                  if child.type == "link_open" and str(child.attrGet("href")).startswith("@/"))
    to_the_web = re.findall(r'link "(@/[^"]+)" points to a page that is not in this book; it links to https://www\.getzola\.org/',
                            built.stderr)
    with zipfile.ZipFile(built.epub) as archive:
        names = archive.namelist()
        xrefs = sum(1 for name in names if name.endswith(".xhtml")
                    for a in etree.fromstring(archive.read(name)).iter("{http://www.w3.org/1999/xhtml}a")
                    if a.get("class") == "xref")
    # Every @/ link lands on its chapter, but those to the themes list, a page the corpus does not hold.
    assert written == 62 and len(to_the_web) == 3 and all(link.startswith("@/themes") for link in to_the_web)
    assert "points to no essay" not in built.stderr
    assert xrefs >= written - len(to_the_web)  # (relative links between pages are links inside the book too)
    assert "<dc:title>Zola</dc:title>" in archive_text(built.epub, "EPUB/content.opf")  # the site's own title
    assert not [n for n in names if "templates" in n]  # the site's templates are not essays


def archive_text(epub: Path, name: str) -> str:
    with zipfile.ZipFile(epub) as archive:
        return archive.read(name).decode("utf-8")
