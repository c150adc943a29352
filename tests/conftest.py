"""Shared test helpers. Fixtures are built in code, small and deterministic."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# ../shared/formats beside the repository (present in CI's clean clone as well).
SHARED_FORMATS = ROOT.parent / "shared" / "formats"

from core.formats.base import ReadOptions, ReadResult, Source, create_stage, make_sample  # noqa: E402


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
    from core.workspace import Workspace

    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    ws = Workspace(path)
    reports = load_sample(ws)
    ws.close()
    assert not [r.errors for r in reports if r.errors]
    return path
