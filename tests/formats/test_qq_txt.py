"""QQ 消息管理器 TXT reader: example file and fixtures built in code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import detect_score, stage_file
from core.formats import qq_txt, template, wecom_archive, wecom_groupchat

BAR = "=" * 64
TITLE = "消息记录（此消息记录为文本格式，不支持重新导入）"


def banner(name: str, folder: str = "我的QQ群") -> list[str]:
    return [BAR, f"消息分组:{folder}", BAR, f"消息对象:{name}", BAR, ""]


def write(tmp_path: Path, lines: list[str], encoding: str = "utf-8", name: str = "qq.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def slim(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if v is not None} for r in rows]


def test_example_file(shared_formats: Path) -> None:
    path = shared_formats / "qq-txt" / "全部消息记录.txt"
    result, staged = stage_file(qq_txt, path)
    assert (result.format, result.kind, result.platform) == ("qq_txt", "messages", "qq")
    g = "城南街道网格员工作群"
    assert slim(staged["stage_messages"]) == [
        {"line": 9, "group_name": g, "sender_name": "系统消息", "sent_local": "2019-05-10 08:58:02",
         "kind": "system", "text": "刘志强加入本群。"},
        {"line": 12, "group_name": g, "sender_id": "2845601937", "sender_name": "周海燕",
         "sent_local": "2019-05-10 09:03:15", "kind": "text",
         "text": "@全体成员 今天上午十点前报送网格巡查台账。\n逾期未报的在例会上通报。"},
        {"line": 16, "group_name": g, "sender_id": "3019487265", "sender_name": "刘志强",
         "sent_local": "2019-05-10 09:05:40", "kind": "text", "text": "收到[图片]"},
        {"line": 19, "group_name": g, "sender_id": "1762039485", "sender_name": "陈立",
         "sent_local": "2019-05-10 09:06:12", "kind": "sticker", "text": "[表情]"},
        {"line": 22, "group_name": g, "sender_id": "wuxiaomei_gz@163.com", "sender_name": "吴晓梅",
         "sent_local": "2019-05-10 16:24:33", "kind": "text", "text": "台账已上传，请查收。"},
    ]
    assert result.warnings == []
    for table in ("stage_members", "stage_groups", "stage_people"):
        assert staged[table] == []


def test_detect_scores(shared_formats: Path) -> None:
    path = shared_formats / "qq-txt" / "全部消息记录.txt"
    assert detect_score(qq_txt, path) >= 0.9
    for other in (template, wecom_archive, wecom_groupchat):
        assert detect_score(other, path) < 0.5
    others = [p for p in shared_formats.rglob("*") if p.is_file() and p.suffix != ".txt"]
    assert len(others) >= 5
    for p in others:
        assert detect_score(qq_txt, p) < 0.5, p


def test_detect_banner_without_title(tmp_path: Path) -> None:
    path = write(tmp_path, banner("A群") + ["2020-01-01 9:00:00 甲(10001)", "hi", ""])
    assert detect_score(qq_txt, path) >= 0.9


def test_two_conversations_brackets_multiline_and_kinds(tmp_path: Path) -> None:
    lines = [TITLE, ""] + banner("综合办工作群") + [
        "2024-03-01 7:05:09 张三(综合办)(123456)",
        "第一行",
        "第二行",
        "",
        "2024-03-01 10:00:00 李四(234567)",
        "[图片][图片]",
        "",
        "2024-03-01 10:01:00 李四(234567)",
        "[QQ红包]我发了一个“普通红包”，请使用新版手机QQ查收红包。",
        "",
        "2024-03-01 10:02:00 李四(234567)",
        "[语音]",
        "",
        "2024-03-01 10:03:00 李四(234567)",
        "[文件]台账.xlsx",
        "",
        "2024-03-01 10:04:00 李四(234567)",
        "[视频]",
        "",
        "2024-03-01 10:05:00 系统消息(10000)",
        "李四撤回了一条消息",
        "",
    ] + banner("安全生产群") + [
        "2024-03-02 23:59:59 王五<wangwu@qq.com>",
        "看[图片]这个",
        "",
    ]
    result, staged = stage_file(qq_txt, write(tmp_path, lines))
    rows = staged["stage_messages"]
    assert [(r["line"], r["group_name"], r["sender_name"], r["sender_id"], r["sent_local"], r["kind"], r["text"])
            for r in rows] == [
        (9, "综合办工作群", "张三(综合办)", "123456", "2024-03-01 07:05:09", "text", "第一行\n第二行"),
        (13, "综合办工作群", "李四", "234567", "2024-03-01 10:00:00", "image", "[图片][图片]"),
        (16, "综合办工作群", "李四", "234567", "2024-03-01 10:01:00", "red_packet",
         "[QQ红包]我发了一个“普通红包”，请使用新版手机QQ查收红包。"),
        (19, "综合办工作群", "李四", "234567", "2024-03-01 10:02:00", "voice", "[语音]"),
        (22, "综合办工作群", "李四", "234567", "2024-03-01 10:03:00", "file", "[文件]台账.xlsx"),
        (25, "综合办工作群", "李四", "234567", "2024-03-01 10:04:00", "video", "[视频]"),
        (28, "综合办工作群", "系统消息", None, "2024-03-01 10:05:00", "system", "李四撤回了一条消息"),
        (37, "安全生产群", "王五", "wangwu@qq.com", "2024-03-02 23:59:59", "text", "看[图片]这个"),
    ]
    assert all(r["reject"] is None and r["platform"] is None for r in rows)
    assert result.warnings == []


def test_english_locale_am_pm(tmp_path: Path) -> None:
    lines = [TITLE, ""] + banner("Work") + [
        "2024-03-01 12:05:00 AM Ann(11111)", "a", "",
        "2024-03-01 12:30:15 PM Ann(11111)", "b", "",
        "2024-03-01 1:02:03 PM Ann(11111)", "c", "",
        "2024-03-01 11:59:59 PM Ann(11111)", "d", "",
        "2024-03-01 9:00:00 AM Ann(11111)", "e", "",
    ]
    _, staged = stage_file(qq_txt, write(tmp_path, lines))
    assert [(r["line"], r["sent_local"], r["text"]) for r in staged["stage_messages"]] == [
        (9, "2024-03-01 00:05:00", "a"),
        (12, "2024-03-01 12:30:15", "b"),
        (15, "2024-03-01 13:02:03", "c"),
        (18, "2024-03-01 23:59:59", "d"),
        (21, "2024-03-01 09:00:00", "e"),
    ]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    lines = [TITLE, ""] + banner("镇党委工作群") + ["2024-05-06 8:00:00 赵六(99999)", "通知：明早开会。", ""]
    path = write(tmp_path, lines, encoding=encoding)
    assert detect_score(qq_txt, path) >= 0.9
    _, staged = stage_file(qq_txt, path)
    assert slim(staged["stage_messages"]) == [
        {"line": 9, "group_name": "镇党委工作群", "sender_id": "99999", "sender_name": "赵六",
         "sent_local": "2024-05-06 08:00:00", "kind": "text", "text": "通知：明早开会。"},
    ]


def test_malformed_header_orphan_content_and_inner_blank_lines(tmp_path: Path) -> None:
    lines = [TITLE, "", "没有会话标题的一行"] + [""] + banner("村务群") + [
        "孤立的内容",
        "",
        "2024-13-45 9:00:00 钱七(55555)",
        "时间坏了的消息",
        "",
        "2024-02-30 25:00:00 钱七(55555)",
        "",
        "2024-04-01 9:00:00 钱七(55555)",
        "第一段",
        "",
        "第二段",
        "",
        "2024-04-01 9:00:30 钱七(55555)",
        "",
    ]
    _, staged = stage_file(qq_txt, write(tmp_path, lines))
    rows = staged["stage_messages"]
    assert [(r["line"], r["group_name"], r["raw"], r["reject"] is not None) for r in rows] == [
        (3, None, "没有会话标题的一行", True),
        (11, "村务群", "孤立的内容", True),
        (13, "村务群", "2024-13-45 9:00:00 钱七(55555)\n时间坏了的消息", True),
        (16, "村务群", "2024-02-30 25:00:00 钱七(55555)", True),
        (18, "村务群", None, False),
        (23, "村务群", None, False),
    ]
    assert rows[0]["reject"] == "第 3 行的内容前面没有消息头（“时间 昵称(QQ号)”），无法判断发送人和时间，未导入。"
    assert rows[2]["reject"].startswith("第 13 行消息头中的时间无法识别")
    assert rows[4]["text"] == "第一段\n\n第二段"
    assert (rows[5]["kind"], rows[5]["text"], rows[5]["sent_local"]) == ("other", None, "2024-04-01 09:00:30")


def test_private_chat_and_missing_banner_warnings(tmp_path: Path) -> None:
    lines = [TITLE, ""] + banner("老同学", folder="我的好友") + [
        "2024-04-01 20:00:00 老同学", "在吗", "",
        "2024-04-01 20:01:00 我", "在", "",
    ]
    result, staged = stage_file(qq_txt, write(tmp_path, lines))
    assert [(r["sender_name"], r["sender_id"], r["group_name"]) for r in staged["stage_messages"]] == [
        ("老同学", None, "老同学"), ("我", None, "老同学"),
    ]
    assert result.warnings == ["以下会话的发送人没有 QQ 号，可能是私聊记录而不是工作群：老同学"]


def test_name_ending_in_non_numeric_brackets_is_not_an_id(tmp_path: Path) -> None:
    lines = banner("群") + ["2024-04-01 8:00:00 张三(综合办)", "x", ""]
    _, staged = stage_file(qq_txt, write(tmp_path, lines))
    row = staged["stage_messages"][0]
    assert (row["sender_name"], row["sender_id"], row["line"]) == ("张三(综合办)", None, 7)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"\x00\x01\x02" * 10)
    with pytest.raises(Exception) as exc:
        stage_file(qq_txt, path)
    assert "不是文本文件" in str(exc.value)


def test_max_rows_refuses_instead_of_truncating(tmp_path: Path) -> None:
    lines = banner("群") + ["2024-04-01 8:00:00 甲(10001)", "x", "", "2024-04-01 8:00:01 甲(10001)", "y", ""]
    with pytest.raises(Exception) as exc:
        stage_file(qq_txt, write(tmp_path, lines), max_rows=1)
    assert "上限" in str(exc.value)
