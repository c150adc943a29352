"""``python -m core plan``: the workspace → merges → cap pipeline on a hand-computed township."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.analysis.fixtures import directory, groups, messages, new_ws, roster

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("plan")
    ws = new_ws(tmp)
    directory(ws, tmp, [("王一", "党建办", "主任", True), ("李二", "党建办", None, False),
                        ("赵三", "石桥村", "书记", False), ("孙四", "石桥村", None, False)])
    groups(ws, tmp, [("甲群", "王一", "党建办", "科室", False), ("乙群", "李二", "党建办", "科室", False),
                     ("丙群", "赵三", "石桥村", "村级", False), ("旧群", "孙四", "石桥村", "村级", False)])
    roster(ws, tmp, [("甲群", "王一", "群主"), ("甲群", "李二", "成员"), ("甲群", "赵三", "成员"),
                     ("乙群", "李二", "群主"), ("乙群", "王一", "成员"), ("乙群", "赵三", "成员"),
                     ("丙群", "赵三", "群主"), ("丙群", "孙四", "成员"),
                     ("旧群", "孙四", "群主"), ("旧群", "赵三", "成员")])
    messages(ws, tmp, [
        ("旧群", "孙四", "2026-03-02 09:00:00", "春耕物资发放登记", "文本"),       # silent 71 days: zombie
        ("甲群", "王一", "2026-05-11 09:00:00", "请各位于周五前报送台账", "文本"),
        ("甲群", "李二", "2026-05-11 09:05:00", "收到", "文本"),
        ("甲群", "赵三", "2026-05-12 09:06:00", "收到", "文本"),
        ("乙群", "李二", "2026-05-12 10:00:00", "下午开会", "文本"),
        ("丙群", "赵三", "2026-05-12 11:00:00", "今天巡河", "文本"),
    ])
    ws.close()
    return tmp / "ws.duckdb"


def plan(db: Path, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "core", "plan", "--workspace", str(db), *args],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_identical_groups_merge_and_the_zombie_is_dissolved(db: Path) -> None:
    p = plan(db)
    assert p["cap"] == 3 and p["feasible"] is True
    actions = {a["group"]: (a["action"], a["into"]) for a in p["actions"]}
    # Same members; 甲群 is busier (3 messages to 1), so 乙群 merges into it.
    assert actions == {"甲群": ("keep", None), "乙群": ("merge", "甲群"), "丙群": ("keep", None),
                       "旧群": ("dissolve", None)}
    assert {x["person"]: (x["before"], x["after"]) for x in p["people"]} == {
        "王一": (["乙群", "甲群"], ["甲群"]),
        "李二": (["乙群", "甲群"], ["甲群"]),
        "赵三": (["丙群", "乙群", "旧群", "甲群"], ["丙群", "甲群"]),
        "孙四": (["丙群", "旧群"], ["丙群"]),
    }
    assert {k: p["before"][k] for k in ("groups", "memberships", "mean_groups_per_person",
                                         "max_groups_per_person", "over_cap")} == {
        "groups": 4, "memberships": 10, "mean_groups_per_person": 2.5, "max_groups_per_person": 4, "over_cap": 1}
    assert {k: p["after"][k] for k in ("groups", "memberships", "mean_groups_per_person",
                                        "max_groups_per_person", "over_cap")} == {
        "groups": 2, "memberships": 5, "mean_groups_per_person": 1.25, "max_groups_per_person": 2, "over_cap": 0}
    # Messages each person reads per day, own ones excluded, over the 72 days 03-02 … 05-12.
    # Before: 孙四 1, 李二 2, 王一 3, 赵三 4 (÷ 72); after the merge 甲群 carries 4: 孙四 1, 李二 2,
    # 王一 3, 赵三 3. Inclusive quantiles: p50 2.5/72 both times; p90 3.7/72 → 3/72.
    assert (p["before"]["messages_per_person_day_p50"], p["before"]["messages_per_person_day_p90"]) == (0.03, 0.05)
    assert (p["after"]["messages_per_person_day_p50"], p["after"]["messages_per_person_day_p90"]) == (0.03, 0.04)


def test_locks_and_an_infeasible_cap(db: Path) -> None:
    kept = plan(db, "--keep", "旧群")
    assert {a["group"]: a["action"] for a in kept["actions"]}["旧群"] == "keep"
    # With one group each: 赵三 owns 丙群 and is 石桥村's only member in 甲群 — both must stay.
    p = plan(db, "--cap", "1")
    assert p["feasible"] is False and p["min_feasible_cap"] == 2
    assert any("赵三" in c and "丙群" in c and "甲群" in c for c in p["conflicts"])


def test_unknown_group_is_refused(db: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "core", "plan", "--workspace", str(db), "--keep", "无此群"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "「无此群」不在工作区中" in out.stderr


# -- edits of the plan table (the db above: 乙群 merges into 甲群, 旧群 is dissolved) ------------

def build_on(db: Path, **kw: object) -> dict:
    from core.plan.build import build
    from core.workspace import Workspace

    ws = Workspace(db)
    try:
        return build(ws, **kw)
    finally:
        ws.close()


def test_keeping_a_proposed_merge_by_hand(db: Path) -> None:
    p = build_on(db, edits=(("乙群", "keep", None),))
    acts = {a["group"]: (a["action"], a["into"], a["edited"]) for a in p["actions"]}
    assert acts == {"甲群": ("keep", None, False), "乙群": ("keep", None, True), "丙群": ("keep", None, False),
                    "旧群": ("dissolve", None, False)}
    assert next(a["reason"] for a in p["actions"] if a["group"] == "乙群") == "按人工调整保留。"
    assert {x["person"]: x["after"] for x in p["people"]} == {
        "王一": ["乙群", "甲群"], "李二": ["乙群", "甲群"], "赵三": ["丙群", "乙群", "甲群"], "孙四": ["丙群"]}
    assert (p["after"]["groups"], p["after"]["memberships"]) == (3, 8)


def test_merging_by_hand_follows_the_chain(db: Path) -> None:
    # 丙群 into 乙群, which the plan merges into 甲群: everything lands in 甲群 ("into" names the
    # group that exists afterwards).
    p = build_on(db, edits=(("丙群", "merge", "乙群"),))
    acts = {a["group"]: (a["action"], a["into"]) for a in p["actions"]}
    assert acts["丙群"] == ("merge", "甲群") and acts["乙群"] == ("merge", "甲群")
    assert next(a["reason"] for a in p["actions"] if a["group"] == "丙群") == "按人工调整并入“乙群”。"
    assert {x["person"]: x["after"] for x in p["people"]} == {
        "王一": ["甲群"], "李二": ["甲群"], "赵三": ["甲群"], "孙四": ["甲群"]}
    孙四 = next(x for x in p["people"] if x["person"] == "孙四")
    assert 孙四["why"] == ["「丙群」并入「甲群」", "「旧群」解散"]
    assert p["after"]["groups"] == 1 and next(a for a in p["actions"] if a["group"] == "甲群")["members_after"] == 4


@pytest.mark.parametrize("edits, message", [
    ((("乙群", "merge", None),), "群「乙群」设为合并，但没有选择并入哪个群"),
    ((("乙群", "merge", "旧群"),), "群「乙群」并入的群「旧群」设为解散"),
    ((("甲群", "merge", "乙群"),), "合并安排形成了循环（乙群 → 甲群 → 乙群）"),
    ((("甲群", "merge", "甲群"),), "群「甲群」不能并入它自己"),
    ((("无此群", "keep", None),), "方案表里的群「无此群」不在工作区中"),
])
def test_contradictory_edits_are_explained(db: Path, edits: tuple, message: str) -> None:
    from core.plan.build import PlanError

    with pytest.raises(PlanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_on(db, edits=edits)


def test_never_merge_and_stay_locks(db: Path) -> None:
    p = build_on(db, never_merge=(("甲群", "乙群"),))
    assert {a["group"]: a["action"] for a in p["actions"]}["乙群"] == "keep"
    # 赵三 must stay in 甲群 at K = 1 … but 赵三 also owns 丙群: the lock is what conflicts.
    p = build_on(db, cap=1, stay=(("赵三", "甲群"),), substitutes=False)
    assert p["feasible"] is False and any("赵三" in c and "甲群" in c for c in p["conflicts"])
    from core.plan.build import PlanError

    with pytest.raises(PlanError, match="“留在群里”指定的人「无名氏」不在工作区中"):
        build_on(db, stay=(("无名氏", "甲群"),))


# -- a colleague takes over; duplicates and reading time -----------------------------------------
#
# 白水村's secretary 书记甲 owns 白水村群 and is the village's only member in 群一…群四 (5 groups,
# cap 3). 群二 ⊂ 群一 and both received one notice: 群二 merges into 群一 (score: saved 3 × 3/7 +
# 3 × 1/7 = 12/7 > cost 2 × 3/7). 书记甲 then has 群一, 群三, 群四 and 白水村群 — one too many and
# the owner's own group is fixed, so one of 群一/群三/群四 goes to colleague 委员乙: the least
# relevant, 群四 (书记甲 wrote 5 in 群一+群二, 1 in 群三, 0 in 群四).
# Messages per window of 7 days (05-11 … 05-17): 群一 4 (书记甲 3, 干事1 notice), 群二 3 (书记甲 2,
# 干事3 notice), 群三 2 (书记甲, 干事5), 群四 1 (干事7), 白水村群 1 (委员乙).


def _village(tmp: Path, extra: list[tuple[str, str, str, str, str]]) -> Path:
    ws = new_ws(tmp)
    staff = [f"干事{i}" for i in range(1, 9)]
    directory(ws, tmp, [("书记甲", "白水村", "书记", False), ("委员乙", "白水村", None, False)]
              + [(s, "党政办", None, False) for s in staff])
    groups(ws, tmp, [("群一", "干事1", "党政办", "科室", False), ("群二", "干事3", "党政办", "科室", False),
                     ("群三", "干事5", "党政办", "科室", False), ("群四", "干事7", "党政办", "科室", False),
                     ("白水村群", "书记甲", "白水村", "村级", False)])
    roster(ws, tmp, [("群一", p, "成员") for p in ("书记甲", "干事1", "干事2", "干事3", "干事4")]
           + [("群二", p, "成员") for p in ("书记甲", "干事3", "干事4")]
           + [("群三", p, "成员") for p in ("书记甲", "干事5", "干事6")]
           + [("群四", p, "成员") for p in ("书记甲", "干事7", "干事8")]
           + [("白水村群", "书记甲", "群主"), ("白水村群", "委员乙", "成员")])
    notice = "请各村于本周五下班前报送防汛物资储备台账，逾期未报的将在全镇通报"
    messages(ws, tmp, [
        ("群一", "干事1", "2026-05-11 09:00:00", notice, "文本"),
        ("群二", "干事3", "2026-05-11 09:05:00", notice, "文本"),
        ("群一", "书记甲", "2026-05-12 10:00:00", "白水村已安排专人负责", "文本"),
        ("群一", "书记甲", "2026-05-13 10:00:00", "台账已报", "文本"),
        ("群一", "书记甲", "2026-05-14 10:00:00", "请查收", "文本"),
        ("群二", "书记甲", "2026-05-12 11:00:00", "好的", "文本"),
        ("群二", "书记甲", "2026-05-13 11:00:00", "明白", "文本"),
        ("群三", "书记甲", "2026-05-12 15:00:00", "已到位", "文本"),
        ("群三", "干事5", "2026-05-12 14:00:00", "下午三点开会", "文本"),
        ("群四", "干事7", "2026-05-15 09:00:00", "周报请按时交", "文本"),
        ("白水村群", "委员乙", "2026-05-17 09:00:00", "明天村里开会", "文本"),
        *extra,
    ])
    ws.close()
    return tmp / "ws.duckdb"


@pytest.fixture(scope="module")
def village(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _village(tmp_path_factory.mktemp("village"), [])


def test_a_colleague_takes_over_and_the_figures(village: Path) -> None:
    p = build_on(village)
    assert p["feasible"] is True
    assert {a["group"]: (a["action"], a["into"]) for a in p["actions"]} == {
        "群一": ("keep", None), "群二": ("merge", "群一"), "群三": ("keep", None), "群四": ("keep", None),
        "白水村群": ("keep", None)}
    assert p["added"] == [{"person": "委员乙", "group": "群四"}]
    people = {x["person"]: x for x in p["people"]}
    assert people["书记甲"]["after"] == ["白水村群", "群一", "群三"]
    assert people["书记甲"]["why"] == ["「群二」并入「群一」", "超过上限，退出「群四」（期间在该群发言 0 条），由本单位 委员乙 接替"]
    assert people["委员乙"]["after"] == ["白水村群", "群四"]
    assert people["委员乙"]["why"] == ["接替本单位同事进入「群四」，保持本单位在该群有人对接"]
    # Groups per cadre: before 5,1,1,1,2,2,1,1,1,1 → after 3,2,1,1,1,1,1,1,1,1.
    assert {k: p["before"][k] for k in ("groups", "memberships", "mean_groups_per_person", "p90_groups_per_person",
                                         "max_groups_per_person", "over_cap")} == {
        "groups": 5, "memberships": 16, "mean_groups_per_person": 1.6, "p90_groups_per_person": 2.3,
        "max_groups_per_person": 5, "over_cap": 1}
    assert {k: p["after"][k] for k in ("groups", "memberships", "mean_groups_per_person", "p90_groups_per_person",
                                        "max_groups_per_person", "over_cap")} == {
        "groups": 4, "memberships": 13, "mean_groups_per_person": 1.3, "p90_groups_per_person": 2.1,
        "max_groups_per_person": 3, "over_cap": 0}
    # Others' messages each cadre reads over the week. Before: 书记甲 1+1+1+1+1 = 5, 委员乙 0,
    # 干事1 3, 干事2 4, 干事3 4+2 = 6, 干事4 4+3 = 7, 干事5 1, 干事6 2, 干事7 0, 干事8 1 (sum 29).
    # After, 群一 carries 4 + 3 − 1 (the notice once) = 6: 书记甲 1+1+1 = 3, 委员乙 0+1, 干事1 5,
    # 干事2 6, 干事3 5, 干事4 6, 干事5 1, 干事6 2, 干事7 0, 干事8 1 (sum 30).
    assert (people["书记甲"]["load_before"], people["书记甲"]["load_after"]) == (round(5 / 7, 2), round(3 / 7, 2))
    assert (p["before"]["messages_per_person_day_p50"], p["before"]["messages_per_person_day_p90"],
            p["before"]["messages_per_person_day_max"]) == (round(2.5 / 7, 2), round(6.1 / 7, 2), 1.0)
    assert (p["after"]["messages_per_person_day_p50"], p["after"]["messages_per_person_day_p90"],
            p["after"]["messages_per_person_day_max"]) == (round(2.5 / 7, 2), round(6 / 7, 2), round(6 / 7, 2))
    # Reading minutes per week at 3 s a message: 29 × 3 / 60 = 1.45 before, 30 × 3 / 60 = 1.5 after.
    assert (p["before"]["reading_minutes_per_week"], p["after"]["reading_minutes_per_week"]) == (1.45, 1.5)
    assert p["saved"] == {"reading_minutes_per_week": -0.05, "duplicate_notices_per_week": 1.0, "duplicate_notices": 1}


def test_without_colleagues_the_secretary_cannot_get_to_three(village: Path) -> None:
    p = build_on(village, substitutes=False)
    assert p["feasible"] is False and p["min_feasible_cap"] == 4 and p["added"] == []
    assert any(c.startswith("书记甲") for c in p["conflicts"])


def test_mentions_make_a_group_relevant(tmp_path: Path) -> None:
    # Two messages in 群四 @mention 书记甲 (relevance 0 + 2 + 1 = 3 against 群三's 1 + 1 = 2): the
    # secretary now keeps 群四 and the colleague takes over 群三.
    db = _village(tmp_path, [("群四", "干事7", "2026-05-16 09:00:00", "@书记甲 请把周报发我", "文本"),
                             ("群四", "干事7", "2026-05-16 10:00:00", "@书记甲，周报收到了吗", "文本")])
    p = build_on(db)
    people = {x["person"]: x["after"] for x in p["people"]}
    assert people["书记甲"] == ["白水村群", "群一", "群四"]
    assert p["added"] == [{"person": "委员乙", "group": "群三"}]


def test_table_rows_become_edits() -> None:
    from core.plan.build import table_edits

    proposed = [{"group": "甲群", "action": "keep", "into": None}, {"group": "乙群", "action": "merge", "into": "甲群"},
                {"group": "丙群", "action": "keep", "into": None}, {"group": "旧群", "action": "dissolve", "into": None}]
    assert table_edits(proposed, [("甲群", "keep", None), ("乙群", "merge", "甲群"), ("丙群", "keep", None),
                                  ("旧群", "dissolve", None)]) == ()
    # 乙群 kept; a target picked on the kept 丙群 row merges it; 旧群 kept; 甲群 set to merge without a target.
    assert table_edits(proposed, [("甲群", "merge", None), ("乙群", "keep", "甲群"), ("丙群", "keep", "甲群"),
                                  ("旧群", "keep", None)]) == (
        ("甲群", "merge", None), ("乙群", "keep", None), ("丙群", "merge", "甲群"), ("旧群", "keep", None))


def test_the_stages_are_announced_in_order(db: Path) -> None:
    from core.plan.build import build
    from core.workspace import Workspace

    heard: list[str] = []
    ws = Workspace(db)
    try:
        build(ws, on_step=heard.append)
    finally:
        ws.close()
    assert heard == ["统计各群的成员和消息", "找出值得合并的群", "求解每人最多 3 个群（人多时要几秒）", "汇总调整前后的对比"]
