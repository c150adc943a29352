"""After hours (非工作时间): who posts outside working time, when, and in which groups.

Every count is over ``v_msg`` from :func:`core.analysis.base.scoped`, so the definitions are the
shared ones: after hours (official calendar with 调休, working hours, lunch break), late night
[22:00, 07:00), exempt (emergency group or emergency word); system and recall messages never count.

Counts named ``late_night`` here are after-hours late-night messages (a late-night message can only
be inside working hours if the user sets the working day to run past 22:00).

The module also turns the settings form's raw input into :class:`Settings` (``build_settings``), so
the validation rules and their Chinese messages live here, not in the page.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
from pydantic import ValidationError

from core.analysis.base import Scope, frame, scoped
from core.settings import Settings
from core.workspace import Workspace

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# For "the latest post of the night", the night runs from the end of one working day into the
# small hours of the next: times before 05:00 count as later than 23:59. A 06:30 post is an
# early-morning post, not the end of a long night.
NIGHT_TURN_HOUR = 5

# Shown for messages without text in the drill-down, so a row is never blank.
KIND_NAMES = {
    "image": "图片", "voice": "语音", "video": "视频", "sticker": "表情", "file": "文件", "link": "链接",
    "quote": "引用", "red_packet": "红包", "transfer": "转账", "call": "通话", "location": "位置",
    "other": "其他消息", "text": "文本",
}

# The zones a Chinese township office may meet; the current setting is always offered too.
COMMON_TIMEZONES = {
    "Asia/Shanghai": "北京时间（Asia/Shanghai，UTC+8）",
    "Asia/Urumqi": "新疆时间（Asia/Urumqi，UTC+6）",
    "Asia/Hong_Kong": "香港（Asia/Hong_Kong，UTC+8）",
    "Asia/Macau": "澳门（Asia/Macau，UTC+8）",
    "Asia/Taipei": "台北（Asia/Taipei，UTC+8）",
    "UTC": "协调世界时（UTC）",
}


def summary(ws: Workspace, scope: Scope = Scope()) -> dict[str, Any]:
    """Headline counts in ``scope``: messages (all), after_hours (incl. exempt), exempt
    (after hours and exempt), non_exempt, share (after_hours / messages, 0 without messages),
    non_exempt_share, late_night and late_night_non_exempt (after-hours late-night messages),
    holiday_messages (messages on non-workdays, whatever the hour)."""
    with scoped(ws, scope) as cur:
        row = cur.execute(
            """
            select count(*),
                   count(*) filter (where v.after_hours),
                   count(*) filter (where v.after_hours and v.exempt),
                   count(*) filter (where v.after_hours and v.late_night),
                   count(*) filter (where v.after_hours and v.late_night and not v.exempt),
                   count(*) filter (where not c.workday)
            from v_msg v join _cal c on c.d = v.d
            """
        ).fetchone()
    messages, after_hours, exempt, late, late_non_exempt, holiday = (int(x) for x in row)
    non_exempt = after_hours - exempt
    return {
        "messages": messages,
        "after_hours": after_hours,
        "exempt": exempt,
        "non_exempt": non_exempt,
        "share": after_hours / messages if messages else 0.0,
        "non_exempt_share": non_exempt / messages if messages else 0.0,
        "late_night": late,
        "late_night_non_exempt": late_non_exempt,
        "holiday_messages": holiday,
    }


def heatmap(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per weekday × hour, all 168 present: dow (1 = Monday … 7), hh (0 … 23), messages,
    after_hours, exempt (after hours and exempt), late_night (after hours)."""
    with scoped(ws, scope) as cur:
        return frame(cur, """
            with cells as (
                select w.dow::integer as dow, h.hh::integer as hh
                from range(1, 8) w(dow) cross join range(0, 24) h(hh)
            )
            select c.dow, c.hh,
                   count(v.d) as messages,
                   count(*) filter (where v.after_hours) as after_hours,
                   count(*) filter (where v.after_hours and v.exempt) as exempt,
                   count(*) filter (where v.after_hours and v.late_night) as late_night
            from cells c left join v_msg v on v.dow = c.dow and v.hh = c.hh
            group by c.dow, c.hh
            order by c.dow, c.hh
        """)


def weekly(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per calendar week (Monday start) touching the window, weeks without messages
    included: week (date of the Monday), days (days of that week inside the window: the first
    and last week may be partial), messages, after_hours, exempt, non_exempt, late_night,
    late_night_non_exempt, share (after_hours / messages, 0 without messages)."""
    with scoped(ws, scope) as cur:
        df = frame(cur, """
            with weeks as (
                select date_trunc('week', d)::date as week, count(*)::integer as days
                from _cal group by 1
            ), counted as (
                select w.week, w.days,
                       count(v.d) as messages,
                       count(*) filter (where v.after_hours) as after_hours,
                       count(*) filter (where v.after_hours and v.exempt) as exempt,
                       count(*) filter (where v.after_hours and v.late_night) as late_night,
                       count(*) filter (where v.after_hours and v.late_night and not v.exempt) as late_night_non_exempt
                from weeks w left join v_msg v on date_trunc('week', v.d)::date = w.week
                group by w.week, w.days
            )
            select week, days, messages, after_hours, exempt, after_hours - exempt as non_exempt, late_night,
                   late_night_non_exempt,
                   case when messages = 0 then 0.0 else after_hours / messages end as share
            from counted
            order by week
        """)
    df["week"] = pd.to_datetime(df["week"]).dt.date  # DuckDB hands dates to pandas as timestamps
    return df


def by_group(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per group with messages in scope: group_id, group, emergency (the group's flag),
    messages, after_hours, after_hours_exempt, non_exempt, late_night (after hours),
    late_night_non_exempt, share (after_hours / messages). Most non-exempt after-hours messages first."""
    with scoped(ws, scope) as cur:
        return frame(cur, """
            with counted as (
                select v.group_id,
                       count(*) as messages,
                       count(*) filter (where v.after_hours) as after_hours,
                       count(*) filter (where v.after_hours and v.exempt) as after_hours_exempt,
                       count(*) filter (where v.after_hours and v.late_night) as late_night,
                       count(*) filter (where v.after_hours and v.late_night and not v.exempt) as late_night_non_exempt
                from v_msg v
                group by v.group_id
            )
            select c.group_id, g.name as "group", g.emergency, c.messages, c.after_hours,
                   c.after_hours_exempt, c.after_hours - c.after_hours_exempt as non_exempt,
                   c.late_night, c.late_night_non_exempt, c.after_hours / c.messages as share
            from counted c join groups g on g.id = c.group_id
            order by non_exempt desc, c.after_hours desc, c.messages desc, g.name
        """)


def by_sender(ws: Workspace, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per sender in scope (people of the unit filter) with messages: person_id, person,
    unit, position, is_leader, sent, after_hours_sent, after_hours_exempt_sent, non_exempt_sent,
    late_night_sent (after hours), late_night_non_exempt_sent, latest_time ("HH:MM" of their
    latest after-hours post on the night clock — times before 05:00 count as later than 23:59;
    missing (NA) without after-hours posts), latest_at (the local timestamp of that post),
    share (after_hours_sent / sent). Most non-exempt after-hours messages first."""
    with scoped(ws, scope) as cur:
        return frame(cur, """
            with counted as (
                select v.person_id,
                       count(*) as sent,
                       count(*) filter (where v.after_hours) as after_hours_sent,
                       count(*) filter (where v.after_hours and v.exempt) as after_hours_exempt_sent,
                       count(*) filter (where v.after_hours and v.late_night) as late_night_sent,
                       count(*) filter (where v.after_hours and v.late_night and not v.exempt) as late_night_non_exempt_sent,
                       arg_max(v.sent_local,
                               -- seconds since NIGHT_TURN_HOUR: the largest is the latest in the night
                               (v.hh * 3600 + minute(v.sent_local) * 60 + second(v.sent_local)
                                - ? * 3600 + 86400) % 86400) filter (where v.after_hours) as latest_at
                from v_msg v join _p on _p.person_id = v.person_id
                group by v.person_id
            )
            select c.person_id, p.display_name as person, p.unit, p.position, p.is_leader, c.sent,
                   c.after_hours_sent, c.after_hours_exempt_sent,
                   c.after_hours_sent - c.after_hours_exempt_sent as non_exempt_sent,
                   c.late_night_sent, c.late_night_non_exempt_sent,
                   strftime(c.latest_at, '%H:%M') as latest_time, c.latest_at,
                   c.after_hours_sent / c.sent as share
            from counted c join people p on p.id = c.person_id
            order by non_exempt_sent desc, c.after_hours_sent desc, c.sent desc, p.display_name
        """, [NIGHT_TURN_HOUR])


def messages(ws: Workspace, scope: Scope = Scope(), group_id: int | None = None,
             person_id: int | None = None, limit: int = 500, late_only: bool = False) -> pd.DataFrame:
    """The after-hours messages behind the figures, newest first, at most ``limit``: sent_local,
    weekday (周一…周日), day (holiday name such as 劳动节, 调休上班, 周末, 补充放假, 补充上班 or
    工作日), reason (why it is after hours: 休息日, 下班后, 上班前 or 午休), group_id, group,
    person_id, sender, kind, text (a [图片]-style placeholder when the message has no text),
    late_night, exempt. Optionally only one group, one sender, late night only."""
    with scoped(ws, scope) as cur:
        df = frame(cur, """
            with v as materialized (
                -- pick the rows on the narrow facts, then fetch the texts of those rows only
                select * from v_msg
                where after_hours
                  and (?::integer is null or group_id = ?::integer)
                  and (?::integer is null or person_id = ?::integer)
                  and (not ?::boolean or late_night)
                order by sent_local desc, group_id, line
                limit ?
            )
            select v.sent_local,
                   list_extract(?::varchar[], v.dow) as weekday,
                   case when not c.workday and c.holiday is not null then c.holiday
                        when not c.workday and c.source = 'user' then '补充放假'
                        when not c.workday then '周末'
                        when c.source = 'user' then '补充上班'
                        when c.holiday is not null then '调休上班'
                        else '工作日' end as day,
                   case when not c.workday then '休息日'
                        when v.sent_local::time >= f.work_end then '下班后'
                        when v.sent_local::time < f.work_start then '上班前'
                        else '午休' end as reason,
                   v.group_id, g.name as "group", v.person_id, p.display_name as sender,
                   v.kind, t.text, v.late_night, v.exempt
            from v
            join messages t on t.import_id = v.import_id and t.line = v.line
            join _cal c on c.d = v.d
            join groups g on g.id = v.group_id
            left join people p on p.id = v.person_id
            cross join _cfg f
            order by v.sent_local desc, v.group_id, v.line
        """, [group_id, group_id, person_id, person_id, late_only, int(limit), list(WEEKDAYS)])
    placeholder = "[" + df["kind"].map(KIND_NAMES).fillna("消息") + "]"
    df["text"] = df["text"].where(df["text"].notna() & (df["text"] != ""), placeholder)
    return df


def finding(ws: Workspace, scope: Scope = Scope()) -> str:
    """The plain-language finding at the top of the page (also usable in the proposal)."""
    return finding_text(summary(ws, scope), by_sender(ws, scope), by_group(ws, scope),
                        ws.settings().emergency_words)


def finding_text(s: dict[str, Any], senders: pd.DataFrame, groups: pd.DataFrame,
                 emergency_words: list[str]) -> str:
    """:func:`finding` from figures the caller already has (the page has them cached)."""
    if s["messages"] == 0:
        return "所选范围内没有消息。"
    if s["after_hours"] == 0:
        return f"所选范围内的 {s['messages']:,} 条消息都发在工作时间内。"
    text = (f"{s['share']:.1%} 的消息发在非工作时间（{s['after_hours']:,} 条，共 {s['messages']:,} 条），"
            f"其中深夜 22:00–07:00 有 {s['late_night']:,} 条")
    if s["exempt"]:
        words = [w for w in emergency_words if w]
        which = f"应急群和含“{words[0]}”等字样" if words else "应急群"
        text += (f"；扣除{which}的 {s['exempt']:,} 条，仍有 {s['non_exempt']:,} 条"
                 f"（占全部消息 {s['non_exempt_share']:.1%}）")
    text += "。"
    senders = senders[senders["non_exempt_sent"] > 0]
    if not senders.empty:
        top = senders.iloc[0]
        who = "·".join(x for x in (top["unit"], top["position"]) if isinstance(x, str) and x)
        text += (f"不属应急的非工作时间消息发得最多的是 {top['person']}{f'（{who}）' if who else ''}："
                 f"{int(top['non_exempt_sent']):,} 条")
        if top["late_night_non_exempt_sent"]:
            text += f"，其中深夜 {int(top['late_night_non_exempt_sent']):,} 条"
        text += f"，夜里最晚发到 {top['latest_time']}"
        leaders = senders[senders["is_leader"]]
        if not top["is_leader"] and not leaders.empty:
            lead = leaders.iloc[0]
            role = lead["position"] if isinstance(lead["position"], str) and lead["position"] else ""
            text += (f"；领导班子中最多的是 {lead['person']}{f'（{role}）' if role else ''}："
                     f"{int(lead['non_exempt_sent']):,} 条，夜里最晚发到 {lead['latest_time']}")
        first = groups.iloc[0]
        text += f"；最多的群是 {first['group']}（{int(first['non_exempt']):,} 条）。"
    return text


# -- settings form ---------------------------------------------------------------------------

_DATE_SPLIT = re.compile(r"[,，、;；\s]+")
_RANGE_SPLIT = re.compile(r"\s*(?:~|～|至|到)\s*")
_DATE_FORMS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
MAX_RANGE_DAYS = 366


def _one_date(token: str) -> dt.date | None:
    for form in _DATE_FORMS:
        try:
            return dt.datetime.strptime(token, form).date()
        except ValueError:
            continue
    return None


def parse_dates(text: str, field: str) -> tuple[list[dt.date], list[str]]:
    """Dates typed by the user: ``2026-06-01, 2026-06-02`` (also / . 年月日 forms; commas, 、,
    semicolons, spaces or new lines between) and ranges ``2026-06-01~2026-06-03`` (or 至/到).
    Returns the sorted distinct dates and Chinese errors naming ``field`` and the fix."""
    out: set[dt.date] = set()
    errors: list[str] = []
    # Ranges first, so the separator around ~/至 is not taken for a list separator.
    text = _RANGE_SPLIT.sub("~", text.strip())
    for token in (t for t in _DATE_SPLIT.split(text) if t):
        parts = token.split("~")
        dates = [_one_date(p) for p in parts]
        if len(parts) > 2 or any(d is None for d in dates):
            errors.append(f"「{field}」里的「{token}」不是有效日期：请写成 2026-06-01 这样的格式，"
                          "多个日期用逗号或换行分开，连续几天可写成 2026-06-01~2026-06-03。")
            continue
        lo, hi = dates[0], dates[-1]
        if hi < lo:
            errors.append(f"「{field}」里的「{token}」结束日期早于开始日期：请把先的日期写在前面。")
            continue
        if (hi - lo).days >= MAX_RANGE_DAYS:
            errors.append(f"「{field}」里的「{token}」超过一年：请分段填写。")
            continue
        out.update(lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1))
    return sorted(out), errors


def format_dates(dates: list[dt.date]) -> str:
    """Dates as the form shows them: runs of three or more consecutive days as ``a~b``."""
    out: list[str] = []
    run: list[dt.date] = []
    for d in sorted(set(dates)) + [None]:  # type: ignore[list-item]
        if run and (d is None or d != run[-1] + dt.timedelta(days=1)):
            out.append(f"{run[0]:%Y-%m-%d}~{run[-1]:%Y-%m-%d}" if len(run) >= 3
                       else ", ".join(f"{x:%Y-%m-%d}" for x in run))
            run = []
        if d is not None:
            run.append(d)
    return ", ".join(out)


def _hm(t: dt.time) -> str:
    return f"{t:%H:%M}"


def build_settings(current: Settings, *, work_start: dt.time, work_end: dt.time, lunch: bool,
                   lunch_start: dt.time | None, lunch_end: dt.time | None, extra_holidays: str,
                   extra_workdays: str, timezone: str, emergency_words: str) -> tuple[Settings | None, list[str]]:
    """The working-time form's raw values → new Settings (other settings kept from ``current``),
    or None and the Chinese errors, each naming the field and the fix."""
    errors: list[str] = []
    if work_start >= work_end:
        errors.append(f"「上班时间」{_hm(work_start)} 不早于「下班时间」{_hm(work_end)}：请把下班时间设在上班时间之后"
                      "（不支持跨午夜的班次）。")
    if lunch:
        if lunch_start is None or lunch_end is None:
            errors.append("已勾选「设午休」，但午休开始或结束时间是空的：请填上两个时间，或取消勾选。")
        elif lunch_start >= lunch_end:
            errors.append(f"「午休开始」{_hm(lunch_start)} 不早于「午休结束」{_hm(lunch_end)}：请把午休结束设在开始之后。")
        elif not errors and (lunch_start < work_start or lunch_end > work_end):
            errors.append(f"午休 {_hm(lunch_start)}–{_hm(lunch_end)} 不在上下班时间 {_hm(work_start)}–{_hm(work_end)} "
                          "之内：请调整午休时间，或取消勾选「设午休」。")
    holidays, errs = parse_dates(extra_holidays, "额外放假日期")
    errors += errs
    workdays, errs = parse_dates(extra_workdays, "额外上班日期")
    errors += errs
    both = sorted(set(holidays) & set(workdays))
    if both:
        shown = "、".join(f"{d:%Y-%m-%d}" for d in both[:5]) + ("等" if len(both) > 5 else "")
        errors.append(f"{shown} 同时写在「额外放假日期」和「额外上班日期」里：请只保留一处。")
    words = list(dict.fromkeys(w for w in _DATE_SPLIT.split(emergency_words.strip()) if w))
    if errors:
        return None, errors
    try:
        new = Settings.model_validate({
            **current.model_dump(),
            "work_start": work_start, "work_end": work_end,
            "lunch_start": lunch_start if lunch else None, "lunch_end": lunch_end if lunch else None,
            "extra_holidays": holidays, "extra_workdays": workdays,
            "timezone": timezone, "emergency_words": words,
        })
    except ValidationError as exc:
        return None, [f"「时区」{timezone} 无法识别：请从列表中选择，例如 Asia/Shanghai。"
                      if "timezone" in str(e.get("loc")) else f"设置有误：{e.get('msg')}" for e in exc.errors()]
    return new, []
