"""口径说明: how every figure is computed, drawn from core/definitions.py under this workspace's settings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.definitions import sections
from ui.glue import workspace
from ui.safe import md, md_join

# Word lists up to this long are shown in the text; longer ones fold into an expander.
INLINE_MAX = 12

st.title("口径说明")
st.caption("本页文字由程序按本工作区的现行设置生成，与各页面、命令行和整合方案的算法是同一套："
           "设置一改，这里的数字随之改变。")

for section in sections(workspace().settings()):
    st.subheader(section.title)
    st.markdown(section.body)
    for wl in section.lists:
        # the words are user or lexicon text (emoji, [玫瑰], @所有人): shown literally
        words = md_join(wl.words) if wl.words else "（无）"
        if len(wl.words) <= INLINE_MAX:
            st.markdown(f"**{md(wl.label)}**：{words}")
        else:
            with st.expander(f"{md(wl.label)}（{len(wl.words)} 个）"):
                st.markdown(words)
    if section.table is not None:
        table = pd.DataFrame(list(section.table.rows), columns=list(section.table.columns))
        # every row visible (a dozen settings), no inner scroll bar
        st.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * len(table),
                     column_config={c: st.column_config.TextColumn(c, width="large") for c in table.columns})
