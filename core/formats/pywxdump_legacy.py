"""PyWxDump ≤ 3.0 CSV: 8 columns ``id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime``.

Same staging as :mod:`core.formats.pywxdump`, except ``text`` is the ``msg`` member of the JSON
string in ``content`` (decoded in SQL; content that is not JSON is kept as it is), and the
exporter's own messages (talker ``我``) have neither account nor name (``sender_id`` and
``sender_name`` NULL, with a warning), because this version does not record who exported.
"""

from __future__ import annotations

from typing import Any

from core.formats.base import ReadOptions, ReadResult, Sample, Source, make_sample
from core.formats.pywxdump import NO_SENDER, room_from_file, stage_pywxdump
from core.formats.csvsql import check_max_rows, column_expr, load_csv, stage_rejects
from core.formats.wechatmsg_v1 import header_score, locate_header

FORMAT = "pywxdump_legacy"

COLUMNS = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "content", "CreateTime"]
REQUIRED = ["type_name", "talker", "room_name", "content", "CreateTime"]
SELF = "我"


def detect(sample: Sample) -> float:
    """0.95 for the exact ≤ 3.0 header (0.9 under title rows or reordered), else 0."""
    if header_score(sample, ["msg", "src", "content"]) >= 0.9:   # 3.1 columns beside content: ambiguous
        return 0.0
    if header_score(sample, ["msg", "src", "type_name"]) >= 0.9:   # the 3.1 layout
        return 0.0
    return header_score(sample, COLUMNS)


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage every row of a PyWxDump ≤ 3.0 CSV into ``stage_messages``."""
    sample = make_sample(src)
    header_index, names = locate_header(src, sample, COLUMNS, REQUIRED, "PyWxDump（3.0 及以前）聊天记录 CSV")
    rejects = load_csv(con, src, sample, opts, header_index, names)
    check_max_rows(con, src, opts, rejects)
    content = column_expr(names, "content")
    # JSON as written by PyWxDump; else the same with raw line breaks escaped (hand-edited or
    # re-saved files put them inside strings); else the content as it is.
    escaped = f"replace(replace({content}, chr(13), '\\r'), chr(10), '\\n')"
    text = (f"case when json_valid({content}) and json_type({content}) = 'OBJECT' "
            f"then coalesce(json_extract_string({content}, '$.msg'), {content}) "
            f"when json_valid({escaped}) and json_type({escaped}) = 'OBJECT' "
            f"then coalesce(json_extract_string({escaped}, '$.msg'), {content}) "
            f"else {content} end")
    stage_pywxdump(con, names, text, no_sender=NO_SENDER + [SELF])
    warnings = []
    own = con.execute(f"select count(*) from _csv where trim({column_expr(names, 'talker')}) = ?",
                      [SELF]).fetchall()[0][0]
    if own:
        warnings.append(
            f"文件「{src.name}」中有 {own} 条导出者本人发的消息（发送人记为“{SELF}”）。这一版 PyWxDump "
            "不记录导出者的微信号，这些消息导入后没有发送人姓名；如需统计，请用 PyWxDump 3.1 或留痕重新导出。"
        )
    stage_rejects(con, rejects)
    return ReadResult(format=FORMAT, kind="messages", platform="wechat",
                      group_name=opts.group_name, group_key=room_from_file(src.name), warnings=warnings)
