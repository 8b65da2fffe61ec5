"""The book's own PDF imposed as a booklet to print at home: its pages two to a side of a Letter or A4
sheet, in the order that reads right when the sheets are printed on both sides, folded and stapled or
sewn, after a sheet that says how.

1. The order (`booklet_order`): the pages are cut into signatures, each folded on its own; a signature of
   n pages is n / 4 sheets nested one in another, the outermost carrying its first two and last two pages.
   Blank pages are added at the book's end to make up the last signature (only to a multiple of 4).
2. The geometry (`Imposition`): every side is landscape, the fold down its middle. The book's trim pages
   are scaled alike (never up) to fit half a sheet a printer's margin inside its edges, their inner edges
   on the fold; with creep, the pages of a sheet nested deeper sit further toward the fold.
3. The sheets are drawn from the book's own pages (each a form XObject clipped to its TrimBox, so bleed
   and crop marks are left out), after the instructions, set with WeasyPrint in the theme's type.

Printed duplex, flipping on the short edge: the back of a sheet is drawn upright, its left half behind
the front's right half.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import weasyprint

from ..config import BookConfig
from ..model import Book
from ..print_facts import SAFE_MARGIN_IN, parse_bleed
from ..themes import BUILTIN_STYLES, Theme
from .pdf.fetcher import BookFetcher, BookFonts, source_date, weasyprint_warnings
from .pdf.glyphs import printable
from .render import render

# A sheet on its side, in inches (width, height): the fold runs down its middle.
SHEETS = {"letter": (11.0, 8.5), "a4": (297 / 25.4, 210 / 25.4)}
SHEET_NAMES = {"letter": "Letter", "a4": "A4"}
# Where Letter paper is what the shops sell (the rest of the world uses A4).
LETTER_REGIONS = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT", "PA", "DO", "PR", "SV", "NI", "HN",
                            "BZ"})
# A home printer leaves a margin of its own (about 0.17 in for most inkjets and lasers): nothing of the
# book is drawn within this of a sheet's edge.
PRINTER_MARGIN_IN = SAFE_MARGIN_IN
BOOKLET_CSS = BUILTIN_STYLES / "base" / "booklet.css"

# The left and right pages of one side of a sheet, as indexes into the book's pages; None is blank.
Side = tuple[int | None, int | None]


@dataclass(frozen=True)
class Sheet:
    """One sheet of the booklet: what its front and back carry, the signature it is folded in, and how many
    sheets of that signature lie outside it (0 for the outermost)."""

    front: Side
    back: Side
    signature: int
    depth: int


def booklet_order(page_count: int, signature: int = 0) -> list[Sheet]:
    """The booklet's sheets in printing order, each side's (left, right) pages; pages past the book's are blank.

    signature is the pages folded together (a multiple of 4), 0 for the whole book in one fold; the last
    signature holds what is left, made up to a multiple of 4."""
    if signature % 4 or signature < 0:
        raise ValueError(f"a signature is a multiple of 4 pages, not {signature}")
    padded = -(-page_count // 4) * 4
    size = signature or padded

    def page(index: int) -> int | None:
        return index if index < page_count else None

    sheets = []
    for number, first in enumerate(range(0, padded, size)):
        pages = min(size, padded - first)
        for depth in range(pages // 4):
            outer, inner = first + 2 * depth, first + pages - 1 - 2 * depth  # a sheet's pages, from each end
            sheets.append(Sheet(front=(page(inner), page(outer)), back=(page(outer + 1), page(inner - 1)),
                                signature=number, depth=depth))
    return sheets


def sheet_paper(config: BookConfig) -> str:
    """The booklet's paper: book.toml's, else Letter where the book's region (or English without one) uses it."""
    if config.booklet_paper:
        return config.booklet_paper
    language, *subtags = config.language.replace("_", "-").split("-")
    region = next((tag.upper() for tag in subtags if len(tag) == 2 and tag.isalpha()), "")
    if region:
        return "letter" if region in LETTER_REGIONS else "a4"
    return "letter" if language.lower() == "en" else "a4"


@dataclass(frozen=True)
class Imposition:
    """Where the book's pages go on a sheet, in PDF points."""

    sheet_width: float
    sheet_height: float
    scale: float  # the book's pages on paper, as a share of their size
    page_width: float  # a trim page, scaled
    page_height: float
    creep: float  # the shift toward the fold for each sheet nested inside another

    @property
    def fold(self) -> float:
        return self.sheet_width / 2

    def page_origin(self, right: bool, depth: int) -> tuple[float, float]:
        """The lower left corner of a page, its inner edge on the fold (past it by the creep, which the fold's
        clip trims from the inner margin)."""
        shift = depth * self.creep
        left_edge = self.fold - shift if right else self.fold + shift - self.page_width
        return left_edge, (self.sheet_height - self.page_height) / 2


def imposition(trim: tuple[float, float], paper: str, creep: float) -> Imposition:
    """Fit trim pages (points) two to a side of the paper, a printer's margin inside each edge, at one scale."""
    width, height = (inches * 72 for inches in SHEETS[paper])
    margin = PRINTER_MARGIN_IN * 72
    scale = min(1.0, (width / 2 - margin) / trim[0], (height - 2 * margin) / trim[1])
    return Imposition(width, height, scale, trim[0] * scale, trim[1] * scale, creep * 72)


@dataclass(frozen=True)
class Signature:
    """A signature as the instructions count it: its number, its sheets (numbered from 1) and its pages."""

    number: int
    first_sheet: int
    last_sheet: int
    pages: int


def write_booklet(book: Book, theme: Theme, pdf: Path, target: Path, progress: Callable[..., None]) -> None:
    """Impose the book's PDF as a booklet after a sheet of instructions."""
    config = book.config
    paper = sheet_paper(config)
    with pikepdf.open(pdf) as source:
        trims = [_trim_box(page) for page in source.pages]
        sheets = booklet_order(len(trims), config.signature)
        # Parse as a bleed is parsed: both are lengths in in, mm or pt.
        layout = imposition((trims[0][2] - trims[0][0], trims[0][3] - trims[0][1]), paper, parse_bleed(config.creep))
        instructions = _instructions(book, theme, layout, paper, sheets, len(trims))
        with pikepdf.open(io.BytesIO(instructions)) as out:
            forms = [out.copy_foreign(_form(page, trim)) for page, trim in zip(source.pages, trims)]
            for sheet in sheets:
                for side in (sheet.front, sheet.back):
                    out.pages.append(_side(out, layout, side, sheet.depth, forms))
            out.docinfo["/Title"] = f"{config.title}: a booklet to print at home"
            out.save(target, deterministic_id=True, compress_streams=True)
    signatures = sheets[-1].signature + 1
    progress(f"booklet: {len(sheets)} sheets of {SHEET_NAMES[paper]} after its instructions, "
             f"{signatures} {'signature' if signatures == 1 else 'signatures'}, pages at {layout.scale:.0%}")


def _trim_box(page: pikepdf.Page) -> tuple[float, float, float, float]:
    box = page.obj.get("/TrimBox", page.mediabox)
    return tuple(float(value) for value in box)  # type: ignore[return-value]


def _form(page: pikepdf.Page, trim: tuple[float, float, float, float]) -> pikepdf.Object:
    """The page as a form XObject showing its trim only: bleed and crop marks stay outside."""
    form = page.as_form_xobject()
    form.BBox = pikepdf.Array(trim)
    return form


def _side(out: pikepdf.Pdf, layout: Imposition, side: Side, depth: int, forms: list[pikepdf.Object]) -> pikepdf.Page:
    """One side of a sheet: each page scaled onto its half, clipped at the fold (and at the sheet's edges)."""
    resources, drawing = pikepdf.Dictionary(), []
    for right, index in enumerate(side):
        if index is None:
            continue
        name = f"/Page{index + 1}"
        resources[name] = forms[index]
        box = forms[index].BBox
        x, y = layout.page_origin(bool(right), depth)
        half = layout.fold * right
        drawing.append(f"q {half:.3f} 0 {layout.fold:.3f} {layout.sheet_height:.3f} re W n "
                       f"{layout.scale:.5f} 0 0 {layout.scale:.5f} {x - layout.scale * float(box[0]):.3f} "
                       f"{y - layout.scale * float(box[1]):.3f} cm {name} Do Q")
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page,
                              MediaBox=pikepdf.Array([0, 0, round(layout.sheet_width, 3), round(layout.sheet_height, 3)]),
                              Resources=pikepdf.Dictionary(XObject=resources),
                              Contents=out.make_stream("\n".join(drawing).encode()))
    return pikepdf.Page(out.make_indirect(page))


def _signatures(sheets: list[Sheet]) -> list[Signature]:
    found: dict[int, list[int]] = {}
    for number, sheet in enumerate(sheets, start=1):
        found.setdefault(sheet.signature, []).append(number)
    return [Signature(signature + 1, numbers[0], numbers[-1], 4 * len(numbers)) for signature, numbers in found.items()]


def _folded_size(layout: Imposition, paper: str) -> str:
    """The folded booklet's size as its paper is measured where it is sold: 5.5 × 8.5 in, 149 × 210 mm."""
    width, height = layout.fold / 72, layout.sheet_height / 72
    return f"{width:g} × {height:g} in" if paper == "letter" else f"{width * 25.4:.0f} × {height * 25.4:.0f} mm"


def _instructions(book: Book, theme: Theme, layout: Imposition, paper: str, sheets: list[Sheet],
                  pages: int) -> bytes:
    """The first sheet: how to print, fold and bind this booklet (front), and a check of the duplex setting (back)."""
    signatures = _signatures(sheets)
    html = printable(render(
        "booklet.html.j2", config=book.config, paper=SHEET_NAMES[paper], sheets=len(sheets), pages=pages,
        blanks=4 * len(sheets) - pages, signatures=signatures, percent=round(layout.scale * 100),
        folded=_folded_size(layout, paper), creep=book.config.creep), theme)
    face = f"'{theme.families[0]}', " if theme.families else ""
    sizes = (f"@page {{ size: {layout.sheet_width:.3f}pt {layout.sheet_height:.3f}pt; }}\n"
             f"body {{ font-family: {face}serif; }}")
    fonts, fetcher = BookFonts(), BookFetcher(book, theme)
    stylesheet = weasyprint.CSS(string="\n".join([theme.font_face_css(), BOOKLET_CSS.read_text(encoding="utf-8"), sizes]),
                                font_config=fonts, url_fetcher=fetcher)
    with weasyprint_warnings(), source_date(book.modified):
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(stylesheets=[stylesheet], font_config=fonts)
        document.metadata.created = document.metadata.modified = book.modified.strftime("%Y-%m-%dT%H:%M:%SZ")
        return document.write_pdf()

