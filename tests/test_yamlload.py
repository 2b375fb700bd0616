"""YAML loading: positions kept, duplicate keys and unsafe tags refused, bombs bounded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kpiscore.scheme.yamlload import MAX_DEPTH, YamlProblems, load_yaml


def problems(text: str) -> list[str]:
    with pytest.raises(YamlProblems) as info:
        load_yaml(text, "s.yaml")
    return [str(f) for f in info.value.findings]


def test_positions_are_kept() -> None:
    located = load_yaml("id: a\nlist:\n  - x: 1\n    y: 2.5\n", "s.yaml")
    assert located.data == {"id": "a", "list": [{"x": 1, "y": Decimal("2.5")}]}
    assert located.where(("list", 0, "y")) == (4, 8)
    assert located.where(("list", 0, "y"), key=True) == (4, 5)
    assert located.where(("list", 0, "missing")) == (3, 5)


def test_floats_are_exact_decimals() -> None:
    assert load_yaml("a: 0.1\n", "s.yaml").data["a"] == Decimal("0.1")


def test_duplicate_keys_at_any_level() -> None:
    found = problems("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert found == [
        "s.yaml:4:3: error: duplicate key 'c' (first defined at line 3); YAML would silently "
        "keep only the last one (duplicate-key)",
        "s.yaml:5:1: error: duplicate key 'a' (first defined at line 1); YAML would silently "
        "keep only the last one (duplicate-key)",
    ]


def test_python_tags_are_refused() -> None:
    [found] = problems("a: !!python/object:os.system {}\n")
    assert "tag 'tag:yaml.org,2002:python/object:os.system' is not allowed" in found


def test_billion_laughs_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    [found] = problems("\n".join(lines) + "\n")
    assert "expands to more than" in found and "(yaml-limit)" in found


def test_deep_nesting_is_bounded() -> None:
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    [found] = problems(text)
    assert "nested deeper than" in found


def test_syntax_error_has_a_location() -> None:
    [found] = problems("a: [1, 2\nb: 3\n")
    assert found.startswith("s.yaml:2:")
    assert "(yaml-syntax)" in found


def test_tab_indentation_says_so() -> None:
    [found] = problems("a:\n\tb: 1\n")
    assert "a tab: YAML allows only spaces" in found


def test_empty_document() -> None:
    assert problems("") == ["s.yaml:1:1: error: the file is empty (empty)"]
    assert problems("# only a comment\n") == ["s.yaml:1:1: error: the file is empty (empty)"]
