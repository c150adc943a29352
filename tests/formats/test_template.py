"""Template reader (CSV + XLSX, four kinds) and the blank-template downloads."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import detect_score, stage_file, workbook_bytes
from core.formats import qq_txt, template, wecom_archive, wecom_groupchat
from core.formats.base import ImportFailure
from core.templates import blank_template


def csv_file(tmp_path: Path, text: str, encoding: str = "utf-8-sig", name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def xlsx_file(tmp_path: Path, sheets: dict[str, list[list]], name: str = "t.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(workbook_bytes(sheets))
    return path


def pick(rows: list[dict], *cols: str) -> list[tuple]:
    return [tuple(r[c] for c in cols) for r in rows]


# ----------------------------------------------------------------------------- messages


def test_messages_csv_title_rows_types_rejects(tmp_path: Path) -> None:
    path = csv_file(tmp_path, (
        "聊天记录模板,,,,,\n"
        "导出单位：城南街道,,,,,\n"
        "群名称,发送人,时间,内容,类型,平台,备注\n"
        "综合办工作群,党建办-王小明,2026/3/11 9:05,\"通知：\n明早开会\",,钉钉,x\n"
        ",,,,,,\n"
        "综合办工作群,李四,2026-03-11 21:30:00,,图片,,\n"
        "综合办工作群,李四,46092.375,\"红包,大吉\",红包,,\n"
        "综合办工作群,,2026-03-11 10:00,缺发送人,,,\n"
        "综合办工作群,赵六,2026-03-11 10:00,坏类型,公文,,\n"
        "综合办工作群,赵六,2026-03-11 10:00,坏平台,,飞书,\n"
        "综合办工作群,只有两列\n"
        "综合办工作群,钱七,2026-03-11 11:00,ok,撤回,企业微信,\n"
        "综合办工作群,,2026-03-11 12:00,王小明邀请钱七加入了群聊,系统,,\n"
    ))
    assert detect_score(template, path) >= 0.9
    result, staged = stage_file(template, path)
    assert (result.format, result.kind, result.platform) == ("template", "messages", "dingtalk")
    assert result.warnings == ["以下列不是模板中的列，已忽略：「备注」"]
    rows = staged["stage_messages"]
    assert pick(rows, "line", "group_name", "sender_name", "sent_local", "kind", "raw_type", "text", "platform") == [
        (4, "综合办工作群", "党建办-王小明", "2026/3/11 9:05", "text", None, "通知：\r\n明早开会", "dingtalk"),
        (7, "综合办工作群", "李四", "2026-03-11 21:30:00", "image", "图片", None, "dingtalk"),
        (8, "综合办工作群", "李四", "46092.375", "red_packet", "红包", "红包,大吉", "dingtalk"),
        (9, "综合办工作群", None, "2026-03-11 10:00", "text", None, "缺发送人", "dingtalk"),
        (10, "综合办工作群", "赵六", "2026-03-11 10:00", "text", "公文", "坏类型", "dingtalk"),
        (11, "综合办工作群", "赵六", "2026-03-11 10:00", "text", None, "坏平台", "dingtalk"),
        (12, None, None, None, None, None, None, None),
        (13, "综合办工作群", "钱七", "2026-03-11 11:00", "recall", "撤回", "ok", "wecom"),
        # System notices have no sender in any export: not a missing value.
        (14, "综合办工作群", None, "2026-03-11 12:00", "system", "系统", "王小明邀请钱七加入了群聊", "dingtalk"),
    ]
    reasons = {r["line"]: r["reject"] for r in rows if r["reject"]}
    assert reasons == {
        9: "缺少必填项「发送人」，未导入。",
        10: "「类型」的值「公文」无法识别，可填：文本、图片、语音、视频、表情、文件、链接、引用、红包、转账、系统、撤回、通话、位置、其他。",
        11: "「平台」的值「飞书」无法识别，可填：微信、QQ、企业微信、钉钉、其他。",
        12: "这一行的列数少于表头（可能被截断），请检查该行。",
    }
    raws = {r["line"]: r["raw"] for r in rows if r["reject"]}
    assert raws[9] == "综合办工作群,,2026-03-11 10:00,缺发送人,,,"
    assert raws[12] == "综合办工作群,只有两列"


def test_messages_english_headers_gbk_and_single_platform(tmp_path: Path) -> None:
    path = csv_file(tmp_path, (
        "Group Name,Sender,Time,Content,Type,Platform,Sender_ID,group_id\n"
        "村务群,张三,2026-03-11 09:00,你好,TEXT,QQ,123456,70001\n"
        "村务群,李四,2026-03-11 09:01,收到,,qq,234567,70001\n"
    ), encoding="gbk")
    assert detect_score(template, path) >= 0.9
    result, staged = stage_file(template, path)
    assert (result.kind, result.platform, result.warnings) == ("messages", "qq", [])
    assert pick(staged["stage_messages"], "line", "group_key", "group_name", "sender_id", "sender_name", "kind",
                "text", "platform") == [
        (2, "70001", "村务群", "123456", "张三", "text", "你好", "qq"),
        (3, "70001", "村务群", "234567", "李四", "text", "收到", "qq"),
    ]


def test_missing_required_column_names_it(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "群名称,发送人,内容\n综合办工作群,张三,你好\n", name="缺列.csv")
    assert 0.5 <= detect_score(template, path) < 0.9
    with pytest.raises(ImportFailure) as exc:
        stage_file(template, path)
    assert str(exc.value).startswith("文件「缺列.csv」看起来是聊天记录模板，但表头缺少必填列：「时间」。")


def test_roster_missing_member_column_is_not_taken_for_groups(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "群名称,角色,单位\n甲群,群主,党建办\n", name="r.csv")
    with pytest.raises(ImportFailure) as exc:
        stage_file(template, path)
    assert "群成员名单模板" in str(exc.value) and "「成员」" in str(exc.value)


def test_no_header_at_all(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "a,b,c\n1,2,3\n", name="x.csv")
    assert detect_score(template, path) == 0.0
    with pytest.raises(ImportFailure) as exc:
        stage_file(template, path)
    assert "x.csv" in str(exc.value) and "没有找到模板表头" in str(exc.value)


def test_messages_xlsx_datetime_and_serial_cells(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, {
        "说明": [["这张表不是模板"]],
        "三月": [
            ["三月聊天记录"],
            [],
            ["群名称", "发送人", "时间", "内容", "类型"],
            ["安全群", "王五", dt.datetime(2026, 3, 11, 21, 30), "今晚值班", None],
            [None, None, None, None, None],
            ["安全群", "王五", 46092, "序列号时间", "文本"],
            ["安全群", "王五", "2026-03-12 08:00", None, "不存在的类型"],
        ],
    })
    assert detect_score(template, path) == 0.6  # a workbook without template sheet names
    result, staged = stage_file(template, path)
    assert (result.kind, result.platform) == ("messages", "dingtalk")
    rows = staged["stage_messages"]
    assert pick(rows, "line", "sender_name", "sent_local", "kind", "text") == [
        (4, "王五", "2026-03-11 21:30:00", "text", "今晚值班"),
        (6, "王五", "46092", "text", "序列号时间"),
        (7, "王五", "2026-03-12 08:00", "text", None),
    ]
    assert rows[2]["reject"].startswith("工作表「三月」：「类型」的值「不存在的类型」无法识别")
    assert rows[2]["raw"] == "安全群,王五,2026-03-12 08:00,,不存在的类型"


def test_xlsx_missing_column_names_sheet(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, {"Sheet1": [["群名称", "发送人", "内容"], ["甲群", "张三", "x"]]}, name="m.xlsx")
    with pytest.raises(ImportFailure) as exc:
        stage_file(template, path)
    assert str(exc.value).startswith("文件「m.xlsx」的工作表「Sheet1」看起来是聊天记录模板，但表头缺少必填列：「时间」。")


# ----------------------------------------------------------------------------- roster / groups / directory


def test_roster_csv(tmp_path: Path) -> None:
    path = csv_file(tmp_path, (
        "群成员名单\n"
        "群名称,成员,角色,单位,职务,入群时间,账号,群号,平台\n"
        "甲群,王一,群主,党建办,主任,2025-01-01,wxid_a,123@chatroom,微信\n"
        "甲群,李二,,综治办,,,,,微信\n"
        "甲群,赵三,组长,,,,,,微信\n"
        "甲群,,成员,,,,,,微信\n"
    ), encoding="utf-8")
    result, staged = stage_file(template, path)
    assert (result.kind, result.platform) == ("roster", "wechat")
    rows = staged["stage_members"]
    assert pick(rows, "line", "group_key", "group_name", "member_id", "member_name", "role", "unit", "position",
                "joined_local", "platform") == [
        (3, "123@chatroom", "甲群", "wxid_a", "王一", "owner", "党建办", "主任", "2025-01-01", "wechat"),
        (4, None, "甲群", None, "李二", "member", "综治办", None, None, "wechat"),
        (5, None, "甲群", None, "赵三", "member", None, None, None, "wechat"),
        (6, None, "甲群", None, None, "member", None, None, None, "wechat"),
    ]
    assert [r["reject"] for r in rows] == [
        None, None, "「角色」的值「组长」无法识别，可填：群主、管理员、成员。", "缺少必填项「成员」，未导入。",
    ]


def test_groups_xlsx(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, {"工作群清单模板": [
        ["群名称", "平台", "群号", "群主", "单位", "类别", "应急群", "建群时间", "备注"],
        ["防汛应急群", "企业微信", "wrX", "李建国", "应急办", "应急", "是", dt.date(2025, 6, 1), None],
        ["党建群", "企业微信", None, None, None, None, None, None, "每周一例会"],
        ["临时群", "企业微信", None, None, None, None, "也许", None, None],
    ]})
    assert detect_score(template, path) >= 0.9
    result, staged = stage_file(template, path)
    assert (result.kind, result.platform) == ("groups", "wecom")
    assert pick(staged["stage_groups"], "line", "platform", "group_key", "group_name", "owner_name", "unit",
                "category", "emergency", "created_local", "notes", "reject") == [
        (2, "wecom", "wrX", "防汛应急群", "李建国", "应急办", "应急", True, "2025-06-01 00:00:00", None, None),
        (3, "wecom", None, "党建群", None, None, None, False, None, "每周一例会", None),
        (4, "wecom", None, "临时群", None, None, None, False, None, None,
         "工作表「工作群清单模板」：「应急群」的值「也许」应填“是”或“否”。"),
    ]


def test_directory_csv_aliases(tmp_path: Path) -> None:
    path = csv_file(tmp_path, (
        "姓名,单位,职务,领导,账号,别名\n"
        "王小明,党建办,主任,是,wangxm,小王、王晓明; 明哥\n"
        "李四,综治办,,否,,\n"
        "赵六,,,,,\n"
    ))
    result, staged = stage_file(template, path)
    assert (result.kind, result.platform) == ("directory", "dingtalk")
    assert pick(staged["stage_people"], "line", "person_id", "name", "aliases", "unit", "position", "is_leader",
                "reject") == [
        (2, "wangxm", "王小明", ["小王", "王晓明", "明哥"], "党建办", "主任", True, None),
        (3, None, "李四", None, "综治办", None, False, None),
        (4, None, "赵六", None, None, None, False, "缺少必填项「单位」，未导入。"),
    ]


def test_roster_header_with_name_and_unit_is_roster_not_directory(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "群名称,姓名,单位\n甲群,王一,党建办\n")
    result, staged = stage_file(template, path)
    assert result.kind == "roster"
    assert pick(staged["stage_members"], "group_name", "member_name", "unit") == [("甲群", "王一", "党建办")]


def test_detect_scores_on_examples(shared_formats: Path) -> None:
    for p in shared_formats.rglob("*"):
        if p.is_file():
            assert detect_score(template, p) < 0.5, p


def test_other_readers_do_not_claim_templates(tmp_path: Path) -> None:
    paths = [csv_file(tmp_path, "群名称,发送人,时间\n甲,乙,2026-01-01 08:00\n"),
             tmp_path / "blank.xlsx"]
    paths[1].write_bytes(blank_template("roster", "xlsx"))
    for p in paths:
        assert detect_score(template, p) >= 0.9
        for other in (qq_txt, wecom_archive, wecom_groupchat):
            assert detect_score(other, p) < 0.5


# ----------------------------------------------------------------------------- blank templates


@pytest.mark.parametrize("kind,rows,table,cols,expected", [
    ("messages", [["甲群", "张三", "2026-03-11 09:05", "你好"], ["甲群", "李四", "2026-03-11 09:06", "收到"]],
     "stage_messages", ("line", "group_name", "sender_name", "text"),
     [(2, "甲群", "张三", "你好"), (3, "甲群", "李四", "收到")]),
    ("roster", [["甲群", "张三"], ["甲群", "李四", "管理员"]], "stage_members",
     ("line", "group_name", "member_name", "role"), [(2, "甲群", "张三", "member"), (3, "甲群", "李四", "admin")]),
    ("groups", [["甲群"], ["乙群", "微信"]], "stage_groups", ("line", "group_name", "platform"),
     [(2, "甲群", "dingtalk"), (3, "乙群", "wechat")]),
    ("directory", [["张三", "党建办"], ["李四", "综治办", "书记", "是"]], "stage_people",
     ("line", "name", "unit", "is_leader"), [(2, "张三", "党建办", False), (3, "李四", "综治办", True)]),
])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_blank_template_round_trip(tmp_path: Path, fmt: str, kind: str, rows: list, table: str, cols: tuple,
                                   expected: list) -> None:
    blank = blank_template(kind, fmt)
    path = tmp_path / f"blank.{fmt}"
    if fmt == "csv":
        assert blank.startswith(b"\xef\xbb\xbf") and blank.endswith(b"\r\n") and blank.count(b"\r\n") == 1
        width = blank.count(b",") + 1  # Excel pads every row to the header's width
        text = blank.decode("utf-8-sig") + "".join(",".join(r + [""] * (width - len(r))) + "\r\n" for r in rows)
        path.write_bytes(text.encode("utf-8-sig"))
    else:
        wb = openpyxl.load_workbook(io.BytesIO(blank))
        assert wb.sheetnames[1] == "填写说明"
        ws = wb.worksheets[0]
        assert ws.max_row == 1  # header only: an example row would be imported as data
        for r in rows:
            ws.append(r)
        wb.save(path)
    assert detect_score(template, path) >= 0.9
    result, staged = stage_file(template, path)
    assert result.kind == kind and result.warnings == []
    assert pick(staged[table], *cols) == expected
    assert all(r["reject"] is None for r in staged[table])


def test_blank_template_headers_and_help_sheet() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(blank_template("messages", "xlsx")))
    assert wb.sheetnames == ["聊天记录模板", "填写说明"]
    assert [c.value for c in wb["聊天记录模板"][1]] == ["群名称", "发送人", "时间", "内容", "类型", "平台", "发送人账号", "群号"]
    help_rows = [[c.value for c in row] for row in wb["填写说明"].iter_rows(min_row=4)]
    assert help_rows[0] == ["群名称", "必填", "消息所在的工作群名称", "城南街道网格员工作群"]
    assert help_rows[3][:2] == ["内容", "选填"]
    assert blank_template("directory", "csv").decode("utf-8-sig") == "姓名,单位,职务,领导,账号,别名\r\n"
    with pytest.raises(ValueError):
        blank_template("nope", "csv")


def test_large_csv_is_staged_by_sql_with_exact_lines(tmp_path: Path) -> None:
    n = 200_000
    body = "".join(f"大群,成员{i},2026-03-11 09:00:{i % 60:02d},第{i}条,,\r\n" for i in range(n))
    body += "大群,\"跨\n行\",2026-03-12 08:00,尾,,\r\n"
    path = tmp_path / "big.csv"
    path.write_bytes(("群名称,发送人,时间,内容,类型,平台\r\n" + body).encode("utf-8"))
    _, staged = stage_file(template, path)
    rows = staged["stage_messages"]
    assert len(rows) == n + 1 and all(r["reject"] is None for r in rows)
    assert (rows[0]["line"], rows[0]["sender_name"]) == (2, "成员0")
    assert (rows[n - 1]["line"], rows[n - 1]["text"]) == (n + 1, f"第{n - 1}条")
    assert (rows[n]["line"], rows[n]["sender_name"]) == (n + 2, "跨\n行")
