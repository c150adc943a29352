"""整合方案 page on the sample township: the plan at K = 3, the conflicts without colleagues taking
over, a hand edit of the plan table, and the three downloads."""

from __future__ import annotations

from core.workspace import Workspace


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_plan_page_at_three_then_without_colleagues(sample_app, sample_ws: Workspace) -> None:
    at = sample_app("pages/plan.py")
    assert not at.exception
    groups = sample_ws.query("select count(*) from groups")[0][0]
    assert groups == 34
    head = at.success[0].value
    assert head.startswith("34 个群精简为 27 个，每名干部不超过 3 个群；人均所在群数 4.4 → 2.8")
    assert "全镇每周少花约 1,039 分钟看消息。另有 20 处由本单位同事接替对接" in head
    assert (metric(at, "工作群"), metric(at, "一人最多在"), metric(at, "超过 3 个群（人）")) == ("27", "3", "0")

    # Without colleagues taking over, village secretaries keep every group of their village: 3 cannot work.
    at.checkbox(key="plan_subs").uncheck().run()
    assert not at.exception
    warning = at.warning[0].value
    assert warning.startswith("按每人最多 3 个群无法安排") and "最少需要每人 6 个群" in warning
    next(b for b in at.button if b.label == "按每人最多 6 个群生成方案").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("34 个群精简为 27 个，每名干部不超过 6 个群")
    table = at.data_editor(key="plan_table").value
    assert sorted(table.loc[table["建议"] == "解散", "工作群"]) == ["春季植树造林活动群", "经济普查入户登记群", "高标准农田建设项目群"]
    assert table.loc[table["工作群"] == "人居环境整治推进群", "并入"].item() == "人居环境整治工作群"


def test_editing_the_table_updates_every_figure(sample_app) -> None:
    at = sample_app("pages/plan.py")
    table = at.data_editor(key="plan_table").value
    row = int(table.index[table["工作群"] == "人居环境整治推进群"][0])
    at.session_state["plan_table"] = {"edited_rows": {row: {"建议": "保留"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("34 个群精简为 28 个")
    assert metric(at, "工作群") == "28"
    assert any(c.value == "已人工调整 1 个群：人居环境整治推进群 → 保留" for c in at.caption)
    # Narrowing the groups in the sidebar changes the rows: the edits made on the old rows are dropped.
    at.multiselect(key="f_units").set_value(["财政所"]).run()
    assert not at.exception
    assert "人居环境整治推进群" not in list(at.data_editor(key="plan_table").value["工作群"])
    assert not any(c.value.startswith("已人工调整") for c in at.caption)
    at.multiselect(key="f_units").set_value([]).run()
    assert not any(c.value.startswith("已人工调整") for c in at.caption)
    table = at.data_editor(key="plan_table").value
    # A merge without a target is refused with the fix, not a stack trace.
    kept = int(table.index[table["工作群"] == "党政办工作群"][0])
    assert table["建议"][kept] == "保留"
    at.session_state["plan_table"] = {"edited_rows": {kept: {"建议": "合并"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("群「党政办工作群」设为合并，但没有选择并入哪个群")


def test_three_downloads(sample_app) -> None:
    at = sample_app("pages/plan.py")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载 Excel 方案", "下载 Word 方案", "下载 JSON"]
    assert [c.label for c in at.checkbox if c.key == "plan_anon"] == ["用代号（干部001、干部002……）替换姓名"]


def test_a_slow_plan_shows_its_progress_then_the_result(sample_app, monkeypatch) -> None:
    import threading

    import core.plan.build
    import ui.glue
    from tests.conftest import settle

    # A plan that takes longer than the page waits: the page shows the stage it is at and returns.
    release = threading.Event()
    real = core.plan.build._gather

    def slow(*a, **kw):
        release.wait(30)
        return real(*a, **kw)

    monkeypatch.setattr(ui.glue, "QUICK_SECONDS", 0.0)
    monkeypatch.setattr(core.plan.build, "_gather", slow)
    at = sample_app("pages/plan.py")
    assert not at.exception
    running = [j for j in ui.glue._jobs()._jobs.values() if not j.finished]
    assert [j.title for j in running] == ["计算整合方案"]
    for _ in range(100):  # the job's thread announces its first stage
        if running[0].step != "准备中…":
            break
        threading.Event().wait(0.05)
    at.run()
    bars = [p.proto.text for p in at.get("progress")]
    assert bars and bars[-1].startswith("计算整合方案：统计各群的成员和消息（已用 ")
    assert "可以先去看其他页面，计算会在后台继续，回来即可看到结果。" in [c.value for c in at.caption]
    assert not at.success and not at.metric
    release.set()
    settle(at)
    assert at.success[0].value.startswith("34 个群精简为 27 个，每名干部不超过 3 个群")
