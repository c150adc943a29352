"""WeCom readers: 会话内容存档 JSON Lines and groupchat roster JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import detect_score, stage_file
from core.formats import qq_txt, template, wecom_archive, wecom_groupchat
from core.formats.base import ImportFailure

ROOM = "wrAbCdEfGhAAAxYz0123456789QwErTy"


def slim(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if v is not None} for r in rows]


def jsonl(tmp_path: Path, records: list, name: str = "archive.jsonl") -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- archive


def test_archive_example(shared_formats: Path) -> None:
    result, staged = stage_file(wecom_archive, shared_formats / "wecom" / "wecom_archive_sample.jsonl")
    assert (result.format, result.kind, result.platform) == ("wecom_archive", "messages", "wecom")
    rows = staged["stage_messages"]
    good = [r for r in rows if r["reject"] is None]
    assert [(r["line"], r["group_key"], r["msg_id"], r["sender_id"], r["sent_utc_ms"], r["kind"], r["raw_type"],
             r["text"]) for r in good] == [
        (1, ROOM, "1342576809117263590_1715304273601", "WangJianGuo", 1715304273601, "text", "text",
         "各位同事，下午三点在三楼会议室召开安全生产例会。"),
        (2, ROOM, "1342576809117263591_1715304360112", "LiXiaoMei", 1715304360112, "image", "image", None),
        (3, ROOM, "1342576809117263592_1715304615003", "WangJianGuo", 1715304615003, "file", "file",
         "关于开展汛期安全检查的通知.docx"),
        (4, ROOM, "1342576809117263593_1715304700450", "WangJianGuo", 1715304700450, "link", "link",
         "关于做好防汛工作的通知"),
        (5, ROOM, "1342576809117263594_1715304800777", "ZhaoHaiYang", 1715304800777, "red_packet", "redpacket",
         "【红包】恭喜发财，大吉大利 （5 个，共 10.00 元）"),
        (6, ROOM, "1342576809117263595_1715304840010", "LiXiaoMei", 1715304840010, "recall", "revoke", None),
    ]
    rejected = [r for r in rows if r["reject"] is not None]
    assert [(r["line"], r["reject"], r["raw"]) for r in rejected] == [
        (7, wecom_archive.REASON_PRIVATE,
         '{"msgid": "1342576809117263596_1715305000200", "action": "send", "msgtype": "text"}'),
        (8, wecom_archive.REASON_PRIVATE,
         '{"msgid": "1342576809117263597_1715305100000_external", "action": "send", "msgtype": "agree"}'),
        (9, wecom_archive.REASON_SWITCH, '{"msgid": "1342576809117263598_1715305200333", "action": "switch"}'),
    ]
    # Private text is not kept anywhere in the staged rows.
    assert not any("会议纪要" in str(v) for r in rows for v in r.values())
    assert all(r["sender_id"] is None and r["text"] is None for r in rejected)
    assert result.warnings == [
        "有 2 条单聊消息不属于工作群，按隐私要求未导入，也未保存其内容。",
        "有 1 条会话切换记录（switch）不是聊天消息，未导入。",
    ]


def test_archive_strings_nulls_bad_json_and_beijing_evening(tmp_path: Path) -> None:
    # 2024-05-10 13:30:00 UTC = 21:30 in Beijing (after working hours): epoch kept in UTC ms.
    evening = 1715347800000
    path = jsonl(tmp_path, [
        {"msgid": "m1", "action": "send", "from": "u1", "tolist": ["u2"], "roomid": "wrR",
         "msgtime": str(evening), "msgtype": "text", "text": {"content": "晚上好"}},
        {"msgid": "m2", "action": "send", "from": "u1", "tolist": [], "roomid": "wrR",
         "msgtime": "1715347801000", "msgtype": "image", "image": None},
        '{"msgid": "m3", "action": "send", "from": "u1"',
        "",
        {"msgid": "m4", "action": "send", "from": "u2", "roomid": "wrR", "msgtime": 1715347802000,
         "msgtype": "external_redpacket", "redpacket": {"type": "1", "wish": "辛苦了", "totalcnt": "1",
                                                        "totalamount": "20000"}},
        {"msgid": "m5", "action": "send", "from": "u2", "roomid": "wrR", "msgtime": 1715347803,
         "msgtype": "emotion", "emotion": {"type": 1}},
        {"msgid": "m6", "action": "recall", "from": "u2", "roomid": "wrR", "msgtime": 1715347804000,
         "msgtype": "revoke", "revoke": {"pre_msgid": "m5"}},
        {"msgid": "m7", "action": "send", "from": "u2", "roomid": "wrR", "msgtime": "abc",
         "msgtype": "text", "text": {"content": "x"}},
        {"msgid": "m8", "action": "send", "from": "u3", "roomid": None, "msgtime": 1715347805000,
         "msgtype": "text", "text": {"content": "私聊内容"}},
        {"msgid": "m9", "action": "send", "from": "u3", "roomid": "wrR", "msgtime": 1715347806000,
         "msgtype": "weapp", "weapp": {"title": "填报小程序"}},
        {"msgid": "m10", "action": "send", "from": "u3", "roomid": "wrR", "msgtime": 1715347807000,
         "msgtype": "chatrecord", "chatrecord": {"title": "群聊的聊天记录"}},
        {"msgid": "m11", "action": "send", "from": "u3", "roomid": "wrR", "msgtime": 1715347808000,
         "msgtype": "mixed", "mixed": {"item": [{"type": "text", "content": "{\"content\":\"看图\"}"},
                                                {"type": "image", "content": "{}"}]}},
        {"msgid": "m12", "action": "send", "from": "u3", "roomid": "wrR", "msgtime": 1715347809000,
         "msgtype": "brand_new_type", "brand_new_type": {"x": 1}},
        "[1, 2]",
    ])
    result, staged = stage_file(wecom_archive, path)
    rows = staged["stage_messages"]
    assert [(r["line"], r["msg_id"], r["sent_utc_ms"], r["kind"], r["text"], r["reject"] is not None)
            for r in rows] == [
        (1, "m1", evening, "text", "晚上好", False),
        (2, "m2", evening + 1000, "image", None, False),
        (3, None, None, None, None, True),
        (5, "m4", evening + 2000, "red_packet", "【红包】辛苦了 （1 个，共 200.00 元）", False),
        (6, "m5", evening + 3000, "sticker", None, False),
        (7, "m6", evening + 4000, "recall", None, False),
        (8, "m7", None, "text", "x", True),
        (9, "m8", None, None, None, True),
        (10, "m9", evening + 6000, "link", "填报小程序", False),
        (11, "m10", evening + 7000, "other", "【聊天记录】群聊的聊天记录", False),
        (12, "m11", evening + 8000, "text", "看图[图片]", False),
        (13, "m12", evening + 9000, "other", None, False),
        (14, None, None, None, None, True),
    ]
    by_line = {r["line"]: r for r in rows}
    assert by_line[3]["reject"].startswith("第 3 行不是有效的 JSON")
    assert by_line[3]["raw"] == '{"msgid": "m3", "action": "send", "from": "u1"'
    assert by_line[8]["reject"] == "第 8 行的消息时间 msgtime「abc」无法识别，未导入。"
    assert by_line[9]["reject"] == wecom_archive.REASON_PRIVATE
    assert "私聊内容" not in by_line[9]["raw"]
    assert by_line[14]["reject"] == "第 14 行不是一条消息记录（应为 JSON 对象），未导入。"
    assert [r["group_key"] for r in rows if r["reject"] is None] == ["wrR"] * 9
    assert [r["raw_type"] for r in rows if r["reject"] is None][3] == "emotion"
    assert "有 1 行不是有效的 JSON，已列入未导入明细。" in result.warnings


def test_archive_without_any_json_fails(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text("not json\nstill not\n", encoding="utf-8")
    with pytest.raises(ImportFailure) as exc:
        stage_file(wecom_archive, path)
    assert "notes.jsonl" in str(exc.value) and "没有一行是有效的 JSON" in str(exc.value)


def test_archive_detect(shared_formats: Path) -> None:
    path = shared_formats / "wecom" / "wecom_archive_sample.jsonl"
    assert detect_score(wecom_archive, path) >= 0.9
    for other in (qq_txt, template, wecom_groupchat):
        assert detect_score(other, path) < 0.5
    for p in shared_formats.rglob("*"):
        if p.is_file() and p.suffix != ".jsonl":
            assert detect_score(wecom_archive, p) < 0.5, p


# ----------------------------------------------------------------------------- groupchat


def test_externalcontact_example(shared_formats: Path) -> None:
    result, staged = stage_file(wecom_groupchat, shared_formats / "wecom" / "wecom_externalcontact_groupchat_get.json")
    assert (result.format, result.kind, result.platform) == ("wecom_groupchat", "roster", "wecom")
    assert slim(staged["stage_groups"]) == [
        {"line": 4, "group_key": ROOM, "group_name": "技术保障工作群", "owner_id": "WangJianGuo",
         "created_utc_ms": 1715300000000},
    ]
    assert slim(staged["stage_members"]) == [
        {"line": 11, "group_key": ROOM, "group_name": "技术保障工作群", "member_id": "WangJianGuo",
         "member_name": "综合科-王建国", "member_alias": "王建国", "role": "owner", "joined_utc_ms": 1715300001000},
        {"line": 22, "group_key": ROOM, "group_name": "技术保障工作群", "member_id": "wmAbCdEfGhAAAk3n8q2m5x7p9",
         "member_name": "孙国平", "role": "member", "joined_utc_ms": 1715301500000},
    ]
    assert result.warnings == ["群「技术保障工作群」的管理员 LiXiaoMei 不在成员列表中（可能已退群），未作为成员导入。"]


def test_msgaudit_example(shared_formats: Path) -> None:
    result, staged = stage_file(wecom_groupchat, shared_formats / "wecom" / "wecom_msgaudit_groupchat_get.json")
    assert result.kind == "roster" and result.warnings == []
    assert slim(staged["stage_groups"]) == [
        {"line": 1, "group_name": "技术保障工作群", "owner_id": "WangJianGuo", "created_utc_ms": 1715300000000},
    ]
    assert [(r["line"], r["group_key"], r["group_name"], r["member_id"], r["member_name"], r["role"],
             r["joined_utc_ms"]) for r in staged["stage_members"]] == [
        (7, None, "技术保障工作群", "WangJianGuo", None, "owner", 1715300001000),
        (11, None, "技术保障工作群", "LiXiaoMei", None, "member", 1715300420000),
        (15, None, "技术保障工作群", "ZhaoHaiYang", None, "member", 1715301000000),
    ]


def test_groupchat_list_of_both_shapes_with_string_numbers(tmp_path: Path) -> None:
    doc = [
        {"errcode": 0, "errmsg": "ok", "group_chat": {
            "chat_id": "wrA", "name": "甲群", "owner": "u1", "create_time": "1715300000",
            "member_list": [
                {"userid": "u1", "type": 1, "join_time": "1715300001", "group_nickname": "", "name": "王一"},
                {"userid": "u2", "type": 1, "join_time": 1715300002, "group_nickname": "党建办-李二", "name": "李二"},
                {"type": 2, "join_time": 1715300003, "name": "无名"},
            ],
            "admin_list": [{"userid": "u2"}]}},
        {"roomname": "乙群", "creator": "u9", "room_create_time": 1715300100,
         "members": [{"memberid": "u9", "jointime": 1715300101}]},
    ]
    path = tmp_path / "rosters.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    assert detect_score(wecom_groupchat, path) >= 0.9
    result, staged = stage_file(wecom_groupchat, path)
    assert [(r["group_key"], r["group_name"], r["owner_id"], r["created_utc_ms"]) for r in staged["stage_groups"]] == [
        ("wrA", "甲群", "u1", 1715300000000), (None, "乙群", "u9", 1715300100000),
    ]
    members = staged["stage_members"]
    assert [(r["member_id"], r["member_name"], r["member_alias"], r["role"], r["joined_utc_ms"], r["reject"] is None)
            for r in members] == [
        ("u1", "王一", None, "owner", 1715300001000, True),
        ("u2", "党建办-李二", "李二", "admin", 1715300002000, True),
        (None, None, None, None, None, False),
        ("u9", None, None, "owner", 1715300101000, True),
    ]
    text = path.read_text(encoding="utf-8").split("\n")
    for r in members:  # each line points at the '{' that opens the member object
        assert text[r["line"] - 1].strip() == "{", r
    assert members[2]["reject"] == "群「甲群」的第 3 个成员缺少 userid，无法导入。"
    assert json.loads(members[2]["raw"])["name"] == "无名"


def test_groupchat_list_wrapper(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps({"errcode": 0, "group_chat_list": [
        {"chat_id": "wrB", "name": "丙群", "owner": "a", "member_list": [{"userid": "a", "join_time": 1}]}]}),
        encoding="utf-8")
    _, staged = stage_file(wecom_groupchat, path)
    assert [(r["line"], r["group_key"], r["group_name"]) for r in staged["stage_groups"]] == [(1, "wrB", "丙群")]
    assert [(r["member_id"], r["role"]) for r in staged["stage_members"]] == [("a", "owner")]


def test_groupchat_errcode_fails(tmp_path: Path) -> None:
    path = tmp_path / "err.json"
    path.write_text('{"errcode": 40003, "errmsg": "invalid userid"}', encoding="utf-8")
    with pytest.raises(ImportFailure) as exc:
        stage_file(wecom_groupchat, path)
    assert "errcode=40003" in str(exc.value) and "invalid userid" in str(exc.value) and "err.json" in str(exc.value)


def test_groupchat_broken_json_fails_with_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "roomname": "x",\n  "members": [\n', encoding="utf-8")
    with pytest.raises(ImportFailure) as exc:
        stage_file(wecom_groupchat, path)
    assert "broken.json" in str(exc.value) and "第 4 行" in str(exc.value)


def test_groupchat_detect(shared_formats: Path) -> None:
    for name in ("wecom_externalcontact_groupchat_get.json", "wecom_msgaudit_groupchat_get.json"):
        path = shared_formats / "wecom" / name
        assert detect_score(wecom_groupchat, path) >= 0.9
        for other in (qq_txt, template, wecom_archive):
            assert detect_score(other, path) < 0.5
    for p in shared_formats.rglob("*"):
        if p.is_file() and "groupchat" not in p.name:
            assert detect_score(wecom_groupchat, p) < 0.5, p
