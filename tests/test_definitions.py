"""口径说明: the text is generated from the settings and constants the code uses (no drift), and
the page draws it on an empty workspace and after the settings change."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import definitions, lexicon
from core.analysis import lifecycle, overlap, quality
from core.definitions import Section, sections
from core.plan import build
from core.plan.merge import MergeSettings
from core.settings import Settings
from core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
TITLES = ["统计期与“每天”", "工作时间与非工作时间", "消息分类", "重复通知", "僵尸群、已结束的专项群与人数上限",
          "群重叠", "阅读负担", "整合方案", "参数一览"]
CHANGED = dict(work_end=dt.time(17, 30), lunch_start=dt.time(12, 0), lunch_end=dt.time(14, 0), zombie_days=45,
               cap=4, reading_seconds=5.0, emergency_words=["防汛", "森林防火"], max_group_members=200,
               extra_holidays=[dt.date(2026, 6, 1), dt.date(2026, 6, 2), dt.date(2026, 6, 3)],
               timezone="Asia/Urumqi")


def _by_title(settings: Settings) -> dict[str, Section]:
    return {s.title: s for s in sections(settings)}


def _all(settings: Settings) -> str:
    return "\n".join(s.text() for s in sections(settings))


# -- core ------------------------------------------------------------------------------------

def test_sections_cover_every_topic_in_order() -> None:
    assert [s.title for s in sections(Settings())] == TITLES
    assert all(s.body.strip() for s in sections(Settings()))


def test_default_settings_are_stated() -> None:
    s = _by_title(Settings())
    work = s["工作时间与非工作时间"].text()
    assert "08:30" in work and "18:00" in work and "17:59" in work
    assert "22:00" in work and "07:00" in work and "Asia/Shanghai" in work
    assert "目前没有设午休" in work
    assert "30 天" in s["僵尸群、已结束的专项群与人数上限"].text()
    assert "3 个群" in s["阅读负担"].text() and "3 个群" in s["整合方案"].text()
    assert "3 秒" in s["阅读负担"].text() and "3 秒" in s["整合方案"].text()
    assert "每人最多 3 个群" in s["整合方案"].body


def test_every_category_label_and_word_is_stated() -> None:
    text = _all(Settings())
    for category in lexicon.CATEGORY_ORDER:
        assert lexicon.CATEGORY_LABELS[category] in text
    for category, rule, words in lexicon.rules():
        assert rule in text
        for word in words:
            assert word in text, (category, word)
    for word in (*lexicon.PROJECT_WORDS, *Settings().emergency_words):
        assert word in text


def test_word_lists_are_the_lexicon_tuples() -> None:
    """The lists the page shows are exactly lexicon's (and in its order)."""
    cats = _by_title(Settings())["消息分类"]
    shown: dict[str, tuple[str, ...]] = {}
    for wl in cats.lists:
        label = wl.label.split("：")[0]
        shown[label] = shown.get(label, ()) + wl.words
    expected = {lexicon.CATEGORY_LABELS[c]: words for c, _, words in lexicon.rules() if words}
    assert shown == expected
    lists = {wl.label: wl.words for wl in cats.lists}
    assert lists["收到类回复：词表"] == lexicon.ACK_WORDS
    assert lists["鲜花点赞/奉承：鲜花、点赞表情"] == lexicon.PRAISE_CODES
    assert lists["鲜花点赞/奉承：奉承语"] == lexicon.PRAISE_PHRASES
    assert lists["拍照打卡：词表"] == lexicon.PHOTO_WORDS
    assert lists["通知任务：词表"] == lexicon.ASSIGNMENT_WORDS
    assert lists["无关闲聊：词表"] == lexicon.OFFTOPIC_WORDS
    life = _by_title(Settings())["僵尸群、已结束的专项群与人数上限"]
    assert life.lists[0].words == lexicon.PROJECT_WORDS
    work = _by_title(Settings())["工作时间与非工作时间"]
    assert work.lists[0].words == tuple(Settings().emergency_words)
    # the categories are explained in the order the import tries them
    body = cats.body
    positions = [body.index(f"**{lexicon.CATEGORY_LABELS[c]}**") for c in lexicon.CATEGORY_ORDER]
    assert positions == sorted(positions)


def test_constants_are_read_from_the_code() -> None:
    s = _by_title(Settings())
    assert f"{quality.DUPLICATE_HOURS} 小时内" in s["重复通知"].body
    assert f"至少 {quality.DUPLICATE_MIN_LEN} 个字" in s["重复通知"].body
    assert f"{quality.DUPLICATE_HOURS + 1} 小时后" in s["重复通知"].body
    assert f"至少 {quality.BURIED_THRESHOLD} 条" in s["消息分类"].body
    assert f"{lexicon.FOLLOW_HOURS} 小时内" in s["消息分类"].body
    life = s["僵尸群、已结束的专项群与人数上限"].body
    assert f"{lifecycle.FINISHED_DAYS} 天以上" in life and f"{lifecycle.NEAR_LIMIT_PERCENT}%" in life
    assert "即 450 人及以上" in life  # 90 % of 500
    assert f"不低于 {overlap.DEFAULT_THRESHOLD:g}" in s["群重叠"].body
    plan = s["整合方案"].body
    defaults = MergeSettings()
    assert f"重合度达到 {defaults.min_jaccard * 100:g}%" in plan
    assert f"包含度达到 {defaults.min_containment * 100:g}%" in plan
    assert f"+ {build.ROLE_BONUS:g}（是群主或管理员时）+ {build.UNIT_BONUS:g}（是本单位的群时）+ {build.BASE:g}" in plan
    assert f"× {build.WEEK_DAYS}" in plan
    first, last = definitions.calendar_years()
    assert f"{first}–{last} 年" in s["工作时间与非工作时间"].body


def test_the_merge_example_is_the_plans_own_score() -> None:
    plan = _by_title(Settings())["整合方案"].body
    assert "省下 15 × 5 = 75 条" in plan and "多出 5 × 5 + 1 × 20 = 45 条" in plan
    assert "净省 30 条 × 3 秒 = 每天 90 秒，建议合并" in plan
    slow = _by_title(Settings(reading_seconds=5))["整合方案"].body
    assert "净省 30 条 × 5 秒 = 每天 150 秒" in slow


def test_changed_settings_change_the_text() -> None:
    default, changed = _by_title(Settings()), _by_title(Settings(**CHANGED))
    work = changed["工作时间与非工作时间"].text()
    assert "17:30 及以后" in work and "17:29" in work and "18:00" not in work
    assert "午休 12:00–14:00" in work and "目前没有设午休" not in work
    assert "2026-06-01 至 2026-06-03" in work and "Asia/Urumqi" in work
    assert changed["工作时间与非工作时间"].lists[0].words == ("防汛", "森林防火")
    assert "紧急" not in work and "紧急" in default["工作时间与非工作时间"].text()
    life = changed["僵尸群、已结束的专项群与人数上限"].body
    assert "45 天" in life and "30 天" not in life
    assert "上限 200 人" in life and "即 180 人及以上" in life
    burden = changed["阅读负担"].body
    assert "超过 4 个群" in burden and "× 5 秒" in burden and "3 个群" not in burden
    assert "每天约 10 分钟" in burden  # 120 messages × 5 s
    plan = changed["整合方案"].body
    assert "每人最多 4 个群" in plan and "5 个群的群主" in plan and "超过 200 人" in plan
    assert "每人最多 3 个群" not in plan
    table = dict(changed["参数一览"].table.rows)
    assert table["下班时间（此刻起算非工作时间）"] == "17:30"
    assert table["多少天没有消息算“僵尸群”"] == "45"
    assert table["含这些词的消息属于应急，不计入非工作时间"] == "防汛、森林防火"


def test_no_emergency_words() -> None:
    work = _by_title(Settings(emergency_words=[]))["工作时间与非工作时间"]
    assert "目前没有设应急词" in work.body and work.lists == ()


def test_user_text_stays_out_of_the_markdown_body() -> None:
    """Emergency words are typed by the user: they go to the lists, which the page escapes."""
    odd = Settings(emergency_words=["**火**", "[链接](http://x.cn)"])
    for s in sections(odd):
        assert "**火**" not in s.body and "http://x.cn" not in s.body


def test_core_module_does_not_import_streamlit() -> None:
    code = "import sys, core.definitions; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# -- page ------------------------------------------------------------------------------------

@pytest.fixture
def page_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "x.duckdb"
    monkeypatch.setenv("QUNJIAN_WORKSPACE", str(db))
    monkeypatch.chdir(ROOT)
    return db


def _page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "definitions.py"), default_timeout=120).run()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_page_on_an_empty_workspace(page_env: Path) -> None:
    at = _page()
    assert not at.exception
    assert at.title[0].value == "口径说明"
    assert [h.value for h in at.subheader] == TITLES
    text = _markdown(at)
    assert "08:30" in text and "18:00" in text and "30 天" in text and "3 秒" in text and "3 个群" in text
    assert "紧急" in text  # the emergency words, shown inline
    labels = [e.label for e in at.expander]
    assert any("收到类回复" in label for label in labels)
    table = at.dataframe[0].value
    assert list(table.columns) == ["设置", "现行值"]


def test_page_after_settings_change(page_env: Path) -> None:
    ws = Workspace(page_env)
    ws.save_settings(Settings(**CHANGED))
    ws.close()
    at = _page()
    assert not at.exception
    text = _markdown(at)
    assert "17:30" in text and "45 天" in text and "5 秒" in text and "每人最多 4 个群" in text
    assert "防汛" in text and "紧急" not in text
    assert "18:00" not in text and "30 天" not in text
    table = at.dataframe[0].value
    assert "17:30" in list(table["现行值"])
