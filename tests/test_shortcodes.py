"""Shortcodes from Zola and Hugo posts become what the site showed, never braces on the page."""

from __future__ import annotations

import re

from lxml import etree

from chapbook.markdown import RenderContext, render_body


def render(markdown: str, **extra: object) -> tuple[etree._Element, list]:
    warnings: list = []
    images = {"pics/a.png": "images/a.png", "b.jpg": "images/b.jpg", "c.jpg": "images/c.jpg"}
    def warn(message: str, line: int | None) -> None:
        named = re.match(r'shortcode "(.+?)" is not one', message)
        warnings.append((named[1] if named else message, line))

    xhtml = render_body(markdown, RenderContext(language="en", id_prefix="e--",
                        resolve_image=lambda src, alt, line: images.get(src), warn=warn, **extra)).xhtml
    return etree.fromstring(f"<div>{xhtml}</div>"), warnings


def test_zola_inline_image_shortcode() -> None:
    root, _ = render('Intro.\n\n  {{ resize_image(path="pics/a.png", width=150, op="fit") }}\n')
    assert root.find(".//img").get("src") == "images/a.png"
    assert "{{" not in etree.tostring(root, encoding="unicode")


def test_hugo_figure_with_caption_and_youtube_embed() -> None:
    root, _ = render('{{< figure src="b.jpg" caption="The bridge at dawn" >}}\n\n{{< youtube dQw4w9WgXcQ >}}\n')
    assert root.findtext(".//figure/figcaption") == "The bridge at dawn"
    link = root.find(".//span[@class='embed']/a")
    assert link.get("href") == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def test_zola_paired_shortcode_renders_its_markdown_body() -> None:
    root, _ = render('Before.\n\n{% quote(author="A. Friend") %}\nKeep *walking*.\n{% end %}\n\nAfter.\n')
    quote = root.find("blockquote")
    assert quote.findtext("p/em") == "walking" and quote.findtext("cite") == "— A. Friend"
    assert ["".join(p.itertext()) for p in root.findall("p")] == ["Before.", "After."]


def test_paired_shortcodes_opened_and_closed_on_one_line() -> None:
    root, warnings = render('{% quote(author="A. Friend") %}Keep *walking*.{% end %}\n\n'
                            '{{< quote author="B. Near" >}}Mind the *step*.{{< /quote >}}\n\n'
                            "She said {% aside() %}very *quietly*{% end %} and left, {{< mark >}}twice{{< /mark >}}.\n")
    quotes = root.findall("blockquote")
    assert [(q.findtext("p/em"), q.findtext("cite")) for q in quotes] == [("walking", "— A. Friend"), ("step", "— B. Near")]
    said = root.find("p")
    assert "".join(said.itertext()) == "She said very quietly and left, twice." and said.findtext("em") == "quietly"
    assert warnings == [("aside", 5), ("mark", 5)]
    assert "{" not in "".join(root.itertext())


def test_a_paired_shortcode_nested_in_one_of_its_name_closes_its_own_pair() -> None:
    root, _ = render("{{< details >}}\n{{< details >}}inner *part*{{< /details >}}\nouter part\n{{< /details >}}\n\nAfter.\n")
    assert ["".join(p.itertext()) for p in root.findall("p")] == ["inner part", "outer part", "After."]


def test_escaped_shortcodes_show_as_written_in_code_and_text() -> None:
    root, _ = render("```\n{{/* gallery() */}}\n```\n\nWrite `{{/* youtube(id=\"x\") */}}` to embed.\n")
    assert root.findtext("pre/code") == "{{ gallery() }}\n"
    assert root.findtext("p/code") == '{{ youtube(id="x") }}'


def test_a_gallery_shows_the_pictures_beside_the_page() -> None:
    root, _ = render("{{ gallery() }}\n", page_assets=("b.jpg", "c.jpg"))
    assert [img.get("src") for img in root.iter("img")] == ["images/b.jpg", "images/c.jpg"]


def test_an_unknown_shortcode_keeps_its_body_and_is_named_with_its_line() -> None:
    root, warnings = render("Intro.\n\n{% aside(kind=\"note\") %}\nA *kept* thought.\n{% end %}\n\nSee {{ sparkle() }} here.\n")
    assert root.findtext(".//em") == "kept"
    assert warnings == [("aside", 3), ("sparkle", 7)]
    assert "{" not in "".join(root.itertext())


def test_a_sites_own_picture_shortcode_shows_the_picture() -> None:
    root, warnings = render('{{ high_res_image(path="pics/a.png") }}\n')
    assert root.find(".//img").get("src") == "images/a.png" and warnings == []


def test_a_book_draws_a_shortcode_with_its_own_template(tmp_path) -> None:
    from conftest import build_book, epub_files, pdf_page_texts, run_chapbook

    book = tmp_path / "book"
    (book / "shortcodes").mkdir(parents=True)
    (book / "book.toml").write_text('title = "Codes"\nshortcodes = { note = "shortcodes/note.html", '
                                    'youtube = "shortcodes/film.html", broken = "shortcodes/broken.html" }\n')
    (book / "shortcodes/note.html").write_text(
        '<aside class="note"><p class="note-label">{{ kind | default("Note") }}</p>{{ body }}</aside>'
        "<script>steal()</script>\n")
    (book / "shortcodes/film.html").write_text(
        '<span class="film">Film {{ args[0] }}, “{{ title }}”{{ "".__class__.__mro__ }}</span>\n')
    (book / "shortcodes/broken.html").write_text("{{ 1 / 0 }}\n")
    (book / "a.md").write_text('+++\ntitle = "A"\n+++\nText.\n\n{% note(kind="Aside <b>") %}\nThis is *inside*.\n'
                               '{% end %}\n\nSee {{< youtube abc123 title="Owls" >}} now, {{ broken() }}then.\n')
    built = build_book(book, tmp_path / "out")
    chapter = etree.fromstring(epub_files(built.epub)["EPUB/a.xhtml"])
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    note = chapter.find(".//x:aside[@class='note']", ns)
    assert note.findtext("x:p[@class='note-label']", namespaces=ns) == "Aside <b>"  # arguments are escaped
    assert "".join(note.find("x:p/x:em", ns).itertext()) == "inside"  # the body is the rendered Markdown
    film = chapter.find(".//x:span[@class='film']", ns)
    assert "".join(film.itertext()) == "Film abc123, “Owls”"  # the book's template wins over the built-in; sandboxed
    assert b"steal" not in epub_files(built.epub)["EPUB/a.xhtml"]
    assert re.search(r"a\.md:10: the shortcode template \S*shortcodes/broken\.html failed", built.stderr)
    assert "Film abc123" in " ".join(pdf_page_texts(built.pdf))

    (book / "shortcodes/broken.html").write_text("{% if %}\n")
    result = run_chapbook("build", str(book), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1 and "shortcodes/broken.html:1: shortcode template:" in result.stderr


def test_hugo_highlight_is_a_code_block_kept_as_written() -> None:
    root, warnings = render('Before.\n\n{{< highlight python "linenos=table" >}}\ndef f(x):\n    return x < 2  # *not* emphasis\n'
                            "{{< /highlight >}}\n\nAfter.\n")
    code = root.find("pre/code")
    assert code.get("class") == "language-python"
    assert code.text == "def f(x):\n    return x < 2  # *not* emphasis"
    assert warnings == [] and [p.xpath("string()") for p in root.findall("p")] == ["Before.", "After."]


def test_jekyll_liquid_tags_outside_a_jekyll_post_are_left_to_zola_and_hugo_rules() -> None:
    markdown = "Before {% include signup.html %} and {{ page.title }}.\n\n```\n{% block content %}\n```\n"
    zola, _ = render(markdown)
    assert "{% block content %}" in zola.findtext(".//code")  # a Zola template shown in its docs stays
    jekyll, warnings = render(markdown, liquid=True)
    assert [name for name, _ in warnings] == ["{% include %}", "{% block %}", "{{ page.title }}"]
    assert "{" not in "".join(jekyll.itertext())  # a Jekyll post: Liquid read first, no braces left


def test_social_embeds_are_titled_links() -> None:
    root, warnings = render('{{< tweet user="lanefolk" id="1234567" >}}\n\n{{< tweet 7654321 >}}\n\n'
                            "{{< instagram CxYz123 >}}\n")
    links = [(a.getparent().text, a.get("href")) for a in root.iter("a")]
    assert links == [("Post on X: ", "https://x.com/lanefolk/status/1234567"),
                     ("Post on X: ", "https://x.com/i/status/7654321"),
                     ("Instagram post: ", "https://www.instagram.com/p/CxYz123/")]
    assert warnings == []
