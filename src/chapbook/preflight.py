"""Read a built PDF as a print shop's preflight would, before anyone pays a printer.

The file's structure (boxes, output intent, fonts, colours) is read with pikepdf; what each page draws
(its pictures and where its text lies) with PDFium, which costs a millisecond or more a page. Those facts
are kept by the page's key (a digest of all it draws, its fonts by name: media/page_keys.py), so a
build that changed one chapter reads only that chapter's pages again (see `check_pdf`'s `known`)."""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c

from .media.page_keys import page_keys
from .media.pdfium import PDFIUM
from .print_facts import COVER_BLEED_IN, COVER_SAFE_IN, PRINT_DPI, SAFE_MARGIN_IN, kdp_minimum_gutter

POINTS = 72.0


@dataclass
class Report:
    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # What the checks read, for the build report to show without reading the PDF again.
    fonts: dict[str, bool] = field(default_factory=dict)
    images: list[PrintedImage] = field(default_factory=list)
    # What each page draws, by its key, for the next build's check (see `check_pdf`), and how many
    # pages this check read rather than took from what was known.
    page_facts: dict[str, list] = field(default_factory=dict)
    pages_read: int = 0


def check_pdf(path: Path, known: dict[str, list] | None = None, keys: list[str] | None = None) -> Report:
    """Trim and bleed, fonts, image resolution, gutter against page count, text in the safe area.
    `known`: what pages drew in an earlier check (its report's page_facts); a page of the same key is
    not read again. Its keys name fonts by name, so `known` must come from a PDF set with the same
    font files (the build keys it by them). `keys`: the PDF's page keys, if the caller has them."""
    report = Report()
    with pikepdf.open(path) as pdf:
        if is_cover_wrap(pdf):
            return _check_cover(pdf, path, report)
        _check_boxes(pdf, report)
        _check_output_intent(pdf, report)
        _check_fonts(pdf, report)
        keys = keys if keys is not None else page_keys(pdf, fonts_by_name=True)
        report.page_facts, report.pages_read = _page_facts(path, keys, known or {})
        facts = [PageFacts.from_json(report.page_facts[key]) for key in keys]
        _check_images([PrintedImage(index, *image) for index, page in enumerate(facts) for image in page.images],
                      report)
        _check_text_area([page.trimbox for page in _pages(pdf)], [page.extent for page in facts], report)
        pages = len(pdf.pages)
    (report.ok if pages % 2 == 0 else report.problems).append(
        f"{pages} pages" + ("" if pages % 2 == 0 else ": a printed book needs an even count"))
    return report


def pdf_page_keys(path: Path) -> list[str]:
    """The keys `check_pdf` knows the PDF's pages by."""
    with pikepdf.open(path) as pdf:
        return page_keys(pdf, fonts_by_name=True)


def unread_pages(keys: list[str], known: dict[str, list]) -> list[tuple[int, str]]:
    """The pages `check_pdf` would read, given what is known: (index, key) of the first page of each
    key not known (pages alike, as the blank ones, are read once)."""
    first_of = {key: index for index, key in reversed(list(enumerate(keys)))}
    return sorted((index, key) for key, index in first_of.items() if key not in known or not _well_formed(known[key]))


def read_page_facts(path: Path, pages: list[tuple[int, str]]) -> dict[str, list]:
    """What these pages (index, key) draw, read with PDFium (loading a page is what costs, so each is
    read once for its pictures and its text)."""
    facts: dict[str, list] = {}
    for start in range(0, len(pages), _PAGES_OPEN):
        with PDFIUM:
            document = pypdfium2.PdfDocument(path)
            try:
                for index, key in pages[start:start + _PAGES_OPEN]:
                    page = document[index]
                    facts[key] = _drawn_on(page).to_json()
                    page.close()
            finally:
                document.close()
    return facts


# PDFium keeps what it parsed of a document while it is open: opened again after this many pages, its
# memory stays that of a few hundred pages, however long the book.
_PAGES_OPEN = 400


Box = tuple[float, float, float, float]  # left, bottom, right, top, in points
Extent = Box  # of the text on a page


@dataclass(frozen=True)
class PageBoxes:
    trimbox: Box
    bleedbox: Box


def _pages(pdf: pikepdf.Pdf) -> list[PageBoxes]:
    return [PageBoxes(_box(page.trimbox), _box(page.bleedbox)) for page in pdf.pages]


def _box(array: pikepdf.Array) -> Box:
    left, bottom, right, top = (float(value) for value in array)
    return min(left, right), min(bottom, top), max(left, right), max(bottom, top)


@dataclass(frozen=True)
class PageFacts:
    """What a page draws, as the checks read it: the bounds of its text and its pictures, each as
    (width px, height px, width in, height in)."""

    extent: Extent | None
    images: tuple[tuple[int, int, float, float], ...]

    def to_json(self) -> list:
        return [list(self.extent) if self.extent else None, [list(image) for image in self.images]]

    @classmethod
    def from_json(cls, value: list) -> PageFacts:
        extent, images = value
        return cls(tuple(extent) if extent else None, tuple(tuple(image) for image in images))


def _page_facts(path: Path, keys: list[str], known: dict[str, list]) -> tuple[dict[str, list], int]:
    """The facts of every page by its key, the known ones kept; and how many pages were read."""
    facts = {key: known[key] for key in keys if key in known and _well_formed(known[key])}
    unread = unread_pages(keys, facts)
    facts.update(read_page_facts(path, unread))
    return facts, len(unread)


def _well_formed(value: object) -> bool:
    """A stored fact as check_pdf writes it (a cache is read, never trusted)."""
    def numbers(item: object, count: int) -> bool:
        return (isinstance(item, list) and len(item) == count
                and all(isinstance(number, (int, float)) and not isinstance(number, bool) for number in item))

    return (isinstance(value, list) and len(value) == 2 and (value[0] is None or numbers(value[0], 4))
            and isinstance(value[1], list) and all(numbers(image, 4) for image in value[1]))


def _drawn_on(page: pypdfium2.PdfPage) -> PageFacts:
    """The bounds of the page's text and each of its pictures, in one walk over its objects, with
    PDFium's own calls (its Python objects for each of a page's fifty text runs cost as much as
    loading the page). The text is bounded by its text objects, not by each letter nor by PDFium's
    text page (which groups the letters into lines): on every page of a 2,488-page book the same
    bounds, in a third of the time; where they differ (16 of 482 pages of two sites) by up to 2 pt, it
    is a line's trailing space that the text page counts and no ink prints."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    width_px, height_px = ctypes.c_uint(), ctypes.c_uint()
    extent = [float("inf"), float("inf"), float("-inf"), float("-inf")]
    images = []

    def bounds(item: object) -> tuple[float, float, float, float]:
        if not pdfium_c.FPDFPageObj_GetBounds(item, left, bottom, right, top):
            raise pypdfium2.PdfiumError("Failed to locate pageobject.")
        return left.value, bottom.value, right.value, top.value

    def walk(parent: object, count: Callable, get: Callable, level: int) -> None:
        for index in range(count(parent)):
            item = get(parent, index)
            kind = pdfium_c.FPDFPageObj_GetType(item)
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT and level < _TEXT_DEPTH:
                box = bounds(item)
                extent[:] = min(extent[0], box[0]), min(extent[1], box[1]), max(extent[2], box[2]), max(extent[3], box[3])
            elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                x0, y0, x1, y1 = bounds(item)
                if not pdfium_c.FPDFImageObj_GetImagePixelSize(item, width_px, height_px):
                    raise pypdfium2.PdfiumError("Failed to get image size.")
                images.append((width_px.value, height_px.value, (x1 - x0) / POINTS, (y1 - y0) / POINTS))
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < _DEPTH - 1:
                walk(item, pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject, level + 1)

    walk(page.raw, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject, 0)
    return PageFacts(tuple(extent) if extent[0] != float("inf") else None, tuple(images))


# How deep into nested forms (XObjects) the walk looks: for text, and for anything.
_TEXT_DEPTH, _DEPTH = 8, 15


def is_cover_wrap(pdf: pikepdf.Pdf) -> bool:
    """`chapbook cover` writes one sheet titled "<title>: cover"."""
    title = str(pdf.docinfo.get("/Title", "")) if "/Info" in pdf.trailer else ""
    return len(pdf.pages) == 1 and title.endswith(": cover")


def _check_cover(pdf: pikepdf.Pdf, path: Path, report: Report) -> Report:
    """A wrap is one sheet: bleed all round, fonts embedded, pictures sharp, type clear of the trim."""
    page = _pages(pdf)[0]
    left, bottom, right, top = page.trimbox
    bleed = min(left - page.bleedbox[0], page.bleedbox[3] - top)
    summary = f"cover wrap {_inches(right - left)} × {_inches(top - bottom)} at the trim"
    if bleed < COVER_BLEED_IN * POINTS - 0.5:
        report.problems.append(f"{summary}, but only {_inches(bleed)} of bleed; printers ask {COVER_BLEED_IN} in")
    else:
        report.ok.append(f"{summary}, bleed {_inches(bleed)} all round")
    _check_fonts(pdf, report)
    with PDFIUM:
        document = pypdfium2.PdfDocument(path)
        try:
            sheet = document[0]
            _check_images([PrintedImage(0, *image) for image in _drawn_on(sheet).images], report)
            text = sheet.get_textpage()
            boxes = [text.get_charbox(i) for i in range(text.count_chars()) if not text.get_text_range(i, 1).isspace()]
        finally:
            document.close()
    near = [b for b in boxes if min(b[0] - left, right - b[2], b[1] - bottom, top - b[3]) < COVER_SAFE_IN * POINTS]
    if near:
        report.problems.append(f"{len(near)} letter(s) closer than {COVER_SAFE_IN} in to the trim; they may be cut")
    else:
        report.ok.append(f"all type at least {COVER_SAFE_IN} in inside the trim")
    return report


def _check_output_intent(pdf: pikepdf.Pdf, report: Report) -> None:
    """A PDF/X file names its press; under a CMYK press nothing may be left in DeviceRGB."""
    intents = pdf.Root.get("/OutputIntents")
    press = next((intent for intent in intents or [] if intent.get("/S") == "/GTS_PDFX"), None)
    if press is None:
        report.ok.append("no PDF/X output intent (a plain PDF, as KDP takes it)")
        return
    channels = int(press.DestOutputProfile.get("/N"))
    rgb_pages = [str(number) for number, page in enumerate(pdf.pages, start=1) if _uses_device_rgb(page)]
    if channels == 4 and rgb_pages:
        report.problems.append(f"PDF/X for a CMYK press, but page(s) {', '.join(rgb_pages[:10])} use DeviceRGB; "
                               "the printer will refuse or convert them")
    else:
        report.ok.append(f"PDF/X output intent for a {'CMYK' if channels == 4 else f'{channels}-channel'} press, "
                         "every colour in its space")


def _uses_device_rgb(page: pikepdf.Page) -> bool:
    """Colour set with rg/RG, or a picture in DeviceRGB, on the page or in the forms it draws."""
    seen: set[tuple[int, int]] = set()

    def visit(resources: pikepdf.Dictionary | None, content: bytes) -> bool:
        if re.search(rb"\s(rg|RG)\s", b" " + content + b" "):
            return True
        xobjects = (resources or {}).get("/XObject") or {}
        for name in xobjects.keys():
            xobject = xobjects[name]
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            if xobject.get("/Subtype") == "/Image" and xobject.get("/ColorSpace") == "/DeviceRGB":
                return True
            if xobject.get("/Subtype") == "/Form" and visit(xobject.get("/Resources"), xobject.read_bytes()):
                return True
        return False

    contents = page.obj.get("/Contents")
    streams = contents if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
    return visit(page.obj.get("/Resources"), b"\n".join(stream.read_bytes() for stream in streams))


def _inches(value: float) -> str:
    return f"{value / POINTS:.3g} in"


def _check_boxes(pdf: pikepdf.Pdf, report: Report) -> None:
    pages = _pages(pdf)
    trims = {(round(page.trimbox[2] - page.trimbox[0], 1), round(page.trimbox[3] - page.trimbox[1], 1))
             for page in pages}
    if len(trims) != 1:
        report.problems.append(f"pages of {len(trims)} different sizes; every page must have the trim size")
        return
    width, height = trims.pop()
    first = pages[0].bleedbox
    bleed = (first[2] - first[0] - width) / 2
    report.ok.append(f"trim {_inches(width)} × {_inches(height)}"
                     + (f", bleed {_inches(bleed)} on every side" if bleed > 0.5 else ", no bleed"))


def fonts_in(pdf: pikepdf.Pdf) -> dict[str, bool]:
    """Every font the PDF's pages use, by name (less its subset tag), and whether it is embedded."""
    fonts: dict[str, bool] = {}
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        page_fonts = (page.obj.get("/Resources") or {}).get("/Font") or {}
        for name in page_fonts.keys():
            font = page_fonts[name]
            if font.is_indirect:
                if font.objgen in seen:  # one font serves every page: read it once
                    continue
                seen.add(font.objgen)
            base = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = base.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font.get("/BaseFont", "?")).lstrip("/").split("+")[-1]] = embedded
    return fonts


def _check_fonts(pdf: pikepdf.Pdf, report: Report) -> None:
    fonts = report.fonts = fonts_in(pdf)
    missing = sorted(name for name, embedded in fonts.items() if not embedded)
    if missing:
        report.problems.append(f"fonts not embedded: {', '.join(missing)}; printers refuse them")
    else:
        report.ok.append(f"every font embedded ({', '.join(sorted(fonts))})")


@dataclass(frozen=True)
class PrintedImage:
    """A picture as the PDF prints it: on which page (from 0), its pixels, its printed size, its resolution."""

    page: int
    width_px: int
    height_px: int
    width_in: float
    height_in: float

    @property
    def dpi(self) -> float:
        return self.width_px / self.width_in if self.width_in > 0 else float("inf")

    @property
    def sharp(self) -> bool:
        return self.dpi >= PRINT_DPI - 1  # a rounding hair under 300 is 300


def _check_images(images: list[PrintedImage], report: Report) -> None:
    report.images = images
    low = [f"page {image.page + 1}: {image.width_px} px across {image.width_in:.2f} in is {image.dpi:.0f} dpi"
           for image in images if not image.sharp]
    if low:
        report.problems.append(f"images below {PRINT_DPI} dpi at their printed size (they will print soft): " + "; ".join(low))
    else:
        report.ok.append(f"{len(images)} image(s), all at {PRINT_DPI} dpi or more" if images else "no images")


def _check_text_area(trims: list[Box], extents: list[Extent | None], report: Report) -> None:
    pages = len(trims)
    needed = kdp_minimum_gutter(pages) * POINTS
    narrowest_inside, outside = float("inf"), []
    for index, (trim, extent) in enumerate(zip(trims, extents)):
        if extent is None:
            continue
        text_left, text_bottom, text_right, text_top = extent
        left, right = text_left - trim[0], trim[2] - text_right
        bottom, top = text_bottom - trim[1], trim[3] - text_top
        inside = left if index % 2 == 0 else right  # the first page is a recto: its inside is on the left
        narrowest_inside = min(narrowest_inside, inside)
        if min(left, right, top, bottom) < SAFE_MARGIN_IN * POINTS:
            outside.append(str(index + 1))
    if outside:
        report.problems.append(f"text closer than {SAFE_MARGIN_IN} in to the trim on page(s) {', '.join(outside)}")
    else:
        report.ok.append(f"all text at least {SAFE_MARGIN_IN} in inside the trim")
    if narrowest_inside < needed - 1:
        report.problems.append(f"inside margin {_inches(narrowest_inside)}, but {pages} pages need {_inches(needed)} "
                               "(KDP's gutter table)")
    elif narrowest_inside < float("inf"):
        report.ok.append(f"inside margin {_inches(narrowest_inside)} for {pages} pages (KDP asks {_inches(needed)})")
