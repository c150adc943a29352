"""WeChatMsg (留痕) v2 XLSX export: ``<remark>.xlsx`` with sheets 聊天记录 and 成员信息.

- 聊天记录 (same 8 columns as the v2 CSV) → ``stage_messages`` with the v2 CSV mapping
  (:mod:`core.formats.wechatmsg_v2`); ``line`` is the sheet row number.
- 成员信息 (``wxid,微信号,类型,群昵称,昵称,…``) → ``stage_members`` with ``member_id`` = wxid,
  ``member_name`` = 群昵称 or else 昵称, ``member_alias`` = 昵称 when it differs.
- Fully empty sheet rows are layout, not data, and are skipped. The group name comes from the
  file name. ``kind`` is "messages", or "roster" when only 成员信息 has rows.
The workbook is opened only through :mod:`core.formats.xlsx` (size checks, defusedxml).
"""

from __future__ import annotations

from typing import Any, Iterator

from core.formats.base import ImportFailure, ReadOptions, ReadResult, Sample, Source, StageWriter
from core.formats.wechatmsg_v1 import group_name_from_file
from core.formats.wechatmsg_v2 import COLUMNS as MESSAGE_COLUMNS, REQUIRED as MESSAGE_REQUIRED, kind_of
from core.formats.xlsx import check_zip, iter_sheet

FORMAT = "wechatmsg_xlsx"

MESSAGE_SHEET = "聊天记录"
MEMBER_SHEET = "成员信息"
MEMBER_COLUMNS = ["wxid", "微信号", "类型", "群昵称", "昵称", "头像地址", "头像原图", "标签", "性别",
                  "个性签名", "国家（地区）", "省份", "城市"]
MEMBER_REQUIRED = ["wxid", "群昵称", "昵称"]
HEADER_SCAN = 30


def detect(sample: Sample) -> float:
    """0.95 for a workbook with both sheets 聊天记录 and 成员信息, 0.8 with one of them, else 0."""
    if not sample.is_xlsx:
        return 0.0
    sheets = set(sample.xlsx_sheets)
    if {MESSAGE_SHEET, MEMBER_SHEET} <= sheets:
        return 0.95
    if MESSAGE_SHEET in sheets or MEMBER_SHEET in sheets:
        return 0.8
    return 0.0


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage 聊天记录 into ``stage_messages`` and 成员信息 into ``stage_members``."""
    check_zip(src)
    from core.formats.xlsx import sheet_names
    sheets = sheet_names(src)
    if MESSAGE_SHEET not in sheets and MEMBER_SHEET not in sheets:
        raise ImportFailure(
            f"文件「{src.name}」里没有“{MESSAGE_SHEET}”或“{MEMBER_SHEET}”工作表（现有：{'、'.join(sheets)}）。"
            "请使用留痕（WeChatMsg）导出的原始 Excel 文件，不要改工作表名称。"
        )
    n_messages = n_members = bad_ids = 0
    with StageWriter(con) as w:
        if MESSAGE_SHEET in sheets:
            for line, cell in _rows(src, MESSAGE_SHEET, MESSAGE_COLUMNS, MESSAGE_REQUIRED):
                n_messages += 1
                _check_limit(src, opts, n_messages + n_members)
                sender = _clean(cell("发送人"))
                nick = _clean(cell("昵称"))
                msg_id = _clean(cell("消息ID"))
                text = cell("内容")
                if msg_id and not msg_id.isdigit():
                    bad_ids += 1
                w.message(
                    line=line,
                    msg_id=msg_id if msg_id and msg_id.isdigit() else None,
                    sender_name=sender,
                    sender_alias=nick if nick != sender else None,
                    sent_local=cell("时间"),
                    kind=kind_of(cell("类型"), text),
                    raw_type=cell("类型"),
                    text=text,
                )
        if MEMBER_SHEET in sheets:
            for line, cell in _rows(src, MEMBER_SHEET, MEMBER_COLUMNS, MEMBER_REQUIRED):
                n_members += 1
                _check_limit(src, opts, n_messages + n_members)
                group_nick, nick = _clean(cell("群昵称")), _clean(cell("昵称"))
                name = group_nick or nick
                w.member(
                    line=line,
                    member_id=_clean(cell("wxid")),
                    member_name=name,
                    member_alias=nick if nick != name else None,
                )
    kind = "roster" if n_members and not n_messages else "messages"
    warnings = []
    if bad_ids:
        warnings.append(
            f"文件「{src.name}」有 {bad_ids} 行的消息ID 不是纯数字（常见于在 Excel 中改动后保存，长数字变成了"
            "科学计数法）。这些行按发送人、时间和内容去重；建议直接导入导出工具生成的原始文件。"
        )
    return ReadResult(format=FORMAT, kind=kind, platform="wechat",
                      group_name=opts.group_name or group_name_from_file(src.name), warnings=warnings)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _check_limit(src: Source, opts: ReadOptions, n: int) -> None:
    if n > opts.max_rows:
        raise ImportFailure(f"文件「{src.name}」超过单个文件上限 {opts.max_rows} 行。请按时间拆成几个文件后分别导入。")


def _rows(src: Source, sheet: str, expected: list[str], required: list[str]) -> Iterator[tuple[int, Any]]:
    """Yield (sheet row number, cell getter by header name) for the data rows of ``sheet``;
    the header may sit under title rows. Raise ImportFailure naming missing columns."""
    rows = iter_sheet(src, sheet)
    try:
        yield from _data_rows(src, sheet, rows, expected, required)
    finally:
        rows.close()


def _data_rows(src: Source, sheet: str, rows: Iterator[tuple[int, list[str | None]]], expected: list[str],
               required: list[str]) -> Iterator[tuple[int, Any]]:
    index: dict[str, int] | None = None
    best: tuple[int, int, list[str]] = (0, 0, [])
    for rowno, cells in rows:
        names = [(c or "").strip() for c in cells]
        if set(required) <= set(names):
            index = {}
            for i, n in enumerate(names):
                index.setdefault(n, i)
            break
        overlap = len(set(expected) & set(names))
        if overlap > best[0]:
            best = (overlap, rowno, names)
        if rowno >= HEADER_SCAN:
            break
    if index is None:
        if best[0] == 0:
            raise ImportFailure(
                f"文件「{src.name}」的“{sheet}”工作表前 {HEADER_SCAN} 行里找不到表头（应为：{','.join(expected)}）。"
                "请使用留痕导出的原始 Excel 文件，不要删改表头。"
            )
        missing = [c for c in required if c not in best[2]]
        raise ImportFailure(
            f"文件「{src.name}」的“{sheet}”工作表第 {best[1]} 行表头缺少必需的列：{'、'.join(missing)}。"
            f"表头应为：{','.join(expected)}。请恢复原列名（或重新导出）后再导入。"
        )
    for rowno, cells in rows:
        if not any(c is not None and c.strip() for c in cells):
            continue

        def cell(name: str, _cells: list[str | None] = cells) -> str | None:
            i = index.get(name) if index else None
            return _cells[i] if i is not None and i < len(_cells) else None

        yield rowno, cell
