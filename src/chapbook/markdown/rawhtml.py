"""Raw HTML <img> and <a> tags carry the line they are on to the XHTML stage, which resolves them as
Markdown's own images and links are resolved (and reports what is wrong with them on that line)."""

from __future__ import annotations

import re

from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .tokens import inline_blocks

# Not an attribute a writer uses: the XHTML stage takes it off again.
RAW_LINE = "data-chapbook-line"
_RAW_TAG = re.compile(r"<(?:img|a)(?=[\s/>])", re.IGNORECASE)


def raw_lines_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("chapbook_raw_lines", _mark_raw_lines)


def raw_line(element: etree._Element) -> int | None:
    """Take the line mark off an element of the cleaned HTML, and return its line, if it had one."""
    written = element.attrib.pop(RAW_LINE, "")
    return int(written) if written.isdigit() else None


def _mark_raw_lines(state: StateCore) -> None:
    # A shortcode's body has lines of its own, not the essay's: its tags are on the call's line.
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
        return f'{tag[0]} {RAW_LINE}="{line}"'

    token.content = _RAW_TAG.sub(with_line, token.content)
