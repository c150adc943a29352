"""``python -m core report``: the JSON contract of issue 3, on a hand-computed township."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.analysis.fixtures import directory, groups, messages, new_ws, roster

ROOT = Path(__file__).resolve().parents[2]
NOTICE = "请各村于本周五下午五点前报送人居环境整治台账"  # 22 characters once normalised


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    ws = new_ws(tmp)
    directory(ws, tmp, [("王一", "党建办", "主任", True), ("李二", "党建办", None, False),
                        ("赵三", "石桥村", "书记", False), ("孙四", "石桥村", None, False)])
    groups(ws, tmp, [("甲群", "王一", "党建办", "科室", False), ("乙群", "李二", "党建办", "科室", False),
                     ("丙群", "赵三", "石桥村", "村级", False), ("丁群", "赵三", "石桥村", "村级", False)])
    roster(ws, tmp, [("甲群", "王一", "群主"), ("甲群", "李二", "成员"), ("甲群", "赵三", "成员"),
                     ("乙群", "李二", "群主"), ("乙群", "王一", "成员"),
                     ("丙群", "赵三", "群主"), ("丙群", "王一", "成员"),
                     ("丁群", "王一", "成员")])
    messages(ws, tmp, [
        ("甲群", "王一", "2026-05-11 09:00:00", NOTICE, "文本"),
        ("甲群", "李二", "2026-05-11 09:05:00", "收到", "文本"),
        ("甲群", "赵三", "2026-05-11 09:06:00", "收到！", "文本"),
        ("乙群", "李二", "2026-05-11 20:00:00", NOTICE, "文本"),                     # after hours, a copy
        ("丙群", "王一", "2026-05-12 21:00:00", "紧急：河道险情，请立即到岗", "文本"),  # after hours, exempt
        ("丙群", "赵三", "2026-05-12 23:30:00", "[玫瑰][玫瑰]", "文本"),              # after hours
    ])
    ws.close()
    return tmp / "ws.duckdb"


def report(db: Path, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "core", "report", "--workspace", str(db), *args],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_report_figures(db: Path) -> None:
    r = report(db)
    assert r["cap"] == 3
    # 王一 4 groups, 李二 2, 赵三 2, 孙四 0 → mean 8 / 4.
    assert r["groups_per_person"] == {"mean": 2.0, "max": 4, "over_cap": 1}
    assert r["after_hours"] == {"messages": 3, "exempt": 1, "share": 0.5}
    assert r["categories"] == {"ack": 2, "flattery": 1, "red_packet": 0, "photo_checkin": 0, "assignment": 2,
                               "document": 0, "offtopic": 0, "other": 1}
    assert r["duplicate_notices"] == {"clusters": 1, "extra_copies": 1}
    # Two days (05-11, 05-12); received = others' messages in one's groups.
    people = {p["person"]: p for p in r["people"]}
    assert people == {
        "王一": {"person": "王一", "groups": 4, "messages_per_day": 2.0, "after_hours_sent": 1},
        "李二": {"person": "李二", "groups": 2, "messages_per_day": 1.0, "after_hours_sent": 1},
        "赵三": {"person": "赵三", "groups": 2, "messages_per_day": 1.5, "after_hours_sent": 1},
        "孙四": {"person": "孙四", "groups": 0, "messages_per_day": 0.0, "after_hours_sent": 0},
    }
    grp = {g["group"]: g for g in r["groups"]}
    assert grp["甲群"] == {"group": "甲群", "members": 3, "messages": 3, "after_hours": 0, "after_hours_exempt": 0,
                          "last_message_at": "2026-05-11T09:06:00+08:00", "zombie": False,
                          "categories": {"ack": 2, "flattery": 0, "red_packet": 0, "photo_checkin": 0,
                                         "assignment": 1, "document": 0, "offtopic": 0, "other": 0}}
    assert (grp["丙群"]["after_hours"], grp["丙群"]["after_hours_exempt"]) == (2, 1)
    assert (grp["丁群"]["messages"], grp["丁群"]["last_message_at"], grp["丁群"]["zombie"]) == (0, None, False)
    pairs = {frozenset((p["a"], p["b"])): (p["shared"], p["jaccard"], p["containment"]) for p in r["overlap"]}
    assert pairs == {
        frozenset(("甲群", "乙群")): (2, 0.6667, 1.0),
        frozenset(("甲群", "丙群")): (2, 0.6667, 1.0),
        frozenset(("甲群", "丁群")): (1, 0.3333, 1.0),
        frozenset(("乙群", "丙群")): (1, 0.3333, 0.5),
        frozenset(("乙群", "丁群")): (1, 0.5, 1.0),
        frozenset(("丙群", "丁群")): (1, 0.5, 1.0),
    }
    assert [p["jaccard"] for p in r["overlap"]] == sorted((p["jaccard"] for p in r["overlap"]), reverse=True)


def test_cap_and_analysis_date(db: Path) -> None:
    r = report(db, "--cap", "1", "--as-of", "2026-06-20")
    assert r["cap"] == 1 and r["as_of"] == "2026-06-20"
    assert r["groups_per_person"]["over_cap"] == 3
    # Nothing in the 30 days up to 2026-06-20: every group with messages is a zombie.
    assert {g["group"]: g["zombie"] for g in r["groups"]} == {"甲群": True, "乙群": True, "丙群": True, "丁群": False}
    # The window now runs 2026-05-11 … 2026-06-20: 41 days.
    assert {p["person"]: p["messages_per_day"] for p in r["people"]}["王一"] == round(4 / 41, 2)


def test_bad_arguments_say_what_to_fix(db: Path, tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "core", "report", "--workspace", str(tmp_path / "无.duckdb")],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "找不到工作区文件" in out.stderr
    out = subprocess.run([sys.executable, "-m", "core", "report", "--workspace", str(db), "--as-of", "5月20日"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "日期「5月20日」无法识别" in out.stderr
