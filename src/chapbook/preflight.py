"""Read a built PDF as a print shop's preflight would, before anyone pays a printer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pypdf
import pypdfium2
import pypdfium2.raw as pdfium_c

from .print_facts import COVER_BLEED_IN, COVER_SAFE_IN, PRINT_DPI, SAFE_MARGIN_IN, kdp_minimum_gutter

POINTS = 72.0


@dataclass
class Report:
    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # What the checks read, for the build report to show without reading the PDF again.
    fonts: dict[str, bool] = field(default_factory=dict)
    images: list[PrintedImage] = field(default_factory=list)


def check_pdf(path: Path) -> Report:
    """Trim and bleed, fonts, image resolution, gutter against page count, text in the safe area."""
    report = Report()
    reader = pypdf.PdfReader(path)
    document = pypdfium2.PdfDocument(path)
    if is_cover_wrap(reader):
        return _check_cover(reader, document, report)
    _check_boxes(reader, report)
    _check_output_intent(reader, report)
    _check_fonts(reader, report)
    images, extents = _read_pages(document)
    _check_images(images, report)
    _check_text_area(reader, extents, report)
    pages = len(reader.pages)
    (report.ok if pages % 2 == 0 else report.problems).append(
        f"{pages} pages" + ("" if pages % 2 == 0 else ": a printed book needs an even count"))
    return report


def is_cover_wrap(reader: pypdf.PdfReader) -> bool:
    """`chapbook cover` writes one sheet titled "<title>: cover"."""
    title = str((reader.metadata or {}).get("/Title", ""))
    return len(reader.pages) == 1 and title.endswith(": cover")


def _check_cover(reader: pypdf.PdfReader, document: pypdfium2.PdfDocument, report: Report) -> Report:
    """A wrap is one sheet: bleed all round, fonts embedded, pictures sharp, type clear of the trim."""
    page = reader.pages[0]
    trim, bleed_box = page.trimbox, page.bleedbox
    bleed = min(float(trim.left) - float(bleed_box.left), float(bleed_box.top) - float(trim.top))
    summary = f"cover wrap {_inches(float(trim.width))} × {_inches(float(trim.height))} at the trim"
    if bleed < COVER_BLEED_IN * POINTS - 0.5:
        report.problems.append(f"{summary}, but only {_inches(bleed)} of bleed; printers ask {COVER_BLEED_IN} in")
    else:
        report.ok.append(f"{summary}, bleed {_inches(bleed)} all round")
    _check_fonts(reader, report)
    _check_images(printed_images(document), report)
    text = document[0].get_textpage()
    boxes = [text.get_charbox(i) for i in range(text.count_chars()) if not text.get_text_range(i, 1).isspace()]
    near = [b for b in boxes if min(b[0] - float(trim.left), float(trim.right) - b[2],
                                    b[1] - float(trim.bottom), float(trim.top) - b[3]) < COVER_SAFE_IN * POINTS]
    if near:
        report.problems.append(f"{len(near)} letter(s) closer than {COVER_SAFE_IN} in to the trim; they may be cut")
    else:
        report.ok.append(f"all type at least {COVER_SAFE_IN} in inside the trim")
    return report


def _check_output_intent(reader: pypdf.PdfReader, report: Report) -> None:
    """A PDF/X file names its press; under a CMYK press nothing may be left in DeviceRGB."""
    intents = reader.trailer["/Root"].get("/OutputIntents")
    press = next((i.get_object() for i in intents or [] if i.get_object().get("/S") == "/GTS_PDFX"), None)
    if press is None:
        report.ok.append("no PDF/X output intent (a plain PDF, as KDP takes it)")
        return
    channels = press["/DestOutputProfile"].get_object().get("/N")
    rgb_pages = [str(number) for number, page in enumerate(reader.pages, start=1) if _uses_device_rgb(page)]
    if channels == 4 and rgb_pages:
        report.problems.append(f"PDF/X for a CMYK press, but page(s) {', '.join(rgb_pages[:10])} use DeviceRGB; "
                               "the printer will refuse or convert them")
    else:
        report.ok.append(f"PDF/X output intent for a {'CMYK' if channels == 4 else f'{channels}-channel'} press, "
                         "every colour in its space")


def _uses_device_rgb(page: pypdf.PageObject) -> bool:
    """Colour set with rg/RG, or a picture in DeviceRGB, on the page or in the forms it draws."""
    seen: set[int] = set()

    def visit(resources: dict | None, content: bytes) -> bool:
        if re.search(rb"\s(rg|RG)\s", b" " + content + b" "):
            return True
        xobjects = (resources or {}).get("/XObject") or {}
        for name in xobjects:
            xobject = xobjects[name].get_object()
            if id(xobject) in seen:
                continue
            seen.add(id(xobject))
            if xobject.get("/Subtype") == "/Image" and xobject.get("/ColorSpace") == "/DeviceRGB":
                return True
            if xobject.get("/Subtype") == "/Form" and visit(xobject.get("/Resources"), xobject.get_data()):
                return True
        return False

    contents = page.get_contents()
    return visit(page.get("/Resources"), contents.get_data() if contents is not None else b"")


def _inches(value: float) -> str:
    return f"{value / POINTS:.3g} in"


def _check_boxes(reader: pypdf.PdfReader, report: Report) -> None:
    trims = {(round(float(p.trimbox.width), 1), round(float(p.trimbox.height), 1)) for p in reader.pages}
    if len(trims) != 1:
        report.problems.append(f"pages of {len(trims)} different sizes; every page must have the trim size")
        return
    width, height = trims.pop()
    first = reader.pages[0]
    bleed = (float(first.bleedbox.width) - width) / 2
    report.ok.append(f"trim {_inches(width)} × {_inches(height)}"
                     + (f", bleed {_inches(bleed)} on every side" if bleed > 0.5 else ", no bleed"))


def fonts_in(reader: pypdf.PdfReader) -> dict[str, bool]:
    """Every font the PDF's pages use, by name (less its subset tag), and whether it is embedded."""
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            font = font.get_object()
            base = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = base.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font.get("/BaseFont", "?")).split("+")[-1]] = embedded
    return fonts


def _check_fonts(reader: pypdf.PdfReader, report: Report) -> None:
    fonts = report.fonts = fonts_in(reader)
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


def printed_images(document: pypdfium2.PdfDocument) -> list[PrintedImage]:
    """Every picture on every page, measured at the size it is printed."""
    return [image for index, page in enumerate(document) for image in _images_on(index, page)]


def _images_on(index: int, page: pypdfium2.PdfPage) -> list[PrintedImage]:
    found = []
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = image.get_bounds()
        width_px, height_px = image.get_px_size()
        found.append(PrintedImage(index, width_px, height_px, (right - left) / POINTS, (top - bottom) / POINTS))
    return found


Extent = tuple[float, float, float, float]  # left, bottom, right, top of the text on a page, in points


def _read_pages(document: pypdfium2.PdfDocument) -> tuple[list[PrintedImage], list[Extent | None]]:
    """Each page's pictures and the bounds of its text, in one pass: loading a page is what costs."""
    images: list[PrintedImage] = []
    extents: list[Extent | None] = []
    for index, page in enumerate(document):
        images.extend(_images_on(index, page))
        # The rectangles PDFium groups the page's letters into, not each letter's box: the same bounds
        # (checked on a 2,488-page book), four times as fast, which a build's report pays on every page.
        text = page.get_textpage()
        boxes = [box for box in (text.get_rect(i) for i in range(text.count_rects())) if box[2] > box[0]]
        extents.append((min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                        max(b[3] for b in boxes)) if boxes else None)
    return images, extents


def _check_images(images: list[PrintedImage], report: Report) -> None:
    report.images = images
    low = [f"page {image.page + 1}: {image.width_px} px across {image.width_in:.2f} in is {image.dpi:.0f} dpi"
           for image in images if not image.sharp]
    if low:
        report.problems.append(f"images below {PRINT_DPI} dpi at their printed size (they will print soft): " + "; ".join(low))
    else:
        report.ok.append(f"{len(images)} image(s), all at {PRINT_DPI} dpi or more" if images else "no images")


def _check_text_area(reader: pypdf.PdfReader, extents: list[Extent | None], report: Report) -> None:
    pages = len(reader.pages)
    needed = kdp_minimum_gutter(pages) * POINTS
    narrowest_inside, outside = float("inf"), []
    for index, extent in enumerate(extents):
        if extent is None:
            continue
        trim = reader.pages[index].trimbox
        text_left, text_bottom, text_right, text_top = extent
        left, right = text_left - float(trim.left), float(trim.right) - text_right
        bottom, top = text_bottom - float(trim.bottom), float(trim.top) - text_top
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
