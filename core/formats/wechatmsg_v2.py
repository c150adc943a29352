"""WeChatMsg (留痕) v2 CSV (2025 rewrite): ``<remark>.csv``, one group per file.

Columns ``消息ID,类型,发送人,时间,内容,备注,昵称,更多信息``. Staging (in SQL):
``msg_id`` = 消息ID (NULL when Excel turned it into a rounded number such as ``8.24316E+18``,
with a warning), ``sender_name`` = 发送人 (no account id in this format), ``sender_alias`` =
昵称 when it differs from 发送人, ``sent_local`` = 时间, ``text`` = 内容 verbatim,
``raw_type`` = 类型, ``kind`` from :data:`TYPE_KINDS` (a 系统消息 saying 撤回了一条消息 is a
recall). The group name comes from the file name.
"""

from __future__ import annotations

from typing import Any

from core.formats.base import ReadOptions, ReadResult, Sample, Source, make_sample
from core.formats.csvsql import check_max_rows, column_expr, load_csv, stage_rejects
from core.formats.wechatmsg_v1 import group_name_from_file, header_score, locate_header

FORMAT = "wechatmsg_v2"

COLUMNS = ["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"]
REQUIRED = ["类型", "发送人", "时间", "内容"]

# 类型 → kind. Shares (mini programs, channels, music) are links; cards and notes are "other".
TYPE_KINDS: dict[str, str] = {
    "文本": "text",
    "图片": "image",
    "视频": "video",
    "语音": "voice",
    "表情包": "sticker",
    "音视频通话": "call",
    "文件": "file",
    "位置分享": "location",
    "分享链接": "link",
    "小程序": "link",
    "视频号": "link",
    "音乐分享": "link",
    "红包": "red_packet",
    "转账": "transfer",
    "引用消息": "quote",
    "合并转发的聊天记录": "other",
    "收藏笔记": "other",
    "个人/公众号名片": "other",
    "企业微信名片": "other",
    "系统消息": "system",
    "拍一拍": "system",
    "未知类型": "other",
}
RECALL_TEXT = "%撤回了一条消息%"


def kind_of(type_name: str | None, text: str | None) -> str:
    """The kind of a v2 row (Python twin of the SQL mapping, used by the XLSX reader)."""
    kind = TYPE_KINDS.get((type_name or "").strip(), "other")
    if kind == "system" and text and "撤回了一条消息" in text:
        return "recall"
    return kind


def detect(sample: Sample) -> float:
    """0.95 for the exact v2 header (0.9 under title rows or reordered), else 0."""
    return header_score(sample, COLUMNS)


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage every row of a v2 CSV into ``stage_messages`` (bad CSV records as rejects)."""
    sample = make_sample(src)
    header_index, names = locate_header(src, sample, COLUMNS, REQUIRED, "留痕（WeChatMsg）聊天记录 CSV")
    rejects = load_csv(con, src, sample, opts, header_index, names)
    check_max_rows(con, src, opts, rejects)
    con.execute("create or replace temp table _v2_types (name varchar, kind varchar)")
    con.executemany("insert into _v2_types values (?, ?)", [[k, v] for k, v in TYPE_KINDS.items()])
    c = {n: column_expr(names, n) for n in COLUMNS}
    con.execute(
        f"""
        insert into stage_messages (line, msg_id, sender_name, sender_alias, sent_local, kind, raw_type, text)
        select _line,
               case when regexp_full_match({c['消息ID']}, ' *\\d+ *') then trim({c['消息ID']}) end,
               nullif(trim({c['发送人']}), ''),
               case when nullif(trim({c['昵称']}), '') is distinct from nullif(trim({c['发送人']}), '')
                    then nullif(trim({c['昵称']}), '') end,
               {c['时间']},
               case when m.kind = 'system' and contains({c['内容']}, ?) then 'recall'
                    else coalesce(m.kind, 'other') end,
               {c['类型']},
               {c['内容']}
        from _csv left join _v2_types m on m.name = trim({c['类型']})
        """,
        [RECALL_TEXT.strip("%")],
    )
    warnings = []
    bad_ids = con.execute(
        f"""select count(*) from _csv
            where not regexp_full_match({c['消息ID']}, ' *(\\d+ *)?')"""
    ).fetchall()[0][0]
    if bad_ids:
        warnings.append(
            f"文件「{src.name}」有 {bad_ids} 行的消息ID 不是纯数字（常见于用 Excel 打开后另存，长数字被改成了"
            "科学计数法）。这些行按发送人、时间和内容去重；建议直接导入导出工具生成的原始文件。"
        )
    stage_rejects(con, rejects)
    return ReadResult(format=FORMAT, kind="messages", platform="wechat",
                      group_name=opts.group_name or group_name_from_file(src.name), warnings=warnings)
