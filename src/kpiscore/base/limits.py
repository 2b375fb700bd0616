"""Every size limit kpiscore applies to its inputs, in one place (docs/security.md).

Hand-written schemes and real actuals files are far below these numbers; a
file above one is refused before it can exhaust memory, stack or time, with a
message that names the limit and how to raise it: an environment variable
for each, and ``evaluate --max-bytes`` for the size of an actuals file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.i18n import Phrase, Text

RAISE_WITH = Phrase("raise it with the environment variable {env}",
                    "可用环境变量 {env} 放宽此上限")
RAISE_WITH_OPTION = Phrase("raise it with {option} or {env}", "可用 {option} 或 {env} 放宽此上限")


@dataclass(frozen=True)
class Limit:
    """One limit: its default, the environment variable (and option) that raise it."""

    default: int
    env: str
    what: str
    option: str | None = None
    #: the most it may be raised to, where something beyond kpiscore sets a bound
    ceiling: int | None = None


#: The documented limits, by the field name they have in :class:`Limits`.
LIMITS: dict[str, Limit] = {
    "scheme_bytes": Limit(2 * 1024 * 1024, "KPISCORE_MAX_SCHEME_BYTES",
                          "size of a scheme file, in bytes"),
    # PyYAML refuses about 1000 levels itself; the builder recurses (2 frames a level)
    "yaml_depth": Limit(64, "KPISCORE_MAX_YAML_DEPTH",
                        "nesting of lists and mappings in a scheme", ceiling=200),
    "yaml_aliases": Limit(100, "KPISCORE_MAX_YAML_ALIASES",
                          "aliases (*name) in a scheme"),
    "yaml_nodes": Limit(50_000, "KPISCORE_MAX_YAML_NODES",
                        "values in a scheme once its aliases are expanded"),
    "input_bytes": Limit(200 * 1024 * 1024, "KPISCORE_MAX_BYTES",
                         "size of an actuals file, in bytes", option="--max-bytes"),
    "rows": Limit(1_048_576, "KPISCORE_MAX_ROWS",
                  "rows of an actuals sheet or CSV file (Excel's own maximum)"),
    "columns": Limit(16_384, "KPISCORE_MAX_COLUMNS",
                     "columns of an actuals row (Excel's own maximum, XFD)"),
    "unzipped_bytes": Limit(1024 * 1024 * 1024, "KPISCORE_MAX_UNZIPPED_BYTES",
                            "total size of a workbook's parts once decompressed, in bytes"),
    "zip_ratio": Limit(100, "KPISCORE_MAX_ZIP_RATIO",
                       "how many times larger a workbook part may be once decompressed "
                       "(checked for parts over 1 MiB)"),
    "zip_entries": Limit(10_000, "KPISCORE_MAX_ZIP_ENTRIES",
                         "number of parts (zip members) in a workbook"),
    # the parts openpyxl reads whole (all but the worksheets, which are streamed)
    "part_bytes": Limit(128 * 1024 * 1024, "KPISCORE_MAX_PART_BYTES",
                        "size of a workbook part read whole (every part but the "
                        "worksheets) once decompressed, in bytes"),
    "xml_elements": Limit(100_000, "KPISCORE_MAX_XML_ELEMENTS",
                          "XML elements in the workbook parts read whole, in total"),
    "styles": Limit(65_490, "KPISCORE_MAX_STYLES",
                    "entries in each list of a workbook's styles (cell formats, number "
                    "formats, fonts, fills, borders; Excel's own maximum)"),
    "shared_strings": Limit(1_048_576, "KPISCORE_MAX_SHARED_STRINGS",
                            "entries in a workbook's shared-strings table (a rich-text "
                            "run counts as one)"),
    "sheets": Limit(4_096, "KPISCORE_MAX_SHEETS", "sheets in a workbook"),
    "formula_length": Limit(10_000, "KPISCORE_MAX_FORMULA_LENGTH",
                            "length of a formula, in characters"),
    # the parser recurses (about 5 frames a level) within Python's 1000-frame stack
    "formula_depth": Limit(30, "KPISCORE_MAX_FORMULA_DEPTH",
                           "nesting of parentheses, functions and signs in a formula",
                           ceiling=100),
    "formula_terms": Limit(500, "KPISCORE_MAX_FORMULA_TERMS",
                           "numbers and names in a formula"),
    # a scheme's numbers stay far inside the bound of the numbers scores are computed
    # with (kpiscore.base.numbers.SCORING: below 10^100)
    "number_digits": Limit(20, "KPISCORE_MAX_NUMBER_DIGITS",
                           "digits of a number in a scheme, before and after its decimal point",
                           ceiling=40),
    "round_digits": Limit(10, "KPISCORE_MAX_ROUND_DIGITS",
                          "decimals round(x, n) may round to (n from -limit to limit)",
                          ceiling=40),
}

#: A workbook part this small is never refused for its compression ratio
#: (tiny XML parts of repeated markup compress extremely well).
RATIO_GRACE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The limits in force for one run; ``Limits.from_env()`` applies the environment."""

    scheme_bytes: int = LIMITS["scheme_bytes"].default
    yaml_depth: int = LIMITS["yaml_depth"].default
    yaml_aliases: int = LIMITS["yaml_aliases"].default
    yaml_nodes: int = LIMITS["yaml_nodes"].default
    input_bytes: int = LIMITS["input_bytes"].default
    rows: int = LIMITS["rows"].default
    columns: int = LIMITS["columns"].default
    unzipped_bytes: int = LIMITS["unzipped_bytes"].default
    zip_ratio: int = LIMITS["zip_ratio"].default
    zip_entries: int = LIMITS["zip_entries"].default
    part_bytes: int = LIMITS["part_bytes"].default
    xml_elements: int = LIMITS["xml_elements"].default
    styles: int = LIMITS["styles"].default
    shared_strings: int = LIMITS["shared_strings"].default
    sheets: int = LIMITS["sheets"].default
    formula_length: int = LIMITS["formula_length"].default
    formula_depth: int = LIMITS["formula_depth"].default
    formula_terms: int = LIMITS["formula_terms"].default
    number_digits: int = LIMITS["number_digits"].default
    round_digits: int = LIMITS["round_digits"].default

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 **overrides: int | None) -> Limits:
        """Defaults, then ``KPISCORE_MAX_*`` variables, then ``overrides`` that are not None.

        Raises :class:`InputUnreadable` for a variable that is not a positive whole number.
        """
        env = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for f in fields(cls):
            limit = LIMITS[f.name]
            raw = env.get(limit.env)
            if raw is None or raw.strip() == "":
                continue
            try:
                number = int(raw.strip().replace("_", ""))
            except ValueError:
                number = 0
            if number < 1:
                raise InputUnreadable(f"{limit.env}={raw!r} is not a positive whole number "
                                      f"(it limits the {limit.what})")
            if limit.ceiling is not None and number > limit.ceiling:
                raise InputUnreadable(f"{limit.env}={raw!r} is more than {limit.ceiling}, "
                                      f"the most the {limit.what} can be raised to")
            values[f.name] = number
        for name, value in overrides.items():
            if name not in LIMITS:
                raise TypeError(f"unknown limit {name!r}")
            if value is not None:
                values[name] = value
        return cls(**values)

    def refusal(self, name: str) -> str:
        """``"raise it with …"``: the end of a message refusing an input over a limit."""
        limit = LIMITS[name]
        if limit.option:
            return f"raise it with {limit.option} or {limit.env}"
        return f"raise it with the environment variable {limit.env}"

    def advice(self, name: str) -> Text:
        """:meth:`refusal` in the language of the run."""
        limit = LIMITS[name]
        if limit.option:
            return RAISE_WITH_OPTION(option=limit.option, env=limit.env)
        return RAISE_WITH(env=limit.env)
