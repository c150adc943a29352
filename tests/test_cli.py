"""`python -m core …` on the real example exports in ../shared/formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_FORMATS as F

ROOT = Path(__file__).resolve().parents[1]

V2 = F / "wechatmsg-v2" / "技术保障工作群.csv"
V1 = F / "wechatmsg-v1" / "技术保障工作群_utf8.csv"
CONTACTS = F / "wechatmsg-v1" / "contacts.csv"
PYWX = F / "pywxdump" / "25791346802@chatroom_0_13.csv"
USERS = F / "pywxdump" / "users.json"
QQ = F / "qq-txt" / "全部消息记录.txt"
WECOM = F / "wecom" / "wecom_archive_sample.jsonl"
WECOM_ROSTER = F / "wecom" / "wecom_externalcontact_groupchat_get.json"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def imported(db: Path, *files: Path, extra: tuple[str, ...] = ()) -> list[dict]:
    out = cli("import", "--workspace", db, *extra, *files)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def summary(db: Path) -> dict:
    out = cli("summary", "--workspace", db)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def counts(line: dict) -> tuple:
    return line["format"], line["kind"], line["rows"], line["loaded"], line["duplicates"], line["rejected"]


ONE_GROUP = {"groups": 1, "people": 4, "memberships": 4, "messages": 12, "system_messages": 2,
             "first_message_at": "2024-05-10T09:23:30+08:00", "last_message_at": "2024-05-10T09:34:00+08:00"}


def test_one_group_exported_three_ways(tmp_path: Path) -> None:
    """The same 12 messages exported by WeChatMsg v2, v1 and PyWxDump are stored once."""
    db = tmp_path / "ws.duckdb"
    lines = imported(db, V2, V1, PYWX, USERS, CONTACTS)
    assert [l["file"] for l in lines] == [V2.name, V1.name, PYWX.name, USERS.name, CONTACTS.name]
    assert [counts(l) for l in lines] == [
        ("wechatmsg_v2", "messages", 12, 12, 0, 0),
        ("wechatmsg_v1", "messages", 12, 0, 12, 0),
        ("pywxdump", "messages", 12, 0, 12, 0),
        ("pywxdump_users", "directory", 2, 2, 0, 0),
        # 王建国's entry repeats what users.json said; the chatroom row names the group.
        ("wechatmsg_contacts", "directory", 3, 2, 1, 0),
    ]
    assert all(l["errors"] == [] for l in lines)
    assert summary(db) == ONE_GROUP


def kinds(db: Path) -> list[tuple]:
    from core.workspace import Workspace

    ws = Workspace(db)
    try:
        return ws.query("select kind, count(*) from messages group by 1 order by 1")
    finally:
        ws.close()


def test_import_order_does_not_change_the_result(tmp_path: Path) -> None:
    forward, backward = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    imported(forward, V2, V1, PYWX, USERS, CONTACTS)
    imported(backward, CONTACTS, PYWX, USERS, V1, V2)
    assert summary(backward) == ONE_GROUP
    # PyWxDump stores the red packet as 未知; the later WeChatMsg copies still make it a red packet.
    assert kinds(backward) == kinds(forward) == [
        ("file", 1), ("image", 1), ("link", 1), ("quote", 1), ("recall", 1), ("red_packet", 1),
        ("sticker", 1), ("system", 1), ("text", 2), ("video", 1), ("voice", 1)]


def test_reimport_is_all_duplicates(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    imported(db, QQ, WECOM)
    again = imported(db, QQ, WECOM)
    assert [counts(l) for l in again] == [("qq_txt", "messages", 5, 0, 5, 0),
                                          ("wecom_archive", "messages", 9, 0, 6, 3)]
    assert summary(db)["messages"] == 5 + 6


def test_qq_and_wecom(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    lines = imported(db, QQ, WECOM, WECOM_ROSTER)
    assert [counts(l) for l in lines] == [
        ("qq_txt", "messages", 5, 5, 0, 0),
        # 1:1 messages and a switch record are rejected, not stored
        ("wecom_archive", "messages", 9, 6, 0, 3),
        ("wecom_groupchat", "roster", 3, 3, 0, 0),
    ]
    s = summary(db)
    assert (s["groups"], s["messages"], s["system_messages"]) == (2, 11, 2)
    assert s["first_message_at"] == "2019-05-10T08:58:02+08:00"
    # WeCom msgtime 1715304840010 is UTC milliseconds: 09:34:00.010 in Beijing.
    assert s["last_message_at"] == "2024-05-10T09:34:00.010000+08:00"


def test_group_name_option_names_an_id_only_export(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    imported(db, PYWX, extra=("--group-name", "技术保障工作群"))
    from core.workspace import Workspace

    ws = Workspace(db)
    assert ws.query("select name, platform_id from groups") == [("技术保障工作群", "25791346802@chatroom")]
    ws.close()


def test_unreadable_file_exits_2_and_loads_nothing(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    bad = tmp_path / "截图.csv"
    bad.write_bytes(b"\x00\x01\x02PNG" * 100)
    out = cli("import", "--workspace", db, V2, bad)
    assert out.returncode == 2
    first, second = (json.loads(l) for l in out.stdout.splitlines())
    assert counts(first) == ("wechatmsg_v2", "messages", 12, 12, 0, 0)
    assert counts(second) == (None, None, 0, 0, 0, 0)
    assert second["errors"] == [
        "文件「截图.csv」不是可识别的文本或 Excel 文件（看起来是二进制数据）。支持：聊天记录 CSV/TXT/JSONL、"
        "成员名单 CSV/XLSX/JSON。请确认选对了文件。"]
    assert "截图.csv" in out.stderr
    assert summary(db)["messages"] == 12


def test_missing_file_is_reported(tmp_path: Path) -> None:
    out = cli("import", "--workspace", tmp_path / "ws.duckdb", tmp_path / "没有这个文件.csv")
    assert out.returncode == 2
    assert "找不到文件" in out.stderr


@pytest.mark.slow
def test_sample_command_writes_the_township(tmp_path: Path) -> None:
    out = cli("sample", "--out", tmp_path / "town")
    assert out.returncode == 0, out.stderr
    written = sorted(p.relative_to(tmp_path / "town") for p in (tmp_path / "town").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(ROOT / "sample_data" / "township")
                       for p in (ROOT / "sample_data" / "township").rglob("*") if p.is_file())
    assert written == committed
