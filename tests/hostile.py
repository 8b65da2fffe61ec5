"""The harness of the hostile-input catalogue (tests/README.md lists its cases).

Every case builds a real book, EPUB and PDF, as a user would: `python -m chapbook build` in a
subprocess with a memory limit (RLIMIT_AS, inherited by the layout workers) and a wall-clock limit.
Then `check_oracle` asserts what must hold whatever the input:

- the build succeeded, or ended with exit 1 and a `path:line: message` naming the culprit; never a
  traceback, never a hang, never killed for memory;
- no byte of a file outside the book reached an output (a canary planted beside the book is searched
  for in every EPUB entry and every decoded PDF stream, and a canary picture by its pixel size);
- the PDF has no /EmbeddedFile, /JavaScript, /Launch, and no link to a `file:` address;
- the EPUB that was written passes epubcheck with nothing to report;
- a failed build left the previous outputs exactly as they were.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import resource
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pypdf
from PIL import Image

from conftest import write_files
from epubcheck_helper import epubcheck_messages

MEMORY_LIMIT = 3 * 1024 ** 3  # bytes of address space each process of the build may map
TIME_LIMIT = 240  # seconds one build may take
# What an error names: `path:line: message` (a path may hold spaces and colons; the line is a number).
ERROR_LINE = re.compile(r"^\S.*:\d+: \S", re.MULTILINE)
CANARY_SIZE = (37, 23)  # pixel size of the canary picture: no picture a test book uses has it


@dataclass
class Canary:
    """Files outside the book that nothing in a built book may contain."""

    folder: Path
    token: str
    text: Path  # a text file holding the token (stands for ~/.ssh/id_ed25519)
    picture: Path  # a PNG of CANARY_SIZE whose pixels hold the token's colour
    stylesheet: Path  # CSS that would paint the token into the page
    font: Path | None = None


def plant_canary(folder: Path) -> Canary:
    """A folder of secrets beside (never inside) the book."""
    folder.mkdir(parents=True, exist_ok=True)
    token = f"CANARY-{uuid.uuid4().hex}"
    text = folder / "secret.txt"
    text.write_text(f"{token}\n", encoding="utf-8")
    picture = folder / "secret.png"
    Image.new("RGB", CANARY_SIZE, (201, 13, 77)).save(picture)
    stylesheet = folder / "secret.css"
    stylesheet.write_text(f'body::before {{ content: "{token}" }}\n/* {token} */\n', encoding="utf-8")
    return Canary(folder, token, text, picture, stylesheet)


@dataclass
class Outcome:
    source: Path
    out: Path
    returncode: int | None  # None: killed at the time limit
    stdout: str
    stderr: str
    before: dict[str, bytes] = field(default_factory=dict)  # the outputs as they were before this build

    @property
    def epub(self) -> Path | None:
        return next((path for path in self.out.glob("*.epub")), None)

    @property
    def pdf(self) -> Path | None:
        return next((path for path in self.out.glob("*.pdf")), None)


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def start_hostile(source: Path, out: Path, *extra: str, env: dict[str, str] | None = None,
                  preexec: Callable[[], None] | None = None) -> subprocess.Popen[str]:
    """Start the build as build_hostile runs it, for a test that acts while it runs (kills it, starts another).

    preexec: more to set in the build's process before it starts (another limit, say)."""
    def limits() -> None:
        _limits()
        if preexec is not None:
            preexec()

    return subprocess.Popen([sys.executable, "-m", "chapbook", "build", str(source), "-o", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limits,
                            env={**os.environ, "CHAPBOOK_JOBS": "1", **(env or {})})


def build_hostile(source: Path, out: Path, *extra: str, seconds: int = TIME_LIMIT,
                  env: dict[str, str] | None = None, preexec: Callable[[], None] | None = None) -> Outcome:
    """Build the book in a subprocess under the memory and time limits; never raises for the build's sake."""
    before = outputs_in(out)
    process = start_hostile(source, out, *extra, env=env, preexec=preexec)
    try:
        stdout, stderr = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        return Outcome(source, out, None, stdout, stderr, before)
    return Outcome(source, out, process.returncode, stdout, stderr, before)


def outputs_in(out: Path) -> dict[str, bytes]:
    """The files in the output folder (not its cache), by name."""
    return {path.name: path.read_bytes() for path in out.glob("*") if path.is_file()} if out.is_dir() else {}


def leftovers(out: Path) -> list[str]:
    """What builds left half-written in the output folder: .part files or staging folders."""
    return sorted(path.name for path in out.glob("*.part")) if out.is_dir() else []


def check_oracle(outcome: Outcome, canary: Canary | None = None, *, must_succeed: bool = False,
                 names: str | None = None) -> None:
    """Assert everything the catalogue promises of a build, whatever its input.

    must_succeed: the input is odd but legitimate and must make a book.
    names: a failure's message must name this (the essay's file name, say)."""
    assert outcome.returncode is not None, f"the build hung (killed after the time limit)\n{outcome.stderr[-2000:]}"
    assert "Traceback" not in outcome.stderr, outcome.stderr[-4000:]
    assert "MemoryError" not in outcome.stderr, outcome.stderr[-4000:]
    if must_succeed:
        assert outcome.returncode == 0, outcome.stderr[-4000:]
    assert outcome.returncode in (0, 1), f"exit status {outcome.returncode}\n{outcome.stderr[-4000:]}"
    if outcome.returncode == 1:
        assert ERROR_LINE.search(outcome.stderr), f"no `path:line: message` in:\n{outcome.stderr[-4000:]}"
        if names is not None:
            assert names in outcome.stderr, outcome.stderr[-4000:]
        now = outputs_in(outcome.out)
        for name, data in outcome.before.items():
            assert now.get(name) == data, f"the failed build changed {name}"
        assert not leftovers(outcome.out), "a .part file was left behind"
        return
    epub, pdf = outcome.epub, outcome.pdf
    assert epub is not None and pdf is not None, f"the build made no EPUB or no PDF: {outcome.stdout}"
    if canary is not None:
        _assert_no_canary_in_epub(epub, canary)
        _assert_no_canary_in_pdf(pdf, canary)
    assert_pdf_is_inert(pdf)
    messages = epubcheck_messages(epub)
    assert messages == [], "epubcheck:\n" + "\n".join(messages)


def epub_entries(epub: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(epub) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _assert_no_canary_in_epub(epub: Path, canary: Canary) -> None:
    token = canary.token.encode()
    for name, data in epub_entries(epub).items():
        assert token not in data, f"the canary's text is in the EPUB's {name}"
        if name.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp")):
            assert _pixel_size(data) != CANARY_SIZE, f"the canary picture is the EPUB's {name}"


def _pixel_size(data: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(data)) as picture:
            return picture.size
    except Exception:  # not a picture Pillow reads: not the canary either
        return None


def pdf_streams(pdf: Path) -> list[tuple[str, bytes]]:
    """Every stream of the PDF, decoded where pikepdf can decode it, with a name for messages."""
    streams = []
    with pikepdf.open(pdf) as document:
        for number, thing in enumerate(document.objects):
            if isinstance(thing, pikepdf.Stream):
                try:
                    data = thing.read_bytes()
                except pikepdf.PdfError:
                    data = thing.read_raw_bytes()
                streams.append((f"object {number}", data))
    return streams


def _assert_no_canary_in_pdf(pdf: Path, canary: Canary) -> None:
    token = canary.token.encode()
    assert token not in pdf.read_bytes(), "the canary's text is in the PDF"
    for name, data in pdf_streams(pdf):
        assert token not in data, f"the canary's text is in the PDF's {name}"
    # Text drawn from the canary (a stylesheet's `content:`) is in the streams as glyphs, not as bytes.
    drawn = "".join("".join(page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages).split())
    assert canary.token not in drawn, "the canary's text is drawn on a page of the PDF"
    with pikepdf.open(pdf) as document:
        for thing in document.objects:
            if isinstance(thing, pikepdf.Stream) and thing.get("/Subtype") == pikepdf.Name.Image:
                size = (int(thing.get("/Width", 0)), int(thing.get("/Height", 0)))
                assert size != CANARY_SIZE, "the canary picture is in the PDF"


def assert_pdf_is_inert(pdf: Path) -> None:
    """Nothing in the PDF runs, launches, carries files, or points at the builder's disk."""
    with pikepdf.open(pdf) as document:
        for thing in document.objects:
            if not isinstance(thing, (pikepdf.Dictionary, pikepdf.Stream)):
                continue
            keys = set(thing.keys())
            for bad in ("/EmbeddedFile", "/EmbeddedFiles", "/JavaScript", "/JS", "/Launch"):
                assert bad not in keys and thing.get("/Type") != pikepdf.Name(bad) \
                    and thing.get("/S") != pikepdf.Name(bad), f"{bad} in the PDF"
            uri = thing.get("/URI")
            if uri is not None:
                assert not str(uri).lower().startswith("file:"), f"a link to {uri} in the PDF"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_book(folder: Path, files: dict[str, str | bytes]) -> Path:
    """A book folder from {relative path: text or bytes}; a book.toml is added when none is given."""
    return write_files(folder, {"book.toml": 'title = "Hostile Book"\nauthor = "A. Stranger"\n', **files})


def essay(title: str, body: str, weight: int = 1) -> str:
    return f'+++\ntitle = "{title}"\nweight = {weight}\n+++\n\n{body}\n'
