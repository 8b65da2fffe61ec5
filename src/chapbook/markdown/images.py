"""Images are resolved while parsing, so a missing one is reported with its line and replaced by its alt text."""

from __future__ import annotations

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


def images_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("chapbook_images", _resolve_images)


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


def missing_image_html(alt: str) -> str:
    """The book keeps the writer's words where the picture would have been; with no words, nothing
    (an empty frame would only say that something is missing)."""
    return f'<span class="missing-image">{escapeHtml(alt)}</span>' if alt.strip() else ""
