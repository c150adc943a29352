"""The downloadable proposal on the sample township: the Excel and Word files are opened and
their figures compared with the plan; pseudonyms reach every cell; sources carry the hashes."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest

from core.analysis.base import Scope
from core.plan.build import build
from core.plan.proposal import export, gather, person_names
from core.workspace import Workspace
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def files(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The plan JSON, workbook and document written by the command line on a copy of the sample."""
    tmp = tmp_path_factory.mktemp("proposal")
    db = tmp / "ws.duckdb"
    db.write_bytes(sample_db.read_bytes())
    out = subprocess.run([sys.executable, "-m", "core", "plan", "--workspace", str(db), "--township", "青石镇",
                          "--xlsx", str(tmp / "p.xlsx"), "--docx", str(tmp / "p.docx")],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return {"plan": json.loads(out.stdout), "xlsx": tmp / "p.xlsx", "docx": tmp / "p.docx", "db": db}


def test_workbook_figures_equal_the_plan(files: dict) -> None:
    plan = files["plan"]
    wb = openpyxl.load_workbook(files["xlsx"])
    assert wb.sheetnames == ["概况", "群调整", "人员调整", "非工作时间", "消息质量", "违纪线索", "参数与数据来源"]
    rows = {r[0]: (r[1], r[2]) for r in wb["概况"].iter_rows(values_only=True) if r and isinstance(r[0], str)}
    b, a = plan["before"], plan["after"]
    assert rows["工作群（个）"] == (b["groups"], a["groups"]) == (34, 27)
    assert rows["入群人次"] == (b["memberships"], a["memberships"])
    assert rows["一人最多所在群数"] == (13, 3)
    assert rows["超过 3 个群的干部（人）"] == (b["over_cap"], 0)
    assert rows["每人每天要看的消息（中位数）"] == (b["messages_per_person_day_p50"], a["messages_per_person_day_p50"])
    # One row per group with the plan's action and target.
    sheet = wb["群调整"]
    header = [c.value for c in sheet[1]]
    got = {r[header.index("工作群")]: (r[header.index("建议")], r[header.index("并入")] or None)
           for r in sheet.iter_rows(min_row=2, values_only=True)}
    names = {"keep": "保留", "merge": "合并", "dissolve": "解散"}
    assert got == {x["group"]: (names[x["action"]], x["into"]) for x in plan["actions"]}
    # Every red packet and transfer is a lead (the sample plants 7).
    leads = [r for r in wb["违纪线索"].iter_rows(values_only=True) if r and r[3] in ("红包", "转账")]
    assert len(leads) == 7


def test_workbook_names_its_sources(files: dict) -> None:
    ws = Workspace(files["db"])
    try:
        hashes = {r[0] for r in ws.query("select sha256 from imports")}
    finally:
        ws.close()
    wb = openpyxl.load_workbook(files["xlsx"])
    cells = {c for row in wb["参数与数据来源"].iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert hashes and hashes <= cells


def test_command_line_exports_are_in_the_audit_log(files: dict) -> None:
    import hashlib

    ws = Workspace(files["db"])
    try:
        log = [(e["action"], e["detail"], e["sha256"]) for e in reversed(ws.audit_log()) if e["action"] == "export"]
    finally:
        ws.close()
    assert log == [
        ("export", "命令行导出整合方案（Excel）「p.xlsx」", hashlib.sha256(files["xlsx"].read_bytes()).hexdigest()),
        ("export", "命令行导出整合方案（Word）「p.docx」", hashlib.sha256(files["docx"].read_bytes()).hexdigest()),
    ]


def test_document_states_the_plan(files: dict) -> None:
    plan = files["plan"]
    d = docx.Document(files["docx"])
    text = [p.text for p in d.paragraphs]
    assert text[0] == "关于清理规范工作群的建议方案"
    assert [t for t in text if t[:2] in ("一、", "二、", "三、", "四、", "五、")] == [
        "一、基本情况", "二、存在问题", "三、整合方案", "四、人员入群调整", "五、群规建议"]
    assert any(t.startswith("建议将现有 34 个工作群精简为 27 个，每名干部原则上不超过 3 个群。") for t in text)
    assert text[-2:] == ["青石镇纪委", text[-1]] and text[-1].endswith("日")
    # 表2: one row per group, in the plan's actions.
    table = next(t for t in d.tables if t.rows[0].cells[1].text == "工作群")
    groups = {r.cells[1].text: r.cells[2].text for r in table.rows[1:]}
    assert groups == {x["group"]: {"keep": "保留", "merge": "合并", "dissolve": "解散"}[x["action"]]
                      for x in plan["actions"]}
    # 四: every cadre whose groups change.
    changed = sum(1 for x in plan["people"] if set(x["before"]) != set(x["after"]))
    assert f"共有 {changed} 名干部的入群情况需要调整" in "".join(text)


def test_pseudonyms_reach_every_cell(sample_ws: Workspace) -> None:
    names = [n for n in person_names(sample_ws) if len(n) >= 2]
    xlsx = export(sample_ws, Scope(), "xlsx", pseudonyms=True, cap=3)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    cells = " ".join(str(c) for s in wb.worksheets for row in s.iter_rows(values_only=True) for c in row if c)
    assert not [n for n in names if n in cells]
    assert re.search(r"干部\d{3}", cells)
    document = docx.Document(io.BytesIO(export(sample_ws, Scope(), "docx", pseudonyms=True, cap=3)))
    body = "\n".join(p.text for p in document.paragraphs) + "".join(
        c.text for t in document.tables for r in t.rows for c in r.cells)
    assert not [n for n in names if n in body]
    # The same person has the same code in the JSON and in the workbook.
    plan = json.loads(export(sample_ws, Scope(), "json", pseudonyms=True, cap=3))
    top = max(plan["people"], key=lambda x: (len(x["before"]), x["person"]))["person"]
    assert top.startswith("干部") and top in cells


def test_gather_counts_come_from_the_analysis(sample_ws: Workspace) -> None:
    plan = build(sample_ws, cap=3)
    p = gather(sample_ws, Scope(), plan, "青石镇")
    assert p["township"] == "青石镇" and p["window"] == {"start": "2026-03-02", "end": "2026-05-30", "days": 90}
    assert [f["label"] for f in p["figures"]][:2] == ["工作群（个）", "入群人次"]
    assert p["after_hours"]["messages"] == p["quality"]["total"] == sample_ws.query(
        "select count(*) from messages where kind not in ('system', 'recall')")[0][0]
    assert len(p["leads"]) == 7 and {x["kind"] for x in p["leads"]} == {"红包", "转账"}
    assert len(p["people"]) == sum(1 for x in plan["people"] if set(x["before"]) != set(x["after"]))
