"""What an essay's page may hold (limits.py says why): Markdown's lists and quotations past MARKDOWN_DEPTH
are set as the text they hold; elements of the page past HTML_DEPTH lose their tags, keeping their
text; a run of characters with nowhere to break longer than LONG_RUN gets places to break. Each
time the writer is told, once an essay."""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from ..limits import HTML_DEPTH, INDENT_DEPTH, LONG_RUN, MARKDOWN_DEPTH


def depth_plugin(md: MarkdownIt) -> None:
    """Put the rule first, so that no container rule opens another level past the limit."""
    md.block.ruler.before(md.block.ruler.get_all_rules()[0], "chapbook_depth", _flatten_deep_blocks)


def _flatten_deep_blocks(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Past MARKDOWN_DEPTH, what is left of the container is one paragraph of its text as written.
    (markdown-it itself would drop it, silently: its guard against recursion is 20 levels.)"""
    if state.level < MARKDOWN_DEPTH:
        return False
    if silent:
        return True
    if not state.env.get("warned_deep_blocks"):
        state.env["warned_deep_blocks"] = True
        state.env["warn"](f"lists and quotations are nested more than {MARKDOWN_DEPTH} levels deep here (a list takes "
                          "two); the book sets what is deeper as plain text. Nest less", start + 1)
    opening = state.push("paragraph_open", "p", 1)
    opening.map = [start, end]
    inline = state.push("inline", "", 0)
    inline.content = state.getLines(start, end, state.blkIndent, False).strip()
    inline.map = [start, end]
    inline.children = []
    state.push("paragraph_close", "p", -1)
    state.line = end
    return True


# The HTML an HTML5 serializer writes (nh3's): every element but the void ones closed, no comments,
# "<" in text escaped; only an attribute's quoted value may hold a ">". Read as tags, and as runs of
# text with no space, from their start (an entity is one character of one).
_PIECE = re.compile(r'<(/?)([A-Za-z][^\s/>]*)(?:"[^"]*"|[^">])*>'
                    r"|(?<![^\s>])(?P<run>(?:[^\s<&]|&#?\w+;){%d,})" % LONG_RUN)
_RUN_STEP = re.compile(r"(?:[^\s<&]|&#?\w+;){20}")  # within the few dozen characters WeasyPrint lays out at a time
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_INDENTING = {"blockquote", "ul", "ol", "dl", "dd", "figure", "table", "menu"}
# Elements text may not stand in directly: flattening starts above them.
_NO_TEXT = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup", "menu"}
# Elements inside a word: taken out, they leave nothing between its letters (the others leave a space).
_INLINE = {"a", "abbr", "b", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s", "samp", "small",
           "span", "strong", "sub", "sup", "u", "var"}


def bounded_html(html: str, warn: Callable[[str, int | None], None]) -> str:
    """The HTML with every element past HTML_DEPTH levels, or INDENT_DEPTH indenting ones, taken out (its
    text kept, in the deepest element above it that may hold text), and a zero-width space, where a line
    may break, every 20 characters of a run past LONG_RUN (not <wbr>: lxml's HTML parser nests what
    follows one in it). html is a serializer's (see _PIECE), not a writer's."""
    out: list[str] = []
    open_: list[str] = []  # the elements open where the scan is
    flat_from: int | None = None  # while flattening: the index in open_ of the element keeping the text
    flattened = broken = False
    position = 0
    for piece in _PIECE.finditer(html):
        if piece["run"]:
            out.append(html[position : piece.start()] + _RUN_STEP.sub("\\g<0>\u200b", piece[0]))
            position, broken = piece.end(), True
            continue
        closing, name = piece[1] == "/", piece[2].lower()
        if name in _VOID:
            keep = flat_from is None
        elif closing:
            keep = flat_from is None or len(open_) - 1 <= flat_from
            if open_:
                open_.pop()
            if flat_from is not None and len(open_) <= flat_from:
                flat_from = None  # the element keeping the text is closed: the page goes on as written
        else:
            if flat_from is None and _too_deep(open_, name):
                flat_from = next((i for i in range(len(open_) - 1, -1, -1) if open_[i] not in _NO_TEXT), -1)
                closers = "".join(f"</{tag}>" for tag in reversed(open_[flat_from + 1 :]))
                out.append(html[position : piece.start()] + closers)  # their own closing tags are dropped
                position, flattened = piece.start(), True
            keep = flat_from is None
            open_.append(name)
        if not keep:
            out.append(html[position : piece.start()] + ("" if name in _INLINE else " "))
            position = piece.end()
    if flattened:
        warn(f"elements are nested more than {HTML_DEPTH} deep, or quotations, lists and tables more than "
             f"{INDENT_DEPTH}, here; the book keeps the text of those deeper, without their tags. Nest less", None)
    if broken:
        warn(f"a run of more than {LONG_RUN} characters has no space; the book lets it break every 20, as no "
             "word needs. Put spaces in it, or shorten it", None)
    return "".join(out) + html[position:] if out else html


def _too_deep(open_: list[str], name: str) -> bool:
    """Whether an element opened inside these would be past the depth a page can hold."""
    return len(open_) >= HTML_DEPTH or name in _INDENTING and sum(tag in _INDENTING for tag in open_) >= INDENT_DEPTH
