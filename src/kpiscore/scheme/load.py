"""Read a scheme file: YAML with positions → pydantic models → compiled scheme.

Every problem comes back as a :class:`~kpiscore.base.errors.Finding` pointing at
``file:line:col``; nothing here raises anything but :class:`SchemeInvalid`
or :class:`InputUnreadable`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from kpiscore.base.errors import Finding, InputUnreadable, SchemeInvalid, os_reason
from kpiscore.base.fields import NUMBER_LIMIT
from kpiscore.base.i18n import OR, Joined, Phrase, Text
from kpiscore.base.limits import Limits
from kpiscore.scheme.yamlload import Located, Path, YamlProblems, load_yaml

if TYPE_CHECKING:
    from kpiscore.scheme.compile import CompiledScheme
    from kpiscore.scheme.models import Scheme

_UTF16_32 = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
             (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


A_FOLDER = Phrase("{path}: is a folder, not a scheme file", "{path}:是文件夹,不是方案文件")
CANNOT_READ = Phrase("{path}: cannot read the scheme: {reason}", "{path}:无法读取方案:{reason}")
SIZE = Phrase("{size} bytes", "{size} 字节")
LARGER = Phrase("larger than that", "比这还大")
TOO_LARGE = Phrase("the scheme is {size}, over the limit of {limit} bytes; {advice}",
                   "方案有 {size},超过上限 {limit} 字节;{advice}")
UTF16 = Phrase("the scheme is {encoding} text; save it as UTF-8",
               "方案是 {encoding} 文本;请另存为 UTF-8")
NOT_UTF8 = Phrase("the scheme is not UTF-8 text (save it as UTF-8; GBK is not accepted for "
                  "schemes)", "方案不是 UTF-8 文本(请另存为 UTF-8;方案不接受 GBK)")
NUL = Phrase("the scheme holds a NUL byte: it is not a text file",
             "方案中有 NUL 字节:它不是文本文件")
NOT_A_MAPPING = Phrase("a scheme is a mapping of fields (id:, title:, …), not {kind}",
                       "方案应是字段的映射(id:、title: …),而不是{kind}")
KINDS = {"list": Phrase("a list", "列表"), "str": Phrase("a plain text", "一段文字"),
         "NoneType": Phrase("empty", "空的"), "int": Phrase("a number", "数字"),
         "Decimal": Phrase("a number", "数字"), "bool": Phrase("true or false", "true 或 false")}
DID_YOU_MEAN = Phrase(" (did you mean {name}?)", "(是不是 {name}?)")
KNOWN_FIELDS = Phrase(" (known fields: {fields})", "(可用的字段:{fields})")
UNKNOWN_FIELD = Phrase("unknown field {field}{hint}", "未知字段 {field}{hint}")
MISSING = Phrase("missing required field {field}", "缺少必填字段 {field}")
RULE_HINT = Phrase("did you mean {name}? ", "是不是 {name}?")
UNKNOWN_RULE = Phrase("unknown rule kind {kind} ({hint}known: {known})",
                      "未知的规则类型 {kind}({hint}可用的类型:{known})")
AT_FIELD = Phrase("{field}: {problem}", "{field}:{problem}")
AS_IS = Phrase("{text}", "{text}")
NEEDS_KIND = Phrase("the rule needs a kind (one of: {known})",
                    "规则需要 kind(可选:{known})")
EXPECTED_MAPPING = Phrase("expected a mapping of fields (name: value), found {found}",
                          "应为字段的映射(名称: 值),却是{found}")
EXPECTED_LIST = Phrase("expected a list (- item), found {found}", "应为列表(- 项),却是{found}")
NOT_WHOLE = Phrase("{value} is not a whole number", "{value} 不是整数")
NOT_ALLOWED = Phrase("{value} is not allowed; expected {expected}",
                     "不允许 {value};应为 {expected}")
INVALID = Phrase("{detail}", "取值无效(校验器的说明:{detail})")
A_LIST = Phrase("a list", "列表")
A_MAPPING = Phrase("a mapping", "映射")
NOTHING = Phrase("nothing (an empty value)", "空(没有值)")
THE_TEXT = Phrase("the text {value}", "文字 {value}")
THE_VALUE = Phrase("the value {value}", "值 {value}")
#: pydantic's own checks in Chinese; the English is pydantic's own sentence (its ``ctx``
#: fills the placeholders). Any other check shows pydantic's sentence (INVALID).
PYDANTIC: dict[str, Phrase] = {
    "greater_than": Phrase("Input should be greater than {gt}", "须大于 {gt}"),
    "greater_than_equal": Phrase("Input should be greater than or equal to {ge}",
                                 "须大于或等于 {ge}"),
    "less_than": Phrase("Input should be less than {lt}", "须小于 {lt}"),
    "less_than_equal": Phrase("Input should be less than or equal to {le}", "须小于或等于 {le}"),
    "string_type": Phrase("Input should be a valid string", "须是文字"),
    "bool_type": Phrase("Input should be a valid boolean", "须是 true 或 false"),
    "float_type": Phrase("Input should be a valid number", "须是数字"),
}


@dataclass(frozen=True)
class LoadedScheme:
    """A valid, compiled scheme and the warnings ``validate`` would print."""

    compiled: CompiledScheme
    warnings: list[Finding]

    @property
    def scheme(self) -> Scheme:
        return self.compiled.scheme


def read_scheme_text(path: str, limits: Limits | None = None) -> str:
    limits = limits or Limits.from_env()
    limit = limits.scheme_bytes
    if os.path.isdir(path):
        raise InputUnreadable(str(A_FOLDER(path=path)))
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            # read one byte past the limit: a pipe or device has no size to check first
            raw = fh.read(limit + 1) if size <= limit else b""
    except OSError as exc:
        raise InputUnreadable(str(CANNOT_READ(path=path, reason=os_reason(exc)))) from None
    if size > limit or len(raw) > limit:
        shown = SIZE(size=size) if size > limit else LARGER()
        raise SchemeInvalid([Finding(path, 1, 1, "error", "too-large", TOO_LARGE(
            size=shown, limit=limit, advice=limits.refusal("scheme_bytes")))])
    for bom, name in _UTF16_32:
        if raw.startswith(bom):
            raise SchemeInvalid([Finding(path, 1, 1, "error", "encoding",
                                         UTF16(encoding=name))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SchemeInvalid([Finding(path, line, col, "error", "encoding",
                                     NOT_UTF8())]) from None
    if "\x00" in text:
        at = text.index("\x00")
        line, col = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        raise SchemeInvalid([Finding(path, line, col, "error", "encoding", NUL())])
    return text


def _resolve(data: Any, loc: tuple[Any, ...]) -> tuple[Path, bool]:
    """Map a pydantic error location onto the YAML path, dropping union tags.

    Returns the path and whether its last element is a key that exists.
    """
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and part < len(node)):
            path.append(part)
            node = node[part]
        elif i == len(loc) - 1:
            path.append(part)
            return tuple(path), False
        # else: a union member tag such as 'deduct' or 'function-after[...]': skip it
    return tuple(path), True


def _model_for(data: Any, path: Path) -> type | None:
    """The pydantic model that a mapping at ``path`` is validated by (for did-you-mean)."""
    from kpiscore.rules import RULES
    from kpiscore.rules.bands import Band
    from kpiscore.rules.levels import Level
    from kpiscore.scheme import models as sm

    names = [p for p in path if isinstance(p, str)]
    last = names[-1] if names else None
    node = data
    for p in path:
        if isinstance(node, dict):
            node = node.get(p)
        elif isinstance(node, list) and isinstance(p, int) and p < len(node):
            node = node[p]
        else:
            node = None
    table: dict[str | None, type] = {
        None: sm.Scheme, "sections": sm.Section, "dimensions": sm.Dimension,
        "indicators": sm.Indicator, "inputs": sm.Input, "vetoes": sm.SchemeVeto,
        "grades": sm.Grade, "pay": sm.Pay, "veto": sm.Veto, "columns": sm.Columns,
        "pay_lines": sm.PayLine, "raters": sm.Raters, "roles": sm.Rater,
        "surveys": sm.Survey, "questions": sm.Question, "scale": sm.Scale,
        "rollup": sm.Rollup, "distribution": sm.Distribution, "quotas": sm.Quota,
        "bands": Band, "levels": Level, "answers": Level,
    }
    if last == "rule" and isinstance(node, dict):
        return RULES.get(str(node.get("kind")))
    return table.get(last)


def _message(err: dict[str, Any], located: Located, path: Path) -> tuple[str, Text]:
    import difflib  # only for a scheme that is not valid

    from kpiscore.rules import RULES

    kind = err["type"]
    field = path[-1] if path else "scheme"
    if kind == "extra_forbidden":
        model = _model_for(located.data, path[:-1])
        hint: Text | str = ""
        if model is not None:
            fields = list(getattr(model, "model_fields", {}))
            close = difflib.get_close_matches(str(field), fields, n=1, cutoff=0.6)
            if close:
                hint = DID_YOU_MEAN(name=repr(close[0]))
            else:
                hint = KNOWN_FIELDS(fields=", ".join(fields))
        return "unknown-field", UNKNOWN_FIELD(field=repr(field), hint=hint)
    if kind == "missing":
        return "missing-field", MISSING(field=repr(field))
    if kind == "union_tag_invalid":
        got = err.get("ctx", {}).get("tag")
        close = difflib.get_close_matches(str(got), list(RULES), n=1, cutoff=0.6)
        hint = RULE_HINT(name=repr(close[0])) if close else ""
        return "unknown-rule", UNKNOWN_RULE(kind=repr(got), hint=hint, known=", ".join(RULES))
    if kind == NUMBER_LIMIT:  # named by the key it is written at (not ``value`` of "> 1e999")
        key = next((p for i, p in reversed(list(enumerate(path)))
                    if isinstance(p, str) and path[:i + 1] in located.keys), None)
        return "number-limit", AT_FIELD(field=key, problem=err["msg"]) if key \
            else AS_IS(text=err["msg"])
    if kind == "union_tag_not_found":
        return "missing-field", NEEDS_KIND(known=", ".join(RULES))
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "bad-value", AT_FIELD(field=field, problem=EXPECTED_MAPPING(
            found=_kind_of(err.get("input"))))
    if kind == "list_type":
        return "bad-value", AT_FIELD(field=field, problem=EXPECTED_LIST(
            found=_kind_of(err.get("input"))))
    msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        problem: Text = NOT_WHOLE(value=repr(err.get("input")))
    elif kind == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", ""))  # "'a', 'b' or 'c'"
        problem = NOT_ALLOWED(value=repr(err.get("input")),
                              expected=Joined(tuple(re.split(r", | or ", expected)), OR))
    elif kind in PYDANTIC:
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(k, str)}
        problem = PYDANTIC[kind](**ctx)
        try:
            if problem.render("en") != msg:  # a pydantic that words it otherwise
                problem = INVALID(detail=msg)
        except (KeyError, IndexError, ValueError):
            problem = INVALID(detail=msg)
    elif kind not in ("value_error", "assertion_error") and err.get("ctx", {}).get("error") is None:
        problem = INVALID(detail=msg)  # a pydantic check kpiscore does not word itself
    else:
        problem = AS_IS(text=msg)  # kpiscore's own validators: already in the run's language
    return "bad-value", AT_FIELD(field=field, problem=problem) if isinstance(field, str) \
        else problem


def _kind_of(value: Any) -> Text:
    if isinstance(value, list):
        return A_LIST()
    if isinstance(value, dict):
        return A_MAPPING()
    if value is None:
        return NOTHING()
    if isinstance(value, str):
        return THE_TEXT(value=repr(value))
    return THE_VALUE(value=repr(value))


def validation_findings(exc: Any, located: Located) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple[int, int, str]] = set()
    for err in exc.errors():
        path, exists = _resolve(located.data, tuple(err["loc"]))
        code, message = _message(err, located, path)
        if code == "unknown-field":
            line, col = located.where(path, key=True)
        elif code == "missing-field":
            parent = path[:-1] if not exists else path
            line, col = located.where(parent)
        else:
            line, col = located.where(path)
        key = (line, col, str(message))
        if key in seen:
            continue
        seen.add(key)
        findings.append(Finding(located.path, line, col, "error", code, message))
    return sorted(findings, key=lambda f: (f.line, f.column))


def load_scheme(path: str | os.PathLike[str], limits: Limits | None = None) -> LoadedScheme:
    """Load, validate and compile a scheme file.

    Raises :class:`SchemeInvalid` (findings with ``file:line:col``) or
    :class:`InputUnreadable` (the file cannot be read at all). ``limits``
    defaults to :meth:`Limits.from_env`.
    """
    from pydantic import ValidationError

    from kpiscore.scheme.models import Scheme
    from kpiscore.scheme.printed import departures, leave_out_additions

    name = os.fspath(path)
    limits = limits or Limits.from_env()
    text = read_scheme_text(name, limits)
    try:
        located = load_yaml(text, name, limits)
    except YamlProblems as exc:
        raise SchemeInvalid(exc.findings) from None
    if not isinstance(located.data, dict):
        kind = type(located.data).__name__
        shown = KINDS.get(kind, kind)
        raise SchemeInvalid([Finding(name, 1, 1, "error", "not-a-mapping",
                                     NOT_A_MAPPING(kind=shown))])
    try:
        scheme = Scheme.model_validate(located.data, context={"limits": limits})
    except ValidationError as exc:
        raise SchemeInvalid(validation_findings(exc, located)) from None
    printed = leave_out_additions(located)
    if printed is None:
        return from_model(scheme, located, name, limits)
    # Score the card as printed, and check the whole file: an addition left out must
    # still be right for the day it is included (its warnings are for that day: the
    # weights of a card with its additions need not be those of the card as printed).
    whole = [f for f in _findings(scheme, located, name, limits) if f.severity == "error"]
    try:
        kept = Scheme.model_validate(printed.data, context={"limits": limits})
    except ValidationError as exc:
        raise SchemeInvalid(_merged(whole, validation_findings(exc, printed))) from None
    loaded = _checked(kept, printed, name, whole, limits)
    return LoadedScheme(replace(loaded.compiled, departures=departures(scheme, True)),
                        loaded.warnings)


def from_model(scheme: Scheme, located: Located | None = None,
               source: str = "<scheme>", limits: Limits | None = None) -> LoadedScheme:
    """Compile and check a scheme model (one read from a file has its ``located``
    positions; one built in code names its problems by path). Raises
    :class:`SchemeInvalid` when a check finds an error. The model is scored as it is:
    only :func:`load_scheme` leaves out the parts a file marks as additions. ``limits``
    (those of its formulas) defaults to :meth:`Limits.from_env`."""
    from kpiscore.scheme.printed import departures

    loaded = _checked(scheme, located, source, [], limits)
    marks = departures(scheme, False)
    if not marks:
        return loaded
    return LoadedScheme(replace(loaded.compiled, departures=marks), loaded.warnings)


def _findings(scheme: Scheme, located: Located | None, source: str,
              limits: Limits) -> list[Finding]:
    from kpiscore.scheme import checks
    from kpiscore.scheme.compile import compile_scheme

    return checks.run(compile_scheme(scheme, source, limits), located)


def _checked(scheme: Scheme, located: Located | None, source: str,
             more: list[Finding], limits: Limits | None) -> LoadedScheme:
    """``scheme`` compiled, with its findings and ``more``; raises on an error."""
    from kpiscore.scheme import checks
    from kpiscore.scheme.compile import compile_scheme

    compiled = compile_scheme(scheme, source, limits)
    findings = _merged(more, checks.run(compiled, located))
    if any(f.severity == "error" for f in findings):
        raise SchemeInvalid(findings)
    return LoadedScheme(compiled, findings)


def _merged(first: list[Finding], second: list[Finding]) -> list[Finding]:
    """Both lists' findings once each, in the order of the file."""
    seen: set[tuple[int, int, str]] = set()
    out = []
    for f in first + second:
        key = (f.line, f.column, str(f.message))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return sorted(out, key=lambda f: (f.line, f.column))
