"""The reference documentation in docs/: generated files are current, every
example is valid, and the JSON Schemas agree with what kpiscore accepts and
writes.

Known discrepancies between the documented (intended) behaviour and the
code are the ``xfail(strict=True)`` tests at the end: when one is fixed, its
test passes, fails as XPASS, and the "Known issue" note in docs/ can go.
"""

from __future__ import annotations

import csv
import functools
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
import yaml

from kpiscore.api import evaluate_file
from kpiscore.base.errors import SchemeInvalid
from kpiscore.cli import cli
from kpiscore.cli.exitcodes import ExitCode
from kpiscore.rules import RULES
from kpiscore.scheme import formula as expr
from kpiscore.scheme.load import load_scheme
from kpiscore.scheme.models import Scheme

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLE = ROOT / "examples" / "tech-support-manager"

_FENCE = re.compile(r"^```(?P<info>[^`\n]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def fenced(path: Path) -> Iterator[tuple[str, str, int]]:
    """``(info string, body, line)`` of every fenced block of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    for m in _FENCE.finditer(text):
        yield m.group("info").strip(), m.group("body"), text.count("\n", 0, m.start()) + 1


def yaml_blocks(full: bool) -> list[Any]:
    """Every ```yaml block of docs/*.md: full schemes, or ```yaml fragment ones."""
    out = []
    for md in sorted(DOCS.glob("*.md")):
        for info, body, line in fenced(md):
            words = info.split()
            if words[:1] != ["yaml"]:
                continue
            if ("fragment" in words[1:]) != full:
                out.append(pytest.param(body, id=f"{md.name}:{line}"))
    return out


def actuals_file() -> Path:
    for name in ("actuals.xlsx", "actuals.csv"):
        if (EXAMPLE / name).exists():
            return EXAMPLE / name
    raise AssertionError(f"no actuals file in {EXAMPLE}")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kpiscore", *args], capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, timeout=60)


def results_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((DOCS / "results.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def sub_validator(schema: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    """A validator for ``#/$defs/<name>`` of a schema."""
    return jsonschema.Draft202012Validator({"$defs": schema["$defs"],
                                            "$ref": f"#/$defs/{name}"})


def scheme_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((DOCS / "scheme.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors_of(validator: jsonschema.Draft202012Validator, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(instance)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(tmp_path: Path, rows: list[list[Any]]) -> Path:
    path = tmp_path / "actuals.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


# -- (a) generated files are up to date --------------------------------------------------------


def test_generated_docs_are_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_docs.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr + proc.stdout


# -- (b) every full YAML example is a valid scheme ---------------------------------------------


@pytest.mark.parametrize("body", yaml_blocks(full=True))
def test_full_yaml_examples_are_valid_schemes(body: str, tmp_path: Path) -> None:
    try:
        load_scheme(write(tmp_path, "scheme.yaml", body))
    except SchemeInvalid as exc:
        pytest.fail(f"the example is not a valid scheme:\n{exc}")


@pytest.mark.parametrize("body", yaml_blocks(full=True))
def test_full_yaml_examples_match_the_json_schema(body: str) -> None:
    assert errors_of(scheme_validator(), yaml.safe_load(body)) == []


@pytest.mark.parametrize("body", yaml_blocks(full=False))
def test_yaml_fragments_are_yaml(body: str) -> None:
    yaml.safe_load(body)


def test_there_are_full_examples_in_the_scheme_reference() -> None:
    assert len([b for b in yaml_blocks(full=True) if "scheme.md" in str(b.id)]) >= 5


# -- (c) the JSON output matches docs/results.schema.json --------------------------------------


def test_json_output_matches_the_results_schema() -> None:
    proc = run_cli("evaluate", str(EXAMPLE / "scheme.yaml"), str(actuals_file()),
                   "--format", "json")
    assert proc.returncode == 0, proc.stderr
    validator = jsonschema.Draft202012Validator(results_schema())
    assert errors_of(validator, json.loads(proc.stdout)) == []
    # scores carry the scheme's precision (2) as fixed decimals
    scores = re.findall(r'"(?:total|points|contribution|score|mean|min|max)": (\S+?),?\n',
                        proc.stdout)
    assert scores and all(re.fullmatch(r"-?\d+\.\d\d|null", s) for s in scores), scores


def test_jsonl_output_lines_match_the_results_schema() -> None:
    proc = run_cli("evaluate", str(EXAMPLE / "scheme.yaml"), str(actuals_file()),
                   "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    validator = sub_validator(results_schema(), "jsonl_line")
    lines = proc.stdout.splitlines()
    assert lines
    for line in lines:
        assert errors_of(validator, json.loads(line)) == []


def test_results_schema_covers_sections_vetoes_pay_and_errors(tmp_path: Path) -> None:
    scheme = write(tmp_path, "scheme.yaml", """\
id: composite
title: 组合
grades: [{name: 合格, min: 60}, {name: 不合格}]
inputs: [{id: base_pay}]
pay: {formula: total / 80 * base_pay}
sections:
  - id: performance
    weight: 70
    indicators:
      - {id: sales, target: 100, weight: 100, rule: ratio, veto: {when: "< 10"}}
  - id: behaviour
    weight: 30
    dimensions:
      - id: attitude
        weight: 100
        indicators:
          - id: focus
            rule: {kind: levels, levels: [{level: 1, points: 50}, {level: 2, points: 100}]}
""")
    actuals = write_csv(tmp_path, [["工号", "sales", "focus", "base_pay"],
                                   ["A1", "90", "2级", "6000"],
                                   ["A2", "5", "1", "6000"],
                                   ["A3", "", "3", "6000"]])
    report = evaluate_file(str(scheme), str(actuals))
    from kpiscore.outputs import render

    document = json.loads(render(report, "json"))
    assert [r["status"] for r in document["results"]] == ["ok", "ok", "error"]
    assert document["results"][1]["veto"]["outcome"] == "zero"
    assert errors_of(jsonschema.Draft202012Validator(results_schema()), document) == []
    line = sub_validator(results_schema(), "jsonl_line")
    for text in render(report, "jsonl").splitlines():
        assert errors_of(line, json.loads(text)) == []


def _subset(small: Any, big: Any, where: str = "") -> list[str]:
    """Where ``small`` (an abridged example) is not part of ``big`` (the real output)."""
    if isinstance(small, dict) and isinstance(big, dict):
        out = []
        for key, value in small.items():
            if key not in big:
                out.append(f"{where}/{key}: not in the output")
            else:
                out += _subset(value, big[key], f"{where}/{key}")
        return out
    if isinstance(small, list) and isinstance(big, list):
        if small and all(isinstance(x, dict) and "id" in x for x in small):
            by_id = {x.get("id"): x for x in big if isinstance(x, dict)}
            return [p for x in small
                    for p in _subset(x, by_id.get(x["id"]), f"{where}[{x['id']}]")]
        if len(small) != len(big):
            return [f"{where}: {len(small)} items, the output has {len(big)}"]
        return [p for i, (a, b) in enumerate(zip(small, big, strict=True))
                for p in _subset(a, b, f"{where}[{i}]")]
    return [] if small == big else [f"{where}: {small!r} in the docs, {big!r} in the output"]


def test_json_md_example_is_real_abridged_output() -> None:
    examples = [body for info, body, _ in fenced(DOCS / "json.md") if info == "json"]
    assert examples, "docs/json.md has no ```json example"
    documented = json.loads(examples[0], parse_float=Decimal)
    proc = run_cli("evaluate", str(EXAMPLE / "scheme.yaml"), str(actuals_file()),
                   "--format", "json")
    real = json.loads(proc.stdout, parse_float=Decimal)
    assert documented["source"] in ("actuals.csv", "actuals.xlsx")
    documented["source"] = real["source"]
    assert _subset(documented, real) == []
    validator = jsonschema.Draft202012Validator(results_schema())
    for body in examples:
        assert errors_of(validator, json.loads(body)) == []
    line = sub_validator(results_schema(), "jsonl_line")
    for info, body, _ in fenced(DOCS / "json.md"):
        if info == "jsonl":
            for text in body.splitlines():
                assert errors_of(line, json.loads(text)) == []


# -- (d) shipped schemes match docs/scheme.schema.json -----------------------------------------


def shipped_schemes() -> list[Path]:
    batch_manifests = {ROOT / "examples" / "month-end.yaml"}  # kpiscore batch, not schemes
    found = [p for folder in ("examples", "schemes") if (ROOT / folder).is_dir()
             for p in sorted((ROOT / folder).rglob("*")) if p.suffix in (".yaml", ".yml")
             and p not in batch_manifests]
    return found


def test_there_are_shipped_schemes() -> None:
    assert shipped_schemes()


@functools.cache
def cli_schema() -> dict[str, Any]:
    """What `kpiscore schema` prints: the schema editors are pointed at."""
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    schema: dict[str, Any] = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("source", ["docs/scheme.schema.json", "kpiscore schema"])
@pytest.mark.parametrize("path", shipped_schemes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_schemes_match_the_json_schema(path: Path, source: str) -> None:
    # yaml.safe_load gives floats, ints or strings ("40%") where the models hold Decimals
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        pytest.fail(f"{path.relative_to(ROOT)} is not YAML: {exc}")
    validator = scheme_validator() if source.startswith("docs") else \
        jsonschema.Draft202012Validator(cli_schema())
    assert errors_of(validator, data) == []


def test_kpiscore_schema_is_the_documented_schema() -> None:
    documented = json.loads((DOCS / "scheme.schema.json").read_text("utf-8"))
    documented.pop("$comment", None)
    assert cli_schema() == documented


@pytest.mark.parametrize("path", shipped_schemes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_editor_modelines_point_at_the_schema(path: Path) -> None:
    """`# yaml-language-server: $schema=…` on a shipped scheme names a file that exists."""
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    m = re.match(r"#\s*yaml-language-server:\s*\$schema=(\S+)", first)
    if m is None:
        return
    target = (path.parent / m.group(1)).resolve()
    assert target == (DOCS / "scheme.schema.json").resolve(), f"{path}: {m.group(1)}"


def test_scheme_schema_accepts_the_yaml_shorthands() -> None:
    data = {
        "id": "s", "title": "s",
        "columns": {"id": "员工代码"},
        "indicators": [{"id": "a", "target": 1, "rule": "pass_fail", "floor": "none",
                        "weight": "100%", "veto": {"when": "≥ 1"}}],
        "vetoes": [{"id": "flag", "column": "数据造假", "when": "== 1"}],
    }
    assert errors_of(scheme_validator(), data) == []
    Scheme.model_validate(data)


def test_scheme_schema_refuses_what_the_models_refuse() -> None:
    validator = scheme_validator()
    base = {"id": "s", "title": "s", "indicators": [{"id": "a", "rule": "direct"}]}
    assert errors_of(validator, base) == []
    assert errors_of(validator, {**base, "colour": "red"})
    assert errors_of(validator, {**base, "indicators": [{"id": "a", "rule": "bands"}]})
    assert errors_of(validator, {**base, "indicators": [{"id": "a", "rule": {"kind": "nope"}}]})
    assert errors_of(validator, {**base, "vetoes": [{"id": "v", "column": "c",
                                                      "when": "about 1"}]})


# -- (e) the CLI reference lists every command and option --------------------------------------


def test_cli_md_lists_every_command_and_option() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    root = click.Context(cli, info_name="kpiscore", **cli.context_settings)
    commands: list[tuple[str, click.Command, click.Context]] = [("kpiscore", cli, root)]
    assert isinstance(cli, click.Group)
    for name in cli.list_commands(root):
        cmd = cli.get_command(root, name)
        assert cmd is not None
        commands.append((f"kpiscore {name}", cmd,
                         click.Context(cmd, info_name=name, parent=root)))
    for title, cmd, ctx in commands:
        assert f"## {title}\n" in text, f"no section for {title}"
        section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
        for param in cmd.get_params(ctx):
            if isinstance(param, click.Option):
                for opt in param.opts + param.secondary_opts:
                    assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", section), \
                        f"{title}: option {opt} is not documented"
            else:
                try:
                    metavar = param.make_metavar(ctx)
                except TypeError:  # click < 8.2
                    metavar = param.make_metavar()  # type: ignore[call-arg]
                metavar = metavar.rstrip(".")
                assert metavar in section, f"{title}: argument {metavar} is not documented"
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \| `{code.name}` \|", text, re.MULTILINE), code


# -- (f) every rule kind is documented with an example -----------------------------------------


def rule_sections() -> dict[str, str]:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    parts = re.split(r"^## `([a-z_]+)`\n", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_rules_md_has_a_section_with_an_example_per_rule() -> None:
    sections = rule_sections()
    assert list(sections) == list(RULES), "sections must follow kpiscore.rules.RULES"
    for kind, cls in RULES.items():
        body = sections[kind]
        assert re.search(r"^```yaml", body, re.MULTILINE), f"{kind}: no example"
        for name in cls.model_fields:
            assert f"| `{name}` |" in body, f"{kind}: parameter {name} is not in its table"


def rule_examples() -> list[Any]:
    out = []
    for kind, body in rule_sections().items():
        for n, m in enumerate(_FENCE.finditer(body)):
            if m.group("info").split()[:1] == ["yaml"]:
                out.append(pytest.param(kind, m.group("body"), id=f"{kind}-{n + 1}"))
    return out


@pytest.mark.parametrize(("kind", "body"), rule_examples())
def test_rule_examples_are_valid_indicators(kind: str, body: str, tmp_path: Path) -> None:
    """Each example, completed into a one-indicator scheme, passes validate."""
    fragment = yaml.safe_load(body)
    rule = fragment["rule"]
    assert (rule if isinstance(rule, str) else rule["kind"]) == kind
    indicator = {"id": "example", **fragment}
    indicator.pop("weight", None)  # the example's weight is its weight in a larger card
    names = sorted(expr.parse(fragment["formula"]).names()) if "formula" in fragment else []
    scheme = {"id": "example", "title": "example", "inputs": [{"id": n} for n in names],
              "dimensions": [{"id": "d", "weight": 100, "indicators": [indicator]}]}
    path = write(tmp_path, "scheme.yaml", yaml.safe_dump(scheme, allow_unicode=True))
    try:
        load_scheme(path)
    except SchemeInvalid as exc:
        pytest.fail(f"the {kind} example is not valid:\n{exc}")


# -- scheme.md: every field of every model, and the first example's numbers --------------------


@pytest.mark.parametrize("model", ["Scheme", "Section", "Dimension", "Indicator", "Input", "Veto",
                                   "SchemeVeto", "Grade", "Pay", "Columns"])
def test_scheme_md_documents_every_field(model: str) -> None:
    import kpiscore.scheme.models as models

    text = (DOCS / "scheme.md").read_text(encoding="utf-8")
    assert f"\n### {model}\n" in text, f"no section for {model}"
    section = text.split(f"\n### {model}\n", 1)[1].split("\n#", 1)[0]
    for name in getattr(models, model).model_fields:
        assert f"| `{name}` |" in section, f"{model}.{name} is not documented"


def test_scheme_md_first_example_scores_as_documented(tmp_path: Path) -> None:
    text = (DOCS / "scheme.md").read_text(encoding="utf-8")
    body = next(b for info, b, _ in fenced(DOCS / "scheme.md") if info == "yaml")
    assert "81.00" in text and "6075.00" in text
    scheme = write(tmp_path, "scheme.yaml", body)
    actuals = write_csv(tmp_path, [
        ["工号", "姓名", "安装一次合格率", "安检工作", "售后回访服务满意度", "与销售的配合度",
         "仓库管理违规次数", "安装工具及车辆管理违规次数", "基本工资"],
        ["A01", "王强", "94%", "85", "97%", "8", "1", "0", "6000"]])
    (person,) = evaluate_file(str(scheme), str(actuals)).results
    assert person.status == "ok", person.errors
    assert [i.points for i in person.indicators] == [24, 17, 17, 8, 7, 8]
    assert (person.total, person.grade, person.pay) == (81, "合格", Decimal("6075"))


# -- behaviour the reference describes in prose ----------------------------------------------


def test_bracketed_formula_names_may_name_a_header_with_spaces(tmp_path: Path) -> None:
    scheme = write(tmp_path, "scheme.yaml", """\
id: s
title: s
inputs: [{id: Base Pay}]
indicators:
  - {id: a, formula: "[Base Pay] / 100", target: 10, weight: 100, rule: ratio}
""")
    actuals = write_csv(tmp_path, [["工号", "Base Pay"], ["A1", "1000"]])
    (person,) = evaluate_file(str(scheme), str(actuals)).results
    assert person.status == "ok", person.errors
    assert person.indicators[0].actual == 10


def test_a_header_with_a_bracketed_unit_matches_its_title(tmp_path: Path) -> None:
    scheme = write(tmp_path, "scheme.yaml", """\
id: s
title: s
indicators:
  - {id: csat, title: 满意度, target: 90, weight: 100, rule: ratio}
""")
    actuals = write_csv(tmp_path, [["工号", "满意度【分】"], ["A1", "90"]])
    (person,) = evaluate_file(str(scheme), str(actuals)).results
    assert person.status == "ok", person.errors


def test_grade_is_decided_on_the_exact_total(tmp_path: Path) -> None:
    scheme = write(tmp_path, "scheme.yaml", """\
id: s
title: s
grades: [{name: 优秀, min: 90}, {name: 良好}]
indicators:
  - {id: a, target: 100, weight: 50, rule: ratio}
  - {id: b, target: 100, weight: 50, rule: ratio}
""")
    actuals = write_csv(tmp_path, [["工号", "a", "b"], ["A1", "79.99", "100"]])
    report = evaluate_file(str(scheme), str(actuals))
    from kpiscore.outputs import render

    (person,) = json.loads(render(report, "json"), parse_float=Decimal)["results"]
    assert (str(person["total"]), person["grade"]) == ("90.00", "良好")  # 89.995 exactly


# -- known discrepancies (documented behaviour the code does not have yet) ---------------------


def test_allow_accepts_a_warning_by_its_own_code(tmp_path: Path) -> None:
    loaded = load_scheme(write(tmp_path, "scheme.yaml", """\
id: s
title: s
indicators:
  - {id: error_rate, title: 差错率, target: 2, weight: 100, rule: ratio,
     allow: [lower-is-better]}
"""))
    assert [w.code for w in loaded.warnings] == []


def test_computed_actuals_are_checked_against_the_valid_range(tmp_path: Path) -> None:
    scheme = write(tmp_path, "scheme.yaml", """\
id: s
title: s
inputs: [{id: x}]
indicators:
  - {id: a, formula: x - 50, target: 10, weight: 100, rule: ratio}
""")
    (person,) = evaluate_file(str(scheme), str(write_csv(tmp_path, [["工号", "x"],
                                                                    ["A1", "0"]]))).results
    assert person.status == "error"  # an actual of -50 is below the default min_value 0


def test_a_veto_on_a_levels_indicator_is_refused_or_fires(tmp_path: Path) -> None:
    scheme = write(tmp_path, "scheme.yaml", """\
id: s
title: s
indicators:
  - id: a
    weight: 100
    rule: {kind: levels, levels: [{level: 1, points: 50}, {level: 5, points: 100}]}
    veto: {when: ">= 5"}
""")
    try:
        loaded = load_scheme(scheme)
    except SchemeInvalid:
        return  # refused: fine
    (person,) = evaluate_file(loaded, str(write_csv(tmp_path, [["工号", "a"],
                                                              ["A1", "5级"]]))).results
    assert person.vetoes


def test_an_empty_floor_is_the_default_floor_or_an_error(tmp_path: Path) -> None:
    scheme = write(tmp_path, "scheme.yaml", """\
id: s
title: s
indicators:
  - {id: a, better: lower, target: 0, floor: , weight: 100, rule: {kind: deduct, points: 60}}
""")
    try:
        loaded = load_scheme(scheme)
    except SchemeInvalid:
        return  # refused: fine
    (person,) = evaluate_file(loaded, str(write_csv(tmp_path, [["工号", "a"],
                                                              ["A1", "2"]]))).results
    assert person.total == 0  # 100 − 2 × 60 stops at the floor 0


def test_the_option_named_by_the_size_limit_error_exists() -> None:
    from kpiscore.base.limits import LIMITS

    assert LIMITS["input_bytes"].option == "--max-bytes"  # what the refusal names
    evaluate = cli.commands["evaluate"]  # type: ignore[attr-defined]
    assert "--max-bytes" in [o for p in evaluate.params for o in getattr(p, "opts", [])]


def test_the_models_json_schema_describes_the_yaml_forms() -> None:
    validator = jsonschema.Draft202012Validator(Scheme.model_json_schema())
    data = {"id": "s", "title": "s", "columns": {"id": "工号"},
            "indicators": [{"id": "a", "weight": 100, "rule": "direct",
                            "veto": {"when": ">= 1"}}]}
    Scheme.model_validate(data)
    assert errors_of(validator, data) == []


def _sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", text, re.S)


def test_ci_runs_exactly_the_readmes_test_command_from_the_constraints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci in _sh_blocks(readme)
    assert "-c constraints.txt" in ci and ci.endswith("&& pytest")
    pins = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    for package in ("click", "PyYAML", "pydantic", "rich", "openpyxl", "xlsxwriter",
                    "defusedxml", "pytest", "hypothesis", "ruff", "mypy"):
        assert re.search(rf"^{package}==", pins, re.M | re.I), package


def test_the_newest_releases_command_runs_the_same_checks_unpinned() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    checks = ci.split("-c constraints.txt", 1)[1]
    [newest] = [b for b in _sh_blocks(readme) if "--upgrade-strategy eager" in b]
    assert newest.endswith(checks) and "constraints" not in newest
    assert newest in _sh_blocks((DOCS / "development.md").read_text(encoding="utf-8"))


def test_the_readmes_library_example_runs(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```python\n(.*?)\n```", readme, re.S)
    monkeypatch.chdir(ROOT)
    exec(compile(block, "README.md", "exec"), {})
    assert capsys.readouterr().out.splitlines()[0] == "E001 97.190 ok"
