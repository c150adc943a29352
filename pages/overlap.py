"""群重叠: which groups share members, which sit inside another, and near-duplicate clusters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.analysis.overlap import (
    DEFAULT_THRESHOLD, compare, contained, group_sizes, matrix_ids, network, pairs, shared_members,
    summary,
)
from ui.glue import analysis_page, cached
from ui.safe import md, plot

TOP_PAIRS = 100
TOP_CONTAINED = 500
HEAT_TOP = 40
JACCARD_HELP = ("重合度 = 两个群的共同成员 ÷ 两个群的成员总数（同一人只算一次）。"
                "1 表示成员完全相同，0 表示没有共同成员。")
CONTAIN_HELP = "包含度 = 共同成员 ÷ 较小那个群的人数。1 表示小群的人全都在大群里。"

scope = analysis_page("群重叠", "群重叠分析需要各群的成员名单。")

st.caption("两个群的成员大部分是同一批人，同一条通知就会被重复看到。" + JACCARD_HELP)
threshold = st.slider("多高算“高度重合”（重合度不低于）", min_value=0.3, max_value=1.0, value=DEFAULT_THRESHOLD,
                      step=0.05, format="%.2f", key="ov_threshold",
                      help="重合度达到这个值的两个群算作近似重复；互相连起来的近似重复群归为一组。")

s = cached(summary, scope, threshold)
if s["groups"] < 2:
    st.info("重叠要比较两个以上的群：请在左侧“工作群”里至少选两个群，或清空选择看全部。")
    st.stop()
if s["pairs"] == 0:
    st.info(f"所选范围内的 {s['groups']} 个群之间没有共同成员。"
            "如果这不符合实际，请检查是否已导入各群的成员名单。")
    st.stop()


def _pct(x: float) -> str:
    return f"{x:.3f}（约 {x:.0%}）"


# -- the finding ------------------------------------------------------------------------------
top = s["top_pair"]
lines = []
if s["high"]:
    lines.append(f"**{s['high']} 对群成员高度重合**（重合度 ≥ {threshold:.2f}），涉及 {s['clustered_groups']} 个群，"
                 f"可归为 {s['clusters']} 组近似重复的群。")
else:
    lines.append(f"没有两个群的重合度达到 {threshold:.2f}。")
lines.append(f"重合最多的是“{md(top['a'])}”（{top['size_a']} 人）和“{md(top['b'])}”（{top['size_b']} 人）："
             f"共同成员 **{top['shared']} 人**，两群去重后共 {top['union_size']} 人，重合度 **{_pct(top['jaccard'])}**。")
if s["contained_groups"]:
    text = f"**{s['contained_groups']} 个群的成员全部在另一个群里**"
    inside = s["top_contained"]
    if inside:
        text += (f"，例如“{md(inside['small'])}”的 {inside['size_small']} 人全部在“{md(inside['large'])}”"
                 f"（{inside['size_large']} 人）里")
    lines.append(text + "。")
if s["identical"]:
    lines.append(f"另有 **{s['identical']} 对群成员完全相同**，可以直接合并或解散其中一个。")
st.info("\n\n".join(lines))

cols = st.columns(4)
cols[0].metric("有共同成员的群对", f"{s['pairs']:,}", help=f"范围内共 {s['groups']} 个群")
cols[1].metric("高度重合的群对", f"{s['high']:,}", help=f"重合度 ≥ {threshold:.2f}")
cols[2].metric("被另一个群完全包含的群", f"{s['contained_groups']:,}", help="小群的每个成员都在另一个群里")
cols[3].metric("近似重复的群组", f"{s['clusters']:,}", help=f"共 {s['clustered_groups']} 个群")


# -- drill-down targets: any chart or table below can choose the pair shown at the bottom ------
def _choose(source: str, token: Any, a_id: int, b_id: int) -> None:
    """Show pair (a_id, b_id) below, but only when ``source``'s selection has just changed, so an
    old click does not override what the user picked in the boxes afterwards."""
    seen = f"ov_seen_{source}"
    if st.session_state.get(seen) != token:
        st.session_state[seen] = token
        if token is not None:
            st.session_state["ov_a"], st.session_state["ov_b"] = int(a_id), int(b_id)
            st.toast("已选好两个群，成员名单在页面最下方“查看两个群的成员”。")


def _points(event: Any) -> list[dict[str, Any]]:
    try:
        return list(event.selection.points)
    except (AttributeError, KeyError, TypeError):
        return []


def _custom(point: dict[str, Any]) -> list[Any]:
    """A selected point's customdata as a list (plotly sends numpy-built arrays as {"0": …})."""
    cd = point.get("customdata")
    if isinstance(cd, dict):
        return [cd[k] for k in sorted(cd, key=int)]
    return list(cd) if isinstance(cd, (list, tuple)) else []


def _rows(event: Any) -> list[int]:
    try:
        return list(event.selection.rows)
    except (AttributeError, KeyError, TypeError):
        return []


# -- heatmap ----------------------------------------------------------------------------------
st.subheader("群与群的重合程度")
left, right = st.columns([2, 3])
metric_label = left.radio("比较方式", ["重合度", "包含度"], horizontal=True, key="ov_metric",
                          help=JACCARD_HELP + CONTAIN_HELP)
metric = "jaccard" if metric_label == "重合度" else "containment"
top_n = HEAT_TOP
if s["overlapping_groups"] > HEAT_TOP:
    top_n = right.slider("最多显示多少个群", 10, min(150, s["overlapping_groups"]), HEAT_TOP, step=5,
                         key="ov_heat_top", help="只显示与其他群重合最多的这些群，群太多时看不清")
ids, names, sim = cached(matrix_ids, scope, metric, top_n)
shown = len(ids)
note = []
if s["groups"] - s["overlapping_groups"]:
    note.append(f"{s['groups'] - s['overlapping_groups']} 个群与其他群没有共同成员")
if s["overlapping_groups"] - shown:
    note.append(f"{s['overlapping_groups'] - shown} 个群重合较少")
st.caption("每个格子是一对群，**颜色越深，两个群的成员越重合**（颜色含义见右侧色条）。相似的群排在一起，"
           "对角线附近的深色方块就是一组近似重复的群。对角线是群和它自己，留空。"
           "**点击一个格子**，在页面最下方查看这两个群的成员。"
           + (f"图中未画出：{'，'.join(note)}。" if note else ""))


def _heatmap(ids: list[int], names: list[str], sim: np.ndarray, label: str, top_text: str) -> go.Figure:
    cell = 17 if len(ids) <= 40 else 12
    height = cell * len(ids) + 220
    z = sim.copy()
    np.fill_diagonal(z, np.nan)
    names = [plot(n) for n in names]  # plotly text: axis labels and the hover's %{x} %{y}
    fig = go.Figure(go.Heatmap(
        z=z, x=names, y=names, zmin=0, zmax=1, colorscale="Blues", hoverinfo="skip",
        colorbar=dict(title=dict(text=label, side="top"), tickvals=[0, 0.25, 0.5, 0.75, 1],
                      ticktext=["0 无共同成员", "0.25", "0.5", "0.75", top_text], thickness=14,
                      len=min(1.0, 420 / height), y=1, yanchor="top")))
    # An invisible marker on every off-diagonal cell: heatmaps cannot be selected, markers can.
    ii, jj = np.where(~np.eye(len(ids), dtype=bool))
    fig.add_trace(go.Scatter(
        x=[names[j] for j in jj], y=[names[i] for i in ii], mode="markers",
        marker=dict(size=cell, opacity=0, symbol="square"),
        customdata=np.column_stack([np.array(ids)[ii], np.array(ids)[jj], sim[ii, jj]]).tolist(),
        hovertemplate="%{y}<br>%{x}<br>" + label + " %{customdata[2]:.3f}<extra></extra>",
        selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)), showlegend=False))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), clickmode="event+select",
                      dragmode=False, plot_bgcolor="white", font=dict(size=12 if len(ids) <= 40 else 10))
    # Every name on both axes (plotly would skip some), square cells so the blocks read as blocks.
    fig.update_xaxes(tickangle=-60, showgrid=False, type="category", categoryorder="array", categoryarray=names,
                     tickmode="array", tickvals=names, constrain="domain")
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category", categoryorder="array",
                     categoryarray=names, tickmode="array", tickvals=names, scaleanchor="x", scaleratio=1,
                     constrain="domain")
    return fig


heat = _heatmap(ids, names, sim, metric_label, "1 完全相同" if metric == "jaccard" else "1 完全包含")
event = st.plotly_chart(heat, width="stretch", on_select="rerun", selection_mode="points", key="ov_heat",
                        config={"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
points = _points(event)
cd = _custom(points[0]) if points else []
if len(cd) >= 2:
    _choose("heat", (int(cd[0]), int(cd[1])), cd[0], cd[1])
else:
    _choose("heat", None, 0, 0)

# -- most overlapping pairs -------------------------------------------------------------------
st.subheader("重合最多的群对")
top_pairs = cached(pairs, scope, 1, TOP_PAIRS)
st.caption(f"共 {s['pairs']:,} 对群有共同成员，下表按重合度从高到低列出前 {len(top_pairs)} 对。"
           "**点选一行**，在页面最下方查看两个群的成员。")
table = top_pairs.rename(columns={"a": "群 A", "size_a": "群 A 人数", "b": "群 B", "size_b": "群 B 人数",
                                  "shared": "共同成员", "union_size": "两群合计（去重）",
                                  "jaccard": "重合度", "containment": "包含度"})
event = st.dataframe(
    table, hide_index=True, width="stretch", height=320, on_select="rerun", selection_mode="single-row",
    key="ov_pairs_table",
    column_order=["群 A", "群 A 人数", "群 B", "群 B 人数", "共同成员", "两群合计（去重）", "重合度", "包含度"],
    column_config={"重合度": st.column_config.ProgressColumn(format="%.3f", min_value=0, max_value=1,
                                                          help=JACCARD_HELP),
                   "包含度": st.column_config.NumberColumn(format="%.3f", help=CONTAIN_HELP)})
rows = _rows(event)
if rows and rows[0] < len(top_pairs):
    r = top_pairs.iloc[rows[0]]
    _choose("pairs", (int(r["a_id"]), int(r["b_id"])), r["a_id"], r["b_id"])
else:
    _choose("pairs", None, 0, 0)

# -- contained groups -------------------------------------------------------------------------
st.subheader("被另一个群完全包含的群")
inside = cached(contained, scope, TOP_CONTAINED)
if inside.empty:
    st.success("没有哪个群的成员全部在另一个群里。")
else:
    total = s["contained"] + s["identical"]
    st.caption("小群的每个成员都已经在大群里：小群里的通知，在大群里同样能发到这些人。"
               "一个小群可能同时被几个大群包含，每种情况各列一行。**点选一行**查看成员。"
               + (f"共 {total:,} 行，这里列出最接近的 {len(inside)} 行。" if total > len(inside) else ""))
    shown_inside = inside.assign(
        relation=np.where(inside["identical"], "成员完全相同", "全部在大群里"),
        share=100 * inside["size_small"] / inside["size_large"],
    ).rename(columns={"small": "小群", "size_small": "小群人数", "large": "大群", "size_large": "大群人数",
                      "relation": "关系", "share": "小群占大群"})
    event = st.dataframe(
        shown_inside, hide_index=True, width="stretch", height=min(320, 38 + 35 * len(inside)),
        on_select="rerun", selection_mode="single-row", key="ov_contained_table",
        column_order=["小群", "小群人数", "关系", "大群", "大群人数", "小群占大群"],
        column_config={"小群占大群": st.column_config.NumberColumn(format="%.0f%%",
                                                                 help="小群人数 ÷ 大群人数")})
    rows = _rows(event)
    if rows and rows[0] < len(inside):
        r = inside.iloc[rows[0]]
        _choose("contained", (int(r["small_id"]), int(r["large_id"])), r["small_id"], r["large_id"])
    else:
        _choose("contained", None, 0, 0)

# -- near-duplicate clusters and the network --------------------------------------------------
st.subheader("近似重复的群组")
nodes, edges = cached(network, scope, threshold)
if nodes.empty:
    st.info(f"没有两个群的重合度达到 {threshold:.2f}。可以把上方的“高度重合”标准调低一些再看。")
else:
    st.caption(f"每个圆点是一个群，圆点越大人越多；重合度 ≥ {threshold:.2f} 的两个群之间连一条线，"
               "线中间的红色菱形和数字是重合度（菱形越大越重合）。连在一起的群是一组近似重复的群，可考虑合并。"
               "鼠标移到圆点或菱形上看详情，**点击菱形**查看两个群的成员。")
    fig = go.Figure()
    xs: list[float | None] = []
    ys: list[float | None] = []
    for e in edges.itertuples():
        xs += [e.x0, e.x1, None]
        ys += [e.y0, e.y1, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#9e9e9e", width=2), hoverinfo="skip",
                             showlegend=False))
    few_edges = len(edges) <= 12
    fig.add_trace(go.Scatter(
        x=(edges["x0"] + edges["x1"]) / 2, y=(edges["y0"] + edges["y1"]) / 2,
        mode="markers+text" if few_edges else "markers", text=edges["jaccard"].map("{:.2f}".format),
        textposition="middle left", textfont=dict(size=11, color="#b71c1c"),
        marker=dict(size=10 + 14 * (edges["jaccard"] - threshold) / max(1 - threshold, 0.01), color="#b71c1c",
                    symbol="diamond", line=dict(color="white", width=1)),
        customdata=edges.assign(a=edges["a"].map(plot), b=edges["b"].map(plot))[
            ["a_id", "b_id", "a", "b", "shared", "union_size", "jaccard"]].values.tolist(),
        hovertemplate="%{customdata[2]} ↔ %{customdata[3]}<br>共同成员 %{customdata[4]} 人，"
                      "两群合计 %{customdata[5]} 人<br>重合度 %{customdata[6]:.3f}<extra></extra>",
        selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=1)), showlegend=False))
    many = len(nodes) > 30
    palette = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#4e342e", "#37474f"]
    # Names go on the outer side of each cluster's circle, away from the lines inside it.
    centre = nodes.groupby("cluster")[["x", "y"]].transform("mean")
    dx, dy = nodes["x"] - centre["x"], nodes["y"] - centre["y"]
    place = np.where(dx.abs() >= dy.abs() * 0.5, np.where(dx >= 0, "middle right", "middle left"),
                     np.where(dy >= 0, "top center", "bottom center"))
    fig.add_trace(go.Scatter(
        x=nodes["x"], y=nodes["y"], mode="markers" if many else "markers+text",
        text=nodes["group"].map(plot), textposition=list(place), textfont=dict(size=12),
        marker=dict(size=14 + 30 * np.sqrt(nodes["size"] / max(nodes["size"].max(), 1)),
                    color=[palette[(c - 1) % len(palette)] for c in nodes["cluster"]],
                    opacity=1, line=dict(color="white", width=1)),
        selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=1)),
        customdata=nodes.assign(group=nodes["group"].map(plot))[
            ["group_id", "group", "size", "cluster"]].values.tolist(),
        hovertemplate="%{customdata[1]}<br>%{customdata[2]} 人 · 第 %{customdata[3]} 组<extra></extra>",
        showlegend=False))
    y_span = nodes["y"].max() - nodes["y"].min()
    fig.update_layout(height=int(min(1000, max(320, 90 * (y_span + 2.4)))), margin=dict(l=10, r=10, t=10, b=10),
                      clickmode="event+select", dragmode=False, plot_bgcolor="white")
    fig.update_xaxes(visible=False, range=[nodes["x"].min() - 2.4, nodes["x"].max() + 2.4])
    fig.update_yaxes(visible=False, range=[nodes["y"].min() - 0.7, nodes["y"].max() + 0.7])
    event = st.plotly_chart(fig, width="stretch", on_select="rerun", selection_mode="points", key="ov_net",
                            config={"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
    points = [p for p in _points(event) if p.get("curve_number") == 1]
    cd = _custom(points[0]) if points else []
    if len(cd) >= 2:
        _choose("net", (int(cd[0]), int(cd[1])), cd[0], cd[1])
    else:
        _choose("net", None, 0, 0)

    # The network's nodes are the groups of clusters(), in its order.
    listing = [f"- **第 {c} 组（{len(g)} 个群）**：" + "、".join(f"{md(r.group)}（{r.size} 人）"
                                                             for r in g.itertuples())
               for c, g in nodes.groupby("cluster", sort=True)]
    st.markdown("\n".join(listing))

# -- drill-down: the members of two groups ----------------------------------------------------
st.subheader("查看两个群的成员")
sizes = cached(group_sizes, scope)
options = [int(g) for g in sizes["group_id"]]
label = {int(r.group_id): f"{r.group}（{r.size} 人）" for r in sizes.itertuples()}
if st.session_state.get("ov_a") not in label or st.session_state.get("ov_b") not in label:
    st.session_state["ov_a"], st.session_state["ov_b"] = int(top["a_id"]), int(top["b_id"])
st.caption("在上方点击热力图格子、表格行或网络图连线，或在这里直接选两个群。")
pick = st.columns(2)
a_id = pick[0].selectbox("群 A", options, format_func=label.get, key="ov_a")
b_id = pick[1].selectbox("群 B", options, format_func=label.get, key="ov_b")
if a_id == b_id:
    st.warning("请选择两个不同的群。")
    st.stop()
members = cached(shared_members, a_id, b_id)
pair = cached(compare, a_id, b_id)
both = members[members["side"] == "both"]
only_a = members[members["side"] == "a_only"]
only_b = members[members["side"] == "b_only"]
m = st.columns(4)
m[0].metric("共同成员", f"{pair['shared']} 人")
m[1].metric("两群合计（去重）", f"{pair['union_size']} 人")
m[2].metric("重合度", f"{pair['jaccard']:.3f}", help=JACCARD_HELP)
m[3].metric("包含度", f"{pair['containment']:.3f}", help=CONTAIN_HELP)
if pair["relation"] == "identical":
    st.success("两个群的成员完全相同。")
elif pair["relation"]:
    small, large = (label[a_id], label[b_id]) if pair["relation"] == "a_in_b" else (label[b_id], label[a_id])
    st.success(f"“{md(small)}”的成员全部在“{md(large)}”里。")


def _people(df: pd.DataFrame) -> pd.DataFrame:
    return (df.assign(leader=np.where(df["leader"], "是", ""))
            .rename(columns={"person": "姓名", "unit": "单位", "position": "职务", "leader": "领导"})
            [["姓名", "单位", "职务", "领导"]])


name = dict(zip(sizes["group_id"].astype(int), sizes["group"]))
tabs = st.tabs([f"两个群都在（{len(both)} 人）", f"只在“{md(name[a_id])}”（{len(only_a)} 人）",
                f"只在“{md(name[b_id])}”（{len(only_b)} 人）"])
for tab, part in zip(tabs, (both, only_a, only_b)):
    with tab:
        if part.empty:
            st.caption("没有。")
        else:
            st.dataframe(_people(part), hide_index=True, width="stretch")
