"""Small read-only queries the foundation pages show (the analysis modules hold the rest)."""

from __future__ import annotations

from typing import Any

from core.workspace import Workspace


def people_overview(ws: Workspace) -> list[dict[str, Any]]:
    """Every resolved person with unit, position, leader flag, directory flag and group count."""
    cur = ws.cursor()
    try:
        cur.execute(
            """
            select p.display_name as name, p.unit, p.position, p.is_leader, p.in_directory,
                   count(m.group_id) as groups
            from people p left join memberships m on m.person_id = p.id
            group by all
            order by groups desc, name
            """
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
    finally:
        cur.close()
