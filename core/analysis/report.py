"""``python -m core report``: every analysis figure as one JSON object (issue 3's contract).

The figures come from the same functions the pages call, so the CLI, the pages and the
proposal can never disagree.
"""

from __future__ import annotations

import math
import zoneinfo
from typing import Any

import pandas as pd

from core.analysis import after_hours, burden, lifecycle, overlap, quality
from core.analysis.base import Scope
from core.workspace import Workspace

CATEGORIES = ("ack", "flattery", "red_packet", "photo_checkin", "assignment", "document", "offtopic", "other")


def _num(x: Any, digits: int = 4) -> float:
    """A float for JSON, rounded (NaN → 0)."""
    x = float(x)
    return 0.0 if math.isnan(x) else round(x, digits)


def _iso(ts: Any, tz: str) -> str | None:
    """Local wall-clock time → ISO 8601 with the workspace offset, e.g. 2026-05-30T21:53:11+08:00."""
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).to_pydatetime().replace(tzinfo=zoneinfo.ZoneInfo(tz)).isoformat()


def build(ws: Workspace, scope: Scope = Scope(), cap: int | None = None) -> dict[str, Any]:
    """The report for ``scope``; ``cap`` overrides the workspace setting (default 3)."""
    settings = ws.settings()
    cap = cap if cap is not None else settings.cap
    tz = settings.timezone

    load = burden.person_load(ws, scope)
    groups_count = load["groups"] if not load.empty else pd.Series(dtype="int64")
    ah = after_hours.summary(ws, scope)
    status = lifecycle.group_status(ws, scope)
    ah_groups = after_hours.by_group(ws, scope).set_index("group_id")
    q_groups = quality.by_group(ws, scope).set_index("group_id")
    pairs = overlap.pairs(ws, scope)
    cats = quality.categories(ws, scope)

    groups = []
    for r in status.itertuples(index=False):
        a = ah_groups.loc[r.group_id] if r.group_id in ah_groups.index else None
        q = q_groups.loc[r.group_id] if r.group_id in q_groups.index else None
        groups.append({
            "group": r.group,
            "members": int(r.members),
            "messages": int(r.messages),
            "after_hours": int(a["after_hours"]) if a is not None else 0,
            "after_hours_exempt": int(a["after_hours_exempt"]) if a is not None else 0,
            "last_message_at": _iso(r.last_message_at, tz),
            "zombie": bool(r.zombie),
            "categories": {c: int(q[c]) if q is not None else 0 for c in CATEGORIES},
        })

    return {
        "cap": cap,
        "as_of": scope.as_of.isoformat() if scope.as_of else None,
        "groups_per_person": {
            "mean": _num(groups_count.mean()) if len(groups_count) else 0.0,
            "max": int(groups_count.max()) if len(groups_count) else 0,
            "over_cap": int((groups_count > cap).sum()),
        },
        "after_hours": {"messages": int(ah["after_hours"]), "exempt": int(ah["exempt"]),
                        "share": _num(ah["share"])},
        "categories": {c: int(cats[c]) for c in CATEGORIES},
        "duplicate_notices": {k: v for k, v in quality.duplicate_summary(ws, scope).items()
                              if k in ("clusters", "extra_copies")},
        "people": [{"person": r.person, "groups": int(r.groups), "messages_per_day": _num(r.messages_per_day, 2),
                    "after_hours_sent": int(r.after_hours_sent)} for r in load.itertuples(index=False)],
        "groups": groups,
        "overlap": [{"a": r.a, "b": r.b, "shared": int(r.shared), "jaccard": _num(r.jaccard),
                     "containment": _num(r.containment)} for r in pairs.itertuples(index=False)],
    }
