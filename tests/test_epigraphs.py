"""Verse and prose blockquotes in every position, and the role each one gets."""

from __future__ import annotations

import pytest
from lxml import etree

from chapbook.markdown import RenderContext, render_body

VERSE = "> Carry the lantern</br>\n> Nobody near\n"
PROSE = "> Dear Philippa, the spoon is safe.\n> It hangs over the stove.\n"
TEXT = "Some prose in the essay."


def roles(markdown: str, **options: object) -> list[str | None]:
    xhtml = render_body(markdown, RenderContext(language="en", id_prefix="e--", resolve_image=lambda src, alt, line: None,
                        **options)).xhtml
    root = etree.fromstring(f"<div>{xhtml}</div>")
    return [quote.get("class") for quote in root.iter("blockquote")]


def essay(*blocks: str) -> str:
    return "\n\n".join(blocks) + "\n"


@pytest.mark.parametrize("markdown, expected", [
    (essay(VERSE, TEXT), ["verse epigraph chapter-epigraph"]),
    (essay(VERSE), ["verse epigraph chapter-epigraph"]),
    (essay(TEXT, "### A section", VERSE, TEXT), ["verse epigraph section-epigraph"]),
    (essay(TEXT, "### Only verse", VERSE, "### Next", TEXT), ["verse interlude"]),
    (essay(TEXT, "### Only verse, at the end", VERSE), ["verse interlude"]),
    (essay(TEXT, "### Two songs", VERSE, VERSE, "### Next", TEXT), ["verse interlude", "verse interlude"]),
    (essay(TEXT, VERSE), ["verse epigraph closing-epigraph"]),
    (essay(TEXT, VERSE, "### Next", TEXT), ["verse epigraph closing-epigraph"]),
    (essay(TEXT, VERSE, "---", TEXT), ["verse epigraph closing-epigraph"]),
    (essay(TEXT, VERSE, TEXT), ["verse"]),
    (essay(TEXT, "---", VERSE, TEXT), ["verse epigraph section-epigraph"]),
    (essay(TEXT + "[^1]", VERSE, "[^1]: A note."), ["verse epigraph closing-epigraph"]),
    (essay(PROSE, TEXT), [None]),
    (essay(TEXT, "### A section", PROSE, TEXT), [None]),
    (essay(TEXT, PROSE), [None]),
    (essay(TEXT, "- an item\n\n  " + VERSE.replace("\n>", "\n  >")), ["verse"]),
], ids=["first", "alone", "under-heading", "only-verse-section", "only-verse-last-section", "two-song-section",
        "closing-essay", "closing-section", "before-break", "between-prose", "after-break", "before-notes",
        "prose-first", "prose-under-heading", "prose-last", "in-a-list"])
def test_placement_decides_the_role(markdown: str, expected: list[str | None]) -> None:
    assert roles(markdown) == expected


def test_markers_say_what_detection_cannot_know() -> None:
    marked_epigraph = essay(TEXT, "> One line only\n> and another\n> {.epigraph}", TEXT)
    assert roles(marked_epigraph) == ["verse epigraph section-epigraph"]
    assert roles(essay(TEXT, VERSE.rstrip("\n") + "\n>\n> {.quote}", TEXT)) == [None]
    assert roles(essay(TEXT, "> {.verse}\n> first\n> second", TEXT)) == ["verse"]


def test_detection_can_be_switched_off_and_markers_still_work() -> None:
    assert roles(essay(VERSE, TEXT), verse_detection=False) == [None]
    assert roles(essay("> a\n> b\n> {.epigraph}", TEXT), verse_detection=False) == ["verse epigraph chapter-epigraph"]


def test_a_marker_never_reaches_the_page() -> None:
    xhtml = render_body(essay("> a\n> b\n> {.verse}", TEXT), RenderContext(language="en", id_prefix="e--",
                        resolve_image=lambda src, alt, line: None)).xhtml
    assert "{." not in xhtml


@pytest.mark.parametrize("dash", ["--", "—", "---"])
def test_a_dashed_last_line_is_the_cite(dash: str) -> None:
    xhtml = render_body(f"> Carry the lantern</br>\n> Nobody near</br>\n> {dash} The Lamplighters\n\n{TEXT}\n",
                        RenderContext(language="en", id_prefix="e--", resolve_image=lambda src, alt, line: None)).xhtml
    root = etree.fromstring(f"<div>{xhtml}</div>")
    assert root.findtext("blockquote/cite") == "— The Lamplighters"
    assert [s.text for s in root.iterfind("blockquote/p/span")] == ["Carry the lantern", "Nobody near"]


def test_front_matter_source_cites_epigraphs_but_not_verse_in_the_text() -> None:
    xhtml = render_body(essay(VERSE, TEXT, VERSE, TEXT), RenderContext(language="en", id_prefix="e--",
                        resolve_image=lambda src, alt, line: None, epigraph_source="The Radio")).xhtml
    root = etree.fromstring(f"<div>{xhtml}</div>")
    assert [q.findtext("cite") for q in root.iter("blockquote")] == ["— The Radio", None]
