"""The committed sample township imports cleanly and carries the facts later pages rely on."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from core.importer import load_sample, sample_files
from core.workspace import Workspace


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, list]]:
    ws = Workspace(tmp_path_factory.mktemp("town") / "town.duckdb")
    reports = load_sample(ws)
    yield ws, reports
    ws.close()


def test_every_sample_file_loads_without_rejects(town) -> None:
    ws, reports = town
    assert len(reports) == len(sample_files()) == 43
    assert [r.file for r in reports if r.errors or r.rejected or r.duplicates and r.format != "wechatmsg_contacts"] == []
    assert {r.format for r in reports} == {
        "template", "wechatmsg_v1", "wechatmsg_v2", "wechatmsg_xlsx", "wechatmsg_contacts", "pywxdump",
        "pywxdump_users", "qq_txt", "wecom_archive", "wecom_groupchat"}
    assert ws.summary() == {
        "groups": 34, "people": 202, "memberships": 872, "messages": 32041, "system_messages": 128,
        "first_message_at": "2026-03-02T07:12:59+08:00", "last_message_at": "2026-05-30T21:53:11+08:00"}


def test_name_variants_and_ids_resolve_to_directory_people(town) -> None:
    ws, _ = town
    assert ws.review() == []
    # Only three people are outside the 199-person directory: the owner who left, a contractor and
    # the bank manager in the WeCom group.
    assert ws.query("select display_name from people where not in_directory order by 1") == [
        ("农商行韦思福",), ("彭德丹",), ("罗飞",)]


def test_platform_ids_get_their_group_names(town) -> None:
    ws, _ = town
    assert ws.query("select name, platform from groups where platform_id = '47386330713@chatroom'") == [
        ("安全生产工作群", "wechat")]
    assert ws.query("select name from groups where emergency") == [("青石镇防汛应急指挥群",)]
    assert ws.query("select owner_name from groups where name = '高标准农田建设项目群'") == [("罗飞",)]


def test_groups_without_roster_or_messages(town) -> None:
    ws, _ = town
    rows = ws.query(
        """
        select g.name, count(distinct m.person_id), string_agg(distinct m.source, ','),
               (select count(*) from messages x join group_map gm on gm.account_id = x.group_account_id
                where gm.group_id = g.id)
        from groups g left join memberships m on m.group_id = g.id
        where g.name in ('统计工作群', '信访维稳工作群') group by g.id, g.name order by g.name
        """
    )
    # 信访维稳: roster, no messages. 统计: messages only, so its 16 senders are its known members.
    assert rows == [("信访维稳工作群", 23, "roster", 0), ("统计工作群", 16, "messages", 634)]


def test_red_packets_and_transfers_are_kept(town) -> None:
    ws, _ = town
    assert ws.query("select kind, count(*) from messages where category = 'red_packet' group by 1 order by 1") == [
        ("red_packet", 5), ("transfer", 2)]
