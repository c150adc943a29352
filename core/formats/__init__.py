"""Format readers and detection. Each module follows the contract in ``base.py``."""

from __future__ import annotations

import importlib
from types import ModuleType

from core.formats.base import ImportFailure, Sample, Source, make_sample

# Module names in core/formats/, one per FORMAT value of the CLI.
READER_MODULES = (
    "template",
    "wechatmsg_v1",
    "wechatmsg_v2",
    "wechatmsg_xlsx",
    "wechatmsg_contacts",
    "pywxdump",
    "pywxdump_legacy",
    "pywxdump_users",
    "qq_txt",
    "wecom_archive",
    "wecom_groupchat",
)

MIN_CONFIDENCE = 0.5


def readers() -> list[ModuleType]:
    mods = []
    for name in READER_MODULES:
        try:
            mods.append(importlib.import_module(f"core.formats.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"core.formats.{name}":
                raise
    return mods


def detect(src: Source) -> tuple[ModuleType, Sample]:
    """Pick the reader for ``src``; raise ImportFailure (Chinese) when none recognises it."""
    if src.size == 0:
        raise ImportFailure(f"文件「{src.name}」是空文件（0 字节）。请重新导出后再导入。")
    sample = make_sample(src)
    if sample.encoding is None and not sample.is_xlsx:
        raise ImportFailure(
            f"文件「{src.name}」不是可识别的文本或 Excel 文件（看起来是二进制数据）。"
            "支持：聊天记录 CSV/TXT/JSONL、成员名单 CSV/XLSX/JSON。请确认选对了文件。"
        )
    scored = sorted(((m.detect(sample), m.FORMAT, m) for m in readers()), key=lambda t: (-t[0], t[1]))
    best_score, _, best = scored[0]
    if best_score < MIN_CONFIDENCE:
        if "\r" in sample.text and "\n" not in sample.text:
            raise ImportFailure(
                f"文件「{src.name}」的换行符是旧式 Mac 格式（只有回车符 CR，没有换行符 LF），无法识别其中的行。"
                "请用记事本打开该文件，“另存为”UTF-8 编码后重新导入；或在 Excel 中另存为“CSV UTF-8（逗号分隔）”。"
            )
        delimiter = _other_delimiter(sample)
        if delimiter:
            raise ImportFailure(
                f"文件「{src.name}」的各列是用{delimiter}分隔的，本系统读取逗号分隔的 CSV。"
                "请在 Excel 中打开该文件，“另存为”选择“CSV UTF-8（逗号分隔）”后重新导入。"
            )
        first = sample.lines[0][:60] if sample.lines else ""
        raise ImportFailure(
            f"无法识别文件「{src.name}」的格式（第 1 行：「{first}」）。"
            "支持的格式：留痕 WeChatMsg CSV/XLSX、PyWxDump CSV、QQ 消息管理器 TXT、企业微信会话存档 JSONL、"
            "企业微信群成员 JSON，以及本系统的 CSV/XLSX 模板（可在“数据导入”页下载）。"
        )
    return best, sample


_DELIMITERS = {";": "分号（;）", "\t": "制表符（Tab）", "|": "竖线（|）", "，": "中文逗号（，）"}


def _other_delimiter(sample: Sample) -> str | None:
    """The name of the delimiter that makes an unrecognised text file a known CSV format (a
    semicolon CSV from a European Excel, a tab-separated copy), or None."""
    if not sample.text:
        return None
    for delim, label in _DELIMITERS.items():
        if delim not in sample.text:
            continue
        other = Sample(sample.name, sample.head, sample.encoding, sample.text.replace(delim, ","), False, [])
        if max(m.detect(other) for m in readers()) >= MIN_CONFIDENCE:
            return label
    return None


__all__ = ["ImportFailure", "Source", "detect", "readers", "READER_MODULES"]
