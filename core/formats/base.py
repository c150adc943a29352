"""The contract every format reader follows.

A reader module in ``core/formats/`` defines:

    FORMAT: str                      # e.g. "wechatmsg_v2" (the CLI's ``format`` value)
    def detect(sample: Sample) -> float          # 0.0 (not mine) … 1.0 (certainly mine)
    def read(src: Source, con, opts: ReadOptions) -> ReadResult

``read`` parses the file into the TEMP stage tables of ``con`` (created by the caller with
:func:`create_stage`) and returns what it found. It never touches the workspace tables: the
import pipeline (core/workspace.py) validates the staged rows, resolves identities, removes
duplicates and commits, all in one transaction per file.

Rules for readers:
- A file that cannot be read at all raises :class:`ImportFailure` with a Chinese message that
  names the file, the line or column, and the fix. Nothing of it is loaded.
- A bad row in a good file is staged with ``reject`` set to a Chinese reason and ``raw`` set to
  the original text of the row; the pipeline keeps it as a reject the user can download.
- Rows are never silently dropped: every data row of the file is staged, good or rejected.
  (Export chrome such as QQ's conversation banners and blank lines is not a row.)
- ``line`` is the 1-based physical line where the row starts (for XLSX: the sheet row number;
  for JSON files: the record's line, or its 1-based position in an array).
- Times are staged as text, never parsed to datetimes by readers: ``sent_local`` is the
  exporting PC's local wall-clock time in one of the formats of :data:`LOCAL_TIME_FORMATS`
  (or an Excel serial number, or epoch digits); ``sent_utc_ms`` is epoch milliseconds when
  the format carries UTC epochs. The pipeline turns them into TIMESTAMPTZ in the workspace zone.
- Large CSV formats stage with ``insert into stage_messages ... select ... from read_csv(?)``
  (DuckDB parses; Python never loops over a million rows). Line-oriented or JSON formats use
  :class:`StageWriter`, which appends in Arrow batches.
"""

from __future__ import annotations

import codecs
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa

# ---------------------------------------------------------------------------------------------
# Canonical vocabularies
# ---------------------------------------------------------------------------------------------

MESSAGE_KINDS = (
    "text", "image", "voice", "video", "sticker", "file", "link", "quote", "red_packet",
    "transfer", "system", "recall", "call", "location", "other",
)
ROLES = ("owner", "admin", "member")
CONTENT_KINDS = ("messages", "roster", "groups", "directory")
PLATFORMS = ("wechat", "qq", "wecom", "dingtalk", "other")

# Local time formats the pipeline accepts in ``sent_local`` / ``joined_local`` / ``created_local``
# (DuckDB strptime syntax; %m %d %H accept one or two digits).
LOCAL_TIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M:%S",
    "%Y年%m月%d日%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
]

# The latest epoch (milliseconds) a reader stages in a ``*_utc_ms`` column: 9999-12-31 23:59:59.999
# UTC. Later values (or a 25-digit "time") are unusable and the reader treats them as missing;
# the pipeline rejects anything outside 2000–2100 with a reason the user can read.
MAX_EPOCH_MS = 253_402_300_799_999
_INTEGER = re.compile(r"-?[0-9]{1,18}")


def json_int(value: Any) -> int | None:
    """An integer from a JSON number or a numeric string (ASCII digits, at most 18 of them);
    None for anything else, so hostile values (10**30, "²", 5,000 digits) never raise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -(2**63) < value < 2**63 else None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    return None


# ---------------------------------------------------------------------------------------------
# Stage tables (TEMP, one set per import connection)
# ---------------------------------------------------------------------------------------------

STAGE_COLUMNS: dict[str, dict[str, str]] = {
    "stage_messages": {
        "line": "bigint",           # physical line (1-based) where the row starts
        "platform": "varchar",      # NULL = the file's platform (ReadResult.platform)
        "group_key": "varchar",     # platform group id: '…@chatroom', 'wr…', QQ group no.; or NULL
        "group_name": "varchar",    # group name if this row knows it (QQ header, template column)
        "msg_id": "varchar",        # globally unique platform message id (MsgSvrID, 消息ID, msgid)
        "sender_id": "varchar",     # platform account id: wxid, QQ number/email, WeCom userid
        "sender_name": "varchar",   # display name as shown in the export
        "sender_alias": "varchar",  # a second name for the same sender (e.g. v1 NickName)
        "sent_local": "varchar",    # local wall-clock time text (see LOCAL_TIME_FORMATS)
        "sent_utc_ms": "bigint",    # epoch milliseconds (UTC) when the format has them
        "kind": "varchar",          # one of MESSAGE_KINDS
        "raw_type": "varchar",      # the format's own type code/name, kept verbatim
        "text": "varchar",          # message text / marker text as exported
        "reject": "varchar",        # Chinese reason if the row is bad, else NULL
        "raw": "varchar",           # the original row text (required when reject is set)
    },
    "stage_members": {
        "line": "bigint",
        "platform": "varchar",
        "group_key": "varchar",
        "group_name": "varchar",
        "member_id": "varchar",     # platform account id, if the roster has one
        "member_name": "varchar",   # display name (群昵称 / remark / name)
        "member_alias": "varchar",  # a second name (nickname, account) for the same member
        "role": "varchar",          # owner | admin | member
        "joined_local": "varchar",
        "joined_utc_ms": "bigint",
        "unit": "varchar",
        "position": "varchar",
        "reject": "varchar",
        "raw": "varchar",
    },
    "stage_groups": {
        "line": "bigint",
        "platform": "varchar",
        "group_key": "varchar",
        "group_name": "varchar",
        "owner_id": "varchar",
        "owner_name": "varchar",
        "unit": "varchar",
        "category": "varchar",
        "emergency": "boolean",
        "created_local": "varchar",
        "created_utc_ms": "bigint",
        "notes": "varchar",
        "reject": "varchar",
        "raw": "varchar",
    },
    "stage_people": {
        "line": "bigint",
        "platform": "varchar",
        "person_id": "varchar",     # platform account id (wxid, QQ, WeCom userid), or NULL
        "name": "varchar",          # the name the cadre is known by (remark / real name)
        "aliases": "varchar[]",     # other names and handles: nickname, 微信号, account …
        "unit": "varchar",
        "position": "varchar",
        "is_leader": "boolean",
        "reject": "varchar",
        "raw": "varchar",
    },
}


def create_stage(con: Any) -> None:
    """(Re)create the empty TEMP stage tables on ``con``."""
    for table, cols in STAGE_COLUMNS.items():
        body = ", ".join(f"{name} {typ}" for name, typ in cols.items())
        con.execute(f"create or replace temp table {table} ({body})")


class StageWriter:
    """Buffers rows in Python and appends them to the stage tables in Arrow batches.

    Use for formats parsed in Python (QQ TXT, JSON, XLSX). Unknown keyword names raise, so a
    typo cannot silently drop a field. Call :meth:`flush` (or use as a context manager).
    """

    def __init__(self, con: Any, batch_size: int = 50_000) -> None:
        self._con = con
        self._batch = batch_size
        self._buf: dict[str, list[dict[str, Any]]] = {t: [] for t in STAGE_COLUMNS}
        self.counts: dict[str, int] = {t: 0 for t in STAGE_COLUMNS}

    def __enter__(self) -> "StageWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.flush()

    def _add(self, table: str, row: dict[str, Any]) -> None:
        unknown = set(row) - set(STAGE_COLUMNS[table])
        if unknown:
            raise TypeError(f"{table}: unknown columns {sorted(unknown)}")
        buf = self._buf[table]
        buf.append(row)
        self.counts[table] += 1
        if len(buf) >= self._batch:
            self._flush_table(table)

    def message(self, **row: Any) -> None:
        self._add("stage_messages", row)

    def member(self, **row: Any) -> None:
        self._add("stage_members", row)

    def group(self, **row: Any) -> None:
        self._add("stage_groups", row)

    def person(self, **row: Any) -> None:
        self._add("stage_people", row)

    def flush(self) -> None:
        for table in STAGE_COLUMNS:
            self._flush_table(table)

    def _flush_table(self, table: str) -> None:
        rows = self._buf[table]
        if not rows:
            return
        cols = STAGE_COLUMNS[table]
        arrays = {name: [r.get(name) for r in rows] for name in cols}
        try:
            batch = pa.table({name: pa.array(vals, type=_ARROW[cols[name]]) for name, vals in arrays.items()})
        except UnicodeEncodeError:
            # Lone surrogates (a JSON "\ud800" escape) cannot be stored as UTF-8: show them as U+FFFD.
            batch = pa.table({name: pa.array([_no_surrogates(v) for v in vals], type=_ARROW[cols[name]])
                              for name, vals in arrays.items()})
        self._con.register("_stage_batch", batch)
        try:
            self._con.execute(f"insert into {table} by name select * from _stage_batch")
        finally:
            self._con.unregister("_stage_batch")
        rows.clear()


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    return value


_ARROW = {
    "bigint": pa.int64(),
    "varchar": pa.string(),
    "boolean": pa.bool_(),
    "varchar[]": pa.list_(pa.string()),
}

# ---------------------------------------------------------------------------------------------
# What a reader receives and returns
# ---------------------------------------------------------------------------------------------


class ImportFailure(Exception):
    """The whole file cannot be read. ``str(exc)`` is the Chinese message shown to the user."""


@dataclass
class Source:
    """An input file. ``name`` is what the user called it (the upload's name), which may
    differ from ``path`` (a private temporary copy). Group names come from ``name``."""

    path: Path
    name: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def head(self, n: int = 65536) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read(n)


@dataclass
class Sample:
    """What ``detect`` looks at: the file name and the first 64 KiB."""

    name: str
    head: bytes
    encoding: str | None          # sniffed text encoding, None for binary/zip
    text: str                     # decoded head ('' when binary)
    is_xlsx: bool                 # a zip holding xl/workbook.xml
    xlsx_sheets: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        """The lines of ``text``, split on '\\n' only (a trailing '\\r' removed), so index ``i``
        is physical line ``i + 1`` as DuckDB's ``skip`` counts it. (``str.splitlines`` would
        also split on \\x0b, \\x0c, \\x1c-\\x1e, \\x85, \\u2028 and \\u2029.)"""
        if not self.text:
            return []
        lines = self.text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return [line[:-1] if line.endswith("\r") else line for line in lines]


@dataclass
class ReadOptions:
    group_name: str | None = None   # the user's name for the file's (single) group
    timezone: str = "Asia/Shanghai"
    max_rows: int = 20_000_000      # hard ceiling; beyond it the file is refused, not truncated
    workdir: str | None = None      # private temporary folder for transcoded copies (removed after)


@dataclass
class ReadResult:
    format: str                     # FORMAT of the reader
    kind: str                       # main content kind: messages | roster | groups | directory
    platform: str                   # wechat | qq | wecom | dingtalk | other
    group_name: str | None = None   # name for rows without group_name/group_key (e.g. from file name)
    group_key: str | None = None    # platform id for rows without one (e.g. PyWxDump file name)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------------------------


def sniff_encoding(head: bytes) -> str | None:
    """Return the text encoding of a file from its first bytes, or None if it looks binary.

    Order (formats/README.md): UTF-8 ± BOM, UTF-16 with BOM, then GB18030 (a superset of GBK).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3 and exc.reason in ("unexpected end of data",):
            return "utf-8"
    if _mostly_utf8(head):
        # A UTF-8 file with a few lines pasted from a GBK one: read as UTF-8, so those lines are
        # rejected (or named) instead of the whole file turning into GB18030 mojibake.
        return "utf-8"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:
            return "gb18030"
    return None


def _mostly_utf8(head: bytes) -> bool:
    """True when ``head`` holds at least as many valid UTF-8 characters beyond ASCII as it holds
    characters of another encoding (counted as two undecodable bytes each, as GBK's are). Read
    as UTF-8, GBK text gives about one valid character per 25 undecodable bytes."""
    text = head.decode("utf-8", errors="surrogateescape")
    bad = len(_ESCAPED.findall(text))
    good = len(_NON_ASCII.findall(text)) - bad
    return good > 0 and 2 * good >= bad


_ESCAPED = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def make_sample(src: Source) -> Sample:
    head = src.head()
    is_zip = head.startswith(b"PK\x03\x04")
    sheets: list[str] = []
    is_xlsx = False
    if is_zip:
        try:
            with zipfile.ZipFile(src.path) as zf:
                names = set(zf.namelist())
                is_xlsx = "xl/workbook.xml" in names
            if is_xlsx:
                from core.formats.xlsx import sheet_names  # local: only XLSX needs it
                sheets = sheet_names(src)
        except (zipfile.BadZipFile, ImportFailure, OSError):
            is_xlsx = False
        return Sample(src.name, head, None, "", is_xlsx, sheets)
    enc = sniff_encoding(head)
    text = head.decode(enc, errors="ignore") if enc else ""
    if enc == "utf-8-sig":
        text = text.lstrip("\ufeff")
    return Sample(src.name, head, enc, text, False, [])


def utf8_copy(src: Source, encoding: str, workdir: str | os.PathLike[str]) -> Path:
    """Return a path DuckDB can read as UTF-8: the file itself when it already is UTF-8
    (BOM or not), else a streamed transcode into ``workdir``.

    DuckDB cannot read GB18030 here (its encodings extension cannot be downloaded), so GBK
    re-saves from Excel are transcoded in 1 MiB chunks; memory stays flat for any file size.
    """
    if encoding in ("utf-8", "utf-8-sig"):
        return src.path
    fd, out = tempfile.mkstemp(suffix=".csv", dir=workdir)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1  # counted in the decoded text: a UTF-16 character may hold a 0x0A byte
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as dst, open(src.path, "rb") as fh:
            while True:
                chunk = fh.read(1 << 20)
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    # The line where the bad bytes are: what decodes before them, leniently.
                    before = codecs.getincrementaldecoder(exc.encoding)(errors="replace").decode(exc.object[: exc.start])
                    at = line + before.count("\n")
                    what = (f"末尾（第 {at} 行）不完整，可能只复制或下载了一部分" if not chunk
                            else f"第 {at} 行附近有无法解码的字节")
                    raise ImportFailure(
                        f"文件「{src.name}」按 {encoding.upper()} 编码读取时，{what}。"
                        "请用记事本或 Excel 将文件另存为“UTF-8”编码后重新导入。"
                    ) from None
                line += text.count("\n")
                dst.write(text)
                if not chunk:
                    break
    except BaseException:
        Path(out).unlink(missing_ok=True)
        raise
    return Path(out)


# json's error messages (``JSONDecodeError.msg``) in Chinese, for messages that name the line.
_JSON_ERRORS = {
    "Expecting value": "此处缺少值（可能文件被截断，或多了逗号）",
    "Expecting property name enclosed in double quotes": "此处应是用双引号括起的键名（可能多了逗号，或文件被截断）",
    "Expecting ':' delimiter": "键名后缺少冒号",
    "Expecting ',' delimiter": "两项之间缺少逗号",
    "Unterminated string starting at": "字符串缺少结束的双引号（可能文件被截断）",
    "Invalid control character at": "字符串里有未转义的控制字符（如直接换行）",
    "Invalid \\escape": "字符串里有无效的反斜杠转义",
    "Invalid \\uXXXX escape": "字符串里有无效的 \\u 转义",
    "Extra data": "JSON 结束后还有多余的内容",
}


def json_error_text(msg: str) -> str:
    """A Chinese description of a :class:`json.JSONDecodeError` message (never the English)."""
    return _JSON_ERRORS.get(msg, "格式错误")


def iter_text_lines(src: Source, encoding: str) -> Iterable[tuple[int, str]]:
    """Yield (1-based line number, line without its line ending) for a text file, streaming.

    Decoding errors raise :class:`ImportFailure` naming the line. UTF-8 and GB18030 files are
    split on LF bytes and decoded line by line (a 0x0A byte is always a line feed there), so the
    line named is exact; UTF-16 is decoded by the text layer (its lines also end at a bare CR).
    """
    if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig", "gb18030"):
        with open(src.path, "rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                try:
                    line = raw.decode(encoding)
                except UnicodeDecodeError:
                    raise ImportFailure(
                        f"文件「{src.name}」第 {lineno} 行有无法按 {encoding.upper().removesuffix('-SIG')} 解码的字节"
                        "（可能这一行是从其他编码的文件里粘贴来的）。请改正这一行，或将文件另存为“UTF-8”编码后重新导入。"
                    ) from None
                yield lineno, line.rstrip("\r\n")
        return
    with open(src.path, "r", encoding=encoding, newline="") as fh:
        lineno = 0
        try:
            for lineno, line in enumerate(fh, start=1):
                yield lineno, line.rstrip("\r\n")
        except UnicodeDecodeError:
            raise ImportFailure(
                f"文件「{src.name}」第 {lineno + 1} 行附近有无法按 {encoding.upper()} 解码的字节。"
                "请将文件另存为“UTF-8”编码后重新导入。"
            ) from None
