"""The EPUB file itself: ebooklib writes the package, then it is zipped again so that the same book
always gives the same bytes (`mimetype` first and stored, fixed times and attributes)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable

from ebooklib import epub

# EPUB 3 landmarks only: the EPUB 2 guide's types differ, and the NCX serves old readers. Nothing
# compressed by ebooklib: repack() compresses each entry, once.
OPTIONS = {"epub3_pages": False, "epub2_guide": False, "landmark_title": "Landmarks", "compresslevel": 0}


def archive(package: epub.EpubBook, modified: dt.datetime, edits: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """The package as an EPUB file, with each entry named in edits rewritten by its function."""
    packed = io.BytesIO()
    epub.write_epub(packed, package, {**OPTIONS, "mtime": modified})
    return repack(packed.getvalue(), modified, edits)


def repack(zipped: bytes, modified: dt.datetime, edits: dict[str, Callable[[bytes], bytes]] | None = None) -> bytes:
    """Rewrite the zip with fixed timestamps and attributes, `mimetype` first and stored, so that
    the same book always gives the same bytes (ebooklib stamps every entry with the clock)."""
    # A zip holds times from 1980 to 2107 only: an essay dated 0001-01-01 or 9999-12-31 is stamped at the edge.
    stamp = min(max(modified.timetuple()[:6], (1980, 1, 1, 0, 0, 0)), (2107, 12, 31, 23, 59, 58))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(zipped)) as source, zipfile.ZipFile(out, "w") as result:
        names = source.namelist()
        for name in ["mimetype", *sorted(n for n in names if n != "mimetype")]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            content = source.read(name)
            result.writestr(info, (edits or {}).get(name, lambda same: same)(content))
    return out.getvalue()
