"""Characters no XML document may hold: C0 controls other than tab and newline, U+FFFE and U+FFFF, and
surrogates alone (a YAML or JSON escape can make one). A book's text never carries them, however they
were written: raw in a file, or as an escape in TOML, YAML or JSON. They are dropped as the text is
read, so every stage after reading, and every output, can take any text it is given."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """The text without the characters XML cannot hold."""
    return _NOT_IN_XML.sub("", text)


def xml_values(value: Any, _within: frozenset[int] = frozenset()) -> Any:
    """Parsed data (front matter, book.toml) with every string, key or value, made XML text. A list that
    holds itself (YAML's `&a [1, *a]`) is cleaned down to where it repeats."""
    if isinstance(value, str):
        return xml_text(value)
    if id(value) in _within:
        return value
    inner = _within | {id(value)}
    if isinstance(value, dict):
        return {xml_values(key, inner): xml_values(item, inner) for key, item in value.items()}
    if isinstance(value, list):
        return [xml_values(item, inner) for item in value]
    return value


def shows(text: str | None) -> bool:
    """Whether the text has a character that shows: spaces, joiners, controls and marks alone do not (a
    title or heading of them is a contents entry with nothing to read, which an EPUB's nav refuses)."""
    return bool(text) and any(unicodedata.category(char)[0] not in "ZC" for char in text)
