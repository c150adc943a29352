"""消息质量: what the messages are — 干货率, 收到 storms, flattery, red packets, photo check-ins,
the same notice in several groups, and notices buried under chatter."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
import streamlit as st

from core.analysis import quality
from core.lexicon import CATEGORY_LABELS, rules
from ui.glue import analysis_page, cached
from ui.safe import md, plot

COLORS = {
    "assignment": "#2563eb", "document": "#0891b2", "other": "#16a34a",
    "ack": "#f59e0b", "flattery": "#ec4899", "offtopic": "#94a3b8", "photo_checkin": "#a855f7",
    "red_packet": "#dc2626",
}
KIND_LABELS = {"red_packet": "红包", "transfer": "转账"}
UNKNOWN = "（未识别）"
# The toolbar covers the legend and its zoom tools only confuse; clicking still selects.
NO_TOOLBAR = {"displayModeBar": False}


def pct(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def short(text: object, n: int = 40) -> str:
    s = " ".join(str(text or "").split())
    return s if len(s) <= n else s[:n] + "…"


def bar_height(rows: int) -> int:
    return max(260, 26 * rows + 110)


scope = analysis_page("消息质量", "消息质量需要聊天记录。")

cats = cached(quality.categories, scope)
total = sum(cats.values())
if total == 0:
    st.info("所选范围内没有消息。请在左侧放宽时间范围、单位或工作群。")
    st.stop()

groups = cached(quality.by_group, scope)
dups, copies = cached(quality.duplicate_report, scope)
packets = cached(quality.red_packets, scope)
buried_total = cached(quality.buried_count, scope, threshold=20)
substance = cats["assignment"] + cats["document"] + cats["other"]

# -- finding ---------------------------------------------------------------------------------
finding = (f"在 {total:,} 条消息中，只有 {pct(substance, total)} 的消息是干货（通知任务、文件、工作交流）；"
           f"{pct(cats['ack'], total)} 是“收到”类回复，{pct(cats['photo_checkin'], total)} 是拍照打卡的图片和要求，"
           f"{pct(cats['flattery'], total)} 是鲜花点赞。")
more = []
if dups["clusters"]:
    more.append(f"有 {dups['clusters']} 条通知在 72 小时内原样发到了多个群，多发 {dups['extra_copies']} 条")
if buried_total:
    more.append(f"{buried_total:,} 条通知后 2 小时内跟了 20 条以上“收到”、点赞等，容易被淹没")
if len(packets):
    more.append(f"工作群里有 {len(packets)} 笔红包或转账，是需要核实的线索")
st.info(finding + ("；".join(more) + "。" if more else ""))

buried_note = "2 小时内跟了 20 条以上“收到”、点赞等回复的通知"
left, right = st.columns([0.45, 0.55])
with left:
    m = st.columns(2)
    m[0].metric("消息", f"{total:,}")
    m[1].metric("干货率", pct(substance, total), help="（通知任务 + 文件 + 其他工作交流）÷ 全部消息，不含系统消息和撤回")
    m[0].metric("重复通知", dups["clusters"], help="同一条通知（20 字以上）72 小时内发到 2 个以上群的次数")
    m[1].metric("被淹没的通知", f"{buried_total:,}", help=buried_note)
    m[0].metric("红包/转账", len(packets), help="线索，需核实")
    m[1].metric("“收到”类回复", f"{cats['ack']:,}")
with right:
    order = sorted(quality.CATEGORIES, key=lambda c: cats[c])
    cat_fig = go.Figure(go.Bar(
        y=[CATEGORY_LABELS[c] for c in order], x=[cats[c] for c in order], orientation="h",
        marker_color=[COLORS[c] for c in order], text=[f"{cats[c]:,}（{pct(cats[c], total)}）" for c in order],
        textposition="auto", hovertemplate="%{y}：%{x:,} 条<extra></extra>"))
    cat_fig.update_layout(title=dict(text="全部消息的类别", x=0), height=330, margin=dict(l=10, r=10, t=40, b=10),
                          xaxis_title="条数")
    st.plotly_chart(cat_fig, width="stretch", config=NO_TOOLBAR)

# -- per group ---------------------------------------------------------------------------------
st.subheader("各群消息构成与干货率")
st.caption("左边：每个群的消息按类别堆叠；右边：这个群的干货率（通知任务 + 文件 + 其他工作交流的占比），虚线是全部群的平均。"
           "点击某一段，下方“查看原始消息”会列出这个群这一类的消息。")
c1, c2 = st.columns(2)
mode = c1.radio("显示", ["条数", "占比"], horizontal=True, key="q_mix_mode")
sort = c2.radio("排序", ["按消息数", "按干货率（低的在上）"], horizontal=True, key="q_mix_sort")
ranked = groups if sort == "按消息数" else groups.sort_values(["substance_share", "group"], kind="stable")
fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.72, 0.28], horizontal_spacing=0.03)
for c in quality.CATEGORIES:
    values = ranked[c] if mode == "条数" else ranked[c] / ranked["messages"] * 100
    fig.add_bar(
        y=ranked["group"].map(plot), x=values, orientation="h", name=CATEGORY_LABELS[c], marker_color=COLORS[c],
        customdata=[[gid, c, n, n / t] for gid, n, t in zip(ranked["group_id"], ranked[c], ranked["messages"])],
        hovertemplate="%{y}<br>" + CATEGORY_LABELS[c] + "：%{customdata[2]:,} 条（%{customdata[3]:.0%}）<extra></extra>",
        row=1, col=1)
fig.add_bar(
    y=ranked["group"].map(plot), x=ranked["substance_share"] * 100, orientation="h", name="干货率", showlegend=False,
    marker_color="#15803d", text=[f"{v:.0%}" for v in ranked["substance_share"]], textposition="inside",
    insidetextanchor="end", textfont=dict(color="white"),
    customdata=[[gid, None, s, n] for gid, s, n in zip(ranked["group_id"], ranked["substance"], ranked["messages"])],
    hovertemplate="%{y}<br>干货率 %{x:.0f}%（%{customdata[2]:,} / %{customdata[3]:,} 条）<extra></extra>",
    row=1, col=2)
fig.add_vline(x=substance / total * 100, line_dash="dot", line_color="#475569", layer="below", row=1, col=2)
fig.update_layout(barmode="stack", height=bar_height(len(ranked)) + 40, margin=dict(l=10, r=10, t=60, b=10),
                  legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, traceorder="normal"))
fig.update_yaxes(autorange="reversed")
fig.update_xaxes(title_text="条数" if mode == "条数" else "占比（%）", row=1, col=1)
fig.update_xaxes(title_text=f"干货率（%），虚线为全部 {pct(substance, total)}", range=[0, 100], row=1, col=2)
event = st.plotly_chart(fig, width="stretch", on_select="rerun", selection_mode="points", key="q_mix_chart",
                        config=NO_TOOLBAR)
points = event.selection.points if event and event.selection else []
if points and points[0].get("customdata"):
    data = points[0]["customdata"]
    picked = (int(data[0]), data[1] if data[1] in quality.CATEGORIES else None)
    if st.session_state.get("q_mix_applied") != picked:
        st.session_state["q_mix_applied"] = picked
        st.session_state["q_drill_group"], st.session_state["q_drill_cat"] = picked

# -- the lists ---------------------------------------------------------------------------------
tabs = st.tabs(["红包与转账", "同一通知发多个群", "拍照打卡要求", "被淹没的通知", "“收到”和点赞最多的人"])

with tabs[0]:
    st.warning("以下红包、转账只是**线索，需核实**：节日祝福红包、代收代付、垫付报销都可能出现在工作群里。"
               "请结合实际情况了解核实，不宜仅凭聊天记录定性。")
    if packets.empty:
        st.write("所选范围内的工作群里没有红包或转账。")
    else:
        st.dataframe(
            pd.DataFrame({
                "时间": packets["sent_local"], "群": packets["group"], "发送人": packets["sender"].fillna(UNKNOWN),
                "单位": packets["unit"].fillna(""), "类型": packets["kind"].map(KIND_LABELS),
                "金额（元）": packets["amount"].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}"),
                "非工作时间": packets["after_hours"].map({True: "是", False: ""}),
                "内容（祝福语/金额，按导出原样）": packets["text"].fillna(""),
            }),
            hide_index=True, width="stretch",
            column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                           "内容（祝福语/金额，按导出原样）": st.column_config.TextColumn(width="large")})
        st.caption("金额只在导出文件写明时显示（如“￥500.00”“共 200.00 元”）；微信普通红包的金额通常不在导出里。")

with tabs[1]:
    st.markdown(f"同一条通知（去掉标点、空格和 @ 后不少于 20 个字）在 72 小时内发到 2 个及以上的群，"
                f"共 **{dups['clusters']}** 条，合计 {dups['copies']} 次，多发了 **{dups['extra_copies']}** 条。")
    if not copies.empty:
        clusters = []
        for cid, c in copies.groupby("cluster", sort=False):
            route = " → ".join(f"{g}（{t:%m-%d %H:%M}）" for g, t in zip(c["group"], c["sent_local"]))
            clusters.append({"序号": cid, "群数": int(c["groups"].iloc[0]), "发送次数": int(c["copies"].iloc[0]),
                             "依次发到（时间）": route, "通知": short(c["text"].iloc[0]),
                             "first": c["sent_local"].iloc[0]})
        table = (pd.DataFrame(clusters).sort_values(["群数", "发送次数", "first"], ascending=[False, False, True])
                 .drop(columns="first"))
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"依次发到（时间）": st.column_config.TextColumn(width="large"),
                                    "通知": st.column_config.TextColumn(width="medium")})
        texts = dict(zip(copies["cluster"], copies["text"]))        # any copy: the same normalised notice
        pick = st.selectbox("查看某条通知的每一次发送", table["序号"].tolist(), key="q_dup_pick",
                            format_func=lambda i: f"{i}. " + short(texts[i], 30))
        one = copies[copies["cluster"] == pick]
        st.dataframe(pd.DataFrame({"时间": one["sent_local"], "群": one["group"], "发送人": one["sender"].fillna(UNKNOWN),
                                   "距首发（分钟）": one["minutes_after_first"], "内容": one["text"]}),
                     hide_index=True, width="stretch",
                     column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})

with tabs[2]:
    photos = cached(quality.photo_requests, scope)
    if photos.empty:
        st.write("所选范围内没有要求拍照、打卡的消息。")
    else:
        st.markdown(f"共 **{int(photos['requests'].sum()):,}** 次要求拍照上传或打卡，随后 2 小时内群里发了 "
                    f"**{int(photos['images'].sum()):,}** 张图片或视频。“已打卡”“某村已上传”等回复不算要求。")
        st.dataframe(
            pd.DataFrame({"群": photos["group"], "发起人": photos["sender"].fillna(UNKNOWN),
                          "单位": photos["unit"].fillna(""), "要求次数": photos["requests"],
                          "随后图片/视频": photos["images"], "首次": photos["first_at"], "最近": photos["last_at"],
                          "示例": photos["example"].fillna("")}),
            hide_index=True, width="stretch",
            column_config={"首次": st.column_config.DatetimeColumn(format="YYYY-MM-DD"),
                           "最近": st.column_config.DatetimeColumn(format="YYYY-MM-DD")})

with tabs[3]:
    threshold = st.number_input("2 小时内收到、点赞等回复至少（条）", min_value=1, max_value=500, value=20, step=5,
                                key="q_buried_threshold")
    buried = cached(quality.buried_assignments, scope, threshold=int(threshold))
    buried_n = buried_total if threshold == 20 else cached(quality.buried_count, scope, threshold=int(threshold))
    if buried.empty:
        st.write(f"没有哪条通知后 2 小时内跟了 {threshold} 条以上的收到、点赞等回复。")
    else:
        top = buried.iloc[0]
        shown = f"（下表列出最严重的 {len(buried)} 条）" if len(buried) < buried_n else ""
        st.markdown(f"共 **{buried_n:,}** 条通知{shown}。最严重的一条：{md(top['group'])} {top['sent_local']:%m-%d %H:%M} "
                    f"的通知后 2 小时内有 **{int(top['chatter'])}** 条收到、点赞等回复，容易被淹没。")
        st.dataframe(
            pd.DataFrame({"2 小时内收到/点赞等": buried["chatter"], "群": buried["group"],
                          "发送人": buried["sender"].fillna(UNKNOWN), "时间": buried["sent_local"],
                          "通知内容": buried["text"].fillna("")}),
            hide_index=True, width="stretch",
            column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
        st.caption("计入：收到类回复、鲜花点赞、无关闲聊、拍照打卡、红包转账。建议重要通知用“群公告”或单独的通知群发布，"
                   "并约定无需回复“收到”。")

with tabs[4]:
    cols = st.columns(2)
    for col, cat, title in ((cols[0], "ack", "“收到”类回复最多的人"), (cols[1], "flattery", "鲜花点赞最多的人")):
        with col:
            st.markdown(f"**{title}**")
            senders = cached(quality.top_senders, scope, category=cat, limit=10)
            if senders.empty:
                st.write("没有。")
                continue
            labels = (senders["name"] + "（" + senders["unit"].fillna("未知单位") + "）").map(plot)
            f = go.Figure(go.Bar(
                y=labels, x=senders["messages"], orientation="h", marker_color=COLORS[cat],
                customdata=senders[["groups", "share"]].values,
                hovertemplate="%{y}<br>%{x:,} 条，在 %{customdata[0]} 个群；占其全部消息的 %{customdata[1]:.0%}<extra></extra>"))
            f.update_layout(height=bar_height(len(senders)), margin=dict(l=10, r=10, t=10, b=10),
                            yaxis=dict(autorange="reversed"), xaxis_title="条数")
            st.plotly_chart(f, width="stretch", config=NO_TOOLBAR)
    st.caption("只统计所选单位的人。多为村干部和科室人员对通知的例行回复：问题在群的用法，不在个人。")

# -- drill-down --------------------------------------------------------------------------------
st.subheader("查看原始消息")
names = dict(zip(groups["group_id"].tolist(), groups["group"].tolist()))
group_options: list[int | None] = [None, *names]
cat_options: list[str | None] = [None, *quality.CATEGORIES]
if st.session_state.get("q_drill_group") not in group_options:
    st.session_state["q_drill_group"] = None
if st.session_state.get("q_drill_cat") not in cat_options:
    st.session_state["q_drill_cat"] = None
a, b = st.columns(2)
gid = a.selectbox("工作群", group_options, key="q_drill_group",
                  format_func=lambda g: "全部工作群" if g is None else names[g])
cat = b.selectbox("类别", cat_options, key="q_drill_cat",
                  format_func=lambda c: "全部类别" if c is None else CATEGORY_LABELS[c])
rows = groups if gid is None else groups[groups["group_id"] == gid]
count = int(rows["messages" if cat is None else cat].sum())
shown = cached(quality.messages, scope, group_id=gid, category=cat, limit=500)
st.caption(f"共 {count:,} 条" + ("，按时间先后显示前 500 条" if count > 500 else "，按时间先后排列"))
st.dataframe(
    pd.DataFrame({"时间": shown["sent_local"], "群": shown["group"], "发送人": shown["sender"].fillna(UNKNOWN),
                  "类别": shown["category"].map(CATEGORY_LABELS), "内容": shown["text"].fillna(""),
                  "单位": shown["unit"].fillna("")}),
    hide_index=True, width="stretch",
    column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
                   "内容": st.column_config.TextColumn(width="large")})

# -- lexicon -----------------------------------------------------------------------------------
with st.expander("分类口径与词表"):
    st.markdown("每条消息在导入时按下面的顺序归入第一个符合的类别（系统消息和撤回不计）。"
                "**干货率** =（通知任务 + 文件 + 其他工作交流）÷ 全部消息。"
                "词表统一保存在 `core/lexicon.py`；修改后需重新导入聊天记录才会按新词表分类。")
    for cat_code, rule, words in rules():
        st.markdown(f"**{CATEGORY_LABELS[cat_code]}**：{rule}")
        if words:
            st.markdown("".join(f"「{w}」" for w in words))
    st.markdown("**重复通知**：同一条通知（去掉标点、空格和 @ 后不少于 20 个字）72 小时内发到 2 个及以上的群；"
                "与上一次相隔超过 72 小时的算新的一轮。**被淹没的通知**：通知后 2 小时内同一群里收到、点赞、"
                "闲聊、打卡、红包达到所设条数。**打卡要求**后 2 小时内的图片、视频计入随后的图片数。")
