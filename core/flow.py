"""Where a user stands on the way from nothing to a proposal, and what is still missing.

Steps: 1 导入数据 → 2 核对人员 → 3 查看问题 → 4 生成方案 → 5 下载. Every page shows them (see
``ui.glue.step_flow``); the facts behind them come from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.plan.proposal import EXPORT_NAMES
from core.workspace import Workspace

STEPS = ("导入数据", "核对人员", "查看问题", "生成方案", "下载")
NAMES_SHOWN = 3  # group names quoted in a "still missing" line before "等"


@dataclass(frozen=True)
class FlowStatus:
    """What the workspace holds, as far as the step flow needs to know."""

    groups: int = 0
    messages: int = 0
    without_roster: tuple[str, ...] = ()     # groups known from messages only
    without_messages: tuple[str, ...] = ()   # groups known from a roster or group list only
    has_directory: bool = False
    to_review: int = 0                        # names claimed by two accounts, for a person to confirm
    proposal_downloaded: bool = False
    missing: tuple[str, ...] = field(default=())

    @property
    def done(self) -> tuple[bool, ...]:
        """Per step: whether it is done."""
        has_data = self.groups > 0
        return (has_data, has_data and self.to_review == 0, has_data, self.proposal_downloaded,
                self.proposal_downloaded)


def status(ws: Workspace) -> FlowStatus:
    """The step flow's facts and the Chinese lines saying what is still missing."""
    cur = ws.cursor()
    try:
        groups, messages = cur.execute(
            "select (select count(*) from groups), "
            "(select count(*) from messages where kind not in ('system', 'recall'))").fetchone()
        rows = cur.execute(
            """
            select g.name,
                   exists (select 1 from memberships m where m.group_id = g.id and m.source = 'roster') as roster,
                   exists (select 1 from messages x join group_map gm on gm.account_id = x.group_account_id
                           where gm.group_id = g.id) as chat
            from groups g order by g.name
            """
        ).fetchall()
        has_directory = cur.execute("select count(*) > 0 from people where in_directory").fetchone()[0]
        to_review = cur.execute("select count(distinct norm) from identity_review").fetchone()[0]
    finally:
        cur.close()
    exported = proposal_downloaded(ws)
    without_roster = tuple(name for name, roster, chat in rows if chat and not roster)
    without_messages = tuple(name for name, roster, chat in rows if roster and not chat)
    missing = []
    if not groups:
        missing.append("还没有数据：请导入工作群的成员名单和聊天记录，或先载入示例数据看看。")
    else:
        if without_roster:
            missing.append(f"{len(without_roster)} 个群只有消息、没有成员名单（{_names(without_roster)}）："
                           "不发言的成员看不到，入群人数会偏少。")
        if without_messages:
            missing.append(f"{len(without_messages)} 个群只有成员名单、没有聊天记录（{_names(without_messages)}）："
                           "看不出这些群的消息量。")
        if not has_directory:
            missing.append("没有干部名册：人员负担按群里所有人计算。导入“干部名册”模板可只看本单位干部。")
        if to_review:
            missing.append(f"{to_review} 个姓名被不同账号同时使用，请到“核对人员”页确认。")
    return FlowStatus(groups=int(groups), messages=int(messages), without_roster=without_roster,
                      without_messages=without_messages, has_directory=bool(has_directory),
                      to_review=int(to_review), proposal_downloaded=bool(exported), missing=tuple(missing))


def proposal_downloaded(ws: Workspace) -> bool:
    """Whether a proposal file (Excel, Word or JSON) has been downloaded or written from this
    workspace. Read on every page view: the audit log does not change the workspace version."""
    rows = ws.query("select count(*) > 0 from audit where action = 'export' and "
                    "(detail like ? or detail like ? or detail like ?)",
                    [f"%{name}%" for name in EXPORT_NAMES.values()])
    return bool(rows[0][0])


def _names(names: tuple[str, ...]) -> str:
    shown = "、".join(f"「{n}」" for n in names[:NAMES_SHOWN])
    return shown + ("等" if len(names) > NAMES_SHOWN else "")
