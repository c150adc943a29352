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
import math
import os
import tempfile
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
    error: str = ""   # DuckDB's error type names, joined by '；' (not shown to users)


def quote_ident(name: str) -> str:
    """Quote a column name for SQL text (embedded quotes doubled, so any header text is safe)."""
    return '"' + name.replace('"', '""') + '"'


def find_header(sample: Sample, required: set[str], max_scan: int = 30) -> tuple[int, list[str]] | None:
    """Find the header row under optional title rows: return (0-based line index, header cells)
    of the first of the first ``max_scan`` lines whose cells include every ``required`` name."""
    for idx, line in enumerate(sample.lines[:max_scan]):
        try:
            cells = next(csv.reader(io.StringIO(line)), [])
        except csv.Error:  # a bare carriage return outside quotes
            continue
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
    line count over the file, taken before the parse, decides). Lines are exact for any mix of
    multi-line quoted fields, rejects and blank lines. Limit: an empty line is told from an
    empty line inside a quoted field by the parity of the quotes before it, so in a file that
    has blank lines, a stray quote inside an unquoted value (DuckDB accepts ``x"y``) shifts the
    lines of the records after the next blank line by one.

    Hostile input: a quote opened and never closed on one line is rejected alone instead of
    swallowing the records after it (:func:`_recover_stray_quotes`); records ending partly in
    CRLF and partly in LF are read from an LF copy; lines with so many surplus commas that
    DuckDB would take minutes to reject them refuse the file (:func:`_survey`).

    The rejects tables of an earlier call on ``con`` are dropped first, so each call reports
    only its own file. GB18030/UTF-16 files are transcoded to a UTF-8 copy in ``opts.workdir``
    (removed afterwards). A file DuckDB cannot parse at all raises :class:`ImportFailure`
    with a Chinese message (never DuckDB's English one).
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
    workdir = opts.workdir or str(src.path.parent)
    path = utf8_copy(src, sample.encoding, workdir)
    copies = [path] if path != src.path else []
    try:
        # One streaming pass before the parse: the file's line count (to tell whether there are
        # blank lines) and the refusal of lines DuckDB would take minutes to reject.
        survey = _survey(path, len(names))
        if survey.wide is not None:
            line, commas, size = survey.wide
            raise ImportFailure(
                f"文件「{src.name}」第 {line} 行有 {commas} 个引号外的逗号（这一行共 {size} 字节），"
                f"远多于表头的 {len(names)} 列，不是正常的记录（文件可能已损坏，或内容里的引号丢失）。"
                "请删除或修正这一行（及之前逗号过多的长行）后重新导入。"
            )
        total = survey.lines if len(names) > 1 else None
        try:
            rejects = _parse(con, path, first, header_index, True, names, total)
        except Exception as exc:
            # DuckDB gives up on a file whose records end partly in CRLF and partly in LF (rows
            # appended by another editor, files joined): parse a copy with LF line ends. (A bare
            # CR is reported by _csv_failure instead.)
            if "state machine" not in str(exc) or _bare_cr_line(path) is not None:
                raise
            path = _lf_copy(path, workdir)
            copies.append(path)
            rejects = _parse(con, path, first, header_index, True, names, total)
        rejects = _recover_stray_quotes(con, path, workdir, first, header_index, names, rejects, total, copies)
    except ImportFailure:
        raise
    except Exception as exc:  # duckdb.Error subclasses: a parser state it cannot leave, I/O
        raise _csv_failure(src, path, exc) from None
    finally:
        for copy in copies:
            copy.unlink(missing_ok=True)
    return rejects


def _parse(con: Any, path: Path, first: int, skip: int, header: bool, names: Sequence[str],
           total: int | None) -> list[CsvReject]:
    """Parse the records of ``path`` into TEMP ``_csv`` (``_line`` + one VARCHAR per name) and
    return DuckDB's rejected records. ``skip`` records (title rows) and, if ``header``, the header
    are skipped; ``first`` is the physical line of the first record; ``total`` is the file's line
    count (None when there is one column: DuckDB then returns blank lines as records)."""
    # Line breaks inside a record; ``contains`` first, as most values have none.
    nl = " + ".join(
        f"(case when contains({c}, chr(10)) then strlen({c}) - strlen(replace({c}, chr(10), '')) else 0 end)"
        for c in map(quote_ident, names)
    )
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
            from read_csv(?, header = ?, skip = ?, columns = ?, delim = ',', quote = '"',
                          escape = '"', strict_mode = true, store_rejects = true,
                          rejects_table = '_csv_reject_errors', rejects_scan = '_csv_reject_scans',
                          auto_detect = false, null_padding = false, max_line_size = ?)
        )
        """,
        [first, str(path), header, skip, {n: "VARCHAR" for n in names}, MAX_LINE_BYTES],
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
    blanks_possible = total is not None and total - (first - 1) > covered
    reject_lines, blank_lines = _scan(path, first, [int(pos) for pos, _, _ in found], blanks_possible)
    rejects = [CsvReject(line, raw, _reject_reason(kinds or ""), kinds or "")
               for line, raw, (_, _, kinds) in zip(reject_lines, raws, found)]
    gaps = [(r.line, r.raw.count("\n") + 1) for r in rejects] + [(b, 1) for b in blank_lines]
    if gaps:
        _shift_lines(con, gaps, first)
    return rejects


RUNAWAY_REASON = "这一行的引号不配对，请检查该行。"   # as DuckDB's other quote errors


def _recover_stray_quotes(con: Any, path: Path, workdir: str, first: int, header_index: int,
                          names: Sequence[str], rejects: list[CsvReject], total: int | None,
                          copies: list[Path]) -> list[CsvReject]:
    """Undo what a stray quote does. A quote opened and never closed on one line (``…,"收到,…``)
    makes DuckDB read the following lines as the rest of that value, up to the next quote or the
    end of the file: the records in between vanish into one broken record, and DuckDB's account
    of it (line, text) is unreliable, so the line numbers after it drift.

    Only when the parse reported a quote error: find the stray quotes (:func:`_stray_quote_lines`),
    parse a copy of the file with those lines emptied (as blank lines they keep every other line
    where it is), and reject exactly those lines. (Not for one column, where DuckDB returns blank
    lines as records.)"""
    if total is None or not any("UNQUOTED" in r.error or "QUOTE" in r.error.upper() for r in rejects):
        return rejects
    stray = _stray_quote_lines(path, first, len(names))
    if not stray:
        return rejects
    copy, texts = _blank_copy(path, stray, workdir)
    copies.append(copy)
    rejects = _parse(con, copy, first, header_index, True, names, total)
    return sorted(rejects + [CsvReject(line, texts[line], RUNAWAY_REASON, "UNCLOSED QUOTE") for line in stray],
                  key=lambda r: r.line)


def _stray_quote_lines(path: Path, first: int, columns: int) -> list[int]:
    """Lines (from ``first`` on) that leave a quote open although the next line is a whole record
    of its own (``columns`` fields, balanced quotes). A quoted value that really spans lines goes
    on with a line of text, not with a record. Quote parity is followed line by line from
    ``first``; a stray quote found is taken as closed at the end of its line."""
    stray: list[int] = []
    inside = False
    opener: int | None = None   # the line before, outside any value, that left a quote open
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno < first:
                continue
            odd = raw.count(b'"') % 2 == 1
            if opener is not None:
                if not odd and _is_record(raw, columns):
                    stray.append(opener)
                    opener = None
                    continue
                opener, inside = None, True
            if inside:
                inside = not odd
            elif odd:
                opener = lineno
    return stray


def _is_record(raw: bytes, columns: int) -> bool:
    """Whether one physical line, on its own, is a CSV record of ``columns`` fields."""
    try:
        cells = next(csv.reader([raw.decode("utf-8", "replace").rstrip("\r\n")]), [])
    except csv.Error:
        return False
    return len(cells) == columns


def _blank_copy(path: Path, lines: Sequence[int], workdir: str) -> tuple[Path, dict[int, str]]:
    """A copy of ``path`` in ``workdir`` with ``lines`` emptied (their line ends kept), and the
    text those lines had."""
    wanted = set(lines)
    texts: dict[int, str] = {}
    fd, out = tempfile.mkstemp(suffix=".csv", dir=workdir)
    try:
        with os.fdopen(fd, "wb") as dst, open(path, "rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                if lineno in wanted:
                    body = raw.rstrip(b"\r\n")
                    texts[lineno] = body.decode("utf-8", "replace")
                    raw = raw[len(body):]
                dst.write(raw)
    except BaseException:
        Path(out).unlink(missing_ok=True)
        raise
    return Path(out), texts


def _lf_copy(path: Path, workdir: str) -> Path:
    """A copy of ``path`` in ``workdir`` with every CRLF turned into LF (streaming). Line numbers
    stay the same; a CRLF inside a quoted value becomes LF."""
    fd, out = tempfile.mkstemp(suffix=".csv", dir=workdir)
    try:
        with os.fdopen(fd, "wb") as dst, open(path, "rb") as fh:
            carry = b""
            while chunk := fh.read(1 << 20):
                buf = carry + chunk
                carry = b"\r" if buf.endswith(b"\r") else b""
                dst.write(buf[: len(buf) - len(carry)].replace(b"\r\n", b"\n"))
            dst.write(carry)
    except BaseException:
        Path(out).unlink(missing_ok=True)
        raise
    return Path(out)


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


# DuckDB's parser records one error per surplus column of a record, each with a copy of the
# record: a line of ``n`` bytes with ``c`` commas more than the header costs about c × n × 2.5 ns
# to reject (a 1 MB line of 4,000 surplus commas takes 10 s, of 500,000 commas hours). A file
# whose long lines add up to more than this budget is refused before the parse. Lines shorter
# than its square root are not examined (each costs DuckDB well under a second; only a file
# made of many thousands of them could still be slow).
WIDE_LINE_COST = 200_000_000
_WIDE_GATE = math.isqrt(WIDE_LINE_COST)


@dataclass
class _Survey:
    lines: int                                   # physical lines (a last line without a break counts)
    wide: tuple[int, int, int] | None = None     # (line, commas outside quotes, bytes) where the budget ran out


def _survey(path: Path, columns: int) -> _Survey:
    """One streaming, vectorised pass over a UTF-8 file with ``columns`` header cells: its line
    count, and the line at which the long lines' surplus commas (outside quoted fields, quote
    parity counted from the start of the file as :func:`_scan` does) times their lengths exceed
    :data:`WIDE_LINE_COST`."""
    import numpy as np  # deferred: only CSV imports pay for it

    def commas_outside(part: Any, parity: int) -> Any:
        """Running count of the commas outside quotes in ``part`` (which starts at ``parity``)."""
        quoted = (np.cumsum(part == 34, dtype=np.uint8) + parity) & 1   # uint8 wraps: parity survives
        return np.cumsum((part == 44) & (quoted == 0), dtype=np.int64)

    lines, quotes, spent = 0, 0, 0
    # The line still open at the end of the previous chunk: bytes so far, commas outside quotes.
    open_len, open_commas, last = 0, 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            arr = np.frombuffer(chunk, np.uint8)
            breaks = np.flatnonzero(arr == 10)
            starts = np.concatenate(([0], breaks + 1))
            ends = np.concatenate((breaks, [len(arr)]))      # exclusive; the last segment stays open
            lengths = ends - starts
            lengths[0] += open_len
            if lengths.max() >= _WIDE_GATE:
                before = np.concatenate(([0], commas_outside(arr, quotes & 1)))
                commas = before[ends] - before[starts]
                commas[0] += open_commas
                cost = np.cumsum((np.maximum(commas - (columns - 1), 0) * lengths)[:-1]) + spent
                bad = np.flatnonzero(cost > WIDE_LINE_COST)
                if len(bad):
                    i = int(bad[0])
                    return _Survey(lines + i + 1, (lines + i + 1, int(commas[i]), int(lengths[i])))
                spent = int(cost[-1]) if len(cost) else spent
                open_commas = int(commas[-1])
            else:
                # Only the open line can still grow: count its commas so far.
                tail = arr[starts[-1]:]
                parity = (quotes + int(np.count_nonzero(arr[:starts[-1]] == 34))) & 1
                counted = int(commas_outside(tail, parity)[-1]) if len(tail) else 0
                open_commas = counted + (open_commas if len(breaks) == 0 else 0)
            open_len = int(lengths[-1])
            quotes += int(np.count_nonzero(arr == 34))
            lines += len(breaks)
            last = chunk[-1:]
    if open_len and spent + max(open_commas - (columns - 1), 0) * open_len > WIDE_LINE_COST:
        return _Survey(lines + 1, (lines + 1, open_commas, open_len))
    return _Survey(lines + (last != b"\n"))


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
    """The Chinese reason for a record DuckDB's parser rejected (``error_types``: its error
    type names joined by '；'). Never the English names themselves."""
    if "TOO MANY COLUMNS" in error_types:
        return "这一行的列数多于表头（可能内容里有未加引号的逗号），请检查该行。"
    if "MISSING COLUMNS" in error_types:
        return "这一行的列数少于表头（可能被截断），请检查该行。"
    if "UNQUOTED VALUE" in error_types or "QUOTE" in error_types.upper():
        return "这一行的引号不配对，请检查该行。"
    if "INVALID ENCODING" in error_types or "UNICODE" in error_types.upper():
        return "这一行含有无法按 UTF-8 解码的字节（可能是从 GBK 编码的文件里粘贴来的），请改正这一行的文字后重新导入。"
    if "LINE SIZE" in error_types:
        return f"这一行超过 {MAX_LINE_BYTES // (1024 * 1024)} MB（可能是引号不配对，把后面很多行并进了这一行），请检查该行。"
    return "这一行无法按 CSV 解析，请检查该行的引号和逗号。"


# The longest record DuckDB is asked to accept (read_csv's max_line_size).
MAX_LINE_BYTES = 32 * 1024 * 1024


def _csv_failure(src: Source, path: Path, exc: Exception) -> ImportFailure:
    """The Chinese message for a CSV file DuckDB could not parse at all (never its English text)."""
    fix = ("请用记事本打开该文件，“另存为”时编码选“UTF-8”后重新导入；或在 Excel 中另存为“CSV UTF-8（逗号分隔）”"
           "后重新导入。")
    text = str(exc).lower()
    if "state machine" in text or "invalid state" in text:
        line = _bare_cr_line(path)
        if line is not None:
            return ImportFailure(
                f"文件「{src.name}」第 {line} 行有单独的回车符（CR 后面没有换行符 LF），换行符混用，无法按 CSV 读取。"
                "常见于几个文件拼接在一起或换行符被重复转换过。" + fix
            )
    if "line size" in text or "maximum line" in text:
        return ImportFailure(
            f"文件「{src.name}」有一行超过 {MAX_LINE_BYTES // (1024 * 1024)} MB，无法按 CSV 读取"
            "（可能是引号不配对，把后面的很多行并进了一行）。请检查文件是否完整，或重新导出后再导入。"
        )
    if "unicode" in text or "encoding" in text:
        return ImportFailure(f"文件「{src.name}」含有无法按 UTF-8 解码的字节，无法按 CSV 读取。" + fix)
    if "no such file" in text or "permission" in text or "could not open" in text:
        return ImportFailure(f"文件「{src.name}」无法打开（可能已被移动、删除或无读取权限）。请重新选择文件后再导入。")
    return ImportFailure(
        f"文件「{src.name}」无法按 CSV 读取：文件结构无法解析（可能已损坏、被截断，或不是逗号分隔的 CSV）。"
        "请确认文件是导出工具生成的原始 CSV。" + fix
    )


def _bare_cr_line(path: Path) -> int | None:
    """The 1-based line of the first carriage return not followed by a line feed, streaming."""
    line, prev_cr = 1, False
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            if prev_cr and not chunk.startswith(b"\n"):
                return line
            pos = chunk.find(b"\r")
            while pos >= 0:
                if pos + 1 < len(chunk):
                    if chunk[pos + 1] != 0x0A:
                        return line + chunk.count(b"\n", 0, pos)
                pos = chunk.find(b"\r", pos + 1)
            prev_cr = chunk.endswith(b"\r")
            line += chunk.count(b"\n")
    return line if prev_cr else None
