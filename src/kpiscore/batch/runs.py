"""Month-end batch runs: a YAML manifest lists runs, one command scores them all.

A run is either a scheme and its actuals, or a **roster**: one workbook of
everyone whose role column (``岗位``) says which scheme scores each person.
Each run writes its outputs (json, jsonl, csv, xlsx) atomically; one failing
run does not stop the others. docs/batch.md is the reference.

This module is the core of ``kpiscore batch`` (no click, no rich): the CLI
passes a :class:`Reporter` that hears what happens and prints it.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from kpiscore.base.errors import Finding, InputUnreadable, KpiscoreError, SchemeInvalid, os_reason
from kpiscore.base.i18n import Joined, Phrase
from kpiscore.base.i18n import Text as Localized
from kpiscore.base.signals import signals_held
from kpiscore.batch import places
from kpiscore.outputs import FORMATS, Options, bom_for, csv_headers_for
from kpiscore.outputs.files import OutputUnwritable, reason, unwritable
from kpiscore.score.results import PersonResult, Report, RowError

if TYPE_CHECKING:
    from kpiscore.scheme.load import LoadedScheme
    from kpiscore.scheme.yamlload import Located, Path
    from kpiscore.score.binding import Binding
    from kpiscore.score.scorer import Scorer

#: A manifest larger than this is refused before parsing (they are a few lines).
MAX_MANIFEST_BYTES = 1024 * 1024
#: Row errors shown per run on standard error (all of them are in the outputs).
MAX_ROW_MESSAGES = 20
#: Version of the batch summary file's format.
SUMMARY_VERSION = 1

_FIELD = re.compile(r"\{([^{}]*)\}")
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')
OUTPUT_FIELDS = ("period", "name", "scheme")
INPUT_FIELDS = ("period",)


class ManifestInvalid(KpiscoreError):
    """The manifest cannot be used; ``findings`` say where (``file:line:col``) and why."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))


# -- the manifest -----------------------------------------------------------------------------


def _as_text(value: Any) -> Any:
    """A YAML number where a label is meant (``period: 202406``) is the label's text."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_as_text)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

NOT_A_FORMAT = Phrase("{name} is not an output format", "{name} 不是输出格式")
ROSTER_FIELDS = Phrase("role_column and schemes belong to a roster run: add roster: FILE, or "
                       "use scheme: and actuals:",
                       "role_column 和 schemes 属于名单运行:请加上 roster: 文件,"
                       "或改用 scheme: 和 actuals:")
AND = Phrase(" and ", " 和 ")
RUN_NEEDS = Phrase("run {name} needs {missing} (or a roster: with role_column: and schemes:)",
                   "运行 {name} 需要 {missing}(或者 roster: 加上 role_column: 和 schemes:)")
ROSTER_SCHEMES = Phrase("a roster run takes its schemes from schemes: (role: scheme); remove "
                        "scheme:, actuals:, responses: and calibration:",
                        "名单运行的方案来自 schemes:(岗位: 方案);请删去 scheme:、actuals:、"
                        "responses: 和 calibration:")
ROSTER_NEEDS = Phrase("a roster run needs role_column: (the column naming each person's role) "
                      "and schemes: (role: scheme)",
                      "名单运行需要 role_column:(写明每个人岗位的列)和 schemes:(岗位: 方案)")
BAD_PERIOD = Phrase('{period} cannot be a period label: it is used in file names, so give a '
                    'short label such as 2024-06 without / \\ : * ? " < > |',
                    '{period} 不能用作周期标签:它会用在文件名里,请给一个简短的标签,'
                    '例如 2024-06,不含 / \\ : * ? " < > |')
A_FOLDER = Phrase("{path}: is a folder, not a manifest", "{path}:是文件夹,不是清单")
TOO_BIG = Phrase("{path}: the manifest is {size} bytes; over {limit} bytes is not a manifest",
                 "{path}:清单有 {size} 字节;超过 {limit} 字节的不是清单")
CANNOT_READ = Phrase("{path}: cannot read the manifest: {reason}", "{path}:无法读取清单:{reason}")
NOT_UTF8 = Phrase("the manifest is not UTF-8 text", "清单不是 UTF-8 文本")
MEAN = Phrase("did you mean {name}?", "是不是 {name}?")
KNOWN = Phrase("known fields: {fields}", "可用的字段:{fields}")
UNKNOWN_FIELD = Phrase("unknown field {field} ({hint})", "未知字段 {field}({hint})")
NOT_A_MAPPING = Phrase("a manifest is a mapping with runs: (a list of runs)",
                       "清单应是含有 runs:(运行的列表)的映射")

FIELD_HINT = Phrase("did you mean {name}? ", "是不是 {name}?")
NOT_A_FIELD = Phrase("{name} is not a field ({hint}fields here: {fields})",
                     "{name} 不是可用的字段({hint}此处可用:{fields})")
NO_PERIOD = Phrase("{template} uses {{period}}, but there is no period: add period: to the "
                   "manifest or pass --period",
                   "{template} 用到了 {{period}},但没有周期:请在清单中加上 period:,或使用 --period")
RULE_HINT = Phrase("did you mean {name}? ", "是不是 {name}?")
UNKNOWN_SCHEME = Phrase("{problem} ({hint}a scheme file's name ends in .yaml)",
                        "{problem}({hint}方案文件的名称以 .yaml 结尾)")
BAD_RUN_NAME = Phrase('{name} cannot name a run: it is used in file names, so avoid / \\ : * '
                      '? " < > | and control characters',
                      '{name} 不能用作运行的名称:它会用在文件名里,请不要用 / \\ : * ? " < > | '
                      '和控制字符')
TWO_RUNS = Phrase("two runs are named {name} (the other is run {other})",
                  "有两个运行都叫 {name}(另一个是第 {other} 个运行)")
NO_ACTUALS = Phrase("actuals: names no file", "actuals: 没有给出任何文件")
NO_OUTPUTS = Phrase("run {name} writes nothing: give it outputs: (json, jsonl, csv, xlsx), or "
                    "give the manifest outputs: for every run",
                    "运行 {name} 什么也不写出:请给它 outputs:(json、jsonl、csv、xlsx),"
                    "或在清单中给所有运行统一的 outputs:")
NEEDS_SCHEME = Phrase("run {name} scores several schemes, so its {format} output {template} "
                      "needs {{scheme}} in its name (one file per scheme)",
                      "运行 {name} 要用多个方案计分,所以它的 {format} 输出 {template} 的名称中"
                      "需要有 {{scheme}}(每个方案一个文件)")
OVER_INPUT = Phrase("{run}: the {format} output {target} is an input of the batch; kpiscore "
                    "never writes over an input",
                    "{run}:{format} 输出 {target} 是本次批量运行的输入;kpiscore 从不覆盖输入")
ONE_FILE = Phrase("the {formats} outputs of run {run} are one file ({target}): give each its "
                  "own name", "运行 {run} 的 {formats} 输出是同一个文件({target}):请各起一个名称")
SHARED = Phrase("the {format} output {target} is written by the runs {runs}: add {{name}} or "
                "{{scheme}} to the file name",
                "{format} 输出 {target} 由多个运行写出({runs}):请在文件名中加上 {{name}} 或 "
                "{{scheme}}")
SUMMARY_CLASH = Phrase("the summary {summary} is also an input or an output of a run",
                       "汇总文件 {summary} 同时也是某个运行的输入或输出")

INVALID_ONE = Phrase("the scheme is invalid ({errors} error above)",
                     "方案无效(见上方 {errors} 个错误)")
INVALID = Phrase("the scheme is invalid ({errors} errors above)",
                 "方案无效(见上方 {errors} 个错误)")
INTERNAL = Phrase("internal error: {kind}: {error}", "内部错误:{kind}:{error}")
NO_SCHEME_FILE = Phrase("{path}: no such scheme file", "{path}:没有这个方案文件")
NO_FILE = Phrase("{path}: no such file", "{path}:没有这个文件")
NO_ROSTER = Phrase("{path}: no such roster file", "{path}:没有这个人员名单文件")
ROW = Phrase("row {n}", "第 {n} 行")
MORE_ERRORS = Phrase("{run}: … and {count} more row error(s): every error is in the outputs "
                     "(errors column, 错误 sheet)",
                     "{run}:……另有 {count} 个行错误:所有错误都在输出中(errors 列、错误 工作表)")
SAME_ID = Phrase("the schemes {first} and {second} have the same id {id}: their outputs would be "
                 "one file", "方案 {first} 与 {second} 的 id 相同({id}):它们的输出会是同一个文件")
MORE_UNASSIGNED = Phrase("{run}: … and {count} more people without a scheme (all are in the "
                         "batch summary)",
                         "{run}:……另有 {count} 人没有方案(全部列在批量汇总中)")
NO_PART = Phrase("no scheme of the roster could be used ({problems})",
                 "名单中的方案都无法使用({problems})")
PART_INVALID = Phrase("its scheme {scheme} is invalid", "它的方案 {scheme} 无效")
PART_GROUPED = Phrase("its scheme {scheme} combines several rows per person (raters, periods or "
                      "surveys); score it in a run of its own (scheme: and actuals:)",
                      "它的方案 {scheme} 要把每人的多行合起来(评分人、周期或问卷);"
                      "请在单独的运行中计分(scheme: 和 actuals:)")
NO_ROLE_COLUMN = Phrase("{path}: no column {column} naming each person's role (the headers are "
                        "{headers})",
                        "{path}:没有写明每个人岗位的 {column} 列(表头为 {headers})")
ROLE_BLANK = Phrase("{column} is blank: no scheme for this person", "{column} 为空:此人没有方案")
ROLE_UNKNOWN = Phrase("{column} {role} has no scheme in the manifest ({hint}roles: {roles})",
                      "{column} {role} 在清单中没有方案({hint}岗位:{roles})")
ROLE_PROBLEM = Phrase("{column} {role}: {problem}", "{column} {role}:{problem}")
RUN_ONE_ROW = Phrase("{run}: {rows} row, {scored} scored", "{run}:{rows} 行,{scored} 行已计分")
RUN_ROWS = Phrase("{run}: {rows} rows, {scored} scored", "{run}:{rows} 行,{scored} 行已计分")
RUN_FAILED_ROWS = Phrase(", {count} could not be scored", ",{count} 行无法计分")
RUN_PROBLEM = Phrase(" ({problem})", "({problem})")
TOTAL_ONE = Phrase("{runs} run: {ok} ok, {errors} with rows that could not be scored, {failed} "
                   "failed; {rows} rows, {scored} scored",
                   "{runs} 个运行:{ok} 个正常,{errors} 个有无法计分的行,{failed} 个失败;"
                   "共 {rows} 行,{scored} 行已计分")
TOTAL = Phrase("{runs} runs: {ok} ok, {errors} with rows that could not be scored, {failed} "
               "failed; {rows} rows, {scored} scored",
               "{runs} 个运行:{ok} 个正常,{errors} 个有无法计分的行,{failed} 个失败;"
               "共 {rows} 行,{scored} 行已计分")
PERIOD = Phrase(" (period {period})", "(周期 {period})")


def _format_name(name: str) -> str:
    if name not in FORMATS:
        raise ValueError(str(NOT_A_FORMAT(name=repr(name))))
    return name


#: Where a run's results go: a file per output format (kpiscore.outputs.FORMATS); leave a
#: format out to skip it. Paths are relative to the manifest's folder and may use
#: ``{period}``, ``{name}`` (the run's name) and ``{scheme}`` (the scheme's id).
Outputs = dict[Annotated[str, AfterValidator(_format_name)], str]


class Run(_Model):
    """One run: ``scheme`` + ``actuals``, or ``roster`` + ``role_column`` + ``schemes``."""

    name: Text  # names the run in messages and in {name}
    scheme: str | None = None  # a scheme file, or a shipped scheme's id
    #: the actuals (.xlsx or .csv); a list is one file per period, rolled up as the
    #: scheme's rollup says
    actuals: str | list[str] | None = None
    #: survey responses: a file for every survey, or survey id → file
    responses: str | dict[str, str] | None = None
    #: calibration moves (工号, 调整后等级, 原因, 调整人), applied after the quotas
    calibration: str | None = None
    roster: str | None = None  # a workbook of people of several roles
    role_column: Text | None = None  # the roster's column naming each person's role: 岗位
    schemes: dict[str, str] | None = None  # role → scheme file or shipped id
    sheet: Text | None = None  # worksheet to read
    encoding: str | None = None  # encoding of a CSV file
    outputs: Outputs | None = None  # where this run's results go (default: the manifest's)

    @model_validator(mode="after")
    def _kind(self) -> Run:
        if self.roster is None:
            if self.role_column is not None or self.schemes is not None:
                raise ValueError(str(ROSTER_FIELDS()))
            missing = [k for k in ("scheme", "actuals") if getattr(self, k) is None]
            if missing:
                raise ValueError(str(RUN_NEEDS(name=repr(self.name),
                                               missing=Joined(tuple(missing), AND))))
        else:
            if self.scheme is not None or self.actuals is not None or self.responses \
                    or self.calibration is not None:
                raise ValueError(str(ROSTER_SCHEMES()))
            if self.role_column is None or not self.schemes:
                raise ValueError(str(ROSTER_NEEDS()))
        return self


class Manifest(_Model):
    """A month's runs."""

    period: Text | None = None  # the period's label, e.g. 2024-06: {period} in paths, reports
    outputs: Outputs | None = None  # outputs of runs that name none
    summary: str | None = None  # a JSON file recording every run, its status and outputs
    #: folders outside the manifest's own where outputs may be written (relative to it, or
    #: absolute); without them every output stays inside the manifest's folder
    output_folders: list[str] | None = None
    runs: list[Run] = Field(min_length=1)


# -- loading and checking ---------------------------------------------------------------------


@dataclass
class RunPlan:
    """A run with its paths resolved (relative to the manifest's folder)."""

    name: str
    index: int
    scheme: str | None  # the scheme file (a shipped id is resolved to its file)
    actuals: list[str]  # one file, or one per period
    responses: dict[str | None, str]  # survey id (None: every survey) → file
    roster: str | None
    role_column: str | None
    roles: dict[str, str]  # role as written → scheme file
    sheet: str | None
    encoding: str | None
    outputs: list[tuple[str, str]]  # (format, path with {scheme} still to fill)
    calibration: str | None = None  # the calibration moves' file

    @property
    def kind(self) -> Literal["scheme", "roster"]:
        return "roster" if self.roster is not None else "scheme"


@dataclass
class Batch:
    path: str
    folder: str
    period: str | None
    runs: list[RunPlan]
    summary: str | None
    #: every file the batch reads (never written over)
    inputs: tuple[str, ...]
    #: the real paths of the folders outputs may be written in (the manifest's, and its
    #: output_folders:)
    allowed: tuple[str, ...] = ()
    #: replace existing files the ledger does not know (``kpiscore batch --force``)
    force: bool = False
    #: other files never to write (the ``--log`` file)
    protected: tuple[str, ...] = ()


def check_period(period: str) -> str | None:
    """Why ``period`` cannot be a period label (it is used in file names), or None."""
    text = period.strip()
    if not text or text in (".", "..") or _UNSAFE.search(text) or len(text) > 100:
        return str(BAD_PERIOD(period=repr(period)))
    return None


def _read_text(path: str) -> str:
    try:
        if os.path.isdir(path):
            raise InputUnreadable(str(A_FOLDER(path=path)))
        size = os.path.getsize(path)
        if size > MAX_MANIFEST_BYTES:
            raise InputUnreadable(str(TOO_BIG(path=path, size=size, limit=MAX_MANIFEST_BYTES)))
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise InputUnreadable(str(CANNOT_READ(path=path, reason=os_reason(exc)))) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ManifestInvalid([Finding(path, line, col, "error", "encoding",
                                       NOT_UTF8())]) from None


class _Errors:
    """Stands in for a ValidationError with some of its errors (for validation_findings)."""

    def __init__(self, errors: list[Any]) -> None:
        self._errors = errors

    def errors(self) -> list[Any]:
        return self._errors


def _model_at(loc: Sequence[Any]) -> type[BaseModel]:
    names = [p for p in loc if isinstance(p, str)]
    return Run if names and names[-1] == "runs" else Manifest


def _validation_findings(exc: ValidationError, located: Located) -> list[Finding]:
    """Pydantic's errors as ``file:line:col`` findings: the scheme loader's mapping, with
    unknown fields suggested from the manifest's own fields."""
    from kpiscore.scheme.load import validation_findings

    findings = []
    rest = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if loc and loc[-1] == "[key]":  # outputs: a format the registry does not have
            loc = loc[:-1]
            fields = list(FORMATS)
        elif _under_unknown_format(loc):
            continue  # its value: the unknown format is the problem, said above
        elif err["type"] != "extra_forbidden":
            rest.append(err)
            continue
        else:
            model = _model_at(loc[:-1])
            fields = [f.alias or name for name, f in model.model_fields.items()]
        got = str(loc[-1])
        close = difflib.get_close_matches(got, fields, n=1, cutoff=0.6)
        hint = MEAN(name=repr(close[0])) if close else KNOWN(fields=", ".join(fields))
        line, col = located.where(loc, key=True)
        findings.append(Finding(located.path, line, col, "error", "unknown-field",
                                UNKNOWN_FIELD(field=repr(got), hint=hint)))
    findings += validation_findings(_Errors(rest), located)
    return sorted(findings, key=lambda f: (f.line, f.column))


def _under_unknown_format(loc: Sequence[Any]) -> bool:
    """Whether ``loc`` is the value of an ``outputs:`` key that names no format."""
    return any(part == "outputs" and k + 1 < len(loc) and loc[k + 1] not in FORMATS
               and loc[k + 1] != "[key]" for k, part in enumerate(loc))


def fill(template: str, values: dict[str, str]) -> str:
    """Replace ``{field}`` by its value (fields without a value are left as they are)."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def safe_name(text: str) -> str:
    """``text`` usable as (part of) a file name."""
    cleaned = _UNSAFE.sub("_", text).strip()
    return cleaned.lstrip(".") or "_"


def _is_path(ref: str) -> bool:
    return ref.lower().endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref


def load_manifest(path: str, *, period: str | None = None,
                  folder: str | None = None) -> Batch:
    """Read, validate and resolve a manifest.

    ``period`` (the command line's ``--period``) overrides the manifest's. Paths
    are relative to ``folder``, by default the manifest's own (standard input's
    manifest: the working folder). Raises :class:`ManifestInvalid` (findings at
    ``file:line:col``) or :class:`InputUnreadable` (no such file).
    """
    from kpiscore.scheme.yamlload import YamlProblems, load_yaml

    text = _read_text(path)
    try:
        located = load_yaml(text, path)
    except YamlProblems as exc:
        raise ManifestInvalid(exc.findings) from None
    if not isinstance(located.data, dict):
        raise ManifestInvalid([Finding(path, 1, 1, "error", "not-a-mapping", NOT_A_MAPPING())])
    try:
        manifest = Manifest.model_validate(located.data)
    except ValidationError as exc:
        raise ManifestInvalid(_validation_findings(exc, located)) from None
    if period is not None and check_period(period):
        raise ValueError(check_period(period))
    planner = _Planner(manifest, located, path, period,
                       os.path.dirname(path) if folder is None else folder)
    runs = [planner.run(i, run) for i, run in enumerate(manifest.runs)]
    summary = None
    if manifest.summary is not None:
        summary = planner.resolve(("summary",), manifest.summary, INPUT_FIELDS, None)
        planner.place(("summary",), "summary", manifest.summary, summary)
    planner.check_outputs(runs, summary)
    if planner.findings:
        unique = {(f.line, f.column, f.message): f for f in planner.findings}
        raise ManifestInvalid(sorted(unique.values(), key=lambda f: (f.line, f.column)))
    return Batch(path, planner.folder, planner.label, runs, summary,
                 tuple(planner.inputs.values()), planner.allowed)


def _key(path: str) -> str:
    """One key for every path to one file: links resolved (as far as they exist)."""
    return os.path.normcase(os.path.realpath(path))


OUTSIDE = Phrase("the {what} output {template!r} is outside the manifest's folder ({folder}): "
                 "a batch writes only there, or in a folder the manifest lists in "
                 "output_folders:",
                 "{what} 输出 {template!r} 在清单所在文件夹({folder})之外:批量运行只写入该"
                 "文件夹,或清单 output_folders: 中列出的文件夹")
NOT_STDOUT = Phrase("the {what} output is '-': a batch writes its outputs to files (standard "
                    "output would mix the runs); give a file name",
                    "{what} 输出为 '-':批量运行把输出写入文件(写到标准输出会混在一起);"
                    "请给出文件名")
LEDGER_NAME = Phrase("the {what} output {template!r} is named {ledger}, the ledger of the files "
                     "a batch writes in a folder: choose another name",
                     "{what} 输出 {template!r} 与台账文件 {ledger} 同名:请换一个文件名")


class _Planner:
    """Resolves a validated manifest's paths and checks what pydantic cannot."""

    def __init__(self, manifest: Manifest, located: Located, path: str,
                 period: str | None, folder: str) -> None:
        self.manifest = manifest
        self.located = located
        self.folder = folder
        self.findings: list[Finding] = []
        self.allowed = tuple(dict.fromkeys(
            places.real(os.path.join(folder, f))
            for f in [".", *(manifest.output_folders or [])]))
        self.inputs: dict[str, str] = {_key(path): path}  # every input: key → path
        self.names: dict[str, int] = {}
        self.label = period.strip() if period is not None else None
        if self.label is None and manifest.period is not None:
            why = check_period(manifest.period)
            if why:
                self.problem(("period",), "bad-value", why)
            self.label = manifest.period.strip()

    def problem(self, loc: Path, code: str, message: str | Localized) -> None:
        self.findings.append(self.located.finding(loc, code, message))

    def resolve(self, loc: Path, template: str, allowed: Sequence[str],
                run: str | None) -> str:
        """``template`` with its fields filled, relative to the manifest's folder."""
        for name in _FIELD.findall(template):
            if name not in allowed:
                close = difflib.get_close_matches(name, list(allowed), n=1)
                hint = FIELD_HINT(name="{" + close[0] + "}") if close else ""
                self.problem(loc, "bad-value", NOT_A_FIELD(
                    name="{" + name + "}", hint=hint,
                    fields=", ".join("{" + a + "}" for a in allowed)))
            elif name == "period" and self.label is None:
                self.problem(loc, "missing-period", NO_PERIOD(template=repr(template)))
        values = {"period": self.label or "", "name": run or ""}
        return os.path.normpath(os.path.join(self.folder, fill(template, values)))

    def input(self, loc: Path, template: str) -> str:
        path = self.resolve(loc, template, INPUT_FIELDS, None)
        self.inputs.setdefault(_key(path), path)
        return path

    def scheme(self, loc: Path, ref: str) -> str:
        """A scheme file (relative to the manifest), or a shipped scheme's id → its file."""
        if _is_path(ref) or os.path.exists(os.path.join(self.folder, ref)):
            return self.input(loc, ref)
        from kpiscore.library import entries, find

        try:
            path = str(find(ref).path)
        except InputUnreadable as exc:
            close = difflib.get_close_matches(ref, [e.id for e in entries()], n=1)
            hint = RULE_HINT(name=repr(close[0])) if close else ""
            self.problem(loc, "unknown-scheme", UNKNOWN_SCHEME(problem=str(exc), hint=hint))
            return ref
        self.inputs.setdefault(_key(path), path)
        return path

    def run(self, i: int, run: Run) -> RunPlan:
        base: Path = ("runs", i)
        name = run.name.strip()
        if not name or name in (".", "..") or _UNSAFE.search(run.name):
            self.problem(base + ("name",), "bad-value", BAD_RUN_NAME(name=repr(run.name)))
        key = name.casefold()
        if key in self.names:
            self.problem(base + ("name",), "duplicate-run", TWO_RUNS(
                name=repr(run.name), other=self.names[key] + 1))
        self.names.setdefault(key, i)
        plan = RunPlan(name, i, None, [], {}, None, run.role_column, {}, run.sheet,
                       run.encoding, [])
        if run.roster is None:
            assert run.scheme is not None and run.actuals is not None
            plan.scheme = self.scheme(base + ("scheme",), run.scheme)
            if isinstance(run.actuals, str):
                plan.actuals = [self.input(base + ("actuals",), run.actuals)]
            else:
                plan.actuals = [self.input(base + ("actuals", k), a)
                                for k, a in enumerate(run.actuals)]
                if not plan.actuals:
                    self.problem(base + ("actuals",), "bad-value", NO_ACTUALS())
            if isinstance(run.responses, str):
                plan.responses = {None: self.input(base + ("responses",), run.responses)}
            else:
                for survey, item in (run.responses or {}).items():
                    plan.responses[survey] = self.input(base + ("responses", survey), item)
            if run.calibration is not None:
                plan.calibration = self.input(base + ("calibration",), run.calibration)
        else:
            plan.roster = self.input(base + ("roster",), run.roster)
            for role, ref in (run.schemes or {}).items():
                plan.roles[role] = self.scheme(base + ("schemes", role), ref)
        chosen = run.outputs if run.outputs is not None else self.manifest.outputs
        where: Path = base + ("outputs",) if run.outputs is not None else ("outputs",)
        if not chosen:
            self.problem(base, "no-outputs", NO_OUTPUTS(name=repr(run.name)))
            return plan
        several = len({_key(r) for r in plan.roles.values()}) > 1
        for fmt, template in chosen.items():
            target = self.resolve(where + (fmt,), template, OUTPUT_FIELDS, name)
            plan.outputs.append((fmt, target))
            self.place(where + (fmt,), fmt, template, target)
            if several and "{scheme}" not in template:
                self.problem(where + (fmt,) if run.outputs is not None else base + ("schemes",),
                             "needs-scheme-field", NEEDS_SCHEME(
                                 name=repr(run.name), format=fmt, template=repr(template)))
        return plan

    def place(self, loc: Path, what: str, template: str, target: str) -> None:
        """An output (or the summary) goes to a file inside the allowed folders."""
        if template.strip() == "-":
            self.problem(loc, "output-stdout", str(NOT_STDOUT(what=what)))
        elif os.path.basename(target) == places.LEDGER:
            self.problem(loc, "output-ledger", str(LEDGER_NAME(what=what, template=template,
                                                               ledger=places.LEDGER)))
        elif not places.inside(target, self.allowed):
            self.problem(loc, "output-outside", str(OUTSIDE(
                what=what, template=template, folder=self.folder or ".")))

    def check_outputs(self, runs: Sequence[RunPlan], summary: str | None) -> None:
        """No two outputs in one file, and no output over an input. Files are compared by
        their real paths (links resolved), by identity when they exist (hard links), and
        outputs also by their names' case: on Windows and macOS ``A.json`` and ``a.json``
        are one file."""
        writers: dict[object, list[tuple[RunPlan, str, Path, str]]] = {}
        for plan in runs:
            own = self.manifest.runs[plan.index].outputs is not None
            for fmt, target in plan.outputs:
                at: Path = ("runs", plan.index, "outputs", fmt) if own else ("outputs", fmt)
                if _key(target) in self.inputs or _same_file(target, self.inputs.values()):
                    self.problem(at, "output-over-input", OVER_INPUT(
                        run=plan.name, format=fmt, target=target))
                    continue
                for identity in _identities(target):
                    writers.setdefault(identity, []).append((plan, fmt, at, target))
        for who in writers.values():
            if len(who) < 2:
                continue
            names = [p.name for p, _, _, _ in who]
            for plan, fmt, at, target in who:
                if len(set(names)) == 1:
                    formats = Joined(tuple(dict.fromkeys(f for _, f, _, _ in who)), AND)
                    message: Localized = ONE_FILE(formats=formats, run=repr(plan.name),
                                                  target=target)
                else:
                    message = SHARED(format=fmt, target=target,
                                     runs=", ".join(repr(n) for n in names))
                self.problem(at, "duplicate-output", message)
        if summary is not None and (any(i in writers for i in _identities(summary))
                                    or _key(summary) in self.inputs
                                    or _same_file(summary, self.inputs.values())):
            self.problem(("summary",), "duplicate-output", SUMMARY_CLASH(summary=summary))


def _identities(path: str) -> list[object]:
    """What makes two paths one file: the real path (whatever the case of its letters),
    and for an existing file its device and inode."""
    out: list[object] = [_key(path).casefold()]
    try:
        st = os.stat(path)
    except OSError:
        return out
    return out + [(st.st_dev, st.st_ino)]


def _same_file(target: str, inputs: Iterable[str]) -> bool:
    if not os.path.exists(target):
        return False
    return any(os.path.exists(p) and os.path.samefile(p, target) for p in inputs)


# -- running ----------------------------------------------------------------------------------


@dataclass
class RunResult:
    """What became of one run."""

    name: str
    kind: str
    #: ok: every row scored · errors: written, some rows could not be scored ·
    #: failed: nothing was written
    status: Literal["ok", "errors", "failed"] = "ok"
    #: rows read (of a failed run: those read before it failed, none of them scored)
    rows: int = 0
    #: rows scored and written (none for a failed run)
    scored: int = 0
    written: list[str] = field(default_factory=list)
    problem: str | None = None
    schemes: list[str] = field(default_factory=list)  # scheme ids scored
    #: roster rows no scheme could score (unknown or blank role, invalid scheme)
    unassigned: list[PersonResult] = field(default_factory=list)
    #: the exit code ``kpiscore evaluate`` would give for this run: 0 every row scored,
    #: 1 rows that could not be scored or an invalid scheme, 2 an input that cannot be
    #: read or an output that cannot be written
    code: int = 0

    @property
    def failed_rows(self) -> int:
        return self.rows - self.scored


@dataclass
class BatchResult:
    batch: Batch
    runs: list[RunResult]
    summary_written: str | None = None
    #: why the summary file could not be written (the runs' outputs were)
    summary_failed: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every run scored every row."""
        return all(r.status == "ok" for r in self.runs)

    @property
    def code(self) -> int:
        """The batch's exit code: the highest of its runs' (each the code ``kpiscore
        evaluate`` would give it), 2 if the summary could not be written."""
        return max([r.code for r in self.runs] + [2 if self.summary_failed else 0])


class Reporter:
    """What a batch tells its caller as it goes; the CLI prints it. Every method is
    optional (the defaults do nothing)."""

    def run_started(self, plan: RunPlan, number: int, count: int) -> None:
        """Run ``number`` (1-based) of ``count`` starts."""

    def message(self, text: str, level: Literal["info", "warning", "error"]) -> None:
        """A diagnostic line: a scheme warning, a row error, why a run failed."""

    def writing(self, run: RunPlan, what: str, done: int, total: int) -> None:
        """A long output is being written: ``done`` of ``total`` people (the report)."""

    def run_finished(self, result: RunResult) -> None:
        """A run is done (written or failed)."""


def run_batch(batch: Batch, reporter: Reporter | None = None) -> BatchResult:
    """Score every run of ``batch``; a run that fails does not stop the others."""
    reporter = reporter or Reporter()
    out = BatchResult(batch, [])
    claimed: dict[str, str] = {}  # output file (_key) → run that wrote it ({scheme} clashes)
    for number, plan in enumerate(batch.runs, start=1):
        reporter.run_started(plan, number, len(batch.runs))
        result = RunResult(plan.name, plan.kind)
        try:
            if plan.roster is None:
                _run_scheme(batch, plan, result, reporter, claimed)
            else:
                _run_roster(batch, plan, result, reporter, claimed)
        except SchemeInvalid as exc:
            for f in exc.findings:
                reporter.message(str(f), "error")
            errors = sum(1 for f in exc.findings if f.severity == "error")
            _fail(result, str((INVALID_ONE if errors == 1 else INVALID)(errors=errors)), 1)
        except InputUnreadable as exc:
            _fail(result, str(exc))
        except OutputUnwritable as exc:  # a full disk, permissions, outside, not its own
            _fail(result, str(exc))
        except OSError as exc:  # an input read by a library that said nothing better
            _fail(result, f"{exc.filename or plan.name}: {reason(exc)}")
        except Exception as exc:  # a bug must not cost the other runs their outputs
            _fail(result, str(INTERNAL(kind=type(exc).__name__, error=exc)))
        reporter.run_finished(result)
        out.runs.append(result)
    if batch.summary is not None:
        try:
            _write_summary(batch, out)
        except OutputUnwritable as exc:
            out.summary_failed = str(exc)
    return out


def _write_summary(batch: Batch, out: BatchResult) -> None:
    from kpiscore.outputs.files import atomic_output
    from kpiscore.outputs.json_format import dumps

    assert batch.summary is not None
    _prepare(batch, batch.summary)
    with atomic_output(batch.summary, batch.inputs + batch.protected) as fh:
        fh.write(dumps(summary_dict(out)) + "\n")
    with signals_held():
        places.record([batch.summary])
    out.summary_written = batch.summary


def _prepare(batch: Batch, path: str) -> None:
    """Check that a batch may write ``path`` (inside its folders, not the --log, its own
    if it exists), and make its folder."""
    places.check_place(path, batch.allowed, batch.folder)
    if any(places.real(p) == places.real(path) for p in batch.protected) or \
            _same_file(path, batch.protected):
        raise unwritable(path, PROTECTED())
    if not batch.force:
        places.check_own(path)
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    except OSError as exc:
        raise unwritable(path, reason(exc, path)) from None
    places.check_place(path, batch.allowed, batch.folder)  # links made since the manifest


PROTECTED = Phrase("it is the --log file of this batch", "它是本次批量运行的 --log 日志文件")


def _fail(result: RunResult, problem: str, code: int = 2) -> None:
    """Nothing of the run is written, so none of its rows count as scored."""
    result.status = "failed"
    result.problem = problem
    result.written = []
    result.scored = 0
    result.code = code


def _load(path: str, reporter: Reporter) -> LoadedScheme:
    """The scheme at ``path``, its warnings told."""
    from kpiscore.scheme.load import load_scheme

    if not os.path.exists(path):
        raise InputUnreadable(str(NO_SCHEME_FILE(path=path)))
    loaded = load_scheme(path)
    for warning in loaded.warnings:
        reporter.message(str(warning), "warning")
    return loaded


def _report_rows(plan: RunPlan, results: Sequence[PersonResult], reporter: Reporter) -> None:
    """Row errors on the reporter, each (cell, message) once, at most MAX_ROW_MESSAGES."""
    said: set[tuple[str, str]] = set()
    shown = hidden = 0
    for r in results:
        if r.status == "ok":
            continue
        who = r.id or str(ROW(n=r.row))
        for e in r.errors:
            if (e.where, str(e.message)) in said:
                continue
            said.add((e.where, str(e.message)))
            if shown < MAX_ROW_MESSAGES:
                reporter.message(f"{plan.name}: {e.where}: {e.message} [{who}]", "error")
                shown += 1
            else:
                hidden += 1
    if hidden:
        reporter.message(str(MORE_ERRORS(run=plan.name, count=hidden)), "error")


def _count(plan: RunPlan, result: RunResult, report: Report, loaded: LoadedScheme,
           reporter: Reporter) -> list[tuple[str, str, Report, LoadedScheme]]:
    """Count ``report``'s rows into ``result`` and tell its row errors; its outputs."""
    _report_rows(plan, report.results, reporter)
    result.schemes.append(report.scheme_id)
    result.rows += len(report.results)
    result.scored += report.summary.ok
    return [(fmt, fill(path, {"scheme": safe_name(report.scheme_id)}), report, loaded)
            for fmt, path in plan.outputs]


def _quota_warnings(plan: RunPlan, report: Report, reporter: Reporter) -> None:
    """Ties that broke a quota, minimums that could not be met (as evaluate says them)."""
    from kpiscore.score.across import quota_warnings

    d = report.summary.distribution
    if d is not None:
        for text, code in quota_warnings(d, report.precision):
            reporter.message(f"{plan.name}: {text} ({code})", "warning")


def _run_scheme(batch: Batch, plan: RunPlan, result: RunResult, reporter: Reporter,
                claimed: dict[str, str]) -> None:
    from kpiscore.api import evaluate_file

    assert plan.scheme is not None and plan.actuals
    loaded = _load(plan.scheme, reporter)
    calibration = [plan.calibration] if plan.calibration is not None else []
    for path in plan.actuals + list(plan.responses.values()) + calibration:
        if not os.path.exists(path):
            raise InputUnreadable(str(NO_FILE(path=path)))
    report = evaluate_file(loaded, plan.actuals, encoding=plan.encoding, sheet=plan.sheet,
                           responses=plan.responses or None, calibration=plan.calibration)
    for note in report.notes:  # how a table was read (its encoding, its title rows)
        reporter.message(f"{plan.name}: {note.where}: {note.message}", "info")
    for p in report.problems:
        reporter.message(f"{plan.name}: {p.where}: {p.message}", "error")
    _quota_warnings(plan, report, reporter)
    targets = _count(plan, result, report, loaded, reporter)
    result.written = _write(batch, plan, targets, claimed, reporter)
    if result.scored < result.rows or report.problems:
        result.status = "errors"
        result.code = 1


@dataclass
class _Part:
    """The people of a roster scored with one scheme."""

    ref: str
    roles: list[str]
    loaded: LoadedScheme | None = None
    problem: str | None = None
    binding: Binding | None = None
    scorer: Scorer | None = None
    results: list[PersonResult] = field(default_factory=list)


def _role_key(text: str) -> str:
    from kpiscore.base.numbers import normalise_text

    return normalise_text(text).casefold()


def _run_roster(batch: Batch, plan: RunPlan, result: RunResult, reporter: Reporter,
                claimed: dict[str, str]) -> None:
    from kpiscore.score.evaluate import finish

    assert plan.roster is not None
    parts = _roster_parts(plan, reporter)
    if not os.path.exists(plan.roster):
        raise InputUnreadable(str(NO_ROSTER(path=plan.roster)))
    unassigned = _score_roster(plan, parts)
    targets: list[tuple[str, str, Report, LoadedScheme]] = []
    ids: dict[str, str] = {}
    for part in parts.values():
        if part.loaded is None or part.scorer is None:
            continue
        report = finish(part.scorer, part.results, [os.path.basename(plan.roster)])
        sid = report.scheme_id
        if sid in ids:
            raise InputUnreadable(str(SAME_ID(first=ids[sid], second=part.ref, id=repr(sid))))
        ids[sid] = part.ref
        targets += _count(plan, result, report, part.loaded, reporter)
    for person in unassigned[:MAX_ROW_MESSAGES]:
        who = person.id or str(ROW(n=person.row))
        for e in person.errors:
            reporter.message(f"{plan.name}: {e.where}: {e.message} [{who}]", "error")
    if len(unassigned) > MAX_ROW_MESSAGES:
        reporter.message(str(MORE_UNASSIGNED(run=plan.name,
                                             count=len(unassigned) - MAX_ROW_MESSAGES)), "error")
    result.unassigned = unassigned
    result.rows += len(unassigned)
    # with no target, every part has a problem
    problems = "; ".join(f"{'、'.join(p.roles)}: {p.problem}" for p in parts.values()
                         if p.problem)
    if not targets:
        raise InputUnreadable(str(NO_PART(problems=problems)))
    result.written = _write(batch, plan, targets, claimed, reporter)
    if result.scored < result.rows or problems:
        result.status = "errors"
        result.problem = problems or None
        result.code = 1


def _roster_parts(plan: RunPlan, reporter: Reporter) -> dict[str, _Part]:
    """The roster's schemes, loaded: one part per scheme file, with its roles."""
    parts: dict[str, _Part] = {}
    for role, ref in plan.roles.items():
        parts.setdefault(_key(ref), _Part(ref, [])).roles.append(role)
    for part in parts.values():
        try:
            part.loaded = _load(part.ref, reporter)
        except SchemeInvalid as exc:
            for f in exc.findings:
                reporter.message(str(f), "error")
            part.problem = str(PART_INVALID(scheme=part.ref))
        except InputUnreadable as exc:
            part.problem = str(exc)
        else:
            compiled = part.loaded.compiled
            if compiled.grouped or compiled.survey_of:
                part.problem = str(PART_GROUPED(scheme=compiled.scheme.id))
                part.loaded = None
        if part.problem:
            reporter.message(f"{plan.name}: {'、'.join(part.roles)}: {part.problem}", "error")
    return parts


def _score_roster(plan: RunPlan, parts: dict[str, _Part]) -> list[PersonResult]:
    """Score each roster row with its role's scheme (into its part); return the rows
    no scheme could score."""
    from kpiscore.io import open_table
    from kpiscore.io.table import HeaderIndex
    from kpiscore.score.binding import bind, refuse_other_sheets
    from kpiscore.score.people import each_person
    from kpiscore.score.scorer import Scorer, cell_text

    assert plan.roster is not None and plan.role_column is not None
    by_role = {_role_key(role): part for part in parts.values() for role in part.roles}
    known = [role for part in parts.values() for role in part.roles]
    unassigned: list[PersonResult] = []
    with open_table(plan.roster, encoding=plan.encoding, sheet=plan.sheet) as table:
        header = table.header
        hits = HeaderIndex(header).matching([plan.role_column])
        if not hits:
            shown = ", ".join(repr(str(h)) for h in header if h is not None and str(h).strip())
            raise InputUnreadable(str(NO_ROLE_COLUMN(path=plan.roster,
                                                     column=repr(plan.role_column),
                                                     headers=shown)))
        role_col = hits[0]
        role = plan.role_column
        refuse_other_sheets(table, lambda other: bool(HeaderIndex(other).matching([role])))
        for part in parts.values():
            if part.loaded is not None:
                part.binding = bind(part.loaded.compiled, header, table.where, skip=[role_col])
                part.scorer = Scorer(part.loaded.compiled)
        person_cols = _person_columns(header, [p.binding for p in parts.values()
                                               if p.binding is not None])
        # ids are unique in the whole roster
        for person in each_person([table], [person_cols[0]]):
            src = person.sources[0]
            said = cell_text(src.cell(role_col))
            found = by_role.get(_role_key(said)) if said is not None else None
            if found is None or found.binding is None or found.scorer is None:
                if said is None:
                    why = str(ROLE_BLANK(column=plan.role_column))
                elif found is None:
                    close = difflib.get_close_matches(said, known, n=1, cutoff=0.5)
                    hint = RULE_HINT(name=repr(close[0])) if close else ""
                    why = str(ROLE_UNKNOWN(column=plan.role_column, role=repr(said), hint=hint,
                                           roles=", ".join(known)))
                else:
                    why = str(ROLE_PROBLEM(column=plan.role_column, role=repr(said),
                                           problem=found.problem))
                got = [cell_text(src.cell(c)) for c in person_cols]
                unassigned.append(PersonResult(src.number, got[0], got[1], got[2],
                                               errors=[RowError(src.where(role_col), why)]))
                continue
            row = src.row
            found.results.append(found.scorer.score_row(
                found.binding, row.number, row.values, src.where, row.percent.__contains__,
                errors=person.errors))
    return unassigned


def _person_columns(header: Sequence[Any], bindings: Sequence[Binding]) -> list[int | None]:
    """Id, name and department columns of a roster (for rows no scheme scores)."""
    if bindings:
        b = bindings[0]
        return [b.id_col, b.name_col, b.dept_col]
    from kpiscore.io.table import HeaderIndex
    from kpiscore.scheme.models import Columns

    defaults = Columns()
    index = HeaderIndex(header)
    return [next(iter(index.exact(names)), None)
            for names in (defaults.id, defaults.name, defaults.department)]


def _write(batch: Batch, plan: RunPlan,
           targets: Sequence[tuple[str, str, Report, LoadedScheme]],
           claimed: dict[str, str], reporter: Reporter) -> list[str]:
    """Write every output of a run; all are renamed into place only once all are written
    (with the signals held, so that an interrupt leaves all of them old or all new)."""
    from kpiscore.outputs.files import atomic_output, atomic_path

    for _, path, _, _ in targets:
        key = _key(path).casefold()
        if key in claimed and claimed[key] != plan.name:
            raise unwritable(path, ALREADY(run=claimed[key]))
    for _, path, _, _ in targets:
        _prepare(batch, path)
    order = {name: k for k, name in enumerate(FORMATS)}
    written = []
    stack = ExitStack()
    with stack:  # an exception: every temporary file removed, nothing renamed
        for name, path, report, loaded in sorted(targets, key=lambda t: order[t[0]]):
            fmt = FORMATS[name]
            options = Options(loaded, batch.period,
                              partial(reporter.writing, plan, os.path.basename(path)),
                              partial(reporter.message, level="warning"),
                              bom=bom_for(path), csv_headers=csv_headers_for(path))
            opened = atomic_path if fmt.to_file else atomic_output
            fmt.write(report, stack.enter_context(opened(path, batch.inputs + batch.protected)),
                      options)
            written.append(path)
        with signals_held():
            stack.close()
            places.record(written)
    for path in written:
        claimed[_key(path).casefold()] = plan.name
    return written


ALREADY = Phrase("it was already written by run {run!r} of this batch",
                 "本批次的运行 {run!r} 已写入该文件")


# -- telling what happened --------------------------------------------------------------------


def _relative(path: str, folder: str) -> str:
    try:
        return os.path.relpath(path, folder or ".").replace(os.sep, "/")
    except ValueError:  # another drive (Windows)
        return path


def summary_dict(out: BatchResult) -> dict[str, Any]:
    """The batch summary file: the same manifest and inputs give the same bytes."""
    from kpiscore.outputs.records import error_dict

    b = out.batch
    runs = []
    for r in out.runs:
        runs.append({
            "name": r.name, "kind": r.kind, "status": r.status, "schemes": r.schemes,
            "rows": r.rows, "scored": r.scored, "errors": r.failed_rows,
            "outputs": [_relative(p, b.folder) for p in r.written],
            "problem": r.problem,
            "unassigned": [{"row": p.row, "id": p.id, "name": p.name,
                            "department": p.department,
                            "errors": [error_dict(e) for e in p.errors]}
                           for p in r.unassigned],
        })
    return {
        "kpiscore_batch": SUMMARY_VERSION,
        "manifest": os.path.basename(b.path),
        "period": b.period,
        "ok": out.ok,
        "runs": runs,
        "totals": _totals(out),
    }


def _totals(out: BatchResult) -> dict[str, int]:
    return {"runs": len(out.runs),
            "ok": sum(r.status == "ok" for r in out.runs),
            "errors": sum(r.status == "errors" for r in out.runs),
            "failed": sum(r.status == "failed" for r in out.runs),
            "rows": sum(r.rows for r in out.runs),
            "scored": sum(r.scored for r in out.runs)}


def run_line(r: RunResult) -> str:
    """One line of the summary for a run (without its status word)."""
    if r.status == "failed":
        return f"{r.name}: {r.problem}"
    text = str((RUN_ONE_ROW if r.rows == 1 else RUN_ROWS)(run=r.name, rows=r.rows,
                                                          scored=r.scored))
    if r.failed_rows:
        text += str(RUN_FAILED_ROWS(count=r.failed_rows))
    if r.problem:
        text += str(RUN_PROBLEM(problem=r.problem))
    if r.written:
        text += " → " + _paths(r.written)
    return text


def _paths(paths: Sequence[str]) -> str:
    """``out/a.json, out/a.csv`` as ``out/a.{json,csv}`` (files of one name together)."""
    groups: dict[str, list[str]] = {}
    for p in paths:
        stem, ext = os.path.splitext(p)
        groups.setdefault(stem, []).append(ext.lstrip("."))
    return ", ".join(f"{stem}.{exts[0]}" if len(exts) == 1 else f"{stem}.{{{','.join(exts)}}}"
                     for stem, exts in groups.items())


def total_line(out: BatchResult) -> str:
    t = _totals(out)
    text = "kpiscore batch: " + str((TOTAL_ONE if t["runs"] == 1 else TOTAL)(
        runs=t["runs"], ok=t["ok"], errors=t["errors"], failed=t["failed"], rows=t["rows"],
        scored=t["scored"]))
    if out.batch.period:
        text += str(PERIOD(period=out.batch.period))
    return text
