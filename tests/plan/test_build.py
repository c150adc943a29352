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
