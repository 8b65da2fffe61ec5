"""Sites read as their generators publish them: every picture the site would show is in the book, and
every link between posts lands inside it. The fixture sites below use each address rule of Zola, Hugo
and Jekyll; what each picture and link should become is worked out here from the generators'
documentation, not from chapbook's code."""

from __future__ import annotations

import io
import random
import re
import shutil
import textwrap
import zipfile
from pathlib import Path

import pypdf
import pytest
from lxml import etree
from PIL import Image

from ace_helper import ace_violations
from chapbook.sources.essays import slugify
from conftest import Built, build_book

XHTML = "{http://www.w3.org/1999/xhtml}"


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n") if not text.startswith("\n\n") else text)


def picture(path: Path, size: tuple[int, int]) -> None:
    """A picture whose size is its fingerprint: the PDF's images are found again by their pixel sizes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (120, 90 + size[0] % 100, 60)).save(path)


def site_of(folder: Path, files: dict[str, str], pictures: dict[str, tuple[int, int]]) -> Path:
    """A fixture site: its text files, and its pictures, each of its own pixel size."""
    write(folder, files)
    for name, size in pictures.items():
        picture(folder / name, size)
    return folder


def chapters(epub: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(epub) as archive:
        return {name: etree.fromstring(archive.read(name)) for name in archive.namelist()
                if name.endswith(".xhtml") and not name.endswith(("nav.xhtml", "cover.xhtml"))}


def book_pictures(epub: Path) -> set[tuple[int, int]]:
    """The pixel sizes of the pictures the EPUB carries."""
    with zipfile.ZipFile(epub) as archive:
        return {Image.open(io.BytesIO(archive.read(name))).size for name in archive.namelist()
                if name.startswith("EPUB/images/") and not name.endswith(".svg")}


def pdf_pictures(pdf: Path) -> set[tuple[int, int]]:
    sizes = set()
    for page in pypdf.PdfReader(pdf).pages:
        for image in page.images:
            sizes.add(image.image.size)
    return sizes


def links(epub: Path) -> dict[str, str]:
    """Each link's words → where it goes."""
    found = {}
    for root in chapters(epub).values():
        for anchor in root.iter(f"{XHTML}a"):
            words = "".join(anchor.itertext()).strip()
            if words.startswith("→"):
                found[words] = anchor.get("href", "")
    return found


def text_of(epub: Path) -> str:
    return "\n".join("".join(root.itertext()) for root in chapters(epub).values())


# ---------------------------------------------------------------------------------------------------
# Zola: base_url with a path, `path` in front matter, slugs, dated file names, aliases, bundles,
# static/, leading blank lines before the front matter, @/ links.

ZOLA = {
    "config.toml": """
        base_url = "https://host.example/blog"
        title = "Paper Lanterns"
        """,
    "content/_index.md": "+++\ntitle = \"Home\"\n+++\n",
    "content/essays/_index.md": "+++\ntitle = \"Essays\"\ntransparent = true\n+++\n",
    # Zola reads front matter after blank lines; this essay must keep its title and weight.
    "content/essays/lantern.md": "\n\n+++\ntitle = \"The Lantern\"\nweight = 1\npath = \"a-post\"\n+++\n\n"
        "A paper lantern hangs by the door. ![the lantern at night](../img/lantern.png)\n\n"
        "[→ to the river](/blog/2020/the-river/) and [→ the river again](https://www.host.example/blog/essays/river-walk/) "
        "and [→ by the file](@/essays/2020-01-02-river.md) and [→ the old address](http://host.example/blog/old/river.html)\n\n"
        "[→ the zine](/blog/zines/lantern.pdf) and [→ the bundle map](../essays/bundle/map.png)\n",
    "content/essays/2020-01-02-river.md": """
        +++
        title = "The River"
        weight = 2
        slug = "River Walk"
        aliases = ["2020/the-river/", "old/river.html"]
        +++

        The river runs under the bridge. ![the bridge](/img/bridge.png)

        ![the lantern from the page's own address](../../img/lantern.png)
        """,
    "content/essays/bundle/index.md": """
        +++
        title = "A Bundle"
        weight = 3
        +++

        A page with its own pictures. ![a map](map.png) ![the same map](/blog/essays/bundle/map.png)
        ![the stones](https://host.example/blog/img/stones.png)

        [→ back to the lantern](../../a-post/) <a href="../../a-post/">→ raw, to the lantern</a>
        <a href="/blog/zines/lantern.pdf">→ raw, to the zine</a>
        """,
}
ZOLA_PICTURES = {"static/img/lantern.png": (64, 40), "static/img/bridge.png": (66, 40),
                 "content/essays/bundle/map.png": (68, 40), "static/img/stones.png": (70, 40)}


@pytest.fixture(scope="module")
def zola(tmp_path_factory: pytest.TempPathFactory) -> Built:
    site = site_of(tmp_path_factory.mktemp("zola-site"), ZOLA, ZOLA_PICTURES)
    (site / "static/zines").mkdir(parents=True)
    (site / "static/zines/lantern.pdf").write_bytes(b"%PDF-1.4\n")
    return build_book(site, tmp_path_factory.mktemp("zola-out"))


def test_zola_every_picture_the_site_shows_is_in_both_books(zola: Built) -> None:
    assert set(ZOLA_PICTURES.values()) <= book_pictures(zola.epub)
    assert set(ZOLA_PICTURES.values()) <= pdf_pictures(zola.pdf)
    assert "not found" not in zola.stderr


@pytest.mark.parametrize("site", ["zola", "hugo_site", "jekyll_site"])
def test_no_critical_or_serious_accessibility_violation(site: str, request: pytest.FixtureRequest) -> None:
    assert ace_violations(request.getfixturevalue(site).epub) == []


def test_zola_front_matter_after_blank_lines_is_front_matter(zola: Built) -> None:
    text = text_of(zola.epub)
    assert "+++" not in text and 'title = "' not in text
    titles = [root.findtext(f".//{XHTML}h1") for root in chapters(zola.epub).values()]
    assert "The Lantern" in titles


def test_zola_links_between_posts_land_in_the_book(zola: Built) -> None:
    found = links(zola.epub)
    for words in ("→ to the river", "→ the river again", "→ by the file", "→ the old address"):
        assert found[words].startswith("river-walk.xhtml") or found[words].startswith("#river-walk"), (words, found)
    assert "a-post" in found["→ back to the lantern"] and "http" not in found["→ back to the lantern"]
    # A file the site serves that is not in the book: a web link to where the site serves it.
    assert found["→ the zine"] == "https://host.example/blog/zines/lantern.pdf"
    # Links written as raw HTML are resolved as Markdown's are.
    assert found["→ raw, to the zine"] == "https://host.example/blog/zines/lantern.pdf"
    assert "a-post" in found["→ raw, to the lantern"] and "http" not in found["→ raw, to the lantern"]
    assert found["→ the bundle map"] == "https://host.example/blog/essays/bundle/map.png"


# ---------------------------------------------------------------------------------------------------
# Hugo: config.yaml with lower-case keys, baseURL with a path, mainSections, [permalinks], slug, url,
# leaf bundles, uglyURLs for one section, the theme's static/, http links to the https site.

HUGO = {
    "config.yaml": """
        baseurl: "https://www.example.org/journal/"
        title: "Kitchen Window"
        theme: plain
        uglyurls:
          notes: true
        permalinks:
          posts: "/:year/:month/:slug/"
        params:
          mainsections: ["posts", "notes"]
        """,
    "content/about.md": "---\ntitle: About me\n---\nA page about the writer, not a post.\n",
    "content/talks.md": "---\ntitle: Talks\n---\nTalks given.\n",
    "content/posts/kettle.md": """
        ---
        title: "The Kettle"
        date: 2021-03-04
        slug: "old-kettle"
        ---

        The kettle whistles. ![steam](http://example.org/journal/images/steam.png)
        ![a cup](/journal/images/cup.png) ![from the theme](/images/theme.png)

        [→ the walk](/journal/2021/04/a-walk/) [→ the note](https://example.org/journal/notes/beans.html)
        [→ the special page](https://www.example.org/journal/special/place/) [→ the zine](/journal/zines/k.pdf)
        [→ about](/journal/about/)
        """,
    "content/posts/walk/index.md": """
        ---
        title: "A Walk"
        date: 2021-04-01
        ---

        Out past the fields. ![the map](map.png) ![the map by address](/journal/2021/04/a-walk/map.png)
        ![the photo](photos/field.png)
        """,
    "content/posts/special.md": """
        ---
        Title: "Somewhere Special"
        date: 2021-05-01
        URL: /special/place/
        ---

        A page with an address of its own. ![a cup again](../../images/cup2.png)
        """,
    "content/notes/beans.md": """
        ---
        title: "Beans"
        date: 2021-06-01
        ---

        A short note. [→ back to the kettle](../2021/03/old-kettle/)
        """,
}
HUGO_PICTURES = {"static/images/steam.png": (80, 50), "static/images/cup.png": (82, 50),
                 "themes/plain/static/images/theme.png": (84, 50), "content/posts/walk/map.png": (86, 50),
                 "content/posts/walk/photos/field.png": (88, 50), "static/images/cup2.png": (90, 50)}


@pytest.fixture(scope="module")
def hugo_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    site = site_of(tmp_path_factory.mktemp("hugo-site"), HUGO, HUGO_PICTURES)
    return build_book(site, tmp_path_factory.mktemp("hugo-out"))


def test_hugo_every_picture_the_site_shows_is_in_both_books(hugo_site: Built) -> None:
    assert set(HUGO_PICTURES.values()) <= book_pictures(hugo_site.epub)
    assert set(HUGO_PICTURES.values()) <= pdf_pictures(hugo_site.pdf)
    assert "on the web" not in hugo_site.stderr and "not found" not in hugo_site.stderr


def test_hugo_the_book_is_the_main_sections_and_says_what_it_left_out(hugo_site: Built) -> None:
    text = text_of(hugo_site.epub)
    assert "The kettle whistles" in text and "A short note" in text
    assert "A page about the writer" not in text and "Talks given" not in text
    assert "2 other pages left out (about.md, talks.md)" in hugo_site.stderr


def test_hugo_links_follow_permalinks_slugs_urls_and_ugly_urls(hugo_site: Built) -> None:
    found = links(hugo_site.epub)
    assert found["→ the walk"].startswith("walk.xhtml"), found
    assert found["→ the note"].startswith("beans.xhtml"), found
    assert found["→ the special page"].startswith("special.xhtml"), found
    assert found["→ back to the kettle"].startswith("old-kettle.xhtml"), found
    assert found["→ the zine"] == "https://www.example.org/journal/zines/k.pdf"
    assert found["→ about"] == "https://www.example.org/journal/about/"


# ---------------------------------------------------------------------------------------------------
# Jekyll: url + baseurl, a permalink pattern, a post's own permalink, categories, .markdown, static
# files from the root, {{ site.baseurl }} and post_url.

JEKYLL = {
    "_config.yml": """
        url: "https://notes.example.com"
        baseurl: "/site"
        title: "Garden Notes"
        permalink: pretty
        repository: https://code.example.com/garden
        collections:
          posts:
            permalink: /news/:year/:month/:day/:title/
          docs:
            output: true
            permalink: /:collection/:path/
        """,
    "_posts/2020-05-06-first-light.md": """
        ---
        title: "First Light"
        categories: [Garden]
        ---

        The beds are dug. ![the bed](/site/img/bed.png) ![the bed again]({{ site.baseurl }}/img/bed2.png)
        ![up five folders](../../../../../img/bed3.png)

        [→ the second](/site/custom/second.html) [→ by post_url]({% post_url 2020-06-07-second %})
        [→ the about page](/site/about.html) [→ the code]({{ site.repository }}/issues)
        [→ the history]({% link _docs/history.md %}) [→ the assets]({{ "/docs/assets/" | relative_url }})
        """,
    "_posts/2020-06-07-second.markdown": """
        ---
        title: "Second Planting"
        permalink: /custom/second.html
        ---

        Beans go in. [→ the first](https://notes.example.com/site/news/2020/05/06/first-light/)
        ![a seed](img/seed.png)
        """,
    "about.md": "---\ntitle: About\n---\nA page, not a post.\n",
    "_docs/history.md": "---\ntitle: History\n---\nThe garden's history, a document of the docs collection.\n",
}
JEKYLL_PICTURES = {"img/bed.png": (100, 60), "img/bed2.png": (102, 60), "img/bed3.png": (104, 60),
                   "custom/img/seed.png": (106, 60)}


@pytest.fixture(scope="module")
def jekyll_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    site = site_of(tmp_path_factory.mktemp("jekyll-site"), JEKYLL, JEKYLL_PICTURES)
    return build_book(site, tmp_path_factory.mktemp("jekyll-out"))


def test_jekyll_every_picture_the_site_shows_is_in_both_books(jekyll_site: Built) -> None:
    assert set(JEKYLL_PICTURES.values()) <= book_pictures(jekyll_site.epub)
    assert set(JEKYLL_PICTURES.values()) <= pdf_pictures(jekyll_site.pdf)


def test_jekyll_links_follow_permalinks(jekyll_site: Built) -> None:
    found = links(jekyll_site.epub)
    assert found["→ the second"].startswith("second-planting.xhtml") or "second" in found["→ the second"], found
    assert not found["→ the second"].startswith("http"), found
    assert not found["→ by post_url"].startswith("http"), found
    assert not found["→ the first"].startswith("http"), found
    assert found["→ the about page"] == "https://notes.example.com/site/about.html"
    assert found["→ the code"] == "https://code.example.com/garden/issues"  # {{ site.repository }} from _config.yml
    assert found["→ the history"] == "https://notes.example.com/site/docs/history/"  # a collection's document
    assert found["→ the assets"] == "https://notes.example.com/site/docs/assets/"


# ---------------------------------------------------------------------------------------------------
# The Rust blog, a real Zola site: a fixed, seeded sample of its posts (the whole blog is built by
# hand; see the benchmarks), with the pictures its page bundles hold.

RUST_BLOG = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "rust-blog"


def rust_blog_sample(into: Path, with_pictures: int = 12, without: int = 6) -> list[Path]:
    content = RUST_BLOG / "content"
    posts = sorted(p for p in content.rglob("*.md") if p.name != "_index.md")
    pictured = [p for p in posts if p.name == "index.md" and re.search(r"!\[|<img", p.read_text(encoding="utf-8"))]
    chosen = random.Random(2026).sample(pictured, with_pictures) + \
        random.Random(2026).sample([p for p in posts if p not in pictured], without)
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy(RUST_BLOG / "config.toml", into / "config.toml")
    for index in content.rglob("_index.md"):
        (into / index.relative_to(RUST_BLOG)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(index, into / index.relative_to(RUST_BLOG))
    for post in chosen:
        source = post.parent if post.name == "index.md" else post
        target = into / source.relative_to(RUST_BLOG)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
    return chosen


def expected_bundle_pictures(post: Path) -> set[str]:
    """What Zola serves beside a page bundle and the post shows: relative picture paths whose file the
    corpus holds (larger ones were left out of it, as a missing file would be)."""
    text = post.read_text(encoding="utf-8")
    sources = re.findall(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)", text) + re.findall(r'<img[^>]*\ssrc="([^"]+)"', text)
    return {(post.parent / src).resolve().name for src in sources
            if "://" not in src and not src.startswith("/") and (post.parent / src).is_file()}


@pytest.mark.skipif(not RUST_BLOG.is_dir(), reason="shared/corpora is not beside this checkout")
def test_a_sample_of_the_rust_blog_shows_every_picture_and_keeps_its_links(tmp_path: Path) -> None:
    chosen = rust_blog_sample(tmp_path / "site")
    built = build_book(tmp_path / "site", tmp_path / "out")  # epubcheck: nothing to report
    expected = set().union(*(expected_bundle_pictures(post) for post in chosen))
    assert len(expected) >= 20
    with zipfile.ZipFile(built.epub) as archive:
        carried = {Path(name).stem for name in archive.namelist() if name.startswith("EPUB/images/")}
    assert {slugify(Path(name).stem) for name in expected} <= carried
    rasters = {name for name in expected if not name.endswith(".svg")}
    assert sum(len(page.images) for page in pypdf.PdfReader(built.pdf).pages) >= len(rasters)
    text = text_of(built.epub)
    assert "+++" not in text and "path = " not in text
    assert ace_violations(built.epub) == []
    for root in chapters(built.epub).values():
        for anchor in root.iter(f"{XHTML}a"):
            href = anchor.get("href")
            assert href is None or href.startswith(("#", "http:", "https:", "mailto:")) or ".xhtml" in href, href


# ---------------------------------------------------------------------------------------------------
# The Jekyll project's news, a real Jekyll blog of 102 posts: its posts' permalinks come from
# `collections: posts: permalink`, their links between each other from post_url, link and addresses.

JEKYLL_NEWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "jekyll-news"


@pytest.mark.skipif(not JEKYLL_NEWS.is_dir(), reason="shared/corpora is not beside this checkout")
def test_the_jekyll_news_build_whole_with_every_link_between_posts_inside(tmp_path: Path) -> None:
    built = build_book(JEKYLL_NEWS, tmp_path / "out")  # epubcheck, and no .notdef in the PDF
    posts = sorted((JEKYLL_NEWS / "_posts").glob("*.m*"))
    assert len(chapters(built.epub)) >= len(posts)
    text = text_of(built.epub)
    assert not re.search(r"^(title|layout|date|author):", text, re.MULTILINE)  # no front matter printed
    hrefs = [anchor.get("href") for root in chapters(built.epub).values() for anchor in root.iter(f"{XHTML}a")
             if anchor.get("href")]
    # Links to other posts, by their address, post_url or link: inside the book, none to the site's news.
    assert not [h for h in hrefs if re.match(r"https?://(www\.)?jekyllrb\.com/news/\d{4}/", h)]
    written = sum(len(re.findall(r"\{%-? *post_url +\S+|\]\((?:https?://jekyllrb\.com)?/news/\d{4}/|\{%-? *link _posts/",
                                 post.read_text(encoding="utf-8"))) for post in posts)
    assert written >= 8
    assert len([h for h in hrefs if ".xhtml#" in h or (h.startswith("#") and "--" not in h)]) >= written
    assert "names no post in this book" not in built.stderr
    assert ace_violations(built.epub) == []
