"""核对人员: who is who, and the names the importer would not merge on its own."""

import streamlit as st

from core.queries import people_overview

from ui.glue import empty_state, is_empty, review, workspace

st.title("核对人员")
if is_empty():
    empty_state("核对人员需要成员名单或聊天记录。")
    st.stop()

pending = review()
if pending.empty:
    st.success("没有需要人工确认的同名账号。")
else:
    st.warning(f"有 {pending['姓名'].nunique()} 个姓名被不同账号同时使用，系统没有自动合并，请核对：")
    st.dataframe(pending, hide_index=True, width="stretch")

people = people_overview(workspace())
st.subheader(f"全部人员（{len(people)} 人）")
st.dataframe(
    [{"姓名": p["name"], "单位": p["unit"] or "", "职务": p["position"] or "", "领导": "是" if p["is_leader"] else "",
      "在干部名册中": "是" if p["in_directory"] else "否", "所在群数": p["groups"]} for p in people],
    hide_index=True, width="stretch",
)
