"""kramdown, Jekyll's Markdown, where it reads a post differently from CommonMark, so nothing of its
syntax is printed.

- Attribute lists: `{: .note}` on a line of its own sets the block before it (or, after a blank line,
  the block after it); `{:.x}` right after a span; A class is kept
  (raw HTML may set one too), a heading keeps its id, the rest is dropped. `{:toc}` under a list is
  kramdown's table of contents: the list goes, as the book has contents of its own. `{:name: …}`
  defines attributes for later lists and is dropped.
- Extensions: `{::comment}…{:/comment}` is left out, `{::nomarkdown}…{:/nomarkdown}` is raw HTML
  (cleaned as any is), `{::options … /}` is dropped; another keeps its body, with a warning.
- `$$`: see math.py.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

_ATTRIBUTES = r"(?:[^}\\\"']|\\.|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')*"
_LIST = re.compile(r"\{:(?![:/])(" + _ATTRIBUTES + r")\}")  # an attribute list, or a definition {:name: …}
_DEFINITION = re.compile(r"\s*[A-Za-z][\w-]*:(?:\s|$)")
_EXTENSION = re.compile(r"\{::(\w+)(" + _ATTRIBUTES + r")\}")
_PART = re.compile(r"""([.#])([\w:-]+)|(\w[\w-]*)=(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z][\w-]*)""")
_KNOWN = {"comment", "nomarkdown", "options"}
_TOC = "toc"


def kramdown_plugin(md: MarkdownIt) -> None:
    # Before the paragraph, and ending one: kramdown's paragraph stops at an attribute list's line.
    md.block.ruler.before("paragraph", "kramdown_extension", _block_extension)
    md.block.ruler.before("paragraph", "kramdown_attributes", _block_attributes, {"alt": ["paragraph"]})
    md.inline.ruler.before("text", "kramdown_span", _span)
    md.core.ruler.after("inline", "kramdown_apply", _apply)


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _block_attributes(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if not state.env.get("kramdown") or state.sCount[start] - state.blkIndent >= 4:
        return False
    text = _line(state, start).rstrip()
    match = _LIST.fullmatch(text)
    if not match:
        return False
    if not silent:
        token = state.push("kramdown_attributes", "", 0)
        token.meta = {"attributes": match[1]}
        token.map = [start, start + 1]
        token.hidden = True
    state.line = start + 1
    return True


def _block_extension(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """An extension whose tags stand alone on their lines (kramdown's block form), or one on a single line."""
    if not state.env.get("kramdown") or state.sCount[start] - state.blkIndent >= 4:
        return False
    first = _line(state, start).rstrip()
    opening = _EXTENSION.match(first)
    if not opening:
        return False
    name, attributes = opening[1], opening[2]
    if attributes.rstrip().endswith("/"):
        close, body = start, ""  # {::options … /}: no body
        if opening.end() != len(first):
            return False
    else:
        stop = re.compile(r"\{:/(?:" + re.escape(name) + r")?\}")
        for close in range(start, end):
            text = _line(state, close)
            found = stop.search(text, opening.end() if close == start else 0)
            if found:
                break
        else:
            return False  # no closing tag: the inline rule drops the opening one
        if text[found.end() :].strip():
            return False  # text after the closing tag: an extension inside a paragraph, the inline rule's
        lines = state.getLines(start, close + 1, state.tShift[start], False)
        body = lines[opening.end() : lines.rindex(found[0])]
    if silent:
        return True
    if name == "nomarkdown" and _is_html(attributes) and body.strip():
        token = state.push("html_block", "", 0)
        token.content = body.strip("\n") + "\n"
    elif name not in _KNOWN:
        _warn(state.env, name, start + 1)
        token = state.push("paragraph_open", "p", 1)
        inline = state.push("inline", "", 0)
        inline.content, inline.map, inline.children = body.strip(), [start, close + 1], []
        state.push("paragraph_close", "p", -1)
    state.line = close + 1
    return True


def _span(state: StateInline, silent: bool) -> bool:
    """An attribute list after a span, or an extension inside a paragraph."""
    if not state.env.get("kramdown") or not state.src.startswith("{:", state.pos):
        return False
    rest = state.src[state.pos :]
    listed = _LIST.match(rest)
    if listed:
        if not silent:
            token = state.push("kramdown_attributes", "", 0)
            token.meta = {"attributes": listed[1]}
        state.pos += listed.end()
        return True
    opening = _EXTENSION.match(rest)
    if not opening:
        stray = re.match(r"\{:/\w*\}", rest)  # a closing tag with no opening one: dropped
        if stray:
            state.pos += stray.end()
            return True
        return False
    name, attributes = opening[1], opening[2]
    end, body = opening.end(), ""
    if not attributes.rstrip().endswith("/"):
        stop = re.compile(r"\{:/(?:" + re.escape(name) + r")?\}").search(rest, end)
        if stop:
            body, end = rest[end : stop.start()], stop.end()
    if not silent:
        if name == "nomarkdown" and _is_html(attributes):
            token = state.push("html_inline", "", 0)
            token.content = body
        elif name not in _KNOWN:
            _warn(state.env, name, None)
            token = state.push("text", "", 0)
            token.content = body
    state.pos += end
    return True


def _is_html(attributes: str) -> bool:
    """nomarkdown meant for every output, or for HTML: not `type="latex"`."""
    kind = re.search(r"""type\s*=\s*["']?(\w+)""", attributes)
    return not kind or kind[1].lower() == "html"


def _warn(env: dict, name: str, line: int | None) -> None:
    report = env.get("warn_shortcode")
    if report:
        report(f"{{::{name}}}", line)


def _apply(state: StateCore) -> None:
    """Give each attribute list's class to the element it belongs to, then take the lists out."""
    if not state.env.get("kramdown"):
        return
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "inline" and token.children:
            classes = _apply_spans(token)
            if classes and index and tokens[index - 1].nesting == 1:
                tokens[index - 1].attrJoin("class", " ".join(classes))
    dropped: set[int] = set()
    for index, token in enumerate(tokens):
        if token.type != "kramdown_attributes":
            continue
        dropped.add(index)
        if _DEFINITION.match(token.meta["attributes"]):
            continue  # {:name: …} defines a list for later references; nothing of it is printed
        target = _block_before(tokens, index) or _block_after(tokens, index)
        if target is None:
            continue
        first, last = target
        classes, references = _parse(token.meta["attributes"])
        if _TOC in references and tokens[first].type in {"bullet_list_open", "ordered_list_open"}:
            dropped.update(range(first, last + 1))  # kramdown's table of contents: the book has its own
        elif classes and tokens[first].nesting == 1:
            tokens[first].attrJoin("class", " ".join(classes))
    state.tokens = [token for index, token in enumerate(tokens) if index not in dropped]


def _block_before(tokens: list[Token], index: int) -> tuple[int, int] | None:
    """The block the list's line follows directly (no blank line between), as (first, last) token index."""
    level, line = tokens[index].level, tokens[index].map[0] if tokens[index].map else None
    last = index - 1
    while last >= 0 and tokens[last].level > level:
        last -= 1
    if last < 0 or tokens[last].level != level or tokens[last].nesting == 1 or line is None:
        return None
    first = last
    if tokens[last].nesting == -1:
        depth = 0
        while first >= 0:
            depth += tokens[first].nesting
            if depth == 0:
                break
            first -= 1
    opening = tokens[first]
    return (first, last) if opening.map and opening.map[1] == line else None


def _block_after(tokens: list[Token], index: int) -> tuple[int, int] | None:
    """The block right under the list's line (kramdown's other place for it)."""
    after = index + 1
    token = tokens[index]
    if after >= len(tokens) or token.map is None or tokens[after].level != token.level:
        return None
    opening = tokens[after]
    if opening.nesting == -1 or not opening.map or opening.map[0] != token.map[1]:
        return None
    last, depth = after, 0
    while last < len(tokens):
        depth += tokens[last].nesting
        if depth == 0:
            break
        last += 1
    return after, last


def _apply_spans(inline: Token) -> list[str]:
    """A span's list ({:.x} right after *it*) gives its class to the span; any other is dropped.

    A list on the last line of its own is the block's (a quotation's lazy line): its classes are returned."""
    children = inline.children or []
    kept: list[Token] = []
    for position, child in enumerate(children):
        if child.type != "kramdown_attributes":
            kept.append(child)
            continue
        classes, _ = _parse(child.meta["attributes"])
        if position == len(children) - 1 and kept and kept[-1].type == "softbreak":
            kept.pop()
            inline.children = kept
            return classes
        if classes and kept and kept[-1].nesting == -1:
            depth, position = 0, len(kept) - 1
            while position >= 0:
                depth += kept[position].nesting
                if depth == 0:
                    kept[position].attrJoin("class", " ".join(classes))
                    break
                position -= 1
    inline.children = kept
    return []


def _parse(attributes: str) -> tuple[list[str], list[str]]:
    """The classes an attribute list gives, and the names it refers to ({:toc})."""
    classes, references = [], []
    for part in _PART.finditer(attributes):
        if part[1] == ".":
            classes.append(part[2])
        elif part[4]:
            references.append(part[4])
    return classes, references
