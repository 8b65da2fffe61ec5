"""A static site's own settings (Zola, Hugo, Jekyll) as defaults for the book: title, author, language."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import warn


def essay_folder(folder: Path) -> Path:
    """Where a site keeps its pages: content/ for Zola and Hugo, _posts/ for Jekyll, else the folder itself."""
    if site_kind(folder) in ("zola", "hugo") and (folder / "content").is_dir():
        return folder / "content"
    if site_kind(folder) == "jekyll" and (folder / "_posts").is_dir():
        return folder / "_posts"
    return folder


def site_kind(folder: Path) -> str | None:
    """Which generator a folder is the root of, going by its settings file."""
    if any((folder / name).is_file() for name in ("hugo.toml", "hugo.yaml", "hugo.json")):
        return "hugo"
    if (folder / "config.toml").is_file():
        return "hugo" if (folder / "archetypes").is_dir() or "baseURL" in _text(folder / "config.toml") else "zola"
    if any((folder / name).is_file() for name in ("config.yaml", "config.json")) and (folder / "content").is_dir():
        return "hugo"
    if (folder / "_config.yml").is_file() or (folder / "_config.yaml").is_file():
        return "jekyll"
    return None


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def site_defaults(folder: Path) -> dict[str, str]:
    """What the site's configuration says about the book, if folder is a site's root."""
    for name, reader in (("hugo.toml", _hugo), ("config.toml", _toml_site), ("hugo.yaml", _hugo),
                         ("hugo.json", _hugo), ("config.yaml", _hugo), ("config.json", _hugo),
                         ("_config.yml", _jekyll), ("_config.yaml", _jekyll)):
        path = folder / name
        if path.is_file():
            try:
                data = _parse(path)
            except (UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError, ValueError) as error:
                warn(path, None, f"the site's settings could not be read ({error}); book.toml and defaults apply")
                return {}
            if isinstance(data, dict):
                return {key: str(value).strip() for key, value in reader(data).items() if isinstance(value, str) and value.strip()}
    return {}


def _parse(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return (tomllib.loads(text) if path.name.endswith(".toml") else json.loads(text) if path.name.endswith(".json")
            else (yaml.safe_load(text) or {}))


def _settings(folder: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """The first of these settings files that reads as a table, else nothing (site_defaults warns of a broken one)."""
    for name in names:
        if (folder / name).is_file():
            try:
                data = _parse(folder / name)
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError, ValueError):
                return {}
            return data if isinstance(data, dict) else {}
    return {}


@dataclass(frozen=True)
class SiteMarkdown:
    """How a site reads its pages' Markdown where that is not plain CommonMark."""

    kramdown: bool = True  # a Jekyll post's Markdown is kramdown unless _config.yml names another
    math_after_markdown: bool = False  # MathJax or KaTeX in the page reads the HTML the Markdown became


# A template that loads MathJax or KaTeX names it (a <script> address, a partial, a config block).
_MATH_READER = re.compile(r"mathjax|katex", re.IGNORECASE)
_MATH_SWITCH = re.compile(r"math|\w*(?:mathjax|katex)\w*", re.IGNORECASE)


def site_markdown(folder: Path) -> SiteMarkdown:
    """Jekyll's Markdown engine, and whether a Zola or Hugo site's pages typeset math in the browser.

    A Jekyll site's pages always count as read after Markdown (see math.py for what kramdown keeps).
    A Zola or Hugo site does when a page template (layouts/, templates/, a theme's; shortcodes aside,
    which load math only where they are used) names MathJax or KaTeX, or its settings switch on
    `math`, `mathjax` or `katex` (Hugo's params, Zola's extra); not when Hugo's goldmark passthrough
    hands the TeX over untouched.
    """
    kind = site_kind(folder)
    if kind == "jekyll":
        engine = _settings(folder, ("_config.yml", "_config.yaml")).get("markdown") or "kramdown"
        return SiteMarkdown(kramdown=str(engine).lower() == "kramdown", math_after_markdown=True)
    if kind not in ("zola", "hugo"):
        return SiteMarkdown()
    data = _settings(folder, ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml", "config.json"))
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
            if not {"shortcodes", "_shortcodes"} & set(path.relative_to(place).parts) and _MATH_READER.search(_text(path)):
                return True
    return False


def _toml_site(data: dict[str, Any]) -> dict[str, Any]:
    """config.toml is Zola's (base_url) or an older Hugo's (baseURL)."""
    return _hugo(data) if "baseURL" in data else _zola(data)


def _zola(data: dict[str, Any]) -> dict[str, Any]:
    extra = data.get("extra") if isinstance(data.get("extra"), dict) else {}
    return {"title": data.get("title"), "author": extra.get("author") or data.get("author"),
            "language": data.get("default_language"), "description": data.get("description"),
            "base_url": data.get("base_url")}


def _hugo(data: dict[str, Any]) -> dict[str, Any]:
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    author = params.get("author") or data.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    return {"title": data.get("title"), "author": author,
            "language": data.get("languageCode") or data.get("defaultContentLanguage"),
            "description": params.get("description"), "base_url": data.get("baseURL")}


def _jekyll(data: dict[str, Any]) -> dict[str, Any]:
    author = data.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    return {"title": data.get("title"), "author": author, "language": data.get("lang"),
            "description": data.get("description"),
            # Jekyll serves a site at url + baseurl ("https://example.org" + "/blog").
            "base_url": (str(data.get("url") or "").rstrip("/") + str(data.get("baseurl") or "")) or None}
