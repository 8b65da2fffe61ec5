"""The Markdown set-up: CommonMark plus the blog extensions, and the project's own rules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.footnote import footnote_plugin

from .breaks import line_breaks_plugin
from .images import ImageResolver, images_plugin
from .verse import verse_plugin
from .xhtml import to_xhtml

# Opening and closing double quotes, then single quotes, as each language prints them.
QUOTES = {
    "en": "“”‘’",
    "de": "„“‚‘",
    "fr": ["«\u202f", "\u202f»", "‹\u202f", "\u202f›"],
    "es": "«»“”",
    "it": "«»“”",
    "nl": "“”‘’",
    "pt": "«»“”",
    "sv": "””’’",
    "pl": "„”‚’",
    "cs": "„“‚‘",
    "ru": "«»„“",
}


@dataclass(frozen=True)
class RenderedBody:
    """An essay's body as XHTML, ready to go into a chapter template."""

    xhtml: str


@lru_cache(maxsize=None)
def _parser(language: str) -> MarkdownIt:
    quotes = QUOTES.get(language.split("-")[0].lower(), QUOTES["en"])
    md = MarkdownIt("commonmark", {"html": True, "typographer": True, "quotes": quotes})
    # Zola and Hugo both render tables, strikethrough and footnotes.
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin)
    md.use(line_breaks_plugin)
    md.use(verse_plugin)
    md.use(images_plugin)
    md.core.ruler.push("chapbook_shift_headings", _shift_headings)
    return md


def _shift_headings(state: StateCore) -> None:
    """The chapter title is the h1: an essay's own headings move down so the highest becomes h2."""
    headings = [t for t in state.tokens if t.type in {"heading_open", "heading_close"}]
    if not headings:
        return
    shift = 2 - min(int(t.tag[1]) for t in headings)
    for token in headings:
        token.tag = f"h{min(6, int(token.tag[1]) + shift)}"


def render_body(markdown: str, *, language: str, id_prefix: str, resolve_image: ImageResolver) -> RenderedBody:
    """Render one essay's Markdown; ids get the prefix so that they stay unique in the whole book."""
    html = _parser(language).render(markdown, {"resolve_image": resolve_image})
    return RenderedBody(xhtml=to_xhtml(html, id_prefix))
