"""The project's own CSV/XLSX templates (template_spec.py): messages, roster, groups, directory.

Contract (base.py):
- The header row is found among the first 30 rows (title rows above it are allowed); headers
  match ``Column.header`` / ``Column.aliases`` after NFKC, whitespace/``_``/``-`` removal and
  case folding. The kind is the template whose required columns are all present (checked in
  the order messages, roster, groups, directory; groups must not carry member/sender columns).
- A header that lacks a required column raises :class:`ImportFailure` naming the column.
- CSV is parsed by DuckDB (:func:`core.formats.csvsql.load_csv`, exact physical lines) and
  staged with one ``insert … select`` (no Python row loop); XLSX rows (any sheet whose header matches, except 填写说明) go through a TEMP table and the same SQL.
- Bad values (unknown 类型/平台/角色, not 是/否, missing required value) → reject rows whose
  reason names the Chinese column. Blank rows are skipped. Times are kept as text.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any

import pyarrow as pa

from core.formats import xlsx
from core.formats.base import ImportFailure, ReadOptions, ReadResult, Sample, Source, make_sample
from core.formats.csvsql import check_max_rows, load_csv, quote_ident, stage_rejects, unique_names
from core.formats.template_spec import (
    NO, PLATFORM_NAMES, ROLE_NAMES, TEMPLATE_TITLES, TEMPLATES, TYPE_NAMES, YES, Column,
)

FORMAT = "template"
HELP_SHEET = "填写说明"
MAX_HEADER_SCAN = 30
KIND_ORDER = ("messages", "roster", "groups", "directory")
KIND_LABELS = {"messages": "聊天记录", "roster": "群成员名单", "groups": "工作群清单", "directory": "干部名册"}
REQUIRED = {kind: [c.field for c in cols if c.required] for kind, cols in TEMPLATES.items()}
# Columns that make a header a roster or message list rather than a list of groups.
_NOT_GROUPS = {"messages": {"sender", "sent_at", "content"}, "roster": {"member", "role", "joined_at", "member_id"}}

_MARKERS = re.compile(r"\((?:必填|选填|可选|可留空)\)|\*")


def norm_header(text: str | None) -> str:
    """Header key: NFKC, no whitespace/``_``/``-``/required markers, case-folded."""
    value = unicodedata.normalize("NFKC", text or "").lstrip("\ufeff")
    value = _MARKERS.sub("", value)
    return re.sub(r"[\s_\-]+", "", value).casefold()


_LOOKUP: dict[str, dict[str, str]] = {
    kind: {norm_header(name): c.field for c in cols for name in (c.header, c.field, *c.aliases)}
    for kind, cols in TEMPLATES.items()
}
_COLUMNS: dict[str, dict[str, Column]] = {kind: {c.field: c for c in cols} for kind, cols in TEMPLATES.items()}


def _match(kind: str, cells: list[str | None]) -> tuple[dict[str, int], list[str]]:
    """(field → column index, names of non-empty cells that are not template columns)."""
    fields: dict[str, int] = {}
    extras: list[str] = []
    for idx, cell in enumerate(cells):
        key = norm_header(cell)
        if not key:
            continue
        field = _LOOKUP[kind].get(key)
        if field is None or field in fields:
            extras.append((cell or "").strip())
        else:
            fields[field] = idx
    return fields, extras


def classify_header(cells: list[str | None]) -> tuple[str, dict[str, int], list[str]] | None:
    """The template kind whose required columns are all in ``cells``, with the mapping."""
    for kind in KIND_ORDER:
        fields, extras = _match(kind, cells)
        if not all(f in fields for f in REQUIRED[kind]):
            continue
        if kind == "groups":
            if any(_NOT_GROUPS[k] & set(_match(k, cells)[0]) for k in _NOT_GROUPS):
                continue
        if kind == "directory" and "group_name" in _match("groups", cells)[0]:
            continue
        return kind, fields, extras
    return None


def partial_header(cells: list[str | None]) -> tuple[str, list[str]] | None:
    """(kind, missing Chinese headers) for a row that is clearly a template header lacking a
    required column: ≥ 2 template columns, one required, and at most half as many others."""
    best: tuple[int, str, list[str]] | None = None
    for kind in KIND_ORDER:
        fields, extras = _match(kind, cells)
        if len(fields) < 2 or not set(REQUIRED[kind]) & set(fields) or len(extras) * 2 > len(fields):
            continue
        missing = [_COLUMNS[kind][f].header for f in REQUIRED[kind] if f not in fields]
        if missing and (best is None or len(fields) > best[0]):
            best = (len(fields), kind, missing)
    return (best[1], best[2]) if best else None


def _csv_rows(sample: Sample) -> list[list[str]]:
    out = []
    for line in sample.lines[:MAX_HEADER_SCAN]:
        try:
            out.append(next(csv.reader(io.StringIO(line)), []))
        except csv.Error:
            out.append([])
    return out


def detect(sample: Sample) -> float:
    """0.95 for a template header (or a template workbook), 0.6 for a template header missing a
    required column or an unknown workbook (so the user gets a precise message), else 0."""
    if sample.is_xlsx:
        sheets = set(sample.xlsx_sheets)
        if sheets & (set(TEMPLATE_TITLES.values()) | {HELP_SHEET}):
            return 0.95
        if sheets & {"聊天记录", "成员信息"}:
            return 0.1  # WeChatMsg's workbook
        return 0.6
    if not sample.text:
        return 0.0
    rows = _csv_rows(sample)
    if any(classify_header(r) for r in rows):
        return 0.95
    if any(partial_header(r) for r in rows):
        return 0.6
    return 0.0


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage a filled-in template (see the module docstring)."""
    sample = make_sample(src)
    _install_macros(con)
    if sample.is_xlsx:
        kind, warnings = _read_xlsx(src, con, opts)
    else:
        kind, warnings = _read_csv(src, sample, con, opts)
    table = _TABLES[kind]
    plats = [r[0] for r in con.execute(
        f"select distinct platform from {table} where reject is null and platform is not null").fetchall()]
    platform = plats[0] if len(plats) == 1 else "dingtalk"
    return ReadResult(format=FORMAT, kind=kind, platform=platform, group_name=opts.group_name, warnings=warnings)


def _no_header(src: Source, where: str, rows: list[list[str | None]]) -> ImportFailure:
    for cells in rows:
        partial = partial_header(cells)
        if partial:
            kind, missing = partial
            return ImportFailure(
                f"文件「{src.name}」{where}看起来是{KIND_LABELS[kind]}模板，但表头缺少必填列："
                + "、".join(f"「{m}」" for m in missing)
                + "。请在表头行补上这些列（可在“数据导入”页下载空白模板对照）后重新导入。"
            )
    return ImportFailure(
        f"文件「{src.name}」{where}前 {MAX_HEADER_SCAN} 行中没有找到模板表头（如“群名称,发送人,时间,内容”）。"
        "请使用“数据导入”页下载的空白模板填写，表头不要改动。"
    )


def _extras_warning(extras: list[str], where: str = "") -> list[str]:
    if not extras:
        return []
    return [f"{where}以下列不是模板中的列，已忽略：" + "、".join(f"「{e}」" for e in extras)]


def _read_csv(src: Source, sample: Sample, con: Any, opts: ReadOptions) -> tuple[str, list[str]]:
    if sample.encoding is None:
        raise ImportFailure(f"文件「{src.name}」不是文本文件，无法按 CSV 模板读取。请确认选择了正确的文件。")
    rows = _csv_rows(sample)
    for idx, cells in enumerate(rows):
        found = classify_header(cells)
        if found:
            break
    else:
        raise _no_header(src, "", rows)
    kind, fields, extras = found
    # DuckDB column names for the header cells (any text: quoted with quote_ident in SQL).
    names = unique_names([c.strip() for c in cells])
    rejects = load_csv(con, src, sample, opts, idx, names)
    check_max_rows(con, src, opts, rejects)
    colmap = {f: quote_ident(names[i]) for f, i in fields.items()}
    _stage(con, kind, colmap, [quote_ident(n) for n in names], "", source="_csv")
    stage_rejects(con, rejects, _TABLES[kind])
    return kind, _extras_warning(extras)


def _read_xlsx(src: Source, con: Any, opts: ReadOptions) -> tuple[str, list[str]]:
    kind: str | None = None
    warnings: list[str] = []
    scanned: list[tuple[str, list[list[str | None]]]] = []
    total = 0
    for sheet in xlsx.sheet_names(src):
        if sheet == HELP_SHEET:
            continue
        rows = xlsx.iter_sheet(src, sheet)
        head: list[list[str | None]] = []
        found = None
        for rowno, cells in rows:
            head.append(cells)
            found = classify_header(cells)
            if found or rowno >= MAX_HEADER_SCAN:
                break
        if not found:
            rows.close()
            scanned.append((sheet, head))
            continue
        skind, fields, extras = found
        if kind is not None and skind != kind:
            rows.close()
            warnings.append(
                f"工作表「{sheet}」是{KIND_LABELS[skind]}模板，与第一个工作表（{KIND_LABELS[kind]}）不同，未导入；请单独导入。"
            )
            continue
        kind = skind
        # Columns up to the last template column are read one by one; whatever stands right of it
        # (no template column) is kept, joined, in one more column for the row's raw text, so a
        # stray cell in column XFD (in the header too) does not make a table of 16,384 columns.
        width = max(fields.values()) + 1
        con.execute(
            "create or replace temp table _tpl (_line bigint, "
            + ", ".join(f"c{i} varchar" for i in range(width + 1)) + ")"
        )
        batch: list[tuple[int, list[str | None]]] = []
        n = 0

        def flush() -> None:
            if not batch:
                return
            cols = {"_line": pa.array([r for r, _ in batch], pa.int64())}
            for i in range(width):
                cols[f"c{i}"] = pa.array([c[i] if i < len(c) else None for _, c in batch], pa.string())
            cols[f"c{width}"] = pa.array([_beyond(c[width:]) for _, c in batch], pa.string())
            con.register("_tpl_batch", pa.table(cols))
            try:
                con.execute("insert into _tpl by name select * from _tpl_batch")
            finally:
                con.unregister("_tpl_batch")
            batch.clear()

        for rowno, cells in rows:
            batch.append((rowno, cells))
            n += 1
            if total + n > opts.max_rows:
                rows.close()
                raise ImportFailure(f"文件「{src.name}」超过 {opts.max_rows} 行的上限，已拒绝导入。请拆分后分别导入。")
            if len(batch) >= 50_000:
                flush()
        flush()
        total += n
        colmap = {f: f"c{i}" for f, i in fields.items()}
        _stage(con, kind, colmap, [f"c{i}" for i in range(width)], f"工作表「{sheet}」：", tail=f"c{width}")
        warnings += _extras_warning(extras, f"工作表「{sheet}」")
    if kind is None:
        for sheet, head in scanned:
            if any(partial_header(c) for c in head):
                raise _no_header(src, f"的工作表「{sheet}」", head)
        raise _no_header(src, "各工作表的", [])
    return kind, warnings


def _beyond(cells: list[str | None]) -> str | None:
    """The cells right of the last template column as CSV text (trailing empty cells dropped), or None."""
    while cells and (cells[-1] is None or not cells[-1].strip()):
        cells = cells[:-1]
    if not cells:
        return None
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(["" if c is None else c for c in cells])
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Staging SQL (shared by CSV and XLSX)
# ---------------------------------------------------------------------------------------------

_SOURCES = ("_tpl", "_csv")  # the tables _stage reads (whitelist: the name goes into SQL text)
_TABLES = {"messages": "stage_messages", "roster": "stage_members", "groups": "stage_groups",
           "directory": "stage_people"}


def _install_macros(con: Any) -> None:
    con.execute(
        "create or replace temp macro _tv(x) as "
        "nullif(trim(x, ' ' || chr(9) || chr(10) || chr(13) || chr(12288)), '')"
    )
    con.execute(
        "create or replace temp macro _csvq(x) as case when x is null then '' "
        "when regexp_matches(x, '[,\"\\r\\n]') then '\"' || replace(x, '\"', '\"\"') || '\"' else x end"
    )


def _names(mapping: dict[str, str]) -> str:
    """The accepted values for a reason text: the first non-ASCII name of each value (else
    the ASCII name in upper case, e.g. QQ)."""
    firsts: dict[str, str] = {}
    for name, value in mapping.items():
        if name and (value not in firsts or (firsts[value].isascii() and not name.isascii())):
            firsts[value] = name
    return "、".join(n.upper() if n.isascii() else n for n in firsts.values())


def _lookup_table(con: Any, name: str, mapping: dict[str, str]) -> None:
    keys = {k.casefold(): v for k, v in mapping.items() if k}
    keys.update({v: v for v in mapping.values()})
    con.register(name, pa.table({"k": pa.array(list(keys), pa.string()), "v": pa.array(list(keys.values()), pa.string())}))


def _stage(con: Any, kind: str, colmap: dict[str, str], all_cols: list[str], prefix: str,
           source: str = "_tpl", tail: str | None = None) -> None:
    """One ``insert … select`` from ``source`` (``_tpl`` for XLSX rows, ``_csv`` for CSV) into the
    stage table of ``kind``. ``colmap`` maps template fields to quoted column identifiers of
    ``source``; ``tail`` is a column of ready-made CSV text appended to the raw row (the cells
    right of an XLSX header); values are bound parameters."""
    if source not in _SOURCES:
        raise ValueError(f"not a template source table: {source!r}")
    cols = _COLUMNS[kind]

    def v(field: str) -> str:
        return f"_tv({colmap[field]})" if field in colmap else "null::varchar"

    params: dict[str, Any] = {"prefix": prefix, "yes": sorted(YES), "no": sorted(NO)}
    for field, col in cols.items():
        params[f"h_{field}"] = col.header
    def absent(f: str) -> str:
        # System notices (入群、撤回) have no sender in any export.
        if kind == "messages" and f == "sender":
            return f"{v(f)} is null and coalesce(ty.v, 'text') not in ('system', 'recall')"
        return f"{v(f)} is null"

    missing = "concat_ws('、', " + ", ".join(
        f"case when {absent(f)} then '「' || $h_{f} || '」' end" for f in REQUIRED[kind]) + ")"
    checks = [f"when {missing} <> '' then $prefix || '缺少必填项' || {missing} || '，未导入。'"]
    joins = []
    _lookup_table(con, "_tpl_platforms", PLATFORM_NAMES)
    joins.append(f"left join _tpl_platforms pl on pl.k = lower({v('platform')})")
    if "platform" in cols:
        params["platforms"] = _names(PLATFORM_NAMES)
        checks.append(f"when {v('platform')} is not null and pl.v is null then $prefix || '「' || $h_platform "
                      f"|| '」的值「' || {v('platform')} || '」无法识别，可填：' || $platforms || '。'")
    if kind == "messages":
        _lookup_table(con, "_tpl_types", TYPE_NAMES)
        joins.append(f"left join _tpl_types ty on ty.k = lower({v('type')})")
        params["types"] = _names(TYPE_NAMES)
        checks.append(f"when {v('type')} is not null and ty.v is null then $prefix || '「' || $h_type || '」的值「' "
                      f"|| {v('type')} || '」无法识别，可填：' || $types || '。'")
    if kind == "roster":
        _lookup_table(con, "_tpl_roles", ROLE_NAMES)
        joins.append(f"left join _tpl_roles ro on ro.k = lower({v('role')})")
        params["roles"] = _names({k: r for k, r in ROLE_NAMES.items() if k and not k.isascii()})
        checks.append(f"when {v('role')} is not null and ro.v is null then $prefix || '「' || $h_role || '」的值「' "
                      f"|| {v('role')} || '」无法识别，可填：' || $roles || '。'")
    for field in ("emergency", "is_leader"):
        if field in cols:
            checks.append(
                f"when {v(field)} is not null and not list_contains($yes, lower({v(field)})) "
                f"and not list_contains($no, lower({v(field)})) then $prefix || '「' || $h_{field} || '」的值「' "
                f"|| {v(field)} || '」应填“是”或“否”。'"
            )
    reject = "case " + " ".join(checks) + " end"
    raw = "concat_ws(',', " + ", ".join([f"_csvq(t.{c})" for c in all_cols] + ([f"t.{tail}"] if tail else [])) + ")"
    nonblank = "coalesce(" + ", ".join(f"_tv(t.{c})" for c in all_cols + ([tail] if tail else [])) + ")"
    platform = "coalesce(pl.v, 'dingtalk')"

    def boolean(field: str) -> str:
        return f"case when {v(field)} is null then false else list_contains($yes, lower({v(field)})) end"

    if kind == "messages":
        target = "line, platform, group_key, group_name, sender_id, sender_name, sent_local, kind, raw_type, text"
        values = (f"{platform}, {v('group_id')}, {v('group_name')}, {v('sender_id')}, {v('sender')}, "
                  f"{v('sent_at')}, coalesce(ty.v, 'text'), {v('type')}, {v('content')}")
    elif kind == "roster":
        target = ("line, platform, group_key, group_name, member_id, member_name, role, joined_local, unit, "
                  "position")
        values = (f"{platform}, {v('group_id')}, {v('group_name')}, {v('member_id')}, {v('member')}, "
                  f"coalesce(ro.v, 'member'), {v('joined_at')}, {v('unit')}, {v('position')}")
    elif kind == "groups":
        target = ("line, platform, group_key, group_name, owner_name, unit, category, emergency, created_local, "
                  "notes")
        values = (f"{platform}, {v('group_id')}, {v('group_name')}, {v('owner')}, {v('unit')}, "
                  f"{v('category')}, {boolean('emergency')}, {v('created_at')}, {v('notes')}")
    else:
        aliases = (f"nullif(list_filter(list_transform(regexp_split_to_array({v('aliases')}, '[、,，;；]'), "
                   "lambda a: trim(a)), lambda a: a <> ''), [])")
        target = "line, platform, person_id, name, aliases, unit, position, is_leader"
        values = (f"{platform}, {v('account')}, {v('name')}, {aliases}, {v('unit')}, {v('position')}, "
                  f"{boolean('is_leader')}")
    sql = f"""
        insert into {_TABLES[kind]} ({target}, reject, raw)
        select t._line, {values}, r.reject, case when r.reject is not null then {raw} end
        from {source} t {' '.join(joins)}
        cross join lateral (select {reject} as reject) r
        where {nonblank} is not null
        order by t._line
    """
    try:
        used = set(re.findall(r"\$(\w+)", sql))
        con.execute(sql, {k: val for k, val in params.items() if k in used})
    finally:
        for name in ("_tpl_platforms", "_tpl_types", "_tpl_roles"):
            try:
                con.unregister(name)
            except Exception:  # not registered for this kind
                pass
