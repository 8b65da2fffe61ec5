"""Book → print PDF: each piece of the book laid out on its own (side by side, one worker process a
core), kept in the build cache, and joined.

How a book with folios, a contents and "see p. N" is set without laying it out twice:

1. The gutter depends on the page count: it is predicted (the last build's count, else one from the
   text's length) and the book is set again only if the count lands in another of KDP's bands.
2. Every piece opens on a right-hand page, so its page count does not depend on its place. Pieces
   whose count the cache knows are not laid out to learn it; the others are laid out side by side,
   and each learns its first folio from the counts of the pieces before it just before its margins
   are drawn (piece_job.py): the folios cost no second layout.
3. A "see p. N" names a page of another piece. It is set from the last build's pages (else a guess);
   a piece whose numbers turn out wrong is set again, with the right ones, and the pieces after it
   again only if that changed its page count. The contents is set last, when every page is known.
4. A laid-out piece is cached under its content (its HTML, the stylesheets, the fonts and pictures
   it uses, the gutter) and its first folio: an edited essay is laid out again, and the pieces after
   it only if its page count changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import accumulate, islice
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import weasyprint

from ...cache import BuildCache, content_key, file_digest
from ...errors import ChapbookError, said_again
from ...media.fallbacks import with_fallbacks
from .glyphs import report_fallbacks
from ...large_print import page_scale
from ...model import Book
from ..pagemap import PageStart, page_starts
from ...print_facts import gutter_for
from ...themes import Theme, fallback_faces, known_coverage
from . import piece_job
from .copies import INSCRIPTION_PAGES, inscribed, sharing_fonts
from .fetcher import source_date
from .join import Placed, join
from .piece_job import FAILED, PieceJob, WorkerState, job_key, lay_out_piece
from ..workers import BESIDE_UP_TO, fork_server, give_back_memory, give_back_memory_when_grown, worker_count
from .print_html import PAGE_ATTRIBUTE, Piece, book_html, page_css, pieces, press_css

# Rounds of setting pieces again for "see p. N" before the numbers are taken as they are.
MAX_ROUNDS = 5
# A worker is replaced after this many pieces, for what its caches gather (the memory a long chapter
# took it gives back itself: give_back_memory_when_grown). A new worker costs a few tenths of a second.
TASKS_PER_WORKER = 400
# A first guess at how many characters a page holds, per square inch of text block at 11 pt.
CHARS_PER_SQUARE_INCH = 58


@dataclass
class BookLayout:
    """The book set in pages: its pieces as laid out (in the cache) and the order of its pages."""

    placed: list[Placed]
    pieces: list[dict]
    blank: bytes
    starts: list[PageStart]  # where each page begins in the text, for the EPUB's page list
    pdf_variant: str | None
    copies: list[BookLayout] = field(default_factory=list)  # each reader's copy (recipients), in their order

    @property
    def pages(self) -> int:
        return len(self.placed)


def lay_out(book: Book, theme: Theme, cache: BuildCache, progress: Callable[..., None] = lambda *_: None,
            jobs: int | None = None) -> BookLayout:
    """Set the book in pages (the PDF's, which the EPUB's page list is taken from too)."""
    jobs = jobs or worker_count()
    all_pieces = pieces(book_html(book, theme))
    give_back_memory()  # what reading the essays and making the book's HTML took, before the workers start
    memory_key = content_key("book", str(book.root.resolve()), book.file_stem)
    memory = cache.get_json("book-memory", memory_key) or {}
    gutter = gutter_for(memory.get("pages") or _estimated_pages(book, theme, all_pieces))
    folios_of_anchors: dict[str, int] = memory.get("anchors", {})
    readers = book.config.recipients
    inscriptions = INSCRIPTION_PAGES if readers else 0  # the gutter is the copies' too
    with _Layouts(book, theme, cache, jobs, len(all_pieces), progress) as layouts:
        for _ in range(3):  # a gutter band crossed: once more with the gutter the count asks for
            stylesheets = _stylesheets(book, theme, gutter)
            body = _set_body(all_pieces, stylesheets, folios_of_anchors, layouts)
            folios_of_anchors = _anchor_folios(body)
            front = _with_page_numbers(all_pieces[0], folios_of_anchors)
            front_result = layouts.run([_job(book, 0, front, stylesheets, 1)], "front matter")[0]
            results = [front_result, *body]
            placed = _placement(results, book.config.page_count_multiple)
            if gutter_for(len(placed) + inscriptions) <= gutter:
                break
            gutter = gutter_for(len(placed) + inscriptions)
        # Each reader's copy: only its front matter is laid out, the rest is the book's.
        fronts = layouts.run([_job(book, 0, inscribed(front, reader, book), stylesheets, 1) for reader in readers],
                             "inscribed front matters")
    cache.put_json("book-memory", memory_key, {"pages": len(placed), "anchors": folios_of_anchors})
    for result in results:  # the warnings of the layout the book has, in the book's order
        _report(result)
    report_fallbacks([finding for result in results + fronts for finding in result["fallbacks"]])
    progress(f"{len(placed)} pages: {layouts.laid_out} pieces laid out, "
             f"{len(results) - len(set(layouts.made) & {result['job'] for result in results})} from the cache")
    blank = _blank_page(book, gutter, cache)
    folios = [(str(results[place.piece]["start"] + place.page), results[place.piece]["first_lines"][place.page])
              for place in placed if place.piece is not None and place.piece > 0]
    layout = BookLayout(placed, results, blank, page_starts([(label, tuple(first) if first else None)
                                                              for label, first in folios]), book.config.pdf_variant)
    if fronts:
        book_front, *fronts = sharing_fonts([results[0], *fronts])
        layout.pieces = [book_front, *results[1:]]
        layout.copies = [replace(layout, placed=_placement([front, *results[1:]], book.config.page_count_multiple),
                                 pieces=[front, *results[1:]]) for front in fronts]
    return layout


def write_pdf(layout: BookLayout, book: Book, target: Path, cache: BuildCache) -> int:
    """Join the laid-out pieces into the book's PDF; return its page count."""
    return _joined(layout, book.modified, target, cache)


@contextmanager
def pdf_written_apart(layout: BookLayout, book: Book, target: Path, cache: BuildCache,
                      jobs: int) -> Iterator[Callable[[], int]]:
    """write_pdf in a process of its own (the pieces in the cache and their order are all the join
    reads), while this one goes on (to write the EPUB); yields the function that waits for it. A long
    book is joined here (see BESIDE_UP_TO)."""
    if jobs == 1 or layout.pages > BESIDE_UP_TO:
        yield lambda: write_pdf(layout, book, target, cache)
        return
    with ProcessPoolExecutor(1, mp_context=fork_server()) as joiner:
        joining = joiner.submit(_joined, layout, book.modified, target, cache)
        yield joining.result


def _joined(layout: BookLayout, modified: datetime, target: Path, cache: BuildCache) -> int:
    # Only the book's date is needed of it (a process of its own gets no more than that).
    with source_date(modified):  # the fonts subset for the whole book are stamped with the book's date
        join(layout.placed, layout.pieces, layout.blank, cache, layout.pdf_variant, target)
    give_back_memory()  # the joined book's objects, freed, would otherwise stay the build's to the end
    return layout.pages


def _set_body(all_pieces: list[Piece], stylesheets: tuple[tuple[str, str], ...], folios_of_anchors: dict[str, int],
              layouts: _Layouts) -> list[dict]:
    """Lay out the parts' pages, the chapters and the back matter, until every "see p. N" is right."""
    for _ in range(MAX_ROUNDS):
        body = [_with_page_numbers(piece, folios_of_anchors) for piece in all_pieces[1:]]
        results = layouts.body(body, stylesheets, folios_of_anchors, front=all_pieces[0])
        folios_of_anchors = _anchor_folios(results)
        before = [_page_numbers(piece) for piece in body]
        if before == [_page_numbers(_with_page_numbers(piece, folios_of_anchors)) for piece in body]:
            return results
    return results


def _anchor_folios(body: list[dict]) -> dict[str, int]:
    return {name: result["start"] + page for result in body for name, page in result["anchors"].items()}


def _with_page_numbers(piece: Piece, folios_of_anchors: dict[str, int]) -> Piece:
    for link in piece.links():
        folio = folios_of_anchors.get(link.get("href", "")[1:])
        link.set(PAGE_ATTRIBUTE, str(folio) if folio is not None else "?")
    return piece


def _page_numbers(piece: Piece) -> list[str]:
    return [link.get(PAGE_ATTRIBUTE) for link in piece.links()]


def _placement(results: list[dict], multiple: int) -> list[Placed]:
    """The book's pages: each piece from a right-hand page (a blank before it where needed), and blank
    pages at the end to an even count (or whole signatures)."""
    placed: list[Placed] = []
    for index, result in enumerate(results):
        if len(placed) % 2:
            placed.append(Placed(None, 0))
        placed += [Placed(index, page) for page in range(result["pages"])]
    placed += [Placed(None, 0)] * (-len(placed) % multiple)
    return placed


def _estimated_pages(book: Book, theme: Theme, all_pieces: list[Piece]) -> int:
    """A first guess at the page count, from the text's length, for the first gutter."""
    width, height = book.config.trim_inches
    text_block = max(1.0, (width - 1.6) * (height - 1.45))
    characters = sum(len("".join(piece.root.itertext())) for piece in all_pieces)
    pages = characters * page_scale(theme, book.config.theme_size) / (CHARS_PER_SQUARE_INCH * text_block)
    return int(pages) + 2 * len(all_pieces)


def _stylesheets(book: Book, theme: Theme, gutter: float) -> tuple[tuple[str, str], ...]:
    css = "\n".join([theme.font_face_css(), with_fallbacks(theme.shared_css + "\n" + theme.print_css),
                     page_css(book, gutter), press_css(book)])
    sheets = [(css, theme.folder.as_uri() + "/")]
    if theme.book_css:
        sheets.append((with_fallbacks(theme.book_css), theme.book_css_folder.as_uri() + "/"))
    return tuple(sheets)


def _job(book: Book, index: int, piece: Piece, stylesheets: tuple[tuple[str, str], ...], start: int | None) -> PieceJob:
    html = piece.html()
    return PieceJob(index, piece.name, html, stylesheets, _content_key(book, index, html, stylesheets), start)


def _content_key(book: Book, index: int, html: str, stylesheets: tuple[tuple[str, str], ...]) -> str:
    """Everything a piece's pages depend on, but its folios. The book's date (its latest essay's, when
    the essays have none) is the PDF's: only the front matter's metadata goes into the book, so
    editing one essay does not make every chapter new."""
    pictures = [_digest(image.source) for image in book.images if f'"{image.name}"' in html]
    profile = _digest(book.root / book.config.output_profile) if book.config.output_profile else ""
    date = book.modified.isoformat() if index == 0 else ""
    return content_key("piece", html, stylesheets, pictures, profile, fonts_identity(), book.config.pdf_variant, date)


def _digest(path: Path) -> str:
    stat = path.stat()
    return _file_digest(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4096)
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    return file_digest(path)


@lru_cache(maxsize=1)
def fonts_identity() -> str:
    """The fallback fonts installed (the theme's own are named in its CSS): a package update changes pages."""
    return content_key([(str(face.path), face.path.stat().st_size, face.path.stat().st_mtime_ns)
                        for face in fallback_faces()])


def _blank_page(book: Book, gutter: float, cache: BuildCache) -> bytes:
    """A page with nothing on it (crop marks, where the book has them), for a piece to open on the right;
    kept in the cache by its stylesheet (WeasyPrint takes a fifth of a second to set it)."""
    css = page_css(book, gutter)

    def drawn() -> bytes:
        document = weasyprint.HTML(string="<html><body></body></html>").render(stylesheets=[weasyprint.CSS(string=css)])
        return document.write_pdf()

    return cache.remember("blank-page", content_key("blank page", css), drawn)


class _Layouts:
    """Runs layout jobs, from the cache when it has them, else in a pool of workers (or in this process)."""

    def __init__(self, book: Book, theme: Theme, cache: BuildCache, jobs: int, count: int,
                 progress: Callable[..., None]):
        self.book, self.theme, self.cache, self.jobs, self.progress = book, theme, cache, jobs, progress
        # Workers start from a small process that has only imported chapbook, not from this one, which
        # holds the whole book: their memory is their chapter's.
        self.context = fork_server()
        self.counts = self.context.RawArray("i", count) if jobs > 1 else [-1] * count
        self.pool: ProcessPoolExecutor | None = None
        self.laid_out = 0  # layout jobs run (a piece set again for its page numbers counts again)
        self.made: dict[str, dict] = {}  # this build's layouts, by job key (with --no-cache, the only ones)
        self.pages: dict[str, int] = {}  # this build's page counts, by content key (likewise)
        self.ahead: dict[str, Future] = {}  # pieces laid out before they were asked for, by job key

    def __enter__(self) -> _Layouts:
        # The jobs carry the chapters' text: the workers' book need not.
        book = replace(self.book, essays=tuple(replace(essay, xhtml="") for essay in self.book.essays))
        self.state = WorkerState(book, self.theme, self.cache, self.book.config.pdf_variant, self.counts,
                                 known_coverage())
        piece_job.start_worker(self.state)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            # The workers end with the layout: joining the book beside them took the peak past a worker's memory.
            self.pool.shutdown(cancel_futures=True)
        piece_job.STATE = None

    def body(self, body: list[Piece], stylesheets: tuple[tuple[str, str], ...], folios: dict[str, int],
             front: Piece | None = None) -> list[dict]:
        """Lay out the body pieces: first those whose page count is not known, then those whose
        folios are not yet in the cache. Returns each piece's layout, in order.

        The first are handed to the workers in order, a few at a time, each with the pages of the
        places it links to as far as the pieces laid out before it know them: a link back to an
        earlier chapter (most of a blog's) is right the first time. The front matter is laid out beside
        the last of them (front_ahead)."""
        jobs = [_job(self.book, index, piece, stylesheets, None) for index, piece in enumerate(body, start=1)]
        for job in jobs:
            known = self.pages.get(job.key)
            if known is None:
                known = self.cache.get_json("piece-pages", job.key)
            self.counts[job.index] = known if isinstance(known, int) else -1
        folios = dict(folios)

        def learn(result: dict) -> None:
            folios.update({name: result["start"] + page for name, page in result["anchors"].items()})

        def when_handed_out(job: PieceJob) -> Callable[[], PieceJob]:
            piece = body[job.index - 1]
            return lambda: _job(self.book, job.index, _with_page_numbers(piece, folios), stylesheets, None)

        def front_ahead() -> bool:
            # The last pieces are being laid out and every page count is known (a worker tells its
            # piece's before drawing it), so every piece's first folio is; the anchors of the pieces not
            # yet done are guessed to be on their first page (the front matter links to chapter
            # openings). Laid out now, on the worker that would wait, the front matter is most likely
            # the one the book needs; run() takes it only if it is that same piece (its HTML, so its
            # every folio).
            counts = [self.counts[job.index] for job in jobs]
            if min(counts) < 0:
                return False
            starts = list(accumulate((count + count % 2 for count in counts[:-1]), initial=1))
            guessed = {name: start for piece, start in zip(body, starts) for name in piece.root.xpath("//@id")}
            self.lay_out_ahead(_job(self.book, 0, _with_page_numbers(front, {**guessed, **folios}), stylesheets, 1))
            return True

        new = [when_handed_out(job) for job in jobs if self.counts[job.index] < 0]
        first = self._lay_out(new, "chapters", learn, front_ahead if front is not None else None)
        laid_out = {result["name"]: result for result in first}
        starts, folio = [], 1
        for job in jobs:
            starts.append(folio)
            folio += self.counts[job.index] + self.counts[job.index] % 2
        results = [laid_out.get(job.name) or self._cached(job.key, start) for job, start in zip(jobs, starts)]
        missing = [PieceJob(job.index, job.name, job.html, job.stylesheets, job.key, start)
                   for job, start, result in zip(jobs, starts, results) if result is None]
        made = {result["name"]: result for result in self.run(missing, "chapters with new page numbers")}
        return [result or made[job.name] for job, result in zip(jobs, results)]

    def _cached(self, key: str, start: int) -> dict | None:
        made = self.made.get(job_key(key, start))
        if made is not None:
            return made
        result = self.cache.get_json("piece", job_key(key, start))
        if result is None or self.cache.get("piece-pdf", job_key(key, start)) is None:
            return None
        return result

    def lay_out_ahead(self, job: PieceJob) -> None:
        """Start laying out a piece on a worker before it is asked for (run() takes it if it is)."""
        key = job_key(job.key, job.start)
        if self.pool is not None and key not in self.ahead and self._cached(job.key, job.start) is None:
            self.ahead[key] = self.pool.submit(_guarded, job)

    def _taken_ahead(self, job: PieceJob, what: str) -> dict | None:
        ahead = self.ahead.pop(job_key(job.key, job.start), None)
        if ahead is None:
            return None
        started = time.perf_counter()
        try:
            result = ahead.result()
        except BrokenProcessPool:
            raise _worker_stopped() from None
        self._record(result)
        self.progress(f"laid out 1/1 {what} (beside the last chapter; then waited {time.perf_counter() - started:.0f} s)",
                      1, 1)
        return result

    def run(self, jobs: list[PieceJob], what: str) -> list[dict]:
        """Lay out these pieces (a cached layout, or one laid out ahead, is taken as it is); return their
        layouts in order."""
        results: list[dict | None] = []
        for job in jobs:
            results.append((self._taken_ahead(job, what) or self._cached(job.key, job.start))
                           if job.start is not None else None)
        todo = [job for job, result in zip(jobs, results) if result is None]
        if todo:
            made = iter(self._lay_out(todo, what))
            results = [result if result is not None else next(made) for result in results]
        return results

    def _record(self, result: dict) -> None:
        self.made[result["job"]] = result
        self.pages[result["key"]] = result["pages"]
        self.laid_out += 1

    def _lay_out(self, jobs: list[PieceJob | Callable[[], PieceJob]], what: str,
                 learn: Callable[[dict], None] = lambda _: None,
                 all_handed_out: Callable[[], bool] | None = None) -> list[dict]:
        """Lay out these pieces, in order; a job may be made only as it is handed out (see body()).
        Once every piece is handed out, `all_handed_out` is called every 20 ms until it returns True."""
        if not jobs:  # every piece from the cache: no workers to start
            return []
        started = time.perf_counter()
        done: list[dict] = []

        def record(result: dict) -> None:
            self._record(result)
            done.append(result)
            learn(result)
            self.progress(f"laid out {len(done)}/{len(jobs)} {what} ({time.perf_counter() - started:.0f} s)",
                          len(done), len(jobs))

        ready = (job() if callable(job) else job for job in jobs)
        # One piece alone (the front matter, an edited essay) is laid out here unless workers are up:
        # starting one costs more than the piece; a worker has the stylesheets parsed already.
        if self.jobs == 1 or (len(jobs) == 1 and self.pool is None):
            for job in ready:
                record(_guarded(job))
            return done
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=self.context, initializer=piece_job.start_worker,
                                            initargs=(self.state,), max_tasks_per_child=TASKS_PER_WORKER)
        # One job a worker and one waiting: enough to keep every core busy, few enough that a job is made
        # late, when the pieces before it are done. A worker that finishes takes the next job at once,
        # even while an earlier, longer piece is still being laid out; the results are recorded (and
        # what they teach of page numbers learnt) in the book's order.
        numbered = enumerate(ready)
        running: dict[Future, int] = {}  # each job handed out, by its place in the list
        finished: dict[int, dict] = {}  # laid out, waiting for the pieces before to be recorded

        handed = 0

        def hand_out(count: int) -> None:
            nonlocal handed
            for place, job in islice(numbered, count):
                running[self.pool.submit(_guarded, job)] = place
                handed += 1

        hand_out(self.jobs + 1)
        try:
            while running:
                # Once all is handed out, a page count that comes in may be what all_handed_out waits for.
                waiting = all_handed_out is not None and handed == len(jobs)
                completed, _ = wait(running, timeout=0.02 if waiting else None, return_when=FIRST_COMPLETED)
                for future in completed:
                    finished[running.pop(future)] = future.result()
                while len(done) in finished:
                    record(finished.pop(len(done)))
                hand_out(len(completed))
                if all_handed_out is not None and handed == len(jobs) and running and all_handed_out():
                    all_handed_out = None
        except BrokenProcessPool:
            raise _worker_stopped() from None
        return done


def _worker_stopped() -> ChapbookError:
    return ChapbookError(None, None, "a layout worker stopped before it finished (out of memory?); build again "
                         "with -j 1 to lay out one chapter at a time")


def _guarded(job: PieceJob) -> dict:
    """Lay out a piece; if it fails, say so to the pieces waiting for its page count."""
    try:
        return lay_out_piece(job)
    except BaseException:
        piece_job.STATE.counts[job.index] = FAILED
        raise
    finally:
        give_back_memory_when_grown()


def _report(result: dict) -> None:
    """Pass a piece's warnings on to the build, as if they had come from this process."""
    said_again(result["warnings"])
