"""A process killed (SIGKILL) in the middle of an import.

A child process imports one file completely, then stalls inside the second import — either
while the reader is still staging, or inside the import transaction just before its commit —
and prints a marker. The parent kills it there with SIGKILL, reopens the workspace and checks:
it opens, it holds the first import complete and nothing of the second, no scratch copy of the
second file is left on disk, and the second file imports again with exact counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

HEADER = ["群名称", "发送人", "时间", "内容", "类型"]
FIRST_ROWS = [
    ("甲群", "王一", "2026-05-11 09:00:00", "通知：明天上午九点开会", "文本"),
    ("甲群", "李二", "2026-05-11 09:01:00", "收到", "文本"),
    ("乙群", "王一", "2026-05-11 10:00:00", "请今天下班前报送台账", "文本"),
    ("乙群", "张三", "2026-05-11 10:02:00", "好的", "文本"),
]
# The second file: 130,000 messages (more than one DuckDB row group of 122,880 rows, so the
# uncommitted transaction writes blocks to the database file before it is killed) from ten
# people in two new groups. Sender i % 10 always lands in the same group (even → 丁群).
SENDERS = ["周一", "周二", "周三", "周四", "周五", "吴六", "吴七", "郑八", "郑九", "冯十"]
BIG = 130_000
START = dt.datetime(2026, 5, 1, 8, 0, 0)

FIRST_SUMMARY = {"groups": 2, "people": 3, "memberships": 4, "messages": 4, "system_messages": 0,
                 "first_message_at": "2026-05-11T09:00:00+08:00", "last_message_at": "2026-05-11T10:02:00+08:00"}
BOTH_SUMMARY = {"groups": 4, "people": 13, "memberships": 14, "messages": 130_004, "system_messages": 0,
                "first_message_at": "2026-05-01T08:00:00+08:00", "last_message_at": "2026-05-11T10:02:00+08:00"}


def write_chat(path: Path, rows: list[tuple[str, ...]] | object, encoding: str = "utf-8-sig") -> Path:
    """A message template CSV (群名称, 发送人, 时间, 内容, 类型)."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)  # type: ignore[arg-type]
    return path


def big_rows() -> object:
    return (("丙群" if i % 2 else "丁群", SENDERS[i % 10], (START + dt.timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S"),
             f"第{i}条工作消息", "文本") for i in range(BIG))


# The child: import FIRST completely, then stall at STAGE of importing SECOND and wait to be killed.
CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from core.workspace import Workspace
import core.formats.csvsql as csvsql

db, first, second, stage = sys.argv[2:6]

def stall(marker):
    print(marker, flush=True)
    time.sleep(600)
    print("NOT KILLED", flush=True)

ws = Workspace(db)
report = ws.import_file(first)
assert not report.errors and report.loaded == 4, report
print("FIRST DONE", flush=True)

if stage == "staging":
    # The reader is inside its CSV loader: DuckDB has parsed the file into a TEMP table, its
    # transcoded UTF-8 copy is still in the scratch folder, nothing is in the stage tables yet
    # and no transaction has begun.
    def stall_in_scan(*args, **kwargs):
        stall("STAGING")
    csvsql._scan = stall_in_scan
else:
    # Everything of the import is written inside the transaction; commit comes next.
    bump = Workspace._bump
    def bump_then_stall(self, cur):
        bump(self, cur)
        assert cur.execute("select count(*) from messages").fetchall()[0][0] == 130004
        stall("BEFORE COMMIT")
    Workspace._bump = bump_then_stall

ws.import_file(second)
"""


def _wait_for(proc: subprocess.Popen, marker: str, timeout: float = 180) -> list[str]:
    """Read the child's stdout until a line equals ``marker``; return the lines read."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if lines[-1] == marker:
                return lines
        elif proc.poll() is not None:
            break
    proc.kill()
    _, err = proc.communicate(timeout=30)
    pytest.fail(f"child never printed {marker!r}; stdout {lines}, stderr {err[-3000:]}")


def own_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("stage, marker", [("staging", "STAGING"), ("commit", "BEFORE COMMIT")])
def test_killed_import_leaves_earlier_imports_complete_and_nothing_of_itself(tmp_path: Path, stage: str,
                                                                              marker: str) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    first = write_chat(inputs / "第一批.csv", FIRST_ROWS)
    # GB18030, as Excel re-saves it: the reader transcodes it into the scratch folder first.
    second = write_chat(inputs / "第二批.csv", big_rows(), encoding="gb18030")
    folder = tmp_path / "ws"
    db = folder / "ws.duckdb"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")

    proc = subprocess.Popen([sys.executable, str(script), str(ROOT), str(db), str(first), str(second), stage],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert _wait_for(proc, marker) == ["FIRST DONE", marker]
        if stage == "staging":
            # Proof that the kill lands mid-import: the transcoded copy is on disk right now.
            scratch = [p for p in folder.iterdir() if p.name.startswith(".qunjian-tmp-")]
            assert len(scratch) == 1 and scratch[0].is_dir()
            assert len([f for f in scratch[0].iterdir() if f.suffix == ".csv"]) == 1
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)

    ws = Workspace(db)
    try:
        # Earlier import complete, nothing of the killed one.
        assert [(i["id"], i["file_name"], i["rows"], i["loaded"], i["duplicates"], i["rejected"])
                for i in ws.imports()] == [(1, "第一批.csv", 4, 4, 0, 0)]
        assert ws.summary() == FIRST_SUMMARY
        assert ws.query("select count(*) from messages where text like '第%条工作消息'") == [(0,)]
        assert ws.query("select count(*) from account_names where import_id <> 1") == [(0,)]
        assert ws.query("select count(*) from accounts") == [(5,)]  # 甲群 乙群 王一 李二 张三
        assert ws.query("select action from audit order by id") == [("import",)]
        assert ws.version() == 2  # the new file's classifier stamp, then the first import
        # The scratch folder the killed process left (with its transcoded copy of the chat) is
        # gone: only DuckDB's own files remain beside the workspace.
        assert set(own_files(folder)) <= {"ws.duckdb", "ws.duckdb.wal", "ws.duckdb.tmp"}, own_files(folder)
        assert "ws.duckdb" in own_files(folder)

        # The same file imports again, completely.
        report = ws.import_file(second)
        assert report.errors == []
        assert (report.import_id, report.rows, report.loaded, report.duplicates, report.rejected) == (2, BIG, BIG, 0, 0)
        assert ws.summary() == BOTH_SUMMARY
        assert [(i["id"], i["file_name"], i["loaded"]) for i in ws.imports()] == [
            (2, "第二批.csv", BIG), (1, "第一批.csv", 4)]
        assert ws.query("select g.name, count(*) from messages m join group_map gm on gm.account_id = m.group_account_id "
                        "join groups g on g.id = gm.group_id group by 1 order by 1") == [("丁群", 65_000), ("丙群", 65_000), ("乙群", 2), ("甲群", 2)]
        assert ws.version() == 3
    finally:
        ws.close()
    assert set(own_files(folder)) <= {"ws.duckdb", "ws.duckdb.wal", "ws.duckdb.tmp"}

    # And the result survives a clean reopen.
    ws = Workspace(db)
    try:
        assert ws.summary() == BOTH_SUMMARY
    finally:
        ws.close()
