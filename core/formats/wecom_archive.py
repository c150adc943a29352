"""WeCom (企业微信) 会话内容存档, decrypted and stored as JSON Lines (one message object per line).

Contract (base.py): one ``stage_messages`` row per non-blank line, via :class:`StageWriter`.

- Group messages (``roomid`` non-empty): ``group_key``=roomid, ``msg_id``=msgid,
  ``sender_id``=from, ``sent_utc_ms``=msgtime (numbers given as strings are accepted; a value
  below 10^11 is taken as seconds), ``kind`` from msgtype (``action`` recall → recall),
  ``raw_type``=msgtype, ``text`` from the payload.
- 1:1 messages, ``switch`` records and other non-group records are staged as rejects whose
  ``raw`` is redacted to msgid/action/msgtype: private chats are not stored.
- A line that is not valid JSON is a reject with its line number; a file in which no line is
  a JSON object raises :class:`ImportFailure`.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from core.formats.base import (
    MAX_EPOCH_MS, ImportFailure, ReadOptions, ReadResult, Sample, Source, StageWriter, iter_text_lines, json_error_text,
    json_int, sniff_encoding,
)

FORMAT = "wecom_archive"

KINDS = {
    "text": "text", "markdown": "text", "todo": "text", "mixed": "text",
    "image": "image", "voice": "voice", "video": "video", "emotion": "sticker",
    "file": "file", "qydiskfile": "file",
    "link": "link", "weapp": "link", "news": "link", "docmsg": "link", "sphfeed": "link",
    "location": "location",
    "redpacket": "red_packet", "external_redpacket": "red_packet",
    "revoke": "recall",
    "voiptext": "call", "meeting_voice_call": "call", "voip_doc_share": "call",
    "agree": "system", "disagree": "system",
    "chatrecord": "other", "vote": "other", "meeting": "other", "calendar": "other",
    "card": "other", "collect": "other",
}
# msgtype → payload key when it differs from the msgtype itself.
_PAYLOAD_KEY = {"external_redpacket": "redpacket", "docmsg": "doc", "markdown": "info", "news": "info",
                "qydiskfile": "info"}

REASON_PRIVATE = "单聊消息（roomid 为空），不属于工作群；按隐私要求未导入，也未保存其内容。"
REASON_SWITCH = "会话切换记录（action=switch），不是聊天消息，未导入。"


def detect(sample: Sample) -> float:
    """0.95 when the first complete lines are JSON objects with ``msgid`` and ``action``."""
    lines = [ln for ln in sample.lines if ln.strip()]
    if len(sample.head) >= 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the 64 KiB sample
    seen = hits = 0
    for line in lines[:20]:
        seen += 1
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(obj, dict) and "msgid" in obj and "action" in obj:
            hits += 1
    if hits and hits * 2 >= seen:
        return 0.95
    return 0.0


def _int(value: Any) -> int | None:
    """An integer from a JSON number or a numeric string; None otherwise (never raises)."""
    return json_int(value)


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _redpacket_text(p: dict[str, Any]) -> str:
    wish = _str(p.get("wish")) or ""
    cnt = _int(p.get("totalcnt"))
    amount = _int(p.get("totalamount"))
    parts = []
    if cnt is not None:
        parts.append(f"{cnt} 个")
    if amount is not None:
        try:
            parts.append(f"共 {Decimal(amount) / 100:.2f} 元")
        except InvalidOperation:  # pragma: no cover - _int returned an int
            pass
    tail = f" （{'，'.join(parts)}）" if parts else ""
    return f"【红包】{wish}{tail}"


def payload_text(msgtype: str, p: dict[str, Any]) -> str | None:
    """The readable text of a message payload (``p`` is {} for absent/null payloads)."""
    if msgtype in ("text", "markdown"):
        return _str(p.get("content"))
    if msgtype in ("link", "weapp", "docmsg"):
        return _str(p.get("title")) or _str(p.get("description"))
    if msgtype == "news":
        items = p.get("item") if isinstance(p.get("item"), list) else []
        titles = [str(i.get("title")) for i in items if isinstance(i, dict) and i.get("title")]
        return "\n".join(titles) or None
    if msgtype in ("file", "qydiskfile"):
        return _str(p.get("filename"))
    if msgtype in ("redpacket", "external_redpacket"):
        return _redpacket_text(p)
    if msgtype == "location":
        return _str(p.get("title")) or _str(p.get("address"))
    if msgtype == "todo":
        parts = [_str(p.get("title")), _str(p.get("content"))]
        return "\n".join(x for x in parts if x) or None
    if msgtype == "vote":
        title = _str(p.get("votetitle"))
        return f"【投票】{title}" if title else None
    if msgtype == "meeting":
        topic = _str(p.get("topic"))
        return f"【会议】{topic}" if topic else None
    if msgtype == "calendar":
        title = _str(p.get("title"))
        return f"【日程】{title}" if title else None
    if msgtype == "chatrecord":
        title = _str(p.get("title"))
        return f"【聊天记录】{title}" if title else None
    if msgtype == "sphfeed":
        return _str(p.get("feed_desc")) or _str(p.get("sph_name"))
    if msgtype == "mixed":
        out = []
        for item in p.get("item") or []:
            if not isinstance(item, dict):
                continue
            content = item.get("content")
            if isinstance(content, str):
                try:
                    content = json.loads(content)
                except (ValueError, RecursionError):
                    pass
            if item.get("type") in ("text", "markdown") and isinstance(content, dict):
                if content.get("content"):
                    out.append(str(content["content"]))
            elif item.get("type") == "image":
                out.append("[图片]")
            elif item.get("type") == "emotion":
                out.append("[表情]")
        return "".join(out) or None
    return None


def _redacted(obj: dict[str, Any]) -> str:
    keep = {k: obj.get(k) for k in ("msgid", "action", "msgtype") if k in obj}
    return json.dumps(keep, ensure_ascii=False)


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage the group messages of a JSON Lines archive (see the module docstring)."""
    encoding = sniff_encoding(src.head())
    if encoding is None:
        raise ImportFailure(f"文件「{src.name}」不是文本文件，无法按企业微信会话存档（JSONL）读取。")
    result = ReadResult(format=FORMAT, kind="messages", platform="wecom")
    objects = rows = private = switches = bad_json = 0
    with StageWriter(con) as out:
        for lineno, line in iter_text_lines(src, encoding):
            if not line.strip():
                continue
            rows += 1
            if rows > opts.max_rows:
                raise ImportFailure(
                    f"文件「{src.name}」超过 {opts.max_rows} 条记录的上限，已拒绝导入。请按时间拆分后分别导入。"
                )
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                bad_json += 1
                out.message(line=lineno, raw=line,
                            reject=f"第 {lineno} 行不是有效的 JSON（第 {exc.colno} 个字符附近：{json_error_text(exc.msg)}），未导入。")
                continue
            except (ValueError, RecursionError):  # a number of over 4300 digits; nesting too deep
                bad_json += 1
                out.message(line=lineno, raw=line,
                            reject=f"第 {lineno} 行不是有效的消息记录（数字过长或嵌套层数过深），未导入。")
                continue
            if not isinstance(obj, dict):
                out.message(line=lineno, raw=line, reject=f"第 {lineno} 行不是一条消息记录（应为 JSON 对象），未导入。")
                continue
            objects += 1
            action = _str(obj.get("action"))
            msgtype = _str(obj.get("msgtype")) or ""
            roomid = _str(obj.get("roomid"))
            if action == "switch":
                switches += 1
                out.message(line=lineno, msg_id=_str(obj.get("msgid")), raw_type="switch",
                            raw=_redacted(obj), reject=REASON_SWITCH)
                continue
            if roomid is None:
                private += 1
                out.message(line=lineno, msg_id=_str(obj.get("msgid")), raw_type=msgtype or None,
                            raw=_redacted(obj), reject=REASON_PRIVATE)
                continue
            msgtime = _int(obj.get("msgtime"))
            if msgtime is not None and 0 < msgtime < 100_000_000_000:
                msgtime *= 1000  # seconds written by some archivers
            kind = "recall" if action == "recall" else KINDS.get(msgtype, "other")
            payload = obj.get(_PAYLOAD_KEY.get(msgtype, msgtype))
            if not isinstance(payload, dict):
                payload = obj.get(msgtype) if isinstance(obj.get(msgtype), dict) else {}
            row = dict(line=lineno, group_key=roomid, msg_id=_str(obj.get("msgid")),
                       sender_id=_str(obj.get("from")), sent_utc_ms=msgtime, kind=kind,
                       raw_type=msgtype or None, text=payload_text(msgtype, payload))
            if msgtime is None or not 0 < msgtime <= MAX_EPOCH_MS:
                out.message(**row, raw=line,
                            reject=f"第 {lineno} 行的消息时间 msgtime「{obj.get('msgtime')}」无法识别，未导入。")
                continue
            if not msgtype and action != "recall":
                out.message(**row, raw=line, reject=f"第 {lineno} 行缺少消息类型 msgtype，未导入。")
                continue
            out.message(**row)
    if objects == 0:
        raise ImportFailure(
            f"文件「{src.name}」中没有一行是有效的 JSON 消息记录，无法按企业微信会话存档读取。"
            "请确认导入的是解密后的会话存档（每行一条 JSON 消息）。"
        )
    if private:
        result.warnings.append(f"有 {private} 条单聊消息不属于工作群，按隐私要求未导入，也未保存其内容。")
    if switches:
        result.warnings.append(f"有 {switches} 条会话切换记录（switch）不是聊天消息，未导入。")
    if bad_json:
        result.warnings.append(f"有 {bad_json} 行不是有效的 JSON，已列入未导入明细。")
    return result
