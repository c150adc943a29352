"""Real browser: Debian's headless Chromium driven by Playwright against `streamlit run`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(workspace: Path, **extra_env: str) -> tuple[str, subprocess.Popen]:
    """Start `streamlit run app.py` on a free localhost port against ``workspace`` (plus
    ``extra_env``, e.g. QUNJIAN_ACCESS_CODE)."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is required (.ci/run installs it)"
    port = _free_port()
    env = dict(os.environ, QUNJIAN_WORKSPACE=str(workspace), **extra_env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return url, proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("streamlit did not start within 60 s")


def _stop(proc: subprocess.Popen) -> None:
    """Stop a server started by :func:`_serve` (it closes its workspace on the way out)."""
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, proc = _serve(tmp_path_factory.mktemp("ws") / "browser.duckdb")
    yield url
    _stop(proc)


@pytest.fixture(scope="module")
def sample_server(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    copy = tmp_path_factory.mktemp("sample_ws") / "sample.duckdb"
    shutil.copy(sample_db, copy)
    url, proc = _serve(copy)
    yield url
    _stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_upload_files_and_read_the_counts(server: str, browser: object, tmp_path: Path) -> None:
    shared = ROOT.parent / "shared" / "formats"
    files = [shared / "wechatmsg-v2" / "技术保障工作群.csv", shared / "qq-txt" / "全部消息记录.txt",
             shared / "wecom" / "wecom_archive_sample.jsonl"]
    junk = tmp_path / "照片.txt"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    page = browser.new_page(viewport={"width": 1366, "height": 768})  # type: ignore[attr-defined]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server)
    page.get_by_role("link", name="数据导入").first.click()
    page.get_by_text("选择或拖入文件").wait_for(timeout=30_000)
    page.locator("input[type=file]").set_input_files([str(f) for f in files] + [str(junk)])
    # Uploads finish asynchronously: wait until the uploader lists every file before submitting.
    uploaded = page.get_by_test_id("stFileChip")
    deadline = time.time() + 30
    while uploaded.count() < len(files) + 1 and time.time() < deadline:
        time.sleep(0.2)
    assert uploaded.count() == len(files) + 1
    page.get_by_role("button", name="开始导入").click()
    page.get_by_text("本次导入结果").wait_for(timeout=60_000)
    table = page.get_by_test_id("stTable").locator("table").first
    table.locator("tbody tr").nth(len(files)).wait_for(timeout=30_000)
    table.scroll_into_view_if_needed()
    rows = {r.locator("td").nth(0).inner_text(): [c.inner_text() for c in r.locator("td").all()]
            for r in table.locator("tbody tr").all()}
    _shot(page, "import_results")
    # columns: 文件 格式 内容 读取行数 新增 已存在 拒绝 结果
    assert rows["技术保障工作群.csv"][1:7] == ["留痕 WeChatMsg v2 CSV", "聊天记录", "12", "12", "0", "0"]
    assert rows["全部消息记录.txt"][1:7] == ["QQ 消息管理器 TXT", "聊天记录", "5", "5", "0", "0"]
    assert rows["wecom_archive_sample.jsonl"][3:7] == ["9", "6", "0", "3"]
    assert rows["照片.txt"][1] == "无法识别"
    assert "二进制" in rows["照片.txt"][7]
    assert page.get_by_text("1 个文件未能导入").is_visible()
    # Nothing but the local server was contacted.
    outside = [u for u in requests if not u.startswith((server, "data:", "blob:"))]
    assert requests and outside == []
    page.close()


# Each analysis page and a figure it must show for the sample township (see sample_data/README.md).
PAGES = [
    ("概览", "116 名干部超过 3 个群"),
    ("人员负担", "116 名超过 3 个群"),
    ("群重叠", "0.894"),
    ("非工作时间", "5,870"),
    ("消息质量", "干货率"),
    ("群生命周期", "春季植树造林活动群、经济普查入户登记群、高标准农田建设项目群"),
    ("整合方案", "34 个群精简为 27 个，每名干部不超过 3 个群"),
]


def test_every_analysis_page_shows_its_finding(sample_server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})  # type: ignore[attr-defined]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(sample_server)
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("首页", exact=True).wait_for(timeout=30_000)
    for title, figure in PAGES:
        nav.get_by_text(title, exact=True).click()
        page.get_by_role("heading", name=title, exact=True).wait_for(timeout=30_000)
        page.get_by_text(figure).first.wait_for(timeout=60_000)
        assert page.get_by_test_id("stException").count() == 0, title
        _shot(page, f"page_{title}")
    outside = [u for u in requests if not u.startswith((sample_server, "data:", "blob:"))]
    assert outside == []
    page.close()


def test_download_the_proposal(sample_server: str, sample_db: Path, browser: object, tmp_path: Path) -> None:
    """Both files come down from the page and hold the plan the page shows."""
    import docx
    import openpyxl

    from core.plan.build import build
    from core.workspace import Workspace

    ws = Workspace(sample_db)
    try:
        plan = build(ws, cap=3)
    finally:
        ws.close()
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)  # type: ignore[attr-defined]
    page.goto(sample_server)
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("整合方案", exact=True).wait_for(timeout=30_000)
    nav.get_by_text("整合方案", exact=True).click()
    page.get_by_text("34 个群精简为 27 个").first.wait_for(timeout=60_000)
    page.get_by_label("单位名称（写在方案标题下和落款）").fill("青石镇")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1500)
    saved = {}
    for label, name in (("下载 Excel 方案", "p.xlsx"), ("下载 Word 方案", "p.docx")):
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name=label).click()
        info.value.save_as(tmp_path / name)
        saved[name] = tmp_path / name
    _shot(page, "plan_downloads")
    page.close()

    wb = openpyxl.load_workbook(saved["p.xlsx"])
    rows = {r[0]: (r[1], r[2]) for r in wb["概况"].iter_rows(values_only=True) if r and isinstance(r[0], str)}
    assert rows["工作群（个）"] == (plan["before"]["groups"], plan["after"]["groups"]) == (34, 27)
    assert rows["入群人次"] == (plan["before"]["memberships"], plan["after"]["memberships"])
    text = [p.text for p in docx.Document(saved["p.docx"]).paragraphs]
    assert any(t.startswith("建议将现有 34 个工作群精简为 27 个，每名干部原则上不超过 3 个群。") for t in text)
    assert "青石镇纪委" in text
