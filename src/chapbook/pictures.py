"""An image's bytes as each format wants them: the original for print, sized and compressed for reading devices."""

from __future__ import annotations

import io

from pathlib import Path

from PIL import Image as Picture
from PIL import ImageCms

from .model import Image

# Formats a reading system must show (EPUB core media types); others are converted to PNG.
CORE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
              ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}
CONVERTIBLE = {".tif", ".tiff", ".bmp"}
# The long side of a picture on a reading device; more only makes the file heavier.
EPUB_LONG_SIDE = 1600


def print_bytes(image: Image, press_profile: Path | None = None) -> bytes:
    """The picture at full resolution, for the printer (converted only if its format needs it);
    with the press's profile, separated into its CMYK inks (grey pictures stay grey: black ink)."""
    data = image.source.read_bytes()
    if press_profile is not None and image.media_type != "image/svg+xml":
        return _separate(Picture.open(io.BytesIO(data)), press_profile)
    if image.source.suffix.lower() in CONVERTIBLE:
        return _encode(Picture.open(io.BytesIO(data)), "PNG")
    return data


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
