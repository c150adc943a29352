"""数据从哪里来: the guide's content (core/guide.py), its example files and templates, and its page."""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import guide
from core.formats.template_spec import TEMPLATES
from core.labels import FORMAT_LABELS
from core.templates import blank_template
from core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "sample_data" / "examples"

# What each example file does to a fresh workspace: format, kind, rows read, loaded, rejected.
EXPECTED = {
    "wechatmsg-v1/技术保障工作群_utf8.csv": ("wechatmsg_v1", "messages", 12, 12, 0),
    "wechatmsg-v1/contacts.csv": ("wechatmsg_contacts", "directory", 3, 3, 0),
    "wechatmsg-v2/技术保障工作群.csv": ("wechatmsg_v2", "messages", 12, 12, 0),
    "wechatmsg-v2/技术保障工作群.xlsx": ("wechatmsg_xlsx", "messages", 16, 16, 0),  # 12 messages + 4 members
    "pywxdump/25791346802@chatroom_0_13.csv": ("pywxdump", "messages", 12, 12, 0),
    "pywxdump/users.json": ("pywxdump_users", "directory", 2, 2, 0),
    "qq-txt/全部消息记录.txt": ("qq_txt", "messages", 5, 5, 0),
    # 2 private (1:1) messages and 1 switch record are skipped, never stored.
    "wecom/wecom_archive_sample.jsonl": ("wecom_archive", "messages", 9, 6, 3),
    "wecom/wecom_msgaudit_groupchat_get.json": ("wecom_groupchat", "roster", 4, 4, 0),
    "wecom/wecom_externalcontact_groupchat_get.json": ("wecom_groupchat", "roster", 3, 3, 0),
}

TITLES = ["微信·留痕 WeChatMsg", "微信·PyWxDump", "QQ 消息管理器", "企业微信会话存档", "钉钉", "手工整理的名单"]


def _examples() -> list[guide.Download]:
    return [d for _s, d in guide.all_downloads() if d.example]


def _templates() -> list[guide.Download]:
    return [d for _s, d in guide.all_downloads() if d.template]


# -- content ------------------------------------------------------------------------------------

def test_guide_does_not_import_streamlit() -> None:
    tree = ast.parse((ROOT / "core" / "guide.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(m.split(".")[0] == "streamlit" for m in imported)


def test_every_source_has_steps_files_and_downloads() -> None:
    assert [s.title for s in guide.SOURCES] == TITLES
    assert len({s.key for s in guide.SOURCES}) == len(guide.SOURCES)
    for s in guide.SOURCES:
        assert len(s.steps) >= 3, s.title
        assert s.audience and s.bring and s.leave_out, s.title
        assert s.downloads, s.title
        assert all(step.strip() for step in s.steps), s.title
        for d in s.downloads:
            assert (d.example is None) != (d.template is None), d
            assert d.label and d.note, d
        # Button keys are per source and index; labels within one source are distinct.
        assert len({d.label for d in s.downloads}) == len(s.downloads), s.title


def test_private_chats_are_left_out_and_data_handling_is_explained() -> None:
    assert "私聊" in guide.SCOPE_NOTE
    assert all(any("私聊" in x or "单聊" in x or "个人信息" in x for x in s.leave_out) for s in guide.SOURCES)
    text = " ".join(guide.DATA_HANDLING)
    for needle in ("DuckDB", "删除", "访问码", "工作区与安全", "不向外发送"):
        assert needle in text, needle
    assert len(guide.FAQ) >= 4
    questions = " ".join(q for q, _a in guide.FAQ)
    for needle in ("乱码", "重复", "群名称", "失败"):
        assert needle in questions, needle


def test_sources_point_at_the_right_downloads() -> None:
    by_key = {s.key: s for s in guide.SOURCES}
    formats = {k: {d.format for d in s.downloads if d.format} for k, s in by_key.items()}
    templates = {k: {d.template for d in s.downloads if d.template} for k, s in by_key.items()}
    assert formats["wechatmsg"] == {"wechatmsg_v1", "wechatmsg_contacts", "wechatmsg_v2", "wechatmsg_xlsx"}
    assert formats["pywxdump"] == {"pywxdump", "pywxdump_users"}
    assert formats["qq"] == {"qq_txt"}
    assert formats["wecom"] == {"wecom_archive", "wecom_groupchat"}
    assert "roster" in templates["wechatmsg"] and "roster" in templates["qq"]
    assert {"groups", "roster"} <= templates["pywxdump"]
    assert {"groups", "directory"} <= templates["wecom"]
    assert templates["dingtalk"] == set(TEMPLATES) and templates["manual"] == set(TEMPLATES)
    # Hand-kept lists: every template as Excel and as CSV.
    manual = {(d.template, d.fmt) for d in by_key["manual"].downloads}
    assert manual == {(k, f) for k in TEMPLATES for f in ("xlsx", "csv")}


# -- example files ------------------------------------------------------------------------------

def test_every_example_file_is_referenced_and_exists() -> None:
    referenced = {d.example for d in _examples()}
    assert referenced == set(EXPECTED)
    on_disk = {p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*") if p.is_file() and p.name != "README.md"}
    assert on_disk == set(EXPECTED)  # nothing unused in sample_data/examples
    for d in _examples():
        assert d.path.is_file(), d.example
        assert d.data() == d.path.read_bytes()
        assert d.file_name == Path(d.example).name
        assert d.format in FORMAT_LABELS


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_example_file_imports_cleanly(rel: str, tmp_path: Path) -> None:
    fmt, kind, rows, loaded, rejected = EXPECTED[rel]
    (d,) = [d for d in _examples() if d.example == rel]
    assert d.format == fmt
    ws = Workspace(tmp_path / "w.duckdb")
    try:
        report = ws.import_file(EXAMPLES / rel)
    finally:
        ws.close()
    assert report.errors == []
    assert (report.format, report.kind) == (fmt, kind)
    assert (report.rows, report.loaded, report.duplicates, report.rejected) == (rows, loaded, 0, rejected)


def test_examples_together_make_one_group(tmp_path: Path) -> None:
    """The WeChatMsg examples name the group by file; the same messages imported again are not counted twice."""
    ws = Workspace(tmp_path / "w.duckdb")
    try:
        first = ws.import_file(EXAMPLES / "wechatmsg-v2" / "技术保障工作群.csv")
        again = ws.import_file(EXAMPLES / "wechatmsg-v2" / "技术保障工作群.xlsx")
        summary = ws.summary()
    finally:
        ws.close()
    assert first.group_name == "技术保障工作群" and first.loaded == 12
    assert (again.duplicates, again.loaded) == (12, 4)  # the 12 messages already stored; 4 members added
    assert (summary["groups"], summary["messages"], summary["memberships"]) == (1, 12, 4)


def test_examples_are_not_the_shared_folder_at_run_time() -> None:
    for d in _examples():
        assert EXAMPLES in d.path.parents
    assert "shared" not in (ROOT / "core" / "guide.py").read_text(encoding="utf-8")


# -- templates ----------------------------------------------------------------------------------

def _xlsx_parts(data: bytes) -> dict[str, bytes]:
    # docProps/core.xml carries the creation time, which differs between two calls.
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_every_template_download_is_blank_template() -> None:
    assert _templates()
    for d in _templates():
        assert d.template in TEMPLATES and d.fmt in ("csv", "xlsx")
        expected = blank_template(d.template, d.fmt)
        if d.fmt == "csv":
            assert d.data() == expected
            assert d.mime == "text/csv"
        else:
            assert _xlsx_parts(d.data()) == _xlsx_parts(expected)
            assert d.mime == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert d.file_name.endswith("." + d.fmt)


def test_mime_types() -> None:
    mimes = {Path(d.file_name).suffix: d.mime for _s, d in guide.all_downloads()}
    assert mimes == {
        ".csv": "text/csv", ".txt": "text/plain", ".json": "application/json", ".jsonl": "application/x-ndjson",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


# -- the page -----------------------------------------------------------------------------------

NAV = """
import streamlit as st

st.navigation([
    st.Page("pages/guide.py", title="数据从哪里来", icon=":material/help:", default=True),
    st.Page("pages/import.py", title="数据导入", icon=":material/upload_file:"),
]).run()
"""


@pytest.fixture
def page_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A two-page app around pages/guide.py, as app.py will run it: its main script in tmp_path
    beside a link to the real pages/ (st.page_link resolves pages against the main script)."""
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(tmp_path / "x.duckdb"))
    monkeypatch.chdir(ROOT)
    app = tmp_path / "app"
    app.mkdir()
    (app / "pages").symlink_to(ROOT / "pages", target_is_directory=True)
    (app / "main.py").write_text(NAV, encoding="utf-8")
    return app / "main.py"


def _check_page(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert at.title[0].value == "数据从哪里来"
    assert [t.label for t in at.tabs] == TITLES
    buttons = at.get("download_button")
    labels = [b.proto.label for b in buttons]
    assert labels == [d.label for _s, d in guide.all_downloads()]
    assert all(b.proto.url for b in buttons)  # each carries its file
    assert [e.label for e in at.expander] == [q for q, _a in guide.FAQ]
    links = at.get("page_link")
    assert [link.proto.label for link in links] == ["去导入数据"]
    text = " ".join(str(m.value) for m in at.markdown)
    for s in guide.SOURCES:
        assert s.steps[0] in text, s.title


def test_guide_page_runs(page_env: Path) -> None:
    at = AppTest.from_file(str(page_env), default_timeout=120).run()
    _check_page(at)


def test_guide_page_in_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through app.py itself, as a user reaches it from the sidebar."""
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(tmp_path / "x.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/guide.py").run()
    _check_page(at)
