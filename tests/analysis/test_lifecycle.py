"""Lifecycle (群生命周期): zombie, finished, owner and size status, by owner, detail, page.

The small workspace ``town`` below; its newest message is 活跃群's at 2026-05-31 12:00:00, so the
default analysis date is that instant and zombie_since = 2026-05-01 12:00:00.

group        owner (list/roster)          last active message   notes
活跃群        王一                          2026-05-31 12:00:00   also 2026-04-05 09:00
边界群        王一                          2026-05-01 12:00:00   exactly 30 days → zombie
差一分群      王一                          2026-05-01 12:01:00   29 days 23:59 → not
系统群        李二                          2026-04-01 09:00:00   + recall 05-29, system 05-30
名单群        李二 (类别 专项)              —                     roster only
经济普查群    张三                          2026-05-17 12:00:00   exactly 14 days → finished
重点项目群    张三                          2026-05-17 12:01:00   13 days 23:59 → not finished
路灯群        赵四 (类别 临时)              2026-05-11 12:00:00   20 days → finished
离任群        孙五 (not in the directory)   2026-05-30 09:00:00   roster has 孙五 as 群主
退群群        李二 (not in the roster)      2026-05-30 09:00:00
无主群        — (no owner anywhere)         2026-05-30 09:00:00
无名单群      张三 (no roster)              2026-05-30 09:00:00   members = senders
名单群主群    赵四 (roster only)            2026-05-30 09:00:00   not in the group list
新建群        王一                          2026-05-21 09:00:00   first 2026-05-20 09:00
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from core.analysis import lifecycle
from core.analysis.base import Scope, scoped
from core.workspace import Workspace
from tests.analysis.fixtures import directory, groups, messages, new_ws, roster

T = dt.datetime.fromisoformat


@pytest.fixture
def town(tmp_path: Path) -> Workspace:
    ws = new_ws(tmp_path)
    directory(ws, tmp_path, [("王一", "党建办", "主任", True), ("李二", "党政办", "主任", False),
                             ("张三", "经发办", "统计员", False), ("赵四", "农服中心", "主任", False),
                             ("钱六", "党建办", "干事", False)])
    groups(ws, tmp_path, [
        ("活跃群", "王一", "党建办", "科室", False),
        ("边界群", "王一", "党建办", "科室", False),
        ("差一分群", "王一", "党建办", "科室", False),
        ("系统群", "李二", "党政办", "综合", False),
        ("名单群", "李二", "党政办", "专项", False),
        ("经济普查群", "张三", "经发办", None, False),
        ("重点项目群", "张三", "经发办", None, False),
        ("路灯群", "赵四", "农服中心", "临时", False),
        ("离任群", "孙五", "农服中心", "科室", False),
        ("退群群", "李二", "党政办", "科室", False),
        ("无主群", None, "党政办", "科室", False),
        ("无名单群", "张三", "经发办", "科室", False),
        ("新建群", "王一", "党建办", "科室", False),
    ])
    roster(ws, tmp_path, [
        ("名单群", "李二", "群主"), ("名单群", "王一", "成员"),
        ("离任群", "孙五", "群主"), ("离任群", "赵四", "成员"), ("离任群", "钱六", "成员"),
        ("退群群", "王一", "管理员"), ("退群群", "钱六", "成员"),
        ("无主群", "王一", "成员"), ("无主群", "张三", "成员"),
        ("名单群主群", "赵四", "群主"), ("名单群主群", "钱六", "成员"),
    ])
    messages(ws, tmp_path, [
        ("活跃群", "王一", "2026-04-05 09:00:00", "通知：周一开会", "文本"),
        ("活跃群", "王一", "2026-05-31 12:00:00", "会议通知", "文本"),
        ("边界群", "王一", "2026-03-20 09:00:00", "材料请报送", "文本"),
        ("边界群", "王一", "2026-05-01 12:00:00", "收到", "文本"),
        ("差一分群", "王一", "2026-05-01 12:01:00", "收到", "文本"),
        ("系统群", "李二", "2026-04-01 09:00:00", "请各村报送台账", "文本"),
        ("系统群", None, "2026-05-29 08:00:00", "李二撤回了一条消息", "撤回"),
        ("系统群", None, "2026-05-30 10:00:00", "李二邀请钱六加入了群聊", "系统"),
        ("经济普查群", "张三", "2026-05-17 12:00:00", "普查登记完成", "文本"),
        ("重点项目群", "张三", "2026-05-17 12:01:00", "项目验收通过", "文本"),
        ("路灯群", "赵四", "2026-05-11 12:00:00", "路灯已装好", "图片"),
        ("离任群", "赵四", "2026-05-30 09:00:00", "收到", "文本"),
        ("退群群", "钱六", "2026-05-30 09:00:00", "收到", "文本"),
        ("无主群", "张三", "2026-05-30 09:00:00", "收到", "文本"),
        ("无名单群", "王一", "2026-05-30 09:00:00", "收到", "文本"),
        ("名单群主群", "钱六", "2026-05-30 09:00:00", "收到", "文本"),
        ("新建群", "王一", "2026-05-20 09:00:00", "建群通知", "文本"),
        ("新建群", "钱六", "2026-05-21 09:00:00", "收到", "文本"),
    ])
    yield ws
    ws.close()


def rows(df: pd.DataFrame) -> dict[str, dict]:
    return {r["group"]: r for r in df.to_dict("records")}


def names(df: pd.DataFrame, column: str) -> set[str]:
    return set(df.loc[df[column].astype(bool), "group"])


def test_zombie_boundary_system_only_and_roster_only(town: Workspace) -> None:
    st = rows(lifecycle.group_status(town))
    assert len(st) == 14
    # Exactly 30 days silent is a zombie; 29 days 23:59 is not.
    assert (st["边界群"]["last_message_at"], st["边界群"]["days_silent"], st["边界群"]["zombie"]) == \
        (T("2026-05-01 12:00:00"), 30, True)
    assert (st["差一分群"]["days_silent"], st["差一分群"]["zombie"]) == (29, False)
    # A recall and a system notice in the last 30 days do not keep a group alive.
    s = st["系统群"]
    assert (s["last_message_at"], s["last_any_at"], s["days_silent"], s["zombie"], s["messages"]) == \
        (T("2026-04-01 09:00:00"), T("2026-05-30 10:00:00"), 60, True, 1)
    # A roster with no chat record: "没有聊天记录", never a zombie (nor finished, though 专项).
    r = st["名单群"]
    assert (r["no_messages"], r["zombie"], r["project"], r["finished"], r["members"]) == (True, False, True, False, 2)
    assert pd.isna(r["last_message_at"]) and pd.isna(r["first_message_at"]) and pd.isna(r["days_silent"])
    assert names(pd.DataFrame(st.values()), "zombie") == {"边界群", "系统群"}
    assert names(pd.DataFrame(st.values()), "no_messages") == {"名单群"}
    a = st["活跃群"]
    assert (a["first_message_at"], a["last_message_at"], a["days_silent"], a["messages"]) == \
        (T("2026-04-05 09:00:00"), T("2026-05-31 12:00:00"), 0, 2)


def test_finished_project_groups(town: Workspace) -> None:
    df = lifecycle.group_status(town)
    st = rows(df)
    # 普查/项目 in the name, 专项/临时 in the category.
    assert names(df, "project") == {"名单群", "经济普查群", "重点项目群", "路灯群"}
    assert (st["经济普查群"]["days_silent"], st["经济普查群"]["finished"]) == (14, True)
    assert (st["重点项目群"]["days_silent"], st["重点项目群"]["finished"]) == (13, False)
    assert (st["路灯群"]["days_silent"], st["路灯群"]["finished"]) == (20, True)
    # 边界群 is silent 30 days but no project: a zombie, not a finished project.
    assert (st["边界群"]["project"], st["边界群"]["finished"]) == (False, False)
    assert names(df, "finished") == {"经济普查群", "路灯群"}


def test_owner_status(town: Workspace) -> None:
    st = rows(lifecycle.group_status(town))
    status = {g: r["owner_status"] for g, r in st.items()}
    assert status == {
        "活跃群": "ok", "边界群": "ok", "差一分群": "ok", "系统群": "ok", "名单群": "ok",
        "经济普查群": "ok", "重点项目群": "ok", "路灯群": "ok", "新建群": "ok",
        "离任群": "left",        # in the roster as 群主, but not in the cadre directory
        "退群群": "left",        # in the directory, but no longer in the group's roster
        "无主群": "unknown",     # no owner in the group list or the roster
        "无名单群": "ok",        # no roster: membership cannot be judged
        "名单群主群": "ok",      # owner known from the roster only
    }
    assert (st["离任群"]["owner"], st["离任群"]["owner_in_group"], st["离任群"]["owner_in_directory"]) == \
        ("孙五", True, False)
    assert (st["退群群"]["owner"], st["退群群"]["owner_in_group"], st["退群群"]["owner_in_directory"]) == \
        ("李二", False, True)
    assert pd.isna(st["无主群"]["owner"]) and pd.isna(st["无主群"]["owner_in_group"])
    assert pd.isna(st["无名单群"]["owner_in_group"]) and st["无名单群"]["owner_in_directory"] is True
    assert st["无名单群"]["members"] == 1  # its one sender
    assert st["名单群主群"]["owner"] == "赵四"


def test_order_and_summary(town: Workspace) -> None:
    df = lifecycle.group_status(town)
    assert list(df["group"]) == ["名单群", "系统群", "边界群", "差一分群", "路灯群", "经济普查群", "重点项目群",
                                 "新建群", "名单群主群", "无主群", "无名单群", "离任群", "退群群", "活跃群"]
    s = lifecycle.summary(town)
    assert {k: s[k] for k in ("groups", "zombie", "finished", "no_messages", "owner_unknown", "owner_left",
                              "near_limit", "over_limit", "largest")} == \
        {"groups": 14, "zombie": 2, "finished": 2, "no_messages": 1, "owner_unknown": 1, "owner_left": 2,
         "near_limit": 0, "over_limit": 0, "largest": 3}
    assert (s["as_of"], s["as_of_date"], s["zombie_days"], s["finished_days"], s["max_members"]) == \
        (T("2026-05-31 12:00:00"), dt.date(2026, 5, 31), 30, 14, 500)


def test_analysis_date_changes_zombie_status(town: Workspace) -> None:
    # As of the end of 2026-05-10 (zombie_since 2026-04-11 00:00); later messages did not exist yet.
    df = lifecycle.group_status(town, Scope(as_of=dt.date(2026, 5, 10)))
    st = rows(df)
    assert names(df, "zombie") == {"活跃群", "系统群"}
    assert (st["活跃群"]["last_message_at"], st["活跃群"]["days_silent"]) == (T("2026-04-05 09:00:00"), 35)
    assert (st["边界群"]["days_silent"], st["边界群"]["zombie"]) == (9, False)
    assert st["系统群"]["last_any_at"] == T("2026-04-01 09:00:00")
    # A group whose first message came later is neither a zombie nor without data.
    assert (st["新建群"]["zombie"], st["新建群"]["no_messages"]) == (False, False)
    assert pd.isna(st["新建群"]["last_message_at"])
    assert (st["路灯群"]["finished"], st["经济普查群"]["finished"]) == (False, False)
    s = lifecycle.summary(town, Scope(as_of=dt.date(2026, 5, 10)))
    assert (s["as_of"], s["as_of_date"], s["zombie"]) == (T("2026-05-11 00:00:00"), dt.date(2026, 5, 10), 2)
    # A month after the data end every group with a history is a zombie.
    later = lifecycle.group_status(town, Scope(as_of=dt.date(2026, 7, 1)))
    assert names(later, "zombie") == set(later["group"]) - {"名单群"}
    assert rows(later)["活跃群"]["days_silent"] == 31  # 05-31 12:00 → 07-02 00:00: 31 days 12 h


def test_window_limits_counts_not_status(town: Workspace) -> None:
    df = lifecycle.group_status(town, Scope(start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31)))
    st = rows(df)
    assert {g: st[g]["messages"] for g in ("活跃群", "边界群", "系统群", "新建群")} == \
        {"活跃群": 1, "边界群": 1, "系统群": 0, "新建群": 2}
    assert names(df, "zombie") == {"边界群", "系统群"}
    assert st["活跃群"]["first_message_at"] == T("2026-04-05 09:00:00")
    daily = lifecycle.daily_activity(town, Scope(start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31)))
    got = {(r["group"], r["d"].date() if hasattr(r["d"], "date") else r["d"], r["messages"])
           for r in daily.to_dict("records")}
    assert got == {("活跃群", dt.date(2026, 5, 31), 1), ("边界群", dt.date(2026, 5, 1), 1),
                   ("差一分群", dt.date(2026, 5, 1), 1), ("经济普查群", dt.date(2026, 5, 17), 1),
                   ("重点项目群", dt.date(2026, 5, 17), 1), ("路灯群", dt.date(2026, 5, 11), 1),
                   ("离任群", dt.date(2026, 5, 30), 1), ("退群群", dt.date(2026, 5, 30), 1),
                   ("无主群", dt.date(2026, 5, 30), 1), ("无名单群", dt.date(2026, 5, 30), 1),
                   ("名单群主群", dt.date(2026, 5, 30), 1), ("新建群", dt.date(2026, 5, 20), 1),
                   ("新建群", dt.date(2026, 5, 21), 1)}


def test_group_filter(town: Workspace) -> None:
    ids = dict(town.query("select name, id from groups"))
    df = lifecycle.group_status(town, Scope(groups=(ids["系统群"], ids["路灯群"])))
    assert list(df["group"]) == ["系统群", "路灯群"]
    assert lifecycle.summary(town, Scope(groups=(ids["系统群"], ids["路灯群"])))["zombie"] == 1


def test_by_owner(town: Workspace) -> None:
    df = lifecycle.by_owner(town)
    got = [(r["owner"] if isinstance(r["owner"], str) else None, r["groups"], r["zombie"], r["finished"],
            r["no_messages"], r["owner_left"], list(r["group_names"])) for r in df.to_dict("records")]
    assert got == [
        ("王一", 4, 1, 0, 0, 0, ["差一分群", "新建群", "活跃群", "边界群"]),
        ("张三", 3, 0, 1, 0, 0, ["无名单群", "经济普查群", "重点项目群"]),
        ("李二", 3, 1, 0, 1, 1, ["名单群", "系统群", "退群群"]),
        ("赵四", 2, 0, 1, 0, 0, ["名单群主群", "路灯群"]),
        ("孙五", 1, 0, 0, 0, 1, ["离任群"]),
        (None, 1, 0, 0, 0, 0, ["无主群"]),
    ]
    r = rows(df.assign(group=df["owner"].fillna("—")))
    assert (r["孙五"]["in_directory"], r["王一"]["in_directory"]) == (False, True)
    assert (r["王一"]["members"], r["王一"]["messages"]) == (1 + 1 + 1 + 2, 2 + 2 + 1 + 2)


def test_group_detail(town: Workspace) -> None:
    ids = dict(town.query("select name, id from groups"))
    d = lifecycle.group_detail(town, ids["系统群"])
    assert d["info"].iloc[0]["owner"] == "李二"
    assert list(d["members"]["name"]) == ["李二"]
    recent = d["recent"]
    assert list(recent["kind"]) == ["system", "recall", "text"]
    assert list(recent["sent_local"]) == [T("2026-05-30 10:00:00"), T("2026-05-29 08:00:00"),
                                          T("2026-04-01 09:00:00")]
    assert [str(x.date()) for x in d["daily"]["d"]] == ["2026-04-01"] and list(d["daily"]["messages"]) == [1]
    m = lifecycle.group_detail(town, ids["离任群"])["members"]
    assert [(r["name"], r["role"], r["is_owner"], r["in_directory"]) for r in m.to_dict("records")] == \
        [("孙五", "owner", True, False), ("赵四", "member", False, True), ("钱六", "member", False, True)]
    assert lifecycle.group_detail(town, ids["活跃群"], limit=1)["recent"]["text"].tolist() == ["会议通知"]


def test_member_limits_and_no_directory(tmp_path: Path) -> None:
    ws = new_ws(tmp_path)
    sizes = {"八人群": 8, "九人群": 9, "十人群": 10, "十一人群": 11}
    roster(ws, tmp_path, [(g, f"成员{i:02d}", "群主" if i == 0 else "成员")
                          for g, n in sizes.items() for i in range(n)])
    default = rows(lifecycle.group_status(ws))
    assert {g: (r["members"], r["near_limit"], r["over_limit"]) for g, r in default.items()} == \
        {"八人群": (8, False, False), "九人群": (9, False, False), "十人群": (10, False, False),
         "十一人群": (11, False, False)}
    # No cadre directory was imported: an owner cannot be "not in the directory".
    assert {r["owner_status"] for r in default.values()} == {"ok"}
    assert all(pd.isna(r["owner_in_directory"]) for r in default.values())
    ws.save_settings(ws.settings().model_copy(update={"max_group_members": 10}))
    st = rows(lifecycle.group_status(ws))
    assert {g: (r["near_limit"], r["over_limit"]) for g, r in st.items()} == \
        {"八人群": (False, False), "九人群": (True, False), "十人群": (True, False), "十一人群": (True, True)}
    s = lifecycle.summary(ws)
    assert (s["near_limit"], s["over_limit"], s["max_members"], s["largest"], s["no_messages"], s["zombie"]) == \
        (3, 1, 10, 11, 4, 0)
    ws.close()


def test_empty_workspace(tmp_path: Path) -> None:
    ws = new_ws(tmp_path)
    assert lifecycle.group_status(ws).empty
    assert lifecycle.by_owner(ws).empty
    assert lifecycle.daily_activity(ws).empty
    s = lifecycle.summary(ws)
    assert (s["groups"], s["zombie"], s["largest"], s["as_of"]) == (0, 0, 0, None)
    ws.close()


def test_sample_township(sample_ws: Workspace) -> None:
    df = lifecycle.group_status(sample_ws)
    st = rows(df)
    assert names(df, "zombie") == {"春季植树造林活动群", "经济普查入户登记群", "高标准农田建设项目群"}
    assert st["春季植树造林活动群"]["last_message_at"] == T("2026-03-14 11:22:56")
    assert st["经济普查入户登记群"]["last_message_at"].strftime("%Y-%m-%d %H:%M") == "2026-03-20 16:33"
    assert st["经济普查入户登记群"]["last_any_at"].strftime("%Y-%m-%d") == "2026-05-12"
    assert st["高标准农田建设项目群"]["last_message_at"].strftime("%Y-%m-%d %H:%M") == "2026-04-10 15:49"
    assert names(df, "no_messages") == {"信访维稳工作群"}
    assert (st["高标准农田建设项目群"]["owner_status"], st["高标准农田建设项目群"]["owner_in_directory"]) == \
        ("left", False)
    assert set(df.loc[df["owner_status"] != "ok", "group"]) == {"高标准农田建设项目群"}
    # The window counts agree with the shared view v_msg.
    with scoped(sample_ws) as cur:
        per_group = dict(cur.execute("select group_id, count(*) from v_msg group by 1").fetchall())
    assert {r["group_id"]: r["messages"] for r in df.to_dict("records") if r["messages"]} == per_group
    daily = lifecycle.daily_activity(sample_ws)
    assert daily.groupby("group_id")["messages"].sum().to_dict() == per_group


def test_lifecycle_page_on_sample(sample_app) -> None:
    at = sample_app("pages/lifecycle.py")
    assert not at.exception
    assert at.title[0].value == "群生命周期"
    finding = "\n".join(e.value for e in at.warning)
    for name in ("春季植树造林活动群", "经济普查入户登记群", "高标准农田建设项目群"):
        assert name in finding
    assert "3 个群已超过 30 天没有消息（僵尸群）" in finding
    assert "1 个群的群主已不在干部名册中或已退群：高标准农田建设项目群" in finding
    assert "信访维稳工作群" in "\n".join(e.value for e in at.info)
    assert [m.value for m in at.metric][:5] == ["3", "3", "1", "0", "1"]
    # The drill-down opens on the first zombie: its members and its last messages.
    assert at.selectbox(key="life_group").format_func(at.selectbox(key="life_group").value) == \
        "春季植树造林活动群（僵尸群）"
    recent = at.dataframe[-1].value
    assert len(recent) == 50 and recent["时间"].iloc[0] == pd.Timestamp("2026-03-14 11:22:56")


def test_lifecycle_page_analysis_date_and_drill_down(sample_app, sample_ws: Workspace) -> None:
    # sample_ws is another copy of the same file: the same group ids.
    petition = sample_ws.query("select id from groups where name = '信访维稳工作群'")[0][0]
    at = sample_app("pages/lifecycle.py")
    # As of 2026-04-20, 高标准农田建设项目群 (last 04-10) was still active.
    at.sidebar.date_input(key="life_as_of").set_value(dt.date(2026, 4, 20)).run()
    assert not at.exception
    finding = "\n".join(e.value for e in at.warning)
    assert "截至 2026-04-20，34 个群中" in finding
    assert "2 个群已超过 30 天没有消息（僵尸群）：春季植树造林活动群、经济普查入户登记群" in finding
    assert "统计期：2026-03-02 至 2026-04-20，共 50 天" in [c.value for c in at.caption]
    # A roster-only group: members listed, no messages to show.
    box = at.selectbox(key="life_group")
    box.select(petition).run()
    assert not at.exception
    assert "这个群没有导入聊天记录。" in [e.value for e in at.info]
    assert "**成员（23 人）**" in [m.value for m in at.markdown]


def test_lifecycle_page_thresholds_are_saved(sample_app) -> None:
    at = sample_app("pages/lifecycle.py")
    at.number_input(key="life_zombie_days").set_value(60)
    at.number_input(key="life_max_members").set_value(170)
    next(b for b in at.button if b.label == "保存设置").click().run()
    assert not at.exception
    assert any(e.value.startswith("已保存：60 天没有消息算僵尸群，一个群最多 170 人") for e in at.success)
    finding = "\n".join(e.value for e in at.warning)
    # 77 and 71 days silent are over 60; 高标准农田建设项目群 (50 days) no longer is.
    assert "2 个群已超过 60 天没有消息（僵尸群）：春季植树造林活动群、经济普查入户登记群" in finding
    assert "1 个群超过 170 人上限：青石镇政府工作群" in finding
    assert [m.value for m in at.metric][:5] == ["2", "3", "1", "1", "1"]


def test_lifecycle_page_on_empty_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(tmp_path / "empty.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/lifecycle.py").run()
    assert not at.exception
    assert at.title[0].value == "群生命周期"
    assert any("还没有数据" in e.value for e in at.info)
