"""A million-row WeChatMsg v2 export with malformed rows in the middle, through the real pipeline
(``Workspace.import_file``): each malformed row is rejected on its own with a Chinese reason and
its exact line, and every other row is loaded."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest

from core.workspace import Workspace

N = 1_000_000
HEADER = "消息ID,类型,发送人,时间,内容,备注,昵称,更多信息"
FIRST_ID = 7_000_000_000_000_000_000
START = dt.datetime(2026, 3, 2, 8, 0, 0)

# Data row i stands on physical line i + 2 (line 1 is the header).
BAD_TIME, TOO_MANY, TOO_FEW, UNCLOSED_QUOTE = 200_000, 400_000, 600_000, 800_000


def _write_export(path: Path) -> None:
    senders = [f"党建办-干部{k:02d}" for k in range(50)]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(HEADER + "\r\n")
        rows: list[str] = []
        for i in range(N):
            # One message per second: no two rows share a second, so none is a duplicate.
            when = (START + dt.timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S")
            who = senders[i % 50]
            text = f"第{i}条：请各村今天下班前报送台账"
            if i == BAD_TIME:
                when = "2026-02-30 25:61:00"
            elif i == TOO_MANY:
                text += ",多出来的一列"              # an unquoted comma: nine fields
            elif i == UNCLOSED_QUOTE:
                text = '"' + text                   # a quote that is never closed
            if i == TOO_FEW:
                rows.append(f"{FIRST_ID + i},文本,{who},{when}\r\n")   # cut after four fields
            else:
                rows.append(f"{FIRST_ID + i},文本,{who},{when},{text},{who},{who},more\r\n")
            if len(rows) == 50_000:
                fh.write("".join(rows))
                rows.clear()
        fh.write("".join(rows))


@pytest.mark.slow
def test_malformed_rows_in_a_million_row_export(tmp_path: Path) -> None:
    path = tmp_path / "全镇工作大群.csv"
    _write_export(path)
    ws = Workspace(tmp_path / "x.duckdb")
    start = time.perf_counter()
    report = ws.import_file(path)
    elapsed = time.perf_counter() - start

    assert report.errors == [] and report.format == "wechatmsg_v2", report
    assert (report.rows, report.loaded, report.duplicates, report.rejected) == (N, N - 4, 0, 4), report
    rejects = ws.rejects(report.import_id)
    assert [line for line, _reason, _raw in rejects] == [BAD_TIME + 2, TOO_MANY + 2, TOO_FEW + 2, UNCLOSED_QUOTE + 2]
    reasons = {line: reason for line, reason, _raw in rejects}
    assert all(re.search(r"[\u4e00-\u9fff]", r) for r in reasons.values())
    assert reasons[BAD_TIME + 2].startswith("时间「2026-02-30 25:61:00」无法识别")
    assert reasons[TOO_MANY + 2] == "这一行的列数多于表头（可能内容里有未加引号的逗号），请检查该行。"
    assert reasons[TOO_FEW + 2] == "这一行的列数少于表头（可能被截断），请检查该行。"
    assert reasons[UNCLOSED_QUOTE + 2] == "这一行的引号不配对，请检查该行。"
    # The unclosed quote's reject holds that one line only; the 199,999 rows after it load.
    raw = {line: raw for line, _reason, raw in rejects}[UNCLOSED_QUOTE + 2]
    assert raw == f'{FIRST_ID + UNCLOSED_QUOTE},文本,党建办-干部00,2026-03-11 14:13:20,"第800000条：请各村今天下班前报送台账,' \
                  "党建办-干部00,党建办-干部00,more"

    assert ws.summary()["messages"] == N - 4
    # Every loaded row keeps its own physical line and text, around each malformed row too.
    around = sorted({i + d for i in (BAD_TIME, TOO_MANY, TOO_FEW, UNCLOSED_QUOTE) for d in (-1, 1)} | {0, N - 1})
    got = ws.query("select line, text from messages where line in (select unnest(?)) order by line",
                   [[i + 2 for i in around]])
    assert got == [(i + 2, f"第{i}条：请各村今天下班前报送台账") for i in around]
    assert ws.query("select min(line), max(line), count(distinct line) from messages") == [(2, N + 1, N - 4)]
    ws.close()
    print(f"import of {N:,} rows: {elapsed:.1f} s")
    assert elapsed < 90, elapsed
