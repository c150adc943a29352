"""整合方案: merges, dissolutions and "at most K groups per cadre", editable, before and after."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.analysis.base import filter_options
from core.plan.build import ACTION_NAMES, PlanError, build, cadre_names, table_edits
from core.plan.proposal import EXPORT_NAMES, export
from ui.glue import analysis_page, cached, computed, deferred, exported, workspace
from ui.safe import md

NAME_ACTION = {v: k for k, v in ACTION_NAMES.items()}
NONE = "—"  # the 并入 cell of a group that is not merged
MAX_CAP = 30
BEFORE, AFTER = "#b0bec5", "#2e7d32"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

scope = analysis_page("整合方案", "整合方案需要各群的成员名单和聊天记录。")
st.write("先按成员重合和消息量提出合并、解散建议，再为超过上限的干部挑选保留哪些群（群主留在自己的群、"
         "每个单位在原来的群里至少留一人、锁定的安排不变）。调整条件或直接修改下面的方案表，所有数字随之更新。")

# -- conditions ---------------------------------------------------------------------------------
names = [name for _, name in cached(filter_options)["groups"]]
left, mid, right = st.columns([3, 4, 4])
if "plan_cap" not in st.session_state:
    st.session_state["plan_cap"] = min(workspace().settings().cap, MAX_CAP)
cap = left.slider("每人最多群数 K", min_value=1, max_value=MAX_CAP, key="plan_cap",
                  help="每名干部原则上最多加入几个工作群（默认 3）。")
keep = mid.multiselect("必须保留的群", names, key="plan_keep", placeholder="不限")
dissolve = right.multiselect("要解散的群", names, key="plan_dissolve", placeholder="不限")
with st.expander("更多条件：同事接替、不要合并的群、必须留在某个群的人"):
    substitutes = st.checkbox(
        "允许由本单位其他干部接替", value=True, key="plan_subs",
        help="例如村书记是本村在 5 个群里唯一的成员：可由本村另一名干部接替其中一两个群，"
             "每个单位在原来的群里仍然有人对接，村书记也能降到上限以内。")
    a, b = st.columns(2)
    a.markdown("**这些群不要互相合并**")
    never_rows = a.data_editor(
        pd.DataFrame({"群一": pd.Series(dtype="str"), "群二": pd.Series(dtype="str")}), key="plan_never",
        num_rows="dynamic", hide_index=True, width="stretch",
        column_config={"群一": st.column_config.SelectboxColumn(options=names),
                       "群二": st.column_config.SelectboxColumn(options=names)})
    b.markdown("**这些人必须留在这些群**")
    stay_rows = b.data_editor(
        pd.DataFrame({"干部": pd.Series(dtype="str"), "工作群": pd.Series(dtype="str")}), key="plan_stay",
        num_rows="dynamic", hide_index=True, width="stretch",
        column_config={"干部": st.column_config.SelectboxColumn(options=cached(cadre_names)),
                       "工作群": st.column_config.SelectboxColumn(options=names)})
never = tuple(sorted({tuple(sorted((x, y))) for x, y in never_rows.itertuples(index=False)
                      if isinstance(x, str) and isinstance(y, str) and x != y}))
stay = tuple(sorted({(x, y) for x, y in stay_rows.itertuples(index=False) if isinstance(x, str) and isinstance(y, str)}))
plan_kw = dict(cap=int(cap), keep=tuple(keep), dissolve=tuple(dissolve), never_merge=never, stay=stay,
               substitutes=bool(substitutes))

try:
    auto = computed(build, scope, title="计算整合方案", **plan_kw)
except PlanError as exc:
    st.error(md(exc))  # quotes group and person names
    st.stop()

head = st.container()     # drawn after the table below, so that edits there show up here

# -- the editable plan table --------------------------------------------------------------------
st.subheader("每个群的建议（可修改）")
st.caption("在“建议”一栏改为 保留、合并 或 解散；合并时在“并入”一栏选择目标群。上面的数字和下载的方案随之更新。")
rows = pd.DataFrame(auto["actions"])
# Edits are kept by row: when the filters change the list of groups, they would land on other groups.
if st.session_state.get("plan_table_rows") != tuple(rows["group"]):
    st.session_state.pop("plan_table", None)
    st.session_state["plan_table_rows"] = tuple(rows["group"])


def _opt(values: pd.Series) -> list[str]:
    """Optional counts as text: blank where a figure does not apply (not "None")."""
    return ["" if pd.isna(v) else f"{int(v)}" for v in values]


table = pd.DataFrame({
    "工作群": rows["group"], "建议": rows["action"].map(ACTION_NAMES), "并入": rows["into"].fillna(NONE),
    "理由": rows["reason"], "成员": rows["members"], "日均消息": rows["messages_per_day"],
    "最后消息": rows["last_message"].fillna("无"), "与目标共同成员": _opt(rows["shared_with_target"]),
    "共同转发通知": _opt(rows["duplicates_with_target"])})
edited = st.data_editor(
    table, key="plan_table", hide_index=True, width="stretch", height=420,
    disabled=["工作群", "理由", "成员", "日均消息", "最后消息", "与目标共同成员", "共同转发通知"],
    column_config={
        "工作群": st.column_config.TextColumn(pinned=True),
        "建议": st.column_config.SelectboxColumn(options=list(NAME_ACTION), required=True, width="small"),
        "并入": st.column_config.SelectboxColumn(options=[NONE, *names], width="medium"),
        "理由": st.column_config.TextColumn(width="large", help="把鼠标停在单元格上可看全文；下载的 Excel 和 Word 里有全文。"),
        "日均消息": st.column_config.NumberColumn(format="%.1f"),
    })
edits = table_edits(auto["actions"], [
    (g, NAME_ACTION[a], i if isinstance(i, str) and i != NONE else None)
    for g, a, i in zip(edited["工作群"], edited["建议"], edited["并入"])])
if edits:
    st.caption(f"已人工调整 {len(edits)} 个群：" + "；".join(
        f"{md(g)} → {ACTION_NAMES[a]}" + (f"（并入 {md(i)}）" if i else "") for g, a, i in edits))
    if st.button("撤销所有调整"):
        del st.session_state["plan_table"]
        st.rerun()
plan_kw["edits"] = edits
try:
    p = computed(build, scope, title="按调整重新计算", **plan_kw) if edits else auto
except PlanError as exc:
    head.error(md(exc))
    st.stop()

# -- headline, figures and charts ---------------------------------------------------------------


def _saving(minutes: float) -> str:
    """Reading time saved per week, in words (a plan of merges can also cost time)."""
    return f"少花约 {minutes:,.0f} 分钟看消息" if minutes >= 0 else f"反而多花约 {-minutes:,.0f} 分钟看消息"


b, a = p["before"], p["after"]
with head:
    if p["feasible"]:
        extra = f"另有 {len(p['added'])} 处由本单位同事接替对接。" if p["added"] else ""
        st.success(f"{b['groups']} 个群精简为 {a['groups']} 个，每名干部不超过 {p['cap']} 个群；"
                   f"人均所在群数 {b['mean_groups_per_person']:.1f} → {a['mean_groups_per_person']:.1f}，"
                   f"全镇每周{_saving(p['saved']['reading_minutes_per_week'])}。{extra}")
    else:
        st.warning(f"按每人最多 {p['cap']} 个群无法安排：下面这些要求互相冲突。"
                   + (f"最少需要每人 {p['min_feasible_cap']} 个群。" if p["min_feasible_cap"] else ""))
        for line in p["conflicts"][:8]:
            st.markdown(f"- {md(line)}")
        if len(p["conflicts"]) > 8:
            st.caption(f"另有 {len(p['conflicts']) - 8} 条类似情况。")
        if p["min_feasible_cap"] and p["min_feasible_cap"] <= MAX_CAP:
            def _use_min() -> None:
                st.session_state["plan_cap"] = p["min_feasible_cap"]

            st.button(f"按每人最多 {p['min_feasible_cap']} 个群生成方案", on_click=_use_min)
        st.caption("下面的“之后”只计合并和解散，尚未按上限删减。")
    downloads = st.container(border=True)  # right under the headline: step 5 of the flow lands here

    st.subheader("之前 → 之后")
    metrics = [
        ("groups", "工作群", "{:.0f}"), ("memberships", "入群人次", "{:.0f}"),
        ("mean_groups_per_person", "人均所在群数", "{:.1f}"), ("p90_groups_per_person", "所在群数 P90", "{:.0f}"),
        ("max_groups_per_person", "一人最多在", "{:.0f}"), ("over_cap", f"超过 {p['cap']} 个群（人）", "{:.0f}"),
        ("messages_per_person_day_p50", "每天要看（中位数）", "{:.0f}"),
        ("messages_per_person_day_p90", "每天要看（P90）", "{:.0f}"),
        ("messages_per_person_day_max", "每天要看（最多）", "{:.0f}"),
        ("reading_minutes_per_week", "全镇每周阅读（分钟）", "{:,.0f}"),
    ]
    for start in (0, 5):
        for col, (key, label, fmt) in zip(st.columns(5), metrics[start:start + 5]):
            col.metric(label, fmt.format(a[key]), delta=fmt.format(a[key] - b[key]), delta_color="inverse",
                       help=f"之前：{fmt.format(b[key])}")
    s = p["saved"]
    st.caption(f"重复通知：同一条通知原样发到几个群，合并、解散后每周少发约 {s['duplicate_notices_per_week']:g} 次"
               f"（统计期内共 {s['duplicate_notices']} 次）。每天要看的消息 = 所在各群里别人发的消息，按每条 "
               f"{workspace().settings().reading_seconds:g} 秒估算阅读时间。")

    people = pd.DataFrame(p["people"])
    c1, c2 = st.columns(2)
    counts_b = people["before"].map(len).value_counts()
    counts_a = people["after"].map(len).value_counts()
    xs = list(range(1, int(max(counts_b.index.max(), counts_a.index.max(), 1)) + 1))
    fig = go.Figure()
    fig.add_bar(x=xs, y=[int(counts_b.get(x, 0)) for x in xs], name="之前", marker_color=BEFORE)
    fig.add_bar(x=xs, y=[int(counts_a.get(x, 0)) for x in xs], name="之后", marker_color=AFTER)
    fig.add_vline(x=p["cap"] + 0.5, line_dash="dash", annotation_text=f"上限 {p['cap']} 个群")
    fig.update_layout(title="每人在几个群", barmode="group", height=320, margin=dict(l=10, r=10, t=50, b=10),
                      xaxis=dict(title="所在群数（个）", dtick=1), yaxis=dict(title="干部人数（人）"),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    c1.plotly_chart(fig, width="stretch")
    labels = ["中位数", "P90", "最多"]
    keys = ["messages_per_person_day_p50", "messages_per_person_day_p90", "messages_per_person_day_max"]
    fig = go.Figure()
    fig.add_bar(x=labels, y=[b[k] for k in keys], name="之前", marker_color=BEFORE,
                text=[f"{b[k]:.0f}" for k in keys], textposition="outside", cliponaxis=False)
    fig.add_bar(x=labels, y=[a[k] for k in keys], name="之后", marker_color=AFTER,
                text=[f"{a[k]:.0f}" for k in keys], textposition="outside", cliponaxis=False)
    fig.update_layout(title="每人每天要看的消息（条）", barmode="group", height=320,
                      margin=dict(l=10, r=10, t=50, b=10), yaxis=dict(title="条/天"),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    c2.plotly_chart(fig, width="stretch")

# -- people -------------------------------------------------------------------------------------
st.subheader("每个人的变化")
people["之前"] = people["before"].map(len)
people["之后"] = people["after"].map(len)
changed = people[people["before"].map(set) != people["after"].map(set)].sort_values(
    ["之前", "person"], ascending=[False, True])
st.caption(f"{len(changed)} 名干部的群有变化。")
left, right = st.columns([2, 3])
with left:
    view = pd.DataFrame({"干部": changed["person"], "单位": changed["unit"], "之前": changed["之前"],
                         "之后": changed["之后"], "每天要看·之前": changed["load_before"].round(0),
                         "每天要看·之后": changed["load_after"].round(0)})
    st.dataframe(view, hide_index=True, width="stretch", height=360)
with right:
    pick = st.selectbox("查看一名干部", changed["person"].tolist() or people["person"].tolist(), key="plan_person")
    row = people[people["person"] == pick].iloc[0]
    x, y = st.columns(2)
    x.markdown("**之前**")
    x.dataframe(pd.DataFrame({"工作群": row["before"]}), hide_index=True, width="stretch")
    y.markdown("**之后**")
    y.dataframe(pd.DataFrame({"工作群": row["after"]}), hide_index=True, width="stretch")
    for line in row["why"]:
        st.markdown(f"- {md(line)}")

# -- downloads (drawn into their box under the headline) --------------------------------------


def _export(kind: str, anon: bool, opts: dict):
    """The file, made on click and recorded in the audit log (with whether names were replaced)."""
    return exported(EXPORT_NAMES[kind] + ("（已化名）" if anon else ""), deferred(export, scope, kind, **opts))


with downloads:
    st.subheader("下载方案")
    left, right = st.columns([2, 3])
    township = left.text_input("单位名称（写在方案标题下和落款）", key="plan_township", placeholder="例如：青石镇")
    anon = right.checkbox("用代号（干部001、干部002……）替换姓名", key="plan_anon",
                          help="向上级报送时使用：同一工作区里，同一个人在 Excel、Word 和 JSON 里的代号相同。")
    opts = dict(township=township, pseudonyms=bool(anon), **plan_kw)
    c1, c2, c3 = st.columns(3)
    c1.download_button("下载 Excel 方案", _export("xlsx", anon, opts), file_name="整合方案.xlsx",
                       mime=XLSX, type="primary", width="stretch",
                       help="概况和图表、群调整、人员调整、非工作时间、消息质量、违纪线索、参数与数据来源。")
    c2.download_button("下载 Word 方案", _export("docx", anon, opts), file_name="关于清理规范工作群的建议方案.docx",
                       mime=DOCX, width="stretch", help="公文格式，可直接修改后报送。")
    c3.download_button("下载 JSON", _export("json", anon, opts), file_name="整合方案.json",
                       mime="application/json", width="stretch", help="与命令行 python -m core plan 的输出相同。")
