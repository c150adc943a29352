"""Bulk CSV parsing by DuckDB for readers of large CSV exports.

:func:`load_csv` puts a CSV file into the TEMP table ``_csv`` with every column as VARCHAR
plus ``_line``, the physical line where each record starts (multi-line quoted fields counted),
and returns the records DuckDB's parser could not read (wrong number of columns, unterminated
quotes) so the reader can stage them as rejects. Python never loops over the rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from core.formats.base import ImportFailure, ReadOptions, Sample, Source, utf8_copy


@dataclass
class CsvReject:
    line: int
    raw: str
    reason: str


def quote_ident(name: str) -> str:
    """Quote a column name for SQL text. Only used for names a reader has checked against
    its own list of expected headers."""
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


def load_csv(con: Any, src: Source, sample: Sample, opts: ReadOptions, header_index: int) -> list[CsvReject]:
    """Parse ``src`` into TEMP table ``_csv`` (``_line`` + VARCHAR columns named by the header row
    at 0-based line ``header_index``). Returns the records the parser rejected."""
    if sample.encoding is None:
        raise ImportFailure(f"文件「{src.name}」不是文本文件，无法按 CSV 读取。请确认选择了正确的文件。")
    path = utf8_copy(src, sample.encoding, opts.workdir)
    try:
        con.execute(
            """
            create or replace temp table _csv as
            select
                row_number() over () as _rec,
                list_sum(list_transform(list_value(*columns(*)),
                    lambda x: coalesce(length(x) - length(replace(x, chr(10), '')), 0))) as _nl,
                *
            from read_csv(?, header = true, skip = ?, all_varchar = true, delim = ',', quote = '"',
                          escape = '"', strict_mode = true, store_rejects = true,
                          rejects_table = '_csv_reject_errors', rejects_scan = '_csv_reject_scans',
                          auto_detect = false, null_padding = false, max_line_size = 33554432)
            """,
            [str(path), header_index],
        )
        # Physical start line: header line + records before + line breaks inside earlier records.
        con.execute(
            """
            create or replace temp table _csv as
            select (? + _rec + coalesce(sum(_nl) over (order by _rec rows between unbounded preceding
                                                       and 1 preceding), 0))::bigint as _line,
                   * exclude (_rec, _nl)
            from _csv
            """,
            [header_index + 1],
        )
        rejects = con.execute(
            """
            select line, any_value(csv_line), string_agg(distinct error_type, '；')
            from _csv_reject_errors group by line order by line
            """
        ).fetchall()
    except ImportFailure:
        raise
    except Exception as exc:  # duckdb.Error subclasses: invalid unicode, I/O
        msg = str(exc).splitlines()[0][:200]
        raise ImportFailure(
            f"文件「{src.name}」无法按 CSV 读取：{msg}。请确认文件是导出工具生成的原始 CSV，"
            "或在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新导入。"
        ) from None
    finally:
        if path != src.path:
            path.unlink(missing_ok=True)
    return [
        CsvReject(int(line), (raw or "").strip("\r\n"), _reject_reason(kind or ""))
        for line, raw, kind in rejects
    ]


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
