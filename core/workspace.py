"""The workspace: one DuckDB file holding every import, and the import pipeline.

``Workspace.import_file`` detects the format, lets the reader stage the rows, then in ONE
transaction registers identities, removes duplicates, classifies and stores the messages, and
records the import. A file that fails loads nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import duckdb

from core import facts, identity
from core.formats import detect
from core.formats.base import (
    LOCAL_TIME_FORMATS, ImportFailure, ReadOptions, ReadResult, Source, create_stage,
)
from core.lexicon import category_patterns
from core.names import normalise_group_name, split_name
from core.settings import LIMITS, Settings

SQL_DIR = Path(__file__).parent / "sql"
DEFAULT_PATH = Path("data") / "workspace.duckdb"
SCRATCH_PREFIX = ".qunjian-tmp-"
# Names of the scratch folders this process is using (see Workspace.scratch / _sweep_scratch).
_scratch_lock = threading.Lock()
_scratch_in_use: set[str] = set()

_FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALFWIDTH = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "


@dataclass
class ImportReport:
    """What one file did to the workspace (the CLI prints it as JSON)."""

    file: str
    format: str | None = None
    kind: str | None = None
    rows: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    import_id: int | None = None
    sha256: str | None = None
    warnings: list[str] = field(default_factory=list)
    group_name: str | None = None

    def as_cli(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: d[k] for k in ("file", "format", "kind", "rows", "loaded", "duplicates", "rejected", "errors")}


class WorkspaceBusy(RuntimeError):
    """Another process holds the workspace file."""


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class Workspace:
    """A DuckDB workspace file. Thread-safe: every call works on its own cursor, and imports
    are serialised by a lock (DuckDB allows one writer at a time)."""

    def __init__(self, path: str | Path = DEFAULT_PATH) -> None:
        self.path = Path(path)
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # A bounded memory limit makes DuckDB spill big imports to disk instead of growing.
            self._con = duckdb.connect(str(self.path), config={
                "memory_limit": os.environ.get("QUNJIAN_MEMORY_LIMIT", "2GB")})
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WorkspaceBusy(
                    f"工作区文件「{self.path}」正被另一个程序使用（可能另一个群鉴窗口或命令行正在运行）。"
                    "请关闭它后再试，或换一个工作区文件。"
                ) from None
            raise
        self._sweep_scratch()
        self._write_lock = threading.Lock()
        with self._write_lock:
            self._con.execute(_sql("schema.sql"))
            self._con.execute("insert or ignore into meta values ('version', '0')")
            # Tells this file apart from a later one at the same path (after a deletion), so
            # cached figures of the old file are never shown for the new one.
            self._con.execute("insert or ignore into meta values ('workspace_id', ?)", [uuid.uuid4().hex])
        self.uid = self.query("select value from meta where key = 'workspace_id'")[0][0]
        self._reclassify_if_rules_changed()

    # -- connections -------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor for one query or one unit of work (DuckDB cursors are cheap connections)."""
        cur = self._con.cursor()
        return cur

    def close(self) -> None:
        self._con.close()

    def query(self, sql: str, params: Iterable[Any] | dict[str, Any] | None = None) -> list[tuple]:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()

    def version(self) -> int:
        return int(self.query("select value from meta where key = 'version'")[0][0])

    # -- classification ----------------------------------------------------------------------

    def _reclassify_if_rules_changed(self) -> None:
        """Categories and duplicate keys are computed once, at import. When the word lists or the
        classification SQL have changed since (a new version of the app), recompute them for every
        stored message, so old and new imports are judged by the same rules."""
        fingerprint = classifier_fingerprint()
        stored = self.query("select value from meta where key = 'classifier'")
        if stored and stored[0][0] == fingerprint:
            return
        with self._write_lock, self._transaction() as cur:
            if cur.execute("select count(*) from messages").fetchall()[0][0]:
                cur.execute("create or replace temp view _texts as select distinct kind, text from messages")
                classify = _sql("classify.sql").split(";\n")[0]
                cur.execute(classify, {"fw": _FULLWIDTH, "hw": _HALFWIDTH, **category_patterns()})
                cur.execute(
                    """
                    update messages set category = c.category, norm_hash = c.norm_hash, norm_len = c.norm_len
                    from _cls c
                    where c.kind = messages.kind and c.text is not distinct from messages.text
                      and (messages.category <> c.category or messages.norm_hash is distinct from c.norm_hash)
                    """
                )
            cur.execute("insert or replace into meta values ('classifier', ?)", [fingerprint])
            self._bump(cur)

    # -- derived analysis facts ------------------------------------------------------------

    def ensure_facts(self) -> None:
        """Make ``msg_facts`` match the current data and settings (rebuilt at most once per
        workspace version, by whichever caller comes first)."""
        def current() -> bool:
            rows = self.query("select value from meta where key = ?", [facts.META_KEY])
            return bool(rows) and rows[0][0] == facts.stamp(self.version())

        if current():
            return
        with self._write_lock:
            if current():
                return
            settings = self.settings()
            with self._transaction() as cur:
                facts.rebuild(cur, settings, self.version())

    # -- settings ----------------------------------------------------------------------------

    def settings(self) -> Settings:
        rows = self.query("select value from meta where key = 'settings'")
        return Settings.model_validate_json(rows[0][0]) if rows else Settings()

    def save_settings(self, settings: Settings) -> None:
        """Persist ``settings``. A new timezone moves every stored wall-clock time with it (the
        instants stay), so working hours are judged in the zone the user chose."""
        old = self.settings()
        old_zone = old.timezone
        with self._write_lock, self._transaction() as cur:
            cur.execute("insert or replace into meta values ('settings', ?)", [settings.model_dump_json()])
            changed = [Settings.model_fields[k].description.split("：")[0]
                       for k in Settings.model_fields if getattr(settings, k) != getattr(old, k)]
            if changed:
                self._audit(cur, "settings", "修改设置：" + "、".join(changed))
            if settings.timezone != old_zone:
                cur.execute("update messages set sent_local = timezone(?, sent_at)", [settings.timezone])
            self._bump(cur)

    @contextlib.contextmanager
    def _transaction(self, cur: duckdb.DuckDBPyConnection | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction on ``cur`` (or a new cursor, closed afterwards)."""
        own = cur is None
        cur = cur or self.cursor()
        try:
            cur.execute("begin")
            try:
                yield cur
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise
        finally:
            if own:
                cur.close()

    def _bump(self, cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute("update meta set value = (value::bigint + 1)::varchar where key = 'version'")

    # -- import ------------------------------------------------------------------------------

    def import_file(self, path: str | Path, name: str | None = None, group_name: str | None = None,
                    on_step: Callable[[str], None] | None = None) -> ImportReport:
        """Import one file. Never raises for bad input: a file that cannot be read returns a
        report with ``errors`` (Chinese) and loads nothing."""
        src = Source(Path(path), name or Path(path).name)
        report = ImportReport(file=src.name)
        step = on_step or (lambda _s: None)
        try:
            size = src.size
            if size > LIMITS.max_file_mb * 1024 * 1024:
                raise ImportFailure(
                    f"文件「{src.name}」有 {size / 1024 / 1024:.0f} MB，超过单个文件 {LIMITS.max_file_mb} MB 的上限。"
                    "请按时间段分几次导出，或拆分后再导入。"
                )
            report.sha256 = sha256_of(src.path)
            step("识别格式")
            module, _sample = detect(src)
            report.format = module.FORMAT
            with self._writing(step), self.scratch() as tmp:
                settings = self.settings()
                cur = self.cursor()
                try:
                    create_stage(cur)
                    step("读取文件")
                    result = module.read(src, cur, ReadOptions(group_name=group_name or None,
                                                              timezone=settings.timezone, workdir=tmp))
                    report.kind = result.kind
                    report.warnings = list(result.warnings)
                    step("写入工作区")
                    with self._transaction(cur):
                        self._load(cur, src, report, result, group_name or None, settings)
                        self._audit(cur, "import", f"导入「{src.name}」：新增 {report.loaded} 行，已存在 "
                                    f"{report.duplicates} 行，拒绝 {report.rejected} 行", report.sha256,
                                    report.import_id)
                        self._bump(cur)
                finally:
                    cur.close()
        except ImportFailure as exc:
            report.errors.append(str(exc))
        except duckdb.OutOfMemoryException:
            report.errors.append(
                f"文件「{src.name}」导入时内存不足，已全部撤回，未导入任何数据。请把文件按时间段拆小后再导入，"
                "或请管理员调大环境变量 QUNJIAN_MEMORY_LIMIT（当前默认 2GB）后重试。"
            )
        except duckdb.Error as exc:
            report.errors.append(
                f"文件「{src.name}」导入时出错，已全部撤回，未导入任何数据：{str(exc).splitlines()[0][:200]}"
            )
        except Exception as exc:  # a reader bug must not take the page down, nor load half a file
            logging.getLogger(__name__).exception("unexpected error importing %s", src.name)
            report.errors.append(
                f"文件「{src.name}」导入时出现意外错误（{type(exc).__name__}），已全部撤回，未导入任何数据。"
                "请把该文件和这条消息发给维护人员。"
            )
        if report.errors:
            report.rows = report.loaded = report.duplicates = report.rejected = 0
            report.import_id = None
            self.record("import_failed", f"「{src.name}」未能导入，未导入任何数据：{report.errors[0][:300]}",
                        report.sha256)
        return report

    @contextlib.contextmanager
    def _writing(self, step: Callable[[str], None]) -> Iterator[None]:
        """Hold the write lock; say so through ``step`` when another import has it, so a second
        browser session sees why it waits instead of a frozen page."""
        if not self._write_lock.acquire(blocking=False):
            step("等待同事的导入完成（同一工作区一次只写入一个文件）…")
            self._write_lock.acquire()
        try:
            yield
        finally:
            self._write_lock.release()

    @contextlib.contextmanager
    def scratch(self) -> Iterator[str]:
        """A private folder (mode 0700) beside the workspace file for uploads and transcoded
        copies, removed afterwards: chat data is never written outside the workspace's folder.
        One left behind by a killed process is removed when the workspace is next opened."""
        if str(self.path) == ":memory:":
            with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX) as tmp:
                yield tmp
            return
        with _scratch_lock:
            tmp = self.path.parent / f"{SCRATCH_PREFIX}{self.path.name}-{uuid.uuid4().hex}"
            tmp.mkdir(mode=0o700)
            _scratch_in_use.add(tmp.name)
        try:
            yield str(tmp)
        finally:
            with _scratch_lock:
                _scratch_in_use.discard(tmp.name)
            shutil.rmtree(tmp, ignore_errors=True)

    def _sweep_scratch(self) -> None:
        """Remove this workspace's scratch folders that a killed process left behind (they may
        hold a transcoded copy of a chat). Safe while this connection holds the file: no other
        process can be importing into it, and this process's own folders are in use."""
        if str(self.path) == ":memory:":
            return
        mine = re.compile(re.escape(f"{SCRATCH_PREFIX}{self.path.name}-") + "[0-9a-f]{32}")
        with _scratch_lock:
            try:
                entries = list(self.path.parent.iterdir())
            except OSError:  # a folder that may not be listed: nothing to sweep
                return
            for p in entries:
                if mine.fullmatch(p.name) and p.name not in _scratch_in_use and p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)

    # -- audit log -------------------------------------------------------------------------

    def _audit(self, cur: duckdb.DuckDBPyConnection, action: str, detail: str, sha256: str | None = None,
               import_id: int | None = None) -> None:
        cur.execute("insert into audit (action, detail, sha256, import_id) values (?, ?, ?, ?)",
                    [action, detail, sha256, import_id])

    def record(self, action: str, detail: str, sha256: str | None = None) -> None:
        """Append one line to the audit log (exports, failed imports); ``detail`` is Chinese."""
        with self._write_lock, self._transaction() as cur:
            self._audit(cur, action, detail, sha256)

    def audit_log(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The newest ``limit`` audit lines; ``logged_at`` is wall-clock time in the workspace zone."""
        cur = self.cursor()
        try:
            cur.execute("select id, timezone(?, logged_at) as logged_at, action, detail, sha256, import_id from audit "
                        "order by id desc limit ?", [self.settings().timezone, limit])
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]
        finally:
            cur.close()

    def backup(self, dest: str | Path) -> Path:
        """Write a consistent copy of the workspace to ``dest`` (a DuckDB file that opens as a
        workspace). Writers wait meanwhile; readers go on."""
        dest = Path(dest)
        with self._write_lock:
            self._con.execute("checkpoint")
            shutil.copyfile(self.path, dest)
        return dest

    def _load(self, cur: duckdb.DuckDBPyConnection, src: Source, report: ImportReport, result: ReadResult,
              group_name: str | None, settings: Settings) -> None:
        import_id = cur.execute("select nextval('seq_import')").fetchall()[0][0]
        report.import_id = import_id
        tz = settings.timezone
        total = sum(cur.execute(f"select count(*) from {t}").fetchall()[0][0]
                    for t in ("stage_messages", "stage_members", "stage_groups", "stage_people"))
        if total > LIMITS.max_rows_per_file:
            raise ImportFailure(
                f"文件「{src.name}」有 {total} 行，超过单个文件 {LIMITS.max_rows_per_file} 行的上限。请拆分后再导入。"
            )
        # Defaults for rows that do not name their platform or group.
        default_name = group_name or result.group_name
        for table in ("stage_messages", "stage_members", "stage_groups"):
            cur.execute(
                f"""
                update {table} set
                    platform = coalesce(platform, ?),
                    group_key = coalesce(nullif(trim(group_key), ''), ?),
                    group_name = coalesce(nullif(trim(group_name), ''), ?)
                """,
                [result.platform, result.group_key, default_name],
            )
            cur.execute(
                f"""
                update {table} set reject = '无法确定这一行属于哪个群：请在导入页填写群名称后重新导入。',
                                   raw = coalesce(raw, '')
                where reject is null and group_key is null and group_name is null
                """
            )
        cur.execute("update stage_people set platform = coalesce(platform, ?)", [result.platform])

        accounts = _AccountRegistry(cur, import_id, handles=(result.format == "template"))
        accounts.register_stage()
        dups = accounts.write_facts(tz)
        identity.resolve(cur)
        msg_dups = self._load_messages(cur, import_id, tz)
        identity.write_memberships(cur)  # senders of roster-less groups count as members
        self._collect_rejects(cur, import_id, tz)
        rejected = cur.execute("select count(*) from rejects where import_id = ?", [import_id]).fetchall()[0][0]
        report.rows = int(total)
        report.rejected = int(rejected)
        report.duplicates = int(dups + msg_dups)
        report.loaded = report.rows - report.rejected - report.duplicates
        if result.group_key and not default_name:
            report.warnings.append(
                f"文件「{src.name}」只有群 ID（{result.group_key}），没有群名称：导入群清单或通讯录后会自动补上，"
                "也可以在导入时填写群名称。"
            )
        report.group_name = default_name
        cur.execute(
            "insert into imports values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?)",
            [import_id, src.name, report.sha256, report.format, report.kind, result.platform, report.rows,
             report.loaded, report.duplicates, report.rejected, default_name, report.warnings],
        )

    def _load_messages(self, cur: duckdb.DuckDBPyConnection, import_id: int, tz: str) -> int:
        """Store the staged messages that are new; return how many were duplicates."""
        cur.execute(
            f"""
            create or replace temp table _new as
            select s.rowid as rid, s.line, ga.account_id as group_account_id, pa.account_id as sender_account_id,
                   gm.group_id, pm.person_id,
                   {_time_expr('s.sent_local', 's.sent_utc_ms')} as sent_at,
                   s.kind, s.raw_type, s.text, nullif(trim(s.msg_id), '') as msg_id
            from stage_messages s
            join _gacct ga on ga.platform = s.platform and ga.gkey = coalesce(s.group_key, '')
                          and ga.gname = coalesce(s.group_name, '')
            left join _pacct pa on pa.platform = s.platform and pa.pid = coalesce(s.sender_id, '')
                               and pa.pname = coalesce(s.sender_name, '') and pa.palias = coalesce(s.sender_alias, '')
            left join group_map gm on gm.account_id = ga.account_id
            left join person_map pm on pm.account_id = pa.account_id
            where s.reject is null
            """,
            _time_params(tz),
        )
        cur.execute("update _new set sent_at = null "
                    "where sent_at < timestamptz '2000-01-01 00:00:00+00' or sent_at >= timestamptz '2100-01-01 00:00:00+00'")
        patterns = category_patterns()
        classify, join_back = [q for q in _sql("classify.sql").split(";\n") if q.strip()]
        cur.execute("create or replace temp view _texts as "
                    "select kind, text from _new where sent_at is not null and group_id is not null")
        cur.execute(classify, {"fw": _FULLWIDTH, "hw": _HALFWIDTH, **patterns})
        cur.execute(join_back)
        # Content key: group, sender, second and kind class (plus the text, for plain text).
        # Kinds are compared by class because exporters disagree: PyWxDump calls a red packet
        # 未知 (other) where WeChatMsg knows it.
        ckey = """hash({g}, coalesce({p}, -1), epoch({t})::bigint,
                       case when {k} = 'text' then 'text' when {k} in ('system', 'recall') then 'system'
                            else 'media' end,
                       case when {k} = 'text' then coalesce({h}, 0) else 0 end)"""
        cur.execute(
            f"""
            create or replace temp table _old as
            with bounds as (select min(sent_at) as lo, max(sent_at) as hi from _keyed)
            select m.rowid as mrow, m.kind, m.msg_id,
                   {ckey.format(g='g.group_id', p='p.person_id', t='m.sent_at', k='m.kind', h='m.norm_hash')} as ckey
            from messages m
            join group_map g on g.account_id = m.group_account_id
            left join person_map p on p.account_id = m.sender_account_id, bounds
            where m.sent_at between bounds.lo and bounds.hi
              and g.group_id in (select distinct group_id from _keyed)
            union all
            -- Platform message ids are global: match them whatever group they were filed under
            -- (a PyWxDump '…@chatroom' file may be linked to its named group only later).
            select m.rowid, m.kind, m.msg_id, null
            from messages m
            where m.msg_id in (select msg_id from _keyed where msg_id is not null)
            """
        )
        cur.execute(
            f"""
            create or replace temp table _dup as
            select k.rid,
                   {ckey.format(g='k.group_id', p='k.person_id', t='k.sent_at', k='k.kind', h='k.norm_hash')} as ckey,
                   (k.msg_id is not null and k.msg_id in (select msg_id from _old where msg_id is not null))
                   or ckey in (select ckey from _old where ckey is not null)
                   or (k.msg_id is not null
                       and row_number() over (partition by k.msg_id order by k.rid) > 1) as is_dup
            from _keyed k
            """
        )
        # A duplicate that knows more than the stored copy (red_packet vs other) improves it, so
        # the result does not depend on which export came first.
        cur.execute(
            """
            update messages set kind = u.kind, raw_type = u.raw_type, text = u.text, category = u.category,
                                norm_hash = u.norm_hash, norm_len = u.norm_len
            from (
                select distinct on (o.mrow) o.mrow, k.kind, k.raw_type, k.text, k.category, k.norm_hash, k.norm_len
                from _keyed k join _dup d on d.rid = k.rid
                join _old o on (o.ckey = d.ckey or (k.msg_id is not null and o.msg_id = k.msg_id))
                where d.is_dup and o.kind = 'other' and k.kind <> 'other'
                order by o.mrow, k.rid
            ) u
            where messages.rowid = u.mrow
            """
        )
        cur.execute(
            """
            insert into messages
            select ?, k.line, k.group_account_id, k.sender_account_id, k.sent_at, timezone(?, k.sent_at),
                   k.kind, k.raw_type, k.text,
                   case when contains(k.text, '@') then regexp_extract_all(k.text, '@([^\\s\\x{2005}@]{1,20})', 1) end,
                   k.msg_id, k.norm_hash, k.norm_len, k.category
            from _keyed k join _dup d on d.rid = k.rid
            where not d.is_dup
            """,
            [import_id, tz],
        )
        return cur.execute("select count(*) from _dup where is_dup").fetchall()[0][0]

    def _collect_rejects(self, cur: duckdb.DuckDBPyConnection, import_id: int, tz: str) -> None:
        for table in ("stage_messages", "stage_members", "stage_groups", "stage_people"):
            cur.execute(
                f"insert into rejects select ?, line, reject, raw from {table} where reject is not null",
                [import_id],
            )
        cur.execute(
            """
            insert into rejects
            select ?, s.line,
                   case when trim(coalesce(s.sent_local, '')) = '' and s.sent_utc_ms is null
                        then '缺少发送时间。请补上时间（如 2026-03-11 09:05:00）后重新导入。'
                        else '时间「' || coalesce(s.sent_local, s.sent_utc_ms::varchar) ||
                             '」无法识别或超出 2000–2100 年。请改成 2026-03-11 09:05:00 这样的格式后重新导入。' end,
                   coalesce(s.raw, concat_ws(',', s.sender_name, s.sent_local, s.text))
            from stage_messages s join _new n on n.rid = s.rowid
            where s.reject is null and n.sent_at is null
            """,
            [import_id],
        )

    # -- undo, summary, history -----------------------------------------------------------

    def undo_import(self, import_id: int) -> bool:
        """Remove everything one import added; return False if there is no such import."""
        with self._write_lock, self._transaction() as cur:
            found = cur.execute("select file_name, sha256, loaded from imports where id = ?", [import_id]).fetchall()
            if found:
                name, sha, loaded = found[0]
                self._audit(cur, "undo", f"撤销导入 #{import_id}「{name}」：删除当时新增的 {loaded} 行", sha, import_id)
                for table in ("messages", "member_facts", "person_facts", "group_facts", "account_names",
                              "rejects", "imports"):
                    column = "id" if table == "imports" else "import_id"
                    cur.execute(f"delete from {table} where {column} = ?", [import_id])
                cur.execute(
                    """
                    delete from accounts a where not exists (select 1 from account_names n where n.account_id = a.id)
                      and not exists (select 1 from messages m where m.sender_account_id = a.id or m.group_account_id = a.id)
                      and not exists (select 1 from member_facts f where f.person_account_id = a.id or f.group_account_id = a.id)
                      and not exists (select 1 from person_facts f where f.account_id = a.id)
                      and not exists (select 1 from group_facts f where f.account_id = a.id or f.owner_account_id = a.id)
                    """
                )
                identity.resolve(cur)
                self._bump(cur)
            return bool(found)

    def summary(self) -> dict[str, Any]:
        row = self.query(
            """
            select (select count(*) from groups), (select count(*) from people),
                   (select count(*) from memberships), (select count(*) from messages),
                   (select count(*) from messages where kind in ('system', 'recall')),
                   (select min(sent_at) from messages), (select max(sent_at) from messages)
            """
        )[0]
        tz = self.settings().timezone

        def iso(v: dt.datetime | None) -> str | None:
            return v.astimezone(_zone(tz)).isoformat() if v else None

        return {"groups": row[0], "people": row[1], "memberships": row[2], "messages": row[3],
                "system_messages": row[4], "first_message_at": iso(row[5]), "last_message_at": iso(row[6])}

    def imports(self) -> list[dict[str, Any]]:
        """Import history, newest first; ``imported_at`` is wall-clock time in the workspace zone."""
        cur = self.cursor()
        try:
            cur.execute(
                """
                select id, file_name, format, kind, rows, loaded, duplicates, rejected,
                       timezone(?, imported_at) as imported_at, sha256, group_name, warnings
                from imports order by id desc
                """,
                [self.settings().timezone],
            )
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]
        finally:
            cur.close()

    def rejects(self, import_id: int) -> list[tuple[int | None, str, str | None]]:
        return self.query("select line, reason, raw from rejects where import_id = ? order by line nulls last",
                          [import_id])

    def review(self) -> list[tuple[str, str, str, str]]:
        return self.query("select norm, account_key, names, reason from identity_review order by norm, account_key")


def classifier_fingerprint() -> str:
    """Identifies the classification rules: the word lists and the SQL that applies them."""
    rules = json.dumps(category_patterns(), sort_keys=True, ensure_ascii=False) + _sql("classify.sql")
    return hashlib.sha256(rules.encode("utf-8")).hexdigest()[:16]


def _zone(name: str) -> dt.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def _time_expr(local_col: str, utc_col: str) -> str:
    """SQL for a staged time (whitelisted column names only) → TIMESTAMPTZ, NULL when unusable.
    Binds, in order: tz, tz, tz, formats (see :func:`_time_params`). COALESCE only evaluates the
    later branches for rows the earlier ones left NULL, so the common format costs one parse."""
    return f"""coalesce(
        to_timestamp({utc_col} / 1000.0),
        timezone(?, try_strptime({local_col}, '%Y-%m-%d %H:%M:%S')),  -- what exporters write
        case
            when regexp_full_match(trim({local_col}), '\\d{{9,10}}') then to_timestamp(trim({local_col})::bigint)
            when regexp_full_match(trim({local_col}), '\\d{{12,13}}') then to_timestamp(trim({local_col})::bigint / 1000.0)
            when regexp_full_match(trim({local_col}), '\\d{{4,5}}(\\.\\d+)?')
                then timezone(?, timestamp '1899-12-30' + to_microseconds(round(trim({local_col})::double * 86400000000)::bigint))
            else timezone(?, try_strptime(regexp_replace(trim({local_col}), '\\s+', ' ', 'g'), ?))
        end)"""


def _time_params(tz: str) -> list[Any]:
    return [tz, tz, tz, LOCAL_TIME_FORMATS]


class _AccountRegistry:
    """Turns the identities named in the stage tables into account rows for one import."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, import_id: int, handles: bool) -> None:
        self.cur = cur
        self.import_id = import_id
        self.handles = handles  # template directory: 账号 is a handle of the named person

    def _account(self, kind: str, key: str, platform: str | None) -> int:
        rows = self.cur.execute("select id from accounts where kind = ? and key = ?", [kind, key]).fetchall()
        if rows:
            return rows[0][0]
        new_id = self.cur.execute("select nextval('seq_account')").fetchall()[0][0]
        self.cur.execute("insert into accounts values (?, ?, ?, ?)", [new_id, kind, key, platform])
        return new_id

    def _names(self, account_id: int, names: Iterable[tuple[str | None, int, str | None]], group: bool,
               platform: str | None) -> None:
        for raw, rank, unit in names:
            if raw is None or not raw.strip():
                continue
            if group:
                norm, hint = normalise_group_name(raw), None
            else:
                norm, hint = split_name(raw)
                if rank == identity.HANDLE_RANK:
                    norm, hint = raw.strip().lower(), None
            self._seen.add((account_id, raw.strip(), norm, unit or hint, rank, platform))

    def person(self, platform: str, pid: str | None, name: str | None, alias: str | None = None,
               unit: str | None = None, name_rank: int = 1, aliases: Iterable[str] = ()) -> int | None:
        pid = (pid or "").strip() or None
        if pid and not (self.handles and name):
            key = f"{platform}:{pid}"
        else:
            norm = split_name(name)[0] if name else ""
            if not norm:
                return None
            key = f"name:{norm}"
        account_id = self._account("person", key, platform if not key.startswith("name:") else None)
        names = [(name, name_rank, unit), (alias, 2, None)] + [(a, 2, None) for a in aliases]
        if pid and key.startswith("name:"):
            names.append((pid, identity.HANDLE_RANK, None))
        self._names(account_id, names, group=False, platform=platform)
        return account_id

    def group(self, platform: str, gkey: str | None, gname: str | None, rank: int) -> int:
        gkey = (gkey or "").strip() or None
        key = f"{platform}:{gkey}" if gkey else f"name:{normalise_group_name(gname)}"
        account_id = self._account("group", key, platform if gkey else None)
        self._names(account_id, [(gname, rank, None)], group=True, platform=platform)
        return account_id

    def register_stage(self) -> None:
        """Create accounts for every identity in the stage tables and the TEMP lookup tables
        ``_pacct`` / ``_gacct`` that map staged values to account ids."""
        cur = self.cur
        self._seen: set[tuple[int, str, str, str | None, int, str | None]] = set()
        pacct: dict[tuple[str, str, str, str], int | None] = {}
        gacct: dict[tuple[str, str, str], int] = {}

        def g(platform: str, gkey: str | None, gname: str | None, rank: int) -> None:
            k = (platform, gkey or "", gname or "")
            if k not in gacct:
                gacct[k] = self.group(platform, gkey, gname, rank)

        for platform, gkey, gname in cur.execute(
            "select distinct platform, group_key, group_name from stage_messages where reject is null").fetchall():
            g(platform, gkey, gname, 1)
        for platform, gkey, gname in cur.execute(
            "select distinct platform, group_key, group_name from stage_members where reject is null").fetchall():
            g(platform, gkey, gname, 1)
        for platform, gkey, gname in cur.execute(
            "select distinct platform, group_key, group_name from stage_groups where reject is null").fetchall():
            g(platform, gkey, gname, 0)
        for platform, sid, sname, salias in cur.execute(
            """select distinct platform, sender_id, sender_name, sender_alias from stage_messages
               where reject is null and not (kind in ('system', 'recall') and sender_id is null)"""
        ).fetchall():
            pacct[(platform, sid or "", sname or "", salias or "")] = self.person(platform, sid, sname, salias)
        for platform, mid, mname, malias, unit in cur.execute(
            """select distinct platform, member_id, member_name, member_alias, unit from stage_members
               where reject is null"""
        ).fetchall():
            key = (platform, mid or "", mname or "", malias or "")
            pacct[key] = self.person(platform, mid, mname, malias, unit=unit)
        for platform, oid, oname in cur.execute(
            "select distinct platform, owner_id, owner_name from stage_groups where reject is null").fetchall():
            if oid or oname:
                pacct[(platform, oid or "", oname or "", "")] = self.person(platform, oid, oname)
        for platform, pid, name, aliases in cur.execute(
            "select distinct platform, person_id, name, aliases from stage_people where reject is null").fetchall():
            pacct[(platform, pid or "", name or "", "")] = self.person(
                platform, pid, name, name_rank=0, aliases=[a for a in (aliases or []) if a])
        if self._seen:
            cur.executemany("insert into account_names values (?, ?, ?, ?, ?, ?, ?)",
                            [(self.import_id, *row) for row in sorted(self._seen, key=lambda t: (t[0], t[4], t[1]))])
        cur.execute("create or replace temp table _pacct (platform varchar, pid varchar, pname varchar, "
                    "palias varchar, account_id integer)")
        cur.execute("create or replace temp table _gacct (platform varchar, gkey varchar, gname varchar, "
                    "account_id integer)")
        if pacct:
            cur.executemany("insert into _pacct values (?, ?, ?, ?, ?)", [(*k, v) for k, v in pacct.items()])
        if gacct:
            cur.executemany("insert into _gacct values (?, ?, ?, ?)", [(*k, v) for k, v in gacct.items()])

    def write_facts(self, tz: str) -> int:
        """Store roster, group-list and directory facts; return how many were already known."""
        cur = self.cur
        cur.execute(
            f"""
            create or replace temp table _mf as
            select s.line, ga.account_id as g, pa.account_id as p,
                   coalesce(s.role, 'member') as role,
                   {_time_expr('s.joined_local', 's.joined_utc_ms')} as joined_at,
                   nullif(trim(s.unit), '') as unit, nullif(trim(s.position), '') as position
            from stage_members s
            join _gacct ga on ga.platform = s.platform and ga.gkey = coalesce(s.group_key, '')
                          and ga.gname = coalesce(s.group_name, '')
            join _pacct pa on pa.platform = s.platform and pa.pid = coalesce(s.member_id, '')
                          and pa.pname = coalesce(s.member_name, '') and pa.palias = coalesce(s.member_alias, '')
            where s.reject is null and pa.account_id is not null
            """,
            _time_params(tz),
        )
        dup_members = cur.execute(
            "select count(*) from _mf where exists (select 1 from member_facts f "
            "where f.group_account_id = _mf.g and f.person_account_id = _mf.p)").fetchall()[0][0]
        cur.execute("insert into member_facts select ?, line, g, p, role, joined_at, unit, position from _mf",
                    [self.import_id])
        cur.execute(
            """
            insert into rejects select ?, s.line, '这一行没有成员姓名或账号。请补上姓名后重新导入。', coalesce(s.raw, '')
            from stage_members s
            left join _pacct pa on pa.platform = s.platform and pa.pid = coalesce(s.member_id, '')
                 and pa.pname = coalesce(s.member_name, '') and pa.palias = coalesce(s.member_alias, '')
            where s.reject is null and pa.account_id is null
            """,
            [self.import_id],
        )
        cur.execute(
            f"""
            create or replace temp table _gf as
            select s.line, ga.account_id as g, s.platform, pa.account_id as owner,
                   nullif(trim(s.unit), '') as unit, nullif(trim(s.category), '') as category, s.emergency,
                   {_time_expr('s.created_local', 's.created_utc_ms')} as created_at,
                   nullif(trim(s.notes), '') as notes
            from stage_groups s
            join _gacct ga on ga.platform = s.platform and ga.gkey = coalesce(s.group_key, '')
                          and ga.gname = coalesce(s.group_name, '')
            left join _pacct pa on pa.platform = s.platform and pa.pid = coalesce(s.owner_id, '')
                               and pa.pname = coalesce(s.owner_name, '') and pa.palias = ''
            where s.reject is null
            """,
            _time_params(tz),
        )
        dup_groups = cur.execute(
            """select count(*) from _gf where exists (select 1 from group_facts f where f.account_id = _gf.g
               and f.owner_account_id is not distinct from _gf.owner and f.unit is not distinct from _gf.unit
               and f.category is not distinct from _gf.category and f.emergency is not distinct from _gf.emergency
               and f.notes is not distinct from _gf.notes)""").fetchall()[0][0]
        cur.execute("insert into group_facts select ?, line, g, platform, owner, unit, category, emergency, "
                    "created_at, notes from _gf", [self.import_id])
        cur.execute(
            """
            create or replace temp table _pf as
            select s.line, pa.account_id as p, nullif(trim(s.unit), '') as unit,
                   nullif(trim(s.position), '') as position, s.is_leader
            from stage_people s
            join _pacct pa on pa.platform = s.platform and pa.pid = coalesce(s.person_id, '')
                          and pa.pname = coalesce(s.name, '') and pa.palias = ''
            where s.reject is null
            """
        )
        dup_people = cur.execute(
            """select count(*) from _pf where exists (select 1 from person_facts f where f.account_id = _pf.p
               and f.unit is not distinct from _pf.unit and f.position is not distinct from _pf.position
               and f.is_leader is not distinct from _pf.is_leader)""").fetchall()[0][0]
        cur.execute("insert into person_facts select ?, line, p, unit, position, is_leader from _pf", [self.import_id])
        cur.execute(
            """
            insert into rejects select ?, s.line, '这一行没有姓名或账号。请补上姓名后重新导入。', coalesce(s.raw, '')
            from stage_people s
            left join _pacct pa on pa.platform = s.platform and pa.pid = coalesce(s.person_id, '')
                 and pa.pname = coalesce(s.name, '') and pa.palias = ''
            where s.reject is null and pa.account_id is null
            """,
            [self.import_id],
        )
        return int(dup_members + dup_groups + dup_people)


DELETIONS_LOG = "deletions.jsonl"


def workspace_files(path: str | Path) -> list[Path]:
    """The files DuckDB keeps for a workspace: the database, its write-ahead log and its spill
    folder (``<file>.tmp``)."""
    path = Path(path)
    return [path, Path(f"{path}.wal"), Path(f"{path}.tmp")]


def delete_workspace(ws: Workspace, by: str = "") -> dict[str, Any]:
    """Close ``ws`` and remove its files from disk. The workspace's own audit log goes with
    them, so the deletion is recorded in ``deletions.jsonl`` beside it (time, file, size, hash,
    how many imports it held — no chat data). Returns that record."""
    path = ws.path
    imports = ws.query("select count(*) from imports")[0][0]
    zone = _zone(ws.settings().timezone)
    with ws._write_lock:
        ws._con.execute("checkpoint")
        ws.close()
        record = {"deleted_at": dt.datetime.now(zone).isoformat(timespec="seconds"),
                  "workspace": path.name, "bytes": path.stat().st_size, "sha256": sha256_of(path),
                  "imports": int(imports), "by": by}
        for f in workspace_files(path):
            if f.is_dir():
                shutil.rmtree(f)
            elif f.exists():
                f.unlink()
    with open(path.parent / DELETIONS_LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record


def copy_upload(data: bytes | Any, name: str, workdir: str) -> Path:
    """Write an uploaded file into the private ``workdir`` (removed by the caller)."""
    dest = Path(workdir) / Path(name).name
    with open(dest, "wb") as fh:
        if isinstance(data, (bytes, bytearray)):
            fh.write(data)
        else:
            shutil.copyfileobj(data, fh)
    return dest


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
