"""Golden cases for every scoring rule, read from ``tests/rules/<kind>.yaml``.

Each case's indicator goes through the real scheme model and compiler (as a
one-indicator scheme), then its rule scores each actual; points are compared
exactly as Decimal (or rounded half up to ``places`` where DOMAIN.md gives a
rounded number), and the rule's step rendered in English (``explanation``,
the JSON contract) and, for some cases, Chinese (``explanation_zh``). See
``tests/rules/threshold.yaml`` for the format.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from kpiscore.base import i18n
from kpiscore.base.errors import SchemeInvalid
from kpiscore.base.i18n import Text
from kpiscore.rules import RULES
from kpiscore.rules.levels import Levels, UnknownLevel
from kpiscore.scheme.compile import CompiledIndicator
from kpiscore.scheme.load import from_model
from kpiscore.scheme.models import Indicator, Scheme

CASES_DIR = Path(__file__).parent / "rules"


class _DecimalLoader(yaml.SafeLoader):
    """Safe YAML with floats read as exact Decimals (``99.2`` is Decimal('99.2'))."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    return Decimal(str(loader.construct_scalar(node)).replace("_", ""))  # type: ignore[arg-type]


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_DecimalLoader)  # a SafeLoader subclass
    assert isinstance(data, dict) and data.get("kind") == path.stem, \
        f"{path.name} must start with 'kind: {path.stem}'"
    assert data.get("cases"), f"{path.name} has no cases"
    return data


FILES = {path.stem: _load(path) for path in sorted(CASES_DIR.glob("*.yaml"))}


def _number(value: Any) -> Decimal:
    assert not isinstance(value, (bool, float)), f"{value!r}: write numbers exactly"
    return Decimal(str(value))


def compile_indicator(indicator: dict[str, Any]) -> tuple[CompiledIndicator, list[str]]:
    """The indicator compiled as the only one of a scheme, and the warning codes."""
    data = {"id": "x", "weight": 100, **indicator}
    Indicator.model_validate(data)  # the indicator alone is a valid scheme indicator
    scheme = Scheme.model_validate({"id": "golden", "title": "golden", "indicators": [data]})
    loaded = from_model(scheme)
    warnings = sorted(f.code for f in loaded.warnings if f.severity == "warning")
    return loaded.compiled.indicators[0], warnings


def _marks(item: dict[str, Any]) -> list[pytest.MarkDecorator]:
    reason = item.get("xfail")
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def _case_params() -> list[Any]:
    out = []
    for kind, data in FILES.items():
        for case in data["cases"]:
            out.append(pytest.param(kind, case, id=f"{kind}/{case['name']}", marks=_marks(case)))
    return out


def _expect_params() -> list[Any]:
    out = []
    for kind, data in FILES.items():
        for case in data["cases"]:
            for item in case.get("expect", []):
                given = item.get("answer", item.get("actual"))
                out.append(pytest.param(case["indicator"], item,
                                        id=f"{kind}/{case['name']}/{given}",
                                        marks=_marks(case) + _marks(item)))
    return out


def test_every_rule_kind_has_golden_cases() -> None:
    assert sorted(FILES) == sorted(RULES), "one tests/rules/<kind>.yaml per registered rule"


def test_golden_files_have_unique_case_names() -> None:
    for kind, data in FILES.items():
        names = [case["name"] for case in data["cases"]]
        assert len(names) == len(set(names)), f"{kind}.yaml repeats a case name"


@pytest.mark.parametrize(("kind", "case"), _case_params())
def test_case_compiles_as_documented(kind: str, case: dict[str, Any]) -> None:
    indicator = case["indicator"]
    rule = indicator["rule"]
    assert (rule if isinstance(rule, str) else rule["kind"]) == kind, \
        f"a case in {kind}.yaml uses another rule"
    if "rejects" in case:
        assert "expect" not in case
        with pytest.raises(SchemeInvalid) as info:
            compile_indicator(indicator)
        codes = {f.code for f in info.value.findings if f.severity == "error"}
        assert set(case["rejects"]) <= codes, info.value.findings
        return
    assert case.get("expect"), f"{case['name']} has neither expect nor rejects"
    ci, warnings = compile_indicator(indicator)
    assert type(ci.rule) is RULES[kind]
    assert warnings == sorted(case.get("warnings", []))


@pytest.mark.parametrize(("indicator", "item"), _expect_params())
def test_golden_points(indicator: dict[str, Any], item: dict[str, Any]) -> None:
    ci, _ = compile_indicator(indicator)
    if "answer" in item:
        assert isinstance(ci.rule, Levels)
        answer = str(item["answer"])
        if "error" in item:
            with pytest.raises(UnknownLevel, match=item["error"]):
                ci.rule.score(answer, ci.spec)
            return
        points, step = ci.rule.score(answer, ci.spec)
    else:
        points, step = ci.rule.score(_number(item["actual"]), ci.spec)
    assert isinstance(points, Decimal)
    assert isinstance(step, Text)
    with i18n.using("en"):
        explanation = str(step)
    expected = _number(item["points"])
    if "places" in item:
        quantum = Decimal(1).scaleb(-int(item["places"]))
        assert points.quantize(quantum, rounding=ROUND_HALF_UP) == expected, points
    else:
        assert points == expected
    if "explanation" in item:
        assert explanation == item["explanation"]
    if "explanation_zh" in item:
        assert step.render("zh") == item["explanation_zh"]


@pytest.mark.parametrize(("text", "number"), [
    ("4", 4), ("4级", 4), ("4 级", 4), ("4等", 4), ("四", 4), ("五级", 5), ("十", 10),
    ("十二级", 12), ("二十", 20), ("二十三等", 23), ("九十九", 99), ("一百", None),
    ("二二", None), ("十十", None), ("一般", None), ("4.5", None), ("", None)])
def test_level_numbers_in_arabic_and_chinese_numerals(text: str, number: int | None) -> None:
    from kpiscore.rules.levels import level_number

    assert level_number(text) == number
