"""Hostile names end to end: a workspace whose group, person, unit and file names and message
texts are Markdown, HTML, LaTeX, Streamlit directives and spreadsheet formulas pointing at
another host. Every page shows them literally and the browser contacts nothing but the app.

(a) AppTest: every page runs; every Markdown-bearing element holds the names only in their
    escaped form (ui.safe.md), every plotly figure only in theirs (ui.safe.plot).
(b) Real browser (Debian's headless Chromium): every page, every request recorded; nothing goes
    to another host, no <img> points elsewhere, and the names are visible as plain text.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from streamlit.testing.v1 import AppTest

from core.workspace import Workspace
from tests.test_browser import _serve, _stop, browser  # noqa: F401  (browser is a fixture)
from ui.safe import WJ, md, plot

ROOT = Path(__file__).resolve().parents[1]

IMG = "![x](http://127.0.0.9:9/leak.png)"
LINK = "[点我](http://127.0.0.9:9/)"
TAG = "<img src=http://127.0.0.9:9/i.png>"
BOLD = "<b>粗</b>"
TEX = "$x^2$"
RED = ":red[红]"
FORMULA = '=HYPERLINK("http://127.0.0.9:9")'

# Groups (names keep everything but whitespace, so TAG's group is written without the space).
G_IMG, G_LINK, G_TAG = IMG, LINK, "<img/src=http://127.0.0.9:9/i.png>"
G_BOLD, G_TEX, G_RED, G_FORMULA = f"{BOLD}群", f"{TEX}群", f"{RED}群", FORMULA
G_ROSTER = "名单群<i>只有名单</i>"          # a roster, no messages
# People (the importer drops bracketed notes from personal names, so these use other syntax).
P_TEX, P_BOLD, P_URL, P_ICON = TEX, "**粗**", "http://127.0.0.9:9/p", ":material_home:"
P_GUEST = "~~访客~~"                          # in the groups, not in the cadre directory
CADRES = [  # name, unit, position, leader
    (P_TEX, IMG, BOLD, False), (P_BOLD, LINK, RED, True), (P_URL, TAG, FORMULA, False),
    (P_ICON, IMG, "干事", False), ("王一", "党政办", "主任", False), ("李二", LINK, "干事", False),
]
# The texts the tests look for, as the importer stores them.
GROUPS = [G_IMG, G_LINK, G_TAG, G_BOLD, G_TEX, G_RED, G_FORMULA, G_ROSTER]
PEOPLE = [P_TEX, P_BOLD, P_URL, P_ICON, P_GUEST]
UNITS = [IMG, LINK, TAG]
HOSTILE = GROUPS + PEOPLE + UNITS + [BOLD, RED, FORMULA]
FILE_NAME = f"{IMG} {TEX}.csv"               # the display name of one import (with a rejected row)

DAY0 = dt.datetime(2026, 3, 2, 9, 0)


def _csv(path: Path, header: list[str], rows: list[tuple[Any, ...]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(["" if v is None else v for v in r] for r in rows)
    return path


def _at(day: int, hour: int, minute: int = 0) -> str:
    return (DAY0.replace(hour=hour, minute=minute) + dt.timedelta(days=day)).strftime("%Y-%m-%d %H:%M:%S")


def build_workspace(path: Path, tmp: Path) -> None:
    """The hostile township: every page has something to say about these names."""
    ws = Workspace(path)
    try:
        def load(stem: str, header: list[str], rows: list[tuple[Any, ...]], name: str | None = None,
                 rejected: int = 0) -> None:
            report = ws.import_file(_csv(tmp / f"{stem}.csv", header, rows), name=name)
            assert not report.errors, report.errors
            assert report.rejected == rejected, ws.rejects(report.import_id)

        load("directory", ["姓名", "单位", "职务", "领导"],
             [(n, u, p, "是" if lead else "否") for n, u, p, lead in CADRES])
        load("groups", ["群名称", "群主", "单位", "类别", "应急群", "备注"], [
            (G_IMG, P_TEX, IMG, "科室", "否", BOLD),
            (G_LINK, P_BOLD, LINK, TAG, "否", IMG),          # silent since March: a zombie
            (G_TAG, "孙五", TAG, "专项", "否", LINK),         # owner gone; 专项 and silent: finished
            (G_BOLD, "王一", "党政办", "科室", "否", None),
            (G_TEX, P_URL, TAG, "科室", "否", None),
            (G_RED, None, IMG, "科室", "否", None),           # owner unknown
            (G_ROSTER, P_TEX, IMG, "科室", "否", None),
        ])
        everyone = [P_TEX, P_BOLD, P_URL, P_ICON, "王一", "李二", P_GUEST]
        members = {
            G_IMG: everyone, G_LINK: everyone,                # identical
            G_TAG: [P_TEX, P_BOLD, P_URL, P_ICON],             # inside both
            G_BOLD: [P_TEX, "王一", P_ICON], G_TEX: [P_TEX, "李二", P_URL], G_RED: [P_TEX, P_URL, P_ICON],
            G_ROSTER: [P_TEX, "李二"],
        }
        load("roster", ["群名称", "成员", "角色"],
             [(g, p, "群主" if i == 0 else "成员") for g, ps in members.items() for i, p in enumerate(ps)])

        rows: list[tuple[str, str, str, str, str]] = []
        texts = [IMG, LINK, TAG, BOLD, TEX, RED, FORMULA, "收到"]
        for day in range(0, 88, 3):                           # 3 months in the busy groups
            for g in (G_IMG, G_BOLD, G_TEX, G_RED):
                rows.append((g, P_TEX, _at(day, 22, 30), texts[day % len(texts)], "文本"))   # late at night
                rows.append((g, P_BOLD, _at(day, 19, 15), f"请各村落实 {texts[(day + 1) % len(texts)]}", "文本"))
                rows.append((g, "王一" if g == G_BOLD else P_URL, _at(day, 10), "通知：明天上午开会", "文本"))
        for day in range(0, 10):                              # the zombie and the finished project group
            rows.append((G_LINK, P_BOLD, _at(day, 9), f"{LINK} 请各村上报", "文本"))
            rows.append((G_TAG, P_URL, _at(day + 60, 9), f"{TAG} 专项任务", "文本"))
        for day in range(0, 88, 7):                           # a group without a roster
            rows.append((G_FORMULA, "王一", _at(day, 11), FORMULA, "文本"))
        # A notice buried under 24 receipts.
        rows.append((G_IMG, P_BOLD, _at(80, 8), f"通知：请各村于今天下午五点前上报材料 {BOLD}", "文本"))
        rows += [(G_IMG, p, _at(80, 8, 5 + i), "收到", "文本") for i, p in enumerate(everyone * 4)][:24]
        load("messages", ["群名称", "发送人", "时间", "内容", "类型"], rows)
        # One more file under a hostile display name, with one row the importer refuses.
        load("messages2", ["群名称", "发送人", "时间", "内容", "类型"],
             [(G_BOLD, P_TEX, _at(85, 21), TEX, "文本"), (G_BOLD, P_TEX, "不是时间", TEX, "文本")],
             name=FILE_NAME, rejected=1)
    finally:
        ws.close()


# -- (a) AppTest: every page, every Markdown-bearing element ----------------------------------

PAGES = ["home", "import", "people", "overview", "burden", "overlap", "after_hours", "quality", "lifecycle",
         "plan"]
# Names each page must quote (escaped) in its Markdown, and show (escaped) in its plotly charts.
QUOTED = {
    "overview": [P_TEX, G_IMG, G_LINK, G_ROSTER, G_FORMULA],
    "burden": [P_TEX, P_GUEST, IMG, BOLD],
    "overlap": [G_IMG, G_LINK, G_TAG],
    "after_hours": [P_BOLD, LINK, RED, G_IMG],
    "quality": [G_IMG],
    "lifecycle": [G_LINK, G_TAG, G_FORMULA, G_ROSTER, P_BOLD, LINK, TAG, IMG],
    "import": [FILE_NAME],
}
PLOTTED = {
    "burden": [P_TEX, IMG, TAG, G_BOLD],
    "overlap": [G_IMG, G_TAG, G_BOLD],
    "after_hours": [G_IMG, G_BOLD, P_TEX, IMG],
    "quality": [G_IMG, G_BOLD, P_TEX],
    "lifecycle": [G_TAG, G_BOLD, P_BOLD],
}


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    build_workspace(tmp / "hostile.duckdb", tmp)
    return tmp / "hostile.duckdb"


@pytest.fixture
def hostile_app(hostile_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``page(name, **session_state)`` → an AppTest of the app on ``pages/<name>.py`` over a copy
    of the hostile workspace."""
    copy = tmp_path / "hostile.duckdb"
    shutil.copy(hostile_db, copy)
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(copy))
    monkeypatch.chdir(ROOT)

    def page(name: str, **state: Any) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.switch_page(f"pages/{name}.py")
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return page


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def rendered(at: AppTest) -> tuple[list[str], list[str]]:
    """Every string the page hands Streamlit's Markdown renderer (bodies of markdown, captions,
    alerts, headings and toasts; labels and tooltips of widgets, metrics, tabs and expanders;
    progress texts; radio options; st.table cells), and every string in its plotly figures."""
    texts: list[str] = []
    figures: list[str] = []

    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)

    for node in (n for root in (at.main, at.sidebar) for n in _nodes(root)):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if getattr(node, "type", None) == "plotly_chart":
            figures += strings(json.loads(proto.spec))
            continue
        if getattr(node, "type", None) == "table":
            df = node.value
            texts += [str(v) for v in [*df.columns, *df.index, *df.to_numpy().ravel()]]
            continue
        fields = {f.name for f in proto.DESCRIPTOR.fields}
        texts += [getattr(proto, f) for f in ("body", "label", "help", "text") if f in fields
                  and isinstance(getattr(proto, f), str)]
        if getattr(node, "type", None) == "radio":
            texts += list(proto.options)
    return texts, figures


def assert_escaped(texts: list[str], figures: list[str]) -> None:
    for text in texts:
        for raw in HOSTILE:
            assert raw not in text, f"{raw!r} unescaped in Markdown: {text!r}"
        # Escaped, a URL reads 127\.0\.0\.9 and follows a word joiner; a tag opens with \<.
        assert "127.0.0.9" not in text, text
        assert re.search(r"(?<!\\)<", text) is None, text
        assert re.search(r"(?<![\\\u2060])https?:", text) is None, text
    for text in figures:
        for raw in HOSTILE:
            if "<" in raw or "&" in raw:
                assert raw not in text, f"{raw!r} unescaped in a plotly figure: {text!r}"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_shows_hostile_names_escaped(hostile_app, name: str) -> None:
    at = hostile_app(name)
    texts, figures = rendered(at)
    assert texts
    assert_escaped(texts, figures)
    everything = "\n".join(texts)
    for raw in QUOTED.get(name, []):
        assert md(raw) in everything, f"{name}: {raw!r} not quoted"
    plotted = "\n".join(figures)
    for raw in PLOTTED.get(name, []):
        assert plot(raw) in plotted, f"{name}: {raw!r} not plotted"


def test_plan_page_quotes_groups_escaped(hostile_app) -> None:
    at = hostile_app("plan")
    texts, _ = rendered(at)
    lines = [t for t in texts if t.startswith("- ")]      # the reasons behind one cadre's groups
    assert lines and any(md(g) in line for g in GROUPS for line in lines)


def test_import_results_table_and_undo_toast_escape_file_names(hostile_app) -> None:
    from core.workspace import ImportReport

    reports = [
        ImportReport(file=FILE_NAME, format="template", kind="messages", rows=2, loaded=1, rejected=1,
                     warnings=[f"群「{G_BOLD}」的 1 行时间无法识别"]),
        ImportReport(file=f"{TAG}.txt", errors=[f"「{LINK}」不是支持的格式"]),
    ]
    at = hostile_app("import", last_reports=reports)
    texts, figures = rendered(at)
    assert_escaped(texts, figures)
    cells = at.table[0].value
    assert list(cells["文件"]) == [md(FILE_NAME), md(f"{TAG}.txt")]
    assert list(cells["结果"]) == [md(f"群「{G_BOLD}」的 1 行时间无法识别"), md(f"「{LINK}」不是支持的格式")]
    # Undo the import with the hostile name: the toast names it, escaped.
    history = at.dataframe[0].value
    import_id = int(history.loc[history["文件"] == FILE_NAME, "编号"].iloc[0])
    choice = next(o for o in at.selectbox[0].options if o.startswith(f"#{import_id} "))
    at.selectbox[0].set_value(choice).run()
    next(b for b in at.button if b.label == "撤销这次导入").click().run()
    assert not at.exception
    assert [t.value for t in at.toast] == [f"已撤销：{md(choice)}"]


def test_chosen_units_in_the_period_caption_are_escaped(hostile_app) -> None:
    at = hostile_app("overview")
    at.multiselect(key="f_units").set_value([IMG]).run()
    assert not at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("统计期："))
    assert caption.endswith(f"；单位：{md(IMG)}")


# -- (b) a real browser -------------------------------------------------------------------------

# Attributes that make the browser fetch, and ones that only link (checked for the hostile host only:
# Streamlit's own menu may link to its documentation).
FETCHING = ("src", "srcset", "poster", "data", "background", "formaction", "action")
LINKING = ("href", "xlink:href")
# Nav entry → the heading the page shows, and names that must be visible there as plain text.
TOUR = {
    "首页": ("群鉴 · 工作群精简分析", []),
    "数据导入": ("数据导入", [FILE_NAME]),
    "核对人员": ("核对人员", []),
    "概览": ("概览", [G_IMG, G_LINK, G_ROSTER, G_FORMULA, P_TEX]),
    "人员负担": ("人员负担", [P_TEX, P_GUEST, IMG, BOLD]),
    "群重叠": ("群重叠", [G_IMG, G_LINK, G_TAG]),
    "非工作时间": ("非工作时间", [P_BOLD, LINK, RED, G_IMG]),
    "消息质量": ("消息质量", []),
    "群生命周期": ("群生命周期", [G_LINK, G_TAG, G_FORMULA, G_ROSTER, P_BOLD, LINK, TAG, IMG]),
    "整合方案": ("整合方案", []),
}
# Pages that must show at least one of these (which ones depends on the plan the solver picks).
ANY_OF = {"整合方案": GROUPS}
# Pages whose plotly charts label bars and axes with names (shown literally by plotly).
CHARTED = {"人员负担": [IMG, TAG], "群重叠": [G_IMG, G_TAG, G_BOLD], "非工作时间": [G_IMG, G_BOLD],
           "消息质量": [G_IMG, G_BOLD], "群生命周期": [G_TAG, G_BOLD]}


@pytest.fixture(scope="module")
def hostile_server(hostile_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a copy of the hostile workspace, on a free localhost port."""
    copy = tmp_path_factory.mktemp("hostile_ws") / "hostile.duckdb"
    shutil.copy(hostile_db, copy)
    url, proc = _serve(copy)
    yield url
    _stop(proc)


def _outside(urls: list[str], server: str) -> list[str]:
    """The URLs that go anywhere but the app's own host and port (data: and blob: stay local)."""
    from urllib.parse import urlsplit

    own = urlsplit(server).netloc
    return [u for u in urls if not (urlsplit(u).scheme in ("data", "blob")
                                    or (urlsplit(u).scheme in ("http", "https", "ws", "wss")
                                        and urlsplit(u).netloc == own))]


def _settle(page: Any) -> None:
    """Wait until the script run is over and the charts are drawn."""
    page.wait_for_timeout(500)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)


def _check_dom(page: Any, server: str, where: str) -> None:
    """No element points at another host; nothing from the names became an image or a link."""
    pointing = page.evaluate(
        """(names) => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
               .filter(a => names.includes(a.name) || (a.name === 'style' && a.value.includes('url(')))
               .map(a => [a.name, a.value]))""", list(FETCHING + LINKING))
    bad = [(n, v) for n, v in pointing
           if "127.0.0.9" in v or (n not in LINKING and "//" in v and _outside([v], server))]
    assert bad == [], f"{where}: {bad}"
    images = page.evaluate("[...document.images].map(i => i.currentSrc || i.src)")
    assert _outside(images, server) == [], f"{where}: {images}"
    assert page.locator(".katex").count() == 0, f"{where}: LaTeX rendered"
    assert page.locator(".stMarkdownColoredText, .stMarkdownBadge").count() == 0, f"{where}: directive rendered"


def _visible_text(page: Any) -> str:
    """What a reader can see: the page's text (word joiners are invisible) and the charts' text."""
    text = page.evaluate("document.body.innerText")
    charts = page.locator(".js-plotly-plot text").all_text_contents()
    return (text + "\n" + "\n".join(charts)).replace(WJ, "")


@pytest.mark.browser
def test_browser_shows_hostile_names_as_text_and_contacts_no_other_host(hostile_server: str, browser: object,
                                                                        tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda w: requests.append(w.url))
    page.goto(hostile_server)
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("首页", exact=True).wait_for(timeout=30_000)
    # each link reads "<icon name>\n\n<title>"
    entries = [t.strip().splitlines()[-1] for t in nav.get_by_role("link").all_inner_texts()]
    assert set(TOUR) <= set(entries), entries
    for entry in entries:                       # every page, also ones added after this test
        nav.get_by_text(entry, exact=True).click()
        heading, names = TOUR.get(entry, (None, []))
        if heading:
            page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=60_000)
        _settle(page)
        assert page.get_by_test_id("stException").count() == 0, entry
        _check_dom(page, hostile_server, entry)
        shown = _visible_text(page)
        for raw in names + CHARTED.get(entry, []):
            assert raw in shown, f"{entry}: {raw!r} is not visible as text"
        if entry in ANY_OF:
            assert any(raw in shown for raw in ANY_OF[entry]), f"{entry}: no name visible"
        assert _outside(requests, hostile_server) == [], entry

    # An upload whose file name is markup: the results table shows the name as it is.
    name = f"<img src=x onerror=alert(1)> {TEX} {RED} [点我](javascript:alert(1)).csv"  # no "/" in a file name
    upload = tmp_path / name
    _csv(upload, ["群名称", "发送人", "时间", "内容", "类型"], [(G_BOLD, P_TEX, _at(86, 21), BOLD, "文本")])
    nav.get_by_text("数据导入", exact=True).click()
    page.get_by_text("选择或拖入文件").wait_for(timeout=30_000)
    page.locator("input[type=file]").set_input_files([str(upload)])
    page.get_by_test_id("stFileChip").wait_for(timeout=30_000)
    page.get_by_role("button", name="开始导入").click()
    page.get_by_text("本次导入结果").wait_for(timeout=60_000)
    _settle(page)
    cell = page.get_by_test_id("stTable").locator("tbody tr td").first
    assert cell.inner_text().replace(WJ, "") == name
    _check_dom(page, hostile_server, "upload")
    assert _outside(requests, hostile_server) == []
    assert any(u.startswith(hostile_server) for u in requests)
    page.close()
