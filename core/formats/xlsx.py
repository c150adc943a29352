"""Safe XLSX access for readers: size checks before inflating, defusedxml underneath.

openpyxl parses its XML with defusedxml when that package is installed (it is a hard
requirement here), so entity-expansion tricks are refused. Zip bombs are refused here,
before openpyxl opens the file, from the sizes the zip directory declares.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from typing import Any, Iterator

from core.formats.base import ImportFailure, Source

MAX_UNCOMPRESSED = 512 * 1024 * 1024   # all members together, as declared in the zip directory
MAX_RATIO = 200                        # declared uncompressed / compressed, per member


def check_zip(src: Source) -> None:
    """Raise ImportFailure unless ``src`` is a zip whose declared sizes are sane."""
    try:
        with zipfile.ZipFile(src.path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ImportFailure(
            f"文件「{src.name}」不是有效的 Excel（.xlsx）文件，可能已损坏或只下载了一部分。"
            "请在 Excel 中打开后重新“另存为 .xlsx”，或导出为 CSV 再导入。"
        ) from None
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise ImportFailure(
            f"文件「{src.name}」解压后约 {total // (1024 * 1024)} MB，超过上限 "
            f"{MAX_UNCOMPRESSED // (1024 * 1024)} MB。请把数据拆成几个文件，或导出为 CSV 再导入。"
        )
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 10 * 1024 * 1024:
            raise ImportFailure(
                f"文件「{src.name}」中的“{info.filename}”压缩比异常（{info.file_size // info.compress_size}:1），"
                "疑似压缩炸弹，已拒绝打开。请确认文件来源，或导出为 CSV 再导入。"
            )


def _open(src: Source) -> Any:
    import openpyxl  # deferred: only XLSX imports pay for it

    check_zip(src)
    try:
        return openpyxl.load_workbook(src.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise ImportFailure(
            f"文件「{src.name}」无法按 Excel 工作簿读取（{type(exc).__name__}）。"
            "请在 Excel 中打开后重新另存为 .xlsx，或导出为 CSV 再导入。"
        ) from None


def sheet_names(src: Source) -> list[str]:
    wb = _open(src)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def cell_text(value: Any) -> str | None:
    """A cell as text the stage tables accept; datetimes become ``YYYY-MM-DD HH:MM:SS``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def iter_sheet(src: Source, sheet: str | None = None) -> Iterator[tuple[int, list[str | None]]]:
    """Yield (1-based row number, cells as text) of a sheet (the first when ``sheet`` is None)."""
    wb = _open(src)
    rowno = 0
    title = sheet or "第 1 个"
    try:
        # read_only parses the sheet XML lazily: a damaged part fails here, row by row.
        try:
            ws = wb[sheet] if sheet else wb.worksheets[0]
            title = ws.title
            rows = ws.iter_rows(values_only=True)
        except Exception:  # a chart sheet, a missing part
            raise _damaged(src, title, None) from None
        while True:
            try:
                row = next(rows)
                cells = [cell_text(v) for v in row]
            except StopIteration:
                return
            except Exception:  # broken XML, a date serial out of range, …
                raise _damaged(src, title, rowno + 1) from None
            rowno += 1
            yield rowno, cells
    finally:
        wb.close()


def _damaged(src: Source, sheet: str, row: int | None) -> ImportFailure:
    where = f"第 {row} 行附近" if row else ""
    return ImportFailure(
        f"文件「{src.name}」的工作表「{sheet}」{where}无法读取（Excel 文件可能已损坏或只下载了一部分）。"
        "请在 Excel 中打开后重新另存为 .xlsx，或导出为 CSV 再导入。"
    )
