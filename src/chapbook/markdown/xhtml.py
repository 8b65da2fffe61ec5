"""Rendered HTML → safe, well-formed XHTML: untrusted raw HTML is cleaned, ids are made unique in the book."""

from __future__ import annotations

import lxml.html
import nh3
from lxml import etree

from .images import ImageResolver, missing_image_html

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    "var", "wbr",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style"},
}


def to_xhtml(html: str, id_prefix: str, resolve_image: ImageResolver, resolved: set[str],
             formulas: dict[str, str] | None = None) -> str:
    """Clean the HTML, prefix its ids (and the links to them), and serialise it as XHTML.

    Markdown images were resolved while parsing (`resolved`); an <img> written as raw HTML is
    resolved here, the same way, so it cannot point outside the book either. Formulas (MathML,
    which the cleaner does not know) replace their placeholders after cleaning.
    """
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
        filter_style_properties={"text-align"},
    )
    root = lxml.html.fragment_fromstring(cleaned, create_parent="div")
    if formulas:
        _put_formulas(root, formulas)
    for image in list(root.iter("img")):
        src = image.get("src", "")
        if src not in resolved:
            _resolve_raw_image(image, resolve_image(src, image.get("alt") or "", None))
    for element in root.iter():
        if element.get("id"):
            element.set("id", id_prefix + element.get("id"))
        href = element.get("href")
        # Links between essays were resolved to book-wide ids already ("xref").
        if href and href.startswith("#") and len(href) > 1 and element.get("class") != "xref":
            element.set("href", "#" + id_prefix + href[1:])
    return inner_xml(root).strip()


def _put_formulas(root: etree._Element, formulas: dict[str, str]) -> None:
    for slot in [span for span in root.iter("span") if span.get("class") in formulas]:
        math = etree.fromstring(formulas[slot.get("class")])
        math.tail = slot.tail
        slot.getparent().replace(slot, math)


def inner_xml(root: etree._Element) -> str:
    """What is inside an element, as XML text (the element's own tag left out)."""
    parts = [_escape_text(root.text or "")]
    parts += [etree.tostring(child, method="xml", encoding="unicode") for child in root]
    return "".join(parts)


def _resolve_raw_image(image: etree._Element, src: str | None) -> None:
    if src is not None:
        image.set("src", src)
        return
    stand_in = lxml.html.fragment_fromstring(missing_image_html(image.get("alt", "")))
    stand_in.tail = image.tail
    image.getparent().replace(image, stand_in)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
