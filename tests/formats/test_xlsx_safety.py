"""Hostile XLSX files are refused before they inflate; CSV downloads neutralise formulas."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from core.csvout import to_csv
from core.formats import xlsx
from core.formats.base import ImportFailure, Source
from core.workspace import Workspace


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_highly_compressed_member_is_refused(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "名单.xlsx", {"xl/workbook.xml": b"<workbook/>",
                                          "xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024)})
    with pytest.raises(ImportFailure) as exc:
        xlsx.check_zip(Source(bomb, "名单.xlsx"))
    assert str(exc.value).startswith("文件「名单.xlsx」中的“xl/worksheets/sheet1.xml”压缩比异常")


def test_declared_size_over_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_UNCOMPRESSED", 1024 * 1024)
    big = _zip(tmp_path / "big.xlsx", {"xl/workbook.xml": b"<workbook/>", "xl/s.xml": bytes(range(256)) * 8192})
    with pytest.raises(ImportFailure) as exc:
        xlsx.check_zip(Source(big, "big.xlsx"))
    assert str(exc.value) == ("文件「big.xlsx」解压后约 2 MB，超过上限 1 MB。请把数据拆成几个文件，或导出为 CSV 再导入。")


def test_openpyxl_parses_with_defusedxml() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_entity_expansion_is_refused_and_loads_nothing(tmp_path: Path) -> None:
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
           b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>')
    path = _zip(tmp_path / "干部名册.xlsx", {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": lol,
    })
    ws = Workspace(tmp_path / "ws.duckdb")
    report = ws.import_file(path)
    assert report.loaded == 0 and report.import_id is None
    assert report.errors and report.errors[0].startswith("文件「干部名册.xlsx」")
    assert ws.summary()["people"] == 0
    ws.close()


def test_csv_download_neutralises_formulas() -> None:
    data = to_csv(["行号", "原因", "原始内容"], [(3, "时间无法识别", "=HYPERLINK(\"http://x\")"), (4, "-1+2", "@SUM(A1)"),
                                              (5, "正常", None)])
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig").splitlines() == [
        "行号,原因,原始内容",
        "3,时间无法识别,\"'=HYPERLINK(\"\"http://x\"\")\"",
        "4,'-1+2,'@SUM(A1)",
        "5,正常,",
    ]
