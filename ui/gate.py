"""The access gate: which workspace this browser session may open, and the code form that asks.

Every page reaches the workspace through :func:`current_workspace`, so no page, query or
download can run before the gate has been passed.
"""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from core.access import AccessConfig, AccessConfigError, Throttle, WorkspaceSpec, is_loopback, load_config, match

ROOT = Path(__file__).resolve().parents[1]
SESSION_KEY = "_qunjian_workspace_key"   # set only here, never by a widget
DELETED_NOTICE = "_deleted_notice"       # what the last deletion removed, shown once
FAILED_ATTEMPT_PAUSE = 1.0               # seconds every wrong code costs, on top of the Throttle


def access_config() -> AccessConfig:
    """The operator's configuration (raises AccessConfigError when it is unusable). A broken
    secrets.toml is an error, not "no codes": guessing would open the data to everyone."""
    import os

    try:
        secrets = st.secrets.to_dict()
    except StreamlitSecretNotFoundError:
        secrets = {}
    except Exception as exc:  # a malformed secrets.toml
        raise AccessConfigError(f"无法读取 .streamlit/secrets.toml（{type(exc).__name__}）。请按 secrets.toml.example 检查格式。") from None
    env = {k: os.environ[k] for k in ("QUNJIAN_WORKSPACE", "QUNJIAN_ACCESS_CODE") if k in os.environ}
    return _config(json.dumps([secrets, env], sort_keys=True, default=str))


@functools.lru_cache(maxsize=8)
def _config(settings: str) -> AccessConfig:
    """load_config, once per distinct configuration: every query of a page asks for its
    workspace, and checking a county's townships resolves every path on disk."""
    secrets, env = json.loads(settings)
    return load_config(secrets, env, ROOT)


@st.cache_resource(show_spinner=False)
def _throttle() -> Throttle:
    return Throttle()


def _client() -> str:
    """Whom to slow down: the browser's address. Without one (a test harness) every attempt
    counts against one shared key, which slows everybody rather than nobody."""
    ip = getattr(st.context, "ip_address", None)
    return f"ip:{ip}" if isinstance(ip, str) and ip else "unknown"


def _hide_navigation() -> None:
    """Before the gate is passed there is nothing to navigate to: replace the page list
    Streamlit would otherwise show for the pages/ folder with a hidden one."""
    st.navigation([st.Page(str(ROOT / "pages" / "home.py"), title="群鉴")], position="hidden")


def _refuse(title: str, body: str) -> None:
    _hide_navigation()
    st.title("群鉴 · 工作群精简分析")
    st.error(title)
    st.markdown(body)
    st.stop()


OPEN_WITHOUT_CODE = """为保护聊天记录，服务对其他电脑开放时必须设置访问码。任选一种方法后重新启动：

1. 只在本机使用：去掉启动参数里的 `--server.address`（默认只允许本机访问）；
2. 设置访问码：在 `.streamlit/secrets.toml` 中写一行 `access_code = "至少6位的访问码"`，
   或启动前设置环境变量 `QUNJIAN_ACCESS_CODE`；
3. 全县一台服务器、每个乡镇一个工作区：按 `.streamlit/secrets.toml.example` 为每个乡镇写
   `[workspaces.代号]`，各设自己的访问码。"""


def current_workspace() -> WorkspaceSpec:
    """This session's workspace. Draws the code form (or the refusal) and stops the page when
    the session may not open any workspace yet."""
    try:
        config = access_config()
    except AccessConfigError as exc:
        _refuse("访问设置有误，暂不显示任何数据。", str(exc))
    if not config.needs_code:
        address = st.get_option("server.address")
        if not is_loopback(address):
            shown = address or "所有网卡"
            _refuse(f"本服务正对其他电脑开放（监听地址：{shown}），但没有设置访问码，所以不显示任何数据。",
                    OPEN_WITHOUT_CODE)
        return config.single()
    key = st.session_state.get(SESSION_KEY)
    for spec in config.workspaces:
        if spec.key == key:
            return spec
    _login(config)
    raise AssertionError("unreachable: _login stops the page")


def _login(config: AccessConfig) -> None:
    _hide_navigation()
    st.title("群鉴 · 工作群精简分析")
    if notice := st.session_state.pop(DELETED_NOTICE, None):
        st.success(notice)
    st.write("本系统中的聊天记录和人员名单只供本单位纪检人员查看。请输入管理员给您的访问码。")
    throttle, client = _throttle(), _client()
    with st.form("access_code"):
        code = st.text_input("访问码", type="password", autocomplete="off")
        submitted = st.form_submit_button("进入", type="primary")
    if submitted:
        wait = throttle.wait(client)
        if wait:
            st.error(f"访问码输错次数较多，请 {wait} 秒后再试。")
        elif code.strip() and (spec := match(config, code)) is not None:
            throttle.succeeded(client)
            st.session_state[SESSION_KEY] = spec.key
            st.rerun()
        else:
            throttle.failed(client)
            time.sleep(FAILED_ATTEMPT_PAUSE)
            wait = throttle.wait(client)
            st.error("访问码不正确。" + (f"输错次数较多，请 {wait} 秒后再试。" if wait else "请检查后重新输入。"))
    st.stop()


def signed_in() -> bool:
    return bool(st.session_state.get(SESSION_KEY))


def sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)
