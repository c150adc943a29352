"""工作区与安全: where the data are, the audit log, a backup, and deleting the workspace."""

import datetime as dt
from pathlib import Path

import streamlit as st

from core.csvout import to_csv
from core.labels import AUDIT_LABELS
from core.workspace import workspace_files
from ui.gate import DELETED_NOTICE, current_workspace, sign_out, signed_in
from ui.glue import delete_workspace, exported, summary, workspace

st.title("工作区与安全")
spec = current_workspace()
ws = workspace()

done = st.session_state.pop(DELETED_NOTICE, None)
if done:
    st.success(done)

size = sum(f.stat().st_size for f in workspace_files(ws.path) if f.is_file())
s = summary()
st.markdown(f"**工作区：{spec.title}**")
st.write(f"数据文件：`{ws.path}`（{size / 1024 / 1024:.1f} MB）· {s['groups']} 个群 · {s['people']} 人 · "
         f"{s['messages']:,} 条消息")
st.caption("导入的全部内容只保存在这一个 DuckDB 文件里（旁边的 .wal 是它的写入日志）。上传的文件在本机的私有临时"
           "文件夹中解析，导入结束立即删除；系统不连接任何外部网站。")

st.subheader("操作记录")
log = ws.audit_log()
if not log:
    st.caption("还没有任何操作。")
else:
    rows = [{"时间": e["logged_at"].strftime("%Y-%m-%d %H:%M:%S"), "操作": AUDIT_LABELS.get(e["action"], e["action"]),
             "说明": e["detail"], "文件 SHA-256": e["sha256"] or ""} for e in log]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.download_button("下载操作记录（CSV）",
                       exported("操作记录（CSV）", lambda: to_csv(list(rows[0]), [tuple(r.values()) for r in rows])),
                       file_name=f"操作记录_{dt.date.today():%Y%m%d}.csv", mime="text/csv")

st.subheader("备份")
st.write("备份文件就是一份完整的工作区（.duckdb）。恢复时，停止群鉴后把它放回原位置并改回原文件名即可。")


def _backup() -> bytes:
    with ws.scratch() as tmp:
        return ws.backup(Path(tmp) / "backup.duckdb").read_bytes()


st.download_button("下载工作区备份", exported("工作区备份", _backup),
                   file_name=f"群鉴备份_{Path(spec.title).stem}_{dt.date.today():%Y%m%d}.duckdb",
                   mime="application/octet-stream")

st.subheader("删除工作区")
with st.container(border=True):
    st.write("删除会把这个工作区的数据文件从磁盘上彻底移除（包括全部导入、设置和操作记录），无法恢复。"
             "如需保留，请先下载备份。删除本身会记入同一目录下的 deletions.jsonl（时间、文件指纹，不含聊天内容）。")
    confirm = st.text_input("请输入“删除”二字确认", key="delete_confirm")
    if st.button("永久删除这个工作区", type="primary", disabled=confirm.strip() != "删除"):
        record = delete_workspace()
        for key in ("last_reports", "f_dates", "f_units", "f_groups", "delete_confirm"):
            st.session_state.pop(key, None)
        st.session_state[DELETED_NOTICE] = (
            f"工作区「{spec.title}」已删除：{record['imports']} 次导入的数据、设置和操作记录已从磁盘移除。")
        if signed_in():
            sign_out()
        st.rerun()
