"""口径说明: how every figure is computed, in plain Chinese, generated from the code's own settings.

``sections(settings)`` returns the page's sections. Every number, time and word list in them is
read from the workspace :class:`Settings` or from the named constants the analysis and the plan
use (core/lexicon.py, core/analysis/*, core/plan/*), and every worked example is computed with
the same formulas (the merge example by :func:`core.plan.merge.score_pair` itself), so the text
cannot drift from the figures.

No Streamlit here. ``Section.body`` is trusted Markdown written by this module: it never holds
user-controlled text. The emergency words (typed by the user) and the lexicon's word lists
(emoji, sticker codes such as [玫瑰], "@所有人") are kept apart in ``Section.lists`` and the page
escapes them when it shows them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import chinese_calendar

from core.analysis.after_hours import format_dates
from core.analysis.base import LATE_NIGHT_END, LATE_NIGHT_START
from core.analysis.lifecycle import FINISHED_DAYS, NEAR_LIMIT_PERCENT
from core.analysis.overlap import DEFAULT_THRESHOLD
from core.analysis.quality import BURIED_THRESHOLD, DUPLICATE_HOURS, DUPLICATE_MIN_LEN
from core.lexicon import (CATEGORY_LABELS, CATEGORY_ORDER, FOLLOW_HOURS, NON_SUBSTANCE, PRAISE_CODES,
                          PRAISE_PHRASES, PROJECT_WORDS, SUBSTANCE, rules)
from core.plan.build import BASE, ROLE_BONUS, UNIT_BONUS, WEEK_DAYS, merge_settings
from core.plan.merge import score_pair
from core.settings import Settings

# Inputs of the worked examples (made-up figures; every result is computed below).
EXAMPLE_START, EXAMPLE_END = dt.date(2026, 3, 2), dt.date(2026, 5, 30)
EXAMPLE_WINDOW_MESSAGES = 4500
EXAMPLE_MIX = {"assignment": 60, "document": 10, "other": 30, "ack": 70, "flattery": 20, "offtopic": 10}
EXAMPLE_OVERLAP = (10, 8, 6)                 # members of group A, of group B, shared
EXAMPLE_BURDEN = (4, 120)                    # groups, others' messages per day in them
EXAMPLE_MERGE = (20, 20.0, 16, 5.0, 15)      # A: members, messages/day; B: members, messages/day; shared
EXAMPLE_RELEVANCE = (12, 3)                  # messages sent in the group, times @mentioned there


@dataclass(frozen=True)
class WordList:
    """A list of words shown with a section (user or lexicon text: the page escapes it)."""

    label: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A small table of plain-text cells."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    """One topic of the page: ``title``, ``body`` (trusted Markdown), word lists, an optional table."""

    title: str
    body: str
    lists: tuple[WordList, ...] = ()
    table: Table | None = None

    def text(self) -> str:
        """Everything the section says, as plain text (for search and tests)."""
        parts = [self.title, self.body]
        for wl in self.lists:
            parts += [wl.label, *wl.words]
        if self.table:
            parts += [*self.table.columns, *(cell for row in self.table.rows for cell in row)]
        return "\n".join(parts)


# -- formatting ------------------------------------------------------------------------------

def _hm(t: dt.time) -> str:
    return f"{t:%H:%M}"


def _num(x: float) -> str:
    """3.0 → "3", 2.5 → "2.5", 0.6 → "0.6" (at most two decimals)."""
    r = round(float(x), 2)
    return str(int(r)) if r == int(r) else f"{r:g}"


def _pct(x: float) -> str:
    return f"{_num(x * 100)}%"


def _dates(dates: list[dt.date]) -> str:
    # "至" rather than "~": a pair of tildes would strike the text through in Markdown
    return format_dates(dates).replace("~", " 至 ") if dates else "未设置"


def _labels(categories: tuple[str, ...]) -> str:
    return "、".join(f"“{CATEGORY_LABELS[c]}”" for c in categories)


def calendar_years() -> tuple[int, int]:
    """The first and last year the installed chinesecalendar knows."""
    years = {d.year for d in (*chinese_calendar.holidays, *chinese_calendar.workdays)}
    return min(years), max(years)


# -- sections --------------------------------------------------------------------------------

def _window() -> Section:
    days = (EXAMPLE_END - EXAMPLE_START).days + 1
    per_day = EXAMPLE_WINDOW_MESSAGES / days
    body = (
        "所有页面、命令行和整合方案用的是同一个**统计期**：左侧“时间范围”选定的起止日期（两头都算）；"
        "不选时，从第一条消息那天到最新一条消息那天。\n\n"
        "凡是“每天”的数字，都是 **统计期内的合计 ÷ 统计期的天数**。天数按日历算，周末、节假日也算在内，"
        "所以统计期里有几天没有导出记录，“每天”的数字就会偏低，页面会提示。\n\n"
        "系统消息（入群、退群、改群名等提示）和撤回提示不计入任何统计；同一条消息导入两次只算一次。\n\n"
        f"例：统计期 {EXAMPLE_START:%Y-%m-%d} 至 {EXAMPLE_END:%Y-%m-%d}，共 {days} 天；某群这期间有 "
        f"{EXAMPLE_WINDOW_MESSAGES:,} 条消息，就是每天 {_num(per_day)} 条。"
    )
    return Section("统计期与“每天”", body)


def _working_time(s: Settings) -> Section:
    first, last = calendar_years()
    start, end = _hm(s.work_start), _hm(s.work_end)
    before_end = _hm((dt.datetime.combine(dt.date.min, s.work_end) - dt.timedelta(minutes=1)).time())
    if s.lunch_start and s.lunch_end:
        lunch = f"3. 午休 {_hm(s.lunch_start)}–{_hm(s.lunch_end)} 之间。"
    else:
        lunch = "3. 午休：目前没有设午休，中午按工作时间算。"
    words = [w for w in s.emergency_words if w]
    emergency = ("在工作群清单里标为“应急群”的群里的消息，以及含下列应急词的消息" if words
                 else "在工作群清单里标为“应急群”的群里的消息（目前没有设应急词）")
    body = (
        "一条消息符合下面任意一条，就算**非工作时间**：\n\n"
        "1. 发在休息日。哪天上班、哪天放假按国家法定节假日安排（含调休补班），数据来自 chinesecalendar 程序包，"
        f"目前收录 {first}–{last} 年；其他年份按周一至周五上班计算，页面会提示。\n"
        f"2. 发在工作日 {start} 之前，或 {end} 及以后（{end} 整就算下班）。\n"
        f"{lunch}\n\n"
        f"- **额外放假日期**：{_dates(s.extra_holidays)}；**额外上班日期**：{_dates(s.extra_workdays)}。"
        "这两项优先于法定安排。\n"
        f"- **时区**：`{s.timezone}`。导出文件里的文字时间按这个时区理解；改了时区，所有消息的时间随之换算。\n"
        f"- **深夜**：{_hm(LATE_NIGHT_START)} 至次日 {_hm(LATE_NIGHT_END)}，是非工作时间里单独标出的一段。\n"
        f"- **应急豁免**：{emergency}，仍算在非工作时间的总数里，但单独列为“应急豁免”，"
        "结论里扣除。人员负担页的非工作时间消息不扣除应急消息（负担是一样的）。\n\n"
        f"例：工作日 {end} 发的消息算非工作时间，{before_end} 发的不算；调休上班的周六按工作日算。\n\n"
        "这些设置在「非工作时间」页底部的“工作时间设置”里修改。"
    )
    return Section("工作时间与非工作时间", body, (WordList("应急词", tuple(words)),) if words else ())


def _categories() -> Section:
    by_category = {c: (rule, words) for c, rule, words in rules()}
    lines = [
        "每条消息只归一类：按下面的顺序逐条判断，先符合哪条就归哪类。判断文字前，全角字母、数字和符号先转成半角。\n"
    ]
    lists: list[WordList] = []
    n = 0
    for c in CATEGORY_ORDER:
        label = CATEGORY_LABELS[c]
        if c == "system":
            lines.append(f"- **{label}**：入群、退群、改群名等系统提示和撤回提示，不计入任何统计。")
            continue
        n += 1
        rule, words = by_category[c]
        lines.append(f"{n}. **{label}**：{rule}")
        if c == "flattery":
            # the rule names two lists: the flowers/likes, then the phrases of praise
            lists += [WordList(f"{label}：鲜花、点赞表情", PRAISE_CODES), WordList(f"{label}：奉承语", PRAISE_PHRASES)]
        elif words:
            lists.append(WordList(f"{label}：词表", words))
    total = sum(EXAMPLE_MIX.values())
    substance = sum(EXAMPLE_MIX.get(c, 0) for c in SUBSTANCE)
    mix = "、".join(f"{CATEGORY_LABELS[c]} {k} 条" for c, k in EXAMPLE_MIX.items())
    lines += [
        "",
        f"**干货率** = （{' + '.join(CATEGORY_LABELS[c] for c in SUBSTANCE)}）÷ 全部消息（不含系统消息）。"
        f"例：{total} 条消息中{mix}，干货率 = {substance} ÷ {total} = {_pct(substance / total)}。",
        "",
        f"**通知被淹没**：一条“{CATEGORY_LABELS['assignment']}”发出后 {FOLLOW_HOURS} 小时内（含），同一个群里跟了"
        f"至少 {BURIED_THRESHOLD} 条{_labels(NON_SUBSTANCE)}消息，就算被淹没（「消息质量」页可以调这个条数）。",
        "",
        f"**拍照打卡要求**：归为“{CATEGORY_LABELS['photo_checkin']}”的文字里，不是“已打卡”这类回复的，算一次打卡要求；"
        f"之后 {FOLLOW_HOURS} 小时内同一个群里的图片、视频算作对它的回应。",
        "",
        "词表由系统统一维护，「消息质量」页也列出了这些词。",
    ]
    return Section("消息分类", "\n".join(lines), tuple(lists))


def _duplicates() -> Section:
    body = (
        f"同一段文字在**至少 2 个群**里、**{DUPLICATE_HOURS} 小时内**先后出现，就算一条重复通知。\n\n"
        "比较之前先把文字“规范化”：只看文字、引用和链接消息；全角字符转成半角，英文字母转成小写，"
        f"去掉 @某人、空格、标点和符号。规范化后**至少 {DUPLICATE_MIN_LEN} 个字**的才比较，"
        "“收到”“好的”这类短回复不算。\n\n"
        "同一段文字的各份按时间排队，和前一份相隔超过 "
        f"{DUPLICATE_HOURS} 小时的另起一轮；一轮里到过 2 个以上的群才算。**多发的份数** = 每轮的份数 − 1。\n\n"
        "例：一条通知 09:00 发到群甲，09:05 转到群乙，09:20 又转到群丙 → 一轮，3 份，多发 2 份。"
        f"如果 {DUPLICATE_HOURS + 1} 小时后又在群甲发了一次，就算新的一轮（要再到过 2 个群才算）。\n\n"
        "整合方案里的“少发的重复通知”：原来到过几个群的通知，合并后落在同一个群里只发一次。"
    )
    return Section("重复通知", body)


def _lifecycle(s: Settings) -> Section:
    near = math.ceil(NEAR_LIMIT_PERCENT * s.max_group_members / 100)
    as_of = EXAMPLE_END
    last = as_of - dt.timedelta(days=s.zombie_days)
    body = (
        "**基准日**：默认是工作区里最新一条消息的时间（「群生命周期」页可以另选日期）。"
        "**沉默天数** = 从最后一条消息到基准日的整天数（系统消息不算）。\n\n"
        f"- **僵尸群**：有聊天记录，但基准日前 {s.zombie_days} 天内没有一条消息；正好沉默 {s.zombie_days} 天也算。"
        "只有“某某加入群聊”这类系统提示的，也算僵尸群。\n"
        "- **没有聊天记录**：只导入了成员名单、没导入聊天记录的群，单独列出，不算僵尸群。\n"
        "- **已结束的专项群**：群名或群类别里有下列词之一，并且已沉默 "
        f"{FINISHED_DAYS} 天以上（含 {FINISHED_DAYS} 天）。按“因专项工作组建的微信群在结束工作后应及时解散”，建议解散。\n"
        "- **群主不明**：工作群清单和成员名单里都没有群主。**群主已离开**：成员名单里已没有群主，"
        "或导入了干部名册而群主不在名册中。\n"
        f"- **接近人数上限**：人数达到上限 {s.max_group_members} 人的 {NEAR_LIMIT_PERCENT}%，即 {near} 人及以上；"
        f"超过 {s.max_group_members} 人为超限。\n\n"
        f"例：基准日 {as_of:%Y-%m-%d}，某群最后一条消息在 {last:%Y-%m-%d}，已沉默 {s.zombie_days} 天，是僵尸群。\n\n"
        "僵尸群天数和群人数上限在「群生命周期」页的“判断标准”里修改。"
    )
    return Section("僵尸群、已结束的专项群与人数上限", body, (WordList("专项群关键词", PROJECT_WORDS),))


def _overlap() -> Section:
    a, b, shared = EXAMPLE_OVERLAP
    union = a + b - shared
    jaccard, containment = shared / union, shared / min(a, b)
    verdict = "达到" if jaccard >= DEFAULT_THRESHOLD else "没有达到"
    body = (
        "按人比较两个群的成员（同一个人在不同群里的不同昵称已认成一个人）：\n\n"
        "- **重合度**（Jaccard）= 两群的共同成员数 ÷ 两群合计人数（同一人只算一次）；\n"
        "- **包含度** = 共同成员数 ÷ 较小那个群的人数。包含度为 100% 说明小群的人全在大群里；"
        "两群人数也一样，就是“成员完全相同”；\n"
        f"- **高度重合**：重合度不低于 {_num(DEFAULT_THRESHOLD)}（即 {_pct(DEFAULT_THRESHOLD)}）的群连成一组"
        "（「群重叠」页可以调这个标准）。\n\n"
        f"例：群甲 {a} 人，群乙 {b} 人，共同成员 {shared} 人 → 合计 {union} 人，重合度 {shared} ÷ {union} = "
        f"{_pct(jaccard)}，包含度 {shared} ÷ {min(a, b)} = {_pct(containment)}，{verdict}高度重合的标准。"
    )
    return Section("群重叠", body)


def _burden(s: Settings) -> Section:
    groups, per_day = EXAMPLE_BURDEN
    minutes = per_day * s.reading_seconds / 60
    body = (
        "- **干部**：导入了干部名册时，只算名册里的人（名册外的人员另列）；没有名册时，算所有人。\n"
        f"- **每人所在群数**：按最新的成员名单数；超过 {s.cap} 个群算“超过上限”。\n"
        "- **每天收到的消息** = 统计期内，他所在各群里别人发的消息合计 ÷ 统计期天数。同一条通知在他的几个群里"
        "各发一次就算几条；发送人不明的、非工作时间的、应急的都算。\n"
        f"- **每天阅读时间** = 每天收到的消息 × {_num(s.reading_seconds)} 秒 ÷ 60；"
        f"整合方案里的“每周阅读分钟”再乘以 {WEEK_DAYS} 天。\n\n"
        f"例：某干部在 {groups} 个群，别人每天在这些群里共发 {per_day} 条 → 每天约 {_num(minutes)} 分钟，"
        f"每周约 {_num(minutes * WEEK_DAYS)} 分钟。"
    )
    return Section("阅读负担", body)


def _plan(s: Settings) -> Section:
    ms = merge_settings(s)
    a_n, a_mpd, b_n, b_mpd, shared = EXAMPLE_MERGE
    score = score_pair(frozenset(range(a_n)), a_mpd, frozenset(range(a_n - shared, a_n - shared + b_n)), b_mpd,
                       reading_seconds=ms.reading_seconds)
    quiet = min(a_mpd, b_mpd)
    verdict = "建议合并" if score.pays else "不合并"
    sent, mentioned = EXAMPLE_RELEVANCE
    relevance = sent + mentioned + ROLE_BONUS + UNIT_BONUS + BASE
    body = (
        "**第一步：先定哪些群解散、哪些原样保留**（按顺序，先符合的为准）\n\n"
        "1. 锁定“保留”的群原样保留，不解散也不合并；锁定“解散”的群解散。\n"
        "2. 应急群保留，不合并（平时安静是正常的）。\n"
        "3. 僵尸群、已结束的专项群，建议解散。\n"
        "4. 没有聊天记录的群保留，不合并（算不出合并的代价）。\n\n"
        "**第二步：合并重合的群**\n\n"
        f"两个群的重合度达到 {_pct(ms.min_jaccard)}，或包含度达到 {_pct(ms.min_containment)}，才考虑合并；"
        f"合并后超过 {ms.max_members} 人的、设为“不要合并”的，不合并。按每天要看的消息条数打分：\n\n"
        "- **省下**：共同成员每人少进一个群，不再重复看较安静那个群的消息（共同成员数 × 较安静群每天的消息数）；"
        "两群都收到过的相同通知，每位共同成员少看一遍（共同成员数 × 两群每天共有的重复通知数）。\n"
        "- **多出**：只在一个群的人，要多看另一个群的消息（只在甲群的人数 × 乙群每天的消息数 + "
        "只在乙群的人数 × 甲群每天的消息数）。\n"
        f"- **净省** =（省下 − 多出）× {_num(ms.reading_seconds)} 秒。净省大于 0，"
        "或者谁也不用多看一条消息（成员完全相同，或并入一个不说话的小群）时，合并。\n\n"
        "先合并净省最多的一对，合并后的群再和其他群重新打分，直到没有值得合并的为止。"
        "合并就是把小群的人拉进大群、解散小群，沿用大群的名字和群主。\n\n"
        f"例：甲群 {a_n} 人、每天 {_num(a_mpd)} 条，乙群 {b_n} 人、每天 {_num(b_mpd)} 条，共同成员 {shared} 人 → "
        f"省下 {shared} × {_num(quiet)} = {_num(score.saved_membership_reads)} 条，"
        f"多出 {score.only_a} × {_num(b_mpd)} + {score.only_b} × {_num(a_mpd)} = {_num(score.added_irrelevant_reads)} 条，"
        f"净省 {_num(score.net_reads)} 条 × {_num(ms.reading_seconds)} 秒 = 每天 {_num(score.net_seconds)} 秒，{verdict}。\n\n"
        "**第三步：人工调整**：方案表里可以把任何一个群改为保留、合并（选并入哪个群）或解散，"
        f"后面的数字随之更新；调整后超过 {ms.max_members} 人的不能保存。\n\n"
        "**第四步：不落下一个人**：原来所在的群全部解散的干部，转入本单位人数最多的保留群"
        "（单位不明时转入人最多的群）。\n\n"
        f"**第五步：每人最多 {s.cap} 个群**（现行设置；「整合方案」页可以临时调整）。对超过 {s.cap} 个群的干部，"
        "由求解器（OR-Tools CP-SAT）决定各自留下哪几个群，必须同时满足：\n\n"
        "- 群主留在自己的群里；\n"
        "- 原来在某个群里有人的单位，调整后在这个群里仍至少有一人（工作有人对接）；\n"
        "- 设为“留在群里”的人，留在那个群里；\n"
        f"- 每人至少留一个群，最多 {s.cap} 个；\n"
        "- **分工对接**：某单位在某个群里的人都超过上限、都要退群时，可以由本单位一位还有空位的同事"
        f"（调整后不超过 {s.cap} 个群）进群接替；接替的人次尽量少，优先让群少的同事接替（可以关闭这一项）。\n\n"
        "满足这些要求后，尽量留下对本人最要紧的群。一个人在一个群的**要紧程度** = 本人在该群发的消息数 + "
        f"在该群被 @ 的次数 + {_num(ROLE_BONUS)}（是群主或管理员时）+ {_num(UNIT_BONUS)}（是本单位的群时）+ {_num(BASE)}。"
        f"例：在某群发过 {sent} 条、被 @ {mentioned} 次，是管理员，又是本单位的群 → "
        f"{sent} + {mentioned} + {_num(ROLE_BONUS)} + {_num(UNIT_BONUS)} + {_num(BASE)} = {_num(relevance)}。\n\n"
        "**排不下时**：方案不会硬排，而是写明是谁、哪些群、哪几条要求互相冲突"
        f"（例如某人是 {s.cap + 1} 个群的群主，每人最多 {s.cap} 个群就排不下），并给出能排下的最小群数。"
        "可以调高群数、解除锁定、更换群主，或先合并、解散一些群再算。\n\n"
        "**前后对比**：群数、入群人次、每人群数、超过上限的人数、每人每天要看的消息（中位数、90% 分位、最多），"
        f"以及全镇每周阅读分钟（每天要看的消息 × {_num(s.reading_seconds)} 秒 ÷ 60 × {WEEK_DAYS}）。"
        "合并后的群每天的消息数按各群相加，减去原来在几个群里重复转发的通知（合并后只发一次）。"
    )
    return Section("整合方案", body)


def _value(value: object) -> str:
    if value is None:
        return "未设置"
    if isinstance(value, dt.time):
        return _hm(value)
    if isinstance(value, list):
        if value and all(isinstance(v, dt.date) for v in value):
            return _dates(value)
        return "、".join(str(v) for v in value) if value else "未设置"
    if isinstance(value, float):
        return _num(value)
    return str(value)


def _parameters(s: Settings) -> Section:
    rows = tuple((field.description or name, _value(getattr(s, name))) for name, field in Settings.model_fields.items())
    body = "本工作区现行的全部设置。上面各节的数字都来自这里和程序的固定标准。"
    return Section("参数一览", body, table=Table(("设置", "现行值"), rows))


def sections(settings: Settings) -> list[Section]:
    """The 口径说明 page under ``settings``, in reading order."""
    return [
        _window(),
        _working_time(settings),
        _categories(),
        _duplicates(),
        _lifecycle(settings),
        _overlap(),
        _burden(settings),
        _plan(settings),
        _parameters(settings),
    ]
