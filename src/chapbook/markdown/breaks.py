"""Every way a writer breaks a line in HTML (`<br>`, `<br/>`, and the common mistake `</br>`) becomes a real line break."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .tokens import inline_blocks

_BR = re.compile(r"^<\s*/?\s*br\s*/?\s*>$", re.IGNORECASE)


def line_breaks_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("chapbook_line_breaks", _normalise_breaks)


def _normalise_breaks(state: StateCore) -> None:
    for block, _ in inline_blocks(state):
        children: list[Token] = []
        for token in block.children:
            if token.type == "html_inline" and _BR.match(token.content.strip()):
                children.append(Token("hardbreak", "br", 0))
            elif token.type == "softbreak" and children and children[-1].type == "hardbreak":
                # `line</br>` then a newline is one break, as a trailing backslash is.
                continue
            else:
                children.append(token)
        block.children = children
