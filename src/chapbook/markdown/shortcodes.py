"""Static-site shortcodes, rendered as the site meant them and never left as braces in a book.

Zola: `{{ name(key="value") }}` and `{% name(key="value") %}body{% end %}`, escaped as `{{/* … */}}`.
Hugo: `{{< name args >}}`, `{{% name args %}}` and their paired forms closed by `{{< /name >}}`.
The common ones (images, figures, galleries, video and gist embeds, quotes, math) have a
rendering of their own; any other keeps its body, and the writer is told which one and where.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from jinja2 import ChainableUndefined, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt
from markupsafe import Markup
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from ..errors import ChapbookError
from ..limits import SHORTCODE_DEPTH, SHORTCODE_TAG
from .images import missing_image_html
from .math import formula_html
from .tokens import inline_blocks

# What a tag holds between its braces is bounded (limits.py) and never runs past the next tag's
# opening ({{ or {%), and no pattern ends in a run of spaces it could split many ways: a brace never
# closed costs a look at the next few characters, not at the rest of the essay.
_INSIDE = r"(?:[^{]|\{(?![{%%])){0,%d}?" % SHORTCODE_TAG
_ESCAPED = re.compile(r"\{\{(<|%)?/\*(" + _INSIDE + r")\*/(>|%)?\}\}", re.DOTALL)
_ZOLA_CALL = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\((" + _INSIDE + r")\)\s*\}\}", re.DOTALL)
_HUGO_CALL = re.compile(r"\{\{([<%])\s*([\w-]+)(" + _INSIDE + r")[>%]\}\}", re.DOTALL)
# A paired shortcode's opening tag, and its closing one (Zola's `{% end %}`, Hugo's `{{< /name >}}`).
_ZOLA_OPEN = re.compile(r"\{%\s*([A-Za-z_]\w*)\s*\((" + _INSIDE + r")\)\s*%\}", re.DOTALL)
_ZOLA_TAGS = re.compile(r"\{%\s*(?:(end)|[A-Za-z_]\w*\s*\(" + _INSIDE + r"\))\s*%\}", re.DOTALL)
_HUGO_OPEN = re.compile(r"\{\{([<%])\s*([\w-]+)(" + _INSIDE + r")[>%]\}\}")
_ARGUMENT = re.compile(r"""(?:(\w+)\s*=\s*)?("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,]+)""")

Args = dict[str, str]
Shortcode = Callable[[Args, str, dict], str]


def parse_args(text: str) -> Args:
    """Arguments as written: key="value" pairs (Zola, Hugo) or positional values (Hugo: "0", "1"…)."""
    args: Args = {}
    for position, (key, value) in enumerate(_ARGUMENT.findall(text)):
        if value[:1] in {'"', "'"}:
            value = value[1:-1].replace('\\"', '"')
        args[key or str(position)] = value
    return args


# Hugo's links between pages: [the kettle]({{< ref "posts/kettle" >}}), also relref and the % form.
_HUGO_REF = re.compile(r"""\{\{[<%]\s*(?:rel)?ref\s+(?:"([^"]*)"|'([^']*)'|([^\s>%]+))\s*[>%]\}\}""")


def shortcodes_plugin(md: MarkdownIt) -> None:
    md.core.ruler.before("block", "hugo_refs", _hugo_refs)
    md.inline.ruler.before("text", "shortcode", _inline_shortcode)
    md.block.ruler.before("paragraph", "shortcode_block", _block_shortcode, {"alt": ["paragraph"]})
    md.core.ruler.push("shortcode_escapes_in_code", _unescape_in_code)
    md.core.ruler.push("shortcode_lines", _give_lines)
    md.add_render_rule("shortcode", _render_inline)
    md.add_render_rule("shortcode_block", _render_block)


def _hugo_refs(state: StateCore) -> None:
    """Hugo expands ref before Markdown reads the link; here it becomes a path the link stage resolves."""
    if "ref" in state.src:
        state.src = _HUGO_REF.sub(lambda m: "@ref/" + (m[1] or m[2] or m[3] or "").replace(" ", "%20"), state.src)


class _TooDeep(Exception):
    """Paired shortcodes nested deeper than SHORTCODE_DEPTH: the rules read them as the text they are."""


def _closing(state: StateBlock | StateInline, text: str, start: int, name: str | None,
             line: int | None = None, end: int | None = None) -> re.Match[str] | None:
    """The tag closing a paired shortcode opened before start (and before end), past pairs nested in its body.

    name None: Zola's, whose every `{% name() %}` has an `{% end %}`; else Hugo's `{{< /name >}}`.
    Past SHORTCODE_DEPTH it warns, once an essay, and raises _TooDeep: that bounds both the search
    (no opening tag costs a scan of the rest of the essay) and the bodies rendered inside bodies."""
    tags = _ZOLA_TAGS if name is None else re.compile(
        r"\{\{[<%]\s*(/)?" + re.escape(name) + r"(?:\s" + _INSIDE + r")?[>%]\}\}", re.DOTALL)
    depth = 1
    for tag in tags.finditer(text, start, len(text) if end is None else end):
        depth += -1 if tag[1] else 1
        if depth == 0:
            return tag
        if depth > SHORTCODE_DEPTH:
            if not state.env.get("warned_deep_shortcodes"):
                state.env["warned_deep_shortcodes"] = True
                state.env["warn"](f"paired shortcodes are nested more than {SHORTCODE_DEPTH} deep; the book shows "
                                  "them as written. Nest fewer inside each other", line)
            raise _TooDeep
    return None


def _inline_shortcode(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos  # matched in place: a copy of the rest at every brace would be quadratic
    if src.startswith("{%", pos):
        return _inline_paired_zola(state, silent)
    if not src.startswith("{{", pos):
        return False
    escaped = _ESCAPED.match(src, pos)
    match = escaped or _ZOLA_CALL.match(src, pos) or _HUGO_CALL.match(src, pos)
    if not match:
        return False
    end, closing = match.end(), None
    if match.re is _HUGO_CALL:
        # Hugo's paired shortcode inside a line: {{< katex >}}x^2{{< /katex >}}, {{< mark >}}*this*{{< /mark >}}.
        try:
            closing = _closing(state, src, end, match[2])
        except _TooDeep:
            return False
    if not silent:
        if escaped:
            token = state.push("text", "", 0)
            token.content = _unescape(escaped.group(0))
        elif match.re is _ZOLA_CALL:
            token = state.push("shortcode", "", 0)
            token.meta = {"name": match[1], "args": parse_args(match[2])}
        else:
            token = state.push("shortcode", "", 0)
            token.meta = {"name": match[2], "args": parse_args(match[3]), "markdown": match[1] == "%"}
            if closing:
                token.meta["body"] = src[end : closing.start()]
    state.pos = closing.end() if closing else end
    return True


def _inline_paired_zola(state: StateInline, silent: bool) -> bool:
    """Zola's `{% name(args) %}body{% end %}` inside a line of text. In a Jekyll post `{% … %}` is
    Liquid, read before the Markdown; what is left there (inside `{% raw %}`) is text."""
    if state.env.get("liquid"):
        return False
    opening = _ZOLA_OPEN.match(state.src, state.pos)
    try:
        closing = _closing(state, state.src, opening.end(), None) if opening else None
    except _TooDeep:
        return False
    if not closing:
        return False
    if not silent:
        token = state.push("shortcode", "", 0)
        token.meta = {"name": opening[1], "args": parse_args(opening[2]),
                      "body": state.src[opening.end() : closing.start()]}
    state.pos = closing.end()
    return True


def _block_shortcode(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A paired shortcode that opens a line and whose closing tag ends one: the same line, or a later one."""
    begin, stop = state.bMarks[start] + state.tShift[start], state.eMarks[end - 1]  # searched as written, in place
    line = state.src[begin : state.eMarks[start]]
    zola = None if state.env.get("liquid") else _ZOLA_OPEN.match(line)  # a Jekyll post's {% %} is Liquid
    hugo = _HUGO_OPEN.match(line)
    if not (zola or hugo):
        return False
    opening = zola or hugo
    name = zola[1] if zola else hugo[2]
    try:
        found = _closing(state, state.src, begin + opening.end(), None if zola else name, start + 1, stop)
    except _TooDeep:
        return False
    if found is None:
        return False  # not a paired shortcode here: the inline rule will read it
    line_end = state.src.find("\n", found.end(), stop)
    if state.src[found.end() : stop if line_end < 0 else line_end].strip():
        return False  # text follows the closing tag: a shortcode inside a paragraph, the inline rule's
    if silent:
        return True
    close = start + state.src.count("\n", begin, found.end())
    lines = state.getLines(start, close + 1, state.tShift[start], False)  # a quotation's `>` taken off
    body = lines[opening.end() : lines.rindex(found[0])]
    token = state.push("shortcode_block", "", 0)
    token.meta = {"name": name, "args": parse_args(zola[2] if zola else hugo[3])}
    token.content = body[1:] if body.startswith("\n") else body  # the opening tag's own line ends there
    token.map = [start, close + 1]
    state.line = close + 1
    return True


def _give_lines(state: StateCore) -> None:
    """Inline tokens carry no line; a shortcode's is its paragraph's, for messages that point at it."""
    for block, line in inline_blocks(state):
        for child in block.children:
            if child.type == "shortcode" and line is not None:
                child.map = [line - 1, line]


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: "{{" + (m[1] or "") + " " + m[2].strip() + " " + (m[3] or "") + "}}", text)


def _unescape_in_code(state: StateCore) -> None:
    """Sites write `{{/* name() */}}` to show a shortcode without running it, in code too."""
    for token in state.tokens:
        if token.type in {"fence", "code_block"}:
            token.content = _unescape(token.content)
        for child in token.children or []:
            if child.type == "code_inline":
                child.content = _unescape(child.content)


def _render_inline(self, tokens, idx, options, env) -> str:  # noqa: ANN001 - markdown-it's renderer signature
    meta = tokens[idx].meta
    body = meta.get("body", "")
    if body.strip() and meta["name"].lower() not in RAW_BODY:
        body = env["render_inline"](body)
    return _render(meta, body, env, tokens[idx].map)


def _render_block(self, tokens, idx, options, env) -> str:  # noqa: ANN001
    token = tokens[idx]
    if token.meta["name"].lower() in RAW_BODY:
        body = token.content
    else:
        body = env["render_markdown"](token.content) if token.content.strip() else ""
    return _render(token.meta, body, env, token.map)


def _render(meta: dict, body: str, env: dict, where: list[int] | None) -> str:
    name, args = meta["name"].lower(), meta["args"]
    env["shortcode_line"] = where[0] + 1 if where else None
    handler = env.get("book_shortcodes", {}).get(name) or SHORTCODES.get(name)
    if handler is None and any(key in args for key in ("path", "src", "image")):
        handler = _image  # a site's own picture shortcode: show the picture it names
    if handler is None:
        report = env.get("warn_shortcode")
        if report:
            report(name, env["shortcode_line"])
        return body
    return handler(args, body, env)


def _image(args: Args, body: str, env: dict) -> str:
    src = args.get("path") or args.get("src") or args.get("url") or args.get("0") or ""
    alt = args.get("alt") or args.get("caption") or args.get("title") or ""
    resolved = env["resolve_image"](src, alt, env.get("shortcode_line")) if src else None
    if resolved is None:
        return missing_image_html(alt)
    env.setdefault("resolved_images", set()).add(resolved)
    image = f'<img src="{html.escape(resolved)}" alt="{html.escape(alt)}"/>'
    caption = args.get("caption")
    return f"<figure>{image}<figcaption>{html.escape(caption)}</figcaption></figure>" if caption else image


def _gallery(args: Args, body: str, env: dict) -> str:
    pictures = [_image({"path": name, "alt": args.get("alt", "")}, "", env) for name in env.get("page_assets", ())]
    return f'<span class="gallery">{"".join(pictures)}</span>'


def _embed(kind: str, url: Callable[[Args], str]) -> Shortcode:
    def render(args: Args, body: str, env: dict) -> str:
        address = url(args)
        title = args.get("title") or kind
        return f'<span class="embed">{html.escape(title)}: <a href="{html.escape(address)}">{html.escape(address)}</a></span>'
    return render


def _quote(args: Args, body: str, env: dict) -> str:
    cite = args.get("author") or args.get("cite") or args.get("0")
    source = f"<cite>— {html.escape(cite)}</cite>" if cite else ""
    return f"<blockquote>{body}{source}</blockquote>"


def _math(args: Args, body: str, env: dict) -> str:
    latex = body or args.get("body") or args.get("0", "")
    if not latex.strip():
        return ""  # Hugo themes' bare {{< katex >}} only switches KaTeX on for the page
    display = any(args.get(key, "").lower() == "true" for key in ("block", "display"))
    return formula_html(latex, display=display, env=env, line=env.get("shortcode_line"))


def _highlight(args: Args, body: str, env: dict) -> str:
    """Hugo's {{< highlight go >}}…{{< /highlight >}}: a code block in that language."""
    language = args.get("0") or args.get("lang") or ""
    kind = f' class="language-{html.escape(language)}"' if language else ""
    return f"<pre><code{kind}>{html.escape(body.strip(chr(10)))}</code></pre>"


def book_shortcode(source: str, path: Path) -> Shortcode:
    """A shortcode drawn by the book's own Jinja template. The sandbox lets it read only what it is
    given (no files, no attributes of Python objects); what it writes is cleaned like any raw HTML."""
    environment = SandboxedEnvironment(autoescape=True, undefined=ChainableUndefined)
    try:
        template = environment.from_string(source)
    except TemplateSyntaxError as error:
        raise ChapbookError(path, error.lineno, f"shortcode template: {error.message}; fix the Jinja syntax") from None

    def render(args: Args, body: str, env: dict) -> str:
        positional = [value for key, value in sorted(args.items()) if key.isdigit()]
        named = {key: value for key, value in args.items() if not key.isdigit()}
        try:
            return template.render(**named, args=positional, body=Markup(body))
        except Exception as error:  # noqa: BLE001 - a template's mistake must not stop the book
            report = env.get("warn_template")
            if report:
                report(f"the shortcode template {path} failed ({error}); the book keeps the shortcode's body",
                       env.get("shortcode_line"))
            return body
    return render

# Shortcodes whose body is kept as written: LaTeX, and code (Hugo's highlight).
RAW_BODY = {"katex", "math", "highlight"}

SHORTCODES: dict[str, Shortcode] = {
    "resize_image": _image, "image": _image, "img": _image, "figure": _image,
    "gallery": _gallery,
    "youtube": _embed("YouTube video", lambda a: f"https://www.youtube.com/watch?v={a.get('id') or a.get('0', '')}"),
    "vimeo": _embed("Vimeo video", lambda a: f"https://vimeo.com/{a.get('id') or a.get('0', '')}"),
    "gist": _embed("Gist", lambda a: a.get("url") or f"https://gist.github.com/{a.get('0', '')}/{a.get('1', '')}"),
    "streamable": _embed("Video", lambda a: f"https://streamable.com/{a.get('id') or a.get('0', '')}"),
    "tweet": _embed("Post on X", lambda a: f"https://x.com/{a['user']}/status/{a.get('id', '')}" if a.get("user")
                    else f"https://x.com/i/status/{a.get('id') or a.get('0', '')}"),
    "x": _embed("Post on X", lambda a: f"https://x.com/{a.get('user', 'i')}/status/{a.get('id') or a.get('0', '')}"),
    "instagram": _embed("Instagram post", lambda a: f"https://www.instagram.com/p/{a.get('id') or a.get('0', '')}/"),
    "quote": _quote,
    "katex": _math, "math": _math,
    "highlight": _highlight,
}
