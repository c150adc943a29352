"""The proposal (core/plan/proposal.py) as an Excel workbook with native charts.

``to_xlsx(proposal)`` is pure: it takes the proposal dict as given (names already replaced by the
caller when needed) and returns the bytes of an .xlsx file built in memory with xlsxwriter.

Sheets, in order:

- 概况: title, township, window, cap and feasibility, the before→after figures table (指标, 调整前,
  调整后, 变化, 变化幅度) and two clustered column charts referencing that table: one for the count
  figures, one for the reading-load figures (see :func:`figure_kind`);
- 群调整, 人员调整, 非工作时间, 消息质量, 违纪线索, 参数与数据来源: one Excel table (header row,
  autofilter) per list; an empty list leaves its header row and a one-line note instead.

Every text from the proposal goes through :func:`escape_cell` and ``write_string`` (never
``write``), so a name or reason such as ``=HYPERLINK(…)`` stays inert text; numbers are written as
numbers.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from typing import Any, Callable, Sequence

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_range_abs

# One rule for every spreadsheet cell we write (CSV downloads too): OWASP formula injection.
from core.csvout import safe_cell as escape_cell
from core.plan.proposal import TITLE

# Control characters other than tab, LF and CR: Excel would show them as _xHHHH_ escapes.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

SHEETS = ("概况", "群调整", "人员调整", "非工作时间", "消息质量", "违纪线索", "参数与数据来源")

# Words in a figure's label that make it a reading-load figure rather than a count.
_LOAD_WORDS = ("消息", "阅读", "分钟", "小时", "负担", "条")

_MAX_WIDTH = 60
_WRAP_WIDTH = 48


def figure_kind(figure: dict[str, Any]) -> str:
    """Which chart on 概况 shows ``figure``: ``"load"`` for a reading-load figure (messages,
    minutes…), ``"count"`` otherwise. An explicit ``figure["kind"]`` of ``"count"``, ``"load"`` or
    ``"none"`` (table only, no chart) wins over the label."""
    kind = figure.get("kind")
    if kind in ("count", "load", "none"):
        return kind
    label = str(figure.get("label") or "")
    return "load" if any(w in label for w in _LOAD_WORDS) else "count"


def _text_width(text: str) -> int:
    """Display width in Excel's character units: CJK and full-width characters count double."""
    width = 0
    for line in text.split("\n"):
        w = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)
        width = max(width, w)
    return width


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return _CONTROL.sub("", "、".join(str(v) for v in value if v is not None and v != ""))
    if isinstance(value, bool):
        return "是" if value else "否"
    return _CONTROL.sub("", str(value))


class _Column:
    """One table column: header, how to get the value from a row dict, kind of cell."""

    def __init__(self, header: str, get: str | Callable[[dict[str, Any]], Any], kind: str = "text",
                 wrap: bool = False, width: int | None = None):
        self.header = header
        self.get = (lambda row, key=get: row.get(key)) if isinstance(get, str) else get
        self.kind = kind        # text, int, float, share, money
        self.wrap = wrap
        self.width = width


class _Writer:
    def __init__(self, buf: io.BytesIO):
        self.wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False,
                                            "nan_inf_to_errors": True})
        wb = self.wb
        base = {"font_name": "宋体", "font_size": 11, "valign": "top"}
        self.fmt = {
            "text": wb.add_format(base),
            "wrap": wb.add_format({**base, "text_wrap": True}),
            "int": wb.add_format({**base, "num_format": "#,##0"}),
            "float": wb.add_format({**base, "num_format": "#,##0.0#"}),
            "share": wb.add_format({**base, "num_format": "0.0%"}),
            "money": wb.add_format({**base, "num_format": "#,##0.00"}),
            "header": wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1,
                                     "text_wrap": True, "valign": "vcenter"}),
            "title": wb.add_format({**base, "bold": True, "font_size": 16, "valign": "vcenter"}),
            "heading": wb.add_format({**base, "bold": True, "font_size": 12}),
            "label": wb.add_format({**base, "bold": True}),
            "note": wb.add_format({**base, "italic": True, "font_color": "#595959"}),
            "finding": wb.add_format({**base, "text_wrap": True, "border": 1, "bg_color": "#FFF2CC"}),
            "dissolve": wb.add_format({**base, "font_color": "#C00000", "bold": True}),
            "merge": wb.add_format({**base, "font_color": "#C65911", "bold": True}),
            "keep": wb.add_format({**base, "font_color": "#375623"}),
        }
        self.widths: dict[str, dict[int, int]] = {}
        self.tables = 0

    # -- cells ---------------------------------------------------------------------------------

    def _fit(self, ws: Any, col: int, width: int) -> None:
        cols = self.widths.setdefault(ws.name, {})
        cols[col] = max(cols.get(col, 8), min(width + 2, _MAX_WIDTH))

    def put(self, ws: Any, row: int, col: int, value: Any, kind: str = "text", fmt: Any = None,
            fit: bool = True) -> None:
        """Write one cell: numbers as numbers, everything else as escaped text via write_string."""
        if kind != "text" and _is_number(value):
            ws.write_number(row, col, value, fmt or self.fmt[kind])
            if fit:
                self._fit(ws, col, len(f"{value:,.2f}") if isinstance(value, float) else len(f"{value:,}"))
            return
        text = _as_text(value) if not _is_number(value) else str(value)
        if text == "":
            ws.write_blank(row, col, None, fmt or self.fmt["text"])
            return
        ws.write_string(row, col, escape_cell(text), fmt or self.fmt["text"])
        if fit:
            self._fit(ws, col, _text_width(text))

    def heading(self, ws: Any, row: int, text: str) -> None:
        ws.write_string(row, 0, text, self.fmt["heading"])

    def finding(self, ws: Any, row: int, text: str, last_col: int = 5, width: int = 90) -> None:
        """A long text in a merged, wrapped box across columns A..last_col."""
        text = _as_text(text) or "无"
        ws.merge_range(row, 0, row, last_col, "", self.fmt["finding"])
        ws.write_string(row, 0, escape_cell(text), self.fmt["finding"])
        lines = sum(max(1, math.ceil(_text_width(part) / width)) for part in text.split("\n"))
        ws.set_row(row, 16 * lines + 4)

    def pairs(self, ws: Any, row: int, items: Sequence[tuple[str, Any, str]]) -> int:
        """Label/value rows from ``row``; returns the next free row."""
        for label, value, kind in items:
            ws.write_string(row, 0, label, self.fmt["label"])
            self._fit(ws, 0, _text_width(label))
            self.put(ws, row, 1, value, kind, fit=False)
            row += 1
        return row

    def table(self, ws: Any, row: int, columns: Sequence[_Column], rows: Sequence[dict[str, Any]],
              empty: str = "无", name: str | None = None, autofilter: bool = True,
              row_format: Callable[[dict[str, Any], _Column], Any] | None = None) -> int:
        """An Excel table with a header row at ``row``; returns the next free row (after one blank).
        Without rows: the header row and ``empty`` underneath, no table object."""
        for c, col in enumerate(columns):
            self._fit(ws, c, col.width or _text_width(col.header))
        if not rows:
            for c, col in enumerate(columns):
                ws.write_string(row, c, col.header, self.fmt["header"])
            ws.write_string(row + 1, 0, empty, self.fmt["note"])
            return row + 3
        self.tables += 1
        ws.add_table(row, 0, row + len(rows), len(columns) - 1, {
            "name": name or f"表{self.tables}",
            "style": "Table Style Light 1",
            "autofilter": autofilter,
            "columns": [{"header": col.header, "header_format": self.fmt["header"]} for col in columns],
        })
        for i, item in enumerate(rows, start=row + 1):
            for c, col in enumerate(columns):
                fmt = row_format(item, col) if row_format else None
                if fmt is None and col.wrap and col.kind == "text":
                    fmt = self.fmt["wrap"]
                self.put(ws, i, c, col.get(item), col.kind, fmt, fit=not col.wrap)
        return row + len(rows) + 2

    def close(self) -> None:
        for ws in self.wb.worksheets():
            for col, width in self.widths.get(ws.name, {}).items():
                ws.set_column(col, col, width)
        self.wb.close()


# -- sheets ------------------------------------------------------------------------------------

def _window_text(window: dict[str, Any] | None) -> str:
    if not window or not (window.get("start") or window.get("end")):
        return ""
    text = f"{window.get('start') or '—'} 至 {window.get('end') or '—'}"
    if window.get("days") is not None:
        text += f"（共 {window['days']} 天）"
    return text


def _feasibility_text(plan: dict[str, Any]) -> str:
    if plan.get("feasible", True):
        return "可行"
    text = f"不可行：无法做到每人不超过 {plan.get('cap')} 个群"
    if plan.get("min_feasible_cap") is not None:
        text += f"，最少需 {plan['min_feasible_cap']} 个"
    return text


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted row indexes as (first, last) pairs."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and runs[-1][1] == r - 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    return runs


def _ref(sheet: str, rows: list[int], col: int) -> str:
    """A (possibly non-contiguous) absolute range formula over ``rows`` of column ``col``."""
    parts = [f"{quote_sheetname(sheet)}!{xl_range_abs(a, col, b, col)}" for a, b in _runs(rows)]
    return "=" + parts[0] if len(parts) == 1 else "=(" + ",".join(parts) + ")"


def _overview(w: _Writer, p: dict[str, Any]) -> None:
    ws = w.wb.add_worksheet("概况")
    plan = p.get("plan") or {}
    ws.merge_range(0, 0, 0, 4, "", w.fmt["title"])
    ws.write_string(0, 0, escape_cell(_as_text(p.get("title")) or TITLE), w.fmt["title"])
    ws.set_row(0, 28)
    row = w.pairs(ws, 2, [
        ("乡镇", p.get("township") or "未填写", "text"),
        ("分析时段", _window_text(p.get("window")) or "未知", "text"),
        ("生成日期", p.get("generated_on") or "", "text"),
        ("每人最多群数", plan.get("cap"), "int"),
        ("方案", _feasibility_text(plan), "text"),
    ])
    row += 1
    w.heading(ws, row, "调整前后对比")
    header = row + 1
    figures = list(p.get("figures") or [])

    def change(f: dict[str, Any]) -> Any:
        b, a = f.get("before"), f.get("after")
        return round(a - b, 10) if _is_number(a) and _is_number(b) else None

    def ratio(f: dict[str, Any]) -> Any:
        b, a = f.get("before"), f.get("after")
        return (a - b) / b if _is_number(a) and _is_number(b) and b else None

    def number_format(f: dict[str, Any], col: _Column) -> Any:
        if col.kind != "float":
            return None
        values = [f.get("before"), f.get("after")]
        return w.fmt["int"] if all(isinstance(v, int) and not isinstance(v, bool) for v in values) else None

    columns = [_Column("指标", "label", width=24), _Column("调整前", "before", "float", width=10),
               _Column("调整后", "after", "float", width=10), _Column("变化", change, "float", width=10),
               _Column("变化幅度", ratio, "share", width=10)]
    w.table(ws, header, columns, figures, empty="无可比较的指标", name="调整前后对比",
            autofilter=False, row_format=number_format)
    w._fit(ws, 0, 24)

    anchor = 2
    for which, title in (("count", "数量：调整前后"), ("load", "阅读负担：调整前后")):
        rows = [header + 1 + i for i, f in enumerate(figures)
                if figure_kind(f) == which and (_is_number(f.get("before")) or _is_number(f.get("after")))]
        if not rows:
            continue
        chart = w.wb.add_chart({"type": "column"})
        for col, color in ((1, "#8FAADC"), (2, "#C55A11")):
            chart.add_series({
                "name": ["概况", header, col],
                "categories": _ref("概况", rows, 0),
                "values": _ref("概况", rows, col),
                "fill": {"color": color},
                "data_labels": {"value": True},
            })
        chart.set_title({"name": title, "name_font": {"name": "宋体", "size": 12, "bold": True}})
        chart.set_x_axis({"num_font": {"name": "宋体"}})
        chart.set_y_axis({"major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_legend({"position": "bottom", "font": {"name": "宋体"}})
        chart.set_size({"width": 560, "height": 300})
        ws.insert_chart(anchor, 6, chart)
        anchor += 16


def _groups(w: _Writer, p: dict[str, Any]) -> None:
    ws = w.wb.add_worksheet("群调整")
    columns = [_Column("工作群", "group"), _Column("建议", "action", width=6), _Column("并入", "into"),
               _Column("理由", "reason", wrap=True, width=_WRAP_WIDTH), _Column("成员数", "members", "int"),
               _Column("日均消息", "messages_per_day", "float"), _Column("最后消息", "last_message", width=10),
               _Column("群主", "owner"), _Column("单位", "unit")]
    styles = {"解散": w.fmt["dissolve"], "合并": w.fmt["merge"], "保留": w.fmt["keep"]}

    def action_format(row: dict[str, Any], col: _Column) -> Any:
        return styles.get(row.get("action")) if col.header == "建议" else None

    w.table(ws, 0, columns, list(p.get("groups") or []), empty="无", name="群调整",
            row_format=action_format)
    ws.freeze_panes(1, 0)


def _people(w: _Writer, p: dict[str, Any]) -> None:
    ws = w.wb.add_worksheet("人员调整")
    columns = [_Column("干部", "person"), _Column("单位", "unit"), _Column("之前群数", "before", "int"),
               _Column("之后群数", "after", "int"), _Column("退出的群", "left", wrap=True, width=30),
               _Column("新加入的群", "joined", wrap=True, width=24),
               _Column("每天要看（之前）", "load_before", "float"),
               _Column("每天要看（之后）", "load_after", "float"),
               _Column("说明", "why", wrap=True, width=_WRAP_WIDTH)]
    w.table(ws, 0, columns, list(p.get("people") or []), empty="无：没有干部的入群情况需要调整", name="人员调整")
    ws.freeze_panes(1, 0)


def _after_hours(w: _Writer, p: dict[str, Any]) -> None:
    ws = w.wb.add_worksheet("非工作时间")
    a = p.get("after_hours") or {}
    w.heading(ws, 0, "非工作时间消息")
    w.finding(ws, 1, a.get("finding") or "无", last_col=4)
    row = w.pairs(ws, 3, [("消息总数", a.get("messages"), "int"),
                          ("非工作时间消息", a.get("after_hours"), "int"),
                          ("占比", a.get("share"), "share"),
                          ("深夜消息", a.get("late_night"), "int")])
    row += 1
    w.heading(ws, row, "按工作群")
    row = w.table(ws, row + 1, [_Column("工作群", "group"), _Column("非工作时间消息", "after_hours", "int"),
                                _Column("占比", "share", "share")],
                  list(a.get("groups") or []), name="非工作时间_群")
    w.heading(ws, row, "按发送人")
    w.table(ws, row + 1, [_Column("发送人", "person"), _Column("单位", "unit"),
                          _Column("非工作时间消息", "after_hours", "int"), _Column("深夜消息", "late_night", "int")],
            list(a.get("senders") or []), name="非工作时间_人")


def _quality(w: _Writer, p: dict[str, Any]) -> None:
    ws = w.wb.add_worksheet("消息质量")
    q = p.get("quality") or {}
    dup = q.get("duplicates") or {}
    w.heading(ws, 0, "消息质量")
    w.finding(ws, 1, q.get("finding") or "无", last_col=3)
    row = w.pairs(ws, 3, [("消息总数", q.get("total"), "int"),
                          ("在多个群重复发送的通知", dup.get("notices"), "int"),
                          ("重复发送的份数", dup.get("copies"), "int")])
    row += 1
    w.heading(ws, row, "消息分类")
    w.table(ws, row + 1, [_Column("类别", "category"), _Column("消息数", "messages", "int"),
                          _Column("占比", "share", "share")],
            list(q.get("categories") or []), name="消息分类")


def _leads(w: _Writer, p: dict[str, Any]) -> None:
    ws = w.wb.add_worksheet("违纪线索")
    ws.write_string(0, 0, "以下红包、转账记录仅为需要核实的线索，不代表已认定违纪。", w.fmt["note"])
    w.table(ws, 1, [_Column("时间", "time", width=16), _Column("工作群", "group"), _Column("发送人", "sender"),
                    _Column("类型", "kind", width=6), _Column("金额（元）", "amount", "money"),
                    _Column("内容", "text", wrap=True, width=_WRAP_WIDTH)],
            list(p.get("leads") or []), empty="未发现红包、转账记录", name="违纪线索")
    ws.freeze_panes(2, 0)


def _sources(w: _Writer, p: dict[str, Any]) -> None:
    ws = w.wb.add_worksheet("参数与数据来源")
    w.heading(ws, 0, "参数")
    row = w.table(ws, 1, [_Column("参数", "name"), _Column("取值", "value", width=10),
                          _Column("说明", "note", wrap=True, width=_WRAP_WIDTH)],
                  list(p.get("parameters") or []), name="参数")
    w.heading(ws, row, "数据来源")
    w.table(ws, row + 1, [_Column("文件", "file"), _Column("格式", "format"), _Column("类型", "kind"),
                          _Column("平台", "platform"), _Column("行数", "rows", "int"),
                          _Column("已导入", "loaded", "int"), _Column("拒收", "rejected", "int"),
                          _Column("SHA-256", "sha256"), _Column("最早", "first", width=16),
                          _Column("最晚", "last", width=16), _Column("导入时间", "imported_at", width=16)],
            list(p.get("sources") or []), name="数据来源")


def to_xlsx(proposal: dict[str, Any]) -> bytes:
    """The proposal as .xlsx bytes (sheets: :data:`SHEETS`)."""
    buf = io.BytesIO()
    w = _Writer(buf)
    w.wb.set_properties({"title": escape_cell(proposal.get("title") or TITLE),
                         "subject": "工作群清理规范", "comments": "由群鉴生成"})
    for sheet in (_overview, _groups, _people, _after_hours, _quality, _leads, _sources):
        sheet(w, proposal)
    w.close()
    return buf.getvalue()
