"""The Jinja environment: every XHTML and HTML file chapbook writes comes from a template here."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def dateline(date: dt.date | None) -> str:
    """A date as a book prints it: 2 April 2023."""
    return f"{date.day} {date:%B %Y}" if date else ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("chapbook", "templates"),
        autoescape=select_autoescape(["j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["dateline"] = dateline
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
