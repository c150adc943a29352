"""Stable pseudonyms in the exported plan."""

from __future__ import annotations

import json

from core.plan.pseudonym import codes, plan_json, pseudonymise_plan

PLAN = {
    "cap": 3,
    "people": [{"person": "王小明", "before": ["甲群"], "after": ["甲群"]},
               {"person": "王小", "before": ["乙群"], "after": []},
               {"person": "李四", "before": ["甲群", "乙群"], "after": ["甲群"]}],
    "placed": [{"person": "王小", "into": "甲群"}],
    "conflicts": ["王小明 是 甲群 的群主；李四 必须留在 乙群"],
    "actions": [{"group": "乙群", "action": "merge", "into": "甲群", "reason": "群主 王小 已调离"}],
}


def test_codes_follow_sorted_names() -> None:
    assert codes(["李四", "王小明", "王小", "李四", ""]) == {"李四": "干部001", "王小": "干部002", "王小明": "干部003"}


def test_every_name_is_replaced_everywhere_and_groups_stay() -> None:
    out = pseudonymise_plan(PLAN)
    text = json.dumps(out, ensure_ascii=False)
    assert not any(name in text for name in ("王小明", "王小", "李四"))
    assert [p["person"] for p in out["people"]] == ["干部003", "干部002", "干部001"]
    # The longest name first: 王小明 is not turned into 干部002明.
    assert out["conflicts"] == ["干部003 是 甲群 的群主；干部001 必须留在 乙群"]
    assert out["actions"][0]["reason"] == "群主 干部002 已调离"
    assert out["people"][0]["after"] == ["甲群"] and PLAN["people"][0]["person"] == "王小明"   # a copy


def test_same_plan_same_codes() -> None:
    assert pseudonymise_plan(PLAN) == pseudonymise_plan(json.loads(json.dumps(PLAN)))


def test_download_bytes() -> None:
    assert json.loads(plan_json(PLAN).decode("utf-8")) == PLAN
    assert "王小明" not in plan_json(PLAN, pseudonyms=True).decode("utf-8")
