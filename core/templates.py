"""Downloadable blank templates (CSV / XLSX) built from core/formats/template_spec.py.

``blank_template(kind, fmt)`` returns the file's bytes: the header row only (an example row
would be imported as data). CSV is UTF-8 with BOM and CRLF so Excel opens it correctly; XLSX
has the data sheet (named after the template) and a 填写说明 sheet with each column's help,
whether it is required, and an example value.
"""

from __future__ import annotations

import codecs
import csv
import io

from core.formats.template import HELP_SHEET
from core.formats.template_spec import TEMPLATE_TITLES, TEMPLATES

# One example value per field, shown in the 填写说明 sheet only.
EXAMPLES = {
    "group_name": "城南街道网格员工作群", "sender": "党建办-王小明", "sent_at": "2026-03-11 09:05:00",
    "content": "请各村于今天下班前报送台账。", "type": "文本", "platform": "钉钉", "sender_id": "wangxm",
    "group_id": "", "member": "王小明", "role": "成员", "unit": "党建办", "position": "科员",
    "joined_at": "2026-01-05", "member_id": "wangxm", "owner": "李建国", "category": "综合",
    "emergency": "否", "created_at": "2025-12-01", "notes": "", "name": "王小明", "is_leader": "否",
    "account": "wangxm", "aliases": "小王、王晓明",
}
_TEXT_FIELDS = {"sender_id", "group_id", "member_id", "account"}  # keep long digit ids as text


def blank_template(kind: str, fmt: str) -> bytes:
    """Blank template of ``kind`` (messages | roster | groups | directory) as ``fmt`` (csv | xlsx)."""
    if kind not in TEMPLATES:
        raise ValueError(f"unknown template kind {kind!r}")
    cols = TEMPLATES[kind]
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow([c.header for c in cols])
        return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")
    if fmt != "xlsx":
        raise ValueError(f"unknown template format {fmt!r}")

    import xlsxwriter  # deferred: only XLSX downloads need it

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    head_req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    head_opt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text_fmt = wb.add_format({"num_format": "@"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    data = wb.add_worksheet(TEMPLATE_TITLES[kind])
    for i, col in enumerate(cols):
        data.write_string(0, i, col.header, head_req if col.required else head_opt)
        width = min(40, max(10, 2 * len(col.header) + 4, 2 * len(EXAMPLES.get(col.field, "")) + 2))
        data.set_column(i, i, width, text_fmt if col.field in _TEXT_FIELDS else None)
        data.write_comment(0, i, col.help)
    data.freeze_panes(1, 0)
    helps = wb.add_worksheet(HELP_SHEET)
    helps.write_string(0, 0, f"{TEMPLATE_TITLES[kind]}：在“{TEMPLATE_TITLES[kind]}”工作表第 2 行起逐行填写，"
                             "不要修改第 1 行表头。红色表头为必填列。", wb.add_format({"bold": True}))
    for i, label in enumerate(("列", "是否必填", "填写说明", "示例")):
        helps.write_string(2, i, label, head_opt)
    for r, col in enumerate(cols, start=3):
        helps.write_string(r, 0, col.header)
        helps.write_string(r, 1, "必填" if col.required else "选填")
        helps.write_string(r, 2, col.help, wrap)
        helps.write_string(r, 3, EXAMPLES.get(col.field, ""))
    helps.set_column(0, 0, 14)
    helps.set_column(1, 1, 10)
    helps.set_column(2, 2, 60)
    helps.set_column(3, 3, 30)
    wb.close()
    return out.getvalue()
