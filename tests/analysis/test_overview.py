"""概览: key figures, the ordered findings and data coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.analysis.overview import coverage, findings, key_figures
from core.workspace import Workspace
from tests.analysis.fixtures import directory, groups, messages, new_ws, roster


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = new_ws(tmp_path)
    directory(ws, tmp_path, [("王一", "党建办", "主任", True), ("李二", "党建办", None, False)])
    groups(ws, tmp_path, [("甲群", "王一", "党建办", "科室", False), ("乙群", "李二", "党建办", "科室", False),
                          ("名单群", "王一", "党建办", "科室", False)])
    roster(ws, tmp_path, [("甲群", "王一", "群主"), ("甲群", "李二", "成员"), ("名单群", "王一", "群主")])
    messages(ws, tmp_path, [
        ("甲群", "王一", "2026-05-11 09:00:00", "请各科室于周五前报送台账", "文本"),
        ("甲群", "李二", "2026-05-11 09:01:00", "收到", "文本"),
        ("甲群", "李二", "2026-05-11 19:00:00", "好的", "文本"),
        ("乙群", "李二", "2026-05-12 10:00:00", "【红包】: 恭喜发财", "红包"),   # 乙群 has no roster
    ])
    yield ws
    ws.close()


def test_key_figures(ws: Workspace) -> None:
    k = key_figures(ws)
    assert {key: k[key] for key in ("groups", "cadres", "memberships", "max_groups", "over_cap", "messages",
                                    "days", "after_hours", "zombie_groups", "red_packets")} == {
        "groups": 3, "cadres": 2, "memberships": 4, "max_groups": 2, "over_cap": 0, "messages": 4,
        "days": 2, "after_hours": 1, "zombie_groups": 0, "red_packets": 1}
    # 王一: 甲群, 名单群; 李二: 甲群, 乙群 (as a sender: 乙群 has no roster).
    assert k["mean_groups"] == 2.0
    assert k["messages_per_day"] == 2.0
    assert k["after_hours_share"] == 0.25
    assert k["substance_share"] == 0.25        # one assignment of four messages


def test_findings_are_ordered_by_severity(ws: Workspace) -> None:
    found = findings(ws)
    # after hours: 1 of 4 non-exempt → 0.25 × 3 = 0.75; noise: 2 of 4 → 0.5 × 1.5 = 0.75 (ties keep
    # the fixed order); red packets 0.7. 甲群/乙群 share 1 of 2 people (0.5 < 0.6): no overlap finding.
    assert [(f.key, f.severity) for f in found] == [("after_hours", 0.75), ("noise", 0.75), ("red_packets", 0.7)]
    texts = {f.key: f.text for f in found}
    assert texts["after_hours"] == "25.0% 的消息发在非工作时间（1 条，其中应急豁免 0 条）；深夜 22:00–07:00 有 0 条。"
    assert texts["noise"] == "只有 25% 的消息是干货；“收到”类回复和鲜花点赞占 50%（2 条）。"
    assert texts["red_packets"] == "工作群里有 1 个红包或转账，属于需要核实的线索。"


def test_coverage_names_what_is_missing(ws: Workspace) -> None:
    cov = coverage(ws).set_index("group")
    assert cov.loc["名单群", ["roster", "members", "messages"]].tolist() == ["名单", 1, 0]
    assert cov.loc["乙群", ["roster", "members", "messages"]].tolist() == ["仅发言人", 1, 1]
    assert cov.loc["甲群", ["roster", "members", "messages"]].tolist() == ["名单", 2, 3]
    assert str(cov.loc["甲群", "last_message_at"]) == "2026-05-11 19:00:00"


def test_overview_page_on_the_sample(sample_app, sample_ws: Workspace) -> None:
    at = sample_app("pages/overview.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    over = sample_ws.query(
        """select count(*) from (select p.id from people p join memberships m on m.person_id = p.id
           where p.in_directory group by p.id having count(*) > 3)""")[0][0]
    assert metrics["超过 3 个群的干部"] == str(over) == "116"
    assert metrics["工作群"] == "34"
    assert len([c for c in at.markdown if c.value.startswith("**1.**")]) == 1
    warnings = " ".join(w.value for w in at.warning)
    assert "信访维稳工作群" in warnings and "统计工作群" in warnings


def test_overview_on_an_empty_workspace_says_what_it_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(tmp_path / "empty.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert at.info[0].value.startswith("还没有数据。概览需要工作群的成员名单和聊天记录。")
    # Nothing to filter yet: no filters in the sidebar, no figures.
    assert not at.sidebar.multiselect and not at.sidebar.date_input and not at.metric
