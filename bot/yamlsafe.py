"""Safe YAML reading that keeps line numbers and refuses aliases.

PyYAML's C parser builds the node tree; we build plain Python values from it
ourselves, which lets us record the line of every key and list item, reject
anchors and aliases (the "billion laughs" family of bombs, and recursive
documents) and reject duplicate keys, which PyYAML would silently overwrite.
Only the standard scalar tags are accepted, so no YAML tag can construct an
arbitrary Python object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # The C parser is much faster; fall back to pure Python where libyaml is missing.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

__all__ = ["MAX_DEPTH", "Document", "YamlProblem", "read_yaml"]

MAX_DEPTH = 16
_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_TAG_PREFIX = re.compile(r"^tag:yaml\.org,2002:")


class YamlProblem(Exception):
    """A problem found while reading YAML, with the 1-based line it concerns."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Document:
    """A YAML document as plain values, plus where each key or item was written.

    ``lines`` maps a path such as ``("stories", 2, "quotes", 0, "by")`` to the
    1-based line of that key (for mapping entries) or item (for list items).
    """

    value: Any
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    def line(self, path: tuple[Any, ...]) -> int:
        """The line of ``path``, or of its closest written ancestor."""
        while path:
            found = self.lines.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.lines.get((), 1)


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise YamlProblem(
            line, f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        ) from None
    return text


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, max(position, 0)) + 1


def read_yaml(data: bytes) -> Document:
    """Parse one YAML document from ``data``.

    Raises :class:`YamlProblem` when the bytes are not UTF-8, the YAML is
    malformed or the file holds no document. Problems that do not stop reading
    (aliases, duplicate keys, unsupported tags) are collected in ``problems``.
    """
    text = _decode(data)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "malformed YAML"
        if exc.context and exc.problem:
            message = f"{exc.problem} ({exc.context})"
        raise YamlProblem(mark.line + 1 if mark else 1, f"invalid YAML: {message}") from None
    except yaml.reader.ReaderError as exc:
        raise YamlProblem(_line_at(text, exc.position), f"invalid YAML: {exc.reason}") from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error above carries a mark
        raise YamlProblem(1, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if node is None:
        raise YamlProblem(1, "the file is empty")
    doc = Document(value=None)
    doc.lines[()] = node.start_mark.line + 1
    builder = _Builder(doc)
    try:
        doc.value = builder.build(node, (), 0)
    except _Fatal as exc:
        raise YamlProblem(exc.line, exc.message) from None
    return doc


class _Fatal(YamlProblem):
    """A problem that makes the rest of the document meaningless (aliases, nesting)."""


class _Builder:
    """Turns a node tree into Python values; one instance per document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.seen: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()

    def problem(self, node: yaml.Node, message: str) -> None:
        self.doc.problems.append(YamlProblem(node.start_mark.line + 1, message))

    def build(self, node: yaml.Node, path: tuple[Any, ...], depth: int) -> Any:
        # The C composer hands back the same node object for every alias of an anchor.
        # The line is the anchor's: the C composer keeps no position for the alias itself.
        if id(node) in self.seen:
            raise _Fatal(
                node.start_mark.line + 1,
                "YAML anchors and aliases (&, *) are not allowed; write the value out in full",
            )
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _Fatal(node.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self.problem(node, f"unsupported YAML tag {_short(node.tag)}")
            items = []
            for index, item in enumerate(node.value):
                self.doc.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.build(item, (*path, index), depth + 1))
            return items
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        self.problem(node, "unsupported YAML node")  # pragma: no cover
        return None

    def mapping(self, node: yaml.MappingNode, path: tuple[Any, ...], depth: int) -> dict[Any, Any]:
        if node.tag != _MAP:
            self.problem(node, f"unsupported YAML tag {_short(node.tag)}")
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(key_node, "keys must be plain words (merge keys and complex keys are not allowed)")
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in result:
                first = self.doc.lines.get((*path, key))
                self.problem(key_node, f"duplicate key '{key}' (first written on line {first})")
                continue
            self.doc.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _STR:
            return node.value
        if node.tag not in _SCALAR_TAGS:
            self.problem(node, f"unsupported YAML tag {_short(node.tag)}")
            return node.value
        if node.tag == "tag:yaml.org,2002:timestamp":
            # Keep dates as the text the author wrote: "2019-05-03" stays a string.
            return node.value
        return self.constructor.construct_object(node)


def _short(tag: str) -> str:
    return "!!" + _TAG_PREFIX.sub("", tag) if _TAG_PREFIX.match(tag) else tag
