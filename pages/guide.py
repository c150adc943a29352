"""数据从哪里来: where the files come from, one tab per source (content in core/guide.py)."""

import streamlit as st

from core import guide
from core.labels import FORMAT_LABELS

DOWNLOADS_PER_ROW = 4


def _bullets(items: tuple[str, ...]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _steps(items: tuple[str, ...]) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, start=1))


def _download_note(d: guide.Download) -> str:
    if d.format:
        return f"{d.note} 系统识别为：{FORMAT_LABELS.get(d.format, d.format)}。"
    return d.note


def _source(s: guide.Source) -> None:
    st.caption(f"适用：{s.audience}")
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("**操作步骤**")
        st.markdown(_steps(s.steps))
        if s.caution:
            st.warning(s.caution, icon=":material/warning:")
    with right:
        st.markdown("**要带来的文件**")
        st.markdown(_bullets(s.bring))
        st.markdown("**不要带**")
        st.markdown(_bullets(s.leave_out))
    st.markdown("**下载示例文件和模板**")
    for start in range(0, len(s.downloads), DOWNLOADS_PER_ROW):
        cols = st.columns(DOWNLOADS_PER_ROW)
        for i, (col, d) in enumerate(zip(cols, s.downloads[start:start + DOWNLOADS_PER_ROW]), start=start):
            with col:
                st.download_button(d.label, d.data(), file_name=d.file_name, mime=d.mime, key=f"guide_{s.key}_{i}",
                                   icon=":material/download:", on_click="ignore", width="stretch")
                st.caption(_download_note(d))


st.title("数据从哪里来")
st.write(guide.INTRO)
for col, (i, (name, text)) in zip(st.columns(len(guide.KINDS)), enumerate(guide.KINDS, start=1)):
    with col.container(border=True):
        st.markdown(f"**第 {i} 步：{name}**")
        st.markdown(text)
st.caption(guide.ORDER_NOTE)
st.info(guide.SCOPE_NOTE, icon=":material/lock:")

for tab, source in zip(st.tabs([s.title for s in guide.SOURCES]), guide.SOURCES):
    with tab:
        _source(source)

st.subheader(guide.DATA_HANDLING_TITLE)
st.markdown(_bullets(guide.DATA_HANDLING))

st.subheader(guide.FAQ_TITLE)
for question, answer in guide.FAQ:
    with st.expander(question):
        st.markdown(answer)

st.page_link("pages/import.py", label=guide.IMPORT_LINK_LABEL, icon=":material/upload:")
