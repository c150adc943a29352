"""The sample township generator: determinism, the committed copy, formats and planted facts.

Planted facts are checked by reading the generated files directly (csv/json/openpyxl), not
through the import pipeline, so these tests pin down what the sample contains.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import chinese_calendar
import openpyxl
import pytest

from core.names import normalise_name
from core.sample import ACKS, generate, generate_messages_csv

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "sample_data" / "township"
END = dt.date(2026, 5, 30)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("township")
    return out, generate(out)


def _csv(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def _v2(root: Path, group: str) -> list[dict[str, str]]:
    rows = _csv(root / "聊天记录" / f"{group}.csv")
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def _xlsx_rows(path: Path, sheet: str | None = None) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def _directory(root: Path) -> dict[str, tuple]:
    rows = _xlsx_rows(root / "干部名册.xlsx")
    assert rows[0][0] == "青石镇干部名册（2026年3月）"
    assert rows[1] == ("姓名", "单位", "职务", "领导", "账号", "别名")
    return {r[0]: r for r in rows[2:]}


def _ts(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------------------------------------
# Determinism and the committed copy
# ---------------------------------------------------------------------------------------------

def test_same_seed_is_byte_identical_and_other_seed_differs(town, tmp_path: Path) -> None:
    root, manifest = town
    again = tmp_path / "again"
    manifest2 = generate(again)
    assert manifest2 == manifest
    first, second = _tree(root), _tree(again)
    assert list(first) == list(second)
    for name in first:
        assert first[name] == second[name], name
    other = tmp_path / "other"
    generate(other, seed=7)
    third = _tree(other)
    differing = [n for n in first if n in third and first[n] != third[n]]
    assert len(differing) >= len(first) - 2      # names, ids and messages all change


def test_committed_sample_equals_fresh_generation(town) -> None:
    root, _ = town
    fresh = _tree(root)
    committed = _tree(COMMITTED)
    assert sorted(committed) == sorted(fresh), "regenerate with: python -m core sample --out sample_data/township"
    for name in fresh:
        assert committed[name] == fresh[name], f"{name} drifted: regenerate sample_data/township"


def test_committed_sample_is_small() -> None:
    total = sum(len(b) for b in _tree(COMMITTED).values())
    assert total < 4_500_000


# ---------------------------------------------------------------------------------------------
# Manifest and counts
# ---------------------------------------------------------------------------------------------

def test_manifest_counts(town) -> None:
    root, m = town
    c = m["counts"]
    assert c["groups"] == 34
    assert len(c["group_sizes"]) == 34
    directory = _directory(root)
    assert c["people"] == len(directory) == 199
    assert 30_000 <= c["messages"] <= 60_000
    assert c["messages"] == sum(c["messages_by_group"].values())
    assert len(c["messages_by_group"]) == 33           # one group has a roster only
    assert m["start"] == "2026-03-02" and m["end"] == "2026-05-30"
    g = c["groups_per_cadre"]
    assert g["max"] >= 10 and g["at_least_10"] >= 5 and 4 <= g["median"] <= 8 and g["over_3"] > 80
    for f in m["files"]:
        assert (root / f["path"]).is_file(), f
    # rows in the manifest are the rows in the files
    by_path = {f["path"]: f for f in m["files"]}
    gov = by_path["聊天记录/青石镇政府工作群.csv"]
    assert gov["format"] == "wechatmsg_v2" and gov["kind"] == "messages"
    assert gov["rows"] == len(_v2(root, "青石镇政府工作群"))
    with open(root / "工作群清单.csv", encoding="utf-8-sig", newline="") as f:
        assert len(list(csv.reader(f))) == 35


def test_group_list_template(town) -> None:
    root, m = town
    rows = _csv(root / "工作群清单.csv")
    assert rows[0] == ["群名称", "平台", "群号", "群主", "单位", "类别", "应急群", "建群时间", "备注"]
    by_name = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert len(by_name) == 34
    assert by_name["青石镇防汛应急指挥群"]["应急群"] == "是"
    assert sum(1 for r in by_name.values() if r["应急群"] == "是") == 1
    assert by_name["财政报账工作群"]["平台"] == "企业微信" and by_name["财政报账工作群"]["群号"].startswith("wr")
    assert by_name["柳湾村网格员群"]["平台"] == "QQ" and by_name["柳湾村网格员群"]["群号"].isdigit()
    assert by_name["网格化管理工作群"]["平台"] == "钉钉"
    assert by_name["安全生产工作群"]["群号"].endswith("@chatroom")


# ---------------------------------------------------------------------------------------------
# Byte-level format facts
# ---------------------------------------------------------------------------------------------

def test_byte_level_formats(town) -> None:
    root, m = town
    v2 = (root / "聊天记录" / "青石镇政府工作群.csv").read_bytes()
    assert v2.startswith(b"\xef\xbb\xbf\xe6\xb6\x88\xe6\x81\xafID,")       # BOM + 消息ID
    assert v2.split(b"\r\n", 1)[0].decode("utf-8-sig") == "消息ID,类型,发送人,时间,内容,备注,昵称,更多信息"
    assert b"\r\n" in v2 and b'"\xe3\x80\x90\xe5\x88\x86\xe4\xba\xab\xe9\x93\xbe\xe6\x8e\xa5\xe3\x80\x91\n' in v2
    v1 = (root / "聊天记录" / "统计工作群_utf8.csv").read_bytes()
    assert v1.startswith("\ufefflocalId,TalkerId,Type,SubType,IsSender,CreateTime".encode())
    pwd = [f for f in m["files"] if f["format"] == "pywxdump"]
    assert len(pwd) == 1
    n = pwd[0]["rows"]
    assert pwd[0]["path"].endswith(f"@chatroom_0_{n + 1}.csv")
    raw = (root / pwd[0]["path"]).read_bytes()
    assert raw.startswith(b"id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\r\n")
    qq = (root / "聊天记录" / "QQ消息记录.txt").read_bytes()
    assert qq.startswith("消息记录（此消息记录为文本格式，不支持重新导入）\r\n".encode())
    assert b"\n" not in qq.replace(b"\r\n", b"")
    assert "消息对象:柳湾村网格员群\r\n".encode() in qq
    gbk = (root / "名单" / "群成员名单（Excel另存）.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    text = gbk.decode("gbk")
    assert text.startswith("群名称,成员,角色,单位,职务,入群时间,账号,群号,平台\r\n")
    assert ",2019/" in text                                   # Excel-style YYYY/M/D H:MM
    for line in (root / "聊天记录" / "企业微信会话存档.jsonl").read_text("utf-8").splitlines():
        rec = json.loads(line)
        assert rec["roomid"].startswith("wr") and isinstance(rec["msgtime"], int)
    users = (root / "聊天记录" / "PyWxDump" / "users.json").read_bytes()
    assert users.startswith(b'{\n    "wxid') and not users.endswith(b"\n")
    assert _xlsx_rows(root / "聊天记录" / "党政办工作群.xlsx", "成员信息")[0][:5] == (
        "wxid", "微信号", "类型", "群昵称", "昵称")
    wb = openpyxl.load_workbook(root / "聊天记录" / "党政办工作群.xlsx", read_only=True)
    assert wb.sheetnames == ["聊天记录", "成员信息", "Sheet"]
    wb.close()


# ---------------------------------------------------------------------------------------------
# Identities are linkable
# ---------------------------------------------------------------------------------------------

def test_every_sender_links_to_the_directory(town) -> None:
    root, m = town
    names = set(_directory(root))
    extra = set(m["planted"]["outsiders"]) | {m["planted"]["former_cadre"]}
    known = names | extra
    assert not (names & extra)
    # WeChatMsg v2 CSV and XLSX and the DingTalk template: names (with unit prefixes/suffixes)
    for f in m["files"]:
        path = root / f["path"]
        if f["format"] == "wechatmsg_v2":
            senders = {r["发送人"] for r in _v2(root, f["group"]) if r["发送人"]}
        elif f["format"] == "wechatmsg_xlsx":
            senders = {r[2] for r in _xlsx_rows(path, "聊天记录")[1:] if r[2]}
            members = _xlsx_rows(path, "成员信息")[1:]
            assert {normalise_name(r[3]) for r in members} <= known
        elif f["format"] == "template" and f["kind"] == "messages":
            senders = {r[1] for r in _csv(path)[1:] if r[1] != "系统"}
        else:
            continue
        assert senders, f
        unknown = {s for s in senders if normalise_name(s) not in known}
        assert not unknown, (f["path"], unknown)
    # WeChatMsg v1: wxids → contacts.csv Remark
    contacts = _csv(root / "聊天记录" / "contacts.csv")
    remark = {r[0]: r[3] for r in contacts[1:] if r[2] == "3"}
    rooms = {r[0]: r[4] for r in contacts[1:] if r[2] == "2"}
    for r in remark.values():
        assert normalise_name(r) in names
    for name in ("社会事务办工作群", "统计工作群", "森林防火工作群"):
        rows = _csv(root / "聊天记录" / f"{name}_utf8.csv")[1:]
        wxids = {r[11] for r in rows if r[11]}
        assert wxids and wxids <= set(remark)
        assert name in rooms.values()
    # PyWxDump: talkers → users.json remark; the room id → 工作群清单 and contacts.csv
    pwd = next(f for f in m["files"] if f["format"] == "pywxdump")
    users = json.loads((root / "聊天记录" / "PyWxDump" / "users.json").read_text("utf-8"))
    talkers = {r[4] for r in _csv(root / pwd["path"], "utf-8")[1:] if r[4] != "未知"}
    assert talkers == set(users)
    assert all(normalise_name(u["remark"]) in names for u in users.values())
    groups = {r[2]: r[0] for r in _csv(root / "工作群清单.csv")[1:] if r[2]}
    assert groups[pwd["group_id"]] == "安全生产工作群" == rooms[pwd["group_id"]]
    # QQ: the id in each header line is a 账号 in the QQ roster and in the directory
    qq_roster = _csv(root / "名单" / "柳湾村网格员群成员（QQ）.csv")
    qq_ids = {r[6]: r[1] for r in qq_roster[1:]}
    accounts = {r[4] for r in _directory(root).values() if r[4]}
    txt = (root / "聊天记录" / "QQ消息记录.txt").read_bytes().decode("utf-8")
    heads = [ln for ln in txt.split("\r\n") if ln[:4] == "2026"]
    ids = {ln[ln.rfind("(") + 1:-1] if ln.endswith(")") else ln[ln.rfind("<") + 1:-1] for ln in heads}
    ids.discard("10000")
    assert ids and ids <= set(qq_ids) and ids <= accounts
    assert any(ln.endswith("@163.com>") for ln in heads)
    # WeCom: userids → groupchat JSON names
    chat = json.loads((root / "名单" / "财政报账工作群_groupchat.json").read_text("utf-8"))["group_chat"]
    member_names = {mem["userid"]: mem["name"] for mem in chat["member_list"]}
    assert all(n in known for n in member_names.values())
    froms = {json.loads(ln)["from"] for ln in (root / "聊天记录" / "企业微信会话存档.jsonl").read_text("utf-8").splitlines()}
    assert froms <= set(member_names)
    assert sum(1 for mem in chat["member_list"] if mem["type"] == 2) == 1      # one external (bank)


def test_name_variants_of_one_person(town) -> None:
    root, m = town
    names = set(_directory(root)) | set(m["planted"]["outsiders"]) | {m["planted"]["former_cadre"]}
    forms: dict[str, set[str]] = {}
    roster_files = [_csv(root / "名单" / "群成员名单.csv"), _xlsx_rows(root / "名单" / "专项工作群成员名单.xlsx")[1:]]
    for rows in roster_files:
        for r in rows[1:]:
            forms.setdefault(normalise_name(r[1]), set()).add(r[1])
    for r in _v2(root, "青石镇政府工作群"):
        if r["发送人"]:
            forms.setdefault(normalise_name(r["发送人"]), set()).add(r["发送人"])
    assert set(forms) <= names | {""}
    dashed = [n for n, v in forms.items() if any("-" in x for x in v) and any("（" in x for x in v) and n in v]
    assert len(dashed) >= 5      # e.g. 党建办-王小明, 王小明（党建办） and 王小明 for the same cadre


# ---------------------------------------------------------------------------------------------
# Planted facts
# ---------------------------------------------------------------------------------------------

def _messages_with_text(root: Path, m: dict, text: str) -> list[tuple[str, dt.datetime]]:
    hits = []
    for f in m["files"]:
        path = root / f["path"]
        if f["format"] == "wechatmsg_v2":
            hits += [(f["group"], _ts(r["时间"])) for r in _v2(root, f["group"]) if r["内容"] == text]
        elif f["format"] == "wechatmsg_v1":
            hits += [(f["group"], _ts(r[8])) for r in _csv(path)[1:] if r[7] == text]
        elif f["format"] == "pywxdump":
            hits += [(f["group"], _ts(r[8])) for r in _csv(path, "utf-8")[1:] if r[6] == text]
    return hits


def test_same_notice_in_several_groups_within_two_hours(town) -> None:
    root, m = town
    notices = m["planted"]["cross_notices"]
    assert len(notices) == 4
    first = notices[0]["text"]
    assert len(first) >= 20
    hits = _messages_with_text(root, m, first)
    groups = {g for g, _ in hits}
    assert groups == {"青石镇政府工作群", "森林防火工作群", "村（社区）书记工作群", "安全生产工作群"}
    times = sorted(t for _, t in hits)
    assert times[0] == dt.datetime(2026, 3, 10, 9, 12) and times[-1] - times[0] <= dt.timedelta(hours=2)
    for n in notices:
        hits = _messages_with_text(root, m, n["text"])
        assert len({g for g, _ in hits}) >= 3
        ts = sorted(t for _, t in hits)
        assert ts[-1] - ts[0] <= dt.timedelta(hours=2)


def test_acknowledgement_storm_follows_notice(town) -> None:
    root, m = town
    rows = _v2(root, "青石镇政府工作群")
    notice_at = dt.datetime(2026, 3, 10, 9, 12)
    i = next(i for i, r in enumerate(rows) if _ts(r["时间"]) == notice_at and r["内容"].startswith("关于开展2026年春季"))
    acks = [r for r in rows[i + 1:] if _ts(r["时间"]) <= notice_at + dt.timedelta(minutes=20)
            and (r["内容"] in ACKS or r["内容"].endswith("收到"))]
    assert len(acks) >= 20
    assert len({r["发送人"] for r in acks}) == len(acks)      # each member acknowledges once


def test_red_packets_and_transfers(town) -> None:
    root, m = town
    gov = [r for r in _v2(root, "青石镇政府工作群") if r["类型"] == "红包"]
    assert [(r["时间"], r["内容"]) for r in gov] == [
        ("2026-03-08 09:30:00", "【红包】: 三八妇女节快乐！"),
        ("2026-04-30 17:45:00", "【红包】: 劳动节快乐，大家辛苦了")]
    village = [r for r in _v2(root, "石桥村工作群") if r["类型"] == "红包"]
    assert [(r["时间"], r["内容"]) for r in village] == [("2026-05-01 20:12:00", "【红包】: 恭喜发财，大吉大利")]
    transfers = [(f["group"], r["时间"], r["内容"]) for f in m["files"] if f["format"] == "wechatmsg_v2"
                 for r in _v2(root, f["group"]) if r["类型"] == "转账"]
    assert sorted(transfers) == [("杨家庄村工作群", "2026-04-30 16:08:00", "【发起转账】:￥500.00 辛苦费"),
                                 ("高标准农田建设项目群", "2026-03-27 20:41:00", "【发起转账】:￥2000.00")]
    wecom = [json.loads(ln) for ln in (root / "聊天记录" / "企业微信会话存档.jsonl").read_text("utf-8").splitlines()]
    packets = [r for r in wecom if r.get("msgtype") == "redpacket"]
    assert len(packets) == 1 and packets[0]["redpacket"]["wish"] == "节日快乐"
    assert dt.datetime.utcfromtimestamp(packets[0]["msgtime"] // 1000) == dt.datetime(2026, 4, 30, 8, 20)
    qq = (root / "聊天记录" / "QQ消息记录.txt").read_text("utf-8")
    assert qq.count("[QQ红包]") == 1


def test_finished_groups_are_silent_for_over_30_days(town) -> None:
    root, m = town
    expected = {"经济普查入户登记群": dt.date(2026, 3, 20), "春季植树造林活动群": dt.date(2026, 3, 14),
                "高标准农田建设项目群": dt.date(2026, 4, 10)}
    for group, last_day in expected.items():
        rows = _v2(root, group)
        last = max(_ts(r["时间"]) for r in rows if r["类型"] != "系统消息")
        assert last.date() == last_day
        assert (END - last.date()).days > 30
    census = _v2(root, "经济普查入户登记群")
    assert census[-1]["类型"] == "系统消息" and census[-1]["时间"].startswith("2026-05-12")
    # every other group with messages spoke in the last two weeks
    for group, last in m["last_message"].items():
        if group not in expected:
            assert (END - _ts(last).date()).days < 14, group


def test_owner_left_and_missing_rosters(town) -> None:
    root, m = town
    names = set(_directory(root))
    rows = {r[0]: r for r in _csv(root / "工作群清单.csv")[1:]}
    owner = rows["高标准农田建设项目群"][3]
    assert normalise_name(owner) not in names and owner == m["planted"]["former_cadre"]
    assert all(normalise_name(r[3]) in names for g, r in rows.items() if g != "高标准农田建设项目群")
    rostered: set[str] = set()
    for name in ("群成员名单.csv", "柳湾村网格员群成员（QQ）.csv"):
        rostered |= {r[0] for r in _csv(root / "名单" / name)[1:]}
    rostered |= {r[0] for r in _csv(root / "名单" / "群成员名单（Excel另存）.csv", "gbk")[1:]}
    rostered |= {r[0] for r in _xlsx_rows(root / "名单" / "专项工作群成员名单.xlsx")[2:]}
    rostered |= {r[0] for r in _xlsx_rows(root / "名单" / "青石镇班子成员群成员.xlsx")[2:]}
    rostered |= {"财政报账工作群", "党政办工作群", "规划建设办工作群", "大坪村两委工作群"}
    assert set(rows) - rostered == {"统计工作群"}
    assert "信访维稳工作群" in rostered and "信访维稳工作群" not in m["counts"]["messages_by_group"]
    assert not (root / "聊天记录" / "统计工作群.csv").exists()


def test_near_duplicate_and_subset_groups(town) -> None:
    root, m = town
    members: dict[str, set[str]] = {}
    for r in _xlsx_rows(root / "名单" / "专项工作群成员名单.xlsx")[2:]:
        members.setdefault(r[0], set()).add(normalise_name(r[1]))
    a, b = members["人居环境整治工作群"], members["人居环境整治推进群"]
    jaccard = len(a & b) / len(a | b)
    nd = m["planted"]["near_duplicates"]
    assert (len(a & b), len(a | b)) == (nd["shared"], nd["union"])
    assert 0.85 <= jaccard < 1.0
    sub = members["人居环境督查小组"]
    assert len(sub) == 8 and sub < a


def test_leader_posts_on_a_holiday_night(town) -> None:
    root, m = town
    directory = _directory(root)
    night = dt.datetime(2026, 4, 5, 21, 37)
    assert chinese_calendar.is_holiday(night.date())
    rows = [r for r in _v2(root, "青石镇班子成员群") if _ts(r["时间"]) == night]
    assert len(rows) == 1
    sender = normalise_name(rows[0]["发送人"])
    assert directory[sender][2] == "党委书记" and directory[sender][3] == "是"
    assert "不得请假" in rows[0]["内容"]
    # after-hours posts by leaders are common, and acknowledged at night
    leaders = {n for n, r in directory.items() if r[3] == "是"}
    late = [r for r in _v2(root, "青石镇政府工作群") if _ts(r["时间"]).hour >= 21
            and normalise_name(r["发送人"]) in leaders]
    assert len(late) >= 5
    may2 = [r for r in _v2(root, "青石镇政府工作群") if r["时间"].startswith("2026-05-02 22:")]
    assert sum(1 for r in may2 if r["内容"] in ACKS or r["内容"].endswith("收到")) >= 20


def test_emergency_group_posts_at_night_with_flood_words(town) -> None:
    root, m = town
    rows = _v2(root, "青石镇防汛应急指挥群")
    night = [r for r in rows if _ts(r["时间"]).hour >= 21 or _ts(r["时间"]).hour < 6]
    flagged = [r for r in night if any(w in r["内容"] for w in ("紧急", "汛情", "险情"))]
    assert len(flagged) >= 6
    assert any(r["时间"].startswith("2026-04-22 22:10") and r["内容"].startswith("【紧急】") for r in rows)


def test_calendar_shapes_the_traffic(town) -> None:
    root, _ = town
    per_day: dict[dt.date, int] = {}
    for r in _v2(root, "青石镇政府工作群"):
        d = _ts(r["时间"]).date()
        per_day[d] = per_day.get(d, 0) + 1
    work = [n for d, n in per_day.items() if chinese_calendar.is_workday(d)]
    off = [per_day.get(d, 0) for d in (dt.date(2026, 3, 2) + dt.timedelta(days=i) for i in range(90))
           if not chinese_calendar.is_workday(d)]
    assert sum(work) / len(work) > 3 * sum(off) / len(off)
    assert max(per_day.values()) <= 250
    assert chinese_calendar.is_workday(dt.date(2026, 5, 9))        # 调休 Saturday
    assert per_day.get(dt.date(2026, 5, 9), 0) > 0


def test_message_quality_mix(town) -> None:
    root, m = town
    rows = _v2(root, "青石镇政府工作群")
    kinds = {r["类型"] for r in rows}
    assert {"文本", "图片", "文件", "分享链接", "引用消息", "红包", "系统消息", "语音"} <= kinds
    texts = [r["内容"] for r in rows]
    assert sum(t in ACKS for t in texts) > 0.2 * len(texts)
    assert any("[玫瑰]" in t for t in texts) and any("辛苦了" in t for t in texts)
    assert any("@所有人" in t for t in texts)
    assert any("撤回了一条消息" in t for t in texts) and any("加入了群聊" in t for t in texts)
    assert any(t.startswith("【文件】关于") and ".docx" in t for t in texts)
    assert any("拍照上传" in t for t in texts)
    grid = _csv(root / "聊天记录" / "网格化管理工作群（钉钉）.csv")
    assert grid[0] == ["群名称", "发送人", "时间", "内容", "类型", "平台", "发送人账号", "群号"]
    assert sum(1 for r in grid[1:] if r[4] == "图片") > 100          # photo check-ins


# ---------------------------------------------------------------------------------------------
# Scale and the benchmark helper
# ---------------------------------------------------------------------------------------------

def test_scale_multiplies_volume(tmp_path: Path) -> None:
    small = generate(tmp_path / "a", days=14, scale=1.0)["counts"]["messages"]
    big = generate(tmp_path / "b", days=14, scale=3.0)["counts"]["messages"]
    assert 2.2 * small < big < 3.8 * small


def test_generate_messages_csv(tmp_path: Path) -> None:
    path = tmp_path / "bench.csv"
    generate_messages_csv(path, 20_000, seed=3)
    raw = path.read_bytes()
    assert raw.startswith("\ufeff消息ID,类型,发送人,时间,内容,备注,昵称,更多信息\r\n".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 20_001
    assert all(len(r) == 8 for r in rows)
    assert any("\n" in r[4] for r in rows[1:])                       # multi-line quoted fields
    assert len({r[0] for r in rows[1:]}) == 20_000                    # unique message ids
    times = [r[3] for r in rows[1:]]
    assert times == sorted(times)
    generate_messages_csv(tmp_path / "again.csv", 20_000, seed=3)
    assert (tmp_path / "again.csv").read_bytes() == raw
