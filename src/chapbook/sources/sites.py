"""A static site's own settings (Zola, Hugo, Jekyll) as defaults for the book: title, author, language."""

from __future__ import annotations

import json
import tomllib
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
                text = path.read_text(encoding="utf-8")
                data = (tomllib.loads(text) if name.endswith(".toml") else json.loads(text) if name.endswith(".json")
                        else (yaml.safe_load(text) or {}))
            except (UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError, ValueError) as error:
                warn(path, None, f"the site's settings could not be read ({error}); book.toml and defaults apply")
                return {}
            if isinstance(data, dict):
                return {key: str(value).strip() for key, value in reader(data).items() if isinstance(value, str) and value.strip()}
    return {}


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
