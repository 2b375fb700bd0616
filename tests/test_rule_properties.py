"""Property tests for every registered scoring rule (DOMAIN.md §1–8).

For random valid configurations of each rule kind, compiled through the real
scheme model and compiler:

(a) points stay within the documented bounds: [floor, full marks], except
    that ``ratio`` may reach its cap and ``anchors`` its challenge points,
    and ``floor: none`` leaves only the upper bound;
(b) points never decrease as the actual improves in the direction of
    ``better`` (for ``levels``: as the level rises, when the scheme's points
    rise with it);
(c) every level's number, letter and label is recognised and earns its points;
(d) every step and summary renders in English and Chinese with every placeholder
    filled and the same numbers in both, its numbers kept as Decimals.

Numbers are Decimals throughout; the size of a run is the hypothesis profile
(``HYPOTHESIS_PROFILE=long`` for a deep run, see ``conftest.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpiscore.base import i18n
from kpiscore.base.errors import SchemeInvalid
from kpiscore.base.i18n import Phrase, Text
from kpiscore.rules import RULES
from kpiscore.rules.levels import Levels, UnknownLevel
from kpiscore.scheme.compile import CompiledIndicator
from kpiscore.scheme.load import from_model
from kpiscore.scheme.models import Scheme

HUNDRED = Decimal(100)
STEP = Decimal("0.01")


Num = Decimal | int | str


def dec(lo: Num, hi: Num, places: int = 2) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(lo), max_value=Decimal(hi), places=places,
                       allow_nan=False, allow_infinity=False)


def ordered(n: int, lo: Num, hi: Num, unique: bool = False) -> st.SearchStrategy[list[Decimal]]:
    """``n`` decimals in [lo, hi], sorted ascending (strictly when ``unique``)."""
    return st.lists(dec(lo, hi), min_size=n, max_size=n, unique=unique).map(sorted)


@dataclass
class Case:
    """A generated indicator (as a scheme would hold it) and actuals worth probing."""

    indicator: dict[str, Any]
    interesting: list[Decimal] = field(default_factory=list)
    #: the only valid actuals, when the rule reads a fixed set (levels)
    choices: list[Decimal] | None = None


@st.composite
def common(draw: st.DrawFn, *, target: st.SearchStrategy[Decimal] | None = None
           ) -> dict[str, Any]:
    """better, full marks, floor (default 0 / up to half the full marks / none), target,
    and sometimes a valid range reaching below 0."""
    full = draw(dec(1, 100))
    ind: dict[str, Any] = {"better": draw(st.sampled_from(["higher", "lower"])),
                           "full_marks": full}
    floor = draw(st.one_of(st.none(), st.just("none"), dec(0, full / 2)))
    if floor is not None:
        ind["floor"] = floor
    if target is not None:
        ind["target"] = draw(target)
    if draw(st.booleans()):
        ind["min_value"] = draw(dec(-100, 0))
    return ind


@st.composite
def threshold_case(draw: st.DrawFn) -> Case:
    ind = draw(common(target=dec("0.01", 1000)))
    below, near_points, meet, exceed = draw(ordered(4, 0, 10))
    exceed += 1  # full marks default to exceed, which must be positive
    if draw(st.booleans()):
        ind.pop("full_marks")  # the default: exceed
    near = draw(dec(1, 99))
    ind["rule"] = {"kind": "threshold", "exceed": exceed, "meet": meet,
                   "near_points": near_points, "below": below, "near": near}
    if "full_marks" not in ind and "floor" in ind and ind["floor"] != "none":
        ind["floor"] = min(ind["floor"], exceed)
    t = ind["target"]
    return Case(ind, [t, t * near / HUNDRED, t * HUNDRED / near, Decimal(0)])


@st.composite
def deduct_case(draw: st.DrawFn) -> Case:
    ind = draw(common(target=dec(0, 200)))
    per = draw(dec("0.01", 20))
    ind["rule"] = {"kind": "deduct", "per": per, "points": draw(dec("0.01", 20)),
                   "units": draw(st.sampled_from(["prorate", "started", "whole"]))}
    t = ind["target"]
    return Case(ind, [t + k * per for k in range(-3, 4)])


@st.composite
def bands_case(draw: st.DrawFn) -> Case:
    ind = draw(common())
    ind.pop("full_marks")  # full marks default to the highest band
    n = draw(st.integers(1, 5))
    cuts = draw(ordered(n, 0, 200, unique=True))
    # points from the worst band to the best one; never all zero (full marks > 0);
    # below zero only where there is no floor ("不计上限")
    no_floor = ind.get("floor") == "none"
    pts = draw(ordered(n + 1, -50 if no_floor else 0, 50))
    pts[-1] = max(pts[-1], Decimal(0)) + 1
    higher = ind["better"] == "higher"
    # Every shape covers the better end: an actual beyond every band earns the floor,
    # which is only monotone at the worse end (see test_bands_uncovered_better_end).
    # Without a floor the worse end is covered too (outside earns 0, not the worst band).
    # bands from the lowest actual up: pieces[0] lies below cuts[0]
    up = pts if higher else pts[::-1]
    shape = draw(st.sampled_from(["at_least", "at_most", "explicit"]))
    bands: list[dict[str, Any]] = []
    if shape == "at_least":  # ≥ c_i (or > c_i) shorthand, optional catch-all below
        for c, p in zip(cuts, up[1:], strict=True):
            bands.append({draw(st.sampled_from(["at_least", "above"])): c, "points": p})
        if draw(st.booleans()) or not higher or no_floor:
            bands.append({"points": up[0]})
    elif shape == "at_most":  # ≤ c_i (or < c_i) shorthand, optional catch-all above
        for c, p in zip(cuts, up[:-1], strict=True):
            bands.append({draw(st.sampled_from(["at_most", "below"])): c, "points": p})
        if draw(st.booleans()) or higher or no_floor:
            bands.append({"points": up[-1]})
    else:  # explicit intervals meeting at each cut, inclusive on one side
        lower_incl = [draw(st.booleans()) for _ in cuts]
        for k, p in enumerate(up):
            band: dict[str, Any] = {"points": p}
            if k > 0:
                band["at_least" if lower_incl[k - 1] else "above"] = cuts[k - 1]
            if k < n:
                band["below" if lower_incl[k] else "at_most"] = cuts[k]
            bands.append(band)
    bands = draw(st.permutations(bands))
    ind["rule"] = {"kind": "bands", "bands": bands}
    if "floor" in ind and ind["floor"] != "none":
        ind["floor"] = min(ind["floor"], pts[-1])
    return Case(ind, cuts)


@st.composite
def pass_fail_case(draw: st.DrawFn) -> Case:
    ind = draw(common(target=dec(0, 200)))
    rule: dict[str, Any] = {"kind": "pass_fail"}
    if draw(st.booleans()):
        rule["fail_points"] = draw(dec(-10, ind["full_marks"]))
    ind["rule"] = rule
    return Case(ind, [ind["target"]])


@st.composite
def ratio_case(draw: st.DrawFn) -> Case:
    cap = draw(dec(50, 200))
    ind = draw(common(target=dec("0.01", 1000)))
    ind["rule"] = {"kind": "ratio", "cap": cap}
    t = ind["target"]
    return Case(ind, [t, t * cap / HUNDRED, t * HUNDRED / cap, Decimal(0)])


@st.composite
def pass_line_case(draw: st.DrawFn) -> Case:
    ind = draw(common(target=dec(0, 200)))
    full = ind["full_marks"]
    per, points = draw(dec("0.01", 10)), draw(dec("0.01", 10))
    base = draw(dec(0, full))
    ind["rule"] = {"kind": "pass_line", "base": base, "per": per, "points": points,
                   "units": draw(st.sampled_from(["prorate", "whole"]))}
    ind["allow"] = ["unreachable-full-marks"]
    t = ind["target"]
    return Case(ind, [t + k * per for k in range(-3, 4)]
                + [t + (full - base) / points * per, t - base / points * per])


@st.composite
def anchors_case(draw: st.DrawFn) -> Case:
    low, mid, high = draw(ordered(3, 0, 200, unique=True))
    below, base_pts, target_pts = draw(ordered(3, 0, 100))
    challenge_pts = target_pts + draw(dec(0, 100)) + 50  # ≥ 50: the floor stays under it
    ind = draw(common())
    baseline, challenge = (low, high) if ind["better"] == "higher" else (high, low)
    ind["target"] = mid
    ind["rule"] = {"kind": "anchors", "baseline": baseline, "challenge": challenge,
                   "below_points": below, "baseline_points": base_pts,
                   "target_points": target_pts, "challenge_points": challenge_pts}
    return Case(ind, [low, mid, high])


CJK = "满意不太一般非常好差优良合格较很极佳"


@st.composite
def levels_rule(draw: st.DrawFn, numbered: bool = False) -> dict[str, Any]:
    """A levels rule; with ``numbered`` every level has a number and points rise with it."""
    n = draw(st.integers(1, 6))
    numbers = sorted(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n, unique=True)))
    codes = draw(st.lists(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=n,
                          max_size=n, unique=True))
    labels = draw(st.lists(st.text(CJK, min_size=1, max_size=4), min_size=n, max_size=n,
                           unique=True))
    pts = draw(ordered(n, 0, 50))
    pts[-1] += 1
    if not numbered:
        pts = draw(st.permutations(pts))
    levels = []
    for k in range(n):
        parts = (True, draw(st.booleans()), draw(st.booleans())) if numbered else \
            draw(st.tuples(st.booleans(), st.booleans(), st.booleans())
                 .filter(lambda t: any(t)))
        level: dict[str, Any] = {"points": pts[k]}
        if parts[0]:
            level["level"] = numbers[k]
        if parts[1]:
            level["code"] = codes[k]
        if parts[2]:
            level["label"] = labels[k]
        levels.append(level)
    return {"kind": "levels", "levels": levels}


@st.composite
def levels_case(draw: st.DrawFn) -> Case:
    rule = draw(levels_rule(numbered=True))
    ind = draw(common())
    ind.pop("full_marks")
    ind.pop("min_value", None)
    ind["better"] = "higher"  # validate refuses better: lower on ratings (it has no meaning)
    ind["rule"] = rule
    top = max(lv["points"] for lv in rule["levels"])
    if "floor" in ind and ind["floor"] != "none":
        ind["floor"] = min(ind["floor"], top)
    numbers = [Decimal(lv["level"]) for lv in rule["levels"]]
    return Case(ind, numbers, choices=numbers)


@st.composite
def direct_case(draw: st.DrawFn) -> Case:
    ind = draw(common())
    ind.pop("min_value", None)
    ind["better"] = "higher"  # validate refuses better: lower on ratings (it has no meaning)
    ind["rule"] = {"kind": "direct"}
    floor = ind.get("floor")
    lowest = Decimal(0) if floor in (None, "none") else floor
    return Case(ind, [lowest, ind["full_marks"]])


#: One strategy per registered rule kind.
STRATEGIES: dict[str, Callable[[], st.SearchStrategy[Case]]] = {
    "threshold": threshold_case,
    "deduct": deduct_case,
    "bands": bands_case,
    "pass_fail": pass_fail_case,
    "ratio": ratio_case,
    "pass_line": pass_line_case,
    "anchors": anchors_case,
    "levels": levels_case,
    "direct": direct_case,
}
KINDS = sorted(STRATEGIES)


def compile_case(case: Case) -> CompiledIndicator:
    """Compile the indicator as the only one of a scheme; a valid config must compile."""
    data = {"id": "x", "weight": 100, **case.indicator}
    scheme = Scheme.model_validate({"id": "prop", "title": "prop", "indicators": [data]})
    return from_model(scheme).compiled.indicators[0]


def actuals(ci: CompiledIndicator, case: Case) -> st.SearchStrategy[Decimal]:
    """Valid actuals: anywhere in the valid range, and at or next to the interesting ones."""
    if case.choices is not None:
        return st.sampled_from(case.choices)
    spec = ci.spec
    lo = spec.lowest if spec.lowest is not None else Decimal(-1000)
    hi = spec.highest if spec.highest is not None else \
        max([lo, *case.interesting]) * 2 + 10
    near = sorted({p + d for p in case.interesting for d in (-STEP, Decimal(0), STEP)
                   if lo <= p + d <= hi})
    anywhere = st.decimals(min_value=lo, max_value=hi, places=3, allow_nan=False,
                           allow_infinity=False)
    return st.one_of(anywhere, st.sampled_from(near)) if near else anywhere


def upper_bound(ci: CompiledIndicator) -> Decimal:
    """The most points the rule documents: full marks, or the cap / challenge points."""
    rule: Any = ci.rule
    if ci.rule.kind == "ratio":  # type: ignore[attr-defined]
        return ci.spec.full * rule.cap / HUNDRED
    if ci.rule.kind == "anchors":  # type: ignore[attr-defined]
        return ci.spec.full * rule.challenge_points / HUNDRED
    return ci.spec.full


def test_every_rule_kind_has_a_property_strategy() -> None:
    assert set(STRATEGIES) == set(RULES)


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_points_within_documented_bounds(kind: str, data: st.DataObject) -> None:
    case = data.draw(STRATEGIES[kind](), label="case")
    ci = compile_case(case)
    actual = data.draw(actuals(ci, case), label="actual")
    points, step = ci.rule.score(actual, ci.spec)
    assert isinstance(points, Decimal) and isinstance(step, Text)
    assert isinstance(step.render("en"), str)
    assert points <= upper_bound(ci)
    if ci.spec.floor is not None:
        assert points >= ci.spec.floor


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_points_never_fall_as_the_actual_improves(kind: str, data: st.DataObject) -> None:
    case = data.draw(STRATEGIES[kind](), label="case")
    ci = compile_case(case)
    a, b = sorted(data.draw(st.lists(actuals(ci, case), min_size=2, max_size=2),
                            label="actuals"))
    # levels: a higher level is the better answer (its points rise with it here);
    # direct: the actual is the points, so ``better`` does not apply to it
    higher_is_better = ci.spec.better == "higher" or kind in ("levels", "direct")
    worse, better = (a, b) if higher_is_better else (b, a)
    worse_points, _ = ci.rule.score(worse, ci.spec)
    better_points, _ = ci.rule.score(better, ci.spec)
    assert better_points >= worse_points, (worse, worse_points, better, better_points)


#: Bands leaving an end uncovered: (indicator, a worse actual, a better actual).
UNCOVERED_BANDS = [
    # better: higher, nothing above 90: 95 is beyond every band and earns the floor 0
    pytest.param({"rule": {"kind": "bands", "bands": [{"at_most": 80, "points": 0},
                                                      {"at_most": 90, "points": 5}]}},
                 Decimal(90), Decimal(95), id="higher-nothing-above-90"),
    # better: lower, nothing below 5: 2 is beyond every band and earns the floor 0
    pytest.param({"better": "lower",
                  "rule": {"kind": "bands", "bands": [{"at_least": 10, "points": 0},
                                                      {"at_least": 5, "points": 5}]}},
                 Decimal(6), Decimal(2), id="lower-nothing-below-5"),
    # floor: none, worst band −10: 6 (worse) is beyond every band and earns 0 > −10
    pytest.param({"better": "lower", "floor": "none",
                  "rule": {"kind": "bands", "bands": [{"at_most": 0, "points": 10},
                                                      {"at_most": 2, "points": 5},
                                                      {"at_most": 5, "points": -10}]}},
                 Decimal(6), Decimal(5), id="no-floor-worst-band-negative"),
]


@pytest.mark.parametrize(("indicator", "worse", "better"), UNCOVERED_BANDS)
def test_bands_uncovered_end(indicator: dict[str, Any], worse: Decimal,
                             better: Decimal) -> None:
    """Either validate reports such bands, or points still never fall as the actual improves."""
    data = {"id": "x", "weight": 100, **indicator}
    scheme = Scheme.model_validate({"id": "prop", "title": "prop", "indicators": [data]})
    try:
        loaded = from_model(scheme)
    except SchemeInvalid:
        return  # validate refuses the bands: fine
    if loaded.warnings:
        return  # validate warns about them: fine
    ci = loaded.compiled.indicators[0]
    worse_points, _ = ci.rule.score(worse, ci.spec)
    better_points, _ = ci.rule.score(better, ci.spec)
    assert better_points >= worse_points, (worse, worse_points, better, better_points)


def _answers(level: dict[str, Any]) -> list[str]:
    """Every way a cell may name ``level``."""
    out = []
    if "level" in level:
        n = level["level"]
        out += [str(n), f"{n}级", f"{n} 级", f"{n}級", f"{n}.0", f" {n} "]
    if "code" in level:
        code = level["code"]
        out += [code, code.lower(), chr(ord(code) + 0xFEE0)]  # full-width letter too
        if "label" in level:
            out += [f"{code}{level['label']}", f"{code} {level['label']}",
                    f"{code}.{level['label']}"]
    if "label" in level:
        out += [level["label"]]
    return out


@given(config=levels_rule())
def test_every_level_is_recognised(config: dict[str, Any]) -> None:
    ci = compile_case(Case({"rule": config}))
    assert isinstance(ci.rule, Levels)
    for level in config["levels"]:
        for answer in _answers(level):
            points, _ = ci.rule.score(answer, ci.spec)
            assert points == level["points"], (answer, level)
        if "level" in level:
            points, _ = ci.rule.score(Decimal(level["level"]), ci.spec)
            assert points == level["points"]


@given(config=levels_rule(), data=st.data())
def test_a_letter_with_another_levels_label_is_refused(config: dict[str, Any],
                                                         data: st.DataObject) -> None:
    coded = [lv for lv in config["levels"] if "code" in lv]
    labelled = [lv for lv in config["levels"] if "label" in lv]
    pairs = [(c, lv) for c in coded for lv in labelled if lv is not c]
    if not pairs:
        return
    coded_level, other = data.draw(st.sampled_from(pairs))
    ci = compile_case(Case({"rule": config}))
    assert isinstance(ci.rule, Levels)
    with pytest.raises(UnknownLevel):
        ci.rule.score(f"{coded_level['code']}{other['label']}", ci.spec)


# -- the rule's step and summary in English and Chinese -----------------------------------

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LATIN = re.compile(r"[A-Za-z]")


def _check_languages(text: Text, *, translated: bool) -> None:
    """Both languages render every placeholder and show the same numbers; with
    ``translated`` (no user words such as level letters in it) the Chinese has no
    English left in it."""
    en, zh = text.render("en"), text.render("zh")
    for rendered in (en, zh):
        assert "{" not in rendered and "}" not in rendered, rendered
    assert sorted(_NUMBER.findall(en)) == sorted(_NUMBER.findall(zh)), (en, zh)
    if translated:
        assert not _LATIN.search(zh), zh
    with i18n.using("zh"):
        assert str(text) == zh
    with i18n.using("en"):
        assert str(text) == en
    assert str(text) == en  # English is the default


def _values_are_plain(text: Text) -> None:
    """A step's numbers are Decimals, its words Phrases (or nested texts, user text)."""
    for value in text.values.values():
        assert value is None or isinstance(value, (Decimal, Phrase, Text, str)), value
        assert not isinstance(value, (bool, int, float))
        if isinstance(value, Text):
            _values_are_plain(value)


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_every_step_reads_in_english_and_chinese(kind: str, data: st.DataObject) -> None:
    case = data.draw(STRATEGIES[kind](), label="case")
    ci = compile_case(case)
    actual: Decimal | str = data.draw(actuals(ci, case), label="actual")
    if ci.rule.reads_labels and data.draw(st.booleans(), label="as text"):
        level = data.draw(st.sampled_from(case.indicator["rule"]["levels"]), label="level")
        actual = data.draw(st.sampled_from(_answers(level)), label="answer")
    points, step = ci.rule.score(actual, ci.spec)
    _check_languages(step, translated=not ci.rule.reads_labels)
    _values_are_plain(step)
    assert step.value("points") == points
    summary = ci.rule.summary(ci.spec.precision)
    _check_languages(summary, translated=not ci.rule.reads_labels)
    _values_are_plain(summary)
