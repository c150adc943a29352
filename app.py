"""群鉴 QunJian — entry point: page config, access gate, shared sidebar, navigation."""

import streamlit as st

from ui.gate import current_workspace, sign_out, signed_in
from ui.glue import ICON, jobs_note, step_flow, summary

# A local icon: a :material/…: page icon would make the browser fetch it from a font CDN.
st.set_page_config(page_title="群鉴 · 工作群精简分析", page_icon=str(ICON), layout="wide")

spec = current_workspace()  # asks for the access code first when the operator set one

pages = {
    "开始": [
        st.Page("pages/home.py", title="首页", icon=":material/home:", default=True),
        st.Page("pages/guide.py", title="数据从哪里来", icon=":material/help:"),
        st.Page("pages/import.py", title="数据导入", icon=":material/upload_file:"),
        st.Page("pages/people.py", title="核对人员", icon=":material/badge:"),
    ],
    "查看问题": [
        st.Page("pages/overview.py", title="概览", icon=":material/dashboard:"),
        st.Page("pages/burden.py", title="人员负担", icon=":material/person_alert:"),
        st.Page("pages/overlap.py", title="群重叠", icon=":material/join_inner:"),
        st.Page("pages/after_hours.py", title="非工作时间", icon=":material/bedtime:"),
        st.Page("pages/quality.py", title="消息质量", icon=":material/filter_alt:"),
        st.Page("pages/lifecycle.py", title="群生命周期", icon=":material/hourglass_bottom:"),
    ],
    "生成方案": [
        st.Page("pages/plan.py", title="整合方案", icon=":material/merge:"),
    ],
    "说明与管理": [
        st.Page("pages/definitions.py", title="口径说明", icon=":material/menu_book:"),
        st.Page("pages/workspace.py", title="工作区与安全", icon=":material/shield_lock:"),
    ],
}

with st.sidebar:
    jobs_note()  # an import or plan still running in the background
    s = summary()  # right under the page list, so it stays on a 768-pixel screen
    st.caption(f"工作区：{spec.title} · {s['groups']} 个群 · {s['people']} 人 · {s['messages']:,} 条消息")
    if signed_in():
        st.button("退出", key="sign_out", help="退出后需重新输入访问码", on_click=sign_out)

page = st.navigation(pages, expanded=True)  # every page in view: the list is the way through
step_flow(page.title)
page.run()
