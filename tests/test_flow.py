"""The step flow: what is done and what is still missing, on small hand-built workspaces."""

from __future__ import annotations

from pathlib import Path

from core.flow import status
from tests.analysis.fixtures import directory, groups, messages, new_ws, roster


def test_empty_workspace_asks_for_data(tmp_path: Path) -> None:
    s = status(new_ws(tmp_path))
    assert s.done == (False, False, False, False, False)
    assert s.missing == ("还没有数据：请导入工作群的成员名单和聊天记录，或先载入示例数据看看。",)


def test_groups_without_roster_or_messages_are_named(tmp_path: Path) -> None:
    ws = new_ws(tmp_path)
    roster(ws, tmp_path, [("甲群", "王一", "群主"), ("甲群", "李二", "成员"), ("乙群", "李二", "群主")])
    messages(ws, tmp_path, [("甲群", "王一", "2026-05-11 09:00:00", "请报送材料", "文本"),
                            ("丙群", "赵三", "2026-05-11 10:00:00", "收到", "文本"),
                            ("丁群", "赵三", "2026-05-11 10:00:00", "好的", "文本"),
                            ("戊群", "赵三", "2026-05-11 10:00:00", "好的", "文本"),
                            ("己群", "赵三", "2026-05-11 10:00:00", "好的", "文本")])
    s = status(ws)
    assert (s.groups, s.messages) == (6, 5)
    assert s.without_roster == ("丁群", "丙群", "己群", "戊群")
    assert s.without_messages == ("乙群",)
    assert s.done == (True, True, True, False, False)
    assert s.missing == (
        "4 个群只有消息、没有成员名单（「丁群」、「丙群」、「己群」等）：不发言的成员看不到，入群人数会偏少。",
        "1 个群只有成员名单、没有聊天记录（「乙群」）：看不出这些群的消息量。",
        "没有干部名册：人员负担按群里所有人计算。导入“干部名册”模板可只看本单位干部。",
    )
    directory(ws, tmp_path, [("王一", "党政办", "主任", True)])
    assert not any(line.startswith("没有干部名册") for line in status(ws).missing)


def test_a_downloaded_proposal_completes_the_last_steps(tmp_path: Path) -> None:
    ws = new_ws(tmp_path)
    groups(ws, tmp_path, [("甲群", "王一", "党政办", "科室", False)])
    ws.record("export", "下载人员负担·名单（CSV）")
    assert status(ws).done[3:] == (False, False)
    ws.record("export", "下载整合方案（Word）（已化名）")
    assert status(ws).done == (True, True, True, True, True)
