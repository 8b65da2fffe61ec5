"""How big and how deep an input chapbook takes, each limit with its reason, and the measures they need.

A book may come from a folder its builder did not write. Input built to exhaust a parser or the
machine (nesting that recurses until Python stops, aliases that expand a few lines into billions of
values, a picture header promising gigapixels) must end in a message naming the file, or in a sane
book, never in a traceback or a hang. Every limit sits far above what a real essay, site or
stylesheet holds; where the book can be made anyway (deep nesting), it is, with a warning.
"""

from __future__ import annotations

import re

from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

from PIL import Image as Picture

# Markdown: lists, quotations and the like nested deeper than this are set as the text they hold,
# one level deep, with a warning. markdown-it drops whatever lies past 20 levels (its own guard
# against recursion); a real essay nests three or four, and a page has no room for more than a dozen.
MARKDOWN_DEPTH = 16
# The page: elements nested deeper than this (raw HTML or Markdown's own) lose their tags and keep
# their text. lxml silently drops what lies past 255 levels, and WeasyPrint recurses at each one.
HTML_DEPTH = 40
# Of them, those that indent (quotations, lists, tables, figures): a quotation takes 3 em of a line
# some 26 em long, so eight leave no room for a letter, and the layout sets one a line, for hours.
# Real essays quote a quotation in a quotation, or nest lists three deep.
INDENT_DEPTH = 6
# Paired shortcodes inside each other: more than a few is no page a site ever rendered, and each level
# renders its body again.
SHORTCODE_DEPTH = 8
# A run of characters with no space longer than this gets a place to break (U+200B) every 20: WeasyPrint
# lays out a line by trying the text up to the next place it may break, so a 50,000-character run
# costs it the whole run for each of its lines, minutes of layout. No word, address or hash is as long.
LONG_RUN = 1_000
# Characters between a shortcode tag's braces (its name and arguments): a long caption is a few hundred.
# An opening brace never closed then costs a look this far ahead, not at the rest of the essay.
SHORTCODE_TAG = 4_000

# A paragraph, table or list (lines with no blank line between) of more than this many characters is
# refused: print lays out each in one piece, and WeasyPrint takes minutes for some 80 pages of it
# (a 5 MB paragraph, a 100,000-row table would take hours). No essay written to be read holds one.
BLOCK_CHARACTERS = 200_000

# YAML: aliases (*name) repeat a value without copying it, so ten lines can stand for a billion values
# (a "billion laughs"), which every later step would walk. No front matter or site settings file holds
# more than a few thousand values written out.
YAML_VALUES = 100_000

# Pictures: Pillow's own guard against decompression bombs (89,478,485 pixels, a 9,500 pixel square:
# over 300 dpi on a 30 inch page). A PNG of a few kB can say 30,000 x 30,000 pixels, gigabytes decoded.
PICTURE_PIXELS = Picture.MAX_IMAGE_PIXELS

# Stylesheets: no page is larger than this (the largest trim a printer binds is some 12 inches), and no
# type larger: a letter taller than its page cannot be set, and each would take a page of its own.
PAGE_INCHES = 50.0
FONT_INCHES = 10.0


# A `data:` address is not text to set: it is decoded or dropped (over its own cap, 2 MB) before layout.
_DATA_URL = re.compile(r"data:[^\s)\"'>]*")


def longest_block(text: str) -> tuple[int, int, int]:
    """The longest run of lines with no blank line between: its first and last line (from 1), its
    characters (those of the text to set: not the `data:` addresses in it)."""
    longest = (1, 1, 0)
    first, size = 1, 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            first, size = number + 1, 0
            continue
        size += len(_DATA_URL.sub("", line) if "data:" in line else line) + 1
        if size > longest[2]:
            longest = (first, number, size)
    return longest


def picture_size(path: Path) -> tuple[int, int] | None:
    """The size a picture's header gives, read without decoding it (Pillow's bomb check is what this
    size is compared against, so it is off for this one look); None if Pillow cannot read it."""
    with _unguarded():
        try:
            with Picture.open(path) as picture:
                return picture.size
        except (OSError, ValueError, SyntaxError):
            return None


def too_many_pixels(size: tuple[int, int] | None) -> str | None:
    """What is wrong with a picture of this size, or None: said the same wherever a picture is read."""
    if size is None or size[0] * size[1] <= PICTURE_PIXELS:
        return None
    return (f"is {size[0]} x {size[1]} pixels, too large: chapbook reads pictures of up to {PICTURE_PIXELS:,} pixels, "
            "the limit that keeps a decompression bomb from exhausting the machine")


# What to do about a picture too large, for the messages.
SCALE_DOWN = "Scale it down: 300 dpi at the size it is printed is all a printer uses"


@contextmanager
def _unguarded() -> Iterator[None]:
    guard = Picture.MAX_IMAGE_PIXELS
    Picture.MAX_IMAGE_PIXELS = None
    try:
        yield
    finally:
        Picture.MAX_IMAGE_PIXELS = guard

# A formula's MathML may nest this deep (a continued fraction four levels down is 11): ziamath's time
# grows with each level, and past 20 a formula takes longer to draw than a book to lay out.
FORMULA_DEPTH = 20
