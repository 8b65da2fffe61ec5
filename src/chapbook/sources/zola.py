"""Zola's rules (getzola.org/documentation/content/): where each page and file of a Zola site is served.

- A page is served at its front matter's `path` when it has one (the sections' paths are not used),
  else at its section's path and its slug: the front matter's `slug`, else the file's name (a page
  bundle's folder name) without a leading date (`2024-03-09-title.md` is `title`).
- A section (a folder with `_index.md`) is served at its folders' path; `transparent` changes
  which listing shows its pages, not their addresses.
- Files in static/ are served from the site's root; a page bundle's other files beside its page
  (`/post/` and `/post/picture.png`), a section's beside the section; other files under content/
  at their own path.
- Paths are slugified (`[slugify] paths = "on"`, the default): lower case, words joined by "-".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .served import files_under
from .essays import SECTION_FILES, SourceEssay, slugify

NAME = "zola"
CONTENT = "content"
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}:\d{2})?[_-]")


def detect(root: Path, config_text: str) -> bool:
    return (root / "config.toml").is_file() and "base_url" in config_text


def book_defaults(settings: dict[str, Any]) -> dict[str, Any]:
    extra = settings.get("extra") if isinstance(settings.get("extra"), dict) else {}
    return {"title": settings.get("title"), "author": extra.get("author") or settings.get("author"),
            "language": settings.get("default_language"), "description": settings.get("description"),
            "base_url": settings.get("base_url")}


def _slug_path(settings: dict[str, Any], text: str) -> str:
    mode = (settings.get("slugify") or {}).get("paths", "on") if isinstance(settings.get("slugify"), dict) else "on"
    if mode == "on":
        return slugify(text)
    # "safe" and "off" keep the name, less what a path cannot hold.
    return re.sub(r'[<>:"|?*#\\/ ]+', "-" if mode == "safe" else " ", text).strip("-")


def section_address(settings: dict[str, Any], content: Path, folder: Path) -> str:
    parts = folder.relative_to(content).parts if folder != content else ()
    return "/" + "".join(_slug_path(settings, part) + "/" for part in parts)


def page_address(settings: dict[str, Any], content: Path, essay: SourceEssay) -> str:
    if isinstance(essay.front.get("path"), str) and essay.front["path"].strip("/"):
        path = essay.front["path"].strip().strip("/")
        return "/" + path + ("" if path.endswith(".html") else "/")
    bundle = essay.path.stem == "index"
    folder = essay.path.parent.parent if bundle else essay.path.parent
    name = essay.path.parent.name if bundle else essay.path.stem
    slug = essay.front.get("slug") if isinstance(essay.front.get("slug"), str) else None
    slug = _slug_path(settings, slug) if slug else _slug_path(settings, _DATE_PREFIX.sub("", name) or name)
    return section_address(settings, content, folder) + slug + "/"


def served_files(root: Path, content: Path, page_of_folder: dict[Path, str],
                 settings: dict[str, Any]) -> dict[str, Path]:
    """Every file the site serves that is not a page: static/ from the root, content/'s files beside
    the page or section that holds them."""
    files: dict[str, Path] = {}
    static = root / "static"
    for path in files_under(static):
        files["/" + path.relative_to(static).as_posix()] = path
    for path in files_under(content):
        if path.suffix.lower() in (".md", ".markdown"):
            continue
        files.setdefault("/" + path.relative_to(content).as_posix(), path)
        holder = path.parent
        if holder in page_of_folder:  # a page bundle: served beside its page, wherever its path puts it
            files[page_of_folder[holder] + path.name] = path
        elif any((holder / name).is_file() for name in SECTION_FILES):
            files[section_address(settings, content, holder) + path.name] = path
    return files

