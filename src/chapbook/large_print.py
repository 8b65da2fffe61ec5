"""Large print (theme_size = "large"): a layer of CSS over any theme, for print and for the EPUB.

The size of the text follows the theme's face: a point size says how tall the body of the type is, not
how large its letters look, and that is their x-height. The text is set so that its x-height is at least
that of 16 pt type in a face of x-height 0.5 em (about 2.8 mm), and never under 16 pt nor over 18 pt:
16 pt in Literata (x-height 0.51), 18 pt in EB Garamond (0.40). The rules that do not depend on the size
are in styles/base/large.css (print and EPUB) and large-print.css (print).
"""

from __future__ import annotations

from dataclasses import replace

from .stylesheets import read_stylesheet
from .themes import BUILTIN_STYLES, Theme

LARGE = "large"
REGULAR_TEXT_PT = 11.0  # the text's size in print.css
SMALLEST_TEXT_PT, LARGEST_TEXT_PT = 16.0, 18.0
WANTED_X_HEIGHT_PT = 8.0  # 16 pt of a face whose x-height is half its size
# Running heads and folios: never under 14 pt, the least RNIB's Clear Print asks of any text.
SMALLEST_MARGIN_TEXT_PT = 14.0
MARGIN_TEXT_SHARE = 0.8  # of the text's size

LARGE_CSS = BUILTIN_STYLES / "base" / "large.css"
LARGE_PRINT_CSS = BUILTIN_STYLES / "base" / "large-print.css"


def sized(theme: Theme, size: str) -> Theme:
    """The theme as book.toml's theme_size asks: as it is, or with the large-print layer after it."""
    if size != LARGE:
        return theme
    shared = read_stylesheet(LARGE_CSS)
    return replace(theme, print_css="\n".join((theme.print_css, shared, read_stylesheet(LARGE_PRINT_CSS),
                                               _sizes_css(theme))),
                   epub_css="\n".join((theme.epub_css, shared)))


def text_size(theme: Theme) -> float:
    """The large-print text's size in points, for this theme's face."""
    x_height = theme.x_height or 0.5
    return round(min(LARGEST_TEXT_PT, max(SMALLEST_TEXT_PT, WANTED_X_HEIGHT_PT / x_height)), 1)


def page_scale(theme: Theme, size: str) -> float:
    """How many times the pages a large-print text takes over the regular (11 pt): its area per letter."""
    return (text_size(theme) / REGULAR_TEXT_PT) ** 2 if size == LARGE else 1.0


def _sizes_css(theme: Theme) -> str:
    """The text's size, and the running heads' and folios'; those and the headings in the text's face (a
    theme may set them in a script: large print keeps to the face made for reading, and the chapter's
    title to the theme's voice)."""
    text = text_size(theme)
    margin = max(SMALLEST_MARGIN_TEXT_PT, round(text * MARGIN_TEXT_SHARE, 1))
    face = f'"{theme.families[0]}", serif' if theme.families else "serif"
    family = f"font-family: {face};"
    head = f"{family} font-size: {margin}pt;"
    return (f"html {{ font-size: {text}pt; }}\n"
            f".chapter h2, .chapter h3, .chapter h4, .chapter h5, .chapter h6 {{ {family} }}\n"
            f"@page {{ @bottom-center {{ {head} }} }}\n"
            f"@page :left {{ @top-left {{ {head} }} }}\n"
            f"@page :right {{ @top-right {{ {head} }} }}\n")
