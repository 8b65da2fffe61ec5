"""What printers ask of a book, as numbers: read by the layout and by the preflight, without WeasyPrint."""

from __future__ import annotations

# Amazon KDP's minimum inside margin by page count (up to that many pages → inches).
KDP_GUTTER = ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875))
# What a reader's thumbs and the binding's curve take beyond the printer's minimum.
GUTTER_COMFORT = 0.25
SAFE_MARGIN_IN = 0.25  # KDP: no text closer than this to a trimmed edge
COVER_BLEED_IN = 0.125  # KDP and IngramSpark: a cover's bleed
COVER_SAFE_IN = 0.125  # KDP: a cover's type at least this far inside the trim


def kdp_minimum_gutter(pages: int) -> float:
    """KDP's minimum inside margin in inches for a book of this many pages."""
    return next((inches for limit, inches in KDP_GUTTER if pages <= limit), KDP_GUTTER[-1][1])


def gutter_for(pages: int) -> float:
    """The inside margin chapbook sets, in inches, for a book of this many pages."""
    return kdp_minimum_gutter(pages) + GUTTER_COMFORT
