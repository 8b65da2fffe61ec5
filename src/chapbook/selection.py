"""Which essays make the book, in what order, and in which parts: book.toml's sections, include,
exclude, order and [[parts]], applied to the essays a folder or site holds."""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import CONFIG_NAME, EVERY_SECTION, EVERY_YEAR, BookConfig, PartSpec, option_line
from .errors import warn
from .model import reading_order_key
from .sources import SourceEssay


@dataclass(frozen=True)
class PartPlan:
    """A part before rendering: its title, the section page that opens it (if any), its essays."""

    title: str
    opening: SourceEssay | None  # a section's _index.md: its body is set on the part's page
    essays: tuple[SourceEssay, ...]
    year: int | None = None  # parts = "years": the year its essays were written in


def matches(pattern: str, relative: str) -> bool:
    """A path, a folder (everything under it), a page bundle's folder, or a glob where * crosses folders."""
    pattern = pattern.strip().strip("/")
    return (fnmatch.fnmatchcase(relative, pattern) or relative.startswith(pattern + "/")
            or fnmatch.fnmatchcase(relative, pattern + "/*"))


_TRANSLATION = re.compile(r"^(?P<name>.+)\.(?P<language>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)$")


def in_language(essays: list[SourceEssay], language: str) -> list[SourceEssay]:
    """A multilingual Zola or Hugo site keeps translations beside each page (post.fr.md beside post.md):
    the book takes the book's language, the translation where there is one, else the page as written."""
    wanted = language.split("-")[0].lower()
    translated = set()
    for essay in essays:
        match = _TRANSLATION.match(essay.path.stem)
        if match and match["language"].split("-")[0].lower() == wanted:
            translated.add(essay.path.with_name(match["name"] + essay.path.suffix))
    kept = []
    for essay in essays:
        match = _TRANSLATION.match(essay.path.stem)
        if essay.path in translated:
            continue  # the default-language page, translated into the book's language beside it
        if match and match["language"].split("-")[0].lower() != wanted and _is_translation(essay, match["name"]):
            continue  # a translation into another language
        kept.append(essay)
    return kept


def _is_translation(essay: SourceEssay, name: str) -> bool:
    """"post.fr" is a translation if post.md is beside it, or the site keeps languages (index.fr.md)."""
    return essay.path.with_name(name + essay.path.suffix).exists() or name in ("index", "_index")


def choose(essays: list[SourceEssay], base: Path, root: Path, config: BookConfig) -> list[SourceEssay]:
    """Keep the essays book.toml's sections, include and exclude ask for; warn of a pattern that finds none."""
    relative = {essay.path: essay.path.relative_to(base).as_posix() for essay in essays}
    chosen = essays
    for key, keep in (("sections", True), ("include", True), ("exclude", False)):
        patterns = getattr(config, key)
        if not patterns:
            continue
        for pattern in patterns:
            if not any(matches(pattern, relative[e.path]) for e in chosen):
                warn(root / CONFIG_NAME, option_line(root, key), f'{key} "{pattern}" matches no essay; '
                     f"check it (paths here are relative to {base.name}/)")
        chosen = [e for e in chosen if any(matches(p, relative[e.path]) for p in patterns) == keep]
    return chosen


def main_sections(essays: list[SourceEssay], base: Path, named: list[str]) -> list[SourceEssay]:
    """A Hugo site's posts as its themes list them: the pages of its main sections (params.mainSections,
    else the section with the most pages); standalone pages (about, talks) and other sections stay out."""
    def section(essay: SourceEssay) -> str | None:
        parts = essay.path.relative_to(base).parts
        return parts[0] if len(parts) > 1 else None

    counts: dict[str, int] = {}
    for essay in essays:
        if section(essay):
            counts[section(essay)] = counts.get(section(essay), 0) + 1
    wanted = set(named) or ({max(sorted(counts), key=lambda name: counts[name])} if counts else set())
    kept = [essay for essay in essays if section(essay) in wanted]
    left = [essay.path.relative_to(base).as_posix() for essay in essays if section(essay) not in wanted]
    if kept and left:
        shown_left = ", ".join(left[:4]) + ("…" if len(left) > 4 else "")
        how = "params.mainSections" if named else "the section with the most pages"
        warn(base, None, f"the book is the site's main section{'s' if len(wanted) > 1 else ''} "
             f"({', '.join(sorted(wanted))}, by {how}); {len(left)} other page{'s' if len(left) > 1 else ''} "
             f"left out ({shown_left}). To take them, name them in book.toml: sections = [...] or include = [...]")
    return kept or essays


# A Zola section's sort_by, as a book reads it: oldest first for dates (a blog lists newest first).
SECTION_ORDERS = {
    "title": lambda e: e.title.casefold(), "title_bytes": lambda e: e.title.encode("utf-8"),
    "slug": lambda e: e.slug, "weight": lambda e: (e.weight is None, e.weight or 0),
    "date": lambda e: (e.date is None, e.date or dt.date.min),
    "update_date": lambda e: (e.date is None, e.date or dt.date.min),
}


def arrange(essays: list[SourceEssay], base: Path, root: Path, config: BookConfig,
            section_order: Callable[[Path], tuple[Path, str] | None] = lambda essay_path: None) -> list[SourceEssay]:
    """Weight, then date, then title, except that a section's own sort_by orders its essays among the
    places they hold; essays named in book.toml's order come first, in its order."""
    usual = sorted(essays, key=lambda e: reading_order_key(e.weight, e.date, e.title))
    by_section: dict[tuple[Path, str], list[int]] = {}
    for place, essay in enumerate(usual):
        section = section_order(essay.path)
        if section and section[1] in SECTION_ORDERS:
            by_section.setdefault(section, []).append(place)
    for (_, rule), places in by_section.items():
        for place, essay in zip(places, sorted((usual[p] for p in places), key=SECTION_ORDERS[rule])):
            usual[place] = essay
    placed: list[SourceEssay] = []
    for pattern in config.order:
        found = [e for e in usual if matches(pattern, e.path.relative_to(base).as_posix()) and e not in placed]
        if not found:
            warn(root / CONFIG_NAME, option_line(root, "order"), f'order names "{pattern}", which matches no essay '
                 f"in the book; check the path (it is relative to {base.name}/)")
        placed += found
    return placed + [e for e in usual if e not in placed]


def every_section(base: Path, read_section: Callable[[Path], SourceEssay | None]) -> tuple[PartSpec, ...]:
    """parts = "sections": each folder right under the content root that holds essays, as a part, in the
    order of its _index.md's weight, then title."""
    sections = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        opening = read_section(folder)
        title = opening.title if opening else folder.name.replace("-", " ").replace("_", " ").title()
        sections.append((reading_order_key(opening.weight if opening else None, None, title), folder.name))
    return tuple(PartSpec(section=name) for _, name in sorted(sections))


def group(essays: list[SourceEssay], base: Path, root: Path, parts: tuple[PartSpec, ...],
          read_section: Callable[[Path], SourceEssay | None]) -> tuple[list[SourceEssay], list[PartPlan]]:
    """Split the ordered essays into those before any part and the parts, each essay in the first part
    that claims it; the order inside a part is the book's order."""
    if parts and parts[0].section == EVERY_YEAR:
        return by_year(essays)
    claimed: set[Path] = set()
    plans = []
    automatic = bool(parts) and parts[0].section == EVERY_SECTION
    if automatic:
        parts = every_section(base, read_section)
    for spec in parts:
        patterns = spec.essays or (spec.section,)
        members = tuple(e for e in essays if e.path not in claimed
                        and any(matches(p, e.path.relative_to(base).as_posix()) for p in patterns))
        if not members and automatic:
            continue  # a folder of pictures or of drafts: not a part
        if not members:
            warn(root / CONFIG_NAME, spec.line, f'the part "{spec.title or spec.section}" holds no essay; '
                 f"check its section or essays (relative to {base.name}/)")
            continue
        claimed.update(e.path for e in members)
        opening = read_section(base / spec.section) if spec.section else None
        title = spec.title or (opening.title if opening else "") or spec.section.rsplit("/", 1)[-1].replace("-", " ").title()
        plans.append(PartPlan(title, opening, members))
    return [e for e in essays if e.path not in claimed], plans


def by_year(essays: list[SourceEssay]) -> tuple[list[SourceEssay], list[PartPlan]]:
    """parts = "years": a part for each year the essays were written in, oldest first, each in the book's
    order; an essay of no known year comes before the parts, as one no part claims (a blog's "About")."""
    year_of = {essay.path: written_in(essay) for essay in essays}
    years = sorted({year for year in year_of.values() if year is not None})
    plans = [PartPlan(str(year), None, tuple(e for e in essays if year_of[e.path] == year), year)
             for year in years]
    return [essay for essay in essays if year_of[essay.path] is None], plans


# A year and month at the head of an address, or after its categories: "2019/05/14/title" (Zola's path,
# a Jekyll permalink, WordPress): many blogs date their posts there and nowhere else.
_DATED_ADDRESS = re.compile(r"(?:^|/)((?:19|20)\d\d)/(?:0[1-9]|1[0-2])/")


def written_in(essay: SourceEssay) -> int | None:
    """The year an essay was written: its date's, else the one its address is filed under."""
    if essay.date:
        return essay.date.year
    match = _DATED_ADDRESS.search(essay.site_path or "")
    return int(match[1]) if match else None
