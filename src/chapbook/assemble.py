"""Sources → Book: find the essays, read them, put them in order and render their bodies."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import ftfy

from .config import BookConfig, load_config
from .errors import ChapbookError, shown, warn
from .markdown import render_body, render_title
from .model import Book, Essay, Image, reading_order_key
from .pictures import CONVERTIBLE, CORE_TYPES
from .sources import SourceEssay, find_essays, read_essay
from .sources.essays import slugify

# Ids inside an essay become "<chapter-slug>--<id>": slugs never hold "--", so no two chapters can clash.
ID_SEPARATOR = "--"
_ENCODING_ONLY = ftfy.TextFixerConfig(
    unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
    fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
    remove_control_chars=False, normalization=None,
)


def read_book(source: Path, exclude: tuple[Path, ...] = ()) -> Book:
    """Read a book folder (or a single Markdown file) into a Book."""
    if not source.exists():
        raise ChapbookError(source, None, "does not exist; name a folder of essays or a Markdown file")
    root = source if source.is_dir() else source.parent
    paths = find_essays(root, exclude) if source.is_dir() else [source]
    if not paths:
        raise ChapbookError(
            source, None, "holds no Markdown essays (*.md); add some, or name the folder that has them"
        )
    essays = [read_essay(path, shown(path)) for path in paths]
    # A single essay is a book of its own title; a folder is configured by its book.toml.
    config = load_config(root) if source.is_dir() else BookConfig(title=essays[0].title)
    published = [essay for essay in essays if not essay.draft]
    if not published:
        raise ChapbookError(source, None, "every essay here is a draft (draft = true); publish one to build a book")
    # A missing weight matters only when other essays have one: then it decides the place.
    weighted = any(essay.weight is not None for essay in published)
    for essay in published:
        if weighted and essay.weight is None:
            warn(shown(essay.path), None, "no weight in the front matter; it goes after the weighted essays")
    published.sort(key=lambda e: reading_order_key(e.weight, e.date, e.title))
    images = ImageRegistry(root)
    slugs = unique_slugs([e.slug for e in published])
    links = LinkTargets(root, {essay.path.resolve(): slug for essay, slug in zip(published, slugs)}, config.base_url)
    chapters = [_render(essay, slug, config, images, links) for essay, slug in zip(published, slugs)]
    return Book(config=config, essays=tuple(chapters), images=images.all(), root=root,
                modified=last_modified(published))


def last_modified(essays: list[SourceEssay]) -> dt.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the newest essay date, else the newest file."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except ValueError:
            raise ChapbookError(None, None, f'SOURCE_DATE_EPOCH must be whole seconds since 1970, got "{epoch}"') from None
    dates = [essay.date for essay in essays if essay.date]
    if dates:
        newest = max(dates)
        return dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.timezone.utc)
    return dt.datetime.fromtimestamp(int(max(essay.path.stat().st_mtime for essay in essays)), dt.timezone.utc)


def unique_slugs(slugs: list[str]) -> list[str]:
    """Two essays may share a slug; their file names and ids must not."""
    taken: set[str] = set()
    result = []
    for slug in slugs:
        unique, counter = slug, 2
        while unique in taken or (unique != slug and unique in slugs):
            unique, counter = f"{slug}-{counter}", counter + 1
        taken.add(unique)
        result.append(unique)
    return result


def repair_encoding(display: Path, text: str, first_line: int = 1) -> str:
    """Undo a bad encoding round-trip (`Iâ€™m` → `I’m`), line by line, saying how many lines it mended."""
    lines = text.split("\n")
    fixed = [_fix_line(line) if _looks_damaged(line) else line for line in lines]
    places = {number: _changed_places(old, new)
              for number, (old, new) in enumerate(zip(lines, fixed), start=first_line) if old != new}
    if places:
        count = sum(places.values())
        others = list(places)[1:6]
        also = f" (also on line {', '.join(map(str, others))}{'…' if len(places) > 6 else ''})" if others else ""
        warn(display, next(iter(places)), f"repaired {count} place{'s' if count != 1 else ''} damaged by a wrong "
             f"encoding{also}; check the text and save the fix in the file")
    return "\n".join(fixed)


def _changed_places(old: str, new: str) -> int:
    return sum(1 for op, *_ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if op != "equal")


def _fix_line(line: str) -> str:
    # A closing quote ” is E2 80 9D; 9D has no cp1252 character, so a lossy round-trip left "â€�".
    # Put the byte back so ftfy can decode it; nothing else common ends in that byte.
    return ftfy.fix_text(line.replace("â€\ufffd", "â€\x9d"), _ENCODING_ONLY)


def _looks_damaged(line: str) -> bool:
    # Cheap screen before ftfy: mojibake of UTF-8 read as cp1252/latin-1 starts with these.
    return any(ch in line for ch in "ÃÂâÅÄ")


def web_address(base_url: str, essay: SourceEssay, root: Path) -> str | None:
    """Where the site published the essay: its front matter's path, else its place under content/."""
    if not base_url:
        return None
    if essay.site_path:
        return base_url.rstrip("/") + "/" + essay.site_path.strip("/") + "/"
    content = next((folder for folder in (root, *root.parents) if folder.name == "content"), root)
    source = essay.path.resolve()
    folder = source.parent if source.stem == "index" else source.with_suffix("")
    try:
        relative = folder.relative_to(content).as_posix()
    except ValueError:
        relative = folder.name
    parts = [p for p in relative.split("/")[:-1]] + [essay.slug]
    return base_url.rstrip("/") + "/" + "/".join(parts) + "/"


def _render(essay: SourceEssay, slug: str, config: BookConfig, images: ImageRegistry, links: LinkTargets) -> Essay:
    display = shown(essay.path)
    body = repair_encoding(display, essay.body, essay.body_line)

    def file_line(line: int | None) -> int | None:
        return essay.body_line - 1 + line if line else None

    def resolve_image(src: str, alt: str, line: int | None) -> str | None:
        found = images.resolve(src, essay.path, display, file_line(line))
        if found and not alt.strip():
            warn(display, file_line(line), f'image "{src}" has no alt text, so a reader who cannot see it learns '
                 f"nothing; describe it: ![a lamp on a desk]({src}), or alt=\"…\" in a shortcode")
        return found

    def resolve_link(href: str, line: int | None) -> str | None:
        return links.resolve(href, essay.path, display, file_line(line))

    def warn_shortcode(name: str, line: int | None) -> None:
        warn(display, file_line(line), f'shortcode "{name}" is not one chapbook knows; the book keeps what is '
             "inside it and drops the call")

    def warn_math(message: str, line: int | None) -> None:
        warn(display, file_line(line), message)

    rendered = render_body(
        body, language=config.language, id_prefix=slug + ID_SEPARATOR,
        resolve_image=resolve_image, resolve_link=resolve_link, verse_detection=config.verse_detection,
        epigraph_source=essay.epigraph_source or config.epigraph_source,
        page_assets=page_assets(essay.path), warn_shortcode=warn_shortcode, warn_math=warn_math,
    )
    font_class = config.font_classes.get(essay.font_class, essay.font_class) if essay.font_class else None
    title = render_title(_fix_line(essay.title), language=config.language)
    return Essay(title=title, slug=slug, date=essay.date, weight=essay.weight,
                 web_address=web_address(config.base_url, essay, links.root),
                 font_class=slugify(font_class) if font_class else None, xhtml=rendered.xhtml, source=essay.path)


def page_assets(essay_path: Path) -> tuple[str, ...]:
    """The pictures beside a page bundle's index.md (Zola's and Hugo's page.assets), for galleries."""
    if essay_path.stem != "index":
        return ()
    return tuple(sorted(p.name for p in essay_path.parent.iterdir()
                        if p.suffix.lower() in CORE_TYPES or p.suffix.lower() in CONVERTIBLE))


class LinkTargets:
    """Where a link from one essay to another lands in the book."""

    def __init__(self, root: Path, slug_by_path: dict[Path, str], base_url: str = ""):
        self.root = root.resolve()
        self.slug_by_path = slug_by_path
        self.base_url = base_url

    def resolve(self, href: str, essay_path: Path, display: Path, line: int | None) -> str | None:
        """Return "#chapter" or "#chapter-anchor", or None (with a warning) when the book has no such page."""
        parts = urlsplit(href)
        path = unquote(parts.path)
        if path.startswith("@/"):
            # Zola's internal links are relative to content/: the book folder, a folder above it,
            # or the content/ folder of a whole site.
            bases = [base for folder in (self.root, *self.root.parents) for base in (folder, folder / "content")]
            path = path[2:]
        elif path.startswith("/"):
            bases = []  # a URL of the site itself: which page it is depends on the site's routes
        else:
            bases = [essay_path.parent]
        for base in bases:
            candidate = (base / path).resolve() if path else essay_path.resolve()
            if candidate.is_dir():
                candidate = candidate / "index.md"
            slug = self.slug_by_path.get(candidate) or self._section_start(candidate)
            if slug:
                return f"#{slug}{ID_SEPARATOR}{parts.fragment}" if parts.fragment else f"#{slug}"
        if self.base_url and href.startswith("@/"):
            # Zola's own rule for a page's address: its path under content/, without the file name.
            page = re.sub(r"(^|/)_?index\.md$|\.md$", "", path)
            address = self.base_url.rstrip("/") + "/" + (page.strip("/") + "/" if page.strip("/") else "")
            warn(display, line, f'link "{href}" points to a page that is not in this book; it links to {address}')
            return address + (f"#{parts.fragment}" if parts.fragment else "")
        warn(display, line, f'link "{href}" points to no essay in this book; its words are kept, without the link')
        return None


    def _section_start(self, candidate: Path) -> str | None:
        """A link to a section (Zola's and Hugo's _index.md) lands on the section's first chapter."""
        if candidate.name not in {"_index.md", "_index.markdown"}:
            return None
        # slug_by_path is in reading order, so the first match is where the section begins.
        return next((slug for path, slug in self.slug_by_path.items() if path.is_relative_to(candidate.parent)), None)


class ImageRegistry:
    """Collects the images essays use, each once, under a safe name inside the book."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._by_source: dict[Path, Image] = {}

    def resolve(self, src: str, essay_path: Path, display: Path, line: int | None) -> str | None:
        """Return the image's name in the book, or None (with a warning) if the book cannot show it."""
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            warn(display, line, f'image "{src}" is on the web; a book cannot fetch it, so its alt text is shown. '
                 "Download it into the book folder and link the file")
            return None
        relative = unquote(parts.path)
        path = self._find(relative, essay_path)
        if not path.is_relative_to(self.root):
            warn(display, line, f'image "{src}" is outside the book folder; it is left out and its alt text shown')
            return None
        if not path.is_file():
            warn(display, line, f'image "{src}" not found; its alt text is shown instead. Add the file or fix the path')
            return None
        suffix = path.suffix.lower()
        if suffix in CONVERTIBLE:
            suffix = ".png"  # readers cannot show TIFF or BMP: the book carries a PNG
        media_type = CORE_TYPES.get(suffix)
        if media_type is None:
            guessed = mimetypes.guess_type(path.name)[0] or "unknown type"
            warn(display, line, f'image "{src}" is {guessed}; use JPEG, PNG, GIF, SVG or WebP. Its alt text is shown')
            return None
        if path not in self._by_source:
            taken = {image.name for image in self._by_source.values()}
            name = f"images/{slugify(path.stem)}{suffix}"
            counter = 2
            while name in taken:
                name = f"images/{slugify(path.stem)}-{counter}{suffix}"
                counter += 1
            self._by_source[path] = Image(name=name, source=path, media_type=media_type)
        return self._by_source[path].name

    def _find(self, relative: str, essay_path: Path) -> Path:
        """Beside the essay, or from the book's root for "/x"; shortcodes name paths from the site's content/."""
        first = ((self.root if relative.startswith("/") else essay_path.parent.resolve()) / relative.lstrip("/")).resolve()
        if first.is_file() or relative.startswith(("/", ".")):
            return first
        for folder in (self.root, *self.root.parents):
            for base in (folder, folder / "content", folder / "static"):
                candidate = (base / relative).resolve()
                if candidate.is_file() and candidate.is_relative_to(self.root):
                    return candidate
        return first

    def all(self) -> tuple[Image, ...]:
        return tuple(sorted(self._by_source.values(), key=lambda image: image.name))
