"""Small helpers over markdown-it's token stream, shared by the project's rules."""

from __future__ import annotations

from collections.abc import Iterator

from markdown_it.rules_core import StateCore
from markdown_it.token import Token


def inline_blocks(state: StateCore) -> Iterator[tuple[Token, int | None]]:
    """Each inline token that has children, with the line (from 1, in the Markdown body) it starts on."""
    for block in state.tokens:
        if block.type == "inline" and block.children:
            yield block, (block.map[0] + 1 if block.map else None)
