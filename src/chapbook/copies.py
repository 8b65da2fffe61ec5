"""The readers' copies (book.toml's recipients): for each reader, the book's EPUB and PDF with an
inscription after the title page, written as <slug>-for-<reader>.epub and .pdf beside the book.

Nothing of the book is made again for a copy but what the inscription changes: its PDF joins the
book's laid-out pieces to a front matter of its own (writers/pdf/copies.py), its EPUB takes the
book's font subsets and pictures from the cache.
"""

from __future__ import annotations

from collections.abc import Callable

from .cache import BuildCache
from .model import Book
from .staging import Staging
from .themes import Theme
from .writers.cover import front_cover
from .writers.epub import EmbeddedFont, write_epub
from .writers.pdf import BookLayout, write_pdf


def write_copies(book: Book, theme: Theme, layout: BookLayout, cache: BuildCache, formats: tuple[str, ...],
                 stage: Staging, progress: Callable[..., None],
                 fonts: Callable[[], list[EmbeddedFont]] | None = None) -> None:
    """Write each reader's copy, in the formats asked for, into the staging folder (their EPUBs with the
    book's fonts, when it made them)."""
    readers = book.config.recipients
    cover = front_cover(book, theme, cache) if readers and "epub" in formats else None  # drawn once, for every copy
    for done, (reader, copy_layout) in enumerate(zip(readers, layout.copies), start=1):
        stem = f"{book.file_stem}-for-{reader.stem}"
        if "epub" in formats:
            write_epub(book, theme, stage(f"{stem}.epub"), layout.starts, cache, reader=reader, cover=cover,
                       fonts=fonts() if fonts is not None else None)
        if "pdf" in formats:
            write_pdf(copy_layout, book, stage(f"{stem}.pdf"), cache)
        progress(f"wrote {done}/{len(readers)} readers' copies", done, len(readers))
