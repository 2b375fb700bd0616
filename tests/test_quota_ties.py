"""Forced distribution when ties break a quota (they are reported), a tie-break key, and a
minimum count per grade (DOMAIN.md §15). Expected counts are worked here by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from helpers import CliResult, write, write_csv
from kpiscore.score import across

SCHEME = """\
id: ties
title: 并列
inputs: [{id: tenure, title: 司龄}]
indicators:
  - {id: performance, title: 业绩, full_marks: 70, rule: direct}
  - {id: behaviour, title: 行为, full_marks: 30, rule: direct}
grades: [{name: A, min: 90}, {name: B, min: 60}, {name: C}]
distribution:
  quotas: [{grade: A, percent: 20}, {grade: B, percent: 70}, {grade: C, percent: 10MIN}]
EXTRA"""

#: 10 people; three tie at 95 at the top (20% A of 10 = 2)
TEN = [["工号", "姓名", "业绩", "行为", "司龄"],
       ["T01", "甲", 67, 28, 3], ["T02", "乙", 66, 29, 5], ["T03", "丙", 65, 30, 5],
       ["T04", "丁", 60, 28, 1], ["T05", "戊", 58, 27, 1], ["T06", "己", 55, 25, 1],
       ["T07", "庚", 50, 25, 1], ["T08", "辛", 50, 20, 1], ["T09", "壬", 45, 20, 1],
       ["T10", "癸", 40, 20, 1]]


def scheme(tmp_path: Path, extra: str = "", minimum: str = "") -> Path:
    return write(tmp_path / "scheme.yaml",
                 SCHEME.replace("EXTRA", extra).replace("MIN", minimum))


def evaluate(run_line: Callable[..., CliResult], tmp_path: Path, rows: list[list[object]],
             extra: str = "", minimum: str = "", *args: str) -> tuple[int, dict, str]:
    actuals = write_csv(tmp_path / "actuals.csv", rows)
    code, out, err = run_line(*args, "evaluate", scheme(tmp_path, extra, minimum), actuals,
                              "--format", "json")
    return code, json.loads(out), err


def grades(d: dict) -> dict[str, str]:
    return {r["id"]: r["quota_grade"] for r in d["results"]}


def test_three_tied_at_the_top_of_a_quota_of_two_are_reported(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    code, d, err = evaluate(run_line, tmp_path, TEN)
    assert code == 0
    # ties: better: all three A; A has 3, not its 2; B the next 6, C the last 1
    assert grades(d) == dict(zip([f"T{n:02d}" for n in range(1, 11)], "AAABBBBBBC",
                                 strict=True))
    quotas = d["summary"]["distribution"]["groups"][0]["quotas"]
    assert [(q["quota"], q["assigned"]) for q in quotas] == [(2, 3), (7, 6), (1, 1)]
    assert err == (
        "kpiscore: warning: A's quota is 2 of 10 people, but 3 people tie at 95.00 across "
        "its boundary with B (T01 甲, T02 乙, T03 丙): all got A (ties: better), so A has 3; "
        "a tie_break orders them (quota-ties)\n"
        "kpiscore: 10 rows read: 10 scored, 0 could not be scored\n")


def test_with_ties_worse_the_tied_all_get_the_worse_grade(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    code, d, err = evaluate(run_line, tmp_path, TEN, "  ties: worse\n")
    assert code == 0
    assert list(grades(d).values())[:4] == ["B", "B", "B", "B"]
    assert "all got B (ties: worse), so A has 0;" in err


def test_the_warning_is_in_chinese_under_lang_zh(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    _, _, err = evaluate(run_line, tmp_path, TEN, "", "", "--lang", "zh")
    assert err.splitlines()[0] == (
        "kpiscore:警告:A 的配额是 10 人中的 2 人,但有 3 人以 95.00 分并列,跨过它与 B 的分界"
        "(T01 甲, T02 乙, T03 丙):全部定为 A(ties: better),因此 A 有 3 人;"
        "可用 tie_break 为他们排序 (quota-ties)")


def test_a_tie_break_orders_people_with_equal_totals(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    # performance points 67, 66, 65: T01 and T02 are A, T03 B; nothing left to report
    code, d, err = evaluate(run_line, tmp_path, TEN, "  tie_break: [performance]\n")
    assert code == 0
    assert list(grades(d).values())[:4] == ["A", "A", "B", "B"]
    assert [q["assigned"] for q in d["summary"]["distribution"]["groups"][0]["quotas"]] == \
        [2, 7, 1]
    assert err == "kpiscore: 10 rows read: 10 scored, 0 could not be scored\n"
    # by tenure (an input) T02 and T03 tie at 5 years above T01: still a tie for 2nd place
    code, d, err = evaluate(run_line, tmp_path, TEN, "  tie_break: [tenure]\n")
    assert list(grades(d).values())[:3] == ["B", "A", "A"]
    assert err == "kpiscore: 10 rows read: 10 scored, 0 could not be scored\n"
    # behaviour first (28, 29, 30), so T03, T02 are A
    code, d, _ = evaluate(run_line, tmp_path, TEN, "  tie_break: [behaviour, tenure]\n")
    assert list(grades(d).values())[:3] == ["B", "A", "A"]


def test_people_equal_on_every_tie_break_are_still_reported(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    rows = [TEN[0], ["T01", "甲", 67, 28, 5], ["T02", "乙", 66, 29, 5],
            ["T03", "丙", 66, 29, 5], *TEN[4:]]
    code, d, err = evaluate(run_line, tmp_path, rows, "  tie_break: [tenure, performance]\n")
    assert code == 0
    # T01 first on performance; T02 and T03 equal on the total, tenure and performance
    assert list(grades(d).values())[:3] == ["A", "A", "A"]
    assert "2 people tie at 95.00 across its boundary with B (T02 乙, T03 丙)" in err


def test_a_tie_break_must_name_an_indicator_or_input(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    path = scheme(tmp_path, "  tie_break: [perfomance, tenure, tenure]\n")
    code, out, err = run_line("validate", path)
    assert code == 1
    assert err == "1 scheme file(s) checked: 2 error(s), 0 warning(s), invalid\n"
    assert out.splitlines() == [
        f"{path}:10:15: error: tie_break: 'perfomance' is not an indicator or input (did you "
        "mean 'performance'?) (indicators and inputs: performance, behaviour, tenure) "
        "(unknown-name)",
        f"{path}:10:35: error: tie_break names 'tenure' twice (unknown-name)"]


def test_a_minimum_per_grade_takes_a_place_from_the_largest(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    four = TEN[:5]  # 95, 95, 95, 88: 20/70/10% of 4 = 0.8/2.8/0.4 → 1/3/0
    code, d, err = evaluate(run_line, tmp_path, four, "  tie_break: [performance]\n")
    assert [q["quota"] for q in d["summary"]["distribution"]["groups"][0]["quotas"]] == \
        [1, 3, 0]
    assert list(grades(d).values()) == ["A", "B", "B", "B"]
    # min: 1 on C: its place is taken from B (3 people, the most): 1/2/1
    code, d, err = evaluate(run_line, tmp_path, four, "  tie_break: [performance]\n",
                            ", min: 1")
    assert code == 0
    assert [q["quota"] for q in d["summary"]["distribution"]["groups"][0]["quotas"]] == \
        [1, 2, 1]
    assert list(grades(d).values()) == ["A", "B", "B", "C"]
    assert err == "kpiscore: 4 rows read: 4 scored, 0 could not be scored\n"


def test_minimums_above_the_people_are_not_applied_and_said(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    text = SCHEME.replace("{grade: A, percent: 20}", "{grade: A, percent: 20, min: 1}") \
        .replace("{grade: B, percent: 70}", "{grade: B, percent: 70, min: 1}") \
        .replace("MIN", ", min: 1").replace("EXTRA", "")
    path = write(tmp_path / "scheme.yaml", text)
    actuals = write_csv(tmp_path / "actuals.csv", TEN[:3])
    code, out, err = run_line("evaluate", path, actuals, "--format", "json")
    assert code == 0
    # 2 people at 20/70/10: 0.4/1.4/0.2 → 0/1/0; the place left goes to the largest
    # fraction, A's and B's .4 equal: the larger percent, B: 0/2/0, no minimum applied
    quotas = json.loads(out)["summary"]["distribution"]["groups"][0]["quotas"]
    assert [q["quota"] for q in quotas] == [0, 2, 0]
    assert err.splitlines()[0] == ("kpiscore: warning: the quota minimums (A 1, B 1, C 1) add "
                                   "up to more than the 2 people: none was applied (quota-min)")


def test_a_negative_minimum_is_refused(tmp_path: Path,
                                       run_line: Callable[..., CliResult]) -> None:
    path = scheme(tmp_path, "", ", min: -1")
    code, out, _ = run_line("validate", path)
    assert code == 1
    assert out == (f"{path}:9:91: error: min: Input should be greater than or equal to 0 "
                   "(bad-value)\n")


@given(people=st.integers(min_value=1, max_value=40),
       percents=st.sampled_from([(20, 70, 10), (10, 20, 40, 20, 10), (30, 40, 30), (5, 90, 5)]),
       mins=st.lists(st.integers(min_value=0, max_value=4), min_size=5, max_size=5))
def test_quota_counts_meet_every_minimum_they_can(people: int, percents: tuple[int, ...],
                                                  mins: list[int]) -> None:
    least = mins[:len(percents)]
    _, counts = across.quota_counts(people, [Decimal(p) for p in percents], least)
    assert sum(counts) == people and min(counts) >= 0
    _, plain = across.quota_counts(people, [Decimal(p) for p in percents])
    if sum(least) <= people:
        assert all(c >= m for c, m in zip(counts, least, strict=True))
        # only grades below their minimum gain; the others only give
        for c, p, m in zip(counts, plain, least, strict=True):
            assert c == max(p, m) or (c < p and c >= m)
    else:
        assert counts == plain
        assert across.short_of_min(people, least)


def test_batch_says_the_ties_too(tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    scheme(tmp_path)
    write_csv(tmp_path / "actuals.csv", TEN)
    manifest = write(tmp_path / "month.yaml", "runs:\n  - {name: team, scheme: scheme.yaml, "
                     "actuals: actuals.csv, outputs: {json: out.json}}\n")
    code, _, err = run_line("batch", manifest)
    assert code == 0
    assert ("team: A's quota is 2 of 10 people, but 3 people tie at 95.00 across its boundary "
            "with B (T01 甲, T02 乙, T03 丙)") in err
