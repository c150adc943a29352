"""整合方案 page on the sample township: conflicts at K = 3, a feasible plan at the smallest K."""

from __future__ import annotations

from core.workspace import Workspace


def test_plan_page_reports_conflicts_then_builds_at_the_smallest_cap(sample_app, sample_ws: Workspace) -> None:
    at = sample_app("pages/plan.py")
    assert not at.exception
    warning = at.warning[0].value
    # Village secretaries are their village's only member in several groups: 3 cannot work.
    assert warning.startswith("按每人最多 3 个群无法安排") and "最少需要每人 6 个群" in warning
    next(b for b in at.button if b.label == "按每人最多 6 个群生成方案").click().run()
    assert not at.exception
    groups = sample_ws.query("select count(*) from groups")[0][0]
    assert at.success[0].value.startswith(f"{groups} 个群精简为 27 个，每名干部不超过 6 个群")
    actions = at.dataframe[0].value
    assert sorted(actions.loc[actions["建议"] == "解散", "工作群"]) == ["春季植树造林活动群", "经济普查入户登记群", "高标准农田建设项目群"]
    assert actions.loc[actions["工作群"] == "人居环境整治推进群", "并入"].item() == "人居环境整治工作群"

    # The plan can be downloaded, with names replaced on request (the file URL is a hash of its
    # bytes; what the bytes hold is tested in test_pseudonym.py).
    assert [c.label for c in at.checkbox] == ["用代号（干部001、干部002……）替换姓名"]
    [download] = at.get("download_button")
    assert download.proto.label == "下载方案（JSON）"
    named = download.proto.url
    at.checkbox[0].check().run()
    assert not at.exception
    assert at.get("download_button")[0].proto.url != named
