"""A static site as its generator sees it: which generator, its settings, where its pages are read
from, and the address map (the public URL of every page and every served file), computed before any
Markdown is read. Each generator's own rules live in one module: zola.py, hugo.py, jekyll.py."""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from ..errors import warn
from . import hugo, jekyll, zola
from .essays import SourceEssay, in_book
from .frontmatter import read_yaml

GENERATORS: dict[str, ModuleType] = {"zola": zola, "hugo": hugo, "jekyll": jekyll}


def site_kind(folder: Path) -> str | None:
    """Which generator a folder is the root of, going by its settings file."""
    if any((folder / name).is_file() for name in ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json")) \
            or (folder / "config" / "_default").is_dir():
        return "hugo"
    if (folder / "config.toml").is_file():
        text = _text(folder / "config.toml")
        return "hugo" if (folder / "archetypes").is_dir() or re.search(r"(?im)^\s*baseurl\s*=", text) else "zola"
    if any((folder / name).is_file() for name in ("config.yaml", "config.yml", "config.json")) \
            and (folder / "content").is_dir():
        return "hugo"
    if (folder / "_config.yml").is_file() or (folder / "_config.yaml").is_file():
        return "jekyll"
    return None


def essay_folder(folder: Path) -> Path:
    """Where a site keeps its pages: content/ for Zola and Hugo, _posts/ for Jekyll, else the folder itself."""
    kind = site_kind(folder)
    if kind and (folder / GENERATORS[kind].CONTENT).is_dir():
        return folder / GENERATORS[kind].CONTENT
    return folder


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _settings_files(folder: Path, kind: str) -> list[Path]:
    if kind == "zola":
        return [folder / "config.toml"]
    if kind == "jekyll":
        return [folder / "_config.yml", folder / "_config.yaml"]
    files = [folder / name for name in hugo.SETTINGS_FILES]
    default = folder / "config" / "_default"
    return files + ([default / name for name in hugo.SETTINGS_FILES] if default.is_dir() else [])


def _read_settings_file(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        return tomllib.loads(text)
    if path.suffix == ".json":
        return json.loads(text)
    data = read_yaml(text)[0] or {}  # aliases limited: a site's settings may be a stranger's too
    return data if isinstance(data, dict) else {}


def site_settings(folder: Path) -> tuple[str | None, dict[str, Any]]:
    """The generator and its settings (Hugo's keys lower-cased, as Hugo reads them); a file that cannot be
    read is a warning, and the book's own settings and the defaults apply."""
    kind = site_kind(folder)
    if kind is None:
        return None, {}
    settings: dict[str, Any] = {}
    for path in _settings_files(folder, kind):
        if not path.is_file():
            continue
        if not in_book(path, folder):
            warn(path, None, "is a link to a file outside the book folder, so the site's settings in it are not read; "
                 "copy the file into the book")
            continue
        try:
            data = _read_settings_file(path)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError, ValueError, RecursionError) as error:
            warn(path, None, f"the site's settings could not be read ({error}); book.toml and defaults apply")
            return kind, {}
        data = hugo.lower_keys(data) if kind == "hugo" else data
        settings = {**data, **settings}  # the first file found wins, as in Hugo's order of names
        if kind != "hugo":
            break
    return kind, settings


def site_defaults(folder: Path) -> dict[str, str]:
    """What the site's configuration says about the book, if folder is a site's root."""
    kind, settings = site_settings(folder)
    if kind is None:
        return {}
    values = GENERATORS[kind].book_defaults(settings)
    return {key: str(value).strip() for key, value in values.items() if isinstance(value, str) and value.strip()}


@dataclass(frozen=True)
class SiteMarkdown:
    """How a site reads its pages' Markdown where that is not plain CommonMark."""

    kramdown: bool = True  # a Jekyll post's Markdown is kramdown unless _config.yml names another
    math_after_markdown: bool = False  # MathJax or KaTeX in the page reads the HTML the Markdown became


# A template that loads MathJax or KaTeX names it (a <script> address, a partial, a config block).
_MATH_READER = re.compile(r"mathjax|katex", re.IGNORECASE)
_MATH_SWITCH = re.compile(r"math|\w*(?:mathjax|katex)\w*", re.IGNORECASE)


def site_markdown(site: Site) -> SiteMarkdown:
    """Jekyll's Markdown engine, and whether a Zola or Hugo site's pages typeset math in the browser.

    A Jekyll site's pages always count as read after Markdown (see math.py for what kramdown keeps).
    A Zola or Hugo site does when a page template (layouts/, templates/, a theme's; shortcodes aside,
    which load math only where they are used) names MathJax or KaTeX, or its settings switch on
    `math`, `mathjax` or `katex` (Hugo's params, Zola's extra); not when Hugo's goldmark passthrough
    hands the TeX over untouched.
    """
    # The settings read_site read once: reading them again would repeat a broken file's warning.
    kind, data, folder = site.kind, site.settings, site.root
    if kind == "jekyll":
        engine = data.get("markdown") or "kramdown"
        return SiteMarkdown(kramdown=str(engine).lower() == "kramdown", math_after_markdown=True)
    if kind not in ("zola", "hugo"):
        return SiteMarkdown()
    passthrough = _table(_table(_table(_table(data.get("markup")).get("goldmark")).get("extensions")).get("passthrough"))
    if passthrough.get("enable") is True:
        return SiteMarkdown()
    switched = _switched_on(data.get("params")) or _switched_on(data.get("extra"))
    return SiteMarkdown(math_after_markdown=switched or _templates_load_math(folder))


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _switched_on(settings: Any) -> bool:
    """`math = true`, `katex = true`, `[params.math] enable = true`, `showKatex = true`, at any depth."""
    for key, value in _table(settings).items():
        if _MATH_SWITCH.fullmatch(str(key)) and (value is True or _table(value).get("enable") is True):
            return True
        if isinstance(value, dict) and _switched_on(value):
            return True
    return False


def _templates_load_math(folder: Path) -> bool:
    places = [folder / "layouts", folder / "templates", *sorted(folder.glob("themes/*/layouts")),
              *sorted(folder.glob("themes/*/templates"))]
    for place in places:
        for path in sorted(place.rglob("*.html")) if place.is_dir() else ():
            if not {"shortcodes", "_shortcodes"} & set(path.relative_to(place).parts) and in_book(path, folder) \
                    and _MATH_READER.search(_text(path)):
                return True
    return False


def normal_address(path: str) -> str:
    """One spelling of a site path: "/posts/kettle/", "/posts/kettle/index.html" and "/posts/kettle" are one page."""
    path = unquote(path).strip()
    path = re.sub(r"(/index)?\.html?$", "", path).rstrip("/")
    return "/" + path.lstrip("/")


@dataclass(frozen=True)
class Site:
    """A folder of essays, or a generator's site: where its pages are and where it serves everything."""

    kind: str | None  # "zola", "hugo", "jekyll", or None for a plain folder of essays
    root: Path
    content: Path  # where its pages are read from
    settings: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # The site's addresses: its base URL and the other domains it was served at (book.toml's also_at).
    homes: tuple[str, ...] = ()

    @property
    def generator(self) -> ModuleType | None:
        return GENERATORS.get(self.kind or "")

    def is_post(self, path: Path) -> bool:
        return self.kind == "jekyll" and jekyll.is_post(path)


def read_site(folder: Path, homes: tuple[str, ...] = ()) -> Site:
    kind, settings = site_settings(folder)
    return Site(kind=kind, root=folder, content=essay_folder(folder), settings=settings,
                homes=tuple(home for home in homes if home))


@dataclass(frozen=True)
class AddressMap:
    """The public address of every page and served file of a site, and the way back from an address."""

    site: Site
    page_at: dict[Path, str]  # each page's address on the site (its canonical one)
    pages: dict[str, Path]  # every address a page answers to (aliases too) → its file
    files: dict[str, Path]  # every served file's address → the file

    def site_path(self, url: str) -> str | None:
        """The path of an absolute URL on one of the site's own addresses (http or https, with or without
        www), without the site's base path; None for the rest of the web."""
        parts = urlsplit(url)
        host, path = parts.netloc.lower().removeprefix("www."), parts.path or "/"
        for home in self.site.homes:
            home_parts = urlsplit(home if "//" in home else "https://" + home)
            base = home_parts.path.rstrip("/")
            if host == home_parts.netloc.lower().removeprefix("www.") and (path == base or path.startswith(base + "/")):
                return path[len(base):] or "/"
        return None

    def address_of(self, reference: str, page: Path | None) -> str | None:
        """The site path a reference means, read from the page it is written in as a browser reads it:
        a full address on the site, a path from the site's root (its base path may be written or not),
        or a path relative to the page's own address."""
        parts = urlsplit(reference)
        if parts.scheme or parts.netloc:
            return self.site_path(reference) if parts.scheme in ("http", "https", "") else None
        path = unquote(parts.path)
        if path.startswith("/"):
            base = self.base_path
            return (path[len(base):] or "/") if base and (path + "/").startswith(base + "/") else path
        here = self.page_at.get(page.resolve()) if page is not None else None
        if here is None:
            return None
        folder = here if here.endswith("/") else posixpath.dirname(here) + "/"
        joined = posixpath.normpath(posixpath.join(folder, path)) if path else here
        return joined + ("/" if path.endswith("/") and not joined.endswith("/") else "")

    @property
    def base_path(self) -> str:
        return urlsplit(self.site.homes[0]).path.rstrip("/") if self.site.homes else ""

    def page(self, address: str) -> Path | None:
        return self.pages.get(normal_address(address))

    def file(self, address: str) -> Path | None:
        return self.files.get(unquote(address))

    def web_address(self, address: str) -> str | None:
        """Where the site serves a path, when its address is known."""
        return self.site.homes[0].rstrip("/") + address if self.site.homes else None


def address_map(site: Site, essays: list[SourceEssay], section_files: list[Path] = ()) -> AddressMap:
    """Compute, by the generator's own rules, the address of every page (essays and sections' _index.md)
    and of every file the site serves."""
    page_at: dict[Path, str] = {}
    pages: dict[str, Path] = {}
    content = site.content.resolve()
    for index in section_files:
        folder = index.resolve().parent
        if folder.is_relative_to(content):
            address = zola.section_address(site.settings if site.kind == "zola" else {}, content, folder)
            page_at[index.resolve()] = address
            pages.setdefault(normal_address(address), index.resolve())
    for essay in essays:
        address = _page_address(site, essay)
        page_at[essay.path.resolve()] = address
        for alias in (address, *essay.aliases):
            pages.setdefault(normal_address(alias), essay.path.resolve())
    # A page bundle's folder is served at its page's address (Zola, Hugo): its files sit beside it.
    page_of_folder = {path.parent: address for path, address in page_at.items()
                      if path.stem == "index" and address.endswith("/")}
    # A plain folder of essays is served as a Zola site whose content is the folder itself.
    generator, content = (site.generator, content) if site.generator else (zola, site.root.resolve())
    files = generator.served_files(site.root.resolve(), content, page_of_folder, site.settings)
    return AddressMap(site, page_at, pages, files)


def _page_address(site: Site, essay: SourceEssay) -> str:
    generator = site.generator
    content = site.content.resolve()
    path = essay.path.resolve()
    if generator is not None and path.is_relative_to(content if site.kind != "jekyll" else site.root.resolve()):
        if path.name in ("_index.md", "_index.markdown"):
            return "/" + "".join(part + "/" for part in path.parent.relative_to(content).parts)
        return generator.page_address(site.settings, content, replace(essay, path=path))
    # A plain folder of essays: served as Zola would, by its place in the folder and its slug.
    if path.is_relative_to(site.root.resolve()):
        return zola.page_address({}, site.root.resolve(), replace(essay, path=path))
    return f"/{essay.slug}/"
