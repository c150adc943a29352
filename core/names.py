"""Display-name normalisation shared by importers and identity resolution.

DESIGN.md: NFKC, whitespace removed, bracketed notes dropped, and a unit prefix or
suffix joined by ``- — _ ·`` dropped when the rest is a 2–4 character Han name.
"""

from __future__ import annotations

import re
import unicodedata

# Brackets people use for notes: （党建办） (党建办) 【管理员】 [管理员] 〔…〕 <…>
_BRACKETED = re.compile(r"[\(\[【〔<《][^\)\]】〕>》]*[\)\]】〕>》]")
_WS = re.compile(r"\s+")
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_JOINERS = "-—_·－–"
_SPLIT = re.compile("[" + re.escape(_JOINERS) + "]+")


def nfkc(text: str) -> str:
    """NFKC-fold and strip all whitespace (full-width letters and digits become ASCII)."""
    return _WS.sub("", unicodedata.normalize("NFKC", text or ""))


def split_name(raw: str | None) -> tuple[str, str | None]:
    """Return (normalised name, unit hint) for a display name as it appears in an export.

    ``党建办-王小明`` → (王小明, 党建办); ``王小明（党建办）`` → (王小明, 党建办);
    ``【管理员】王小明`` → (王小明, None). A name that is not a Han personal name keeps its
    joiners (``Wang-Xiaoming`` stays as it is, only whitespace-folded).
    """
    if raw is None:
        return "", None
    text = nfkc(raw)
    hint: str | None = None
    # Bracketed notes: remember a note that looks like a unit (not a role marker).
    notes = _BRACKETED.findall(text)
    stripped = _BRACKETED.sub("", text)
    if stripped:
        text = stripped
        for note in notes:
            inner = note[1:-1]
            if inner and inner not in _ROLE_NOTES:
                hint = inner
                break
    parts = [p for p in _SPLIT.split(text) if p]
    if len(parts) >= 2:
        first, last = parts[0], parts[-1]
        first_name, last_name = bool(_HAN_NAME.match(first)), bool(_HAN_NAME.match(last))
        if first_name and last_name:
            # Both sides could be names (综合科-王建国): the unit is the side with an office suffix.
            if first.endswith(_UNIT_SUFFIXES) and not last.endswith(_UNIT_SUFFIXES):
                return last, hint or first
            if last.endswith(_UNIT_SUFFIXES) and not first.endswith(_UNIT_SUFFIXES):
                return first, hint or last
        elif last_name:
            return last, hint or "".join(parts[:-1])
        elif first_name:
            return first, hint or "".join(parts[1:])
    return text, hint


def normalise_name(raw: str | None) -> str:
    """The key two display names must share to be taken as one person."""
    return split_name(raw)[0]


def normalise_group_name(raw: str | None) -> str:
    """Group names compare after NFKC and whitespace removal only."""
    return nfkc(raw or "")


_ROLE_NOTES = frozenset({"管理员", "群主", "群管理员", "组长", "副组长", "联络员", "admin", "owner"})
_UNIT_SUFFIXES = (
    "办", "科", "会", "局", "所", "站", "中心", "村", "社区", "队", "委", "部", "室", "组", "院", "股", "镇", "乡",
    "街道", "政府", "党委", "支部", "服务站",
)
