"""概览: headline figures, the most serious findings, and the data behind them."""

import streamlit as st

from core.analysis.overview import coverage, overview
from ui.glue import analysis_page, cached
from ui.safe import md, md_join

scope = analysis_page("概览", "概览需要工作群的成员名单和聊天记录。")

k, found = cached(overview, scope)
# where each finding's figures are shown in full
DETAIL = {"over_cap": "pages/burden.py", "after_hours": "pages/after_hours.py", "noise": "pages/quality.py",
          "duplicates": "pages/quality.py", "red_packets": "pages/quality.py", "zombie": "pages/lifecycle.py",
          "overlap": "pages/overlap.py"}
row1 = st.columns(5)
row1[0].metric("工作群", f"{k['groups']}")
row1[1].metric("干部", f"{k['cadres']}")
row1[2].metric("入群人次", f"{k['memberships']:,}")
row1[3].metric("人均所在群数", f"{k['mean_groups']:.1f}", help=f"最多的一人在 {k['max_groups']} 个群")
row1[4].metric(f"超过 {k['cap']} 个群的干部", f"{k['over_cap']}")
row2 = st.columns(5)
row2[0].metric("日均消息", f"{k['messages_per_day']:,.0f}", help=f"统计期 {k['days']} 天共 {k['messages']:,} 条（不含系统消息）")
row2[1].metric("非工作时间消息占比", f"{k['after_hours_share']:.1%}", help=f"共 {k['after_hours']:,} 条（含应急豁免）")
row2[2].metric("干货率", f"{k['substance_share']:.0%}", help="通知任务、文件和工作交流占全部消息的比例")
row2[3].metric("僵尸群", f"{k['zombie_groups']}")
row2[4].metric("红包/转账", f"{k['red_packets']}")

st.subheader("最突出的问题")
if not found:
    st.success("没有发现突出问题。")
for i, f in enumerate(found, 1):
    with st.container(border=True):
        left, right = st.columns([5, 1])
        left.markdown(f"**{i}.** {md(f.text)}")
        right.page_link(DETAIL[f.key], label="查看详情")

st.subheader("数据覆盖情况")
cov = cached(coverage, scope)
no_messages = cov[cov["messages"] == 0]["group"].tolist()
no_roster = cov[(cov["roster"] != "名单") & (cov["messages"] > 0)]["group"].tolist()
if no_messages:
    st.warning(f"{len(no_messages)} 个群只有成员名单、没有聊天记录：{md_join(no_messages)}。"
               "它们的消息量按 0 计算，请补充导出。")
if no_roster:
    st.warning(f"{len(no_roster)} 个群只有聊天记录、没有成员名单：{md_join(no_roster)}。"
               "这些群的成员只按发过言的人计算，不发言的成员会被漏掉，请补充名单。")
if not no_messages and not no_roster:
    st.success("每个群都有成员名单和聊天记录。")
st.dataframe(
    cov.drop(columns=["group_id"]).rename(columns={
        "group": "工作群", "roster": "成员来源", "members": "成员数", "messages": "消息数",
        "first_message_at": "最早消息", "last_message_at": "最近消息"}),
    hide_index=True, width="stretch",
    column_config={"最早消息": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                   "最近消息": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
)
