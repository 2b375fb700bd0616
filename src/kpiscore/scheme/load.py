"""Read a scheme file: YAML with positions → pydantic models → compiled scheme.

Every problem comes back as a :class:`~kpiscore.base.errors.Finding` pointing at
``file:line:col``; nothing here raises anything but :class:`SchemeInvalid`
or :class:`InputUnreadable`.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from kpiscore.base.errors import Finding, InputUnreadable, SchemeInvalid
from kpiscore.base.fields import NUMBER_LIMIT
from kpiscore.base.limits import Limits
from kpiscore.scheme.yamlload import Located, Path, YamlProblems, load_yaml

if TYPE_CHECKING:
    from kpiscore.scheme.compile import CompiledScheme
    from kpiscore.scheme.models import Scheme

_UTF16_32 = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
             (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


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
        raise InputUnreadable(f"{path}: is a folder, not a scheme file")
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            # read one byte past the limit: a pipe or device has no size to check first
            raw = fh.read(limit + 1) if size <= limit else b""
    except OSError as exc:
        raise InputUnreadable(f"{path}: cannot read the scheme: {exc.strerror}") from None
    if size > limit or len(raw) > limit:
        shown = f"{size} bytes" if size > limit else "larger than that"
        raise SchemeInvalid([Finding(path, 1, 1, "error", "too-large",
                                     f"the scheme is {shown}, over the limit of {limit} "
                                     f"bytes; {limits.refusal('scheme_bytes')}")])
    for bom, name in _UTF16_32:
        if raw.startswith(bom):
            raise SchemeInvalid([Finding(path, 1, 1, "error", "encoding",
                                         f"the scheme is {name} text; save it as UTF-8")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SchemeInvalid([Finding(path, line, col, "error", "encoding",
                                     "the scheme is not UTF-8 text (save it as UTF-8; "
                                     "GBK is not accepted for schemes)")]) from None
    if "\x00" in text:
        at = text.index("\x00")
        line, col = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        raise SchemeInvalid([Finding(path, line, col, "error", "encoding",
                                     "the scheme holds a NUL byte: it is not a text file")])
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


def _message(err: dict[str, Any], located: Located, path: Path) -> tuple[str, str]:
    from kpiscore.rules import RULES

    kind = err["type"]
    field = path[-1] if path else "scheme"
    if kind == "extra_forbidden":
        model = _model_for(located.data, path[:-1])
        hint = ""
        if model is not None:
            fields = list(getattr(model, "model_fields", {}))
            close = difflib.get_close_matches(str(field), fields, n=1, cutoff=0.6)
            if close:
                hint = f" (did you mean {close[0]!r}?)"
            else:
                hint = f" (known fields: {', '.join(fields)})"
        return "unknown-field", f"unknown field {field!r}{hint}"
    if kind == "missing":
        return "missing-field", f"missing required field {field!r}"
    if kind == "union_tag_invalid":
        got = err.get("ctx", {}).get("tag")
        close = difflib.get_close_matches(str(got), list(RULES), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return "unknown-rule", f"unknown rule kind {got!r} ({hint}known: {', '.join(RULES)})"
    if kind == NUMBER_LIMIT:  # named by the key it is written at (not ``value`` of "> 1e999")
        key = next((p for i, p in reversed(list(enumerate(path)))
                    if isinstance(p, str) and path[:i + 1] in located.keys), None)
        return "number-limit", f"{key}: {err['msg']}" if key else err["msg"]
    if kind == "union_tag_not_found":
        return "missing-field", f"the rule needs a kind (one of: {', '.join(RULES)})"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "bad-value", (f"{field}: expected a mapping of fields (name: value), found "
                             f"{_kind_of(err.get('input'))}")
    if kind == "list_type":
        return "bad-value", f"{field}: expected a list (- item), found {_kind_of(err.get('input'))}"
    msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "bad-value", f"{field}: {err.get('input')!r} is not a whole number"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return "bad-value", f"{field}: {err.get('input')!r} is not allowed; expected {expected}"
    return "bad-value", f"{field}: {msg}" if isinstance(field, str) else msg


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"the value {value!r}"


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
        key = (line, col, message)
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
        kind = {"list": "a list", "str": "a plain text", "NoneType": "empty", "int": "a number",
                "Decimal": "a number", "bool": "true or false"}.get(kind, kind)
        raise SchemeInvalid([Finding(name, 1, 1, "error", "not-a-mapping",
                                     f"a scheme is a mapping of fields (id:, title:, …), "
                                     f"not {kind}")])
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
