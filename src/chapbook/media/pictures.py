"""An image's bytes as each format wants them: the original for print, sized and compressed for reading
devices; its true type, read from its bytes; an SVG drawing without what a book may not run or fetch,
and a GIF drawn again, frame by frame, without what rides along in its file."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import PIL
import tinycss2
from tinycss2.ast import IdentToken, Node as CssNode
from lxml import etree
from PIL import Image as Picture
from PIL import ImageCms, features

from ..cache import BuildCache, content_key, file_digest
from ..errors import warn
from ..model import Image

# Formats a reading system must show (EPUB core media types); others are converted to PNG.
CORE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
              ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}
CONVERTIBLE = {".tif", ".tiff", ".bmp"}
# Pillow's name for a format the book carries as it is → its suffix and media type. MPO is the
# JPEG many phones write (a JPEG with a second picture inside); anything else becomes a PNG.
BY_FORMAT = {"JPEG": (".jpg", "image/jpeg"), "MPO": (".jpg", "image/jpeg"), "PNG": (".png", "image/png"),
             "GIF": (".gif", "image/gif"), "WEBP": (".webp", "image/webp")}
# The long side of a picture on a reading device; more only makes the file heavier.
EPUB_LONG_SIDE = 1600
# What else decides the bytes a conversion writes: the libraries that decode, convert and encode.
_LIBRARIES = (PIL.__version__, *(features.version(name) for name in ("jpg", "zlib", "webp", "littlecms2")),
              etree.LXML_VERSION, etree.LIBXML_VERSION)


def picture_type(path: Path, suffix: str, media_type: str) -> tuple[str, str]:
    """The suffix and media type the picture's bytes say it has, whatever its name says: a JPEG saved as
    .png is a JPEG to a reading system, and epubcheck rejects a book that calls it a PNG."""
    if media_type == "image/svg+xml":
        return suffix, media_type  # read as XML already: a drawing
    try:
        with Picture.open(path) as picture:
            actual = BY_FORMAT.get(picture.format or "", (".png", "image/png"))
    except (OSError, ValueError):
        return suffix, media_type  # not a picture at all: whoever reads it next says so
    return (suffix, media_type) if actual[1] == media_type else actual


def _as_carried(picture: Picture.Image, image: Image) -> bool:
    """Whether the picture's bytes already are the format the book names it by."""
    return BY_FORMAT.get(picture.format or "", ("", ""))[1] == image.media_type


def print_bytes(image: Image, press_profile: Path | None = None, cache: BuildCache | None = None) -> bytes:
    """The picture at full resolution, for the printer (converted only if its format needs it);
    with the press's profile, separated into its CMYK inks (grey pictures stay grey: black ink)."""
    data = image.source.read_bytes()
    if image.media_type == "image/svg+xml":
        return _made(cache, ("print drawing", data), lambda: clean_svg(data)[0])
    if press_profile is not None:
        return _made(cache, ("print separation", data, _stamped_digest(press_profile)),
                     lambda: _separate(Picture.open(io.BytesIO(data)), press_profile))
    with Picture.open(io.BytesIO(data)) as picture:
        if _as_carried(picture, image):
            return data
    return _made(cache, ("print png", data), lambda: _encode(Picture.open(io.BytesIO(data)), "PNG"))


def _separate(picture: Picture.Image, press_profile: Path) -> bytes:
    """RGB (sRGB, as the web means it) to the press's CMYK, perceptually; transparency over white paper."""
    if picture.mode in ("RGBA", "LA", "P", "PA"):
        picture = picture.convert("RGBA")
        paper = Picture.new("RGBA", picture.size, "white")
        picture = Picture.alpha_composite(paper, picture)
    if picture.mode in ("L", "1", "I", "I;16"):
        picture = picture.convert("L")
    elif picture.mode != "CMYK":
        source = ImageCms.getOpenProfile(io.BytesIO(picture.info["icc_profile"])) if picture.info.get("icc_profile") \
            else ImageCms.createProfile("sRGB")
        press = ImageCms.getOpenProfile(str(press_profile))
        picture = ImageCms.profileToProfile(picture.convert("RGB"), source, press, outputMode="CMYK",
                                            renderingIntent=ImageCms.Intent.PERCEPTUAL)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92, optimize=True)
    return out.getvalue()


def epub_bytes(image: Image, long_side: int = EPUB_LONG_SIDE, cache: BuildCache | None = None) -> bytes:
    """The picture for a reading device: at most `long_side` pixels long, recompressed when that helps."""
    data = image.source.read_bytes()
    if image.media_type in RIDDEN:  # vector art needs no resizing, and GIFs may be animated
        return _made(cache, ("epub " + image.media_type, data), lambda: without_riders(data, image.media_type))
    with Picture.open(io.BytesIO(data)) as picture:
        if max(picture.size) <= long_side and _as_carried(picture, image):
            return data
    return _made(cache, ("epub picture", data, image.media_type, long_side),
                 lambda: _smaller(Picture.open(io.BytesIO(data)), image.media_type, long_side))


def _smaller(picture: Picture.Image, media_type: str, long_side: int) -> bytes:
    picture.thumbnail((long_side, long_side), Picture.Resampling.LANCZOS)
    kind = {"image/jpeg": "JPEG", "image/webp": "WEBP"}.get(media_type, "PNG")
    return _encode(picture, kind)


def _made(cache: BuildCache | None, inputs: tuple, make: Callable[[], bytes]) -> bytes:
    """A converted picture: made, or with a cache, taken from it when these inputs were converted before.
    (Only conversions come here: a picture the book carries as it is would be a second copy in the cache.)"""
    if cache is None:
        return make()
    return cache.remember("pictures", content_key(*inputs, _LIBRARIES), make)


def _stamped_digest(path: Path) -> str:
    """The file's digest, hashed once per process while its size and time stay the same: every
    picture of a book is separated with the one press profile."""
    stat = path.stat()
    return _digest(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    return file_digest(path)


# Pixels (width x height x frames) a GIF is drawn again with; past that, its first frame alone is kept.
GIF_PIXELS = 64 * 1024 * 1024
# The formats whose files carry more than the picture: scripts and references in a drawing, comments,
# application blocks and trailing bytes in a GIF.
RIDDEN = {"image/svg+xml", "image/gif"}


def without_riders(data: bytes, media_type: str) -> bytes:
    """The picture as a book may carry it: a drawing cleaned, a GIF drawn again, any other as it is."""
    if media_type == "image/svg+xml":
        return clean_svg(data)[0]
    if media_type == "image/gif":
        return _redrawn_gif(data)
    return data


def _redrawn_gif(data: bytes) -> bytes:
    """The GIF's frames (its animation: timings, disposal, loops) and nothing else: not its comments, its
    application blocks or bytes after its end, where a stranger's file can carry a script or a whole archive."""
    with Picture.open(io.BytesIO(data)) as picture:
        try:
            return _gif(picture, animated=getattr(picture, "n_frames", 1) * picture.width * picture.height <= GIF_PIXELS)
        except (OSError, ValueError, EOFError):  # a later frame is damaged (the first was read with the essay)
            picture.seek(0)
            return _gif(picture, animated=False)


def _gif(picture: Picture.Image, animated: bool) -> bytes:
    out = io.BytesIO()
    picture.save(out, "GIF", save_all=animated, comment=b"")  # an empty comment, or frame 1's is copied
    return out.getvalue()


def _encode(picture: Picture.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        picture.convert("RGB").save(out, "JPEG", quality=85, optimize=True, progressive=True)
    else:
        picture.save(out, kind, optimize=True)
    return out.getvalue()


XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Where relative references in the drawing resolve: a drawing's references are its own, or nothing.
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XHTML_NS = "http://www.w3.org/1999/xhtml"
# What runs or shows another document inside a drawing: a book has no place for either.
SVG_UNSAFE = {"script": "scripts", "foreignObject": "embedded web pages (foreignObject)",
              "iframe": "embedded web pages", "embed": "embedded content", "object": "embedded content",
              "audio": "sound or video", "video": "sound or video", "handler": "scripts", "listener": "scripts"}
# Elements that only show what their href names: without a safe one they show nothing.
SVG_LOADERS = {"image", "use", "feImage"}
# A picture written into the drawing itself (data:) is kept when it is one of these, and not too big.
SAFE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
DATA_CAP = 2 * 1024 * 1024
# CSS functions whose argument is an address, and those whose strings are (image-set("a.png" 1x)).
_CSS_ADDRESS = {"url", "src"}
_CSS_ADDRESS_LISTS = {"image-set", "-webkit-image-set", "image", "cross-fade", "-webkit-cross-fade"}


def clean_svg(data: bytes) -> tuple[bytes, list[str]]:
    """The drawing without scripts, event handlers, embedded web pages, or references to anything outside
    it (a book may run nothing and fetch nothing), and what was taken out, in words."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
    tree = etree.parse(io.BytesIO(data), parser)
    removed: list[str] = []
    internal = {entity.name: entity.content or "" for entity in tree.docinfo.internalDTD.iterentities()} \
        if tree.docinfo.internalDTD is not None else {}
    for entity in list(tree.iter(etree.Entity)):  # the DTD is not copied: write each entity out
        _replace_with_text(entity, internal.get(entity.name, ""))
        if entity.name not in internal:
            removed.append("references to other files")
    root = tree.getroot()
    _keep(root, removed)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8"), list(dict.fromkeys(removed))


def _keep(element: etree._Element, removed: list[str]) -> bool:
    """Clean the element and what is inside it; False when nothing of it may stay."""
    name = etree.QName(element).localname
    if name in SVG_UNSAFE:
        removed.append(SVG_UNSAFE[name])
        return False
    if etree.QName(element).namespace == XHTML_NS:  # <html:img src>, <html:link>: a web page's, in a drawing
        removed.append("embedded web pages")
        return False
    if name in ("set", "animate") and (element.get("attributeName") or "").lower().endswith("href"):
        removed.append("scripts")  # an animation can set a link to javascript:
        return False
    for attribute, value in list(element.attrib.items()):
        if etree.QName(attribute).localname.lower().startswith("on"):
            removed.append("event handlers")
            del element.attrib[attribute]
        elif attribute in ("href", XLINK_HREF) and not _safe_reference(name, value.strip()):
            removed.append("scripts" if value.strip().lower().startswith("javascript:") else "references to other files")
            del element.attrib[attribute]
        elif attribute == XML_BASE:
            removed.append("references to other files")
            del element.attrib[attribute]
        elif "(" in value or "\\" in value:  # CSS that may name a file: fill="url(other.svg#paint)", style="…"
            element.set(attribute, _clean_css(value, removed))
    if name in SVG_LOADERS and not (element.get("href") or element.get(XLINK_HREF)):
        return False  # it would show nothing
    if name == "style" and element.text:
        element.text = _clean_css(element.text, removed)
    for child in list(element):
        if isinstance(child.tag, str) and not _keep(child, removed):
            _remove(child)
    return True


def _safe_reference(element: str, href: str) -> bool:
    """A part of the same drawing; a link a reader may follow; or a small picture written into it."""
    if href.startswith("#"):
        return True
    if element == "a":
        return href.lower().startswith(("http://", "https://", "mailto:"))
    return len(href) <= DATA_CAP and bool(SAFE_DATA.match(href))


def data_picture(url: str) -> tuple[str, bytes] | None:
    """The media type and bytes of a picture written into a drawing (a data: URL the cleaner keeps)."""
    if len(url) > DATA_CAP or not SAFE_DATA.match(url):
        return None
    header, _, encoded = url.partition(",")
    return header[len("data:"):].split(";")[0], base64.b64decode(encoded)


def _clean_css(css: str, removed: list[str]) -> str:
    """The drawing's CSS (a <style>, a style="…", a fill="url(…)") reading nothing from outside it, tokenised
    as a reading system reads it, so that no escape (\\75 rl(…)) hides an address; and light-dark(a, b) → a,
    as paper is light (draw.io writes them; WeasyPrint, like many reading systems, paints them black).
    CSS that needs neither change is kept as written."""
    nodes = tinycss2.parse_component_value_list(css)
    return tinycss2.serialize(nodes) if _local_css(nodes, removed) else css


def _local_css(nodes: list, removed: list[str]) -> bool:
    """Rewrite the tokens in place: an outside address becomes `none`, @import goes. Whether anything changed."""
    changed, kept, skipping = False, [], False
    for node in nodes:
        if skipping:  # the rest of an @import, to its semicolon
            skipping = not (node.type == "literal" and node.value == ";")
            continue
        if node.type == "at-keyword" and node.lower_value == "import":
            removed.append("references to other files")
            changed = skipping = True
            continue
        addresses = _css_addresses(node)
        if addresses and not all(_safe_reference("", address.strip()) for address in addresses):
            removed.append("references to other files")
            node, changed = IdentToken(node.source_line, node.source_column, "none"), True
        elif node.type == "function" and node.lower_name == "light-dark":
            first = _first_argument(node.arguments)
            _local_css(first, removed)
            kept += first
            changed = True
            continue
        elif node.type == "function":
            changed |= _local_css(node.arguments, removed)
        elif node.type in ("() block", "[] block", "{} block"):
            changed |= _local_css(node.content, removed)
        kept.append(node)
    nodes[:] = kept
    return changed


def _css_addresses(node: CssNode) -> list[str]:
    """The addresses a CSS token names: url(a), url("a"), src("a"), image-set("a" 1x, url(b) 2x)."""
    if node.type == "url":
        return [node.value]
    if node.type != "function" or node.lower_name not in _CSS_ADDRESS | _CSS_ADDRESS_LISTS:
        return []
    strings = [argument.value for argument in node.arguments if argument.type == "string"]
    if node.lower_name in _CSS_ADDRESS:
        return strings[:1] or [""]  # url() with no string: nothing a drawing of its own can mean
    return strings + [address for argument in node.arguments for address in _css_addresses(argument)]


def _first_argument(arguments: list) -> list:
    """A CSS function's first argument (up to its first comma), without the spaces around it."""
    commas = [index for index, token in enumerate(arguments) if token.type == "literal" and token.value == ","]
    first = arguments[: commas[0]] if commas else list(arguments)
    while first and first[0].type in ("whitespace", "comment"):
        first.pop(0)
    while first and first[-1].type in ("whitespace", "comment"):
        first.pop()
    return first


def _remove(element: etree._Element) -> None:
    """Take an element out, keeping the text that followed it."""
    _replace_with_text(element, "")


def _replace_with_text(node: etree._Element, text: str) -> None:
    parent, previous = node.getparent(), node.getprevious()
    after = text + (node.tail or "")
    if previous is not None:
        previous.tail = (previous.tail or "") + after
    else:
        parent.text = (parent.text or "") + after
    parent.remove(node)


def report_unsafe_svg(path: Path, src: str, display: Path, line: int | None) -> None:
    """Tell the writer what the book's copy of an SVG drawing leaves out, once, where the drawing is used."""
    if path.suffix.lower() != ".svg":
        return
    removed = clean_svg(path.read_bytes())[1]
    if removed:
        listed = ", ".join(removed[:-1]) + (" and " if len(removed) > 1 else "") + removed[-1]
        warn(display, line, f'image "{src}" holds {listed}; the book carries a copy without them (a book may '
             "run no script and fetch nothing). Save the drawing without them to silence this")
