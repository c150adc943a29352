"""AppTest: the app shell and the foundation pages, each on a fresh workspace."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.importer import sample_files
from tests.conftest import settle

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "app.duckdb"
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(db))
    monkeypatch.chdir(ROOT)
    return db


def fresh_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def test_empty_app_shows_home_with_sample_button(app_env: Path) -> None:
    at = fresh_app().run()
    assert not at.exception
    assert at.title[0].value == "群鉴 · 工作群精简分析"
    assert [m.value for m in at.metric] == ["0", "0", "0", "0"]
    assert any(b.label == "载入示例数据" for b in at.button)
    assert "工作区：app.duckdb · 0 个群 · 0 人 · 0 条消息" in [c.value for c in at.sidebar.caption]


def test_sample_button_loads_the_sample_township(app_env: Path) -> None:
    at = fresh_app().run()
    next(b for b in at.button if b.label == "载入示例数据").click().run()
    assert not at.exception
    # The import runs in the background, its progress bar in place of the button.
    assert [p.proto.text.split("：")[0] for p in at.get("progress")] == ["载入示例"]
    settle(at)
    assert not at.exception
    assert [m.value for m in at.metric] == ["34", "202", "872", "32,041"]
    assert "消息时间范围：2026-03-02 至 2026-05-30" in [c.value for c in at.caption]
    # The sample button is gone once there is data.
    assert not any(b.label == "载入示例数据" for b in at.button)


def test_import_page_lists_history_and_templates(app_env: Path) -> None:
    from core.workspace import Workspace

    ws = Workspace(app_env)
    first = sample_files()[0]
    report = ws.import_file(first)
    ws.close()
    at = fresh_app()
    at.switch_page("pages/import.py")
    at.run()
    assert not at.exception
    assert at.title[0].value == "数据导入"
    history = at.dataframe[0].value
    assert list(history["文件"]) == [first.name]
    assert list(history["新增"]) == [report.loaded]
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("下载 Excel") == 4 and labels.count("下载 CSV") == 4


def test_undo_from_the_import_page(app_env: Path) -> None:
    from core.workspace import Workspace

    ws = Workspace(app_env)
    files = sample_files()[:2]
    for f in files:
        ws.import_file(f)
    ws.close()
    at = fresh_app()
    at.switch_page("pages/import.py")
    at.run()
    at.selectbox[0].select_index(0).run()
    next(b for b in at.button if b.label == "撤销这次导入").click().run()
    assert not at.exception
    assert list(at.dataframe[0].value["文件"]) == [files[0].name]


def test_people_page_empty_state(app_env: Path) -> None:
    at = fresh_app()
    at.switch_page("pages/people.py")
    at.run()
    assert not at.exception
    assert at.info[0].value.startswith("还没有数据。")


def test_core_never_imports_streamlit() -> None:
    """The UI never leaks into core/: no module under core/ imports streamlit or ui."""
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"streamlit", "ui", "plotly"}]
    assert offenders == []


def test_streamlit_config_keeps_data_local_and_states_the_upload_limit() -> None:
    import tomllib

    from core.settings import LIMITS

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["server"]["address"] == "localhost"
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["client"]["toolbarMode"] == "viewer"
    assert cfg["server"]["maxUploadSize"] == LIMITS.max_upload_mb
