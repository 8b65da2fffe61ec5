"""A theme's or a book's stylesheet, read: UTF-8, and no page or type larger than a book can be set in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import tinycss2
from tinycss2.ast import Declaration, Node

from .errors import ChapbookError, shown
from .limits import FONT_INCHES, PAGE_INCHES
from .sources.essays import decode_utf8

# Each unit in inches; a relative one (em, %, vw) as the book's usual type (12 pt) and page (12 in) make it.
_INCHES = {"in": 1, "cm": 1 / 2.54, "mm": 1 / 25.4, "q": 1 / 101.6, "pt": 1 / 72, "pc": 1 / 6, "px": 1 / 96,
           "em": 1 / 6, "rem": 1 / 6, "ex": 1 / 12, "ch": 1 / 12, "lh": 1 / 4, "vw": 0.12, "vh": 0.12,
           "vmin": 0.12, "vmax": 0.12, "%": 1 / 600}
# The declarations whose lengths have a ceiling: the page's size, and the type's (a line as tall as
# a page cannot be set, and the layout would give each letter a page of its own).
_LIMITS = {("page", "size"): (PAGE_INCHES, "pages"), ("", "font-size"): (FONT_INCHES, "type"),
           ("", "font"): (FONT_INCHES, "type"), ("", "line-height"): (FONT_INCHES, "lines")}
_NESTING = 8  # rules inside @media, @supports, @page's margin boxes: deeper is no stylesheet's


def read_stylesheet(path: Path) -> str:
    """The stylesheet's text; a file that is not UTF-8, or sets an absurd size, is an error at its line."""
    display = shown(path)
    css = decode_utf8(display, path.read_bytes())
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    for context, declaration in _declarations(rules, ""):
        ceiling, what = _LIMITS.get((context, declaration.lower_name)) or _LIMITS.get(("", declaration.lower_name)) \
            or (None, "")
        for token in declaration.value if ceiling else ():
            inches = _inches(token)
            if inches > ceiling:
                written = tinycss2.serialize([token])
                raise ChapbookError(display, token.source_line, f"{declaration.name}: {written} is larger than "
                                    f"chapbook sets {what} ({ceiling:g} in at most); use a size a page can hold")
    return css


def _declarations(rules: Iterable[Node], context: str, depth: int = 0) -> Iterator[tuple[str, Declaration]]:
    """Every declaration, with "page" for those of an @page rule (and its margin boxes), else ""."""
    for rule in rules:
        if rule.type == "declaration":
            yield context, rule
        elif rule.type in ("qualified-rule", "at-rule") and rule.content is not None and depth < _NESTING:
            inner = "page" if rule.type == "at-rule" and rule.lower_at_keyword == "page" else context
            yield from _declarations(tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                                    skip_whitespace=True), inner, depth + 1)


def _inches(token: Node) -> float:
    if token.type == "dimension":
        return token.value * _INCHES.get(token.lower_unit, 0)
    if token.type == "percentage":
        return token.value * _INCHES["%"]
    return 0.0
