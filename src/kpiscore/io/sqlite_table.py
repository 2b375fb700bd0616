"""A table or view of a SQLite database (.sqlite, .sqlite3, .db) as actuals.

Read with the standard library's :mod:`sqlite3`, imported only when a database
is opened. The database is opened read-only (``mode=ro``, ``query_only``,
``trusted_schema=OFF``) and never written; like every input it may be broken
or hostile (docs/security.md), so its header is checked before SQLite sees it,
its size against the limits, its rows are streamed a batch at a time (never all
at once), a query that computes for long without returning rows is stopped,
and every SQLite error comes out as one
:class:`~kpiscore.base.errors.InputUnreadable` line naming the file.
"""

from __future__ import annotations

import difflib
import os
import pathlib
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kpiscore.base.errors import InputUnreadable, os_reason
from kpiscore.base.i18n import Phrase
from kpiscore.base.limits import Limits
from kpiscore.io.cells import UnreadableCell
from kpiscore.io.csv_table import CSV_CHARS_PER_COLUMN
from kpiscore.io.table import READ_ERRORS, Row, Table, TableOptions, check_size, too_long

if TYPE_CHECKING:
    import sqlite3

    from kpiscore.base.i18n import Text

#: The first 16 bytes of every SQLite 3 database file.
MAGIC = b"SQLite format 3\x00"
#: Rows fetched from SQLite at a time (memory stays bounded by this many rows).
BATCH = 256
#: SQLite virtual-machine steps a query may take to return one batch of rows (about a
#: second of work): a view that computes without end is stopped, not waited for.
STEP_BUDGET = 100_000_000
#: How often (in steps) SQLite calls back to check the budget.
_STEP_CHECK = 10_000
#: How long to wait for another program's lock on the database, in seconds.
BUSY_SECONDS = 1.0
#: The names SQLite knows a table's rowid by; a column may take one of them.
_ROWID_NAMES = ("_rowid_", "rowid", "oid")

KIND = {"table": Phrase("table", "表"), "view": Phrase("view", "视图")}
TOO_WIDE = Phrase("{path}: {kind} {name} has {count} columns, more than {limit}, over the limit "
                  "({advice})",
                  "{path}:{kind} {name} 有 {count} 列,多于 {limit},超出上限({advice})")
CANNOT_READ = Phrase("{path}: cannot read: {reason}", "{path}:无法读取:{reason}")
IS_EMPTY = Phrase("it is empty", "它是空的")
IS_ZIP = Phrase("it is a zip file: an .xlsx workbook with the wrong suffix?",
                "它是 zip 文件:是后缀错了的 .xlsx 工作簿吗?")
IS_OLE = Phrase("it is an OLE file: an old .xls workbook with the wrong suffix?",
                "它是 OLE 文件:是后缀错了的旧 .xls 工作簿吗?")
NO_HEADER = Phrase("it does not start with SQLite's header; an encrypted database (SQLCipher) "
                   "does not either", "它不以 SQLite 的文件头开始;加密的数据库(SQLCipher)也不会")
NOT_SQLITE = Phrase("{path}: not a SQLite database ({what})", "{path}:不是 SQLite 数据库({what})")
NONE = Phrase("none", "无")
TABLES = Phrase("tables: {names}", "表:{names}")
VIEWS = Phrase("views: {names}", "视图:{names}")
SEMICOLON = Phrase("; ", ";")
NO_TABLES = Phrase("{path}: the database has no tables", "{path}:数据库中没有表")
SEVERAL = Phrase("{path}: the database has {count} tables; name the one to read with the table "
                 "option (--sheet on the command line): {listing}",
                 "{path}:数据库中有 {count} 张表;请用 table 选项(命令行中为 --sheet)"
                 "指定要读的那张:{listing}")
MEAN = Phrase("; did you mean {name}?", ";是不是 {name}?")
NO_SUCH = Phrase("{path}: no table or view named {name}{hint} ({listing})",
                 "{path}:没有名为 {name} 的表或视图{hint}({listing})")
PAST_ROW = Phrase("{path}: cannot read past row {row}: {error}",
                  "{path}:第 {row} 行之后无法读取:{error}")
MALFORMED = Phrase("{error} (a damaged database: copy it again, or repair it with sqlite3's "
                   ".recover)", "{error}(数据库已损坏:请重新复制,或用 sqlite3 的 .recover 修复)")
NOT_UTF8 = Phrase("{error}: the database holds text that is not valid UTF-8",
                  "{error}:数据库中有无效的 UTF-8 文本")
ENDLESS = Phrase("the query ran {steps} SQLite steps without returning rows (a view that "
                 "computes without end?)",
                 "查询运行了 {steps} 个 SQLite 步骤仍未返回任何行(是一个无休止计算的视图吗?)")
VALUE_TOO_BIG = Phrase("a value or a row is larger than {size} bytes, the most kpiscore reads "
                       "in one row ({error}; it grows with the column limit: {advice})",
                       "某个值或某一行大于 {size} 字节,即 kpiscore 一行最多读取的量"
                       "({error};它随列数上限增大:{advice})")
LOCKED = Phrase("{path}: the database is locked (another program is writing to it); try again "
                "when it has finished", "{path}:数据库已锁定(另一个程序正在写入);请等它完成后再试")
READONLY = Phrase("{path}: cannot read the database without writing beside it ({error}): a "
                  "WAL-mode database needs its -shm file even to be read; copy it to a folder "
                  "you can write to, or convert it with: sqlite3 FILE 'PRAGMA "
                  "journal_mode=DELETE'",
                  "{path}:不在旁边写文件就无法读取数据库({error}):WAL 模式的数据库即使只读也需要"
                  "它的 -shm 文件;请复制到可写的文件夹,或用此命令转换:sqlite3 FILE "
                  "'PRAGMA journal_mode=DELETE'")
DAMAGED = Phrase("{path}: a damaged SQLite database ({error}); copy it again, or repair it with "
                 "sqlite3's .recover",
                 "{path}:SQLite 数据库已损坏({error});请重新复制,或用 sqlite3 的 .recover 修复")
COLUMNS = Phrase("{path}: more columns than SQLite reads in one row ({error})",
                 "{path}:列数超过 SQLite 一行能读取的数量({error})")
CANNOT_READ_DB = Phrase("{path}: cannot read the SQLite database: {error}",
                        "{path}:无法读取 SQLite 数据库:{error}")
BLOB = Phrase("a binary value (BLOB) where a number or text belongs",
              "此处应为数字或文字,却是二进制值(BLOB)")


def quote_identifier(name: str) -> str:
    """``name`` as an SQL identifier: in double quotes, a double quote doubled."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(eq=False)
class SqliteTable(Table):
    """A table or view; ``name`` is its name, ``header_row`` 0 (the column names are
    not a row). Locations name the table, the row and the column: see :meth:`where`."""

    #: whether ``Row.number`` is the rowid (else a 1-based count in the table's order)
    has_rowid: bool = field(default=True, kw_only=True)

    def where(self, col: int, row: int | None = None) -> str:
        """``2024_06.客户满意度`` (the column), ``2024_06[rowid=3].客户满意度`` (a cell);
        ``2024_06[row=3].客户满意度`` in a view or a table WITHOUT ROWID (the 3rd row)."""
        column = str(self.header[col]) if 0 <= col < len(self.header) else f"column {col + 1}"
        if row is None:
            return f"{self.name}.{column}"
        return f"{self.name}[{'rowid' if self.has_rowid else 'row'}={row}].{column}"

    def header_notes(self) -> list[tuple[int, Text]]:
        """None: the header is the table's column names, not a row someone typed."""
        return []


@contextmanager
def open_sqlite(path: str, options: TableOptions) -> Iterator[Table]:
    """SQLite databases: ``.sqlite``, ``.sqlite3``, ``.db``; one table or view is read.

    Options: ``table``, the table or view to read (``sheet`` is taken when
    ``table`` is not given, so ``--sheet`` names it on the command line); without
    either, the database's only table. ``encoding`` does not apply.

    The header is the column names; the rows are the table's rows in rowid order
    (in their natural order for a view or a table WITHOUT ROWID), and
    ``Row.number`` is the rowid (a 1-based count without one). Values are as
    SQLite holds them: int, float, str or None; a BLOB reads as an
    :class:`~kpiscore.io.cells.UnreadableCell`.

    Locations: ``<table>.<column>`` for a column, ``<table>[rowid=<n>].<column>``
    for a cell (``<table>[row=<n>].<column>`` without a rowid), e.g.
    ``2024_06[rowid=3].客户满意度``.
    """
    import sqlite3

    limits = options.limits
    check_size(path, limits)
    _check_magic(path)
    try:
        conn = _connect(path, limits)
    except sqlite3.Error as exc:
        raise _refusal(path, exc, limits) from None
    try:
        try:
            kinds = _tables(conn)
            name = _choose(path, kinds, options.table if options.table is not None
                           else options.sheet)
            rowid = _rowid(conn, name, kinds[name])
            budget = _Budget()
            conn.set_progress_handler(budget, _STEP_CHECK)
            order = f" ORDER BY {rowid}" if rowid else ""
            try:
                cursor = conn.execute(f"SELECT *{f', {rowid}' if rowid else ''} "
                                      f"FROM {quote_identifier(name)}{order}")
            except sqlite3.OperationalError as exc:
                if not rowid or "too many columns" not in str(exc):
                    raise
                # as many columns as SQLite returns: rowid order, but rows are counted
                cursor = conn.execute(f"SELECT * FROM {quote_identifier(name)}{order}")
                rowid = None
            header = [d[0] for d in cursor.description or ()]
        except sqlite3.Error as exc:
            raise _refusal(path, exc, limits) from None
        if rowid:
            header.pop()
        if len(header) > limits.columns:
            cursor.close()
            raise InputUnreadable(str(TOO_WIDE(path=path, kind=KIND[kinds[name]],
                                               name=repr(name), count=len(header),
                                               limit=limits.columns,
                                               advice=limits.advice("columns"))))
        rows = _rows(cursor, budget, path, f"{path}: {KIND[kinds[name]]()} {name!r}",
                     bool(rowid), limits)
        try:
            yield SqliteTable(name, header, 0, rows, source=os.path.basename(path),
                              kind="sqlite", has_rowid=rowid is not None,
                              read_errors=(*READ_ERRORS, sqlite3.Error), header_fixed=True)
        finally:
            rows.close()
    finally:
        conn.close()


def _check_magic(path: str) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(MAGIC))
    except OSError as exc:
        raise InputUnreadable(str(CANNOT_READ(path=path, reason=os_reason(exc)))) from None
    if head == MAGIC:
        return
    if not head:
        what = IS_EMPTY
    elif head.startswith(b"PK\x03\x04"):
        what = IS_ZIP
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        what = IS_OLE
    else:
        what = NO_HEADER
    raise InputUnreadable(str(NOT_SQLITE(path=path, what=what)))


def _connect(path: str, limits: Limits) -> sqlite3.Connection:
    import sqlite3

    uri = pathlib.Path(os.path.abspath(path)).as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS, isolation_level=None,
                           check_same_thread=False)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA trusted_schema = OFF")  # views may not call unsafe functions
        setlimit = getattr(conn, "setlimit", None)  # Python 3.11 on
        if setlimit is not None:
            setlimit(getattr(sqlite3, "SQLITE_LIMIT_LENGTH"), row_bytes(limits))  # noqa: B009
            setlimit(getattr(sqlite3, "SQLITE_LIMIT_ATTACHED"), 0)  # noqa: B009
    except BaseException:
        conn.close()
        raise
    return conn


def row_bytes(limits: Limits) -> int:
    """The most one row (or one value) may hold, in bytes: what a CSV line may hold
    (:data:`~kpiscore.io.csv_table.CSV_CHARS_PER_COLUMN` characters a column, up to
    4 bytes each). Applied with ``Connection.setlimit`` (Python 3.11 on)."""
    return min(limits.columns * CSV_CHARS_PER_COLUMN * 4, 1_000_000_000)


def _tables(conn: sqlite3.Connection) -> dict[str, str]:
    """Every table and view a person made, in the order they were made: name → kind."""
    found = conn.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') "
                         "ORDER BY rowid").fetchall()
    return {str(n): str(t) for n, t in found
            if isinstance(n, str) and not n.lower().startswith("sqlite_")}


def _listing(kinds: dict[str, str]) -> str:
    tables = [n for n, k in kinds.items() if k == "table"]
    views = [n for n, k in kinds.items() if k == "view"]
    parts = [str(TABLES(names=", ".join(tables) or NONE()))]
    if views:
        parts.append(str(VIEWS(names=", ".join(views))))
    return str(SEMICOLON()).join(parts)


def _choose(path: str, kinds: dict[str, str], wanted: str | None) -> str:
    if wanted is None:
        tables = [n for n, k in kinds.items() if k == "table"]
        if len(tables) == 1:
            return tables[0]
        if not kinds:
            raise InputUnreadable(str(NO_TABLES(path=path)))
        raise InputUnreadable(str(SEVERAL(path=path, count=len(tables), listing=_listing(kinds))))
    if wanted in kinds:
        return wanted
    folded = [n for n in kinds if n.casefold() == wanted.casefold()]  # SQL names ignore case
    if len(folded) == 1:
        return folded[0]
    close = difflib.get_close_matches(wanted, list(kinds), n=1, cutoff=0.6)
    hint = MEAN(name=repr(close[0])) if close else ""
    raise InputUnreadable(str(NO_SUCH(path=path, name=repr(wanted), hint=hint,
                                      listing=_listing(kinds))))


def _rowid(conn: sqlite3.Connection, name: str, kind: str) -> str | None:
    """A name to select ``name``'s rowid by that no column has; None without a rowid."""
    import sqlite3

    if kind != "table":
        return None
    columns = {str(r[1]).lower() for r in conn.execute(
        f"PRAGMA table_xinfo({quote_identifier(name)})")}
    for alias in _ROWID_NAMES:
        if alias in columns:
            continue
        try:
            conn.execute(f"SELECT {alias} FROM {quote_identifier(name)} LIMIT 0").close()
        except sqlite3.OperationalError:  # WITHOUT ROWID (or a virtual table without one)
            return None
        return alias
    return None  # every alias is a column's name: the table's own order


class _Budget:
    """SQLite's progress handler: stops a query that runs :data:`STEP_BUDGET` steps
    without the budget being renewed (once per batch of rows)."""

    def __init__(self) -> None:
        self.calls = 0
        self.limit = STEP_BUDGET // _STEP_CHECK
        self.spent = False

    def renew(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        if self.calls > self.limit:
            self.spent = True
            return 1
        return 0


def _rows(cursor: sqlite3.Cursor, budget: _Budget, path: str, where: str, rowid: bool,
          limits: Limits) -> Generator[Row, None, None]:
    import sqlite3

    count = 0
    last = 0
    fetch: Callable[[int], list[Any]] = cursor.fetchmany
    try:
        while True:
            budget.renew()
            try:
                batch = fetch(BATCH)
            except sqlite3.Error as exc:
                raise InputUnreadable(str(PAST_ROW(path=path, row=last,
                                                   error=_reason(exc, budget, limits)))) from None
            if not batch:
                return
            for record in batch:
                count += 1
                if count > limits.rows:
                    raise too_long(where, limits)
                values = list(record)
                number = values.pop() if rowid else count
                if bytes in map(type, values):
                    values = [UnreadableCell(BLOB()) if type(v) is bytes else v for v in values]
                last = number
                yield Row(number, values)
    finally:
        cursor.close()


def _reason(exc: Exception, budget: _Budget, limits: Limits) -> str:
    text = str(exc).split("\n")[0] or type(exc).__name__
    if budget.spent:
        return _endless()
    if "malformed" in text:
        return str(MALFORMED(error=text))
    if text.startswith("Could not decode to UTF-8"):
        return str(NOT_UTF8(error=text[:120]))
    if "too big" in text:
        return _too_big(text, limits)
    return text


def _endless() -> str:
    return str(ENDLESS(steps=STEP_BUDGET))


def _too_big(text: str, limits: Limits) -> str:
    return str(VALUE_TOO_BIG(size=row_bytes(limits), error=text, advice=limits.advice("columns")))


def _refusal(path: str, exc: Exception, limits: Limits) -> InputUnreadable:
    """One line for an error opening the database or starting to read it."""
    text = str(exc).split("\n")[0] or type(exc).__name__
    code = getattr(exc, "sqlite_errorname", "") or ""
    if "too big" in text:
        return InputUnreadable(f"{path}: {_too_big(text, limits)}")
    if "locked" in text or code.startswith("SQLITE_BUSY"):
        return InputUnreadable(str(LOCKED(path=path)))
    if code.startswith("SQLITE_READONLY") or "readonly" in text:
        return InputUnreadable(str(READONLY(path=path, error=text)))
    if "malformed" in text or "not a database" in text or code in (
            "SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return InputUnreadable(str(DAMAGED(path=path, error=text)))
    if "too many columns" in text:
        return InputUnreadable(str(COLUMNS(path=path, error=text)))
    if "interrupted" in text:
        return InputUnreadable(f"{path}: {_endless()}")
    return InputUnreadable(str(CANNOT_READ_DB(path=path, error=text)))
