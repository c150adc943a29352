"""人员负担: how many groups each cadre is in, how much they must read per day, by unit."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.analysis import burden

from ui.glue import analysis_page, cached, table_csv
from ui.safe import md, md_join, plot

RED, BLUE, GREY, INK = "#c62828", "#5b7fbf", "#b0bec5", "#37474f"
TOP_N = 15
NO_UNIT = "（未填单位）"
ROLE_LABELS = {"owner": "群主", "admin": "管理员", "member": "成员"}
KIND_LABELS = {
    "text": "文字", "image": "图片", "voice": "语音", "video": "视频", "sticker": "表情", "file": "文件",
    "link": "链接", "quote": "引用", "red_packet": "红包", "transfer": "转账", "call": "通话",
    "location": "位置", "other": "其他",
}
CATEGORY_LABELS = {
    "ack": "收到类", "flattery": "点赞/鲜花", "red_packet": "红包/转账", "document": "文件",
    "photo_checkin": "拍照打卡", "assignment": "布置工作", "offtopic": "与工作无关", "other": "其他",
}

scope = analysis_page("人员负担", "人员负担需要群成员名单和聊天记录。")

s = cached(burden.summary, scope)
if not s["cadres"]:
    st.info("当前筛选条件下没有干部。请在左侧放宽单位或工作群的筛选。")
    st.stop()

cap, rs = s["cap"], s["reading_seconds"]
has_messages = bool(s["days"]) and (s["messages_per_day_max"] or 0) > 0


def _n(x: float) -> str:
    """A count per day as a clerk reads it: whole numbers from 10 up, one decimal below."""
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def _minutes(x: float) -> str:
    if x >= 60:
        return f"{x / 60:.1f} 小时"
    return f"{x:.0f} 分钟" if x >= 10 else f"{x:.1f} 分钟"


def _pick(event: Any, field: str) -> Any:
    """The customdata[0] of the point clicked in a chart, or a row index picked in a table."""
    if not event:
        return None
    if field == "points":
        points = event.selection.points
        data = points[0].get("customdata") if points else None
        if isinstance(data, dict):      # plotly may send an array row as {"0": …, "1": …}
            data = [data[k] for k in sorted(data, key=int)]
        return data[0] if isinstance(data, (list, tuple)) and data else None
    rows = event.selection.rows
    return rows[0] if rows else None


def _follow(value: Any, seen_key: str, target_key: str, valid: list[Any]) -> None:
    """A click in a chart or a table sets the select box below — once, so a later choice in the
    select box wins until the next click."""
    if value is None or st.session_state.get(seen_key) == value:
        return
    st.session_state[seen_key] = value
    if value in valid:
        st.session_state[target_key] = value


# -- the finding ------------------------------------------------------------------------------
lines = []
if s["over_cap"]:
    head = f"**{s['cadres']} 名干部中，{s['over_cap']} 名超过 {cap} 个群**"
else:
    head = f"**{s['cadres']} 名干部都没有超过 {cap} 个群**"
if not s["max"]:
    head += "；他们都不在任何工作群里——可能还没有导入群成员名单。"
elif s["max_count"] == s["cadres"] > 1:
    head += f"；每人都在 **{s['max']} 个群**。"
elif s["max_count"] == 1:
    head += f"；最多的一人（{md(s['max_person'])}）在 **{s['max']} 个群**。"
else:
    shown = md_join(s["max_people"][:3]) + ("等" if s["max_count"] > 3 else "")
    head += f"；最多的 {s['max_count']} 人（{shown}）各在 **{s['max']} 个群**。"
lines.append(head)
if has_messages:
    lines.append(
        f"平均每人在 {s['mean']:.1f} 个群，每天要看 **{_n(s['messages_per_day_mean'])} 条**群消息（不算自己发的），"
        f"约 {_minutes(s['reading_minutes_mean'])}；一半的人每天要看 {_n(s['messages_per_day_p50'])} 条以上，"
        f"最忙的一成超过 {_n(s['messages_per_day_p90'])} 条，最多的一人每天 **{_n(s['messages_per_day_max'])} 条**"
        f"（约 {_minutes(s['reading_minutes_max'])}）。")
else:
    lines.append(f"平均每人在 {s['mean']:.1f} 个群。所选范围内没有聊天记录，无法计算每天要看多少消息。")
st.markdown("\n\n".join(lines))

notes = [f"干部每天要看的消息 = 他所在各群里别人发的消息 ÷ 统计天数；阅读时间按每条 {rs:g} 秒估算。"]
if not s["directory"]:
    notes.append("还没有导入干部名册，群里出现的每个人都按干部统计。")
elif s["non_cadres"]:
    others = cached(burden.non_cadres, scope)
    names = md_join(others["person"].head(5)) + ("等" if len(others) > 5 else "")
    notes.append(f"另有 {s['non_cadres']} 人不在干部名册中（{names}，如施工方、银行人员），未计入以上统计。")
if scope.groups:
    notes.append("已选工作群：只统计这些群，干部指这些群里的干部。")
st.caption(" ".join(notes))

m = st.columns(5)
m[0].metric("干部", f"{s['cadres']} 人")
m[1].metric(f"超过 {cap} 个群", f"{s['over_cap']} 人", help=f"所在工作群多于 {cap} 个的干部人数（上限 {cap} 个）")
m[2].metric("平均所在群数", f"{s['mean']:.1f} 个")
if has_messages:
    m[3].metric("人均每天要看", f"{_n(s['messages_per_day_mean'])} 条", help="所在各群里别人发的消息，每天平均")
    m[4].metric("人均每天阅读", _minutes(s["reading_minutes_mean"]), help=f"每条消息按 {rs:g} 秒估算")

load = cached(burden.person_load, scope)
dist = cached(burden.distribution, scope)

# -- charts -------------------------------------------------------------------------------------
left, right = st.columns(2)
with left:
    st.subheader("每人在几个群")
    fig = go.Figure()
    fig.add_bar(x=dist["groups"], y=dist["cadres"], text=[str(n) if n else "" for n in dist["cadres"]],
                textposition="outside", cliponaxis=False, marker_color=[RED if o else BLUE for o in dist["over_cap"]],
                customdata=[[int(g)] for g in dist["groups"]],
                hovertemplate="在 %{x} 个群：%{y} 人<extra>点击查看名单</extra>")
    fig.add_vline(x=cap + 0.5, line_dash="dash", line_color=INK, annotation_text=f"上限 {cap} 个群",
                  annotation_position="top right", annotation_font=dict(color=RED, size=13))
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=40, b=10), showlegend=False,
                      xaxis=dict(title="所在群数（个）", dtick=1), yaxis=dict(title="干部人数（人）"),
                      clickmode="event+select")
    # Head room so the bar labels stay clear of the cap line's label.
    fig.update_yaxes(range=[0, max(dist["cadres"].max(), 1) * 1.3])
    bar_event = st.plotly_chart(fig, width="stretch", on_select="rerun", selection_mode="points", key="bd_hist")
    st.caption(f"红色：超过 {cap} 个群。点一根柱子，下方名单只显示这些人。")

top = (load[load["messages_per_day"] > 0]
       .sort_values(["messages_per_day", "person"], ascending=[False, True]).head(TOP_N))
with right:
    st.subheader(f"每天要看消息最多的 {len(top)} 人")
    if top.empty:
        st.info("统计期内没有别人发给这些干部的消息。")
        top_event = None
    else:
        labels = [plot(f"{p}（{u or NO_UNIT}）") for p, u in zip(top["person"], top["unit"])]
        fig = go.Figure()
        fig.add_bar(y=labels, x=top["messages_per_day"], orientation="h",
                    marker_color=[RED if o else BLUE for o in top["over_cap"]],
                    text=[f"{_n(x)} 条 · {_minutes(r)}"
                          for x, r in zip(top["messages_per_day"], top["reading_minutes"])],
                    textposition="inside", insidetextanchor="end", textfont=dict(size=12),
                    customdata=[[int(p), int(g)] for p, g in zip(top["person_id"], top["groups"])],
                    hovertemplate="%{y}<br>每天 %{x:.1f} 条，在 %{customdata[1]} 个群<extra>点击查看详情</extra>")
        fig.update_layout(height=360, margin=dict(l=10, r=10, t=40, b=10), showlegend=False,
                          yaxis=dict(autorange="reversed"), xaxis=dict(title="每天收到的消息（条）"),
                          uniformtext=dict(minsize=11, mode="show"), clickmode="event+select")
        top_event = st.plotly_chart(fig, width="stretch", on_select="rerun", selection_mode="points", key="bd_top")
        st.caption("红色：超过上限的干部。点一根柱子，在下方查看这个人的群和消息。")

# -- by unit ------------------------------------------------------------------------------------
st.subheader("各单位")
units = cached(burden.by_unit, scope)
units["label"] = units["unit"].fillna(NO_UNIT)
order = units.sort_values(["over_cap", "mean_groups"], ascending=[False, False])
bar_labels = order["label"].map(plot)  # plotly text
fig = go.Figure()
hover = [f"{plot(u)}：{c} 人，平均 {g:.1f} 个群，每人每天约 {_n(mpd)} 条消息（{_minutes(rm)}）"
         for u, c, g, mpd, rm in zip(order["label"], order["cadres"], order["mean_groups"],
                                     order["mean_messages_per_day"], order["mean_reading_minutes"])]
fig.add_bar(y=bar_labels, x=order["over_cap"], name=f"超过 {cap} 个群", orientation="h", marker_color=RED,
            text=[str(n) if n else "" for n in order["over_cap"]], textposition="inside", textangle=0,
            customdata=hover,
            hovertemplate="%{customdata}<br>超过上限 %{x} 人<extra></extra>")
within = order["cadres"] - order["over_cap"]
fig.add_bar(y=bar_labels, x=within, name=f"不超过 {cap} 个群", orientation="h", marker_color=GREY,
            text=[str(n) if n else "" for n in within], textposition="inside", textangle=0, customdata=hover,
            hovertemplate="%{customdata}<br>未超过 %{x} 人<extra></extra>")
fig.update_layout(barmode="stack", height=90 + 24 * len(order), margin=dict(l=10, r=10, t=30, b=10),
                  uniformtext=dict(minsize=10, mode="show"),
                  yaxis=dict(autorange="reversed"), xaxis=dict(title="干部人数（人）"),
                  legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"))
st.plotly_chart(fig, width="stretch")
unit_table = pd.DataFrame({
    "单位": units["label"],
    "干部（人）": units["cadres"],
    "平均所在群数": units["mean_groups"],
    "最多群数": units["max_groups"],
    f"超过 {cap} 个群（人）": units["over_cap"],
    "人均每天收到消息（条）": units["mean_messages_per_day"],
    "人均每天阅读（分钟）": units["mean_reading_minutes"],
    "人均非工作时间收到（条）": units["after_hours_received"],
})
with st.expander("各单位明细表", expanded=False):
    st.dataframe(unit_table, hide_index=True, width="stretch", column_config={
        "平均所在群数": st.column_config.NumberColumn(format="%.1f"),
        "人均每天收到消息（条）": st.column_config.NumberColumn(format="%.1f"),
        "人均每天阅读（分钟）": st.column_config.NumberColumn(format="%.1f"),
        "人均非工作时间收到（条）": st.column_config.NumberColumn(format="%.0f"),
    })
    st.download_button("下载各单位统计（CSV）", table_csv("人员负担·各单位统计（CSV）", unit_table),
                       file_name="人员负担_各单位.csv", mime="text/csv", key="bd_dl_units")

# -- the list -----------------------------------------------------------------------------------
st.subheader("干部名单")
counts = [int(k) for k, n in zip(dist["groups"], dist["cadres"]) if n > 0]
choices: list[Any] = (["over"] if s["over_cap"] else []) + ["all"] + sorted(counts, reverse=True)
_follow(_pick(bar_event, "points"), "bd_hist_seen", "bd_list", choices)
if st.session_state.get("bd_list") not in choices:
    st.session_state["bd_list"] = choices[0]
which = st.selectbox("显示", choices, key="bd_list", format_func=lambda c: {
    "over": f"超过 {cap} 个群的干部（{s['over_cap']} 人）", "all": f"全部干部（{s['cadres']} 人）"
}.get(c) or f"在 {c} 个群的干部（{int(dist.loc[dist['groups'] == c, 'cadres'].iloc[0])} 人）")
rows = load if which == "all" else load[load["over_cap"]] if which == "over" else load[load["groups"] == which]
rows = rows.reset_index(drop=True)
table = pd.DataFrame({
    "姓名": rows["person"],
    "单位": rows["unit"].fillna(NO_UNIT),
    "职务": rows["position"].fillna(""),
    "群数": rows["groups"],
    "每天收到（条）": rows["messages_per_day"],
    "每天阅读（分钟）": rows["reading_minutes"],
    "非工作时间收到（条）": rows["after_hours_received"],
    "自己发出（条）": rows["sent"],
    "其中非工作时间（条）": rows["after_hours_sent"],
})
list_event = st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 420),
                          on_select="rerun", selection_mode="single-row", key="bd_table", column_config={
                              "每天收到（条）": st.column_config.NumberColumn(format="%.1f"),
                              "每天阅读（分钟）": st.column_config.NumberColumn(format="%.1f"),
                              "非工作时间收到（条）": st.column_config.NumberColumn(format="localized"),
                          })
st.caption("“收到”指所在各群里别人发的消息；“每天”是统计期平均，其余是统计期合计。"
           "非工作时间含周末、节假日和下班后，应急消息也算在内。点一行，在下方查看这个人的群和消息。")
st.download_button("下载这份名单（CSV）", table_csv("人员负担·名单（CSV）", table),
                   file_name="人员负担_名单.csv", mime="text/csv", key="bd_dl_list")

# -- drill-down: one cadre ----------------------------------------------------------------------
st.subheader("看一个人")
ids = [int(i) for i in load["person_id"]]
info = load.set_index("person_id")
row_pick = _pick(list_event, "rows")
_follow(int(rows["person_id"].iloc[row_pick]) if row_pick is not None and row_pick < len(rows) else None,
        "bd_table_seen", "bd_person", ids)
top_pick = _pick(top_event, "points")
_follow(int(top_pick) if top_pick is not None else None, "bd_top_seen", "bd_person", ids)
if st.session_state.get("bd_person") not in ids:
    st.session_state["bd_person"] = ids[0]
pid = st.selectbox("干部", ids, key="bd_person", format_func=lambda i: (
    f"{info.at[i, 'person']}（{info.at[i, 'unit'] or NO_UNIT}，{info.at[i, 'groups']} 个群）"))
me = info.loc[pid]
role = " · ".join(md(x) for x in (me["unit"], me["position"]) if isinstance(x, str) and x)
text = f"**{md(me['person'])}**" + (f"（{role}）" if role else "") + f"在 **{me['groups']} 个群**"
if me["groups"] > cap:
    text += f"，超过上限 {me['groups'] - cap} 个"
if has_messages:
    text += (f"；每天要看约 **{_n(me['messages_per_day'])} 条**消息，读完约 {_minutes(me['reading_minutes'])}；"
             f"统计期内在周末、节假日和下班后收到 {me['after_hours_received']:,} 条，自己发了 {me['sent']:,} 条"
             f"（其中非工作时间 {me['after_hours_sent']:,} 条）")
st.markdown(text + "。")

mine = cached(burden.person_groups, pid, scope)
if mine.empty:
    st.info("这个人不在所选的任何工作群里。")
else:
    if has_messages and mine["reading_minutes"].sum() > 0:
        shown = mine[mine["received_per_day"] > 0]
        fig = go.Figure()
        fig.add_bar(y=shown["group"].map(plot), x=shown["received_per_day"], orientation="h", marker_color=BLUE,
                    text=[f"{_n(x)} 条" for x in shown["received_per_day"]], textposition="auto",
                    hovertemplate="%{y}：每天 %{x:.1f} 条<extra></extra>")
        fig.update_layout(height=80 + 26 * len(shown), margin=dict(l=10, r=10, t=30, b=10),
                          yaxis=dict(autorange="reversed"), xaxis=dict(title="每天收到的消息（条）"),
                          title=dict(text="每天的消息来自哪些群", font=dict(size=14)))
        st.plotly_chart(fig, width="stretch")
    group_table = pd.DataFrame({
        "工作群": mine["group"],
        "身份": mine["role"].map(ROLE_LABELS).fillna(mine["role"]),
        "群成员（人）": mine["members"],
        "每天消息（条）": mine["messages_per_day"],
        "其中别人发的（条/天）": mine["received_per_day"],
        "每天阅读（分钟）": mine["reading_minutes"],
        "本人发出（条）": mine["sent"],
        "非工作时间收到（条）": mine["after_hours_received"],
    })
    st.dataframe(group_table, hide_index=True, width="stretch", height=38 + 35 * len(group_table), column_config={
        "每天消息（条）": st.column_config.NumberColumn(format="%.1f"),
        "其中别人发的（条/天）": st.column_config.NumberColumn(format="%.1f"),
        "每天阅读（分钟）": st.column_config.NumberColumn(format="%.1f"),
    })

    msgs = cached(burden.received_messages, pid, scope, 200)
    if msgs.empty:
        st.info("统计期内这个人的群里没有别人发的消息。")
    else:
        st.markdown(f"**最近收到的 {len(msgs)} 条消息**")
        msg_table = pd.DataFrame({
            "时间": msgs["sent_local"].dt.strftime("%Y-%m-%d %H:%M"),
            "工作群": msgs["group"],
            "发送人": msgs["sender"].fillna("（未知）"),
            "类型": msgs["kind"].map(KIND_LABELS).fillna(msgs["kind"]),
            "归类": msgs["category"].map(CATEGORY_LABELS).fillna(""),
            "非工作时间": msgs["after_hours"].map({True: "是", False: ""}),
            "内容": msgs["text"].fillna(""),
        })
        st.dataframe(msg_table, hide_index=True, width="stretch", height=420,
                     column_config={"内容": st.column_config.TextColumn(width="large")})
        st.download_button("下载这些消息（CSV）", table_csv(f"人员负担·{me['person']}的最近消息（CSV）", msg_table),
                           file_name=f"人员负担_{me['person']}_最近消息.csv", mime="text/csv", key="bd_dl_msgs")
