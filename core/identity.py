"""Identity resolution: which accounts are one person, which are one group.

Rebuilt from the raw observations after every import or undo, so the order of imports never
matters: an alias learnt later re-links rows imported earlier.

Rules (DESIGN.md, issue 2):
- An account keyed by a platform id (wxid, QQ number, WeCom userid) is one identity.
- Accounts keyed by a normalised name (``name:王小明``) are one person per name.
- A platform account joins the name person whose handle (账号 in the directory) equals its id,
  else the name person one of its names normalises to — unless another platform account claims
  that name too: then both stay apart and are listed in ``identity_review``.
- Groups resolve the same way: platform group ids (…@chatroom, wr…) join the group of the same
  normalised name.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from core.names import split_name

ROLE_RANK = {"owner": 0, "admin": 1, "member": 2}
HANDLE_RANK = 3  # account_names rows that are account handles (账号), not display names


@dataclass
class _Acct:
    id: int
    key: str
    platform: str | None
    names: list[tuple[int, str, str]] = field(default_factory=list)  # (rank, raw, norm)
    seen_on: set[str] = field(default_factory=set)                    # platforms of the files

    @property
    def is_name(self) -> bool:
        return self.key.startswith("name:")

    @property
    def norm_key(self) -> str:
        return self.key[5:]

    @property
    def platform_id(self) -> str | None:
        return None if self.is_name else self.key.split(":", 1)[1]


def _load(con: Any, kind: str) -> dict[int, _Acct]:
    accts = {
        r[0]: _Acct(r[0], r[1], r[2])
        for r in con.execute("select id, key, platform from accounts where kind = ? order by id", [kind]).fetchall()
    }
    rows = con.execute(
        """
        select n.account_id, n.rank, n.name, n.norm, count(*) as seen, list(distinct n.platform) as platforms
        from account_names n join accounts a on a.id = n.account_id
        where a.kind = ?
        group by all
        order by n.account_id, n.rank, seen desc, n.name
        """,
        [kind],
    ).fetchall()
    for account_id, rank, name, norm, _seen, platforms in rows:
        accts[account_id].names.append((rank, name, norm))
        accts[account_id].seen_on.update(p for p in platforms if p)
    return accts


def _link(accts: dict[int, _Acct]) -> tuple[dict[int, str], list[tuple[str, str, str, str]]]:
    """Return account id → entity key, and review rows (norm, account key, names, reason)."""
    name_entities = {a.norm_key: a for a in accts.values() if a.is_name}
    handles: dict[str, set[str]] = defaultdict(set)   # handle → name entity keys
    for a in name_entities.values():
        for rank, raw, _norm in a.names:
            if rank == HANDLE_RANK:
                handles[raw.strip().lower()].add(a.norm_key)
    def handle_link(a: _Acct) -> str | None:
        ids = {a.platform_id.lower()} | {raw.strip().lower() for _rank, raw, _ in a.names}
        linked = {k for h in ids for k in handles.get(h, ())}
        return linked.pop() if len(linked) == 1 else None

    by_handle = {a.id: handle_link(a) for a in accts.values() if not a.is_name}
    claims: dict[str, set[int]] = defaultdict(set)     # norm → platform accounts claiming it
    for a in accts.values():
        if not a.is_name:
            for rank, _raw, norm in a.names:
                # An account the directory already ties to this very name is no rival for it.
                if rank != HANDLE_RANK and norm and by_handle[a.id] != norm:
                    claims[norm].add(a.id)

    entity: dict[int, str] = {}
    review: list[tuple[str, str, str, str]] = []
    for a in accts.values():
        if a.is_name:
            entity[a.id] = a.key
            continue
        if by_handle[a.id]:
            entity[a.id] = "name:" + by_handle[a.id]
            continue
        candidates: dict[str, int] = {}
        contested: set[str] = set()
        for rank, _raw, norm in a.names:
            if rank == HANDLE_RANK or norm not in name_entities:
                continue
            rivals = claims[norm]
            same_platform = [o for o in rivals if accts[o].platform in name_entities[norm].seen_on]
            # Several ids claim the name: the one on the platform the name was seen on may still
            # take it (a WeChat file's 王小明 is the wxid's, not the WeCom userid's).
            if len(rivals) > 1 and not (len(same_platform) == 1 and same_platform[0] == a.id):
                contested.add(norm)
            else:
                candidates[norm] = min(rank, candidates.get(norm, rank))
        best = sorted(candidates.items(), key=lambda kv: (kv[1], kv[0]))
        if best and (len(best) == 1 or best[0][1] < best[1][1]):
            entity[a.id] = "name:" + best[0][0]
            continue
        entity[a.id] = a.key
        names = "、".join(dict.fromkeys(raw for _r, raw, _n in a.names if _r != HANDLE_RANK))
        for norm in sorted(contested):
            review.append((norm, a.key, names, "两个不同账号使用同一姓名，未自动合并，请人工确认"))
        if len(best) > 1:
            review.append((best[0][0], a.key, names, "一个账号对应多个姓名，未自动合并，请人工确认"))
    # Platform accounts that share a name where no name entity exists are also worth a look.
    for norm, owners in claims.items():
        if len(owners) > 1 and norm not in name_entities:
            for account_id in sorted(owners):
                a = accts[account_id]
                names = "、".join(dict.fromkeys(raw for r, raw, _n in a.names if r != HANDLE_RANK))
                review.append((norm, a.key, names, "两个不同账号使用同一姓名，未自动合并，请人工确认"))
    return entity, review


def _display_name(members: list[_Acct], person: bool) -> str:
    for a in members:
        if a.is_name:
            return a.norm_key
    ranked = sorted((rank, raw) for a in members for rank, raw, _ in a.names if rank != HANDLE_RANK)
    if ranked:
        return split_name(ranked[0][1])[0] if person else ranked[0][1].strip()
    return members[0].platform_id or members[0].key


def resolve(con: Any) -> None:
    """Rebuild people, person_map, groups, group_map, memberships and identity_review.

    Runs inside the caller's transaction; cost grows with the number of accounts, not messages.
    """
    review_rows: list[tuple[str, str, str, str]] = []
    for kind in ("person", "group"):
        accts = _load(con, kind)
        entity, review = _link(accts)
        review_rows += review
        members: dict[str, list[_Acct]] = defaultdict(list)
        for account_id, key in entity.items():
            members[key].append(accts[account_id])
        keys = sorted(members)
        ids = {key: i + 1 for i, key in enumerate(keys)}
        mapping = pa.table({
            "account_id": pa.array(list(entity), pa.int32()),
            "entity_id": pa.array([ids[entity[a]] for a in entity], pa.int32()),
        })
        names = pa.table({
            "id": pa.array([ids[k] for k in keys], pa.int32()),
            "key": pa.array(keys, pa.string()),
            "display_name": pa.array([_display_name(members[k], kind == "person") for k in keys], pa.string()),
            "platform_id": pa.array([next((a.platform_id for a in members[k] if not a.is_name), None) for k in keys],
                                    pa.string()),
            "platform": pa.array([next((a.platform for a in members[k] if a.platform), None) for k in keys],
                                 pa.string()),
        })
        con.register("_map", mapping)
        con.register("_ent", names)
        try:
            if kind == "person":
                _write_people(con)
            else:
                _write_groups(con)
        finally:
            con.unregister("_map")
            con.unregister("_ent")
    write_memberships(con)
    con.execute("delete from identity_review")
    if review_rows:
        con.executemany("insert into identity_review values (?, ?, ?, ?)", sorted(set(review_rows)))


def _write_people(con: Any) -> None:
    con.execute("delete from person_map")
    con.execute("insert into person_map select account_id, entity_id from _map")
    con.execute("delete from people")
    con.execute(
        """
        insert into people
        with latest_fact as (
            select m.entity_id as person_id,
                   arg_max(f.unit, f.import_id) filter (where f.unit is not null) as unit,
                   arg_max(f.position, f.import_id) filter (where f.position is not null) as position,
                   bool_or(coalesce(f.is_leader, false)) as is_leader
            from person_facts f join _map m on m.account_id = f.account_id
            group by 1
        ),
        roster_unit as (
            select m.entity_id as person_id, mode(f.unit) as unit, mode(f.position) as position
            from member_facts f join _map m on m.account_id = f.person_account_id
            where f.unit is not null or f.position is not null
            group by 1
        ),
        hint_unit as (
            select m.entity_id as person_id, mode(n.unit_hint) as unit
            from account_names n join _map m on m.account_id = n.account_id
            where n.unit_hint is not null
            group by 1
        )
        select e.id, e.key, e.display_name,
               coalesce(lf.unit, ru.unit, hu.unit),
               coalesce(lf.position, ru.position),
               coalesce(lf.is_leader, false),
               lf.person_id is not null
        from _ent e
        left join latest_fact lf on lf.person_id = e.id
        left join roster_unit ru on ru.person_id = e.id
        left join hint_unit hu on hu.person_id = e.id
        """
    )


def _write_groups(con: Any) -> None:
    con.execute("delete from group_map")
    con.execute("insert into group_map select account_id, entity_id from _map")
    con.execute("delete from groups")
    con.execute(
        """
        insert into groups
        with fact as (
            select m.entity_id as group_id,
                   arg_max(f.platform, f.import_id) filter (where f.platform is not null) as platform,
                   arg_max(f.owner_account_id, f.import_id) filter (where f.owner_account_id is not null) as owner_acct,
                   arg_max(f.unit, f.import_id) filter (where f.unit is not null) as unit,
                   arg_max(f.category, f.import_id) filter (where f.category is not null) as category,
                   bool_or(coalesce(f.emergency, false)) as emergency,
                   min(f.created_at) as created_at,
                   arg_max(f.notes, f.import_id) filter (where f.notes is not null) as notes
            from group_facts f join _map m on m.account_id = f.account_id
            group by 1
        ),
        roster_owner as (
            select m.entity_id as group_id, min(pm.person_id) as owner_id
            from member_facts f
            join _map m on m.account_id = f.group_account_id
            join person_map pm on pm.account_id = f.person_account_id
            where f.role = 'owner'
            group by 1
        )
        select e.id, e.key, e.display_name, coalesce(f.platform, e.platform), e.platform_id,
               coalesce(pm.person_id, ro.owner_id),
               coalesce(p.display_name, op.display_name),
               f.unit, f.category, coalesce(f.emergency, false), f.created_at, f.notes
        from _ent e
        left join fact f on f.group_id = e.id
        left join person_map pm on pm.account_id = f.owner_acct
        left join roster_owner ro on ro.group_id = e.id
        left join people p on p.id = pm.person_id
        left join people op on op.id = ro.owner_id
        """
    )


def write_memberships(con: Any) -> None:
    """Rebuild memberships from rosters (and, for groups with no roster, from senders)."""
    con.execute("delete from memberships")
    con.execute(
        """
        insert into memberships
        with roster as (
            select gm.group_id, pm.person_id,
                   min(case f.role when 'owner' then 0 when 'admin' then 1 else 2 end) as role_rank,
                   min(f.joined_at) as joined_at
            from member_facts f
            join group_map gm on gm.account_id = f.group_account_id
            join person_map pm on pm.account_id = f.person_account_id
            group by all
        ),
        -- Groups without any roster: their senders are the members we know of.
        senders as (
            select distinct gm.group_id, pm.person_id
            from messages m
            join group_map gm on gm.account_id = m.group_account_id
            join person_map pm on pm.account_id = m.sender_account_id
            where m.kind not in ('system', 'recall')
              and gm.group_id not in (select group_id from roster)
        )
        select group_id, person_id, ['owner', 'admin', 'member'][role_rank + 1], joined_at, 'roster' from roster
        union all
        select group_id, person_id, 'member', null, 'messages' from senders
        """
    )
