"""Real browser, security: the access code on a real server, the upload limit, exports logged."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Iterator

import pytest

from core.settings import LIMITS
from tests.test_browser import _serve, _shot, _stop, browser  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def coded_server(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    copy = tmp_path_factory.mktemp("coded") / "青石镇.duckdb"
    shutil.copy(sample_db, copy)
    url, proc = _serve(copy, QUNJIAN_ACCESS_CODE="qingshi-2026")
    yield url
    _stop(proc)


def test_the_code_comes_before_any_data(coded_server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})  # type: ignore[attr-defined]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(coded_server)
    field = page.get_by_label("访问码")
    field.wait_for(timeout=30_000)
    assert field.get_attribute("type") == "password"
    assert page.get_by_test_id("stSidebarNav").count() == 0
    assert page.get_by_text("青石镇").count() == 0 and page.get_by_text("32,041").count() == 0
    _shot(page, "access_code")
    field.fill("qingshi-2025")
    page.get_by_role("button", name="进入").click()
    page.get_by_text("访问码不正确。请检查后重新输入。").wait_for(timeout=30_000)
    # A new tab of the same browser is the same client: it gets no fresh attempts.
    page.get_by_label("访问码").fill("qingshi-2026")
    page.get_by_role("button", name="进入").click()
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("首页", exact=True).wait_for(timeout=30_000)
    page.get_by_text("工作区：青石镇.duckdb · 34 个群 · 202 人 · 32,041 条消息").wait_for(timeout=30_000)
    page.get_by_role("button", name="退出").click()
    page.get_by_label("访问码").wait_for(timeout=30_000)
    outside = [u for u in requests if not u.startswith((coded_server, "data:", "blob:"))]
    assert requests and outside == []
    page.close()


def test_a_1_gb_upload_is_refused_with_the_limit_named(tmp_path: Path, browser: object) -> None:
    url, proc = _serve(tmp_path / "ws.duckdb")
    try:
        big = tmp_path / "全年聊天记录.csv"
        with open(big, "wb") as fh:  # sparse: 1 GB on paper, nothing on disk
            fh.truncate(1024 * 1024 * 1024)
        page = browser.new_page(viewport={"width": 1366, "height": 768})  # type: ignore[attr-defined]
        page.goto(url)
        page.get_by_test_id("stSidebarNav").get_by_text("数据导入", exact=True).click()
        page.get_by_text(f"单个文件不超过 {LIMITS.max_upload_mb} MB").wait_for(timeout=30_000)
        page.locator("input[type=file]").set_input_files(str(big))
        page.get_by_text(f"{LIMITS.max_upload_mb:.1f}MB").first.wait_for(timeout=30_000)
        _shot(page, "upload_too_big")
        page.get_by_role("button", name="开始导入").click()
        page.get_by_text("请先选择要导入的文件。").wait_for(timeout=30_000)
        time.sleep(0.5)
        assert page.get_by_text("还没有导入过文件。").is_visible()
        page.close()
    finally:
        _stop(proc)


def test_downloads_are_recorded_with_their_hash(sample_db: Path, tmp_path: Path, browser: object) -> None:
    import hashlib

    from core.workspace import Workspace

    copy = tmp_path / "青石镇.duckdb"
    shutil.copy(sample_db, copy)
    url, proc = _serve(copy)
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)  # type: ignore[attr-defined]
        page.goto(url)
        nav = page.get_by_test_id("stSidebarNav")
        got = {}
        for title, label, wait in (("整合方案", "下载 JSON", "34 个群精简为 27 个"),
                                   ("人员负担", "下载这份名单（CSV）", "116 名超过 3 个群")):
            nav.get_by_text(title, exact=True).click()
            page.get_by_text(wait).first.wait_for(timeout=60_000)
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name=label).click()
            info.value.save_as(tmp_path / label)
            got[label] = hashlib.sha256((tmp_path / label).read_bytes()).hexdigest()
        page.close()
    finally:
        _stop(proc)
    ws = Workspace(copy)
    try:
        log = [(e["action"], e["detail"], e["sha256"]) for e in reversed(ws.audit_log()) if e["action"] == "export"]
    finally:
        ws.close()
    assert log == [("export", "下载整合方案（JSON）", got["下载 JSON"]),
                   ("export", "下载人员负担·名单（CSV）", got["下载这份名单（CSV）"])]
