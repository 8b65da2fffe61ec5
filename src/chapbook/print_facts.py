"""What printers ask of a book, as numbers and the rules that read them: trim sizes and bleed as
book.toml gives them, the ISBN's check digit, KDP's gutter, margin, spine and barcode tables. Read by
config, the layout, the cover wrap and the preflight, without WeasyPrint."""

from __future__ import annotations

import re

# Named trim sizes in inches (width, height); any "WxH" with in/mm/cm also works.
TRIM_PRESETS: dict[str, tuple[float, float]] = {
    "5x8": (5.0, 8.0),
    "5.25x8": (5.25, 8.0),
    "5.5x8.5": (5.5, 8.5),
    "6x9": (6.0, 9.0),
    "a5": (148 / 25.4, 210 / 25.4),
    "pocket": (4.25, 6.87),
}
# The units a trim size and a bleed may be given in, as so many to the inch.
TRIM_UNITS = {"in": 1.0, "mm": 25.4, "cm": 2.54}
BLEED_UNITS = {"in": 1.0, "mm": 25.4, "pt": 72.0}
_TRIM_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*x\s*(\d+(?:\.\d+)?)\s*(in|mm|cm)?\s*$", re.IGNORECASE)
BLEED_LENGTH = re.compile(r"(\d+(?:\.\d+)?)(in|mm|pt)")

# Amazon KDP's minimum inside margin by page count (up to that many pages → inches).
KDP_GUTTER = ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875))
# What a reader's thumbs and the binding's curve take beyond the printer's minimum.
GUTTER_COMFORT = 0.25
SAFE_MARGIN_IN = 0.25  # KDP: no text closer than this to a trimmed edge
COVER_BLEED_IN = 0.125  # KDP and IngramSpark: a cover's bleed, and the wrap's when book.toml sets none
COVER_SAFE_IN = 0.125  # KDP: a cover's type at least this far inside the trim
PRINT_DPI = 300  # what printers ask of a picture at its printed size

# KDP's paperback spine: the thickness of one page of the interior, in inches, by paper.
SPINE_PER_PAGE = {"white": 0.002252, "cream": 0.0025}
# KDP allows text on the spine only for books of more than 79 pages; thinner books get a blank spine.
SPINE_TEXT_MIN_PAGES = 80
# KDP keeps spine text 0.0625 in clear of each fold, so trimming cannot push it round the corner.
SPINE_TEXT_MARGIN = 0.0625
# KDP prints the ISBN barcode on a white 2 x 1.2 in area at the bottom right of the back cover,
# near the spine; it stays clear, a quarter inch in from the trim and from the spine's fold.
BARCODE_WIDTH, BARCODE_HEIGHT, BARCODE_INSET = 2.0, 1.2, 0.25


def parse_trim(value: str) -> tuple[float, float]:
    """Read a trim size such as "6x9", "A5" or "148x210mm"; raise ValueError if it is not one."""
    key = value.strip().lower().removesuffix("in").strip()
    if key in TRIM_PRESETS:
        return TRIM_PRESETS[key]
    match = _TRIM_RE.match(value)
    if not match:
        raise ValueError(value)
    per_inch = TRIM_UNITS[(match[3] or "in").lower()]
    width, height = float(match[1]) / per_inch, float(match[2]) / per_inch
    if not (2 <= width <= 20 and 2 <= height <= 20):
        raise ValueError(value)
    return width, height


def parse_bleed(value: str) -> float:
    """A bleed such as "0.125in", "3mm" or "9pt" in inches; 0 for none (or for what is not a length)."""
    match = BLEED_LENGTH.fullmatch(value)
    return float(match[1]) / BLEED_UNITS[match[2]] if match else 0.0


def kdp_minimum_gutter(pages: int) -> float:
    """KDP's minimum inside margin in inches for a book of this many pages."""
    return next((inches for limit, inches in KDP_GUTTER if pages <= limit), KDP_GUTTER[-1][1])


def gutter_for(pages: int) -> float:
    """The inside margin chapbook sets, in inches, for a book of this many pages."""
    return kdp_minimum_gutter(pages) + GUTTER_COMFORT


def isbn_digits(isbn: str) -> str:
    """An ISBN without the hyphens and spaces it is written with."""
    return re.sub(r"[\s-]", "", isbn)


def valid_isbn(isbn: str) -> bool:
    """Check an ISBN-13 or ISBN-10 by its check digit; hyphens and spaces are allowed."""
    digits = isbn_digits(isbn).upper()
    if re.fullmatch(r"97[89]\d{10}", digits):
        return sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
    if re.fullmatch(r"\d{9}[\dX]", digits):
        return sum((10 - i) * (10 if d == "X" else int(d)) for i, d in enumerate(digits)) % 11 == 0
    return False
