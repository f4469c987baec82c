"""YAML that remembers where each value came from.

Front matter and ``conf/`` files are small, but a contributor who mistypes a key deserves to be
told the file *and line*.  PyYAML's composer knows the line of every node; this module keeps it,
so validators can report ``modules/01-x/index.md:7: SH102 unknown key 'duraton'``.  Only
PyYAML's safe constructors are used: no tags, no arbitrary objects.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Code, Diagnostic, DiagnosticError


class LinedDict(dict[str, Any]):
    """A mapping that knows the source line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def __init__(self) -> None:
        super().__init__()
        self.key_lines = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LinedList(list[Any]):
    """A sequence that knows the source line of itself and of each item."""

    line: int = 0
    item_lines: list[int]

    def __init__(self) -> None:
        super().__init__()
        self.item_lines = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


@dataclass
class Source:
    """Where a YAML document lives: its path and the line its first line sits on."""

    path: Path
    first_line: int = 1
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, code: Code, message: str, line: int | None = None) -> None:
        self.diagnostics.append(Diagnostic.of(code, message, self.path, line))

    def raise_if_errors(self) -> None:
        errors = [d for d in self.diagnostics if d.severity.value == "error"]
        if errors:
            raise DiagnosticError(self.diagnostics)


MAX_DEPTH = 64  # collections inside collections; front matter and tracks need a handful
MAX_VALUES = 20_000  # values after expanding aliases; a "billion laughs" stops here at once
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing deep nesting and aliases that expand past a limit.

    Nesting is counted while composing (PyYAML's composer recurses, so 5,000 ``[`` would end in a
    RecursionError), and each node's size after expanding aliases is computed bottom-up, so an
    alias bomb is refused as soon as one of its levels passes the limit, before anything walks it.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"values are nested more than {MAX_DEPTH} levels deep", mark
                )
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is None:
            return None
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
        if size > MAX_VALUES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"this value expands to more than {MAX_VALUES} values (through YAML aliases?)",
                node.start_mark,
            )
        self._sizes[id(node)] = size
        return node


def _deep_flow_line(text: str) -> int | None:
    """The line (from 0) where ``[``/``{`` brackets nest past the limit, outside quotes and comments."""
    depth = 0
    for number, line in enumerate(text.splitlines()):
        quote = ""
        for char in line:
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#":
                break
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return number
            elif char in "]}":
                depth = max(0, depth - 1)
    return None


def load(text: str, source: Source) -> Any:
    """Parse one YAML document into LinedDict/LinedList/scalars; syntax errors become SH104.

    Dates stay text (the caller checks them: ``2026-13-45`` is an error at its line, not a
    crash); a key given twice is an error.
    """
    deep = _deep_flow_line(text)
    if deep is not None:  # PyYAML's scanner looks ahead through every level first: refuse early
        message = f"values are nested more than {MAX_DEPTH} levels deep"
        raise DiagnosticError(
            [Diagnostic.of(Code.YAML_SYNTAX, message, source.path, source.first_line + deep)]
        )
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LinedDict()
        return _convert(node, loader, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = source.first_line + mark.line if mark else source.first_line
        problem = exc.problem or exc.context or "invalid YAML"
        raise DiagnosticError([Diagnostic.of(Code.YAML_SYNTAX, problem, source.path, line)]) from None
    except yaml.YAMLError as exc:
        raise DiagnosticError([Diagnostic.of(Code.YAML_SYNTAX, str(exc), source.path)]) from None
    finally:
        loader.dispose()


def _convert(node: yaml.Node, loader: yaml.SafeLoader, source: Source) -> Any:
    first_line = source.first_line
    line = first_line + node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result = LinedDict()
        result.line = line
        for key_node, value_node in node.value:
            key = str(_convert(key_node, loader, source))
            key_line = first_line + key_node.start_mark.line
            if key in result:
                source.error(
                    Code.YAML_SYNTAX,
                    f"key {key!r} is given twice (first on line {result.key_lines[key]})",
                    key_line,
                )
                continue
            result[key] = _convert(value_node, loader, source)
            result.key_lines[key] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        items = LinedList()
        items.line = line
        for child in node.value:
            items.append(_convert(child, loader, source))
            items.item_lines.append(first_line + child.start_mark.line)
        return items
    if node.tag == _TIMESTAMP:
        return node.value  # text: the field's own check says what a date must look like
    return loader.construct_object(node, deep=True)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_keys(mapping: LinedDict, allowed: Iterable[str], source: Source, where: str = "") -> None:
    """Report every key of ``mapping`` not in ``allowed``, with a suggestion."""
    allowed = list(allowed)
    for key in mapping:
        if key not in allowed:
            hint = did_you_mean(key, allowed)
            expected = "" if hint else f" (expected one of: {', '.join(allowed)})"
            source.error(
                Code.CONFIG_UNKNOWN_KEY,
                f"unknown key {key!r}{where}{hint}{expected}",
                mapping.line_of(key),
            )


def get_str(
    mapping: LinedDict, key: str, source: Source, *, required: bool = False, default: str = ""
) -> str:
    value = mapping.get(key)
    if value is None:
        if required:
            source.error(Code.CONFIG_MISSING_KEY, f"missing required key {key!r}", mapping.line)
        return default
    if isinstance(value, (LinedDict, LinedList)):
        source.error(Code.CONFIG_INVALID, f"{key!r} must be text", mapping.line_of(key))
        return default
    return str(value).strip()


def get_int(
    mapping: LinedDict,
    key: str,
    source: Source,
    *,
    required: bool = False,
    default: int = 0,
    minimum: int = 0,
) -> int:
    value = mapping.get(key)
    if value is None:
        if required:
            source.error(Code.CONFIG_MISSING_KEY, f"missing required key {key!r}", mapping.line)
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        source.error(
            Code.CONFIG_INVALID,
            f"{key!r} must be a whole number >= {minimum}, got {value!r}",
            mapping.line_of(key),
        )
        return default
    return value


def get_str_list(mapping: LinedDict, key: str, source: Source, *, required: bool = False) -> list[str]:
    value = mapping.get(key)
    if value is None:
        if required:
            source.error(Code.CONFIG_MISSING_KEY, f"missing required key {key!r}", mapping.line)
        return []
    if isinstance(value, str):
        return [value.strip()]
    if not isinstance(value, LinedList) or any(
        isinstance(v, (LinedDict, LinedList)) or v is None for v in value
    ):
        source.error(Code.CONFIG_INVALID, f"{key!r} must be a list of text items", mapping.line_of(key))
        return []
    return [str(v).strip() for v in value]


def get_mapping(mapping: LinedDict, key: str, source: Source) -> LinedDict:
    value = mapping.get(key)
    if value is None:
        empty = LinedDict()
        empty.line, empty.key_lines = mapping.line_of(key), {}
        return empty
    if not isinstance(value, LinedDict):
        source.error(Code.CONFIG_INVALID, f"{key!r} must be a mapping", mapping.line_of(key))
        empty = LinedDict()
        empty.line, empty.key_lines = mapping.line_of(key), {}
        return empty
    return value


def iter_mappings(value: Any, what: str, source: Source, line: int) -> Iterator[tuple[int, LinedDict]]:
    if not isinstance(value, LinedList):
        source.error(Code.CONFIG_INVALID, f"{what} must be a list", line)
        return
    for index, item in enumerate(value):
        if not isinstance(item, LinedDict):
            source.error(Code.CONFIG_INVALID, f"each item of {what} must be a mapping", value.line_of(index))
            continue
        yield index, item


def split_front_matter(text: str) -> tuple[str | None, int]:
    """Return (front matter text, number of lines before the body) for a MyST file."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, 0
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), index + 1
    return None, 0
