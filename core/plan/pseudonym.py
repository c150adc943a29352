"""Stable pseudonyms for exports sent upward: every person's name becomes 干部001, 干部002 …

The codes follow the sorted names of everyone in the workspace (callers pass them), so the same
workspace gives the same code to the same person in every export — the JSON, the Excel workbook
and the Word document. Names are replaced everywhere, free text included (reasons, conflicts),
longest first so that 王小明 is not half-replaced by a 王小 code.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

PREFIX = "干部"


def codes(names: Iterable[str]) -> dict[str, str]:
    """name → code (干部001 …) for ``names``, in sorted order; duplicates share a code."""
    unique = sorted(set(n for n in names if n))
    width = max(3, len(str(len(unique))))
    return {n: f"{PREFIX}{i:0{width}d}" for i, n in enumerate(unique, 1)}


def replace_names(text: str, names: Iterable[str]) -> str:
    """``text`` with every one of ``names`` replaced by its code (longest name first)."""
    mapping = codes(names)
    if not mapping:
        return text
    pattern = re.compile("|".join(re.escape(n) for n in sorted(mapping, key=len, reverse=True)))
    return pattern.sub(lambda m: mapping[m.group(0)], text)


def pseudonymise_plan(plan: dict[str, Any], names: Iterable[str] | None = None) -> dict[str, Any]:
    """A copy of ``plan`` (core/plan/build.py) with every person's name replaced by its code;
    codes over ``names`` (everyone in the workspace) when given, else over the plan's people."""
    if names is None:
        names = [p["person"] for p in plan.get("people", [])] + [p["person"] for p in plan.get("placed", [])]
    return json.loads(replace_names(json.dumps(plan, ensure_ascii=False), names))


def plan_json(plan: dict[str, Any], pseudonyms: bool = False, names: Iterable[str] | None = None) -> bytes:
    """The plan as UTF-8 JSON for download, names replaced by codes when ``pseudonyms``."""
    body = pseudonymise_plan(plan, names) if pseudonyms else plan
    return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
