"""WeCom (企业微信) group rosters returned by the server APIs, saved as JSON.

Contract (base.py): ``stage_groups`` (one row per group) and ``stage_members`` (one row per
member); ``line`` is the physical line where the group / member object starts.

- ``externalcontact/groupchat/get``: ``group_chat{chat_id, name, owner, create_time,
  member_list[{userid, type, join_time, group_nickname, name}], admin_list[{userid}]}``
  → group_key=chat_id; member_name = group_nickname or name (member_alias = name when the
  group nickname is set); role owner / admin / member.
- ``msgaudit/groupchat/get``: ``roomname, creator, room_create_time, members[{memberid,
  jointime}]`` → group_name=roomname, no group_key; creator is the owner.
- A JSON array of such objects, or ``{"group_chat_list": [...]}``, is accepted too.
- Epoch seconds become ``*_utc_ms``. ``errcode`` ≠ 0 raises :class:`ImportFailure`.
"""

from __future__ import annotations

import bisect
import json
from json import decoder as _jd, scanner as _js
from typing import Any

from core.formats.base import (
    MAX_EPOCH_MS, ImportFailure, ReadOptions, ReadResult, Sample, Source, StageWriter, json_error_text, json_int,
    sniff_encoding,
)

FORMAT = "wecom_groupchat"
MAX_BYTES = 200 * 1024 * 1024


def detect(sample: Sample) -> float:
    """0.95 when the text carries either API's characteristic keys."""
    text = sample.text.lstrip()
    if not text.startswith(("{", "[")):
        return 0.0
    if '"group_chat"' in text and '"chat_id"' in text:
        return 0.95
    if '"member_list"' in text and '"chat_id"' in text:
        return 0.95
    if '"roomname"' in text and '"members"' in text:
        return 0.95
    if '"group_chat_list"' in text:
        return 0.9
    return 0.0


class _PositionDecoder(json.JSONDecoder):
    """A JSON decoder that records where each object starts (character offset of ``{``)."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: dict[int, int] = {}
        self._keep: list[Any] = []

        def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
            obj, end = _jd.JSONObject(s_and_end, *args)
            self.starts[id(obj)] = s_and_end[1] - 1
            self._keep.append(obj)  # keep ids unique while the positions are in use
            return obj, end

        self.parse_object = parse_object
        self.scan_once = _js.py_make_scanner(self)


def _int(value: Any) -> int | None:
    return json_int(value)


def _ms(seconds: Any) -> int | None:
    value = _int(seconds)
    if value is None or value <= 0:
        return None
    value = value * 1000 if value < 100_000_000_000 else value
    return value if value <= MAX_EPOCH_MS else None


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _check_errcode(obj: dict[str, Any], name: str) -> None:
    code = obj.get("errcode")
    if code is None:
        return
    if _int(code) != 0:
        raise ImportFailure(
            f"文件「{name}」是企业微信接口返回的错误结果（errcode={code}，errmsg={obj.get('errmsg')!s}），"
            "里面没有群成员数据。请修正接口调用后重新导出。"
        )


def _groups(doc: Any, name: str) -> list[dict[str, Any]]:
    """The group objects of either API shape found in ``doc`` (object, array, or list wrapper)."""
    items = doc if isinstance(doc, list) else [doc]
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        _check_errcode(item, name)
        if isinstance(item.get("group_chat_list"), list):
            out.extend(_groups(item["group_chat_list"], name))
        elif isinstance(item.get("group_chat"), dict):
            out.append(item["group_chat"])
        else:
            out.append(item)
    return out


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage the groups and members of a WeCom groupchat JSON file (see the module docstring)."""
    if src.size > MAX_BYTES:
        raise ImportFailure(f"文件「{src.name}」超过 {MAX_BYTES // (1024 * 1024)} MB，不像是群成员名单。请确认选择了正确的文件。")
    encoding = sniff_encoding(src.head())
    if encoding is None:
        raise ImportFailure(f"文件「{src.name}」不是文本文件，无法按企业微信群成员 JSON 读取。")
    try:
        text = src.path.read_bytes().decode(encoding)
    except UnicodeDecodeError:
        raise ImportFailure(f"文件「{src.name}」含有无法按 {encoding.upper()} 解码的字节。请另存为 UTF-8 后重新导入。") from None
    text = text.lstrip("\ufeff")
    dec = _PositionDecoder()
    try:
        doc, end = dec.raw_decode(text, len(text) - len(text.lstrip()))
        if text[end:].strip():
            raise json.JSONDecodeError("Extra data", text, end)
    except json.JSONDecodeError as exc:
        raise ImportFailure(
            f"文件「{src.name}」第 {exc.lineno} 行第 {exc.colno} 列附近不是有效的 JSON（{json_error_text(exc.msg)}）。"
            "请导入企业微信接口返回的原始 JSON。"
        ) from None
    except (ValueError, RecursionError):  # a number of over 4,300 digits; nesting hundreds deep
        raise ImportFailure(
            f"文件「{src.name}」含有超长的数字或嵌套层数过深的 JSON，不是企业微信接口返回的群成员数据。"
            "请导入企业微信接口返回的原始 JSON。"
        ) from None
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def line_of(obj: Any, fallback: int) -> int:
        pos = dec.starts.get(id(obj))
        return bisect.bisect_left(newlines, pos) + 1 if pos is not None else fallback

    groups = _groups(doc, src.name)
    if not groups:
        raise ImportFailure(f"文件「{src.name}」中没有找到企业微信群信息（group_chat 或 roomname）。")
    result = ReadResult(format=FORMAT, kind="roster", platform="wecom")
    staged = 0
    with StageWriter(con) as out:
        for gpos, g in enumerate(groups, start=1):
            gline = line_of(g, gpos)
            raw = json.dumps({k: v for k, v in g.items() if k not in ("member_list", "members")}, ensure_ascii=False)
            if "member_list" in g or "chat_id" in g:
                key, gname, owner = _str(g.get("chat_id")), _str(g.get("name")), _str(g.get("owner"))
                created, members = _ms(g.get("create_time")), g.get("member_list")
                id_field, time_field = "userid", "join_time"
                admins = {_str(a.get("userid")) for a in g.get("admin_list") or [] if isinstance(a, dict)}
            else:
                key, gname, owner = None, _str(g.get("roomname")), _str(g.get("creator"))
                created, members = _ms(g.get("room_create_time")), g.get("members")
                id_field, time_field = "memberid", "jointime"
                admins = set()
            admins.discard(None)
            label = gname or key or f"第 {gpos} 个群"
            if key is None and gname is None:
                out.group(line=gline, raw=raw, owner_id=owner, created_utc_ms=created,
                          reject="这条群信息既没有群 ID（chat_id）也没有群名称，无法导入。")
                continue
            out.group(line=gline, group_key=key, group_name=gname, owner_id=owner, created_utc_ms=created)
            if not isinstance(members, list) or not members:
                result.warnings.append(f"群「{label}」的文件里没有成员列表。")
                continue
            seen: set[str] = set()
            for mpos, m in enumerate(members, start=1):
                staged += 1
                if staged > opts.max_rows:
                    raise ImportFailure(f"文件「{src.name}」超过 {opts.max_rows} 名成员的上限，已拒绝导入。")
                mline = line_of(m, gline)
                if not isinstance(m, dict) or _str(m.get(id_field)) is None:
                    out.member(line=mline, group_key=key, group_name=gname,
                               raw=json.dumps(m, ensure_ascii=False),
                               reject=f"群「{label}」的第 {mpos} 个成员缺少 {id_field}，无法导入。")
                    continue
                uid = _str(m.get(id_field))
                assert uid is not None
                seen.add(uid)
                nick, name = _str(m.get("group_nickname")), _str(m.get("name"))
                role = "owner" if uid == owner else "admin" if uid in admins else "member"
                out.member(line=mline, group_key=key, group_name=gname, member_id=uid,
                           member_name=nick or name, member_alias=name if nick else None,
                           role=role, joined_utc_ms=_ms(m.get(time_field)))
            missing = sorted(a for a in admins if a not in seen)
            if missing:
                result.warnings.append(
                    f"群「{label}」的管理员 {'、'.join(missing)} 不在成员列表中（可能已退群），未作为成员导入。"
                )
    return result
