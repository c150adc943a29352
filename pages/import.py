"""数据导入: upload many files, see what each did, download rejects, undo an import, templates."""

import streamlit as st

from core.csvout import to_csv
from core.formats.template_spec import TEMPLATE_TITLES
from core.importer import import_uploads, load_sample
from core.labels import FORMAT_LABELS, KIND_LABELS
from core.settings import LIMITS
from core.templates import blank_template
from ui.glue import exported, imports, is_empty, job, start_job, watch, workspace
from ui.safe import md, md_join

st.title("数据导入")
st.write("一次可拖入多个文件：成员名单、聊天记录、工作群清单、干部名册都可以。系统自动识别格式和内容，"
         "同一份记录重复导入、或两个人导出了同一个群，都不会重复计数。")
st.caption(f"单个文件不超过 {LIMITS.max_upload_mb} MB、{LIMITS.max_rows_per_file:,} 行；一次最多 "
           f"{LIMITS.max_files_per_batch} 个文件。超过 {LIMITS.max_upload_mb} MB 的文件在选择框里标红、不会上传："
           "请按时间段分几次导出，或请管理员用命令行导入（单个文件最多 "
           f"{LIMITS.max_file_mb} MB）。文件只在本机解析，解析后临时副本立即删除。")


st.page_link("pages/guide.py", label="不知道怎么导出聊天记录和名单？看“数据从哪里来”", icon=":material/help:")


def _report_rows(reports):
    # st.table renders each cell as Markdown: the file name and the messages (which quote names
    # and cells from the file) are escaped.
    return [{
        "文件": md(r.file),
        "格式": FORMAT_LABELS.get(r.format, "无法识别") if r.format else "无法识别",
        "内容": KIND_LABELS.get(r.kind, "") if r.kind else "",
        "读取行数": r.rows, "新增": r.loaded, "已存在": r.duplicates, "拒绝": r.rejected,
        "结果": md_join(r.errors, "；") if r.errors else (md_join(r.warnings, "；") if r.warnings else "成功"),
    } for r in reports]


with st.form("upload", clear_on_submit=True):
    files = st.file_uploader("选择或拖入文件", accept_multiple_files=True,
                             type=["csv", "txt", "xlsx", "json", "jsonl"],
                             help="支持：留痕 WeChatMsg CSV/XLSX、PyWxDump CSV 和 users.json、QQ 消息管理器 TXT、"
                                  "企业微信会话存档 JSONL 和群成员 JSON、本系统模板 CSV/XLSX")
    group_name = st.text_input("群名称（可选）", placeholder="只上传一个聊天记录文件、且文件名不是群名时填写",
                               help="留痕导出的文件名就是群备注名；PyWxDump 文件只有群 ID，可在这里填群名称。")
    submitted = st.form_submit_button("开始导入", type="primary")

if submitted:
    if not files:
        st.warning("请先选择要导入的文件。")
    elif len(files) > LIMITS.max_files_per_batch:
        st.error(f"一次选了 {len(files)} 个文件，超过 {LIMITS.max_files_per_batch} 个的上限。请分批导入。")
    elif group_name.strip() and len(files) > 1:
        st.error("填写了群名称时，请一次只导入一个聊天记录文件（群名称只用于这一个文件）。")
    else:
        uploads = [(f.name, f.getvalue()) for f in files]
        ws, name = workspace(), group_name.strip() or None
        started = start_job("导入", lambda progress: import_uploads(ws, uploads, group_name=name, on_progress=progress))
        st.session_state["import_job"] = started.id
        st.rerun()

running = job(st.session_state.get("import_job"))
if running is not None:
    if not running.finished:
        watch(running, "导入在后台进行：可以先去看其他页面，回来即可看到结果。")
    else:
        del st.session_state["import_job"]
        if running.error:
            st.error(f"导入中断：{md(running.error)}。已导入完成的文件保留，其余文件未导入，可以重新上传。")
        else:
            st.session_state["last_reports"] = running.result
        running = None

if is_empty():
    with st.container(border=True):
        left, right = st.columns([3, 1])
        left.markdown("**没有数据？** 载入虚构的“青石镇”示例：约 200 名干部、34 个工作群、90 天聊天记录。")
        if right.button("载入示例数据", key="load_sample_import", disabled=running is not None):
            ws = workspace()
            st.session_state["import_job"] = start_job("载入示例", lambda progress: load_sample(ws, on_progress=progress)).id
            st.rerun()

reports = st.session_state.get("last_reports")
if reports:
    st.subheader("本次导入结果")
    failed = [r for r in reports if r.errors]
    total_new = sum(r.loaded for r in reports)
    if failed:
        st.error(f"{len(failed)} 个文件未能导入（这些文件一条也没有导入），原因见下表“结果”列。")
    if len(failed) < len(reports):
        st.success(f"{len(reports) - len(failed)} 个文件已导入，新增 {total_new:,} 行。")
    st.table(_report_rows(reports))

st.subheader("导入记录")
history = imports()
if not history:
    st.caption("还没有导入过文件。")
else:
    st.dataframe([{
        "编号": h["id"], "文件": h["file_name"], "格式": FORMAT_LABELS.get(h["format"], h["format"]),
        "内容": KIND_LABELS.get(h["kind"], h["kind"]), "读取行数": h["rows"], "新增": h["loaded"],
        "已存在": h["duplicates"], "拒绝": h["rejected"],
        "导入时间": h["imported_at"].strftime("%Y-%m-%d %H:%M"),
    } for h in history], hide_index=True, width="stretch")

    with_rejects = [h for h in history if h["rejected"]]
    if with_rejects:
        st.markdown("**被拒绝的行**：每行都写明了原因和修改方法，改好后可以重新导入该文件。")
        for h in with_rejects[:20]:
            st.download_button(
                f"下载「{md(h['file_name'])}」被拒绝的 {h['rejected']} 行（CSV）",
                data=exported(f"「{h['file_name']}」被拒绝的行（CSV）",
                              lambda i=h["id"]: to_csv(["行号", "原因", "原始内容"], workspace().rejects(i))),
                file_name=f"被拒绝的行_{h['id']}_{h['file_name']}.csv", mime="text/csv", key=f"rej_{h['id']}",
            )

    with st.expander("撤销一次导入"):
        options = {f"#{h['id']} {h['file_name']}（新增 {h['loaded']} 行）": h["id"] for h in history}
        choice = st.selectbox("选择要撤销的导入", list(options), index=None, placeholder="请选择")
        st.caption("撤销会删除这次导入新增的全部内容。当时被判定为“已存在”的行不受影响。")
        if st.button("撤销这次导入", disabled=choice is None):
            workspace().undo_import(options[choice])
            st.session_state.pop("last_reports", None)
            st.toast(f"已撤销：{md(choice)}")
            st.rerun()

st.subheader("空白模板")
st.write("钉钉群、手工整理的名单，请按模板填写后导入。表头可以是中文或英文，表格上方可以有标题行。")
cols = st.columns(len(TEMPLATE_TITLES))
for col, (kind, title) in zip(cols, TEMPLATE_TITLES.items()):
    col.markdown(f"**{title}**")
    col.download_button("下载 Excel", blank_template(kind, "xlsx"), file_name=f"{title}.xlsx", key=f"tpl_{kind}_xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    col.download_button("下载 CSV", blank_template(kind, "csv"), file_name=f"{title}.csv", key=f"tpl_{kind}_csv",
                        mime="text/csv")
