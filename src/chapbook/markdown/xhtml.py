"""Rendered HTML → safe, well-formed XHTML: untrusted raw HTML is cleaned, ids are made unique in the book."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape as html_escape
from urllib.parse import urlsplit

import lxml.html
import nh3
from lxml import etree

from ..urls import valid_url
from .bounds import bounded_html
from .images import ImageResolver, missing_image_html
from .links import LinkResolver, between_pages
from .rawhtml import RAW_LINE, raw_line

# Given a message and the line in the Markdown body (None if unknown), report a problem.
Warn = Callable[[str, "int | None"], None]

ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    "var", "wbr",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "title"},
    "a": {"href", "name", RAW_LINE},
    "img": {"src", "alt", "width", "height", RAW_LINE},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style"},
}


def to_xhtml(html: str, id_prefix: str, resolve_image: ImageResolver, resolved: set[str],
             formulas: dict[str, str] | None = None, warn: Warn | None = None,
             resolve_link: LinkResolver | None = None) -> str:
    """Clean the HTML, prefix its ids (and the links to them), and serialise it as XHTML.

    Markdown images and links were resolved while parsing (`resolved`); an <img> or <a> written as
    raw HTML is resolved here, the same way, so it cannot point outside the book either, and is made
    valid (an alt text, whole-pixel sizes). Formulas (MathML, which the cleaner does not know)
    replace their placeholders after cleaning.
    """
    cleaned = nh3.clean(
        embeds_as_links(noscript_shown(html)),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
        filter_style_properties={"text-align"},
    )
    cleaned = bounded_html(cleaned, warn or _quiet)  # lxml drops what is past 255 levels, unsaid; print stalls on runs
    root = lxml.html.fragment_fromstring(cleaned, create_parent="div")
    _unwrap_inline_around_blocks(root)
    _valid_details(root)
    _bleed_pages(root)
    _mark_long_words_in_tables(root)
    if formulas:
        _put_formulas(root, formulas)
    for image in list(root.iter("img")):
        line = raw_line(image)
        src = image.get("src", "")
        if src not in resolved:
            _resolve_raw_image(image, resolve_image(src, image.get("alt"), line))
        if image.getparent() is not None:
            _give_alt_text(image, src, line, warn or _quiet)
            _sizes_as_css(image)
    _drop_empty_paragraphs(root)
    for link in list(root.iter("a")):
        line = raw_line(link)
        if line is not None and resolve_link is not None:
            _resolve_raw_link(link, resolve_link, line)
    _valid_web_links(root)
    _names_as_ids(root)
    _unique_ids(root)
    for element in root.iter():
        if element.get("id"):
            element.set("id", id_prefix + element.get("id"))
        href = element.get("href")
        # Links between essays were resolved to book-wide ids already ("xref").
        if href and href.startswith("#") and len(href) > 1 and element.get("class") != "xref":
            element.set("href", "#" + id_prefix + href[1:])
    return inner_xml(root).strip()


_NOSCRIPT = re.compile(r"</?noscript\b[^>]*>", re.IGNORECASE)


def noscript_shown(html: str) -> str:
    """A book runs no scripts, so what a page shows without them (<noscript>: a chart's picture) is
    what the book shows; the cleaner would keep it as literal text. Only the tags go: parsing and
    writing the HTML again would escape what is in <a name> and change the words."""
    return _NOSCRIPT.sub("", html)


# What a page cannot play: each becomes a link to what it showed, with a word on what it was.
EMBEDS = {"iframe": "Embedded page", "video": "Video", "audio": "Audio", "object": "Embedded content",
          "embed": "Embedded content"}
_VIDEO_HOSTS = {"www.youtube.com": "YouTube video", "youtube.com": "YouTube video",
                "www.youtube-nocookie.com": "YouTube video", "vimeo.com": "Vimeo video"}


def embeds_as_links(html: str) -> str:
    """Replace iframes, video and audio (which a book cannot play, and which may run scripts) with a
    note naming what they showed and a link to it on the web."""
    if not re.search(r"<(iframe|video|audio|object|embed)\b", html, re.IGNORECASE):
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in list(root.iter(*EMBEDS)):
        address = _embed_address(element)
        if not address:  # nothing a reader could open (a script URL, an empty frame): leave it out
            element.drop_tree()
            continue
        # A frame standing alone becomes a paragraph of its own; one inside text stays in the line.
        note = lxml.html.Element("p" if element.getparent() is root else "span", {"class": "embed"})
        kind = _VIDEO_HOSTS.get(urlsplit(address).netloc, EMBEDS[element.tag])
        title = (element.get("title") or element.get("aria-label") or "").strip()
        note.text = f"{kind}{': ' + title if title else ''} (on the web at "
        link = lxml.html.Element("a", {"href": address})
        link.text, link.tail = address, ")"
        note.append(link)
        note.tail = element.tail
        element.getparent().replace(element, note)
    return html_escape(root.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def _embed_address(element: lxml.html.HtmlElement) -> str:
    """The address of what an embed shows, as a reader can open it: a YouTube player becomes its watch page."""
    src = element.get("src") or element.get("data") or next(
        (source.get("src") for source in element.iter("source") if source.get("src")), "")
    if src.startswith("//"):
        src = "https:" + src
    parts = urlsplit(src)
    if parts.scheme not in ("http", "https"):
        return ""
    video = re.match(r"/embed/([\w-]+)", parts.path)
    if "youtube" in parts.netloc and video:  # the player and the nocookie player alike
        return f"https://www.youtube.com/watch?v={video[1]}"
    vimeo = re.match(r"/video/(\d+)", parts.path)
    if parts.netloc == "player.vimeo.com" and vimeo:
        return f"https://vimeo.com/{vimeo[1]}"
    return src


INLINE = {"a", "abbr", "b", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s", "samp",
          "small", "span", "strong", "sub", "sup", "u", "var"}
BLOCKS = {"aside", "blockquote", "details", "div", "dl", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p",
          "pre", "section", "table", "ul"}


def _unwrap_inline_around_blocks(root: etree._Element) -> None:
    """Broken HTML (an <em> never closed) can leave an inline element around paragraphs, which XHTML
    forbids; keep the words, drop the wrapper."""
    for element in list(root.iter(*INLINE)):
        if any(child.tag in BLOCKS for child in element.iter() if child is not element):
            element.drop_tag()


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _valid_details(root: etree._Element) -> None:
    """A <details> opens with its <summary>, a line of text (or a heading): blogs leave it after the
    content it hides, or wrap its words in a paragraph (Markdown inside HTML), which XHTML forbids."""
    for details in list(root.iter("details")):
        summary = details.find("summary")
        if summary is None:
            summary = lxml.html.Element("summary")
            summary.text = "Details"
        elif details.index(summary) != 0:
            previous = summary.getprevious()
            previous.tail = (previous.tail or "") + (summary.tail or "")  # the text after it stays where it was
            summary.tail = None
            details.remove(summary)
        summary.tail = details.text
        details.text = None
        details.insert(0, summary)
    for summary in list(root.iter("summary")):
        if summary.getparent() is None or summary.getparent().tag != "details":
            summary.tag = "p"  # a summary without its details: a line of the text
            continue
        for block in [element for element in summary.iterdescendants() if element.tag in BLOCKS - _HEADINGS]:
            block.drop_tag()


# Longer than this, a word in a table cell could push the table past the margin.
LONG_WORD = 24
_LONG_WORD = re.compile(rf"\S{{{LONG_WORD},}}")


def _mark_long_words_in_tables(root: etree._Element) -> None:
    """Wrap each very long word (an address, a hash) in a table cell in <span class="long-word">, which may
    break anywhere: a table sizes its columns by their longest words, and one such word sets it past the page."""
    for cell in list(root.iter("td", "th")):
        for node in [cell, *cell.iterdescendants()]:
            if node.tag in ("code", "pre") or not isinstance(node.tag, str):
                continue
            for attribute in ("text", "tail") if node is not cell else ("text",):
                _split_long_words(node, attribute)


def _split_long_words(node: etree._Element, attribute: str) -> None:
    text = getattr(node, attribute) or ""
    pieces = _LONG_WORD.split(text)
    if len(pieces) == 1:
        return
    words = _LONG_WORD.findall(text)
    setattr(node, attribute, pieces[0])
    spans = []
    for word, after in zip(words, pieces[1:]):
        span = lxml.html.Element("span", {"class": "long-word"})
        span.text, span.tail = word, after
        spans.append(span)
    if attribute == "text":
        for position, span in enumerate(spans):
            node.insert(position, span)
    else:
        parent, index = node.getparent(), node.getparent().index(node)
        for offset, span in enumerate(spans, start=1):
            parent.insert(index + offset, span)


def _bleed_pages(root: etree._Element) -> None:
    """A picture marked {.bleed} alone in its paragraph or figure is a page of its own in print (to the
    trimmed edge) and a full-width picture on screen; inside a sentence the mark means nothing."""
    for image in root.iter("img"):
        classes = (image.get("class") or "").split()
        if "bleed" not in classes:
            continue
        block = image.getparent()
        alone = (block is not None and block.tag in ("p", "figure") and len(block) == 1
                 and not (block.text or "").strip() and not (image.tail or "").strip())
        if alone:
            block.set("class", " ".join([*(block.get("class") or "").split(), "bleed-page"]))
        else:
            rest = [name for name in classes if name != "bleed"]
            image.set("class", " ".join(rest)) if rest else image.attrib.pop("class")
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


def _resolve_raw_image(image: lxml.html.HtmlElement, src: str | None) -> None:
    """The picture's name in the book, or, where there is none, its words (its alt text, else its title)."""
    if src is not None:
        image.set("src", src)
        return
    words = image.get("alt") if image.get("alt") is not None else image.get("title", "")
    if words.strip():
        stand_in = lxml.html.fragment_fromstring(missing_image_html(words))
        stand_in.tail = image.tail
        image.getparent().replace(image, stand_in)
        return
    image.drop_tree()  # no words to show in its place: nothing is left, not even an empty frame


def _resolve_raw_link(link: lxml.html.HtmlElement, resolve: LinkResolver, line: int) -> None:
    """A raw <a> to another page lands where a Markdown link to it would, or keeps its words."""
    href = link.get("href") or ""
    if not between_pages(href):
        return
    target = resolve(href, line)
    if target is None:
        link.drop_tag()
        return
    link.set("href", target)
    if target.startswith("#"):
        link.set("class", "xref")  # a book-wide id already, as links.py gives


def _quiet(message: str, line: int | None) -> None:
    """Where no one asked to hear of problems (a title, a test)."""


def _drop_empty_paragraphs(root: lxml.html.HtmlElement) -> None:
    """A missing picture with no words leaves its paragraph empty; an empty paragraph would still take room."""
    for paragraph in list(root.iter("p")):
        if len(paragraph) == 0 and not (paragraph.text or "").strip(" \t\r\n"):  # a writer's &nbsp; spacer stays
            paragraph.drop_tree()


def _give_alt_text(image: lxml.html.HtmlElement, src: str, line: int | None, warn: Warn) -> None:
    """Every picture in an EPUB has an alt text: one written as raw HTML without it gets its title, or its
    figure's caption, or an empty one (which tells a screen reader to pass it by), and the writer is told."""
    if image.get("alt") is not None:
        return
    figure = next((above for above in image.iterancestors("figure")), None)
    caption = figure.find(".//figcaption") if figure is not None else None
    title = " ".join((image.get("title") or "").split())
    caption_text = " ".join(caption.text_content().split()) if caption is not None else ""
    if title:
        image.set("alt", title)
        warn(f'image "{src}" has no alt text; the book uses its title, "{title}". Write alt="…" in the <img> '
             "if that does not describe the picture", line)
    elif caption_text:
        image.set("alt", caption_text)
        warn(f'image "{src}" has no alt text; the book uses its figure\'s caption, "{caption_text}". Write alt="…" '
             "in the <img> if that does not describe the picture", line)
    else:
        image.set("alt", "")
        warn(f'image "{src}" has no alt text, so the book gives it an empty one and a reader who cannot see it '
             f'learns nothing; describe it: <img src="{src}" alt="a lamp on a desk">', line)


_WHOLE_PIXELS = re.compile(r"\d+")
_LENGTH = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*(px|%|em|rem|ex|ch|vw|vh|cm|mm|in|pt|pc)?", re.IGNORECASE)


def _sizes_as_css(image: etree._Element) -> None:
    """XHTML's width and height are whole pixels; "50%" or "300px", which browsers forgive, become CSS
    that says the same (and a size that says nothing is dropped)."""
    styles = []
    for name in ("width", "height"):
        value = (image.get(name) or "").strip()
        if name not in image.attrib or _WHOLE_PIXELS.fullmatch(value):
            continue
        del image.attrib[name]
        length = _LENGTH.fullmatch(value)
        if length:
            styles.append(f"{name}: {length[1]}{(length[2] or 'px').lower()}")
    if styles:
        image.set("style", "; ".join(styles))


def _valid_web_links(root: lxml.html.HtmlElement) -> None:
    """Addresses browsers forgive ("https://x/y###", a space in a query) made valid; one that cannot be
    keeps its words, without the link."""
    for link in list(root.iter("a")):
        href = link.get("href") or ""
        if not href.strip().lower().startswith(("http:", "https:", "mailto:")):
            continue
        address = valid_url(href)
        if address is None:
            link.drop_tag()
        else:
            link.set("href", address)


def _names_as_ids(root: lxml.html.HtmlElement) -> None:
    """<a name="tool"> is how older HTML marks a place to link to; XHTML knows only ids."""
    taken = {str(value) for value in root.xpath("//@id")}
    for anchor in root.iter("a"):
        name = "-".join((anchor.attrib.pop("name", None) or "").split())
        if name and not anchor.get("id") and name not in taken:
            anchor.set("id", name)
            taken.add(name)


def _unique_ids(root: lxml.html.HtmlElement) -> None:
    """An id names one place: raw HTML may repeat one, or take the id Markdown gave a heading or a note.
    The first keeps it, where links land; each later one gets a number ("intro-2"), and spaces, which
    no id may hold, become hyphens (an id of nothing but spaces goes)."""
    ids = [element for element in root.iter() if element.get("id") is not None]
    written = {"-".join(element.get("id").split()) for element in ids}
    taken: set[str] = set()
    for element in ids:
        unique = wanted = "-".join(element.get("id").split())
        if not wanted:
            del element.attrib["id"]
            continue
        counter = 2
        while unique in taken or (unique != wanted and unique in written):
            unique, counter = f"{wanted}-{counter}", counter + 1
        element.set("id", unique)
        taken.add(unique)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
