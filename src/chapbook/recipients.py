"""book.toml's recipients: the readers a copy is inscribed to, from a list or a CSV file in the book folder.

    recipients = ["Mum", "Sam Lee"]
    recipients = [{ name = "Mum", line = "Happy birthday" }, "Sam Lee"]
    recipients = "readers.csv"        # name,line a row; a first row "name,line" is a header

Each copy is written as <slug>-for-<stem>: the stem is the name folded to plain Latin letters (Zoë →
zoe), or for a name with none (李白) "reader-" and a hash of it, unique in the book (sam-lee-2).
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ChapbookError, shown
from .sources.characters import shows, xml_values
from .sources.essays import decode_utf8, slugify

MOST_RECIPIENTS = 500  # each is a book written: a list longer than this is a mistake
LONGEST_NAME = 200
STEM_LENGTH = 40


@dataclass(frozen=True)
class Recipient:
    """A reader a copy is inscribed to: "For <name>", an optional line under it, and its files' stem."""

    name: str
    line: str = ""
    stem: str = ""  # the file-name part: <slug>-for-<stem>.epub

    def identifier(self, book_identifier: str) -> str:
        """The copy's own EPUB identifier, the same on every rebuild: from the book's and the name (and the
        stem, which tells two readers of one name apart)."""
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{book_identifier}#for:{self.name}:{self.stem}')}"


def read_recipients(path: Path, line: int | None, value: Any, folder: Path) -> tuple[Recipient, ...]:
    """book.toml's recipients (at path:line): a list of names (or {name, line} tables), or a CSV file's name."""
    if isinstance(value, str) and value.strip():
        readers = _from_csv(path, line, folder, value.strip())
    elif isinstance(value, list):
        readers = [_from_item(path, line, item) for item in value]
    else:
        raise ChapbookError(path, line, 'recipients must be a list of names, ["Mum", "Sam Lee"], or a CSV file in '
                            f'the book folder, "readers.csv"; got {value!r:.60}')
    if len(readers) > MOST_RECIPIENTS:
        raise ChapbookError(path, line, f"{len(readers)} recipients: more than {MOST_RECIPIENTS} copies is "
                            "surely a mistake; split the list into editions")
    return with_stems(readers)


def _from_item(path: Path, line: int | None, item: Any) -> Recipient:
    if isinstance(item, dict) and set(item) <= {"name", "line"} and isinstance(item.get("line", ""), str):
        item, under = item.get("name"), item.get("line", "")
    else:
        under = ""
    if not isinstance(item, str):
        raise ChapbookError(path, line, 'each recipient is a name in quotes, or { name = "Mum", line = "..." }; '
                            f"got {item!r:.60}")
    return _recipient(path, line, item, under)


def _recipient(path: Path, line: int | None, name: str, under: str) -> Recipient:
    name, under = " ".join(name.split()), " ".join(under.split())
    if not shows(name):
        raise ChapbookError(path, line, "a recipient has no name; give each copy's reader a name")
    if len(name) > LONGEST_NAME or len(under) > 4 * LONGEST_NAME:
        raise ChapbookError(path, line, f"a recipient's name is over {LONGEST_NAME} characters (its line over "
                            f"{4 * LONGEST_NAME}); shorten it")
    return Recipient(name, under)


def _from_csv(toml: Path, line: int | None, folder: Path, name: str) -> list[Recipient]:
    """Rows of name and an optional line; a first row that says "name" is a header; blank rows are skipped."""
    path = folder / name
    if not path.resolve().is_relative_to(folder.resolve()) or not path.is_file():
        raise ChapbookError(toml, line, f'recipients "{name}" is not a CSV file inside the book folder')
    display = shown(path)
    rows = csv.reader(io.StringIO(decode_utf8(display, path.read_bytes()).removeprefix("\ufeff"), newline=""),
                      strict=True)
    readers = []
    try:
        for row in rows:
            cells = [cell.strip() for cell in xml_values(row)]
            if not any(cells) or (rows.line_num == 1 and cells[0].casefold() == "name"):
                continue
            if len(cells) > 2:
                raise ChapbookError(display, rows.line_num, f"a row has {len(cells)} cells; give a name and, if you "
                                    'like, one line under it: Sam Lee,"For the long nights" (quote a line with '
                                    "a comma)")
            readers.append(_recipient(display, rows.line_num, cells[0], cells[1] if len(cells) > 1 else ""))
    except csv.Error as error:
        raise ChapbookError(display, rows.line_num, f"not a CSV row chapbook can read ({error}); check its quotes") from None
    return readers


def with_stems(readers: list[Recipient]) -> tuple[Recipient, ...]:
    """Each reader with a file-name stem of plain Latin letters, unique among the copies."""
    taken: set[str] = set()
    result = []
    for reader in readers:
        folded = unicodedata.normalize("NFKD", reader.name).encode("ascii", "ignore").decode()
        base = slugify(folded)[:STEM_LENGTH].strip("-") if any(char.isalnum() for char in folded) else \
            f"reader-{hashlib.sha256(reader.name.encode()).hexdigest()[:8]}"
        stem, counter = base, 2
        while stem in taken:
            stem, counter = f"{base}-{counter}", counter + 1
        taken.add(stem)
        result.append(Recipient(reader.name, reader.line, stem))
    return tuple(result)


# "For" in the languages whose books chapbook has been checked in (as render.PART_WORDS); else English.
FOR_WORDS = {"en": "For", "fr": "Pour", "de": "Für", "es": "Para", "it": "Per", "pt": "Para", "nl": "Voor"}


def for_word(language: str) -> str:
    """The word an inscription starts with, in the book's language: "For Mum", "Pour Maman"."""
    return FOR_WORDS.get(language.split("-")[0].lower(), FOR_WORDS["en"])
