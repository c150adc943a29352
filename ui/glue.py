"""The one module that holds Streamlit glue: the cached workspace and cached queries.

Query results are cached with ``st.cache_data`` keyed by the workspace version, which every
import, undo or settings change increments, so nothing stale is ever shown.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import streamlit as st

from core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
ICON = Path(__file__).with_name("icon.png")


def workspace_path() -> Path:
    return Path(os.environ.get("QUNJIAN_WORKSPACE", ROOT / "data" / "workspace.duckdb"))


@st.cache_resource(show_spinner=False)
def _workspace(path: str) -> Workspace:
    return Workspace(path)


def workspace() -> Workspace:
    return _workspace(str(workspace_path()))


def version() -> int:
    return workspace().version()


@st.cache_data(show_spinner=False, max_entries=64)
def _summary(path: str, version: int) -> dict[str, Any]:
    return _workspace(path).summary()


def summary() -> dict[str, Any]:
    return _summary(str(workspace_path()), version())


@st.cache_data(show_spinner=False, max_entries=64)
def _imports(path: str, version: int) -> list[dict[str, Any]]:
    return _workspace(path).imports()


def imports() -> list[dict[str, Any]]:
    return _imports(str(workspace_path()), version())


@st.cache_data(show_spinner=False, max_entries=64)
def _review(path: str, version: int) -> pd.DataFrame:
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


def progress_bar(start_text: str) -> Callable[[int, int, str, str], None]:
    """A progress bar and the ``on_progress(done, total, name, step)`` callback that drives it."""
    bar = st.progress(0.0, text=start_text)

    def update(done: int, total: int, name: str, step: str) -> None:
        text = f"第 {min(done + 1, total)}/{total} 个：{name} {step}" if name else step
        bar.progress(done / max(total, 1), text=text)

    return update
