"""Shortcodes from Zola and Hugo posts become what the site showed, never braces on the page."""

from __future__ import annotations

from lxml import etree

from chapbook.markdown import render_body


def render(markdown: str, **extra: object) -> tuple[etree._Element, list]:
    warnings: list = []
    images = {"pics/a.png": "images/a.png", "b.jpg": "images/b.jpg", "c.jpg": "images/c.jpg"}
    xhtml = render_body(markdown, language="en", id_prefix="e--",
                        resolve_image=lambda src, alt, line: images.get(src),
                        warn_shortcode=lambda name, line: warnings.append((name, line)), **extra).xhtml
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
