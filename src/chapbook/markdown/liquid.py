"""Jekyll's Liquid tags in a post, read as Jekyll reads them before its Markdown does.

`{% highlight ruby %}…{% endhighlight %}` is a code block; `{% post_url 2021-03-04-title %}` and
`{% link _posts/….md %}` are links to other posts; `{{ site.baseurl }}` and `{{ site.url }}` before
a path are the site's own address, and `{{ site.name }}` is the value _config.yml gives it; `{% raw %}…{% endraw %}` is text as written. Any other tag
(`{% include %}`, `{% if %}`…) and any other output (`{{ page.title }}`) is dropped with a
warning naming it, never left as braces.
Only Jekyll posts get this: in Zola's and Hugo's Markdown, `{% … %}` means something else.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

# Where a post_url or link tag leaves its target, for the link stage to resolve.
POST_URL = "@post/"
SITE_FILE = "@site/"

_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_HIGHLIGHT = re.compile(r"^[ \t]*\{%-?\s*highlight\s+([\w+#.-]+)[^%]*-?%\}[ \t]*\n(.*?)\n?[ \t]*\{%-?\s*endhighlight\s*-?%\}[ \t]*$",
                        re.DOTALL | re.MULTILINE)
_POST_URL = re.compile(r"\{%-?\s*post_url\s+([\w./-]+)\s*-?%\}")
_LINK = re.compile(r"\{%-?\s*link\s+([\w./-]+)\s*-?%\}")
_SITE_ADDRESS = re.compile(r"(?:\{\{-?\s*site\.(?:url|baseurl)\s*-?\}\}){1,2}(?=/)")
_OTHER_TAG = re.compile(r"\{%-?\s*(\w+)[^%]*?-?%\}")
_OUTPUT = re.compile(r"\{\{-?\s*([\w.]+)[^{}]*?-?\}\}")
# {{ "/docs/assets/" | relative_url }}: a quoted path through the filters that make it an address.
_QUOTED_ADDRESS = re.compile(r"""\{\{-?\s*(["'])([^"'{}]*)\1\s*((?:\|\s*(?:relative_url|absolute_url|uri_escape|url_encode)\s*)+)-?\}\}""")
_PLACEHOLDER = "\x00raw{}\x00"


def liquid_plugin(md: MarkdownIt) -> None:
    md.core.ruler.before("block", "jekyll_liquid", _read_liquid)


def _read_liquid(state: StateCore) -> None:
    if not state.env.get("liquid") or "{" not in state.src:
        return
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match[1])
        return _PLACEHOLDER.format(len(kept) - 1)

    text = _RAW.sub(keep, state.src)
    text = _HIGHLIGHT.sub(lambda m: f"```{m[1]}\n{m[2]}\n```", text)
    text = _POST_URL.sub(lambda m: POST_URL + m[1], text)
    text = _LINK.sub(lambda m: SITE_FILE + m[1], text)
    text = _SITE_ADDRESS.sub("", text)
    text = _QUOTED_ADDRESS.sub(_quoted_address, text)
    text = _OTHER_TAG.sub(lambda m: _drop(m, text, state.env, "{{% {} %}}"), text)
    text = _OUTPUT.sub(lambda m: _site_variable(m, state.env) or _drop(m, text, state.env, "{{{{ {} }}}}"), text)
    state.src = re.sub("\x00raw(\\d+)\x00", lambda m: kept[int(m[1])], text)


def _quoted_address(match: re.Match) -> str:
    """relative_url and absolute_url make a path the site's own address (the link stage resolves it);
    uri_escape and url_encode escape it."""
    text = match[2]
    if "uri_escape" in match[3] or "url_encode" in match[3]:
        text = quote(text, safe="/#:?=&")
    return text


def _site_variable(match: re.Match, env: dict) -> str:
    """`{{ site.repository }}`: a value of the site's _config.yml, as Jekyll prints it."""
    name = match[1].removeprefix("site.") if match[1].startswith("site.") else None
    value = (env.get("site_variables") or {}).get(name) if name else None
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _drop(match: re.Match, text: str, env: dict, shape: str) -> str:
    report = env.get("warn_shortcode")
    if report:
        report(shape.format(match[1]), text.count("\n", 0, match.start()) + 1)
    return ""
