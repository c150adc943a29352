"""Bulk CSV parsing by DuckDB for readers of large CSV exports.

:func:`load_csv` puts a CSV file into the TEMP table ``_csv`` with every column as VARCHAR
plus ``_line``, the physical line where each record starts (multi-line quoted fields counted),
and returns the records DuckDB's parser could not read (wrong number of columns, unterminated
quotes) so the reader can stage them as rejects. Python never loops over the rows. Also here:
the helpers every CSV reader shares (:func:`unique_names`, :func:`column_expr`,
:func:`check_max_rows`, :func:`stage_rejects`).
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pyarrow as pa

from core.formats.base import ImportFailure, ReadOptions, Sample, Source, StageWriter, utf8_copy


@dataclass
class CsvReject:
    line: int
    raw: str
    reason: str


def quote_ident(name: str) -> str:
    """Quote a column name for SQL text (embedded quotes doubled, so any header text is safe)."""
    return '"' + name.replace('"', '""') + '"'


def find_header(sample: Sample, required: set[str], max_scan: int = 30) -> tuple[int, list[str]] | None:
    """Find the header row under optional title rows: return (0-based line index, header cells)
    of the first of the first ``max_scan`` lines whose cells include every ``required`` name."""
    for idx, line in enumerate(sample.lines[:max_scan]):
        cells = next(csv.reader(io.StringIO(line)), [])
        names = [c.strip().lstrip("\ufeff") for c in cells]
        if required <= set(names):
            return idx, names
    return None


# Stage tables a CSV reject can be staged into (whitelist: the name goes into SQL text).
_STAGE_ADDERS = {"stage_messages": "message", "stage_people": "person", "stage_groups": "group",
                 "stage_members": "member"}


def unique_names(names: Sequence[str]) -> list[str]:
    """Header cells as usable column names: empty cells become ``_col<n>`` (1-based position),
    repeated names (ignoring case, as DuckDB does) get ``_<n>`` appended, so every name is unique."""
    out: list[str] = []
    seen: set[str] = set()  # DuckDB column names are case-insensitive
    for i, n in enumerate(names):
        n = n or f"_col{i + 1}"
        while n.casefold() in seen:
            n = f"{n}_{i + 1}"
        seen.add(n.casefold())
        out.append(n)
    return out


def column_expr(names: Sequence[str], name: str) -> str:
    """SQL for a whitelisted column of ``_csv``: its quoted identifier, or NULL when absent."""
    return quote_ident(name) if name in names else "null::varchar"


def load_csv(con: Any, src: Source, sample: Sample, opts: ReadOptions, header_index: int,
             names: Sequence[str]) -> list[CsvReject]:
    """Parse ``src`` into TEMP table ``_csv`` and return the records DuckDB's parser rejected.

    ``_csv`` has ``_line`` (BIGINT, the 1-based physical line where the record starts) and one
    VARCHAR column per entry of ``names``, in order. ``header_index`` is the 0-based physical line
    of the header row (title rows above it are skipped; it is the index into
    :attr:`Sample.lines`); ``names`` are the caller's names for the header's cells, unique and
    non-empty (see :func:`unique_names`) and as many as the file has columns (DuckDB does not
    compare them with the header row: the caller has parsed it). Use :func:`column_expr` /
    :func:`quote_ident` to refer to them in SQL.

    Lines: DuckDB does not number records, so the loader counts line breaks inside each record
    in the same scan as the parse (a window sum gives the start lines), then places what the
    parser did not return as rows — rejected records (found by their ``line_byte_position``)
    and empty lines, which DuckDB skips when there is more than one column (with a single
    column they come back as records of NULL) — in a short streaming pass over the file. The
    empty-line search only runs when the file has more lines than the records account for (a
    line count over the file, taken by a thread while DuckDB parses, decides). Lines are exact
    for any mix of multi-line quoted fields, rejects and blank lines. Limit: an empty line is
    told from an empty line inside a quoted field by the parity of the quotes before it, so in
    a file that has blank lines, a stray quote inside an unquoted value (DuckDB accepts
    ``x"y``) shifts the lines of the records after the next blank line by one.

    The rejects tables of an earlier call on ``con`` are dropped first, so each call reports
    only its own file. GB18030/UTF-16 files are transcoded to a UTF-8 copy in ``opts.workdir``
    (removed afterwards). A file DuckDB cannot parse at all raises :class:`ImportFailure`.
    """
    if sample.encoding is None:
        raise ImportFailure(f"文件「{src.name}」不是文本文件，无法按 CSV 读取。请确认选择了正确的文件。")
    if len({n.casefold() for n in names}) != len(names) or not all(names):
        raise ValueError(f"column names must be unique and non-empty: {list(names)}")
    lines = sample.lines
    if header_index < len(lines) and lines[header_index].count('"') % 2:
        raise ImportFailure(
            f"文件「{src.name}」第 {header_index + 1} 行（表头）无法按 CSV 解析，请检查该行的引号和逗号。"
        )
    first = header_index + 2  # physical line of the first record
    path = utf8_copy(src, sample.encoding, opts.workdir or str(src.path.parent))
    # Line breaks inside a record; ``contains`` first, as most values have none.
    nl = " + ".join(
        f"(case when contains({c}, chr(10)) then strlen({c}) - strlen(replace({c}, chr(10), '')) else 0 end)"
        for c in map(quote_ident, names)
    )
    # The file's line count (to tell whether there are blank lines) is taken by a thread while
    # DuckDB parses (DuckDB releases the GIL).
    counter = ThreadPoolExecutor(1) if len(names) > 1 else None
    try:
        total = counter.submit(_count_lines, path) if counter else None
        con.execute("drop table if exists _csv_reject_errors")
        con.execute("drop table if exists _csv_reject_scans")
        # One pass: parse, count the line breaks inside each record (_nl) and number the start
        # lines as if no record were rejected and there were no blank lines (the order of the
        # scan is the order of the file). Rejects and blank lines are placed below.
        con.execute(
            f"""
            create or replace temp table _csv as
            select (? + sum(_nl + 1) over (rows between unbounded preceding and current row) - _nl - 1)::bigint
                       as _line,
                   * exclude (_nl)
            from (
                select {nl} as _nl, *
                from read_csv(?, header = true, skip = ?, columns = ?, delim = ',', quote = '"',
                              escape = '"', strict_mode = true, store_rejects = true,
                              rejects_table = '_csv_reject_errors', rejects_scan = '_csv_reject_scans',
                              auto_detect = false, null_padding = false, max_line_size = 33554432)
            )
            """,
            [first, str(path), header_index, {n: "VARCHAR" for n in names}],
        )
        found = con.execute(
            """
            select min(line_byte_position), any_value(csv_line), string_agg(distinct error_type::varchar, '；')
            from _csv_reject_errors group by line order by 1
            """
        ).fetchall()
        raws = [(raw or "").strip("\r\n") for _, raw, _ in found]
        # Lines of the good records (as numbered so far) and of the rejected records.
        covered = con.execute(
            f"select coalesce(max(_line + {nl}) + 1 - ?, 0) from _csv where _line = (select max(_line) from _csv)",
            [first],
        ).fetchall()[0][0] + sum(r.count("\n") + 1 for r in raws)
        blanks_possible = total is not None and total.result() - (first - 1) > covered
        reject_lines, blank_lines = _scan(path, first, [int(pos) for pos, _, _ in found], blanks_possible)
        rejects = [CsvReject(line, raw, _reject_reason(kinds or ""))
                   for line, raw, (_, _, kinds) in zip(reject_lines, raws, found)]
        gaps = [(r.line, r.raw.count("\n") + 1) for r in rejects] + [(b, 1) for b in blank_lines]
        if gaps:
            _shift_lines(con, gaps, first)
    except ImportFailure:
        raise
    except Exception as exc:  # duckdb.Error subclasses: invalid unicode, I/O
        msg = str(exc).splitlines()[0][:200]
        raise ImportFailure(
            f"文件「{src.name}」无法按 CSV 读取：{msg}。请确认文件是导出工具生成的原始 CSV，"
            "或在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新导入。"
        ) from None
    finally:
        if counter:
            counter.shutdown(wait=True)
        if path != src.path:
            path.unlink(missing_ok=True)
    return rejects


def _shift_lines(con: Any, gaps: Sequence[tuple[int, int]], first: int) -> None:
    """Move the records of ``_csv`` down by the lines that are not good records before them.

    ``gaps`` are (physical start line, number of lines) of rejected records and blank lines.
    A good record's provisional ``_line`` is ``first + g`` where ``g`` counts only the lines of
    good records before it; a gap lies before it when the good lines before the gap are at
    most ``g``.
    """
    rows, before = [], 0
    for line, span in sorted(gaps):
        rows.append((line - first - before, span))
        before += span
    con.register("_csv_gaps", pa.table({"g": [g for g, _ in rows], "span": [s for _, s in rows]}))
    try:
        con.execute(
            """
            create or replace temp table _csv_shift as
            select ? + g as at, sum(span) over (order by g rows between unbounded preceding and current row) as shift
            from (select g, sum(span) as span from _csv_gaps group by g)
            """,
            [first],
        )
        con.execute(
            """
            update _csv set _line = _csv._line + s.shift
            from (select c._line as l0, s.shift from _csv c asof join _csv_shift s on c._line >= s.at) s
            where _csv._line = s.l0
            """
        )
    finally:
        con.unregister("_csv_gaps")
        con.execute("drop table if exists _csv_shift")


def _count_lines(path: Path) -> int:
    """Number of lines of a file (a last line without a line break counts), streaming."""
    n, last = 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


def _scan(path: Path, first: int, positions: Sequence[int], blanks: bool) -> tuple[list[int], list[int]]:
    """One streaming pass over a file from physical line ``first`` on: the 1-based lines where
    the rejected records at byte offsets ``positions`` (ascending, DuckDB's
    ``line_byte_position``) start, and, when ``blanks``, the empty lines outside quoted fields
    (quote parity counted from line ``first``).

    DuckDB's offset of a record that follows blank lines points into those blank lines, so the
    record starts at the first byte from there on that is not a line break."""
    lines: list[int] = []
    empty: list[int] = []
    k = 0
    with open(path, "rb") as fh:
        todo = []
        for pos in positions:
            fh.seek(pos)
            while (part := fh.read(256)) and not part.lstrip(b"\r\n"):
                pos += len(part)
            todo.append(pos + len(part) - len(part.lstrip(b"\r\n")))
        fh.seek(0)
        offset, line = 0, 1
        while line < first and (head := fh.readline()):  # title rows and the header
            offset += len(head)
            line += 1
        carry, quotes = b"", 0
        while k < len(todo) or blanks:
            chunk = fh.read(1 << 20)
            buf = carry + chunk
            if not chunk:
                carry = b""
            else:
                end = buf.rfind(b"\n") + 1
                buf, carry = buf[:end], buf[end:]
            if not buf:
                if not chunk:
                    break
                continue
            # offsets in buf where the lines wanted start
            while k < len(todo) and todo[k] < offset + len(buf):
                lines.append(line + buf.count(b"\n", 0, max(todo[k] - offset, 0)))
                k += 1
            if blanks:
                ext = b"\n" + buf  # buf starts at a line start
                starts = []
                for pat in (b"\n\n", b"\n\r\n"):
                    j = ext.find(pat)
                    while j >= 0:
                        starts.append(j)  # index in ext of the '\n' before the line = line start in buf
                        j = ext.find(pat, j + 1)
                at, q, ln = 0, quotes, line
                for s in sorted(starts):
                    q += buf.count(b'"', at, s)
                    ln += buf.count(b"\n", at, s)
                    at = s
                    if q % 2 == 0:
                        empty.append(ln)
                quotes += buf.count(b'"')
            line += buf.count(b"\n")
            offset += len(buf)
            if not chunk:
                break
    lines += [line] * (len(todo) - len(lines))
    return lines, empty


def stage_rejects(con: Any, rejects: Sequence[CsvReject], table: str = "stage_messages") -> None:
    """Stage the records the CSV parser could not read as rejects of ``table`` (a stage table)."""
    with StageWriter(con) as w:
        add = getattr(w, _STAGE_ADDERS[table])
        for r in rejects:
            add(line=r.line, reject=r.reason, raw=r.raw)


def check_max_rows(con: Any, src: Source, opts: ReadOptions, rejects: Sequence[CsvReject] = ()) -> None:
    """Refuse (never truncate) a file with more rows (``_csv`` + ``rejects``) than ``opts.max_rows``."""
    n = con.execute("select count(*) from _csv").fetchall()[0][0] + len(rejects)
    if n > opts.max_rows:
        raise ImportFailure(
            f"文件「{src.name}」有 {n} 行，超过单个文件上限 {opts.max_rows} 行。"
            "请按时间拆成几个文件后分别导入。"
        )


def _reject_reason(error_types: str) -> str:
    if "TOO MANY COLUMNS" in error_types:
        return "这一行的列数多于表头（可能内容里有未加引号的逗号），请检查该行。"
    if "MISSING COLUMNS" in error_types:
        return "这一行的列数少于表头（可能被截断），请检查该行。"
    if "UNQUOTED VALUE" in error_types or "QUOTE" in error_types.upper():
        return "这一行的引号不配对，请检查该行。"
    if "INVALID ENCODING" in error_types or "UNICODE" in error_types.upper():
        return "这一行含有无法识别的字符编码，请检查该行。"
    return f"这一行无法解析（{error_types}），请检查该行。"
