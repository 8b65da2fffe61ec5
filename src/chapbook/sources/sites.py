"""A static site's own settings (Zola, Hugo, Jekyll) as defaults for the book: title, author, language."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from ..errors import warn


def site_defaults(folder: Path) -> dict[str, str]:
    """What the site's configuration says about the book, if folder is a site's root."""
    for name, reader in (("hugo.toml", _hugo), ("config.toml", _toml_site), ("hugo.yaml", _hugo), ("_config.yml", _jekyll)):
        path = folder / name
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
                data = tomllib.loads(text) if name.endswith(".toml") else (yaml.safe_load(text) or {})
            except (UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as error:
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
            "description": data.get("description"), "base_url": data.get("url")}
