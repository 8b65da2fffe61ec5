"""Split a Markdown file into its front matter (TOML `+++`, YAML `---` or Hugo's JSON `{…}`) and its body."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ChapbookError, deepest_line, parse_toml
from ..limits import YAML_VALUES
from .characters import xml_values

_FENCES = {"+++": "TOML", "---": "YAML"}


@dataclass(frozen=True)
class FrontMatter:
    """Parsed front matter, with the line each top-level key sits on for precise messages."""

    data: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # the file line the body starts on
    # YAML's top-level values that are not text but were written bare, as written: `title: no` is
    # False to YAML 1.1 and `version: 1.10` is 1.1, but where text is wanted the writer meant "no", "1.10".
    written: dict[str, str] = field(default_factory=dict)

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key)

    def text(self, key: str) -> Any:
        """The value of key, or where it is a bare YAML scalar, the words as written."""
        value = self.data.get(key)
        return self.written.get(key, value) if value is not None and not isinstance(value, str) else value


def split_front_matter(path: Path, text: str) -> FrontMatter:
    """Parse the front matter of one file; malformed front matter is an error with its line."""
    # Zola accepts blank lines and spaces before the opening +++ (a --- there could be a rule in the text).
    stripped = text.lstrip()
    skipped = text[: len(text) - len(stripped)].count("\n")
    if stripped.startswith("+++") and stripped != text:
        front = split_front_matter(path, stripped)
        return FrontMatter(front.data, {key: line + skipped for key, line in front.key_lines.items()},
                           front.body, front.body_line + skipped, front.written)
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
    data, written = _parse(path, fence, source)
    data = xml_values(data)
    key_lines = {}
    for offset, line in enumerate(lines[1:end], start=2):
        match = re.match(r"([A-Za-z_][\w-]*)\s*[=:]", line)
        if match and match[1] not in key_lines:
            key_lines[match[1]] = offset
    return FrontMatter(data, key_lines, "\n".join(lines[end + 1 :]), end + 2, written)


def _json_front_matter(path: Path, text: str) -> FrontMatter:
    """Hugo's third form: a JSON object at the top of the file, the body after its closing brace."""
    try:
        data, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as error:
        raise ChapbookError(path, error.lineno, f"front matter is not valid JSON: {error.msg}; fix the syntax") from None
    except RecursionError:
        raise ChapbookError(path, deepest_line(text), "front matter's arrays or objects are nested too deeply "
                            "to read; flatten them") from None
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


class TooMuchYAML(yaml.MarkedYAMLError):
    """YAML that is well formed, but more than chapbook reads (see limits.py)."""


class _Loader(yaml.SafeLoader):
    """The safe loader (no tag makes a Python object), with two changes: a date that is no real day
    (2024-02-30) stays text, for the checks to name; and aliases may not stand for more than
    YAML_VALUES values (see limits.py)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_marks: list[yaml.Mark] = []

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            self.alias_marks.append(self.peek_event().start_mark)
        return super().compose_node(parent, index)

    def compose_document(self) -> yaml.Node:
        node = super().compose_document()
        if self.alias_marks and _values(node) > YAML_VALUES:
            raise TooMuchYAML(problem=f"uses aliases (*name) that stand for more than {YAML_VALUES:,} values (a "
                              "\"billion laughs\"); write the values out", problem_mark=self.alias_marks[0])
        return node

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _values(root: yaml.Node) -> float:
    """How many values the document stands for with every alias written out; infinite if one holds itself."""
    counted: dict[int, float] = {}
    open_: set[int] = set()  # the nodes being counted: the path from the root down
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_counted = stack.pop()
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) \
            else node.value if isinstance(node, yaml.SequenceNode) else []
        if children_counted:
            open_.discard(id(node))
            counted[id(node)] = 1 + sum(counted[id(child)] for child in children)
        elif id(node) in open_:
            return math.inf
        elif id(node) not in counted:
            open_.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children)
    return counted[id(root)]


def read_yaml(text: str) -> tuple[Any, dict[str, str]]:
    """Parse YAML with _Loader, and the top-level values written bare as written (see FrontMatter.written).

    Raises yaml.YAMLError for anything it cannot read, nesting too deep for the parser's recursion too."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        line = deepest_line(text) - 1
        raise TooMuchYAML(problem="nests lists or mappings too deeply to read; flatten them",
                          problem_mark=yaml.Mark("", 0, line, 0, None, None)) from None
    finally:
        loader.dispose()
    written = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode) and value.style is None:
                written[key.value] = value.value
    return data, written


def _parse(path: Path, fence: str, source: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The front matter's keys and values, and those written bare, as written (YAML only)."""
    if fence == "+++":
        return parse_toml(path, source, first_line=2, what="front matter"), {}
    try:
        data, written = read_yaml(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        context = getattr(error, "context_mark", None)
        if mark is not None and context is not None and mark.line >= source.count("\n"):
            mark = context  # "unexpected end": the construct left open is where the mistake is
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).split("\n")[0]
        if isinstance(error, TooMuchYAML):
            raise ChapbookError(path, line, f"front matter {problem}") from None
        tag = re.search(r"constructor for the tag '(?:tag:yaml.org,2002:)?([^']*)'", problem)
        if tag:
            shown = f"!!{tag[1]}" if "tag:yaml.org,2002:" in problem else tag[1]
            raise ChapbookError(path, line, f"front matter has the YAML tag {shown}, which asks for a program's "
                                "object; chapbook reads only text, numbers, dates, lists and mappings: remove the "
                                "tag") from None
        raise ChapbookError(path, line, f"front matter is not valid YAML: {problem}; fix the syntax") from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ChapbookError(path, 2, "front matter must be a list of `key: value` lines")
    return data, {key: text for key, text in written.items() if not isinstance(data.get(key), str)}
