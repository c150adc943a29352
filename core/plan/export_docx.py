"""The proposal (core/plan/proposal.py) as an editable Word document in the style of a township notice.

``to_docx(proposal)`` is pure: it takes the proposal dict as given (names already replaced by the
caller when needed) and returns .docx bytes built with python-docx.

Layout (GB/T 9704 in spirit; the fonts fall back to what Word and WPS ship with): A4, margins
37/35/28/26 mm, page number "— n —" in the footer; title centred in 宋体 22 pt bold (standing in for
方正小标宋); body in 仿宋 16 pt at a fixed 28 pt line, first line indented two characters; level-1
headings (style "Heading 1", so they show in the navigation pane) in 黑体, level-2 headings
("Heading 2") in 楷体. Every style and every run names its East Asian font (``w:eastAsia``), which
Word and WPS need to show Chinese text in the intended font.

Sections: an opening sentence, 一、基本情况, 二、存在问题 (（一）非工作时间消息, （二）重复入群和阅读负担,
（三）消息质量, （四）红包、转账线索), 三、整合方案 (summary, before/after table, group actions table),
四、人员入群调整 (at most :data:`PEOPLE_ROWS` rows; the rest is in the Excel workbook), 五、群规建议, and
the signature (township 纪委, date). Tables use the "Table Grid" style with a repeated header row.
"""

from __future__ import annotations

import io
import math
import re
from datetime import date
from typing import Any, Sequence

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

from core.plan.build import ACTION_NAMES
from core.plan.proposal import TITLE

HEADINGS = ("一、基本情况", "二、存在问题", "三、整合方案", "四、人员入群调整", "五、群规建议")
RULES = (
    "工作部署只在政府工作群发布。",
    "转发文件须附内容摘要和拟办意见。",
    "非工作时间除应急事项外不发消息。",
    "项目群在项目结束后及时解散。",
    "谁建群谁负责，群主负责群成员和群内秩序。",
)
PEOPLE_ROWS = 200

TITLE_FONT = "宋体"
BODY_FONT = "仿宋"
H1_FONT = "黑体"
H2_FONT = "楷体"
TABLE_STYLE = "表格文字"
BODY_STYLE = "公文正文"

_BODY_PT = 16
_LINE_PT = 28
_TABLE_PT = 10.5
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# -- text helpers --------------------------------------------------------------------------------

def _clean(value: Any) -> str:
    """Text safe for WordprocessingML (no control characters)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value if v not in (None, ""))
    return _INVALID_XML.sub("", str(value))


def _num(value: Any, digits: int = 2) -> str:
    """A number as the app's findings write it: thousands separators, no trailing zeros."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _pct(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "—"
    return _num(value * 100, 1) + "%"


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _date_cn(text: Any) -> str:
    """``2026-03-01`` → ``2026年3月1日``; anything else unchanged."""
    try:
        d = date.fromisoformat(str(text)[:10])
    except ValueError:
        return _clean(text)
    return f"{d.year}年{d.month}月{d.day}日"


# -- fonts and styles ----------------------------------------------------------------------------

def _set_rfonts(rpr: Any, name: str) -> None:
    """Name ``name`` for every script on an ``w:rPr`` and drop theme fonts (they win otherwise)."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def _style_font(style: Any, name: str, size: float, bold: bool = False) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    _set_rfonts(style.element.get_or_add_rPr(), name)


def _line(fmt: Any, points: float | None, indent: bool) -> None:
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if points is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(points)
    fmt.first_line_indent = Pt(2 * _BODY_PT) if indent else Pt(0)


def _setup(doc: Any, title: str, author: str) -> None:
    styles = doc.styles
    # Document defaults: no theme fonts, Chinese language, so WPS does not substitute.
    rpr_default = styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr_default is not None:
        _set_rfonts(rpr_default, BODY_FONT)
        lang = rpr_default.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr_default.append(lang)
        lang.set(qn("w:eastAsia"), "zh-CN")

    normal = styles["Normal"]
    _style_font(normal, BODY_FONT, _BODY_PT)
    _line(normal.paragraph_format, _LINE_PT, indent=False)
    normal.paragraph_format.widow_control = False

    body = styles.add_style(BODY_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    _style_font(body, BODY_FONT, _BODY_PT)
    _line(body.paragraph_format, _LINE_PT, indent=True)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    for name, font in (("Heading 1", H1_FONT), ("Heading 2", H2_FONT)):
        style = styles[name]
        _style_font(style, font, _BODY_PT)
        _line(style.paragraph_format, _LINE_PT, indent=True)
        style.paragraph_format.keep_with_next = True

    table = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table.base_style = normal
    _style_font(table, BODY_FONT, _TABLE_PT)
    _line(table.paragraph_format, None, indent=False)

    section = doc.sections[0]
    section.page_width, section.page_height = Twips(11906), Twips(16838)  # A4 as Word writes it
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(20)
    _page_number(section)

    props = doc.core_properties
    props.title = title
    props.author = author
    props.last_modified_by = author
    props.comments = "由群鉴生成"
    props.language = "zh-CN"


def _run(paragraph: Any, text: str, font: str, size: float | None = None, bold: bool | None = None) -> Any:
    run = paragraph.add_run(_clean(text))
    run.font.name = font
    _set_rfonts(run._element.get_or_add_rPr(), font)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    return run


def _page_number(section: Any) -> None:
    """Footer: ``— n —`` centred, the number a PAGE field."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _line(p.paragraph_format, None, indent=False)
    _run(p, "— ", TITLE_FONT, 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = _run(p, "", TITLE_FONT, 14)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._element.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        else:
            run.text = text
    _run(p, " —", TITLE_FONT, 14)


# -- building blocks -----------------------------------------------------------------------------

def _para(doc: Any, text: str, style: str = BODY_STYLE, align: Any = None) -> Any:
    p = doc.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    _run(p, text, BODY_FONT)
    return p


def _h1(doc: Any, text: str) -> None:
    _run(doc.add_paragraph(style="Heading 1"), text, H1_FONT)


def _h2(doc: Any, text: str) -> None:
    _run(doc.add_paragraph(style="Heading 2"), text, H2_FONT)


def _shade(cell: Any, fill: str) -> None:
    tc_pr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths_mm: Sequence[float],
           center: Sequence[int] = ()) -> Any:
    """A bordered table ("Table Grid") with a bold, shaded header row repeated on every page."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, text in zip(header.cells, headers):
        p = cell.paragraphs[0]
        p.style = doc.styles[TABLE_STYLE]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, text, H1_FONT, bold=False)
        _shade(cell, "D9D9D9")
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values)):
            p = cell.paragraphs[0]
            p.style = doc.styles[TABLE_STYLE]
            if i in center:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(p, _clean(value), BODY_FONT)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)
    return table


def _caption(doc: Any, text: str) -> None:
    p = doc.add_paragraph(style=TABLE_STYLE)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.space_after = Pt(3)
    _run(p, text, H1_FONT, 12)


def _spacer(doc: Any) -> None:
    doc.add_paragraph(style="Normal")


# -- sections ------------------------------------------------------------------------------------

def _township(p: dict[str, Any]) -> str:
    return _clean(p.get("township")) or ""


def _hours(minutes: Any) -> str:
    return _num(round(minutes / 60, 1), 1) if _is_num(minutes) else "—"


def _action_counts(p: dict[str, Any]) -> dict[str, int]:
    counts = {"保留": 0, "合并": 0, "解散": 0}
    groups = p.get("groups") or []
    if groups:
        for g in groups:
            if g.get("action") in counts:
                counts[g["action"]] += 1
    else:
        for a in (p.get("plan") or {}).get("actions") or []:
            cn = ACTION_NAMES.get(a.get("action"))
            if cn:
                counts[cn] += 1
    return counts


def plan_summary(proposal: dict[str, Any]) -> str:
    """The summary sentence of section 三: ``建议将现有 34 个工作群精简为 27 个，每名干部原则上不超过 3 个群。``,
    or, when the cap cannot be met, that it cannot and the smallest cap that would work."""
    plan = proposal.get("plan") or {}
    before, after = plan.get("before") or {}, plan.get("after") or {}
    cap = plan.get("cap")
    groups = f"现有 {_num(before.get('groups'))} 个工作群精简为 {_num(after.get('groups'))} 个"
    if plan.get("feasible", True):
        return f"建议将{groups}，每名干部原则上不超过 {_num(cap)} 个群。"
    text = f"按照每名干部不超过 {_num(cap)} 个群的要求，现有条件下无法排出方案"
    if _is_num(plan.get("min_feasible_cap")):
        text += f"，每名干部最少需要保留 {_num(plan['min_feasible_cap'])} 个群才能满足各项要求"
    else:
        text += "，需先解决下列问题"
    return text + f"。本方案暂只作合并和解散调整，{groups}。"


def _sentence(text: Any) -> str:
    """``text`` ending with a full stop (empty stays empty)."""
    text = _clean(text).strip()
    if text and not text.endswith(("。", "！", "？", "；", "）", "”")):
        text += "。"
    return text


def _opening(doc: Any, p: dict[str, Any]) -> None:
    who = f"{_township(p)}纪委" if _township(p) else "乡镇纪委"
    _para(doc, f"为深入整治“指尖上的形式主义”，切实为基层减负，{who}对干部所在的工作群进行了梳理分析，"
               "现提出清理规范建议方案如下。")


def _basics(doc: Any, p: dict[str, Any]) -> None:
    _h1(doc, HEADINGS[0])
    plan = p.get("plan") or {}
    b = plan.get("before") or {}
    window = p.get("window") or {}
    parts: list[str] = []
    if window.get("start") or window.get("end"):
        text = f"本次分析时段为{_date_cn(window.get('start'))}至{_date_cn(window.get('end'))}"
        if _is_num(window.get("days")):
            text += f"，共 {_num(window['days'])} 天"
        parts.append(text + "。")
    cadres = len(plan.get("people") or [])
    text = f"分析范围内共有工作群 {_num(b.get('groups'))} 个"
    if cadres:
        text += f"，涉及干部 {_num(cadres)} 名"
    text += (f"，入群 {_num(b.get('memberships'))} 人次，人均加入 {_num(b.get('mean_groups_per_person'))} 个群，"
             f"最多的一名干部加入 {_num(b.get('max_groups_per_person'))} 个群。")
    parts.append(text)
    if _is_num(b.get("messages_per_person_day_p50")):
        text = (f"干部每人每天需要查看的群消息，中位数为 {_num(b['messages_per_person_day_p50'], 1)} 条，"
                f"10% 的干部在 {_num(b.get('messages_per_person_day_p90'), 1)} 条以上")
        if _is_num(b.get("messages_per_person_day_max")):
            text += f"，最多的达 {_num(b['messages_per_person_day_max'], 1)} 条"
        if _is_num(b.get("reading_minutes_per_week")):
            text += f"；全体干部每周用于阅读群消息约 {_hours(b['reading_minutes_per_week'])} 小时"
        parts.append(text + "。")
    _para(doc, "".join(parts))


def _problems(doc: Any, p: dict[str, Any]) -> None:
    _h1(doc, HEADINGS[1])
    plan = p.get("plan") or {}
    b = plan.get("before") or {}

    _h2(doc, "（一）非工作时间消息")
    a = p.get("after_hours") or {}
    if _is_num(a.get("after_hours")) and a["after_hours"] > 0:
        # The finding already carries the headline counts; without one, state them here.
        text = _sentence(a.get("finding"))
        if not text:
            text = (f"分析时段内共有消息 {_num(a.get('messages'))} 条，其中非工作时间发送 {_num(a['after_hours'])} 条，"
                    f"占 {_pct(a.get('share'))}")
            if _is_num(a.get("late_night")):
                text += f"，深夜发送 {_num(a['late_night'])} 条"
            text += "。"
        top = [g for g in a.get("groups") or [] if _is_num(g.get("after_hours"))][:3]
        if top:
            text += "非工作时间消息较多的群：" + "、".join(
                f"{_clean(g.get('group'))}（{_num(g['after_hours'])} 条）" for g in top) + "。"
        _para(doc, text)
    else:
        _para(doc, "未发现非工作时间发送的工作消息。")

    _h2(doc, "（二）重复入群和阅读负担")
    cap = plan.get("cap")
    over = b.get("over_cap")
    if _is_num(over) and over > 0:
        text = (f"有 {_num(over)} 名干部加入的工作群超过 {_num(cap)} 个，10% 的干部加入 "
                f"{_num(b.get('p90_groups_per_person'))} 个以上，最多的一人加入 {_num(b.get('max_groups_per_person'))} 个群。")
    else:
        text = f"未发现加入工作群超过 {_num(cap)} 个的干部。"
    _para(doc, text)

    _h2(doc, "（三）消息质量")
    q = p.get("quality") or {}
    cats = sorted((c for c in q.get("categories") or [] if _is_num(c.get("messages")) and c["messages"] > 0),
                  key=lambda c: -c["messages"])
    dup = q.get("duplicates") or {}
    text = _sentence(q.get("finding"))
    if cats:
        text += f"分析时段内共有消息 {_num(q.get('total'))} 条，其中" + "，".join(
            f"“{_clean(c.get('category'))}” {_num(c['messages'])} 条（{_pct(c.get('share'))}）" for c in cats[:3]) + "。"
    if _is_num(dup.get("notices")) and dup["notices"] > 0:
        text += f"有 {_num(dup['notices'])} 条通知在多个群重复发送，共 {_num(dup.get('copies'))} 份。"
    _para(doc, text or "未发现明显的无效消息和重复通知。")

    _h2(doc, "（四）红包、转账线索")
    leads = p.get("leads") or []
    if leads:
        kinds: dict[str, int] = {}
        for lead in leads:
            kind = _clean(lead.get("kind")) or "其他"
            kinds[kind] = kinds.get(kind, 0) + 1
        amounts = [lead["amount"] for lead in leads if _is_num(lead.get("amount"))]
        text = f"在工作群中发现红包、转账记录 {len(leads)} 条，其中" + "、".join(
            f"{k} {n} 条" for k, n in kinds.items())
        if amounts:
            text += f"，有金额的合计 {_num(round(sum(amounts), 2))} 元"
        text += "，明细见 Excel 附表“违纪线索”。以上记录仅为线索，需逐条核实。"
        _para(doc, text)
    else:
        _para(doc, "未发现红包、转账等违纪线索。")


def _plan(doc: Any, p: dict[str, Any]) -> None:
    _h1(doc, HEADINGS[2])
    plan = p.get("plan") or {}
    before, after, saved = plan.get("before") or {}, plan.get("after") or {}, plan.get("saved") or {}
    counts = _action_counts(p)
    text = plan_summary(p)
    text += f"其中保留 {counts['保留']} 个、合并 {counts['合并']} 个、解散 {counts['解散']} 个。"
    if _is_num(after.get("mean_groups_per_person")):
        text += (f"调整后，干部人均加入 {_num(after['mean_groups_per_person'])} 个群，"
                 f"最多 {_num(after.get('max_groups_per_person'))} 个")
        if _is_num(before.get("messages_per_person_day_p50")) and _is_num(after.get("messages_per_person_day_p50")):
            b50, a50 = before["messages_per_person_day_p50"], after["messages_per_person_day_p50"]
            text += (f"；每人每天要看的消息中位数由 {_num(b50, 1)} 条{'降至' if a50 < b50 else '变为'} "
                     f"{_num(a50, 1)} 条")
        if _is_num(saved.get("reading_minutes_per_week")) and saved["reading_minutes_per_week"] > 0:
            text += f"，全体干部每周可节省阅读时间约 {_hours(saved['reading_minutes_per_week'])} 小时"
        if _is_num(saved.get("duplicate_notices_per_week")) and saved["duplicate_notices_per_week"] > 0:
            text += f"，每周减少重复通知约 {_num(saved['duplicate_notices_per_week'], 1)} 条"
        text += "。"
    _para(doc, text)
    if not plan.get("feasible", True):
        conflicts = [c for c in plan.get("conflicts") or [] if c]
        if conflicts:
            _para(doc, "无法满足上限的主要原因：")
            for i, conflict in enumerate(conflicts, 1):
                _para(doc, f"{i}．{_clean(conflict)}")
        _para(doc, "请先研究解决上述问题，再确定每名干部的入群上限。")

    figures = p.get("figures") or []
    if figures:
        _caption(doc, "表1  调整前后主要指标")
        _table(doc, ("指标", "调整前", "调整后"),
               [(f.get("label"), _num(f.get("before")), _num(f.get("after"))) for f in figures],
               (76, 40, 40), center=(1, 2))

    groups = p.get("groups") or []
    if groups:
        _caption(doc, "表2  工作群调整建议" if figures else "表1  工作群调整建议")
        _table(doc, ("序号", "工作群", "建议", "并入", "理由"),
               [(i, g.get("group"), g.get("action"), g.get("into") or "", g.get("reason"))
                for i, g in enumerate(groups, 1)],
               (12, 40, 15, 35, 54), center=(0, 2))
    else:
        _para(doc, "没有需要调整的工作群。")


def _people(doc: Any, p: dict[str, Any]) -> None:
    _h1(doc, HEADINGS[3])
    people = p.get("people") or []
    if not people:
        _para(doc, "本方案不涉及干部入群调整。")
        return
    _para(doc, f"共有 {_num(len(people))} 名干部的入群情况需要调整，具体如下：")
    shown = people[:PEOPLE_ROWS]
    _table(doc, ("干部", "单位", "退出", "加入", "群数"),
           [(x.get("person"), x.get("unit") or "", _clean(x.get("left")), _clean(x.get("joined")),
             f"{_num(x.get('before'))}→{_num(x.get('after'))}") for x in shown],
           (22, 28, 52, 36, 18), center=(4,))
    if len(people) > PEOPLE_ROWS:
        _para(doc, f"（表中列出前 {PEOPLE_ROWS} 名干部，共 {_num(len(people))} 名，其余见 Excel 附表“人员调整”。）")


def _rules(doc: Any) -> None:
    _h1(doc, HEADINGS[4])
    for i, rule in enumerate(RULES, 1):
        _para(doc, f"{i}．{rule}")


def _signature(doc: Any, p: dict[str, Any]) -> None:
    _spacer(doc)
    _spacer(doc)
    who = f"{_township(p)}纪委" if _township(p) else "××乡（镇）纪委"
    for text in (who, _date_cn(p.get("generated_on")) if p.get("generated_on") else ""):
        para = doc.add_paragraph(style="Normal")
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.paragraph_format.right_indent = Pt(4 * _BODY_PT)
        if text:
            _run(para, text, BODY_FONT)


def to_docx(proposal: dict[str, Any]) -> bytes:
    """The proposal as .docx bytes (see the module docstring for the layout)."""
    doc = Document()
    title = _clean(proposal.get("title")) or TITLE
    _setup(doc, title, f"{_township(proposal)}纪委" if _township(proposal) else "群鉴")
    # The default template starts empty; the title is its first paragraph.
    head = doc.add_paragraph(style="Normal")
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.space_after = Pt(_LINE_PT)
    head.paragraph_format.line_spacing = Pt(36)
    _run(head, title, TITLE_FONT, 22, bold=True)
    _opening(doc, proposal)
    _basics(doc, proposal)
    _problems(doc, proposal)
    _plan(doc, proposal)
    _people(doc, proposal)
    _rules(doc)
    _signature(doc, proposal)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
