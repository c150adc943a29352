"""The shared analysis scope: window, filters, after-hours and exemption flags, timezone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.analysis.base import Scope, empty_stretch, scoped, window_of
from core.workspace import Workspace
from tests.analysis.fixtures import directory, groups, messages, new_ws, roster


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = new_ws(tmp_path)
    directory(ws, tmp_path, [("王一", "党建办", "主任", True), ("李二", "党建办", None, False),
                             ("赵三", "石桥村", "书记", False)])
    groups(ws, tmp_path, [("甲群", "王一", "党建办", "科室", False), ("应急群", "赵三", "石桥村", "应急", True),
                          ("村群", "赵三", "石桥村", "村级", False)])
    roster(ws, tmp_path, [("甲群", "王一", "群主"), ("甲群", "李二", "成员"), ("应急群", "赵三", "群主"),
                          ("应急群", "李二", "成员"), ("村群", "赵三", "群主")])
    messages(ws, tmp_path, [
        ("甲群", "王一", "2026-05-11 17:59:59", "通知：明天开会", "文本"),       # Monday, working time
        ("甲群", "李二", "2026-05-11 18:00:00", "收到", "文本"),                # after hours
        ("甲群", "王一", "2026-05-09 10:00:00", "调休上班，请到岗", "文本"),     # 调休 Saturday: a workday
        ("甲群", "王一", "2026-05-02 10:00:00", "火情紧急，马上集合", "文本"),   # 劳动节 + emergency word
        ("应急群", "赵三", "2026-05-10 23:30:00", "【图片】", "图片"),           # Sunday night, emergency group
        ("村群", "赵三", "2026-05-12 06:59:59", "早上好", "文本"),               # before work, late night
        ("村群", "", "2026-05-12 07:00:00", "王一邀请赵三加入了群聊", "系统"),     # system: never counted
    ])
    yield ws
    ws.close()


def _rows(ws: Workspace, scope: Scope = Scope()) -> list[tuple]:
    with scoped(ws, scope) as cur:
        return cur.execute(
            """
            select g.name, strftime(v.sent_local, '%Y-%m-%d %H:%M:%S'), v.after_hours, v.late_night, v.exempt
            from v_msg v join groups g on g.id = v.group_id order by v.sent_local
            """
        ).fetchall()


def test_flags_follow_the_official_calendar_hours_and_emergencies(ws: Workspace) -> None:
    assert _rows(ws) == [
        ("甲群", "2026-05-02 10:00:00", True, False, True),
        ("甲群", "2026-05-09 10:00:00", False, False, False),
        ("应急群", "2026-05-10 23:30:00", True, True, True),
        ("甲群", "2026-05-11 17:59:59", False, False, False),
        ("甲群", "2026-05-11 18:00:00", True, False, False),
        ("村群", "2026-05-12 06:59:59", True, True, False),
    ]


def test_default_window_runs_from_the_first_to_the_newest_message(ws: Workspace) -> None:
    w = window_of(ws)
    assert (w.lo, w.hi, w.days) == (dt.date(2026, 5, 2), dt.date(2026, 5, 12), 11)
    # The newest message in the workspace (the system one counts for the analysis date).
    assert w.as_of == dt.datetime(2026, 5, 12, 7, 0)
    assert w.unknown_years == ()


def test_dates_and_analysis_date_narrow_the_window(ws: Workspace) -> None:
    scope = Scope(start=dt.date(2026, 5, 9), end=dt.date(2026, 5, 11))
    assert [r[1] for r in _rows(ws, scope)] == ["2026-05-09 10:00:00", "2026-05-10 23:30:00",
                                                "2026-05-11 17:59:59", "2026-05-11 18:00:00"]
    w = window_of(ws, Scope(as_of=dt.date(2026, 5, 10)))
    assert (w.lo, w.hi, w.days, w.as_of) == (dt.date(2026, 5, 2), dt.date(2026, 5, 10), 9,
                                             dt.datetime(2026, 5, 11, 0, 0))


def test_unit_filter_keeps_the_units_people_and_their_groups(ws: Workspace) -> None:
    with scoped(ws, Scope(units=("石桥村",))) as cur:
        people = cur.execute("select p.display_name from _p join people p on p.id = _p.person_id "
                             "order by 1").fetchall()
        grps = cur.execute("select g.name from _g join groups g on g.id = _g.group_id order by 1").fetchall()
        # Overlap needs whole groups: members of other units stay in v_mem.
        mem = cur.execute("select count(*) from v_mem").fetchall()[0][0]
    assert people == [("赵三",)]
    assert grps == [("应急群",), ("村群",)]
    assert mem == 3


def test_group_filter(ws: Workspace) -> None:
    gid = ws.query("select id from groups where name = ?", ["村群"])[0][0]
    assert [r[0] for r in _rows(ws, Scope(groups=(gid,)))] == ["村群"]


def test_unknown_years_fall_back_to_weekdays(tmp_path: Path) -> None:
    ws = new_ws(tmp_path)
    messages(ws, tmp_path, [("甲群", "王一", "2027-01-02 10:00:00", "周六值班安排", "文本"),
                            ("甲群", "王一", "2027-01-04 10:00:00", "周一例会通知", "文本")])
    assert window_of(ws).unknown_years == (2027,)
    assert [r[2] for r in _rows(ws)] == [True, False]
    ws.close()


def test_changing_the_timezone_moves_local_times(ws: Workspace) -> None:
    settings = ws.settings().model_copy(update={"timezone": "Asia/Tokyo"})
    ws.save_settings(settings)
    # 17:59:59 in Beijing is 18:59:59 in Tokyo: now after hours.
    assert ("甲群", "2026-05-11 18:59:59", True, False, False) in _rows(ws)
    assert ws.settings().timezone == "Asia/Tokyo"


def test_facts_follow_settings_imports_and_undo(ws: Workspace, tmp_path: Path) -> None:
    assert len(_rows(ws)) == 6
    ws.save_settings(ws.settings().model_copy(update={"work_end": dt.time(17, 0)}))
    # 17:59:59 on a Monday is now after hours.
    assert ("甲群", "2026-05-11 17:59:59", True, False, False) in _rows(ws)
    messages(ws, tmp_path, [("村群", "赵三", "2026-05-12 09:00:00", "今天上午检查", "文本")])
    assert ("村群", "2026-05-12 09:00:00", False, False, False) in _rows(ws)
    newest = ws.imports()[0]["id"]
    ws.undo_import(newest)
    assert len(_rows(ws)) == 6
    assert ws.query("select value from meta where key = 'facts_version'")[0][0].split(":")[0] == str(ws.version())


def test_message_text_is_joined_only_where_asked(ws: Workspace) -> None:
    with scoped(ws) as cur:
        plain = {d[0] for d in cur.execute("select * from v_msg limit 0").description}
        texts = cur.execute("select text from v_msg_text where exempt order by sent_local").fetchall()
    assert "text" not in plain
    assert texts == [("火情紧急，马上集合",), ("【图片】",)]


def test_a_long_stretch_without_messages_is_reported(ws: Workspace, tmp_path: Path) -> None:
    # 05-02 … 05-12 has a message on 05-02, 05-09 … 05-12: the 6 empty days 05-03 … 05-08.
    assert empty_stretch(ws, min_days=6) == (dt.date(2026, 5, 3), dt.date(2026, 5, 8))
    assert empty_stretch(ws, min_days=7) is None
    assert empty_stretch(ws) is None
    # An export from another year stretches the window by many empty days.
    messages(ws, tmp_path, [("甲群", "王一", "2024-05-10 09:00:00", "旧通知", "文本")])
    assert empty_stretch(ws) == (dt.date(2024, 5, 11), dt.date(2026, 5, 1))
