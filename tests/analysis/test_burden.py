"""Burden (人员负担): groups per cadre, messages received per day, reading minutes, after hours, by unit.

The fixture, worked by hand (cap 3, 3 s a message). Window 2026-05-11 (Mon) … 2026-05-16 (Sat) = 6 days.

    cadres (directory)    groups                 non-cadre: 钱五 (contractor, in 甲群)
    王一 党建办 leader    甲 乙 丙 丁  (4, over cap)
    李二 党建办           甲 乙        (2)
    张三 石桥村           甲 丙        (2)
    赵四 石桥村           —            (0)

    #  group sender time               after hours
    1  甲    王一   05-11 09:00        no
    2  甲    李二   05-11 09:05        no
    3  甲    张三   05-11 19:30        yes (after 18:00)
    4  乙    李二   05-12 10:00        no
    -  甲    —      05-12 12:00 system never counted
    5  丙    张三   05-13 21:00        yes (emergency words: still received, still after hours)
    6  丁    王一   05-14 08:00        yes (before 08:30)
    7  甲    钱五   05-16 10:00        yes (Saturday)
    8  乙    王一   05-16 11:00        yes (Saturday)

    group totals (after hours): 甲 4 (2), 乙 2 (1), 丙 1 (1), 丁 1 (1)
    王一 receives 甲 3 + 乙 1 + 丙 1 + 丁 0 = 5 (after hours 2 + 0 + 1 + 0 = 3); sent 3 (after hours 2)
    李二 receives 甲 3 + 乙 1 = 4 (2 + 1 = 3); sent 2 (0)
    张三 receives 甲 3 + 丙 0 = 3 (1 + 0 = 1); sent 2 (2)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.analysis import burden
from core.analysis.base import Scope
from core.workspace import Workspace
from tests.conftest import ROOT
from tests.analysis.fixtures import directory, groups, messages, new_ws, roster

DAYS = 6


def _build(ws: Workspace, tmp_path: Path, with_directory: bool = True) -> None:
    if with_directory:
        directory(ws, tmp_path, [("王一", "党建办", "主任", True), ("李二", "党建办", "干事", False),
                                 ("张三", "石桥村", "书记", False), ("赵四", "石桥村", "文书", False)])
    groups(ws, tmp_path, [("甲群", "王一", "党建办", "科室", False), ("乙群", "王一", "党建办", "科室", False),
                          ("丙群", "张三", "石桥村", "村级", False), ("丁群", "王一", "党建办", "专项", False)])
    roster(ws, tmp_path, [("甲群", "王一", "群主"), ("甲群", "李二", "成员"), ("甲群", "张三", "成员"),
                          ("甲群", "钱五", "成员"),
                          ("乙群", "王一", "成员"), ("乙群", "李二", "管理员"),
                          ("丙群", "王一", "成员"), ("丙群", "张三", "群主"),
                          ("丁群", "王一", "群主")])
    messages(ws, tmp_path, [
        ("甲群", "王一", "2026-05-11 09:00:00", "通知：明天上午开会", "文本"),
        ("甲群", "李二", "2026-05-11 09:05:00", "收到", "文本"),
        ("甲群", "张三", "2026-05-11 19:30:00", "收到", "文本"),
        ("乙群", "李二", "2026-05-12 10:00:00", "材料已交", "文本"),
        ("甲群", "", "2026-05-12 12:00:00", "王一邀请钱五加入了群聊", "系统"),
        ("丙群", "张三", "2026-05-13 21:00:00", "紧急：河堤险情，速到", "文本"),
        ("丁群", "王一", "2026-05-14 08:00:00", "早上好", "文本"),
        ("甲群", "钱五", "2026-05-16 10:00:00", "周末施工，注意安全", "文本"),
        ("乙群", "王一", "2026-05-16 11:00:00", "周末加班整理材料", "文本"),
    ])


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = new_ws(tmp_path)
    _build(ws, tmp_path)
    yield ws
    ws.close()


def _load(ws: Workspace, scope: Scope = Scope()) -> dict[str, dict]:
    df = burden.person_load(ws, scope)
    return {r["person"]: r for r in df.to_dict("records")}


def _group_id(ws: Workspace, name: str) -> int:
    return ws.query("select id from groups where name = ?", [name])[0][0]


def _person_id(ws: Workspace, name: str) -> int:
    return ws.query("select id from people where display_name = ?", [name])[0][0]


# -- person_load -----------------------------------------------------------------------------------

def test_person_load_counts_groups_received_messages_and_after_hours(ws: Workspace) -> None:
    df = burden.person_load(ws)
    assert list(df["person"]) == ["王一", "李二", "张三", "赵四"]      # groups desc, then messages/day desc
    rows = _load(ws)
    expected = {  # groups, over cap, received, after hours received, sent, after hours sent
        "王一": (4, True, 5, 3, 3, 2),
        "李二": (2, False, 4, 3, 2, 0),
        "张三": (2, False, 3, 1, 2, 2),
        "赵四": (0, False, 0, 0, 0, 0),
    }
    for name, (g, over, received, ah_recv, sent, ah_sent) in expected.items():
        r = rows[name]
        assert (r["groups"], bool(r["over_cap"]), r["received"]) == (g, over, received), name
        assert (r["after_hours_received"], r["sent"], r["after_hours_sent"]) == (ah_recv, sent, ah_sent), name
        assert r["messages_per_day"] == pytest.approx(received / DAYS), name
        assert r["reading_minutes"] == pytest.approx(received / DAYS * 3 / 60), name
    assert rows["王一"]["unit"] == "党建办" and rows["王一"]["position"] == "主任" and rows["王一"]["is_leader"]
    assert not rows["张三"]["is_leader"]


def test_people_outside_the_directory_are_not_cadres_but_are_counted(ws: Workspace) -> None:
    assert "钱五" not in _load(ws)
    s = burden.summary(ws)
    assert s["non_cadres"] == 1 and s["directory"] is True
    others = burden.non_cadres(ws)
    assert others[["person", "groups", "sent"]].to_dict("records") == [{"person": "钱五", "groups": 1, "sent": 1}]


def test_without_a_directory_everyone_is_a_cadre(tmp_path: Path) -> None:
    ws = new_ws(tmp_path, "nodir.duckdb")
    _build(ws, tmp_path, with_directory=False)
    rows = _load(ws)
    # 赵四 only existed in the directory; 钱五 is now a cadre like everyone else.
    assert sorted(rows) == sorted(["王一", "李二", "张三", "钱五"])
    assert (rows["钱五"]["groups"], rows["钱五"]["received"], rows["钱五"]["sent"]) == (1, 3, 1)
    s = burden.summary(ws)
    assert (s["cadres"], s["non_cadres"], s["directory"]) == (4, 0, False)
    assert burden.non_cadres(ws).empty
    ws.close()


def test_summary_figures(ws: Workspace) -> None:
    s = burden.summary(ws)
    assert (s["cadres"], s["max"], s["max_count"], s["max_person"], s["max_people"]) == (4, 4, 1, "王一", ["王一"])
    assert (s["over_cap"], s["cap"], s["days"], s["reading_seconds"]) == (1, 3, DAYS, 3.0)
    assert s["mean"] == pytest.approx(2.0)               # (4 + 2 + 2 + 0) / 4
    assert s["median"] == pytest.approx(2.0)
    per_day = sorted(x / DAYS for x in (5, 4, 3, 0))     # 0, 0.5, 0.667, 0.833
    assert s["messages_per_day_mean"] == pytest.approx(12 / DAYS / 4)
    assert s["messages_per_day_p50"] == pytest.approx((per_day[1] + per_day[2]) / 2)
    assert s["messages_per_day_p90"] == pytest.approx(per_day[2] + 0.7 * (per_day[3] - per_day[2]))
    assert s["messages_per_day_max"] == pytest.approx(5 / DAYS)
    assert s["reading_minutes_mean"] == pytest.approx(12 / DAYS / 4 * 3 / 60)
    assert s["reading_minutes_max"] == pytest.approx(5 / DAYS * 3 / 60)


def test_distribution_keeps_empty_counts_and_marks_the_cap(ws: Workspace) -> None:
    d = burden.distribution(ws)
    assert d.to_dict("list") == {"groups": [0, 1, 2, 3, 4], "cadres": [1, 0, 2, 0, 1],
                                 "over_cap": [False, False, False, False, True]}


def test_by_unit(ws: Workspace) -> None:
    u = burden.by_unit(ws)
    assert list(u["unit"]) == ["党建办", "石桥村"]
    dj, sq = u.to_dict("records")
    assert (dj["cadres"], dj["max_groups"], dj["over_cap"]) == (2, 4, 1)
    assert dj["mean_groups"] == pytest.approx(3.0)
    assert dj["mean_messages_per_day"] == pytest.approx((5 + 4) / DAYS / 2)
    assert dj["mean_reading_minutes"] == pytest.approx((5 + 4) / DAYS / 2 * 3 / 60)
    assert dj["after_hours_received"] == pytest.approx(3.0)
    assert (sq["cadres"], sq["max_groups"], sq["over_cap"]) == (2, 2, 0)
    assert sq["mean_groups"] == pytest.approx(1.0)
    assert sq["mean_messages_per_day"] == pytest.approx(3 / DAYS / 2)
    assert sq["after_hours_received"] == pytest.approx(0.5)


# -- settings and filters ----------------------------------------------------------------------------

def test_cap_and_reading_seconds_come_from_the_settings(ws: Workspace) -> None:
    ws.save_settings(ws.settings().model_copy(update={"cap": 1, "reading_seconds": 6.0}))
    rows = _load(ws)
    assert sorted(n for n, r in rows.items() if r["over_cap"]) == ["张三", "李二", "王一"]
    assert rows["王一"]["reading_minutes"] == pytest.approx(5 / DAYS * 6 / 60)
    s = burden.summary(ws)
    assert (s["cap"], s["over_cap"], s["reading_seconds"]) == (1, 3, 6.0)
    assert burden.distribution(ws)["over_cap"].tolist() == [False, False, True, True, True]


def test_unit_filter_keeps_that_units_cadres_and_all_their_groups(ws: Workspace) -> None:
    scope = Scope(units=("石桥村",))
    rows = _load(ws, scope)
    assert list(rows) == ["张三", "赵四"]
    assert (rows["张三"]["groups"], rows["张三"]["received"], rows["张三"]["after_hours_received"]) == (2, 3, 1)
    assert rows["赵四"]["groups"] == 0
    s = burden.summary(ws, scope)
    assert (s["cadres"], s["over_cap"], s["max_person"], s["non_cadres"]) == (2, 0, "张三", 0)
    assert list(burden.by_unit(ws, scope)["unit"]) == ["石桥村"]


def test_group_filter_counts_only_those_groups_and_their_cadres(ws: Workspace) -> None:
    scope = Scope(groups=(_group_id(ws, "乙群"),))
    rows = _load(ws, scope)
    assert sorted(rows) == ["李二", "王一"]
    # 乙群: 李二 05-12 10:00 (working time), 王一 05-16 11:00 (Saturday).
    assert (rows["王一"]["groups"], rows["王一"]["received"], rows["王一"]["after_hours_received"]) == (1, 1, 0)
    assert (rows["王一"]["sent"], rows["王一"]["after_hours_sent"]) == (1, 1)
    assert (rows["李二"]["groups"], rows["李二"]["received"], rows["李二"]["after_hours_received"]) == (1, 1, 1)
    assert rows["李二"]["messages_per_day"] == pytest.approx(1 / DAYS)
    assert burden.summary(ws, scope)["non_cadres"] == 0      # 钱五 is not in 乙群


def test_date_filter_narrows_messages_and_the_denominator(ws: Workspace) -> None:
    scope = Scope(start=dt.date(2026, 5, 11), end=dt.date(2026, 5, 13))     # 3 days, messages 1-5
    rows = _load(ws, scope)
    assert {n: r["groups"] for n, r in rows.items()} == {"王一": 4, "李二": 2, "张三": 2, "赵四": 0}
    assert {n: r["received"] for n, r in rows.items()} == {"王一": 4, "李二": 2, "张三": 2, "赵四": 0}
    assert {n: r["after_hours_received"] for n, r in rows.items()} == {"王一": 2, "李二": 1, "张三": 0, "赵四": 0}
    assert rows["王一"]["messages_per_day"] == pytest.approx(4 / 3)
    assert burden.summary(ws, scope)["days"] == 3


# -- drill-down ------------------------------------------------------------------------------------

def test_person_groups_shows_each_group_with_members_and_daily_messages(ws: Workspace) -> None:
    df = burden.person_groups(ws, _person_id(ws, "王一"))
    assert list(df["group"]) == ["甲群", "丙群", "乙群", "丁群"]            # received/day desc, then name
    by = {r["group"]: r for r in df.to_dict("records")}
    expected = {  # role, members, messages, received, sent, after hours received
        "甲群": ("owner", 4, 4, 3, 1, 2),
        "乙群": ("member", 2, 2, 1, 1, 0),
        "丙群": ("member", 2, 1, 1, 0, 1),
        "丁群": ("owner", 1, 1, 0, 1, 0),
    }
    for name, (role, members, msgs, received, sent, ah) in expected.items():
        r = by[name]
        assert (r["role"], r["members"], r["messages"], r["sent"], r["after_hours_received"]) == \
            (role, members, msgs, sent, ah), name
        assert r["messages_per_day"] == pytest.approx(msgs / DAYS), name
        assert r["received_per_day"] == pytest.approx(received / DAYS), name
        assert r["reading_minutes"] == pytest.approx(received / DAYS * 3 / 60), name
    # The groups add up to the person's row.
    assert df["received_per_day"].sum() == pytest.approx(_load(ws)["王一"]["messages_per_day"])
    assert burden.person_groups(ws, _person_id(ws, "赵四")).empty


def test_received_messages_are_others_posts_in_the_persons_groups_newest_first(ws: Workspace) -> None:
    pid = _person_id(ws, "李二")
    df = burden.received_messages(ws, pid)
    assert [(r["group"], r["sender"], r["sent_local"].strftime("%m-%d %H:%M"), r["after_hours"])
            for r in df.to_dict("records")] == [
        ("乙群", "王一", "05-16 11:00", True),
        ("甲群", "钱五", "05-16 10:00", True),
        ("甲群", "张三", "05-11 19:30", True),
        ("甲群", "王一", "05-11 09:00", False),
    ]
    assert list(burden.received_messages(ws, pid, limit=2)["sender"]) == ["王一", "钱五"]
    narrowed = burden.received_messages(ws, pid, Scope(end=dt.date(2026, 5, 15)))
    assert list(narrowed["text"]) == ["收到", "通知：明天上午开会"]
    assert burden.received_messages(ws, _person_id(ws, "赵四")).empty


# -- the page --------------------------------------------------------------------------------------

def _expected_sample_figures(ws: Workspace) -> dict:
    """The sample township's headline figures straight from the base tables (naively, message by
    member), independent of core.analysis.burden."""
    cap = ws.settings().cap
    per_person = ws.query(
        """
        select p.display_name, count(distinct m.group_id) as n
        from people p left join memberships m on m.person_id = p.id
        where p.in_directory group by p.id, p.display_name
        """)
    top = max(n for _, n in per_person)
    days = ws.query("select max(sent_local)::date - min(sent_local)::date + 1 from messages")[0][0]
    received = ws.query(
        """
        select max(cnt) from (
            select mb.person_id, count(*) as cnt
            from (select distinct group_id, person_id from memberships) mb
            join people p on p.id = mb.person_id and p.in_directory
            join group_map gm on gm.group_id = mb.group_id
            join messages msg on msg.group_account_id = gm.account_id and msg.kind not in ('system', 'recall')
            left join person_map pm on pm.account_id = msg.sender_account_id
            where pm.person_id is distinct from mb.person_id
            group by mb.person_id)
        """)[0][0]
    return {"cadres": len(per_person), "over": sum(1 for _, n in per_person if n > cap), "cap": cap, "max": top,
            "max_names": [name for name, n in per_person if n == top], "per_day_max": received / days}


def _finding(at: AppTest) -> str:
    """The page's finding: the first paragraph that counts the cadres."""
    return next(md.value for md in at.markdown if "名干部" in md.value)


def test_page_on_the_sample_township(sample_app, sample_ws: Workspace) -> None:
    exp = _expected_sample_figures(sample_ws)
    at = sample_app("pages/burden.py")
    assert not at.exception
    finding = _finding(at)
    assert f"{exp['cadres']} 名干部中，{exp['over']} 名超过 {exp['cap']} 个群" in finding
    assert len(exp["max_names"]) == 1
    assert f"最多的一人（{exp['max_names'][0]}）在 **{exp['max']} 个群**" in finding
    assert f"最多的一人每天 **{exp['per_day_max']:,.0f} 条**" in finding
    assert "另有 3 人不在干部名册中" in " ".join(c.value for c in at.caption)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[f"超过 {exp['cap']} 个群"] == f"{exp['over']} 人"

    # Drill-down: the list switches to one group count; picking a cadre shows their groups.
    at.selectbox(key="bd_list").set_value(exp["max"]).run()
    assert not at.exception
    assert at.dataframe[1].value["姓名"].tolist() == exp["max_names"]
    other = sample_ws.query(
        """
        select p.id, p.display_name, count(*) from people p join memberships m on m.person_id = p.id
        where p.in_directory group by all having count(*) = 2 order by p.display_name limit 1
        """)[0]
    at.selectbox(key="bd_person").set_value(other[0]).run()
    assert not at.exception
    assert any(md.value.startswith(f"**{other[1]}**") and "在 **2 个群**" in md.value for md in at.markdown)
    assert len(at.dataframe[2].value) == 2                      # their two groups


def test_page_filtered_to_one_unit(sample_app, sample_ws: Workspace) -> None:
    unit, cadres = sample_ws.query(
        "select unit, count(*) from people where in_directory and unit = '石桥村' group by unit")[0]
    at = sample_app("pages/burden.py")
    at.sidebar.multiselect(key="f_units").set_value([unit]).run()
    assert not at.exception
    assert _finding(at).startswith(f"**{cadres} 名干部")


def test_page_without_data_shows_the_empty_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(tmp_path / "empty.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/burden.py").run()
    assert not at.exception
    assert any("还没有数据" in i.value for i in at.info)
