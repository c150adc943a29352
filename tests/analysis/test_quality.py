"""Message quality (core/analysis/quality.py, pages/quality.py) on tiny hand-built workspaces
and on the sample township."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from core.analysis import quality
from core.analysis.base import Scope
from core.workspace import Workspace
from tests.analysis.fixtures import directory, messages, new_ws

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-05-11"          # a Monday, a workday
PEOPLE = [("王一", "党政办", "党委书记", True), ("李二", "石桥村", "村委会主任", False),
          ("张三", "柳湾村", "网格员", False), ("赵四", "党建办", "科员", False), ("钱五", "经发办", "科员", False)]


def gid(ws: Workspace, name: str) -> int:
    return ws.query("select id from groups where name = ?", [name])[0][0]


def at(day: str, hhmm: str) -> str:
    return f"{day} {hhmm}:00"


def minutes(day: str, start: str, n: int) -> list[str]:
    """``n`` times one minute apart, the first one minute after ``start`` (HH:MM)."""
    t0 = dt.datetime.fromisoformat(f"{day} {start}:00")
    return [(t0 + dt.timedelta(minutes=i + 1)).strftime("%Y-%m-%d %H:%M:%S") for i in range(n)]


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Two groups; every category once from a real text, plus system, recall and another day.

    甲群 (2026-05-11): assignment, ack ×2, flattery ×2, image, file, 早上好, a work question,
    a red packet at 21:30, a system message and a recall → 10 messages, 3 of substance.
    乙群: a transfer, 好的, a work question (05-11) and 早上好 on 05-12 → 4 messages, 1 of substance.
    """
    tmp = tmp_path_factory.mktemp("town")
    ws = new_ws(tmp)
    directory(ws, tmp, PEOPLE)
    messages(ws, tmp, [
        ("甲群", "王一", at(DAY, "09:00"), "请各村于周五前报送台账", "文本"),
        ("甲群", "李二", at(DAY, "09:01"), "收到", "文本"),
        ("甲群", "张三", at(DAY, "09:02"), "收到！", "文本"),
        ("甲群", "赵四", at(DAY, "09:03"), "[玫瑰][玫瑰]", "文本"),
        ("甲群", "钱五", at(DAY, "09:04"), "领导辛苦了", "文本"),
        ("甲群", "李二", at(DAY, "09:06"), "", "图片"),
        ("甲群", "王一", at(DAY, "09:07"), "台账.xlsx", "文件"),
        ("甲群", "张三", at(DAY, "09:08"), "早上好", "文本"),
        ("甲群", "赵四", at(DAY, "09:09"), "这个表格第三列填什么？", "文本"),
        ("甲群", "王一", at(DAY, "09:10"), "王一邀请钱五加入了群聊", "系统"),
        ("甲群", "李二", at(DAY, "09:11"), "李二撤回了一条消息", "撤回"),
        ("甲群", "王一", at(DAY, "21:30"), "【红包】恭喜发财", "红包"),
        ("乙群", "李二", at(DAY, "10:00"), "￥500.00 辛苦费", "转账"),
        ("乙群", "张三", at(DAY, "10:01"), "好的", "文本"),
        ("乙群", "赵四", at(DAY, "10:02"), "系统登不上去，有人遇到吗？", "文本"),
        ("乙群", "钱五", at("2026-05-12", "08:00"), "早上好", "文本"),
    ])
    yield ws
    ws.close()


# -- categories and 干货率 ----------------------------------------------------------------------

def test_each_text_gets_its_category(town: Workspace) -> None:
    stored = dict(town.query("select coalesce(text, kind), category from messages "
                             "where kind not in ('system', 'recall')"))
    assert stored == {
        "请各村于周五前报送台账": "assignment", "收到": "ack", "收到！": "ack", "[玫瑰][玫瑰]": "flattery",
        "领导辛苦了": "flattery", "image": "photo_checkin", "台账.xlsx": "document", "早上好": "offtopic",
        "这个表格第三列填什么？": "other", "【红包】恭喜发财": "red_packet", "￥500.00 辛苦费": "red_packet",
        "好的": "ack", "系统登不上去，有人遇到吗？": "other",
    }


def test_lexicon_reads_the_sample_replies_right(tmp_path: Path) -> None:
    """Replies the sample township uses, which the first word lists misread."""
    expected = {
        "柳湾村收到": "ack", "收到，按时报送": "ack", "知道了": "ack", "没问题": "ack", "好的，抓紧": "ack",
        "向镇长学习！": "flattery", "镇长英明！": "flattery", "感谢书记关心[抱拳]": "flattery",
        "同乐同乐[抱拳]": "offtopic", "青年节快乐！": "offtopic",
        "已整改到位": "other", "三点，三楼会议室": "other", "没收到": "other", "还没收到文件，谁再发一次？": "other",
        "请各村立即整改，明天我再去看。": "assignment",
    }
    ws = new_ws(tmp_path)
    messages(ws, tmp_path, [("甲群", "王一", t, text, "文本")
                            for t, text in zip(minutes(DAY, "09:00", len(expected)), expected)])
    assert dict(ws.query("select text, category from messages")) == expected
    ws.close()


def test_categories_cover_all_eight_without_system(town: Workspace) -> None:
    assert quality.categories(town) == {
        "assignment": 1, "document": 1, "other": 2, "ack": 3, "flattery": 2, "offtopic": 2,
        "photo_checkin": 1, "red_packet": 2,
    }


def test_categories_keep_zeros(town: Workspace) -> None:
    only_yi = quality.categories(town, Scope(groups=(gid(town, "乙群"),)))
    assert only_yi == {"assignment": 0, "document": 0, "other": 1, "ack": 1, "flattery": 0, "offtopic": 1,
                       "photo_checkin": 0, "red_packet": 1}


def test_substance_share_per_group(town: Workspace) -> None:
    df = quality.by_group(town)
    rows = {r["group"]: r for r in df.to_dict("records")}
    assert list(df["group"]) == ["甲群", "乙群"]                      # most messages first
    jia, yi = rows["甲群"], rows["乙群"]
    assert (jia["messages"], jia["substance"], jia["ack"], jia["flattery"], jia["red_packet"]) == (10, 3, 2, 2, 1)
    assert jia["substance_share"] == pytest.approx(0.3)
    assert (yi["messages"], yi["substance"], yi["red_packet"], yi["offtopic"]) == (4, 1, 1, 1)
    assert yi["substance_share"] == pytest.approx(0.25)
    assert set(quality.CATEGORIES) <= set(df.columns)
    assert sum(jia[c] for c in quality.CATEGORIES) == jia["messages"]


def test_date_filter(town: Workspace) -> None:
    day = dt.date(2026, 5, 11)
    scope = Scope(start=day, end=day)
    assert quality.categories(town, scope)["offtopic"] == 1
    yi = quality.by_group(town, scope).set_index("group").loc["乙群"]
    assert (yi["messages"], yi["substance"]) == (3, 1)
    assert yi["substance_share"] == pytest.approx(1 / 3)
    later = dt.date(2026, 5, 12)
    assert quality.categories(town, Scope(start=later, end=later)) == {
        c: (1 if c == "offtopic" else 0) for c in quality.CATEGORIES}


def test_group_filter(town: Workspace) -> None:
    df = quality.by_group(town, Scope(groups=(gid(town, "甲群"),)))
    assert list(df["group"]) == ["甲群"]
    assert list(quality.messages(town, Scope(groups=(gid(town, "甲群"),)), category="red_packet")["text"]) == [
        "【红包】恭喜发财"]


def test_top_senders(town: Workspace) -> None:
    acks = quality.top_senders(town, category="ack")
    assert [(r["name"], r["unit"], r["messages"], r["groups"], r["total"]) for r in acks.to_dict("records")] == [
        ("张三", "柳湾村", 2, 2, 3), ("李二", "石桥村", 1, 1, 3)]
    assert acks.iloc[0]["share"] == pytest.approx(2 / 3)
    flattery = quality.top_senders(town, category="flattery", limit=1)
    assert len(flattery) == 1 and flattery.iloc[0]["messages"] == 1
    assert quality.top_senders(town, Scope(units=("柳湾村",)), category="ack")["name"].tolist() == ["张三"]
    with pytest.raises(ValueError):
        quality.top_senders(town, category="system")


def test_red_packets_listed_with_group_sender_time_amount(town: Workspace) -> None:
    df = quality.red_packets(town)
    rows = df[["group", "sender", "unit", "sent_local", "kind", "text", "after_hours"]].to_dict("records")
    assert rows == [
        {"group": "乙群", "sender": "李二", "unit": "石桥村", "sent_local": dt.datetime(2026, 5, 11, 10, 0),
         "kind": "transfer", "text": "￥500.00 辛苦费", "after_hours": False},
        {"group": "甲群", "sender": "王一", "unit": "党政办", "sent_local": dt.datetime(2026, 5, 11, 21, 30),
         "kind": "red_packet", "text": "【红包】恭喜发财", "after_hours": True},
    ]
    assert df["amount"].iloc[0] == 500.0 and math.isnan(df["amount"].iloc[1])


def test_red_packet_amounts_as_exports_write_them(tmp_path: Path) -> None:
    ws = new_ws(tmp_path)
    messages(ws, tmp_path, [
        ("甲群", "王一", at(DAY, "16:20"), "【红包】节日快乐 （20 个，共 200.00 元）", "红包"),
        ("甲群", "李二", at(DAY, "16:21"), "【发起转账】:￥2,000.00", "转账"),
        ("甲群", "张三", at(DAY, "16:22"), "[QQ红包]我发了一个“普通红包”，请使用新版手机QQ查收红包。", "红包"),
    ])
    amounts = quality.red_packets(ws)["amount"].tolist()
    assert amounts[:2] == [200.0, 2000.0] and math.isnan(amounts[2])
    ws.close()


def test_drill_down_messages(town: Workspace) -> None:
    df = quality.messages(town, group_id=gid(town, "甲群"), category="ack")
    assert [(r["sent_local"], r["sender"], r["text"]) for r in df.to_dict("records")] == [
        (dt.datetime(2026, 5, 11, 9, 1), "李二", "收到"), (dt.datetime(2026, 5, 11, 9, 2), "张三", "收到！")]
    assert len(quality.messages(town)) == 14                           # system and recall never shown
    assert len(quality.messages(town, limit=5)) == 5
    with pytest.raises(ValueError):
        quality.messages(town, category="nonsense")


# -- duplicate notices -------------------------------------------------------------------------

NOTICE = "关于开展森林防火隐患排查的通知：请各村于周五前报送排查台账，务必高度重视。"


def dup_ws(tmp_path: Path, rows: list[tuple[str, str, str, str, str]]) -> Workspace:
    ws = new_ws(tmp_path)
    directory(ws, tmp_path, PEOPLE)
    messages(ws, tmp_path, rows)
    return ws


def test_same_notice_in_three_groups_within_72_hours(tmp_path: Path) -> None:
    ws = dup_ws(tmp_path, [
        ("甲群", "王一", at(DAY, "09:00"), NOTICE, "文本"),
        # different punctuation and spacing: the same normalised text
        ("乙群", "赵四", at(DAY, "10:00"), "关于开展森林防火隐患排查的通知 请各村于周五前报送排查台账。务必高度重视！", "文本"),
        ("丙群", "李二", at("2026-05-13", "08:00"), NOTICE, "文本"),
        ("甲群", "张三", at(DAY, "09:01"), "收到", "文本"),
    ])
    assert quality.duplicate_summary(ws) == {"clusters": 1, "copies": 3, "extra_copies": 2}
    # Every pair of the three groups received the notice once.
    ids = {name: gid(ws, name) for name in ("甲群", "乙群", "丙群")}
    assert quality.duplicate_pairs(ws) == {frozenset((ids["甲群"], ids["乙群"])): 1,
                                           frozenset((ids["甲群"], ids["丙群"])): 1,
                                           frozenset((ids["乙群"], ids["丙群"])): 1}
    assert quality.summarise_duplicates(quality.duplicate_notices(ws)) == quality.duplicate_summary(ws)
    df = quality.duplicate_notices(ws)
    assert [(r["cluster"], r["copy"], r["copies"], r["groups"], r["group"], r["sender"], r["minutes_after_first"])
            for r in df.to_dict("records")] == [
        (1, 1, 3, 3, "甲群", "王一", 0), (1, 2, 3, 3, "乙群", "赵四", 60), (1, 3, 3, 3, "丙群", "李二", 47 * 60)]
    assert df["sent_local"].tolist() == [dt.datetime(2026, 5, 11, 9), dt.datetime(2026, 5, 11, 10),
                                         dt.datetime(2026, 5, 13, 8)]
    # the group filter leaves one group: no longer a duplicate across groups
    assert quality.duplicate_summary(ws, Scope(groups=(gid(ws, "甲群"),)))["clusters"] == 0
    ws.close()


def test_same_notice_ten_days_apart_is_not_a_duplicate(tmp_path: Path) -> None:
    ws = dup_ws(tmp_path, [
        ("甲群", "王一", at("2026-05-01", "09:00"), NOTICE, "文本"),
        ("乙群", "赵四", at(DAY, "09:00"), NOTICE, "文本"),
    ])
    assert quality.duplicate_summary(ws) == {"clusters": 0, "copies": 0, "extra_copies": 0}
    assert quality.summarise_duplicates(quality.duplicate_notices(ws)) == quality.duplicate_summary(ws)
    assert quality.duplicate_notices(ws).empty
    ws.close()


def test_short_repeated_text_is_not_a_notice(tmp_path: Path) -> None:
    short = "请今天下班前报送数据，谢谢"              # 12 characters once punctuation is gone
    ws = dup_ws(tmp_path, [
        ("甲群", "王一", at(DAY, "09:00"), short, "文本"),
        ("乙群", "王一", at(DAY, "09:05"), short, "文本"),
        ("丙群", "王一", at(DAY, "09:10"), short, "文本"),
    ])
    assert ws.query("select count(distinct norm_hash), max(norm_len) from messages") == [(1, 12)]
    assert quality.duplicate_summary(ws)["clusters"] == 0
    ws.close()


def test_a_gap_of_more_than_72_hours_starts_a_new_cluster(tmp_path: Path) -> None:
    ws = dup_ws(tmp_path, [
        ("甲群", "王一", at("2026-05-01", "09:00"), NOTICE, "文本"),
        ("乙群", "王一", at("2026-05-03", "09:00"), NOTICE, "文本"),     # 48 h: same cluster
        ("丙群", "王一", at("2026-05-06", "09:00"), NOTICE, "文本"),     # exactly 72 h after 乙: same cluster
        ("丁群", "王一", at("2026-05-09", "09:01"), NOTICE, "文本"),     # 72 h 1 min: a new cluster, one group
        ("甲群", "王一", at("2026-05-20", "09:00"), NOTICE, "文本"),     # later, two groups again
        ("甲群", "王一", at("2026-05-20", "09:30"), NOTICE, "文本"),
        ("乙群", "王一", at("2026-05-21", "09:00"), NOTICE, "文本"),
    ])
    assert quality.duplicate_summary(ws) == {"clusters": 2, "copies": 6, "extra_copies": 4}
    summary, rows = quality.duplicate_report(ws)
    assert summary == quality.duplicate_summary(ws)
    assert rows.equals(quality.duplicate_notices(ws))
    # Limited to one cluster: the one that reached the most groups, with its own number.
    _, top = quality.duplicate_report(ws, limit=1)
    assert list(top["cluster"]) == [1, 1, 1]                    # 3 groups beat cluster 2's two
    assert top.equals(rows[rows["cluster"] == 1].reset_index(drop=True))
    assert quality.summarise_duplicates(quality.duplicate_notices(ws)) == quality.duplicate_summary(ws)
    df = quality.duplicate_notices(ws)
    assert df.groupby("cluster")["group"].apply(list).to_dict() == {
        1: ["甲群", "乙群", "丙群"], 2: ["甲群", "甲群", "乙群"]}
    ws.close()


# -- photo check-ins and buried assignments ------------------------------------------------------

def test_photo_requests_count_the_images_that_follow(tmp_path: Path) -> None:
    ws = dup_ws(tmp_path, [
        ("甲群", "王一", at(DAY, "09:00"), "请各村拍照上传今日巡查情况", "文本"),
        ("甲群", "李二", at(DAY, "09:10"), "", "图片"),
        ("甲群", "李二", at(DAY, "09:11"), "已打卡", "文本"),               # a report, not a request
        ("甲群", "张三", at(DAY, "09:30"), "", "图片"),
        ("甲群", "张三", at(DAY, "11:00"), "", "图片"),                     # exactly 2 h: counted
        ("甲群", "张三", at(DAY, "11:01"), "", "图片"),                     # later: not counted
        ("甲群", "王一", at(DAY, "14:00"), "今日打卡：请各位上传在岗照片。", "文本"),
        ("甲群", "李二", at(DAY, "14:05"), "", "图片"),
        ("乙群", "赵四", at(DAY, "15:00"), "请拍照上传宣传横幅悬挂情况", "文本"),
        ("丙群", "李二", at(DAY, "15:01"), "", "图片"),                     # another group
    ])
    df = quality.photo_requests(ws)
    assert [(r["group"], r["sender"], r["unit"], r["requests"], r["images"]) for r in df.to_dict("records")] == [
        ("甲群", "王一", "党政办", 2, 4), ("乙群", "赵四", "党建办", 1, 0)]
    assert df.iloc[0]["example"] == "请各村拍照上传今日巡查情况"
    assert (df.iloc[0]["first_at"], df.iloc[0]["last_at"]) == (dt.datetime(2026, 5, 11, 9), dt.datetime(2026, 5, 11, 14))
    ws.close()


def test_buried_assignments_threshold_is_inclusive(tmp_path: Path) -> None:
    early = minutes(DAY, "09:00", 17)                 # 09:01 … 09:17
    rows = [("甲群", "王一", at(DAY, "09:00"), "请各村于周五前报送台账", "文本"),
            ("甲群", "李二", at(DAY, "09:00"), "收到", "文本")]                         # the same instant: counted
    rows += [("甲群", "李二", t, "收到", "文本") for t in early[:12]]
    rows += [("甲群", "张三", t, "[玫瑰]", "文本") for t in early[12:]]
    rows += [("甲群", "赵四", at(DAY, "09:30"), "这个表格第三列填什么？", "文本"),     # substance: not counted
             ("甲群", "李二", at(DAY, "11:00"), "", "图片"),                             # 2 h exactly: counted,
             ("甲群", "张三", at(DAY, "11:00"), "收到", "文本"),                         # both of them (20 in all)
             ("甲群", "李二", at(DAY, "11:01"), "收到", "文本")]                         # after 2 h: not counted
    rows += [("乙群", "王一", at(DAY, "09:00"), "通知：明天上午县里来督查，务必做好准备", "文本")]
    rows += [("乙群", "张三", t, "收到", "文本") for t in minutes(DAY, "09:00", 19)]
    rows += [("乙群", "赵四", at(DAY, "10:00"), "请各村于周三前报送名单", "文本"),        # none after it
             ("丙群", "赵四", at(DAY, "10:00"), "请各村于周三前报送名单", "文本")]        # no chatter at all
    ws = dup_ws(tmp_path, rows)
    df = quality.buried_assignments(ws)
    assert [(r["group"], r["sender"], r["sent_local"], r["text"], r["chatter"]) for r in df.to_dict("records")] == [
        ("甲群", "王一", dt.datetime(2026, 5, 11, 9), "请各村于周五前报送台账", 20)]
    lower = quality.buried_assignments(ws, threshold=19)
    assert [(r["group"], r["chatter"]) for r in lower.to_dict("records")] == [("甲群", 20), ("乙群", 19)]
    assert [(r["group"], r["chatter"]) for r in quality.buried_assignments(ws, threshold=0).to_dict("records")] == [
        ("甲群", 20), ("乙群", 19), ("乙群", 0), ("丙群", 0)]
    assert quality.buried_assignments(ws, Scope(groups=(gid(ws, "乙群"),))).empty
    assert [quality.buried_count(ws), quality.buried_count(ws, threshold=19), quality.buried_count(ws, threshold=0)] \
        == [1, 2, 4]
    # The listing stops at the worst ``limit``; the count does not.
    assert [(r["group"], r["chatter"]) for r in quality.buried_assignments(ws, threshold=0, limit=2).to_dict("records")] \
        == [("甲群", 20), ("乙群", 19)]
    ws.close()


# -- the page ------------------------------------------------------------------------------------

def test_page_on_the_sample_township(sample_app, sample_db: Path) -> None:
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        substance, total = con.execute(
            "select count(*) filter (where category in ('assignment', 'document', 'other')), count(*) "
            "from messages where kind not in ('system', 'recall')").fetchone()
        packets = con.execute("select count(*) from messages where category = 'red_packet'").fetchone()[0]
        gov_acks = con.execute(
            "select count(*) from messages m join group_map gm on gm.account_id = m.group_account_id "
            "join groups g on g.id = gm.group_id where g.name = '青石镇政府工作群' and m.category = 'ack'").fetchone()[0]
        gov_id = con.execute("select id from groups where name = '青石镇政府工作群'").fetchone()[0]
    finally:
        con.close()
    at = sample_app("pages/quality.py")
    assert not at.exception
    finding = at.info[0].value
    assert f"在 {total:,} 条消息中，只有 {substance / total:.0%} 的消息是干货" in finding
    assert f"{packets} 笔红包或转账" in finding
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["干货率"] == f"{substance / total:.0%}" and metrics["红包/转账"] == str(packets)
    expander = at.expander[-1]
    assert expander.label == "分类口径与词表"
    assert any("「收到」「已收到」" in m.value for m in expander.markdown)

    # drill-down: one group, one category
    at.selectbox(key="q_drill_group").set_value(gov_id)
    at.selectbox(key="q_drill_cat").set_value("ack").run()
    assert not at.exception
    shown = at.dataframe[-1].value
    assert len(shown) == min(gov_acks, 500)
    assert set(shown["群"]) == {"青石镇政府工作群"} and set(shown["类别"]) == {"收到类回复"}


@pytest.mark.parametrize("with_people", [False, True])
def test_page_without_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_people: bool) -> None:
    ws = new_ws(tmp_path)
    if with_people:
        directory(ws, tmp_path, PEOPLE)
    ws.close()
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(tmp_path / "ws.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/quality.py").run()
    assert not at.exception
    texts = [i.value for i in at.info]
    if with_people:
        assert texts == ["所选范围内没有消息。请在左侧放宽时间范围、单位或工作群。"]
    else:
        assert texts and texts[0].startswith("还没有数据。消息质量需要聊天记录。")
    assert not at.metric
