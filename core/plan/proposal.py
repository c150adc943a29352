"""The proposal a commission downloads: the plan plus the findings and sources behind it.

``gather(ws, scope, plan, township)`` assembles one dict (the contract of core/plan/export_xlsx.py
and core/plan/export_docx.py); every figure in it comes from the function that owns it (the plan
from core/plan/build.py, after-hours and quality from core/analysis), so the proposal, the pages
and the command line agree. ``pseudonymise(proposal)`` replaces every person's name with a stable
code (干部001 …) in all of it, free text included.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pandas as pd

from core.analysis import after_hours, overview, quality
from core.analysis.base import Scope, scoped, window_of
from core.lexicon import CATEGORY_LABELS, CATEGORY_ORDER
from core.plan.build import ACTION_NAMES, build
from core.plan.pseudonym import plan_json, pseudonymise_plan, replace_names  # noqa: F401  (re-exported)
from core.workspace import Workspace

# What each export is called in the audit log and on the page.
EXPORT_NAMES = {"xlsx": "整合方案（Excel）", "docx": "整合方案（Word）", "json": "整合方案（JSON）"}
TITLE = "关于清理规范工作群的建议方案"
TOP_ROWS = 20  # after-hours groups and senders listed in the proposal


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def figures(plan: dict[str, Any], reading_seconds: float) -> list[dict[str, Any]]:
    """The before → after table, in display order (label, before, after, kind). ``kind`` picks
    the workbook chart: "count" (groups per cadre), "load" (messages per cadre per day) or "none"
    (table only: totals whose scale would dwarf the others)."""
    b, a, cap = plan["before"], plan["after"], plan["cap"]
    rows = [("工作群（个）", "groups", "none"), ("入群人次", "memberships", "none"),
            ("人均所在群数", "mean_groups_per_person", "count"), ("所在群数 P90", "p90_groups_per_person", "count"),
            ("一人最多所在群数", "max_groups_per_person", "count"),
            (f"超过 {cap} 个群的干部（人）", "over_cap", "none"),
            ("每人每天要看的消息（中位数）", "messages_per_person_day_p50", "load"),
            ("每人每天要看的消息（P90）", "messages_per_person_day_p90", "load"),
            ("每人每天要看的消息（最多）", "messages_per_person_day_max", "load"),
            (f"全镇每周阅读时间（分钟，按每条 {reading_seconds:g} 秒）", "reading_minutes_per_week", "none")]
    return [{"label": label, "before": b[key], "after": a[key], "kind": kind} for label, key, kind in rows]


def _groups(plan: dict[str, Any]) -> list[dict[str, Any]]:
    order = {"dissolve": 0, "merge": 1, "keep": 2}
    rows = sorted(plan["actions"], key=lambda a: (order[a["action"]], a["into"] or "", a["group"]))
    return [{"group": a["group"], "action": ACTION_NAMES[a["action"]], "into": a["into"] or "",
             "reason": a["reason"], "members": a["members"], "messages_per_day": a["messages_per_day"],
             "last_message": a["last_message"] or "", "owner": a["owner"], "unit": a["unit"]} for a in rows]


def _people(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for p in plan["people"]:
        before, after = set(p["before"]), set(p["after"])
        if before == after:
            continue
        out.append({"person": p["person"], "unit": p["unit"], "before": len(before), "after": len(after),
                    "left": sorted(before - after), "joined": sorted(after - before),
                    "load_before": p["load_before"], "load_after": p["load_after"], "why": "；".join(p["why"])})
    return sorted(out, key=lambda r: (-r["before"], r["person"]))


def _after_hours(ws: Workspace, scope: Scope) -> dict[str, Any]:
    s = after_hours.summary(ws, scope)
    groups = after_hours.by_group(ws, scope).head(TOP_ROWS)
    senders = after_hours.by_sender(ws, scope)
    senders = senders[senders["after_hours_sent"] > 0].head(TOP_ROWS)
    return {
        "finding": after_hours.finding(ws, scope), "messages": s["messages"], "after_hours": s["after_hours"],
        "exempt": s["exempt"], "share": round(s["share"], 4), "late_night": s["late_night"],
        "groups": [{"group": r.group, "after_hours": int(r.after_hours), "share": round(float(r.share), 4)}
                   for r in groups.itertuples(index=False) if r.after_hours],
        "senders": [{"person": r.person, "unit": _text(r.unit), "after_hours": int(r.after_hours_sent),
                     "late_night": int(r.late_night_sent)} for r in senders.itertuples(index=False)],
    }


def _quality(ws: Workspace, scope: Scope, findings: dict[str, str]) -> dict[str, Any]:
    cats = quality.categories(ws, scope)
    total = sum(n for c, n in cats.items() if c != "system")
    dup = quality.duplicate_summary(ws, scope)
    return {
        "finding": findings.get("noise", ""), "total": total,
        "categories": [{"category": CATEGORY_LABELS[c], "messages": cats[c],
                        "share": round(cats[c] / total, 4) if total else 0.0}
                       for c in CATEGORY_ORDER if c != "system"],
        "duplicates": {"notices": dup["clusters"], "copies": dup["copies"], "extra_copies": dup["extra_copies"]},
    }


def _leads(ws: Workspace, scope: Scope) -> list[dict[str, Any]]:
    kinds = {"red_packet": "红包", "transfer": "转账"}
    rows = quality.red_packets(ws, scope)
    return [{"time": _text(r.sent_local), "group": r.group, "sender": _text(r.sender),
             "kind": kinds.get(r.kind, _text(r.kind)), "text": _text(r.text),
             "amount": None if pd.isna(r.amount) else float(r.amount)} for r in rows.itertuples(index=False)]


def _sources(ws: Workspace) -> list[dict[str, Any]]:
    with scoped(ws) as cur:
        rows = cur.execute(
            """
            select i.file_name, i.format, i.kind, i.platform, i.rows, i.loaded, i.rejected, i.sha256,
                   min(m.sent_local), max(m.sent_local), i.imported_at
            from imports i left join messages m on m.import_id = i.id
            group by i.id, i.file_name, i.format, i.kind, i.platform, i.rows, i.loaded, i.rejected, i.sha256,
                     i.imported_at
            order by i.id
            """
        ).fetchall()
    keys = ("file", "format", "kind", "platform", "rows", "loaded", "rejected", "sha256", "first", "last",
            "imported_at")
    out = []
    for r in rows:
        item = dict(zip(keys, r))
        for k in ("file", "format", "kind", "platform", "sha256", "first", "last"):
            item[k] = _text(item[k])
        item["imported_at"] = _text(pd.Timestamp(item["imported_at"]).tz_convert(ws.settings().timezone)
                                    if item["imported_at"] is not None else None)
        out.append(item)
    return out


def _parameters(ws: Workspace, plan: dict[str, Any], scope: Scope) -> list[dict[str, str]]:
    s = ws.settings()
    lunch = (f"{s.lunch_start:%H:%M}–{s.lunch_end:%H:%M}" if s.lunch_start and s.lunch_end else "不设")
    rows = [("每人最多群数 K", str(plan["cap"]), "方案按此上限为超过的干部挑选保留的群"),
            ("工作时间", f"{s.work_start:%H:%M}–{s.work_end:%H:%M}，午休 {lunch}", "工作日按国家法定节假日和调休安排"),
            ("应急豁免词", "、".join(s.emergency_words), "含这些词的消息及应急群的消息不计入非工作时间"),
            ("僵尸群", f"{s.zombie_days} 天无消息", "到分析日期为止"),
            ("阅读一条消息", f"{s.reading_seconds:g} 秒", "用于估算阅读时间"),
            ("每群人数上限", str(s.max_group_members), "合并后不得超过"),
            ("时区", s.timezone, "导出文件里的时间按此理解"),
            ("分析期间", f"{_text(scope.start) or '最早'} 至 {_text(scope.end) or '最新'}", "侧边栏的日期筛选"),
            ("合并评分", "省下的入群人次和重复通知 − 给原来只在一方的成员增加的无关消息", "只取合算的合并"),
            ("保留群的优先级", "本人在群里的发言数 + 被@的次数 + 群主/管理员 20 + 本单位的群 10 + 1", "超过上限时保留优先级高的群")]
    return [{"name": n, "value": v, "note": note} for n, v, note in rows]


def gather(ws: Workspace, scope: Scope, plan: dict[str, Any], township: str = "",
           today: dt.date | None = None) -> dict[str, Any]:
    """The proposal for ``plan`` (core/plan/build.py) over ``scope``; see the module docstring."""
    window = window_of(ws, scope)
    _, found = overview.overview(ws, scope, limit=20)
    findings = {f.key: f.text for f in found}
    return {
        "title": TITLE,
        "township": township.strip() or None,
        "generated_on": (today or dt.date.today()).isoformat(),
        "window": {"start": _text(window.lo), "end": _text(window.hi), "days": window.days},
        "plan": plan,
        "findings": [{"key": f.key, "text": f.text} for f in found],
        "figures": figures(plan, ws.settings().reading_seconds),
        "groups": _groups(plan),
        "people": _people(plan),
        "after_hours": _after_hours(ws, scope),
        "quality": _quality(ws, scope, findings),
        "leads": _leads(ws, scope),
        "sources": _sources(ws),
        "parameters": _parameters(ws, plan, scope),
    }


def person_names(ws: Workspace) -> list[str]:
    """Every person's display name in the workspace (what :func:`pseudonymise` replaces)."""
    with scoped(ws) as cur:
        return [r[0] for r in cur.execute("select display_name from people where display_name is not null").fetchall()]


def pseudonymise(proposal: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """A copy of ``proposal`` with every name in ``names`` replaced by its stable code."""
    return json.loads(replace_names(json.dumps(proposal, ensure_ascii=False, default=str), names))


def export(ws: Workspace, scope: Scope, kind: str, township: str = "", pseudonyms: bool = False,
           **plan_kw: Any) -> bytes:
    """The plan ``build(ws, scope, **plan_kw)`` as a downloadable file: ``kind`` "xlsx" (the
    workbook), "docx" (the Word proposal) or "json" (the plan object); names replaced by stable
    codes when ``pseudonyms``."""
    plan = build(ws, scope, **plan_kw)
    names = person_names(ws)
    if kind == "json":
        return plan_json(plan, pseudonyms=pseudonyms, names=names)
    proposal = gather(ws, scope, plan, township)
    if pseudonyms:
        proposal = pseudonymise(proposal, names)
    if kind == "xlsx":
        from core.plan.export_xlsx import to_xlsx

        return to_xlsx(proposal)
    if kind == "docx":
        from core.plan.export_docx import to_docx

        return to_docx(proposal)
    raise ValueError(f"unknown export kind {kind!r}")
