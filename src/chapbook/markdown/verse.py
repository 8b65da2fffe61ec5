"""A blockquote whose lines are hard-broken is verse: each line its own element, stanzas kept.

The markup follows the Standard Ebooks pattern for songs and poems: one `<span>` per line
followed by `<br/>` (so a reader without CSS still breaks the lines), stanzas as paragraphs.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token


def verse_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("chapbook_line_breaks", "chapbook_verse", _mark_verse)


def _mark_verse(state: StateCore) -> None:
    tokens = state.tokens
    result: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "blockquote_open":
            end = _matching_close(tokens, index)
            inner = tokens[index + 1 : end]
            if _is_verse(inner):
                token.attrSet("class", "verse")
                result.append(token)
                result.extend(_stanzas(inner))
                result.append(tokens[end])
                index = end + 1
                continue
        result.append(token)
        index += 1
    state.tokens = result


def _matching_close(tokens: list[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting if tokens[index].type.startswith("blockquote") else 0
        if depth == 0:
            return index
    return len(tokens) - 1


def _is_verse(inner: list[Token]) -> bool:
    """Only paragraphs, and more of their line ends are hard breaks than soft ones."""
    if not inner or any(t.type not in {"paragraph_open", "inline", "paragraph_close"} for t in inner):
        return False
    kinds = [child.type for t in inner if t.type == "inline" for child in t.children or []]
    hard, soft = kinds.count("hardbreak"), kinds.count("softbreak")
    return hard > 0 and hard >= soft


def _stanzas(inner: list[Token]) -> list[Token]:
    """Rebuild the paragraphs as stanzas: a run of two or more breaks starts a new stanza."""
    out: list[Token] = []
    for token in inner:
        if token.type != "inline":
            continue
        for lines in _split_stanzas(token.children or []):
            opening = Token("paragraph_open", "p", 1, map=token.map, block=True)
            opening.attrSet("class", "stanza")
            inline = Token("inline", "", 0, map=token.map, block=True, children=_line_tokens(lines))
            out += [opening, inline, Token("paragraph_close", "p", -1, block=True)]
    return out


def _split_stanzas(children: list[Token]) -> list[list[list[Token]]]:
    stanzas: list[list[list[Token]]] = [[[]]]
    for child in children:
        if child.type in {"hardbreak", "softbreak"}:
            if not stanzas[-1][-1]:
                if stanzas[-1] != [[]]:  # a second break in a row: the stanza ends
                    stanzas.append([[]])
                continue
            stanzas[-1].append([])
        elif child.type == "text" and not child.content.strip() and not stanzas[-1][-1]:
            continue
        else:
            stanzas[-1][-1].append(child)
    return [[line for line in stanza if _has_text(line)] for stanza in stanzas if any(map(_has_text, stanza))]


def _has_text(line: list[Token]) -> bool:
    return any(t.type != "text" or t.content.strip() for t in line)


def _line_tokens(lines: list[list[Token]]) -> list[Token]:
    out: list[Token] = []
    for number, line in enumerate(lines):
        if number:
            out.append(Token("hardbreak", "br", 0))
        opening = Token("verse_line_open", "span", 1)
        opening.attrSet("class", "line")
        out += [opening, *_trim(line), Token("verse_line_close", "span", -1)]
    return out


def _trim(line: list[Token]) -> list[Token]:
    if line and line[0].type == "text":
        line[0].content = line[0].content.lstrip()
    if line and line[-1].type == "text":
        line[-1].content = line[-1].content.rstrip()
    return line
