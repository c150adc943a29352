"""Tiny workspaces for analysis tests, built in code through the real import pipeline.

Each helper writes one of our template CSVs (the way DingTalk or hand-kept data arrive) and
imports it, so the tests exercise exactly what a user's file goes through.

    ws = new_ws(tmp_path)
    directory(ws, tmp_path, [("王一", "党建办", "主任", True), ...])          # name, unit, position, leader
    groups(ws, tmp_path, [("甲群", "王一", "党建办", "科室", False), ...])     # name, owner, unit, category, emergency
    roster(ws, tmp_path, [("甲群", "王一", "群主"), ("甲群", "李二", "成员"), ...])
    messages(ws, tmp_path, [("甲群", "王一", "2026-05-11 09:00:00", "通知：…", "文本"), ...])
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Iterable, Sequence

from core.workspace import Workspace

_counter = itertools.count(1)


def new_ws(tmp_path: Path, name: str = "ws.duckdb") -> Workspace:
    return Workspace(tmp_path / name)


def _write_and_import(ws: Workspace, tmp_path: Path, stem: str, header: Sequence[str],
                      rows: Iterable[Sequence[object]]) -> None:
    path = tmp_path / f"{stem}_{next(_counter)}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    report = ws.import_file(path)
    assert not report.errors, report.errors
    assert report.rejected == 0, ws.rejects(report.import_id)


def directory(ws: Workspace, tmp_path: Path, rows: Iterable[tuple[str, str, str | None, bool]]) -> None:
    """Cadre directory rows: (name, unit, position, is_leader)."""
    _write_and_import(ws, tmp_path, "干部名册", ["姓名", "单位", "职务", "领导"],
                      [(n, u, p, "是" if lead else "否") for n, u, p, lead in rows])


def groups(ws: Workspace, tmp_path: Path,
           rows: Iterable[tuple[str, str | None, str | None, str | None, bool]]) -> None:
    """Group list rows: (name, owner, unit, category, emergency)."""
    _write_and_import(ws, tmp_path, "工作群清单", ["群名称", "群主", "单位", "类别", "应急群"],
                      [(n, o, u, c, "是" if e else "否") for n, o, u, c, e in rows])


def roster(ws: Workspace, tmp_path: Path, rows: Iterable[tuple[str, str, str]]) -> None:
    """Roster rows: (group name, member name, role 群主/管理员/成员)."""
    _write_and_import(ws, tmp_path, "群成员名单", ["群名称", "成员", "角色"], rows)


def messages(ws: Workspace, tmp_path: Path, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
    """Message rows: (group name, sender, local time 'YYYY-MM-DD HH:MM:SS', content, type 文本/图片/红包/…)."""
    _write_and_import(ws, tmp_path, "聊天记录", ["群名称", "发送人", "时间", "内容", "类型"], rows)
