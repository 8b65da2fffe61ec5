"""The book as plain, immutable data: what every writer reads and none of them changes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .config import BookConfig
from .sources.essays import slugify

# A chapter's slug is its file name in the EPUB and its id in the PDF, so it may not be a name the book
# gives its own pages (cover.xhtml, nav.xhtml, ...) or the Markdown of book.toml (its ids begin
# "acknowledgements--"); parts take "part-N" as they come.
RESERVED_SLUGS = frozenset({"cover", "titlepage", "copyright", "dedication", "epigraph", "backmatter", "nav",
                            "toc", "acknowledgements", "about-author", "book-epigraph"})
# Nor an id a chapter's file holds besides its own: the markers where the print edition's pages begin.
_PAGE_MARKER = re.compile(r"page-\d+")
# Past this many chapters (about two pages of contents), a book in years prints only the years in its
# contents, and each year's page lists its chapters.
NESTED_CONTENTS_LIMIT = 40
# The picture the book names for itself: the cover, images/cover.jpg (or .png...).
COVER_PICTURE = "images/cover"


def reserved_slug(slug: str) -> bool:
    """Whether the book's own pages or marks have this name (a chapter with it would share their file or id)."""
    return slug in RESERVED_SLUGS or bool(_PAGE_MARKER.fullmatch(slug))


@dataclass(frozen=True)
class Image:
    """A picture the book carries: its name inside the book and the file it comes from."""

    name: str  # e.g. "images/lamp.jpg", the same in the EPUB and the PDF
    source: Path
    media_type: str


@dataclass(frozen=True)
class Essay:
    """One chapter: its metadata and its body as XHTML."""

    title: str
    slug: str
    date: dt.date | None
    weight: int | None
    font_class: str | None
    xhtml: str
    source: Path
    web_address: str | None = None  # where it was first published, when the site's base URL is known

    @property
    def file_name(self) -> str:
        return f"{self.slug}.xhtml"


@dataclass(frozen=True)
class Part:
    """A part of the book: a title page (with a section's opening text, if any) before its chapters."""

    title: str
    slug: str  # "part-1": its file name in the EPUB and its id in the PDF
    number: int
    chapters: tuple[str, ...]  # the slugs of its essays, in reading order
    opening: str = ""  # XHTML set under the part's title
    source: Path | None = None  # the section's _index.md the opening comes from
    # parts = "years": the year its chapters were written in. Such a part is named by its year alone (no
    # "Part One"), and its page lists its chapters: a blog of 400 posts is browsed a year at a time.
    year: int | None = None
    titles: tuple[str, ...] = ()  # its chapters' titles, as chapters

    @property
    def entries(self) -> list[tuple[str, str]]:
        """Its chapters' slugs and titles, for the list on a year's page."""
        return list(zip(self.chapters, self.titles))

    @property
    def file_name(self) -> str:
        return f"{self.slug}.xhtml"


@dataclass(frozen=True)
class Book:
    """The configuration and the essays in reading order."""

    config: BookConfig
    essays: tuple[Essay, ...]
    images: tuple[Image, ...]
    root: Path
    # When the book was last changed, from SOURCE_DATE_EPOCH or the content, never the clock:
    # the same sources give the same bytes.
    modified: dt.datetime
    parts: tuple[Part, ...] = ()
    # book.toml's epigraph and back matter, their Markdown rendered as the essays' is
    epigraph: str = ""
    acknowledgements: str = ""
    about_author: str = ""
    edition: str = ""  # the [editions.NAME] of book.toml it was read as; "" the book itself

    @property
    def file_stem(self) -> str:
        """What its files are named: small-hours, or small-hours-large for the edition "large"."""
        return f"{self.slug}-{self.edition}" if self.edition else self.slug

    @property
    def slug(self) -> str:
        return slugify(self.config.title)

    def part_opening_at(self, essay: Essay) -> Part | None:
        """The part whose title page comes just before this essay, if it opens one."""
        return next((part for part in self.parts if part.chapters[0] == essay.slug), None)

    def part_of(self, essay: Essay) -> Part | None:
        return next((part for part in self.parts if essay.slug in part.chapters), None)

    @property
    def brief_contents(self) -> bool:
        """Whether the printed contents names the parts alone: a long book whose years list their own chapters."""
        in_years = bool(self.parts) and all(part.year is not None for part in self.parts)
        return in_years and len(self.essays) > NESTED_CONTENTS_LIMIT

    def contents(self) -> list[tuple[Part | None, list[Essay]]]:
        """The chapters grouped as the contents lists them: those before any part, then each part's."""
        part_of = {slug: part for part in self.parts for slug in part.chapters}
        groups: list[tuple[Part | None, list[Essay]]] = []
        for essay in self.essays:
            part = part_of.get(essay.slug)
            if not groups or groups[-1][0] is not part:
                groups.append((part, []))
            groups[-1][1].append(essay)
        return groups


def reading_order_key(weight: int | None, date: dt.date | None, title: str) -> tuple:
    """Weight first (none last), then date (none last), then title; Python's sort keeps ties stable."""
    return (weight is None, weight or 0, date is None, date or dt.date.min, title.casefold())
