"""A blockquote whose lines are hard-broken is verse: each line its own element, stanzas kept.

The markup follows the Standard Ebooks pattern for songs and poems: one `<span>` per line
followed by `<br/>` (so a reader without CSS still breaks the lines), stanzas as paragraphs,
and a closing line that starts with a dash (`— Artist`) as the `<cite>`.

A writer can say what a blockquote is where detection cannot know, with a line of its own
inside it: `{.verse}` (set as verse), `{.epigraph}` (verse, and an epigraph wherever it stands)
or `{.quote}` (an ordinary quotation, however its lines end).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

MARKERS = {"{.verse}": "verse", "{.epigraph}": "epigraph", "{.quote}": "quote"}
_ATTRIBUTION = re.compile(r"^\s*(?:—|–|--)\s*")

Line = list[Token]


def verse_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("chapbook_line_breaks", "chapbook_verse", _mark_verse)


def _mark_verse(state: StateCore) -> None:
    detect = state.env.get("verse_detection", True)
    tokens = state.tokens
    result: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "blockquote_open":
            end = _matching_close(tokens, index)
            inner = tokens[index + 1 : end]
            marker = _take_marker(inner)
            if marker in {"verse", "epigraph"} or (marker is None and detect and _is_verse(inner)):
                token.attrSet("class", "verse")
                token.meta["verse"] = marker or "detected"
                result.append(token)
                result.extend(_stanzas(inner, token.level + 1))
                result.append(tokens[end])
                index = end + 1
                continue
            if marker == "quote":  # the marker line is gone; the quotation stays as written
                result += [token, *inner, tokens[end]]
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


def _only_paragraphs(inner: list[Token]) -> bool:
    return bool(inner) and all(t.type in {"paragraph_open", "inline", "paragraph_close"} for t in inner)


def _is_verse(inner: list[Token]) -> bool:
    """Only paragraphs, and more of their line ends are hard breaks than soft ones."""
    if not _only_paragraphs(inner):
        return False
    kinds = [child.type for t in inner if t.type == "inline" for child in t.children or []]
    hard, soft = kinds.count("hardbreak"), kinds.count("softbreak")
    return hard > 0 and hard >= soft


def _take_marker(inner: list[Token]) -> str | None:
    """Find a `{.verse}`-style line at the start or the end of the quotation, and remove it."""
    inlines = [t for t in inner if t.type == "inline" and t.children]
    if not _only_paragraphs(inner) or not inlines:
        return None
    for inline, at_end in ((inlines[-1], True), (inlines[0], False)):
        children = inline.children
        edge = children[-1] if at_end else children[0]
        if edge.type == "text" and edge.content.strip() in MARKERS:
            marker = MARKERS[edge.content.strip()]
            keep = children[:-1] if at_end else children[1:]
            while keep and keep[-1 if at_end else 0].type in {"softbreak", "hardbreak"}:
                keep = keep[:-1] if at_end else keep[1:]
            inline.children = keep
            if not keep:  # the marker was a paragraph of its own
                position = inner.index(inline)
                del inner[position - 1 : position + 2]
            return marker
    return None


def _stanzas(inner: list[Token], level: int) -> list[Token]:
    """Rebuild the paragraphs as stanzas (two breaks in a row start a new one), and a dashed last line as the cite."""
    stanzas = [stanza for t in inner if t.type == "inline" for stanza in _split_stanzas(t.children or [])]
    cite = _take_attribution(stanzas)
    maps = next((t.map for t in inner if t.map), None)
    out: list[Token] = []
    for lines in stanzas:
        opening = Token("paragraph_open", "p", 1, map=maps, block=True)
        opening.attrSet("class", "stanza")
        out += [opening, Token("inline", "", 0, map=maps, block=True, children=_line_tokens(lines)),
                Token("paragraph_close", "p", -1, block=True)]
    if cite:
        out += cite_tokens(cite)
    for token in out:
        token.level = level + (1 if token.type == "inline" else 0)
    return out


def cite_tokens(children: Line) -> list[Token]:
    """A <cite> block holding the given inline tokens."""
    return [Token("cite_open", "cite", 1, block=True),
            Token("inline", "", 0, block=True, children=children),
            Token("cite_close", "cite", -1, block=True)]


def _take_attribution(stanzas: list[list[Line]]) -> Line | None:
    if sum(map(len, stanzas)) < 2:  # a single line is verse, not a source
        return None
    last = stanzas[-1][-1]
    if not last or last[0].type != "text" or not _ATTRIBUTION.match(last[0].content):
        return None
    stanzas[-1].pop()
    if not stanzas[-1]:
        stanzas.pop()
    last[0].content = "— " + _ATTRIBUTION.sub("", last[0].content, count=1)
    return _trim(last)


def _split_stanzas(children: list[Token]) -> list[list[Line]]:
    stanzas: list[list[Line]] = [[[]]]
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


def _has_text(line: Line) -> bool:
    return any(t.type != "text" or t.content.strip() for t in line)


def _line_tokens(lines: list[Line]) -> list[Token]:
    out: list[Token] = []
    for number, line in enumerate(lines):
        if number:
            out.append(Token("hardbreak", "br", 0))
        opening = Token("verse_line_open", "span", 1)
        opening.attrSet("class", "line")
        out += [opening, *_trim(line), Token("verse_line_close", "span", -1)]
    return out


def _trim(line: Line) -> Line:
    if line and line[0].type == "text":
        line[0].content = line[0].content.lstrip()
    if line and line[-1].type == "text":
        line[-1].content = line[-1].content.rstrip()
    return line
