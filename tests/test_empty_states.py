"""Every page opened before any data: says what it needs, points to the import, draws no chart."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]

# Pages that need data: what their empty state asks for.
NEEDS_DATA = {
    "pages/people.py": "核对人员需要成员名单或聊天记录。",
    "pages/overview.py": "",
    "pages/burden.py": "",
    "pages/overlap.py": "",
    "pages/after_hours.py": "",
    "pages/quality.py": "",
    "pages/lifecycle.py": "",
    "pages/plan.py": "",
}
# Pages that are useful without data.
WITHOUT_DATA = ["pages/home.py", "pages/guide.py", "pages/import.py", "pages/definitions.py", "pages/workspace.py"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> AppTest:
    import os

    db = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    old = os.environ.get("QUNJIAN_WORKSPACE")
    os.environ["QUNJIAN_WORKSPACE"] = str(db)
    os.chdir(ROOT)
    yield AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    if old is None:
        os.environ.pop("QUNJIAN_WORKSPACE")
    else:
        os.environ["QUNJIAN_WORKSPACE"] = old


@pytest.mark.parametrize("page", list(NEEDS_DATA))
def test_a_data_page_says_what_it_needs_and_links_to_the_import(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    assert not app.exception, page
    infos = [i.value for i in app.info]
    assert len(infos) == 1 and infos[0].startswith("还没有数据。") and infos[0].endswith(
        "请先到“数据导入”页上传文件，或一键载入示例数据。"), infos
    if NEEDS_DATA[page]:
        assert NEEDS_DATA[page] in infos[0]
    links = [e.proto.page for e in app.get("page_link") if e.proto.label == "前往数据导入"]
    assert links == ["import"], page
    assert app.get("plotly_chart") == [] and app.metric == [] and app.dataframe == []


@pytest.mark.parametrize("page", WITHOUT_DATA)
def test_other_pages_work_without_data(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    assert not app.exception, page
    assert app.get("plotly_chart") == []


def test_the_step_flow_starts_at_the_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (AppTest keeps the elements app.py draws above the page only on the first run, before any
    # switch_page; the browser walkthrough sees the flow on every page.)
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(tmp_path / "x.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    flow = [(e.proto.label, e.proto.page) for e in at.get("page_link")][:5]
    assert flow == [("1 导入数据（当前）", "import"), ("2 核对人员", "people"), ("3 查看问题", "overview"),
                    ("4 生成方案", "plan"), ("5 下载", "plan")]
    assert at.caption[0].value == "还缺：还没有数据：请导入工作群的成员名单和聊天记录，或先载入示例数据看看。"
