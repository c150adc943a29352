"""The one module that holds Streamlit glue: the cached workspace and cached queries.

Query results are cached with ``st.cache_data`` keyed by the workspace version, which every
import, undo or settings change increments, so nothing stale is ever shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import threading
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import streamlit as st

from core.analysis.base import Scope, Window, empty_stretch, filter_options, window_of
from core.csvout import to_csv
from core.jobs import Job, Jobs, Progress
from core.workspace import Workspace, WorkspaceBusy
from ui.safe import md, md_join
from core.workspace import delete_workspace as remove_workspace

from ui.gate import ROOT

ICON = Path(__file__).with_name("icon.png")


def workspace_path() -> Path:
    """The workspace file of this browser session (asks for the access code first when one is
    set: every page and every query goes through here)."""
    from ui.gate import current_workspace

    return current_workspace().path


class _Registry:
    """Open workspaces of this server, one per file, shared by the sessions that may open it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, Workspace] = {}

    def get(self, path: str) -> Workspace:
        with self._lock:
            ws = self._open.get(path)
            if ws is None:
                ws = self._open[path] = Workspace(path)
            return ws

    def drop(self, path: str) -> Workspace | None:
        with self._lock:
            return self._open.pop(path, None)


@st.cache_resource(show_spinner=False)
def _registry() -> _Registry:
    return _Registry()


def _workspace(path: str) -> Workspace:
    try:
        return _registry().get(path)
    except WorkspaceBusy as exc:
        st.error(str(exc))
        st.stop()
        raise  # unreachable: st.stop() raises


def workspace() -> Workspace:
    return _workspace(str(workspace_path()))


def version() -> tuple[str, int]:
    """Cache key of the workspace's current content: which file (a deleted and recreated file
    is a new one) and how many changes it has seen."""
    ws = workspace()
    return ws.uid, ws.version()


def delete_workspace() -> dict[str, Any]:
    """Remove this session's workspace file from disk (see core.workspace.delete_workspace)."""
    path = str(workspace_path())
    ws = _registry().drop(path) or Workspace(path)
    from ui.gate import current_workspace

    return remove_workspace(ws, by=current_workspace().title)


def exported(what: str, make: Callable[[], bytes | str]) -> Callable[[], bytes | str]:
    """A download button's data, made on click and recorded in the workspace's audit log with
    the file's SHA-256 (``what`` names the download in Chinese)."""
    ws = workspace()

    def run() -> bytes | str:
        data = make()
        raw = data.encode("utf-8") if isinstance(data, str) else data
        ws.record("export", f"下载{what}", hashlib.sha256(raw).hexdigest())
        return data

    return run


def table_csv(what: str, table: pd.DataFrame) -> Callable[[], bytes]:
    """A table as a CSV download (formula-escaped), recorded in the audit log on click."""
    return exported(what, lambda: to_csv(list(table.columns), table.itertuples(index=False)))


@st.cache_data(show_spinner=False, max_entries=64)
def _summary(path: str, version: tuple[str, int]) -> dict[str, Any]:
    return _workspace(path).summary()


def summary() -> dict[str, Any]:
    return _summary(str(workspace_path()), version())


@st.cache_data(show_spinner=False, max_entries=64)
def _imports(path: str, version: tuple[str, int]) -> list[dict[str, Any]]:
    return _workspace(path).imports()


def imports() -> list[dict[str, Any]]:
    return _imports(str(workspace_path()), version())


@st.cache_data(show_spinner=False, max_entries=64)
def _review(path: str, version: tuple[str, int]) -> pd.DataFrame:
    rows = _workspace(path).review()
    return pd.DataFrame(rows, columns=["姓名", "账号", "出现过的名字", "原因"])


def review() -> pd.DataFrame:
    return _review(str(workspace_path()), version())


def is_empty() -> bool:
    return summary()["groups"] == 0 and summary()["people"] == 0


def empty_state(what: str) -> None:
    """Shown instead of charts when there is no data yet."""
    st.info(f"还没有数据。{what}请先到“数据导入”页上传文件，或一键载入示例数据。")
    st.page_link("pages/import.py", label="前往数据导入", icon=":material/upload:")


# The page each step leads to, and the step each page belongs to (by page title).
STEP_PAGES = ("pages/import.py", "pages/people.py", "pages/overview.py", "pages/plan.py", "pages/plan.py")
STEP_OF_PAGE = {"首页": 0, "数据从哪里来": 0, "数据导入": 0, "核对人员": 1, "概览": 2, "人员负担": 2, "群重叠": 2,
                "非工作时间": 2, "消息质量": 2, "群生命周期": 2, "整合方案": 3}


def step_flow(page_title: str) -> None:
    """The five steps from nothing to a proposal, above every page: done ones ticked, this
    page's step marked, each a link; under them what is still missing."""
    from core.flow import STEPS, proposal_downloaded, status

    st_ = dataclasses.replace(cached(status), proposal_downloaded=proposal_downloaded(workspace()))
    here = STEP_OF_PAGE.get(page_title)
    cols = st.columns(len(STEPS), gap="small")
    for i, (col, name) in enumerate(zip(cols, STEPS)):
        done = st_.done[i]
        icon = ":material/check_circle:" if done else (":material/arrow_circle_right:" if i == here
                                                        else ":material/radio_button_unchecked:")
        label = f"{i + 1} {name}" + ("（当前）" if i == here else "")
        col.page_link(STEP_PAGES[i], label=label, icon=icon, help="已完成" if done else None)
    if st_.missing:
        # In full where data come in; elsewhere the first point, in one line.
        lines = st_.missing if here in (0, None) else st_.missing[:1]
        more = f"（另有 {len(st_.missing) - len(lines)} 项，见首页）" if len(lines) < len(st_.missing) else ""
        st.caption("还缺：" + "；".join(md(line.rstrip("。")) for line in lines) + "。" + more)


def progress_bar(start_text: str) -> Callable[[int, int, str, str], None]:
    """A progress bar and the ``on_progress(done, total, name, step)`` callback that drives it."""
    bar = st.progress(0.0, text=start_text)

    def update(done: int, total: int, name: str, step: str) -> None:
        text = f"第 {min(done + 1, total)}/{total} 个：{md(name)} {step}" if name else step
        bar.progress(done / max(total, 1), text=text)

    return update


# -- background work --------------------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def _jobs() -> Jobs:
    return Jobs()


def start_job(title: str, work: Callable[[Progress], Any], key: Any = None) -> Job:
    """Run ``work(progress)`` in the background for this session's workspace (see core.jobs)."""
    return _jobs().start(title, str(workspace_path()), work, key=None if key is None else (str(workspace_path()), key))


def job(job_id: str | None) -> Job | None:
    return _jobs().get(job_id)


def _job_text(j: Job) -> str:
    where = f"第 {min(j.done + 1, j.total)}/{j.total} 个：{md(j.item)}，" if j.item else ""
    return f"{j.title}：{where}{j.step}（已用 {j.seconds} 秒）"


def watch(j: Job, note: str = "") -> None:
    """The job's progress bar, refreshed twice a second; when it finishes the whole page reruns
    (and shows the result). ``note`` is a caption under the bar."""

    @st.fragment(run_every=0.5)
    def _bar() -> None:
        if j.finished:
            st.rerun(scope="app")
        st.progress(j.fraction, text=_job_text(j))
        if note:
            st.caption(note)

    _bar()


def jobs_note() -> None:
    """In the sidebar, on every page: what is running in this workspace (an import a colleague
    started, too); the page refreshes once everything has finished."""
    if not _jobs().running(str(workspace_path())):
        return

    @st.fragment(run_every=1.0)
    def _note() -> None:
        running = _jobs().running(str(workspace_path()))
        if not running:
            st.rerun(scope="app")
        for j in running:
            st.progress(j.fraction, text=_job_text(j))

    with st.sidebar:
        _note()


QUICK_SECONDS = 2.0


def computed(fn: Callable[..., Any], *args: Any, title: str, **kwargs: Any) -> Any:
    """``fn(workspace, *args, on_step=…, **kwargs)`` computed in the background, once per
    workspace version and arguments: returns the result when it is ready (re-raising what the
    work raised), otherwise shows its progress and stops the page until it is."""
    ws = workspace()
    key = (version(), f"{fn.__module__}.{fn.__qualname__}", args, tuple(sorted(kwargs.items())))

    def work(progress: Progress) -> Any:
        return fn(ws, *args, on_step=lambda step: progress(0, 1, "", step), **kwargs)

    j = start_job(title, work, key=key)
    # Most computations take well under a second: waiting that long spares a flash of progress bar.
    if not j.wait(QUICK_SECONDS):
        watch(j, "可以先去看其他页面，计算会在后台继续，回来即可看到结果。")
        st.stop()
    if j.exc is not None:
        raise j.exc
    return j.result


# -- analysis queries ------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=256)
def _run(path: str, version: tuple[str, int], name: str, args: tuple, kwargs: tuple) -> Any:
    module, _, fn = name.rpartition(".")
    return getattr(importlib.import_module(module), fn)(_workspace(path), *args, **dict(kwargs))


def cached(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(workspace, *args, **kwargs)`` cached by workspace version: an import, undo or
    settings change shows fresh figures. ``fn`` must be a module-level function of ``core``
    whose arguments are hashable (Scope, dates, numbers, strings, tuples)."""
    return _run(str(workspace_path()), version(), f"{fn.__module__}.{fn.__qualname__}", args,
                tuple(sorted(kwargs.items())))


def deferred(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
    """:func:`cached` as a call for later (e.g. a download button's data, which Streamlit runs
    on another thread when the user clicks): the workspace version is the one shown now."""
    path, ver = str(workspace_path()), version()
    name, kw = f"{fn.__module__}.{fn.__qualname__}", tuple(sorted(kwargs.items()))
    return lambda: _run(path, ver, name, args, kw)


@st.cache_data(show_spinner=False, max_entries=16)
def _filter_options(path: str, version: tuple[str, int]) -> dict[str, Any]:
    return filter_options(_workspace(path))


def scope_sidebar(groups: bool = True) -> Scope:
    """The shared filters (date range, unit, group) in the sidebar; returns the Scope.

    Values persist across pages through session state keys ``f_dates``, ``f_units``, ``f_groups``."""
    opts = _filter_options(str(workspace_path()), version())
    with st.sidebar:
        st.markdown("**筛选**")
        start = end = None
        if opts["first"]:
            dates = st.date_input("时间范围", value=(opts["first"], opts["last"]), min_value=opts["first"],
                                  max_value=opts["last"], key="f_dates", format="YYYY-MM-DD",
                                  help="只统计这段时间内的消息（按本地日期，含首尾两天）")
            if isinstance(dates, (tuple, list)) and len(dates) == 2:
                start, end = dates
                if (start, end) == (opts["first"], opts["last"]):
                    start = end = None
        units = st.multiselect("单位/科室", opts["units"], key="f_units", placeholder="全部单位",
                               help="只看这些单位的干部，以及有这些单位干部的群")
        chosen: list[int] = []
        if groups:
            names = {gid: name for gid, name in opts["groups"]}
            chosen = st.multiselect("工作群", list(names), format_func=names.get, key="f_groups",
                                    placeholder="全部工作群")
    return Scope(start=start, end=end, units=tuple(units), groups=tuple(chosen))


def analysis_page(title: str, needs: str) -> Scope:
    """The head every analysis page shares: title, the sidebar filters, and either the period
    the figures cover or — with no data yet — what the page needs and the way to the import."""
    st.title(title)
    if is_empty():
        empty_state(needs)
        st.stop()
    scope = scope_sidebar()
    window_caption(scope)
    return scope


def window(scope: Scope) -> Window:
    return cached(window_of, scope)


def window_caption(scope: Scope) -> None:
    """One line under the title: the period every figure on the page covers."""
    w = window(scope)
    if w.lo is None:
        return
    text = f"统计期：{w.lo:%Y-%m-%d} 至 {w.hi:%Y-%m-%d}，共 {w.days} 天"
    if scope.units:
        text += f"；单位：{md_join(scope.units)}"
    if scope.groups:
        text += f"；已选 {len(scope.groups)} 个群"
    st.caption(text)
    gap = cached(empty_stretch, scope)
    if gap:
        first, last = gap
        st.warning(f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d} 共 {(last - first).days + 1} 天没有任何消息：各群导出的时段"
                   "不一致，统计期被拉长，“每天”的数字会偏低。可在左侧“时间范围”里只选有数据的时段。")
    if w.unknown_years:
        years = "、".join(str(y) for y in w.unknown_years)
        st.warning(f"法定节假日日历还不包含 {years} 年：这些年份按周一至周五上班计算。"
                   "可在“非工作时间”页的设置里补充放假和调休日期。")
