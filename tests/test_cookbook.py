"""docs/cookbook/: a page per rule kind, each a complete example that runs as shown.

Each page's ``file=`` blocks are written to a fresh folder and its ```console
commands run there (the machinery of tests/test_tutorial.py); ``REGEN=1``
rewrites the shown outputs from real runs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from kpiscore.cli import cli
from kpiscore.rules import RULES
from kpiscore.scheme.load import load_scheme
from test_tutorial import check_document, parse

ROOT = Path(__file__).resolve().parents[1]
COOKBOOK = ROOT / "docs" / "cookbook"


def test_every_rule_kind_has_a_page_and_nothing_else_does() -> None:
    pages = {p.stem for p in COOKBOOK.glob("*.md")} - {"README"}
    assert pages == set(RULES)
    index = (COOKBOOK / "README.md").read_text(encoding="utf-8")
    for kind in RULES:
        assert f"]({kind}.md)" in index, f"the cookbook index does not link {kind}.md"


@pytest.mark.parametrize("kind", list(RULES))
def test_the_page_is_a_complete_example_of_its_rule(kind: str, tmp_path: Path) -> None:
    page = COOKBOOK / f"{kind}.md"
    blocks = parse(page.read_text(encoding="utf-8"))
    files = {b.name: b.body for b in blocks if b.kind == "file"}
    assert "scheme.yaml" in files and "actuals.csv" in files, f"{page.name}: needs both files"
    commands = [c.argv[1:] for b in blocks for c in b.commands]
    assert ["validate", "scheme.yaml"] in commands
    assert any(c[:3] == ["evaluate", "scheme.yaml", "actuals.csv"] for c in commands)
    # the scheme is valid, and every indicator on the page is scored by the page's rule
    path = tmp_path / "scheme.yaml"
    path.write_text(files["scheme.yaml"], encoding="utf-8")
    loaded = load_scheme(path)
    kinds = {ci.rule.kind for ci in loaded.compiled.indicators}
    assert kinds == {kind}, f"{page.name} uses {sorted(kinds)}"
    # and editors would accept it: it matches `kpiscore schema`
    schema = json.loads(CliRunner().invoke(cli, ["schema"]).stdout)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(
        yaml.safe_load(files["scheme.yaml"])))
    assert errors == []
    # and it links the rule's reference
    assert re.search(rf"rules\.md#{kind}\)", page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", list(RULES))
def test_the_page_runs_and_shows_real_output(kind: str, tmp_path: Path) -> None:
    problems = check_document(COOKBOOK / f"{kind}.md", tmp_path)
    assert not problems, "\n\n".join(problems)
