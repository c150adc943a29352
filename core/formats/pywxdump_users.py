"""PyWxDump ``users.json``: ``{wxid: {wxid, nickname, remark, account, …}}`` (kind ``directory``).

One ``stage_people`` row per entry: ``person_id`` = wxid (the entry's, else its key), ``name`` =
remark or else nickname, ``aliases`` = nickname and account, non-empty, distinct and different
from ``name``. ``line`` is the line where the entry's key stands. An entry that is not an object
is staged as a reject. The file holds only people who spoke in the exported chats.
"""

from __future__ import annotations

import json
import re
from typing import Any

from core.formats.base import (
    ImportFailure, ReadOptions, ReadResult, Sample, Source, StageWriter, json_error_text, make_sample,
)

FORMAT = "pywxdump_users"

_OBJECT_START = re.compile(r'^\s*\{\s*"[^"]+"\s*:\s*\{')
_KEYS = ('"wxid"', '"nickname"', '"remark"', '"account"')


def detect(sample: Sample) -> float:
    """0.95 for a JSON object of user records (wxid, nickname, remark, account) named
    users.json, 0.9 under another name, else 0."""
    if sample.encoding is None or not _OBJECT_START.match(sample.text):
        return 0.0
    if not all(k in sample.text for k in _KEYS):
        return 0.0
    return 0.95 if sample.name.lower().endswith("users.json") else 0.9


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage every entry of users.json into ``stage_people``."""
    sample = make_sample(src)
    if sample.encoding is None:
        raise ImportFailure(f"文件「{src.name}」不是文本文件，无法按 JSON 读取。请确认选择了 PyWxDump 导出的 users.json。")
    try:
        text = src.path.read_text(encoding=sample.encoding)
    except UnicodeDecodeError:
        raise ImportFailure(
            f"文件「{src.name}」含有无法按 {sample.encoding.upper()} 解码的字节。请重新导出 users.json 后再导入。"
        ) from None
    text = text.lstrip("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure(
            f"文件「{src.name}」第 {exc.lineno} 行第 {exc.colno} 列不是有效的 JSON（{json_error_text(exc.msg)}）。"
            "请使用 PyWxDump 导出的原始 users.json，不要手工修改。"
        ) from None
    except (ValueError, RecursionError):  # a number of over 4,300 digits; nesting a thousand deep
        raise ImportFailure(
            f"文件「{src.name}」含有超长的数字或嵌套层数过深的 JSON，不是 PyWxDump 导出的 users.json。"
            "请确认选择了正确的文件。"
        ) from None
    if not isinstance(data, dict):
        raise ImportFailure(
            f"文件「{src.name}」不是 PyWxDump 的 users.json：最外层应是以微信账号为键的对象 {{…}}。"
            "请确认选择了正确的文件。"
        )
    if len(data) > opts.max_rows:
        raise ImportFailure(f"文件「{src.name}」有 {len(data)} 条记录，超过上限 {opts.max_rows} 条。请拆分后再导入。")
    with StageWriter(con) as w:
        pos, lines_before = 0, 0
        for index, (key, entry) in enumerate(data.items(), start=1):
            found = _key_at(text, key, pos)
            if found is None:
                line = index
            else:
                lines_before += text.count("\n", pos, found[0])
                pos, line = found[1], lines_before + 1
                lines_before += text.count("\n", found[0], pos)
            if not isinstance(entry, dict):
                w.person(line=line, person_id=_s(key), reject="这条记录不是用户信息对象，无法读取。",
                         raw=json.dumps({key: entry}, ensure_ascii=False))
                continue
            nickname, remark, account = _s(entry.get("nickname")), _s(entry.get("remark")), _s(entry.get("account"))
            name = remark or nickname
            aliases: list[str] = []
            for a in (nickname, account):
                if a and a != name and a not in aliases:
                    aliases.append(a)
            w.person(line=line, person_id=_s(entry.get("wxid")) or _s(key), name=name, aliases=aliases)
    return ReadResult(format=FORMAT, kind="directory", platform="wechat")


def _s(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _key_at(text: str, key: str, start: int) -> tuple[int, int] | None:
    """(start, end) of ``"key":`` at or after ``start`` (keys appear in file order), or None
    when it cannot be found (escaped differently); the entry's position is its line then."""
    for quoted in (json.dumps(key, ensure_ascii=False), json.dumps(key)):
        m = re.compile(re.escape(quoted) + r"\s*:").search(text, start)
        if m:
            return m.start(), m.end()
    return None
