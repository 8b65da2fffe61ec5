"""Hugo's rules (gohugo.io/content-management/urls/): where each page and file of a Hugo site is served.

- Settings come from hugo.toml/.yaml/.json, config.toml/.yaml/.json or config/_default/; their keys
  are case-insensitive (`baseURL`, `baseurl` and `BaseURL` are one key), and so are front matter keys.
- A page's `url` is its path; else its section's `[permalinks]` pattern (`:year`, `:month`, `:day`,
  `:slug`, `:title`, `:filename`, `:contentbasename`, `:section`, `:sections`…); else its folders and
  its slug (the front matter's `slug`, else the file's name; a leaf bundle's folder name). Paths are
  lower case unless `disablePathToLower`; `uglyURLs` serves `/posts/name.html` instead of `/posts/name/`.
- Files in static/ (and the theme's static/) are served from the root; a leaf bundle's files
  beside its page; other files under content/ at their own path.
- The book is the site's `mainSections` (or the section with the most pages), as its themes list them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from .served import files_under
from .essays import SourceEssay

NAME = "hugo"
CONTENT = "content"
SETTINGS_FILES = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml", "config.yml",
                  "config.json")


def lower_keys(value: Any) -> Any:
    """Hugo reads its settings' keys without regard to case."""
    if isinstance(value, dict):
        return {str(key).lower(): lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lower_keys(item) for item in value]
    return value


def book_defaults(settings: dict[str, Any]) -> dict[str, Any]:
    params = settings.get("params") if isinstance(settings.get("params"), dict) else {}
    author = params.get("author") or settings.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    return {"title": settings.get("title"), "author": author,
            "language": settings.get("languagecode") or settings.get("defaultcontentlanguage"),
            "description": params.get("description") or settings.get("description"),
            "base_url": settings.get("baseurl")}


def main_sections(settings: dict[str, Any]) -> list[str]:
    """The sections the site's themes list as its posts (`params.mainSections`), when it names them."""
    params = settings.get("params") if isinstance(settings.get("params"), dict) else {}
    value = params.get("mainsections", settings.get("mainsections"))
    if isinstance(value, str):
        value = [value]
    return [str(item).strip("/") for item in value] if isinstance(value, list) else []


def urlize(settings: dict[str, Any], text: str) -> str:
    """Hugo's urlize: spaces become hyphens, what a path cannot hold goes, lower case unless asked not to."""
    text = re.sub(r"\s+", "-", text.strip())
    text = re.sub(r"[^\w./~+-]", "", text)
    return text if settings.get("disablepathtolower") else text.lower()


def _ugly(settings: dict[str, Any], section: str) -> bool:
    ugly = settings.get("uglyurls")
    return bool(ugly.get(section)) if isinstance(ugly, dict) else bool(ugly)


def _permalink(settings: dict[str, Any], section: str) -> str | None:
    permalinks = settings.get("permalinks") if isinstance(settings.get("permalinks"), dict) else {}
    page = permalinks.get("page") if isinstance(permalinks.get("page"), dict) else {}
    pattern = page.get(section, permalinks.get(section))
    return pattern if isinstance(pattern, str) else None


def page_address(settings: dict[str, Any], content: Path, essay: SourceEssay) -> str:
    front = lower_keys(essay.front)
    if isinstance(front.get("url"), str) and front["url"].strip():
        url = front["url"].strip()
        return url if url.startswith("/") else "/" + url
    bundle = essay.path.stem == "index"
    relative = (essay.path.parent if bundle else essay.path).relative_to(content)
    folders = list(relative.parts[:-1])
    name = relative.parts[-1] if bundle else relative.stem
    section = relative.parts[0] if len(relative.parts) > 1 else ""
    slug = front.get("slug") if isinstance(front.get("slug"), str) and front["slug"].strip() else None
    pattern = _permalink(settings, section)
    if pattern:
        path = _expand(pattern, settings, essay, folders, name, slug)
    else:
        path = "/" + "".join(part + "/" for part in folders) + (slug or name)
        path = urlize(settings, path)
        path += ".html" if _ugly(settings, section) else "/"
    return path


def _expand(pattern: str, settings: dict[str, Any], essay: SourceEssay, folders: list[str], name: str,
            slug: str | None) -> str:
    day = essay.date or dt.date(1970, 1, 1)
    title = urlize(settings, essay.title)
    tokens = {
        "year": f"{day:%Y}", "month": f"{day:%m}", "monthname": f"{day:%B}".lower(), "day": f"{day:%d}",
        "weekday": str(day.isoweekday() % 7), "weekdayname": f"{day:%A}".lower(), "yearday": f"{day:%j}",
        "section": folders[0] if folders else "", "sections": "/".join(folders),
        "title": title, "slug": urlize(settings, slug) if slug else title,
        "filename": urlize(settings, name), "contentbasename": urlize(settings, name),
        "slugorfilename": urlize(settings, slug or name), "slugorcontentbasename": urlize(settings, slug or name),
    }
    path = re.sub(r":(\w+)", lambda m: tokens.get(m[1], m[0]), pattern)
    return "/" + re.sub(r"/+", "/", path).lstrip("/")


def served_files(root: Path, content: Path, page_of_folder: dict[Path, str],
                 settings: dict[str, Any]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    statics = [root / "static"]
    theme = settings.get("theme")
    for name in ([theme] if isinstance(theme, str) else theme if isinstance(theme, list) else []):
        statics.append(root / "themes" / str(name) / "static")
    for static in reversed(statics):  # the site's own static/ wins over its theme's
        for path in files_under(static):
            files["/" + path.relative_to(static).as_posix()] = path
    for path in files_under(content):
        if path.suffix.lower() in (".md", ".markdown", ".html"):
            continue
        files.setdefault("/" + path.relative_to(content).as_posix(), path)
        bundle = next((folder for folder in (path.parent, *path.parents) if folder in page_of_folder), None)
        if bundle is not None:  # a leaf bundle's resources, beside its page (in their own folders too)
            files[page_of_folder[bundle] + path.relative_to(bundle).as_posix()] = path
    return files

