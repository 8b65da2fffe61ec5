"""Images are resolved while parsing, so a missing one is reported with its line and replaced by its alt text."""

from __future__ import annotations

import re
from typing import Callable

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .tokens import inline_blocks

# Given the src and alt text as written (None: raw HTML with no alt at all, which the XHTML stage
# gives one and reports) and the source line, return the src to use in the book, or None if there
# is no image to show.
ImageResolver = Callable[[str, "str | None", "int | None"], "str | None"]
# A raw HTML <img> carries its line in the Markdown to the XHTML stage, which resolves it.
RAW_IMAGE_LINE = "data-chapbook-line"
_RAW_IMAGE = re.compile(r"<img(?=[\s/>])", re.IGNORECASE)


def images_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("chapbook_images", _resolve_images)
    md.core.ruler.push("chapbook_raw_image_lines", _mark_raw_image_lines)


def _resolve_images(state: StateCore) -> None:
    resolve: ImageResolver | None = state.env.get("resolve_image")
    if resolve is None:
        return
    for block, line in inline_blocks(state):
        for position, token in enumerate(block.children):
            if token.type != "image":
                continue
            src = resolve(str(token.attrGet("src") or ""), token.content, line)
            if src is not None:
                token.attrSet("src", src)
                state.env.setdefault("resolved_images", set()).add(src)
                continue
            block.children[position] = Token("html_inline", "", 0, content=missing_image_html(token.content))


def _mark_raw_image_lines(state: StateCore) -> None:
    """Tag each raw <img> with the line it is on, so that what is wrong with it is reported there."""
    # A shortcode's body has lines of its own, not the essay's: its pictures are on the call's line.
    called_at = state.env.get("shortcode_line") if state.env.get("nested") else None
    for token in state.tokens:
        if token.type == "html_block" and token.map:
            _tag_lines(token, token.map[0] + 1, called_at)
    for block, line in inline_blocks(state):
        for token in block.children if line is not None else ():
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            elif token.type == "html_inline":
                _tag_lines(token, line, called_at)


def _tag_lines(token: Token, first_line: int, called_at: int | None) -> None:
    def with_line(tag: re.Match) -> str:
        line = called_at or first_line + token.content.count("\n", 0, tag.start())
        return f'{tag[0]} {RAW_IMAGE_LINE}="{line}"'

    token.content = _RAW_IMAGE.sub(with_line, token.content)


def missing_image_html(alt: str) -> str:
    """The book keeps the writer's words where the picture would have been; with no words, nothing
    (an empty frame would only say that something is missing)."""
    return f'<span class="missing-image">{escapeHtml(alt)}</span>' if alt.strip() else ""
