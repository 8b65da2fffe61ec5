"""An image's bytes as each format wants them: the original for print, sized and compressed for reading devices."""

from __future__ import annotations

import io

from PIL import Image as Picture

from .model import Image

# Formats a reading system must show (EPUB core media types); others are converted to PNG.
CORE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
              ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}
CONVERTIBLE = {".tif", ".tiff", ".bmp"}
# The long side of a picture on a reading device; more only makes the file heavier.
EPUB_LONG_SIDE = 1600


def print_bytes(image: Image) -> bytes:
    """The picture at full resolution, for the printer (converted only if its format needs it)."""
    data = image.source.read_bytes()
    if image.source.suffix.lower() in CONVERTIBLE:
        return _encode(Picture.open(io.BytesIO(data)), "PNG")
    return data


def epub_bytes(image: Image, long_side: int = EPUB_LONG_SIDE) -> bytes:
    """The picture for a reading device: at most `long_side` pixels long, recompressed when that helps."""
    data = image.source.read_bytes()
    suffix = image.source.suffix.lower()
    if suffix in {".svg", ".gif"}:
        return data  # vector art needs no resizing; GIFs may be animated
    picture = Picture.open(io.BytesIO(data))
    if max(picture.size) <= long_side and suffix not in CONVERTIBLE:
        return data
    picture.thumbnail((long_side, long_side), Picture.Resampling.LANCZOS)
    kind = {"image/jpeg": "JPEG", "image/webp": "WEBP"}.get(image.media_type, "PNG")
    return _encode(picture, kind)


def _encode(picture: Picture.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        picture.convert("RGB").save(out, "JPEG", quality=85, optimize=True, progressive=True)
    else:
        picture.save(out, kind, optimize=True)
    return out.getvalue()
