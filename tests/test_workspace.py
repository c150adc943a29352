"""The import pipeline on staged rows from a fake reader: counts, times, categories, duplicates,
rollback, identity resolution and undo. Real readers are tested in tests/formats/."""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path
from typing import Any

import pytest

import core.workspace as workspace_mod
from core.formats.base import ImportFailure, ReadResult, StageWriter, make_sample
from core.workspace import Workspace

BJ = dt.timezone(dt.timedelta(hours=8))


def fake_reader(messages: list[dict[str, Any]] = (), members: list[dict[str, Any]] = (),
                people: list[dict[str, Any]] = (), groups: list[dict[str, Any]] = (), *, fmt: str = "wechatmsg_v2",
                kind: str = "messages", platform: str = "wechat", group_name: str | None = "测试群",
                group_key: str | None = None, fail_after_staging: bool = False) -> Any:
    def read(src: Any, con: Any, opts: Any) -> ReadResult:
        with StageWriter(con) as w:
            for r in messages:
                w.message(**r)
            for r in members:
                w.member(**r)
            for r in people:
                w.person(**r)
            for r in groups:
                w.group(**r)
        if fail_after_staging:
            raise ImportFailure(f"文件「{src.name}」第 9 行：测试用的读取失败。")
        return ReadResult(format=fmt, kind=kind, platform=platform, group_name=group_name, group_key=group_key)

    return types.SimpleNamespace(FORMAT=fmt, read=read)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    readers: list[Any] = []
    monkeypatch.setattr(workspace_mod, "detect", lambda src: (readers.pop(0), make_sample(src)))
    w = Workspace(tmp_path / "ws.duckdb")
    w.queue = readers  # type: ignore[attr-defined]
    yield w
    w.close()


def run(ws: Workspace, tmp_path: Path, reader: Any, name: str = "f.csv", **kw: Any):
    path = tmp_path / name
    path.write_bytes(name.encode() + b"\n")
    ws.queue.append(reader)  # type: ignore[attr-defined]
    return ws.import_file(path, **kw)


NOTICE = "各位同事，下午三点在三楼会议室召开安全生产例会，请准时参加。"


def notice_rows() -> list[dict[str, Any]]:
    return [
        dict(line=2, msg_id="m1", sender_name="综合科-王建国", sent_local="2024-05-10 09:24:33", kind="text", text=NOTICE),
        dict(line=3, msg_id="m2", sender_name="陈思远", sent_local="2024-05-10 09:25:01", kind="text", text="收到！"),
        dict(line=4, msg_id="m3", sender_name="李晓梅", sent_local="2024/5/10 9:26", kind="image", text="【图片】"),
        dict(line=5, msg_id="m4", sender_name=None, sent_local="昨天", kind="system", text="x", raw="5,系统消息,昨天"),
        dict(line=6, msg_id="m5", sender_name="李晓梅", sent_utc_ms=1715347800000, kind="red_packet", text="恭喜发财"),
        dict(line=7, msg_id="m6", sender_name="陈思远", sent_local="2024-05-10 09:40:00", kind="text", text="[玫瑰][玫瑰]"),
        dict(line=8, msg_id="m7", sender_name=None, sent_local="2024-05-10 09:41:00", kind="system",
             text="\"李晓梅\"撤回了一条消息"),
        dict(line=9, msg_id="m8", sender_name="陈思远", sent_local="45422.5", kind="text", text="好的"),
    ]


def test_import_counts_times_and_categories(ws: Workspace, tmp_path: Path) -> None:
    report = run(ws, tmp_path, fake_reader(notice_rows()))
    assert report.errors == []
    assert (report.rows, report.loaded, report.duplicates, report.rejected) == (8, 7, 0, 1)
    assert ws.rejects(report.import_id) == [
        (5, "时间「昨天」无法识别或超出 2000–2100 年。请改成 2026-03-11 09:05:00 这样的格式后重新导入。", "5,系统消息,昨天")]
    rows = ws.query("select line, sent_local, kind, category from messages order by line")
    assert rows == [
        (2, dt.datetime(2024, 5, 10, 9, 24, 33), "text", "assignment"),
        (3, dt.datetime(2024, 5, 10, 9, 25, 1), "text", "ack"),
        (4, dt.datetime(2024, 5, 10, 9, 26), "image", "photo_checkin"),
        # UTC 1715347800 s is 21:30 in Beijing
        (6, dt.datetime(2024, 5, 10, 21, 30), "red_packet", "red_packet"),
        (7, dt.datetime(2024, 5, 10, 9, 40), "text", "flattery"),
        (8, dt.datetime(2024, 5, 10, 9, 41), "system", "system"),
        # Excel serial 45422.5 = 2024-05-10 12:00
        (9, dt.datetime(2024, 5, 10, 12, 0), "text", "ack"),
    ]
    assert ws.summary() == {
        "groups": 1, "people": 3, "memberships": 3, "messages": 7, "system_messages": 1,
        "first_message_at": "2024-05-10T09:24:33+08:00", "last_message_at": "2024-05-10T21:30:00+08:00",
    }
    assert ws.query("select display_name, unit from people order by display_name") == [
        ("李晓梅", None), ("王建国", "综合科"), ("陈思远", None)]


def test_reimport_and_overlapping_export_never_duplicate(ws: Workspace, tmp_path: Path) -> None:
    first = run(ws, tmp_path, fake_reader(notice_rows()))
    again = run(ws, tmp_path, fake_reader(notice_rows()))
    assert (again.rows, again.loaded, again.duplicates, again.rejected) == (8, 0, 7, 1)
    # A second exporter's file of the same group: no message ids, senders by wxid with remarks,
    # one message more at the end.
    other = [
        dict(line=10, sender_id="wxid_wjg", sender_name="王建国", sender_alias="建国", sent_utc_ms=1715304273000,
             kind="text", text=NOTICE),
        dict(line=11, sender_id="wxid_csy", sender_name="陈思远", sent_utc_ms=1715304301000, kind="text", text="收到！"),
        dict(line=12, sender_id="wxid_csy", sender_name="陈思远", sent_utc_ms=1715304302000, kind="text", text="收到！"),
    ]
    overlap = run(ws, tmp_path, fake_reader(other, fmt="wechatmsg_v1"), name="g_utf8.csv")
    assert (overlap.rows, overlap.loaded, overlap.duplicates, overlap.rejected) == (3, 1, 2, 0)
    assert ws.summary()["messages"] == 8
    # The wxid accounts joined the name-only people: still three people.
    assert ws.summary()["people"] == 3
    assert first.import_id != again.import_id


def test_same_text_twice_in_one_file_is_kept(ws: Workspace, tmp_path: Path) -> None:
    rows = [dict(line=i, sender_name="陈思远", sent_local="2024-05-10 09:25:01", kind="text", text="收到")
            for i in (2, 3)]
    report = run(ws, tmp_path, fake_reader(rows))
    assert (report.loaded, report.duplicates) == (2, 0)


def test_failing_file_loads_nothing(ws: Workspace, tmp_path: Path) -> None:
    run(ws, tmp_path, fake_reader(notice_rows()[:2]))
    before = ws.summary()
    bad = run(ws, tmp_path, fake_reader(notice_rows(), fail_after_staging=True), name="bad.csv")
    assert bad.errors == ["文件「bad.csv」第 9 行：测试用的读取失败。"]
    assert (bad.rows, bad.loaded, bad.import_id) == (0, 0, None)
    assert ws.summary() == before
    assert [i["file_name"] for i in ws.imports()] == ["f.csv"]


def test_database_error_mid_import_rolls_back(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(ws, tmp_path, fake_reader(notice_rows()[:2]))
    before = ws.summary()

    def boom(*_a: Any, **_k: Any) -> None:
        raise workspace_mod.duckdb.ConversionException("simulated failure")

    monkeypatch.setattr(workspace_mod.Workspace, "_collect_rejects", boom)
    report = run(ws, tmp_path, fake_reader(notice_rows()), name="two.csv")
    assert report.errors and report.errors[0].startswith("文件「two.csv」导入时出错，已全部撤回")
    assert ws.summary() == before
    assert ws.query("select count(*) from accounts where key = 'name:李晓梅'") == [(0,)]


def roster(name_variants: list[str], group: str) -> Any:
    return fake_reader(members=[dict(line=i + 2, member_name=n, unit=None) for i, n in enumerate(name_variants)],
                       fmt="template", kind="roster", group_name=group)


def test_name_variants_across_rosters_are_one_person(ws: Workspace, tmp_path: Path) -> None:
    run(ws, tmp_path, roster(["党建办-王小明", "李四"], "甲群"), name="a.csv")
    run(ws, tmp_path, roster(["王小明（党建办）"], "乙群"), name="b.csv")
    run(ws, tmp_path, roster(["王小明", "【管理员】李四"], "丙群"), name="c.csv")
    assert ws.query("select display_name, unit from people order by display_name") == [
        ("李四", None), ("王小明", "党建办")]
    assert ws.query("""select p.display_name, count(*) from memberships m join people p on p.id = m.person_id
                       group by 1 order by 1""") == [("李四", 2), ("王小明", 3)]


def test_two_ids_claiming_one_name_stay_apart(ws: Workspace, tmp_path: Path) -> None:
    run(ws, tmp_path, roster(["王小明"], "甲群"), name="a.csv")
    msgs = [dict(line=2, sender_id="wxid_1", sender_name="王小明", sent_local="2024-05-10 09:00:00", kind="text", text="a"),
            dict(line=3, sender_id="wxid_2", sender_name="王小明", sent_local="2024-05-10 09:01:00", kind="text", text="b")]
    run(ws, tmp_path, fake_reader(msgs, group_name="甲群"), name="m.csv")
    assert ws.query("select key from people order by key") == [
        ("name:王小明",), ("wechat:wxid_1",), ("wechat:wxid_2",)]
    assert [(r[0], r[1]) for r in ws.review()] == [("王小明", "wechat:wxid_1"), ("王小明", "wechat:wxid_2")]


def test_import_order_does_not_matter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    msgs = fake_reader([dict(line=2, sender_id="wxid_9", sender_name="小明同学", sent_local="2024-05-10 09:00:00",
                             kind="text", text="a")], group_name="甲群")
    contacts = fake_reader(people=[dict(line=2, person_id="wxid_9", name="王小明", aliases=["小明同学"])],
                           fmt="wechatmsg_contacts", kind="directory", group_name=None)
    rost = roster(["王小明（党建办）"], "甲群")
    results = []
    for order in ([msgs, contacts, rost], [rost, contacts, msgs], [contacts, msgs, rost]):
        queue = list(order)
        monkeypatch.setattr(workspace_mod, "detect", lambda src: (queue.pop(0), make_sample(src)))
        w = Workspace(tmp_path / f"ws{len(results)}.duckdb")
        for i in range(3):
            p = tmp_path / f"f{i}.csv"
            p.write_text(str(i))
            w.import_file(p)
        results.append((
            w.query("select display_name, unit from people"),
            w.query("""select p.display_name, count(*) from messages m join person_map pm on pm.account_id = m.sender_account_id
                       join people p on p.id = pm.person_id group by 1"""),
        ))
        w.close()
    assert results[0] == results[1] == results[2] == ([("王小明", "党建办")], [("王小明", 1)])


def test_undo_removes_exactly_one_import(ws: Workspace, tmp_path: Path) -> None:
    run(ws, tmp_path, roster(["王小明", "李四"], "甲群"), name="a.csv")
    second = run(ws, tmp_path, fake_reader(notice_rows(), group_name="乙群"), name="b.csv")
    assert ws.summary()["groups"] == 2
    assert ws.undo_import(second.import_id) is True
    assert ws.summary()["messages"] == 0
    assert ws.summary()["groups"] == 1
    assert ws.query("select display_name from people order by 1") == [("李四",), ("王小明",)]
    assert [i["file_name"] for i in ws.imports()] == ["a.csv"]
    assert ws.undo_import(999) is False


def test_rows_without_a_group_are_rejected_with_the_fix(ws: Workspace, tmp_path: Path) -> None:
    rows = [dict(line=2, sender_name="陈思远", sent_local="2024-05-10 09:25:01", kind="text", text="收到", raw="r2")]
    report = run(ws, tmp_path, fake_reader(rows, group_name=None))
    assert (report.rows, report.loaded, report.rejected) == (1, 0, 1)
    assert ws.rejects(report.import_id)[0][1] == "无法确定这一行属于哪个群：请在导入页填写群名称后重新导入。"
    named = run(ws, tmp_path, fake_reader(rows, group_name=None), group_name="补填的群")
    assert (named.loaded, named.rejected) == (1, 0)
    assert ws.query("select name from groups") == [("补填的群",)]


def test_group_key_links_to_group_name_from_group_list(ws: Workspace, tmp_path: Path) -> None:
    msgs = [dict(line=2, sender_id="wxid_1", sender_name="王小明", sent_local="2024-05-10 09:00:00", kind="text", text="a")]
    run(ws, tmp_path, fake_reader(msgs, group_name=None, group_key="123@chatroom"), name="123@chatroom_0_1.csv")
    assert ws.query("select name, platform_id from groups") == [("123@chatroom", "123@chatroom")]
    run(ws, tmp_path, fake_reader(groups=[dict(line=2, group_key="123@chatroom", group_name="技术保障工作群",
                                                owner_name="王小明", emergency=True)],
                                  fmt="template", kind="groups", group_name=None), name="groups.csv")
    assert ws.query("select name, platform_id, owner_name, emergency from groups") == [
        ("技术保障工作群", "123@chatroom", "王小明", True)]
    # A messages file named by the group name joins the same group.
    run(ws, tmp_path, fake_reader([dict(line=2, sender_name="李四", sent_local="2024-05-11 09:00:00", kind="text",
                                        text="b")], group_name="技术保障工作群"), name="技术保障工作群.csv")
    assert ws.summary()["groups"] == 1


def test_changed_word_lists_reclassify_stored_messages_once(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    from tests.analysis.fixtures import messages

    ws = Workspace(path)
    messages(ws, tmp_path, [("甲群", "王一", "2026-05-11 09:00:00", "收到", "文本"),
                            ("甲群", "李二", "2026-05-11 09:01:00", "请各村于周五前报送台账", "文本")])
    assert ws.query("select text, category from messages order by line") == [
        ("收到", "ack"), ("请各村于周五前报送台账", "assignment")]
    # As if the workspace had been classified by an older version with other word lists.
    ws.query("update messages set category = 'other', norm_hash = null")
    ws.query("update meta set value = 'older-rules' where key = 'classifier'")
    version = ws.version()
    ws.close()
    ws = Workspace(path)
    assert ws.query("select text, category, norm_hash is not null, norm_len from messages order by line") == [
        ("收到", "ack", True, 2), ("请各村于周五前报送台账", "assignment", True, 11)]
    assert ws.version() == version + 1
    ws.close()
    # Opened again with the same rules: nothing to do.
    ws = Workspace(path)
    assert ws.version() == version + 1
    ws.close()


def test_audit_log_records_imports_failures_undos_and_settings(ws: Workspace, tmp_path: Path) -> None:
    from core.settings import Settings
    from core.workspace import sha256_of

    ok = run(ws, tmp_path, fake_reader(notice_rows()[:2]), name="党政群.csv")
    bad = run(ws, tmp_path, fake_reader(notice_rows(), fail_after_staging=True), name="bad.csv")
    ws.undo_import(ok.import_id)
    ws.save_settings(Settings(cap=4, work_end=dt.time(17, 30)))
    ws.save_settings(Settings(cap=4, work_end=dt.time(17, 30)))  # nothing changed: nothing logged
    ws.record("export", "下载Excel 方案", "ab" * 32)
    log = ws.audit_log()
    assert [(e["action"], e["detail"], e["import_id"]) for e in reversed(log)] == [
        ("import", "导入「党政群.csv」：新增 2 行，已存在 0 行，拒绝 0 行", ok.import_id),
        ("import_failed", "「bad.csv」未能导入，未导入任何数据：文件「bad.csv」第 9 行：测试用的读取失败。", None),
        ("undo", f"撤销导入 #{ok.import_id}「党政群.csv」：删除当时新增的 2 行", ok.import_id),
        ("settings", "修改设置：下班时间（此刻起算非工作时间）、每名干部原则上最多加入的工作群数", None),
        ("export", "下载Excel 方案", None),
    ]
    hashes = [e["sha256"] for e in reversed(log)]
    assert hashes[0] == hashes[2] == sha256_of(tmp_path / "党政群.csv")
    assert hashes[1] == sha256_of(tmp_path / "bad.csv") and hashes[3] is None and hashes[4] == "ab" * 32
    # Times are wall-clock in the workspace zone, newest first.
    assert log[0]["logged_at"] >= log[-1]["logged_at"]
    assert abs(log[0]["logged_at"] - dt.datetime.now(BJ).replace(tzinfo=None)) < dt.timedelta(minutes=1)


def test_a_failed_transaction_leaves_no_audit_line_of_an_import(ws: Workspace, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace_mod.Workspace, "_bump", lambda *_a: (_ for _ in ()).throw(
        workspace_mod.duckdb.ConversionException("simulated")))
    report = run(ws, tmp_path, fake_reader(notice_rows()[:2]), name="x.csv")
    assert report.errors[0].startswith("文件「x.csv」导入时出错，已全部撤回")
    assert [e["action"] for e in ws.audit_log()] == ["import_failed"]
    assert ws.imports() == []


def test_backup_opens_as_the_same_workspace(ws: Workspace, tmp_path: Path) -> None:
    run(ws, tmp_path, fake_reader(notice_rows()))
    copy = ws.backup(tmp_path / "backup.duckdb")
    restored = Workspace(copy)
    assert restored.summary() == ws.summary()
    assert [i["file_name"] for i in restored.imports()] == ["f.csv"]
    restored.close()


@pytest.mark.parametrize("error, message", [
    (RuntimeError("bug"), "文件「x.csv」导入时出现意外错误（RuntimeError），已全部撤回，未导入任何数据。"
                          "请把该文件和这条消息发给维护人员。"),
    (workspace_mod.duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate"),
     "文件「x.csv」导入时内存不足，已全部撤回，未导入任何数据。请把文件按时间段拆小后再导入，"
     "或请管理员调大环境变量 QUNJIAN_MEMORY_LIMIT（当前默认 2GB）后重试。"),
])
def test_unexpected_reader_errors_load_nothing_and_say_so_in_chinese(ws: Workspace, tmp_path: Path,
                                                                       error: Exception, message: str) -> None:
    run(ws, tmp_path, fake_reader(notice_rows()[:2]))
    before = ws.summary()

    def read(src: Any, con: Any, opts: Any) -> ReadResult:
        with StageWriter(con) as w:
            w.message(line=2, sender_name="陈思远", sent_local="2024-05-10 09:25:01", kind="text", text="好")
        raise error

    report = run(ws, tmp_path, types.SimpleNamespace(FORMAT="wechatmsg_v2", read=read), name="x.csv")
    assert report.errors == [message]
    assert (report.rows, report.loaded, report.import_id) == (0, 0, None)
    assert ws.summary() == before and [i["file_name"] for i in ws.imports()] == ["f.csv"]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from core.settings import LIMITS

    big = tmp_path / "全年聊天记录.csv"
    with open(big, "wb") as fh:  # sparse: 5 GB on paper, nothing on disk
        fh.truncate(5 * 1024 * 1024 * 1024)
    ws = Workspace(tmp_path / "ws.duckdb")
    report = ws.import_file(big)
    assert report.errors == [f"文件「全年聊天记录.csv」有 5120 MB，超过单个文件 {LIMITS.max_file_mb} MB 的上限。"
                             "请按时间段分几次导出，或拆分后再导入。"]
    assert report.import_id is None and ws.imports() == []
    assert [(e["action"], e["sha256"]) for e in ws.audit_log()] == [("import_failed", None)]
    ws.close()
