"""Where things are: the addresses a site serves each page at, the essay a link means, and the
file an image path names (beside the essay, in the site's static/, or by the page's own URL)."""

from __future__ import annotations

import mimetypes
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree
from PIL import Image as Picture
from PIL import ImageFile

from .errors import warn
from .markdown.liquid import POST_URL, SITE_FILE
from .model import Image
from .pictures import CONVERTIBLE, CORE_TYPES, picture_type, report_unsafe_svg
from .sources import SourceEssay
from .sources.essays import slugify
from .sources.sites import essay_folder

# Hugo's {{< ref "post" >}} in a link, as the Markdown stage hands it on.
HUGO_REF = "@ref/"
# Ids inside an essay become "<chapter-slug>--<id>": slugs never hold "--", so no two chapters can clash.
ID_SEPARATOR = "--"


def normal_address(path: str) -> str:
    """One spelling of a site path: "/posts/kettle/", "/posts/kettle/index.html" and "/posts/kettle" are one page."""
    path = unquote(path).strip()
    path = re.sub(r"(/index)?\.html?$", "", path).rstrip("/")
    return "/" + path.lstrip("/")


def site_addresses(essay: SourceEssay, content: Path) -> list[str]:
    """The paths the site serves the essay at, the one to cite first: its front matter's path, Jekyll's
    dated permalink, then its place under content/ (Zola's and Hugo's default)."""
    addresses = []
    if essay.site_path:
        addresses.append(normal_address(essay.site_path))
    source = essay.path.resolve()
    if "_posts" in source.parts and essay.date:
        # Jekyll's default permalink: /:categories/:year/:month/:day/:title.html
        day = essay.date
        addresses.append(normal_address("/".join(["", *essay.categories, f"{day:%Y/%m/%d}", essay.slug])))
    folder = source.parent if source.stem == "index" else source.with_suffix("")
    try:
        relative = folder.relative_to(content.resolve()).as_posix()
    except ValueError:
        relative = folder.name
    above = relative.split("/")[:-1]
    addresses.append(normal_address("/".join(["", *above, essay.slug])))
    addresses.append(normal_address("/" + relative))
    addresses += [normal_address(alias) for alias in essay.aliases]  # old addresses, still linked to
    return list(dict.fromkeys(addresses))


def path_on_site(base_url: str, url: str) -> str | None:
    """The path of an absolute URL on the site's own address (http or https, with or without www)."""
    if not base_url:
        return None

    def host_and_path(address: str) -> tuple[str, str]:
        parts = urlsplit(address)
        return parts.netloc.lower().removeprefix("www."), parts.path

    host, path = host_and_path(url)
    base_host, base_path = host_and_path(base_url)
    base_path = base_path.rstrip("/")
    if host != base_host or not (path == base_path or path.startswith(base_path + "/")):
        return None
    return path[len(base_path):] or "/"


def web_address(base_url: str, essay: SourceEssay, root: Path) -> str | None:
    """Where the site published the essay, when its base URL is known."""
    if not base_url:
        return None
    content = next((folder for folder in (root, *root.parents) if folder.name == "content"), essay_folder(root))
    path = site_addresses(essay, content)[0]
    jekyll = "_posts" in essay.path.resolve().parts and not essay.site_path
    return base_url.rstrip("/") + path + (".html" if jekyll else "/")


def page_assets(essay_path: Path) -> tuple[str, ...]:
    """The pictures beside a page bundle's index.md (Zola's and Hugo's page.assets), for galleries."""
    if essay_path.stem != "index":
        return ()
    return tuple(sorted(p.name for p in essay_path.parent.iterdir()
                        if p.suffix.lower() in CORE_TYPES or p.suffix.lower() in CONVERTIBLE))


class LinkTargets:
    """Where a link from one essay to another lands in the book."""

    def __init__(self, root: Path, slug_by_path: dict[Path, str], base_url: str = "",
                 slug_by_address: dict[str, str] | None = None):
        self.root = root.resolve()
        self.slug_by_path = slug_by_path
        self.base_url = base_url
        self.slug_by_address = slug_by_address or {}

    def resolve(self, href: str, essay_path: Path, display: Path, line: int | None) -> str | None:
        """Return "#chapter" or "#chapter-anchor", a web address, or None (with a warning) when the book
        has no such page and its address on the web is unknown."""
        parts = urlsplit(href)
        if parts.scheme in ("http", "https"):
            path = path_on_site(self.base_url, href)
            slug = self.slug_by_address.get(normal_address(path)) if path is not None else None
            return self._target(slug, parts.fragment) if slug else href
        path = unquote(parts.path)
        if path.startswith((POST_URL, SITE_FILE)):
            slug = self._jekyll_target(path, essay_path)
            if slug:
                return self._target(slug, parts.fragment)
            warn(display, line, f'"{path.split("/", 1)[1]}" names no post in this book; its words are kept, '
                 "without the link")
            return None
        if path.startswith(HUGO_REF):
            slug = self._hugo_ref(path[len(HUGO_REF):], essay_path)
            if slug:
                return self._target(slug, parts.fragment)
            warn(display, line, f'ref "{path[len(HUGO_REF):]}" names no page in this book; its words are kept, '
                 "without the link")
            return None
        if path.startswith("/") and not path.startswith("//"):
            slug = self.slug_by_address.get(normal_address(path))
            if slug:
                return self._target(slug, parts.fragment)
        if path.startswith("@/"):
            # Zola's internal links are relative to content/: the book folder, a folder above it,
            # or the content/ folder of a whole site.
            bases = [base for folder in (self.root, *self.root.parents) for base in (folder, folder / "content")]
            path = path[2:]
        elif path.startswith("/"):
            bases = []  # a URL of the site itself: which page it is depends on the site's routes
        else:
            bases = [essay_path.parent]
        for base in bases:
            candidate = (base / path).resolve() if path else essay_path.resolve()
            if candidate.is_dir():
                candidate = candidate / "index.md"
            slug = self.slug_by_path.get(candidate) or self._section_start(candidate)
            if slug:
                return self._target(slug, parts.fragment)
        if self.base_url and path.startswith("/"):
            address = self.base_url.rstrip("/") + href
            warn(display, line, f'link "{href}" points to a page that is not in this book; it links to {address}')
            return address
        if self.base_url and href.startswith("@/"):
            # Zola's own rule for a page's address: its path under content/, without the file name.
            page = re.sub(r"(^|/)_?index\.md$|\.md$", "", path)
            address = self.base_url.rstrip("/") + "/" + (page.strip("/") + "/" if page.strip("/") else "")
            warn(display, line, f'link "{href}" points to a page that is not in this book; it links to {address}')
            return address + (f"#{parts.fragment}" if parts.fragment else "")
        warn(display, line, f'link "{href}" points to no essay in this book; its words are kept, without the link')
        return None


    def _jekyll_target(self, path: str, essay_path: Path) -> str | None:
        """{% post_url 2021-03-04-title %} names a post's file in _posts/ (a folder may come first);
        {% link _posts/….md %} names a file from the site's root."""
        if path.startswith(SITE_FILE):
            return self.slug_by_path.get((self.root / path[len(SITE_FILE):]).resolve())
        name = path[len(POST_URL):]
        return next((slug for file, slug in self.slug_by_path.items() if "_posts" in file.parts
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


def readable_picture(path: Path) -> bool:
    """Whether the file decodes as the picture it claims to be, whole (a cut-off JPEG does not)."""
    try:
        if path.suffix.lower() == ".svg":
            etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
            return True
        # WeasyPrint tells Pillow to load cut-off files quietly (grey to the end); here they must show.
        lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            with Picture.open(path) as picture:
                picture.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient
        return True
    except (OSError, ValueError, SyntaxError, etree.XMLSyntaxError, Picture.DecompressionBombError):
        return False


class ImageRegistry:
    """Collects the images essays use, each once, under a safe name inside the book."""

    def __init__(self, root: Path, base_url: str = ""):
        self.root = root.resolve()
        self.content = essay_folder(self.root)
        self.base_url = base_url
        self._by_source: dict[Path, Image] = {}

    def resolve(self, src: str, essay_path: Path, display: Path, line: int | None) -> str | None:
        """Return the image's name in the book, or None (with a warning) if the book cannot show it."""
        on_site = path_on_site(self.base_url, src) if src.startswith(("http://", "https://")) else None
        parts = urlsplit(on_site if on_site is not None else src)  # the site's own address: its own file
        if parts.scheme or parts.netloc:
            warn(display, line, f'image "{src}" is on the web; a book cannot fetch it, so its alt text is shown. '
                 "Download it into the book folder and link the file")
            return None
        relative = unquote(parts.path)
        path = self._find(relative, essay_path)
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
        if path not in self._by_source and not readable_picture(path):
            warn(display, line, f'image "{src}" cannot be read (the file is damaged, cut short or not the picture '
                 "its name says); its alt text is shown. Export it again from an image editor")
            return None
        if path not in self._by_source:
            suffix, media_type = picture_type(path, suffix, media_type)  # its bytes decide, not its name
            report_unsafe_svg(path, src, display, line)
            taken = {image.name for image in self._by_source.values()}
            name = f"images/{slugify(path.stem)}{suffix}"
            counter = 2
            while name in taken:
                name = f"images/{slugify(path.stem)}-{counter}{suffix}"
                counter += 1
            self._by_source[path] = Image(name=name, source=path, media_type=media_type)
        return self._by_source[path].name

    def _find(self, relative: str, essay_path: Path) -> Path:
        """Beside the essay (or from the book's root for "/x"); else where the site serves it: static/ and
        content/ at the site's root, a relative path taken from the page's own address (Zola renders
        content/blog/post.md at /blog/post/, so ../img/x.jpg is /blog/img/x.jpg); else, for a bare name
        as shortcodes give, from content/ or static/ of a folder above."""
        beside = ((self.root if relative.startswith("/") else essay_path.parent.resolve()) / relative.lstrip("/")).resolve()
        site_path = relative if relative.startswith("/") else posixpath.join(self._page_address(essay_path), relative)
        site_path = posixpath.normpath(site_path).lstrip("/")
        candidates = [beside] + [(base / site_path).resolve() for base in (self.root / "static", self.content, self.root)]
        if not relative.startswith(("/", ".")):
            candidates += [(base / relative).resolve() for folder in (self.root, *self.root.parents)
                           for base in (folder, folder / "content", folder / "static")]
        return next((c for c in candidates if c.is_file() and c.is_relative_to(self.root)), beside)

    def _page_address(self, essay_path: Path) -> str:
        source = essay_path.resolve()
        folder = source.parent if source.stem == "index" else source.with_suffix("")
        try:
            return "/" + folder.relative_to(self.content).as_posix() + "/"
        except ValueError:
            return "/"

    def all(self) -> tuple[Image, ...]:
        return tuple(sorted(self._by_source.values(), key=lambda image: image.name))
