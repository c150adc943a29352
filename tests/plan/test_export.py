"""The proposal as XLSX and DOCX: open the bytes with openpyxl / python-docx and check exact values.

Every name below is invented.
"""

from __future__ import annotations

import copy
import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from core.plan.export_docx import HEADINGS, RULES, to_docx
from core.plan.export_xlsx import SHEETS, escape_cell, figure_kind, to_xlsx

ROOT = Path(__file__).resolve().parents[2]
EVIL = "=cmd|' /C calc'!A0"


def proposal() -> dict[str, Any]:
    before = {"groups": 34, "memberships": 869, "mean_groups_per_person": 4.39, "max_groups_per_person": 13,
              "p90_groups_per_person": 7, "over_cap": 116, "messages_per_person_day_p50": 63.5,
              "messages_per_person_day_p90": 102.0, "messages_per_person_day_max": 180.2,
              "reading_minutes_per_week": 12345.0}
    after = {"groups": 27, "memberships": 560, "mean_groups_per_person": 2.83, "max_groups_per_person": 3,
             "p90_groups_per_person": 3, "over_cap": 0, "messages_per_person_day_p50": 40.1,
             "messages_per_person_day_p90": 66.0, "messages_per_person_day_max": 95.5,
             "reading_minutes_per_week": 8024.0}
    return {
        "title": "关于清理规范工作群的建议方案",
        "township": "青石镇",
        "generated_on": "2026-11-21",
        "window": {"start": "2026-03-01", "end": "2026-05-31", "days": 92},
        "plan": {
            "cap": 3, "feasible": True, "before": before, "after": after,
            "saved": {"reading_minutes_per_week": 4321.0, "duplicate_notices_per_week": 12.5},
            "actions": [
                {"group": "青石镇政府工作群", "action": "keep", "into": None, "reason": "全镇工作部署"},
                {"group": "党建办通知群", "action": "merge", "into": "青石镇政府工作群", "reason": "成员与政府工作群重合"},
                {"group": "春耕物资群", "action": "dissolve", "into": None, "reason": EVIL},
            ],
            "people": [{"person": "王晓东", "before": ["青石镇政府工作群", "党建办通知群"],
                        "after": ["青石镇政府工作群"]},
                       {"person": "李春梅", "before": ["春耕物资群"], "after": ["青石镇政府工作群"]}],
            "conflicts": [], "min_feasible_cap": None,
        },
        "figures": [
            {"label": "工作群（个）", "before": 34, "after": 27},
            {"label": "入群人次", "before": 869, "after": 560},
            {"label": "人均加入群数", "before": 4.39, "after": 2.83},
            {"label": "每人每天要看消息·中位数（条）", "before": 63.5, "after": 40.1},
            {"label": "全体每周阅读时间（分钟）", "before": 12345.0, "after": 8024.0},
        ],
        "groups": [
            {"group": "青石镇政府工作群", "action": "保留", "into": "", "reason": "全镇工作部署",
             "members": 40, "messages_per_day": 12.3, "last_message": "2026-05-30", "owner": "王晓东",
             "unit": "党政办"},
            {"group": "党建办通知群", "action": "合并", "into": "青石镇政府工作群", "reason": "成员与政府工作群重合",
             "members": 25, "messages_per_day": 3.5, "last_message": "2026-05-28", "owner": "李春梅",
             "unit": "党建办"},
            {"group": "春耕物资群", "action": "解散", "into": "", "reason": EVIL,
             "members": 9, "messages_per_day": 0.1, "last_message": "", "owner": "", "unit": ""},
        ],
        "people": [
            {"person": "王晓东", "unit": "党政办", "before": 2, "after": 1, "left": ["党建办通知群"], "joined": [],
             "load_before": 15.8, "load_after": 12.3, "why": "党建办通知群并入政府工作群"},
            {"person": "李春梅", "unit": "", "before": 1, "after": 1, "left": ["春耕物资群"],
             "joined": ["青石镇政府工作群"], "load_before": 0.1, "load_after": 12.3, "why": "+原群解散"},
        ],
        "after_hours": {"finding": "非工作时间消息占比偏高。", "messages": 32041, "after_hours": 5000,
                        "share": 0.156, "late_night": 800,
                        "groups": [{"group": "防汛值班群", "after_hours": 300, "share": 0.2}],
                        "senders": [{"person": "周立新", "unit": "水利站", "after_hours": 120, "late_night": 30}]},
        "quality": {"finding": "“收到”类回复较多。", "total": 32041,
                    "categories": [{"category": "收到/确认", "messages": 9000, "share": 0.28},
                                   {"category": "转发文件", "messages": 4000, "share": 0.125}],
                    "duplicates": {"notices": 40, "copies": 130}},
        "leads": [{"time": "2026-04-03 21:15", "group": "石桥村网格群", "sender": "孙海燕", "kind": "红包",
                   "text": "@所有人 节日快乐", "amount": 200.0},
                  {"time": "2026-04-05 10:02", "group": "石桥村网格群", "sender": "孙海燕", "kind": "转账",
                   "text": "", "amount": None}],
        "sources": [{"file": "-export.csv", "format": "CSV", "kind": "消息", "platform": "微信", "rows": 100,
                     "loaded": 99, "rejected": 1, "sha256": "ab" * 32, "first": "2026-03-01 08:00",
                     "last": "2026-05-31 22:10", "imported_at": "2026-11-21 10:00"}],
        "parameters": [{"name": "每人最多群数 K", "value": "3", "note": "县纪委要求"},
                       {"name": "工作时间", "value": "08:30-17:30", "note": ""}],
    }


def empty_proposal() -> dict[str, Any]:
    p = proposal()
    p["township"] = None
    for key in ("figures", "groups", "people", "leads", "sources", "parameters"):
        p[key] = []
    p["after_hours"] = {"finding": "", "messages": 0, "after_hours": 0, "share": 0.0, "late_night": 0,
                        "groups": [], "senders": []}
    p["quality"] = {"finding": "", "total": 0, "categories": [], "duplicates": {"notices": 0, "copies": 0}}
    return p


def infeasible_proposal() -> dict[str, Any]:
    p = proposal()
    p["plan"]["feasible"] = False
    p["plan"]["min_feasible_cap"] = 5
    p["plan"]["conflicts"] = ["王晓东 是 5 个群的群主，超过上限 3", "李春梅 必须留在 党建办通知群"]
    p["plan"]["after"]["groups"] = 30
    return p


def open_xlsx(p: dict[str, Any]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(to_xlsx(p)))


def rows(ws: Any, first: int, ncols: int) -> list[list[Any]]:
    """Values from row ``first`` (1-based) down to the first empty A cell."""
    out = []
    r = first
    while ws.cell(r, 1).value is not None:
        out.append([ws.cell(r, c).value for c in range(1, ncols + 1)])
        r += 1
    return out


def find_row(ws: Any, text: str) -> int:
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value == text:
            return r
    raise AssertionError(f"{text!r} not in column A of {ws.title}")


# -- xlsx ----------------------------------------------------------------------------------------

def test_escape_cell() -> None:
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", EVIL):
        assert escape_cell(bad) == "'" + bad
    for good in ("", "王晓东", "1-2", "a=b", "'=already"):
        assert escape_cell(good) == good


def test_sheet_names() -> None:
    wb = open_xlsx(proposal())
    assert wb.sheetnames == list(SHEETS) == ["概况", "群调整", "人员调整", "非工作时间", "消息质量", "违纪线索",
                                              "参数与数据来源"]


def test_overview_header_and_figures_table() -> None:
    p = proposal()
    ws = open_xlsx(p)["概况"]
    assert ws["A1"].value == "关于清理规范工作群的建议方案"
    assert [ws.cell(r, 2).value for r in range(3, 8)] == ["青石镇", "2026-03-01 至 2026-05-31（共 92 天）",
                                                         "2026-11-21", 3, "可行"]
    header = find_row(ws, "指标")
    assert [ws.cell(header, c).value for c in range(1, 6)] == ["指标", "调整前", "调整后", "变化", "变化幅度"]
    got = rows(ws, header + 1, 5)
    assert [r[:3] for r in got] == [[f["label"], f["before"], f["after"]] for f in p["figures"]]
    assert [r[3] for r in got] == [pytest.approx(f["after"] - f["before"]) for f in p["figures"]]
    assert got[0][4] == pytest.approx(-7 / 34)
    assert all(ws.cell(r, c).data_type == "n" for r in range(header + 1, header + 6) for c in (2, 3, 4))


def test_overview_charts_reference_the_figures_cells() -> None:
    p = proposal()
    data = to_xlsx(p)
    ws = openpyxl.load_workbook(io.BytesIO(data))["概况"]
    header = find_row(ws, "指标")
    first = header + 1
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert names == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
        counts, load = (z.read(n).decode("utf-8") for n in names)
        drawing_rels = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode("utf-8")
    assert "drawing" in drawing_rels  # the charts sit on the first sheet, 概况
    # Counts: 工作群, 入群人次, 人均加入群数 (rows first..first+2); load: the last two figures.
    assert f"概况!$A${first}:$A${first + 2}" in counts
    assert f"概况!$B${first}:$B${first + 2}" in counts and f"概况!$C${first}:$C${first + 2}" in counts
    assert f"概况!$B${first + 3}:$B${first + 4}" in load and f"概况!$C${first + 3}:$C${first + 4}" in load
    assert "<c:barChart>" in counts and '<c:barDir val="col"/>' in counts and '<c:grouping val="clustered"/>' in counts
    # The series names are the header cells 调整前 / 调整后.
    assert f"概况!$B${header}" in counts and f"概况!$C${header}" in counts
    assert [figure_kind(f) for f in p["figures"]] == ["count", "count", "count", "load", "load"]


def test_interleaved_figures_use_non_contiguous_ranges() -> None:
    p = proposal()
    p["figures"] = [p["figures"][0], p["figures"][3], p["figures"][1], {"label": "其他", "before": 1, "after": 1,
                                                                        "kind": "load"}]
    data = to_xlsx(p)
    first = find_row(openpyxl.load_workbook(io.BytesIO(data))["概况"], "指标") + 1
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        counts = z.read("xl/charts/chart1.xml").decode("utf-8")
        load = z.read("xl/charts/chart2.xml").decode("utf-8")
    assert f"(概况!$B${first},概况!$B${first + 2})" in counts
    assert f"(概况!$B${first + 1},概况!$B${first + 3})" in load


def test_figure_kind_none_stays_out_of_the_charts() -> None:
    p = proposal()
    for f in p["figures"]:
        f["kind"] = "none" if f["label"] != "工作群（个）" else "count"
    data = to_xlsx(p)
    first = find_row(openpyxl.load_workbook(io.BytesIO(data))["概况"], "指标") + 1
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts == ["xl/charts/chart1.xml"]
        assert f"<c:f>概况!$B${first}</c:f>" in z.read(charts[0]).decode("utf-8")


def test_group_rows_match_and_formula_is_inert() -> None:
    p = proposal()
    ws = open_xlsx(p)["群调整"]
    assert [c.value for c in ws[1]] == ["工作群", "建议", "并入", "理由", "成员数", "日均消息", "最后消息", "群主", "单位"]
    expected = [[g["group"], g["action"], g["into"] or None, escape_cell(g["reason"]), g["members"],
                 g["messages_per_day"], g["last_message"] or None, g["owner"] or None, g["unit"] or None]
                for g in p["groups"]]
    assert rows(ws, 2, 9) == expected
    evil = ws.cell(4, 4)
    assert evil.value == "'" + EVIL and evil.data_type == "s"
    assert ws.cell(2, 5).data_type == "n" and ws.cell(2, 6).data_type == "n"
    assert ws.freeze_panes == "A2"
    assert [t.ref for t in ws.tables.values()] == ["A1:I4"]
    assert ws.column_dimensions["A"].width > 10
    # No formula anywhere in the workbook.
    wb = open_xlsx(p)
    assert not any(c.data_type == "f" for s in wb for row in s.iter_rows() for c in row)


def test_people_sheet() -> None:
    p = proposal()
    ws = open_xlsx(p)["人员调整"]
    assert [c.value for c in ws[1]] == ["干部", "单位", "之前群数", "之后群数", "退出的群", "新加入的群",
                                        "每天要看（之前）", "每天要看（之后）", "说明"]
    assert rows(ws, 2, 9) == [
        ["王晓东", "党政办", 2, 1, "党建办通知群", None, 15.8, 12.3, "党建办通知群并入政府工作群"],
        ["李春梅", None, 1, 1, "春耕物资群", "青石镇政府工作群", 0.1, 12.3, "'+原群解散"],
    ]


def test_after_hours_quality_and_leads() -> None:
    wb = open_xlsx(proposal())
    ws = wb["非工作时间"]
    assert ws["A2"].value == "非工作时间消息占比偏高。"
    assert [ws.cell(r, 2).value for r in range(4, 8)] == [32041, 5000, 0.156, 800]
    g = find_row(ws, "工作群")
    assert rows(ws, g + 1, 3) == [["防汛值班群", 300, 0.2]]
    s = find_row(ws, "发送人")
    assert rows(ws, s + 1, 4) == [["周立新", "水利站", 120, 30]]
    assert len(ws.tables) == 2

    ws = wb["消息质量"]
    assert ws["A2"].value == "“收到”类回复较多。"
    assert [ws.cell(r, 2).value for r in range(4, 7)] == [32041, 40, 130]
    c = find_row(ws, "类别")
    assert rows(ws, c + 1, 3) == [["收到/确认", 9000, 0.28], ["转发文件", 4000, 0.125]]

    ws = wb["违纪线索"]
    assert [c.value for c in ws[2]] == ["时间", "工作群", "发送人", "类型", "金额（元）", "内容"]
    assert rows(ws, 3, 6) == [["2026-04-03 21:15", "石桥村网格群", "孙海燕", "红包", 200, "'@所有人 节日快乐"],
                              ["2026-04-05 10:02", "石桥村网格群", "孙海燕", "转账", None, None]]
    assert ws.freeze_panes == "A3"


def test_parameters_and_sources() -> None:
    ws = open_xlsx(proposal())["参数与数据来源"]
    assert ws["A1"].value == "参数"
    assert rows(ws, 3, 3) == [["每人最多群数 K", "3", "县纪委要求"], ["工作时间", "08:30-17:30", None]]
    s = find_row(ws, "文件")
    assert [ws.cell(s, c).value for c in range(1, 12)] == ["文件", "格式", "类型", "平台", "行数", "已导入", "拒收",
                                                          "SHA-256", "最早", "最晚", "导入时间"]
    assert rows(ws, s + 1, 11) == [["'-export.csv", "CSV", "消息", "微信", 100, 99, 1, "ab" * 32,
                                    "2026-03-01 08:00", "2026-05-31 22:10", "2026-11-21 10:00"]]


def test_empty_lists_leave_a_note() -> None:
    wb = open_xlsx(empty_proposal())
    assert wb.sheetnames == list(SHEETS)
    assert wb["概况"]["B3"].value == "未填写"
    ws = wb["概况"]
    assert ws.cell(find_row(ws, "指标") + 1, 1).value == "无可比较的指标"
    assert wb["群调整"]["A1"].value == "工作群" and wb["群调整"]["A2"].value == "无"
    assert wb["人员调整"]["A2"].value == "无：没有干部的入群情况需要调整"
    assert wb["违纪线索"]["A3"].value == "未发现红包、转账记录"
    assert wb["非工作时间"]["A2"].value == "无"
    assert all(not s.tables for s in wb)
    with zipfile.ZipFile(io.BytesIO(to_xlsx(empty_proposal()))) as z:
        assert not [n for n in z.namelist() if n.startswith("xl/charts/")]


# -- docx ----------------------------------------------------------------------------------------

def open_docx(p: dict[str, Any]) -> Any:
    return Document(io.BytesIO(to_docx(p)))


def text_of(doc: Any) -> str:
    return "\n".join(par.text for par in doc.paragraphs)


def table_with(doc: Any, first_header: str) -> Any:
    found = [t for t in doc.tables if t.rows[0].cells[0].text == first_header]
    assert len(found) == 1
    return found[0]


def test_docx_title_headings_and_fonts() -> None:
    doc = open_docx(proposal())
    title = doc.paragraphs[0]
    assert title.text == "关于清理规范工作群的建议方案"
    assert title.alignment == 1  # centre
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == list(HEADINGS) == [
        "一、基本情况", "二、存在问题", "三、整合方案", "四、人员入群调整", "五、群规建议"]
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 2"] == [
        "（一）非工作时间消息", "（二）重复入群和阅读负担", "（三）消息质量", "（四）红包、转账线索"]
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋" and normal.get(qn("w:ascii")) == "仿宋"
    h1 = doc.styles["Heading 1"].element.rPr.rFonts
    assert h1.get(qn("w:eastAsia")) == "黑体" and h1.get(qn("w:eastAsiaTheme")) is None
    assert h1.get(qn("w:asciiTheme")) is None
    body = [p for p in doc.paragraphs if p.text.startswith("本次分析时段")][0]
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    section = doc.sections[0]
    assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)  # A4
    assert doc.core_properties.title == "关于清理规范工作群的建议方案"


def test_docx_basics_and_problems() -> None:
    text = text_of(open_docx(proposal()))
    assert ("本次分析时段为2026年3月1日至2026年5月31日，共 92 天。分析范围内共有工作群 34 个，涉及干部 2 名，"
            "入群 869 人次，人均加入 4.39 个群，最多的一名干部加入 13 个群。") in text
    assert ("中位数为 63.5 条，10% 的干部在 102 条以上，最多的达 180.2 条；"
            "全体干部每周用于阅读群消息约 205.8 小时。") in text
    # The finding carries the after-hours counts; the top groups follow it.
    assert "非工作时间消息占比偏高。非工作时间消息较多的群：防汛值班群（300 条）。" in text
    assert "有 116 名干部加入的工作群超过 3 个，10% 的干部加入 7 个以上，最多的一人加入 13 个群。" in text
    assert ("“收到”类回复较多。分析时段内共有消息 32,041 条，其中“收到/确认” 9,000 条（28%），"
            "“转发文件” 4,000 条（12.5%）。有 40 条通知在多个群重复发送，共 130 份。") in text
    assert "发现红包、转账记录 2 条，其中红包 1 条、转账 1 条，有金额的合计 200 元" in text


def test_docx_after_hours_counts_without_a_finding() -> None:
    p = proposal()
    p["after_hours"]["finding"] = ""
    text = text_of(open_docx(p))
    assert ("分析时段内共有消息 32,041 条，其中非工作时间发送 5,000 条，占 15.6%，深夜发送 800 条。"
            "非工作时间消息较多的群：防汛值班群（300 条）。") in text


def test_docx_plan_summary_and_group_table() -> None:
    p = proposal()
    doc = open_docx(p)
    text = text_of(doc)
    assert "建议将现有 34 个工作群精简为 27 个，每名干部原则上不超过 3 个群。其中保留 1 个、合并 1 个、解散 1 个。" in text
    assert ("调整后，干部人均加入 2.83 个群，最多 3 个；每人每天要看的消息中位数由 63.5 条降至 40.1 条，"
            "全体干部每周可节省阅读时间约 72 小时，每周减少重复通知约 12.5 条。") in text
    table = table_with(doc, "序号")
    assert table.style.name == "Table Grid"
    assert [c.text for c in table.rows[0].cells] == ["序号", "工作群", "建议", "并入", "理由"]
    assert [[c.text for c in r.cells] for r in table.rows[1:]] == [
        [str(i), g["group"], g["action"], g["into"], g["reason"]] for i, g in enumerate(p["groups"], 1)]
    figures = table_with(doc, "指标")
    assert [[c.text for c in r.cells] for r in figures.rows[1:]] == [
        ["工作群（个）", "34", "27"], ["入群人次", "869", "560"], ["人均加入群数", "4.39", "2.83"],
        ["每人每天要看消息·中位数（条）", "63.5", "40.1"], ["全体每周阅读时间（分钟）", "12,345", "8,024"]]
    people = table_with(doc, "干部")
    assert [[c.text for c in r.cells] for r in people.rows[1:]] == [
        ["王晓东", "党政办", "党建办通知群", "", "2→1"], ["李春梅", "", "春耕物资群", "青石镇政府工作群", "1→1"]]


def test_docx_rules_and_signature() -> None:
    doc = open_docx(proposal())
    texts = [p.text for p in doc.paragraphs]
    start = texts.index("五、群规建议")
    assert texts[start + 1:start + 6] == [f"{i}．{r}" for i, r in enumerate(RULES, 1)]
    assert [t for t in texts if t][-2:] == ["青石镇纪委", "2026年11月21日"]


def test_docx_empty_lists() -> None:
    doc = open_docx(empty_proposal())
    text = text_of(doc)
    assert "未发现红包、转账等违纪线索。" in text
    assert "未发现非工作时间发送的工作消息。" in text
    assert "本方案不涉及干部入群调整。" in text
    assert "没有需要调整的工作群。" in text
    assert "××乡（镇）纪委" in text
    assert not doc.tables


def test_docx_infeasible() -> None:
    p = infeasible_proposal()
    text = text_of(open_docx(p))
    assert ("按照每名干部不超过 3 个群的要求，现有条件下无法排出方案，每名干部最少需要保留 5 个群才能满足各项要求。"
            "本方案暂只作合并和解散调整，现有 34 个工作群精简为 30 个。") in text
    assert "1．王晓东 是 5 个群的群主，超过上限 3" in text and "2．李春梅 必须留在 党建办通知群" in text
    assert "原则上不超过" not in text
    p["plan"]["min_feasible_cap"] = None
    assert "需先解决下列问题" in text_of(open_docx(p))
    ws = open_xlsx(infeasible_proposal())["概况"]
    assert ws["B7"].value == "不可行：无法做到每人不超过 3 个群，最少需 5 个"


def test_docx_people_table_is_cut_at_200() -> None:
    p = proposal()
    p["people"] = [{"person": f"干部{i:03d}", "unit": "", "before": 4, "after": 3, "left": ["党建办通知群"],
                    "joined": [], "load_before": 1.0, "load_after": 0.5, "why": ""} for i in range(1, 206)]
    doc = open_docx(p)
    assert len(table_with(doc, "干部").rows) == 201
    assert "（表中列出前 200 名干部，共 205 名，其余见 Excel 附表“人员调整”。）" in text_of(doc)
    assert len(rows(open_xlsx(p)["人员调整"], 2, 1)) == 205


def test_exports_do_not_import_streamlit() -> None:
    code = ("import sys, core.plan.export_xlsx, core.plan.export_docx; "
            "sys.exit(1 if 'streamlit' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_control_characters_do_not_break_the_docx() -> None:
    p = copy.deepcopy(proposal())
    p["groups"][0]["reason"] = "含\x07控制\x00字符"
    doc = open_docx(p)
    assert table_with(doc, "序号").rows[1].cells[4].text == "含控制字符"
    assert open_xlsx(p)["群调整"]["D2"].value == "含控制字符"
