"""The one exception root, and the warning channel every stage reports through."""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path

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


def warn(path: Path | str, line: int | None, message: str) -> None:
    """Report a problem the build can go on past."""
    log.warning("%s: %s", where(path, line), message)


class ChapbookError(Exception):
    """A problem in the user's input that stops the build; shown without a traceback."""

    exit_status = 1

    def __init__(self, path: Path | str | None, line: int | None, message: str):
        self.path = path
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        return f"{where(self.path, self.line)}: {self.message}"


class UsageError(ChapbookError):
    """The command line itself is wrong."""

    exit_status = 2


def split_toml_error(error: tomllib.TOMLDecodeError) -> tuple[int | None, str]:
    """tomllib puts the position inside its message; take it out as a line number."""
    match = re.search(r"\s*\(at line (\d+), column \d+\)$", str(error))
    if not match:
        match = re.search(r"\s*\(at end of document\)$", str(error))
        return None, str(error)[: match.start()] if match else str(error)
    return int(match[1]), str(error)[: match.start()]
