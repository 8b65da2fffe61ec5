"""LaTeX math as blogs write it: `\\\\( \\\\)` inline, `\\\\[ \\\\]` and `$$ $$` on a line of their own.

Zola's KaTeX auto-render needs the backslash doubled in Markdown (Markdown eats one); Hugo's
passthrough reads it single. Both are math here. A single `$` never is: essays talk of prices.
mdit-py-plugins' texmath reads only the single-backslash brackets, and dollarmath always takes
single `$` too, so these are rules of chapbook's own, run before the escape rule eats a backslash.
In code spans and code blocks nothing is math: those rules run first and keep their text.

Each formula becomes MathML (see formulas.py). The sanitiser that cleans the essay's raw HTML
knows no MathML, so a formula is written as a placeholder that only this render knows, and
to_xhtml puts the MathML in its place after cleaning. A formula that cannot be read is reported
with its line and shown as its LaTeX in code.
"""

from __future__ import annotations

import html
import re
import secrets

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from ..formulas import MathError, latex_to_mathml
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


def math_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("escape", "math_inline", _inline_math)
    md.block.ruler.before("paragraph", "math_block", _block_math)
    md.core.ruler.push("math_lines", _give_lines)
    md.add_render_rule("math_inline", _render)
    md.add_render_rule("math_block", _render)


def _inline_math(state: StateInline, silent: bool) -> bool:
    src, start = state.src, state.pos
    for opening, closing, display in DELIMITERS:
        if not src.startswith(opening, start):
            continue
        end = src.find(closing, start + len(opening))
        if end == -1 or not _is_formula(opening, src[start + len(opening) : end]):
            continue
        if not silent:
            token = state.push("math_inline", "math", 0)
            token.content = src[start + len(opening) : end]
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
        for line in range(start, end):
            text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip()
            if line > start and not text:
                break  # a blank line before the closing delimiter: not a formula block
            if not (text[len(opening):] if line == start else text).endswith(closing):
                continue
            body = state.getLines(start, line + 1, state.tShift[start], False).strip()
            body = body[len(opening) : -len(closing)]
            if closing in body or not _is_formula(opening, body):
                break  # two formulas on a line, or text after the first: the paragraph's to read
            if not silent:
                token = state.push("math_block", "math", 0)
                token.content = body
                token.meta = {"display": True}
                token.map = [start, line + 1]
                state.line = line + 1
            return True
    return False


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
