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
from kpiscore.base.i18n import Phrase, Text, current

RAISE_WITH = Phrase("raise it with the environment variable {env}",
                    "可用环境变量 {env} 放宽此上限")
RAISE_WITH_OPTION = Phrase("raise it with {option} or {env}", "可用 {option} 或 {env} 放宽此上限")
NOT_POSITIVE = Phrase("{setting} is not a positive whole number (it limits the {what})",
                      "{setting} 不是正整数(它限制的是{what})")
OVER_CEILING = Phrase("{setting} is more than {ceiling}, the most the {what} can be raised to",
                      "{setting} 大于 {ceiling},{what}最多只能放宽到这么大")


@dataclass(frozen=True)
class Limit:
    """One limit: its default, the environment variable (and option) that raise it."""

    default: int
    env: str
    what: str
    #: ``what`` in Chinese
    what_zh: str
    option: str | None = None
    #: the most it may be raised to, where something beyond kpiscore sets a bound
    ceiling: int | None = None

    def described(self) -> str:
        """:attr:`what` in the language of the run."""
        return self.what_zh if current() == "zh" else self.what


#: The documented limits, by the field name they have in :class:`Limits`.
LIMITS: dict[str, Limit] = {
    "scheme_bytes": Limit(2 * 1024 * 1024, "KPISCORE_MAX_SCHEME_BYTES",
                          "size of a scheme file, in bytes", "方案文件的大小(字节)"),
    # PyYAML refuses about 1000 levels itself; the builder recurses (2 frames a level)
    "yaml_depth": Limit(64, "KPISCORE_MAX_YAML_DEPTH",
                        "nesting of lists and mappings in a scheme",
                        "方案中列表和映射的嵌套层数", ceiling=200),
    "yaml_aliases": Limit(100, "KPISCORE_MAX_YAML_ALIASES",
                          "aliases (*name) in a scheme", "方案中别名(*name)的个数"),
    "yaml_nodes": Limit(50_000, "KPISCORE_MAX_YAML_NODES",
                        "values in a scheme once its aliases are expanded",
                        "方案展开别名后的值的个数"),
    "input_bytes": Limit(200 * 1024 * 1024, "KPISCORE_MAX_BYTES",
                         "size of an actuals file, in bytes",
                         "实际数据文件的大小(字节)", option="--max-bytes"),
    "rows": Limit(1_048_576, "KPISCORE_MAX_ROWS",
                  "rows of an actuals sheet or CSV file (Excel's own maximum)",
                  "实际数据工作表或 CSV 文件的行数(Excel 自身的上限)"),
    "columns": Limit(16_384, "KPISCORE_MAX_COLUMNS",
                     "columns of an actuals row (Excel's own maximum, XFD)",
                     "实际数据一行的列数(Excel 自身的上限,XFD)"),
    "unzipped_bytes": Limit(1024 * 1024 * 1024, "KPISCORE_MAX_UNZIPPED_BYTES",
                            "total size of a workbook's parts once decompressed, in bytes",
                            "工作簿各部件解压后的总大小(字节)"),
    "zip_ratio": Limit(100, "KPISCORE_MAX_ZIP_RATIO",
                       "how many times larger a workbook part may be once decompressed "
                       "(checked for parts over 1 MiB)",
                       "工作簿部件解压后可放大的倍数(对超过 1 MiB 的部件检查)"),
    "zip_entries": Limit(10_000, "KPISCORE_MAX_ZIP_ENTRIES",
                         "number of parts (zip members) in a workbook",
                         "工作簿中部件(zip 成员)的个数"),
    # the parts openpyxl reads whole (all but the worksheets, which are streamed)
    "part_bytes": Limit(128 * 1024 * 1024, "KPISCORE_MAX_PART_BYTES",
                        "size of a workbook part read whole (every part but the "
                        "worksheets) once decompressed, in bytes",
                        "整体读取的工作簿部件(工作表以外的各部件)解压后的大小(字节)"),
    "xml_elements": Limit(100_000, "KPISCORE_MAX_XML_ELEMENTS",
                          "XML elements in the workbook parts read whole, in total",
                          "整体读取的工作簿部件中 XML 元素的总数"),
    "styles": Limit(65_490, "KPISCORE_MAX_STYLES",
                    "entries in each list of a workbook's styles (cell formats, number "
                    "formats, fonts, fills, borders; Excel's own maximum)",
                    "工作簿样式中每个列表的条目数(单元格格式、数字格式、字体、填充、边框;"
                    "Excel 自身的上限)"),
    "shared_strings": Limit(1_048_576, "KPISCORE_MAX_SHARED_STRINGS",
                            "entries in a workbook's shared-strings table (a rich-text "
                            "run counts as one)", "工作簿共享字符串表的条目数(一段富文本算一条)"),
    "sheets": Limit(4_096, "KPISCORE_MAX_SHEETS", "sheets in a workbook", "工作簿中工作表的个数"),
    "formula_length": Limit(10_000, "KPISCORE_MAX_FORMULA_LENGTH",
                            "length of a formula, in characters", "公式的长度(字符)"),
    # the parser recurses (about 5 frames a level) within Python's 1000-frame stack
    "formula_depth": Limit(30, "KPISCORE_MAX_FORMULA_DEPTH",
                           "nesting of parentheses, functions and signs in a formula",
                           "公式中括号、函数和正负号的嵌套层数",
                           ceiling=100),
    "formula_terms": Limit(500, "KPISCORE_MAX_FORMULA_TERMS",
                           "numbers and names in a formula", "公式中数字和名称的个数"),
    # a scheme's numbers stay far inside the bound of the numbers scores are computed
    # with (kpiscore.base.numbers.SCORING: below 10^100)
    "number_digits": Limit(20, "KPISCORE_MAX_NUMBER_DIGITS",
                           "digits of a number in a scheme, before and after its decimal point",
                           "方案中数字小数点前后的位数",
                           ceiling=40),
    "round_digits": Limit(10, "KPISCORE_MAX_ROUND_DIGITS",
                          "decimals round(x, n) may round to (n from -limit to limit)",
                          "round(x, n) 可保留的小数位数(n 从负上限到上限)",
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
                raise InputUnreadable(str(NOT_POSITIVE(setting=f"{limit.env}={raw!r}",
                                                       what=limit.described())))
            if limit.ceiling is not None and number > limit.ceiling:
                raise InputUnreadable(str(OVER_CEILING(setting=f"{limit.env}={raw!r}",
                                                       ceiling=limit.ceiling,
                                                       what=limit.described())))
            values[f.name] = number
        for name, value in overrides.items():
            if name not in LIMITS:
                raise TypeError(f"unknown limit {name!r}")
            if value is not None:
                values[name] = value
        return cls(**values)

    def refusal(self, name: str) -> str:
        """``"raise it with …"``: the end of a message refusing an input over a limit."""
        return str(self.advice(name))

    def advice(self, name: str) -> Text:
        """:meth:`refusal` in the language of the run."""
        limit = LIMITS[name]
        if limit.option:
            return RAISE_WITH_OPTION(option=limit.option, env=limit.env)
        return RAISE_WITH(env=limit.env)
