"""Load YAML into plain data while keeping every node's ``line:col``.

PyYAML silently keeps the last of two duplicate keys and happily constructs
arbitrary Python objects from tags; a scheme loader must do neither. We only
*compose* the node graph (no construction), then build plain data ourselves:
duplicate keys and unknown tags become findings, floats become exact
``Decimal``, and alias expansion is bounded so "billion laughs" cannot blow up.
"""

from __future__ import annotations

import contextlib
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from yaml.composer import ComposerError

from kpiscore.base.errors import Finding
from kpiscore.base.fields import number_problem
from kpiscore.base.i18n import Phrase, Text
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

    def finding(self, loc: Path, code: str, message: str | Text, *, severity: str = "error",
                key: bool = False) -> Finding:
        line, col = self.where(loc, key=key)
        return Finding(self.path, line, col, severity, code, message)  # type: ignore[arg-type]


TAG = Phrase("tag {tag} is not allowed in a scheme", "方案中不允许使用标签 {tag}")
MERGE = Phrase("merge keys (<<) are not supported; write the fields out",
               "不支持合并键(<<);请把各字段写出来")
KEY = Phrase("a mapping key must be a plain value", "映射的键必须是普通的值")
DUPLICATE = Phrase("duplicate key {key} (first defined at line {line}); YAML would silently "
                   "keep only the last one",
                   "键 {key} 重复(第 {line} 行已定义过);YAML 会悄悄地只保留最后一个")
AT_KEY = Phrase("{key}: {problem}", "{key}:{problem}")
NOT_FINITE = Phrase("{value} is not a finite number", "{value} 不是有限的数")
EXPANDS = Phrase("the YAML expands to more than {count} values once its aliases (*name) are "
                 "expanded; {advice}",
                 "YAML 展开别名(*name)后超过 {count} 个值;{advice}")
TOO_DEEP = Phrase("the YAML is nested deeper than {levels} levels; {advice}",
                  "YAML 的嵌套超过 {levels} 层;{advice}")
ALIASES = Phrase("the YAML uses more than {count} aliases (*name); {advice}",
                 "YAML 使用了超过 {count} 个别名(*name);{advice}")
UNDEFINED_ALIAS = Phrase("found undefined alias {name}", "别名 {name} 没有定义")
SELF_ALIAS = Phrase("the alias *{name} is inside its own anchor &{name} (a value cannot contain "
                    "itself)", "别名 *{name} 在它自己的锚点 &{name} 之内(一个值不能包含它自己)")
SECOND_DOCUMENT = Phrase("a second YAML document (---) follows the first; a scheme is a single "
                         "document", "第一个 YAML 文档之后还有第二个(---);方案只能是一个文档")
ANCHOR_TWICE = Phrase("the anchor &{name} is defined twice (first at line {line})",
                      "锚点 &{name} 定义了两次(第一次在第 {line} 行)")
EMPTY = Phrase("the file is empty", "文件是空的")
NEVER_CLOSED = Phrase("{what} is never closed ({problem})", "{what}没有结束({problem})")
IN_CONTEXT = Phrase("{problem} ({context} at line {line}, column {column})",
                    "{problem}({context},第 {line} 行第 {column} 列)")
A_TAB = Phrase("{problem} (a tab: YAML allows only spaces for indentation)",
               "{problem}(制表符:YAML 只允许用空格缩进)")
SAYS = Phrase("{text}", "{text}")
#: What the YAML parser (PyYAML, or libyaml under it) says, in kpiscore's languages: a
#: pattern of its English and the Chinese for it (``{0}``, ``{1}``: the pattern's groups,
#: themselves put in Chinese by :data:`NOUNS`). A sentence not listed is shown as written.
#: Compiled by :func:`_parser_patterns` when a scheme first has a syntax error.
PARSER: tuple[tuple[str, str], ...] = (
    (r"mapping values are not allowed (?:here|in this context)", "此处不允许出现映射的值(冒号)"),
    (r"mapping keys are not allowed (?:here|in this context)", "此处不允许出现映射的键"),
    (r"(?:block )?sequence entries are not allowed (?:here|in this context)",
     "此处不允许出现列表项(-)"),
    (r"did not find expected (.+)", "没有找到应有的{0}"),
    (r"could not find expected (.+)", "没有找到应有的{0}"),
    (r"expected (.+), but (?:found|got) (.+)", "应为{0},却是 {1}"),
    (r"found a tab character (?:that violates indentation|where an indentation space is "
     r"expected)", "出现了制表符,破坏了缩进"),
    (r"found character (.+) that cannot start any token", "字符 {0} 不能作为任何记号的开头"),
    (r"found unexpected end of stream", "文件意外结束"),
    (r"found unexpected document separator", "意外出现文档分隔符"),
    (r"found unknown escape character ?(.*)", "未知的转义字符 {0}"),
    (r"found undefined alias ?(.*)", "别名 {0} 没有定义"),
    (r"found undefined tag handle ?(.*)", "标签前缀 {0} 没有定义"),
    (r"found duplicate anchor ?(.*?)(?:; first occurrence)?", "锚点 {0} 重复"),
    (r"invalid indentation or unclosed '\[' or '\{'", "缩进有误,或 '[' / '{' 没有闭合"),
    (r"invalid leading UTF-8 octet", "UTF-8 字节无效"),
    (r"control characters are not allowed", "不允许出现控制字符"),
    (r"unacceptable character (.+?): (.+)", "不可接受的字符 {0}:{1}"),
    (r"while (?:scanning|parsing|composing) (.+)", "读取{0}时"),
    (r"invalid YAML", "YAML 无效"),
)
#: The parts of the YAML parser's sentences that name a YAML thing.
NOUNS = {
    "plain scalar": "普通标量", "quoted scalar": "带引号的标量",
    "double-quoted scalar": "双引号标量", "single-quoted scalar": "单引号标量",
    "block scalar": "块标量", "block mapping": "块映射", "block sequence": "块列表",
    "block collection": "块集合", "flow mapping": "流式映射 {…}", "flow sequence": "流式列表 […]",
    "flow collection": "流式集合", "flow node": "流式节点", "block node": "块节点",
    "simple key": "简单键", "mapping": "映射", "node": "节点", "directive": "指令",
    "tag": "标签", "anchor": "锚点", "alias": "别名", "key": "键", "node content": "节点内容",
    "comment or line break": "注释或换行", "'-' indicator": "'-' 标记",
    "alphabetic or numeric character": "字母或数字字符", "URI": "URI",
    "for the next token": "下一个记号", "a single document in the stream": "单个文档",
}


def _noun(text: str) -> str:
    bare = re.sub(r"^an? ", "", text.strip())
    if bare in NOUNS:
        return NOUNS[bare]
    return " " + bare.replace(" or ", " 或 ") + " "


@functools.cache
def _parser_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(f"^{en}$"), zh) for en, zh in PARSER)


def parser_says(text: str) -> Text:
    """What the YAML parser says, in the language of the run (as it is when not known)."""
    chinese = None
    for pattern, zh in _parser_patterns():
        m = pattern.match(text)
        if m:
            chinese = zh.format(*(_noun(g) for g in m.groups())).replace("  ", " ").strip()
            break
    else:
        bare = re.sub(r"^an? ", "", text.strip())
        chinese = NOUNS.get(bare)
    if chinese is None:
        return SAYS(text=text)
    return Text(Phrase(text.replace("{", "{{").replace("}", "}}"),
                       chinese.replace("{", "{{").replace("}", "}}")), {"parser": text})


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

    def fail(self, node: yaml.Node, code: str, message: str | Text) -> None:
        line, col = _pos(node.start_mark)
        self.findings.append(Finding(self.located.path, line, col, "error", code, message))

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > self.limits.yaml_nodes:
            raise _TooBig(node, str(EXPANDS(count=self.limits.yaml_nodes,
                                            advice=self.limits.advice("yaml_nodes"))))
        if depth > self.limits.yaml_depth:
            raise _TooBig(node, _too_deep(self.limits))
        self.located.values[path] = _pos(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            if node.tag not in ("tag:yaml.org,2002:map",):
                self.fail(node, "yaml-tag", TAG(tag=repr(node.tag)))
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.fail(key_node, "yaml-merge", MERGE())
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    self.fail(key_node, "yaml-key", KEY())
                    continue
                key = str(key_node.value)
                if key in out:
                    first = self.located.keys.get(path + (key,), (0, 0))
                    self.fail(key_node, "duplicate-key", DUPLICATE(key=repr(key), line=first[0]))
                    continue
                self.located.keys[path + (key,)] = _pos(key_node.start_mark)
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.fail(node, "yaml-tag", TAG(tag=repr(node.tag)))
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
        self.fail(node, "number-limit", AT_KEY(key=key, problem=problem) if key else problem)
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
                self.fail(node, "yaml-number", NOT_FINITE(value=repr(text)))
                return text
            return self.bounded(node, path, value)
        if tag == "tag:yaml.org,2002:bool":
            return _BOOL.get(text.lower(), text)
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
            return text
        self.fail(node, "yaml-tag", TAG(tag=repr(tag)))
        return None


class _TooBig(Exception):
    def __init__(self, node: Any, message: str) -> None:
        self.node = node  # a node or an event: anything with a start_mark
        super().__init__(message)


def _too_deep(limits: Limits) -> str:
    return str(TOO_DEEP(levels=limits.yaml_depth, advice=limits.advice("yaml_depth")))


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
                raise _TooBig(event, str(ALIASES(count=limits.yaml_aliases,
                                                 advice=limits.advice("yaml_aliases"))))
            if event.anchor not in anchors:
                raise ComposerError(None, None, str(UNDEFINED_ALIAS(name=repr(event.anchor))),
                                    start)
            if event.anchor in open_anchors:
                raise ComposerError(None, None, str(SELF_ALIAS(name=event.anchor)), start)
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
        raise ComposerError(None, None, str(SECOND_DOCUMENT()), event.start_mark)
    return root


def _anchor(anchors: dict[str, yaml.Node], event: Any, node: yaml.Node) -> None:
    if event.anchor is None:
        return
    if event.anchor in anchors:
        first = anchors[event.anchor].start_mark
        raise ComposerError(None, None, str(ANCHOR_TWICE(name=event.anchor, line=first.line + 1)),
                            event.start_mark)
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
            raise YamlProblems([Finding(path, 1, 1, "error", "empty", EMPTY())])
        located.data = builder.build(root, (), 0)
    except _TooBig as exc:
        line, col = _pos(exc.node.start_mark)
        raise YamlProblems([Finding(path, line, col, "error", "yaml-limit", str(exc))]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raw = exc.problem or exc.context or "invalid YAML"
        problem: Text = parser_says(raw)
        if exc.context and exc.context_mark is not None and exc.problem_mark is not None \
                and "end of stream" in (exc.problem or ""):
            # an unclosed quote or bracket: point where it opened, not past the end
            mark = exc.context_mark
            what = exc.context.removeprefix("while scanning ").removeprefix("while parsing ")
            problem = NEVER_CLOSED(what=parser_says(what), problem=parser_says(raw))
        elif exc.context and exc.context_mark is not None:
            cl, cc = _pos(exc.context_mark)
            problem = IN_CONTEXT(problem=problem, context=parser_says(exc.context), line=cl,
                                 column=cc)
        line, col = _pos(mark) if mark is not None else (1, 1)
        index = getattr(mark, "index", None)
        if "\t" in raw or (index is not None and text[index:index + 1] == "\t"):
            problem = A_TAB(problem=problem)
        raise YamlProblems([Finding(path, line, col, "error", "yaml-syntax", problem)]) from None
    except yaml.YAMLError as exc:
        raise YamlProblems([Finding(path, 1, 1, "error", "yaml-syntax",
                                    parser_says(str(exc)))]) from None
    if builder.findings:
        raise YamlProblems(builder.findings)
    return located
