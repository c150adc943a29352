"""首页: what the workspace holds, and the one-click sample."""

import streamlit as st

from core.importer import load_sample
from ui.glue import is_empty, job, start_job, summary, watch, workspace

st.title("群鉴 · 工作群精简分析")
st.write("上传工作群的成员名单和聊天记录，看清每名干部在几个群、每天要看多少条消息、"
         "多少消息发在下班后、多少是“收到”和鲜花，再生成精简方案。所有数据只保存在本机。")

s = summary()
cols = st.columns(4)
cols[0].metric("工作群", s["groups"])
cols[1].metric("干部", s["people"])
cols[2].metric("入群人次", s["memberships"])
cols[3].metric("消息", f"{s['messages']:,}")
if s["first_message_at"]:
    st.caption(f"消息时间范围：{s['first_message_at'][:10]} 至 {s['last_message_at'][:10]}")

if is_empty():
    st.subheader("从这里开始")
    left, right = st.columns(2)
    with left:
        st.markdown("**没有数据？先看看示例**  \n一个虚构的“青石镇”：约 200 名干部、34 个工作群、90 天消息。")
        loading = job(st.session_state.get("import_job"))
        if loading is not None and not loading.finished:
            watch(loading, "正在载入示例数据，大约需要半分钟。")
        elif st.button("载入示例数据", type="primary", key="load_sample_home"):
            ws = workspace()
            st.session_state["import_job"] = start_job("载入示例", lambda progress: load_sample(ws, on_progress=progress)).id
            st.rerun()
    with right:
        st.markdown("**导入自己的数据**  \n支持微信（留痕、PyWxDump）、QQ、企业微信导出，钉钉和手工名单用模板。")
        st.page_link("pages/import.py", label="前往数据导入", icon=":material/upload_file:")
else:
    st.subheader("下一步")
    st.write("数据已导入。按顺序往下走：先确认人员，再看问题，最后生成并下载精简方案。")
    c1, c2, c3 = st.columns(3)
    c1.page_link("pages/people.py", label="核对人员：确认同名账号", icon=":material/badge:")
    c2.page_link("pages/overview.py", label="查看问题：从概览开始", icon=":material/dashboard:")
    c3.page_link("pages/plan.py", label="生成方案并下载", icon=":material/merge:")
