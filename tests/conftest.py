"""Shared test helpers. Fixtures are built in code, small and deterministic."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# ../shared/formats beside the repository (present in CI's clean clone as well).
SHARED_FORMATS = ROOT.parent / "shared" / "formats"

from core.formats.base import ReadOptions, ReadResult, Source, create_stage, make_sample  # noqa: E402
from core.workspace import Workspace  # noqa: E402


def stage_file(module: Any, path: Path, name: str | None = None, tmp: Path | None = None,
               **opts: Any) -> tuple[ReadResult, dict[str, list[dict[str, Any]]]]:
    """Run one reader on ``path`` into fresh stage tables; return its result and the staged rows
    per table (each row a dict, in staging order)."""
    con = duckdb.connect()
    create_stage(con)
    src = Source(Path(path), name or Path(path).name)
    read_opts = ReadOptions(workdir=str(tmp or path.parent), **opts)
    result = module.read(src, con, read_opts)
    out: dict[str, list[dict[str, Any]]] = {}
    for table in ("stage_messages", "stage_members", "stage_groups", "stage_people"):
        cur = con.execute(f"select * from {table} order by line nulls last")
        cols = [d[0] for d in cur.description]
        out[table] = [dict(zip(cols, r)) for r in cur.fetchall()]
    con.close()
    return result, out


def workbook_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An .xlsx file holding ``sheets`` (title → rows), built in memory."""
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        sheet = wb.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def detect_score(module: Any, path: Path, name: str | None = None) -> float:
    return module.detect(make_sample(Source(Path(path), name or Path(path).name)))


@pytest.fixture
def shared_formats() -> Path:
    assert SHARED_FORMATS.is_dir(), f"expected the format examples at {SHARED_FORMATS}"
    return SHARED_FORMATS


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace file holding the whole sample township, imported once per test session
    (read-only: copy it before changing anything)."""
    from core.importer import load_sample

    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    ws = Workspace(path)
    reports = load_sample(ws)
    ws.close()
    assert not [r.errors for r in reports if r.errors]
    return path


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


def settle(at: AppTest, timeout: float = 300.0) -> AppTest:
    """Let the app's background work (imports, plans) finish, then rerun the page, as the
    browser's progress bar does on its own."""
    from ui.glue import _jobs

    assert _jobs().wait(timeout), "background work did not finish"
    return at.run()


@pytest.fixture(autouse=True, scope="session")
def _no_background_work_left() -> Any:
    """Background jobs run on daemon threads: let them finish before the interpreter exits
    (DuckDB aborts the process when a thread dies inside it)."""
    yield
    glue = sys.modules.get("ui.glue")
    if glue is not None:
        glue._jobs().wait(600)
