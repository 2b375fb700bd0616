"""Load YAML into plain data while keeping every node's ``line:col``.

PyYAML silently keeps the last of two duplicate keys and happily constructs
arbitrary Python objects from tags; a scheme loader must do neither. We only
*compose* the node graph (no construction), then build plain data ourselves:
duplicate keys and unknown tags become findings, floats become exact
``Decimal``, and alias expansion is bounded so "billion laughs" cannot blow up.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from yaml.composer import ComposerError

from kpiscore.base.errors import Finding
from kpiscore.base.fields import number_problem
from kpiscore.base.limits import LIMITS, Limits

Path = tuple[str | int, ...]

#: The default nesting limit that keeps a hostile scheme from exhausting the stack
#: (see kpiscore.base.limits: yaml_nodes and yaml_aliases bound memory and time).
MAX_DEPTH = LIMITS["yaml_depth"].default

try:  # the C loader composes several times faster; marks are the same
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML build
    _Loader = yaml.SafeLoader

_BOOL = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


@dataclass
class Located:
    """Plain data plus where each part of it came from."""

    data: Any
    path: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    #: where a string's text itself starts (after a quote, or on a block scalar's
    #: first line), so a position inside a formula can be pointed at
    texts: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def text_start(self, loc: Path) -> tuple[int, int]:
        return self.texts.get(tuple(loc)) or self.where(loc)

    def where(self, loc: Path, *, key: bool = False) -> tuple[int, int]:
        """Best ``(line, col)`` for a location, walking up to the nearest known node."""
        probe = tuple(loc)
        while True:
            if key and probe in self.keys:
                return self.keys[probe]
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]

    def finding(self, loc: Path, code: str, message: str, *, severity: str = "error",
                key: bool = False) -> Finding:
        line, col = self.where(loc, key=key)
        return Finding(self.path, line, col, severity, code, message)  # type: ignore[arg-type]


class YamlProblems(Exception):
    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("\n".join(map(str, findings)))


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, located: Located, source: str, limits: Limits) -> None:
        self.located = located
        self.lines = source.splitlines()
        self.findings: list[Finding] = []
        self.count = 0
        self.limits = limits

    def fail(self, node: yaml.Node, code: str, message: str) -> None:
        line, col = _pos(node.start_mark)
        self.findings.append(Finding(self.located.path, line, col, "error", code, message))

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > self.limits.yaml_nodes:
            raise _TooBig(node, f"the YAML expands to more than {self.limits.yaml_nodes} "
                                "values once its aliases (*name) are expanded; "
                                + self.limits.refusal("yaml_nodes"))
        if depth > self.limits.yaml_depth:
            raise _TooBig(node, _too_deep(self.limits))
        self.located.values[path] = _pos(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            if node.tag not in ("tag:yaml.org,2002:map",):
                self.fail(node, "yaml-tag", f"tag {node.tag!r} is not allowed in a scheme")
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.fail(key_node, "yaml-merge", "merge keys (<<) are not supported; "
                              "write the fields out")
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    self.fail(key_node, "yaml-key", "a mapping key must be a plain value")
                    continue
                key = str(key_node.value)
                if key in out:
                    first = self.located.keys.get(path + (key,), (0, 0))
                    self.fail(key_node, "duplicate-key",
                              f"duplicate key {key!r} (first defined at line {first[0]}); "
                              "YAML would silently keep only the last one")
                    continue
                self.located.keys[path + (key,)] = _pos(key_node.start_mark)
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.fail(node, "yaml-tag", f"tag {node.tag!r} is not allowed in a scheme")
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if node.tag == "tag:yaml.org,2002:str":
            self.located.texts[path] = self.text_position(node)
        return self.scalar(node, path)

    def text_position(self, node: yaml.Node) -> tuple[int, int]:
        line, col = _pos(node.start_mark)
        style = getattr(node, "style", None)
        if style in ('"', "'"):
            return line, col + 1
        if style in ("|", ">"):
            for number in range(line, len(self.lines)):  # 0-based index of the next line
                text = self.lines[number]
                if text.strip():
                    return number + 1, len(text) - len(text.lstrip()) + 1
        return line, col

    def bounded(self, node: yaml.Node, path: Path,
                number: Decimal | int) -> Decimal | int | None:
        """``number``, or a finding and None when it has more digits than the limit."""
        problem = number_problem(number, self.limits)
        if problem is None:
            return number
        key = next((part for part in reversed(path) if isinstance(part, str)), None)
        self.fail(node, "number-limit", f"{key}: {problem}" if key else str(problem))
        return None

    def scalar(self, node: yaml.Node, path: Path) -> Any:
        tag, text = node.tag, node.value
        if tag == "tag:yaml.org,2002:str":
            return text
        if tag == "tag:yaml.org,2002:int":
            cleaned = text.replace("_", "")
            numerals = cleaned.lstrip("+-").lstrip("0")
            if len(numerals) > self.limits.number_digits and numerals.isdigit():
                # refused before int() spends time on it (or refuses it itself)
                return self.bounded(node, path, Decimal(cleaned))
            try:
                number = int(cleaned, 0) if cleaned.lower().startswith(("0x", "0o", "0b")) \
                    else int(cleaned)
            except ValueError:
                return text
            return self.bounded(node, path, number)
        if tag == "tag:yaml.org,2002:float":
            try:
                value = Decimal(text.replace("_", ""))
            except ArithmeticError:
                value = None
            if value is None or not value.is_finite():
                self.fail(node, "yaml-number", f"{text!r} is not a finite number")
                return text
            return self.bounded(node, path, value)
        if tag == "tag:yaml.org,2002:bool":
            return _BOOL.get(text.lower(), text)
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
            return text
        self.fail(node, "yaml-tag", f"tag {tag!r} is not allowed in a scheme")
        return None


class _TooBig(Exception):
    def __init__(self, node: Any, message: str) -> None:
        self.node = node  # a node or an event: anything with a start_mark
        super().__init__(message)


def _too_deep(limits: Limits) -> str:
    return (f"the YAML is nested deeper than {limits.yaml_depth} levels; "
            + limits.refusal("yaml_depth"))


def _compose(loader: Any, limits: Limits) -> yaml.Node | None:
    """The document's node graph, built without recursion.

    PyYAML's composers recurse once per level of nesting: a few hundred
    thousand ``[`` crash the C one (a segmentation fault, not an exception)
    and libyaml's parser slows down quadratically with depth. Composing here,
    event by event, stops at the depth limit as soon as it is passed, and
    counts aliases as they are met. Anchors are kept as PyYAML keeps them (an
    alias shares its anchor's node); expanding them is bounded by the builder.
    """
    loader.get_event()  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # document start
    anchors: dict[str, yaml.Node] = {}
    open_anchors: set[str] = set()
    # each open collection: [node, its anchor, a mapping key waiting for its value]
    stack: list[list[Any]] = []
    aliases = 0
    root: yaml.Node | None = None
    while True:
        event = loader.get_event()
        start: Any = event.start_mark  # a C or a Python mark: the same fields
        end: Any = event.end_mark
        node: yaml.Node
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            node, anchor, _ = stack.pop()
            node.end_mark = end
            if anchor is not None:
                open_anchors.discard(anchor)
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > limits.yaml_aliases:
                raise _TooBig(event, f"the YAML uses more than {limits.yaml_aliases} "
                                     "aliases (*name); " + limits.refusal("yaml_aliases"))
            if event.anchor not in anchors:
                raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", start)
            if event.anchor in open_anchors:
                raise ComposerError(
                    None, None, f"the alias *{event.anchor} is inside its own anchor "
                    f"&{event.anchor} (a value cannot contain itself)", start)
            node = anchors[event.anchor]
        elif isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node = yaml.ScalarNode(tag, event.value, start, end, style=event.style)
            _anchor(anchors, event, node)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) + 1 > limits.yaml_depth:
                raise _TooBig(event, _too_deep(limits))
            tag = event.tag
            sequence = isinstance(event, yaml.SequenceStartEvent)
            kind = yaml.SequenceNode if sequence else yaml.MappingNode
            if tag is None or tag == "!":
                tag = loader.resolve(kind, None, event.implicit)
            node = kind(tag, [], start, None, flow_style=event.flow_style)
            _anchor(anchors, event, node)
            if event.anchor is not None:
                open_anchors.add(event.anchor)
            stack.append([node, event.anchor, None])
            continue
        else:  # document end
            break
        if not stack:
            root = node
            continue
        top = stack[-1]
        if isinstance(top[0], yaml.SequenceNode):
            top[0].value.append(node)
        elif top[2] is None:
            top[2] = node
        else:
            top[0].value.append((top[2], node))
            top[2] = None
    if not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()
        raise ComposerError(
            None, None, "a second YAML document (---) follows the first; a scheme is a "
            "single document", event.start_mark)
    return root


def _anchor(anchors: dict[str, yaml.Node], event: Any, node: yaml.Node) -> None:
    if event.anchor is None:
        return
    if event.anchor in anchors:
        first = anchors[event.anchor].start_mark
        raise ComposerError(
            None, None, f"the anchor &{event.anchor} is defined twice (first at line "
            f"{first.line + 1})", event.start_mark)
    anchors[event.anchor] = node


#: PyYAML (6.0.4 on) refuses nesting past about 1000 levels itself; in flow style
#: its scanner looks ahead for a ``key:`` and so fires before our depth check
#: sees the events that pass our (lower: see kpiscore.base.limits) limit
_PYYAML_NESTING = "exceeded maximum nesting depth"


def _compose_text(text: str, limits: Limits) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        return _compose(loader, limits)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        if _PYYAML_NESTING in (exc.problem or "") and mark is not None and mark.index:
            # the text before PyYAML's refusal passes our limit: ours reports it
            with contextlib.suppress(yaml.YAMLError):
                _compose_text(text[:mark.index], limits)
        raise
    finally:
        loader.dispose()


def load_yaml(text: str, path: str, limits: Limits | None = None) -> Located:
    """Parse ``text`` (the contents of ``path``) into :class:`Located` data.

    Raises :class:`YamlProblems` with ``file:line:col`` findings for syntax
    errors, duplicate keys, unsafe tags and expansion bombs. ``limits``
    defaults to :meth:`Limits.from_env`.
    """
    limits = limits or Limits.from_env()
    located = Located(data=None, path=path)
    builder = _Builder(located, text, limits)
    try:
        root = _compose_text(text, limits)
        if root is None:
            raise YamlProblems([Finding(path, 1, 1, "error", "empty", "the file is empty")])
        located.data = builder.build(root, (), 0)
    except _TooBig as exc:
        line, col = _pos(exc.node.start_mark)
        raise YamlProblems([Finding(path, line, col, "error", "yaml-limit", str(exc))]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark is not None and exc.problem_mark is not None \
                and "end of stream" in (exc.problem or ""):
            # an unclosed quote or bracket: point where it opened, not past the end
            mark = exc.context_mark
            what = exc.context.removeprefix("while scanning ").removeprefix("while parsing ")
            problem = f"{what} is never closed ({exc.problem})"
        elif exc.context and exc.context_mark is not None:
            cl, cc = _pos(exc.context_mark)
            problem = f"{problem} ({exc.context} at line {cl}, column {cc})"
        line, col = _pos(mark) if mark is not None else (1, 1)
        index = getattr(mark, "index", None)
        if "\t" in problem or (index is not None and text[index:index + 1] == "\t"):
            problem += " (a tab: YAML allows only spaces for indentation)"
        raise YamlProblems([Finding(path, line, col, "error", "yaml-syntax", problem)]) from None
    except yaml.YAMLError as exc:
        raise YamlProblems([Finding(path, 1, 1, "error", "yaml-syntax", str(exc))]) from None
    if builder.findings:
        raise YamlProblems(builder.findings)
    return located
