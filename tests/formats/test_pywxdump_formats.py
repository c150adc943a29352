"""PyWxDump readers: 3.1 CSV, ≤ 3.0 CSV (JSON content) and users.json — on the shared examples
and on fixtures built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import detect_score, stage_file
from core.formats import (
    pywxdump, pywxdump_legacy, pywxdump_users, wechatmsg_contacts, wechatmsg_v1, wechatmsg_v2, wechatmsg_xlsx,
)
from core.formats.base import ImportFailure

MINE = [wechatmsg_v1, wechatmsg_v2, wechatmsg_xlsx, wechatmsg_contacts, pywxdump, pywxdump_legacy, pywxdump_users]
CSV_FILE = "pywxdump/25791346802@chatroom_0_13.csv"
HEADER_31 = "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime"
HEADER_30 = "id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime"


def test_pywxdump_example(shared_formats: Path, tmp_path: Path) -> None:
    result, staged = stage_file(pywxdump, shared_formats / CSV_FILE, tmp=tmp_path)
    assert (result.format, result.kind, result.platform) == ("pywxdump", "messages", "wechat")
    assert (result.group_key, result.group_name, result.warnings) == ("25791346802@chatroom", None, [])
    msgs = staged["stage_messages"]
    assert [r["line"] for r in msgs] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 17, 18]
    assert [r["kind"] for r in msgs] == [
        "system", "text", "text", "image", "voice", "video", "sticker", "file", "link", "quote",
        "other", "recall"]
    assert {r["group_key"] for r in msgs} == {"25791346802@chatroom"}
    assert [r["msg_id"] for r in msgs] == [f"82431567203948172{n}" for n in range(61, 73)]
    rows = {r["line"]: r for r in msgs}
    # 未知/系统 talkers have no account; nobody has a name in this format.
    assert (rows[2]["sender_id"], rows[18]["sender_id"]) == (None, None)
    assert (rows[3]["sender_id"], rows[3]["sender_name"]) == ("wxid_k3n8q2m5x7p912", None)
    assert rows[4]["sender_id"] == "wxid_me7c2k9d0a1b22"          # is_sender = 1: the exporter's own wxid
    assert (rows[3]["sent_local"], rows[3]["sent_utc_ms"]) == ("2024-05-10 09:24:33", None)
    assert rows[3]["text"] == "各位同事，下午三点在三楼会议室召开安全生产例会，请准时参加。"
    assert (rows[6]["raw_type"], rows[6]["text"]) == ("语音", "语音时长：4.62秒")
    assert rows[10]["raw_type"] == "(分享)卡片式链接"
    assert rows[10]["text"].startswith("关于做好防汛工作的通知\n区应急管理局\n\n<a href=")
    assert rows[14]["text"].startswith("好的，我负责会议记录\n\n[引用](2024-05-10 09:24:33)")
    # Red packets come out as 未知: kept as "other" with the raw name.
    assert (rows[17]["kind"], rows[17]["raw_type"], rows[17]["sender_id"]) == ("other", "未知", "wxid_z8x6c4v2b0n133")
    assert (rows[18]["kind"], rows[18]["raw_type"]) == ("recall", "系统通知")


def _row(i: int, type_name: str, talker: str, msg: str, when: str = "2024-05-10 10:00:00",
         room: str = "4455@chatroom") -> str:
    quoted = '"' + msg.replace('"', '""') + '"'
    return f"{i},{9000 + i},{type_name},0,{talker},{room},{quoted},,{when}"


def test_pywxdump_type_names_malformed_line_and_gbk(tmp_path: Path) -> None:
    lines = [
        "PyWxDump 导出,,,,,,,,",                                   # title row (line 1)
        HEADER_31,                                                 # line 2
        _row(1, "消息撤回1", "系统", '"王建国"撤回了一条消息'),       # 3
        _row(2, "拍一拍", "系统", '"王建国" 拍了拍 "李晓梅"'),        # 4
        _row(3, "邀请加群", "wxid_a", '"王建国"邀请"赵海洋"加入了群聊'),  # 5
        _row(4, "接龙", "wxid_a", "#接龙\n1. 王建国"),              # 6-7
        "5,9005,文本,0,wxid_a,4455@chatroom,多,了,一列,,2024-05-10 10:00:00",  # 8: too many columns
        _row(6, "群公告", "wxid_a", "周五例会"),                    # 9
        _row(7, "转账", "wxid_b", "转账"),                          # 10
        _row(8, "语音通话", "wxid_b", "通话时长 01:02"),            # 11
        _row(9, "合并转发的聊天记录", "wxid_b", "聊天记录"),         # 12
        _row(10, "新出现的类型", "wxid_b", "？"),                    # 13
        _row(11, "文本", "wxid_b", "没有群号", room=""),             # 14
    ]
    p = tmp_path / "4455@chatroom_0_5000.csv"
    p.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    assert detect_score(pywxdump, p) == 0.9
    assert detect_score(pywxdump_legacy, p) == 0.0
    result, staged = stage_file(pywxdump, p, tmp=tmp_path)
    assert result.group_key == "4455@chatroom"
    rows = {r["line"]: r for r in staged["stage_messages"]}
    assert sorted(rows) == [3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14]
    assert {ln: rows[ln]["kind"] for ln in rows if rows[ln]["reject"] is None} == {
        3: "recall", 4: "system", 5: "system", 6: "text", 9: "text", 10: "transfer", 11: "call",
        12: "other", 13: "other", 14: "text"}
    assert (rows[3]["sender_id"], rows[3]["raw_type"]) == (None, "消息撤回1")
    assert rows[6]["text"] == "#接龙\n1. 王建国"
    assert rows[8]["reject"] == "这一行的列数多于表头（可能内容里有未加引号的逗号），请检查该行。"
    assert rows[8]["raw"] == "5,9005,文本,0,wxid_a,4455@chatroom,多,了,一列,,2024-05-10 10:00:00"
    # A row without room_name keeps NULL; the pipeline fills in ReadResult.group_key.
    assert rows[14]["group_key"] is None and rows[13]["group_key"] == "4455@chatroom"


def test_pywxdump_missing_column(tmp_path: Path) -> None:
    p = tmp_path / "4455@chatroom_0_1.csv"
    p.write_text("id,MsgSvrID,type_name,is_sender,talker,msg,src,CreateTime\r\n1,2,文本,0,wxid_a,好,,2024-05-10 10:00:00\r\n",
                 encoding="utf-8")
    with pytest.raises(ImportFailure) as exc:
        stage_file(pywxdump, p, tmp=tmp_path)
    assert "4455@chatroom_0_1.csv" in str(exc.value) and "room_name" in str(exc.value)


def test_room_id_from_file_name() -> None:
    assert pywxdump.room_from_file("25791346802@chatroom_0_13.csv") == "25791346802@chatroom"
    assert pywxdump.room_from_file("wxid_ab_c_5000_9999.csv") == "wxid_ab_c"
    assert pywxdump.room_from_file("技术群_1_2.csv") is None
    assert pywxdump.room_from_file("export.csv") is None


def test_legacy_json_content(tmp_path: Path) -> None:
    def content(msg: str) -> str:
        return '"' + json.dumps({"src": "", "msg": msg}, ensure_ascii=False).replace('"', '""') + '"'

    lines = [
        HEADER_30,
        f"1,111,文本,1,我,4455@chatroom,{content('大家好')},2023-01-05 08:00:00",
        f"2,112,图片,0,wxid_a,4455@chatroom,{content('图片')},2023-01-05 08:01:00",
        f"3,113,文本,0,wxid_b,4455@chatroom,\"{{\"\"src\"\": \"\"\"\", \"\"msg\"\": \"\"第一行\n第二行\"\"}}\",2023-01-05 08:02:00",
        "4,114,文本,0,wxid_b,4455@chatroom,不是 JSON,2023-01-05 08:03:00",
        f"5,115,系统通知,0,系统,4455@chatroom,{content('“王建国”撤回了一条消息')},2023-01-05 08:04:00",
        f"6,116,文本,1,我,4455@chatroom,{content('收到')},2023-01-05 08:05:00",
        "7,117,文本,0,wxid_a,4455@chatroom," + content("转义的\n换行") + ",2023-01-05 08:06:00",
    ]
    p = tmp_path / "4455@chatroom_0_6.csv"
    p.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    assert detect_score(pywxdump_legacy, p) == 0.95
    assert detect_score(pywxdump, p) == 0.0
    result, staged = stage_file(pywxdump_legacy, p, tmp=tmp_path)
    assert (result.format, result.group_key) == ("pywxdump_legacy", "4455@chatroom")
    assert len(result.warnings) == 1 and "2 条导出者本人" in result.warnings[0]
    rows = staged["stage_messages"]
    assert [(r["line"], r["msg_id"], r["sender_id"], r["sender_name"], r["kind"], r["text"]) for r in rows] == [
        (2, "111", None, None, "text", "大家好"),
        (3, "112", "wxid_a", None, "image", "图片"),
        (4, "113", "wxid_b", None, "text", "第一行\n第二行"),
        (6, "114", "wxid_b", None, "text", "不是 JSON"),
        (7, "115", None, None, "recall", "“王建国”撤回了一条消息"),
        (8, "116", None, None, "text", "收到"),
        (9, "117", "wxid_a", None, "text", "转义的\n换行"),
    ]
    assert rows[0]["sent_local"] == "2023-01-05 08:00:00" and rows[0]["raw_type"] == "文本"


def test_users_json_example(shared_formats: Path, tmp_path: Path) -> None:
    result, staged = stage_file(pywxdump_users, shared_formats / "pywxdump/users.json", tmp=tmp_path)
    assert (result.format, result.kind, result.platform) == ("pywxdump_users", "directory", "wechat")
    assert [(p["line"], p["person_id"], p["name"], p["aliases"], p["reject"]) for p in staged["stage_people"]] == [
        (2, "wxid_k3n8q2m5x7p912", "王建国", ["建国", "wangjg_2019"], None),
        (13, "wxid_me7c2k9d0a1b22", "陈思远", [], None),
    ]


def test_users_json_odd_entries_and_errors(tmp_path: Path) -> None:
    data = {
        "wxid_a": {"wxid": "wxid_a", "nickname": "张三", "remark": None, "account": "zs"},
        "wxid_b": "broken",
        "wxid_c": {"nickname": "", "remark": "", "account": ""},
    }
    p = tmp_path / "users.json"
    p.write_text(json.dumps(data, ensure_ascii=False, indent=4), encoding="utf-8")
    assert detect_score(pywxdump_users, p) == 0.95
    _, staged = stage_file(pywxdump_users, p, tmp=tmp_path)
    people = staged["stage_people"]
    assert [(r["line"], r["person_id"], r["name"], r["aliases"], r["reject"]) for r in people] == [
        (2, "wxid_a", "张三", ["zs"], None),
        (8, "wxid_b", None, None, "这条记录不是用户信息对象，无法读取。"),
        (9, "wxid_c", None, [], None),
    ]
    assert people[1]["raw"] == '{"wxid_b": "broken"}'
    bad = tmp_path / "bad_users.json"
    bad.write_text('{"wxid_a": {"wxid": "wxid_a", "nickname": "张三", "remark": "", "account": ""},\n}', encoding="utf-8")
    with pytest.raises(ImportFailure) as exc:
        stage_file(pywxdump_users, bad, tmp=tmp_path)
    assert "bad_users.json" in str(exc.value) and "第 2 行" in str(exc.value)


@pytest.mark.parametrize("rel", [CSV_FILE, "pywxdump/users.json"])
def test_detect_pywxdump_examples(shared_formats: Path, rel: str) -> None:
    scores = {m.FORMAT: detect_score(m, shared_formats / rel) for m in MINE}
    owner = "pywxdump" if rel.endswith(".csv") else "pywxdump_users"
    assert scores.pop(owner) >= 0.9
    assert all(s < 0.5 for s in scores.values()), scores
