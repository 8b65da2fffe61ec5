"""Sources → Book, in named stages: discover → select → address → resolve → render (see read_book)."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, replace
import os
from pathlib import Path

import ftfy

from .config import CONFIG_NAME, BookConfig, load_config, option_line
from .errors import ChapbookError, WarningLog, log, said_again, shown, warn
from .markdown import RenderContext, render_body, render_title
from .anchors import mend_anchor_links
from .addresses import ID_SEPARATOR, ImageRegistry, LinkTargets, page_assets
from .model import Book, Essay, Part, reserved_slug
from .markdown.shortcodes import Shortcode, book_shortcode
from .sources import SourceEssay, find_essays, read_essay
from .sources.essays import decode_utf8
from .selection import PartPlan, arrange, choose, group, in_language, main_sections
from .sources.essays import SECTION_FILES, draft_sections, in_book, section_file, section_sort_by, title_from_name, slugify
from .sources import hugo, jekyll
from .sources.sites import AddressMap, Site, SiteMarkdown, address_map, essay_folder, read_site, site_markdown
from .writers.workers import in_fork

_ENCODING_ONLY = ftfy.TextFixerConfig(
    unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
    fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
    remove_control_chars=False, normalization=None,
)


@dataclass(frozen=True)
class Found:
    """What the discover stage found: the site, its settings as the book's, and every essay it holds."""

    source: Path
    root: Path  # the book folder (a site's root)
    base: Path  # where essays are read from: content/, _posts/ or the book folder
    site: Site
    config: BookConfig
    essays: list[SourceEssay]  # every essay, drafts too: the address map knows every page
    sections: list[Path]  # the sections' _index.md files


@dataclass(frozen=True)
class Chosen:
    """What the select stage kept: the essays in reading order, those before any part, and the parts."""

    essays: list[SourceEssay]
    before_parts: list[SourceEssay]
    plans: list[PartPlan]


@dataclass(frozen=True)
class Resolvers:
    """What every essay is rendered with: chapter slugs, pictures and links resolved against the address
    map, the book's shortcodes, and how the site reads its Markdown."""

    config: BookConfig
    slug_of: dict[Path, str]
    images: ImageRegistry
    links: LinkTargets
    shortcodes: dict[str, Shortcode]
    markdown: SiteMarkdown


def read_book(source: Path, exclude: tuple[Path, ...] = (), edition: str = "", apart: bool = False) -> Book:
    """Read a book folder, a site (its content/ or _posts/) or a single Markdown file into a Book (as
    book.toml's [editions.NAME], if one is named):

    1. discover: the site (its generator, its settings) and every essay it holds, read;
    2. select: the essays the book takes (drafts out, a Hugo site's main sections, book.toml's
       sections, include and exclude), in reading order and in parts;
    3. address: the public URL of every page and served file, by the generator's rules;
    4. resolve: chapter slugs, and the resolvers every picture and link goes through;
    5. render: each essay's Markdown to XHTML (a long book's later half in a fork of this process, if
       `apart`); then links to anchors are mended book-wide.
    """
    found = discover(source, exclude, edition)
    chosen = select(found)
    addresses = address_map(found.site, found.essays, found.sections)
    resolvers = resolve(found, chosen, addresses)
    return replace(render(found, chosen, resolvers, apart), edition=edition)


def discover(source: Path, exclude: tuple[Path, ...], edition: str = "") -> Found:
    if not source.exists():
        raise ChapbookError(source, None, "does not exist; name a folder of essays or a Markdown file")
    root = source if source.is_dir() else source.parent
    base = essay_folder(root) if source.is_dir() else root
    paths = find_essays(base, exclude, book=root) if source.is_dir() else [source]
    if not paths:
        raise ChapbookError(
            source, None, "holds no Markdown essays (*.md); add some, or name the folder that has them"
        )
    essays = [read_essay(path, shown(path)) for path in paths]
    # A single essay is a book of its own title; a folder is configured by its book.toml.
    config = load_config(root, edition) if source.is_dir() else BookConfig(title=essays[0].title)
    site = read_site(root, (config.base_url, *config.also_at))
    return Found(source, root, base, site, config, essays, section_files(base, root) if source.is_dir() else [])


def select(found: Found) -> Chosen:
    source, root, base, config = found.source, found.root, found.base, found.config
    hidden = draft_sections(base, root) if source.is_dir() else []
    published = [e for e in found.essays if not e.draft and not any(e.path.is_relative_to(f) for f in hidden)]
    if not published:
        raise ChapbookError(source, None, "every essay here is a draft (draft = true); publish one to build a book")
    if found.site.kind == "hugo" and source.is_dir() and not (config.sections or config.include or config.parts):
        published = main_sections(published, base, hugo.main_sections(found.site.settings))
    published = choose(in_language(published, config.language), base, root, config)
    if not published:
        raise ChapbookError(root / CONFIG_NAME, None, "no essay is left to make a book: its sections, include "
                            "and exclude leave every one out; widen them")
    # A missing weight matters only when other essays have one: then it decides the place.
    weighted = any(essay.weight is not None for essay in published)
    for essay in published:
        if weighted and essay.weight is None and not config.order:
            warn(shown(essay.path), None, "no weight in the front matter; it goes after the weighted essays")
    ordered = arrange(published, base, root, config, lambda path: section_sort_by(path, base, root))
    before_parts, plans = group(ordered, base, root, config.parts, lambda folder: _read_section(folder, root))
    return Chosen(before_parts + [essay for plan in plans for essay in plan.essays], before_parts, plans)


def resolve(found: Found, chosen: Chosen, addresses: AddressMap) -> Resolvers:
    part_slugs = [f"part-{number}" for number in range(1, len(chosen.plans) + 1)]  # reserved: parts' ids and files
    slugs = unique_slugs([e.slug for e in chosen.essays], taken=set(part_slugs))
    slug_of = {essay.path: slug for essay, slug in zip(chosen.essays, slugs)}
    targets = {path.resolve(): slug for path, slug in slug_of.items()}
    for slug, plan in zip(part_slugs, chosen.plans):  # a link to a section that is a part lands on the part's page
        if plan.opening:
            targets[plan.opening.path.resolve()] = slug
    return Resolvers(found.config, slug_of, ImageRegistry(found.root, addresses),
                     LinkTargets(found.root, targets, addresses), book_shortcodes(found.root, found.config),
                     site_markdown(found.site))


def render(found: Found, chosen: Chosen, resolvers: Resolvers, apart: bool = False) -> Book:
    config, root = found.config, found.root
    chapters = _chapters(chosen.essays, resolvers, apart)
    title_of = {chapter.slug: chapter.title for chapter in chapters}
    parts = tuple(
        Part(title=render_title(_fix_line(plan.title), language=config.language), slug=f"part-{number}",
             number=number, chapters=tuple(resolvers.slug_of[e.path] for e in plan.essays),
             opening=_render(plan.opening, f"part-{number}", resolvers).xhtml if plan.opening else "",
             source=plan.opening.path if plan.opening else None, year=plan.year,
             titles=tuple(title_of[resolvers.slug_of[e.path]] for e in plan.essays))
        for number, plan in enumerate(chosen.plans, start=1))
    back = {key: _render_option(root, key, getattr(config, key), resolvers)
            for key in ("acknowledgements", "about_author")}
    epigraph = _render_option(root, "book_epigraph", epigraph_markdown(config.book_epigraph), resolvers)
    book = Book(config=config, essays=tuple(chapters), images=resolvers.images.all(), root=root,
                modified=last_modified(chosen.essays), parts=parts, epigraph=epigraph, **back)
    return mend_anchor_links(book)  # only now are all the ids a link may name known


# Fewer essays than this are rendered in one process. Measured (generated essays of ~1,100 words): at
# 20 the fork costs what it saves, at 40 it saves 18 ms, at 80 90 ms, at 560 0.7 s.
RENDER_APART_FROM = 60


def _chapters(essays: list[SourceEssay], resolvers: Resolvers, apart: bool) -> list[Essay]:
    """Each essay rendered, in reading order. With `apart`, a long book's later half is rendered in a fork
    of this process meanwhile (its Markdown was the build's longest step before the first page is set:
    1.6 s of a 560-essay book's). What the fork gives back is taken as if rendered here: its warnings said
    in their place, its pictures' names taken into the registry; an essay whose pictures this registry
    would name otherwise, or that the fork did not render (an error: said here), is rendered here."""
    def here(essay: SourceEssay) -> Essay:
        return _render(essay, resolvers.slug_of[essay.path], resolvers)

    if not apart or len(essays) < RENDER_APART_FROM:
        return [here(essay) for essay in essays]
    split = _halfway(essays)
    with in_fork(_rendered_apart, essays[split:], resolvers) as later:
        chapters = [here(essay) for essay in essays[:split]]
        done = later() or []
    for index, essay in enumerate(essays[split:]):
        chapter, looked_up, warnings = done[index] if index < len(done) else (None, [], [])
        if chapter is not None and resolvers.images.take(looked_up):
            said_again(warnings)
            chapters.append(chapter)
        else:
            chapters.append(here(essay))
    return chapters


def _halfway(essays: list[SourceEssay]) -> int:
    """Where the essays' Markdown is half told (by length, which is what rendering takes)."""
    total, told = sum(len(essay.body) for essay in essays), 0
    for index, essay in enumerate(essays):
        told += len(essay.body)
        if 2 * told >= total:
            return index + 1
    return len(essays)


def _rendered_apart(essays: list[SourceEssay], resolvers: Resolvers) -> list[tuple[Essay, list, list]]:
    """In the fork: each essay rendered, with the pictures it found and the warnings it gave; up to the
    first that fails (the build's process renders it again, and says why)."""
    capture = WarningLog()
    log.handlers = [capture]
    resolvers.images.looked_up = []
    done = []
    try:
        for essay in essays:
            chapter = _render(essay, resolvers.slug_of[essay.path], resolvers)
            done.append((chapter, resolvers.images.looked_up, capture.warnings))
            resolvers.images.looked_up, capture.warnings = [], []
    except Exception:  # said by the build's process, which renders this essay again
        pass
    return done


def section_files(base: Path, book: Path) -> list[Path]:
    """The sections' own pages (Zola's and Hugo's _index.md), which have addresses but are not essays."""
    return sorted(path for name in SECTION_FILES for path in base.rglob(name)
                  if not any(part.startswith(".") for part in path.relative_to(base).parts) and in_book(path, book))


def epigraph_markdown(text: str) -> str:
    """The book's epigraph as a marked blockquote of hard-broken lines, so it is set as every epigraph is."""
    if not text.strip():
        return ""
    lines = [line.strip() for line in text.strip().split("\n")]
    return "> {.epigraph}\n" + "".join(f"> {line}  \n" if line else ">\n" for line in lines)


def _render_option(root: Path, key: str, text: str, resolvers: Resolvers) -> str:
    """An option of book.toml written in Markdown (the back matter, the epigraph), rendered as an essay is."""
    if not text.strip():
        return ""
    path = root / CONFIG_NAME
    option = SourceEssay(path=path, title=key, date=None, weight=None, slug=key.replace("_", "-"), font_class=None,
                         epigraph_source=None, site_path=None, draft=False, body=text,
                         body_line=option_line(root, key) or 1)
    return _render(option, key.replace("_", "-"), replace(resolvers, markdown=SiteMarkdown())).xhtml


def _read_section(folder: Path, book: Path) -> SourceEssay | None:
    """A section's _index.md (a Zola section, a Hugo branch bundle): the title and text that open a part."""
    index = section_file(folder, book)
    if index is None:
        return None
    section = read_essay(index, shown(index))
    if section.title == title_from_name(index):  # no title of its own: name the part after the folder
        section = replace(section, title=folder.name.replace("-", " ").replace("_", " ").strip().title())
    return section


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


def unique_slugs(slugs: list[str], taken: set[str] | None = None) -> list[str]:
    """Two essays may share a slug, or have one the book's own pages have (`nav` becomes `nav-2`); their
    file names and ids must not. Slugs are lower case, so `A.md` and `a.md` are `a` and `a-2`."""
    taken = set(taken or ())
    result = []
    for slug in slugs:
        unique, counter = slug, 2
        while unique in taken or reserved_slug(unique) or (unique != slug and unique in slugs):
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


def book_shortcodes(root: Path, config: BookConfig) -> dict[str, Shortcode]:
    """The book's own shortcode templates (book.toml's shortcodes), read once for every essay."""
    return {name.lower(): book_shortcode(decode_utf8(shown(root / file), (root / file).read_bytes()), shown(root / file))
            for name, file in config.shortcodes.items()}


def _render(essay: SourceEssay, slug: str, resolvers: Resolvers) -> Essay:
    config, images, links, site = resolvers.config, resolvers.images, resolvers.links, resolvers.markdown
    own_shortcodes = resolvers.shortcodes
    display = shown(essay.path)
    body = repair_encoding(display, essay.body, essay.body_line)

    def file_line(line: int | None) -> int | None:
        return essay.body_line - 1 + line if line else None

    def resolve_image(src: str, alt: str | None, line: int | None) -> str | None:
        found = images.resolve(src, essay.path, display, file_line(line))
        if found and alt is not None and not alt.strip():  # None: raw HTML, which the XHTML stage reports
            warn(display, file_line(line), f'image "{src}" has no alt text, so a reader who cannot see it learns '
                 f"nothing; describe it: ![a lamp on a desk]({src}), or alt=\"…\" in a shortcode")
        return found

    post = jekyll.is_post(essay.path.resolve())
    rendered = render_body(body, RenderContext(
        language=config.language, id_prefix=slug + ID_SEPARATOR, resolve_image=resolve_image,
        resolve_link=lambda href, line: links.resolve(href, essay.path, display, file_line(line)),
        warn=lambda message, line: warn(display, file_line(line), message),
        verse_detection=config.verse_detection, epigraph_source=essay.epigraph_source or config.epigraph_source,
        page_assets=page_assets(essay.path), book_shortcodes=own_shortcodes,
        liquid=post, kramdown=post and site.kramdown, math_after_markdown=post or site.math_after_markdown,
        site_variables=links.addresses.site.settings if links.addresses.site.kind == "jekyll" else {},
    ))
    font_class = config.font_classes.get(essay.font_class, essay.font_class) if essay.font_class else None
    title = render_title(_fix_line(essay.title), language=config.language)
    return Essay(title=title, slug=slug, date=essay.date, weight=essay.weight,
                 web_address=links.addresses.web_address(links.addresses.page_at[essay.path.resolve()])
                 if essay.path.resolve() in links.addresses.page_at else None,
                 font_class=slugify(font_class) if font_class else None, xhtml=rendered.xhtml, source=essay.path)


