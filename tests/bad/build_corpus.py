"""Build the bad-input corpus: every file under ``tests/bad/schemes`` and ``tests/bad/actuals``.

Run from anywhere::

    python tests/bad/build_corpus.py           # (re)write the files
    python tests/bad/build_corpus.py --check   # exit 1 if a committed file is stale

Each file is one hostile or broken input; what kpiscore must answer to it
(exit code and the exact standard error) is written beside it in
``cases/*.yaml``. The files are generated rather than edited by hand because
many are binary (workbooks, zip bombs, OLE containers) or hold bytes an
editor would "fix" (tabs, GBK, NUL, byte-order marks).

The output is deterministic: fixed content, fixed zip timestamps, ordinary
workbooks stored without compression. Only the bombs are deflated, so their
bytes depend on the zlib build; ``--check`` compares zips by their
directory and contents rather than byte for byte.

Inputs too large to commit (the 50 MB scheme, a part that inflates to
hundreds of megabytes behind a lying header) are made by the tests into a
temporary folder with the functions at the end of this file.
"""

from __future__ import annotations

import argparse
import codecs
import io
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from kpiscore.io.table import column_letter

HERE = Path(__file__).resolve().parent
ZIP_TIME = (2024, 1, 1, 9, 0, 0)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

#: name → content of every generated file, relative to this folder
FILES: dict[str, bytes] = {}


def add(name: str, data: bytes | str) -> None:
    assert name not in FILES, name
    FILES[name] = data.encode("utf-8") if isinstance(data, str) else data


# -- schemes ----------------------------------------------------------------------------

#: The scheme the actuals cases are scored with: one numeric indicator (得分),
#: one level indicator (行为等级) and grades; ids in 工号, names in 姓名.
PROBE = """\
id: bad-input-probe
title: 坏输入探针
grades:
  - {name: 合格, min: 60}
  - {name: 不合格}
indicators:
  - id: score
    title: 得分
    target: 90
    weight: 80
    rule: ratio
  - id: behaviour
    title: 行为等级
    weight: 20
    rule:
      kind: levels
      levels:
        - {level: 1, points: 10}
        - {level: 2, points: 15}
        - {level: 3, points: 20}
        - {level: 4, points: 30}
        - {level: 5, points: 40}
"""

#: Division by zero: a computed actual over a zero column, and a lower-is-better
#: ratio (target / actual) with an actual of 0, which DOMAIN §5 gives full marks.
FORMULA = """\
id: bad-input-formula
title: 公式探针
inputs:
  - {id: solved, title: 解决数}
  - {id: questions, title: 问题总数}
indicators:
  - id: resolution
    title: 问题解决率
    unit: "%"
    formula: solved / questions * 100
    target: 90
    weight: 50
    rule: ratio
  - id: complaints
    title: 投诉次数
    better: lower
    target: 2
    weight: 50
    rule: ratio
"""

GOOD_INDICATOR = """\
indicators:
  - id: score
    title: 得分
    target: 90
    weight: 100
    rule: ratio
"""


def schemes() -> None:
    add("probe.yaml", PROBE)
    add("formula.yaml", FORMULA)
    s = "schemes/"
    add(s + "syntax-unclosed.yaml", "id: broken\ntitle: [未闭合\n" + GOOD_INDICATOR)
    add(s + "syntax-indent.yaml", "id: broken\ntitle: 缩进\n  extra: 1\n" + GOOD_INDICATOR)
    add(s + "tab-indent.yaml", "id: tabs\ntitle: 制表符\nindicators:\n\t- id: score\n")
    add(s + "duplicate-keys.yaml", """\
id: dup
title: 每一层都有重复的键
id: dup-again
grades:
  - {name: 合格, min: 60, min: 70}
  - {name: 不合格}
indicators:
  - id: score
    title: 得分
    title: 又一个得分
    target: 90
    weight: 100
    rule:
      kind: bands
      kind: bands
      bands:
        - {at_least: 90, points: 100}
        - at_least: 60
          points: 60
          points: 70
        - {points: 0}
""")
    laughs = ["id: lol", "title: billion laughs", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol",'
              ' "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        laughs.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    add(s + "billion-laughs.yaml", "\n".join(laughs) + "\n")
    add(s + "alias-flood.yaml", "id: aliases\ntitle: &t 别名\nnotes: ["
        + ", ".join(["*t"] * 150) + "]\n")
    add(s + "deep-flow.yaml", "id: deep\ntitle: 深\nx: " + "[" * 30_000 + "]" * 30_000 + "\n")
    add(s + "deep-block.yaml", "id: deep\ntitle: 深\n"
        + "".join(f"{'  ' * i}k{i}:\n" for i in range(100)) + "  " * 100 + "v: 1\n")
    add(s + "wrong-types.yaml", """\
id: wrong-types
title: 类型错误
precision: two
indicators:
  - id: score
    title: 得分
    target: [90, 95]
    weight: heavy
    rule: ratio
  - id: other
    title: 其他
    target: 90
    weight: 50
    better: sideways
    rule: ratio
""")
    add(s + "python-tags.yaml", """\
id: !!python/object/apply:os.system ["echo pwned"]
title: !!python/name:os.system
indicators: !!set {a, b}
""")
    add(s + "gbk.yaml", ("id: gbk\ntitle: 技术支持经理\n" + GOOD_INDICATOR).encode("gbk"))
    add(s + "utf16.yaml", codecs.BOM_UTF16_LE + ("id: u16\ntitle: 十六位\n"
                                                + GOOD_INDICATOR).encode("utf-16-le"))
    add(s + "nul-byte.yaml", "id: nul\ntitle: 空字节\x00\n" + GOOD_INDICATOR)
    add(s + "empty.yaml", "")
    add(s + "comments-only.yaml", "# 只有注释\n# nothing else\n")
    add(s + "top-level-list.yaml", "- id: a\n  title: 列表\n- id: b\n")
    add(s + "list-for-mapping.yaml", """\
id: shapes
title: 形状错误
pay: [total, base_pay]
indicators:
  - id: score
    title: 得分
    target: 90
    weight: 100
    rule: [ratio]
""")
    add(s + "mapping-for-list.yaml", """\
id: shapes
title: 形状错误
indicators:
  id: score
  title: 得分
""")
    add(s + "two-documents.yaml", "id: one\ntitle: 一\n---\nid: two\ntitle: 二\n")
    add(s + "undefined-alias.yaml", "id: alias\ntitle: *nowhere\n")
    add(s + "recursive-alias.yaml", "id: loop\ntitle: 循环\nx: &loop [1, *loop]\n")
    add(s + "merge-key.yaml", """\
id: merge
title: 合并键
base: &base {target: 90, weight: 100, rule: ratio}
indicators:
  - <<: *base
    id: score
""")
    add(s + "zero-target.yaml", """\
id: zero-target
title: 目标为零
indicators:
  - {id: meetings, title: 会议次数, target: 0, weight: 50, rule: threshold}
  - {id: sales, title: 销售额, target: 0, weight: 50, rule: ratio}
""")
    add(s + "bom.yaml", codecs.BOM_UTF8 + ("id: bom\ntitle: 字节顺序标记\n"
                                           + GOOD_INDICATOR).encode("utf-8"))


# -- workbooks ----------------------------------------------------------------------------

Cell = Any  # str (shared string), int/float, None, or a tuple (kind, ...) for the others


class Strings:
    def __init__(self) -> None:
        self.items: list[str] = []

    def index(self, text: str) -> int:
        if text not in self.items:
            self.items.append(text)
        return self.items.index(text)

    def xml(self) -> str:
        body = "".join(f"<si><t xml:space=\"preserve\">{escape(t)}</t></si>" for t in self.items)
        return (f'{XML_DECL}<sst xmlns="{MAIN_NS}" count="{len(self.items)}" '
                f'uniqueCount="{len(self.items)}">{body}</sst>')


def cell_xml(ref: str, value: Cell, strings: Strings) -> str:
    """``value``: a str is a shared string; numbers are numbers; tuples:

    ``("f", formula, cached)`` a formula (cached None: never calculated),
    ``("e", "#N/A")`` an error cell, ``("b", True)`` a boolean, ``("d", serial)`` a
    date-formatted number, ``("pct", 0.95)`` a percent-formatted number,
    ``("n", "text")`` a number cell holding the text as written, ``("raw", xml)``.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return f'<c r="{ref}" t="s"><v>{strings.index(value)}</v></c>'
    if isinstance(value, bool):
        raise TypeError("write booleans as ('b', value)")
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    kind = value[0]
    if kind == "f":
        cached = "" if value[2] is None else f"<v>{value[2]}</v>"
        return f'<c r="{ref}"><f>{escape(value[1])}</f>{cached}</c>'
    if kind == "e":
        return f'<c r="{ref}" t="e"><v>{escape(value[1])}</v></c>'
    if kind == "b":
        return f'<c r="{ref}" t="b"><v>{int(value[1])}</v></c>'
    if kind == "d":
        return f'<c r="{ref}" s="2"><v>{value[1]}</v></c>'
    if kind == "pct":
        return f'<c r="{ref}" s="1"><v>{value[1]!r}</v></c>'
    if kind == "n":
        return f'<c r="{ref}"><v>{value[1]}</v></c>'
    if kind == "raw":
        return str(value[1]).replace("{ref}", ref)
    raise ValueError(kind)


def sheet_xml(rows: Iterable[tuple[int, list[Cell]]], strings: Strings,
              merges: Iterable[str] = (), prolog: str = XML_DECL) -> str:
    body = []
    for number, cells in rows:
        xml = "".join(cell_xml(f"{column_letter(i)}{number}", v, strings)
                      for i, v in enumerate(cells))
        body.append(f'<row r="{number}">{xml}</row>')
    merged = list(merges)
    tail = ""
    if merged:
        tail = f'<mergeCells count="{len(merged)}">' + "".join(
            f'<mergeCell ref="{m}"/>' for m in merged) + "</mergeCells>"
    return f'{prolog}<worksheet xmlns="{MAIN_NS}"><sheetData>{"".join(body)}</sheetData>{tail}' \
           "</worksheet>"


#: three cell styles: 0 General, 1 a percentage (9: 0%), 2 a date (14: m/d/yyyy)
STYLES = (f'{XML_DECL}<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/>'
          '</font></fonts><fills count="1"><fill><patternFill/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
          '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
          'borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" '
          'fillId="0" borderId="0" xfId="0"/><xf numFmtId="9" fontId="0" fillId="0" '
          'borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="14" fontId="0" '
          'fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>')


def rows_of(table: list[list[Cell]], first: int = 1) -> list[tuple[int, list[Cell]]]:
    return [(first + k, r) for k, r in enumerate(table)]


def package(sheets: list[tuple[str, str, str]], strings: Strings | None = None, *,
            workbook_prolog: str = XML_DECL, extra: dict[str, bytes] | None = None,
            strings_xml: str | None = None) -> dict[str, bytes]:
    """The parts of a workbook: ``sheets`` are (name, state, sheet XML)."""
    overrides = ['<Override PartName="/xl/workbook.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
                 '<Override PartName="/xl/styles.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>',
                 '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>']
    rels = [f'<Relationship Id="rIdStyles" Type="{REL_NS}/styles" Target="styles.xml"/>',
            f'<Relationship Id="rIdStrings" Type="{REL_NS}/sharedStrings" '
            'Target="sharedStrings.xml"/>']
    entries = []
    parts: dict[str, bytes] = {}
    for k, (name, state, xml) in enumerate(sheets, start=1):
        overrides.append(f'<Override PartName="/xl/worksheets/sheet{k}.xml" '
                         f'ContentType="{SHEET_CT}"/>')
        rels.append(f'<Relationship Id="rId{k}" Type="{REL_NS}/worksheet" '
                    f'Target="worksheets/sheet{k}.xml"/>')
        entries.append(f'<sheet name="{escape(name)}" sheetId="{k}" state="{state}" '
                       f'r:id="rId{k}"/>')
        parts[f"xl/worksheets/sheet{k}.xml"] = xml.encode("utf-8")
    content_types = (f'{XML_DECL}<Types xmlns="{CT_NS}"><Default Extension="rels" '
                     'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     '<Default Extension="xml" ContentType="application/xml"/>'
                     + "".join(overrides) + "</Types>")
    out = {
        "[Content_Types].xml": content_types.encode(),
        "_rels/.rels": (f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}"><Relationship '
                        f'Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
                        "</Relationships>").encode(),
        "xl/workbook.xml": (f'{workbook_prolog}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
                            f'<sheets>{"".join(entries)}</sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}">'
                                       + "".join(rels) + "</Relationships>").encode(),
        "xl/styles.xml": STYLES.encode(),
        "xl/sharedStrings.xml": (strings_xml if strings_xml is not None
                                 else (strings or Strings()).xml()).encode("utf-8"),
    }
    out.update(parts)
    out.update(extra or {})
    return out


def zip_bytes(parts: dict[str, bytes], *, deflate: Iterable[str] = ()) -> bytes:
    """A zip of ``parts``: stored (byte-for-byte reproducible) unless named in ``deflate``."""
    squeeze = set(deflate)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED if name in squeeze else zipfile.ZIP_STORED
            z.writestr(info, data, compresslevel=9 if name in squeeze else None)
    return buf.getvalue()


def workbook(table: list[list[Cell]], *, sheet: str = "数据", merges: Iterable[str] = (),
             first_row: int = 1) -> bytes:
    strings = Strings()
    xml = sheet_xml(rows_of(table, first_row), strings, merges)
    return zip_bytes(package([(sheet, "visible", xml)], strings))


HEADER = ["工号", "姓名", "得分", "行为等级"]


def good(rows: list[list[Cell]]) -> list[list[Cell]]:
    return [HEADER, *rows]


def ole(names: list[str]) -> bytes:
    """A minimal OLE compound file (the pre-2007 container) holding empty streams ``names``.

    Enough for a reader to see what it is: an encrypted .xlsx is such a file with
    EncryptionInfo and EncryptedPackage streams, an old .xls one with a Workbook.
    """
    sector = 512
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 76, 0)  # the FAT is sector 0
    for k in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * k, free)
    fat = bytearray(struct.pack("<II", fat_sector, end) + struct.pack("<I", free) * 126)
    directory = bytearray()
    entries = [("Root Entry", 5)] + [(n, 2) for n in names]
    for k, (name, kind) in enumerate(entries):
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\0\0"
        entry[0:len(raw)] = raw
        struct.pack_into("<HBB", entry, 64, len(raw), kind, 1)
        left = free
        right = k + 1 if 0 < k < len(entries) - 1 else free
        child = 1 if k == 0 and len(entries) > 1 else free
        struct.pack_into("<III", entry, 68, left, right, child)
        struct.pack_into("<IQ", entry, 116, end, 0)
        directory += entry
    directory += b"\0" * (sector - len(directory))
    return bytes(header + fat + directory)


def deflate_raw(data_parts: Iterable[bytes]) -> tuple[bytes, int, int]:
    """A raw deflate stream of the concatenated parts: (stream, size, crc)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, size, crc = [], 0, 0
    for part in data_parts:
        out.append(comp.compress(part))
        size += len(part)
        crc = zlib.crc32(part, crc)
    out.append(comp.flush())
    return b"".join(out), size, crc


def crafted_zip(members: list[tuple[str, bytes, int, int, int]],
                overlap: int = 0) -> bytes:
    """A zip written by hand: each member (name, raw deflate data, declared size, crc,
    method); ``overlap`` extra directory entries all point at the first member's data."""
    out = io.BytesIO()
    central = []
    dos_time, dos_date = 0x4800, 0x5821  # 2024-01-01 09:00
    for name, data, size, crc, method in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, method, dos_time, dos_date,
                              crc, len(data), size, len(encoded), 0))
        out.write(encoded)
        out.write(data)
        central.append((encoded, offset, len(data), size, crc, method))
    first = central[0]
    for k in range(overlap):
        central.append((f"xl/media/copy{k}.bin".encode(),) + first[1:])
    start = out.tell()
    for encoded, offset, csize, size, crc, method in central:
        out.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 0x0314, 20, 0, method, dos_time,
                              dos_date, crc, csize, size, len(encoded), 0, 0, 0, 0,
                              0o644 << 16, offset))
        out.write(encoded)
    end = out.tell()
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(central), len(central),
                          end - start, start, 0))
    return out.getvalue()


def stored_members(parts: dict[str, bytes]) -> list[tuple[str, bytes, int, int, int]]:
    return [(n, d, len(d), zlib.crc32(d), 0) for n, d in parts.items()]


def spaces_sheet(size: int) -> Iterable[bytes]:
    """Sheet XML of ``size`` bytes or more, nearly all white space (compresses ~1000:1)."""
    yield f'{XML_DECL}<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    block = b" " * (1 << 20)
    for _ in range(size // len(block) + 1):
        yield block
    yield b"</sheetData></worksheet>"


def actuals() -> None:
    a = "actuals/"
    ok_rows = [["E001", "张伟", 95, "4级"], ["E002", "李娜", 81, 3]]
    add(a + "ok.xlsx", workbook(good(ok_rows)))
    # -- not a workbook at all
    add(a + "not-a-zip.xlsx", "工号,姓名,得分\nE001,张伟,95\n")
    add(a + "zip-not-xlsx.xlsx", zip_bytes({"hello.txt": b"not a workbook"}))
    add(a + "docx-as-xlsx.xlsx", zip_bytes({
        "[Content_Types].xml": (f'{XML_DECL}<Types xmlns="{CT_NS}"><Override '
                                'PartName="/word/document.xml" ContentType="application/'
                                'vnd.openxmlformats-officedocument.wordprocessingml.document.'
                                'main+xml"/></Types>').encode(),
        "word/document.xml": b"<document/>"}))
    whole = workbook(good(ok_rows))
    add(a + "truncated.xlsx", whole[: len(whole) // 2])
    add(a + "encrypted.xlsx", ole(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]))
    add(a + "old-xls-renamed.xlsx", ole(["Workbook", "\x05SummaryInformation"]))
    # -- XML entity tricks: refused, never resolved
    strings = Strings()
    sheet = sheet_xml(rows_of(good(ok_rows)), strings)
    xxe = (XML_DECL + '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>')
    add(a + "xxe-shared-strings.xlsx",
        zip_bytes(package([("数据", "visible", sheet)], strings_xml=xxe)))
    lol = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    bomb_prolog = XML_DECL + "<!DOCTYPE worksheet [" + "".join(lol) + "]>\n"
    strings = Strings()
    add(a + "entity-bomb-sheet.xlsx", zip_bytes(package([("数据", "visible", sheet_xml(
        [(1, HEADER), (2, ["E001", "张伟", ("raw", '<c r="{ref}" t="inlineStr"><is><t>&lol9;'
                                               "</t></is></c>"), 3])], strings,
        prolog=bomb_prolog))], strings)))
    # the same tricks behind 70 KB of comment: past the quick look at each part's start,
    # so defusedxml (inside openpyxl) is what refuses them
    late = XML_DECL + "<!--" + "x" * 70_000 + "-->\n"
    strings = Strings()
    add(a + "xxe-late-sheet.xlsx", zip_bytes(package([("数据", "visible", sheet_xml(
        rows_of(good(ok_rows)), strings,
        prolog=late + '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'))],
        strings), deflate=["xl/worksheets/sheet1.xml"]))
    strings = Strings()
    add(a + "entity-bomb-late-workbook.xlsx", zip_bytes(package(
        [("数据", "visible", sheet_xml(rows_of(good(ok_rows)), strings))], strings,
        workbook_prolog=late + "<!DOCTYPE workbook [" + "".join(lol) + "]>\n"),
        deflate=["xl/workbook.xml"]))
    # -- decompression bombs
    strings = Strings()
    parts = package([("数据", "visible", "")], strings)
    del parts["xl/worksheets/sheet1.xml"]
    stream, size, crc = deflate_raw(spaces_sheet(20 << 20))
    members = stored_members(parts) + [("xl/worksheets/sheet1.xml", stream, size, crc, 8)]
    add(a + "zip-bomb.xlsx", crafted_zip(members))
    # lying header: the directory says 1000 bytes, the data inflates to 5 MB
    stream, size, crc = deflate_raw(spaces_sheet(5 << 20))
    members = stored_members(parts) + [("xl/worksheets/sheet1.xml", stream, 1000, crc, 8)]
    add(a + "lying-size.xlsx", crafted_zip(members))
    # overlapping entries (a "better zip bomb"): 1200 directory entries share one part of
    # 900 KB (under the size where the ratio is checked) that compresses to 1 KB; together
    # they declare 1.08 GB, past the limit on the decompressed total
    stream, size, crc = deflate_raw([b" " * (900 << 10)])
    members = [("xl/media/blob.bin", stream, size, crc, 8)] + stored_members(
        package([("数据", "visible", sheet_xml(rows_of(good(ok_rows)), strings))], strings))
    add(a + "overlapping-parts.xlsx", crafted_zip(members, overlap=1199))
    members = [(n, d, s, c, 12 if n.endswith("sheet1.xml") else m)
               for n, d, s, c, m in stored_members(
                   package([("数据", "visible", sheet_xml(rows_of(good(ok_rows)), strings))],
                           strings))]
    add(a + "bzip2-part.xlsx", crafted_zip(members))
    # -- sheets
    add(a + "no-sheets.xlsx", zip_bytes(package([])))
    add(a + "empty-sheet.xlsx", zip_bytes(package([("空表", "visible",
                                                    sheet_xml([], Strings()))])))
    strings = Strings()
    hidden_data = sheet_xml(rows_of(good(ok_rows)), strings)
    add(a + "empty-visible-hidden-data.xlsx", zip_bytes(package(
        [("说明", "visible", sheet_xml([], strings)), ("隐藏数据", "hidden", hidden_data)],
        strings)))
    strings = Strings()
    add(a + "hidden-first-sheet.xlsx", zip_bytes(package(
        [("旧数据", "hidden", sheet_xml(rows_of(good([["E009", "旧人", "坏", 9]])), strings)),
         ("三月", "visible", sheet_xml(rows_of(good(ok_rows)), strings))], strings)))
    strings = Strings()
    add(a + "all-hidden.xlsx", zip_bytes(package(
        [("一", "hidden", sheet_xml(rows_of(good(ok_rows)), strings)),
         ("二", "veryHidden", sheet_xml(rows_of(good(ok_rows)), strings))], strings)))
    # -- the header row
    add(a + "header-missing.xlsx", workbook(ok_rows))
    add(a + "header-in-row-3.xlsx", workbook(good(ok_rows), first_row=3))
    add(a + "title-above-header.xlsx", workbook(
        [["2024年3月 客服部考核表"], [], *good(ok_rows)], merges=["A1:D1"]))
    add(a + "merged-header.xlsx", workbook(
        [["工号", "姓名", "考核结果", None], [None, None, "得分", "行为等级"],
         *ok_rows], merges=["A1:A2", "B1:B2", "C1:D1"]))
    add(a + "blank-header-cell.xlsx", workbook(
        [["工号", None, "得分 ", None, "姓名"], ["E001", 1, 95, "4级", "张伟"]]))
    add(a + "duplicate-headers.xlsx", workbook(
        [["工号", "姓名", "得分", "得分", "行为等级"], ["E001", "张伟", 95, 96, "4级"]]))
    # -- cells
    add(a + "formula-no-value.xlsx", workbook(good([
        ["E001", "张伟", ("f", "40+50", None), 4], ["E002", "李娜", ("f", "40+41", 81), 3]])))
    add(a + "error-cells.xlsx", workbook(good([
        ["E001", "张伟", ("e", "#DIV/0!"), 4], ["E002", "李娜", ("e", "#N/A"), 3],
        ["E003", "王强", 88, ("e", "#VALUE!")]])))
    add(a + "dates-booleans.xlsx", workbook(good([
        ["E001", "张伟", ("d", 45383), 4], ["E002", "李娜", ("b", True), 3],
        ["E003", "王强", 88, ("b", False)]])))
    add(a + "numbers-as-text.xlsx", workbook(good([
        ["E001", "张伟", "95", "4"], ["E002", "李娜", "９５", "４级"], ["E003", "王强", "95%", 3],
        ["E004", "赵敏", " 95 % ", 3], ["E005", "孙丽", ("pct", 0.95), 3],
        ["E006", "周杰", "1,234", 3]])))
    add(a + "negative-zero.xlsx", workbook(good([
        ["E001", "张伟", ("n", "-0"), 4], ["E002", "李娜", "-0", 3], ["E003", "王强", "-0.0%", 3],
        ["E004", "赵敏", ("n", "-0.0E+0"), 3]])))
    add(a + "large-small-numbers.xlsx", workbook(good([
        ["E001", "张伟", ("n", "1E+300"), 4], ["E002", "李娜", ("n", "1E-300"), 3],
        ["E003", "王强", ("n", "999999999999999"), 3], ["E004", "赵敏", ("n", "1E+15"), 3],
        ["E005", "孙丽", ("n", "2.7755575615628914E-17"), 3], ["E006", "周杰", ("n", "1E-15"), 3],
        ["E007", "吴磊", "1" * 400, 3]])))
    add(a + "nan-inf-cells.xlsx", workbook(good([
        ["E001", "张伟", ("n", "NaN"), 4], ["E002", "李娜", ("n", "INF"), 3],
        ["E003", "王强", ("n", "-inf"), 3], ["E004", "赵敏", ("n", "1" * 5000), 3]])))
    add(a + "too-wide.xlsx", workbook(good([["E001", "张伟", 95, 4]]) + [
        ["E002", "李娜", 81, 3, ("raw", '<c r="XFE3"><v>1</v></c>')]]))
    add(a + "ten-rows.xlsx", workbook(good([[f"E{k:03}", f"员工{k}", 80 + k, 3]
                                            for k in range(1, 11)])))
    add(a + "bad-shared-string.xlsx", workbook(good(ok_rows) + [
        ["E003", "王强", ("raw", '<c r="{ref}" t="s"><v>999</v></c>'), 3]]))
    add(a + "bad-coordinate.xlsx", workbook(good(ok_rows) + [
        ["E003", "王强", ("raw", '<c r="QQQQ4"><v>1</v></c>'), 3]]))
    add(a + "unknown-levels.xlsx", workbook(good([
        ["E001", "张伟", 95, "6级"], ["E002", "李娜", 81, "优"], ["E003", "王强", 88, 4.5],
        ["E004", "赵敏", 90, "5级"]])))
    add(a + "bad-ids.xlsx", workbook(good([
        ["E001", "张伟", 95, 4], ["E001", "张伟", 95, 4], [None, "无名", 90, 3],
        [" E002", "李娜", 81, 3], ["E002\u3000", "李娜", 82, 3], ["E 002", "李娜", 83, 3],
        ["\u3000", "空白", 84, 3]])))

    # -- CSV
    header = "工号,姓名,得分,行为等级\n"
    add(a + "ok.csv", header + "E001,张伟,95,4级\nE002,李娜,81,3\n")
    add(a + "nan-inf.csv", header + "E001,张伟,nan,4\nE002,李娜,inf,4\nE003,王强,-Infinity,4\n"
        "E004,赵敏,NaN,4\nE005,孙丽,1e999,4\nE006,周杰,95,4\n")
    add(a + "bom.csv", codecs.BOM_UTF8 + (header + "E001,张伟,95,4级\n").encode())
    add(a + "utf16-bom.csv", codecs.BOM_UTF16_LE
        + (header.replace(",", "\t") + "E001\t张伟\t95\t4级\r\n").encode("utf-16-le"))
    add(a + "utf16-no-bom.csv", (header + "E001,张伟,95,4级\n").encode("utf-16-le"))
    add(a + "gbk.csv", (header + "E001,张伟,95,4级\nE002,李娜,８１,3\n").encode("gbk"))
    # UTF-8 whose bytes happen to be valid GBK too: read as GBK, 张三 would become 寮犱笁
    add(a + "utf8-valid-gbk.csv", "id,name,score,behaviour\nE001,张三,95,4\n")
    add(a + "empty.csv", b"")
    add(a + "blank-lines.csv", "\n\n \n,,,\n")
    add(a + "full-width.csv", header + "E001,张伟,９５,４级\nE002,李娜,９５％,５\n"
        "E003,王强,\"95 %\",3\nE004,赵敏,\"1,234\",3\nE005,孙丽,-0,3\n")
    add(a + "bad-ids.csv", header + "E001,张伟,95,4\nE001,张伟,95,4\n,无名,90,3\n E002,李娜,81,3\n"
        "E 002,李娜,83,3\n")
    add(a + "wide.csv", "工号,姓名,得分,行为等级,备注,a,b,c,d,e\nE001,张伟,95,4,,,,,,\n")
    add(a + "long-cell.csv", header + "E001,张伟,95,4\nE002," + "长" * 3000 + ",81,3\n")
    add(a + "divide-by-zero.csv", "工号,姓名,解决数,问题总数,投诉次数\nE001,张伟,45,50,0\n"
        "E002,李娜,0,0,1\nE003,王强,3,0,4\n")


# -- inputs too large to commit: made by the tests -----------------------------------


def big_scheme(path: Path, size: int = 50 * 1024 * 1024) -> None:
    """A valid-looking scheme padded with comments to ``size`` bytes."""
    head = ("id: big\ntitle: 很大的方案\n" + GOOD_INDICATOR).encode()
    line = b"# " + b"x" * 97 + b"\n"
    with open(path, "wb") as fh:
        fh.write(head)
        written = len(head)
        block = line * 10_000
        while written < size:
            fh.write(block)
            written += len(block)


def lying_workbook(path: Path, inflated: int = 400 << 20) -> None:
    """A workbook whose xl/workbook.xml declares 1000 bytes (with the CRC of its first
    1000 bytes) but inflates to ``inflated`` bytes: only bounded reads keep memory low."""
    strings = Strings()
    parts = package([("数据", "visible", sheet_xml(rows_of(good([["E001", "张伟", 95, 4]])),
                                                   strings))], strings)
    wb = parts.pop("xl/workbook.xml")
    padding = b"<!--" + b" " * (inflated) + b"-->"
    stream, _, _ = deflate_raw([wb[:-len(b"</workbook>")], padding, b"</workbook>"])
    prefix = (wb[:-len(b"</workbook>")] + padding)[:1000]
    members = [("xl/workbook.xml", stream, 1000, zlib.crc32(prefix), 8)] + \
        stored_members(parts)
    path.write_bytes(crafted_zip(members))


# -- by category (cases/<category>.yaml) -----------------------------------------------------


def csv_structure() -> None:
    """CSV structure and encodings: quotes, widths, field sizes, --encoding (cases/csv.yaml)."""
    a = "actuals/"
    header = "工号,姓名,得分,行为等级\n"
    # issue 14's examples: a decimal comma, a quote closed a line late, a quote never closed
    add(a + "decimal-comma.csv", header + "E001,张伟,9,5,4级\nE002,李娜,81,3\n")
    add(a + "quote-spans-lines.csv", header + 'E001,"张伟,95,4级\nE002,李娜",81,3\n'
        "E003,王强,9O,3\n")
    add(a + "unclosed-quote.csv", header + 'E001,张伟,95,4级\nE002,"李娜,81,3\n'
        "E003,王强,88,3\nE004,赵敏,90,3\n")
    # a quote never closed in a long file: the row it opens outgrows the line limit
    add(a + "unclosed-quote-long.csv", header + 'E001,张伟,95,4级\nE002,"李娜,81,3\n'
        + "".join(f"E{k:03},员工{k},88,3\n" for k in range(3, 300)))
    # a quote never closed before a note's long lines: the row outgrows the line limit
    add(a + "unclosed-quote-text.csv", "工号,姓名,得分,行为等级,备注\nE001,张伟,95,4级,\"开始\n"
        + ("很长的说明文字" * 50 + "\n") * 20)
    # a stray quote closed by another one three lines on: four people would be one
    add(a + "quote-closes-late.csv", header + 'E001,张伟,95,4级\nE002,"李娜,81,3\n'
        'E003,王强,88,3\nE004,"赵敏",90,3\nE005,孙丽,85,3\n')
    # Excel's Alt+Enter: a line break in a cell the scheme does not even read
    add(a + "line-break-in-cell.csv", "工号,姓名,得分,行为等级,备注\r\n"
        'E001,张伟,95,4级,"迟到2次\r\n早退1次"\r\nE002,李娜,81,3,\r\n')
    # a header cell with a line break is read (a header is no one's row)
    add(a + "line-break-in-header.csv", '工号,姓名,"得分\n(score)",行为等级\n'
        "E001,张伟,95,4级\nE002,李娜,9O,3\n")
    # physical lines: CRLF, LF and CR endings, a record over two lines, a blank line
    add(a + "line-endings.csv", "工号,姓名,得分,行为等级\r\nE001,\"张\r\n伟\",95,4级\r\n"
        "E002,李娜,9O,3\n\nE003,王强,88,3\rE004,赵敏,9O,3\r")
    # fewer fields than the header: the last cells are blank, as a spreadsheet shows them
    add(a + "short-rows.csv", "工号,姓名,得分,行为等级,备注\nE001,张伟,95,4级\nE002,李娜,81\n"
        "E003,王强\n")
    # more fields than the header: a trailing separator, a tab in a tab-separated file
    add(a + "trailing-comma.csv", header + "E001,张伟,95,4级,\nE002,李娜,81,3\n")
    add(a + "extra-field.tsv", header.replace(",", "\t") + "E001\t张伟\t9\t5\t4级\n"
        "E002\t李娜\t81\t3\n")
    # quotes that are not structure: inside a field, doubled inside a quoted one
    add(a + "quotes-in-fields.csv", header + 'E001,张"伟,95,4级\nE002,"李""娜",81,3\n')
    # encodings: GB18030's four-byte characters (not in GBK); GBK with a Latin-1 line pasted
    # in, which is neither UTF-8 nor GB18030
    add(a + "gb18030.csv", (header + "E001,王𠀀,95,4级\nE002,李娜,81,3\n").encode("gb18030"))
    add(a + "mixed-encodings.csv", (header + "E001,张伟,95,4级\n").encode("gbk")
        + "E002,Zoë,81,3\n".encode("latin-1"))
    add(a + "six-rows.csv", header + "".join(f"E{k:03},员工{k},88,3\n" for k in range(1, 6)))


def big_cell(path: Path, rows: int = 1500, size: int = 140_000) -> None:
    """``rows`` people, then one whose 备注 holds a ``size``-character cell, then one more."""
    lines = ["工号,姓名,得分,行为等级,备注"]
    lines += [f"E{k:04},员工{k},88,3," for k in range(1, rows + 1)]
    lines += [f"E{rows + 1:04},长备注,90,4,\"{'x' * size}\"", f"E{rows + 2:04},最后,85,3,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


#: One computed indicator over the probe's 得分 column (actuals/ok.csv): the formula
#: text starts at line 8, column 15.
COMPUTED = """\
id: formula-limits
title: 公式上限
inputs:
  - {{id: score, title: 得分}}
indicators:
  - id: computed
    title: 计算值
    formula: '{formula}'
    target: {target}
    weight: 100
    rule: ratio
"""

#: Every number of the scheme past the digits limit, written as YAML numbers (a float,
#: a hexadecimal int of 100 000 digits, which Decimal takes minutes to convert, an int
#: of 30 digits): refused while the YAML is read.
YAML_NUMBERS = """\
id: yaml-numbers
title: YAML 数值
indicators:
  - id: score
    title: 得分
    target: 1.0e+5000000
    weight: 100
    full_marks: 0x{hex}
    rule: ratio
grades:
  - {{name: 合格, min: 100000000000000000000000000000}}
  - {{name: 不合格}}
"""

#: The same as text, read by the scheme's number fields: a target of 10^5000000, bands,
#: points, a veto and pay.
TEXT_NUMBERS = """\
id: text-numbers
title: 文本数值
indicators:
  - id: score
    title: 得分
    target: 1e5000000
    weight: 80
    rule:
      kind: bands
      bands:
        - {at_least: "90.0000000000000000000000001", points: 100}
        - {at_least: 60, points: "1e-30"}
        - {points: 0}
    veto: {when: "> 1e999"}
  - id: behaviour
    title: 行为等级
    weight: 20
    rule:
      kind: levels
      levels:
        - {level: 1, points: 10}
        - {level: 2, points: "1e25"}
pay:
  formula: total * 100
  max: "99999999999999999999999"
"""

#: Numbers past 10^100 (or closer to 0 than 10^-100) while scoring 15-digit values (the
#: most a cell may hold): in a formula, a rule (a ratio of 10^90 to a target of 10^-10),
#: a veto and the pay. Each is that row's error, never a traceback.
OVERFLOW = """\
id: formula-overflow
title: 计算溢出
inputs:
  - {id: score, title: 得分}
  - {id: big, title: 大数}
grades:
  - {name: 合格, min: 60, coefficient: 1}
  - {name: 不合格, coefficient: 0.5}
vetoes:
  - {id: flood, title: 溢出否决, formula: score * score * score * score * score * score * score,
     when: "< 0"}
indicators:
  - id: power
    title: 七次方
    formula: score * score * score * score * score * score * score
    target: 90
    weight: 40
    rule: ratio
  - id: tiny
    title: 极小值
    formula: 1 / score / score / score / score / score / score / score / 3
    target: 90
    weight: 30
    better: lower
    rule: ratio
  - id: sixth
    title: 六次方
    formula: score * score * score * score * score * score
    target: 0.0000000001
    weight: 30
    rule: ratio
pay:
  formula: big * big * big * big * big * big * big * grade_coefficient
"""


def chain(length: int) -> str:
    """``length`` computed indicators, each from the one listed after it: the order the
    compiler puts them in was a recursion as deep as the chain (a RecursionError)."""
    lines = ["id: formula-chain", "title: 公式链", "inputs:", "  - {id: c0, title: 得分}",
             "indicators:",
             f"  - {{id: c{length}, formula: c{length - 1} + 0, target: 90, weight: 100, "
             "rule: ratio}"]
    lines += [f"  - {{id: c{i}, formula: c{i - 1} + 0, weight: 0, rule: direct}}"
              for i in range(length - 1, 0, -1)]
    return "\n".join(lines) + "\n"


def formulas() -> None:
    """Scheme numbers and formulas: depth, length, magnitude, round digits (cases/formulas.yaml)."""
    s = "schemes/"

    def computed(name: str, formula: str, target: str = "90") -> None:
        add(s + name, COMPUTED.format(formula=formula, target=target))

    computed("formula-deep-parens.yaml", "(" * 3000 + "score" + ")" * 3000)
    computed("formula-unary-chain.yaml", "-" * 5000 + "score")
    computed("formula-many-terms.yaml", " + ".join(["score"] * 20_000))
    computed("formula-round-digits.yaml", "round(score, 40)")
    computed("formula-round-expression.yaml", "round(score, score / 10)")
    computed("formula-huge-number.yaml", "score * 1e999999")
    computed("formula-huge-divisor.yaml", "score / 1e999999")
    computed("formula-target-huge.yaml", "score", "1e5000000")
    add(s + "numbers-yaml.yaml", YAML_NUMBERS.format(hex="f" * 100_000))
    add(s + "numbers-text.yaml", TEXT_NUMBERS)
    add(s + "formula-chain.yaml", chain(1100))
    add(s + "formula-overflow.yaml", OVERFLOW)
    add("actuals/fifteen-digits.csv", "工号,姓名,得分,大数\nE001,张伟,999999999999999,1\n"
        "E002,李娜,95,999999999999999\nE003,王芳,95,2\n")


#: The one run of the output-path manifests: the probe over ok.csv (paths relative to
#: manifests/); each manifest adds where its outputs go.
MANIFEST_RUN = """\
runs:
  - name: probe
    scheme: ../probe.yaml
    actuals: ../actuals/ok.csv
"""


def manifest(name: str, head: str, run_outputs: str = "") -> None:
    """manifests/NAME.yaml: ``head`` (top-level fields), then the probe run (with its own
    ``outputs:`` lines when given)."""
    add(f"manifests/{name}.yaml", head + MANIFEST_RUN + run_outputs)


def outputs() -> None:
    """Output paths, manifests, --log and write failures (cases/outputs.yaml)."""
    manifest("outside-parent", "", "    outputs:\n      json: ../../victim/passwd\n")
    manifest("outside-absolute", "outputs: {csv: /etc/passwd}\n")
    manifest("output-stdout", "outputs:\n  json: '-'\n")
    manifest("output-ledger", "outputs: {json: out/.kpiscore-outputs.json}\n")
    manifest("output-is-manifest", "outputs: {json: output-is-manifest.yaml}\n")
    manifest("output-is-actuals", "outputs: {csv: ../actuals/ok.csv}\n")
    manifest("output-case", "", "    outputs: {json: out/Probe.json, jsonl: out/probe.json}\n")
    manifest("summary-outside", "summary: ../summary.json\noutputs: {json: out/probe.json}\n")
    manifest("output-folders-type", "output_folders: 5\noutputs: {json: out/probe.json}\n")
    manifest("log", "summary: out/summary.json\noutputs: {json: out/probe.json}\n")
    # log.yaml is usable, so that only --log is refused; run without --log (as
    # tests/test_every_command.py runs every manifest) it writes nothing in the
    # corpus: its out/ is a file, so its run and its summary cannot be written
    add("manifests/out", "not a folder: see build_corpus.outputs()\n")


#: a probe for number formats: 得分 must be read as Excel shows it, 100 at most
PERCENT_PROBE = """\
id: percent-probe
title: 百分比格式探针
indicators:
  - id: score
    title: 得分
    unit: "%"
    target: 90
    max_value: 100
    weight: 100
    rule: ratio
"""

#: text a template writes into cells: a formula-like title and column, a control
#: character, a quote and a comma in a level label
HOSTILE_TEXT = """\
id: hostile-text
title: '=HYPERLINK("http://example.com/x","点我")'
indicators:
  - id: score
    title: 得分
    column: '=HYPERLINK("http://example.com/x","得分")'
    target: 90
    weight: 50
    rule: ratio
  - id: behaviour
    title: "@SUM(1)\\x01"
    weight: 50
    rule:
      kind: levels
      levels:
        - {level: 1, label: 'a"b,c', points: 10}
        - {code: "=", label: "=1+1", points: 20}
"""


def styles_with(formats: list[str]) -> bytes:
    """Styles whose cell formats 1, 2 … are the custom number ``formats`` (0 is General)."""
    fmts = "".join(f'<numFmt numFmtId="{164 + k}" formatCode="{escape(f, {chr(34): "&quot;"})}"/>'
                   for k, f in enumerate(formats))
    xfs = "".join(f'<xf numFmtId="{164 + k}" applyNumberFormat="1"/>' for k in range(len(formats)))
    return (f'{XML_DECL}<styleSheet xmlns="{MAIN_NS}"><numFmts count="{len(formats)}">{fmts}'
            '</numFmts><fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/>'
            '</fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            f'<cellXfs count="{len(formats) + 1}"><xf numFmtId="0"/>{xfs}</cellXfs>'
            "</styleSheet>").encode()


def styled(value: float, style: int) -> Cell:
    return ("raw", f'<c r="{{ref}}" s="{style}"><v>{value!r}</v></c>')


def flagged(data: bytes, part: str, bits: int) -> bytes:
    """A zip whose directory entry for ``part`` has the general-purpose ``bits`` set."""
    out = bytearray(data)
    i = 0
    while (i := out.find(b"PK\x01\x02", i)) >= 0:
        length = struct.unpack_from("<H", out, i + 28)[0]
        if out[i + 46:i + 46 + length] == part.encode():
            flags = struct.unpack_from("<H", out, i + 8)[0]
            struct.pack_into("<H", out, i + 8, flags | bits)
        i += 4
    return bytes(out)


def sheets_of(sheets: list[tuple[str, str, list[list[Cell]]]], **kw: Any) -> bytes:
    """A workbook of several sheets: (name, state, rows)."""
    strings = Strings()
    xml = [(name, state, sheet_xml(rows_of(rows), strings)) for name, state, rows in sheets]
    return zip_bytes(package(xml, strings, **kw))


def workbooks() -> None:
    """Workbook semantics: sheets, number formats, styles, templates (cases/workbooks.yaml)."""
    a = "actuals/"
    add("schemes/percent-probe.yaml", PERCENT_PROBE)
    add("schemes/hostile-text.yaml", HOSTILE_TEXT)
    ok_rows = [["E001", "张伟", 95, "4级"], ["E002", "李娜", 81, 3]]
    # -- several sheets
    add(a + "two-sheets-of-people.xlsx", sheets_of([
        ("一月", "visible", good(ok_rows)), ("二月", "visible", good([["E003", "王强", 88, 3]])),
        ("汇总", "visible", [["部门", "人数"], ["客服部", 3]])]))
    add(a + "people-on-second-sheet.xlsx", sheets_of([
        ("说明", "visible", [["2024年3月 客服部考核表"], ["每人一行,工号必填"]]),
        ("数据", "visible", good(ok_rows))]))
    add(a + "empty-first-sheet.xlsx", sheets_of([
        ("Sheet1", "visible", []), ("Sheet2", "visible", good(ok_rows))]))
    add(a + "duplicate-sheet-names.xlsx", sheets_of([
        ("数据", "visible", good(ok_rows)), ("数据", "visible", good(ok_rows))]))
    strings = Strings()
    parts = package([("图表", "visible", ""),
                     ("数据", "visible", sheet_xml(rows_of(good(ok_rows)), strings))], strings)
    parts["xl/worksheets/sheet1.xml"] = (
        f'{XML_DECL}<chartsheet xmlns="{MAIN_NS}"><sheetViews><sheetView workbookViewId="0"/>'
        "</sheetViews></chartsheet>").encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        f'Id="rId1" Type="{REL_NS}/worksheet"', f'Id="rId1" Type="{REL_NS}/chartsheet"').encode()
    add(a + "chart-sheet-first.xlsx", zip_bytes(parts))
    strings = Strings()
    lying = sheet_xml(rows_of(good(ok_rows)), strings).replace(
        "<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>')
    add(a + "dimension-lie.xlsx", zip_bytes(package([("数据", "visible", lying)], strings)))
    # -- number formats: a literal % is text, sections and conditions decide
    formats = ['0"%"', "0\\%", '"完成率 "0"%"', "0_%", "0.0%;[Red]-0.0%", "[Red]0%",
               "[>=1]0;0%", "0%"]
    strings = Strings()
    sheet = sheet_xml(rows_of(good([
        ["E001", "张伟", styled(80, 1), 3], ["E002", "李娜", styled(80, 2), 3],
        ["E003", "王强", styled(80, 3), 3], ["E004", "赵敏", styled(80, 4), 3],
        ["E005", "孙丽", styled(0.8, 5), 3], ["E006", "周杰", styled(0.8, 6), 3],
        ["E007", "吴磊", styled(80, 7), 3], ["E008", "郑洁", styled(0.8, 7), 3],
        ["E009", "冯刚", styled(80, 8), 3]])), strings)
    add(a + "literal-percent.xlsx", zip_bytes(package(
        [("数据", "visible", sheet)], strings, extra={"xl/styles.xml": styles_with(formats)})))
    # -- what openpyxl reads whole: styles, strings, names, sheets
    rnd = random.Random(14)
    xfs = "".join(f'<xf numFmtId="{rnd.randrange(1000)}"/>' if k % 14 == 0 else
                  '<xf numFmtId="0"/>' for k in range(1_000_000))
    strings = Strings()
    add(a + "million-styles.xlsx", zip_bytes(package(
        [("数据", "visible", sheet_xml(rows_of(good(ok_rows)), strings))], strings,
        extra={"xl/styles.xml": STYLES.replace(
            '<cellXfs count="3">', '<cellXfs count="1000003">').replace(
            "</cellXfs>", xfs + "</cellXfs>").encode()}), deflate=["xl/styles.xml"]))
    strings = Strings()
    parts = package([("数据", "visible", sheet_xml(rows_of(good(ok_rows)), strings))], strings)
    names = "".join(f'<definedName name="n{k}">数据!$A${k + 1}</definedName>'
                    for k in range(2000))
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>", f"</sheets><definedNames>{names}</definedNames>".encode())
    add(a + "defined-names.xlsx", zip_bytes(parts, deflate=["xl/workbook.xml"]))
    # -- zip edges and files that are not what their suffix says
    whole = workbook(good(ok_rows))
    add(a + "patched-part.xlsx", flagged(whole, "xl/worksheets/sheet1.xml", 0x20))
    add(a + "strongly-encrypted-part.xlsx", flagged(whole, "xl/worksheets/sheet1.xml", 0x40))
    add(a + "workbook-as-csv.csv", whole)
    add(a + "old-xls-as-csv.csv", ole(["Workbook", "\x05SummaryInformation"]))
    add(a + "sqlite-as-xlsx.xlsx", b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + bytes(492))
    add(a + "html-as-xlsx.xlsx", "<html><head><meta charset=\"utf-8\"></head><body><table>"
        "<tr><td>工号</td><td>得分</td></tr><tr><td>E001</td><td>95</td></tr>"
        "</table></body></html>\n")
    strings = Strings()
    parts = package([("数据", "visible", sheet_xml(rows_of(good(ok_rows)), strings))], strings)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'name="\xe6\x95\xb0\xe6\x8d\xae"',
                                                                b'name="\x01"')
    add(a + "bad-xml-workbook.xlsx", zip_bytes(parts))
    # -- people's ids: shown as text wherever they land
    add(a + "hostile-ids.xlsx", workbook(good([
        ["=HYPERLINK(\"http://example.com\")", "@SUM(1)", 95, 4], ["E\u202e200", "李娜", "坏", 3],
        ["[/]", "王强", 88, 3], ["E" * 5000, "赵敏", 90, 3]])))
    add(a + "markup-ids.csv", "工号,姓名,得分,行为等级\n[/],张伟,95,4\n"
        "[link=http://example.com]E002[/link],李娜,81,3\n\"E\u202e300\",王强,坏,3\n")


def import_cards() -> None:
    """kpiscore import: files that are no card, and a card in GBK (cases/import.yaml)."""
    add("actuals/import-header-only.xlsx", workbook([["客服主管绩效考核表"],
                                                     ["考核指标", "权重", "目标值", "评分标准"]]))
    card = ("客服主管绩效考核表\r\n考核指标,权重,目标值,评分标准\r\n"
            "客户满意度,100%,90分以上,\"90分及以上为满分,每低1分扣0.5分\"\r\n")
    add("actuals/import-gbk-card.csv", card.encode("gbk"))


def calibration() -> None:
    """evaluate --calibration: moves that cannot be applied, and files that cannot be used
    (cases/calibration.yaml; the unreadable files are the actuals' own)."""
    add("actuals/calibration-moves.csv",
        "工号,调整后等级,原因,调整人\n"
        "E001,不合格,复核后下调,HR\n"  # applied
        "E404,合格,no such person,HR\n"  # not in the actuals
        "E002,优秀,no such grade,HR\n"  # not a grade
        "E002,合格,,HR\n"  # a second move for E002: neither applies
        "=cmd|' /C calc'!A0,合格,formula,HR\n")  # an id that is a formula: not found
    add("actuals/calibration-no-reason.xlsx", workbook([["工号", "调整后等级", "调整人"],
                                                        ["E001", "合格", "HR"]]))


# -- main ---------------------------------------------------------------------------------------


PANEL = """\
id: bad-panel
title: 评价小组
raters:
  roles:
    - {id: supervisor, title: 上级, weight: 60}
    - {id: peer, title: 同事, weight: 40, multiple: true, drop_extremes: true, min_raters: 3}
indicators:
  - {id: attitude, title: 态度, full_marks: 100, rule: direct}
"""

SURVEY_MONTHLY = """\
id: bad-survey-periods
title: 问卷期间
surveys:
  - id: csat
    questions: [{id: q1, title: 服务态度}]
    answers: [{code: A, points: 5}, {code: B, points: 4}, {code: C, points: 3}]
indicators:
  - {id: sat, title: 满意度, unit: "%", survey: csat, target: 80, rule: ratio}
"""


def panels() -> None:
    """Raters' panels, period weights and survey periods (cases/panels.yaml)."""
    s = "schemes/"
    add(s + "panel-options.yaml", PANEL.replace(
        "weight: 60}", "weight: 60, drop_extremes: true, min_raters: 2}").replace(
        "min_raters: 3}", "min_raters: 2}"))
    add(s + "panel.yaml", PANEL)
    add("actuals/panel-peers.csv", "工号,评价人,态度\nE1,上级,80\nE1,同事,70\nE1,同事,95\n"
        "E1,同事,60\nE2,上级,80\nE2,同事,70\nE2,同事,\nE3,上级,90\n")
    add(s + "period-weights.yaml", "id: bad-weights\ntitle: 加权\nrollup:\n  to: quarter\n"
        "  expect: 2\n  weights: {2024-01: 30, 2024-02: 0, 2024-03: 40}\n" + GOOD_INDICATOR)
    add(s + "survey-no-rollup.yaml", SURVEY_MONTHLY)
    add(s + "survey-pool.yaml", SURVEY_MONTHLY.replace("rule: ratio}", "rule: ratio, "
                                                       "rollup: pool}"))
    add("actuals/survey-people.csv", "工号,姓名\nE1,甲\nE2,乙\n")
    add("actuals/survey-months.csv", "被评价人工号,评价人,月份,服务态度\nE1,c1,2024-01,A\n"
        "E1,c2,2024-02,B\nE2,c1,2024-01,C\n")


def build() -> dict[str, bytes]:
    FILES.clear()
    schemes()
    actuals()
    csv_structure()
    formulas()
    outputs()
    workbooks()
    import_cards()
    calibration()
    panels()
    return dict(FILES)


def fingerprint(data: bytes) -> Any:
    """What must not change: the bytes, or for a zip its directory and contents
    (deflated bytes depend on the zlib build)."""
    if not data.startswith(b"PK\x03\x04"):
        return data
    out = []
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:  # a damaged zip on purpose: stored, so byte for byte
        return data
    with z:
        for info in z.infolist():
            try:
                with z.open(info) as part:
                    content: Any = zlib.crc32(part.read(64 << 20))
            except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError) as exc:
                content = type(exc).__name__
            out.append((info.filename, info.file_size, info.CRC, info.compress_type, content))
    return out


def stale(files: dict[str, bytes], read: Callable[[str], bytes | None]) -> list[str]:
    return sorted(name for name, data in files.items()
                  if (old := read(name)) is None or fingerprint(old) != fingerprint(data))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report stale files, write none")
    args = parser.parse_args(argv)
    files = build()

    def read(name: str) -> bytes | None:
        path = HERE / name
        return path.read_bytes() if path.exists() else None

    if args.check:
        wrong = stale(files, read)
        for name in wrong:
            print(f"tests/bad/{name} is out of date: run python tests/bad/build_corpus.py",
                  file=sys.stderr)
        return 1 if wrong else 0
    for name, data in files.items():
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"wrote {len(files)} files under {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
