"""Find the essay files of a book and read each into a SourceEssay."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ChapbookError, brief, shown, warn
from ..limits import BLOCK_CHARACTERS, longest_block
from .characters import shows, xml_text
from .frontmatter import FrontMatter, split_front_matter

MARKDOWN_SUFFIXES = {".md", ".markdown"}
# Zola and Hugo keep a section's settings in _index.md: it describes a folder, it is not an essay.
SECTION_FILES = {"_index.md", "_index.markdown"}
SKIPPED_FOLDERS = {"_drafts", "node_modules"}


@dataclass(frozen=True)
class SourceEssay:
    """One essay as written: its metadata and its Markdown body, not yet rendered."""

    path: Path
    title: str
    date: dt.date | None
    weight: int | None
    slug: str
    font_class: str | None
    epigraph_source: str | None  # [extra] epigraph_source: who the essay's quoted lyrics are by
    site_path: str | None  # where the site published it, when the front matter says (path, permalink, url)
    draft: bool
    body: str
    body_line: int  # the line of the file the body starts on, for messages
    categories: tuple[str, ...] = ()  # Jekyll puts them in a post's address: /family/2021/06/10/title.html
    aliases: tuple[str, ...] = ()  # other addresses the site serves it at (Zola, Hugo aliases; Jekyll redirect_from)
    # The front matter as written, for the generator's own address rules (path, url, slug, permalink).
    front: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


def in_book(path: Path, book: Path) -> bool:
    """Whether the path is a plain file in the book folder, its symbolic links followed: a link may point
    anywhere (~/.ssh), and a pipe or a device named like an essay would never finish reading."""
    return path.is_file() and path.resolve().is_relative_to(book.resolve())


def find_essays(root: Path, exclude: tuple[Path, ...] = (), book: Path | None = None) -> list[Path]:
    """List the Markdown files under root in a stable order, leaving out hidden and excluded folders, and
    (with a warning) links to files outside the book folder (by default, root)."""
    book = book or root
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") or part in SKIPPED_FOLDERS for part in relative.parts):
            continue
        if any(path.is_relative_to(folder) for folder in exclude):
            continue
        if path.suffix.lower() not in MARKDOWN_SUFFIXES or not path.is_file():
            continue
        if not in_book(path, book):
            warn(shown(book) / path.relative_to(book), None, "is a link to a file outside the book folder; it is left "
                 "out. Copy the file into the book to make it part of it")
        elif path.name not in SECTION_FILES:
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def section_file(folder: Path, book: Path) -> Path | None:
    """The folder's section file (_index.md), when it has one in the book (find_essays warns of the others)."""
    return next((folder / name for name in SECTION_FILES if in_book(folder / name, book)), None)


def section_sort_by(essay_path: Path, root: Path, book: Path) -> tuple[Path, str] | None:
    """The nearest section (_index.md) holding the essay that sets sort_by (Zola), and its value."""
    folder = essay_path.parent.parent if essay_path.stem == "index" else essay_path.parent
    while folder.is_relative_to(root):
        index = section_file(folder, book)
        value = _sort_by(index) if index is not None else None
        if value:
            return folder, value
        if folder == root:
            break
        folder = folder.parent
    return None


def _sort_by(index: Path) -> str | None:
    value = split_front_matter(index, decode_utf8(index, index.read_bytes())).data.get("sort_by")
    return value if isinstance(value, str) else None


def draft_sections(root: Path, book: Path) -> list[Path]:
    """The folders whose section file says draft = true: Zola and Hugo publish none of their pages."""
    folders = []
    for name in SECTION_FILES:
        for index in root.rglob(name):
            if not in_book(index, book):
                continue
            front = split_front_matter(index, decode_utf8(index, index.read_bytes()))
            if front.data.get("draft") is True:
                folders.append(index.parent)
    return folders


def read_essay(path: Path, display: Path) -> SourceEssay:
    """Read one essay; `display` is the path used in messages."""
    text = decode_utf8(display, path.read_bytes())
    front = split_front_matter(display, text)
    _check_blocks(display, front)
    meta = front.data
    body, heading_title = take_title_heading(front.body) if "title" not in meta else (front.body, None)
    title = next((name for name in (_string(display, front, "title"), heading_title) if shows(name)), None) \
        or title_from_name(path)
    extra = meta.get("extra") if isinstance(meta.get("extra"), dict) else {}
    font_class = extra.get("font_class", meta.get("font_class"))
    return SourceEssay(
        path=path,
        title=title,
        date=_date(display, front) or _date_from_name(path),
        weight=_weight(display, front),
        slug=_slug(display, front, path),
        font_class=str(font_class) if font_class else None,
        epigraph_source=str(extra["epigraph_source"]) if extra.get("epigraph_source") else None,
        site_path=next((str(meta[k]) for k in ("path", "permalink", "url") if isinstance(meta.get(k), str)), None),
        draft=meta.get("draft") is True or _unpublished(meta),
        body=body,
        body_line=front.body_line,
        categories=_categories(meta.get("categories", meta.get("category"))),
        aliases=_texts(meta.get("aliases", meta.get("redirect_from"))),
        front=meta,
    )


def _check_blocks(display: Path, front: FrontMatter) -> None:
    """A paragraph, list or table too long to lay out (see limits.py) is refused before it is read."""
    first, last, size = longest_block(front.body)
    if size > BLOCK_CHARACTERS:
        first, last = front.body_line - 1 + first, front.body_line - 1 + last
        lines = f"line {first} holds" if first == last else f"lines {first} to {last} hold"
        raise ChapbookError(display, first, f"{lines} {size:,} characters with no blank line between; chapbook sets "
                            f"a paragraph, list or table of up to {BLOCK_CHARACTERS:,} (some 80 pages). Break it up, "
                            "or split it across essays")


def _unpublished(meta: dict[str, Any]) -> bool:
    """Hugo's pages that are never rendered: a headless bundle, or _build render = never (or false)."""
    build = meta.get("_build") if isinstance(meta.get("_build"), dict) else {}
    return meta.get("headless") is True or build.get("render") in (False, "never", "false")


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _categories(value: Any) -> tuple[str, ...]:
    """Jekyll's categories: a list, or one string of words."""
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(str(item) for item in value if isinstance(item, (str, int)))
    return ()


def decode_utf8(display: Path, data: bytes) -> str:
    """Decode a file as UTF-8 with its lines ending in \\n (not Windows' \\r\\n, nor old Macs' \\r),
    pointing at the first bad byte's line if it is not UTF-8, and saying what it looks like instead."""
    try:
        return xml_text(data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n"))
    except UnicodeDecodeError as error:
        line = data[: error.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
        byte = data[error.start]
        raise ChapbookError(
            display, line, f"is not UTF-8 (byte 0x{byte:02X} here){_encoding_hint(data, byte)}; save the file as UTF-8"
        ) from None


def _encoding_hint(data: bytes, byte: int) -> str:
    """What text that is not UTF-8 most likely is, as editors name it in their "save as" menu."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ", it is UTF-16"
    if 0x80 <= byte <= 0x9F:  # where Windows puts curly quotes and dashes, and other encodings nothing
        return ", and looks like Windows-1252"
    if byte >= 0xA0:
        return ", and looks like Latin-1 or Windows-1252"
    return ""


def take_title_heading(body: str) -> tuple[str, str | None]:
    """Use a leading `# Heading` as the title when front matter gives none, and drop it from the body."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = re.match(r"#\s+(.+?)\s*#*\s*$", line)
        if match:
            return "\n".join(lines[:index] + [""] + lines[index + 1 :]), match[1]
        break
    return body, None


def _bare_name(path: Path) -> str:
    """The file's name without a date or number prefix; a page bundle is named by its folder."""
    stem = path.parent.name if path.stem == "index" else path.stem
    return re.sub(r"^(\d{4}-\d{2}-\d{2}-|\d+[-_])", "", stem) or stem


def title_from_name(path: Path) -> str:
    return _bare_name(path).replace("-", " ").replace("_", " ").strip().capitalize()


def _string(display: Path, front: FrontMatter, key: str) -> str | None:
    value = front.text(key)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ChapbookError(display, front.line_of(key), f"{key} must be text, got {brief(value)}")
    return str(value).strip() or None


def _weight(display: Path, front: FrontMatter) -> int | None:
    value: Any = front.data.get("weight")
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _is_whole(value):
        shown = f'"{value}"' if isinstance(value, str) and len(value) < 60 else brief(value)
        raise ChapbookError(
            display, front.line_of("weight"), f"weight must be a whole number, got {shown}; write one such as 3"
        )
    return int(value)


def _date_from_name(path: Path) -> dt.date | None:
    """Jekyll names posts YYYY-MM-DD-slug.md: the name holds the date when the front matter does not."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})-", path.name)
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        return None


def _is_whole(number: int | float) -> bool:
    return math.isfinite(number) and number == int(number)


def _date(display: Path, front: FrontMatter) -> dt.date | None:
    value: Any = front.data.get("date")
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
        except ValueError:
            pass
        # Jekyll reads dates as Ruby's Time.parse does: a day first, then whatever time it can make out.
        lenient = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})(?:[ T]|$)", value)
        if lenient:
            try:
                return dt.date(int(lenient[1]), int(lenient[2]), int(lenient[3]))
            except ValueError:
                pass
    raise ChapbookError(
        display, front.line_of("date"), f"date must be a date like 2024-03-09, got {brief(value)}"
    )


def slugify(text: str) -> str:
    """Make a name safe for a file in the EPUB and an id in the PDF."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "essay"


def _slug(display: Path, front: FrontMatter, path: Path) -> str:
    explicit = _string(display, front, "slug")
    if explicit:
        return slugify(explicit)
    site_path = _string(display, front, "path")
    if site_path:
        return slugify(site_path.strip("/").split("/")[-1])
    return slugify(_bare_name(path))
