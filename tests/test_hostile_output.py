"""Hostile-input catalogue, item 5: where the book is written, and what survives when writing fails.

Cases, each a real build (tests/hostile.py):
- `-o` at the book folder, at a folder inside it (one the book has, a new one), at a file in it, each
  directly and through a symlink, and `-o` at a link the book itself holds (leading out of it): refused
  with exit 2 and a message naming `-o`; nothing in the book changes, nothing is written where a link leads;
- `-o` at a read-only folder: exit 1, a message naming the folder and `-o`; the previous book intact;
- the disk fills up while the PDF is written (a file size limit, RLIMIT_FSIZE): exit 1 with a message
  saying so, the previous book intact, nothing half-written left behind;
- a build killed (SIGKILL) while it writes the PDF: the previous book intact; the next build removes
  what the killed one left;
- two builds of different versions of a book into one folder at once: both succeed, and the folder
  holds one whole version (its EPUB and PDF from the same build; epubcheck clean), never a mix,
  and neither build removed what the other was writing.
"""

from __future__ import annotations

import ctypes
import os
import random
import resource
import signal
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from conftest import pdf_page_texts
from hostile import (Outcome, build_hostile, check_oracle, essay, leftovers, outputs_in, start_hostile,
                     write_book)

SLUG = "hostile-book"  # the slug of write_book's default title


def small_book(folder: Path, word: str = "lantern") -> Path:
    return write_book(folder, {
        "01-walk.md": essay("A Walk", f"The {word} swung at the corner, and the street was blue."),
        "02-room.md": essay("A Room", "Every flat was smaller than the last.", weight=2),
        "images/keep.txt": "a file the book holds",
    })


def tree(folder: Path) -> dict[str, bytes | str]:
    """Everything under folder, links not followed: each file's bytes, each link's target."""
    found: dict[str, bytes | str] = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(root) / name
            key = str(path.relative_to(folder))
            if path.is_symlink():
                found[key] = f"-> {os.readlink(path)}"
            elif path.is_file():
                found[key] = path.read_bytes()
            else:
                found[key] = "folder"
    return found


def assert_failed_cleanly(outcome: Outcome, status: int, *fragments: str) -> None:
    """The build stopped with this status and a one-line message, and lost nothing of the previous book."""
    assert "Traceback" not in outcome.stderr, outcome.stderr[-4000:]
    assert outcome.returncode == status, f"exit status {outcome.returncode}\n{outcome.stderr[-4000:]}"
    errors = [line for line in outcome.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, outcome.stderr[-4000:]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert outputs_in(outcome.out) == outcome.before, "the failed build changed the previous book"
    assert leftovers(outcome.out) == [], "the failed build left half-written files"


# --- -o into the book ---------------------------------------------------------------------------

TARGETS = {  # where -o points, relative to the book folder
    "the-book-folder": ".",
    "a-folder-of-the-book": "images",
    "a-new-folder-inside": "dist",
    "a-file-of-the-book": "01-walk.md",
}


@pytest.mark.parametrize("through_link", [False, True], ids=["directly", "through-a-symlink"])
@pytest.mark.parametrize("target", TARGETS.values(), ids=TARGETS.keys())
def test_output_into_the_book_is_refused(tmp_path: Path, target: str, through_link: bool) -> None:
    source = small_book(tmp_path / "book")
    out = (source / target).resolve() if target == "." else source / target
    if through_link:
        link = tmp_path / "link"
        link.symlink_to(out)
        out = link
    before = tree(source)
    outcome = build_hostile(source, out, "--format", "epub")
    assert_failed_cleanly(outcome, 2, f"-o {out}", "inside the book folder")
    assert tree(source) == before


def test_output_at_a_link_the_book_holds_is_refused(tmp_path: Path) -> None:
    """A stranger's book may hold `dist` as a link to any folder of yours: it is still inside the book."""
    source = small_book(tmp_path / "book")
    elsewhere = tmp_path / "yours"
    elsewhere.mkdir()
    (source / "dist").symlink_to(elsewhere)
    before = tree(source)
    outcome = build_hostile(source, source / "dist", "--format", "epub")
    assert_failed_cleanly(outcome, 2, "-o", "inside the book folder")
    assert tree(source) == before
    assert list(elsewhere.iterdir()) == []


# --- writing fails -------------------------------------------------------------------------------


def assert_built(outcome: Outcome) -> None:
    """The book to keep was built (what it holds, the other catalogue cases check)."""
    assert outcome.returncode == 0, outcome.stderr[-4000:]


def previous_book(tmp_path: Path) -> tuple[Path, Path]:
    """A book built once into out (the good copy to keep), then edited."""
    source, out = small_book(tmp_path / "book"), tmp_path / "out"
    assert_built(build_hostile(source, out))
    small_book(source, word="kettle")
    return source, out


CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, PR_CAPBSET_DROP = 1, 2, 24


def _without_root_override() -> None:
    """Root writes into read-only folders: drop that power before the build starts, so the mode bits hold."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_a_read_only_output_folder_is_named(tmp_path: Path) -> None:
    source, out = previous_book(tmp_path)
    out.chmod(0o555)
    try:
        outcome = build_hostile(source, out, preexec=_without_root_override)
    finally:
        out.chmod(0o755)
    assert_failed_cleanly(outcome, 1, f"error: {out}: Permission denied", "-o")


FILE_SIZE_LIMIT = 200 * 1024  # bytes: more than any file a rebuild writes before the PDF, less than the PDF


def _small_disk() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def test_a_disk_that_fills_up_while_the_pdf_is_written(tmp_path: Path) -> None:
    # A picture of noise (it does not compress) makes the PDF big; converted once, it is in the cache.
    noise = Image.frombytes("RGB", (400, 400), random.Random(5).randbytes(400 * 400 * 3))
    (tmp_path / "book" / "images").mkdir(parents=True)
    noise.save(tmp_path / "book" / "images" / "noise.png")
    source = small_book(tmp_path / "book")
    (source / "02-room.md").write_text(essay("A Room", "![noise](images/noise.png)", weight=2), encoding="utf-8")
    out = tmp_path / "out"
    assert_built(build_hostile(source, out))
    assert os.path.getsize(out / f"{SLUG}.pdf") > FILE_SIZE_LIMIT
    # The same book again: every page is in the cache, so the PDF is the first file the limit stops (the
    # layout writes fonts bigger than it); and the same bytes, so a PDF written in place would differ.
    outcome = build_hostile(source, out, "--format", "pdf", preexec=_small_disk)
    assert "writing PDF" in outcome.stderr, outcome.stderr  # the limit was met there, not before
    assert_failed_cleanly(outcome, 1, f"error: {out}: File too large", "make room")


# --- a build killed, two builds at once -----------------------------------------------------------


def long_book(folder: Path, word: str) -> Path:
    """Enough pages that writing the PDF takes a while, to be caught at it."""
    text = " ".join(f"The {word} swung at corner {n}, and the street was blue with morning." for n in range(20))
    return write_book(folder, {f"{n:02d}.md": essay(f"Walk {n}", "\n\n".join([text] * 3), weight=n)
                               for n in range(1, 9)})


def book_files(out: Path) -> dict[str, bytes]:
    return {name: data for name, data in outputs_in(out).items() if not name.endswith(".part")}


def staged_pdf(out: Path) -> bool:
    """A PDF being written: in a staging folder, or a .part file of its own."""
    for part in out.glob("*.part"):
        try:
            names = [path.name for path in part.iterdir()] if part.is_dir() else [part.name]
        except FileNotFoundError:  # gone meanwhile
            continue
        if any(".pdf" in name for name in names):
            return True
    return False


def test_a_build_killed_while_writing_the_pdf_loses_nothing(tmp_path: Path) -> None:
    source, out = long_book(tmp_path / "book", "lantern"), tmp_path / "out"
    assert_built(build_hostile(source, out))
    before = book_files(out)
    long_book(source, "kettle")
    # WeasyPrint's folder of font files, which no process killed so can remove, is left in the test's.
    (tmp_path / "temporary").mkdir()
    build = start_hostile(source, out, env={"TMPDIR": str(tmp_path / "temporary")})
    while build.poll() is None and not staged_pdf(out):
        time.sleep(0.002)
    assert build.poll() is None, "the build ended before it was caught writing the PDF"
    build.send_signal(signal.SIGKILL)
    build.communicate()
    assert book_files(out) == before
    assert leftovers(out), "the killed build left nothing to clean up: was it caught writing?"
    check_oracle(build_hostile(source, out, "--format", "epub"), must_succeed=True)
    assert leftovers(out) == []


def test_two_builds_at_once_into_one_folder_leave_one_whole_book(tmp_path: Path) -> None:
    first, second = small_book(tmp_path / "first", "lantern"), small_book(tmp_path / "second", "kettle")
    out = tmp_path / "out"
    started = start_hostile(first, out)
    while started.poll() is None and not leftovers(out):  # the first is writing: the second must not sweep it
        time.sleep(0.002)
    builds = [(first, started), (second, start_hostile(second, out))]
    outcomes = []
    for source, build in builds:
        stdout, stderr = build.communicate(timeout=600)
        outcomes.append(Outcome(source, out, build.returncode, stdout, stderr))
    for outcome in outcomes:
        assert_built(outcome)
    check_oracle(outcomes[-1], must_succeed=True)  # the book the folder holds now: whole, epubcheck clean
    assert leftovers(out) == []
    with zipfile.ZipFile(out / f"{SLUG}.epub") as epub:
        chapters = b" ".join(epub.read(name) for name in epub.namelist() if name.endswith(".xhtml"))
    in_epub = {word for word in ("lantern", "kettle") if word.encode() in chapters}
    in_pdf = {word for word in ("lantern", "kettle") if word in " ".join(pdf_page_texts(out / f"{SLUG}.pdf"))}
    assert len(in_epub) == 1 and in_epub == in_pdf, f"a mix: EPUB of {in_epub}, PDF of {in_pdf}"
