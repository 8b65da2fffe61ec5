"""chapbook serve, driven as a writer uses it: the real server in a process of its own, the preview open
in real Chromium (Debian's, through Playwright), and the book's files edited on disk."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from conftest import run_chapbook, write_files

CHROMIUM = "/usr/bin/chromium"
# Chromium as the tests run it: headless, no sandbox (root in a container), nothing fetched from outside.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
# The first build of a book lays out every page; on a busy machine of two cores that can take a while.
FIRST_BUILD_SECONDS = 120
REBUILD_SECONDS = 60

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="needs Debian's chromium (python3 build.py test installs it)")

ESSAY_ONE = """+++
title = "The Heron at the Weir"
date = 2024-03-02
weight = 1
+++

Every morning the heron stands below the weir as if it were paid to. It does not fish so much as
wait for the river to make it an offer, and the river, in its own time, always does.

I have watched it for three winters now. It has never once looked at me.
"""

ESSAY_TWO = """+++
title = "Lamplighters"
date = 2024-04-11
weight = 2
+++

The last lamplighter in our town retired before I was born, but my mother remembered him: a tall man
with a pole and a ladder who went round at dusk as though he were the one bringing the evening in.
"""


@dataclass
class Server:
    process: subprocess.Popen
    address: str
    book: Path
    stderr: Path

    @property
    def port(self) -> int:
        return int(self.address.rstrip("/").rsplit(":", 1)[1])


def start_server(book: Path, logs: Path, *options: str) -> Server:
    """Start `chapbook serve` on any free port, in a session of its own (as a terminal runs it), and
    read its address from the line it prints."""
    logs.mkdir(parents=True, exist_ok=True)
    stdout, stderr = logs / "stdout.txt", logs / "stderr.txt"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen([sys.executable, "-m", "chapbook", "serve", str(book), "--port", "0", *options],
                                   stdout=out, stderr=err, start_new_session=True,
                                   env={**os.environ, "CHAPBOOK_JOBS": "2"})  # layout workers, on any machine
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = stdout.read_text()
        if "http://" in text:
            address = text[text.index("http://"):].split()[0]
            return Server(process, address, book, stderr)
        assert process.poll() is None, f"the server stopped: {stderr.read_text()}"
        time.sleep(0.1)
    raise AssertionError("the server printed no address")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGINT)
        try:
            server.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


def get(server: Server, path: str, host: str | None = None) -> tuple[int, bytes]:
    """Ask for a path exactly as written (http.client sends it untouched, as a hostile page's request would)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{server.port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_for_first_build(server: Server) -> None:
    deadline = time.monotonic() + FIRST_BUILD_SECONDS
    while time.monotonic() < deadline:
        if b"<img" in get(server, "/panels")[1]:
            return
        assert server.process.poll() is None, server.stderr.read_text()
        time.sleep(0.2)
    raise AssertionError(f"no pages after {FIRST_BUILD_SECONDS} s: {server.stderr.read_text()}")


def family(pid: int) -> set[int]:
    """The process's descendants (its layout workers' fork server, and the workers under that)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def book_in(folder: Path) -> Path:
    return write_files(folder, {"book.toml": 'title = "Two Walks"\nauthor = "Ada Reed"\n',
                                "one.md": ESSAY_ONE, "two.md": ESSAY_TWO})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    running = start_server(book_in(folder / "book"), folder / "logs")
    try:
        wait_for_first_build(running)
        yield running
    finally:
        stop_server(running)
    assert "Traceback" not in running.stderr.read_text(), running.stderr.read_text()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def drawn_width(image: Locator) -> int:
    """The width of the picture an <img> shows, once it has loaded (0 if it cannot be shown)."""
    return image.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)")


def spread_of(page: Page, title: str) -> int:
    """Jump to a chapter from the contents, as a reader does; return the index of the page it starts on."""
    entry = page.locator("#print-contents a", has_text=title)
    index = int(entry.get_attribute("data-page"))
    entry.click()
    expect(page.locator(f"#page-{index}")).to_be_in_viewport()
    return index


@needs_chromium
def test_the_preview_follows_every_save_without_reloading(server: Server, browser: Browser, tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(server.address)
    page.evaluate("window.stillTheSamePage = true")  # gone if the page were ever loaded again

    # The first chapter's spread: its page on the right, drawn from the PDF, its text the page's.
    first = spread_of(page, "The Heron at the Weir")
    assert first % 2 == 0, "a chapter opens on a right-hand page: index 0 is page 1, alone on the right"
    chapter_page = page.locator(f"#page-{first}")
    assert "right" in chapter_page.get_attribute("class")
    spread = page.locator(".spread", has=chapter_page)
    assert spread.locator("figure.page.left").count() == 1, "the chapter's page faces the page before it"
    image = chapter_page.locator("img")
    expect(image).to_have_attribute("alt", re.compile("heron stands below the weir"))
    assert drawn_width(image) > 0
    first_spread = page.locator(".spread").first
    assert first_spread.locator(".page.left.none").count() == 1 and first_spread.locator("figure.page.right").count() == 1
    assert page.locator("#print-contents a", has_text="Lamplighters").count() == 1
    old_source = image.get_attribute("src")
    second = page.locator("#print-contents a", has_text="Lamplighters").get_attribute("data-page")
    page.locator(f"#page-{second} img").evaluate("img => { img.keptSince = 'the first build' }")
    page.screenshot(path=shots / "1-spread.png")

    # The EPUB's own chapter, in a narrow and a wide, a light and a dark reader.
    page.locator("#tabs [data-tab=epub]").click()
    reader = page.frame_locator("#reader")
    expect(reader.locator("body")).to_contain_text("It has never once looked at me", timeout=30_000)
    expect(reader.locator("link[rel=stylesheet]")).to_have_count(1)
    page.screenshot(path=shots / "2-epub-narrow-light.png")
    narrow = page.locator("#reader").bounding_box()["width"]
    page.locator("[data-width=wide]").click()
    page.locator("[data-scheme=dark]").click()
    assert page.locator("#reader").bounding_box()["width"] > 1.5 * narrow
    background = reader.locator("html").evaluate("element => getComputedStyle(element).backgroundColor")
    assert background == "rgb(22, 21, 19)", background
    page.screenshot(path=shots / "3-epub-wide-dark.png")

    # A save of the essay: the new sentence appears in the reader and on the page, with no reload.
    essay = server.book / "one.md"
    started = time.monotonic()
    essay.write_text(ESSAY_ONE.replace("It has never once looked at me.",
                                       "This morning, for the first time, it looked straight back."), encoding="utf-8")
    expect(reader.locator("body")).to_contain_text("for the first time, it looked straight back",
                                                   timeout=REBUILD_SECONDS * 1000)
    seen_in_reader = time.monotonic() - started
    page.locator("#tabs [data-tab=print]").click()
    image = page.locator(f"#page-{first} img")
    expect(image).not_to_have_attribute("src", old_source, timeout=REBUILD_SECONDS * 1000)
    expect(image).to_have_attribute("alt", re.compile("it looked straight back"))
    assert drawn_width(image) > 0
    print(f"\na save was in the EPUB reader {seen_in_reader:.1f} s after the write")
    kept = page.locator(f"#page-{second} img").evaluate("img => img.keptSince || null")
    assert kept == "the first build", "the other chapter's page, unchanged, is left as it was (not fetched again)"
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    page.locator(f"#page-{first}").scroll_into_view_if_needed()
    page.screenshot(path=shots / "4-after-save.png")

    # Broken front matter: the error, with its file and line, on the page; the old pages stay, greyed.
    essay.write_text('+++\ntitle = "The Heron at the Weir\nweight = 1\n+++\n\nThe heron again.\n', encoding="utf-8")
    error = page.locator("#error")
    expect(error).to_be_visible(timeout=REBUILD_SECONDS * 1000)
    expect(error.locator(".place")).to_have_text(re.compile(r"one\.md:2$"))
    expect(error).to_contain_text("not valid TOML")
    expect(page.locator("#spreads")).to_have_class(re.compile(r"\bstale\b"))
    expect(page.locator("#status")).to_contain_text("failed")
    page.screenshot(path=shots / "5-error.png")

    # Fixed: the error goes and the pages come back, with the text as now written.
    essay.write_text(ESSAY_ONE.replace("three winters", "four winters"), encoding="utf-8")
    expect(error).to_be_hidden(timeout=REBUILD_SECONDS * 1000)
    expect(page.locator("#spreads")).not_to_have_class(re.compile(r"\bstale\b"))
    expect(page.locator(f"#page-{first} img")).to_have_attribute("alt", re.compile("four winters"))
    assert page.evaluate("window.stillTheSamePage") is True
    page.screenshot(path=shots / "6-fixed.png")

    # The warnings of the last build, each with its file and line.
    write_files(server.book, {"two.md": ESSAY_TWO + "\n![a lamp](lamp.png)\n"})
    page.locator("#tabs [data-tab=warnings]").click()
    warning = page.locator("#warnings-list li", has_text="lamp.png")
    expect(warning).to_be_visible(timeout=REBUILD_SECONDS * 1000)
    expect(warning.locator(".place")).to_have_text(re.compile(r"two\.md:\d+$"))
    expect(page.locator("#tabs .count.some")).to_have_text("1")
    page.screenshot(path=shots / "7-warnings.png")

    # A save of book.toml: the new title in the bar and the window's title, and on the title page.
    write_files(server.book, {"book.toml": 'title = "Three Walks"\nauthor = "Ada Reed"\n'})
    expect(page.locator("#book-title")).to_have_text("Three Walks", timeout=REBUILD_SECONDS * 1000)
    expect(page).to_have_title(re.compile("^Three Walks"))
    spaced_out = re.compile(r"\s*".join("ThreeWalks"))  # the half-title is set in letter-spaced capitals
    expect(page.locator("#page-0 img")).to_have_attribute("alt", spaced_out)
    assert page.evaluate("window.stillTheSamePage") is True
    keep = os.environ.get("CHAPBOOK_SERVE_SHOTS")  # where to keep the screenshots to look at them
    if keep:
        shutil.copytree(shots, keep, dirs_exist_ok=True)


def test_only_the_built_book_and_the_page_are_served(server: Server) -> None:
    status, body = get(server, "/assets/serve.js")
    assert status == 200 and b"EventSource" in body
    panels = get(server, "/panels")[1].decode()
    document = panels.split('data-name="', 1)[1].split('"', 1)[0]
    key = panels.split('data-key="', 1)[1].split('"', 1)[0]
    status, body = get(server, f"/epub/{key}/{document}")
    assert status == 200 and b"<html" in body, "an EPUB document is served from the built zip"
    status, body = get(server, "/report")
    assert status == 200 and b"build report" in body, "the build's report, as the build wrote it beside the book"
    secret = server.book / "book.toml"
    for path in ["/../../etc/passwd", "/../../../../../../etc/passwd", "//etc/passwd", "/assets/../../../../etc/passwd",
                 "/assets/..%2f..%2f..%2fetc%2fpasswd", "/assets/serve.js/../../book.toml",
                 f"/epub/{key}/../../../../etc/passwd", f"/epub/{key}/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                 f"/epub/{key}/{document}/../../META-INF/../../../etc/passwd", f"/epub/{key}/{secret}",
                 "/page/../../etc/passwd", "/report/../book.toml", "/book.toml", "/one.md", f"/{secret}",
                 "/%2e%2e/%2e%2e/etc/passwd"]:
        status, body = get(server, path)
        assert status == 404, path
        assert b"root:" not in body and b"Two Walks" not in body, path
    assert get(server, "/", host="attacker.example")[0] == 403, "a name rebound to 127.0.0.1 is refused"
    # The server listens on 127.0.0.1 only: its listening socket, as the kernel lists it.
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    mine = [fields[1] for fields in listening if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == server.port]
    assert mine == ["0100007F:" + f"{server.port:04X}"]
    assert not any(int(fields[1].split(":")[1], 16) == server.port and fields[3] == "0A"
                   for fields in (line.split() for line in Path("/proc/net/tcp6").read_text().splitlines()[1:]))


def stopped_by_ctrl_c(running: Server, timeout: float) -> str:
    """Press Ctrl-C as a terminal does (SIGINT to every process of the group); return what the server said."""
    helpers = family(running.process.pid)
    assert helpers, "the layout workers' fork server runs beside the server"
    try:
        os.killpg(running.process.pid, signal.SIGINT)
        assert running.process.wait(timeout) == 0
    finally:
        stop_server(running)
    stderr = running.stderr.read_text()
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    deadline = time.monotonic() + 10
    while alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(helpers), "the server's helper processes (fork server, layout workers) outlive it"
    return stderr


def test_ctrl_c_stops_the_server_cleanly(tmp_path: Path) -> None:
    book, out = book_in(tmp_path / "book"), tmp_path / "out"
    # During the first build, while its layout workers work: the build finishes, then the server stops.
    running = start_server(book, tmp_path / "logs-1", "-o", str(out))
    deadline, workers = time.monotonic() + FIRST_BUILD_SECONDS, set()
    while not workers and time.monotonic() < deadline:
        workers = {pid for helper in family(running.process.pid) for pid in family(helper)}  # the fork server's children
        time.sleep(0.05)
    assert workers, f"no layout workers seen: {running.stderr.read_text()}"
    said = stopped_by_ctrl_c(running, FIRST_BUILD_SECONDS)
    assert "stopping when the build under way ends" in said
    assert not alive(workers)
    assert (out / "two-walks.pdf").is_file(), "the build under way was finished, not abandoned"

    # Between builds, the book built already in OUTDIR (its cache kept): the server stops at once.
    running = start_server(book, tmp_path / "logs-2", "-o", str(out))
    wait_for_first_build(running)
    started = time.monotonic()
    said = stopped_by_ctrl_c(running, 30)
    assert time.monotonic() - started < 10
    assert "chapbook: stopping\n" in said


def test_mistakes_on_the_command_line_stop_it_before_it_serves(tmp_path: Path) -> None:
    book = book_in(tmp_path / "book")
    missing = run_chapbook("serve", str(tmp_path / "nowhere"), "--port", "0")
    assert missing.returncode == 2 and "nowhere: no such folder or file" in missing.stderr
    inside = run_chapbook("serve", str(book), "-o", str(book / "dist"), "--port", "0")
    assert inside.returncode == 2 and "inside the book folder" in inside.stderr
    port = run_chapbook("serve", str(book), "--port", "http")
    assert port.returncode == 2 and "must be a port number" in port.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = run_chapbook("serve", str(book), "--port", str(taken.getsockname()[1]))
    assert busy.returncode == 1 and "give another with --port N" in busy.stderr, busy.stderr
    assert "Traceback" not in missing.stderr + inside.stderr + port.stderr + busy.stderr
    assert not (book / "dist").exists()


def test_spreads_open_with_the_first_page_alone_on_the_right() -> None:
    from chapbook.spreads import Spread, spreads

    assert spreads(0) == []
    assert spreads(1) == [Spread(None, 0)]
    assert spreads(4) == [Spread(None, 0), Spread(1, 2), Spread(3, None)]
    assert spreads(5) == [Spread(None, 0), Spread(1, 2), Spread(3, 4)]


def test_facing_pages_meet_at_their_trim_when_the_book_has_bleed() -> None:
    from chapbook.serve.pages import PageView, Trim

    bleed = 9 / 414  # a 5.5 x 8.5 in page with 0.125 in bleed all round: 414 x 630 pt
    page = PageView(3, "k", 414, 630, "", Trim(bleed, 9 / 630, 396 / 414, 612 / 630))
    left, right = page.framing("left"), page.framing("right")
    assert left.shift == 0 and right.shift == 9 / 630, "a right page's bleed at the spine is cut off"
    assert abs(left.width - 405 / 630) < 1e-9 and abs(right.width - 405 / 630) < 1e-9
    assert abs(left.trim_left + left.trim_width - 100) < 1e-9, "a left page's trim reaches the fold"
    assert right.trim_left == 0, "a right page's trim starts at the fold"
