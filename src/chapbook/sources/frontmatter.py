"""Split a Markdown file into its front matter (TOML `+++`, YAML `---` or Hugo's JSON `{…}`) and its body."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ChapbookError, split_toml_error
from .characters import xml_values

_FENCES = {"+++": "TOML", "---": "YAML"}


@dataclass(frozen=True)
class FrontMatter:
    """Parsed front matter, with the line each top-level key sits on for precise messages."""

    data: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # the file line the body starts on

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key)


def split_front_matter(path: Path, text: str) -> FrontMatter:
    """Parse the front matter of one file; malformed front matter is an error with its line."""
    # Zola accepts blank lines and spaces before the opening +++ (a --- there could be a rule in the text).
    stripped = text.lstrip()
    skipped = text[: len(text) - len(stripped)].count("\n")
    if stripped.startswith("+++") and stripped != text:
        front = split_front_matter(path, stripped)
        return FrontMatter(front.data, {key: line + skipped for key, line in front.key_lines.items()},
                           front.body, front.body_line + skipped)
    if text.startswith("{"):
        return _json_front_matter(path, text)
    lines = text.split("\n")
    fence = lines[0].rstrip() if lines else ""
    if fence not in _FENCES:
        return FrontMatter(body=text, body_line=1)
    closers = {fence, "..."} if fence == "---" else {fence}
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in closers), None)
    if end is None:
        raise ChapbookError(
            path, 1, f"front matter opened with {fence} is never closed; add a line with {fence} after it"
        )
    # The final newline lets the parsers name the line of an error on the last line.
    source = "\n".join(lines[1:end]) + "\n"
    data = xml_values(_parse(path, fence, source))
    key_lines = {}
    for offset, line in enumerate(lines[1:end], start=2):
        match = re.match(r"([A-Za-z_][\w-]*)\s*[=:]", line)
        if match and match[1] not in key_lines:
            key_lines[match[1]] = offset
    return FrontMatter(data, key_lines, "\n".join(lines[end + 1 :]), end + 2)


def _json_front_matter(path: Path, text: str) -> FrontMatter:
    """Hugo's third form: a JSON object at the top of the file, the body after its closing brace."""
    try:
        data, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as error:
        raise ChapbookError(path, error.lineno, f"front matter is not valid JSON: {error.msg}; fix the syntax") from None
    if not isinstance(data, dict):
        raise ChapbookError(path, 1, "front matter must be a JSON object of keys and values")
    head = text[:end]
    key_lines = {}
    for number, line in enumerate(head.split("\n"), start=1):
        match = re.match(r'\s*\{?\s*"([^"]+)"\s*:', line)
        if match and match[1] not in key_lines:
            key_lines[match[1]] = number
    body = text[end:].removeprefix("\n")
    return FrontMatter(xml_values(data), key_lines, body, head.count("\n") + 2)


class _Loader(yaml.SafeLoader):
    """The safe loader, except that a date that is no real day (2024-02-30) stays text, for the checks to name."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _parse(path: Path, fence: str, source: str) -> dict[str, Any]:
    if fence == "+++":
        try:
            return tomllib.loads(source)
        except tomllib.TOMLDecodeError as error:
            line, message = split_toml_error(error)
            line = line + 1 if line else source.count("\n") + 1
            raise ChapbookError(path, line, f"front matter is not valid TOML: {message}; fix the syntax") from None
    try:
        data = yaml.load(source, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        context = getattr(error, "context_mark", None)
        if mark is not None and context is not None and mark.line >= source.count("\n"):
            mark = context  # "unexpected end": the construct left open is where the mistake is
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).split("\n")[0]
        raise ChapbookError(path, line, f"front matter is not valid YAML: {problem}; fix the syntax") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ChapbookError(path, 2, "front matter must be a list of `key: value` lines")
    return data
