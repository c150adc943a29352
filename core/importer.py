"""Importing several files at once (upload batches, the sample township, the CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from core.workspace import ImportReport, Workspace

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_data" / "township"
IMPORTABLE = {".csv", ".txt", ".xlsx", ".json", ".jsonl"}


def sample_files(folder: Path = SAMPLE_DIR) -> list[Path]:
    """The sample township's files, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMPORTABLE)


def import_many(ws: Workspace, files: Iterable[tuple[Path, str]], group_name: str | None = None,
                on_progress: Callable[[int, int, str, str], None] | None = None) -> list[ImportReport]:
    """Import (path, display name) pairs one by one, each in its own transaction.

    ``on_progress(done, total, file name, step)`` is called as files and steps advance.
    """
    items = list(files)
    reports = []
    for i, (path, name) in enumerate(items):
        def step(label: str, i: int = i, name: str = name) -> None:
            if on_progress:
                on_progress(i, len(items), name, label)

        reports.append(ws.import_file(path, name=name, group_name=group_name, on_step=step))
    if on_progress:
        on_progress(len(items), len(items), "", "完成")
    return reports


def load_sample(ws: Workspace, on_progress: Callable[[int, int, str, str], None] | None = None) -> list[ImportReport]:
    return import_many(ws, [(p, p.name) for p in sample_files()], on_progress=on_progress)


def import_uploads(ws: Workspace, uploads: Iterable[tuple[str, bytes]], group_name: str | None = None,
                   on_progress: Callable[[int, int, str, str], None] | None = None) -> list[ImportReport]:
    """Import uploaded files given as (name, bytes): each is written into the workspace's private
    scratch folder (removed afterwards) and imported as by :func:`import_many`."""
    from core.workspace import copy_upload

    items = list(uploads)
    with ws.scratch() as tmp:
        # A numbered copy: two uploads may carry the same name; reports keep the user's name.
        pairs = [(copy_upload(data, f"{i:03d}_{name}", tmp), name) for i, (name, data) in enumerate(items)]
        return import_many(ws, pairs, group_name=group_name, on_progress=on_progress)
