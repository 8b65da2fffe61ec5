"""Command line: arguments → pipeline → exit status. The only place that prints."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import resource
import sys
from pathlib import Path

from . import __version__
from .errors import ChapbookError, UsageError, WarningLog, grouped, shown
from .writers.workers import start_fork_server, worker_count

# The commands' own modules (the pipeline, WeasyPrint, the Markdown readers: most of a second) are
# imported by the command that runs them, once it has started what runs beside it (see main).

DESCRIPTION = """\
Compile a folder of Markdown essays (a blog's posts, with TOML +++ or YAML --- front
matter) into a book: an EPUB 3 and a print-ready PDF. Essays are ordered by their
`weight`, then `date`, then `title`; essays marked `draft = true` are left out."""

BUILD_HELP = """\
SOURCE is a book folder (with or without book.toml; defaults apply) or one Markdown file.
Every Markdown file below the folder is an essay, except _index.md files and hidden or
_drafts folders. book.toml sets title, author, language, trim (page size) and theme.

Outputs are written as OUTDIR/<title-slug>.epub and .pdf; a failed build leaves the
previous files as they were. OUTDIR must lie outside the book folder: a build never
writes into the book it reads. Exit status: 0 built, 1 a problem in the book (the message
names the file and line), 2 a mistake on the command line."""

SERVE_HELP = """\
Show the book in a browser while you write it: the print pages spread by spread with a contents to
jump to a chapter, the EPUB's chapters on a narrow or wide screen by day or night, and the warnings
of the last build. Every save of an essay, book.toml, a stylesheet or a picture builds the book
again (only what changed is laid out again) and the open page follows by itself; an error shows on
the page with its file and line until it is fixed. The server listens on 127.0.0.1 only and builds
into a temporary folder unless -o names one. Ctrl-C stops it."""

COVER_HELP = """\
Write OUTDIR/<title-slug>-cover.pdf: the paperback's cover as the printer wants it, one sheet
with the back (the book's description, and room for the barcode), the spine and the front (the
theme's cover, or the book's cover picture), with bleed all round. The spine is as wide as the
interior that `chapbook build` writes is thick on the book's paper (KDP's figures); books of 80
pages or more get the title and author on it."""


NEW_HELP = """\
Start a book. Given SITE (a Zola, Hugo or Jekyll site, or a folder of essays), write SITE/book.toml:
a book of a site is the site's folder with a book.toml in it. It sets what chapbook found (title,
author, language, address) and lists, as comments, the generator, the sections and how many essays
each holds, and the pages left out and why; every other option is there, commented out at its
default under its doc. Without SITE, in an empty folder (-o BOOK, default: the current folder),
write a starter book of two essays first. Both get styles/book.css for the book's own CSS.

Nothing is ever overwritten: a folder with a book.toml already is left as it is (exit status 1).
Then: chapbook build SITE -o OUTDIR, with OUTDIR outside the book folder (e.g. SITE/../dist)."""


PROOF_HELP = """\
Write contact sheets of the print edition as PNG pictures: its spreads as the book opens (the
first page alone on the right), several to a sheet, each page's folio under it, at 100 dpi so the
text reads on a screen at 100 %. A book folder is built first into OUTDIR as `build --format pdf`
would (unchanged since the last proof, it is not built again); a PDF is proofed as it is. Sheets go to
OUTDIR/<title-slug>-proof/sheet-NN.png, replacing the last proof's.

With --changed, the sheets (changed-NN.png) show only the spreads whose pixels differ from the last
proof without --changed, before and after, what changed outlined in red: for checking a reprint
before ordering proof copies. The last proof stays the one to compare with until a proof without
--changed replaces it. An edit that changes an essay's page count moves the pages after it: they
are shown as changed, as on paper they are."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 already; keep its wording, add the hint
        self.print_usage(sys.stderr)
        self.exit(2, f"chapbook: error: {message}\nTry 'chapbook --help'.\n")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f'must be a whole number of 1 or more, got "{text}"')
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f'must be a port number from 0 to 65535, got "{text}"')
    return int(text)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chapbook", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"chapbook {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    # --help lists the commands in the order they are added here: keep it the writer's loop,
    # new, serve, build, proof, check, cover (tests/test_new.py holds it to that order).
    new_parser = commands.add_parser(
        "new", help="start a book: book.toml for a site or folder of essays, or a starter book",
        description=NEW_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new_parser.add_argument("site", nargs="?", default=None, metavar="SITE",
                            help="a site's folder or a folder of essays to write book.toml into")
    new_parser.add_argument("-o", "--output", default=None, metavar="BOOK",
                            help="folder for a starter book (default: the current folder)")
    serve_parser = commands.add_parser(
        "serve", help="preview the book in a browser, rebuilt on every save", description=SERVE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve_parser.add_argument("source", nargs="?", default=".", metavar="SOURCE",
                              help="book folder or Markdown file (default: the current folder)")
    serve_parser.add_argument("--port", type=_port, default=8000, metavar="N",
                              help="the port on 127.0.0.1 to listen on (default: 8000; 0: any free one)")
    serve_parser.add_argument("-o", "--output", default=None, metavar="OUTDIR",
                              help="build into this folder and keep its cache (default: a temporary folder)")
    serve_parser.add_argument("--open", action="store_true", help="open the preview in the web browser")
    build_parser = commands.add_parser(
        "build", help="build the EPUB and the PDF", description=BUILD_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build_parser.add_argument("source", nargs="?", default=".", metavar="SOURCE",
                              help="book folder or Markdown file (default: the current folder)")
    build_parser.add_argument("-o", "--output", default="dist", metavar="OUTDIR",
                              help="folder to write the book into (default: ./dist)")
    build_parser.add_argument("--format", choices=("epub", "pdf", "all"), default="all",
                              help="which formats to write (default: all)")
    build_parser.add_argument("--booklet", action="store_true",
                              help="also write OUTDIR/<title-slug>-booklet.pdf, the PDF imposed to print at home "
                                   "and fold (as booklet = true in book.toml)")
    build_parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    build_parser.add_argument("-v", "--verbose", action="store_true",
                              help="print every warning as it comes (else the first few of each kind)")
    proof_parser = commands.add_parser(
        "proof", help="contact sheets of the print pages (PNG), spread by spread", description=PROOF_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    proof_parser.add_argument("source", nargs="?", default=".", metavar="SOURCE",
                              help="book folder, Markdown file or a built PDF (default: the current folder)")
    proof_parser.add_argument("-o", "--output", default="dist", metavar="OUTDIR",
                              help="folder the book is built into; the sheets go to OUTDIR/<title-slug>-proof "
                                   "(default: ./dist)")
    proof_parser.add_argument("--pages", metavar="RANGE", help='only the spreads touching these pages of the PDF, '
                              'counted from 1 as a PDF viewer counts them: "5-20" or "7"')
    proof_parser.add_argument("--changed", action="store_true",
                              help="only the spreads that differ from the last proof, before and after, "
                                   "what changed outlined in red")
    proof_parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    check_parser = commands.add_parser(
        "check", help="preflight a built PDF as a print shop would",
        description="Read a built PDF and report what a printer checks: trim and bleed, every font "
                    "embedded, images below 300 dpi at their printed size, the inside margin against the "
                    "page count (KDP's table), text too close to the trim. Exit status 1 if anything fails.",
    )
    check_parser.add_argument("pdf", metavar="PDF", help="the PDF to check, e.g. dist/small-hours.pdf")
    cover_parser = commands.add_parser(
        "cover", help="write the print cover wrap (back, spine, front) as a PDF", description=COVER_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cover_parser.add_argument("source", nargs="?", default=".", metavar="SOURCE",
                              help="book folder or Markdown file (default: the current folder)")
    cover_parser.add_argument("-o", "--output", default="dist", metavar="OUTDIR",
                              help="folder to write the cover into (default: ./dist)")
    cover_parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    for command in (build_parser, cover_parser):
        command.add_argument("--edition", action="append", metavar="NAME", help=(
            "build this edition of book.toml's [editions.NAME] (repeat, or separate with commas; \"all\": the book "
            "and every edition; \"default\": the book itself)" if command is build_parser else
            "the cover of this edition of book.toml's [editions.NAME]"))
    for command in (build_parser, proof_parser, cover_parser):
        command.add_argument("--no-cache", action="store_true",
                             help="lay out every page anew, neither reading nor keeping OUTDIR/.chapbook-cache")
        command.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                             help="lay out N chapters at once (default: one a core; 1: in one process)")
    return parser


def check(pdf: str) -> int:
    from .preflight import check_pdf

    path = Path(pdf)
    if not path.is_file():
        print(f"error: {path}: no such PDF; build the book first (chapbook build)", file=sys.stderr)
        return 1
    try:
        report = check_pdf(path)
    except Exception as error:  # a file that is not a PDF at all
        print(f"error: {path}: not a PDF chapbook can read ({error})", file=sys.stderr)
        return 1
    for line in report.ok:
        print(f"ok       {line}")
    for line in report.problems:
        print(f"PROBLEM  {line}")
    return 1 if report.problems else 0


def preview(args: argparse.Namespace) -> int:
    from .serve import serve  # the server's modules load only for this command

    source, output = Path(args.source), Path(args.output) if args.output else None
    try:
        if not source.exists():
            raise UsageError(None, None, f"{source}: no such folder or file; give the book folder (or run this in it)")
        if output is not None:
            check_output(source, output)
        return serve(source, output, args.port, args.open)
    except ChapbookError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_status


# Of each kind of warning, this many are shown in full on the terminal; the rest are counted.
SHOWN_PER_KIND = 3


class _WarningPrinter(WarningLog):
    """Prints each warning as it comes with -v; else keeps them to print by kind when the build ends."""

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        if self.verbose:
            print(f"warning: {record.getMessage()}", file=sys.stderr)

    def print_by_kind(self, report: Path | None) -> None:
        if self.verbose or not self.warnings:
            return
        for group in grouped(self.warnings):
            for place, message in group[:SHOWN_PER_KIND]:
                print(f"warning: {place}: {message}" if place else f"warning: {message}", file=sys.stderr)
            rest = group[SHOWN_PER_KIND:]
            if rest:
                places = ", ".join(place for place, _ in rest[:SHOWN_PER_KIND])
                more = " …" if len(rest) > SHOWN_PER_KIND else ""
                print(f"warning: and {len(rest)} more like it: {places}{more}", file=sys.stderr)
        if report is not None and len(self.warnings) > SHOWN_PER_KIND:
            print(f"chapbook: every warning, by kind, is in {report} (or run with -v)", file=sys.stderr)


class Progress:
    """What the build is doing, on standard error: a line a stage, and for counted work (chapters laid
    out) a bar redrawn in place on a terminal, or a line every tenth of the way when it is not one."""

    BAR = 30

    def __init__(self, quiet: bool, terminal: bool):
        self.quiet, self.terminal = quiet, terminal
        self.bar_shown = False

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        if self.quiet:
            return
        if done is None or not total:
            self.end_bar()
            print(f"chapbook: {message}", file=sys.stderr, flush=True)
        elif self.terminal:
            filled = self.BAR * done // total
            print(f"\rchapbook: [{'#' * filled}{'.' * (self.BAR - filled)}] {message}", end="", file=sys.stderr, flush=True)
            self.bar_shown = True
        elif done == total or done % max(1, total // 10) == 0:
            print(f"chapbook: {message}", file=sys.stderr, flush=True)

    def end_bar(self) -> None:
        if self.bar_shown:
            print(file=sys.stderr, flush=True)
            self.bar_shown = False


def check_output(source: Path, output: Path) -> None:
    """Refuse an output folder in the book folder (or a link into it): a build never writes into a book."""
    if source.is_dir():
        book = {Path(os.path.abspath(source)), source.resolve()}
        places = {Path(os.path.abspath(output)), output.resolve()}  # as written, and where its links lead
        if any(place.is_relative_to(folder) for place in places for folder in book):
            outside = os.path.relpath(source.resolve().parent / "dist")
            leads = f" (it leads to {shown(output.resolve())})" if output.is_symlink() else ""
            raise UsageError(None, None, f"-o {output}{leads} is inside the book folder {source}, and a build "
                                         f"never writes into the book it reads; give a folder outside it, "
                                         f"e.g. -o {outside}")
    if output.exists() and not output.is_dir():
        raise UsageError(None, None, f"-o {output} is a file, not a folder; give the folder to write the book into")


def file_system_error(error: OSError, output: str) -> str:
    """What to say when reading or writing a file failed, with what to do about it."""
    if error.strerror is None:  # not the file system's: a library's own error in a file it read
        return f"{error}; the previous book is untouched"
    # Past a file size limit (ulimit -f) a write fails with EFBIG: Python ignores SIGXFSZ, which would kill.
    if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return (f"{output}: {error.strerror} while writing the book; make room (or raise the file size limit) "
                f"and build again; the previous book is untouched")
    path = error.filename if isinstance(error.filename, (str, os.PathLike)) else None  # (pikepdf gives a file)
    if path is not None and Path(os.path.abspath(path)).is_relative_to(os.path.abspath(output)):
        return (f"{output}: {error.strerror}; the book cannot be written there: check the folder's permissions, "
                f"or give another with -o")
    return f"{path or output}: {error.strerror}; check the path and its permissions"


def new(site: str | None, book: str | None) -> int:
    from .starter import new_book

    warnings = _WarningPrinter(verbose=True)  # what reading the essays noticed, as it comes
    logger = logging.getLogger("chapbook")
    logger.addHandler(warnings)
    try:
        started = new_book(Path(site) if site else None, Path(book) if book else None)
    except ChapbookError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_status
    except OSError as error:
        print(f"error: {file_system_error(error, book or site or '.')}", file=sys.stderr)
        return 1
    finally:
        logger.removeHandler(warnings)
    for path in started.written:
        print(path)
    for path in started.kept:
        print(f"chapbook: {path} was there already; left as it was", file=sys.stderr)
    found = started.survey
    print(f"chapbook: {sum(found.sections.values())} essays in {len(found.sections)} "
          f"section{'s' if len(found.sections) != 1 else ''}, {len(found.left_out)} left out (see book.toml); "
          f"build with: chapbook build {os.path.relpath(started.book)} -o {os.path.relpath(started.book.resolve().parent / 'dist')}",
          file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if getattr(args, "booklet", False) and args.format == "epub":
        parser.error("--booklet imposes the PDF's pages; drop --format epub, or give --format pdf")
    if args.command == "check":
        return check(args.pdf)
    if args.command == "new":
        return new(args.site, args.output)
    if args.command == "serve":
        return preview(args)
    if (args.jobs or worker_count()) > 1:
        start_fork_server()  # it imports the layout code while this process imports the same, then reads
    from .pipeline import BOOKLET, FORMATS, build, chosen_editions, cover
    from .proof import parse_pages, proof_book

    warnings = _WarningPrinter(verbose=getattr(args, "verbose", False))
    logger = logging.getLogger("chapbook")
    logger.addHandler(warnings)
    logger.propagate = False
    progress = Progress(quiet=args.quiet, terminal=sys.stderr.isatty())
    options = {"use_cache": not args.no_cache, "jobs": args.jobs}
    try:
        check_output(Path(args.source), Path(args.output))
        editions = chosen_editions(Path(args.source), getattr(args, "edition", None) or [])
        if args.command == "cover":
            if len(editions) > 1:
                raise UsageError(None, None, "--edition: the cover is of one edition at a time; name one")
            result = cover(Path(args.source), Path(args.output), progress, **options, edition=editions[0])
        elif args.command == "proof":
            pages = parse_pages(args.pages) if args.pages is not None else None
            result = proof_book(Path(args.source), Path(args.output), pages, args.changed, progress, **options)
        else:
            formats = (FORMATS if args.format == "all" else (args.format,)) + ((BOOKLET,) if args.booklet else ())
            result = build(Path(args.source), Path(args.output), formats, progress, **options, editions=editions)
    except ChapbookError as error:
        progress.end_bar()
        warnings.print_by_kind(None)
        print(f"error: {error}", file=sys.stderr)
        return error.exit_status
    except OSError as error:
        progress.end_bar()
        print(f"error: {file_system_error(error, args.output)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("chapbook: stopped; the previous book is untouched", file=sys.stderr)
        return 130
    finally:
        logger.removeHandler(warnings)
    progress.end_bar()
    warnings.print_by_kind(next((path for path in result.written if path.name.endswith("-warnings.txt")), None))
    for path in result.written:
        print(path)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.command == "proof":
        shown = (f"{result.spreads} of {result.compared} spreads differ from the last proof" if result.changed_only
                 else f"{result.spreads} spreads of {result.pages} pages")
        progress(f"{shown}, on {len(result.written)} sheet(s), {result.seconds:.1f} s")
        return 0
    pages = f", {result.pages} pages" if result.pages is not None else ""
    progress(f"{result.chapters} chapters{pages}, {len(warnings.warnings)} warnings, "
             f"{result.seconds:.1f} s, peak memory {peak_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
