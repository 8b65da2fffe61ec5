"""The one exception root, and the warning channel every stage reports through."""

from __future__ import annotations

import logging
import re
import reprlib
import tomllib
from pathlib import Path
from typing import Any

# Stages warn here; the CLI is the only place that decides how warnings are shown.
log = logging.getLogger("chapbook")


def shown(path: Path) -> Path:
    """Show paths relative to where the user stands, when that is shorter."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def where(path: Path | str, line: int | None = None) -> str:
    """Format a location the way compilers do, so editors can jump to it."""
    return f"{path}:{line}" if line else f"{path}"


def shortened(text: str, limit: int = 80) -> str:
    """A quoted value as a message shows it: a data: URL can be megabytes long."""
    return text if len(text) <= limit else text[: limit - 20] + "…"


def warn(path: Path | str, line: int | None, message: str) -> None:
    """Report a problem the build can go on past."""
    log.warning("%s: %s", where(path, line), message)


def said_again(warnings: list[tuple[str, str]]) -> None:
    """Say warnings another process (or the build that made the book) gave, as if given here."""
    for place, message in warnings:
        log.warning("%s: %s", place, message)


class WarningLog(logging.Handler):
    """Collects the build's warnings, each as (place, message), in the order they came."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        place, message = record.args if isinstance(record.args, tuple) and len(record.args) == 2 else ("", record.getMessage())
        self.warnings.append((str(place), str(message)))


def kind_of(message: str) -> str:
    """What a warning says, less its particulars (the quoted names, the numbers, the advice after ";"):
    367 "no alt text" lines are one kind."""
    head = message.split("; ")[0]
    head = re.sub(r'"[^"]*"|\S{30,}', "…", head)  # names, and addresses or data too long to be words
    return re.sub(r"\d+", "N", head).strip()


def grouped(warnings: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The warnings by kind, the most frequent kind first, each kind in the order its warnings came."""
    kinds: dict[str, list[tuple[str, str]]] = {}
    for place, message in warnings:
        kinds.setdefault(kind_of(message), []).append((place, message))
    return sorted(kinds.values(), key=lambda group: -len(group))


def warnings_report(warnings: list[tuple[str, str]]) -> str:
    """Every warning of a build, by kind, as the text of the report beside the book."""
    lines = [f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}, by kind", ""]
    for group in grouped(warnings):
        lines.append(f"{len(group)} x {kind_of(group[0][1])}")
        lines += [f"  {where_}: {message}" if where_ else f"  {message}" for where_, message in group]
        lines.append("")
    return "\n".join(lines)


class ChapbookError(Exception):
    """A problem in the user's input that stops the build; shown without a traceback."""

    exit_status = 1

    def __init__(self, path: Path | str | None, line: int | None, message: str):
        self.path = path
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __reduce__(self) -> tuple:  # raised in a layout worker, it crosses to the build's process whole
        return type(self), (self.path, self.line, self.message)

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        return f"{where(self.path, self.line)}: {self.message}"


class UsageError(ChapbookError):
    """The command line itself is wrong."""

    exit_status = 2


# A value a message quotes is cut short: front matter can hold a megabyte of text, or a list of lists.
_SHORT = reprlib.Repr()  # Python 3.11's takes no arguments
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict = 2, 60, 60, 4, 4


def brief(value: Any) -> str:
    """A value as a message quotes it (repr), cut to a few dozen characters."""
    return _SHORT.repr(value)


def parse_toml(path: Path | str, text: str, *, first_line: int = 1, what: str = "") -> dict[str, Any]:
    """tomllib.loads, every mistake an error at its line: text is the file's from first_line on, and
    what names it in the message ("front matter"). Arrays nested so deep that tomllib recurses until
    Python stops it (a = [[[[…]]]]) are one of those mistakes."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, message = split_toml_error(error)
    except RecursionError:
        line, message = deepest_line(text), "arrays or tables are nested too deeply to read"
    line = line or text.rstrip("\n").count("\n") + 1  # "at end of document": the last line
    raise ChapbookError(path, first_line - 1 + line, f"{what + ' is not valid TOML: ' if what else ''}{message}; "
                        "fix the TOML syntax") from None


def deepest_line(text: str) -> int:
    """The line (from 1) that opens the most brackets: where nesting too deep to read is written."""
    lines = text.split("\n")
    return max(range(len(lines)), key=lambda index: lines[index].count("[") + lines[index].count("{")) + 1


def split_toml_error(error: tomllib.TOMLDecodeError) -> tuple[int | None, str]:
    """tomllib puts the position inside its message; take it out as a line number."""
    match = re.search(r"\s*\(at line (\d+), column \d+\)$", str(error))
    if not match:
        match = re.search(r"\s*\(at end of document\)$", str(error))
        return None, str(error)[: match.start()] if match else str(error)
    return int(match[1]), str(error)[: match.start()]
