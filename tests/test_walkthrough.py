"""First run in a real browser: a township clerk gets from an empty app to a downloaded proposal.

One test, one fresh server on an empty workspace, the common office screen (1366×768): 首页 →
数据从哪里来 → 载入示例数据 → 核对人员 → every 查看问题 page → 整合方案 → both downloads, opened and
checked → 口径说明 → 工作区与安全. Each step leaves a screenshot of what the clerk sees on one screen
(``test-artifacts/walkthrough/NN_<step>.png``; ``…_full.png`` where the whole page matters), so a
person can look at them. Every request the browser makes must go to the local server.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest

from core import guide
from core.flow import STEPS
from tests.test_browser import _stop, ARTIFACTS, PAGES, _serve, browser  # noqa: F401  (browser is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ARTIFACTS / "walkthrough"
VIEWPORT = {"width": 1366, "height": 768}
DONE, HERE, TODO = "check_circle", "arrow_circle_right", "radio_button_unchecked"  # the step icons
HOME = "群鉴 · 工作群精简分析"  # 首页's heading
SAMPLE_LOAD_S = 120  # the sample township takes ~15 s on a laptop; a slow office PC gets room


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[str]:
    url, proc = _serve(tmp_path / "工作区.duckdb")
    yield url
    _stop(proc)


class Walk:
    """The browser tab and what the clerk sees in it."""

    def __init__(self, page: object) -> None:
        self.page = page
        self.n = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    # -- looking ----------------------------------------------------------------------------
    def settle(self) -> None:
        """Wait until the script run is over (no "running" indicator) and the page has painted."""
        page = self.page
        deadline = time.time() + 60
        while time.time() < deadline:
            if page.locator("[data-testid=stStatusWidget] [data-testid=stStatusWidgetRunningIcon], "  # type: ignore[attr-defined]
                            "[data-testid=stStatusWidget] button:has-text('Stop')").count() == 0:
                break
            time.sleep(0.2)
        page.wait_for_timeout(600)  # type: ignore[attr-defined]

    def shot(self, step: str, full: bool = False) -> None:
        """NN_<step>.png: the viewport as the clerk sees it; with ``full`` also NN_<step>_full.png,
        the whole page (Streamlit scrolls inside its main pane, not the document, so the window is
        stretched to the pane's height for that picture)."""
        page = self.page
        self.settle()
        page.mouse.move(VIEWPORT["width"] - 80, 60)  # type: ignore[attr-defined]  # no tooltip of a link just clicked
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        self.n += 1
        page.screenshot(path=str(SHOTS / f"{self.n:02d}_{step}.png"), full_page=False)  # type: ignore[attr-defined]
        if full:
            height = page.get_by_test_id("stMain").evaluate("e => e.scrollHeight")  # type: ignore[attr-defined]
            page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, VIEWPORT["height"]), 12_000)})  # type: ignore[attr-defined]
            page.wait_for_timeout(1200)  # type: ignore[attr-defined]  # charts re-layout to the new size
            page.screenshot(path=str(SHOTS / f"{self.n:02d}_{step}_full.png"), full_page=True)  # type: ignore[attr-defined]
            page.set_viewport_size(VIEWPORT)  # type: ignore[attr-defined]
            page.wait_for_timeout(600)  # type: ignore[attr-defined]

    def quick_shot(self, step: str) -> None:
        """NN_<step>.png now, without waiting for the page to settle (a progress bar refreshes
        it twice a second while background work runs)."""
        self.n += 1
        self.page.screenshot(path=str(SHOTS / f"{self.n:02d}_{step}.png"), full_page=False)  # type: ignore[attr-defined]

    def no_exception(self, where: str) -> None:
        assert self.page.get_by_test_id("stException").count() == 0, where  # type: ignore[attr-defined]

    def _step_links(self) -> list[object]:
        """The step flow's links (a link with a tooltip is drawn twice, once for small screens:
        the visible one counts)."""
        boxes = self.page.get_by_test_id("stMain").get_by_test_id("stPageLink")  # type: ignore[attr-defined]
        boxes.nth(len(STEPS) - 1).wait_for(timeout=30_000)
        links = []
        for box in boxes.all()[:len(STEPS)]:
            shown = [a for a in box.get_by_test_id("stPageLink-NavLink").all() if a.is_visible()]
            assert len(shown) == 1, box.inner_html()
            links.append(shown[0])
        return links

    def steps(self) -> list[tuple[str, str]]:
        """The step flow above the page: (icon, label) per step."""
        return [(a.get_by_test_id("stIconMaterial").inner_text().strip(),  # type: ignore[attr-defined]
                 a.get_by_test_id("stMarkdownContainer").inner_text().strip())  # type: ignore[attr-defined]
                for a in self._step_links()]

    def missing(self) -> str:
        """The "还缺：…" caption under the step flow ("" when nothing is missing)."""
        texts = self.page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").all_inner_texts()  # type: ignore[attr-defined]
        return next((t for t in texts if t.startswith("还缺：")), "")

    # -- going ------------------------------------------------------------------------------
    def nav(self, title: str, heading: str | None = None) -> None:
        """Click a page in the sidebar and wait for its heading (the page's title unless told)."""
        self.page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()  # type: ignore[attr-defined]
        self.heading(heading or title)

    def step_link(self, number: int) -> None:
        """Click step ``number`` of the step flow."""
        link = self._step_links()[number - 1]
        assert f"{number} {STEPS[number - 1]}" in link.inner_text()  # type: ignore[attr-defined]
        link.click()  # type: ignore[attr-defined]

    def heading(self, title: str) -> None:
        self.page.get_by_role("heading", name=title, exact=True).wait_for(timeout=30_000)  # type: ignore[attr-defined]

    def text(self, text: str, timeout: float = 60) -> None:
        self.page.get_by_text(text).first.wait_for(timeout=timeout * 1000)  # type: ignore[attr-defined]

    def download(self, button: str, to: Path) -> Path:
        with self.page.expect_download(timeout=60_000) as info:  # type: ignore[attr-defined]
            self.page.get_by_role("button", name=button).first.click()  # type: ignore[attr-defined]
        info.value.save_as(to)
        return to


def test_a_clerk_gets_from_nothing_to_a_proposal(empty_server: str, browser: object, tmp_path: Path) -> None:
    import docx
    import openpyxl

    server = empty_server
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="zh-CN")  # type: ignore[attr-defined]
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    walk = Walk(page)

    # 1. 首页 on the empty app: step 1 is where to start, nothing is done, and it says what is missing.
    page.goto(server)
    walk.heading(HOME)
    walk.text("还缺：")
    assert walk.steps() == [(HERE, "1 导入数据（当前）"), (TODO, "2 核对人员"), (TODO, "3 查看问题"),
                            (TODO, "4 生成方案"), (TODO, "5 下载")]
    assert walk.missing().startswith("还缺：还没有数据")
    page.get_by_role("button", name="载入示例数据").wait_for(timeout=30_000)
    page.get_by_test_id("stSidebar").get_by_text("0 个群 · 0 人").wait_for(timeout=30_000)
    walk.no_exception("首页")
    walk.shot("home_empty")

    # 2. 数据从哪里来: a tab per source; an example file comes down and is not empty.
    walk.nav("数据从哪里来")
    tabs = page.get_by_role("tab")
    tabs.nth(len(guide.SOURCES) - 1).wait_for(timeout=30_000)  # the page draws below its heading
    assert [t.strip() for t in tabs.all_inner_texts()] == [s.title for s in guide.SOURCES]
    assert walk.steps()[0] == (HERE, "1 导入数据（当前）")
    walk.no_exception("数据从哪里来")
    walk.shot("guide", full=True)
    page.get_by_role("tab", name=guide.QQ.title).click()
    example = guide.QQ.downloads[0]
    page.get_by_role("button", name=example.label).wait_for(timeout=30_000)
    page.get_by_role("tab", name=guide.QQ.title).evaluate(  # the tab bar at the top, under the header
        "e => { e.scrollIntoView({block: 'start'}); document.querySelector('[data-testid=stMain]').scrollBy(0, -80); }")
    walk.shot("guide_qq_tab")
    got = walk.download(example.label, tmp_path / example.file_name)
    assert got.stat().st_size > 0
    assert got.read_bytes() == example.data()

    # 3. Load the sample township from 首页 and wait for the visible result.
    walk.nav("首页", HOME)
    page.get_by_role("button", name="载入示例数据").click()
    # It loads in the background (about 15 s): a progress bar naming the file, and the clerk may
    # look at another page meanwhile, where the sidebar keeps showing how far it has got.
    page.get_by_test_id("stMain").get_by_text("载入示例：第 ").first.wait_for(timeout=30_000)
    walk.quick_shot("sample_loading")
    walk.nav("口径说明")
    page.get_by_test_id("stSidebar").get_by_text("载入示例：第 ").first.wait_for(timeout=30_000)
    walk.quick_shot("sample_loading_elsewhere")
    walk.nav("首页", HOME)
    page.get_by_test_id("stSidebar").get_by_text("34 个群 · 202 人").wait_for(timeout=SAMPLE_LOAD_S * 1000)
    walk.settle()
    assert page.get_by_test_id("stSidebar").get_by_text("32,041 条消息").is_visible()
    steps = walk.steps()
    assert steps[0] == (DONE, "1 导入数据（当前）")
    assert [icon for icon, _ in steps[3:]] == [TODO, TODO]
    # The sample has one group with messages only and one with a roster only: both are named.
    missing = walk.missing()
    assert "统计工作群" in missing and "信访维稳工作群" in missing and "还没有数据" not in missing
    assert page.get_by_test_id("stMetricValue").first.inner_text().strip() == "34"
    walk.no_exception("首页 after the sample")
    walk.shot("home_sample_loaded")

    # 4. 核对人员 through the step flow, then every 查看问题 page.
    walk.step_link(2)
    walk.heading("核对人员")
    walk.text("没有需要人工确认的同名账号。")
    walk.text("全部人员（202 人）")
    assert walk.steps()[1] == (DONE, "2 核对人员（当前）")
    walk.no_exception("核对人员")
    walk.shot("people")

    walk.step_link(3)
    analysis = [(title, figure) for title, figure in PAGES if title != "整合方案"]
    for i, (title, figure) in enumerate(analysis):
        if i:
            walk.nav(title)
        walk.heading(title)
        walk.text(figure)
        assert walk.steps()[2] == (DONE, "3 查看问题（当前）"), title
        walk.no_exception(title)
        walk.shot(f"issues_{title}", full=True)

    # 5. 整合方案 through the step flow: the plan, the township's name, both downloads.
    walk.step_link(4)
    walk.heading("整合方案")
    walk.text("34 个群精简为 27 个，每名干部不超过 3 个群")
    assert walk.steps()[3:] == [(HERE, "4 生成方案（当前）"), (TODO, "5 下载")]
    walk.no_exception("整合方案")
    walk.shot("plan", full=True)
    field = page.get_by_label("单位名称（写在方案标题下和落款）")
    field.fill("青石镇")
    field.press("Enter")
    walk.settle()
    saved = {kind: walk.download(label, tmp_path / name) for kind, label, name in (
        ("xlsx", "下载 Excel 方案", "整合方案.xlsx"), ("docx", "下载 Word 方案", "建议方案.docx"))}
    walk.no_exception("整合方案 downloads")
    walk.shot("plan_downloaded")

    wb = openpyxl.load_workbook(saved["xlsx"])
    rows = {r[0]: (r[1], r[2]) for r in wb["概况"].iter_rows(values_only=True) if r and isinstance(r[0], str)}
    assert rows["工作群（个）"] == (34, 27)
    assert rows["一人最多所在群数"] == (13, 3)
    text = [p.text for p in docx.Document(saved["docx"]).paragraphs]
    assert any("建议将现有 34 个工作群精简为 27 个，每名干部原则上不超过 3 个群。" in t for t in text)
    assert "青石镇纪委" in text

    # The downloads complete steps 4 and 5 (seen on the next run of the page).
    page.reload()
    walk.heading("整合方案")
    walk.text("34 个群精简为 27 个")
    # Checked at the end, so that a stale step flow does not hide what the later pages look like.
    late: list[str] = []
    flow = walk.steps()
    if flow != [(DONE, "1 导入数据"), (DONE, "2 核对人员"), (DONE, "3 查看问题"), (DONE, "4 生成方案（当前）"),
                (DONE, "5 下载")]:
        late.append(f"整合方案 after both downloads and a reload: step flow {flow}")
    walk.shot("plan_after_download_reload")

    # 6. 口径说明 and 工作区与安全; the audit log lists both downloads.
    walk.nav("口径说明")
    walk.no_exception("口径说明")
    flow = walk.steps()
    if [icon for icon, _ in flow] != [DONE] * len(STEPS):
        late.append(f"口径说明 after the downloads: step flow {flow}")
    walk.shot("definitions", full=True)

    walk.nav("工作区与安全")
    walk.text("操作记录")
    walk.no_exception("工作区与安全")
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    walk.shot("workspace", full=True)
    # The table is drawn on a canvas: read the log as the clerk would keep it, from its CSV.
    log = walk.download("下载操作记录（CSV）", tmp_path / "操作记录.csv").read_bytes().decode("utf-8-sig")
    for what in ("下载整合方案（Excel）", "下载整合方案（Word）"):
        assert what in log, (what, log[:1000])

    context.close()
    outside = [u for u in requests if not u.startswith((server, "data:", "blob:"))]
    assert requests and outside == []
    assert not late, "the downloaded proposal does not complete steps 4 and 5:\n" + "\n".join(late)

