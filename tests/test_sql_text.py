"""SQL text never carries a value: an f-string handed to execute()/query() may only format in
identifiers (constant table names, quote_ident-quoted column names) and SQL the code builds from
them. This test lists every such hole, so a new one has to be looked at and added here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL_CALLS = {"execute", "executemany", "query", "sql"}

# What may stand in an f-string's braces, and why it is not a value.
ALLOWED = {
    "table": "a name from a constant tuple of stage/fact tables",
    "t": "a name from a constant tuple of stage tables",
    "column": "'id' or 'import_id', chosen in code",
    "body": "column definitions of a stage table, from the canonical schema in code",
    "nl": "an expression over quote_ident-quoted header names",
    "raw": "concat_ws over quote_ident-quoted header names",
    "text_expr": "a CASE over quote_ident-quoted header names",
}
ALLOWED_CALLS = {
    "_time_expr": "a time expression over two whitelisted stage columns (values bound)",
    "column_expr": "a quote_ident-quoted header name",
    "ckey.format": "a hash over whitelisted column references",
}


def _holes() -> list[tuple[str, str]]:
    found = []
    for folder in ("core", "ui", "pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in SQL_CALLS and node.args and isinstance(node.args[0], ast.JoinedStr)):
                    found += [(path.relative_to(ROOT).as_posix(), ast.unparse(v.value))
                              for v in node.args[0].values if isinstance(v, ast.FormattedValue)]
    return found


def _allowed(expr: str) -> bool:
    if expr in ALLOWED:
        return True
    if expr.startswith("c[") and expr.endswith("]"):  # a reader's map of quote_ident-quoted columns
        return True
    return any(expr.startswith(call + "(") for call in ALLOWED_CALLS)


def test_sql_f_strings_format_in_identifiers_only() -> None:
    holes = _holes()
    assert holes, "the scan found no f-string at all: it is looking in the wrong place"
    assert [h for h in holes if not _allowed(h[1])] == []


def test_reader_column_maps_are_quoted_identifiers() -> None:
    # The c[...] holes above are safe because every reader builds c with column_expr.
    for path in sorted((ROOT / "core" / "formats").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "c['" in text:
            assert "c = {n: column_expr(names, n) for n in" in text, path.name


def test_column_expr_quotes_whatever_a_header_says() -> None:
    from core.formats.csvsql import column_expr

    assert column_expr(['时间', 'x"; drop table messages; --'], 'x"; drop table messages; --') == \
        '"x""; drop table messages; --"'
