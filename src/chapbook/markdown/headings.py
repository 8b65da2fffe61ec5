"""`## A heading {#its-id .a-class}`: the id and classes Zola, Hugo (goldmark's heading attributes) and
kramdown let a writer give a heading, so links to that id land; the braces are never printed."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

_ATTRIBUTES = re.compile(r"\s*\{((?:\s*[#.][A-Za-z][\w:-]*)+)\s*\}\s*$")


def heading_attributes_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("chapbook_heading_attributes", _heading_attributes)


def _heading_attributes(state: StateCore) -> None:
    taken = set()
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        inline = state.tokens[index + 1]
        match = _ATTRIBUTES.search(inline.content)
        last = inline.children[-1] if inline.children else None
        if not match or last is None or last.type != "text" or not _ATTRIBUTES.search(last.content):
            continue  # the braces must end the heading's own text, not sit inside code
        inline.content = inline.content[: match.start()]
        last.content = _ATTRIBUTES.sub("", last.content)
        if not last.content:
            inline.children.pop()
        for name in match[1].split():
            if name.startswith("#") and name[1:] not in taken:
                taken.add(name[1:])
                token.attrSet("id", name[1:])
            elif name.startswith("."):
                token.attrJoin("class", name[1:])
