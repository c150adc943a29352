"""csvsql.load_csv directly: exact physical lines with multi-line fields, rejected records and
blank lines; rejects per call; GB18030; Sample.lines indexes as DuckDB's ``skip`` counts lines."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.formats.base import ImportFailure, ReadOptions, Source, create_stage, make_sample
from core.formats.csvsql import check_max_rows, load_csv, stage_rejects, unique_names

NAMES = ["id", "who", "text"]

# line: content
LINES = [
    "导出的聊天记录",                       # 1 title row
    "id,who,text",                          # 2 header
    "1,张三,你好",                          # 3
    '2,李四,"第一行',                       # 4  multi-line quoted field (lines 4-6)
    "第二行",                               # 5
    '第三行"',                              # 6
    "3,王五,多,了,逗号",                     # 7  rejected: too many columns
    "4,赵六,收到",                          # 8
    "",                                     # 9  blank line (DuckDB skips it)
    '5,钱七,"引号里的空行',                  # 10 multi-line field with a blank line inside (10-12)
    "",                                     # 11
    '结束"',                                # 12
    '6,孙八,"跨行的坏记录',                  # 13 rejected multi-line record (13-14)
    '还在里面",多余',                        # 14
    "",                                     # 15 blank line
    "",                                     # 16 blank line
    "7,周九,最后",                          # 17
]


def write(tmp_path: Path, lines: list[str], name: str = "t.csv", encoding: str = "utf-8-sig",
          newline: str = "\r\n") -> Path:
    path = tmp_path / name
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def load(con, path: Path, header_index: int = 1, names: list[str] = NAMES):
    src = Source(path, path.name)
    rejects = load_csv(con, src, make_sample(src), ReadOptions(workdir=str(path.parent)), header_index, names)
    rows = con.execute("select _line, * exclude (_line) from _csv order by _line").fetchall()
    return rows, rejects


@pytest.mark.parametrize("encoding, newline", [("utf-8-sig", "\r\n"), ("utf-8", "\n"), ("gb18030", "\r\n")])
def test_exact_lines_multiline_rejects_blank_lines(tmp_path: Path, encoding: str, newline: str) -> None:
    path = write(tmp_path, LINES, encoding=encoding, newline=newline)
    con = duckdb.connect()
    rows, rejects = load(con, path)
    assert [(r[0], r[1]) for r in rows] == [(3, "1"), (4, "2"), (8, "4"), (10, "5"), (17, "7")]
    assert rows[1][3] == newline.join(["第一行", "第二行", "第三行"])
    assert rows[3][3] == newline.join(["引号里的空行", "", "结束"])
    assert [(r.line, r.raw.replace("\r", "")) for r in rejects] == [
        (7, "3,王五,多,了,逗号"),
        (13, '6,孙八,"跨行的坏记录\n还在里面",多余'),
    ]
    assert rejects[0].reason == "这一行的列数多于表头（可能内容里有未加引号的逗号），请检查该行。"
    assert list(tmp_path.iterdir()) == [path]  # the GB18030 transcode is removed


def test_second_call_reports_only_its_own_rejects(tmp_path: Path) -> None:
    con = duckdb.connect()
    create_stage(con)
    _, first = load(con, write(tmp_path, LINES, "a.csv"))
    assert len(first) == 2
    rows, second = load(con, write(tmp_path, ["id,who,text", "1,a,b", "", "2,c,d"], "b.csv"), header_index=0)
    assert second == []
    assert [(r[0], r[1]) for r in rows] == [(2, "1"), (4, "2")]
    stage_rejects(con, first)
    assert con.execute("select line, reject is not null from stage_messages order by line").fetchall() == [
        (7, True), (13, True)]


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_rejects_after_blank_lines(tmp_path: Path, newline: str) -> None:
    # DuckDB's byte offset of a rejected record that follows blank lines points into them.
    path = write(tmp_path, ["id,who", "1,a", "", "", "x,y,z", "3,b", "", '"p', "", 'q",5,6', "7,c"],
                 newline=newline)
    rows, rejects = load(duckdb.connect(), path, header_index=0, names=["id", "who"])
    assert [(r[0], r[1]) for r in rows] == [(2, "1"), (6, "3"), (11, "7")]
    assert [(r.line, r.raw.replace("\r", "")) for r in rejects] == [(5, "x,y,z"), (8, '"p\n\nq",5,6')]


def test_no_header_line_shift_without_blank_lines_or_rejects(tmp_path: Path) -> None:
    path = write(tmp_path, ["id,who,text", '1,a,"x', 'y"', "2,b,c"], newline="\n")
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # no line break at the end
    rows, rejects = load(duckdb.connect(), path, header_index=0)
    assert ([(r[0], r[1]) for r in rows], rejects) == ([(2, "1"), (4, "2")], [])


def test_many_rows_across_read_chunks(tmp_path: Path) -> None:
    """Blank lines, rejects and multi-line fields spread over several MiB (the line scan reads
    the file in 1 MiB chunks)."""
    lines = ["id,who,text"]
    good: list[tuple[int, str]] = []
    bad: list[int] = []
    for i in range(60_000):
        if i % 997 == 0:
            lines.append("")
        if i % 1999 == 0:
            bad.append(len(lines) + 1)
            lines.append(f"{i},坏,多,一列")
            continue
        good.append((len(lines) + 1, str(i)))
        if i % 7 == 0:
            lines += [f'{i},张三,"第一行 ""引号""', "", "第三行 " + "x" * 20 + '"']
        else:
            lines.append(f"{i},李四,收到收到收到收到收到收到收到收到收到收到")
    path = write(tmp_path, lines)
    assert path.stat().st_size > 3 << 20
    con = duckdb.connect()
    rows, rejects = load(con, path, header_index=0)
    assert [(r[0], r[1]) for r in rows] == good
    assert [r.line for r in rejects] == bad
    check_max_rows(con, Source(path, path.name), ReadOptions(max_rows=60_000), rejects)
    with pytest.raises(ImportFailure, match="上限"):
        check_max_rows(con, Source(path, path.name), ReadOptions(max_rows=59_999), rejects)


def test_header_with_unpaired_quote_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, ['id,"who,text', "1,a,b"])
    with pytest.raises(ImportFailure, match="第 1 行（表头）"):
        load(duckdb.connect(), path, header_index=0)


def test_unique_names_ignore_case() -> None:
    assert unique_names(["a", "", "A", "b", "a"]) == ["a", "_col2", "A_3", "b", "a_5"]


def test_sample_lines_split_on_line_feed_only(tmp_path: Path) -> None:
    # \x0c, \x1c, \x85 and \u2028 inside title rows must not shift the header's index.
    path = write(tmp_path, ["标题\x0c第二页\x1c\x85", "说明\u2028续", "id,who,text", "1,a,b\u2029c"])
    sample = make_sample(Source(path, path.name))
    assert sample.lines == ["标题\x0c第二页\x1c\x85", "说明\u2028续", "id,who,text", "1,a,b\u2029c"]
    rows, rejects = load(duckdb.connect(), path, header_index=2)
    assert (rows, rejects) == ([(4, "1", "a", "b\u2029c")], [])
