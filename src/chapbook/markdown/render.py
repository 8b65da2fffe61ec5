"""The Markdown set-up: CommonMark plus the blog extensions, and the project's own rules."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from functools import lru_cache

import lxml.html
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from .breaks import line_breaks_plugin
from .bounds import depth_plugin
from .epigraphs import epigraphs_plugin
from .images import ImageResolver, images_plugin
from .headings import heading_attributes_plugin
from .kramdown import kramdown_plugin
from .typography import dash_spacing_plugin, lead_in_plugin
from .links import LinkResolver, links_plugin
from .liquid import liquid_plugin
from .math import math_plugin
from .rawhtml import raw_lines_plugin
from .shortcodes import Shortcode, shortcodes_plugin
from .verse import verse_plugin
from ..sources.essays import slugify
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
    md.add_render_rule("footnote_caption", _note_number)
    md.add_render_rule("footnote_anchor", _note_backlink)
    md.use(line_breaks_plugin)
    md.use(verse_plugin)
    md.use(epigraphs_plugin)
    md.use(lead_in_plugin)
    md.use(dash_spacing_plugin)
    md.use(images_plugin)
    # ![a field](field.jpg){.bleed}: a class on a picture, and nothing else (no ids, no styles).
    md.use(attrs_plugin, after=("image",), allowed=("class",))
    md.use(math_plugin)
    md.use(shortcodes_plugin)
    md.use(liquid_plugin)
    md.use(kramdown_plugin)  # only for a Jekyll post (env["kramdown"])
    md.use(links_plugin)
    md.use(raw_lines_plugin)
    # Headings get the ids Zola gives them, so links to #anchors keep working in the book.
    md.use(heading_attributes_plugin)  # before the anchors: an id the writer gave is kept
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=slugify)
    md.core.ruler.push("chapbook_shift_headings", _shift_headings)
    md.use(depth_plugin)  # last, so that its rule comes before every container's
    return md


def _note_number(self, tokens, idx, options, env) -> str:  # noqa: ANN001 - markdown-it's renderer signature
    """A note is called by its number alone, as books do, not "[1]"."""
    meta = tokens[idx].meta
    return str(meta["id"] + 1) + (f":{meta['subId']}" if meta.get("subId", -1) > 0 else "")


def _note_backlink(self, tokens, idx, options, env) -> str:  # noqa: ANN001
    """The way back to the text: an arrow the book's fonts have (the plugin's ↩ is in none of them)."""
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    if tokens[idx].meta["subId"] > 0:
        ident += f":{tokens[idx].meta['subId']}"
    return f' <a href="#fnref{ident}" class="footnote-backref" role="doc-backlink">↑</a>'


def _shift_headings(state: StateCore) -> None:
    """The chapter title is the h1: an essay's own headings move down so the highest becomes h2."""
    headings = [t for t in state.tokens if t.type in {"heading_open", "heading_close"}]
    if not headings:
        return
    shift = 2 - min(int(t.tag[1]) for t in headings)
    for token in headings:
        token.tag = f"h{min(6, int(token.tag[1]) + shift)}"


def render_title(title: str, *, language: str) -> str:
    """A title gets the body's typography (curly quotes, dashes) but stays plain text."""
    html = _parser(language).renderInline(title)
    return lxml.html.fragment_fromstring(html or " ", create_parent="span").text_content().strip() or title


Warn = Callable[[str, "int | None"], None]


def _quiet(message: str, line: int | None) -> None:
    """Warnings nobody asked to hear (a test's rendering, say)."""


@dataclass(frozen=True)
class RenderContext:
    """Everything an essay's Markdown is rendered with, besides its text."""

    language: str
    id_prefix: str  # ids become "<prefix><id>", unique in the whole book
    resolve_image: ImageResolver
    resolve_link: LinkResolver | None = None
    # The one warning channel: a message and the line of the body it is about.
    warn: Warn = _quiet
    verse_detection: bool = True
    epigraph_source: str = ""  # cited under epigraphs that name no source
    page_assets: tuple[str, ...] = ()  # a page bundle's pictures, for galleries
    book_shortcodes: Mapping[str, Shortcode] = field(default_factory=dict)
    liquid: bool = False  # a Jekyll post: its Liquid read first
    kramdown: bool = False  # Jekyll's Markdown (see kramdown.py)
    math_after_markdown: bool = False  # the site's MathJax or KaTeX reads the HTML: escapes in math undone
    site_variables: Mapping[str, Any] = field(default_factory=dict)  # Jekyll's {{ site.name }}


def render_body(markdown: str, context: RenderContext) -> RenderedBody:
    """Render one essay's Markdown; ids get the prefix so that they stay unique in the whole book."""
    parser = _parser(context.language)
    warn = context.warn

    def unknown_shortcode(name: str, line: int | None) -> None:
        warn(f'shortcode "{name}" is not one chapbook knows; the book keeps what is inside it and drops the call', line)

    # The rules read their settings from markdown-it's env, a plain dict.
    env: dict = {"resolve_image": context.resolve_image, "resolve_link": context.resolve_link,
                 "verse_detection": context.verse_detection, "epigraph_source": context.epigraph_source,
                 "page_assets": context.page_assets, "warn_shortcode": unknown_shortcode, "resolved_images": set(),
                 "book_shortcodes": dict(context.book_shortcodes), "warn": warn, "warn_template": warn, "warn_math": warn,
                 "formulas": {}, "liquid": context.liquid, "kramdown": context.kramdown,
                 "math_after_markdown": context.math_after_markdown, "site_variables": dict(context.site_variables)}
    # A paired shortcode's body: Markdown inside the essay, not an essay's opening (no lead-in, no epigraph).
    env["render_markdown"] = lambda text: parser.render(text, {**env, "nested": True})
    env["render_inline"] = lambda text: parser.renderInline(text, {**env, "nested": True})
    html = parser.render(markdown, env)
    return RenderedBody(xhtml=to_xhtml(html, context.id_prefix, context.resolve_image, env["resolved_images"],
                                       env["formulas"], warn, context.resolve_link))
