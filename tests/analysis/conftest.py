"""Fixtures for the analysis tests, on copies of the session's sample township (``sample_db``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sample_ws(sample_db: Path, tmp_path: Path) -> Workspace:
    """A private copy of the sample workspace, opened."""
    copy = tmp_path / "sample.duckdb"
    shutil.copy(sample_db, copy)
    ws = Workspace(copy)
    yield ws
    ws.close()


@pytest.fixture
def sample_app(sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``page(path)`` → an AppTest of the whole app switched to ``path`` on a copy of the sample."""
    copy = tmp_path / "app.duckdb"
    shutil.copy(sample_db, copy)
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(copy))
    monkeypatch.chdir(ROOT)

    def page(path: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.switch_page(path).run()
        return at

    return page
