"""QQ 消息管理器 TXT export (classic PC QQ ≤ 9.7).

Contract (base.py): streaming line parser into ``stage_messages`` with :class:`StageWriter`.

- Conversation banners (64 ``=`` / ``消息分组:…`` / ``消息对象:<name>``) set ``group_name`` of the
  rows that follow; the banner and blank lines are export chrome, not rows.
- A message starts at a header ``YYYY-MM-DD H:mm:ss 昵称(QQ号)`` (Chinese locale),
  ``YYYY-MM-DD h:mm:ss AM/PM 昵称(QQ号)`` (English locale), ``昵称<email>`` or ``昵称`` alone
  (private chats). The id is the last ``(digits)`` / ``<…@…>`` at the end of the line.
- Content lines follow until a blank line; a non-header line after blank lines continues the
  previous message (messages may contain empty lines). ``line`` is the header's line.
- A header whose date/time is impossible is staged as a reject (raw = header + content);
  content with no header before it (start of file / right after a banner) is a reject too.
- ``sent_local`` is ``YYYY-MM-DD HH:MM:SS`` (24-hour, zero-padded).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from core.formats.base import (
    ImportFailure, ReadOptions, ReadResult, Sample, Source, StageWriter, iter_text_lines, sniff_encoding,
)

FORMAT = "qq_txt"

TITLE = "消息记录（此消息记录为文本格式，不支持重新导入）"
_BANNER = re.compile(r"^={64}\s*$")
_GROUP = re.compile(r"^消息分组[:：](.*)$")
_OBJECT = re.compile(r"^消息对象[:：](.*)$")
# "Header-looking": a date, then a clock time, optional AM/PM, then a sender.
_HEADER = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2}) +(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?"
    r"(?: *(AM|PM|am|pm|上午|下午))? +(\S.*?)\s*$"
)
_ID_PAREN = re.compile(r"^(.*)\((\d{4,12})\)$")
_ID_ANGLE = re.compile(r"^(.*)<([^<>\s]+@[^<>\s]+|\d{4,12})>$")
_SYSTEM_IDS = frozenset({"10000", "1000000"})
_ONLY_IMAGES = re.compile(r"^(?:\[图片\]\s*)+$")
_ONLY_STICKERS = re.compile(r"^(?:\[表情\]\s*)+$")
_PREFIX_KINDS = (("[QQ红包]", "red_packet"), ("[语音]", "voice"), ("[文件]", "file"), ("[视频]", "video"))


def detect(sample: Sample) -> float:
    """1.0 for the 消息管理器 title line, 0.95 for a conversation banner, else 0."""
    lines = sample.lines
    if not lines:
        return 0.0
    if lines[0].lstrip("\ufeff").strip() == TITLE:
        return 1.0
    for i, line in enumerate(lines[:40]):
        if _BANNER.match(line) and i + 1 < len(lines) and (_GROUP.match(lines[i + 1]) or _OBJECT.match(lines[i + 1])):
            return 0.95
    return 0.0


def kind_of(text: str) -> str:
    """Message kind from QQ's inline placeholders (text with words around a placeholder is text)."""
    body = text.strip()
    if not body:
        return "other"
    if _ONLY_IMAGES.match(body):
        return "image"
    if _ONLY_STICKERS.match(body):
        return "sticker"
    for prefix, kind in _PREFIX_KINDS:
        if body.startswith(prefix):
            return kind
    return "text"


def parse_header(m: re.Match[str]) -> tuple[str | None, str, str | None]:
    """(sent_local or None if the time is impossible, sender name, sender id or None)."""
    year, month, day, hour, minute, second, ampm, who = m.groups()
    sent: str | None = None
    try:
        h = int(hour)
        if second is None:
            raise ValueError("no seconds")
        if ampm:
            if not 1 <= h <= 12:
                raise ValueError("12-hour clock")
            pm = ampm.upper() == "PM" or ampm == "下午"
            h = (h % 12) + (12 if pm else 0)
        stamp = dt.datetime(int(year), int(month), int(day), h, int(minute), int(second))
        sent = stamp.strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        sent = None
    idm = _ID_PAREN.match(who) or _ID_ANGLE.match(who)
    if idm and idm.group(1).strip():
        return sent, idm.group(1).strip(), idm.group(2)
    return sent, who, None


class _Block:
    """An open message (or an orphan/rejected block) collecting its content lines."""

    __slots__ = ("line", "header", "sent", "name", "sender_id", "lines", "blanks", "reject")

    def __init__(self, line: int, header: str | None, sent: str | None = None, name: str | None = None,
                 sender_id: str | None = None, reject: str | None = None) -> None:
        self.line, self.header, self.sent, self.name, self.sender_id = line, header, sent, name, sender_id
        self.lines: list[str] = []
        self.blanks = 0
        self.reject = reject


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage every message of every conversation in the file (see the module docstring)."""
    encoding = sniff_encoding(src.head())
    if encoding is None:
        raise ImportFailure(f"文件「{src.name}」不是文本文件，无法按 QQ 消息记录（TXT）读取。请确认选择了正确的文件。")
    result = ReadResult(format=FORMAT, kind="messages", platform="qq", group_name=opts.group_name)
    group: str | None = None
    in_banner = False
    cur: _Block | None = None
    staged = 0
    no_group = 0
    convs_without_ids: dict[str, bool] = {}

    with StageWriter(con) as out:

        def flush(block: _Block | None) -> None:
            nonlocal staged, no_group
            if block is None:
                return
            staged += 1
            if staged > opts.max_rows:
                raise ImportFailure(
                    f"文件「{src.name}」超过 {opts.max_rows} 条消息的上限，已拒绝导入。请按会话或时间拆分后分别导入。"
                )
            body = "\n".join(block.lines)
            if block.reject is not None:
                raw = "\n".join(([block.header] if block.header is not None else []) + block.lines)
                out.message(line=block.line, group_name=group, reject=block.reject, raw=raw)
                return
            if group is None:
                no_group += 1
            system = block.name == "系统消息" and block.sender_id in _SYSTEM_IDS
            if group is not None and not system:
                convs_without_ids.setdefault(group, True)
                if block.sender_id is not None:
                    convs_without_ids[group] = False
            out.message(
                line=block.line, group_name=group, sender_id=None if system else block.sender_id,
                sender_name=block.name, sent_local=block.sent, kind="system" if system else kind_of(body),
                text=body if body.strip() else None,
            )

        for lineno, line in iter_text_lines(src, encoding):
            if lineno == 1 and line.lstrip("\ufeff").strip() == TITLE:
                continue
            if not line.strip():
                if cur is not None:
                    cur.blanks += 1
                continue
            block_open = cur is not None and cur.blanks == 0
            if block_open:
                assert cur is not None
                cur.lines.append(line)
                continue
            # At the start of a paragraph: banner, header, continuation or orphan.
            if _BANNER.match(line):
                flush(cur)
                cur, in_banner = None, True
                continue
            if in_banner and (_GROUP.match(line) or _OBJECT.match(line)):
                obj = _OBJECT.match(line)
                if obj:
                    group = obj.group(1).strip() or None
                continue
            in_banner = False
            hm = _HEADER.match(line)
            if hm:
                flush(cur)
                sent, name, sender_id = parse_header(hm)
                if sent is None:
                    cur = _Block(lineno, line, reject=(
                        f"第 {lineno} 行消息头中的时间无法识别（应为“2019-05-10 9:03:15 昵称(QQ号)”或"
                        "“2019-05-10 9:03:15 PM 昵称(QQ号)”），这条消息未导入。"))
                else:
                    cur = _Block(lineno, line, sent, name, sender_id)
                continue
            if cur is not None:
                # A message with empty lines inside it: keep them.
                cur.lines.extend([""] * cur.blanks)
                cur.blanks = 0
                cur.lines.append(line)
                continue
            cur = _Block(lineno, None, reject=(
                f"第 {lineno} 行的内容前面没有消息头（“时间 昵称(QQ号)”），无法判断发送人和时间，未导入。"))
            cur.lines.append(line)
        flush(cur)

    if no_group:
        result.warnings.append(
            f"有 {no_group} 条消息前面没有“消息对象:”会话标题，无法从文件中得知群名称。"
        )
    private = [g for g, no_ids in convs_without_ids.items() if no_ids]
    if private:
        result.warnings.append(
            "以下会话的发送人没有 QQ 号，可能是私聊记录而不是工作群：" + "、".join(private)
        )
    return result
