"""非工作时间: when messages are sent outside working time, in which groups, by whom; the
working-time settings that decide it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core.analysis import after_hours as ah

from ui.glue import analysis_page, cached, table_csv, workspace
from ui.safe import md, plot

RED, PINK, GREY = "#b71c1c", "#ef9a9a", "#b0bec5"
TOP_N = 15

scope = analysis_page("非工作时间", "非工作时间分析需要聊天记录。")

settings = workspace().settings()
flash = st.session_state.pop("ah_flash", None)
if flash:
    st.success(flash)


def _hm(t: dt.time | None) -> str:
    return f"{t:%H:%M}" if t else ""


def _txt(value: Any) -> str:
    """A cell as text; missing values (None or pandas NA) as ""."""
    return "" if value is None or pd.isna(value) else str(value)


def _escaped(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """``df`` with the names in ``cols`` escaped for Markdown (missing values stay missing)."""
    return df.assign(**{c: df[c].map(lambda v: md(v) if isinstance(v, str) else v) for c in cols})


def _rule_text() -> str:
    lunch = f"，午休 {_hm(settings.lunch_start)}–{_hm(settings.lunch_end)} 也算" if settings.lunch_start else ""
    words = (f"和含“{'”“'.join(md(w) for w in settings.emergency_words[:3])}”等字样"
             if settings.emergency_words else "")
    return (f"按现行设置：法定节假日、周末（调休上班日除外）全天，以及工作日 {_hm(settings.work_start)} 之前、"
            f"{_hm(settings.work_end)} 及以后{lunch}，都算非工作时间；深夜指 22:00–次日 07:00。"
            f"应急群{words}的消息记为“应急豁免”。可在页面底部“工作时间设置”里修改。")


def _chart_pick(event: Any) -> int | None:
    """The id (customdata[0]) of the bar clicked in a chart, if any."""
    points = event.selection.points if event else []
    data = points[0].get("customdata") if points else None
    return int(data[0]) if isinstance(data, (list, tuple)) and data else None


def _table_pick(event: Any, ids: pd.Series) -> int | None:
    """The id of the row selected in a table, if any."""
    rows = event.selection.rows if event else []
    return int(ids.iloc[rows[0]]) if rows and rows[0] < len(ids) else None


def _follow(value: int | None, seen_key: str, target_key: str, valid: set[int]) -> None:
    """A click on a chart bar or a table row picks that item in the drill-down below — once:
    a later pick in the select box wins until the next click."""
    if value is None or st.session_state.get(seen_key) == value:
        return
    st.session_state[seen_key] = value
    if value in valid:
        st.session_state[target_key] = value


def _drill(rows: pd.DataFrame, total: int, file_stem: str, late_only: bool) -> None:
    """The after-hours messages behind one bar: time, weekday, day, text, exempt or not."""
    what = "深夜消息" if late_only else "非工作时间消息"
    if rows.empty:
        st.info(f"没有{what}。")
        return
    shown = f"共 {total:,} 条{what}" + (f"，下表显示最近 {len(rows):,} 条" if total > len(rows) else "")
    st.caption(shown + "。")
    table = pd.DataFrame({
        "时间": rows["sent_local"].dt.strftime("%Y-%m-%d %H:%M"),
        "星期": rows["weekday"],
        "当天": rows["day"],
        "为何算非工作时间": rows["reason"],
        "深夜": rows["late_night"].map({True: "是", False: ""}),
        "应急豁免": rows["exempt"].map({True: "是", False: ""}),
        "群": rows["group"],
        "发送人": rows["sender"].fillna("（未知）"),
        "内容": rows["text"],
    })
    st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 420),
                 column_config={"内容": st.column_config.TextColumn(width="large")})
    st.download_button("下载这些消息（CSV）", table_csv(f"非工作时间·{file_stem}（CSV）", table),
                       file_name=f"非工作时间_{file_stem}.csv", mime="text/csv", key=f"dl_{file_stem}")


def _stacked_bars(labels: list[str], ids: list[int], parts: list[tuple[str, list[int], str]],
                  hover: list[str]) -> go.Figure:
    """Horizontal stacked bars, biggest on top; customdata carries the id for click-through."""
    fig = go.Figure()
    for name, values, color in parts:
        fig.add_bar(y=labels, x=values, name=name, orientation="h", marker_color=color,
                    customdata=[[i, h] for i, h in zip(ids, hover)],
                    hovertemplate="%{customdata[1]}<extra></extra>")
    fig.update_layout(barmode="stack", height=90 + 26 * len(labels), margin=dict(l=10, r=10, t=30, b=10),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
                      yaxis=dict(autorange="reversed"), xaxis_title="非工作时间消息（条）",
                      clickmode="event+select")
    return fig


def _settings_form(expand_settings: bool = False) -> None:
    """Working-time settings: hours, lunch, extra holidays/workdays, timezone, emergency words."""
    with st.expander("工作时间设置", expanded=expand_settings):
        st.caption("上下班时间、午休、额外的放假和上班日期、时区和应急关键词决定哪些消息算“非工作时间”。"
                   "法定节假日和调休已按国家公布的日历自动计算（已知 2004–2026 年，其他年份按周一至周五上班），"
                   "这里只需补充本镇自己的安排。保存后所有页面的统计会立即重新计算。")
        with st.form("ah_settings"):
            c1, c2, c3 = st.columns(3)
            start = c1.time_input("上班时间", settings.work_start, step=300)
            end = c1.time_input("下班时间", settings.work_end, step=300,
                                help="从这一刻起算非工作时间，例如 18:00 发的消息算下班后。")
            lunch = c2.checkbox("设午休（午休期间也算非工作时间）", value=settings.lunch_start is not None)
            lunch_start = c2.time_input("午休开始", settings.lunch_start or dt.time(12, 0), step=300)
            lunch_end = c2.time_input("午休结束", settings.lunch_end or dt.time(14, 0), step=300)
            zones = dict(ah.COMMON_TIMEZONES)
            zones.setdefault(settings.timezone, settings.timezone)
            zone = c3.selectbox("时区", list(zones), index=list(zones).index(settings.timezone),
                                format_func=zones.get,
                                help="聊天记录里的时间按此时区换算成本地时间。改动后已导入的消息会按新时区重新换算。")
            words = c3.text_input("应急关键词", "、".join(settings.emergency_words),
                                  help="含这些词的消息算应急，不计为问题；多个词用顿号或逗号分开。留空表示不按关键词豁免。")
            d1, d2 = st.columns(2)
            holidays = d1.text_area("额外放假日期", ah.format_dates(settings.extra_holidays),
                                    placeholder="例如：2026-06-01, 2026-06-02 或 2026-10-01~2026-10-03",
                                    help="本镇另外放假的日期，这些天全天算非工作时间。多个日期用逗号或换行分开。")
            workdays = d2.text_area("额外上班日期", ah.format_dates(settings.extra_workdays),
                                    placeholder="例如：2026-06-06（周六加班）",
                                    help="本镇要求上班的休息日，这些天按工作日的上下班时间计算。")
            submitted = st.form_submit_button("保存设置", type="primary")
        if not submitted:
            return
        new, errors = ah.build_settings(settings, work_start=start, work_end=end, lunch=lunch,
                                        lunch_start=lunch_start, lunch_end=lunch_end, extra_holidays=holidays,
                                        extra_workdays=workdays, timezone=zone, emergency_words=words)
        if errors:
            st.error("设置没有保存：\n\n" + "\n".join(f"- {e}" for e in errors))
            return
        if new == settings:
            st.info("设置没有变化。")
            return
        workspace().save_settings(new)
        extra = f"，午休 {_hm(new.lunch_start)}–{_hm(new.lunch_end)}" if new.lunch_start else ""
        extra += f"，额外放假 {len(new.extra_holidays)} 天" if new.extra_holidays else ""
        extra += f"，额外上班 {len(new.extra_workdays)} 天" if new.extra_workdays else ""
        st.session_state["ah_flash"] = (f"已保存工作时间设置：{_hm(new.work_start)}–{_hm(new.work_end)}{extra}，"
                                        f"时区 {new.timezone}。所有统计已按新设置重新计算。")
        st.rerun()


s = cached(ah.summary, scope)
if s["messages"] == 0:
    st.info("所选范围内没有消息。可以在左侧放宽时间范围、单位或工作群筛选。")
    _settings_form(expand_settings=bool(flash))
    st.stop()

with st.container(border=True):
    # from the figures the page shows anyway (each cached), not a second round of queries; the
    # names it quotes are escaped before they go in, the rest of the sentence is the page's own
    st.markdown(ah.finding_text(s, _escaped(cached(ah.by_sender, scope), ["person", "unit", "position"]),
                                _escaped(cached(ah.by_group, scope), ["group"]),
                                [md(w) for w in workspace().settings().emergency_words]))
    st.caption(_rule_text())

m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("非工作时间消息", f"{s['after_hours']:,}", help="含应急豁免的消息")
m2.metric("占全部消息", f"{s['share']:.1%}", help=f"全部消息 {s['messages']:,} 条（不含系统消息和撤回）")
m3.metric("其中应急豁免", f"{s['exempt']:,}", help="应急群里的消息，或含“紧急”“汛情”等应急关键词的消息")
m4.metric("深夜 22:00–07:00", f"{s['late_night']:,}", help=f"其中不属应急的 {s['late_night_non_exempt']:,} 条")
m5.metric("节假日和周末的消息", f"{s['holiday_messages']:,}", help="按法定节假日和调休安排，不上班的日子里发的全部消息")

# -- when: hour × weekday, week by week ------------------------------------------------------

st.subheader("一周里什么时候发")
show = st.radio("显示", ["非工作时间消息", "全部消息"], horizontal=True, key="ah_heat_show",
                label_visibility="collapsed")
heat = cached(ah.heatmap, scope)
col = "after_hours" if show == "非工作时间消息" else "messages"
z = heat.pivot(index="dow", columns="hh", values=col).reindex(index=range(1, 8), columns=range(24))
fig = go.Figure(go.Heatmap(
    z=z.values, x=list(range(24)), y=list(ah.WEEKDAYS), colorscale="Reds", xgap=1, ygap=1,
    text=[[f"{v:,}" if v else "" for v in row] for row in z.values], texttemplate="%{text}",
    textfont=dict(size=10), colorbar=dict(title="条"),
    hovertemplate="%{y} %{x} 时：%{z} 条<extra></extra>"))
# Working hours on the hour axis: a cell covers [h, h+1), so h:mm sits at h − 0.5 + mm/60.
marks = [(settings.work_start, "上班", "dash"), (settings.work_end, "下班", "dash")]
if settings.lunch_start and settings.lunch_end:
    marks += [(settings.lunch_start, "午休", "dot"), (settings.lunch_end, "午休止", "dot")]
for t, label, dash in marks:
    fig.add_vline(x=t.hour - 0.5 + t.minute / 60, line_dash=dash, line_color="#37474f",
                  annotation_text=f"{label} {_hm(t)}", annotation_position="top")
fig.update_layout(height=340, margin=dict(l=10, r=10, t=30, b=10),
                  xaxis=dict(title="几点（本地时间，0–23 时）", tickmode="array", tickvals=list(range(24)),
                             ticktext=[f"{h}时" for h in range(24)]),
                  yaxis=dict(autorange="reversed"))
st.plotly_chart(fig, width="stretch")
st.caption("每格是“星期几 × 几点”发出的消息条数，空格为 0；星期按消息的实际日期算，节假日落在哪天就计入哪天。"
           "虚线是上下班时间（设了午休时，点线是午休）。")

st.subheader("每周趋势")
weeks = cached(ah.weekly, scope)
label = [f"{w:%m-%d} 那一周" + ("" if d == 7 else f"（统计期内只有 {d} 天）")
         for w, d in zip(weeks["week"], weeks["days"])]
fig = make_subplots(specs=[[{"secondary_y": True}]])
for name, values, color in (
        ("深夜·不属应急", weeks["late_night_non_exempt"], RED),
        ("其他非工作时间·不属应急", weeks["non_exempt"] - weeks["late_night_non_exempt"], PINK),
        ("应急豁免", weeks["exempt"], GREY)):
    fig.add_bar(x=weeks["week"], y=values, name=name, marker_color=color, customdata=label,
                hovertemplate="%{customdata}：%{y} 条<extra>" + name + "</extra>", secondary_y=False)
fig.add_scatter(x=weeks["week"], y=weeks["share"], name="占当周全部消息（右轴）", mode="lines+markers",
                line_color="#37474f", customdata=label,
                hovertemplate="%{customdata}：%{y:.1%}<extra>占全部消息</extra>", secondary_y=True)
fig.update_layout(barmode="stack", height=360, margin=dict(l=10, r=10, t=30, b=10),
                  legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
                  xaxis=dict(tickmode="array", tickvals=weeks["week"], tickformat="%m-%d",
                             title="每周（标的是周一的日期）"))
fig.update_yaxes(title_text="非工作时间消息（条）", secondary_y=False)
fig.update_yaxes(title_text="占比", tickformat=".0%", rangemode="tozero", secondary_y=True, showgrid=False)
st.plotly_chart(fig, width="stretch")

# -- where and who -----------------------------------------------------------------------------

st.subheader("哪些群、谁在非工作时间发")
st.caption("点图中的条、表中的一行，或在下方选择，即可查看对应的每一条消息。")
tab_groups, tab_people = st.tabs(["按群", "按发送人"])

with tab_groups:
    groups = cached(ah.by_group, scope)
    top = groups[groups["after_hours"] > 0].head(TOP_N)
    names = dict(zip(groups["group_id"], groups["group"]))
    if top.empty:
        st.info("没有群在非工作时间有消息。")
    else:
        hover = [f"{plot(r.group)}：非工作时间 {r.after_hours:,} 条（占本群 {r.share:.0%}），其中深夜 {r.late_night:,}、"
                 f"应急豁免 {r.after_hours_exempt:,}" for r in top.itertuples()]
        fig = _stacked_bars(
            [plot(f"{g}（应急群）" if e else g) for g, e in zip(top["group"], top["emergency"])],
            top["group_id"].tolist(),
            [("深夜·不属应急", top["late_night_non_exempt"].tolist(), RED),
             ("其他非工作时间·不属应急", (top["non_exempt"] - top["late_night_non_exempt"]).tolist(), PINK),
             ("应急豁免", top["after_hours_exempt"].tolist(), GREY)], hover)
        if len(groups) > TOP_N:
            st.caption(f"图中是非工作时间消息最多的 {len(top)} 个群，全部 {len(groups)} 个群见下表。")
        event = st.plotly_chart(fig, width="stretch", on_select="rerun", selection_mode="points",
                                key="ah_group_chart")
        _follow(_chart_pick(event), "ah_group_chart_seen", "ah_pick_group", set(names))
    table = pd.DataFrame({
        "群": groups["group"], "应急群": groups["emergency"].map({True: "是", False: ""}),
        "非工作时间": groups["after_hours"], "其中深夜": groups["late_night"],
        "其中应急豁免": groups["after_hours_exempt"], "占本群消息": groups["share"], "本群全部消息": groups["messages"],
    })
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key="ah_group_table", height=300,
                         column_config={"占本群消息": st.column_config.NumberColumn(format="percent")})
    _follow(_table_pick(event, groups["group_id"]), "ah_group_table_seen", "ah_pick_group", set(names))

    st.markdown("**查看一个群的非工作时间消息**")
    c1, c2 = st.columns([3, 1])
    ids = groups.loc[groups["after_hours"] > 0, "group_id"].tolist()
    if ids:
        if st.session_state.get("ah_pick_group") not in ids:
            st.session_state["ah_pick_group"] = ids[0]
        counts = dict(zip(groups["group_id"], groups["after_hours"]))
        gid = c1.selectbox("群", ids, key="ah_pick_group", format_func=lambda g: f"{names[g]}（{counts[g]:,} 条）")
        late = c2.checkbox("只看深夜", key="ah_group_late")
        total = int(groups.loc[groups["group_id"] == gid, "late_night" if late else "after_hours"].iloc[0])
        _drill(cached(ah.messages, scope, group_id=int(gid), late_only=late), total, f"群{gid}", late)

with tab_people:
    senders = cached(ah.by_sender, scope)
    leaders_only = st.toggle("只看领导班子", key="ah_leaders")
    shown = senders[senders["is_leader"]] if leaders_only else senders
    top = shown[shown["after_hours_sent"] > 0].head(TOP_N)
    people = dict(zip(senders["person_id"], senders["person"]))
    if top.empty:
        st.info("没有人在非工作时间发消息。")
    else:
        def who(r: Any) -> str:
            """The chart's label for a sender (plotly text: escaped)."""
            return plot(f"{r.person}（{_txt(r.position) or _txt(r.unit) or '未知单位'}）" + ("★" if r.is_leader else ""))

        hover = [f"{who(r)}：非工作时间 {r.after_hours_sent:,} 条（占本人 {r.share:.0%}），其中深夜 "
                 f"{r.late_night_sent:,} 条，最晚一条 {r.latest_time}" for r in top.itertuples()]
        fig = _stacked_bars(
            [who(r) for r in top.itertuples()], top["person_id"].tolist(),
            [("深夜·不属应急", top["late_night_non_exempt_sent"].tolist(), RED),
             ("其他非工作时间·不属应急", (top["non_exempt_sent"] - top["late_night_non_exempt_sent"]).tolist(), PINK),
             ("应急豁免", top["after_hours_exempt_sent"].tolist(), GREY)], hover)
        st.caption(f"图中是非工作时间发消息最多的 {len(top)} 人；★ 为领导班子成员。“最晚”指夜里最晚一条的时刻"
                   "（凌晨 0–5 点算作比 23 点更晚）。")
        event = st.plotly_chart(fig, width="stretch", on_select="rerun", selection_mode="points",
                                key="ah_person_chart")
        _follow(_chart_pick(event), "ah_person_chart_seen", "ah_pick_person", set(people))
    table = pd.DataFrame({
        "姓名": shown["person"], "单位": shown["unit"], "职务": shown["position"],
        "领导": shown["is_leader"].map({True: "是", False: ""}), "非工作时间": shown["after_hours_sent"],
        "其中深夜": shown["late_night_sent"], "夜里最晚": shown["latest_time"],
        "其中应急豁免": shown["after_hours_exempt_sent"], "占本人消息": shown["share"], "本人全部消息": shown["sent"],
    })
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key="ah_person_table", height=300,
                         column_config={"占本人消息": st.column_config.NumberColumn(format="percent")})
    _follow(_table_pick(event, shown["person_id"]), "ah_person_table_seen", "ah_pick_person", set(people))

    st.markdown("**查看一个人的非工作时间消息**")
    c1, c2 = st.columns([3, 1])
    ids = shown.loc[shown["after_hours_sent"] > 0, "person_id"].tolist()
    if ids:
        if st.session_state.get("ah_pick_person") not in ids:
            st.session_state["ah_pick_person"] = ids[0]
        info = {r.person_id: r for r in shown.itertuples()}
        pid = c1.selectbox("发送人", ids, key="ah_pick_person",
                           format_func=lambda p: f"{info[p].person}（{_txt(info[p].unit) or '未知单位'}，"
                                                 f"{info[p].after_hours_sent:,} 条）")
        late = c2.checkbox("只看深夜", key="ah_person_late")
        total = int(info[pid].late_night_sent if late else info[pid].after_hours_sent)
        _drill(cached(ah.messages, scope, person_id=int(pid), late_only=late), total, f"人{pid}", late)

_settings_form(expand_settings=bool(flash))
