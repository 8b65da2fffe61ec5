"""Jekyll's rules (jekyllrb.com/docs/permalinks/, /docs/posts/): where each post and file is served.

- Posts are `_posts/YYYY-MM-DD-title.md` (or `.markdown`); folders above `_posts/` and the front
  matter's `categories` (or `category`) are the post's categories, lower case.
- A post's address is its front matter's `permalink`, else the site's `permalink`: a pattern
  (`/news/:year/:month/:day/:title/`) or a style: `date` (the default,
  `/:categories/:year/:month/:day/:title:output_ext`), `pretty`, `ordinal`, `weekdate`, `none`.
  `:title` is the file's name after the date (or the front matter's `slug`), `:output_ext` `.html`.
- Every other file outside `_`-folders and hidden ones is copied to the site as it is, at its path.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from .essays import SourceEssay, slugify

NAME = "jekyll"
CONTENT = "_posts"
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
# Jekyll's own default exclusions, besides `_`-folders and hidden files.
_EXCLUDED = {"Gemfile", "Gemfile.lock", "node_modules", "vendor"}
PAGE_SUFFIXES = {".md", ".markdown", ".html"}


def book_defaults(settings: dict[str, Any]) -> dict[str, Any]:
    author = settings.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    return {"title": settings.get("title"), "author": author, "language": settings.get("lang"),
            "description": settings.get("description"),
            # Jekyll serves a site at url + baseurl ("https://example.org" + "/blog").
            "base_url": (str(settings.get("url") or "").rstrip("/") + str(settings.get("baseurl") or "")) or None}


def is_post(path: Path) -> bool:
    return "_posts" in path.parts


def page_address(settings: dict[str, Any], content: Path, essay: SourceEssay) -> str:
    # The post's own permalink, else the posts collection's (collections: posts: permalink:), else the site's.
    permalink = next((value for value in (essay.front.get("permalink"), _collection(settings, "posts").get("permalink"),
                                          settings.get("permalink"), "date")
                      if isinstance(value, str) and value.strip()))
    pattern = STYLES.get(permalink.strip(), permalink.strip())
    day = essay.date or dt.date(1970, 1, 1)
    name = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", essay.path.stem)
    slug = essay.front.get("slug") if isinstance(essay.front.get("slug"), str) else None
    folders = [part for part in essay.path.parent.relative_to(content.parent).parts if part != "_posts"] \
        if essay.path.is_relative_to(content.parent) else []
    categories = list(dict.fromkeys([*folders, *essay.categories]))
    tokens = {
        "year": f"{day:%Y}", "month": f"{day:%m}", "i_month": str(day.month), "day": f"{day:%d}",
        "i_day": str(day.day), "short_year": f"{day:%y}", "y_day": f"{day:%j}", "week": f"{day:%V}",
        "short_day": f"{day:%a}", "long_day": f"{day:%A}", "short_month": f"{day:%b}", "long_month": f"{day:%B}",
        "title": slug or name, "slug": slugify(slug or name), "name": name,
        "categories": "/".join(c.lower() for c in categories),
        "slugified_categories": "/".join(slugify(c) for c in categories),
        "output_ext": ".html", "hour": "00", "minute": "00", "second": "00",
    }
    path = re.sub(r":(\w+)", lambda m: tokens.get(m[1], m[0]), pattern)
    return "/" + re.sub(r"/+", "/", path).lstrip("/")


def _collection(settings: dict[str, Any], name: str) -> dict[str, Any]:
    collections = settings.get("collections")
    if isinstance(collections, dict) and isinstance(collections.get(name), dict):
        return collections[name]
    return {}


def file_address(settings: dict[str, Any], relative: str) -> str | None:
    """Where Jekyll serves a page or a collection's document, by its path from the site's root
    (`{% link _docs/history.md %}`): a collection with output, at its permalink (by default
    `/:collection/:path:output_ext`); a page at its path, `.html` for `.md`."""
    path = Path(relative)
    if path.parts and path.parts[0].startswith("_"):
        name = path.parts[0][1:]
        collection = _collection(settings, name)
        if name == "posts" or not collection.get("output"):
            return None
        pattern = collection.get("permalink") if isinstance(collection.get("permalink"), str) else None
        pattern = STYLES.get(pattern or "", pattern) or "/:collection/:path:output_ext"
        inner = Path(*path.parts[1:]).with_suffix("").as_posix()
        tokens = {"collection": name, "path": inner, "name": path.stem, "title": path.stem, "output_ext": ".html",
                  "slug": slugify(path.stem)}
        address = re.sub(r":(\w+)", lambda m: tokens.get(m[1], m[0]), pattern)
        return "/" + re.sub(r"/+", "/", address).lstrip("/")
    if path.suffix.lower() in (".md", ".markdown"):
        return "/" + path.with_suffix(".html").as_posix()
    return "/" + path.as_posix()


def served_files(root: Path, content: Path, page_of_folder: dict[Path, str],
                 settings: dict[str, Any]) -> dict[str, Path]:
    excluded = _EXCLUDED | {str(item).strip("/") for item in settings.get("exclude") or [] if isinstance(item, str)}
    files: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(("_", ".")) or part in excluded for part in relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() not in PAGE_SUFFIXES:
            files["/" + relative.as_posix()] = path
    return files
