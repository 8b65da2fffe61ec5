"""Where verse stands decides what it is: a chapter's epigraph, a section's, a closing one, an interlude, or verse in the text."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .verse import cite_tokens

# Class names the stylesheets and the EPUB writer know; "epigraph" marks all three kinds of epigraph.
ROLE_CLASSES = {
    "chapter-epigraph": "verse epigraph chapter-epigraph",
    "section-epigraph": "verse epigraph section-epigraph",
    "closing-epigraph": "verse epigraph closing-epigraph",
    "interlude": "verse interlude",
    "verse": "verse",
}


@dataclass
class _Block:
    kind: str  # heading, verse, break or prose
    first: Token


def epigraphs_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("chapbook_verse", "chapbook_epigraphs", _assign_roles)


def _top_level_blocks(tokens: list[Token]) -> list[_Block]:
    blocks = []
    for token in tokens:
        if token.level != 0 or token.nesting == -1:
            continue
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "blockquote_open" and "verse" in token.meta:
            kind = "verse"
        elif token.type == "hr":
            kind = "break"
        elif token.type == "footnote_block_open":
            break  # the notes follow the text; they are not part of its flow
        else:
            kind = "prose"
        blocks.append(_Block(kind, token))
    return blocks


def role_of(kinds: list[str], index: int, marked_epigraph: bool = False) -> str:
    """The role of the verse at kinds[index], from what stands around it."""
    before = kinds[index - 1] if index > 0 else None
    after = kinds[index + 1] if index + 1 < len(kinds) else None
    if before is None:
        return "chapter-epigraph"
    if before in {"heading", "break"} or (before == "verse" and _section_start(kinds, index)):
        section_end = next((k for k in kinds[index + 1 :] if k != "verse"), None)
        if section_end in {None, "heading", "break"}:
            return "interlude"
        return "section-epigraph"
    if after in {None, "heading", "break"}:
        return "closing-epigraph"
    return "section-epigraph" if marked_epigraph else "verse"


def _section_start(kinds: list[str], index: int) -> bool:
    """Only verse between the section's start and this verse."""
    for kind in reversed(kinds[:index]):
        if kind != "verse":
            return kind in {"heading", "break"}
    return True


def _assign_roles(state: StateCore) -> None:
    if state.env.get("nested"):
        return  # verse inside a shortcode's body stands where the shortcode stands: verse in the text
    blocks = _top_level_blocks(state.tokens)
    kinds = [block.kind for block in blocks]
    source = state.env.get("epigraph_source") or ""
    for index, block in enumerate(blocks):
        if block.kind != "verse":
            continue
        role = role_of(kinds, index, block.first.meta["verse"] == "epigraph")
        block.first.attrSet("class", ROLE_CLASSES[role])
        if "epigraph" in role and source:
            _cite_if_uncited(state.tokens, block.first, source)


def _cite_if_uncited(tokens: list[Token], opening: Token, source: str) -> None:
    """Name the source the front matter or book.toml gives, when the verse does not name one itself."""
    start = tokens.index(opening)
    close = next(i for i in range(start + 1, len(tokens))
                 if tokens[i].type == "blockquote_close" and tokens[i].level == opening.level)
    if any(t.type == "cite_open" for t in tokens[start:close]):
        return
    cite = cite_tokens([Token("text", "", 0, content=f"— {source}")])
    for token in cite:
        token.level = opening.level + (2 if token.type == "inline" else 1)
    tokens[close:close] = cite
