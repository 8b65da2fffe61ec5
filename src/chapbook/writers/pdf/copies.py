"""The readers' copies in print: the book's front matter with an inscription after the title page, laid out
once a reader; every other piece is the book's own, laid out once for all of them.

The inscription is a right-hand page with a blank back, so a copy has two pages more than the book, all in
the front matter, which is numbered on its own (roman): the body's folios, the contents' page numbers and
the EPUB's page list are the book's. The copies and the book share one embedding of each font, with the
glyphs of every name.
"""

from __future__ import annotations

import copy

import lxml.html

from ...model import Book
from ...recipients import Recipient, for_word
from ..render import render
from .join import merged_font_records
from .print_html import Piece

# The pages an inscription adds to the front matter: its own, and the blank back of its leaf.
INSCRIPTION_PAGES = 2


def inscribed(front: Piece, reader: Recipient, book: Book) -> Piece:
    """The front matter with the reader's inscription after the copyright page (the title page's back)."""
    root = copy.deepcopy(front.root)
    inscription = lxml.html.fragment_fromstring(render("_inscription.j2", reader=reader,
                                                       for_word=for_word(book.config.language)))
    root.xpath("//section[contains(concat(' ', @class, ' '), ' copyright-page ')]")[0].addnext(inscription)
    return Piece(front.name, root)


def sharing_fonts(fronts: list[dict]) -> list[dict]:
    """The front matters (the book's and each copy's), each naming every font with the glyphs of all: the
    join's embedding is then one, made once and taken from the cache for every copy."""
    fonts = merged_font_records(fronts)
    return [{**front, "fonts": fonts} for front in fronts]
