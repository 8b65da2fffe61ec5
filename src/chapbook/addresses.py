"""Where things are in the book: the chapter a link means and the file a picture names, both read
against the site's address map (sources/sites.py) as the site's own pages would read them."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree
from PIL import Image as Picture
from PIL import ImageFile

from .errors import shortened, warn
from .limits import SCALE_DOWN, picture_size, too_many_pixels
from .markdown.liquid import POST_URL, SITE_FILE
from .model import COVER_PICTURE, Image
from .media.pictures import CONVERTIBLE, CORE_TYPES, picture_type, report_unsafe_svg
from .sources.essays import slugify
from .sources import jekyll
from .sources.sites import AddressMap, essay_folder

# Hugo's {{< ref "post" >}} in a link, as the Markdown stage hands it on.
HUGO_REF = "@ref/"
# Ids inside an essay become "<chapter-slug>--<id>": slugs never hold "--", so no two chapters can clash.
ID_SEPARATOR = "--"


def page_assets(essay_path: Path) -> tuple[str, ...]:
    """The pictures beside a page bundle's index.md (Zola's and Hugo's page.assets), for galleries."""
    if essay_path.stem != "index":
        return ()
    return tuple(sorted(p.name for p in essay_path.parent.iterdir()
                        if p.suffix.lower() in CORE_TYPES or p.suffix.lower() in CONVERTIBLE))


def url_path(path: str) -> str:
    """An address's path as a file name: decoded, and a NUL (`%00`), which no file name holds and the
    system refuses to look up, made a character that names nothing."""
    return unquote(path).replace("\x00", "\N{REPLACEMENT CHARACTER}")


class LinkTargets:
    """Where a link from one essay to another lands in the book."""

    def __init__(self, root: Path, slug_by_path: dict[Path, str], addresses: AddressMap):
        self.root = root.resolve()
        self.slug_by_path = slug_by_path
        self.addresses = addresses

    def resolve(self, href: str, essay_path: Path, display: Path, line: int | None) -> str | None:
        """Return "#chapter" or "#chapter-anchor", a web address, or None (with a warning) when the book
        has no such page and its address on the web is unknown."""
        parts = urlsplit(href)
        path = url_path(parts.path)
        if path.startswith((POST_URL, SITE_FILE)) and not parts.scheme:
            slug = self._jekyll_target(path, essay_path)
            if slug:
                return self._target(slug, parts.fragment)
            # {% link _docs/x.md %}: a page or a collection's document the site serves, not in the book.
            served = jekyll.file_address(self.addresses.site.settings, path[len(SITE_FILE):]) \
                if path.startswith(SITE_FILE) else None
            web = self.addresses.web_address(served) if served else None
            if web:
                warn(display, line, f'"{path.split("/", 1)[1]}" is a page that is not in this book; it links to {web}')
                return web + (f"#{parts.fragment}" if parts.fragment else "")
            warn(display, line, f'"{path.split("/", 1)[1]}" names no post in this book; its words are kept, '
                 "without the link")
            return None
        if path.startswith(HUGO_REF) and not parts.scheme:
            slug = self._hugo_ref(path[len(HUGO_REF):], essay_path)
            if slug:
                return self._target(slug, parts.fragment)
            warn(display, line, f'ref "{path[len(HUGO_REF):]}" names no page in this book; its words are kept, '
                 "without the link")
            return None
        if path.startswith("@/") and not parts.scheme:
            return self._zola_link(href, path[2:], parts.fragment, display, line)
        if not parts.scheme and not path.startswith("/"):
            # A path to the Markdown file itself ("other.md", "../travel/_index.md"), as editors link.
            candidate = (essay_path.parent / path).resolve() if path else essay_path.resolve()
            slug = self._slug_of_file(candidate)
            if slug:
                return self._target(slug, parts.fragment)
        address = self.addresses.address_of(href, essay_path)
        if address is None:
            if parts.scheme in ("http", "https"):
                return href  # the rest of the web
            warn(display, line, f'link "{href}" points to no essay in this book; its words are kept, without the link')
            return None
        page = self.addresses.page(address)
        slug = self._slug_of_file(page) if page else None
        if slug:
            return self._target(slug, parts.fragment)
        if parts.scheme in ("http", "https"):
            return href  # one of the site's own pages or files, not in the book: its address works as written
        web = self.addresses.web_address(address)
        if web:
            what = "page" if page or address.endswith("/") or "." not in address.rsplit("/", 1)[-1] else "file"
            warn(display, line, f'link "{href}" points to a {what} that is not in this book; it links to {web}')
            return web + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
        warn(display, line, f'link "{href}" points to no essay in this book; its words are kept, without the link')
        return None

    def _zola_link(self, href: str, path: str, fragment: str, display: Path, line: int | None) -> str | None:
        """Zola's internal links are relative to content/: the book folder, a folder above it, or the
        content/ folder of a whole site."""
        bases = [base for folder in (self.root, *self.root.parents) for base in (folder, folder / "content")]
        for base in bases:
            slug = self._slug_of_file((base / path).resolve())
            if slug:
                return self._target(slug, fragment)
        target = next((self.addresses.page_at.get((base / path).resolve()) for base in bases
                       if (base / path).resolve() in self.addresses.page_at), None)
        if target is None:
            # Zola's own rule for a page's address: its path under content/, without the file name.
            page = re.sub(r"(^|/)_?index\.md$|\.md$", "", path)
            target = "/" + (page.strip("/") + "/" if page.strip("/") else "")
        web = self.addresses.web_address(target)
        if web:
            warn(display, line, f'link "{href}" points to a page that is not in this book; it links to {web}')
            return web + (f"#{fragment}" if fragment else "")
        warn(display, line, f'link "{href}" points to no essay in this book; its words are kept, without the link')
        return None

    def _slug_of_file(self, candidate: Path) -> str | None:
        if candidate.is_dir():
            candidate = candidate / "index.md"
        return self.slug_by_path.get(candidate) or self._section_start(candidate)

    def _jekyll_target(self, path: str, essay_path: Path) -> str | None:
        """{% post_url 2021-03-04-title %} names a post's file in _posts/ (a folder may come first);
        {% link _posts/….md %} names a file from the site's root."""
        if path.startswith(SITE_FILE):
            return self.slug_by_path.get((self.root / path[len(SITE_FILE):]).resolve())
        name = path[len(POST_URL):]
        return next((slug for file, slug in self.slug_by_path.items() if jekyll.is_post(file)
                     and file.with_suffix("").as_posix().endswith("/" + name.strip("/"))), None)

    def _hugo_ref(self, name: str, essay_path: Path) -> str | None:
        """Hugo's ref and relref: a path from the page's folder or from content/, else the one page whose
        path under content/ ends with the name ("kettle", "posts/kettle.md", "/posts/kettle/")."""
        def page_name(path: Path) -> str:
            return re.sub(r"(/_?index)?\.(md|markdown)$", "", path.as_posix())

        wanted = page_name(Path(name.strip("/"))) if name.strip("/") else ""
        content = essay_folder(self.root)
        pages = {}
        for path, slug in self.slug_by_path.items():
            for base in (essay_path.parent.resolve(), content.resolve()):
                if path.is_relative_to(base):
                    pages.setdefault((base, page_name(path.relative_to(base))), slug)
        for base in ([] if name.startswith("/") else [essay_path.parent.resolve()]) + [content.resolve()]:
            if (base, wanted) in pages:
                return pages[(base, wanted)]
        ends = {slug for (base, page), slug in pages.items() if base == content.resolve()
                and (page == wanted or page.endswith("/" + wanted))}
        return ends.pop() if len(ends) == 1 else None

    @staticmethod
    def _target(slug: str, fragment: str) -> str:
        return f"#{slug}{ID_SEPARATOR}{fragment}" if fragment else f"#{slug}"

    def _section_start(self, candidate: Path) -> str | None:
        """A link to a section (Zola's and Hugo's _index.md) lands on the section's first chapter."""
        if candidate.name not in {"_index.md", "_index.markdown"}:
            return None
        # slug_by_path is in reading order, so the first match is where the section begins.
        return next((slug for path, slug in self.slug_by_path.items() if path.is_relative_to(candidate.parent)), None)


# What Pillow may read a picture as: the formats the book carries, and those it converts to PNG.
PICTURE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP")  # a phone's MPO opens as JPEG


def readable_picture(path: Path) -> bool:
    """Whether the file decodes as the picture it claims to be, whole (a cut-off JPEG does not)."""
    try:
        if path.suffix.lower() == ".svg":
            etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
            return True
        # WeasyPrint tells Pillow to load cut-off files quietly (grey to the end); here they must show.
        lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            # Only the formats a book carries: Pillow would hand a PostScript file to Ghostscript to draw.
            with Picture.open(path, formats=PICTURE_FORMATS) as picture:
                picture.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient
        return True
    except (OSError, ValueError, SyntaxError, etree.XMLSyntaxError, Picture.DecompressionBombError):
        return False


class ImageRegistry:
    """Collects the images essays use, each once, under a safe name inside the book."""

    def __init__(self, root: Path, addresses: AddressMap):
        self.root = root.resolve()
        self.addresses = addresses
        self._by_source: dict[Path, Image] = {}
        # Each picture found, as (file, image, found first here): kept while essays are rendered in a
        # fork of the build, for the build's own registry to `take`.
        self.looked_up: list[tuple[Path, Image, bool]] | None = None

    def resolve(self, src: str, essay_path: Path, display: Path, line: int | None) -> str | None:
        """Return the image's name in the book, or None (with a warning) if the book cannot show it."""
        parts = urlsplit(src)
        if parts.scheme == "data":
            warn(display, line, f'image "{shortened(src)}" is written into the page (a data: URL); the book carries '
                 "only picture files, so its alt text is shown. Save it as a file in the book folder and link that")
            return None
        if (parts.scheme or parts.netloc) and self.addresses.site_path(src) is None:
            warn(display, line, f'image "{src}" is on the web; a book cannot fetch it, so its alt text is shown. '
                 "Download it into the book folder and link the file")
            return None
        path = self._find(src, essay_path)
        if not path.is_relative_to(self.root):
            warn(display, line, f'image "{src}" is outside the book folder; it is left out and its alt text shown')
            return None
        if not path.is_file():
            warn(display, line, f'image "{src}" not found; its alt text is shown instead. Add the file or fix the path')
            return None
        suffix = path.suffix.lower()
        if suffix in CONVERTIBLE:
            suffix = ".png"  # readers cannot show TIFF or BMP: the book carries a PNG
        media_type = CORE_TYPES.get(suffix)
        if media_type is None:
            guessed = mimetypes.guess_type(path.name)[0] or "unknown type"
            warn(display, line, f'image "{src}" is {guessed}; use JPEG, PNG, GIF, SVG or WebP. Its alt text is shown')
            return None
        too_large = too_many_pixels(picture_size(path)) if path not in self._by_source else None
        if too_large:
            warn(display, line, f'image "{src}" {too_large}; its alt text is shown. {SCALE_DOWN}')
            return None
        if path not in self._by_source and not readable_picture(path):
            warn(display, line, f'image "{src}" cannot be read (the file is damaged, cut short or not the picture '
                 "its name says); its alt text is shown. Export it again from an image editor")
            return None
        first = path not in self._by_source
        if first:
            suffix, media_type = picture_type(path, suffix, media_type)  # its bytes decide, not its name
            report_unsafe_svg(path, src, display, line)
            taken = {image.name for image in self._by_source.values()}
            name = f"images/{slugify(path.stem)}{suffix}"
            counter = 2
            while name in taken or name.removesuffix(suffix) == COVER_PICTURE:  # the cover is the book's own
                name = f"images/{slugify(path.stem)}-{counter}{suffix}"
                counter += 1
            self._by_source[path] = Image(name=name, source=path, media_type=media_type)
        if self.looked_up is not None:
            self.looked_up.append((path, self._by_source[path], first))
        return self._by_source[path].name

    def take(self, looked_up: list[tuple[Path, Image, bool]]) -> bool:
        """What a copy of this registry found rendering an essay: kept (True) if this registry would have
        found the same, each picture under the same name; else nothing is kept, and the essay is to be
        rendered against this one. (A picture found first there may be here already, or its name taken.)"""
        taken = {image.name for image in self._by_source.values()}
        new: dict[Path, Image] = {}
        for path, image, first in looked_up:
            here = self._by_source.get(path, new.get(path))
            if first and (here is not None or image.name in taken):
                return False
            if not first and here != image:
                return False
            if first:
                new[path] = image
                taken.add(image.name)
        self._by_source.update(new)
        return True

    def _find(self, src: str, essay_path: Path) -> Path:
        """The file beside the essay (as an editor previews it); else the file the site serves at the
        address the page's reader would fetch; else, for a bare name as shortcodes give, one in content/
        or static/ of a folder above."""
        relative = url_path(urlsplit(src).path)
        beside = ((self.root if relative.startswith("/") else essay_path.parent.resolve()) / relative.lstrip("/")).resolve()
        address = self.addresses.address_of(src, essay_path)
        served = self.addresses.file(address) if address else None
        candidates = [beside] + ([served.resolve()] if served else [])
        if not relative.startswith(("/", ".")) and not urlsplit(src).scheme:
            candidates += [(base / relative).resolve() for folder in (self.root, *self.root.parents)
                           for base in (folder, folder / "content", folder / "static")]
        return next((c for c in candidates if c.is_file() and c.is_relative_to(self.root)), beside)

    def all(self) -> tuple[Image, ...]:
        return tuple(sorted(self._by_source.values(), key=lambda image: image.name))
