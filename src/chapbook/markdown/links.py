"""Links between essays become links inside the book; a link to nothing in the book becomes plain text.

Resolved links point at book-wide ids (`#<chapter-slug>` or `#<chapter-slug>-<anchor>`) and carry
class "xref", so the PDF can follow them in one document and the EPUB can point them at the right file.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .tokens import inline_blocks

# Given an href (a path, or a web address that may be one of the site's own pages) and the source
# line, return the book-wide "#id" it means, the web address of a page the book leaves out (or the
# href itself, for the rest of the web), or None (the link's words stay, without the link).
LinkResolver = Callable[[str, "int | None"], "str | None"]


def links_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("chapbook_links", _resolve_links)


def _resolve_links(state: StateCore) -> None:
    resolve: LinkResolver | None = state.env.get("resolve_link")
    if resolve is None:
        return
    for block, line in inline_blocks(state):
        opened: list[bool] = []  # for each open link: was it dropped?
        kept: list[Token] = []
        for token in block.children:
            if token.type == "link_open":
                href = str(token.attrGet("href") or "")
                dropped = False
                if between_pages(href):
                    target = resolve(href, line)
                    if target is None:
                        dropped = True
                    else:
                        token.attrSet("href", target)
                        if target.startswith("#"):  # inside the book; otherwise the page on the web
                            token.attrSet("class", "xref")
                opened.append(dropped)
                if dropped:
                    continue
            elif token.type == "link_close" and opened and opened.pop():
                continue
            kept.append(token)
        block.children = kept


def between_pages(href: str) -> bool:
    """A path, or a web address that may be the site's own page; not mail and not an anchor in the same essay."""
    parts = urlsplit(href)
    return bool(href) and not href.startswith("#") and (parts.scheme in ("", "http", "https"))
