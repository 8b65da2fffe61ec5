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
from .pipeline import FORMATS, build, chosen_editions, cover
from .preflight import check_pdf

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

COVER_HELP = """\
Write OUTDIR/<title-slug>-cover.pdf: the paperback's cover as the printer wants it, one sheet
with the back (the book's description, and room for the barcode), the spine and the front (the
theme's cover, or the book's cover picture), with bleed all round. The spine is as wide as the
interior that `chapbook build` writes is thick on the book's paper (KDP's figures); books of 80
pages or more get the title and author on it."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 already; keep its wording, add the hint
        self.print_usage(sys.stderr)
        self.exit(2, f"chapbook: error: {message}\nTry 'chapbook --help'.\n")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f'must be a whole number of 1 or more, got "{text}"')
    return int(text)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chapbook", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"chapbook {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
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
    build_parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    build_parser.add_argument("-v", "--verbose", action="store_true",
                              help="print every warning as it comes (else the first few of each kind)")
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
        command.add_argument("--no-cache", action="store_true",
                             help="lay out every page anew, neither reading nor keeping OUTDIR/.chapbook-cache")
        command.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                             help="lay out N chapters at once (default: one a core; 1: in one process)")
    check_parser = commands.add_parser(
        "check", help="preflight a built PDF as a print shop would",
        description="Read a built PDF and report what a printer checks: trim and bleed, every font "
                    "embedded, images below 300 dpi at their printed size, the inside margin against the "
                    "page count (KDP's table), text too close to the trim. Exit status 1 if anything fails.",
    )
    check_parser.add_argument("pdf", metavar="PDF", help="the PDF to check, e.g. dist/small-hours.pdf")
    return parser


def check(pdf: str) -> int:
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


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    if args.command == "check":
        return check(args.pdf)
    warnings = _WarningPrinter(verbose=getattr(args, "verbose", False))
    logger = logging.getLogger("chapbook")
    logger.addHandler(warnings)
    logger.propagate = False
    progress = Progress(quiet=args.quiet, terminal=sys.stderr.isatty())
    options = {"use_cache": not args.no_cache, "jobs": args.jobs}
    try:
        check_output(Path(args.source), Path(args.output))
        editions = chosen_editions(Path(args.source), args.edition or [])
        if args.command == "cover":
            if len(editions) > 1:
                raise UsageError(None, None, "--edition: the cover is of one edition at a time; name one")
            result = cover(Path(args.source), Path(args.output), progress, **options, edition=editions[0])
        else:
            formats = FORMATS if args.format == "all" else (args.format,)
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
    pages = f", {result.pages} pages" if result.pages is not None else ""
    progress(f"{result.chapters} chapters{pages}, {len(warnings.warnings)} warnings, "
             f"{result.seconds:.1f} s, peak memory {peak_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
