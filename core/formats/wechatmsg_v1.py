"""WeChatMsg (留痕) v1 CSV: ``<remark>_utf8.csv``, one group per file.

Columns ``localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,
NickName,Sender``. Staging (all in SQL, see formats/README.md):

- ``sent_utc_ms`` = ``CreateTime`` (epoch seconds) × 1000; ``sent_local`` = ``StrTime`` only
  when ``CreateTime`` is unusable (e.g. damaged by an Excel re-save).
- ``sender_id`` = ``Sender`` (wxid), ``sender_name`` = ``Remark`` or else ``NickName``,
  ``sender_alias`` = ``NickName`` when it differs from ``sender_name``. System rows: all NULL.
- ``kind`` from (Type, SubType); WeChat 4.x packed types ``(SubType << 32) | Type`` are decoded.
  ``raw_type`` = ``Type/SubType`` exactly as in the file (packed values stay packed).
- ``text`` = ``StrContent`` when it is plain text. XML payloads (image, voice, video, sticker,
  location, app messages) and empty Type 49 contents become a v2-style marker such as
  ``【图片】`` or ``【分享链接】`` (+ the ``<title>`` when the XML has one), so the UI shows
  something readable and the kind stays visible in the text.
- ``msg_id`` is NULL: ``localId`` is a row id of the exporter's database, not a message id.
  ``TalkerId`` is a local conversation id and is not used as ``group_key``.
- The group name comes from the file name (``_utf8`` and the extension removed).

This module also hosts the header helpers shared by the other WeChat/PyWxDump CSV readers
(:func:`header_score`, :func:`locate_header`, :func:`group_name_from_file`); the CSV loading
itself is :func:`core.formats.csvsql.load_csv`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, Sequence

from core.formats.base import ImportFailure, ReadOptions, ReadResult, Sample, Source, make_sample
from core.formats.csvsql import check_max_rows, column_expr, load_csv, stage_rejects, unique_names

FORMAT = "wechatmsg_v1"

COLUMNS = ["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status",
           "StrContent", "StrTime", "Remark", "NickName", "Sender"]
REQUIRED = ["Type", "SubType", "CreateTime", "StrContent", "Remark", "NickName", "Sender"]

# (Type, SubType or None = any SubType, kind, marker shown as text when there is no plain text)
TYPE_MAP: list[tuple[int, int | None, str, str | None]] = [
    (1, None, "text", None),
    (3, None, "image", "【图片】"),
    (34, None, "voice", "【语音】"),
    (43, None, "video", "【视频】"),
    (62, None, "video", "【视频】"),
    (47, None, "sticker", "【表情包】"),
    (48, None, "location", "【位置分享】"),
    (42, None, "other", "【名片】"),
    (66, None, "other", "【企业微信名片】"),
    (50, None, "call", "【音视频通话】"),
    (49, 0, "file", "【文件】"),
    (49, 6, "file", "【文件】"),
    (49, 74, "file", "【文件】"),
    (49, 5, "link", "【分享链接】"),
    (49, 3, "link", "【音乐分享】"),
    (49, 4, "link", "【分享链接】"),
    (49, 33, "link", "【小程序】"),
    (49, 36, "link", "【小程序】"),
    (49, 51, "link", "【视频号】"),
    (49, 63, "link", "【视频号】"),
    (49, 88, "link", "【视频号】"),
    (49, 57, "quote", "【引用消息】"),
    (49, 19, "other", "【合并转发的聊天记录】"),
    (49, 24, "other", "【收藏笔记】"),
    (49, 53, "text", "【接龙】"),
    (49, 87, "text", "【群公告】"),
    (49, 2000, "transfer", "【转账】"),
    (49, 2001, "red_packet", "【红包】"),
    (49, 2003, "red_packet", "【红包封面】"),
    (49, None, "other", "【其他消息】"),
    (10000, 0, "system", None),
    (10000, 4, "system", None),        # 拍一拍
    (10000, 8000, "system", None),     # invitation
    (10000, 1, "recall", None),
    (10000, 5, "recall", None),
    (10000, 6, "recall", None),
    (10000, 33, "recall", None),
    (10000, 36, "recall", None),
    (10000, 57, "recall", None),
    (10000, None, "system", None),
    (10002, None, "system", "【系统消息】"),
]

RECALL_TEXT = "%撤回了一条消息%"


def detect(sample: Sample) -> float:
    """0.95 for the exact v1 header (0.9 under title rows or reordered), else 0."""
    return header_score(sample, COLUMNS)


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage every row of a v1 CSV into ``stage_messages`` (bad CSV records as rejects)."""
    sample = make_sample(src)
    header_index, names = locate_header(src, sample, COLUMNS, REQUIRED, "留痕（WeChatMsg）v1 聊天记录 CSV")
    rejects = load_csv(con, src, sample, opts, header_index, names)
    check_max_rows(con, src, opts, rejects)
    _create_type_map(con)
    c = {n: column_expr(names, n) for n in COLUMNS}
    con.execute(
        f"""
        insert into stage_messages (line, sender_id, sender_name, sender_alias, sent_local,
                                    sent_utc_ms, kind, raw_type, text)
        with src as (
            select _line,
                   case when regexp_full_match(trim({c['Type']}), '[0-9]{{1,20}}')
                        then trim({c['Type']})::hugeint end as t_raw,
                   case when regexp_full_match(trim({c['SubType']}), '[0-9]{{1,18}}')
                        then trim({c['SubType']})::bigint end as s_raw,
                   -- digits only: '1.7153E+09' (an Excel re-save) would cast to a rounded epoch
                   case when regexp_full_match(trim({c['CreateTime']}), '[0-9]{{1,13}}')
                        then trim({c['CreateTime']})::bigint end as ct,
                   {c['Type']} as type_txt, {c['SubType']} as sub_txt,
                   {c['StrContent']} as content, {c['StrTime']} as str_time,
                   nullif(trim({c['Remark']}), '') as remark,
                   nullif(trim({c['NickName']}), '') as nick,
                   nullif(trim({c['Sender']}), '') as sender
            from _csv
        ), decoded as (
            select *,
                   (t_raw % 4294967296)::bigint as t,
                   case when t_raw >= 4294967296 then (t_raw // 4294967296)::bigint else s_raw end as s
            from src
        ), mapped as (
            select d.*,
                   coalesce(exact.kind, anysub.kind, 'other') as kind0,
                   coalesce(exact.marker, anysub.marker) as marker,
                   ltrim(coalesce(d.content, '')) like '<%' as is_xml
            from decoded d
            left join _v1_types exact on exact.t = d.t and exact.s = d.s
            left join _v1_types anysub on anysub.t = d.t and anysub.s is null
        )
        select _line,
               sender,
               coalesce(remark, nick),
               case when nick is distinct from coalesce(remark, nick) then nick end,
               case when ct is null then nullif(trim(str_time), '') end,
               case when ct is null then null when ct >= 100000000000 then ct else ct * 1000 end,
               case when kind0 = 'system' and content like ? then 'recall'
                    when t = 10002 and content like '%revokemsg%' then 'recall'
                    else kind0 end,
               concat_ws('/', type_txt, sub_txt),
               case when content is not null and content <> '' and not is_xml then content
                    when marker is not null then
                        marker || coalesce(nullif(regexp_extract(content, '<title>(.*?)</title>', 1), ''), '')
                    else content end
        from mapped
        """,
        [RECALL_TEXT],
    )
    stage_rejects(con, rejects)
    return ReadResult(format=FORMAT, kind="messages", platform="wechat",
                      group_name=opts.group_name or group_name_from_file(src.name, "_utf8"))


def _create_type_map(con: Any) -> None:
    con.execute("create or replace temp table _v1_types (t bigint, s bigint, kind varchar, marker varchar)")
    con.executemany("insert into _v1_types values (?, ?, ?, ?)", [list(r) for r in TYPE_MAP])


# ---------------------------------------------------------------------------------------------
# Header helpers shared by the CSV readers of WeChatMsg and PyWxDump exports
# ---------------------------------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    """The trimmed cells of one header line; [] when it is not a CSV row (e.g. a bare carriage
    return, which the csv module refuses outside quotes)."""
    try:
        cells = next(csv.reader(io.StringIO(line)), [])
    except csv.Error:
        return []
    names = [c.strip().lstrip("\ufeff").strip() for c in cells]
    while names and names[-1] == "":
        names.pop()
    return names


def header_score(sample: Sample, expected: Sequence[str], max_scan: int = 30) -> float:
    """0.95 when the first non-empty line is exactly ``expected``; 0.9 when a line within the
    first ``max_scan`` holds all of ``expected`` (title rows above, reordered or extra columns);
    0.6 when one holds at least three quarters of them (a damaged header: the reader then names
    the missing columns instead of the file going unrecognised); else 0."""
    if sample.encoding is None or not sample.text:
        return 0.0
    want = set(expected)
    partial = 0.0
    for idx, line in enumerate(sample.lines[:max_scan]):
        if not line.strip():
            continue
        names = _cells(line)
        if names == list(expected):
            return 0.95 if idx == 0 or not any(l.strip() for l in sample.lines[:idx]) else 0.9
        if want <= set(names):
            return 0.9
        if len(want & set(names)) * 4 >= len(want) * 3:
            partial = 0.6
    return partial


def locate_header(src: Source, sample: Sample, expected: Sequence[str], required: Sequence[str],
                  what: str, max_scan: int = 30) -> tuple[int, list[str]]:
    """Return (0-based line index, header names) of the header row, or raise ImportFailure naming
    the missing required columns."""
    best: tuple[int, int, list[str]] | None = None
    for idx, line in enumerate(sample.lines[:max_scan]):
        if not line.strip():
            continue
        names = _cells(line)
        if set(required) <= set(names):
            return idx, unique_names(names)
        score = len(set(expected) & set(names))
        if best is None or score > best[0]:
            best = (score, idx, names)
    if best is None or best[0] == 0:
        raise ImportFailure(
            f"文件「{src.name}」的前 {max_scan} 行里找不到{what}的表头（应为：{','.join(expected)}）。"
            "请确认选择了导出工具生成的原始文件，不要删改表头。"
        )
    missing = [c for c in required if c not in best[2]]
    raise ImportFailure(
        f"文件「{src.name}」第 {best[1] + 1} 行的表头缺少必需的列：{'、'.join(missing)}。"
        f"{what}的表头应为：{','.join(expected)}。请恢复原列名（或重新导出）后再导入。"
    )


_COPY_SUFFIX = re.compile(r"\s*[\(（]\d+[\)）]$")


def group_name_from_file(name: str, strip_suffix: str = "") -> str | None:
    """The group name a WeChatMsg export carries in its file name (``技术保障工作群_utf8.csv``
    → ``技术保障工作群``); browser copy suffixes like `` (1)`` are removed too."""
    stem = Path(name).stem if "." in Path(name).name else Path(name).name
    stem = _COPY_SUFFIX.sub("", stem.strip())
    if strip_suffix and stem.endswith(strip_suffix):
        stem = stem[: -len(strip_suffix)]
    stem = _COPY_SUFFIX.sub("", stem).strip()
    return stem or None
