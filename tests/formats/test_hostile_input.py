"""Hostile and broken input: every format reader, driven through ``Workspace.import_file``.

For one base file per format (the shared examples, the repo's templates and workbooks built
here) hypothesis generates broken variants: truncated at a random byte, random bytes spliced
in, random bytes under the right name, part of the text re-encoded as GB18030/GBK/UTF-16, an
enormous line, the delimiter replaced, header-only and empty files, BOM and line-ending
variants, deep JSON nesting, oversized numbers, lone surrogates and other odd characters, and
for workbooks broken zip members. Whatever comes in, the import either loads or refuses:

- ``import_file`` never raises;
- a refused file has ``import_id`` None, every error is Chinese and names the file
  (「<file name>」), and the workspace is exactly as it was (nothing of the file is loaded);
- a loaded file has ``rows == loaded + duplicates + rejected`` and every reject a Chinese reason.

Each example imports into one workspace per format that already holds data (and whatever the
earlier examples loaded), so "nothing changed" is checked against real counts.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from core.formats import READER_MODULES
from core.templates import blank_template
from core.workspace import ImportReport, Workspace
from tests.conftest import SHARED_FORMATS, workbook_bytes

MAX_EXAMPLES = 30
MB = 1024 * 1024

CJK = re.compile(r"[\u4e00-\u9fff]")
# Three or more English words in a row outside 「…」 quotes: an exception text leaking through.
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ :_-]+[A-Za-z]{2,}){2,}")
QUOTED = re.compile(r"「[^」]*」|“[^”]*”|（[^）]*@[^）]*）")


# ---------------------------------------------------------------------------------------------
# Base files (one per format)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    format: str
    name: str                        # the file name the import sees
    data: bytes
    xlsx: bool = False
    header_only: bytes | None = None  # a well-formed file with headers and no rows


def _shared(rel: str) -> bytes:
    return (SHARED_FORMATS / rel).read_bytes()


def _workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    return workbook_bytes(sheets)


V2_HEADER = ["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"]
MEMBER_HEADER = ["wxid", "微信号", "类型", "群昵称", "昵称", "头像地址", "头像原图", "标签", "性别", "个性签名",
                 "国家（地区）", "省份", "城市"]


def _wechatmsg_xlsx() -> Base:
    messages = [V2_HEADER] + [
        [str(8243156720394817262 + i), "文本", f"综合科-王建{i}", f"2024-05-10 09:{i:02d}:33", f"第 {i} 条通知",
         f"综合科-王建{i}", f"建{i}", "more"] for i in range(8)
    ] + [["8243156720394817299", "系统消息", None, "2024-05-10 09:34:00", '"李晓梅" 撤回了一条消息', None, None, "more"]]
    members = [MEMBER_HEADER] + [[f"wxid_k3n8q2m5x7p9{i:02d}", None, "3", f"综合科-王建{i}", f"建{i}"] for i in range(5)]
    return Base("wechatmsg_xlsx", "技术保障工作群.xlsx", _workbook({"聊天记录": messages, "成员信息": members}),
                xlsx=True, header_only=_workbook({"聊天记录": [V2_HEADER], "成员信息": [MEMBER_HEADER]}))


def _pywxdump_legacy() -> Base:
    def content(msg: str) -> str:
        return '"' + json.dumps({"src": "", "msg": msg}, ensure_ascii=False).replace('"', '""') + '"'

    lines = ["id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime"] + [
        f"{i},{9000 + i},文本,0,wxid_a{i % 3},4455@chatroom,{content(f'第{i}条：请按时报送台账')},2023-01-05 08:{i:02d}:00"
        for i in range(1, 11)
    ] + ["11,9011,文本,1,我,4455@chatroom," + content("收到") + ",2023-01-05 08:30:00"]
    return Base("pywxdump_legacy", "4455@chatroom_0_10.csv", ("\r\n".join(lines) + "\r\n").encode("utf-8"))


def _template_csv() -> Base:
    blank = blank_template("messages", "csv")
    rows = [f"网格化管理工作群,网格员{i % 4},2026-03-0{1 + i % 5} {8 + i % 10}:0{i % 6},请上传第 {i} 次巡查照片,文本,钉钉,,"
            for i in range(12)]
    return Base("template", "网格化管理工作群（钉钉）.csv", blank + ("\r\n".join(rows) + "\r\n").encode("utf-8"),
                header_only=blank)


def _template_xlsx() -> Base:
    blank = blank_template("roster", "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(blank))
    ws = wb.worksheets[0]
    for i in range(10):
        ws.append([f"专项工作群{i % 2}", f"干部{i}", "成员" if i else "群主", "党建办", "科员", "2026-01-05", f"acct{i}"])
    out = io.BytesIO()
    wb.save(out)
    return Base("template", "专项工作群成员名单.xlsx", out.getvalue(), xlsx=True, header_only=blank)


def _bases() -> dict[str, Base]:
    return {
        "wechatmsg_v1": Base("wechatmsg_v1", "技术保障工作群_utf8.csv", _shared("wechatmsg-v1/技术保障工作群_utf8.csv")),
        "wechatmsg_v2": Base("wechatmsg_v2", "技术保障工作群.csv", _shared("wechatmsg-v2/技术保障工作群.csv")),
        "wechatmsg_xlsx": _wechatmsg_xlsx(),
        "wechatmsg_contacts": Base("wechatmsg_contacts", "contacts.csv", _shared("wechatmsg-v1/contacts.csv")),
        "pywxdump": Base("pywxdump", "25791346802@chatroom_0_13.csv", _shared("pywxdump/25791346802@chatroom_0_13.csv")),
        "pywxdump_legacy": _pywxdump_legacy(),
        "pywxdump_users": Base("pywxdump_users", "users.json", _shared("pywxdump/users.json")),
        "qq_txt": Base("qq_txt", "全部消息记录.txt", _shared("qq-txt/全部消息记录.txt")),
        "wecom_archive": Base("wecom_archive", "wecom_archive_sample.jsonl", _shared("wecom/wecom_archive_sample.jsonl")),
        "wecom_groupchat": Base("wecom_groupchat", "wecom_externalcontact_groupchat_get.json",
                                _shared("wecom/wecom_externalcontact_groupchat_get.json")),
        "wecom_msgaudit": Base("wecom_groupchat", "wecom_msgaudit_groupchat_get.json",
                               _shared("wecom/wecom_msgaudit_groupchat_get.json")),
        "template_csv": _template_csv(),
        "template_xlsx": _template_xlsx(),
    }


BASES = _bases()


# ---------------------------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------------------------

Raw = tuple[str, bytes]   # (what was done, the file's bytes)


class Mutation:
    """A broken file: what was done, and its bytes (shown by size only in hypothesis reports)."""

    def __init__(self, what: str, data: bytes) -> None:
        self.what, self.data = what, data

    def __iter__(self):  # unpacks as (what, data)
        return iter((self.what, self.data))

    def __repr__(self) -> str:
        return f"Mutation({self.what!r}, <{len(self.data)} bytes, starting {self.data[:80]!r}>)"


def _text(data: bytes) -> tuple[str, bool]:
    bom = data.startswith(codecs.BOM_UTF8)
    return data.decode("utf-8-sig"), bom


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


@st.composite
def _truncate(draw: Any, data: bytes) -> Raw:
    k = draw(st.integers(0, max(len(data) - 1, 0)))
    return f"truncated at byte {k}", data[:k]


@st.composite
def _splice(draw: Any, data: bytes) -> Raw:
    pos = draw(st.integers(0, len(data)))
    junk = draw(st.binary(min_size=1, max_size=64))
    cut = draw(st.integers(0, 16))
    return f"{junk!r} spliced at byte {pos} over {cut} bytes", data[:pos] + junk + data[pos + cut:]


@st.composite
def _random(draw: Any, data: bytes) -> Raw:
    junk = draw(st.one_of(
        st.binary(max_size=2048),
        st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.binary(max_size=512).map(lambda b: b"PK\x03\x04" + b),
    ))
    return "random bytes", junk


ENCODINGS = ["gbk", "gb18030", "utf-16-le", "utf-16-be", "utf-16", "utf-32", "big5", "latin-1"]


@st.composite
def _reencode(draw: Any, data: bytes) -> Raw:
    text, bom = _text(data)
    enc = draw(st.sampled_from(ENCODINGS))
    if draw(st.booleans()):
        a, b = 0, len(text)
    else:
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(a, len(text)))
    head = text[:a].encode("utf-8")
    return (f"characters {a}:{b} re-encoded as {enc}",
            (codecs.BOM_UTF8 if bom and a else b"") + head + text[a:b].encode(enc, "replace") + text[b:].encode("utf-8"))


@st.composite
def _huge_line(draw: Any, data: bytes) -> Raw:
    text, bom = _text(data)
    lines = _lines(text)
    at = draw(st.integers(0, len(lines)))
    size = draw(st.sampled_from([MB, 3 * MB, 6 * MB]))
    template = draw(st.sampled_from(["plain", "cjk", "quoted", "padded_row", "json"]))
    if template == "plain":
        line = "x" * size
    elif template == "cjk":
        line = "字" * (size // 3)
    elif template == "quoted":
        line = '"' + "a," * (size // 2) + '"'
    elif template == "json":
        line = json.dumps({"msgid": "m" * size, "action": "send", "roomid": "wr1", "msgtime": 1715304273601,
                           "msgtype": "text", "text": {"content": "x"}})
    else:
        row = lines[min(at, len(lines) - 1)].rstrip("\r\n")
        line = row + "长" * (size // 3)
    eol = "\r\n" if "\r\n" in text else "\n"
    lines.insert(at, line + eol)
    return f"{template} line of {size} bytes at line {at + 1}", (codecs.BOM_UTF8 if bom else b"") + "".join(lines).encode()


@st.composite
def _delimiter(draw: Any, data: bytes) -> Raw:
    text, bom = _text(data)
    new = draw(st.sampled_from([";", "\t", "|", "，", " "]))
    where = draw(st.sampled_from(["all", "header", "one line"]))
    lines = _lines(text)
    if where == "all":
        out = text.replace(",", new)
    else:
        i = 0 if where == "header" else draw(st.integers(0, len(lines) - 1))
        lines[i] = lines[i].replace(",", new)
        out = "".join(lines)
    return f"',' → {new!r} in {where}", (codecs.BOM_UTF8 if bom else b"") + out.encode()


@st.composite
def _header_only(draw: Any, data: bytes) -> Raw:
    text, bom = _text(data)
    lines = _lines(text)
    k = draw(st.integers(1, min(8, len(lines))))
    eol = draw(st.sampled_from(["keep", "strip"]))
    kept = "".join(lines[:k])
    if eol == "strip":
        kept = kept.rstrip("\r\n")
    return f"first {k} lines ({eol} line end)", (codecs.BOM_UTF8 if bom else b"") + kept.encode()


@st.composite
def _empty(draw: Any, data: bytes) -> Raw:
    body = draw(st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\r\n", b"\n\n\n", b" ", b"\x00",
                                 codecs.BOM_UTF8 + b"\r\n", b"{}", b"[]", b"null", b'""', b",,,,\r\n"]))
    return f"almost empty {body!r}", body


@st.composite
def _bom(draw: Any, data: bytes) -> Raw:
    text, bom = _text(data)
    variant = draw(st.sampled_from(["add utf-8", "double utf-8", "strip", "utf-16-le", "utf-16-be", "utf-16-le no bom",
                                    "utf-32", "bom mid-file", "bom every line", "reversed utf-16 bom"]))
    if variant == "add utf-8":
        out = codecs.BOM_UTF8 + text.encode()
    elif variant == "double utf-8":
        out = codecs.BOM_UTF8 * 2 + text.encode()
    elif variant == "strip":
        out = text.encode()
    elif variant == "utf-16-le":
        out = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    elif variant == "utf-16-be":
        out = codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    elif variant == "utf-16-le no bom":
        out = text.encode("utf-16-le")
    elif variant == "utf-32":
        out = text.encode("utf-32")
    elif variant == "reversed utf-16 bom":
        out = codecs.BOM_UTF16_BE + text.encode("utf-16-le")
    elif variant == "bom mid-file":
        pos = draw(st.integers(0, len(text)))
        out = (text[:pos] + "\ufeff" + text[pos:]).encode()
    else:
        out = "".join("\ufeff" + line for line in _lines(text)).encode()
    return f"BOM: {variant}", out


@st.composite
def _newlines(draw: Any, data: bytes) -> Raw:
    text, bom = _text(data)
    plain = text.replace("\r\n", "\n")
    variant = draw(st.sampled_from(["lf", "crlf", "cr", "mixed", "crcrlf", "u2028"]))
    if variant == "lf":
        out = plain
    elif variant == "crlf":
        out = plain.replace("\n", "\r\n")
    elif variant == "cr":
        out = plain.replace("\n", "\r")
    elif variant == "crcrlf":
        out = plain.replace("\n", "\r\r\n")
    elif variant == "u2028":
        out = plain.replace("\n", "\u2028")
    else:
        parts = plain.split("\n")
        ends = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(parts), max_size=len(parts)))
        out = "".join(p + e for p, e in zip(parts, ends))
    return f"line ends: {variant}", (codecs.BOM_UTF8 if bom else b"") + out.encode()


@st.composite
def _lines_shuffled(draw: Any, data: bytes) -> Raw:
    text, bom = _text(data)
    lines = _lines(text)
    op = draw(st.sampled_from(["delete", "duplicate", "swap", "blank"]))
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(j, lines[i])
    elif op == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines.insert(i, draw(st.sampled_from(["\r\n", "\n", "   \n", ",,,,,,,\n", '"\n'])))
    return f"{op} line {i + 1} ({j + 1})", (codecs.BOM_UTF8 if bom else b"") + "".join(lines).encode()


ODD_TEXT = [
    "\\ud800", "\\udfff\\ud800", "\ud800", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1e",
    "\u200b\u200e\u202e", "\U0001f600\U0001f44d", "\x00", "\x7f", "\ufffe", "\uffff", "\U0010ffff",
    '"', '""', "'", "\\", "\\\\\"", "=cmd|' /C calc'!A0", "<![CDATA[", "&lol;", "%s%n", "{", "}", "[", "]",
    "NaN", "Infinity", "-0", "1e999", "9" * 5000, "1" + "0" * 25, "²³", "١٢٣", "１２３", "-1", "0x1F",
    "2026-02-30 25:61:61", "0000-00-00 00:00:00", "9999-12-31 23:59:59", "１９７０年１月１日",
]


@st.composite
def _odd(draw: Any, data: bytes) -> Raw:
    """Odd characters or values dropped into the text, or replacing a run of digits/a JSON value."""
    text, bom = _text(data)
    odd = draw(st.sampled_from(ODD_TEXT))
    mode = draw(st.sampled_from(["insert", "digits", "json value"]))
    if mode == "digits" and re.search(r"\d+", text):
        runs = list(re.finditer(r"\d+", text))
        m = runs[draw(st.integers(0, len(runs) - 1))]
        out = text[:m.start()] + odd + text[m.end():]
    elif mode == "json value" and re.search(r'":\s*', text):
        keys = list(re.finditer(r'":\s*("(?:[^"\\]|\\.)*"|-?\d+|null|true|false)', text))
        if keys:
            m = keys[draw(st.integers(0, len(keys) - 1))]
            value = draw(st.sampled_from([
                json.dumps(odd), odd if odd.lstrip("-").isdigit() else json.dumps(odd), "1" + "0" * 25,
                "-99999999999999999999", "1e300", "[]", "{}", "null", "true", '"\\ud83d"', "9" * 5000]))
            out = text[:m.start(1)] + value + text[m.end(1):]
        else:
            out = text + odd
    else:
        pos = draw(st.integers(0, len(text)))
        out = text[:pos] + odd + text[pos:]
    return f"odd {odd[:20]!r} ({mode})", (codecs.BOM_UTF8 if bom else b"") + out.encode("utf-8", "surrogatepass")


@st.composite
def _nesting(draw: Any, data: bytes) -> Raw:
    text, bom = _text(data)
    depth = draw(st.sampled_from([500, 5000, 100_000]))
    opener = draw(st.sampled_from(["[", "{\"a\":", "[{\"msgid\":"]))
    closer = {"[": "]", "{\"a\":": "}", "[{\"msgid\":": "}]"}[opener]
    lines = _lines(text)
    at = draw(st.integers(0, len(lines)))
    bomb = opener * depth + "1" + closer * depth
    if draw(st.booleans()):
        lines.insert(at, bomb + "\n")
        out = "".join(lines)
    else:  # as a value inside the first object
        out = text.replace("{", "{\"deep\": " + bomb + ", ", 1) if "{" in text else bomb
    return f"JSON nested {depth} deep", (codecs.BOM_UTF8 if bom else b"") + out.encode()


TEXT_MUTATIONS: list[Callable[[bytes], st.SearchStrategy[Raw]]] = [
    _truncate, _splice, _random, _reencode, _huge_line, _delimiter, _header_only, _empty, _bom, _newlines,
    _lines_shuffled, _odd, _nesting,
]

XLSX_MEMBERS = ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/sharedStrings.xml",
                "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels", "docProps/app.xml"]


@st.composite
def _zip_member(draw: Any, data: bytes) -> Raw:
    """A well-formed zip whose parts are broken: one member truncated, spliced, replaced or removed."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    names = sorted(members)
    target = draw(st.sampled_from(names))
    op = draw(st.sampled_from(["truncate", "splice", "random", "remove", "huge", "nest", "rename sheets"]))
    body = members[target]
    if op == "truncate":
        members[target] = body[:draw(st.integers(0, max(len(body) - 1, 0)))]
    elif op == "splice":
        pos = draw(st.integers(0, len(body)))
        members[target] = body[:pos] + draw(st.binary(min_size=1, max_size=32)) + body[pos:]
    elif op == "random":
        members[target] = draw(st.binary(max_size=256))
    elif op == "remove":
        del members[target]
    elif op == "huge":
        members[target] = body.replace(b"<t>", b"<t>" + b"x" * (2 * MB), 1) if b"<t>" in body else body + b" " * MB
    elif op == "nest":
        members[target] = body.replace(b"?>", b"?><!DOCTYPE x [" + b"<!ENTITY a 'b'>" * 100 + b"]>", 1)
    else:
        members = {k: v.replace("聊天记录".encode(), b"Sheet1").replace("成员信息".encode(), b"Sheet2")
                   .replace("群成员名单模板".encode(), b"Sheet1") for k, v in members.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return f"zip member {target}: {op}", out.getvalue()


@st.composite
def _workbook_content(draw: Any, base: Base) -> Raw:
    """A valid workbook with hostile content: header only, a huge cell, odd values, wrong header."""
    wb = openpyxl.load_workbook(io.BytesIO(base.data))
    ws = wb.worksheets[0]
    op = draw(st.sampled_from(["header only", "huge cell", "odd values", "no header", "wide row", "blank sheet"]))
    if op == "header only" and base.header_only is not None:
        return "workbook: header only", base.header_only
    if op == "huge cell":
        ws.cell(row=draw(st.integers(1, ws.max_row + 1)), column=draw(st.integers(1, 8)), value="长" * (MB // 3))
    elif op == "odd values":
        for _ in range(draw(st.integers(1, 5))):
            value = draw(st.one_of(st.sampled_from([v for v in ODD_TEXT if not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", v)]),
                                   st.integers(-(2**62), 2**62), st.floats(allow_nan=False),
                                   st.datetimes(), st.booleans()))
            ws.cell(row=draw(st.integers(1, ws.max_row + 1)), column=draw(st.integers(1, 10)), value=value)
    elif op == "no header":
        ws.delete_rows(1, draw(st.integers(1, 3)))
    elif op == "wide row":
        ws.cell(row=draw(st.integers(1, ws.max_row + 1)), column=draw(st.sampled_from([50, 1000, 16384])), value="x")
    else:
        for sheet in wb.worksheets:
            sheet.delete_rows(1, sheet.max_row)
    out = io.BytesIO()
    wb.save(out)
    return f"workbook: {op}", out.getvalue()


def mutations(base: Base) -> st.SearchStrategy[Mutation]:
    if base.xlsx:
        strategies = [_truncate(base.data), _splice(base.data), _random(base.data), _empty(base.data),
                      _zip_member(base.data), _workbook_content(base)]
    else:
        strategies = [m(base.data) for m in TEXT_MUTATIONS]
        if base.header_only is not None:
            strategies.append(st.just(("header only (template)", base.header_only)))
    return st.one_of(strategies).map(lambda t: Mutation(*t))


# ---------------------------------------------------------------------------------------------
# The properties
# ---------------------------------------------------------------------------------------------

TABLES = ("imports", "messages", "member_facts", "group_facts", "person_facts", "accounts", "account_names", "rejects")


def state(ws: Workspace) -> tuple:
    """Everything a failed import must leave untouched."""
    counts = tuple(ws.query(f"select count(*) from {t}")[0][0] for t in TABLES)
    history = [(i["id"], i["file_name"], i["rows"], i["loaded"], i["duplicates"], i["rejected"]) for i in ws.imports()]
    return ws.summary(), counts, history, ws.version()


def is_chinese(text: str) -> bool:
    return bool(CJK.search(text))


def english_leak(text: str) -> str | None:
    """A run of English words outside quoted names/values (an untranslated exception text)."""
    m = ENGLISH_RUN.search(QUOTED.sub("", text))
    return m.group(0) if m else None


def check_import(ws: Workspace, folder: Path, name: str, what: str, data: bytes) -> ImportReport:
    path = folder / name
    path.write_bytes(data)
    before = state(ws)
    report = ws.import_file(path, name=name)   # must not raise
    context = f"{what}: {report}"
    assert all(isinstance(e, str) for e in report.errors), context
    if report.errors:
        assert report.import_id is None, context
        assert state(ws) == before, f"a refused file changed the workspace — {context}"
        for error in report.errors:
            assert is_chinese(error), f"error is not Chinese: {error!r} — {what}"
            assert f"「{name}」" in error, f"error does not name the file: {error!r} — {what}"
            assert english_leak(error) is None, f"English text in the error: {error!r} — {what}"
        assert (report.rows, report.loaded, report.duplicates, report.rejected) == (0, 0, 0, 0), context
    else:
        assert report.import_id is not None, context
        assert report.rows == report.loaded + report.duplicates + report.rejected, context
        assert min(report.loaded, report.duplicates, report.rejected) >= 0, context
        rejects = ws.rejects(report.import_id)
        assert len(rejects) == report.rejected, context
        for line, reason, _raw in rejects:
            assert is_chinese(reason), f"reject reason is not Chinese: {reason!r} — {what}"
            assert english_leak(reason) is None, f"English text in a reject reason: {reason!r} — {what}"
            assert line is None or line >= 1, f"reject line {line} — {what}"
        for warning in report.warnings:
            assert is_chinese(warning), f"warning is not Chinese: {warning!r} — {what}"
    return report


def _seeded(path: Path) -> Workspace:
    """A workspace that already holds data, so "nothing changed" is tested against real counts."""
    ws = Workspace(path)
    seed = ws.import_file(SHARED_FORMATS / "wechatmsg-v2" / "技术保障工作群.csv", name="种子数据.csv")
    assert not seed.errors and seed.loaded == 12
    seed = ws.import_file(SHARED_FORMATS / "wechatmsg-v1" / "contacts.csv")
    assert not seed.errors
    return ws


def test_every_reader_has_a_base_file() -> None:
    assert {b.format for b in BASES.values()} == set(READER_MODULES)


@pytest.mark.parametrize("key", list(BASES))
def test_base_file_imports(key: str, tmp_path: Path) -> None:
    """The unmutated base files load (so the mutations start from a good file)."""
    base = BASES[key]
    ws = Workspace(tmp_path / "x.duckdb")
    report = ws.import_file(_write(tmp_path, base.name, base.data), name=base.name)
    assert not report.errors and report.format == base.format and report.loaded > 0, report
    ws.close()


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("key", list(BASES))
def test_hostile_input_loads_or_is_refused_cleanly(key: str, tmp_path: Path) -> None:
    base = BASES[key]
    ws = _seeded(tmp_path / "x.duckdb")
    folder = tmp_path / "in"
    folder.mkdir()

    @settings(max_examples=MAX_EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(mutation=mutations(base))
    def run(mutation: Mutation) -> None:
        what, data = mutation
        check_import(ws, folder, base.name, f"{key} — {what}", data)

    try:
        run()
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------
# What the properties found, pinned down (hypothesis may not draw these again)
# ---------------------------------------------------------------------------------------------


def _v2_text() -> str:
    return BASES["wechatmsg_v2"].data.decode("utf-8-sig")


def _with_lines(key: str, extra: list[str]) -> bytes:
    """The base file of ``key`` with ``extra`` lines appended (LF line ends)."""
    text = BASES[key].data.decode("utf-8-sig").rstrip("\n")
    return (text + "\n" + "\n".join(extra) + "\n").encode("utf-8", "surrogatepass")


def _archive_line(**changes: Any) -> str:
    record = {"msgid": "m-extra", "action": "send", "from": "WangJianGuo", "tolist": ["LiXiaoMei"],
              "roomid": "wrAbCdEfGhAAAxYz0123456789QwErTy", "msgtime": 1715304999000, "msgtype": "text",
              "text": {"content": "补充一条"}}
    record.update(changes)
    return json.dumps(record)   # ASCII: a lone surrogate stays the escape "\ud800"


def _one_line_as_gbk(key: str, line: int) -> bytes:
    lines = BASES[key].data.decode("utf-8-sig").split("\n")
    return "\n".join(lines[: line - 1]).encode() + b"\n" + lines[line - 1].encode("gbk") + b"\n" + \
        "\n".join(lines[line:]).encode()


def _sheet_xml_truncated(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"][:700]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return out.getvalue()


def _stray_cells(data: bytes) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    ws.cell(row=1, column=16384, value="备注")             # column XFD, the last one
    ws.cell(row=3, column=16384, value="右边很远的备注")
    ws.cell(row=ws.max_row + 1, column=16384, value="只有这一格")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


REFUSED: list[tuple[str, str, Callable[[], bytes], list[str]]] = [
    ("cr-only line ends", "wechatmsg_v2", lambda: _v2_text().replace("\r\n", "\n").replace("\n", "\r").encode(),
     ["旧式 Mac", "只有回车符"]),
    ("cr cr lf line ends", "wechatmsg_v2", lambda: _v2_text().replace("\r\n", "\r\r\n").encode(),
     ["第 1 行有单独的回车符"]),
    ("semicolon delimiter", "wechatmsg_v2", lambda: _v2_text().replace(",", ";").encode(), ["分号（;）", "CSV UTF-8"]),
    ("tab delimiter", "template_csv", lambda: BASES["template_csv"].data.replace(b",", b"\t"), ["制表符"]),
    ("a megabyte of commas", "wechatmsg_v2", lambda: _with_lines("wechatmsg_v2", ["x," * 500_000]),
     ["第 20 行有 500000 个引号外的逗号", "表头的 8 列"]),
    ("utf-16 cut mid-character", "wechatmsg_v2",
     lambda: codecs.BOM_UTF16_LE + _v2_text().encode("utf-16-le") + b"\x00", ["UTF-16", "末尾（第 20 行）不完整"]),
    ("users.json truncated", "pywxdump_users", lambda: BASES["pywxdump_users"].data[:200],
     ["不是有效的 JSON（字符串缺少结束的双引号"]),
    ("users.json nested", "pywxdump_users",
     lambda: BASES["pywxdump_users"].data.replace(b'"LabelIDList": []', b'"LabelIDList": ' + b"[" * 100_000 + b"]" * 100_000),
     ["嵌套层数过深"]),
    ("users.json 5000-digit number", "pywxdump_users",
     lambda: BASES["pywxdump_users"].data.replace(b'"describe": null', b'"describe": ' + b"9" * 5000), ["超长的数字"]),
    ("groupchat nested", "wecom_groupchat",
     lambda: b'{"group_chat": {"chat_id": "wr1", "member_list": ' + b"[" * 5000 + b"]" * 5000 + b"}}", ["嵌套层数过深"]),
    ("groupchat truncated", "wecom_groupchat", lambda: BASES["wecom_groupchat"].data[:400], ["不是有效的 JSON（"]),
    ("qq: one GBK line", "qq_txt", lambda: _one_line_as_gbk("qq_txt", 13), ["第 13 行有无法按 UTF-8 解码的字节"]),
    ("jsonl: one GBK line", "wecom_archive", lambda: _one_line_as_gbk("wecom_archive", 3),
     ["第 3 行有无法按 UTF-8 解码的字节"]),
    ("xlsx sheet part cut", "wechatmsg_xlsx", lambda: _sheet_xml_truncated(BASES["wechatmsg_xlsx"].data),
     ["工作表「聊天记录」", "无法读取"]),
]


@pytest.mark.parametrize("case, key, build, expected", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_with_a_precise_chinese_message(case: str, key: str, build: Callable[[], bytes], expected: list[str],
                                                tmp_path: Path) -> None:
    ws = _seeded(tmp_path / "x.duckdb")
    report = check_import(ws, tmp_path, BASES[key].name, case, build())
    assert report.errors, report
    for text in expected:
        assert text in report.errors[0], report.errors[0]
    ws.close()


def test_bad_archive_lines_are_rejected_and_the_rest_loads(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "x.duckdb")
    data = _with_lines("wecom_archive", [
        "[" * 100_000 + "]" * 100_000,                          # line 10: nesting the json module refuses
        _archive_line(msgid="m11", msgtime=10**30),              # 11: beyond int64
        _archive_line(msgid="m12", msgtime="9" * 5000),          # 12: a 5,000-digit string
        _archive_line(msgid="m13", msgtime="²³"),                # 13: str.isdigit() but not a number
        '{"msgid": "m14", "action": "send", "msgtime": 1' + "0" * 5000 + "}",   # 14: int() refuses 5,000 digits
        _archive_line(msgid="m15", text={"content": "\ud800坏的转义"}),          # 15: a lone surrogate: loads
    ])
    report = check_import(ws, tmp_path, "wecom_archive_sample.jsonl", "bad archive lines", data)
    assert (report.rows, report.loaded, report.rejected, report.errors) == (15, 7, 8, []), report
    rejects = {line: reason for line, reason, _raw in ws.rejects(report.import_id)}
    assert sorted(rejects) == [7, 8, 9, 10, 11, 12, 13, 14]
    assert "第 10 行不是有效的消息记录" in rejects[10]
    assert all("msgtime" in rejects[n] for n in (11, 12, 13)), rejects
    assert ws.query("select text from messages where msg_id = 'm15'") == [("\ufffd坏的转义",)]
    ws.close()


def test_member_times_beyond_any_calendar_are_left_empty(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "x.duckdb")
    data = BASES["wecom_groupchat"].data.replace(b'"join_time": 1715301500', b'"join_time": 1' + b"0" * 30)
    report = check_import(ws, tmp_path, BASES["wecom_groupchat"].name, "huge join_time", data)
    assert (report.rows, report.loaded, report.errors) == (3, 3, []), report
    assert ws.query("select count(*) from member_facts where joined_at is null") == [(1,)]
    ws.close()


def test_stray_cell_in_the_last_excel_column(tmp_path: Path) -> None:
    """A note in column XFD must not make a table of 16,384 columns (it ran DuckDB out of memory)."""
    ws = Workspace(tmp_path / "x.duckdb")
    report = check_import(ws, tmp_path, BASES["template_xlsx"].name, "stray cells", _stray_cells(BASES["template_xlsx"].data))
    assert (report.rows, report.loaded, report.rejected, report.errors) == (11, 10, 1, []), report
    [(line, reason, raw)] = ws.rejects(report.import_id)
    assert line == 12 and "缺少必填项「群名称」、「成员」" in reason and raw.endswith(",只有这一格"), (line, reason, raw)
    assert report.warnings == ["工作表「群成员名单模板」以下列不是模板中的列，已忽略：「备注」"]
    ws.close()


def test_a_gbk_line_in_a_utf8_file_is_rejected_alone(tmp_path: Path) -> None:
    """Without a BOM, one GBK line used to make the whole file unreadable ("binary")."""
    text = BASES["wechatmsg_v1"].data.decode("utf-8-sig")
    lines = text.split("\r\n")
    data = "\r\n".join(lines[:3]).encode() + b"\r\n" + lines[3].encode("gbk") + b"\r\n" + "\r\n".join(lines[4:]).encode()
    ws = Workspace(tmp_path / "x.duckdb")
    report = check_import(ws, tmp_path, BASES["wechatmsg_v1"].name, "one GBK line", data)
    assert (report.rows, report.loaded, report.rejected, report.errors) == (12, 11, 1, []), report
    [(line, reason, _raw)] = ws.rejects(report.import_id)
    assert line == 4 and "UTF-8" in reason
    ws.close()


def test_a_line_over_the_parser_limit_is_rejected_alone(tmp_path: Path) -> None:
    """A 33 MB line (over DuckDB's 32 MB record limit) is one reject; the other rows load."""
    ws = Workspace(tmp_path / "x.duckdb")
    data = _with_lines("wechatmsg_v2", ["8243156720394817299,文本,王建国,2024-05-10 10:00:00," + "长" * (11 * MB) + ",,,more",
                                        "8243156720394817300,文本,王建国,2024-05-10 10:01:00,之后的一条,,,more"])
    report = check_import(ws, tmp_path, BASES["wechatmsg_v2"].name, "33 MB line", data)
    assert (report.rows, report.loaded, report.rejected, report.errors) == (14, 13, 1, []), report
    [(line, reason, _raw)] = ws.rejects(report.import_id)
    assert line == 20 and "超过 32 MB" in reason
    ws.close()


def _v2_with(*replacements: tuple[str, str]) -> bytes:
    text = _v2_text()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    return codecs.BOM_UTF8 + text.encode()


# (case, file bytes, rejected lines): the v2 example's records start on lines 2–10, 16, 18, 19.
V2_LINES = [2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 18, 19]
STRAY_QUOTES = [
    ("a quote never closed", lambda: _v2_with((",收到,", ',"收到,')), [4]),
    ("two quotes never closed", lambda: _v2_with((",收到,", ',"收到,'), (",【视频】,", ',"【视频】,')), [4, 7]),
    ("a quote never closed on the last line", lambda: _v2_with(('"""李晓梅"" 撤回', '""李晓梅"" 撤回')), [19]),
    ("rows ending in LF after rows ending in CRLF", lambda: _v2_with(("more\r\n8243156720394817268", "more\n8243156720394817268"),
                                                                     ("more\r\n8243156720394817271", "more\n8243156720394817271")), []),
]


@pytest.mark.parametrize("case, build, rejected", STRAY_QUOTES, ids=[c[0] for c in STRAY_QUOTES])
def test_a_stray_quote_rejects_its_own_line_only(case: str, build: Callable[[], bytes], rejected: list[int],
                                                  tmp_path: Path) -> None:
    """An unclosed quote used to swallow the records after it (to the next quote or the end of
    the file) into one reject, and the lines of the records after it drifted."""
    ws = Workspace(tmp_path / "x.duckdb")
    report = check_import(ws, tmp_path, BASES["wechatmsg_v2"].name, case, build())
    assert (report.rows, report.loaded, report.rejected, report.errors) == (12, 12 - len(rejected), len(rejected), [])
    assert [(line, reason) for line, reason, _raw in ws.rejects(report.import_id)] == [
        (line, "这一行的引号不配对，请检查该行。") for line in rejected]
    assert [line for (line,) in ws.query("select line from messages order by line")] == [
        line for line in V2_LINES if line not in rejected]
    ws.close()
