"""The rule layer's contract with the rest of kpiscore.

- every :class:`Phrase` a rule speaks has an English and a Chinese text with the
  same placeholders;
- every rule of every golden case (``tests/rules/*.yaml``) answers the whole
  Rule API: a summary text, its numbers, its choices, consistent traits;
- nothing outside ``src/kpiscore/rules/`` asks which kind a rule is: no
  comparison of a rule's ``kind`` with a kind's name, no ``isinstance`` (or
  ``type(x) is``) with a rule class. What depends on the kind is the rule's to say.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import string
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import kpiscore
import kpiscore.rules
from kpiscore.base.i18n import Phrase, Text
from kpiscore.rules import RULES, Rule
from test_rules import FILES, compile_indicator

# -- phrases ------------------------------------------------------------------------------


def _rule_modules() -> list[Any]:
    names = [m.name for m in pkgutil.iter_modules(kpiscore.rules.__path__, "kpiscore.rules.")]
    return [kpiscore.rules] + [importlib.import_module(n) for n in sorted(names)]


def _phrases_in(value: object, where: str, seen: set[int]) -> Iterator[tuple[str, Phrase]]:
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, Phrase):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _phrases_in(v, f"{where}[{k!r}]", seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for k, v in enumerate(value):
            yield from _phrases_in(v, f"{where}[{k}]", seen)


def rule_phrases() -> list[tuple[str, Phrase]]:
    """Every Phrase in the modules of ``kpiscore.rules``: module globals (and the dicts,
    lists and tuples they hold) and the attributes of classes defined there."""
    seen: set[int] = set()
    out: list[tuple[str, Phrase]] = []
    for module in _rule_modules():
        for name, value in vars(module).items():
            where = f"{module.__name__}.{name}"
            out += _phrases_in(value, where, seen)
            if isinstance(value, type) and value.__module__ == module.__name__:
                for attr, member in vars(value).items():
                    out += _phrases_in(member, f"{where}.{attr}", seen)
    return out


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_rules_define_phrases() -> None:
    assert len(rule_phrases()) >= 40  # the walk finds them (not vacuous)


@pytest.mark.parametrize(("where", "phrase"), rule_phrases(), ids=lambda x: str(x)[:60])
def test_every_rule_phrase_speaks_both_languages(where: str, phrase: Phrase) -> None:
    assert phrase.en.strip(), f"{where}: no English"
    assert phrase.zh.strip(), f"{where}: no Chinese"
    assert _placeholders(phrase.en) == _placeholders(phrase.zh), where
    assert all(name.isidentifier() for name in _placeholders(phrase.en)), where


# -- the Rule API on every golden case ----------------------------------------------------


def _golden_rules() -> list[Any]:
    out = []
    for kind, data in FILES.items():
        for case in data["cases"]:
            if "rejects" not in case and not case.get("xfail"):
                out.append(pytest.param(case["indicator"], id=f"{kind}/{case['name']}"))
    return out


@pytest.mark.parametrize("indicator", _golden_rules())
def test_every_rule_answers_the_api(indicator: dict[str, Any]) -> None:
    ci, _ = compile_indicator(indicator)
    rule = ci.rule
    summary = rule.summary(ci.spec.precision)
    assert isinstance(summary, Text)
    assert summary.render("en").strip() and summary.render("zh").strip()
    assert all(isinstance(n, Decimal) for n in rule.numbers())
    choices = rule.choices()
    if rule.reads_labels:
        assert choices and all(isinstance(c, str) and c for c in choices)
        for choice in choices:  # every answer a template offers scores
            points, _ = rule.score(choice, ci.spec)
            assert isinstance(points, Decimal)
    else:
        assert choices is None


@pytest.mark.parametrize("cls", list(RULES.values()), ids=list(RULES))
def test_traits_are_consistent(cls: type[Rule]) -> None:
    for trait in ("reads_labels", "is_rating", "directional", "needs_target",
                  "divides_by_target"):
        assert isinstance(getattr(cls, trait), bool), trait
    if cls.reads_labels or cls.is_rating:
        assert not cls.directional  # the points are the answer's own: better has no say
    if cls.divides_by_target:
        assert cls.needs_target
    assert cls.summary is not Rule.summary and cls.score is not Rule.score


def test_summaries_show_the_configuration_exactly() -> None:
    """A summary shows the numbers the scheme writes, however many decimals."""
    ci, _ = compile_indicator({"target": 90, "rule": {"kind": "deduct", "per": "0.000125",
                                                      "points": "0.5"}})
    assert ci.rule.summary(2).render("en") == "deduct 0.5 per 0.000125 (prorate)"
    ci, _ = compile_indicator({"rule": {"kind": "bands", "bands": [
        {"at_least": "99.123456", "points": 10}, {"points": 0}]}})
    assert ci.rule.summary(2).render("en") == "bands ≥ 99.123456→10, < 99.123456→0"
    assert ci.rule.summary(2).render("zh") == "分档 ≥ 99.123456→10,< 99.123456→0"


# -- nothing outside rules/ asks which kind a rule is -------------------------------------

SRC = Path(kpiscore.__file__).parent
KIND_NAMES = set(RULES)
RULE_CLASSES = set(RULES.values())
RULE_CLASS_NAMES = {cls.__name__ for cls in RULE_CLASSES}


def _rule_class_names(tree: ast.Module) -> set[str]:
    """Local names bound to a rule class by ``from kpiscore.rules… import X [as Y]``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and \
                (node.module == "kpiscore.rules" or node.module.startswith("kpiscore.rules.")):
            module = importlib.import_module(node.module)
            for alias in node.names:
                bound = getattr(module, alias.name, None)
                if isinstance(bound, type) and bound in RULE_CLASSES:
                    names.add(alias.asname or alias.name)
    return names


def _is_rule_class(node: ast.expr, local: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in local
    if isinstance(node, ast.Attribute):  # levels.Levels, kpiscore.rules.Levels
        return node.attr in RULE_CLASS_NAMES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_rule_class(e, local) for e in node.elts)
    return False


def _names_a_kind(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in KIND_NAMES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_names_a_kind(e) for e in node.elts)
    return False


def _is_kind(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "kind") or \
        (isinstance(node, ast.Name) and node.id == "kind")


def _is_rule_kind(node: ast.expr) -> bool:
    """``rule.kind``, ``ci.rule.kind``, ``self.rule.kind``."""
    if not (isinstance(node, ast.Attribute) and node.attr == "kind"):
        return False
    owner = node.value
    return (isinstance(owner, ast.Name) and owner.id == "rule") or \
        (isinstance(owner, ast.Attribute) and owner.attr == "rule")


def kind_questions(source: str) -> list[str]:
    """Where ``source`` asks which kind a rule is (line: what)."""
    tree = ast.parse(source)
    local = _rule_class_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_kind(o) for o in operands) and any(_names_a_kind(o) for o in operands):
                found.append(f"{node.lineno}: compares a kind with a rule kind's name")
            elif any(_is_rule_kind(o) for o in operands):
                found.append(f"{node.lineno}: compares a rule's kind")
            elif any(_is_rule_class(o, local) for o in operands):
                found.append(f"{node.lineno}: compares with a rule class")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("isinstance", "issubclass") and len(node.args) == 2 \
                and _is_rule_class(node.args[1], local):
            found.append(f"{node.lineno}: {node.func.id} with a rule class")
        elif isinstance(node, ast.match_case) and _names_a_kind_pattern(node.pattern):
            found.append(f"{node.pattern.lineno}: matches a rule kind's name")
    return found


def _names_a_kind_pattern(pattern: ast.pattern) -> bool:
    if isinstance(pattern, ast.MatchValue):
        return _names_a_kind(pattern.value)
    if isinstance(pattern, ast.MatchOr):
        return any(_names_a_kind_pattern(p) for p in pattern.patterns)
    return False


def test_the_scan_finds_kind_questions() -> None:
    """The scanner below catches each way of asking (so its silence means something)."""
    bad = '''
from kpiscore.rules.levels import Levels as L
from kpiscore.rules import Direct
from kpiscore.rules import levels
if ci.rule.kind == "direct": pass
if rule.kind in ("levels", "direct"): pass
if kind != "bands": pass
if ci.rule.kind == other: pass
if isinstance(ci.rule, L): pass
if isinstance(rule, (int, Direct)): pass
if isinstance(rule, levels.Levels): pass
if type(rule) is Direct: pass
match rule.kind:
    case "deduct" | "ratio": pass
'''
    assert len(kind_questions(bad)) == 9, kind_questions(bad)
    fine = '''
from kpiscore.rules import Rule
if tok.kind == "end": pass
if n.kind in ("section", "dimension"): pass
if kind in ("sum", "mean"): pass
if isinstance(rule, Rule): pass
if rule.reads_labels: pass
text = f"the {rule.kind} rule"
'''
    assert kind_questions(fine) == []


def _sources_outside_rules() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if (SRC / "rules") not in p.parents]


def test_nothing_outside_rules_asks_which_kind_a_rule_is() -> None:
    files = _sources_outside_rules()
    assert len(files) > 20
    found = [f"{path.relative_to(SRC.parent)}:{where}" for path in files
             for where in kind_questions(path.read_text(encoding="utf-8"))]
    assert found == []
