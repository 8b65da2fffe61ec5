"""The book as plain, immutable data: what every writer reads and none of them changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .config import BookConfig
from .sources.essays import slugify


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
class Book:
    """The configuration and the essays in reading order."""

    config: BookConfig
    essays: tuple[Essay, ...]
    images: tuple[Image, ...]
    root: Path
    # When the book was last changed, from SOURCE_DATE_EPOCH or the content, never the clock:
    # the same sources give the same bytes.
    modified: dt.datetime

    @property
    def slug(self) -> str:
        return slugify(self.config.title)


def reading_order_key(weight: int | None, date: dt.date | None, title: str) -> tuple:
    """Weight first (none last), then date (none last), then title; Python's sort keeps ties stable."""
    return (weight is None, weight or 0, date is None, date or dt.date.min, title.casefold())
