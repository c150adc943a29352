"""群生命周期: zombie groups, finished project groups, owners, size limits, groups per owner."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from core.analysis import lifecycle
from core.formats.template_spec import TYPE_NAMES
from core.labels import PLATFORM_LABELS
from core.lexicon import PROJECT_WORDS
from ui.glue import cached, empty_state, is_empty, scope_sidebar, window, window_caption, workspace
from ui.safe import md, plot

# The first Chinese name the template accepts for each message kind (系统, 撤回, 图片, …).
KIND_LABELS = {kind: name for name, kind in reversed(TYPE_NAMES.items())}
ROLE_LABELS = {"owner": "群主", "admin": "管理员", "member": "成员"}
ZOMBIE, FINISHED, ACTIVE, NO_DATA = "僵尸群", "已结束的专项群", "正常", "没有聊天记录"
COLORS = {ZOMBIE: "#d62728", FINISHED: "#ff7f0e", ACTIVE: "#6baed6", NO_DATA: "#bdbdbd"}
MAX_NAMES = 8
TIME_FMT = "YYYY-MM-DD HH:mm"


def state(r: Any) -> str:
    """One label per group for colours and tables (a zombie project group shows as zombie)."""
    if r.no_messages:
        return NO_DATA
    if r.zombie:
        return ZOMBIE
    if r.finished:
        return FINISHED
    return ACTIVE


def owner_note(r: Any) -> str:
    if r.owner_status == "unknown":
        return "不知道群主是谁"
    if r.owner_status == "ok":
        return "正常"
    why = []
    if r.owner_in_group is False:
        why.append("已不在群里")
    if r.owner_in_directory is False:
        why.append("不在干部名册中")
    return "群主" + "，且".join(why)


def listing(names: pd.Series) -> str:
    """Group names for a Markdown sentence (escaped), the first few and how many in all."""
    names = list(names)
    text = "、".join(md(n) for n in names[:MAX_NAMES])
    return text + (f" 等 {len(names)} 个" if len(names) > MAX_NAMES else "")


def yes_no(v: Any) -> str:
    return "—" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else ("是" if v else "否")


def vline(fig: go.Figure, x: dt.datetime, text: str, color: str, anchor: str = "center") -> None:
    # add_vline's own annotation fails on date axes; draw the line and the label separately.
    fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line=dict(color=color, dash="dash", width=1))
    fig.add_annotation(x=x, y=1, yref="paper", text=text, showarrow=False, yanchor="bottom", xanchor=anchor,
                       font=dict(color=color, size=12))


def when(v: Any) -> str:
    return f"{v:%Y-%m-%d %H:%M}" if pd.notna(v) else "—"


def settings_form() -> None:
    """The two thresholds this page judges by, saved in the workspace for every page and the CLI."""
    current = workspace().settings()
    with st.expander(f"判断标准：{current.zombie_days} 天没有消息算僵尸群，一个群最多 {current.max_group_members} 人"):
        st.caption(f"专项/项目群 {lifecycle.FINISHED_DAYS} 天没有消息即视为工作已结束。"
                   "保存后所有页面的统计会立即按新标准重新计算。")
        with st.form("life_settings"):
            c1, c2 = st.columns(2)
            days = c1.number_input("多少天没有消息算僵尸群", min_value=1, max_value=3650, step=1,
                                   value=current.zombie_days, key="life_zombie_days")
            limit = c2.number_input("一个群最多多少人", min_value=2, max_value=100000, step=10,
                                    value=current.max_group_members, key="life_max_members",
                                    help="微信群最多 500 人；合并后的群不能超过这个人数。")
            submitted = st.form_submit_button("保存设置", type="primary")
        if not submitted:
            return
        new = current.model_copy(update={"zombie_days": int(days), "max_group_members": int(limit)})
        if new == current:
            st.info("设置没有变化。")
            return
        workspace().save_settings(new)
        st.session_state["life_flash"] = (f"已保存：{new.zombie_days} 天没有消息算僵尸群，一个群最多 "
                                          f"{new.max_group_members} 人。所有统计已按新标准重新计算。")
        st.rerun()


st.title("群生命周期")
if is_empty():
    empty_state("群生命周期需要工作群清单、成员名单或聊天记录。")
    st.stop()
scope = scope_sidebar()
newest = window(scope).as_of
if newest is not None:
    with st.sidebar:
        picked = st.date_input("判断基准日", value=newest.date(), key="life_as_of", format="YYYY-MM-DD",
                               help="以这一天为准判断僵尸群和已结束的专项群。默认是最新一条消息的日期；"
                                    "这一天之后的消息不计入。")
    if isinstance(picked, dt.date) and picked != newest.date():
        scope = dataclasses.replace(scope, as_of=picked)
window_caption(scope)

status = cached(lifecycle.group_status, scope)
s = cached(lifecycle.summary, scope)
if status.empty:
    st.info("当前筛选条件下没有工作群。请在左侧放宽单位或工作群的筛选。")
    st.stop()
status = status.assign(状态=[state(r) for r in status.itertuples()],
                       群主情况=[owner_note(r) for r in status.itertuples()])
flash = st.session_state.pop("life_flash", None)
if flash:
    st.success(flash)
zombie_days, finished_days, max_members = s["zombie_days"], s["finished_days"], s["max_members"]
near_from = math.ceil(max_members * s["near_percent"] / 100)
as_of: dt.datetime | None = s["as_of"]
zombie_since = as_of - dt.timedelta(days=zombie_days) if as_of is not None else None

# -- finding ---------------------------------------------------------------------------------
lines = []
if s["zombie"]:
    lines.append(f"{s['zombie']} 个群已超过 {zombie_days} 天没有消息（僵尸群）："
                 f"{listing(status.loc[status.zombie, 'group'])}")
if s["finished"]:
    both = int((status.finished & status.zombie).sum())
    also = f"（其中 {both} 个也是僵尸群）" if both else ""
    lines.append(f"{s['finished']} 个专项/项目群已 {finished_days} 天以上没有消息{also}，专项工作已结束，应及时解散："
                 f"{listing(status.loc[status.finished, 'group'])}")
if s["owner_left"]:
    lines.append(f"{s['owner_left']} 个群的群主已不在干部名册中或已退群："
                 f"{listing(status.loc[status.owner_status == 'left', 'group'])}")
if s["owner_unknown"]:
    lines.append(f"{s['owner_unknown']} 个群不知道群主是谁，“谁建群谁负责”无从落实："
                 f"{listing(status.loc[status.owner_status == 'unknown', 'group'])}")
if s["over_limit"]:
    lines.append(f"{s['over_limit']} 个群超过 {max_members} 人上限：{listing(status.loc[status.over_limit, 'group'])}")
near_only = status.near_limit & ~status.over_limit
if near_only.any():
    lines.append(f"{int(near_only.sum())} 个群人数已接近 {max_members} 人上限（{near_from} 人及以上）："
                 f"{listing(status.loc[near_only, 'group'])}")
as_of_day = s["as_of_date"]
head = f"截至 {as_of_day:%Y-%m-%d}，{s['groups']} 个群中：" if as_of_day else f"{s['groups']} 个群中："
if lines:
    st.warning(head + "\n" + "\n".join(f"- {line}" for line in lines))
elif as_of is not None:
    st.success(f"截至 {as_of_day:%Y-%m-%d}，{s['groups']} 个群都还在使用，群主都在，人数都在上限以内。")
if s["no_messages"]:
    st.info(f"{s['no_messages']} 个群只有成员名单、没有聊天记录，无法判断是否还在使用："
            f"{listing(status.loc[status.no_messages, 'group'])}。请补充导出这些群的聊天记录。")

cols = st.columns(5)
cols[0].metric(ZOMBIE, s["zombie"], help=f"有聊天记录，但基准日前 {zombie_days} 天内没有一条消息"
                                           "（“邀请加入群聊”等系统消息和撤回不算）")
cols[1].metric(FINISHED, s["finished"],
               help=f"群名或类别含“{'、'.join(PROJECT_WORDS)}”，且 {finished_days} 天以上没有消息")
cols[2].metric("群主不明或已离开", s["owner_unknown"] + s["owner_left"],
               help="群主不知道是谁，或已不在群里，或不在干部名册中")
cols[3].metric(f"接近 {max_members} 人上限", s["near_limit"],
               help=f"人数达到上限的 {s['near_percent']}%（{near_from} 人）及以上；最大的群 {s['largest']} 人")
cols[4].metric(NO_DATA, s["no_messages"], help="只有成员名单，没有导入聊天记录")

settings_form()

# -- charts ----------------------------------------------------------------------------------
st.subheader("各群的活跃时间")
order = list(status["group"])  # least recently active first
tab_span, tab_heat = st.tabs(["从第一条到最后一条消息", "每天的消息数"])
with tab_span:
    span = status[status.first_message_at.notna()].copy()
    if span.empty:
        st.info("还没有聊天记录。")
    else:
        # A group that spoke on one day only still gets a visible bar.
        span["到"] = span[["last_message_at"]].assign(
            m=span.first_message_at + pd.Timedelta(hours=12)).max(axis=1)
        # Hover text is prepared as strings: plotly cannot stack dates and numbers in custom_data.
        span["hover"] = [
            f"第一条：{r.first_message_at:%Y-%m-%d %H:%M}<br>最后一条：{r.last_message_at:%Y-%m-%d %H:%M}"
            f"<br>已沉默 {r.days_silent} 天 · {r.members} 人<br>群主：{plot(r.owner or '不明')}（{r.群主情况}）"
            for r in span.itertuples()]
        span["group"] = span["group"].map(plot)  # plotly text
        fig = px.timeline(
            span, x_start="first_message_at", x_end="到", y="group", color="状态",
            color_discrete_map=COLORS,
            category_orders={"group": [plot(g) for g in order], "状态": [ZOMBIE, FINISHED, ACTIVE]},
            custom_data=["hover"],
        )
        fig.update_traces(hovertemplate="<b>%{y}</b><br>%{customdata[0]}<extra></extra>")
        vline(fig, zombie_since, f"{zombie_days} 天前", "#d62728")
        vline(fig, as_of, "基准日", "#555555", "right")
        fig.update_yaxes(title=None)
        fig.update_xaxes(title=None, tickformat="%m-%d")
        fig.update_layout(height=140 + 22 * len(span), legend_title_text="", margin=dict(t=40, b=10),
                          legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
        st.plotly_chart(fig, width="stretch")
        st.caption("每条横线从群里第一条消息画到最后一条消息（系统消息不算），越靠上的群越久没有动静。"
                   f"在红色虚线左边就结束的是 {zombie_days} 天以上没有消息的僵尸群。没有聊天记录的群不在图中。")
with tab_heat:
    daily = cached(lifecycle.daily_activity, scope)
    if daily.empty:
        st.info("统计期内没有消息。")
    else:
        rows = [plot(g) for g in order if g in set(daily["group"])]  # plotly text, like the y values
        heat = go.Figure(go.Heatmap(
            x=daily["d"], y=daily["group"].map(plot), z=daily["messages"],
            # Starts at a visible blue: a day with one message must not look like an empty day.
            colorscale=[[0, "#c6dbef"], [1, "#08306b"]],
            zmin=0, zmax=float(daily["messages"].quantile(0.95)), colorbar=dict(title="条/天"),
            hovertemplate="%{y}<br>%{x|%Y-%m-%d}：%{z} 条<extra></extra>", xgap=1, ygap=1,
        ))
        vline(heat, zombie_since, f"{zombie_days} 天前", "#d62728")
        heat.update_yaxes(categoryorder="array", categoryarray=rows[::-1], title=None)
        heat.update_xaxes(title=None, tickformat="%m-%d")
        heat.update_layout(height=140 + 22 * len(rows), margin=dict(t=40, b=10))
        st.plotly_chart(heat, width="stretch")
        st.caption("每一格是一个群一天的消息数（统计期内，系统消息不算），空白表示当天没有消息。"
                   "群的顺序与另一张图相同：越靠上的群越久没有动静。")

# -- tables ----------------------------------------------------------------------------------
LABELS = {"group": "群名称", "owner": "群主", "群主情况": "群主情况", "unit": "主管单位", "category": "类别",
          "members": "人数", "first_message_at": "第一条消息", "last_message_at": "最后一条消息",
          "last_any_at": "最后动静（含系统消息）", "days_silent": "沉默天数", "messages": "统计期内消息",
          "状态": "状态", "platform": "平台"}
CONFIG = {"群名称": st.column_config.TextColumn(width="medium"), "平台": st.column_config.TextColumn(width="small")}


def table(df: pd.DataFrame, cols: list[str]) -> None:
    shown = df[cols].copy()
    # Text, so a missing time or count reads "—" rather than "None".
    for c in ("first_message_at", "last_message_at", "last_any_at"):
        if c in shown:
            shown[c] = shown[c].map(when)
    if "days_silent" in shown and shown["days_silent"].isna().any():
        shown["days_silent"] = shown["days_silent"].map(lambda v: "—" if pd.isna(v) else str(int(v)))
    if "platform" in shown:
        shown["platform"] = shown["platform"].map(lambda p: PLATFORM_LABELS.get(p, p or "—"))
    if "owner" in shown:
        shown["owner"] = shown["owner"].fillna("（不明）")
    for c in ("unit", "category"):
        if c in shown:
            shown[c] = shown[c].fillna("")
    st.dataframe(shown.rename(columns=LABELS), hide_index=True, width="stretch", column_config=CONFIG)


st.subheader("需要处理的群")
near = status[status.near_limit].sort_values("members", ascending=False)
owners_bad = status[status.owner_status != "ok"]
tabs = st.tabs([f"僵尸群（{s['zombie']}）", f"已结束的专项群（{s['finished']}）",
                f"群主问题（{len(owners_bad)}）", f"人数接近上限（{len(near)}）",
                f"没有聊天记录（{s['no_messages']}）", f"全部群（{len(status)}）"])
with tabs[0]:
    st.caption(f"有聊天记录，但基准日前 {zombie_days} 天内没有一条消息。“最后动静”含系统消息："
               "有的群只剩“邀请加入群聊”之类的系统消息，仍算僵尸群。")
    if s["zombie"]:
        table(status[status.zombie], ["group", "owner", "群主情况", "members", "last_message_at", "days_silent",
                                      "last_any_at"])
    else:
        st.success("没有僵尸群。")
with tabs[1]:
    st.caption(f"群名或类别含“{'、'.join(PROJECT_WORDS)}”的专项/项目群，已 {finished_days} 天以上没有消息。"
               "因专项工作组建的群，工作结束后应及时解散。")
    if s["finished"]:
        table(status[status.finished], ["group", "category", "owner", "unit", "members", "last_message_at",
                                        "days_silent"])
    else:
        st.success("没有已结束的专项群。")
with tabs[2]:
    st.caption("谁建群谁负责：群主不知道是谁、已退群或已调离（不在干部名册中）的群，需要明确新的负责人，或者解散。")
    if len(owners_bad):
        table(owners_bad, ["group", "owner", "群主情况", "unit", "members", "last_message_at", "状态"])
    else:
        st.success("每个群都有群主，群主都还在。")
with tabs[3]:
    st.caption(f"一个群最多 {max_members} 人（可在上方“判断标准”中修改）；达到 {near_from} 人的群再合并别的群就放不下了。"
               f"当前最大的群 {s['largest']} 人。")
    if len(near):
        table(near, ["group", "owner", "unit", "members", "last_message_at", "状态"])
    else:
        st.success(f"没有群接近 {max_members} 人上限。")
with tabs[4]:
    st.caption("这些群只导入了成员名单，没有聊天记录，无法判断是否还在使用：请补充导出它们的聊天记录。")
    if s["no_messages"]:
        table(status[status.no_messages], ["group", "owner", "群主情况", "unit", "category", "members"])
    else:
        st.success("每个群都有聊天记录。")
with tabs[5]:
    st.caption("按最后一条消息的时间排列，最久没有动静的在前。")
    table(status, ["group", "状态", "owner", "群主情况", "platform", "members", "first_message_at",
                   "last_message_at", "days_silent", "messages"])

# -- by owner --------------------------------------------------------------------------------
st.subheader("谁建群谁负责：各群主名下的群")
owners = cached(lifecycle.by_owner, scope)
st.caption("每位群主建了几个群，其中几个已成僵尸群或专项工作已结束。“（群主不明）”一行是不知道群主的群。")
st.dataframe(
    pd.DataFrame({
        "群主": owners["owner"].fillna("（群主不明）"),
        "在干部名册中": [yes_no(v) for v in owners["in_directory"]],
        "群数": owners["groups"],
        "僵尸群": owners["zombie"],
        "已结束的专项群": owners["finished"],
        "所建的群": ["、".join(g) for g in owners["group_names"]],
        "单位": owners["owner_unit"].fillna(""),
    }),
    hide_index=True, width="stretch",
    column_config={
        "群数": st.column_config.ProgressColumn(format="%d", min_value=0, max_value=int(owners["groups"].max()),
                                               width="small"),
        "僵尸群": st.column_config.NumberColumn(width="small"),
        "所建的群": st.column_config.TextColumn(width="large"),
    },
)

# -- drill-down ------------------------------------------------------------------------------
st.subheader("查看单个群")
labels = {r.group_id: f"{r.group}（{r.状态}）" for r in status.itertuples()}
states = list(status["状态"])
first = next((states.index(x) for x in (ZOMBIE, FINISHED, NO_DATA) if x in states), 0)
gid = st.selectbox("选择工作群", list(labels), index=first, format_func=labels.get, key="life_group",
                   help="按最后一条消息的时间排列，最久没有动静的在前")
row = status.set_index("group_id").loc[gid]
detail = cached(lifecycle.group_detail, int(gid))
info = detail["info"].iloc[0]
facts = [f"**{row['状态']}**",
         f"群主：{md(info['owner'] or '不明')}" + (f"（{row['群主情况']}）" if row["owner_status"] != "ok" else ""),
         f"平台：{md(PLATFORM_LABELS.get(info['platform'], info['platform'] or '未知'))}",
         f"主管单位：{md(info['unit'] or '未填')}", f"类别：{md(info['category'] or '未填')}"]
if pd.notna(info["created_at"]):
    facts.append(f"建群时间：{info['created_at']:%Y-%m-%d}")
if info["notes"]:
    facts.append(f"备注：{md(info['notes'])}")
st.markdown(" · ".join(facts))
c = st.columns(4)
c[0].metric("成员", f"{row['members']} 人")
c[1].metric("最后一条消息", f"{row['last_message_at']:%Y-%m-%d}" if pd.notna(row["last_message_at"]) else "—",
            help="系统消息和撤回不算")
c[2].metric("已沉默", f"{int(row['days_silent'])} 天" if pd.notna(row["days_silent"]) else "—",
            help="从最后一条消息到基准日的整天数")
c[3].metric("统计期内消息", f"{row['messages']:,} 条")

d = detail["daily"]
if len(d):
    bar = px.bar(d, x="d", y="messages", labels={"d": "", "messages": "消息数"})
    bar.update_traces(marker_color=COLORS.get(row["状态"], COLORS[ACTIVE]),
                      hovertemplate="%{x|%Y-%m-%d}：%{y} 条<extra></extra>")
    if as_of is not None:
        vline(bar, zombie_since, f"{zombie_days} 天前", "#d62728")
        vline(bar, as_of, "基准日", "#555555", "right")
        # Up to the analysis date, so the silence after the last bar is visible.
        bar.update_xaxes(range=[pd.Timestamp(d["d"].min()) - pd.Timedelta(days=1), as_of + dt.timedelta(days=1)])
    bar.update_layout(height=240, margin=dict(t=30, b=10))
    bar.update_xaxes(tickformat="%m-%d")
    st.plotly_chart(bar, width="stretch")
    st.caption("这个群每天的消息数（全部聊天记录，系统消息不算）。")

left, right = st.columns([2, 3])
with left:
    m = detail["members"]
    st.markdown(f"**成员（{len(m)} 人）**")
    if len(m) and (m["source"] == "messages").all():
        st.caption("没有这个群的成员名单：这里只列出发过言的人。")
    st.dataframe(pd.DataFrame({
        "姓名": m["name"], "群内角色": m["role"].map(ROLE_LABELS),
        "在干部名册中": ["是" if v else "否" for v in m["in_directory"]], "发言条数": m["messages"],
        "单位": m["unit"].fillna(""), "职务": m["position"].fillna(""),
    }), hide_index=True, width="stretch", height=380)
with right:
    r = detail["recent"]
    if r.empty:
        st.markdown("**最近的消息**")
        st.info("这个群没有导入聊天记录。")
    else:
        st.markdown(f"**最近 {len(r)} 条消息（含系统消息）**")
        st.dataframe(pd.DataFrame({
            "时间": r["sent_local"], "发送人": r["sender"].fillna("（系统）"),
            "类型": r["kind"].map(lambda k: KIND_LABELS.get(k, k)), "内容": r["text"].fillna(""),
        }), hide_index=True, width="stretch", height=380,
            column_config={"时间": st.column_config.DatetimeColumn(format=TIME_FMT, width="small"),
                           "发送人": st.column_config.TextColumn(width="small"),
                           "类型": st.column_config.TextColumn(width="small")})
