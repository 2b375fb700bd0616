"""Shared test configuration: hypothesis profiles chosen by ``HYPOTHESIS_PROFILE``.

``default`` is quick (the whole suite in seconds); ``ci`` is larger and
deterministic; ``long`` digs deeper::

    HYPOTHESIS_PROFILE=long pytest tests/test_rule_properties.py
"""

import os
from collections.abc import Callable

import pytest
from hypothesis import settings

from helpers import CliResult, run_cli

settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile("long", max_examples=2000, deadline=None)
# CI: more than the quick default, the same examples on every run (no flaky builds),
# and a reproduction blob printed for any failure
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True,
                          print_blob=True)
# CI runs set CI=true: they get the extended profile unless one is named
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI") == "true" else "default"))


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests compare English output: a zh_CN locale on the machine must not change it."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture()
def run_line() -> Callable[..., CliResult]:
    """``kpiscore ARGS`` in-process: a function returning (exit code, stdout, stderr).
    Any exception other than an exit, and any traceback, fails the test."""
    return run_cli
