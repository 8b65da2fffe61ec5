"""Hostile-input catalogue, item 6: essays drawn from a grammar of what blogs hold, built into books.

The grammar (strategies below): front matter in TOML or YAML with odd values (wrong types, dates
that are not, unsafe YAML tags, broken syntax); Markdown (headings, lists, quotes, verse with hard
breaks and <br>/</br>, emphasis, code, links of every scheme, pictures inside and outside the book,
tables, footnotes); raw HTML, whole, broken and hostile (script, iframe, object, on* attributes,
style, base, meta refresh); Zola and Hugo shortcodes and Liquid tags, closed and not; math ($...$,
$$...$$, \\(...\\), \\[...\\]); and odd Unicode (combining marks, right-to-left and bidi controls,
emoji sequences, zero-width characters, lone surrogates escaped as text and as character references,
NUL and other control characters, non-characters).

Cases:
- each example is a book of one or two such essays, read in-process as `chapbook build` reads it
  (pipeline.read) and written as an EPUB without the print edition's page list: the fast path, no
  page is set. The oracle: the build succeeds, or raises ChapbookError naming a file and a line
  (`path:line: message`), never another exception, and within EXAMPLE_SECONDS (never a hang); no
  network connection is attempted; and the EPUB written has every XHTML document well-formed (lxml,
  strictly), no script, iframe, object or embed, no on* attribute, no javascript: address, and no
  byte of the canary planted beside the book;
- then the essays of the examples that built are bound into (at most BOUND) books of BATCH essays,
  built whole as `chapbook build` builds them (pipeline.build: pages set, EPUB and PDF), and each
  must pass epubcheck with nothing to report and have an inert PDF.

CI runs FUZZ_EXAMPLES examples, the same ones every time (derandomized), and stops at the first
failure. To search by hand, with fresh examples each run, every failure kept and reported at the end
by kind with its smallest example: CHAPBOOK_FUZZ_EXAMPLES=5000 pytest -n 0 tests/test_hostile_fuzz.py
"""

from __future__ import annotations

import faulthandler
import os
import re
import shutil
import signal
import socket
import traceback
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lxml import etree

from chapbook.errors import ChapbookError, log
from chapbook.cache import BuildCache
from chapbook.pipeline import build, read
from chapbook.writers.epub import write_epub
from epubcheck_helper import epubcheck_messages
from hostile import assert_pdf_is_inert, plant_canary, write_book

FUZZ_EXAMPLES = int(os.environ.get("CHAPBOOK_FUZZ_EXAMPLES", "200"))
BY_HAND = "CHAPBOOK_FUZZ_EXAMPLES" in os.environ
BATCH, BOUND = 40, (5 if BY_HAND else 2)  # essays in a book bound from the examples, and how many books
PICTURE = bytes.fromhex(  # a 1x1 PNG the books hold as images/pic.png
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0"
    "00000301010018dd8db00000000049454e44ae426082")

# --- the grammar ----------------------------------------------------------------------------------

ODD_TEXT = [
    "e\u0301\u0302\u0303\u0304", "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd\u200e", "مرحبا بالعالم",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f3f3\ufe0f\u200d\U0001f308", "a\u200bb\u200cc\u200dd\ufeff",
    "\\ud800", "\\udfff", "&#xD800;", "&#0;", "&#x110000;", "&#xFFFE;", "\x00", "\x0b", "\x1b[31m", "\x7f",
    "\ufffe", "\uffff", "\U0010fffd", "\u2028", "\u2029", "\r", "&bogus;", "&amp;", "<", ">", "&", '"', "'",
    "\U0001d54f\U0001d550", "ǅ", "ﬃ", "İ", "\u0345", "😀" * 3, "\u00ad", "\u034f", "\u2066x\u2069",
]
WORDS = ["lamp", "river", "kettle", "stair", "night", "ink", "bench", "road", "stone", "quiet"]
text = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(ODD_TEXT),
                          st.text(st.characters(codec="utf-8"), max_size=6)),
                min_size=1, max_size=8).map(" ".join)
plain = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)

ADDRESSES = [
    "https://example.com/a", "http://example.com/b?x=1&y=2", "#frag", "#", "", "02-b.md", "./02-b.md#top",
    "../outside.md", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\nscript:alert(1)", "vbscript:x",
    "file:///etc/passwd", "file:../canary/secret.txt", "data:text/html,<script>alert(1)</script>",
    "mailto:a@example.com", "tel:+1", "//example.com", "\\\\server\\share", "http://[::1]:99999/", "%00",
    "/etc/passwd", "../canary/secret.txt", "<spaces in it>", "@/posts/a.md", "{{< ref \"nothing\" >}}",
]
PICTURES = [
    "images/pic.png", "images/missing.png", "../canary/secret.png", "/etc/passwd", "file:///etc/hostname",
    "https://example.com/pic.png", "data:image/png;base64,iVBORw0KGgo=", "data:image/svg+xml,<svg/>",
    "images/../images/pic.png", "images", "pic.png?x=1#y", "", "images/pic.png\x00.txt",
]
address = st.one_of(st.sampled_from(ADDRESSES), st.sampled_from(PICTURES))

HTML = [
    "<script>alert(1)</script>", "<script src='../canary/secret.txt'></script>", "<iframe src='https://example.com'>",
    "<img src=x onerror=alert(1)>", "<img src='../canary/secret.png' alt='x'>", "<a href='javascript:alert(1)'>x</a>",
    "<div onclick=\"alert(1)\" style=\"background:url(file:///etc/passwd)\">d</div>",
    "<style>body { background: url(../canary/secret.png) } @import '../canary/secret.css';</style>",
    "<link rel=stylesheet href='../canary/secret.css'>", "<base href='file:///'>",
    "<meta http-equiv=refresh content='0;url=https://example.com'>", "<object data='../canary/secret.txt'></object>",
    "<embed src='../canary/secret.txt'>", "<svg><script>alert(1)</script><a xlink:href='javascript:x'>s</a></svg>",
    "<svg width='1e9' height='1e9'><image href='../canary/secret.png'/></svg>",
    "<math><mi>x</mi><annotation-xml encoding='text/html'><script>1</script></annotation-xml></math>",
    "<div><span>", "</p></div>", "<a href=", "<!--", "-->", "<![CDATA[x]]>", "<?xml version='1.0'?>",
    "<!DOCTYPE html>", "<br>", "</br>", "<p/>", "<table><tr><td>cell", "<form action=x><input name=a></form>",
    "<details open><summary>s</summary>d</details>", "<x-custom a=b>c</x-custom>", "<sup>1</sup><sub>2</sub>",
    "<span style='position:fixed;top:0;font-size:99999px'>big</span>", "<font color=red>f</font>",
    "<video src='x.mp4' autoplay></video>", "<audio controls src='../canary/secret.txt'></audio>",
    "<p dir='rtl' lang='ar'>نص</p>", "<div id='x'><div id='x'>duplicate ids</div></div>",
    "<a name='fn1'>anchor</a>", "<hr/>", "<img>", "<img src=''>", "<noscript>n</noscript>", "<template>t</template>",
]
SHORTCODES = [
    '{{ youtube(id="dQw4w9WgXcQ") }}', '{% quote(author="Ann") %}Quoted words{% end %}', "{% quote() %}never closed",
    '{{< figure src="images/pic.png" caption="A *caption*" >}}', '{{< figure src="../canary/secret.png" >}}',
    "{{< gist user abc123 >}}", "{{% notice info %}}Note **this**{{% /notice %}}", "{{< unknown >}}",
    "{{< details >}}body never closed", "{{/* not a shortcode */}}", "{{< ref \"posts/none\" >}}",
    '{{< highlight python >}}\nprint("x")\n{{< /highlight >}}', "{{< tweet 1 >}}", "{{< katex >}}x^2{{< /katex >}}",
    "{% include secret.html %}", "{{ site.title }}", "{% raw %}{{ x }}{% endraw %}", "{{ page.title | upcase }}",
    "{{< figure src=\"images/pic.png\" >}}{{< /figure >}}", "{{", "}}", "{%", "%}", "{{<", ">}}",
]
MATH = [
    "$x$", "$$x^2$$", "$$\n\\frac{a}{b}\n$$", "\\\\(a+b\\\\)", "\\\\[\\sum_{i=1}^n i\\\\]", "\\(e^{i\\pi}\\)",
    "$$\\frac{$$", "$$\\begin{align} a &= b \\\\ c &= d \\end{align}$$", "$$\\unknowncommand{x}$$",
    "$$\\href{javascript:alert(1)}{x}$$", "$$\\includegraphics{../canary/secret.png}$$", "$$" + "{" * 30 + "}" * 30 + "$$",
    "$5 and $6", "$$\\text{<script>alert(1)</script>}$$", "$$\\color{red}{x}$$", "$$x_{$$", "$$ $$",
]


@st.composite
def inline(draw: st.DrawFn) -> str:
    words, url = draw(text), draw(address)
    form = draw(st.sampled_from([
        "{w}", "*{w}*", "**{w}**", "~~{w}~~", "`{w}`", "[{w}]({u})", "![{w}]({u})", "<{u}>", "{w}[^{n}]",
        "{w}  \n{w}", "{h}", "{s}", "{m}", "[{w}][ref]", "![{w}][pic]", "\\*{w}\\*", "{w}<br>{w}</br>{w}",
    ]))
    return form.format(w=words, u=url, n=draw(st.sampled_from(["1", "a", "1", "x y", "^"])),
                       h=draw(st.sampled_from(HTML)), s=draw(st.sampled_from(SHORTCODES)), m=draw(st.sampled_from(MATH)))


paragraph = st.lists(inline(), min_size=1, max_size=4).map(" ".join)


@st.composite
def block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from([
        "paragraph", "heading", "setext", "list", "ordered", "nested", "quote", "verse", "verse-br", "marked",
        "fence", "indented", "table", "footnote", "definitions", "html", "shortcode", "math", "rule", "bare-html",
    ]))
    lines = draw(st.lists(paragraph, min_size=1, max_size=4))
    if kind == "heading":
        return "#" * draw(st.integers(1, 7)) + " " + lines[0] + draw(st.sampled_from(["", " {#id}", " #"]))
    if kind == "setext":
        return lines[0] + "\n" + draw(st.sampled_from(["===", "---"]))
    if kind == "list":
        return "\n".join(f"{draw(st.sampled_from('-*+'))} {line}" for line in lines)
    if kind == "ordered":
        return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, start=draw(st.integers(0, 99999))))
    if kind == "nested":
        return "\n".join("  " * depth + f"- {line}" for depth, line in enumerate(lines))
    if kind == "quote":
        return "\n".join("> " + line for line in lines)
    if kind == "verse":
        return "\n".join("> " + line + "  " for line in lines) + "\n> — " + draw(plain)
    if kind == "verse-br":
        return "\n".join(line + draw(st.sampled_from(["<br>", "</br>", "<br/>", "<br />"])) for line in lines)
    if kind == "marked":
        return f"> {draw(st.sampled_from(['{.verse}', '{.epigraph}', '{.quote}', '{.unknown}']))}\n" + \
            "\n".join("> " + line for line in lines)
    if kind == "fence":
        fence = draw(st.sampled_from(["```", "~~~", "````"]))
        return f"{fence}{draw(st.sampled_from(['', 'python', 'html', '{.x}', 'a b c']))}\n" + "\n".join(lines) + \
            draw(st.sampled_from([f"\n{fence}", ""]))  # a fence may never close
    if kind == "indented":
        return "\n".join("    " + line for line in lines)
    if kind == "table":
        columns = draw(st.integers(1, 4))
        rows = [" | ".join(draw(text) for _ in range(columns)) for _ in lines]
        return "| " + " | ".join(draw(plain) for _ in range(columns)) + " |\n|" + "---|" * columns + "\n" + \
            "\n".join(f"| {row} |" for row in rows)
    if kind == "footnote":
        return f"[^{draw(st.sampled_from(['1', 'a', 'x y', '2']))}]: " + "\n    ".join(lines)
    if kind == "definitions":
        return f"[ref]: {draw(address)}\n[pic]: {draw(st.sampled_from(PICTURES))} \"title\""
    if kind == "html":
        return "\n".join(draw(st.lists(st.sampled_from(HTML), min_size=1, max_size=4)))
    if kind == "bare-html":
        return draw(st.sampled_from(HTML)) + "\n" + lines[0] + "\n" + draw(st.sampled_from(HTML))
    if kind == "shortcode":
        return draw(st.sampled_from(SHORTCODES)) + "\n" + lines[0]
    if kind == "math":
        return draw(st.sampled_from(MATH))
    if kind == "rule":
        return draw(st.sampled_from(["---", "***", "___", "* * *"]))
    return "\n".join(lines)


body = st.lists(block(), min_size=1, max_size=8).map(lambda blocks: "\n\n".join(blocks) + "\n")


def _quoted(value: str) -> str:
    """A string as TOML and YAML both write it in double quotes, control characters escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m[0]):04x}", escaped) + '"'


TOML_VALUES = {
    "weight": ["1", "-5", "0", "99999999999999999999", "1.5", '"two"', "nan", "inf", "[1]", "true"],
    "date": ["2024-01-01", "2024-01-01T10:00:00Z", "1979-05-27T07:32:00-08:00", '"2024-13-45"', '"yesterday"',
             "2024-02-29", "0001-01-01", "9999-12-31", "10:00:00", '""'],
    "draft": ["false", "true", '"no"'],
    "tags": ['["a", "b"]', "[]", '"one"', "[[1]]"],
    "extra": ["{ math = true }", "{ }", '{ x = "<script>" }'],
    "slug": ['"a-slug"', '"../../escape"', '"/abs"', '""', '"a/b"', '"CON"', '"\\u0000"'],
    "aliases": ['["/old"]'], "description": ['"<b>bold</b>"'], "template": ['"page.html"'],
}
YAML_VALUES = {
    "weight": ["1", "-5", "two", "1.5", "null", "[1]", "0x10", "1_000"],
    "date": ["2024-01-01", "2024-01-01 10:00:00", "2024-13-45", "yesterday", "2024-02-30", "null", "[]"],
    "draft": ["false", "true", "no", "yes", "~"],
    "tags": ["[a, b]", "{a: 1}", "- a", "!!python/object/apply:os.system ['echo hi']", "&a [1, *a]"],
    "title_extra": ["!!binary aGVsbG8=", "!!set {a, b}", "*undefined_alias", "!custom x", "|\n  block"],
    "layout": ["post", "'[unclosed"],
}


@st.composite
def front_matter(draw: st.DrawFn, draftable: bool) -> str:
    title = draw(text)
    keys = draw(st.lists(st.sampled_from(sorted(TOML_VALUES if draftable else set(TOML_VALUES) - {"draft"})),
                         max_size=4, unique=True))
    if draw(st.booleans()):
        lines = [f"title = {_quoted(title)}"] + [f"{key} = {draw(st.sampled_from(TOML_VALUES[key]))}" for key in keys]
        if draw(st.integers(0, 19)) == 0:
            lines.append(draw(st.sampled_from(['title = "dup"', "broken = ", "[table", "= 1", 'a."b" = 1'])))
        return "+++\n" + "\n".join(lines) + "\n+++\n\n"
    keys = draw(st.lists(st.sampled_from(sorted(YAML_VALUES if draftable else set(YAML_VALUES) - {"draft"})),
                         max_size=4, unique=True))
    lines = [f"title: {draw(st.sampled_from([_quoted(title), plain_title(title)]))}"]
    lines += [f"{'title' if key == 'title_extra' else key}: {draw(st.sampled_from(YAML_VALUES[key]))}" for key in keys]
    if draw(st.integers(0, 19)) == 0:
        lines.append(draw(st.sampled_from(["  bad indent: 1", "key: [", "? complex", "\t tab: 1"])))
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def plain_title(title: str) -> str:
    """A title written without quotes, as YAML writers do (what YAML makes of it is its own)."""
    return title.replace("\n", " ")


@st.composite
def books(draw: st.DrawFn) -> dict[str, str | bytes]:
    """One or two essays; the first is never a draft (a book of drafts only is a refusal of its own)."""
    first = draw(st.sampled_from(["01-a.md", "01 a, b.md", "ünï cödé.md", "-dash.md", "a.b.md", "UPPER.MD"]))
    files: dict[str, str | bytes] = {first: draw(front_matter(False)) + draw(body), "images/pic.png": PICTURE}
    if draw(st.booleans()):
        files[draw(st.sampled_from(["02-b.md", "sub/02-b.md", "_drafts/02-b.md", "sub/_index.md"]))] = \
            draw(front_matter(True)) + draw(body)
    # The fast path: the cover is a picture (the theme's is drawn by the PDF engine) and the fonts are
    # not subset for each example; the bound books at the end draw covers and subset fonts.
    config = f'cover = "images/pic.png"\nembed_fonts = false\n'
    if draw(st.integers(0, 9)) == 0:  # now and then a title for the book that is as odd as an essay's
        config += f"title = {_quoted(draw(text))}\nauthor = {_quoted(draw(text))}\n"
    files["book.toml"] = config
    return files


# --- the oracle -----------------------------------------------------------------------------------

XHTML = "{http://www.w3.org/1999/xhtml}"
FORBIDDEN_ELEMENTS = {"script", "iframe", "object", "embed", "frame", "frameset", "applet", "base"}
STRICT = etree.XMLParser(resolve_entities=False, no_network=True, recover=False, huge_tree=False)


def check_epub(epub: Path, token: bytes) -> None:
    """Every document well-formed, nothing that runs, nothing of the canary."""
    with zipfile.ZipFile(epub) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            assert token not in data, f"the canary is in {name}"
            if not name.endswith((".xhtml", ".opf", ".ncx", ".xml")):
                continue
            root = etree.fromstring(data, STRICT)  # raises on anything not well-formed
            for element in root.iter():
                if not isinstance(element.tag, str):
                    continue
                local = etree.QName(element).localname
                assert local not in FORBIDDEN_ELEMENTS, f"<{local}> in {name}"
                if local == "meta":
                    assert (element.get("http-equiv") or "").lower() != "refresh", f"meta refresh in {name}"
                for attribute, value in element.attrib.items():
                    key = etree.QName(attribute).localname.lower()
                    assert not key.startswith("on"), f"{key}= on <{local}> in {name}"
                    if key in ("href", "src", "data", "action", "formaction", "poster"):
                        squeezed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                        assert not squeezed.startswith(("javascript:", "vbscript:", "file:")), \
                            f"<{local} {key}={value!r}> in {name}"


class NoNetwork:
    """Every connection attempted while a book is built: there must be none."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.attempts: list[object] = []

        def refuse(sock: socket.socket, address: object, *args: object) -> None:
            self.attempts.append(address)
            raise OSError("the build tried to reach the network")

        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket.socket, "connect_ex", refuse)


EXAMPLE_SECONDS = 30  # an example's book is tiny: one that takes longer than this has hung the build


class Hang(BaseException):
    """Raised into a build that takes too long; a BaseException, so no `except Exception` in it stops it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise Hang into the body after this many seconds, and again every half second until it is out:
    C code that swallows an exception (a dict lookup does) can lose one."""
    active = True

    def stop(_signal: int, _frame: object) -> None:
        if active:
            raise Hang(f"the build took more than {seconds} s: it hangs")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    faulthandler.dump_traceback_later(4 * seconds, exit=True)  # should every Hang be lost: stacks, not a hang
    try:
        yield
    finally:
        active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


def quiet(*_args: object, **_kwargs: object) -> None:
    """Progress goes nowhere in the fuzzer."""


def epub_in_process(source: Path, target: Path, cache: BuildCache) -> Path | ChapbookError:
    """The fast path: the book read as a build reads it, and its EPUB written without the print edition's
    page list (no page is set). A refusal comes back as the error; anything else is raised."""
    try:
        book, theme = read(source, target.parent, quiet)
        write_epub(book, theme, target, [], cache)
    except ChapbookError as error:
        return error
    return target


def build_in_process(source: Path, out: Path) -> tuple[Path, ...] | ChapbookError:
    """Build the EPUB and the PDF as `chapbook build` does; a refusal comes back as the error."""
    try:
        return build(source, out, ("epub", "pdf"), quiet, jobs=1).written
    except ChapbookError as error:
        return error


def assert_named_with_a_line(error: ChapbookError) -> None:
    assert error.path is not None and error.line is not None, f"a refusal without path:line: {error}"
    assert re.match(r"^\S.*:\d+: \S", str(error)), str(error)


# --- the test -------------------------------------------------------------------------------------


def test_essays_from_the_grammar_of_blogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log, "propagate", False)  # thousands of warnings: the build keeps its own
    canary = plant_canary(tmp_path / "canary")
    token = canary.token.encode()
    network = NoNetwork(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    cache = BuildCache(tmp_path / "cache")  # one for every example: the fonts are subset once per text
    built: list[dict[str, str | bytes]] = []
    counter = iter(range(10 ** 9))

    # Shrinking would build thousands of books more: a failing example is reported as drawn.
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=not BY_HAND, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(files=books())
    def one_book(files: dict[str, str | bytes]) -> None:
        source = write_book(tmp_path / f"book-{next(counter)}", files)
        try:
            with time_limit(EXAMPLE_SECONDS):
                result = epub_in_process(source, out / "book.epub", cache)
            assert network.attempts == [], f"the build tried to connect to {network.attempts}"
            if isinstance(result, ChapbookError):
                assert_named_with_a_line(result)
                return
            check_epub(result, token)
            built.append(files)
        except (Exception, Hang) as failure:
            if not BY_HAND:
                raise
            kind = signature(failure)
            if kind not in findings:
                print(f"\nfinding: {kind}\n    {files!r}"[:3000], flush=True)  # seen at once with -s
            findings.setdefault(kind, []).append(files)
        finally:
            shutil.rmtree(source)

    findings: dict[str, list[dict[str, str | bytes]]] = {}
    one_book()
    problems = [report(findings)] if findings else []
    assert len(built) >= FUZZ_EXAMPLES // 4, f"only {len(built)} of {FUZZ_EXAMPLES} examples made a book"
    for number, examples in enumerate(bound_books(built)):
        source = write_book(tmp_path / f"bound-{number}", bind(examples))
        try:
            result = build_in_process(source, tmp_path / f"bound-{number}-out")
            assert not isinstance(result, ChapbookError), f"the essays that built alone failed together: {result}"
            epub = next(path for path in result if path.suffix == ".epub")
            assert epubcheck_messages(epub) == [], f"epubcheck on {source}"
            check_epub(epub, token)
            assert_pdf_is_inert(next(path for path in result if path.suffix == ".pdf"))
        except Exception as failure:
            if not BY_HAND:
                raise
            problems.append(f"bound book {source}: {signature(failure)}\n    {failure}"[:4000])
    assert network.attempts == []
    assert not problems, "\n".join(problems)


def signature(failure: BaseException) -> str:
    """What a failure is, less its particulars: one line per kind of bug."""
    origin = traceback.extract_tb(failure.__traceback__)[-1]
    head = re.sub(r"\d+", "N", str(failure).split("\n")[0])[:160]
    return f"{type(failure).__name__} at {Path(origin.filename).name}:{origin.lineno}: {head}"


def report(findings: dict[str, list[dict[str, str | bytes]]]) -> str:
    """Each kind of failure, how often, and its smallest example."""
    lines = []
    for kind, examples in sorted(findings.items(), key=lambda item: -len(item[1])):
        smallest = min(examples, key=lambda example: len(repr(example)))
        lines += [f"{len(examples)} x {kind}", f"    smallest: {smallest!r}"[:3000]]
    return "\n".join(lines)


def bind(examples: list[dict[str, str | bytes]]) -> dict[str, str | bytes]:
    """The essays of many examples as one book, each under a name of its own (their pictures are the
    same), titled as the first example with a title of its own is: the theme draws the cover."""
    files: dict[str, str | bytes] = {"images/pic.png": PICTURE}
    titled = [str(example["book.toml"]) for example in examples if "title =" in str(example["book.toml"])]
    files["book.toml"] = "\n".join(line for line in (titled or [""])[0].splitlines() if not line.startswith(
        ("cover", "embed_fonts"))) + "\n"
    for number, example in enumerate(examples):
        for name, content in example.items():
            if name.endswith(".md") and not name.startswith("_drafts/"):  # what the example's book left out
                files[f"{number:04d}-{name}"] = content
    return files


def bound_books(built: list[dict[str, str | bytes]]) -> list[list[dict[str, str | bytes]]]:
    """At most BOUND books of BATCH essays, drawn evenly from all that built."""
    step = max(1, len(built) // (BATCH * BOUND))
    chosen = built[::step]
    return [chosen[start:start + BATCH] for start in range(0, len(chosen), BATCH)][:BOUND]
