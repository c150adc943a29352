"""After hours (非工作时间): boundaries, calendar, exemptions, aggregates, the settings form and the page.

Every workspace is built in code through the real import pipeline (tests/analysis/fixtures.py);
expected numbers are worked out by hand in the comments. Calendar facts used (2026, official):
05-01 … 05-05 劳动节, 05-09 (Saturday) a 调休 workday, 05-11 … 05-15 an ordinary Monday–Friday.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import workcal
from core.analysis import after_hours as ah
from core.analysis.base import Scope, window_of
from core.settings import Settings
from core.workspace import Workspace
from tests.analysis import fixtures as fx

T = dt.datetime


def build(tmp_path: Path, rows: list[tuple[str, str, str, str, str]]) -> Workspace:
    """Three cadres, an ordinary group 甲群 and an emergency-flagged group 应急群, and ``rows``."""
    ws = fx.new_ws(tmp_path)
    fx.directory(ws, tmp_path, [("王一", "党建办", "主任", True), ("李二", "党建办", "干事", False),
                                ("张三", "石桥村", "村书记", False)])
    fx.groups(ws, tmp_path, [("甲群", "王一", "党建办", "科室", False), ("应急群", "王一", "应急办", "应急", True)])
    fx.roster(ws, tmp_path, [("甲群", "王一", "群主"), ("甲群", "李二", "成员"), ("甲群", "张三", "成员"),
                             ("应急群", "王一", "群主"), ("应急群", "张三", "成员")])
    if rows:
        fx.messages(ws, tmp_path, rows)
    return ws


def msg(when: str, text: str = "通知：请按时报送", who: str = "王一", group: str = "甲群",
        kind: str = "文本") -> tuple[str, str, str, str, str]:
    return (group, who, when, text, kind)


def flags(ws: Workspace, scope: Scope = Scope()) -> dict[dt.datetime, tuple[str, str, bool, bool]]:
    """Drill-down rows keyed by local time: (day, reason, late_night, exempt)."""
    df = ah.messages(ws, scope)
    return {r.sent_local.to_pydatetime(): (r.day, r.reason, bool(r.late_night), bool(r.exempt))
            for r in df.itertuples()}


def set_settings(ws: Workspace, **changes: object) -> None:
    ws.save_settings(Settings.model_validate({**ws.settings().model_dump(), **changes}))


# -- definitions -------------------------------------------------------------------------------

def test_working_hour_boundaries_on_a_workday(tmp_path: Path) -> None:
    # Tuesday 2026-05-12 is an ordinary workday; working time is [08:30, 18:00).
    ws = build(tmp_path, [msg("2026-05-12 08:29:59"), msg("2026-05-12 08:30:00"),
                          msg("2026-05-12 17:59:59"), msg("2026-05-12 18:00:00")])
    assert flags(ws) == {
        T(2026, 5, 12, 18, 0, 0): ("工作日", "下班后", False, False),
        T(2026, 5, 12, 8, 29, 59): ("工作日", "上班前", False, False),
    }
    s = ah.summary(ws)
    assert (s["messages"], s["after_hours"], s["exempt"], s["non_exempt"], s["late_night"]) == (4, 2, 0, 2, 0)
    assert s["share"] == 0.5 and s["holiday_messages"] == 0
    # The calendar module agrees moment by moment.
    st = ws.settings()
    assert [workcal.is_after_hours(T(2026, 5, 12, *hms), st) for hms in
            ((8, 29, 59), (8, 30, 0), (17, 59, 59), (18, 0, 0))] == [True, False, False, True]


def test_official_calendar_holidays_and_adjusted_saturday(tmp_path: Path) -> None:
    ws = build(tmp_path, [
        msg("2026-05-02 10:00:00"),   # 劳动节 (Saturday): after hours all day
        msg("2026-05-09 10:00:00"),   # 调休 Saturday worked: inside working hours
        msg("2026-05-09 19:00:00"),   # the same Saturday after 18:00
        msg("2026-05-10 10:00:00"),   # an ordinary Sunday
    ])
    assert flags(ws) == {
        T(2026, 5, 2, 10): ("劳动节", "休息日", False, False),
        T(2026, 5, 9, 19): ("调休上班", "下班后", False, False),
        T(2026, 5, 10, 10): ("周末", "休息日", False, False),
    }
    s = ah.summary(ws)
    assert (s["messages"], s["after_hours"], s["holiday_messages"]) == (4, 3, 2)
    df = ah.messages(ws)
    assert df["weekday"].tolist() == ["周日", "周六", "周六"]


def wecom_line(msgid: str, utc: dt.datetime, text: str) -> str:
    ms = int(utc.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
    return json.dumps({"msgid": msgid, "action": "send", "from": "wx_wangyi", "tolist": ["wx_lier"],
                       "roomid": "wrQunJianTest01", "msgtime": ms, "msgtype": "text",
                       "text": {"content": text}}, ensure_ascii=False)


def test_wecom_archive_utc_times_become_beijing_local(tmp_path: Path) -> None:
    ws = fx.new_ws(tmp_path)
    path = tmp_path / "archive.jsonl"
    path.write_text("\n".join([
        wecom_line("m1", T(2026, 5, 12, 13, 30), "请今晚报送台账"),   # 21:30 Beijing: after hours, not late
        wecom_line("m2", T(2026, 5, 12, 15, 30), "明早八点开会"),     # 23:30 Beijing: late night
        wecom_line("m3", T(2026, 5, 12, 2, 0), "上午的材料"),         # 10:00 Beijing: working time
    ]) + "\n", encoding="utf-8")
    report = ws.import_file(path)
    assert not report.errors and report.loaded == 3
    df = ah.messages(ws)
    assert [(r.sent_local.to_pydatetime(), r.weekday, r.reason, bool(r.late_night), r.text)
            for r in df.itertuples()] == [
        (T(2026, 5, 12, 23, 30), "周二", "下班后", True, "明早八点开会"),
        (T(2026, 5, 12, 21, 30), "周二", "下班后", False, "请今晚报送台账"),
    ]
    s = ah.summary(ws)
    assert (s["messages"], s["after_hours"], s["late_night"], s["late_night_non_exempt"]) == (3, 2, 1, 1)


def test_emergency_word_and_emergency_group_are_exempt(tmp_path: Path) -> None:
    ws = build(tmp_path, [
        msg("2026-05-12 20:00:00", "紧急通知：今晚加强值守"),            # word → exempt
        msg("2026-05-12 21:00:00", "水位正常", group="应急群"),          # flagged group → exempt
        msg("2026-05-12 22:30:00", "明天的材料今晚发我"),                # neither
        msg("2026-05-12 23:30:00", "巡查完毕", group="应急群"),          # late night, exempt
        msg("2026-05-12 10:00:00", "紧急：上午开会"),                    # exempt, but in working time
        msg("2026-05-12 10:05:00", "收到", group="应急群"),              # exempt, in working time
    ])
    assert flags(ws) == {
        T(2026, 5, 12, 23, 30): ("工作日", "下班后", True, True),
        T(2026, 5, 12, 22, 30): ("工作日", "下班后", True, False),
        T(2026, 5, 12, 21, 0): ("工作日", "下班后", False, True),
        T(2026, 5, 12, 20, 0): ("工作日", "下班后", False, True),
    }
    s = ah.summary(ws)
    assert (s["messages"], s["after_hours"], s["exempt"], s["non_exempt"]) == (6, 4, 3, 1)
    assert (s["late_night"], s["late_night_non_exempt"]) == (2, 1)
    assert s["non_exempt_share"] == pytest.approx(1 / 6) and s["share"] == pytest.approx(4 / 6)
    # The words are a setting: without 紧急 in the list, only the flagged group stays exempt.
    set_settings(ws, emergency_words=["汛情"])
    s = ah.summary(ws)
    assert (s["after_hours"], s["exempt"], s["late_night_non_exempt"]) == (4, 2, 1)


def test_system_and_recall_messages_never_count(tmp_path: Path) -> None:
    ws = build(tmp_path, [msg("2026-05-12 23:00:00", "王一邀请李二加入了群聊", kind="系统"),
                          msg("2026-05-12 23:01:00", "", kind="撤回"),
                          msg("2026-05-12 23:02:00", "", kind="图片")])
    s = ah.summary(ws)
    assert (s["messages"], s["after_hours"], s["late_night"]) == (1, 1, 1)
    df = ah.messages(ws)
    assert df["text"].tolist() == ["[图片]"] and df["kind"].tolist() == ["image"]


def test_lunch_break_setting(tmp_path: Path) -> None:
    ws = build(tmp_path, [msg("2026-05-12 11:59:59"), msg("2026-05-12 12:30:00"), msg("2026-05-12 13:30:00")])
    assert ah.summary(ws)["after_hours"] == 0
    set_settings(ws, lunch_start=dt.time(12, 0), lunch_end=dt.time(13, 30))
    assert flags(ws) == {T(2026, 5, 12, 12, 30): ("工作日", "午休", False, False)}
    assert ah.summary(ws)["after_hours"] == 1


def test_extra_holiday_and_extra_workday_flip_a_day(tmp_path: Path) -> None:
    ws = build(tmp_path, [msg("2026-05-12 10:00:00"),    # Tuesday
                          msg("2026-05-17 10:00:00"),    # Sunday
                          msg("2026-05-17 19:00:00")])
    assert set(flags(ws)) == {T(2026, 5, 17, 10), T(2026, 5, 17, 19)}
    set_settings(ws, extra_holidays=[dt.date(2026, 5, 12)], extra_workdays=[dt.date(2026, 5, 17)])
    assert flags(ws) == {
        T(2026, 5, 17, 19): ("补充上班", "下班后", False, False),
        T(2026, 5, 12, 10): ("补充放假", "休息日", False, False),
    }
    assert ah.summary(ws)["holiday_messages"] == 1


def test_year_unknown_to_the_calendar_falls_back_to_monday_to_friday(tmp_path: Path) -> None:
    # chinesecalendar does not know 2027: New Year's Day (a Friday) counts as a workday,
    # the Saturday after it as a rest day, and the window reports the year for a warning.
    ws = build(tmp_path, [msg("2027-01-01 10:00:00"), msg("2027-01-02 10:00:00"), msg("2027-01-04 10:00:00")])
    assert flags(ws) == {T(2027, 1, 2, 10): ("周末", "休息日", False, False)}
    assert window_of(ws).unknown_years == (2027,)
    assert workcal.day(dt.date(2027, 1, 1), ws.settings()).source == workcal.FALLBACK
    s = ah.summary(ws)
    assert (s["messages"], s["after_hours"], s["holiday_messages"]) == (3, 1, 1)


# -- aggregates --------------------------------------------------------------------------------

def test_heatmap_cells(tmp_path: Path) -> None:
    ws = build(tmp_path, [
        msg("2026-05-12 09:00:00"), msg("2026-05-12 09:40:00", who="李二"),  # Tue 9h: 2 messages, in hours
        msg("2026-05-12 20:10:00"),                                          # Tue 20h: after hours
        msg("2026-05-16 10:00:00", "紧急：查看水位"),                          # Sat 10h: after hours, exempt
        msg("2026-05-18 23:59:00"),                                          # Mon 23h: late night
    ])
    h = ah.heatmap(ws)
    assert len(h) == 168
    assert h[["dow", "hh"]].drop_duplicates().shape[0] == 168
    assert sorted(set(h["dow"])) == list(range(1, 8)) and sorted(set(h["hh"])) == list(range(24))
    nonzero = h[h["messages"] > 0]
    assert [tuple(int(x) for x in r) for r in nonzero[["dow", "hh", "messages", "after_hours", "exempt",
                                                       "late_night"]].itertuples(index=False)] == [
        (1, 23, 1, 1, 0, 1), (2, 9, 2, 0, 0, 0), (2, 20, 1, 1, 0, 0), (6, 10, 1, 1, 1, 0),
    ]
    assert int(h["messages"].sum()) == 5 and int(h["after_hours"].sum()) == 3


def test_weekly_buckets_start_on_monday_and_keep_empty_weeks(tmp_path: Path) -> None:
    ws = build(tmp_path, [
        msg("2026-05-13 10:00:00"),              # Wed: window starts here, week of 05-11 has 5 days
        msg("2026-05-17 10:00:00"),              # Sun: after hours
        msg("2026-05-18 19:00:00"),              # Mon: after hours
        msg("2026-05-18 20:00:00", "紧急：排查"),  # Mon: after hours, exempt
        # the week of 05-25 has no message
        msg("2026-06-02 10:00:00"),              # Tue: window ends here, week of 06-01 has 2 days
    ])
    w = ah.weekly(ws)
    assert [(r.week, int(r.days), int(r.messages), int(r.after_hours), int(r.exempt), int(r.non_exempt), r.share)
            for r in w.itertuples()] == [
        (dt.date(2026, 5, 11), 5, 2, 1, 0, 1, 0.5),
        (dt.date(2026, 5, 18), 7, 2, 2, 1, 1, 1.0),
        (dt.date(2026, 5, 25), 7, 0, 0, 0, 0, 0.0),
        (dt.date(2026, 6, 1), 2, 1, 0, 0, 0, 0.0),
    ]
    # A date filter moves the buckets with the window.
    w = ah.weekly(ws, Scope(start=dt.date(2026, 5, 18), end=dt.date(2026, 5, 19)))
    assert [(r.week, int(r.days), int(r.messages)) for r in w.itertuples()] == [(dt.date(2026, 5, 18), 2, 2)]


def test_by_group_counts_and_order(tmp_path: Path) -> None:
    ws = build(tmp_path, [
        msg("2026-05-12 10:00:00"), msg("2026-05-12 19:00:00"), msg("2026-05-12 23:00:00"),
        msg("2026-05-12 21:00:00", "水位正常", group="应急群"), msg("2026-05-12 22:10:00", "收到", group="应急群"),
        msg("2026-05-12 22:20:00", "好的", group="应急群"), msg("2026-05-12 11:00:00", "上午巡查", group="应急群"),
    ])
    g = ah.by_group(ws)
    assert [(r.group, bool(r.emergency), int(r.messages), int(r.after_hours), int(r.after_hours_exempt),
             int(r.non_exempt), int(r.late_night), int(r.late_night_non_exempt), r.share) for r in g.itertuples()] == [
        # 甲群 first: it has the most non-exempt after-hours messages although 应急群 has more in all
        ("甲群", False, 3, 2, 0, 2, 1, 1, 2 / 3),
        ("应急群", True, 4, 3, 3, 0, 2, 0, 3 / 4),
    ]


def test_by_sender_latest_time_of_the_night(tmp_path: Path) -> None:
    ws = build(tmp_path, [
        msg("2026-05-12 23:10:00"),                 # 王一: late
        msg("2026-05-13 00:40:00"),                 # 王一: later still (after midnight)
        msg("2026-05-13 06:30:00"),                 # 王一: early morning, not "later" than 00:40
        msg("2026-05-13 09:00:00"),                 # 王一: working time
        msg("2026-05-14 18:30:00", who="李二"),      # 李二: just after work
        msg("2026-05-14 10:00:00", who="李二"),
        msg("2026-05-14 11:00:00", who="张三"),      # 张三: only in working time
    ])
    p = ah.by_sender(ws)
    assert [(r.person, r.unit, bool(r.is_leader), int(r.sent), int(r.after_hours_sent), int(r.late_night_sent),
             None if pd.isna(r.latest_time) else r.latest_time, r.share) for r in p.itertuples()] == [
        ("王一", "党建办", True, 4, 3, 3, "00:40", 0.75),
        ("李二", "党建办", False, 2, 1, 0, "18:30", 0.5),
        ("张三", "石桥村", False, 1, 0, 0, None, 0.0),
    ]
    assert p.iloc[0]["latest_at"] == pd.Timestamp("2026-05-13 00:40:00")
    # The unit filter keeps only that unit's cadres.
    p = ah.by_sender(ws, Scope(units=("石桥村",)))
    assert p["person"].tolist() == ["张三"]


def test_messages_drill_down_filters_and_limit(tmp_path: Path) -> None:
    ws = build(tmp_path, [
        msg("2026-05-12 19:00:00"), msg("2026-05-12 23:00:00"), msg("2026-05-13 07:00:00", who="李二"),
        msg("2026-05-13 06:59:59", who="李二"), msg("2026-05-13 21:00:00", "水位", group="应急群"),
    ])
    ids = dict(zip(ah.by_group(ws)["group"], ah.by_group(ws)["group_id"]))
    people = dict(zip(ah.by_sender(ws)["person"], ah.by_sender(ws)["person_id"]))
    times = lambda df: [t.strftime("%m-%d %H:%M:%S") for t in df["sent_local"]]  # noqa: E731
    assert times(ah.messages(ws)) == ["05-13 21:00:00", "05-13 07:00:00", "05-13 06:59:59",
                                      "05-12 23:00:00", "05-12 19:00:00"]
    assert times(ah.messages(ws, group_id=int(ids["应急群"]))) == ["05-13 21:00:00"]
    assert times(ah.messages(ws, person_id=int(people["李二"]))) == ["05-13 07:00:00", "05-13 06:59:59"]
    assert times(ah.messages(ws, person_id=int(people["李二"]), late_only=True)) == ["05-13 06:59:59"]
    assert times(ah.messages(ws, limit=2)) == ["05-13 21:00:00", "05-13 07:00:00"]
    row = ah.messages(ws, group_id=int(ids["应急群"])).iloc[0]
    assert (row["group"], row["sender"], row["text"], bool(row["exempt"])) == ("应急群", "王一", "水位", True)


def test_empty_workspace_and_finding(tmp_path: Path) -> None:
    ws = build(tmp_path, [])
    s = ah.summary(ws)
    assert s == {"messages": 0, "after_hours": 0, "exempt": 0, "non_exempt": 0, "share": 0.0,
                 "non_exempt_share": 0.0, "late_night": 0, "late_night_non_exempt": 0, "holiday_messages": 0}
    h = ah.heatmap(ws)
    assert len(h) == 168 and int(h["messages"].sum()) == 0
    assert ah.weekly(ws).empty and ah.by_group(ws).empty and ah.by_sender(ws).empty and ah.messages(ws).empty
    assert ah.finding(ws) == "所选范围内没有消息。"


def test_finding_names_the_numbers_and_the_top_sender(tmp_path: Path) -> None:
    ws = build(tmp_path, [
        msg("2026-05-12 10:00:00"), msg("2026-05-12 10:10:00", who="李二"),
        msg("2026-05-12 22:30:00", who="李二"), msg("2026-05-12 23:45:00", who="李二"),
        msg("2026-05-12 19:00:00"), msg("2026-05-12 20:00:00", "紧急：排查"),
    ])
    # 6 messages; after hours: 李二 22:30, 23:45; 王一 19:00, 20:00 (exempt) → 4, 66.7%, late 2.
    assert ah.finding(ws) == (
        "66.7% 的消息发在非工作时间（4 条，共 6 条），其中深夜 22:00–07:00 有 2 条；"
        "扣除应急群和含“紧急”等字样的 1 条，仍有 3 条（占全部消息 50.0%）。"
        "不属应急的非工作时间消息发得最多的是 李二（党建办·干事）：2 条，其中深夜 2 条，夜里最晚发到 23:45；"
        "领导班子中最多的是 王一（主任）：1 条，夜里最晚发到 20:00；最多的群是 甲群（3 条）。")


# -- settings form -----------------------------------------------------------------------------

def test_parse_and_format_dates() -> None:
    dates, errors = ah.parse_dates("2026-06-01, 2026/6/3；2026年6月5日\n2026-10-01~2026-10-03 2026-06-01", "额外放假日期")
    assert errors == []
    assert dates == [dt.date(2026, 6, 1), dt.date(2026, 6, 3), dt.date(2026, 6, 5),
                     dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)]
    assert ah.format_dates(dates) == "2026-06-01, 2026-06-03, 2026-06-05, 2026-10-01~2026-10-03"
    assert ah.parse_dates(ah.format_dates(dates), "x") == (dates, [])
    assert ah.parse_dates("2026-10-01 至 2026-10-02", "x") == ([dt.date(2026, 10, 1), dt.date(2026, 10, 2)], [])
    assert ah.parse_dates("  ", "x") == ([], [])
    _, errors = ah.parse_dates("2026-13-01, 6月1日", "额外放假日期")
    assert len(errors) == 2
    assert errors[0].startswith("「额外放假日期」里的「2026-13-01」不是有效日期：请写成 2026-06-01")
    assert "「6月1日」" in errors[1]
    _, errors = ah.parse_dates("2026-06-05~2026-06-01", "额外上班日期")
    assert errors == ["「额外上班日期」里的「2026-06-05~2026-06-01」结束日期早于开始日期：请把先的日期写在前面。"]


def form(**changes: object) -> dict[str, object]:
    base: dict[str, object] = dict(work_start=dt.time(8, 30), work_end=dt.time(18, 0), lunch=False,
                                   lunch_start=dt.time(12, 0), lunch_end=dt.time(14, 0), extra_holidays="",
                                   extra_workdays="", timezone="Asia/Shanghai", emergency_words="紧急、汛情")
    return {**base, **changes}


def test_build_settings_valid_keeps_other_settings() -> None:
    current = Settings(cap=5, zombie_days=10)
    new, errors = ah.build_settings(current, **form(work_end=dt.time(17, 30), lunch=True,
                                                    extra_holidays="2026-06-01", extra_workdays="2026-06-06",
                                                    timezone="Asia/Urumqi", emergency_words="紧急, 汛情、紧急 险情"))
    assert errors == [] and new is not None
    assert (new.work_start, new.work_end, new.lunch_start, new.lunch_end) == (
        dt.time(8, 30), dt.time(17, 30), dt.time(12, 0), dt.time(14, 0))
    assert new.extra_holidays == [dt.date(2026, 6, 1)] and new.extra_workdays == [dt.date(2026, 6, 6)]
    assert new.timezone == "Asia/Urumqi" and new.emergency_words == ["紧急", "汛情", "险情"]
    assert (new.cap, new.zombie_days) == (5, 10)
    # Unticked lunch clears it, whatever the time inputs hold.
    new, _ = ah.build_settings(current, **form())
    assert new is not None and new.lunch_start is None and new.lunch_end is None


@pytest.mark.parametrize("changes, message", [
    (dict(work_start=dt.time(18, 0), work_end=dt.time(9, 0)),
     "「上班时间」18:00 不早于「下班时间」09:00：请把下班时间设在上班时间之后（不支持跨午夜的班次）。"),
    (dict(lunch=True, lunch_start=dt.time(14, 0), lunch_end=dt.time(12, 0)),
     "「午休开始」14:00 不早于「午休结束」12:00：请把午休结束设在开始之后。"),
    (dict(lunch=True, lunch_start=dt.time(17, 30), lunch_end=dt.time(19, 0)),
     "午休 17:30–19:00 不在上下班时间 08:30–18:00 之内：请调整午休时间，或取消勾选「设午休」。"),
    (dict(extra_holidays="2026-06-01", extra_workdays="2026-06-01"),
     "2026-06-01 同时写在「额外放假日期」和「额外上班日期」里：请只保留一处。"),
    (dict(extra_workdays="明天"),
     "「额外上班日期」里的「明天」不是有效日期：请写成 2026-06-01 这样的格式，多个日期用逗号或换行分开，"
     "连续几天可写成 2026-06-01~2026-06-03。"),
    (dict(timezone="Mars/Base"), "「时区」Mars/Base 无法识别：请从列表中选择，例如 Asia/Shanghai。"),
])
def test_build_settings_rejects_with_a_chinese_message(changes: dict, message: str) -> None:
    new, errors = ah.build_settings(Settings(), **form(**changes))
    assert new is None and errors == [message]


# -- the page ----------------------------------------------------------------------------------

def independent_counts(ws: Workspace, settings: Settings) -> dict[str, int]:
    """After-hours counts straight from the messages table with core.workcal, not through v_msg."""
    rows = ws.query("""
        select m.sent_local, m.text, g.emergency
        from messages m join group_map gm on gm.account_id = m.group_account_id join groups g on g.id = gm.group_id
        where m.kind not in ('system', 'recall')
    """)
    after = [r for r in rows if workcal.is_after_hours(r[0], settings)]
    exempt = [r for r in after if r[2] or any(w in (r[1] or "") for w in settings.emergency_words)]
    late = [r for r in after if r[0].time() >= dt.time(22) or r[0].time() < dt.time(7)]
    return {"messages": len(rows), "after_hours": len(after), "exempt": len(exempt), "late_night": len(late)}


def metric(at, label: str) -> str:  # noqa: ANN001
    return next(m.value for m in at.metric if m.label == label)


def test_page_on_the_sample_township(sample_app, sample_ws: Workspace) -> None:  # noqa: ANN001
    expected = independent_counts(sample_ws, sample_ws.settings())
    assert expected["after_hours"] > 1000  # the sample plants plenty of evening and holiday posts
    at = sample_app("pages/after_hours.py")
    assert not at.exception
    text = next(m.value for m in at.markdown if "的消息发在非工作时间" in m.value)
    share = expected["after_hours"] / expected["messages"]
    assert text.startswith(f"{share:.1%} 的消息发在非工作时间（{expected['after_hours']:,} 条，"
                           f"共 {expected['messages']:,} 条），其中深夜 22:00–07:00 有 {expected['late_night']:,} 条；"
                           f"扣除应急群和含“紧急”等字样的 {expected['exempt']:,} 条")
    assert metric(at, "非工作时间消息") == f"{expected['after_hours']:,}"
    assert metric(at, "其中应急豁免") == f"{expected['exempt']:,}"
    assert metric(at, "深夜 22:00–07:00") == f"{expected['late_night']:,}"
    assert len(at.get("plotly_chart")) == 4


def drill_table(at) -> pd.DataFrame:  # noqa: ANN001
    return next(d.value for d in at.dataframe if "为何算非工作时间" in d.value.columns)


def _open_app_workspace() -> Workspace:
    """The workspace the AppTest ran on (the app's own cached instance: one DuckDB file, one owner)."""
    from ui.glue import workspace

    return workspace()


def group_id(ws: Workspace, name: str) -> int:
    return ws.query("select id from groups where name = ?", [name])[0][0]


def test_page_drill_down_shows_the_planted_holiday_posts(sample_app, sample_ws: Workspace) -> None:  # noqa: ANN001
    at = sample_app("pages/after_hours.py")
    gid = group_id(sample_ws, "青石镇班子成员群")
    at.selectbox(key="ah_pick_group").set_value(gid).run()
    assert not at.exception
    rows = drill_table(at)
    # 2026-04-05 (清明节) 21:37: the party secretary's notice of a meeting "不得请假".
    hit = rows[rows["内容"].str.contains("不得请假")]
    assert len(hit) == 1
    assert (hit.iloc[0]["时间"], hit.iloc[0]["星期"], hit.iloc[0]["当天"], hit.iloc[0]["为何算非工作时间"]) == (
        "2026-04-05 21:37", "周日", "清明节", "休息日")
    assert (rows["群"] == "青石镇班子成员群").all()
    # 2026-05-02 (劳动节) 22:15 in 政府工作群: @所有人 for the duty roster, late at night.
    at.selectbox(key="ah_pick_group").set_value(group_id(sample_ws, "青石镇政府工作群")).run()
    at.checkbox(key="ah_group_late").check().run()
    rows = drill_table(at)
    hit = rows[rows["内容"].str.contains("@所有人")]
    assert [(r["时间"], r["当天"], r["深夜"]) for _, r in hit.iterrows()] == [("2026-05-02 22:15", "劳动节", "是")]
    assert (rows["深夜"] == "是").all()


def heatmap_figure(at) -> dict:  # noqa: ANN001
    """The hour × weekday heatmap as the page sent it to the browser (plotly JSON)."""
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(f for f in figs if f["data"][0]["type"] == "heatmap")


def heatmap_total(fig: dict) -> int:
    z = fig["data"][0]["z"]
    if isinstance(z, dict):  # plotly ≥ 6 sends numeric arrays as base64 typed arrays
        return int(np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).sum())
    return int(sum(v for row in z for v in row))


def test_page_settings_form_saves_and_figures_follow(sample_app, sample_ws: Workspace) -> None:  # noqa: ANN001
    at = sample_app("pages/after_hours.py")
    before = independent_counts(sample_ws, sample_ws.settings())
    assert metric(at, "非工作时间消息") == f"{before['after_hours']:,}"
    fig = heatmap_figure(at)
    assert heatmap_total(fig) == before["after_hours"]
    assert "下班 18:00" in [a["text"] for a in fig["layout"]["annotations"]]
    end = next(t for t in at.time_input if t.label == "下班时间")
    end.set_value(dt.time(17, 0))
    next(b for b in at.button if b.label == "保存设置").click().run()
    assert not at.exception
    after = independent_counts(sample_ws, sample_ws.settings().model_copy(update={"work_end": dt.time(17, 0)}))
    assert after["after_hours"] > before["after_hours"]
    assert metric(at, "非工作时间消息") == f"{after['after_hours']:,}"
    fig = heatmap_figure(at)
    assert heatmap_total(fig) == after["after_hours"]
    assert "下班 17:00" in [a["text"] for a in fig["layout"]["annotations"]]
    assert any("已保存工作时间设置：08:30–17:00" in s.value for s in at.success)
    # Persisted in the workspace the app runs on.
    saved = _open_app_workspace().settings()
    assert saved.work_end == dt.time(17, 0) and saved.work_start == dt.time(8, 30)


def test_page_settings_form_refuses_bad_dates(sample_app) -> None:  # noqa: ANN001
    at = sample_app("pages/after_hours.py")
    next(t for t in at.text_area if t.label == "额外放假日期").input("2026-06-01, 2026-06-31")
    next(b for b in at.button if b.label == "保存设置").click().run()
    assert not at.exception
    assert any("「额外放假日期」里的「2026-06-31」不是有效日期" in e.value for e in at.error)
    assert _open_app_workspace().settings().extra_holidays == []
