"""Markdown reads as the blog's CommonMark renderer reads it, and comes out as safe XHTML."""

from __future__ import annotations

import pytest
from lxml import etree

from chapbook.markdown import RenderContext, render_body, render_title


def render(markdown: str, images: dict[str, str] | None = None, seen: list | None = None) -> etree._Element:
    def resolve(src: str, alt: str, line: int | None) -> str | None:
        if seen is not None:
            seen.append((src, line))
        return (images or {}).get(src)

    xhtml = render_body(markdown, RenderContext(language="en", id_prefix="essay--", resolve_image=resolve)).xhtml
    return etree.fromstring(f"<div>{xhtml}</div>")  # fails if the XHTML is not well-formed


def texts(root: etree._Element, path: str) -> list[str]:
    return ["".join(e.itertext()).strip() for e in root.iterfind(path)]


def test_a_list_right_under_a_paragraph_is_a_list() -> None:
    root = render("What I packed:\n1. a thermos\n2. a map\n")
    assert texts(root, "p") == ["What I packed:"]
    assert texts(root, "ol/li") == ["a thermos", "a map"]


def test_a_list_nested_by_two_spaces_is_nested() -> None:
    root = render("- seeds\n  - beans\n  - marigolds\n- tools\n")
    assert texts(root, "ul/li/ul/li") == ["beans", "marigolds"]
    assert len(root.findall("ul/li")) == 2


def test_tables_strikethrough_and_fenced_code() -> None:
    root = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n\n```\nkeep  spacing <here>\n```\n")
    assert texts(root, "table/tbody/tr/td") == ["1", "2"]
    assert texts(root, "p/s") == ["gone"]
    assert root.findtext("pre/code") == "keep  spacing <here>\n"


def test_footnotes_link_both_ways_with_ids_unique_to_the_essay() -> None:
    root = render("Text[^1].\n\n[^1]: The note.\n")
    ref = root.find(".//sup/a")
    assert ref.text == "1" and ref.get("href").startswith("#essay--fn")
    target = root.find(f".//*[@id='{ref.get('href')[1:]}']")
    assert target is not None and "The note." in "".join(target.itertext())
    back = target.find(".//a[@class='footnote-backref']")
    assert back.get("href") == "#" + ref.get("id")


@pytest.mark.parametrize("br", ["</br>", "<br>", "<br/>", "<br />", "<BR>", "\\", "  "])
def test_every_form_of_line_break_makes_verse_lines(br: str) -> None:
    root = render(f"> First line{br}\n> Second line{br}\n> Third line\n")
    assert "verse" in root.find("blockquote").get("class").split()
    assert texts(root, "blockquote/p/span[@class='line']") == ["First line", "Second line", "Third line"]
    assert "br>" not in "".join(root.itertext())


def test_double_breaks_and_empty_quote_lines_separate_stanzas() -> None:
    root = render("> a one</br>\n> a two</br></br>\n> b one</br>\n> b two\n>\n> c one</br>\n> c two\n")
    stanzas = root.findall("blockquote/p[@class='stanza']")
    assert [texts(s, "span") for s in stanzas] == [["a one", "a two"], ["b one", "b two"], ["c one", "c two"]]


def test_a_prose_blockquote_stays_a_quotation() -> None:
    root = render("Before.\n\n> Dear Philippa, the spoon is safe.\n> It hangs over the stove.\n")
    assert root.find("blockquote").get("class") is None
    assert texts(root, "blockquote/p") == ["Dear Philippa, the spoon is safe.\nIt hangs over the stove."]


def test_a_br_in_a_paragraph_is_a_line_break_not_text() -> None:
    root = render("one</br>two\n")
    assert root.find("p/br") is not None
    assert "".join(root.itertext()).split() == ["one", "two"]


def test_smart_typography_in_text_and_titles() -> None:
    root = render('"Quoted," it\'s -- and... (c)\n')
    assert "".join(root.find("p").itertext()) == "“Quoted,” it’s\u00a0– and… ©"  # the dash never opens a line
    assert render_title("My Grandmother's \"Kitchen\"", language="en") == "My Grandmother’s “Kitchen”"
    assert render_title('"Titel"', language="de") == "„Titel“"


def test_an_essays_own_headings_move_below_the_chapter_title() -> None:
    root = render("# Top\n\n## Second\n\ntext\n")
    assert [e.tag for e in root if e.tag.startswith("h")] == ["h2", "h3"]
    assert [e.tag for e in render("### Only\n\ntext\n") if e.tag.startswith("h")] == ["h2"]


def test_scripts_handlers_and_javascript_links_are_removed() -> None:
    root = render('Hi <script>alert(1)</script><b onclick="x()">bold</b> <a href="javascript:alert(1)">x</a>\n\n'
                  '<iframe src="https://example.com"></iframe>\n')
    markup = etree.tostring(root, encoding="unicode")
    for bad in ("script", "alert", "onclick", "javascript", "iframe"):
        assert bad not in markup
    assert root.findtext("p/b") == "bold"


def test_embedded_players_become_a_note_with_a_link_to_what_they_showed() -> None:
    root = render('Before.\n\n<iframe src="https://www.youtube.com/embed/abc_12?rel=0" title="The river in flood">'
                  '</iframe>\n\nHeard <audio controls><source src="//sounds.example.org/owl.mp3"></audio> at '
                  'night, and <iframe src="javascript:alert(1)"></iframe>nothing else.\n')
    note = root.find("p[@class='embed']")
    assert "".join(note.itertext()) == ("YouTube video: The river in flood (on the web at "
                                        "https://www.youtube.com/watch?v=abc_12)")
    assert note.find("a").get("href") == "https://www.youtube.com/watch?v=abc_12"
    inline = root.find("p/span[@class='embed']")  # inside a sentence, the note stays in the line
    assert inline.find("a").get("href") == "https://sounds.example.org/owl.mp3"
    assert "".join(inline.itertext()).startswith("Audio (on the web at")
    markup = etree.tostring(root, encoding="unicode")
    assert "javascript" not in markup and "iframe" not in markup and "audio" not in markup


def test_broken_html_is_repaired_and_details_are_kept() -> None:
    root = render('<div class="aside"><p>An unclosed <em>thought\n\n<details><summary>More</summary>'
                  "Hidden</details>\n\nAfter</span> the stray tag.\n")
    assert "".join(root.find(".//details/summary").itertext()) == "More"  # the XHTML parsed: well-formed
    assert "".join(root.itertext()).count("thought") == 1
    # An inline element the parser had to carry across paragraphs is dropped, not left around them.
    assert not root.xpath(".//em[.//p or .//details or .//div]")
    assert "After the stray tag." in " ".join("".join(root.itertext()).split())


def test_images_are_resolved_with_their_line_and_missing_ones_show_their_alt_text() -> None:
    seen: list = []
    root = render("Intro.\n\n![A lamp](img/lamp.jpg)\n\n![Gone](img/none.png)\n", {"img/lamp.jpg": "images/lamp.jpg"}, seen)
    assert seen == [("img/lamp.jpg", 3), ("img/none.png", 5)]
    assert root.find(".//img").get("src") == "images/lamp.jpg"
    assert texts(root, ".//span[@class='missing-image']") == ["Gone"]


def test_raw_html_images_are_resolved_too_with_their_line() -> None:
    seen: list = []
    root = render('Intro.\n\n<p>See\n<img src="../../etc/passwd" alt="secret"></p>\n\nAnd <img src="a.png"\nalt="a">\n', {}, seen)
    assert seen == [("../../etc/passwd", 4), ("a.png", 6)]
    assert root.find(".//img") is None
    assert texts(root, ".//span[@class='missing-image']") == ["secret", "a"]


def test_a_heading_keeps_the_id_and_class_its_writer_gave_it_and_never_its_braces() -> None:
    # Zola and Hugo (goldmark) read `{#id .class}` at a heading's end; links to the id must land.
    root = render("## Motivation {#why}\n\nSee [the reason](#why).\n\n### Plan {#the-plan .wide}\n\n## In `{#code}`\n")
    headings = root.findall(".//h2") + root.findall(".//h3")
    assert [h.get("id") for h in headings] == ["essay--why", "essay--in-code", "essay--the-plan"]
    assert root.find(".//h3").get("class") == "wide"
    assert "{#" not in "".join(h.text or "" for h in headings)
    assert root.find(".//a").get("href") == "#essay--why"
