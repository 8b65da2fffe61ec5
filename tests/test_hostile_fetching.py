"""Hostile inputs, item 1: nothing outside the book folder can be read, fetched or embedded.

Each test plants a canary beside the book (tests/hostile.py), points the book at it in several ways,
builds the EPUB and the PDF as a user would, and holds the build to the oracle (`check_oracle`). A
build takes half a minute, so the ways that must all leave a working book share one.

- Pictures named outside the book, in Markdown `![](...)` and raw HTML `<img>`: a `file://` URL, an
  absolute path, a `../` path, a link (symlink) in the book to the canary picture, a linked folder,
  and a remote address.
- Essays, section pages and settings linked outside, in a Zola site: an essay (`leak.md`) and a
  folder of essays that are links to the outside, a section's `_index.md` opening a part, the site's
  `config.toml`: none is read, each with a warning naming it.
- `theme = "../../elsewhere"` or an absolute path in book.toml: refused at its line (a theme is a name).
- A theme folder in the book's styles/ that is a link to a folder outside: refused at book.toml's line.
- A book theme whose theme.toml lists a stylesheet by absolute path, by `../` out of the book, or
  through a link: refused at theme.toml's line (every file a theme names is inside the book).
- The book's own stylesheet: `@import` (plain, `url()`, escaped `@\\69mport`), `url()` (escaped
  `\\75rl()` too), `@font-face src`, `content: url()`, pointing outside by `file://`, absolute path,
  `../`, a link and a remote address: nothing read in print, and the EPUB's stylesheet names no file.
- book.toml's `stylesheet` naming a link to a file outside the book: refused at its line.
- Raw HTML and drawings: SVG `<image href>` and `<use href>` pointing outside or to the web, in an
  .svg picture and inline; `<link rel=attachment>` and `<a rel=attachment>` (WeasyPrint embeds their
  target as an /EmbeddedFile; advisory GHSA-35jj-wx47-4w8r: attachments once bypassed the URL
  fetcher); presentational attributes naming files (`<table background>`, `<td background>`, inline
  style: WeasyPrint's presentational hints once let HTML inject CSS, advisory GHSA-jhhc-3hcp-qhm5;
  chapbook never turns them on and cleans the attributes away).
- `data:` URLs over the 2 MB cap, in Markdown, in the book's stylesheet and in an SVG picture: dropped
  with a warning that does not repeat the megabytes.
- Things that never end, in a Zola site: `/dev/zero` as a picture by path, by `file://` URL and through
  a link; a pipe (FIFO) named pipe.png, a folder named folder.png, a pipe named like a section page
  (`_index.md`) and one like a template: the build finishes (reading a pipe blocks forever).
- A pipe listed in a theme's theme.toml: refused at its line, at once.
- Remote addresses (`http://127.0.0.1:PORT` of a server the test runs, which answers every request
  with a redirect to the canary's `file://` URL, as in advisory GHSA-983w-rhvv-gwmv where redirects
  bypassed the URL fetcher), in the pictures, stylesheet and drawing cases: the server hears nothing.
"""

from __future__ import annotations

import base64
import http.server
import io
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from hostile import Canary, Outcome, build_hostile, check_oracle, epub_entries, essay, plant_canary, write_book

# A pipe or /dev/zero read without end would hang the build: these cases get less time than the usual limit.
HANG_LIMIT = 90


@pytest.fixture()
def canary(tmp_path: Path) -> Canary:
    return plant_canary(tmp_path / "outside")


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    return tmp_path / "book"


def build(book: Path, **limits: int) -> Outcome:
    return build_hostile(book, book.parent / "out", **limits)


def own_picture() -> bytes:
    """A picture of the book's own, which it must carry."""
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with a redirect to the canary on the builder's disk, and remembers it."""

    heard: list[str] = []
    target = ""

    def do_GET(self) -> None:  # noqa: N802 — the name http.server calls
        self.heard.append(self.path)
        self.send_response(302)
        self.send_header("Location", self.target)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server(canary: Canary) -> Iterator[tuple[str, list[str]]]:
    """A web server on this machine: its address, and the paths it was asked for."""
    heard: list[str] = []
    handler = type("Recorder", (_Recorder,), {"heard": heard, "target": canary.picture.as_uri()})
    httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", heard
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_pictures_outside_the_book_are_left_out(book: Path, canary: Canary, server: tuple[str, list[str]]) -> None:
    address, heard = server
    names = [canary.picture.as_uri(), str(canary.picture), "../outside/secret.png", "linked.png",
             "away/secret.png", f"{address}/picture.png"]
    markdown = "\n\n".join(f"![the secret {number}]({name})" for number, name in enumerate(names))
    html = "\n\n".join(f'<p><img src="{name}" alt="the secret {number}"></p>' for number, name in enumerate(names))
    own = "\n\n![the book's own](own.png)\n\n![its own, through a link in the book](inside.png)"
    write_book(book, {"markdown.md": essay("Markdown", markdown + own),
                      "html.md": essay("HTML", html, weight=2), "own.png": own_picture()})
    (book / "inside.png").symlink_to(book / "own.png")  # a link that stays in the book is fine
    (book / "linked.png").symlink_to(canary.picture)
    (book / "away").symlink_to(canary.folder, target_is_directory=True)
    outcome = build(book)
    check_oracle(outcome, canary, must_succeed=True)
    assert heard == [], f"the build fetched {heard}"
    assert [name for name in epub_entries(outcome.epub) if "/images/" in name and "cover" not in name] == \
        ["EPUB/images/own.png"]


def test_essays_sections_and_settings_linked_outside_are_never_read(book: Path, canary: Canary) -> None:
    (canary.folder / "essays").mkdir()
    (canary.folder / "essays" / "away.md").write_text(essay("Away", canary.token))
    (canary.folder / "settings.toml").write_text(f'title = "{canary.token}"\n[extra]\nauthor = "{canary.token}"\n')
    write_book(book, {
        "book.toml": '[[parts]]\nsection = "travel"\n',
        "content/travel/trip.md": essay("Trip", "A trip."),
        "content/home.md": essay("Home", "At home.", weight=2),
    })
    (book / "config.toml").symlink_to(canary.folder / "settings.toml")
    (book / "content" / "leak.md").symlink_to(canary.text)
    (book / "content" / "linked-folder").symlink_to(canary.folder / "essays", target_is_directory=True)
    (book / "content" / "travel" / "_index.md").symlink_to(canary.text)
    outcome = build(book)
    check_oracle(outcome, canary, must_succeed=True)
    for name in ("leak.md", "_index.md", "config.toml"):
        assert f"{name}: is a link to a file outside the book folder" in outcome.stderr, (name, outcome.stderr)


def plant_theme(canary: Canary) -> Path:
    """A whole theme outside the book, whose stylesheet is the canary's."""
    theme = canary.folder / "theme"
    theme.mkdir()
    (theme / "theme.toml").write_text('fonts = ["EB Garamond"]\nshared = ["../secret.css"]\n')
    return theme


@pytest.mark.parametrize("how", ["climbing", "absolute"])
def test_a_theme_named_by_a_path_is_refused(book: Path, canary: Canary, how: str) -> None:
    theme = plant_theme(canary)
    name = "../../outside/theme" if how == "climbing" else str(theme)
    write_book(book, {"book.toml": f'title = "Themed"\ntheme = "{name}"\n', "essay.md": essay("One", "Text."),
                      "styles/mine/theme.toml": 'fonts = ["EB Garamond"]\n'})  # styles/ is there to climb out of
    outcome = build(book)
    check_oracle(outcome, canary, names="book.toml:2:")
    assert outcome.returncode == 1 and "not a path" in outcome.stderr


def test_a_theme_folder_linked_outside_the_book_is_refused(book: Path, canary: Canary) -> None:
    theme = plant_theme(canary)
    write_book(book, {"book.toml": 'title = "Themed"\ntheme = "mine"\n', "essay.md": essay("One", "Text.")})
    (book / "styles").mkdir()
    (book / "styles" / "mine").symlink_to(theme, target_is_directory=True)
    outcome = build(book)
    check_oracle(outcome, canary, names="book.toml:2:")
    assert outcome.returncode == 1 and "outside the book" in outcome.stderr


@pytest.mark.parametrize("how", ["absolute", "climbing", "linked"])
def test_a_theme_file_outside_the_book_is_refused(book: Path, canary: Canary, how: str) -> None:
    listed = {"absolute": str(canary.stylesheet), "climbing": "../../../outside/secret.css", "linked": "linked.css"}[how]
    write_book(book, {
        "book.toml": 'title = "Themed"\ntheme = "mine"\n',
        "essay.md": essay("One", "Text."),
        "styles/mine/theme.toml": f'fonts = ["EB Garamond"]\n\nshared = ["own.css", "{listed}"]\n',
        "styles/mine/own.css": "p { color: black; }\n",
    })
    (book / "styles" / "mine" / "linked.css").symlink_to(canary.stylesheet)
    outcome = build(book)
    check_oracle(outcome, canary, names="theme.toml:3:")
    assert outcome.returncode == 1 and "outside" in outcome.stderr


def test_a_pipe_listed_in_a_theme_is_refused_at_once(book: Path) -> None:
    write_book(book, {
        "book.toml": 'title = "Themed"\ntheme = "mine"\n',
        "essay.md": essay("One", "Text."),
        "styles/mine/theme.toml": 'fonts = ["EB Garamond"]\nshared = ["pipe.css"]\n',
    })
    os.mkfifo(book / "styles" / "mine" / "pipe.css")
    check_oracle(build(book, seconds=HANG_LIMIT), names="theme.toml:2:")


def huge_data_url() -> str:
    """A picture written into a data: URL, past the 2 MB a book carries."""
    return "data:image/png;base64," + base64.b64encode(own_picture() + os.urandom(2 * 1024 * 1024)).decode()


def test_the_books_stylesheet_reads_nothing_outside_the_book(book: Path, canary: Canary,
                                                             server: tuple[str, list[str]]) -> None:
    address, heard = server
    secret_png, secret_css, huge = canary.picture, canary.stylesheet, huge_data_url()
    write_book(book, {
        "book.toml": 'title = "Styled"\nstylesheet = "style.css"\n',
        "essay.md": essay("One", f"Text.\n\n# A heading\n\n![a huge picture]({huge})\n\n![a drawing](drawing.svg)\n"),
        "drawing.svg": ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                        f'<image href="{huge}" width="10" height="10"/></svg>'),
        "style.css": (
            f'@import url("{secret_css.as_uri()}");\n@import "../outside/secret.css";\n@\\69mport "linked.css";\n'
            f'@import url("{address}/imported.css");\n'
            f'@font-face {{ font-family: "Stolen"; src: url("{secret_css}"); }}\n'
            f'@font-face {{ font-family: "Far"; src: url("{address}/font.woff"); }}\n'
            f'body {{ background: url("{secret_png.as_uri()}") no-repeat; }}\n'
            'h1::before { content: url("../outside/secret.png"); }\n'
            'h1::after { content: \\75rl(linked.png); }\n'
            f'p {{ font-family: "Stolen", "Far", serif; background-image: url(linked.png); }}\n'
            f'li {{ background: url({address}/background.png); }}\nem {{ background: url("{huge}"); }}\n'),
    })
    (book / "linked.css").symlink_to(secret_css)
    (book / "linked.png").symlink_to(secret_png)
    outcome = build(book)
    check_oracle(outcome, canary, must_succeed=True)
    assert heard == [], f"the build fetched {heard}"
    stylesheet = epub_entries(outcome.epub)["EPUB/style/book.css"].decode()
    named = re.findall(r"url\(\s*['\"]?([^)'\"]*)", stylesheet, re.IGNORECASE)
    assert all(name.startswith("../fonts/") for name in named), named  # the EPUB's own fonts, nothing else
    assert "@import" not in stylesheet.lower() and "69mport" not in stylesheet and "75rl" not in stylesheet
    report = next((book.parent / "out").glob("*-warnings.txt")).read_text()
    assert len(outcome.stderr) < 50_000 and len(report) < 50_000, "a warning repeated a data: URL"


def test_a_stylesheet_linked_outside_the_book_is_refused(book: Path, canary: Canary) -> None:
    write_book(book, {"book.toml": 'title = "Styled"\nstylesheet = "style.css"\n', "essay.md": essay("One", "Text.")})
    (book / "style.css").symlink_to(canary.stylesheet)
    check_oracle(build(book), canary, names="book.toml:2:")


def test_raw_html_and_drawings_fetch_and_attach_nothing(book: Path, canary: Canary,
                                                        server: tuple[str, list[str]]) -> None:
    address, heard = server
    picture = canary.picture.as_uri()
    references = (f'<image href="{picture}" width="37" height="23"/>'
                  '<image xlink:href="../outside/secret.png" width="37" height="23"/>'
                  f'<image href="{canary.picture}" width="37" height="23"/>'
                  '<image href="linked.png" width="37" height="23"/>'
                  f'<image href="{address}/drawing.png" width="37" height="23"/>'
                  '<use href="../outside/other.svg#shape"/>'
                  f'<rect width="10" height="10" style="fill: url({picture})"/>')
    drawing = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
               f'width="100" height="60" viewBox="0 0 100 60">{references}</svg>')
    (canary.folder / "other.svg").write_text(f'<svg xmlns="http://www.w3.org/2000/svg"><text id="shape">{canary.token}'
                                             "</text></svg>")
    attachments = (f'<link rel="attachment" href="{canary.text.as_uri()}">\n\n'
                   f'<p><a rel="attachment" href="{canary.text.as_uri()}">one</a> '
                   '<a rel="attachment" href="../outside/secret.txt">two</a> '
                   '<a rel="attachment" download="x.txt" href="linked.txt">three</a> '
                   f'<a rel="attachment" href="{address}/attached.txt">four</a> '
                   '<a rel="attachment" href="drawings.md">five</a></p>\n')
    hints = (f'<table background="{picture}"><tr><td background="../outside/secret.png" '
             f'style="background: url({picture})">cell</td></tr></table>\n\n'
             f'<p style="background-image: url({picture})"><font face="x" style="src: url({picture})">words</font></p>\n')
    write_book(book, {
        "drawing.svg": drawing,
        "drawings.md": essay("Drawings", f"![a drawing](drawing.svg)\n\n<div>{drawing}</div>\n"),
        "attachments.md": essay("Attached", attachments, weight=2),
        "hints.md": essay("Hints", hints, weight=3),
    })
    (book / "linked.png").symlink_to(canary.picture)
    (book / "linked.txt").symlink_to(canary.text)
    check_oracle(build(book), canary, must_succeed=True)
    assert heard == [], f"the build fetched {heard}"


def test_things_that_never_end_do_not_hang_the_build(book: Path, canary: Canary) -> None:
    write_book(book, {
        "config.toml": 'title = "Endless"\n',
        "content/endless.md": essay("Endless", (
            "![zero](/dev/zero)\n\n![zero again](file:///dev/zero)\n\n![linked zero](zero.png)\n\n"
            '![a pipe](pipe.png)\n\n![a folder](folder.png)\n\n<img src="pipe.png" alt="a pipe again">\n')),
        "content/travel/trip.md": essay("Trip", "A trip.", weight=2),
        "templates/index.html": "<html></html>\n",
    })
    (book / "content" / "zero.png").symlink_to("/dev/zero")
    os.mkfifo(book / "content" / "pipe.png")
    (book / "content" / "folder.png").mkdir()
    os.mkfifo(book / "content" / "travel" / "_index.md")
    os.mkfifo(book / "templates" / "page.html")
    check_oracle(build(book, seconds=HANG_LIMIT), canary, must_succeed=True)
