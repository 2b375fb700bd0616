"""Excel workbooks (.xlsx): the first visible worksheet, or the one named.

Messages are pinned by the bad-input corpus (tests/bad/cases/). Workbooks
come from other people's computers (docs/security.md): the zip directory is
checked against the limits before openpyxl sees the file, every part is read in
bounded chunks, XML parts with a document type declaration are refused, and
anything openpyxl trips on comes out as
:class:`~kpiscore.base.errors.InputUnreadable` naming the file. openpyxl and
defusedxml are imported only when a workbook is opened.
"""

from __future__ import annotations

import codecs
import os
import re
import warnings
import zipfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import IO, Any

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.i18n import Phrase
from kpiscore.base.limits import RATIO_GRACE_BYTES, Limits
from kpiscore.io import numfmt, sniff
from kpiscore.io.cells import FormulaWithoutValue, is_blank
from kpiscore.io.numfmt import Section
from kpiscore.io.sheet_fast import Skim, Styles, unreadable
from kpiscore.io.table import (
    Row,
    Table,
    TableOptions,
    check_size,
    column_index,
    first_header,
    too_long,
    too_wide,
)
from kpiscore.io.xlsx_budget import Budget, PartCount

#: A workbook part is read this many bytes at a time (never all at once).
CHUNK = 64 * 1024
#: How far into each XML part to look for a document type declaration.
PROLOG_BYTES = 64 * 1024

@contextmanager
def open_xlsx(path: str, options: TableOptions) -> Iterator[Table]:
    """Excel workbooks: ``.xlsx``, ``.xlsm`` (and any suffix no other opener claims).

    Options: ``sheet`` (default: the first visible worksheet; a hidden one can
    be named). ``encoding`` and ``table`` do not apply. Values are the saved
    results of formulas; a formula never calculated reads as
    :class:`~kpiscore.io.cells.FormulaWithoutValue`, a cell openpyxl cannot
    parse as :class:`~kpiscore.io.cells.UnreadableCell`; ``Row.percent`` names
    the numeric cells formatted as percentages.

    Locations: ``<sheet>!<column letter><row>``, e.g. ``数据!B7``.
    """
    limits = options.limits
    check_size(path, limits)
    with open(path, "rb") as fh:
        if not zipfile.is_zipfile(fh):
            raise _not_a_workbook(path)
        fh.seek(0)
        _defused()
        archive = _check_zip(path, fh, limits)
        try:
            wb = _load(path, fh, archive, limits)
            yield _table(path, wb, options.sheet, limits)
        finally:
            archive.close()

ENCRYPTED = Phrase("{name}: the workbook is encrypted (password-protected); open it in Excel, "
                   "remove the password (File > Info > Protect Workbook) and save it again as "
                   ".xlsx",
                   "{name}:工作簿已加密(有密码保护);请用 Excel 打开,去掉密码"
                   "(文件 > 信息 > 保护工作簿),再另存为 .xlsx")
CUT_SHORT = Phrase("{name}: a damaged .xlsx workbook (the zip file is cut short: its directory "
                   "at the end is missing); save or copy it again",
                   "{name}:.xlsx 工作簿已损坏(zip 文件不完整:缺少末尾的目录);请重新保存或复制")
IT_IS = Phrase("{name}: not an .xlsx workbook: it is {what}", "{name}:不是 .xlsx 工作簿,而是{what}")
NOT_A_ZIP = Phrase("{name}: not an .xlsx workbook (it is not a zip file); use .xlsx or .csv",
                   "{name}:不是 .xlsx 工作簿(不是 zip 文件);请用 .xlsx 或 .csv")
MORE_PARTS = Phrase("{name}: the zip holds more than {limit} parts, over the limit ({advice})",
                    "{name}:zip 中的部件超过 {limit} 个,超出上限({advice})")
DAMAGED_ZIP = Phrase("{name}: not an .xlsx workbook (a damaged zip file: {error})",
                     "{name}:不是 .xlsx 工作簿(zip 文件已损坏:{error})")
PARTS = Phrase("{name}: the zip holds {count} parts, over the limit of {limit} ({advice})",
               "{name}:zip 中有 {count} 个部件,超过上限 {limit}({advice})")
TWO_PARTS = Phrase("{name}: the zip holds two parts named {part} (a damaged or crafted file)",
                   "{name}:zip 中有两个名为 {part} 的部件(文件已损坏或被篡改)")
PART_ENCRYPTED = Phrase("{name}: the zip part {part} is encrypted; remove the password and save "
                        "the workbook again",
                        "{name}:zip 部件 {part} 已加密;请去掉密码后重新保存工作簿")
PATCHED = Phrase("{name}: the zip part {part} holds patched data (a zip feature Excel never "
                 "writes); save the workbook again in Excel",
                 "{name}:zip 部件 {part} 含有补丁数据(Excel 从不写出的 zip 功能);"
                 "请在 Excel 中重新保存工作簿")
METHOD = Phrase("{name}: the zip part {part} uses compression method {method}, which Excel never "
                "writes; save the workbook again in Excel",
                "{name}:zip 部件 {part} 使用了压缩方法 {method},Excel 从不这样写;"
                "请在 Excel 中重新保存工作簿")
RATIO = Phrase("{name}: the part {part} would grow {ratio} times when decompressed ({packed} to "
               "{size} bytes), over the limit of {limit} times: a decompression bomb? ({advice})",
               "{name}:部件 {part} 解压后会放大 {ratio} 倍({packed} 到 {size} 字节),"
               "超过上限 {limit} 倍:是解压炸弹吗?({advice})")
UNZIPPED = Phrase("{name}: the workbook's parts add up to {total} bytes once decompressed, over "
                  "the limit of {limit} bytes: a decompression bomb? ({advice})",
                  "{name}:工作簿各部件解压后共 {total} 字节,超过上限 {limit} 字节:"
                  "是解压炸弹吗?({advice})")
NO_CONTENT_TYPES = Phrase("{name}: a zip file, but not an .xlsx workbook (it has no "
                          "[Content_Types].xml); use .xlsx or .csv",
                          "{name}:是 zip 文件,但不是 .xlsx 工作簿(没有 [Content_Types].xml);"
                          "请用 .xlsx 或 .csv")
PART_DAMAGED = Phrase("{name}: the part {part} is damaged: {error}",
                      "{name}:部件 {part} 已损坏:{error}")
THE_PART = Phrase("the part {part}", "部件 {part}")
A_PART = Phrase("a part of the workbook", "工作簿的一个部件")
ENTITIES = Phrase("{name}: refused: {where} declares a document type or entities "
                  "(<!DOCTYPE>/<!ENTITY>), which workbooks never need; kpiscore does not expand "
                  "or fetch entities (an entity-expansion or external-entity attack?)",
                  "{name}:已拒绝:{where}声明了文档类型或实体(<!DOCTYPE>/<!ENTITY>),"
                  "工作簿从不需要它们;kpiscore 不展开也不获取实体(是实体展开或外部实体攻击吗?)")
NO_DEFUSEDXML = Phrase("openpyxl is not parsing with defusedxml (is it installed? is "
                       "OPENPYXL_DEFUSEDXML set to False?); kpiscore does not read workbooks "
                       "without it",
                       "openpyxl 没有使用 defusedxml 解析(它装了吗?OPENPYXL_DEFUSEDXML 是否设成了 "
                       "False?);没有它 kpiscore 不读取工作簿")
HEADER_MISMATCH = Phrase("{name}: the workbook is damaged ({error}: a part does not match its "
                         "zip header)", "{name}:工作簿已损坏({error}:某个部件与其 zip 头不符)")
NO_WORKBOOK_PART = Phrase("{name}: a zip package, but not an .xlsx workbook (it has no workbook "
                          "part); use .xlsx or .csv",
                          "{name}:是 zip 包,但不是 .xlsx 工作簿(没有工作簿部件);请用 .xlsx 或 .csv")
IN_PART = Phrase(" (in its part {part})", "(在部件 {part} 中)")
CANNOT_OPEN = Phrase("{name}: cannot open the workbook{part}: {error}",
                     "{name}:无法打开工作簿{part}:{error}")
PAST_ROW = Phrase("{source}: cannot read past row {row}: {error}",
                  "{source}:第 {row} 行之后无法读取:{error}")
TWO_SHEETS = Phrase("{name}: two sheets are named {first} and {second}, which Excel does not "
                    "allow (a damaged or crafted workbook); rename one and save it again",
                    "{name}:有两个工作表分别名为 {first} 和 {second},Excel 不允许这样"
                    "(工作簿已损坏或被篡改);请改名其中一个后重新保存")
NONE = Phrase("none", "无")
NO_SHEET = Phrase("{name}: no sheet named {sheet} (sheets: {sheets})",
                  "{name}:没有名为 {sheet} 的工作表(工作表:{sheets})")
A_CHART = Phrase("{name}: sheet {sheet} is a chart, not a worksheet",
                 "{name}:工作表 {sheet} 是图表,不是工作表")
NO_WORKSHEETS = Phrase("{name}: the workbook has no worksheets", "{name}:工作簿中没有工作表")
ALL_HIDDEN = Phrase("{name}: every worksheet is hidden; name the one to read with --sheet "
                    "({sheets})",
                    "{name}:所有工作表都是隐藏的;请用 --sheet 指定要读的那个({sheets})")
HIDDEN = Phrase("; hidden sheets: {sheets} (read one with --sheet)",
                ";隐藏的工作表:{sheets}(可用 --sheet 读取其中一个)")
EMPTY_SHEET = Phrase("{name}: sheet {sheet} is empty (no header row){also}",
                     "{name}:工作表 {sheet} 是空的(没有表头行){also}")


def _not_a_workbook(name: str) -> InputUnreadable:
    kind = sniff.real_kind(name)
    if kind == "encrypted":
        return InputUnreadable(str(ENCRYPTED(name=name)))
    if kind in ("xls", "ole"):
        return InputUnreadable(f"{name}: {sniff.SAY[kind]()}")
    if kind == "zip":
        return InputUnreadable(str(CUT_SHORT(name=name)))
    if kind is not None:
        return InputUnreadable(str(IT_IS(name=name, what=sniff.SAY[kind])))
    return InputUnreadable(str(NOT_A_ZIP(name=name)))


def _zip_entries(fh: IO[bytes]) -> tuple[int, int] | None:
    """``(entries, central directory bytes)`` from the end record, before zipfile reads
    the whole directory into memory; None when the end record is not found."""
    end = getattr(zipfile, "_EndRecData", None)
    if end is None:  # pragma: no cover - another Python's zipfile
        return None
    try:
        record = end(fh)
    except OSError:
        return None
    if not record:
        return None
    return int(record[zipfile._ECD_ENTRIES_TOTAL]), int(  # type: ignore[attr-defined]
        record[zipfile._ECD_SIZE])  # type: ignore[attr-defined]


def _check_zip(name: str, fh: IO[bytes], limits: Limits) -> _BoundedZip:
    """Open the zip and check its directory against the limits, before any part is read."""
    counts = _zip_entries(fh)
    if counts is not None:
        entries, directory = counts
        # a directory entry takes at least 46 bytes; allow long names, refuse a flood
        if entries > limits.zip_entries or directory > limits.zip_entries * 512:
            raise InputUnreadable(str(MORE_PARTS(name=name, limit=limits.zip_entries,
                                                 advice=limits.advice("zip_entries"))))
    try:
        archive = _BoundedZip(fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputUnreadable(str(DAMAGED_ZIP(name=name, error=exc))) from None
    try:
        infos = archive.infolist()
        if len(infos) > limits.zip_entries:
            raise InputUnreadable(str(PARTS(name=name, count=len(infos), limit=limits.zip_entries,
                                            advice=limits.advice("zip_entries"))))
        seen: set[str] = set()
        total = 0
        for info in infos:
            if info.filename in seen:
                raise InputUnreadable(str(TWO_PARTS(name=name, part=repr(info.filename))))
            seen.add(info.filename)
            if info.flag_bits & 0x41:  # encrypted, strongly encrypted
                raise InputUnreadable(str(PART_ENCRYPTED(name=name, part=repr(info.filename))))
            if info.flag_bits & 0x20:
                raise InputUnreadable(str(PATCHED(name=name, part=repr(info.filename))))
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise InputUnreadable(str(METHOD(name=name, part=repr(info.filename),
                                                 method=info.compress_type)))
            total += info.file_size
            if info.file_size > RATIO_GRACE_BYTES and \
                    info.file_size > limits.zip_ratio * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise InputUnreadable(str(RATIO(
                    name=name, part=repr(info.filename), ratio=ratio, packed=info.compress_size,
                    size=info.file_size, limit=limits.zip_ratio,
                    advice=limits.advice("zip_ratio"))))
        if total > limits.unzipped_bytes:
            raise InputUnreadable(str(UNZIPPED(name=name, total=total,
                                               limit=limits.unzipped_bytes,
                                               advice=limits.advice("unzipped_bytes"))))
        if "[Content_Types].xml" not in seen:
            raise InputUnreadable(str(NO_CONTENT_TYPES(name=name)))
        for info in infos:
            if info.filename.endswith((".xml", ".rels", ".vml")):
                _check_prolog(name, archive, info)
    except BaseException:
        archive.close()
        raise
    return archive


_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _check_prolog(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a part with a document type declaration (the carrier of entity tricks).

    Workbooks never need one. This check reads only the start of each part and
    gives a clear message; defusedxml, which openpyxl parses with, is what
    refuses a declaration placed further in.
    """
    try:
        with archive.open(info) as part:
            head = part.read(PROLOG_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise InputUnreadable(str(PART_DAMAGED(name=name, part=repr(info.filename),
                                               error=exc))) from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", "replace").encode("utf-8", "replace")
    if _DOCTYPE.search(head):
        raise _entities(name, info.filename)


def _entities(name: str, part: str | None) -> InputUnreadable:
    where = THE_PART(part=repr(part)) if part else A_PART()
    return InputUnreadable(str(ENTITIES(name=name, where=where)))


def _declaring_part(archive: zipfile.ZipFile) -> str | None:
    """The first part with a document type declaration anywhere in it (for the message)."""
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(info) as part:
                tail = b""
                while chunk := part.read(CHUNK):
                    if _DOCTYPE.search(tail + chunk):
                        return info.filename
                    tail = chunk[-16:]
        except Exception:  # only a message depends on it
            continue
    return None


class _BoundedPart:
    """A zip member that is only ever decompressed :data:`CHUNK` bytes at a time.

    ``ZipExtFile.read()`` without a size decompresses up to 1 GiB in one call
    before cutting the result to the size the zip directory declared, so a part
    whose header lies about its size could still take that much memory. Every
    read here is chunked.
    """

    def __init__(self, part: IO[bytes], count: PartCount | None = None) -> None:
        self._part = part
        self._count = count  # while the workbook loads: its elements, against the limits

    def read(self, n: int = -1) -> bytes:
        if n is not None and 0 <= n <= CHUNK:
            return self._counted(self._part.read(n))
        chunks = []
        left = -1 if n is None or n < 0 else n
        while left != 0:
            data = self._counted(self._part.read(CHUNK if left < 0 else min(CHUNK, left)))
            if not data:
                break
            chunks.append(data)
            if left > 0:
                left -= len(data)
        return b"".join(chunks)

    def _counted(self, data: bytes) -> bytes:
        if self._count is not None:
            self._count.feed(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._part, name)

    def __enter__(self) -> _BoundedPart:
        return self

    def __exit__(self, *exc: object) -> None:
        self._part.close()

    def __iter__(self) -> Iterator[bytes]:  # pragma: no cover - openpyxl does not iterate
        return iter(self._part)


class _BoundedZip(zipfile.ZipFile):
    """The zip that openpyxl reads through: every member comes as a :class:`_BoundedPart`,
    counted against ``budget`` while the workbook loads (:mod:`kpiscore.io.xlsx_budget`)."""

    budget: Budget | None = None

    def open(self, name: Any, mode: Any = "r", pwd: bytes | None = None, *,
             force_zip64: bool = False) -> Any:
        if mode != "r":
            return super().open(name, mode, pwd, force_zip64=force_zip64)
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        count = None if self.budget is None else self.budget.part(info.filename,
                                                                  info.file_size)
        part = super().open(info, mode, pwd, force_zip64=force_zip64)
        return _BoundedPart(part, count)

    def read(self, name: Any, pwd: bytes | None = None) -> bytes:
        with self.open(name, "r", pwd) as part:
            data: bytes = part.read()
            return data


def _defused() -> None:
    """openpyxl parses with defusedxml when it is installed and not switched off."""
    import openpyxl
    from openpyxl.xml import functions

    module = getattr(functions.iterparse, "__module__", "") or ""
    if openpyxl.DEFUSEDXML is not True or not module.startswith("defusedxml"):
        raise InputUnreadable(str(NO_DEFUSEDXML()))


@contextmanager
def _sheets_without_sizes() -> Iterator[None]:
    """openpyxl measures every read-only sheet when it loads a workbook, by parsing it
    to its end when it says no size: a whole parse per sheet that kpiscore never needs
    (it reads the sheet it scores, once)."""
    from openpyxl.reader import excel

    original = excel.ReadOnlyWorksheet

    class Sheet(original):  # type: ignore[misc, valid-type]
        def _get_size(self) -> None:
            pass

    excel.ReadOnlyWorksheet = Sheet
    try:
        yield
    finally:
        excel.ReadOnlyWorksheet = original


def _load(name: str, fh: IO[bytes], archive: _BoundedZip, limits: Limits) -> Any:
    """openpyxl's read-only workbook over our bounded zip (load_workbook, spelled out),
    every part it reads counted against the limits (:mod:`kpiscore.io.xlsx_budget`)."""
    from defusedxml import DefusedXmlException  # type: ignore[import-untyped]

    budget = Budget(name, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles, extensions…
            reader = _reader_class()(fh, read_only=True, data_only=True, keep_links=False)
            reader.archive.close()  # openpyxl's own ZipFile: read through the bounded one
            reader.archive = archive
            reader.valid_files = archive.namelist()
            archive.budget = budget
            try:
                with _sheets_without_sizes():
                    reader.read()
            finally:
                archive.budget = None
            return reader.wb
    except InputUnreadable:
        raise
    except DefusedXmlException:
        raise _entities(name, _declaring_part(archive)) from None
    except zipfile.BadZipFile as exc:
        raise InputUnreadable(str(HEADER_MISMATCH(name=name, error=exc))) from None
    except Exception as exc:  # openpyxl raises many types for a broken package
        cause = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
        if isinstance(cause, DefusedXmlException):
            raise _entities(name, _declaring_part(archive)) from None
        text = str(cause).split("\n")[0] or type(cause).__name__
        if "no valid workbook part" in text:
            raise InputUnreadable(str(NO_WORKBOOK_PART(name=name))) from None
        part = IN_PART(part=repr(budget.last)) if budget.last else ""
        raise InputUnreadable(str(CANNOT_OPEN(name=name, part=part, error=text))) from None


def _reader_class() -> Any:
    """openpyxl's workbook reader, without what kpiscore never uses: document properties,
    the theme, defined names, and what a chart sheet draws (only its name is kept)."""
    from openpyxl.chartsheet import Chartsheet
    from openpyxl.reader.excel import ExcelReader

    class Reader(ExcelReader):  # type: ignore[misc]
        def read_properties(self) -> None:
            pass

        def read_custom(self) -> None:
            pass

        def read_theme(self) -> None:
            pass

        def read_workbook(self) -> None:
            super().read_workbook()
            self.parser.assign_names = lambda: None

        def read_chartsheet(self, sheet: Any, rel: Any) -> None:
            self.wb._add_sheet(Chartsheet(parent=self.wb, title=sheet.name))

    return Reader


# -- workbooks: rows ------------------------------------------------------------------


def _styles(wb: Any) -> Styles:
    """What the workbook's cell styles mean for a value: percentages (read through
    :mod:`kpiscore.io.numfmt`, once per number format), dates and durations."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    percent: set[int] = set()
    signed: dict[int, tuple[Section, ...]] = {}
    custom = wb._number_formats
    read: dict[int, tuple[str, tuple[Section, ...]]] = {}
    for index, style in enumerate(wb._cell_styles):
        fid = style.numFmtId
        if fid not in read:
            try:
                fmt = BUILTIN_FORMATS.get(fid, "General") if fid < BUILTIN_FORMATS_MAX_SIZE \
                    else custom[fid - BUILTIN_FORMATS_MAX_SIZE]
            except (IndexError, TypeError):
                fmt = "General"
            code = str(fmt)
            read[fid] = (numfmt.kind(code), numfmt.sections(code))
        how, parts = read[fid]
        if how == "percent":
            percent.add(index)
        elif how == "signed":
            signed[index] = parts
    return Styles(frozenset(percent), frozenset(wb._date_formats),
                  frozenset(wb._timedelta_formats), wb.epoch, signed)


#: Read sheets by the fast path (kpiscore.io.sheet_fast); False reads every sheet with
#: openpyxl's own parser, the reference the fast path is tested against.
FAST = True


def _xlsx_rows(ws: Any, name: str, limits: Limits,
               skim: Skim | None = None) -> Generator[Row, None, None]:
    """Rows of a read-only worksheet: by the fast path (:mod:`kpiscore.io.sheet_fast`),
    which hands the rows it does not read to openpyxl's sheet parser, or by that parser
    alone when the fast path cannot read the sheet.

    Going below ``iter_rows`` lets us see a formula whose value was never
    saved (openpyxl's data-only mode reads it as an empty cell), skips
    building a cell object per value, and lets us drop each row's XML once it
    is read and count the cells of a row before they are all in memory.
    """
    from kpiscore.io.sheet_fast import FastRows, Refused, Unsupported, utf8

    wb = ws.parent
    where = f"{name}: sheet {ws.title!r}"
    styles = _styles(wb)
    done = 0  # rows the fast path has given (the rest come from openpyxl, if need be)
    if FAST:
        with ws._get_source() as raw:
            part = _BoundedPart(raw)
            head = part.read(CHUNK)
            rows = 0

            def check(number: int, cells: int) -> None:
                nonlocal rows
                rows += 1
                if rows > limits.rows:
                    raise too_long(where, limits)
                if cells > limits.columns:
                    raise too_wide(where, number, limits)

            def chunks() -> Iterator[bytes]:
                yield head
                while data := part.read(CHUNK):
                    yield data

            fast = FastRows(_parser(ws, limits, where, None).parse_row, ws._shared_strings,
                            styles, check, limits.columns * 512, skim)
            last = 0
            try:
                if utf8(head):
                    for row in fast.read(chunks()):
                        last = row.number
                        done += 1
                        yield row
                    return
            except (InputUnreadable, Unsupported) as exc:
                if isinstance(exc, InputUnreadable):
                    raise
            except Refused:
                raise _entities(name, ws._worksheet_path) from None
            except Exception as exc:  # a damaged or hostile sheet
                text = str(exc).split("\n")[0] or type(exc).__name__
                raise InputUnreadable(str(PAST_ROW(source=where, row=last,
                                                   error=text))) from None
    for k, row in enumerate(_openpyxl_rows(ws, name, limits, styles, where)):
        if k >= done:
            yield row


def _parser(ws: Any, limits: Limits, where: str, source: Any) -> Any:
    """openpyxl's sheet parser, reading cells as kpiscore does (see _openpyxl_rows)."""
    return _parser_class(limits, where)(source, ws._shared_strings, data_only=True,
                                        epoch=ws.parent.epoch,
                                        date_formats=ws.parent._date_formats,
                                        timedelta_formats=ws.parent._timedelta_formats)


def _parser_class(limits: Limits, where: str) -> Any:
    from openpyxl.utils import coordinate_to_tuple
    from openpyxl.worksheet._reader import (
        CELL_TAG,
        FORMULA_TAG,
        ROW_TAG,
        VALUE_TAG,
        WorkSheetParser,
        iterparse,
    )

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> Any:
            try:
                cell = super().parse_cell(element)
            except (ValueError, IndexError, KeyError, OverflowError, TypeError) as exc:
                return self.unreadable(element, exc)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = FormulaWithoutValue(element.findtext(FORMULA_TAG) or "")
            return cell

        def unreadable(self, element: Any, exc: Exception) -> Any:
            """A cell openpyxl cannot read: an error in its own cell, if we know where."""
            coordinate = element.get("r")
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)  # unplaceable: the sheet fails
            else:
                row, column = self.row_counter, getattr(self, "col_counter", 0) + 1
            self.col_counter = column
            text = element.findtext(VALUE_TAG) or ""
            return {"row": row, "column": column,
                    "value": unreadable(element.get("t"), text, exc),
                    "data_type": "e", "style_id": 0}

        def parse(self) -> Iterator[Any]:
            """Rows only; every finished element is dropped as soon as it is read."""
            stack: list[Any] = []
            in_row = 0  # depth of the open <row>, 0 outside one
            cells = elements = rows = 0
            for event, element in iterparse(self.source, events=("start", "end")):
                if event == "start":
                    stack.append(element)
                    if in_row:
                        elements += 1
                        if element.tag == CELL_TAG:
                            cells += 1
                        if cells > limits.columns or elements > limits.columns * 16:
                            raise too_wide(where, self.row_counter + 1, limits)
                    elif element.tag == ROW_TAG:
                        in_row = len(stack)
                        cells = elements = 0
                        rows += 1
                        if rows > limits.rows:
                            raise too_long(where, limits)
                    continue
                stack.pop()
                if in_row and len(stack) >= in_row:
                    continue  # inside a row: kept until the row is read
                if element.tag == ROW_TAG and in_row:
                    in_row = 0
                    yield self.parse_row(element)
                if stack:
                    del stack[-1][:]  # the finished element and anything before it

    return Parser


def _openpyxl_rows(ws: Any, name: str, limits: Limits, styles: Styles,
                   where: str) -> Iterator[Row]:
    """The rows of a sheet read by openpyxl's parser alone (through defusedxml)."""
    from defusedxml import DefusedXmlException

    with ws._get_source() as raw:
        parsed = _parser(ws, limits, where, _BoundedPart(raw)).parse()
        last = 0
        while True:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    item = next(parsed, None)
            except InputUnreadable:
                raise
            except DefusedXmlException:
                raise _entities(name, ws._worksheet_path) from None
            except Exception as exc:  # a damaged or hostile sheet, whatever openpyxl trips on
                text = str(exc).split("\n")[0] or type(exc).__name__
                raise InputUnreadable(str(PAST_ROW(source=where, row=last, error=text))) from None
            if item is None:
                return
            number, cells = item
            last = number
            if not cells:
                continue
            width = max(c["column"] for c in cells)
            if width > limits.columns:
                raise too_wide(where, number, limits)
            values: list[Any] = [None] * width
            percent = []
            for c in cells:
                i = c["column"] - 1
                values[i] = c["value"]
                if styles.scales_cell(c):
                    percent.append(i)
            yield Row(number, values, frozenset(percent))


_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=[\"']([A-Z]{1,3})(\d{1,7})"
                    rb"(?::([A-Z]{1,3})(\d{1,7}))?[\"']")


def _merged_ranges(archive: Any, part: str, row: int) -> list[tuple[int, int, int, int]]:
    """Merged ranges that touch ``row``, by scanning the sheet's XML (they follow the rows)."""
    found: set[tuple[int, int, int, int]] = set()
    try:
        with archive.open(part) as src:
            tail = b""
            while len(found) < 1000 and (chunk := src.read(CHUNK)):
                data = tail + chunk
                for m in _MERGE.finditer(data):
                    c1, r1 = column_index(m.group(1).decode()), int(m.group(2))
                    c2 = column_index(m.group(3).decode()) if m.group(3) else c1
                    r2 = int(m.group(4)) if m.group(4) else r1
                    if r1 <= row <= r2:
                        found.add((c1, r1, c2, r2))
                tail = data[-256:]
    except Exception:  # a hint is not worth failing for
        pass
    return sorted(found)


def _visible(ws: Any) -> bool:
    return getattr(ws, "sheet_state", "visible") == "visible"


def _table(name: str, wb: Any, sheet: str | None, limits: Limits) -> Table:
    """The sheet named, or the first visible worksheet with a header row (an empty
    sheet holds no one); the visible worksheets after it are the table's ``others``."""
    worksheets = [w for w in wb.worksheets if hasattr(w, "_get_source")]
    later: list[Any] = []
    seen: dict[str, str] = {}
    skim = Skim()
    for title in wb.sheetnames:  # Excel compares sheet names without case
        if title.casefold() in seen:
            raise InputUnreadable(str(TWO_SHEETS(name=name, first=repr(seen[title.casefold()]),
                                                 second=repr(title))))
        seen[title.casefold()] = title
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise InputUnreadable(str(NO_SHEET(name=name, sheet=repr(sheet),
                                               sheets=", ".join(wb.sheetnames) or NONE())))
        ws = wb[sheet]
        if not hasattr(ws, "_get_source"):
            raise InputUnreadable(str(A_CHART(name=name, sheet=repr(sheet))))
        header, rows = first_header(_xlsx_rows(ws, name, limits, skim))
    else:
        if not worksheets:
            raise InputUnreadable(str(NO_WORKSHEETS(name=name)))
        visible = [w for w in worksheets if _visible(w)]
        if not visible:
            raise InputUnreadable(str(ALL_HIDDEN(name=name,
                                                 sheets=", ".join(w.title for w in worksheets))))
        for k, ws in enumerate(visible):
            header, rows = first_header(_xlsx_rows(ws, name, limits, skim))
            if header is not None:
                later = visible[k + 1:]
                break
        else:
            ws = visible[0]
    if header is None:
        hidden = [w.title for w in worksheets if w is not ws and not _visible(w)]
        also = HIDDEN(sheets=", ".join(hidden)) if hidden else ""
        raise InputUnreadable(str(EMPTY_SHEET(name=name, sheet=repr(ws.title), also=also)))
    number = header.number
    archive, part = wb._archive, ws._worksheet_path
    return Table(ws.title, header.values, number, rows,
                 merged=lambda row: _merged_ranges(archive, part, row),
                 others=lambda count: _first_rows(later, name, limits, count),
                 source=os.path.basename(name), path=name, kind="xlsx", skimming=skim)


def _first_rows(sheets: list[Any], name: str, limits: Limits,
                count: int) -> list[tuple[str, list[list[Any]]]]:
    """Each sheet's title and its first ``count`` non-blank rows; a sheet that is empty
    or cannot be read has none."""
    out = []
    for ws in sheets:
        rows = _xlsx_rows(ws, name, limits)
        found: list[list[Any]] = []
        try:
            for row in rows:
                if any(not is_blank(v) for v in row.values):
                    found.append(row.values)
                    if len(found) >= count:
                        break
        except InputUnreadable:
            pass
        finally:
            rows.close()
        if found:
            out.append((ws.title, found))
    return out
