"""A draft as YAML text that ``kpiscore validate`` reads: block style, rules and other
small mappings on one line, numbers exactly as they are (no floats), texts quoted
only when YAML needs it."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import yaml

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import plain
from kpiscore.draft.build import Draft
from kpiscore.rules import RULES

HEADER = Phrase(
    "Drafted by kpiscore import from {where}. {count} indicator(s): {full} read "
    "fully, {partly} partly, {none} not at all.\nEach indicator's imported: says where it is on "
    "the card and what it says there; a note is what the draft decided, a todo what a person "
    "must complete (kpiscore validate refuses the draft until every todo is done and "
    "deleted). See docs/import.md.",
    "由 kpiscore import 根据 {where} 起草。共 {count} 个指标:完全读出 {full} 个,"
    "部分读出 {partly} 个,未能读出 {none} 个。\n每个指标的 imported: 记录它在考核表上的位置和原文;"
    "note 是草稿所作的判断,todo 是需要人工补全的内容(每条 todo 完成并删除之前,kpiscore "
    "validate 不会通过)。见 docs/import.md。")
#: The order of a scheme's keys in the draft (the body comes last, to read on).
ORDER = ("kpiscore", "id", "title", "source", "period", "imported", "inputs", "pass_mark", "pay",
         "raters", "sections", "dimensions", "indicators")
_FLOW_KEYS = {"rule", "veto", "pay"}
_FLOW_LISTS = {"bands", "levels", "inputs", "roles", "names"}
_WIDTH = 100


def draft_text(draft: Draft) -> str:
    """The draft as YAML, its header comment in the current language."""
    head = HEADER(where=draft.where, count=len(draft.indicators),
                  full=draft.count("full"), partly=draft.count("partial"),
                  none=draft.count("none"))
    lines = [f"# {line}" for line in _wrapped(str(head))]
    scheme = {k: draft.scheme[k] for k in ORDER if k in draft.scheme}
    scheme.update({k: v for k, v in draft.scheme.items() if k not in scheme})
    lines += _mapping(scheme, 0)
    return "\n".join(lines) + "\n"


def _wrapped(text: str) -> list[str]:
    from kpiscore.base.i18n import wrap

    out: list[str] = []
    for paragraph in text.split("\n"):
        out += wrap(paragraph, 88)
    return out


def _mapping(data: dict[str, Any], indent: int) -> list[str]:
    """A mapping in block style; small mappings (a rule, a veto) and lists of scalars on
    one line when they fit."""
    pad = " " * indent
    out: list[str] = []
    for key, value in data.items():
        if value is None or value == [] or value == {}:
            continue
        if key == "rule" and isinstance(value, dict):
            value = _rule_order(value)
        one = _flow(value) if key in _FLOW_KEYS or (
            isinstance(value, list) and key not in ("note", "todo")) else None
        if one is not None and len(pad) + len(key) + len(one) + 2 <= _WIDTH:
            out.append(f"{pad}{key}: {one}")
        elif isinstance(value, dict):
            out += [f"{pad}{key}:", *_mapping(value, indent + 2)]
        elif isinstance(value, list):
            out += [f"{pad}{key}:", *_sequence(value, indent + 2, key in _FLOW_LISTS)]
        else:
            out.append(f"{pad}{key}: {_scalar(value)}")
    return out


def _sequence(items: list[Any], indent: int, flow_items: bool) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in items:
        one = _flow(item) if flow_items or not isinstance(item, dict) else None
        if one is not None and len(pad) + len(one) + 2 <= _WIDTH:
            out.append(f"{pad}- {one}")
        elif isinstance(item, dict):
            inner = _mapping(item, indent + 2)
            out += [f"{pad}- {inner[0].lstrip()}", *inner[1:]]
        else:
            out.append(f"{pad}- {_scalar(item)}")
    return out


def _rule_order(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule's parameters in the order its model declares them (kind first)."""
    cls = RULES.get(str(rule.get("kind")))
    order = list(cls.model_fields) if cls is not None else []
    return {k: rule[k] for k in sorted(rule, key=lambda k: order.index(k) if k in order
                                       else len(order))}


def _flow(value: Any) -> str | None:
    """A scalar, or a mapping or list of scalars (and lists of them) on one line
    (``{kind: deduct, per: 1, points: 0.5}``); None for anything nested deeper."""
    if isinstance(value, dict):
        parts = [f"{k}: {v}" for k, v in ((k, _flow(v)) for k, v in value.items()
                                          if value[k] is not None) if v is not None]
        if len(parts) != sum(1 for v in value.values() if v is not None):
            return None
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list):
        if any(isinstance(v, (dict, list)) for v in value):
            return None
        return "[" + ", ".join(_scalar(v, flow=True) for v in value) + "]"
    return _scalar(value, flow=True)


_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n]*")


def _scalar(value: Any, flow: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (Text, Phrase)):
        value = str(value) if isinstance(value, Text) else value.en
    text = str(value)
    if _plain_ok(text, flow):
        return text
    return json.dumps(text, ensure_ascii=False)


def _plain_ok(text: str, flow: bool) -> bool:
    """Whether ``text`` reads back as itself when written unquoted."""
    if not text or not _PLAIN.fullmatch(text) or text != text.strip():
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and any(ch in text for ch in ",[]{}"):
        return False
    try:
        return bool(yaml.safe_load(text) == text)
    except yaml.YAMLError:
        return False
