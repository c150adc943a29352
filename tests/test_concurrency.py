"""Two imports into one workspace at once: threads of one process (as two browser sessions of
one server are) and two real browser sessions. Both succeed — the second waits for the first
and says so — and the counts afterwards are exact. A second PROCESS opening a held workspace
gets the clear Chinese message, never a stack trace (command line and app)."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from core.importer import import_many
from core.workspace import Workspace
from tests.test_browser import _stop, _serve, _shot, browser  # noqa: F401  (browser: the shared Chromium fixture)

ROOT = Path(__file__).resolve().parents[1]

WAIT = "等待同事的导入完成（同一工作区一次只写入一个文件）…"
HEADER = ["群名称", "发送人", "时间", "内容", "类型"]
START = dt.datetime(2026, 5, 4, 8, 0, 0)


def write_chat(path: Path, group: str, senders: tuple[str, str], n: int) -> Path:
    """``n`` text messages in ``group``, one a second from 2026-05-04 08:00:00, alternating
    between the two senders, each text different (so none is a duplicate)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            w.writerow([group, senders[i % 2], (START + dt.timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S"),
                        f"{group}第{i}条通知", "文本"])
    return path


def counts(ws: Workspace) -> tuple[int, int, int, int]:
    s = ws.summary()
    return s["groups"], s["people"], s["memberships"], s["messages"]


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    return (write_chat(inputs / "甲群.csv", "甲群", ("王一", "李二"), 20_000),
            write_chat(inputs / "乙群.csv", "乙群", ("张三", "赵四"), 30_000))


# -- threads of one process --------------------------------------------------------------------


def test_two_threads_import_at_once_and_both_count_exactly(tmp_path: Path, two_files: tuple[Path, Path]) -> None:
    ws = Workspace(tmp_path / "ws.duckdb")
    a, b = two_files
    start = threading.Barrier(3)
    reports: dict[str, object] = {}
    steps: dict[str, list[str]] = {"甲群.csv": [], "乙群.csv": []}
    errors: list[BaseException] = []
    seen: set[int] = set()
    importing = threading.Event()

    def run(path: Path) -> None:
        try:
            start.wait(timeout=30)
            reports[path.name] = ws.import_file(path, on_step=steps[path.name].append)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def watch() -> None:
        # A reader meanwhile only ever sees whole imports.
        start.wait(timeout=30)
        while importing.is_set():
            seen.add(ws.summary()["messages"])

    importing.set()
    threads = [threading.Thread(target=run, args=(p,)) for p in (a, b)]
    watcher = threading.Thread(target=watch)
    for t in (*threads, watcher):
        t.start()
    for t in threads:
        t.join(timeout=300)
    importing.clear()
    watcher.join(timeout=60)
    try:
        assert errors == []
        ra, rb = reports["甲群.csv"], reports["乙群.csv"]
        assert (ra.errors, ra.rows, ra.loaded, ra.duplicates, ra.rejected) == ([], 20_000, 20_000, 0, 0)
        assert (rb.errors, rb.rows, rb.loaded, rb.duplicates, rb.rejected) == ([], 30_000, 30_000, 0, 0)
        assert {ra.import_id, rb.import_id} == {1, 2}
        assert counts(ws) == (2, 4, 4, 50_000)
        assert sorted((i["file_name"], i["loaded"]) for i in ws.imports()) == [("乙群.csv", 30_000), ("甲群.csv", 20_000)]
        assert seen and seen <= {0, 20_000, 30_000, 50_000}
        # Each import went through every step; whichever came second may have waited first.
        for name, got in steps.items():
            assert [s for s in got if s != WAIT] == ["识别格式", "读取文件", "写入工作区"], name
        assert ws.query("select count(*) from audit where action = 'import'") == [(2,)]
    finally:
        ws.close()


def _wait_until(cond, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_waiting_import_says_why_then_completes(tmp_path: Path, two_files: tuple[Path, Path]) -> None:
    """While another writer holds the lock, the import reports the waiting message through
    on_step, writes nothing, and completes as soon as the lock is released."""
    ws = Workspace(tmp_path / "ws.duckdb")
    a, _ = two_files
    steps: list[str] = []
    result: list[object] = []
    ws._write_lock.acquire()
    worker = threading.Thread(target=lambda: result.append(ws.import_file(a, on_step=steps.append)))
    try:
        worker.start()
        _wait_until(lambda: WAIT in steps)
        time.sleep(0.3)
        assert steps == ["识别格式", WAIT]
        assert worker.is_alive() and result == []
        assert counts(ws) == (0, 0, 0, 0) and ws.imports() == []
    finally:
        ws._write_lock.release()
    worker.join(timeout=120)
    try:
        assert not worker.is_alive()
        assert steps == ["识别格式", WAIT, "读取文件", "写入工作区"]
        (report,) = result
        assert (report.errors, report.import_id, report.rows, report.loaded) == ([], 1, 20_000, 20_000)
        assert counts(ws) == (1, 2, 2, 20_000)
    finally:
        ws.close()


def test_the_wait_reaches_the_progress_callback_of_a_batch(tmp_path: Path, two_files: tuple[Path, Path]) -> None:
    """import_many (the upload page's path) passes the waiting message to its progress bar."""
    ws = Workspace(tmp_path / "ws.duckdb")
    a, b = two_files
    progress: list[tuple[int, int, str, str]] = []
    done: list[object] = []
    ws._write_lock.acquire()
    worker = threading.Thread(target=lambda: done.append(
        import_many(ws, [(a, "甲群.csv"), (b, "乙群.csv")], on_progress=lambda *p: progress.append(p))))
    try:
        worker.start()
        _wait_until(lambda: (0, 2, "甲群.csv", WAIT) in progress)
        assert progress == [(0, 2, "甲群.csv", "识别格式"), (0, 2, "甲群.csv", WAIT)]
    finally:
        ws._write_lock.release()
    worker.join(timeout=120)
    try:
        assert progress == [
            (0, 2, "甲群.csv", "识别格式"), (0, 2, "甲群.csv", WAIT), (0, 2, "甲群.csv", "读取文件"),
            (0, 2, "甲群.csv", "写入工作区"), (1, 2, "乙群.csv", "识别格式"), (1, 2, "乙群.csv", "读取文件"),
            (1, 2, "乙群.csv", "写入工作区"), (2, 2, "", "完成")]
        assert [(r.loaded, r.errors) for r in done[0]] == [(20_000, []), (30_000, [])]
        assert counts(ws) == (2, 4, 4, 50_000)
    finally:
        ws.close()


# -- a second process --------------------------------------------------------------------------

BUSY_START = "工作区文件「"
BUSY_END = "」正被另一个程序使用（可能另一个群鉴窗口或命令行正在运行）。请关闭它后再试，或换一个工作区文件。"

HOLDER = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from core.workspace import Workspace
ws = Workspace(sys.argv[2])
print("HOLDING", flush=True)
time.sleep(600)
"""


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Path]:
    """A workspace file held open by another process (until the test ends)."""
    db = tmp_path / "held.duckdb"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(ROOT), str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line == "HOLDING\n", proc.stderr.read()  # type: ignore[union-attr]
        yield db
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def busy_message(db: Path) -> str:
    return f"{BUSY_START}{db}{BUSY_END}"


@pytest.mark.parametrize("command", [
    ["import", "--workspace", "{db}", "{file}"],
    ["summary", "--workspace", "{db}"],
    ["report", "--workspace", "{db}"],
])
def test_cli_on_a_held_workspace_exits_2_with_the_message(held: Path, two_files: tuple[Path, Path],
                                                          command: list[str]) -> None:
    args = [c.format(db=held, file=two_files[0]) for c in command]
    out = subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2
    assert out.stderr == busy_message(held) + "\n"
    assert out.stdout == ""
    assert "Traceback" not in out.stderr


def test_app_on_a_held_workspace_shows_the_message(held: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(held))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert [e.value for e in at.error] == [busy_message(held)]
    # The page stopped there: no figures, no navigation to data.
    assert [m.value for m in at.metric] == []


# -- two real browser sessions -----------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_two_browser_sessions_import_at_once(tmp_path: Path, browser: object) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    # Big enough (a few seconds each) that the two imports overlap on the server.
    a = write_chat(inputs / "甲群.csv", "甲群", ("王一", "李二"), 100_000)
    b = write_chat(inputs / "乙群.csv", "乙群", ("张三", "赵四"), 150_000)
    db = tmp_path / "ws" / "browser.duckdb"
    url, proc = _serve(db)
    try:
        # Two contexts: two independent browser sessions.
        pages = [browser.new_page(viewport={"width": 1366, "height": 900}) for _ in range(2)]  # type: ignore[attr-defined]
        for page, f in zip(pages, (a, b)):
            page.goto(url)
            page.get_by_role("link", name="数据导入").first.click()
            page.get_by_text("选择或拖入文件").wait_for(timeout=30_000)
            page.locator("input[type=file]").set_input_files(str(f))
            # The chip shows once the upload has finished.
            page.get_by_test_id("stFileChip").get_by_text(f.name).wait_for(timeout=60_000)
        for page in pages:
            page.get_by_role("button", name="开始导入").click()
        waited = [False, False]
        deadline = time.time() + 180
        while time.time() < deadline:
            for i, page in enumerate(pages):
                # In the page itself: the sidebar lists every import running in the workspace.
                if page.get_by_test_id("stMain").get_by_text("等待同事的导入完成").count():
                    waited[i] = True
            if all(page.get_by_text("本次导入结果").count() for page in pages):
                break
            time.sleep(0.05)
        for page, n in zip(pages, ("100,000", "150,000")):
            page.get_by_text(f"1 个文件已导入，新增 {n} 行。").wait_for(timeout=60_000)
            assert page.get_by_test_id("stException").count() == 0
            assert page.get_by_text("未能导入").count() == 0
        _shot(pages[1], "two_sessions_import")
        # The second click found the first import writing and said so.
        assert waited.count(True) == 1, waited
        # A fresh load of either session reads the exact totals.
        for page in pages:
            page.reload()
            page.get_by_test_id("stSidebar").get_by_text(
                "工作区：browser.duckdb · 2 个群 · 4 人 · 250,000 条消息").wait_for(timeout=60_000)
            page.close()
    finally:
        _stop(proc)

    ws = Workspace(db)
    try:
        assert counts(ws) == (2, 4, 4, 250_000)
        assert sorted((i["file_name"], i["rows"], i["loaded"], i["duplicates"]) for i in ws.imports()) == [
            ("乙群.csv", 150_000, 150_000, 0), ("甲群.csv", 100_000, 100_000, 0)]
    finally:
        ws.close()
