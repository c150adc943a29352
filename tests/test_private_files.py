"""Chat data is written to the workspace's own DuckDB files only.

Readers get a private scratch folder (mode 0700) beside the workspace file for transcoded
copies, and it is removed afterwards; nothing goes to the system temporary folder, the home
folder or the current folder — whether a file is imported directly or uploaded on the page.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import settle
from streamlit.testing.v1 import AppTest

import core.formats.csvsql as csvsql
import core.workspace as workspace_mod
from core.formats.base import ReadOptions
from core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
DUCKDB_FILES = {"ws.duckdb", "ws.duckdb.wal", "ws.duckdb.tmp"}

# -- fixtures: three formats, two of them in GBK as Excel and old QQ write them ------------

WECHAT_NAME = "安全生产群.csv"  # WeChatMsg v2: the group is the file name
WECHAT = (
    "消息ID,类型,发送人,时间,内容,备注,昵称,更多信息\r\n"
    "9001,文本,王建国,2026-05-11 09:00:00,各位同事，下午三点在三楼会议室开安全生产例会。,王建国,王建国,more\r\n"
    "9002,文本,陈思远,2026-05-11 09:01:00,收到,陈思远,陈思远,more\r\n"
    "9003,图片,李晓梅,2026-05-11 09:02:00,【图片】,李晓梅,李晓梅,more\r\n"
)
QQ_NAME = "网格员消息记录.txt"
QQ = (
    "消息记录（此消息记录为文本格式，不支持重新导入）\r\n"
    "\r\n"
    + "=" * 64 + "\r\n"
    "消息分组:我的QQ群\r\n"
    + "=" * 64 + "\r\n"
    "消息对象:城南网格员群\r\n"
    + "=" * 64 + "\r\n"
    "\r\n"
    "2026-05-11 8:58:02 周海燕(2845601937)\r\n"
    "今天上午十点前报送网格巡查台账。\r\n"
    "\r\n"
    "2026-05-11 9:05:40 刘志强(3019487265)\r\n"
    "收到\r\n"
    "\r\n"
)
XLSX_NAME = "群成员名单.xlsx"
ROSTER = [("群名称", "成员", "角色"), ("安全生产群", "王建国", "群主"), ("安全生产群", "陈思远", "成员"),
          ("安全生产群", "赵敏", "成员")]


def write_inputs(folder: Path) -> dict[str, Path]:
    import openpyxl

    folder.mkdir()
    wechat = folder / WECHAT_NAME
    wechat.write_bytes(WECHAT.encode("gbk"))
    qq = folder / QQ_NAME
    qq.write_bytes(QQ.encode("gbk"))
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "群成员名单"
    for row in ROSTER:
        sheet.append(row)
    xlsx = folder / XLSX_NAME
    wb.save(xlsx)
    return {"wechat": wechat, "qq": qq, "xlsx": xlsx}


# (format, kind, rows, loaded, duplicates, rejected) per file, and the workspace afterwards:
# groups 安全生产群 (WeChat + roster, one group by name) and 城南网格员群 (QQ); people 王建国
# 陈思远 李晓梅 (WeChat), 周海燕 刘志强 (QQ), 赵敏 (roster only); 5 messages.
EXPECTED = [("wechatmsg_v2", "messages", 3, 3, 0, 0), ("qq_txt", "messages", 2, 2, 0, 0),
            ("template", "roster", 3, 3, 0, 0)]
EXPECTED_COUNTS = (2, 6, 5)


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Empty folders standing in for the system temporary folder and the current folder."""
    dirs = {name: tmp_path / name for name in ("tmpdir", "cwd", "ws")}
    for d in dirs.values():
        d.mkdir()
    monkeypatch.setenv("TMPDIR", str(dirs["tmpdir"]))
    monkeypatch.setattr(tempfile, "tempdir", str(dirs["tmpdir"]))
    monkeypatch.chdir(dirs["cwd"])
    return dirs


def test_imports_write_only_the_workspace_files(tmp_path: Path, private_dirs: dict[str, Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    files = write_inputs(tmp_path / "inputs")
    ws_dir = private_dirs["ws"]
    seen: list[dict[str, Any]] = []
    copies: list[tuple[Path, Path, bool]] = []

    def spy_options(**kw: Any) -> ReadOptions:
        # What the reader is handed, looked at while the import runs.
        work = Path(kw["workdir"])
        seen.append({"parent": work.parent, "name": work.name, "mode": stat.S_IMODE(work.stat().st_mode),
                     "empty": not any(work.iterdir())})
        return ReadOptions(**kw)

    real_copy = csvsql.utf8_copy

    def spy_copy(src: Any, encoding: str, workdir: str) -> Path:
        out = real_copy(src, encoding, workdir)
        copies.append((out, Path(workdir), out.exists()))
        return out

    monkeypatch.setattr(workspace_mod, "ReadOptions", spy_options)
    monkeypatch.setattr(csvsql, "utf8_copy", spy_copy)

    ws = Workspace(ws_dir / "ws.duckdb")
    try:
        reports = [ws.import_file(files[k]) for k in ("wechat", "qq", "xlsx")]
        assert [(r.format, r.kind, r.rows, r.loaded, r.duplicates, r.rejected, r.errors) for r in reports] == [
            (*e, []) for e in EXPECTED]
        s = ws.summary()
        assert (s["groups"], s["people"], s["messages"]) == EXPECTED_COUNTS
        assert sorted(r[0] for r in ws.query("select display_name from people")) == sorted(
            ["王建国", "陈思远", "李晓梅", "周海燕", "刘志强", "赵敏"])
        # During each import: a fresh 0700 folder beside the workspace file.
        assert len(seen) == 3
        for s in seen:
            assert s["parent"] == ws_dir
            assert s["name"].startswith(".qunjian-tmp-ws.duckdb-")
            assert s["mode"] == 0o700
            assert s["empty"]
        assert len({s["name"] for s in seen}) == 3
        # The GBK WeChat CSV was transcoded into that folder (and only it was copied).
        assert len(copies) == 1
        out, workdir, existed = copies[0]
        assert existed and out.parent == workdir and workdir.name == seen[0]["name"]
        assert not out.exists()
    finally:
        ws.close()
    # Afterwards: the scratch folders are gone, nothing was written anywhere else.
    assert set(listing(ws_dir)) <= DUCKDB_FILES and "ws.duckdb" in listing(ws_dir)
    assert listing(private_dirs["tmpdir"]) == []
    assert listing(private_dirs["cwd"]) == []


CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])
from core.workspace import Workspace
ws = Workspace(sys.argv[2])
for f in sys.argv[3:]:
    r = ws.import_file(f)
    assert not r.errors, r.errors
ws.close()
print("OK", flush=True)
"""


def test_a_fresh_process_writes_nowhere_but_the_workspace_folder(tmp_path: Path) -> None:
    """The whole process (DuckDB included) with empty TMPDIR, HOME and current folder."""
    files = write_inputs(tmp_path / "inputs")
    dirs = {name: tmp_path / name for name in ("tmpdir", "home", "cwd", "ws")}
    for d in dirs.values():
        d.mkdir()
    env = dict(os.environ, TMPDIR=str(dirs["tmpdir"]), TEMP=str(dirs["tmpdir"]), TMP=str(dirs["tmpdir"]),
               HOME=str(dirs["home"]), XDG_CACHE_HOME=str(dirs["home"] / ".cache"))
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(dirs["ws"] / "ws.duckdb"),
                          *(str(files[k]) for k in ("wechat", "qq", "xlsx"))],
                         cwd=dirs["cwd"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "OK\n"
    assert set(listing(dirs["ws"])) <= DUCKDB_FILES and "ws.duckdb" in listing(dirs["ws"])
    for name in ("tmpdir", "home", "cwd"):
        assert listing(dirs[name]) == [], name
    ws = Workspace(dirs["ws"] / "ws.duckdb")
    try:
        s = ws.summary()
        assert (s["groups"], s["people"], s["messages"]) == EXPECTED_COUNTS
    finally:
        ws.close()


# -- the upload page ---------------------------------------------------------------------------


def _upload(private_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[AppTest, list[Path]]:
    """Upload the three files on 数据导入 (AppTest); return the app and where each upload was copied."""
    files = write_inputs(tmp_path / "inputs")
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(private_dirs["ws"] / "ws.duckdb"))
    monkeypatch.chdir(ROOT)
    written: list[Path] = []
    real_copy = workspace_mod.copy_upload

    def spy(data: Any, name: str, workdir: str) -> Path:
        dest = real_copy(data, name, workdir)
        written.append(dest)
        return dest

    monkeypatch.setattr(workspace_mod, "copy_upload", spy)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/import.py").run()
    mime = {"wechat": "text/csv", "qq": "text/plain",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    at.file_uploader[0].set_value([(files[k].name, files[k].read_bytes(), mime[k]) for k in ("wechat", "qq", "xlsx")])
    settle(next(b for b in at.button if b.label == "开始导入").click().run())
    assert not at.exception
    assert [s.value for s in at.success] == ["3 个文件已导入，新增 8 行。"]
    return at, written


def test_upload_page_leaves_no_copy_behind(private_dirs: dict[str, Path], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    at, written = _upload(private_dirs, tmp_path, monkeypatch)
    assert [p.name.split("_", 1)[1] for p in written] == [WECHAT_NAME, QQ_NAME, XLSX_NAME]
    assert not any(p.exists() for p in written)
    ws = Workspace(private_dirs["ws"] / "ws.duckdb")  # the app's own connection stays open
    try:
        s = ws.summary()
        assert (s["groups"], s["people"], s["messages"]) == EXPECTED_COUNTS
        assert [(i["file_name"], i["loaded"]) for i in ws.imports()] == [
            (XLSX_NAME, 3), (QQ_NAME, 2), (WECHAT_NAME, 3)]
    finally:
        ws.close()
    # No scratch folder, upload copy or anything else is left anywhere.
    assert [p for p in private_dirs["ws"].iterdir() if p.name.startswith(".qunjian-tmp-")] == []
    assert set(listing(private_dirs["ws"])) <= DUCKDB_FILES
    assert listing(private_dirs["tmpdir"]) == []
    assert listing(private_dirs["cwd"]) == []


def test_upload_copies_stay_in_the_workspace_folder(private_dirs: dict[str, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads are copied into the workspace's private scratch folder, not the system one."""
    _at, written = _upload(private_dirs, tmp_path, monkeypatch)
    assert len(written) == 3
    for dest in written:
        assert dest.parent.parent == private_dirs["ws"]
        assert dest.parent.name.startswith(".qunjian-tmp-ws.duckdb-")


def test_opening_removes_only_this_workspaces_abandoned_scratch_folders(tmp_path: Path) -> None:
    """A killed import leaves its scratch folder (maybe holding a transcoded chat); the next
    open removes it — but never a folder an import of this process is using, nor another
    workspace's, nor anything else."""
    folder = tmp_path / "ws"
    folder.mkdir()
    stale = folder / f".qunjian-tmp-ws.duckdb-{'0' * 32}"
    stale.mkdir(mode=0o700)
    (stale / "tmpabc.csv").write_text("群名称,发送人\n", encoding="utf-8")
    others = [folder / f".qunjian-tmp-other.duckdb-{'1' * 32}", folder / ".qunjian-tmp-ws.duckdb-notmine",
              folder / f".qunjian-tmp-ws.duckdb-{'2' * 32}-x"]
    for d in others:
        d.mkdir()
    ws = Workspace(folder / "ws.duckdb")
    try:
        assert not stale.exists()
        assert all(d.is_dir() for d in others)
        with ws.scratch() as tmp:
            (Path(tmp) / "copy.csv").write_text("x", encoding="utf-8")
            # A second open of the same file in this process (another session) leaves it alone.
            again = Workspace(folder / "ws.duckdb")
            again.close()
            assert (Path(tmp) / "copy.csv").read_text(encoding="utf-8") == "x"
            assert stat.S_IMODE(Path(tmp).stat().st_mode) == 0o700
        assert not Path(tmp).exists()
    finally:
        ws.close()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".qunjian-tmp-")) == sorted(
        d.name for d in others)
