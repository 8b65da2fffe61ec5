"""Book typography on the token stream: small-capital lead-ins, and dashes that never open a line."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# The lead-in runs to the end of the first few words, stopping early at punctuation.
_LEAD = re.compile(r"^\s*((?:[^\s.,;:!?]+\s+){0,2}[^\s.,;:!?]+)")


def lead_in_plugin(md: MarkdownIt) -> None:
    """The first words of a chapter, and of each scene after a break, are set in small capitals."""
    md.core.ruler.push("chapbook_lead_in", _mark_lead_ins)


def dash_spacing_plugin(md: MarkdownIt) -> None:
    """A spaced dash is tied to the word before it, so no line starts with one."""
    md.core.ruler.after("replacements", "chapbook_dash_spacing", _tie_dashes)


_SPACED_DASH = re.compile(r" ([–—])(?= |$)")


def _tie_dashes(state: StateCore) -> None:
    for block in state.tokens:
        for token in block.children or []:
            if token.type == "text" and ("–" in token.content or "—" in token.content):
                token.content = _SPACED_DASH.sub("\u00a0\\1", token.content)


def _mark_lead_ins(state: StateCore) -> None:
    if state.env.get("nested"):
        return
    tokens = state.tokens
    opening = True  # the chapter's first paragraph, then each after a scene break
    for index, token in enumerate(tokens):
        if token.level != 0:
            continue
        if token.type == "hr":
            opening = True
        elif token.type == "paragraph_open" and opening:
            opening = False
            _wrap_first_words(tokens[index + 1])
        elif token.type in {"heading_open", "bullet_list_open", "ordered_list_open", "fence", "code_block",
                            "table_open", "html_block"}:
            opening = False


def _wrap_first_words(inline: Token) -> None:
    children = inline.children or []
    if not children or children[0].type != "text":
        return
    first = children[0]
    match = _LEAD.match(first.content)
    if not match:
        return
    lead, rest = first.content[: match.end()], first.content[match.end() :]
    opening = Token("lead_in_open", "span", 1)
    opening.attrSet("class", "lead-in")
    inline.children = [opening, Token("text", "", 0, content=lead), Token("lead_in_close", "span", -1),
                       *([Token("text", "", 0, content=rest)] if rest else []), *children[1:]]
