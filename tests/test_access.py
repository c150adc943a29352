"""Access codes, one workspace per township, the open-network refusal, deleting a workspace."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from core.access import (
    AccessConfig, AccessConfigError, Throttle, WorkspaceSpec, is_loopback, load_config, match,
)
from core.workspace import Workspace, delete_workspace, workspace_files
from tests.analysis.fixtures import groups, messages, new_ws, roster

ROOT = Path(__file__).resolve().parents[1]

# -- the rules (core) -------------------------------------------------------------------------


def test_single_workspace_without_code_by_default(tmp_path: Path) -> None:
    cfg = load_config({}, {}, tmp_path)
    assert not cfg.multi and not cfg.needs_code
    assert cfg.single().path == tmp_path / "data" / "workspace.duckdb"
    assert cfg.single().title == "workspace.duckdb"


def test_single_workspace_code_from_environment_or_secrets(tmp_path: Path) -> None:
    env = {"QUNJIAN_WORKSPACE": str(tmp_path / "青石镇.duckdb"), "QUNJIAN_ACCESS_CODE": "abc-123456"}
    cfg = load_config({}, env, tmp_path)
    assert cfg.needs_code and cfg.single().path == tmp_path / "青石镇.duckdb"
    assert match(cfg, "abc-123456") == cfg.single()
    assert match(cfg, " abc-123456 ") == cfg.single()  # pasted with spaces
    assert match(cfg, "abc-12345") is None
    assert load_config({"access_code": "xyz-987654"}, {}, tmp_path).single().code == "xyz-987654"


def test_township_workspaces_each_with_its_own_code(tmp_path: Path) -> None:
    cfg = load_config({"workspaces": {
        "qingshi": {"title": "青石镇", "code": "qs-123456"},
        "baiyun": {"title": "白云乡", "code": "by-654321", "path": "/srv/qunjian/by.duckdb"},
    }}, {"QUNJIAN_ACCESS_CODE": "ignored-in-multi"}, tmp_path)
    assert cfg.multi and cfg.needs_code
    qs, by = cfg.workspaces
    assert (qs.key, qs.title, qs.path) == ("qingshi", "青石镇", tmp_path / "data" / "workspaces" / "qingshi.duckdb")
    assert (by.key, by.title, by.path) == ("baiyun", "白云乡", Path("/srv/qunjian/by.duckdb"))
    assert match(cfg, "by-654321") == by and match(cfg, "qs-123456") == qs
    assert match(cfg, "") is None and match(cfg, "qs-12345") is None
    assert "qs-123456" not in repr(qs) and "qs-123456" not in str(cfg.workspaces)


@pytest.mark.parametrize("secrets, message", [
    ({"workspaces": {"qingshi": {"title": "青石镇"}}},
     "secrets.toml 中 [workspaces.qingshi] 没有设置 code（访问码）。每个乡镇的工作区都要有自己的访问码。"),
    ({"workspaces": {"a": {"code": "same-code-1"}, "b": {"code": "same-code-1"}}},
     "secrets.toml 中有两个乡镇的访问码相同。访问码决定打开哪个工作区，请给每个乡镇设不同的访问码。"),
    ({"workspaces": {"a": {"code": "code-aaaaaa", "path": "x.duckdb"}, "b": {"code": "code-bbbbbb", "path": "x.duckdb"}}},
     "secrets.toml 中有两个乡镇指向同一个工作区文件。请给每个乡镇一个自己的文件。"),
    ({"workspaces": {"../etc": {"code": "code-aaaaaa"}}},
     "secrets.toml 中 [workspaces.../etc] 的代号只能用英文字母、数字、- 和 _（它也是工作区文件名）。"),
    ({"access_code": "12345"},
     "access_code（或环境变量 QUNJIAN_ACCESS_CODE） 太短：访问码至少 6 位，建议用 10 位以上字母和数字的组合。"),
])
def test_unsafe_configurations_are_refused_with_the_fix(tmp_path: Path, secrets: dict, message: str) -> None:
    with pytest.raises(AccessConfigError) as exc:
        load_config(secrets, {}, tmp_path)
    assert str(exc.value) == message


@pytest.mark.parametrize("address, loopback", [
    ("localhost", True), ("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("192.168.1.20", False), ("", False), (None, False), ("qunjian.county.gov", False),
])
def test_loopback_addresses(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_throttle_waits_grow_after_three_wrong_codes_and_reset_on_success() -> None:
    now = [1000.0]
    t = Throttle(clock=lambda: now[0])
    for _ in range(3):
        assert t.wait("ip:10.0.0.5") == 0
        t.failed("ip:10.0.0.5")
    assert t.wait("ip:10.0.0.5") == 2
    now[0] += 2
    assert t.wait("ip:10.0.0.5") == 0
    t.failed("ip:10.0.0.5")
    assert t.wait("ip:10.0.0.5") == 4
    t.failed("ip:10.0.0.5")
    assert t.wait("ip:10.0.0.5") == 8
    assert t.wait("ip:10.0.0.6") == 0  # another client is not slowed
    for _ in range(20):
        t.failed("ip:10.0.0.5")
    assert t.wait("ip:10.0.0.5") == 300
    t.succeeded("ip:10.0.0.5")
    assert t.wait("ip:10.0.0.5") == 0
    for _ in range(5):
        t.failed("ip:10.0.0.7")
    now[0] += 24 * 3600
    t.failed("ip:10.0.0.8")  # a day later the old client is forgotten
    assert t.wait("ip:10.0.0.7") == 0 and list(t._fails) == ["ip:10.0.0.8"]


# -- the gate in the app (AppTest) -----------------------------------------------------------


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "markdown", "caption", "info", "warning", "error", "success", "metric",
                                   "subheader") for e in getattr(at, kind)
             if isinstance(getattr(e, "value", None), str)]
    parts += [e.label for e in at.metric]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(parts)


@pytest.fixture
def townships(sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Two township workspaces: 青石镇 (the sample) and 白云乡 (two groups built here)."""
    qs = tmp_path / "qingshi.duckdb"
    shutil.copy(sample_db, qs)
    ws = new_ws(tmp_path, "baiyun.duckdb")
    groups(ws, tmp_path, [("白云乡党政群", "赵甲", "党政办", "科室", False), ("白云乡防汛群", "钱乙", "应急办", "应急", True)])
    roster(ws, tmp_path, [("白云乡党政群", "赵甲", "群主"), ("白云乡党政群", "钱乙", "成员"),
                          ("白云乡防汛群", "钱乙", "群主")])
    messages(ws, tmp_path, [("白云乡党政群", "赵甲", "2026-05-11 09:00:00", "请各位报送材料", "文本")])
    ws.close()
    monkeypatch.delenv("QUNJIAN_WORKSPACE", raising=False)
    monkeypatch.delenv("QUNJIAN_ACCESS_CODE", raising=False)
    monkeypatch.chdir(ROOT)
    import ui.gate
    monkeypatch.setattr(ui.gate, "FAILED_ATTEMPT_PAUSE", 0.0)
    return {"workspaces": {"qingshi": {"title": "青石镇", "code": "qs-123456", "path": str(qs)},
                           "baiyun": {"title": "白云乡", "code": "by-654321", "path": str(tmp_path / "baiyun.duckdb")}}}


def _app(secrets: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in secrets.items():
        at.secrets[k] = v
    return at


def _enter(at: AppTest, code: str) -> AppTest:
    at.text_input[0].input(code)
    next(b for b in at.button if b.label == "进入").click().run()
    return at


def test_every_page_asks_for_the_code_first(townships: dict) -> None:
    at = _app(townships).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["访问码"]
    assert at.text_input[0].proto.type == at.text_input[0].proto.PASSWORD
    assert not at.sidebar.caption  # no workspace, no counts before the code
    # A page opened directly (bypassing app.py) is gated too: it reaches the workspace through the gate.
    page = AppTest.from_file(str(ROOT / "pages" / "overview.py"), default_timeout=120)
    for k, v in townships.items():
        page.secrets[k] = v
    page.run()
    assert [t.label for t in page.text_input] == ["访问码"] and not page.metric


def test_a_code_opens_its_township_only(townships: dict) -> None:
    qs = _enter(_app(townships).run(), "qs-123456")
    assert "工作区：青石镇 · 34 个群 · 202 人 · 32,041 条消息" in [c.value for c in qs.sidebar.caption]

    by = _enter(_app(townships).run(), "by-654321")
    assert not by.exception
    assert "工作区：白云乡 · 2 个群 · 2 人 · 1 条消息" in [c.value for c in by.sidebar.caption]
    for page in ("pages/overview.py", "pages/burden.py", "pages/lifecycle.py", "pages/import.py", "pages/people.py",
                 "pages/workspace.py"):
        by.switch_page(page).run()
        assert not by.exception, page
        text = _texts(by)
        assert "青石镇" not in text and "qingshi" not in text, page  # no other township, not even its name
    by.switch_page("pages/lifecycle.py").run()
    assert "白云乡党政群" in _texts(by)


def test_wrong_codes_are_refused_then_slowed_down(townships: dict) -> None:
    import ui.gate

    ui.gate._throttle.clear()
    at = _app(townships).run()
    for _ in range(2):
        _enter(at, "qs-000000")
        assert [e.value for e in at.error] == ["访问码不正确。请检查后重新输入。"]
    _enter(at, "qs-000000")
    assert [e.value for e in at.error] == ["访问码不正确。输错次数较多，请 2 秒后再试。"]
    _enter(at, "qs-123456")  # the right code, but too soon
    assert [e.value for e in at.error] == ["访问码输错次数较多，请 2 秒后再试。"]
    assert not at.sidebar.caption
    ui.gate._throttle.clear()


def test_sign_out_asks_again(townships: dict) -> None:
    at = _enter(_app(townships).run(), "by-654321")
    next(b for b in at.sidebar.button if b.label == "退出").click().run()
    assert [t.label for t in at.text_input] == ["访问码"] and not at.sidebar.caption


@pytest.fixture
def open_address() -> Iterator[None]:
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    yield
    st_config.set_option("server.address", before)


def test_open_network_without_a_code_shows_no_data(sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   open_address: None) -> None:
    copy = tmp_path / "w.duckdb"
    shutil.copy(sample_db, copy)
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(copy))
    monkeypatch.delenv("QUNJIAN_ACCESS_CODE", raising=False)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "本服务正对其他电脑开放（监听地址：0.0.0.0），但没有设置访问码，所以不显示任何数据。"]
    assert "QUNJIAN_ACCESS_CODE" in at.markdown[0].value and "secrets.toml" in at.markdown[0].value
    assert not at.sidebar.caption and not at.metric

    monkeypatch.setenv("QUNJIAN_ACCESS_CODE", "office-2026")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert [t.label for t in at.text_input] == ["访问码"] and not at.error
    _enter(at, "office-2026")
    assert "工作区：w.duckdb · 34 个群 · 202 人 · 32,041 条消息" in [c.value for c in at.sidebar.caption]


def test_broken_access_settings_show_no_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    at = _app({"workspaces": {"qingshi": {"title": "青石镇"}}}).run()
    assert [e.value for e in at.error] == ["访问设置有误，暂不显示任何数据。"]
    assert at.markdown[0].value.startswith("secrets.toml 中 [workspaces.qingshi] 没有设置 code")
    assert not at.sidebar.caption


# -- deleting a workspace -------------------------------------------------------------------


def test_delete_removes_the_files_and_logs_the_deletion(sample_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "qingshi.duckdb"
    shutil.copy(sample_db, path)
    ws = Workspace(path)
    ws.undo_import(ws.imports()[0]["id"])  # leaves a write-ahead log beside the file
    record = delete_workspace(ws, by="青石镇")
    assert [f.exists() for f in workspace_files(path)] == [False, False, False]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deletions.jsonl"]
    line = json.loads((tmp_path / "deletions.jsonl").read_text(encoding="utf-8"))
    assert line == record
    assert (line["workspace"], line["imports"], line["by"]) == ("qingshi.duckdb", 42, "青石镇")
    assert len(line["sha256"]) == 64 and line["bytes"] > 0
    assert Workspace(path).summary()["messages"] == 0  # opening the path again starts empty


def test_delete_from_the_page(townships: dict) -> None:
    at = _enter(_app(townships).run(), "by-654321")
    at.switch_page("pages/workspace.py").run()
    button = next(b for b in at.button if b.label == "永久删除这个工作区")
    assert button.disabled
    at.text_input(key="delete_confirm").input("删除").run()
    next(b for b in at.button if b.label == "永久删除这个工作区").click().run()
    assert not at.exception
    # Signed out, told what was removed, and the file is gone from disk (nothing opened it again).
    assert [t.label for t in at.text_input] == ["访问码"]
    assert [s.value for s in at.success] == ["工作区「白云乡」已删除：3 次导入的数据、设置和操作记录已从磁盘移除。"]
    path = Path(townships["workspaces"]["baiyun"]["path"])
    assert not path.exists()
    log = [json.loads(x) for x in (path.parent / "deletions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["workspace"], r["imports"], r["by"]) for r in log] == [("baiyun.duckdb", 3, "白云乡")]
    # The other township is untouched.
    assert Workspace(townships["workspaces"]["qingshi"]["path"]).summary()["groups"] == 34
    # Signing in again opens a new, empty workspace.
    _enter(at, "by-654321")
    at.switch_page("pages/workspace.py").run()
    assert at.markdown[0].value == "**工作区：白云乡**"
    assert "· 0 个群 · 0 人 · 0 条消息" in at.markdown[1].value


def test_the_example_secrets_file_is_a_valid_county_setup(tmp_path: Path) -> None:
    import re
    import tomllib

    text = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    county = "\n".join(line[2:] for line in text.splitlines() if re.match(r"# (\[workspaces\.|title =|code =|path =)", line))
    cfg = load_config(tomllib.loads(county), {}, tmp_path)
    assert [(w.key, w.title, w.path) for w in cfg.workspaces] == [
        ("qingshi", "青石镇", tmp_path / "data" / "workspaces" / "qingshi.duckdb"),
        ("baiyun", "白云乡", Path("/srv/qunjian/baiyun.duckdb")),
    ]
    office = "\n".join(line[2:] for line in text.splitlines() if line.startswith("# access_code ="))
    assert load_config(tomllib.loads(office), {}, tmp_path).needs_code
