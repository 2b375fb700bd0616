"""Shared test configuration: hypothesis profiles chosen by ``HYPOTHESIS_PROFILE``.

``default`` is quick (the whole suite in seconds); ``long`` digs deeper::

    HYPOTHESIS_PROFILE=long pytest tests/test_rule_properties.py
"""

import os

from hypothesis import settings

settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
