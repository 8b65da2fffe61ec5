"""book.toml's [editions.NAME] tables: their names, and where in the file each one's options are set.

An edition is the book with some options set otherwise (a trim, a theme, a selection). Its table is
read by the same code as the top level (config.py), over the top level's values: to point a message
at a line of the table, that code is given the file with every line outside the table blanked out,
so the lines it finds are the table's own, numbered as in the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import ChapbookError, UsageError, parse_toml
from .sources.characters import xml_values
from .sources.essays import decode_utf8

# An edition's name is part of its files' names (small-hours-large.pdf): plain lower-case words.
EDITION_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
DEFAULT, ALL = "default", "all"  # on the command line: the book as the top level sets it; every edition and it
EDITIONS = "editions"


def _header(name: str) -> re.Pattern[str]:
    """A table header that belongs to this edition: [editions.NAME], [editions.NAME.x], [[editions.NAME.x]]."""
    return re.compile(rf"\s*\[\[?\s*{EDITIONS}\s*\.\s*(\"{re.escape(name)}\"|'{re.escape(name)}'|{re.escape(name)})"
                      r"\s*(\.\s*(?P<inner>[\w-]+)\s*)?\]\]?")


def header_line(text: str, name: str) -> int | None:
    """The line of the edition's own table header (else of the [editions] table, else None)."""
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if _header(name).match(line):
            return number
    return next((number for number, line in enumerate(lines, start=1)
                 if re.match(rf"\s*\[\s*{EDITIONS}\s*\]|\s*{EDITIONS}\s*[.=]", line)), None)


def table_text(text: str, name: str) -> str:
    """The file as the edition's table sees it: its own lines where they are, every other line blank, and
    its array tables ([[editions.NAME.parts]]) written as the top level writes them ([[parts]])."""
    kept, inside = [], False
    for line in text.splitlines():
        header = _header(name).match(line)
        if header:
            inside = True
            inner = header["inner"]
            kept.append(f"[[{inner}]]" if inner and line.lstrip().startswith("[[") else "")
            continue
        if re.match(r"\s*\[", line):  # another table begins: the edition's lines end
            inside = False
        kept.append(line if inside else "")
    return "\n".join(kept)


def edition_tables(path: Any, text: str, value: Any) -> dict[str, dict]:
    """The [editions.NAME] tables, each name checked to be safe in a file name."""
    if not isinstance(value, dict) or not all(isinstance(table, dict) for table in value.values()):
        raise ChapbookError(path, header_line(text, ""), "editions are tables, one an edition: "
                            '[editions.large] then its options, such as trim = "6x9"')
    for name in value:
        if not EDITION_NAME.fullmatch(name) or name in (DEFAULT, ALL):
            raise ChapbookError(path, header_line(text, name), f'"{name}" cannot name an edition: it is part of the '
                                'files\' names, so use lower-case letters, digits, "-" and "_" (up to 40; not '
                                '"default" or "all"), as in [editions.large-print]')
    return value


def edition_names(config: Path) -> list[str]:
    """The names of the editions a book.toml declares, in its order (none, without one)."""
    if not config.is_file():
        return []
    text = decode_utf8(config, config.read_bytes())
    return list(edition_tables(config, text, xml_values(parse_toml(config, text)).get(EDITIONS, {})))


def chosen(wanted: list[str], names: list[str], where: str) -> tuple[str, ...]:
    """The editions the command line asks for ("" the default book), in the order asked; `all` is the book
    and every edition. where names book.toml for the message about a name it does not have."""
    chosen_names: list[str] = []
    for asked in wanted:
        for name in (part.strip() for part in asked.split(",")):
            found = [DEFAULT, *names] if name == ALL else [DEFAULT] if name == DEFAULT else [name]
            if name not in (ALL, DEFAULT, *names):
                known = ", ".join(names) if names else "none"
                raise UsageError(None, None, f'--edition {name}: {where} has no edition "{name}" (its editions: '
                                    f'{known}); name one, or "all", or "default" for the book itself')
            chosen_names += [edition for edition in found if edition not in chosen_names]
    return tuple("" if name == DEFAULT else name for name in chosen_names)
