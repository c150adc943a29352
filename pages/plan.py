"""整合方案: merges, dissolutions and "at most K groups per cadre", before and after."""

import pandas as pd
import streamlit as st

from core.analysis.base import filter_options
from core.plan.build import PlanError, build
from core.plan.pseudonym import plan_json
from ui.glue import analysis_page, cached, workspace

ACTIONS = {"keep": "保留", "merge": "合并", "dissolve": "解散"}

scope = analysis_page("整合方案", "整合方案需要各群的成员名单和聊天记录。")
st.write("先按成员重合和消息量提出合并、解散建议，再为超过上限的干部挑选保留哪些群（群主留在自己的群、"
         "每个单位在原来的群里至少留一人、锁定的安排不变）。调整下面的条件，所有数字随之更新。")

names = [name for _, name in cached(filter_options)["groups"]]
left, mid, right = st.columns([1, 2, 2])
if "plan_cap" not in st.session_state:
    st.session_state["plan_cap"] = workspace().settings().cap
cap = left.number_input("每人最多群数 K", min_value=1, max_value=30, step=1, key="plan_cap")
keep = mid.multiselect("必须保留的群", names, key="plan_keep", placeholder="不限")
dissolve = right.multiselect("要解散的群", names, key="plan_dissolve", placeholder="不限")

try:
    p = cached(build, scope, cap=int(cap), keep=tuple(keep), dissolve=tuple(dissolve))
except PlanError as exc:
    st.error(str(exc))
    st.stop()

b, a = p["before"], p["after"]
if p["feasible"]:
    st.success(f"{b['groups']} 个群精简为 {a['groups']} 个，每名干部不超过 {p['cap']} 个群；"
               f"人均所在群数 {b['mean_groups_per_person']:.1f} → {a['mean_groups_per_person']:.1f}，"
               f"超过上限的干部 {b['over_cap']} → {a['over_cap']} 人。")
else:
    st.warning(f"按每人最多 {p['cap']} 个群无法安排：下面这些要求互相冲突。"
               + (f"最少需要每人 {p['min_feasible_cap']} 个群。" if p["min_feasible_cap"] else ""))
    for line in p["conflicts"][:8]:
        st.markdown(f"- {line}")
    if len(p["conflicts"]) > 8:
        st.caption(f"另有 {len(p['conflicts']) - 8} 条类似情况。")
    if p["min_feasible_cap"]:
        def _use_min() -> None:
            st.session_state["plan_cap"] = p["min_feasible_cap"]

        st.button(f"按每人最多 {p['min_feasible_cap']} 个群生成方案", on_click=_use_min)
    st.caption("下面的“之后”只计合并和解散，尚未按上限删减。")

st.subheader("之前 → 之后")
cols = st.columns(6)
for col, (key, label, fmt) in zip(cols, [
    ("groups", "工作群", "{:.0f}"), ("memberships", "入群人次", "{:.0f}"),
    ("mean_groups_per_person", "人均所在群数", "{:.1f}"), ("max_groups_per_person", "最多一人在", "{:.0f}"),
    ("over_cap", f"超过 {p['cap']} 个群", "{:.0f}"), ("messages_per_person_day_p50", "每天要看（中位数）", "{:.0f}"),
]):
    col.metric(label, fmt.format(a[key]), delta=fmt.format(a[key] - b[key]), delta_color="inverse",
               help=f"之前：{fmt.format(b[key])}")

st.subheader("每个群的建议")
actions = pd.DataFrame(p["actions"])
actions["建议"] = actions["action"].map(ACTIONS)
actions["into"] = actions["into"].fillna("")
order = {"dissolve": 0, "merge": 1, "keep": 2}
actions = actions.sort_values(by="action", key=lambda s: s.map(order), kind="stable")
st.dataframe(actions.rename(columns={"group": "工作群", "into": "并入", "reason": "理由"})[["工作群", "建议", "并入", "理由"]],
             hide_index=True, width="stretch",
             column_config={"理由": st.column_config.TextColumn(width="large")})

st.subheader("每个人的变化")
people = pd.DataFrame(p["people"])
people["之前"] = people["before"].map(len)
people["之后"] = people["after"].map(len)
changed = people[people["之前"] != people["之后"]].sort_values(["之前", "person"], ascending=[False, True])
st.caption(f"{len(changed)} 名干部的群有变化。")
pick = st.selectbox("查看一名干部", changed["person"].tolist() or people["person"].tolist(), key="plan_person")
row = people[people["person"] == pick].iloc[0]
c1, c2 = st.columns(2)
c1.markdown("**之前**")
c1.dataframe(pd.DataFrame({"工作群": row["before"]}), hide_index=True, width="stretch")
c2.markdown("**之后**")
c2.dataframe(pd.DataFrame({"工作群": row["after"]}), hide_index=True, width="stretch")
st.dataframe(changed.rename(columns={"person": "干部"})[["干部", "之前", "之后"]], hide_index=True, width="stretch")

st.subheader("下载")
anon = st.checkbox("用代号（干部001、干部002……）替换姓名", key="plan_anon",
                   help="向上级报送时使用：同一工作区里，同一个人每次导出的代号相同。")
st.download_button("下载方案（JSON）", plan_json(p, pseudonyms=anon), file_name="整合方案.json",
                   mime="application/json", help="Word 和 Excel 格式的方案正在开发中。")
