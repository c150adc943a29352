"""Who may open which workspace: access codes, one workspace per township, slowed-down guessing.

The operator configures access in ``.streamlit/secrets.toml`` (see ``secrets.toml.example``) or
with environment variables:

- one workspace (an office PC): ``QUNJIAN_WORKSPACE`` (file, default ``data/workspace.duckdb``)
  and optionally ``QUNJIAN_ACCESS_CODE`` / ``access_code = "…"``;
- a county server: a ``[workspaces.<key>]`` table per township with ``title``, ``code`` and
  optionally ``path`` (default ``data/workspaces/<key>.duckdb``). The code alone says which
  workspace a session opens, so a session never sees the list of other townships.

This module holds the rules; ``ui/access.py`` draws the login form.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from pydantic import BaseModel, ConfigDict

MIN_CODE_LENGTH = 6
FREE_ATTEMPTS = 3          # wrong codes before the waits start
MAX_WAIT_SECONDS = 300
FORGET_SECONDS = 24 * 3600  # a client's wrong codes count for this long after its last one


class AccessConfigError(ValueError):
    """The operator's access configuration is unusable (Chinese message, says how to fix it)."""


class WorkspaceSpec(BaseModel):
    """One workspace a code opens."""

    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    path: Path
    code: str | None = None

    def __repr__(self) -> str:  # never print a code into a log or a traceback
        return f"WorkspaceSpec(key={self.key!r}, title={self.title!r}, path={str(self.path)!r})"

    __str__ = __repr__


class AccessConfig(BaseModel):
    """Every workspace this server serves. ``multi``: one per township, each behind its code."""

    model_config = ConfigDict(frozen=True)

    workspaces: tuple[WorkspaceSpec, ...]
    multi: bool = False

    @property
    def needs_code(self) -> bool:
        return any(w.code for w in self.workspaces)

    def single(self) -> WorkspaceSpec:
        return self.workspaces[0]


def load_config(secrets: Mapping[str, Any], env: Mapping[str, str], root: Path) -> AccessConfig:
    """Read the access configuration from secrets (a mapping, as ``st.secrets.to_dict()``) and
    the environment. Raises :class:`AccessConfigError` for settings that would be unsafe to
    guess about (a township without a code, two townships with one code, a short code)."""
    tables = secrets.get("workspaces")
    if not tables:
        path = Path(env.get("QUNJIAN_WORKSPACE") or root / "data" / "workspace.duckdb")
        code = env.get("QUNJIAN_ACCESS_CODE") or secrets.get("access_code") or None
        if code is not None:
            _check_code(str(code), "access_code（或环境变量 QUNJIAN_ACCESS_CODE）")
        return AccessConfig(workspaces=(WorkspaceSpec(key="default", title=path.name, path=path,
                                                      code=str(code) if code else None),))
    if not isinstance(tables, Mapping):
        raise AccessConfigError("secrets.toml 中的 workspaces 应写成 [workspaces.乡镇代号] 这样的表，见 secrets.toml.example。")
    specs: list[WorkspaceSpec] = []
    for key, table in tables.items():
        where = f"[workspaces.{key}]"
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", str(key)):
            raise AccessConfigError(f"secrets.toml 中 {where} 的代号只能用英文字母、数字、- 和 _（它也是工作区文件名）。")
        if not isinstance(table, Mapping) or not table.get("code"):
            raise AccessConfigError(f"secrets.toml 中 {where} 没有设置 code（访问码）。每个乡镇的工作区都要有自己的访问码。")
        _check_code(str(table["code"]), f"{where} 的 code")
        raw_path = table.get("path")
        path = Path(raw_path) if raw_path else Path("data") / "workspaces" / f"{key}.duckdb"
        specs.append(WorkspaceSpec(key=str(key), title=str(table.get("title") or key),
                                   path=path if path.is_absolute() else root / path, code=str(table["code"])))
    codes = [s.code for s in specs]
    if len(set(codes)) != len(codes):
        raise AccessConfigError("secrets.toml 中有两个乡镇的访问码相同。访问码决定打开哪个工作区，请给每个乡镇设不同的访问码。")
    paths = [s.path.resolve() for s in specs]
    if len(set(paths)) != len(paths):
        raise AccessConfigError("secrets.toml 中有两个乡镇指向同一个工作区文件。请给每个乡镇一个自己的文件。")
    return AccessConfig(workspaces=tuple(specs), multi=True)


def _check_code(code: str, where: str) -> None:
    if len(code.strip()) < MIN_CODE_LENGTH:
        raise AccessConfigError(f"{where} 太短：访问码至少 {MIN_CODE_LENGTH} 位，建议用 10 位以上字母和数字的组合。")


def _digest(code: str) -> bytes:
    return hashlib.sha256(code.strip().encode("utf-8")).digest()


def match(config: AccessConfig, code: str) -> WorkspaceSpec | None:
    """The workspace ``code`` opens, or None. Every configured code is compared, each in
    constant time, so the time taken says nothing about which code came close."""
    given = _digest(code)
    found = None
    for spec in config.workspaces:
        if spec.code is not None and hmac.compare_digest(given, _digest(spec.code)):
            found = spec
    return found


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` is reachable from this machine only. An empty
    address makes Streamlit listen on every interface."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


class Throttle:
    """Slows down guessing: after ``FREE_ATTEMPTS`` wrong codes from one client, each further
    attempt must wait 2, 4, 8 … seconds (at most ``MAX_WAIT_SECONDS``). One instance serves the
    whole server, so opening a new browser tab does not reset the count."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._fails: dict[str, tuple[int, float]] = {}

    def wait(self, client: str) -> int:
        """Seconds ``client`` must still wait before its next attempt (0: may try now)."""
        with self._lock:
            count, last = self._fails.get(client, (0, 0.0))
        if count < FREE_ATTEMPTS:
            return 0
        delay = min(2 ** (count - FREE_ATTEMPTS + 1), MAX_WAIT_SECONDS)
        return max(0, int(last + delay - self._clock() + 0.999))

    def failed(self, client: str) -> None:
        with self._lock:
            now = self._clock()
            count, _ = self._fails.get(client, (0, 0.0))
            self._fails[client] = (count + 1, now)
            # Forget clients quiet for a day, so many addresses cannot grow the table for good.
            self._fails = {c: v for c, v in self._fails.items() if now - v[1] < FORGET_SECONDS}

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._fails.pop(client, None)
