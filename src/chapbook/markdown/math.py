"""LaTeX math as blogs write it: `\\\\( \\\\)` inline, `\\\\[ \\\\]` and `$$ $$` on a line of their own.

Zola's KaTeX auto-render needs the backslash doubled in Markdown (Markdown eats one); Hugo's
passthrough reads it single. Both are math here. A single `$` never is: essays talk of prices.
mdit-py-plugins' texmath reads only the single-backslash brackets, and dollarmath always takes
single `$` too, so these are rules of chapbook's own, run before the escape rule eats a backslash.
In code spans and code blocks nothing is math: those rules run first and keep their text.

Where the site's own MathJax or KaTeX reads the page (env["math_after_markdown"]), it reads the HTML
the Markdown became: Markdown's backslash escapes and entities in a formula (`x\\_i`, `\\*`) were
undone before the TeX was read, so they are undone here too. The doubled forms and `$$` are written
for that reader; the single `\\(` `\\[` exist because Hugo's passthrough hands the TeX over
untouched, so they stay as written. kramdown (env["kramdown"], Jekyll's Markdown) reads `$$` itself:
its body is never unescaped, and it is display math only as a paragraph of its own, else inline.

Each formula becomes MathML (see media/formulas.py). The sanitiser that cleans the essay's raw HTML
knows no MathML, so a formula is written as a placeholder that only this render knows, and
to_xhtml puts the MathML in its place after cleaning; the MathML was cleaned by an allow-list of its
own when it was made (media/formulas.py). A formula that cannot be read is reported
with its line and shown as its LaTeX in code.
"""

from __future__ import annotations

import html
import re
import secrets

from markdown_it import MarkdownIt
from markdown_it.common.utils import replaceEntityPattern
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from ..media.formulas import MathError, latex_to_mathml
from .tokens import inline_blocks

# (opening, closing, display): the doubled forms first, so `\\(` is not read as `\` then `\(`.
DELIMITERS = (
    ("\\\\(", "\\\\)", False),
    ("\\\\[", "\\\\]", True),
    ("\\(", "\\)", False),
    ("\\[", "\\]", True),
    ("$$", "$$", True),
)
PLACEHOLDER_CLASS = "chapbook-formula-"
# `\[` is also how Markdown writers escape a bracket ("\[sic\]", "\[1\]"): in that form only
# what looks like LaTeX is math.
_ESCAPED_BRACKET = "\\["
_LOOKS_LIKE_LATEX = re.compile(r"[\\^_={}<>+]")
# What a backslash escapes, and the entities decoded: CommonMark's every ASCII punctuation mark,
# kramdown's a shorter list (its `\\,` stays a thin space).
_COMMONMARK_ESCAPES = re.compile(r"""\\([!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~])|&([a-z#][a-z0-9]{1,31});""", re.IGNORECASE)
_KRAMDOWN_ESCAPES = re.compile(r"""\\([\\.*_+\-`()\[\]{}#!:|"'$=<>])|&([a-z#][a-z0-9]{1,31});""", re.IGNORECASE)
_KRAMDOWN_DOLLARS = "$$"


def math_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("escape", "math_inline", _inline_math)
    md.block.ruler.before("paragraph", "math_block", _block_math)
    md.core.ruler.push("math_lines", _give_lines)
    md.add_render_rule("math_inline", _render)
    md.add_render_rule("math_block", _render)


def _inline_math(state: StateInline, silent: bool) -> bool:
    src, start = state.src, state.pos
    kramdown = state.env.get("kramdown", False)
    if kramdown and start == 0 and src.startswith("\\" + _KRAMDOWN_DOLLARS):
        start += 1  # `\\$$ x $$` opening a paragraph: kramdown's way to keep it inline, not a block
    for opening, closing, display in DELIMITERS:
        if not src.startswith(opening, start):
            continue
        end = src.find(closing, start + len(opening))
        if end == -1 or not _is_formula(opening, src[start + len(opening) : end]):
            continue
        if not silent:
            token = state.push("math_inline", "math", 0)
            token.content = _as_read(opening, src[start + len(opening) : end], state.env)
            # kramdown's `$$` inside a paragraph is inline; MathJax's is always displayed.
            display = display and not (kramdown and opening == _KRAMDOWN_DOLLARS)
            # Inline tokens carry no line: count the lines of the paragraph before this one.
            token.meta = {"display": display, "lines_before": src.count("\n", 0, start)}
        state.pos = end + len(closing)
        return True
    return False


def _block_math(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A formula whose delimiters open a line and close one (maybe the same), read whole: lines in it
    that Markdown would take for a list item or a heading stay LaTeX."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False  # an indented code block
    first = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    for opening, closing, display in DELIMITERS:
        if not display or not first.startswith(opening):
            continue
        # kramdown reads `$$` to the next `$$`, blank lines and all, and wants a blank line after it.
        kramdown = state.env.get("kramdown", False) and opening == _KRAMDOWN_DOLLARS
        for line in range(start, end):
            text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip()
            if line > start and not text and not kramdown:
                break  # a blank line before the closing delimiter: not a formula block
            if not (text[len(opening):] if line == start else text).endswith(closing):
                if kramdown and closing in (text[len(opening):] if line == start else text):
                    break  # kramdown's first `$$` closes it, and text follows: inline math in a paragraph
                continue
            body = state.getLines(start, line + 1, state.tShift[start], False).strip()
            body = body[len(opening) : -len(closing)]
            if closing in body or not _is_formula(opening, body):
                break  # two formulas on a line, or text after the first: the paragraph's to read
            if kramdown and line + 1 < end and not state.isEmpty(line + 1):
                break  # a line of text follows: kramdown reads the whole as a paragraph, the formula inline
            if not silent:
                token = state.push("math_block", "math", 0)
                token.content = _as_read(opening, body, state.env)
                token.meta = {"display": True}
                token.map = [start, line + 1]
                state.line = line + 1
            return True
    return False


def _as_read(opening: str, body: str, env: dict) -> str:
    """The TeX as the site's math reader got it: with Markdown's escapes undone where Markdown read it first."""
    if not env.get("math_after_markdown") or opening in ("\\(", "\\["):
        return body  # no reader in the page, or Hugo's passthrough form: the TeX as written
    if env.get("kramdown"):
        return body if opening == _KRAMDOWN_DOLLARS else _unescape(body, _KRAMDOWN_ESCAPES)
    return _unescape(body, _COMMONMARK_ESCAPES)


def _unescape(text: str, escapes: re.Pattern[str]) -> str:
    return escapes.sub(lambda m: m[1] if m[1] else replaceEntityPattern(m[0], m[2]), text)


def _is_formula(opening: str, body: str) -> bool:
    return bool(body.strip()) and (opening != _ESCAPED_BRACKET or bool(_LOOKS_LIKE_LATEX.search(body)))


def _give_lines(state: StateCore) -> None:
    for block, line in inline_blocks(state):
        for child in block.children:
            if child.type == "math_inline" and line is not None:
                here = line - 1 + child.meta["lines_before"]
                child.map = [here, here + 1]


def _render(self, tokens, idx, options, env) -> str:  # noqa: ANN001 - markdown-it's renderer signature
    token = tokens[idx]
    line = token.map[0] + 1 if token.map else None
    return formula_html(token.content, display=token.meta["display"], env=env, line=line)


def formula_html(latex: str, *, display: bool, env: dict, line: int | None) -> str:
    """The placeholder that becomes the formula's MathML, or the LaTeX as code (with a warning) when it cannot."""
    try:
        mathml = latex_to_mathml(latex, display=display)
    except MathError as error:
        report = env.get("warn_math")
        if report:
            report(f"math \"{' '.join(latex.split())}\" cannot be set: {error}. The book shows its LaTeX "
                   "as code until it is fixed", line)
        code = f'<code class="math">{html.escape(latex.strip())}</code>'
        return f"<p>{code}</p>\n" if display else code
    formulas = env.setdefault("formulas", {})
    # A class only this render knows, so raw HTML in the essay cannot pose as a formula.
    nonce = env.setdefault("formula_nonce", secrets.token_hex(8))
    key = f"{PLACEHOLDER_CLASS}{nonce}-{len(formulas)}"
    formulas[key] = mathml
    return f'<span class="{key}"></span>'
