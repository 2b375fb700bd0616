"""Fuzzing batch manifests: generated manifests (paths with ``..``, absolute paths, links
out of the folder and within it, outputs that collide, odd keys and types) never make
``kpiscore batch`` print a traceback, never write outside the manifest's folder (or the
folders its ``output_folders:`` lists), never change an input, and every problem in a
manifest that cannot be used is reported at its ``file:line:col``.

The size of a run is the hypothesis profile (tests/conftest.py; docs/security.md,
"Fuzzing").
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from bad import corpus
from helpers import run_cli

BAD = corpus.HERE
LOCATED = re.compile(r"^m\.yaml:\d+:\d+: error: .+ \([a-z-]+\)$")

#: Pieces of paths, as a careless or hostile manifest writes them (relative to the
#: manifest's folder, which holds probe.yaml, actuals.csv, sub/, out/x.json and sub/r.csv
#: that kpiscore did not write, and two links: in → sub, link-out → a folder beside the
#: manifest's).
PIECES = ["..", ".", "out", "sub", "in", "link-out", "{name}", "{period}", "{scheme}",
          "{nmae}", "", " ", "A", "a", "结果", ".kpiscore-outputs.json", "actuals.csv",
          "probe.yaml", "m.yaml", "x.json", "X.JSON", "r.csv", "-", "nul", "a:b", "*"]
#: How a plausible manifest's paths begin and end (so that many generated runs are scored
#: and written, some into links and beside files that were there before).
PREFIXES = ["", "out/", "sub/", "in/", "out/{period}/", "../m/out/"] * 4 + [
    "link-out/", "../", "{OUTSIDE}/", "allowed/"]
STEMS = ["{name}"] * 6 + ["{name}-r", "x", "{period}-{name}"]
ODD = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**20), st.floats(),
                st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                     st.integers(), max_size=2))


@st.composite
def paths(draw: st.DrawFn, odd: bool, suffix: str = ".json") -> str:
    if not odd:
        return (draw(st.sampled_from(PREFIXES)) + draw(st.sampled_from(STEMS))
                + draw(st.sampled_from([suffix] * 6 + [".json", ".JSON"])))
    text = "/".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4)))
    if draw(st.integers(0, 5)) == 0:
        text = "{OUTSIDE}/" + text  # an absolute path beside the manifest's folder
    return text


def maybe_odd(strategy: st.SearchStrategy[Any], odd: bool) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, strategy, strategy, ODD) if odd else strategy


def outputs(odd: bool) -> st.SearchStrategy[Any]:
    if not odd:  # each format's own suffix, mostly
        return st.fixed_dictionaries({}, optional={
            fmt: paths(False, "." + fmt) for fmt in ("json", "jsonl", "csv", "xlsx")}).filter(
            bool)
    keys = st.sampled_from(["json", "jsonl", "csv", "xlsx", "xls", "JSON"])
    return maybe_odd(st.dictionaries(keys, maybe_odd(paths(True), True), min_size=1,
                                     max_size=4), True)


def runs(odd: bool) -> st.SearchStrategy[Any]:
    names = ["a", "b", "a", "x/y", "..", "结果", ""] if odd else ["a", "b", "结果"]
    extra: dict[str, st.SearchStrategy[Any]] = {"roster": ODD, "colour": ODD} if odd else {}
    run = st.fixed_dictionaries(
        {"name": maybe_odd(st.sampled_from(names), odd),
         "scheme": maybe_odd(st.sampled_from(["probe.yaml", "missing.yaml", "in/../probe.yaml",
                                              "../m/probe.yaml"]), odd),
         "actuals": maybe_odd(st.sampled_from(["actuals.csv", "in/../actuals.csv",
                                               "missing.csv"]), odd)},
        optional={"outputs": outputs(odd), **extra})
    return maybe_odd(st.lists(run, min_size=0 if odd else 1, max_size=3,
                              unique_by=None if odd else (lambda r: r["name"])), odd)


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    """Two in three plausible (many of their runs are scored and written), the others with
    odd keys and types."""
    odd = draw(st.integers(0, 2)) == 0
    extra: dict[str, st.SearchStrategy[Any]] = {"ouputs": ODD} if odd else {}
    return draw(st.fixed_dictionaries(
        {"runs": runs(odd), "outputs": outputs(odd),
         **({} if odd else {"period": st.just("2024-06")})},
        optional={"summary": maybe_odd(paths(odd, "-summary.json"), odd),
                  "output_folders": maybe_odd(st.lists(st.sampled_from(
                      ["allowed", "../allowed", "{OUTSIDE}/allowed", "link-out"]),
                      max_size=2), odd),
                  **({"period": maybe_odd(st.sampled_from(["2024-06", "../..", "a/b", ""]),
                                          odd)} if odd else {}),
                  **extra}))


def _fill(value: Any, outside: str) -> Any:
    if isinstance(value, str):
        return value.replace("{OUTSIDE}", outside)
    if isinstance(value, list):
        return [_fill(v, outside) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, outside) for k, v in value.items()}
    return value


def _tree(root: Path) -> dict[str, Any]:
    """Every path under ``root`` with what it is: a link's target, a file's bytes."""
    out: dict[str, Any] = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                out[key] = ("link", os.readlink(path))
            elif path.is_dir():
                out[key] = "folder"
            else:
                out[key] = path.read_bytes()
    return out


def _allowed(manifest: dict[str, Any], folder: Path) -> list[str]:
    extra = manifest.get("output_folders")
    listed = extra if isinstance(extra, list) and all(isinstance(e, str) for e in extra) else []
    return [os.path.realpath(os.path.join(folder, f)) for f in [".", *listed]]


def _inside(path: Path, folders: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(os.path.commonpath([real, f]) == f for f in folders)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(manifests(), st.integers(0, 4))
# found by it: a key's "\r" in a finding split the finding's line in two
@example({"runs": [{"name": "a", "scheme": "probe.yaml", "actuals": "actuals.csv",
                    "roster": {"\r": 10**20}}], "outputs": {"json": "{OUTSIDE}/.."}}, 0)
def test_a_generated_manifest_never_writes_outside_and_is_reported_where_it_is_wrong(
        manifest: dict[str, Any], force: int) -> None:
    """With --force (one time in five) files inside the allowed folders may be replaced,
    but never an input; without it, no file that was there before changes."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        folder, outside = root / "m", root / "outside"
        (folder / "sub").mkdir(parents=True)
        outside.mkdir()
        shutil.copy(BAD / "probe.yaml", folder / "probe.yaml")
        shutil.copy(BAD / "actuals" / "ok.csv", folder / "actuals.csv")
        (folder / "in").symlink_to(folder / "sub")
        (folder / "link-out").symlink_to(outside)
        (folder / "out").mkdir()
        for foreign in (folder / "out" / "x.json", folder / "sub" / "r.csv",
                        outside / "x.json"):
            foreign.write_text("not kpiscore's\n", encoding="utf-8")
        filled = _fill(manifest, str(outside))
        text = yaml.safe_dump(filled, allow_unicode=True, sort_keys=False)
        (folder / "m.yaml").write_text(text, encoding="utf-8")
        before = _tree(root)
        cwd = os.getcwd()
        os.chdir(folder)  # messages name m.yaml as given
        try:
            # fails on any traceback
            code, out, err = run_cli("batch", "m.yaml", *(["--force"] if force == 0 else []))
        finally:
            os.chdir(cwd)
        assert code in (0, 1, 2), err
        assert out == ""
        after = _tree(root)
        allowed = _allowed(filled, folder)
        inputs = {"m/probe.yaml", "m/actuals.csv", "m/m.yaml"}
        for key, what in before.items():  # inputs and files kpiscore did not write
            if force == 0 and key not in inputs and _inside(root / key, allowed) and \
                    not (root / key).is_symlink():
                continue
            assert after.get(key) == what, f"{key} was changed\n{text}\n{err}"
        for key in after.keys() - before.keys():
            assert _inside(root / key, allowed), f"{key} was written\n{text}\n{err}"
        event("unusable" if err.rstrip().endswith(" cannot be used") else f"ran: exit {code}")
        lines = err.splitlines()
        if lines and lines[-1].endswith(" cannot be used"):
            assert code == 2
            assert lines[:-1], err
            for line in lines[:-1]:
                assert LOCATED.match(line), f"{line!r} is not located\n{text}"
