"""Chapters laid out side by side and kept in the build cache give the same book, byte for byte, as one
process laying out everything anew; an edit lays out only what it changed; a bad cache is never trusted."""

from __future__ import annotations

import dataclasses
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

from conftest import SAMPLE, pdf_page_texts, pages_by_folio, write_files
from epubcheck_helper import epubcheck_messages

EPOCH = "1700000000"
WORDS = ("lamp window river kettle letter garden winter morning bread street quiet evening paper "
         "light stair radio field station coat door table night ink hour bench road stone").split()


def chapbook(source: Path, out: Path, *extra: str, jobs: int | None = None,
             temp: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **({"TMPDIR": str(temp)} if temp else {})}
    env.pop("CHAPBOOK_JOBS", None)
    if jobs is not None:
        env["CHAPBOOK_JOBS"] = str(jobs)
    result = subprocess.run([sys.executable, "-m", "chapbook", "build", str(source), "-o", str(out), *extra],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return result


def outputs(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.glob("*.epub")) + sorted(out.glob("*.pdf"))}


def laid_out(result: subprocess.CompletedProcess) -> tuple[int, int]:
    """(pieces laid out, pieces taken from the cache), as the build reports them."""
    found = re.search(r"(\d+) pieces laid out, (\d+) from the cache", result.stderr)
    assert found, result.stderr
    return int(found[1]), int(found[2])


@pytest.fixture(scope="module")
def serial_sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The sample as one process lays it out with nothing cached: the reference."""
    out = tmp_path_factory.mktemp("serial")
    chapbook(SAMPLE, out, "--no-cache", jobs=1)
    assert not (out / ".chapbook-cache").exists()  # --no-cache keeps nothing
    return outputs(out)


def test_parallel_cached_builds_equal_a_serial_build_from_nothing(serial_sample, tmp_path: Path) -> None:
    cold = chapbook(SAMPLE, tmp_path, jobs=2)
    assert laid_out(cold) == (10, 0)  # the front matter, eight chapters, the back matter
    assert outputs(tmp_path) == serial_sample
    unchanged = chapbook(SAMPLE, tmp_path, jobs=2)
    assert "nothing changed since the last build" in unchanged.stderr
    assert outputs(tmp_path) == serial_sample
    (tmp_path / "small-hours.pdf").unlink()  # an output gone: built again, every piece from the cache
    warm = chapbook(SAMPLE, tmp_path, jobs=2)
    assert laid_out(warm) == (0, 10)
    assert outputs(tmp_path) == serial_sample


def test_a_build_leaves_no_temporary_folders_behind(tmp_path: Path) -> None:
    """WeasyPrint keeps a theme's font files in a temporary folder for each font configuration; the
    layout workers' folders were never removed (17 MiB a worker a build, until /tmp was full)."""
    temp = Path(tempfile.mkdtemp(prefix="cb-"))  # short: the fork server's socket is made in it
    try:
        result = chapbook(SAMPLE, tmp_path / "out", "--no-cache", jobs=2, temp=temp)
        assert laid_out(result) == (10, 0)
        assert sorted(path.name for path in temp.iterdir()) == []
    finally:
        shutil.rmtree(temp)


def test_a_long_temporary_folder_path_builds_with_workers(tmp_path: Path) -> None:
    """The workers' fork server listens on a socket in the temporary folder, and a socket's path has
    room for about 100 bytes: under a longer TMPDIR every build stopped with a traceback."""
    temp = tmp_path / ("t" * 110)
    temp.mkdir()
    source = write_files(tmp_path / "book", {"a.md": '+++\ntitle = "One"\n+++\n\nA short essay.\n',
                                             "b.md": '+++\ntitle = "Two"\n+++\n\nAnother.\n'})
    result = chapbook(source, tmp_path / "out", "--no-cache", jobs=2, temp=temp)
    assert "Traceback" not in result.stderr and "no worker processes" not in result.stderr
    assert laid_out(result) == (4, 0) and len(pdf_page_texts(tmp_path / "out" / "book.pdf")) > 4
    assert sorted(temp.iterdir()) == []


_NO_SHORT_FOLDER = """
import contextlib, sys
from chapbook.writers import workers
workers._short_temporary_folder = contextlib.nullcontext  # as where no short folder can be written
from chapbook.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_where_no_worker_can_start_the_build_lays_out_in_its_own_process(tmp_path: Path) -> None:
    temp = tmp_path / ("t" * 110)
    temp.mkdir()
    source = write_files(tmp_path / "book", {"a.md": '+++\ntitle = "One"\n+++\n\nA short essay.\n'})
    result = subprocess.run([sys.executable, "-c", _NO_SHORT_FOLDER, "build", str(source), "-o", str(tmp_path / "out")],
                            capture_output=True, text=True, env={**os.environ, "TMPDIR": str(temp), "CHAPBOOK_JOBS": "2"})
    assert result.returncode == 0, result.stderr
    assert "no worker processes can start here: laying out in this one" in result.stderr
    assert epubcheck_messages(tmp_path / "out" / "book.epub") == []
    assert len(pdf_page_texts(tmp_path / "out" / "book.pdf")) >= 4


def test_nothing_changed_is_said_and_the_book_stands(tmp_path: Path) -> None:
    """A rebuild with nothing changed reports the book as the build that made it did; anything it read
    changed (an essay touched, the date asked for, an output altered) builds again."""
    source, out = tmp_path / "book", tmp_path / "out"
    shutil.copytree(SAMPLE, source)
    first = chapbook(source, out, "-v", jobs=2)
    again = chapbook(source, out, "-v", jobs=2)
    assert "nothing changed" in again.stderr and "laid out" not in again.stderr
    warnings = [line for line in first.stderr.splitlines() if line.startswith("warning:")]
    assert warnings and warnings == [line for line in again.stderr.splitlines() if line.startswith("warning:")]
    assert again.stdout == first.stdout  # the same files, named the same way
    essay = source / "later" / "07-letters.md"
    os.utime(essay, (essay.stat().st_atime, essay.stat().st_mtime + 5))
    assert "nothing changed" not in chapbook(source, out, jobs=2).stderr
    pdf = out / "small-hours.pdf"
    pdf.write_bytes(pdf.read_bytes()[:-10])
    assert "nothing changed" not in chapbook(source, out, jobs=2).stderr
    assert "nothing changed" in chapbook(source, out, jobs=2).stderr
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1600000000"}
    other_date = subprocess.run([sys.executable, "-m", "chapbook", "build", str(source), "-o", str(out)],
                                capture_output=True, text=True, env=env)
    assert other_date.returncode == 0 and "nothing changed" not in other_date.stderr


def test_an_edited_essay_is_the_only_piece_laid_out_again(serial_sample, tmp_path: Path) -> None:
    source = tmp_path / "book"
    shutil.copytree(SAMPLE, source)
    out = tmp_path / "out"
    chapbook(source, out, jobs=2)
    essay = source / "01-night-walk.md"
    head, rule, body = essay.read_text(encoding="utf-8").rpartition("+++")
    essay.write_text(head + rule + body.replace(" the ", " thy ", 1), encoding="utf-8")  # a word, not a page
    edited = chapbook(source, out, jobs=2)
    assert laid_out(edited) == (1, 9)
    assert " thy " in " ".join(pdf_page_texts(out / "small-hours.pdf"))


def test_an_edit_to_an_undated_book_lays_out_only_that_essay(tmp_path: Path) -> None:
    """Without dates (nor SOURCE_DATE_EPOCH) the book's date is its newest file's: an edit moves it,
    and that must not make every chapter new."""
    source = tmp_path / "book"
    source.mkdir()
    (source / "book.toml").write_text('title = "Undated"\nauthor = "A. Writer"\n', encoding="utf-8")
    for number in range(1, 4):
        (source / f"0{number}-essay.md").write_text(
            f'+++\ntitle = "Essay {number}"\nweight = {number}\n+++\n\n' + " ".join(WORDS * 3) + ".\n",
            encoding="utf-8")
        os.utime(source / f"0{number}-essay.md", (1_600_000_000, 1_600_000_000))
    out = tmp_path / "out"
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    build = [sys.executable, "-m", "chapbook", "build", str(source), "-o", str(out), "--format", "pdf"]
    assert subprocess.run(build, capture_output=True, text=True, env=env).returncode == 0
    essay = source / "02-essay.md"
    essay.write_text(essay.read_text(encoding="utf-8").replace("lamp", "lantern", 1), encoding="utf-8")
    edited = subprocess.run(build, capture_output=True, text=True, env=env)
    assert edited.returncode == 0, edited.stderr
    assert laid_out(edited) == (2, 3)  # the essay, and the front matter, which prints the book's date
    with pypdf.PdfReader(out / "undated.pdf") as pdf:
        assert "lantern" in " ".join(page.extract_text() for page in pdf.pages)


def test_a_forward_reference_sets_one_piece_again_even_without_a_cache(tmp_path: Path) -> None:
    """Essay 1 says "see p. N" of essay 4, whose page is not known when essay 1 is laid out: that one
    piece is set again once it is, with the cache or without (--no-cache keeps this build's counts)."""
    source = tmp_path / "book"
    source.mkdir()
    (source / "book.toml").write_text('title = "Ahead"\nauthor = "A. Writer"\n', encoding="utf-8")
    for number in range(1, 5):
        link = "As [the last essay](04-essay.md) says.\n\n" if number == 1 else ""
        (source / f"0{number}-essay.md").write_text(
            f'+++\ntitle = "Essay {number}"\nweight = {number}\n+++\n\n{link}' + " ".join(WORDS * 4) + ".\n",
            encoding="utf-8")
    without = laid_out(chapbook(source, tmp_path / "nocache", "--no-cache", "--format", "pdf", jobs=2))
    cached_out = tmp_path / "cached"
    first = laid_out(chapbook(source, cached_out, "--format", "pdf", jobs=2))
    (cached_out / "ahead.pdf").unlink()
    pieces = laid_out(chapbook(source, cached_out, "--format", "pdf", jobs=2))[1]
    assert without == first == (pieces + 1, 0)


def test_a_longer_essay_moves_the_folios_after_it(tmp_path: Path) -> None:
    source = tmp_path / "book"
    shutil.copytree(SAMPLE, source)
    out = tmp_path / "out"
    chapbook(source, out, jobs=2)
    before = pages_by_folio(pdf_page_texts(out / "small-hours.pdf"))
    essay = source / "01-night-walk.md"
    essay.write_text(essay.read_text(encoding="utf-8") + "\n\n" + "\n\n".join(
        " ".join(WORDS * 6).capitalize() + "." for _ in range(12)) + "\n", encoding="utf-8")
    longer = chapbook(source, out, jobs=2)
    pieces, reused = laid_out(longer)
    assert pieces > 1 and reused >= 1  # the essay, the pieces its new pages moved, the contents; not what came before
    assert outputs(out) == outputs(_serial(source, tmp_path / "serial"))
    after = pages_by_folio(pdf_page_texts(out / "small-hours.pdf"))
    assert len(after) > len(before)


def _serial(source: Path, out: Path) -> Path:
    chapbook(source, out, "--no-cache", jobs=1)
    return out


def test_a_cache_from_another_version_is_not_trusted(serial_sample, tmp_path: Path) -> None:
    chapbook(SAMPLE, tmp_path, jobs=2)
    for entry in (tmp_path / ".chapbook-cache").rglob("*"):
        if entry.is_file():
            header, _, payload = entry.read_bytes().partition(b"\n")
            magic, _, digest = header.split(b" ")
            entry.write_bytes(b" ".join((magic, b"0.0.1", digest)) + b"\n" + payload)
    again = chapbook(SAMPLE, tmp_path, jobs=2)
    assert laid_out(again) == (10, 0)
    assert outputs(tmp_path) == serial_sample


def test_truncated_and_damaged_entries_are_made_again(serial_sample, tmp_path: Path) -> None:
    chapbook(SAMPLE, tmp_path, jobs=2)
    entries = sorted(entry for entry in (tmp_path / ".chapbook-cache").rglob("*") if entry.is_file())
    for number, entry in enumerate(entries):
        data = entry.read_bytes()
        # Half the entries cut short (a build killed while writing), half with one byte changed.
        entry.write_bytes(data[: len(data) // 2] if number % 2 else data[:-1] + bytes([data[-1] ^ 1]))
    again = chapbook(SAMPLE, tmp_path, jobs=2)
    assert laid_out(again)[0] >= 5
    assert outputs(tmp_path) == serial_sample


def test_two_builds_at_once_into_one_folder_both_give_the_book(serial_sample, tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CHAPBOOK_JOBS": "2"}
    command = [sys.executable, "-m", "chapbook", "build", str(SAMPLE), "-o", str(tmp_path), "-q"]
    first, second = (subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2))
    for process in (first, second):
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
    assert outputs(tmp_path) == serial_sample
    for output in tmp_path.glob("small-hours*"):
        output.unlink()
    assert laid_out(chapbook(SAMPLE, tmp_path, jobs=2)) == (0, 10)  # and the cache they shared is whole


def paragraph(rng: random.Random) -> str:
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."
                    for _ in range(rng.randint(4, 7)))


def write_long_book(source: Path, essays: int) -> None:
    """Two parts of walks, with notes, formulas and links from one essay to another and to a section."""
    rng = random.Random(11)
    source.mkdir(exist_ok=True)
    (source / "book.toml").write_text('title = "Crossing"\nauthor = "Test Writer"\ntrim = "5x8"\n'
                                      'parts = "sections"\n')
    for part, name in ((1, "mornings"), (2, "evenings")):
        folder = source / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "_index.md").write_text(f'+++\ntitle = "{name.title()}"\nweight = {part}\n+++\n')
    for number in range(1, essays + 1):
        folder = source / ("mornings" if number <= essays // 2 else "evenings")
        later = (number % essays) + 1
        later_folder = "mornings" if later <= essays // 2 else "evenings"
        sections = "\n\n".join(
            f"### Stage {stage}\n\n" + "\n\n".join(paragraph(rng) for _ in range(8)) for stage in range(1, 4))
        body = (f"Walk {number} begins where [walk {later}](../{later_folder}/{later:02d}.md) ends, and its "
                f"[second stage](../{later_folder}/{later:02d}.md#stage-2) too.[^n]\n\n"
                f"The distance was $d = v t$ with $v \\approx {number}$ km an hour.\n\n{sections}\n\n"
                f"[^n]: A note on walk {number}.\n")
        (folder / f"{number:02d}.md").write_text(f'+++\ntitle = "Walk {number}"\nweight = {number}\n+++\n\n{body}')


def test_a_book_that_grows_past_a_gutter_band_is_the_book_a_serial_build_makes(tmp_path: Path) -> None:
    source, out = tmp_path / "book", tmp_path / "out"
    write_long_book(source, 10)
    short = chapbook(source, out, jobs=2)  # under 150 pages: the cache remembers a narrower gutter
    assert len(pypdf.PdfReader(out / "crossing.pdf").pages) <= 150, short.stderr
    write_long_book(source, 18)
    grown = chapbook(source, out, jobs=2)
    # Laid out with the remembered gutter, the book came to more than 150 pages: every piece (two part
    # pages, 18 walks, the front matter) was set again with the wider gutter.
    assert laid_out(grown)[0] >= 2 * 21, grown.stderr
    parallel = outputs(out)
    assert parallel == outputs(_serial(source, tmp_path / "serial"))
    pages = pdf_page_texts(out / "crossing.pdf")
    assert 150 < len(pages) <= 300
    assert epubcheck_messages(out / "crossing.epub") == []
    # The wider gutter: 0.5 in for KDP and 0.25 in for the reader, on the inside of a right-hand page.
    document = pdfium.PdfDocument(out / "crossing.pdf")
    recto = next(i for i, text in enumerate(pages) if i % 2 == 0 and i > 20 and len(text) > 500)
    text = document[recto].get_textpage()
    left = min(text.get_charbox(i)[0] for i in range(text.count_chars()) if not text.get_text_range(i, 1).isspace())
    assert abs(left - 0.75 * 72) < 1.5
    # "see p. N" and the contents give the pages the walks are on.
    folio_at = {index: folio for folio, index in pages_by_folio(pages).items()}
    opener = next(index for index, text in enumerate(pages) if "Walk 5 begins where" in text)
    text = " ".join(" ".join(pages).replace("\xa0", " ").split())
    assert f"walk 5 (see p. {folio_at[opener]})" in text


def test_progress_is_told_in_lines_off_a_terminal_and_not_at_all_with_q(tmp_path: Path) -> None:
    source = tmp_path / "book"
    source.mkdir()
    (source / "book.toml").write_text('title = "Told"\nauthor = "A. Writer"\n', encoding="utf-8")
    for number in range(1, 3):
        (source / f"0{number}.md").write_text(f'+++\ntitle = "Essay {number}"\nweight = {number}\n+++\n\n'
                                              + " ".join(WORDS) + ".\n", encoding="utf-8")
    told = chapbook(source, tmp_path / "out", jobs=1).stderr
    assert re.search(r"laid out (\d+)/\1 chapters", told), told  # the chapters, to the last
    assert re.search(r"prepared (\d+)/\1 fonts for the EPUB", told), told
    assert "\r" not in told  # lines, not a bar redrawn in place, when stderr is not a terminal
    quiet = chapbook(source, tmp_path / "quiet", "-q", jobs=1)
    assert quiet.stderr == ""


# Reads a book twice in a process of its own (the test runner's has threads, and a build forks only
# without them): its essays rendered in one process, then in two, with the two-process threshold low.
_READ_BOTH_WAYS = """
import json, sys
from pathlib import Path
from chapbook import assemble
from chapbook.addresses import ImageRegistry
from chapbook.errors import WarningLog, log

assemble.RENDER_APART_FROM = 2
kept = []
take = ImageRegistry.take
ImageRegistry.take = lambda registry, looked_up: kept.append(take(registry, looked_up)) or kept[-1]

def read(apart):
    said = WarningLog()
    log.handlers = [said]
    return assemble.read_book(Path(sys.argv[1]), apart=apart), said.warnings

together, said_together = read(False)
apart, said_apart = read(True)
print(json.dumps({"same": together == apart, "said": said_apart, "said_the_same": said_together == said_apart,
                  "kept": kept, "images": [image.name for image in apart.images],
                  "xhtml": {essay.slug: essay.xhtml for essay in apart.essays}}))
"""


def test_essays_rendered_in_two_processes_read_as_in_one(tmp_path: Path) -> None:
    """The later half of a long book's essays is rendered in a fork: its pictures must get the names one
    process gives them (a later picture of the same name as an earlier one is moon-2.png), and its
    warnings must come in reading order."""
    source = tmp_path / "book"
    for folder, colour in (("a", (200, 40, 40)), ("b", (40, 40, 200)), ("c", (40, 160, 40))):
        (source / folder).mkdir(parents=True)
        from PIL import Image
        Image.new("RGB", (60, 40), colour).save(source / folder / ("sun.png" if folder == "c" else "moon.png"))
    pictures = {2: "b/moon.png", 9: "a/moon.png", 10: "a/moon.png", 11: "c/sun.png", 12: "b/moon.png"}
    for number in range(1, 15):
        picture = pictures.get(number)
        body = f"Essay {number} is about the {WORDS[number]}.\n\n" + (f"![]({picture})\n\n" if picture else "")
        body += f"![A lost {WORDS[number]}](gone-{number}.png)\n" if number in (3, 11, 13) else ""
        (source / f"{number:02}.md").write_text(f'+++\ntitle = "Essay {number}"\nweight = {number}\n+++\n\n{body}')
    result = subprocess.run([sys.executable, "-c", _READ_BOTH_WAYS, str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    read = __import__("json").loads(result.stdout)
    assert read["same"] and read["said_the_same"]
    # Of the essays the fork rendered, 10 found a moon.png named otherwise in this process, and 12 the
    # picture essay 2 found first here: rendered again here. The others' were kept.
    assert True in read["kept"] and False in read["kept"]
    assert read["images"] == ["images/moon-2.png", "images/moon.png", "images/sun.png"]
    xhtml = read["xhtml"]
    assert 'src="images/moon.png"' in xhtml["02"] and 'src="images/moon.png"' in xhtml["12"]
    assert 'src="images/moon-2.png"' in xhtml["09"] and 'src="images/moon-2.png"' in xhtml["10"]
    assert 'src="images/sun.png"' in xhtml["11"]
    places = [place for place, message in read["said"] if "not found" in message]
    assert [Path(place.split(":")[0]).name for place in places] == ["03.md", "11.md", "13.md"]
    assert [Path(place.split(":")[0]).name for place, message in read["said"] if "no alt text" in message] == \
        ["02.md", "09.md", "10.md", "11.md", "12.md"]


def test_the_front_matter_laid_out_beside_the_last_chapter_is_taken_only_when_it_is_the_one_needed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a first build, the front matter is laid out while the last chapter still is, with the folios
    it will most likely have; the book takes that layout only if it is the same piece. Either way the
    PDF is the one a serial build makes."""
    from chapbook import pipeline
    from chapbook.cache import BuildCache
    from chapbook.writers import pdf as pdf_writer
    from chapbook.writers.workers import start_fork_server

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    rng = random.Random(5)
    source = tmp_path / "book"
    essays = {f"{n}.md": f'+++\ntitle = "Short {n}"\nweight = {n}\n+++\n\n{paragraph(rng)}\n' for n in range(1, 7)}
    # The last essay is long: it is still being laid out when every other piece is done.
    essays["7.md"] = '+++\ntitle = "The long one"\nweight = 7\n+++\n\n' + "\n\n".join(paragraph(rng) for _ in range(90))
    write_files(source, {"book.toml": 'title = "Ahead"\n', **essays})
    assert start_fork_server()
    book, theme = pipeline.read(source, tmp_path / "out", lambda *_: None)

    def pdf(name: str, jobs: int) -> tuple[bytes, list[str]]:
        told: list[str] = []
        cache = BuildCache(tmp_path / name)
        layout = pdf_writer.lay_out(book, theme, cache, lambda message, *_: told.append(message), jobs)
        pdf_writer.write_pdf(layout, book, tmp_path / f"{name}.pdf", cache)
        return (tmp_path / f"{name}.pdf").read_bytes(), [line for line in told if "front matter" in line]

    serial, _ = pdf("serial", 1)
    parallel, told = pdf("parallel", 2)
    assert parallel == serial
    assert told == [told[0]] and "beside the last chapter" in told[0]

    # A front matter laid out ahead with other folios than the book's is not taken: it is set again.
    original = pdf_writer._Layouts.lay_out_ahead

    def with_other_folios(layouts, job):
        original(layouts, dataclasses.replace(job, html=job.html.replace("Short 1", "Short one"),
                                              key=job.key + "-other"))

    monkeypatch.setattr(pdf_writer._Layouts, "lay_out_ahead", with_other_folios)
    guessed_wrong, told = pdf("wrong", 2)
    assert guessed_wrong == serial
    assert told and not any("beside the last chapter" in line for line in told)
