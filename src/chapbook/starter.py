"""`chapbook new`: start a book. A site (Zola, Hugo, Jekyll) or a folder of essays gets a book.toml that
says what chapbook found in it, with every other option commented out at its default under its doc; a
folder of no essays gets a starter book of two essays first. Both get styles/book.css for the book's own CSS.

A book of a site is the site's folder with a book.toml in it (read_book reads book.toml from the root
it reads essays under), so the book.toml is written into the site. Nothing that exists is overwritten:
a folder that has a book.toml already is refused, whole, before anything is written.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from dataclasses import MISSING, Field, dataclass, fields
from pathlib import Path
from typing import Any

from .assemble import discover, select
from .config import CONFIG_NAME, BookConfig
from .errors import ChapbookError, UsageError, shown
from .sources import SourceEssay
from .sources.essays import SECTION_FILES, draft_sections, find_essays, read_essay
from .sources.sites import GENERATORS, _settings_files, essay_folder

STYLESHEET = "styles/book.css"
GENERATOR_NAMES = {"zola": "Zola", "hugo": "Hugo", "jekyll": "Jekyll"}
SHOWN_AT_MOST = 25  # sections or left-out pages listed in book.toml's header; the rest are counted


@dataclass(frozen=True)
class Survey:
    """What chapbook found in a folder, as the build would read it: its settings and where each came
    from, the essays of each section the book takes, and the pages it leaves out, with why."""

    root: Path
    generator: str | None
    settings_file: str | None  # the site's settings file, relative to the root
    base: Path  # where essays are read from: content/, _posts/ or the folder itself
    detected: dict[str, tuple[Any, str]]  # option → (value, where it came from)
    sections: dict[str, int]  # section folder relative to base ("" for the top) → essays the book takes
    left_out: tuple[tuple[str, str], ...]  # (page relative to the root, why)


@dataclass(frozen=True)
class Started:
    """What `chapbook new` wrote, and what it found already there and left as it was."""

    book: Path
    survey: Survey
    written: tuple[Path, ...]
    kept: tuple[Path, ...]


def new_book(site: Path | None, book: Path | None) -> Started:
    """Write book.toml (and styles/book.css) for a site or folder of essays; in a folder that holds no
    essays and was not named as a site, write the starter book's two essays first."""
    if site is not None and book is not None and site.resolve() != book.resolve():
        raise UsageError(None, None, f"-o {book}: a book of a site is the site's own folder with a book.toml in it, so "
                                     f"`chapbook new {site}` writes {site / CONFIG_NAME}; -o is for a starter book "
                                     "(chapbook new -o FOLDER)")
    root = site or book or Path(".")
    if site is not None and not site.is_dir():
        raise ChapbookError(site, None, "is not a folder; name a site's folder (Zola, Hugo, Jekyll) or a folder of essays")
    if root.exists() and not root.is_dir():
        raise UsageError(None, None, f"-o {root} is a file, not a folder; give the folder to start the book in")
    config_path = root / CONFIG_NAME
    if config_path.exists() or config_path.is_symlink():
        raise ChapbookError(shown(config_path), None, "already exists, and chapbook new never overwrites a file; "
                            "the book is started already (build it with chapbook build), or move book.toml aside "
                            "to write a new one")
    written: list[Path] = []
    if site is None and not _holds_essays(root):
        written += _write_new(root, STARTER_ESSAYS)
    found = survey(root)
    styles = _write_new(root, {STYLESHEET: STYLESHEET_STUB})
    written += styles
    written += _write_new(root, {CONFIG_NAME: book_toml(found, own_stylesheet=bool(styles))})
    return Started(root, found, tuple(written), () if styles else (root / STYLESHEET,))


def _holds_essays(folder: Path) -> bool:
    """Whether the folder has Markdown files where the build reads essays (read or not: a broken one is
    the survey's to report, not a reason to write a starter book beside it)."""
    return folder.is_dir() and bool(find_essays(essay_folder(folder), book=folder))


def _write_new(root: Path, files: dict[str, str]) -> list[Path]:
    """Write each file that does not exist yet (exclusively: a file that appears meanwhile is kept)."""
    written = []
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
        except FileExistsError:
            continue
        written.append(path)
    return written


def survey(root: Path) -> Survey:
    """Read the folder as `chapbook build` would (the same discover and select stages), and note what
    the book takes, what it leaves out and why, and where its settings come from."""
    found = discover(root, ())
    chosen = select(found)
    kept = {essay.path for essay in chosen.essays}
    sections = Counter(_section_of(essay.path, found.base) for essay in chosen.essays)
    hidden = draft_sections(found.base, root)
    kept_sections = set(sections)
    left_out = tuple((essay.path.relative_to(root).as_posix(),
                      _why_left_out(essay, found.base, hidden, kept_sections, found.config.language))
                     for essay in found.essays if essay.path not in kept)
    if found.site.kind == "jekyll":  # what Jekyll itself keeps apart from the posts
        left_out += tuple((path.relative_to(root).as_posix(), "a draft (in _drafts/)")
                          for path in sorted((root / "_drafts").glob("*.md*")))
        left_out += tuple((path.name, "a page, not a post: a Jekyll book is the site's posts (_posts/)")
                          for path in sorted(root.glob("*.md")) + sorted(root.glob("*.markdown"))
                          if path.name.lower() != "readme.md")
    settings_file = next((path for path in _settings_files(root, found.site.kind) if path.is_file()), None) \
        if found.site.kind else None
    return Survey(root, found.site.kind, settings_file.relative_to(root).as_posix() if settings_file else None,
                  found.base, _detected(root, found.config, found.site.kind, found.site.settings, settings_file),
                  dict(sorted(sections.items())), left_out)


def _section_of(path: Path, base: Path) -> str:
    """The folder an essay sits in, relative to where essays are read (a page bundle's own folder is
    the essay, not a section); "" for the top."""
    folder = path.parent.parent if path.stem == "index" else path.parent
    return folder.relative_to(base).as_posix() if folder != base and folder.is_relative_to(base) else ""


def _why_left_out(essay: SourceEssay, base: Path, hidden: list[Path], kept_sections: set[str], language: str) -> str:
    """Why the build leaves a page out, in the order select() leaves pages out."""
    if essay.draft:
        return "a draft (draft = true)" if essay.front.get("draft") is True else \
            "never rendered by the site (headless, or _build render = never)"
    if any(essay.path.is_relative_to(folder) for folder in hidden):
        return "its section's _index.md says draft = true"
    if _section_of(essay.path, base) not in kept_sections:
        main = ", ".join(name or "the top" for name in sorted(kept_sections))
        return f"not in the site's main section ({main}); add it with sections = [...] or include = [...]"
    return f"a translation into another language than the book's ({language})"


def _detected(root: Path, config: BookConfig, kind: str | None, settings: dict[str, Any],
              settings_file: Path | None) -> dict[str, tuple[Any, str]]:
    """The options chapbook can say from the folder itself, each with where its value came from."""
    from_site = {}
    if kind is not None:
        from_site = {key: value for key, value in GENERATORS[kind].book_defaults(settings).items()
                     if isinstance(value, str) and value.strip()}
    origin = f"from {settings_file.relative_to(root).as_posix()}" if settings_file else ""
    detected: dict[str, tuple[Any, str]] = {}
    for key in ("title", "author", "language", "description", "base_url"):
        value = getattr(config, key)
        if key in from_site:
            detected[key] = (value, origin)
    if "title" not in detected:
        detected["title"] = _title_elsewhere(root, kind, settings, config.title)
    detected.setdefault("language", (config.language, "chapbook's default; the site names none"))
    return detected


def _title_elsewhere(root: Path, kind: str | None, settings: dict[str, Any], folder_title: str) -> tuple[str, str]:
    """A site whose settings name no title: its home page's title (Zola's and Hugo's content/_index.md,
    Jekyll's `name`), else the folder's name."""
    if kind in ("zola", "hugo"):
        for name in SECTION_FILES:
            home = root / "content" / name
            if home.is_file():
                try:
                    title = read_essay(home, shown(home)).title
                except ChapbookError:  # the home page is the site's, not the book's: a broken one names nothing
                    continue
                if title and title.casefold() not in ("index", "home"):  # a home page's usual names say nothing
                    return title, f"from content/{name}"
    if kind == "jekyll":
        name = settings.get("name")
        if isinstance(name, str) and name.strip():
            return name.strip(), "from _config.yml's name"
    return folder_title, "the folder's name"


def toml_value(value: Any) -> str:
    """A value as TOML writes it: JSON's strings, numbers and lists are TOML's, but for DEL."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_value(str(key))} = {toml_value(item)}" for key, item in value.items()) + " }" \
            if value else "{}"
    return str(value)


def _default(declared: Field) -> Any:
    return declared.default_factory() if declared.default is MISSING else declared.default  # type: ignore[misc]


def book_toml(found: Survey, own_stylesheet: bool) -> str:
    """The book.toml text: what was found, as comments; the detected options set; every other option of
    BookConfig commented out at its default under its doc, in the order config.py declares them."""
    lines = _header(found)
    declared_fields = fields(BookConfig)
    set_here = {*found.detected, *(("stylesheet",) if own_stylesheet else ())}
    first = [declared for declared in declared_fields if declared.name in set_here]
    rest = [declared for declared in declared_fields if declared.name not in set_here]
    for index, declared in enumerate(first + rest):
        if index == len(first):
            lines += ["# " + "-" * 98, "# Every other option, at its default.", ""]
        lines += textwrap.wrap(declared.metadata["doc"], 108, initial_indent="# ", subsequent_indent="# ")
        name = declared.name
        if name in found.detected:
            value, origin = found.detected[name]
            lines.append(f"{name} = {toml_value(value)}" + (f"  # {origin}" if origin else ""))
        elif name == "stylesheet" and own_stylesheet:
            lines.append(f"{name} = {toml_value(STYLESHEET)}  # written by chapbook new: the book's own CSS")
        elif name == "stylesheet":
            lines.append(f"# {name} = {toml_value(STYLESHEET)}  # it was there before chapbook new; is it the book's?")
        else:
            lines.append(f"# {name} = {toml_value(_default(declared))}")
        lines.append("")
    return "\n".join(lines)


def _header(found: Survey) -> list[str]:
    essays = sum(found.sections.values())
    where = found.base.relative_to(found.root).as_posix() + "/" if found.base != found.root else "this folder"
    if found.generator:
        made_of = f"a {GENERATOR_NAMES[found.generator]} site (its settings: {found.settings_file})"
    else:
        made_of = "a folder of essays"
    lines = [
        f"# The book of {made_of}, as `chapbook new` found it. Build it with",
        "#     chapbook build . -o ../dist",
        "# from this folder (the output folder must be outside the book's). The options below are all of",
        "# chapbook's: those it detected are set; the others are commented out at their defaults, each",
        "# under its doc. Uncomment a line to change it.",
        "#",
        f"# Essays are read from {where}: {essays} in the book"
        + (f", in {len(found.sections)} sections" if len(found.sections) > 1 else "") + ". By section",
        "# (a section's path is what sections, include and exclude take):",
    ]
    width = max(len(name or "(top)") for name in found.sections)
    for name, count in list(found.sections.items())[:SHOWN_AT_MOST]:
        lines.append(f"#     {(name or '(top)').ljust(width)}  {count}")
    if len(found.sections) > SHOWN_AT_MOST:
        lines.append(f"#     … and {len(found.sections) - SHOWN_AT_MOST} more sections")
    if found.left_out:
        lines += ["#", f"# Left out: {len(found.left_out)} page{'s' if len(found.left_out) != 1 else ''}:"]
        lines += [f"#     {page}: {why}" for page, why in found.left_out[:SHOWN_AT_MOST]]
        if len(found.left_out) > SHOWN_AT_MOST:
            lines.append(f"#     … and {len(found.left_out) - SHOWN_AT_MOST} more")
    return lines + [""]


STYLESHEET_STUB = """\
/* The book's own CSS, applied after the theme's in print and in the EPUB
   (book.toml: stylesheet = "styles/book.css"). Empty as chapbook new wrote it: the theme sets the book.
   Rules to start from, to uncomment:

   h1 { letter-spacing: 0.04em; }                 chapter titles spaced a little wider
   blockquote { font-style: italic; }             quotations in italics
   .epigraph { margin-left: 30%; }                epigraphs further to the right

   A theme of the book's own is a folder styles/NAME/ with a theme.toml (chapbook's README, "Themes"),
   chosen with theme = "NAME" in book.toml. */
"""

# The starter book: two short essays that show what chapbook does with an essay's front matter, a verse
# epigraph (a blockquote of lines broken with <br>, first thing in the essay), sections and emphasis.
STARTER_ESSAYS = {
    "01-first-light.md": """\
+++
title = "First Light"
date = 2024-03-02
weight = 1
+++

> The hill puts on its coat of grey<br>
> and waits for someone else to say<br>
> the word that lets the morning in.<br>
> -- A rhyme for getting up

Every book starts as a folder. This one is a folder with two essays in it, a `book.toml` that
says what the book is called, and a stylesheet that waits to be written. Replace these essays
with your own, and the book becomes yours.

An essay is a Markdown file. The lines between the `+++` marks at the top are its front matter:
its title, its date, and its weight, which puts it in its place among the others. The rest is
the essay itself, set as a chapter.

The verse at the top of this essay is an epigraph. Any blockquote whose lines end in a break,
standing first in an essay, is set that way: smaller, in italics, toward the right, with its
source under it.

### On beginning

Most writers do not begin at the beginning. They begin with the paragraph they can see, and
*later* find the one that comes before it. A book made from essays is forgiving in this way:
each one can be moved, renamed or left out, and the rest close up around the gap.
""",
    "02-the-long-way-round.md": """\
+++
title = "The Long Way Round"
date = 2024-03-09
weight = 2
+++

There are two roads to the village. One is the road, and the other is the long way round,
which follows the river for a while, loses it behind a row of willows, and finds it again at the
bridge, as if nothing had happened.

People who take the long way are not lost. They are giving the day a little more room than it
asked for, which is what an essay does to a thought.

---

When the book is built, this essay begins on a right-hand page, its first words in small
capitals, and the break above becomes an ornament. Run `chapbook build . -o ../dist` from the
book's folder to see it, and `chapbook check` on the PDF before sending it to a printer.
""",
}
