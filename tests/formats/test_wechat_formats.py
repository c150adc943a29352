"""WeChatMsg readers: v1 CSV, v2 CSV, XLSX, contacts.csv — on the shared examples and on
fixtures built here (GBK re-save, title rows, LF endings, malformed lines, packed 4.x types)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.conftest import detect_score, stage_file
from core.formats import (
    pywxdump, pywxdump_legacy, pywxdump_users, wechatmsg_contacts, wechatmsg_v1, wechatmsg_v2, wechatmsg_xlsx,
)
from core.formats.base import ImportFailure

MINE = [wechatmsg_v1, wechatmsg_v2, wechatmsg_xlsx, wechatmsg_contacts, pywxdump, pywxdump_legacy, pywxdump_users]

V1_FILE = "wechatmsg-v1/技术保障工作群_utf8.csv"
V2_FILE = "wechatmsg-v2/技术保障工作群.csv"
CONTACTS_FILE = "wechatmsg-v1/contacts.csv"

V1_HEADER = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
V2_HEADER = "消息ID,类型,发送人,时间,内容,备注,昵称,更多信息"


def by_line(rows: list[dict]) -> dict[int, dict]:
    return {r["line"]: r for r in rows}


# ---------------------------------------------------------------------------------------------
# Detection: every example is recognised by its own reader only
# ---------------------------------------------------------------------------------------------

EXAMPLES = [
    (V1_FILE, wechatmsg_v1),
    (V2_FILE, wechatmsg_v2),
    (CONTACTS_FILE, wechatmsg_contacts),
    ("pywxdump/25791346802@chatroom_0_13.csv", pywxdump),
    ("pywxdump/users.json", pywxdump_users),
    ("qq-txt/全部消息记录.txt", None),
    ("wecom/wecom_archive_sample.jsonl", None),
    ("wecom/wecom_externalcontact_groupchat_get.json", None),
    ("wecom/wecom_msgaudit_groupchat_get.json", None),
]


@pytest.mark.parametrize("rel, owner", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_detect_examples(shared_formats: Path, rel: str, owner) -> None:
    for module in MINE:
        score = detect_score(module, shared_formats / rel)
        if module is owner:
            assert score >= 0.9, (module.FORMAT, score)
        else:
            assert score < 0.5, (module.FORMAT, score)


def test_detect_template_headers_are_not_wechatmsg(tmp_path: Path) -> None:
    p = tmp_path / "聊天记录模板.csv"
    p.write_text("群名称,发送人,时间,内容,类型\r\n技术群,王建国,2026-03-11 09:05,收到,文本\r\n", encoding="utf-8-sig")
    assert [detect_score(m, p) for m in MINE] == [0.0] * len(MINE)


# ---------------------------------------------------------------------------------------------
# WeChatMsg v1
# ---------------------------------------------------------------------------------------------


def test_v1_example(shared_formats: Path, tmp_path: Path) -> None:
    result, staged = stage_file(wechatmsg_v1, shared_formats / V1_FILE, tmp=tmp_path)
    assert (result.format, result.kind, result.platform) == ("wechatmsg_v1", "messages", "wechat")
    assert result.group_name == "技术保障工作群" and result.group_key is None
    msgs = staged["stage_messages"]
    # The image and the video carry multi-line XML: the following rows start 5 lines later.
    assert [r["line"] for r in msgs] == [2, 3, 4, 5, 10, 11, 16, 17, 18, 19, 20, 21]
    assert [r["kind"] for r in msgs] == [
        "system", "text", "text", "image", "voice", "video", "sticker", "file", "link", "quote",
        "red_packet", "recall"]
    assert [r["raw_type"] for r in msgs][:4] == ["10000/0", "1/0", "1/0", "3/0"]
    assert all(r["msg_id"] is None and r["group_key"] is None and r["reject"] is None for r in msgs)
    rows = by_line(msgs)
    assert rows[3]["sender_id"] == "wxid_k3n8q2m5x7p912"
    assert rows[3]["sender_name"] == "王建国" and rows[3]["sender_alias"] == "建国"
    assert rows[3]["sent_utc_ms"] == 1715304273000 and rows[3]["sent_local"] is None
    assert rows[3]["text"] == "各位同事，下午三点在三楼会议室召开安全生产例会，请准时参加。"
    # Remark equals NickName: no second name.
    assert (rows[4]["sender_id"], rows[4]["sender_name"], rows[4]["sender_alias"]) == (
        "wxid_me7c2k9d0a1b22", "陈思远", None)
    assert rows[5]["text"] == "【图片】" and rows[18]["text"] == "【分享链接】" and rows[20]["text"] == "【红包】"
    # System rows have no sender; a 10000/0 recall notice is a recall.
    assert (rows[2]["sender_id"], rows[2]["sender_name"], rows[2]["text"]) == (
        None, None, '"王建国"邀请"李晓梅"加入了群聊')
    assert (rows[21]["kind"], rows[21]["text"], rows[21]["sent_utc_ms"]) == (
        "recall", '"李晓梅" 撤回了一条消息', 1715304840000)


def _v1_row(local_id: int, typ: int, sub: int, created: str, content: str, remark: str = "王建国",
            nick: str = "建国", sender: str = "wxid_k3n8q2m5x7p912") -> str:
    quoted = '"' + content.replace('"', '""') + '"'
    return f"{local_id},12,{typ},{sub},0,{created},2,{quoted},2024-05-10 10:00:00,{remark},{nick},{sender}"


def test_v1_packed_types_xml_lf_and_malformed_line(tmp_path: Path) -> None:
    quote_packed = (57 << 32) | 49
    pat_packed = (4 << 32) | 10000
    lines = [
        V1_HEADER,
        _v1_row(1, 1, 0, "1715306400", "第一行\n第二行"),                       # lines 2-3
        _v1_row(2, quote_packed, 0, "1715306401", "好的"),                       # line 4
        _v1_row(3, 3, 0, "1715306402", '<?xml version="1.0"?>\n<msg>\n<img title="x"/>\n</msg>\n'),  # 5-9
        "4,12,1,0,0,1715306403,2,缺列的行",                                       # line 10: too few columns
        _v1_row(5, pat_packed, 0, "1715306404", '"王建国" 拍了拍 "陈思远"', "", "", ""),  # line 11
        _v1_row(6, 49, 53, "1715306405", ""),                                    # line 12
        _v1_row(7, 49, 87, "1715306406", "<msg><appmsg><title>群公告：周五例会</title></appmsg></msg>"),
        _v1_row(8, 49, 19, "1715306407", ""),                                    # line 14
        _v1_row(9, 10000, 8000, "1715306408", '"王建国"邀请"赵海洋"加入了群聊', "", "", ""),
        _v1_row(10, 10000, 57, "1715306409", "你撤回了一条消息", "", "", ""),     # line 16
        _v1_row(11, 49, 2000, "1715306410", ""),                                 # line 17
        _v1_row(12, 1, 0, "1.7153E+09", "Excel 改坏了时间"),                     # line 18
        _v1_row(13, 1, 0, "1715306412", "备注为空", "", "小赵", "wxid_z8x6c4v2b0n133"),
    ]
    p = tmp_path / "镇党建工作群_utf8.csv"
    p.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))       # LF endings, no BOM
    assert detect_score(wechatmsg_v1, p) == 0.95
    result, staged = stage_file(wechatmsg_v1, p, tmp=tmp_path)
    assert result.group_name == "镇党建工作群"
    rows = by_line(staged["stage_messages"])
    assert sorted(rows) == [2, 4, 5, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    assert rows[2]["text"] == "第一行\n第二行" and rows[2]["sent_utc_ms"] == 1715306400000
    assert (rows[4]["kind"], rows[4]["raw_type"], rows[4]["text"]) == ("quote", f"{quote_packed}/0", "好的")
    assert (rows[5]["kind"], rows[5]["text"]) == ("image", "【图片】")
    bad = rows[10]
    assert bad["reject"] == "这一行的列数少于表头（可能被截断），请检查该行。"
    assert bad["raw"] == "4,12,1,0,0,1715306403,2,缺列的行" and bad["kind"] is None
    assert (rows[11]["kind"], rows[11]["sender_id"], rows[11]["sender_name"]) == ("system", None, None)
    assert (rows[12]["kind"], rows[12]["text"]) == ("text", "【接龙】")
    assert (rows[13]["kind"], rows[13]["text"]) == ("text", "【群公告】群公告：周五例会")
    assert (rows[14]["kind"], rows[14]["text"]) == ("other", "【合并转发的聊天记录】")
    assert rows[15]["kind"] == "system" and rows[16]["kind"] == "recall"
    assert (rows[17]["kind"], rows[17]["raw_type"]) == ("transfer", "49/2000")
    # An unusable epoch falls back to the local StrTime text.
    assert (rows[18]["sent_utc_ms"], rows[18]["sent_local"]) == (None, "2024-05-10 10:00:00")
    assert (rows[19]["sender_name"], rows[19]["sender_alias"]) == ("小赵", None)
    assert sum(r["reject"] is not None for r in rows.values()) == 1


def test_v1_missing_column_fails_with_names(tmp_path: Path) -> None:
    p = tmp_path / "群_utf8.csv"
    p.write_text("localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName\r\n"
                 "1,12,1,0,0,1715306400,2,你好,2024-05-10 10:00:00,王建国,建国\r\n", encoding="utf-8-sig")
    with pytest.raises(ImportFailure) as exc:
        stage_file(wechatmsg_v1, p, tmp=tmp_path)
    msg = str(exc.value)
    assert "群_utf8.csv" in msg and "Sender" in msg and "缺少必需的列" in msg


def test_v1_header_only_file_loads_nothing(tmp_path: Path) -> None:
    p = tmp_path / "空群_utf8.csv"
    p.write_text(V1_HEADER + "\r\n", encoding="utf-8-sig")
    result, staged = stage_file(wechatmsg_v1, p, tmp=tmp_path)
    assert result.group_name == "空群" and staged["stage_messages"] == []


# ---------------------------------------------------------------------------------------------
# WeChatMsg v2
# ---------------------------------------------------------------------------------------------


def test_v2_example(shared_formats: Path, tmp_path: Path) -> None:
    result, staged = stage_file(wechatmsg_v2, shared_formats / V2_FILE, tmp=tmp_path)
    assert (result.format, result.kind, result.group_name, result.warnings) == (
        "wechatmsg_v2", "messages", "技术保障工作群", [])
    msgs = staged["stage_messages"]
    assert len(msgs) == 12
    # The 分享链接 card spans lines 10-15 (its closing quote stands on line 15).
    assert [r["line"] for r in msgs] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 18, 19]
    assert [r["kind"] for r in msgs] == [
        "system", "text", "text", "image", "voice", "video", "sticker", "file", "link", "quote",
        "red_packet", "recall"]
    rows = by_line(msgs)
    link = rows[10]
    assert link["msg_id"] == "8243156720394817269" and link["raw_type"] == "分享链接"
    assert link["text"].startswith("【分享链接】\n标题：关于做好防汛工作的通知\n")
    assert rows[16]["msg_id"] == "8243156720394817270"
    assert rows[16]["text"].endswith("\n引用：综合科-王建国: 各位同事，下午三点在三楼会议室召开安全生产例会，请准时参加。")
    assert (rows[3]["sender_id"], rows[3]["sender_name"], rows[3]["sender_alias"]) == (None, "综合科-王建国", None)
    assert rows[3]["sent_local"] == "2024-05-10 09:24:33" and rows[3]["sent_utc_ms"] is None
    assert rows[8]["text"] == "【表情包】 "
    assert (rows[2]["sender_name"], rows[2]["kind"]) == (None, "system")
    assert (rows[19]["kind"], rows[19]["raw_type"], rows[19]["text"]) == ("recall", "系统消息", '"李晓梅" 撤回了一条消息')
    assert all(r["reject"] is None for r in msgs)


def _v2_gbk_file(tmp_path: Path) -> Path:
    text = (
        "技术保障工作群聊天记录,,,,,,,\r\n"                       # title row above the header
        + V2_HEADER + "\r\n"
        + "8.24316E+18,文本,王建国,2026/3/11 9:05,收到，马上办,王建国,建国,more\r\n"
        + '8243156720394817300,小程序,李晓梅,2026/3/11 9:06,"【小程序】\n报名表",李晓梅,李晓梅,more\r\n'
        + '8243156720394817301,文本,李晓梅,2026/3/11 9:07,"多出来",的列,李晓梅,李晓梅,more\r\n'
        + "8243156720394817302,拍一拍,,2026/3/11 9:08,\"\"\"王建国\"\" 拍了拍我\",,,more\r\n"
        + "8243156720394817303,个人/公众号名片,赵海洋,2026/3/11 9:09,【名片】,赵海洋,赵海洋,more\r\n"
    )
    p = tmp_path / "技术保障工作群 (1).csv"
    p.write_bytes(text.encode("gbk"))
    return p


def test_v2_gbk_resave_with_title_row(tmp_path: Path) -> None:
    p = _v2_gbk_file(tmp_path)
    assert detect_score(wechatmsg_v2, p) == 0.9
    assert detect_score(wechatmsg_v1, p) == 0.0
    result, staged = stage_file(wechatmsg_v2, p, tmp=tmp_path)
    assert result.group_name == "技术保障工作群"
    assert len(result.warnings) == 1 and "科学计数法" in result.warnings[0]
    rows = by_line(staged["stage_messages"])
    assert sorted(rows) == [3, 4, 6, 7, 8]
    assert (rows[3]["msg_id"], rows[3]["sender_name"], rows[3]["sender_alias"], rows[3]["sent_local"]) == (
        None, "王建国", "建国", "2026/3/11 9:05")
    assert (rows[4]["kind"], rows[4]["text"]) == ("link", "【小程序】\n报名表")
    assert rows[6]["reject"] == "这一行的列数多于表头（可能内容里有未加引号的逗号），请检查该行。"
    assert rows[6]["raw"] == '8243156720394817301,文本,李晓梅,2026/3/11 9:07,"多出来",的列,李晓梅,李晓梅,more'
    assert (rows[7]["kind"], rows[7]["sender_name"], rows[7]["text"]) == ("system", None, '"王建国" 拍了拍我')
    assert (rows[8]["kind"], rows[8]["msg_id"]) == ("other", "8243156720394817303")
    # No temporary UTF-8 copy is left behind.
    assert sorted(x.name for x in tmp_path.iterdir()) == [p.name]


def test_v2_unterminated_quote_is_one_reject(tmp_path: Path) -> None:
    p = tmp_path / "群.csv"
    p.write_text(V2_HEADER + "\n"
                 + "1,文本,王建国,2026-03-11 09:05:00,好,王建国,王建国,more\n"
                 + '2,文本,王建国,2026-03-11 09:06:00,"没有结束的引号,王建国,王建国,more\n'
                 + "3,文本,王建国,2026-03-11 09:07:00,不再被吞进上一行,王建国,王建国,more\n", encoding="utf-8")
    _, staged = stage_file(wechatmsg_v2, p, tmp=tmp_path)
    rows = staged["stage_messages"]
    # Only the line with the stray quote is rejected; the line after it loads.
    assert [r["line"] for r in rows] == [2, 3, 4]
    assert rows[0]["reject"] is None and rows[0]["msg_id"] == "1"
    assert rows[1]["reject"] == "这一行的引号不配对，请检查该行。"
    assert rows[1]["raw"].startswith('2,文本,王建国,2026-03-11 09:06:00,"没有结束的引号')
    assert rows[2]["reject"] is None and rows[2]["msg_id"] == "3" and rows[2]["text"] == "不再被吞进上一行"


def test_v2_missing_time_column(tmp_path: Path) -> None:
    p = tmp_path / "群.csv"
    p.write_text("消息ID,类型,发送人,内容,备注,昵称,更多信息\r\n1,文本,王建国,好,王建国,王建国,more\r\n",
                 encoding="utf-8-sig")
    # Recognised with low confidence, so the user learns which column is missing.
    assert detect_score(wechatmsg_v2, p) == 0.6
    with pytest.raises(ImportFailure) as exc:
        stage_file(wechatmsg_v2, p, tmp=tmp_path)
    assert "「群.csv」" in str(exc.value) and "缺少必需的列：时间" in str(exc.value)


def test_v2_empty_time_is_staged_not_dropped(tmp_path: Path) -> None:
    p = tmp_path / "群.csv"
    p.write_text(V2_HEADER + "\r\n1,文本,王建国,,好,王建国,王建国,more\r\n", encoding="utf-8-sig")
    _, staged = stage_file(wechatmsg_v2, p, tmp=tmp_path)
    [row] = staged["stage_messages"]
    assert (row["line"], row["sent_local"], row["text"], row["reject"]) == (2, None, "好", None)


# ---------------------------------------------------------------------------------------------
# WeChatMsg XLSX
# ---------------------------------------------------------------------------------------------

MEMBER_HEADER = ["wxid", "微信号", "类型", "群昵称", "昵称", "头像地址", "头像原图", "标签", "性别", "个性签名",
                 "国家（地区）", "省份", "城市"]


def _xlsx(path: Path, messages: list[list] | None, members: list[list] | None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if messages is not None:
        ws = wb.create_sheet("聊天记录")
        for row in messages:
            ws.append(row)
    if members is not None:
        ws = wb.create_sheet("成员信息")
        for row in members:
            ws.append(row)
    wb.save(path)
    return path


def test_xlsx_messages_and_members(tmp_path: Path) -> None:
    p = _xlsx(tmp_path / "技术保障工作群.xlsx", [
        V2_HEADER.split(","),
        ["8243156720394817262", "文本", "综合科-王建国", "2024-05-10 09:24:33", "各位同事", "综合科-王建国", "建国", "more"],
        [None] * 8,
        ["8243156720394817271", "红包", "赵海洋", "2024-05-10 09:33:20", "【红包】: 恭喜发财", "赵海洋", "赵海洋", "more"],
        ["8243156720394817272", "系统消息", None, "2024-05-10 09:34:00", '"李晓梅" 撤回了一条消息', None, None, "more"],
    ], [
        MEMBER_HEADER,
        ["wxid_k3n8q2m5x7p912", "wangjg_2019", "3", "综合科-王建国", "建国"],
        ["wxid_r5t7y9u1i3o522", None, "4", None, "晓梅"],
    ])
    assert detect_score(wechatmsg_xlsx, p) == 0.95
    assert [detect_score(m, p) for m in MINE if m is not wechatmsg_xlsx] == [0.0] * (len(MINE) - 1)
    result, staged = stage_file(wechatmsg_xlsx, p, tmp=tmp_path)
    assert (result.format, result.kind, result.group_name) == ("wechatmsg_xlsx", "messages", "技术保障工作群")
    msgs = staged["stage_messages"]
    assert [(r["line"], r["kind"]) for r in msgs] == [(2, "text"), (4, "red_packet"), (5, "recall")]
    assert (msgs[0]["msg_id"], msgs[0]["sender_name"], msgs[0]["sender_alias"], msgs[0]["sent_local"]) == (
        "8243156720394817262", "综合科-王建国", "建国", "2024-05-10 09:24:33")
    assert msgs[1]["sender_alias"] is None and msgs[2]["sender_name"] is None
    members = staged["stage_members"]
    assert [(m["line"], m["member_id"], m["member_name"], m["member_alias"]) for m in members] == [
        (2, "wxid_k3n8q2m5x7p912", "综合科-王建国", "建国"),
        (3, "wxid_r5t7y9u1i3o522", "晓梅", None),
    ]


def test_xlsx_roster_only_and_title_row(tmp_path: Path) -> None:
    p = _xlsx(tmp_path / "村两委群.xlsx", [V2_HEADER.split(",")], [
        ["村两委群成员"],
        MEMBER_HEADER,
        ["wxid_a1", "a1", "3", "张三", "三哥"],
    ])
    assert detect_score(wechatmsg_xlsx, p) == 0.95
    result, staged = stage_file(wechatmsg_xlsx, p, tmp=tmp_path)
    assert (result.kind, result.group_name) == ("roster", "村两委群")
    assert staged["stage_messages"] == []
    assert [(m["line"], m["member_id"], m["member_name"], m["member_alias"]) for m in staged["stage_members"]] == [
        (3, "wxid_a1", "张三", "三哥")]


def test_xlsx_missing_column_and_foreign_workbook(tmp_path: Path) -> None:
    p = _xlsx(tmp_path / "群.xlsx", [["消息ID", "类型", "发送人", "内容"], ["1", "文本", "王", "好"]], None)
    assert detect_score(wechatmsg_xlsx, p) == 0.8
    with pytest.raises(ImportFailure) as exc:
        stage_file(wechatmsg_xlsx, p, tmp=tmp_path)
    assert "「群.xlsx」" in str(exc.value) and "时间" in str(exc.value) and "聊天记录" in str(exc.value)
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    other = tmp_path / "名单.xlsx"
    wb.save(other)
    assert detect_score(wechatmsg_xlsx, other) == 0.0
    with pytest.raises(ImportFailure) as exc:
        stage_file(wechatmsg_xlsx, other, tmp=tmp_path)
    assert "Sheet1" in str(exc.value)


# ---------------------------------------------------------------------------------------------
# WeChatMsg contacts.csv
# ---------------------------------------------------------------------------------------------


def test_contacts_example(shared_formats: Path, tmp_path: Path) -> None:
    result, staged = stage_file(wechatmsg_contacts, shared_formats / CONTACTS_FILE, tmp=tmp_path)
    assert (result.format, result.kind, result.platform) == ("wechatmsg_contacts", "directory", "wechat")
    assert [(p["line"], p["person_id"], p["name"], p["aliases"], p["reject"]) for p in staged["stage_people"]] == [
        (2, "wxid_k3n8q2m5x7p912", "王建国", ["建国", "wangjg_2019"], None),
        (3, "wxid_r5t7y9u1i3o522", "李晓梅", ["晓梅"], None),
    ]
    assert [(g["line"], g["group_key"], g["group_name"], g["notes"]) for g in staged["stage_groups"]] == [
        (4, "25791346802@chatroom", "技术保障工作群", None)]
    assert staged["stage_messages"] == [] and staged["stage_members"] == []


def test_contacts_accounts_groups_and_rejects(tmp_path: Path) -> None:
    header = ",".join(wechatmsg_contacts.COLUMNS)
    tail = ",,,,,,,,,"  # 9 more fields after the 7th: 16 columns
    lines = [
        header,
        "wxid_a1,zs_1988,3,张三,三哥,ZS,ZS" + tail,
        "gh_3dfda90e39d6,,3,,区应急管理局,QYJ," + tail,
        "filehelper,,3,,文件传输助手,WJ," + tail,
        '12345@chatroom,,2,村两委群,"第一村,两委",DY,' + tail,
        ",,3,,无账号,WZ," + tail,
        "wxid_b2,,3,,李四,LS," + tail,
        "wxid_c3,c3,4,王五,王五,WW," + tail,
    ]
    p = tmp_path / "contacts.csv"
    p.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    assert detect_score(wechatmsg_contacts, p) == 0.95
    _, staged = stage_file(wechatmsg_contacts, p, tmp=tmp_path)
    people = {r["line"]: r for r in staged["stage_people"]}
    assert sorted(people) == [2, 3, 4, 6, 7, 8]
    assert (people[2]["person_id"], people[2]["name"], people[2]["aliases"]) == ("wxid_a1", "张三", ["三哥", "zs_1988"])
    assert (people[3]["reject"], people[3]["person_id"]) == ("公众号，不是人员", "gh_3dfda90e39d6")
    assert people[3]["raw"] == "gh_3dfda90e39d6,,3,,区应急管理局,QYJ," + tail
    assert people[4]["reject"] == "微信系统账号，不是人员"
    assert "UserName" in people[6]["reject"]
    assert (people[7]["name"], people[7]["aliases"], people[7]["reject"]) == ("李四", [], None)
    assert (people[8]["name"], people[8]["aliases"]) == ("王五", ["c3"])
    [group] = staged["stage_groups"]
    assert (group["line"], group["group_key"], group["group_name"], group["notes"]) == (
        5, "12345@chatroom", "村两委群", "微信群名：第一村,两委")


@pytest.mark.slow
def test_v2_large_file_stages_in_sql(tmp_path: Path) -> None:
    """200,000 two-line records with a bad record in the middle: every line number stays exact
    and staging takes seconds (SQL, not a Python loop)."""
    import time

    n = 200_000
    body = "".join(
        f'{8000000000000000000 + i},文本,王建国,2024-05-10 09:{i % 60:02d}:00,"第{i}条,\n第二行",王建国,王建国,more\r\n'
        + ("bad,row\r\n" if i == n // 2 else "")
        for i in range(n)
    )
    p = tmp_path / "大群.csv"
    p.write_text(V2_HEADER + "\r\n" + body, encoding="utf-8-sig")
    start = time.perf_counter()
    _, staged = stage_file(wechatmsg_v2, p, tmp=tmp_path)
    elapsed = time.perf_counter() - start
    msgs = staged["stage_messages"]
    assert len(msgs) == n + 1
    bad = [r for r in msgs if r["reject"]]
    assert [(r["line"], r["raw"]) for r in bad] == [(2 + 2 * (n // 2) + 2, "bad,row")]
    good = [r for r in msgs if not r["reject"]]
    assert all(r["line"] == 2 + 2 * i + (i > n // 2) for i, r in enumerate(good))
    assert good[-1]["msg_id"] == str(8000000000000000000 + n - 1)
    assert elapsed < 20, elapsed
