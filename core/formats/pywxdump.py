"""PyWxDump 3.1 CSV: ``<roomid>_<start>_<end>.csv`` (pages of 5,000 messages of one group).

Columns ``id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime``. Staging (in SQL):
``msg_id`` = MsgSvrID, ``group_key`` = room_name (``…@chatroom``), ``sender_id`` = talker
(NULL for ``未知``/``系统``), no sender name (users.json / contacts.csv supply names),
``sent_local`` = CreateTime (local time text), ``text`` = msg, ``raw_type`` = type_name,
``kind`` from :data:`TYPE_KINDS` then :data:`TYPE_PATTERNS` (red packets are exported as
``未知`` and stay ``other``). ``ReadResult.group_key`` is the room id of the file name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from core.formats.base import ReadOptions, ReadResult, Sample, Source, make_sample
from core.formats.csvsql import check_max_rows, column_expr, load_csv, stage_rejects
from core.formats.wechatmsg_v1 import header_score, locate_header

FORMAT = "pywxdump"

COLUMNS = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"]
REQUIRED = ["type_name", "talker", "room_name", "msg", "CreateTime"]

TYPE_KINDS: dict[str, str] = {
    "文本": "text",
    "图片": "image",
    "语音": "voice",
    "视频": "video",
    "动画表情": "sticker",
    "用户上传的GIF表情": "sticker",
    "位置": "location",
    "文件": "file",
    "(分享)卡片式链接": "link",
    "卡片式链接": "link",
    "分享的小程序": "link",
    "小程序": "link",
    "视频号直播或直播回放等": "link",
    "视频号": "link",
    "合并转发的聊天记录": "other",
    "引用回复": "quote",
    "带有引用的文本消息": "quote",
    "转账": "transfer",
    "转账消息": "transfer",
    "赠送红包封面": "red_packet",
    "红包": "red_packet",
    "语音通话": "call",
    "系统通知": "system",
    "拍一拍": "system",
    "邀请加群": "system",
    "接龙": "text",
    "群公告": "text",
    "未知": "other",
}
# Fallbacks for names not listed above (SQL LIKE patterns, first match wins).
TYPE_PATTERNS: list[tuple[str, str]] = [
    ("消息撤回%", "recall"),
    ("%撤回%", "recall"),
    ("%红包%", "red_packet"),
    ("%转账%", "transfer"),
    ("%通话%", "call"),
    ("%表情%", "sticker"),
    ("%链接%", "link"),
]
NO_SENDER = ["未知", "系统"]
RECALL_TEXT = "%撤回了一条消息%"

# Room ids are ASCII (``…@chatroom``, ``wxid_…``); greedy so ``wxid_ab_0_13.csv`` keeps ``wxid_ab``.
_FILE_NAME = re.compile(r"^(?P<room>[A-Za-z0-9_@.\-]+)_(?P<start>\d+)_(?P<end>\d+)(?:\s*[\(（]\d+[\)）])?\.csv$",
                        re.IGNORECASE)


def detect(sample: Sample) -> float:
    """0.95 for the exact 3.1 header (0.9 under title rows or reordered), else 0."""
    if header_score(sample, ["content", "type_name", "talker"]) >= 0.9:   # the ≤ 3.0 layout
        return 0.0
    return header_score(sample, COLUMNS)


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage every row of a PyWxDump 3.1 CSV into ``stage_messages``."""
    sample = make_sample(src)
    header_index, names = locate_header(src, sample, COLUMNS, REQUIRED, "PyWxDump 聊天记录 CSV")
    rejects = load_csv(con, src, sample, opts, header_index, names)
    check_max_rows(con, src, opts, rejects)
    stage_pywxdump(con, names, column_expr(names, "msg"))
    stage_rejects(con, rejects)
    return ReadResult(format=FORMAT, kind="messages", platform="wechat",
                      group_name=opts.group_name, group_key=room_from_file(src.name))


def room_from_file(name: str) -> str | None:
    """``25791346802@chatroom_0_13.csv`` → ``25791346802@chatroom``."""
    m = _FILE_NAME.match(Path(name).name)
    return m.group("room") if m else None


def stage_pywxdump(con: Any, names: list[str], text_expr: str, no_sender: list[str] = NO_SENDER) -> None:
    """Insert ``_csv`` into ``stage_messages``; ``text_expr`` is SQL for the message text
    (built by the caller from whitelisted column names only)."""
    con.execute("create or replace temp table _pwd_types (name varchar, kind varchar)")
    con.executemany("insert into _pwd_types values (?, ?)", [[k, v] for k, v in TYPE_KINDS.items()])
    con.execute("create or replace temp table _pwd_patterns (prio integer, pattern varchar, kind varchar)")
    con.executemany("insert into _pwd_patterns values (?, ?, ?)",
                    [[i, p, k] for i, (p, k) in enumerate(TYPE_PATTERNS)])
    c = {n: column_expr(names, n) for n in COLUMNS + ["content"]}
    con.execute(
        f"""
        insert into stage_messages (line, group_key, msg_id, sender_id, sent_local, kind, raw_type, text)
        with rows as (
            select _line, trim({c['type_name']}) as tname, {c['type_name']} as type_raw, {text_expr} as body,
                   nullif(trim({c['room_name']}), '') as room,
                   nullif(trim({c['MsgSvrID']}), '') as svrid,
                   nullif(trim({c['talker']}), '') as talker,
                   {c['CreateTime']} as created
            from _csv
        ), typed as (
            select r.*, coalesce(t.kind,
                       (select p.kind from _pwd_patterns p where r.tname like p.pattern order by p.prio limit 1),
                       'other') as kind0
            from rows r left join _pwd_types t on t.name = r.tname
        )
        select _line, room, svrid,
               case when list_contains(?::varchar[], talker) then null else talker end,
               created,
               case when kind0 = 'system' and body like ? then 'recall' else kind0 end,
               type_raw, body
        from typed
        """,
        [no_sender, RECALL_TEXT],
    )
