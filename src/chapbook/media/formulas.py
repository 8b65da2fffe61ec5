"""LaTeX formulas: MathML for the EPUB, and the same MathML drawn as SVG paths for paper.

The MathML keeps only what lays a formula out (MATHML_ELEMENTS, MATHML_ATTRIBUTES): the LaTeX is
the essay writer's, and latex2mathml would carry its \\href, \\class and \\style into the book.

WeasyPrint cannot lay out MathML, so the print HTML carries each formula as an inline SVG that
ziamath draws with the STIX Two Math font's outlines (paths: no font to embed). Its size is in em,
so a formula is set at the size of the text around it, and an inline one is lowered by its depth
below the baseline so that it sits on the line as type does.
"""

from __future__ import annotations

from math import sqrt
import re
from xml.etree import ElementTree
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import lxml.html
import ziafont
import ziamath
from fontTools.ttLib import TTFont
from lxml import etree
from ziamath.tex import tex2mml

from ..limits import FORMULA_DEPTH

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
# ziamath draws in units of its own font size; every length handed to CSS is divided by it (→ em).
DRAW_SIZE = 20.0
# Room around the ink, so that no stroke is clipped at the SVG's edge (in DRAW_SIZE units).
MARGIN = 0.6
# STIX Two's x-height (0.473 em) is not the text face's: a formula is set at the square root of
# the ratio of the two, halfway (on a log scale) between matching the type size and matching the
# x-height, so it neither shouts beside EB Garamond (0.92) nor whispers beside Literata (1.04).
MATH_FONT = Path(ziamath.__file__).parent / "fonts" / "STIXTwoMath-Regular.ttf"
# What a formula may hold: presentation MathML and the attributes that lay it out. An essay's LaTeX
# is a stranger's: latex2mathml turns \\href, \\class and \\style into href, class and style, which
# would link to javascript: or restyle the page, so none of those stays; nor mglyph (it fetches its
# src), maction (it reacts to the reader) or anything outside MathML.
MATHML_ELEMENTS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "ms", "mfrac", "msqrt", "mroot", "mstyle", "merror",
    "mpadded", "mphantom", "mfenced", "menclose", "msub", "msup", "msubsup", "munder", "mover", "munderover",
    "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mlabeledtr", "mtd", "mstack", "mlongdiv",
    "msgroup", "msrow", "mscarries", "mscarry", "msline", "malignmark", "maligngroup",
})
MATHML_ATTRIBUTES = frozenset({
    "accent", "accentunder", "align", "alttext", "bevelled", "charalign", "charspacing", "close", "columnalign",
    "columnlines", "columnspacing", "columnspan", "columnwidth", "crossout", "decimalpoint", "denomalign", "depth",
    "dir", "display", "displaystyle", "edge", "equalcolumns", "equalrows", "fence", "form", "frame", "framespacing",
    "groupalign", "height", "largeop", "linebreak", "linebreakmultchar", "linebreakstyle", "lineleading",
    "linethickness", "location", "longdivstyle", "lquote", "lspace", "mathbackground", "mathcolor", "mathsize",
    "mathvariant", "maxsize", "minlabelspacing", "minsize", "movablelimits", "mslinethickness", "notation",
    "numalign", "open", "position", "rowalign", "rowlines", "rowspacing", "rowspan", "rquote", "rspace",
    "scriptlevel", "scriptminsize", "scriptsizemultiplier", "separator", "separators", "shift", "side",
    "stackalign", "stretchy", "subscriptshift", "superscriptshift", "symmetric", "voffset", "width",
})
# A colour as the MathML schema (and so epubcheck) takes it: #rgb, #rrggbb or one of HTML 4's names.
_COLOUR = re.compile(r"\s*(#[0-9a-f]{3}([0-9a-f]{3})?|aqua|black|blue|fuchsia|gray|green|lime|maroon|navy|olive|"
                     r"purple|red|silver|teal|white|yellow)\s*", re.IGNORECASE)
_COLOURS = {"mathcolor", "mathbackground"}
# Attributes latex2mathml writes that the MathML schema (and so epubcheck) does not allow there.
_NOT_ALLOWED = {"mi": {"stretchy"}}
_UNKNOWN_COMMAND = re.compile(r"^\\[A-Za-z]+$")


class MathError(ValueError):
    """A LaTeX expression that cannot be set as a formula."""


@dataclass(frozen=True)
class DrawnFormula:
    """A formula drawn as SVG, with its size and depth below the baseline in em of the text."""

    svg: str
    width: float
    height: float
    depth: float


def latex_to_mathml(latex: str, *, display: bool) -> str:
    """The formula as a MathML <math> element (with the LaTeX as its alttext); MathError if it cannot be read."""
    return _mathml(latex.strip(), display)


@lru_cache(maxsize=4096)
def _mathml(latex: str, display: bool) -> str:
    if not latex:
        raise MathError("the formula is empty")
    try:
        mathml = tex2mml(latex, inline=not display)
        root = etree.fromstring(mathml.encode("utf-8"))
    except Exception as error:  # latex2mathml raises many kinds, each for one way LaTeX can be wrong
        raise MathError(_reason(error)) from None
    _only_allowed(root)
    _without_empty_groups(root)
    if _depth(root) > FORMULA_DEPTH:
        raise MathError(f"it nests more than {FORMULA_DEPTH} levels deep; chapbook sets formulas up to that")
    for element in root.iter(etree.Element):
        local = etree.QName(element).localname
        if local in {"mi", "mo", "mtext"} and _UNKNOWN_COMMAND.match((element.text or "").strip()):
            raise MathError(f"{element.text.strip()} is not a command chapbook can set")
    root.set("display", "block" if display else "inline")
    root.set("alttext", latex)
    _draw(etree.tostring(root, encoding="unicode"))  # a formula that cannot be drawn for paper is no formula
    return etree.tostring(root, encoding="unicode")


def _without_empty_groups(root: etree._Element) -> None:
    """A group of one group ({{x}}) is that group: ziamath's time doubles with each level of them."""
    row = f"{{{MATHML_NS}}}mrow"
    for element in root.iter(row):
        while len(element) == 1 and element[0].tag == row and not element.attrib \
                and not (element.text or "").strip() and not (element[0].tail or "").strip():
            inner = element[0]
            element.attrib.update(inner.attrib)
            element.text = inner.text
            element[:] = list(inner)


def _depth(root: etree._Element) -> int:
    """How deep the elements nest (counted without recursion: a formula can nest thousands deep)."""
    deepest, level = 0, {root: 1}
    for element in root.iter(etree.Element):
        here = level.get(element.getparent(), 0) + 1 if element is not root else 1
        level[element] = here
        deepest = max(deepest, here)
    return deepest


def _only_allowed(root: etree._Element) -> None:
    """Take out of the MathML every element and attribute a formula may not hold (see MATHML_ELEMENTS)."""
    unwanted = [node for node in root.iter() if not isinstance(node.tag, str)
                or etree.QName(node).namespace != MATHML_NS or etree.QName(node).localname not in MATHML_ELEMENTS]
    if root in unwanted:
        raise MathError("it is not MathML")
    for node in unwanted:
        node.getparent().remove(node)  # with what is inside it (an ancestor may have gone already)
    for element in root.iter():
        local = element.tag.split("}")[-1]
        for name, value in list(element.attrib.items()):
            if name not in MATHML_ATTRIBUTES or name in _NOT_ALLOWED.get(local, ()) \
                    or (name in _COLOURS and not _COLOUR.fullmatch(value)):
                del element.attrib[name]
        if local == "mstyle" and not element.attrib:
            element.tag = f"{{{MATHML_NS}}}mrow"  # it sets nothing now; ziamath cannot draw an mstyle of nothing


# What latex2mathml's errors mean, in a writer's words.
_REASONS = {
    "NoAvailableTokensError": "it ends before a command has all it needs (a missing } or argument?)",
    "NumeratorNotFoundError": "a \\frac has no numerator",
    "DenominatorNotFoundError": "a \\frac has no denominator",
    "ExtraLeftOrMissingRightError": "a \\left has no \\right",
    "MissingSuperScriptOrSubscriptError": "a ^ or _ has nothing after it",
    "DoubleSubscriptsError": "one thing has two subscripts (x_a_b); use braces: x_{a_b}",
    "DoubleSuperscriptsError": "one thing has two superscripts (x^a^b); use braces: x^{a^b}",
    "MissingEndError": "a \\begin{…} has no \\end{…}",
}


def _reason(error: Exception) -> str:
    if type(error).__name__ in _REASONS:
        return _REASONS[type(error).__name__]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type(error).__name__.removesuffix("Error")).lower()
    return f"{words}: {error}" if str(error) else words


def drawn(mathml: str) -> DrawnFormula:
    """The formula drawn as SVG paths, sized in em of the surrounding text."""
    return _draw(mathml)


@lru_cache(maxsize=4096)
def _draw(mathml: str) -> DrawnFormula:
    # SVG 1.1 draws every glyph as a path of its own; SVG 2 would share <symbol>s by id, and ids
    # would clash between formulas in one HTML document.
    saved = ziafont.config.svg2
    ziafont.config.svg2 = False
    try:
        # An element, not a string: ziamath's own clean-up of strings rewrites across tags.
        formula = ziamath.Math(ElementTree.fromstring(mathml), size=DRAW_SIZE, margin=MARGIN)
        svg = formula.svgxml()
    except Exception as error:  # ziamath raises whatever its parts raise on MathML it cannot draw
        raise MathError(f"it cannot be drawn ({_reason(error)})") from None
    finally:
        ziafont.config.svg2 = saved
    box = formula.node.bbox
    scale = 1 / DRAW_SIZE  # in em of the math's own size; formulas_as_svg sets it beside the text
    width = (box.xmax - box.xmin + 2 * MARGIN) * scale
    height = (box.ymax - box.ymin + 2 * MARGIN) * scale
    depth = (MARGIN - box.ymin) * scale
    for attribute in ("width", "height"):
        svg.attrib.pop(attribute, None)
    return DrawnFormula(svg=ElementTree.tostring(svg, encoding="unicode"), width=width, height=height, depth=depth)


def math_scale(text_x_height: float | None) -> float:
    """The size of formulas beside text whose face has this x-height (in em)."""
    if not text_x_height:
        return 0.92
    return min(1.15, max(0.85, sqrt(text_x_height / _x_height(MATH_FONT))))


@lru_cache(maxsize=16)
def _x_height(font: Path) -> float:
    with TTFont(font, lazy=True) as face:
        return face["OS/2"].sxHeight / face["head"].unitsPerEm


def formulas_as_svg(root: etree._Element, scale: float = 0.92) -> None:
    """Replace every <math> in the print HTML by its drawing: inline on the baseline, display centred,
    set at `scale` times the size of the text around it."""
    for math in [e for e in root.iter(etree.Element) if etree.QName(e).localname == "math"]:
        display = math.get("display") == "block"
        latex = math.get("alttext") or ""
        try:
            formula = drawn(latex_to_mathml(latex, display=display))
        except MathError:  # reported when the essay was read; the EPUB had the same trouble
            continue
        svg = lxml.html.fragment_fromstring(formula.svg)
        svg.set("class", "math-display" if display else "math")
        svg.set("role", "img")
        svg.set("aria-label", latex)
        # A display formula's height follows its width (the viewBox's ratio), so it can shrink to the measure.
        style = f"width: {formula.width * scale:.3f}em"
        if not display:
            style += f"; height: {formula.height * scale:.3f}em; vertical-align: -{formula.depth * scale:.3f}em"
        svg.set("style", style)
        svg.tail = math.tail
        math.getparent().replace(math, svg)
