"""Deterministic generator of a realistic sample township (青石镇) and benchmark message files.

``generate(out_dir)`` writes ~200 invented cadres, 34 work groups and ~90 days of messages in the
real export formats the importer reads (byte-faithful to ``shared/formats``): WeChatMsg v1/v2 CSV
and XLSX, PyWxDump 3.1 CSV + users.json, QQ 消息管理器 TXT, WeCom archive JSONL + groupchat JSON,
and the project's own CSV/XLSX templates (directory, group list, rosters, DingTalk messages).

Everything is driven by ``random.Random`` instances seeded from strings (never ``hash()``), sets
are never iterated for output, and files are written as streams day by day, so the same seed gives
byte-identical files and ``scale`` can grow the message volume to millions without building big
lists. ``generate_messages_csv`` writes one large WeChatMsg v2 CSV for import benchmarks.

All people, places and messages are invented.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import heapq
import itertools
import json
import math
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import chinese_calendar
import xlsxwriter

from core.names import normalise_name

TOWN = "青石镇"
DEFAULT_SEED = 20260301
DEFAULT_START = dt.date(2026, 3, 2)
UTC_OFFSET = 8 * 3600           # exports' local time is UTC+8
WECHAT_MAX_PAGE = 5000          # PyWxDump page size
RATE_FACTOR = 0.72              # global tuning of background events (keeps the committed sample small)

# ---------------------------------------------------------------------------------------------
# Name pools (with pinyin for WeCom userids, 微信号 and QQ mail addresses)
# ---------------------------------------------------------------------------------------------

_SURNAMES = (
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu "
    "胡hu 郭guo 何he 高gao 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han 冯feng 邓deng "
    "曹cao 彭peng 曾zeng 肖xiao 田tian 董dong 袁yuan 潘pan 蒋jiang 蔡cai 余yu 杜du 叶ye 程cheng "
    "苏su 魏wei 吕lv 丁ding 任ren 沈shen 姚yao 卢lu 姜jiang 崔cui 钟zhong 谭tan 陆lu 汪wang "
    "范fan 金jin 石shi 廖liao 贾jia 夏xia 韦wei 付fu 方fang 邹zou 熊xiong 秦qin 江jiang 尹yin "
    "薛xue 雷lei 龙long 史shi 陶tao 贺he 顾gu 毛mao 郝hao 龚gong 邵shao 严yan 向xiang 汤tang 欧阳ouyang"
)
_GIVEN_FIRST = (
    "建jian 国guo 志zhi 永yong 晓xiao 小xiao 秀xiu 海hai 春chun 文wen 德de 红hong 玉yu 桂gui "
    "佳jia 子zi 思si 雨yu 俊jun 家jia 明ming 光guang 立li 学xue 爱ai 美mei 金jin 振zhen 世shi "
    "宏hong 新xin 庆qing 雪xue 丽li 凤feng 云yun 天tian 开kai 兴xing"
)
_GIVEN_LAST = (
    "伟wei 华hua 明ming 军jun 平ping 勇yong 强qiang 磊lei 洋yang 涛tao 杰jie 斌bin 超chao 辉hui "
    "刚gang 健jian 峰feng 亮liang 鹏peng 飞fei 波bo 宇yu 浩hao 文wen 海hai 成cheng 德de 兵bing "
    "林lin 东dong 芳fang 娟juan 敏min 静jing 丽li 艳yan 霞xia 燕yan 玲ling 婷ting 梅mei 琴qin "
    "慧hui 莉li 萍ping 雪xue 英ying 兰lan 凤feng 佳jia 欣xin 雅ya 倩qian 洁jie 蓉rong 丹dan "
    "颖ying 瑶yao 荣rong 贵gui 福fu 生sheng 山shan 松song 江jiang 鑫xin 琳lin 娜na 红hong 梁liang"
)


def _pairs(spec: str) -> list[tuple[str, str]]:
    out = []
    for token in spec.split():
        han = "".join(ch for ch in token if "\u4e00" <= ch <= "\u9fff")
        out.append((han, token[len(han):]))
    return out


SURNAMES = _pairs(_SURNAMES)
GIVEN_FIRST = _pairs(_GIVEN_FIRST)
GIVEN_LAST = _pairs(_GIVEN_LAST)
# The most common surnames are drawn more often.
_SURNAME_WEIGHTS = [6 if i < 10 else 3 if i < 30 else 1 for i in range(len(SURNAMES))]

_FEMALE = frozenset("芳娟敏静丽艳霞燕玲婷梅琴慧莉萍雪英兰凤佳欣雅倩洁蓉丹颖瑶琳娜")
_NICK_PHRASES = (
    "平安是福", "静待花开", "山水之间", "阳光总在风雨后", "淡定", "知足常乐", "岁月静好", "一路向前",
    "守望", "天道酬勤", "清风徐来", "向阳而生", "初心", "晴天", "海阔天空", "简单就好", "青石人",
    "上善若水", "难得糊涂", "踏实做事", "心安", "好运来", "大山的孩子", "宁静致远",
)

# ---------------------------------------------------------------------------------------------
# The township
# ---------------------------------------------------------------------------------------------

LEADER_UNIT = "镇领导班子"
LEADER_POSTS = (
    ("secretary", "党委书记", "书记"),
    ("mayor", "党委副书记、镇长", "镇长"),
    ("deputy", "党委副书记", "书记"),
    ("renda", "人大主席", "主席"),
    ("jiwei", "党委委员、纪委书记", "书记"),
    ("vm_econ", "党委委员、副镇长", "镇长"),
    ("vm_social", "副镇长", "镇长"),
    ("vm_build", "党委委员、副镇长", "镇长"),
    ("vm_agri", "副镇长", "镇长"),
    ("org", "党委委员、组织委员", "委员"),
    ("prop", "党委委员、宣传统战委员", "委员"),
    ("armed", "党委委员、武装部长", "部长"),
)

# (key, full unit name, short name used as nickname prefix or None, positions)
OFFICES = (
    ("dzb", "党政综合办公室", "党政办", ["主任", "副主任", "文秘", "档案员", "信息员", "后勤管理员",
                                         "驾驶员", "办事员", "机要员", "办事员"]),
    ("djb", "党建工作办公室", "党建办", ["主任", "副主任", "组织干事", "宣传干事", "党务专干", "团委书记",
                                         "妇联主席"]),
    ("jfb", "经济发展办公室", "经发办", ["主任", "副主任", "统计员", "统计员", "招商专干", "安全监管员",
                                         "科员", "科员"]),
    ("ssb", "社会事务办公室", "社事办", ["主任", "副主任", "民政专干", "社保专干", "医保专干",
                                         "残联专干", "退役军人专干", "卫健专干", "科员", "科员"]),
    ("zzb", "综合治理办公室（平安办）", "综治办", ["主任", "副主任", "综治专干", "信访专干", "网格管理员",
                                                 "应急专干", "禁毒专干", "科员", "科员"]),
    ("gjb", "自然资源和规划建设办公室", "规建办", ["主任", "副主任", "村镇建设专干", "环境整治专干",
                                                 "国土专干", "科员", "科员"]),
    ("czs", "财政所", "财政所", ["所长", "副所长", "会计", "出纳", "农经专干"]),
    ("jw", "镇纪委", "纪委", ["纪委副书记", "纪检干事", "纪检干事"]),
    ("nfzx", "农业农村综合服务中心", "农服中心", ["主任", "副主任", "农技员", "林业专干", "水利专干",
                                                 "畜牧兽医员", "乡村振兴专干"]),
)

STATIONED = (
    ("pcs", "青石派出所", "派出所", ["所长", "社区民警", "辅警"]),
    ("wsy", "青石镇卫生院", "卫生院", ["院长", "公卫科长", "护士长"]),
    ("sfs", "青石司法所", "司法所", ["所长", "司法助理员"]),
    ("lyz", "青石林业站", "林业站", ["站长", "护林员"]),
    ("gds", "青石供电所", "供电所", ["所长", "安全员"]),
    ("scjg", "青石市场监管所", "市场监管所", ["所长", "监管员"]),
    ("zyzs", "青石自然资源所", "自然资源所", ["所长", "国土员"]),
    ("zxx", "青石镇中心学校", None, ["校长", "安全办主任"]),
)

# (key, name, number of handlers besides the secretary)
VILLAGES = (
    ("shiqiao", "石桥村", 10), ("liuwan", "柳湾村", 8), ("daping", "大坪村", 10),
    ("hekou", "河口社区", 6), ("qingshi", "青石社区", 8), ("yangjia", "杨家庄村", 7),
    ("songlin", "松林村", 10), ("maan", "马鞍村", 5), ("baishui", "白水村", 8),
    ("xinmin", "新民村", 4), ("longtang", "龙塘村", 9), ("taoyuan", "桃园村", 6),
)
VILLAGE_POSTS = ["村委会主任", "村文书", "网格员", "网格员", "报账员", "妇联主席", "网格员",
                 "监委会主任", "网格员", "民兵连长"]


@dataclass
class Person:
    pid: int
    name: str
    unit: str
    short: str | None           # unit prefix used in nicknames (None: never prefixed)
    position: str
    leader: bool
    kind: str                    # leader | office | village | stationed | former | outsider
    key: str = ""                # role key: leader post, office key, village key
    title: str = ""              # how subordinates address a leader (书记, 镇长 …)
    pinyin: tuple[str, str] = ("", "")
    wxid: str = ""
    alias: str = ""              # 微信号
    nickname: str = ""           # WeChat nickname
    remark: str = ""             # the exporter's contact remark (v1 Remark, users.json remark)
    gender: int = 1
    qq: str = ""
    wecom: str = ""
    in_directory: bool = True
    young: bool = False


def _random_wxid(rng: random.Random) -> str:
    chars = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "wxid_" + "".join(rng.choice(chars) for _ in range(12)) + rng.choice(["12", "22", "21", "11"])


class Town:
    """People of the township and their accounts."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"{seed}:people")
        self.rng = rng
        self.people: list[Person] = []
        self._used_names: set[str] = set()
        self._used_userids: set[str] = set()
        self.leaders: dict[str, Person] = {}
        self.offices: dict[str, list[Person]] = {}
        self.stationed: dict[str, list[Person]] = {}
        self.villages: dict[str, list[Person]] = {}     # [secretary, handlers…]
        self.village_names: dict[str, str] = {}
        for key, post, title in LEADER_POSTS:
            p = self._add(LEADER_UNIT, None, post, True, "leader", key)
            p.title = title
            self.leaders[key] = p
        for key, unit, short, posts in OFFICES:
            self.offices[key] = [self._add(unit, short, pos, False, "office", key) for pos in posts]
        for key, name, n in VILLAGES:
            self.village_names[key] = name
            sec_post = "社区党委书记" if name.endswith("社区") else "村党支部书记"
            people = [self._add(name, name, sec_post, False, "village", key)]
            people += [self._add(name, name, VILLAGE_POSTS[i], False, "village", key) for i in range(n)]
            self.villages[key] = people
        for key, unit, short, posts in STATIONED:
            self.stationed[key] = [self._add(unit, short, pos, False, "stationed", key) for pos in posts]
        # A former cadre (transferred to the county) who still owns a project group, and two
        # outsiders who sit in work groups: none of them is in the directory.
        self.former = self._add("自然资源和规划建设办公室", "规建办", "原主任（已调县农业农村局）", False,
                                "former", "gjb")
        self.former.in_directory = False
        self.bank = self._add("青石农商银行", None, "客户经理", False, "outsider", "bank")
        self.bank.in_directory = False
        self.bank.wecom = "wm" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                                         for _ in range(25))
        self.contractor = self._add("县路桥建设公司", None, "项目经理", False, "outsider", "contractor")
        self.contractor.in_directory = False
        # Young cadres (for the study group): office staff past the first two posts.
        for key, staff in self.offices.items():
            for i, p in enumerate(staff):
                p.young = i >= 2 and rng.random() < 0.6
        self.by_name = {p.name: p for p in self.people}
        # WeChat nicknames are not shared between people and never equal someone else's name, so
        # every clash the identity page shows is a real one (name variants), not generator noise.
        taken: set[str] = set()
        for p in self.people:
            if p.nickname in taken or (p.nickname in self.by_name and p.nickname != p.name):
                p.nickname = p.name
            taken.add(p.nickname)

    # -- construction helpers ----------------------------------------------------------------
    def _new_name(self) -> tuple[str, tuple[str, str], int]:
        rng = self.rng
        while True:
            sur, sur_py = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
            if rng.random() < 0.3 and len(sur) == 1:
                given = [rng.choice(GIVEN_LAST)]
            else:
                given = [rng.choice(GIVEN_FIRST), rng.choice(GIVEN_LAST)]
            name = sur + "".join(g[0] for g in given)
            if name in self._used_names or normalise_name(name) != name or given[-1][0] == sur:
                continue
            self._used_names.add(name)
            gender = 2 if given[-1][0] in _FEMALE else 1
            return name, (sur_py, "".join(g[1] for g in given)), gender

    def _add(self, unit: str, short: str | None, position: str, leader: bool, kind: str,
             key: str) -> Person:
        rng = self.rng
        name, py, gender = self._new_name()
        p = Person(pid=len(self.people) + 1, name=name, unit=unit, short=short, position=position,
                   leader=leader, kind=kind, key=key, pinyin=py, gender=gender)
        # WeChat account: most have a generated wxid, older accounts a self-chosen one.
        year = rng.randint(1968, 2000)
        initials = py[0] + "".join(s[0] for s in _split_syllables(py[1]))
        if rng.random() < 0.15:
            p.wxid = f"{py[0]}{py[1]}{year % 100:02d}"
        else:
            p.wxid = _random_wxid(rng)
        if rng.random() < 0.5:
            p.alias = rng.choice([f"{initials}{year}", f"qs_{py[0]}{py[1][:4]}", f"{py[0]}{py[1]}_{rng.randint(1, 99)}"])
        r = rng.random()
        if r < 0.3:
            p.nickname = name
        elif r < 0.5:
            p.nickname = name[-2:] if len(name) == 3 else name
        elif r < 0.6:
            p.nickname = "老" + name[0] if kind == "leader" or rng.random() < 0.5 else name[1:]
        else:
            p.nickname = rng.choice(_NICK_PHRASES)
        # The exporter's contact remark: the real name, sometimes with the unit joined by "_"
        # (WeChatMsg replaces spaces in remarks with "_").
        if short and rng.random() < 0.2 and normalise_name(f"{name}_{short}") == name:
            p.remark = f"{name}_{short}"
        else:
            p.remark = name
        userid = py[0].capitalize() + "".join(s.capitalize() for s in _split_syllables(py[1]))
        base = userid
        n = 2
        while userid in self._used_userids:
            userid = f"{base}{n}"
            n += 1
        self._used_userids.add(userid)
        p.wecom = userid
        p.qq = str(rng.randint(100_000_000, 3_999_999_999))
        self.people.append(p)
        return p

    # -- selections ----------------------------------------------------------------------------
    def village_role(self, vkey: str, *posts: str) -> list[Person]:
        return [p for p in self.villages[vkey][1:] if p.position in posts]

    def all_village(self, *posts: str) -> list[Person]:
        out: list[Person] = []
        for vkey, _, _ in VILLAGES:
            out += self.village_role(vkey, *posts)
        return out

    def secretaries(self) -> list[Person]:
        return [self.villages[v][0] for v, _, _ in VILLAGES]

    def clerk(self, vkey: str) -> Person:
        """村文书 of a village."""
        return self.village_role(vkey, "村文书")[0]

    def accountant(self, vkey: str) -> Person:
        got = self.village_role(vkey, "报账员")
        return got[0] if got else self.clerk(vkey)

    @property
    def directory(self) -> list[Person]:
        return [p for p in self.people if p.in_directory]


def _split_syllables(py: str) -> list[str]:
    """Split concatenated pinyin of a given name back into syllables (pools are known)."""
    sylls = sorted({s for _, s in GIVEN_FIRST + GIVEN_LAST}, key=len, reverse=True)
    out = []
    rest = py
    while rest:
        for s in sylls:
            if rest.startswith(s):
                out.append(s)
                rest = rest[len(s):]
                break
        else:
            out.append(rest)
            break
    return out


# ---------------------------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------------------------

@dataclass
class Group:
    gid: int
    key: str
    name: str
    platform: str                # 微信 | QQ | 企业微信 | 钉钉
    category: str                # 综合 | 专项 | 村级 | 项目 | 临时 | 科室
    unit: str
    owner: Person
    members: list[Person]
    msg_format: str | None       # wechatmsg_v2 | wechatmsg_v1 | wechatmsg_xlsx | pywxdump | qq_txt | wecom | dingtalk | None
    roster: str | None           # roster file key, or None
    rate: float                  # background events per workday at scale 1
    profile: str                 # event mix: gov | leaders | office | task | village | study | canteen | emergency
    topics: tuple[str, ...]
    emergency: bool = False
    unit_nick: float = 0.3       # share of members whose group nickname carries their unit
    active_from: int = 0         # day index
    active_to: int | None = None  # last active day index (inclusive), None = whole period
    created: dt.date = DEFAULT_START
    notes: str = ""
    platform_id: str = ""
    admins: list[Person] = field(default_factory=list)
    nick: dict[int, str] = field(default_factory=dict)   # pid -> group nickname

    def nickname(self, p: Person) -> str:
        return self.nick.get(p.pid, p.name)


GOV_TOPICS = ("2026年第一季度安全生产大检查", "基层减负专项整治", "春季森林防火", "农村人居环境整治",
              "城乡居民医保征缴", "低保对象动态复核", "耕地保护田长制巡查", "防汛备汛", "信访积案化解",
              "燃气安全隐患排查", "文明城市创建", "高龄津贴资格认证", "退役军人信息采集", "党员春训",
              "网格员业务培训", "自建房安全排查", "防范电信网络诈骗宣传")


def build_groups(town: Town, seed: int, start: dt.date) -> list[Group]:
    rng = random.Random(f"{seed}:groups")
    L = town.leaders
    O = town.offices
    S = town.stationed
    V = town.villages
    secs = town.secretaries()
    vkeys = [v for v, _, _ in VILLAGES]

    def uniq(*lists: Iterable[Person]) -> list[Person]:
        seen: dict[int, Person] = {}
        for lst in lists:
            for p in lst:
                seen.setdefault(p.pid, p)
        return sorted(seen.values(), key=lambda p: p.pid)

    def some(people: list[Person], k: int) -> list[Person]:
        return rng.sample(people, min(k, len(people)))

    all_leaders = list(L.values())
    all_office = [p for staff in O.values() for p in staff]
    all_stationed = [p for staff in S.values() for p in staff]
    heads = [O[k][0] for k in O]            # office heads
    grid = town.all_village("网格员")
    clerks = [town.clerk(v) for v in vkeys]
    chairs = town.all_village("村委会主任")
    women = town.all_village("妇联主席")

    groups: list[Group] = []

    def add(key: str, name: str, members: list[Person], owner: Person, **kw: Any) -> Group:
        members = uniq([owner], members)
        g = Group(gid=len(groups) + 1, key=key, name=name, owner=owner, members=members,
                  platform=kw.pop("platform", "微信"), **kw)
        groups.append(g)
        return g

    d = lambda y, m, dd: dt.date(y, m, dd)  # noqa: E731
    # 1 the big government group: nearly everyone (some grid workers and stationed staff are not in it)
    village_people = [p for v in vkeys for p in V[v]]
    big_members = uniq(all_leaders, all_office, [p for p in village_people if p.position != "网格员"],
                       some(grid, len(grid) // 2), some(all_stationed, 9))
    add("gov", f"{TOWN}政府工作群", big_members, O["dzb"][0], msg_format="wechatmsg_v2", roster="gbk",
        rate=5, profile="gov", topics=GOV_TOPICS, category="综合", unit="党政综合办公室", unit_nick=0.8,
        created=d(2019, 6, 12), admins=[O["dzb"][1], O["dzb"][2]])
    add("leaders", f"{TOWN}班子成员群", all_leaders + [O["dzb"][0]], O["dzb"][0], msg_format="wechatmsg_v2",
        roster="tmpl_xlsx_leaders", rate=5, profile="leaders", topics=GOV_TOPICS, category="综合",
        unit="党政综合办公室", unit_nick=0.0, created=d(2021, 9, 3))
    add("dzb", "党政办工作群", O["dzb"] + [L["deputy"], L["mayor"]], O["dzb"][0], msg_format="wechatmsg_xlsx",
        roster=None, rate=5, profile="office", topics=("公文流转", "值班安排", "会议筹备", "督查督办", "档案整理"),
        category="科室", unit="党政综合办公室", created=d(2020, 3, 16))
    add("djb", "党建办工作群", O["djb"] + [L["org"], L["prop"]] + secs, O["djb"][0], msg_format="wechatmsg_v2",
        roster="tmpl_csv", rate=5, profile="office",
        topics=("党员春训", "三会一课", "党费收缴", "发展党员", "主题党日活动", "党建阵地建设"),
        category="科室", unit="党建工作办公室", created=d(2020, 5, 8))
    add("jfb", "经济发展办工作群", O["jfb"] + [L["vm_econ"]], O["jfb"][0], msg_format="wechatmsg_v2",
        roster="tmpl_csv", rate=3, profile="office", topics=("规上企业统计", "招商引资", "企业安全生产", "项目入库"),
        category="科室", unit="经济发展办公室", created=d(2021, 2, 20))
    add("ssb", "社会事务办工作群", O["ssb"] + [L["vm_social"]], O["ssb"][0], msg_format="wechatmsg_v1",
        roster="tmpl_csv", rate=4, profile="office", topics=("低保对象动态复核", "城乡居民医保征缴",
                                                             "高龄津贴资格认证", "残疾人两项补贴", "退役军人信息采集"),
        category="科室", unit="社会事务办公室", created=d(2020, 8, 1))
    add("zzb", "综治办工作群", O["zzb"] + [L["deputy"]] + S["pcs"] + S["sfs"], O["zzb"][0],
        msg_format="wechatmsg_v2", roster="gbk", rate=4, profile="office",
        topics=("矛盾纠纷排查", "信访积案化解", "平安建设宣传", "禁毒宣传", "重点人员管控"),
        category="科室", unit="综合治理办公室（平安办）", unit_nick=0.6, created=d(2020, 4, 2))
    add("gjb", "规划建设办工作群", O["gjb"] + [L["vm_build"]] + S["zyzs"], O["gjb"][0],
        msg_format="wechatmsg_xlsx", roster=None, rate=3, profile="office",
        topics=("自建房安全排查", "农房审批", "违法占地整治", "耕地保护田长制巡查"),
        category="科室", unit="自然资源和规划建设办公室", created=d(2021, 7, 9))
    fin_members = O["czs"] + [L["mayor"]] + [town.accountant(v) for v in vkeys] + [town.bank]
    g = add("fin", "财政报账工作群", fin_members, O["czs"][0], platform="企业微信", msg_format="wecom",
            roster="wecom", rate=1.6, profile="task", topics=("村级财务报账", "三资管理", "惠农补贴发放", "项目资金支付"),
            category="专项", unit="财政所", unit_nick=0.5, created=d(2022, 11, 15), admins=[O["czs"][1]])
    g.platform_id = "wr" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                                   for _ in range(30))
    add("dibao", "低保救助工作群", O["ssb"][:4] + [L["vm_social"]] + clerks + some(women, 6), O["ssb"][2],
        msg_format="wechatmsg_v2", roster="tmpl_csv", rate=3, profile="task",
        topics=("低保对象动态复核", "临时救助", "特困供养", "低保年审"), category="专项", unit="社会事务办公室",
        created=d(2022, 3, 1))
    add("stats", "统计工作群", O["jfb"][2:4] + [O["jfb"][0]] + clerks, O["jfb"][2], msg_format="wechatmsg_v1",
        roster=None, rate=2, profile="task", topics=("农业产值统计", "人口抽样调查", "规上企业月报", "住户调查"),
        category="专项", unit="经济发展办公室", created=d(2021, 5, 10),
        notes="无成员名单（只有聊天记录）")
    # 12/13/14: near-duplicate pair and a subset group
    env_a = uniq(O["gjb"], [L["vm_build"], L["mayor"]], secs,
                 [p for v in vkeys for p in some(town.village_role(v, "村委会主任", "网格员", "监委会主任"), 2)])
    env_drop = some([p for p in env_a if p.kind == "village" and p not in secs], 3)
    env_add = some([p for p in town.all_village("网格员", "妇联主席") if p not in env_a], 2)
    env_b = [p for p in env_a if p not in env_drop] + env_add
    add("env", "人居环境整治工作群", env_a, O["gjb"][0], msg_format="wechatmsg_v2", roster="tmpl_xlsx",
        rate=2.5, profile="task", topics=("农村人居环境整治", "垃圾分类", "厕所革命", "村庄清洁行动", "河道清理"),
        category="专项", unit="自然资源和规划建设办公室", unit_nick=0.6, created=d(2022, 4, 18))
    add("env2", "人居环境整治推进群", env_b, L["vm_build"], msg_format="wechatmsg_v2", roster="tmpl_xlsx",
        rate=1.5, profile="task", topics=("农村人居环境整治", "村庄清洁行动", "积分超市"), category="专项",
        unit="自然资源和规划建设办公室", unit_nick=0.6, created=d(2024, 3, 5))
    insp = [L["vm_build"], L["mayor"], O["gjb"][0], O["gjb"][3]] + some([p for p in env_a if p in secs], 4)
    add("env_insp", "人居环境督查小组", insp, O["gjb"][3], msg_format="wechatmsg_v2", roster="tmpl_xlsx",
        rate=1.5, profile="task", topics=("人居环境督查", "整改销号"), category="临时",
        unit="自然资源和规划建设办公室", created=d(2025, 10, 9))
    add("grid", "网格化管理工作群", O["zzb"][:5] + [L["deputy"]] + grid, O["zzb"][4], platform="钉钉",
        msg_format="dingtalk", roster="tmpl_xlsx", rate=2.5, profile="task",
        topics=("网格巡查", "矛盾纠纷排查", "出租房屋登记", "重点人员走访"), category="专项",
        unit="综合治理办公室（平安办）", created=d(2023, 2, 14))
    g = add("safety", "安全生产工作群", [L["vm_build"], L["mayor"]] + O["zzb"][:3] + O["jfb"][5:6] + secs
            + S["pcs"][:1] + S["gds"] + S["scjg"], O["zzb"][5], msg_format="pywxdump", roster="tmpl_csv",
            rate=3, profile="task", topics=("安全生产大检查", "燃气安全隐患排查", "道路交通安全", "消防安全"),
            category="专项", unit="综合治理办公室（平安办）", unit_nick=0.5, created=d(2021, 3, 22))
    g.platform_id = f"{rng.randint(20_000_000_000, 49_999_999_999)}@chatroom"
    add("flood", f"{TOWN}防汛应急指挥群", [L["secretary"], L["mayor"], L["vm_agri"], L["vm_build"], L["armed"]]
        + O["nfzx"] + O["zzb"][:2] + secs + chairs, L["vm_agri"], msg_format="wechatmsg_v2", roster="gbk",
        rate=1.5, profile="emergency", topics=("防汛备汛", "汛期值班", "山塘水库巡查", "地质灾害隐患点巡查"),
        category="应急", unit="农业农村综合服务中心", emergency=True, unit_nick=0.7, created=d(2020, 6, 1))
    g = add("forest", "森林防火工作群", O["nfzx"][:5] + S["lyz"] + [L["vm_agri"], L["armed"]] + secs
            + town.all_village("民兵连长"), O["nfzx"][3], msg_format="wechatmsg_v1", roster="tmpl_csv", rate=3,
            profile="task", topics=("春季森林防火", "野外用火管控", "护林员巡山", "防火宣传"), category="专项",
            unit="农业农村综合服务中心", created=d(2021, 1, 25))
    g.platform_id = f"{rng.randint(20_000_000_000, 49_999_999_999)}@chatroom"
    add("medins", "医保征缴工作群", O["ssb"][:3] + O["ssb"][4:5] + S["wsy"][:2] + clerks + some(women, 5),
        O["ssb"][4], msg_format="wechatmsg_v2", roster="tmpl_xlsx", rate=3, profile="task",
        topics=("城乡居民医保征缴", "医保电子凭证激活", "大病保险"), category="专项", unit="社会事务办公室",
        created=d(2023, 9, 1))
    add("vaccine", "疫苗接种工作群", S["wsy"] + O["ssb"][7:8] + O["ssb"][:1] + women + some(grid, 6),
        S["wsy"][1], msg_format="wechatmsg_v2", roster="tmpl_xlsx", rate=2, profile="task",
        topics=("老年人疫苗接种", "适龄儿童查漏补种", "流感疫苗接种"), category="专项", unit="青石镇卫生院",
        created=d(2021, 4, 6))
    add("rural", "乡村振兴工作群", O["nfzx"] + O["jfb"][:2] + [L["vm_agri"], L["secretary"]] + secs,
        O["nfzx"][6], msg_format="wechatmsg_v2", roster="tmpl_xlsx", rate=3, profile="task",
        topics=("防返贫动态监测", "产业项目申报", "衔接资金项目", "农村集体经济"), category="专项",
        unit="农业农村综合服务中心", created=d(2021, 6, 18))
    add("secs", "村（社区）书记工作群", secs + [L["secretary"], L["org"], O["djb"][0]], O["djb"][0],
        msg_format="wechatmsg_v2", roster="tmpl_csv", rate=3, profile="task", topics=GOV_TOPICS, category="综合",
        unit="党建工作办公室", unit_nick=0.9, created=d(2020, 1, 6))
    # village groups: the village, its leader and its liaison cadre
    liaison_leaders = ["vm_econ", "vm_social", "vm_build", "vm_agri", "org", "prop", "armed", "renda",
                       "deputy", "jiwei", "vm_econ", "vm_social"]
    village_groups = (("shiqiao", "石桥村工作群", "wechatmsg_v2", "tmpl_csv"),
                      ("liuwan", "柳湾村网格员群", "qq_txt", "qq"),
                      ("daping", "大坪村两委工作群", "wechatmsg_xlsx", None),
                      ("hekou", "河口社区工作群", "wechatmsg_v2", "tmpl_csv"),
                      ("qingshi", "青石社区工作群", "wechatmsg_v2", "tmpl_csv"),
                      ("yangjia", "杨家庄村工作群", "wechatmsg_v2", "tmpl_csv"))
    for vkey, gname, fmt, roster in village_groups:
        i = vkeys.index(vkey)
        liaison = all_office[(i * 7 + 3) % len(all_office)]
        g = add("v_" + vkey, gname, V[vkey] + [L[liaison_leaders[i]], liaison], V[vkey][0],
                platform="QQ" if fmt == "qq_txt" else "微信", msg_format=fmt, roster=roster, rate=4,
                profile="village", topics=("网格巡查", "人居环境整治", "医保征缴", "防汛巡查", "低保复核",
                                           "党员活动"), category="村级", unit=town.village_names[vkey],
                unit_nick=0.1, created=d(2019 + i % 5, 1 + i, 10 + i))
        if fmt == "qq_txt":
            g.platform_id = str(rng.randint(600_000_000, 999_999_999))
            # one member is shown with a mail address instead of a QQ number (classic QQ does that)
            mailer = V[vkey][3]
            mailer.qq = f"{mailer.pinyin[0]}{mailer.pinyin[1]}_qs@163.com"
            g.notes = "QQ群"
    # finished project groups (silent for more than 30 days at the end)
    add("census", "经济普查入户登记群", O["jfb"][:4] + clerks + some(grid, 8), O["jfb"][0],
        msg_format="wechatmsg_v2", roster="tmpl_xlsx", rate=5, profile="task",
        topics=("经济普查入户登记", "普查数据审核", "清查底册核对"), category="项目", unit="经济发展办公室",
        active_to=18, created=d(2025, 11, 3), notes="普查登记已结束")
    add("farmland", "高标准农田建设项目群", O["nfzx"][:3] + [L["vm_agri"], town.former, town.contractor]
        + [V[v][0] for v in ("songlin", "maan", "baishui", "longtang")], town.former, msg_format="wechatmsg_v2",
        roster="tmpl_xlsx", rate=3, profile="task", topics=("高标准农田建设", "工程进度", "土地平整", "验收资料"),
        category="项目", unit="农业农村综合服务中心", active_to=39, created=d(2025, 9, 15),
        notes="项目已完工；原群主已调离")
    add("trees", "春季植树造林活动群", O["nfzx"][2:5] + S["lyz"] + [L["vm_agri"]] + some(secs, 6), O["nfzx"][3],
        msg_format="wechatmsg_v2", roster="tmpl_xlsx", rate=4, profile="task",
        topics=("义务植树", "苗木调运", "造林验收"), category="临时", unit="农业农村综合服务中心", active_to=12,
        created=d(2026, 2, 24))
    # roster only: no export was collected
    add("petition", "信访维稳工作群", O["zzb"][:4] + [L["deputy"], L["jiwei"]] + S["pcs"] + S["sfs"] + secs,
        O["zzb"][3], msg_format=None, roster="gbk", rate=0, profile="task", topics=(), category="专项",
        unit="综合治理办公室（平安办）", created=d(2020, 9, 9), notes="未导出聊天记录")
    young = [p for p in all_office if p.young]
    add("youth", "青年干部学习交流群", young + [O["djb"][5], L["prop"]], O["djb"][5], msg_format="wechatmsg_v2",
        roster="tmpl_csv", rate=3, profile="study", topics=("青年理论学习", "读书分享", "业务技能比武"),
        category="其他", unit="党建工作办公室", created=d(2022, 5, 4))
    add("canteen", "机关食堂及后勤通知群", all_leaders + all_office, O["dzb"][5], msg_format="wechatmsg_v2",
        roster="tmpl_csv", rate=2, profile="canteen", topics=("食堂就餐", "车辆使用", "办公用品领用"),
        category="其他", unit="党政综合办公室", created=d(2019, 10, 8))

    assert len(groups) == 34, len(groups)
    for g in groups:
        if g.msg_format in ("wechatmsg_v1", "pywxdump") and not g.platform_id:
            g.platform_id = f"{rng.randint(20_000_000_000, 49_999_999_999)}@chatroom"
    # Group nicknames: per (person, group), stable.
    for g in groups:
        grng = random.Random(f"{seed}:nick:{g.key}")
        for p in g.members:
            r = grng.random()
            if p.short and r < g.unit_nick:
                variant = f"{p.short}-{p.name}" if grng.random() < 0.85 else f"{p.name}（{p.short}）"
            elif p.kind == "outsider":
                variant = {"bank": f"农商行{p.name}", "contractor": f"{p.name}（施工方）"}[p.key]
            else:
                variant = p.name
            if normalise_name(variant) != p.name and p.kind != "outsider":
                variant = p.name
            g.nick[p.pid] = variant
    return groups


# ---------------------------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------------------------

def day_kind(day: dt.date) -> str:
    """'work', 'weekend' or 'holiday' per the official calendar (Mon–Fri outside its years)."""
    try:
        if chinese_calendar.is_workday(day):
            return "work"
        _, name = chinese_calendar.get_holiday_detail(day)
        return "holiday" if name else "weekend"
    except NotImplementedError:
        return "work" if day.weekday() < 5 else "weekend"


# ---------------------------------------------------------------------------------------------
# Message texts
# ---------------------------------------------------------------------------------------------

ACKS = ("收到", "收到", "收到", "收到", "收到！", "好的", "已阅", "1", "收到收到", "收到[强]", "好的，收到",
        "收到，马上落实", "收到，按时报送", "收到[抱拳]", "已收到")
FLATTERY = ("[玫瑰][玫瑰][玫瑰]", "[强][强][强]", "[鼓掌][鼓掌]", "领导辛苦了！", "{title}辛苦了[玫瑰]",
            "感谢{title}关心[抱拳]", "向{title}学习！", "[赞][赞][赞]", "{title}辛苦了，注意休息", "[玫瑰]",
            "[鼓掌][鼓掌][鼓掌]", "{title}英明！")
NOTICES = (
    "【通知】请各村（社区）于{deadline}前报送{topic}工作台账，逾期未报的将在周例会上通报。",
    "关于开展{topic}工作的通知：请各村（社区）、各办所高度重视，务必于{deadline}前完成，并将情况报送{office}。",
    "@所有人 接县里通知，{topic}工作{deadline}截止，请各村抓紧报送，务必按时完成！",
    "请各村（社区）支部书记于{meet}到镇三楼会议室参加{topic}工作推进会，不得请假。",
    "各位：{topic}进度表已发群里，请各村对照本村情况于{deadline}前完成填报并报送{office}。",
    "@所有人 请各村务必于今天下班前报送{topic}有关数据，截止时间不再延长。",
    "通知：明天上午县{county}来我镇督查{topic}工作，请各村做好准备，务必确保资料齐全。",
    "请各位于{deadline}前在系统中完成{topic}信息录入，{office}将逐村核对。",
)
LEADER_POSTS_TEXT = (
    "今天检查发现部分村{topic}工作还不到位，请各村立即整改，明天我再去看。",
    "各位辛苦了，近期任务重，大家克服困难，再接再厉！",
    "{topic}是当前重点工作，各分管领导要亲自抓、亲自督，确保按时完成。",
    "明天上午县里来督查{topic}，请各村提前做好准备。",
    "今晚还在加班的同志们辛苦了！",
    "这段时间大家辛苦了，{topic}工作得到县里肯定，继续保持。",
    "请分管领导牵头，把{topic}存在的问题梳理一下，周一班子会上研究。",
)
CHECKIN_REQUESTS = (
    "请各网格员拍照上传今日巡查情况。",
    "请各村拍照上传{topic}整改前后对比照片，今天下班前打卡。",
    "今日打卡：请各位上传在岗照片。",
    "请各村将{topic}宣传横幅悬挂情况拍照上传。",
    "请大家拍照上传入户走访照片，作为工作留痕。",
)
CHECKIN_TEXTS = ("{village}已完成", "已巡查，情况正常", "今日巡查完毕，无异常", "已整改到位", "{village}已上传",
                 "已打卡")
CHAT = (
    ("{topic}的表格模板在哪里下载？", "在群文件里，我再发一次"),
    ("下午几点开会？", "三点，三楼会议室"),
    ("今天的台账报了吗？", "已经报了"),
    ("系统登不上去，有人遇到吗？", "我这边也是，等会再试试"),
    ("这个数据口径是按户还是按人？", "按户统计"),
    ("{village}的材料还差两户，明天补齐", "好的，抓紧"),
    ("表格第三列怎么填？", "填身份证号，18位"),
    ("{topic}的截止时间是哪天？", "本周五下班前"),
    ("车今天谁在用？下午要下村", "我上午用，中午还回来"),
    ("复印机又卡纸了", "我去看看"),
    ("{village}有两户情况特殊，需要上门核实", "我下午和你一起去"),
)
SHORT = ("好的", "谢谢", "[抱拳]", "明白", "辛苦了", "好", "嗯嗯", "[OK]", "知道了", "没问题")
MORNING = ("早上好！", "大家早上好[太阳]", "早安[太阳][太阳]", "新的一天，加油！", "早上好，今天降温，注意添衣保暖。")
CANTEEN = ("今天中午食堂：红烧肉、清炒时蔬、番茄蛋汤。", "明天食堂早餐有包子和豆浆。",
           "本周五中午食堂停餐一次，请大家自行安排。", "请各办所于本周四前报下周就餐人数。",
           "今天下午两点停水，请大家提前接好水。", "车辆使用请提前一天在后勤登记。")
ARTICLES = (
    ("基层减负，指尖上的形式主义怎么破？", "人民日报评论"),
    ("一图读懂2026年中央一号文件", "农业农村部"),
    ("春季养生：这几种野菜千万别乱吃", "健康时报"),
    ("反诈提醒：这些电话一定要挂断", "国家反诈中心"),
    ("学习贯彻全国两会精神", "共产党员网"),
    ("防溺水安全知识，请转给家长", "县教育局"),
    ("清明祭扫文明倡议书", "县文明办"),
    ("乡村振兴的青石实践", "县融媒体中心"),
    ("汛期安全常识，收好这份指南", "应急管理部"),
)
FILES = ("关于开展{topic}工作的通知.docx", "{topic}工作方案.docx", "{topic}台账.xlsx", "{topic}进度统计表.xlsx",
         "关于{topic}的实施方案（征求意见稿）.docx", "会议签到表.pdf", "{topic}培训课件.pptx")
VOICE_TEXTS = ("我在村里，信号不好，晚点回复", "这个事情我下午过来当面说")
FLOOD_NIGHT = (
    "【紧急】县气象台发布暴雨橙色预警，请各村立即启动防汛应急预案，组织人员巡查山塘水库和地质灾害隐患点。",
    "汛情通报：白水河水位持续上涨，请沿河各村立即转移低洼地带群众，确保人员安全。",
    "紧急通知：请各村支书今晚在岗值守，每两小时报告一次雨情汛情。",
    "各村注意：强降雨还将持续，夜间务必加强巡查，发现险情立即报告。",
)
FLOOD_REPLIES = ("收到，已安排人员巡查", "{village}已巡查，山塘水位正常", "收到，正在转移低洼处群众",
                 "{village}两名网格员在岗值守", "收到，马上到位", "{village}暂无险情")


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------

@dataclass
class Msg:
    ts: dt.datetime
    sender: Person | None        # None: system message
    kind: str                    # text image voice video sticker file link quote red_packet transfer system recall
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Planted:
    """Fixed events (exact times, independent of the seed): the README lists them."""

    @staticmethod
    def cross_notices() -> list[tuple[str, list[tuple[str, dt.datetime, str]]]]:
        # (text, [(group key, time, sender role)])
        T = dt.datetime
        return [
            ("关于开展2026年春季森林防火隐患排查的通知：请各村（社区）于3月13日前完成辖区内坟山、林区隐患排查，"
             "并报送排查台账，务必高度重视，确保不发生森林火灾。",
             [("gov", T(2026, 3, 10, 9, 12), "nfzx0"), ("forest", T(2026, 3, 10, 9, 41), "nfzx3"),
              ("secs", T(2026, 3, 10, 10, 5), "djb0"), ("safety", T(2026, 3, 10, 10, 33), "zzb5")]),
            ("清明节期间请各村（社区）做好文明祭祀宣传和森林防火值班，严禁野外用火，值班表于4月3日中午12点前报送党政办。",
             [("gov", T(2026, 4, 2, 15, 20), "dzb0"), ("forest", T(2026, 4, 2, 15, 35), "nfzx3"),
              ("secs", T(2026, 4, 2, 15, 50), "djb0"), ("v_shiqiao", T(2026, 4, 2, 16, 40), "owner")]),
            ("劳动节假期临近，请各村（社区）、各办所于4月30日前完成辖区安全生产隐患自查，务必落实节日值班带班制度。",
             [("gov", T(2026, 4, 29, 10, 2), "dzb0"), ("safety", T(2026, 4, 29, 10, 30), "zzb5"),
              ("secs", T(2026, 4, 29, 11, 15), "djb0")]),
            ("请各村（社区）于5月20日前完成2026年度城乡居民医保征缴扫尾工作，参保率低于95%的村将在全镇通报。",
             [("ssb", T(2026, 5, 13, 14, 5), "ssb4"), ("medins", T(2026, 5, 13, 14, 20), "ssb4"),
              ("v_qingshi", T(2026, 5, 13, 14, 58), "owner"), ("v_hekou", T(2026, 5, 13, 15, 30), "owner")]),
        ]

    RED_PACKETS = [  # (group key, time, sender role, wish)
        ("gov", dt.datetime(2026, 3, 8, 9, 30), "secretary", "三八妇女节快乐！"),
        ("gov", dt.datetime(2026, 4, 30, 17, 45), "mayor", "劳动节快乐，大家辛苦了"),
        ("v_shiqiao", dt.datetime(2026, 5, 1, 20, 12), "owner", "恭喜发财，大吉大利"),
        ("fin", dt.datetime(2026, 4, 30, 16, 20), "owner", "节日快乐"),
        ("v_liuwan", dt.datetime(2026, 5, 4, 19, 5), "owner", "青年节快乐"),
    ]
    TRANSFERS = [  # (group key, time, sender role, amount, note)
        ("v_yangjia", dt.datetime(2026, 4, 30, 16, 8), "chair", "500.00", "辛苦费"),
        ("farmland", dt.datetime(2026, 3, 27, 20, 41), "contractor", "2000.00", ""),
    ]
    LEADER_NIGHT = [  # (group key, time, leader role, text)
        ("leaders", dt.datetime(2026, 4, 5, 21, 37), "secretary",
         "明天上午九点在三楼会议室召开防汛和森林防火专题会，请各位班子成员准时参加，不得请假。"),
        ("gov", dt.datetime(2026, 5, 2, 22, 15), "mayor",
         "@所有人 五一假期各村务必落实值班制度，值班人员24小时保持通讯畅通，今晚十点前报送值班表。"),
        ("leaders", dt.datetime(2026, 3, 14, 22, 48), "mayor",
         "下周一县委督查组来镇里，请各位分管领导周末把各自的材料再过一遍。"),
    ]
    FLOOD_NIGHTS = [dt.datetime(2026, 4, 22, 22, 10), dt.datetime(2026, 5, 19, 23, 5),
                    dt.datetime(2026, 5, 27, 21, 40)]
    FINAL_WORDS = {  # finished groups: the last non-system message
        "census": (dt.datetime(2026, 3, 20, 16, 30), "经济普查入户登记工作已全部完成，感谢大家的辛苦付出！"),
        "trees": (dt.datetime(2026, 3, 14, 11, 20), "今年春季植树造林任务圆满完成，感谢各村支持！"),
        "farmland": (dt.datetime(2026, 4, 10, 15, 45), "项目已通过县级验收，资料已归档，感谢各位！"),
    }
    LATE_INVITE = ("census", dt.datetime(2026, 5, 12, 10, 3))   # a system message long after the end
    INVITES = [("gov", dt.datetime(2026, 3, 16, 9, 5)), ("gov", dt.datetime(2026, 4, 13, 8, 47)),
               ("env2", dt.datetime(2026, 3, 5, 15, 2))]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    threshold = math.exp(-lam)
    k, prod = 0, rng.random()
    while prod > threshold:
        k += 1
        prod *= rng.random()
    return k


class GroupSim:
    """Generates one group's messages day by day, in time order (bounded memory)."""

    def __init__(self, town: Town, group: Group, seed: int, start: dt.date, days: int, scale: float,
                 cross: dict[str, list[tuple[dt.datetime, str, str]]]) -> None:
        self.town = town
        self.g = group
        self.rng = random.Random(f"{seed}:msgs:{group.key}")
        self.start = start
        self.days = days
        self.end = dt.datetime.combine(start + dt.timedelta(days=days), dt.time())
        self.scale = scale
        self.cross = cross.get(group.key, [])
        self.speakers = [p for p in group.members]
        # a few members do most of the talking
        weights = [5.0 if (p is group.owner or p in group.admins) else 2.5 if p.leader else
                   1.0 if self.rng.random() < 0.5 else 0.3 for p in self.speakers]
        self.cum_weights = list(itertools.accumulate(weights))
        self.posters = [p for p in group.members if p is group.owner or p in group.admins or p.leader
                        or p.position in ("主任", "副主任", "所长", "村党支部书记", "社区党委书记", "站长", "院长")
                        or "专干" in p.position]
        self.leaders = [p for p in group.members if p.leader]
        self._seq = 0

    # -- helpers -------------------------------------------------------------------------------
    def role(self, role: str) -> Person:
        t = self.town
        if role == "owner":
            return self.g.owner
        if role in t.leaders:
            return t.leaders[role]
        if role == "chair":
            return t.village_role(self.g.key[2:], "村委会主任")[0]
        if role == "contractor":
            return t.contractor
        office, idx = role.rstrip("0123456789"), int(role[len(role.rstrip("0123456789")):])
        return t.offices[office][idx]

    def pick(self, exclude: Person | None = None) -> Person:
        while True:
            p = self.rng.choices(self.speakers, cum_weights=self.cum_weights)[0]
            if p is not exclude or len(self.speakers) == 1:
                return p

    def village_of(self, p: Person) -> str:
        return p.unit if p.kind == "village" else (p.short or "我们")

    def fill(self, template: str, day: dt.date, author: Person | None = None) -> str:
        rng = self.rng
        deadline = day + dt.timedelta(days=rng.randint(1, 6))
        office = {"gov": "党政办"}.get(self.g.profile, self.g.owner.short or "党政办")
        member = self.pick()
        return template.format(
            topic=rng.choice(self.g.topics) if self.g.topics else "本周重点",
            deadline=f"{deadline.month}月{deadline.day}日", office=office,
            meet=f"{deadline.month}月{deadline.day}日上午9点", county=rng.choice(["委督查室", "农业农村局", "应急管理局"]),
            village=self.village_of(author or member), title=(author.title if author and author.leader else "领导"),
        )

    # -- events ----------------------------------------------------------------------------------
    def storm(self, t: dt.datetime, author: Person, share: float, out: list[Msg]) -> None:
        rng = self.rng
        others = [p for p in self.g.members if p is not author and p.kind != "outsider"]
        k = min(len(others), max(1, int(len(others) * share)), 36)
        responders = rng.sample(others, k)
        delay = 0.0
        for p in responders:
            delay += rng.expovariate(1 / 25.0) + 4
            text = rng.choice(ACKS)
            if rng.random() < 0.12 and p.kind == "village":
                text = f"{p.unit}收到"
            out.append(Msg(t + dt.timedelta(seconds=delay), p, "text", text))

    def notice(self, t: dt.datetime, day: dt.date, out: list[Msg], author: Person | None = None,
               text: str | None = None) -> None:
        rng = self.rng
        author = author or rng.choice(self.posters or self.speakers)
        text = text or self.fill(rng.choice(NOTICES), day, author)
        out.append(Msg(t, author, "text", text))
        if rng.random() < 0.35:
            fname = self.fill(rng.choice(FILES), day)
            out.append(Msg(t + dt.timedelta(seconds=rng.randint(5, 40)), author, "file", fname,
                           {"size": round(rng.uniform(0.02, 2.5), 2)}))
        self.storm(t + dt.timedelta(seconds=20), author, rng.uniform(0.2, 0.6), out)

    def leader_post(self, t: dt.datetime, day: dt.date, out: list[Msg], author: Person | None = None,
                    text: str | None = None) -> None:
        rng = self.rng
        author = author or rng.choice(self.leaders)
        out.append(Msg(t, author, "text", text or self.fill(rng.choice(LEADER_POSTS_TEXT), day, author)))
        others = [p for p in self.g.members if p is not author and not p.leader]
        k = min(len(others), rng.randint(3, 12))
        s = 0.0
        for p in rng.sample(others, k):
            s += rng.expovariate(1 / 40.0) + 5
            out.append(Msg(t + dt.timedelta(seconds=s), p, "text",
                           rng.choice(FLATTERY).format(title=author.title or "领导")))

    def checkin(self, t: dt.datetime, day: dt.date, out: list[Msg]) -> None:
        rng = self.rng
        author = rng.choice(self.posters or self.speakers)
        out.append(Msg(t, author, "text", self.fill(rng.choice(CHECKIN_REQUESTS), day, author)))
        others = [p for p in self.g.members if p is not author and not p.leader and p.kind != "outsider"]
        s = 0.0
        for p in rng.sample(others, min(len(others), 24, max(1, int(len(others) * rng.uniform(0.3, 0.7))))):
            s += rng.expovariate(1 / 300.0) + 30
            for _ in range(rng.choice((1, 1, 2, 3))):
                out.append(Msg(t + dt.timedelta(seconds=s), p, "image"))
                s += rng.randint(2, 9)
            if rng.random() < 0.5:
                out.append(Msg(t + dt.timedelta(seconds=s + 3), p, "text",
                               rng.choice(CHECKIN_TEXTS).format(village=self.village_of(p))))

    def chat(self, t: dt.datetime, day: dt.date, out: list[Msg]) -> None:
        rng = self.rng
        a = self.pick()
        b = self.pick(exclude=a)
        q, ans = rng.choice(CHAT)
        q = self.fill(q, day, a)
        out.append(Msg(t, a, "text", q))
        t2 = t + dt.timedelta(seconds=rng.randint(20, 600))
        if rng.random() < 0.3:
            out.append(Msg(t2, b, "quote", self.fill(ans, day, b), {"quoted": a, "quoted_text": q,
                                                                   "quoted_ts": t}))
        else:
            out.append(Msg(t2, b, "text", self.fill(ans, day, b)))
        who = b
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            t2 += dt.timedelta(seconds=rng.randint(10, 300))
            who = rng.choice((a, b, self.pick()))
            r = rng.random()
            if r < 0.55:
                out.append(Msg(t2, who, "text", rng.choice(SHORT)))
            elif r < 0.7:
                out.append(Msg(t2, who, "image"))
            elif r < 0.82:
                out.append(Msg(t2, who, "voice", extra={"secs": round(rng.uniform(2, 50), 2)}))
            elif r < 0.92:
                out.append(Msg(t2, who, "sticker"))
            else:
                out.append(Msg(t2, who, "video"))
        if rng.random() < 0.04:
            # someone posts and recalls
            t3 = t2 + dt.timedelta(seconds=rng.randint(30, 200))
            out.append(Msg(t3, who, "text", rng.choice(SHORT)))
            out.append(Msg(t3 + dt.timedelta(seconds=rng.randint(5, 100)), None, "recall",
                           f"\"{self.g.nickname(who)}\" 撤回了一条消息", {"who": who}))

    def link(self, t: dt.datetime, out: list[Msg]) -> None:
        rng = self.rng
        title, source = rng.choice(ARTICLES)
        out.append(Msg(t, self.pick(), "link", title, {"desc": source, "url": "https://mp.weixin.qq.com/s/" + "".join(
            rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(22))}))
        if rng.random() < 0.4:
            out.append(Msg(t + dt.timedelta(seconds=rng.randint(30, 900)), self.pick(), "text",
                           rng.choice(("学习了", "转发学习", "[强]", "受教了", "好文章"))))

    def greeting(self, t: dt.datetime, out: list[Msg]) -> None:
        rng = self.rng
        s = 0
        for _ in range(rng.randint(1, 5)):
            p = self.pick()
            out.append(Msg(t + dt.timedelta(seconds=s), p, "text" if rng.random() < 0.7 else "sticker",
                           rng.choice(MORNING)))
            s += rng.randint(30, 900)

    def invite(self, t: dt.datetime, out: list[Msg]) -> None:
        a = self.g.owner
        b = self.pick(exclude=a)
        out.append(Msg(t, None, "system", f"\"{self.g.nickname(a)}\"邀请\"{self.g.nickname(b)}\"加入了群聊",
                       {"inviter": a, "invitee": b}))

    # -- timing ------------------------------------------------------------------------------------
    def event_time(self, day: dt.date, kind: str, leader: bool = False) -> dt.datetime:
        rng = self.rng
        base = dt.datetime.combine(day, dt.time())
        if kind == "work":
            r = rng.random()
            late = 0.18 if leader else 0.08
            if r < late:
                minute = rng.uniform(18.5 * 60, 23.5 * 60) if rng.random() < 0.85 else rng.uniform(6.5 * 60, 8.3 * 60)
            else:
                minute = rng.choice((rng.uniform(8.5 * 60, 12 * 60), rng.uniform(14 * 60, 18 * 60),
                                     rng.uniform(12 * 60, 14 * 60) if rng.random() < 0.2 else rng.uniform(9 * 60, 11 * 60)))
        else:
            minute = rng.uniform(8 * 60, 23 * 60)
        return base + dt.timedelta(minutes=minute, seconds=rng.randint(0, 59))

    def day_events(self, di: int, day: dt.date, out: list[Msg]) -> None:
        g, rng = self.g, self.rng
        kind = day_kind(day)
        if g.active_to is not None and di > g.active_to:
            return
        mult = {"work": 1.0, "weekend": 0.15, "holiday": 0.1}[kind]
        if g.profile in ("leaders", "emergency"):
            mult = {"work": 1.0, "weekend": 0.45, "holiday": 0.35}[kind]
        if g.active_to is not None and di > g.active_to - 4:
            mult *= 0.4
        n = _poisson(rng, g.rate * RATE_FACTOR * mult * self.scale)
        profile = g.profile
        mix = {
            "gov": (("notice", 4), ("leader", 2.5), ("checkin", 1), ("chat", 4), ("file", 1.5), ("link", 1),
                    ("greet", 0.4)),
            "leaders": (("leader", 5), ("notice", 2), ("chat", 3), ("file", 1)),
            "office": (("notice", 2), ("chat", 6), ("file", 2), ("leader", 1), ("link", 0.4)),
            "task": (("notice", 3), ("chat", 4), ("checkin", 2), ("file", 1.5), ("leader", 0.8)),
            "village": (("notice", 2), ("chat", 5), ("checkin", 2), ("greet", 0.8), ("link", 0.6)),
            "study": (("link", 5), ("chat", 2), ("greet", 1), ("leader", 0.5)),
            "canteen": (("canteen", 5), ("greet", 1), ("chat", 1)),
            "emergency": (("notice", 3), ("chat", 2), ("checkin", 1), ("leader", 1)),
        }[profile]
        names = [m[0] for m in mix]
        weights = [m[1] for m in mix]
        if not self.leaders:
            weights = [0 if nm == "leader" else w for nm, w in zip(names, weights)]
        for _ in range(n):
            ev = rng.choices(names, weights=weights)[0]
            t = self.event_time(day, kind, leader=ev == "leader")
            if ev == "notice":
                self.notice(t, day, out)
            elif ev == "leader":
                self.leader_post(t, day, out)
            elif ev == "checkin":
                self.checkin(t, day, out)
            elif ev == "chat":
                self.chat(t, day, out)
            elif ev == "file":
                author = rng.choice(self.posters or self.speakers)
                out.append(Msg(t, author, "file", self.fill(rng.choice(FILES), day),
                               {"size": round(rng.uniform(0.02, 3.0), 2)}))
                if rng.random() < 0.6:
                    out.append(Msg(t + dt.timedelta(seconds=rng.randint(5, 60)), author, "text",
                                   rng.choice(("请查收", "请各村下载学习", "请大家认真学习", "文件已发，请按要求办理"))))
            elif ev == "link":
                self.link(t, out)
            elif ev == "greet":
                self.greeting(dt.datetime.combine(day, dt.time(7, rng.randint(0, 59))), out)
            elif ev == "canteen":
                out.append(Msg(t, rng.choice(self.posters or self.speakers), "text", rng.choice(CANTEEN)))
        # rare system messages
        if rng.random() < 0.02 * self.scale and g.active_to is None:
            self.invite(self.event_time(day, "work"), out)
        # festival greetings (off-topic), flooding village and big groups
        if (day.month, day.day) in ((3, 8), (5, 1), (5, 4)) and profile in ("gov", "village", "study", "canteen"):
            wish = {(3, 8): "祝各位女同胞节日快乐！", (5, 1): "劳动节快乐！", (5, 4): "青年节快乐！"}[(day.month, day.day)]
            t = dt.datetime.combine(day, dt.time(8, rng.randint(0, 50)))
            for p in rng.sample(self.speakers, min(len(self.speakers), rng.randint(3, 10))):
                t += dt.timedelta(seconds=rng.randint(20, 600))
                out.append(Msg(t, p, "text", rng.choice((wish, wish + "[玫瑰]", "[玫瑰][玫瑰]", "同乐同乐[抱拳]"))))

    # -- planted -----------------------------------------------------------------------------------
    def planted(self, day: dt.date, out: list[Msg]) -> None:
        g, rng = self.g, self.rng
        for t, text, role in self.cross:
            if t.date() == day:
                author = self.role(role) if role != "any" else rng.choice(self.posters or self.speakers)
                self.notice(t, day, out, author=author, text=text)
        for key, t, role, wish in Planted.RED_PACKETS:
            if key == g.key and t.date() == day:
                author = self.role(role)
                out.append(Msg(t, author, "red_packet", wish, {"count": 20, "amount": 20000}))
                s = 0
                for p in rng.sample([m for m in g.members if m is not author], min(8, len(g.members) - 1)):
                    s += rng.randint(5, 60)
                    title = author.title if author.leader else ("书记" if "书记" in author.position else "领导")
                    out.append(Msg(t + dt.timedelta(seconds=s), p, "text",
                                   rng.choice((f"谢谢{title}[玫瑰]", f"谢谢{title}！", "[抱拳][抱拳]", "节日快乐！"))))
        for key, t, role, amount, note in Planted.TRANSFERS:
            if key == g.key and t.date() == day:
                out.append(Msg(t, self.role(role), "transfer", note, {"amount": amount}))
        for key, t, role, text in Planted.LEADER_NIGHT:
            if key == g.key and t.date() == day:
                author = self.role(role)
                out.append(Msg(t, author, "text", text))
                self.storm(t + dt.timedelta(seconds=30), author, 0.6, out)
        if g.key == "flood":
            for t in Planted.FLOOD_NIGHTS:
                if t.date() == day:
                    s = 0
                    for i in range(4):
                        author = self.g.owner if i % 2 == 0 else self.town.leaders["mayor"]
                        out.append(Msg(t + dt.timedelta(seconds=s), author, "text", FLOOD_NIGHT[i]))
                        for p in rng.sample([m for m in g.members if m.kind == "village"], 6):
                            s += rng.randint(30, 240)
                            out.append(Msg(t + dt.timedelta(seconds=s), p, "text",
                                           rng.choice(FLOOD_REPLIES).format(village=p.unit)))
                            if rng.random() < 0.5:
                                out.append(Msg(t + dt.timedelta(seconds=s + 8), p, "image"))
                        s += rng.randint(900, 2400)
        if g.key in Planted.FINAL_WORDS:
            t, text = Planted.FINAL_WORDS[g.key]
            if t.date() == day:
                out.append(Msg(t, g.owner, "text", text))
                s = 0
                for p in rng.sample([m for m in g.members if m is not g.owner], 5):
                    s += rng.randint(10, 90)
                    out.append(Msg(t + dt.timedelta(seconds=s), p, "text",
                                   rng.choice(("辛苦了！", "[强][强]", "[抱拳]", "大家辛苦了"))))
        for key, t in Planted.INVITES:
            if key == g.key and t.date() == day:
                self.invite(t, out)
        key, t = Planted.LATE_INVITE
        if key == g.key and t.date() == day:
            self.invite(t, out)
            out[-1].extra["late"] = True

    def messages(self) -> Iterator[Msg]:
        """All messages of the group in time order, generated one day at a time."""
        heap: list[tuple[dt.datetime, int, Msg]] = []
        final = Planted.FINAL_WORDS.get(self.g.key)
        for di in range(self.days):
            day = self.start + dt.timedelta(days=di)
            batch: list[Msg] = []
            self.day_events(di, day, batch)
            self.planted(day, batch)
            for m in batch:
                if final and not m.extra.get("late") and m.ts > final[0] + dt.timedelta(minutes=15):
                    continue          # nothing after the closing words of a finished group
                self._seq += 1
                heapq.heappush(heap, (m.ts, self._seq, m))
            limit = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
            while heap and heap[0][0] < limit:
                m = heapq.heappop(heap)[2]
                if m.ts < self.end:
                    yield m
        while heap:
            m = heapq.heappop(heap)[2]
            if m.ts < self.end:
                yield m


def plan_cross(seed: int, start: dt.date, days: int) -> dict[str, list[tuple[dt.datetime, str, str]]]:
    """Notices posted identically in several groups: the planted ones plus seeded 人居 duplicates."""
    end = start + dt.timedelta(days=days)
    out: dict[str, list[tuple[dt.datetime, str, str]]] = {}
    for text, posts in Planted.cross_notices():
        for key, t, role in posts:
            if start <= t.date() < end:
                out.setdefault(key, []).append((t, text, role))
    rng = random.Random(f"{seed}:dups")
    topics = ("农村人居环境整治", "村庄清洁行动", "垃圾分类", "河道清理", "厕所革命")
    for di in range(days):
        day = start + dt.timedelta(days=di)
        if day_kind(day) != "work" or rng.random() > 0.3:
            continue
        deadline = day + dt.timedelta(days=rng.randint(2, 6))
        text = (f"请各村于{deadline.month}月{deadline.day}日前报送本周{rng.choice(topics)}工作进展及整改照片，"
                f"{rng.choice(('县里将逐村暗访', '未报送的村将通报', '务必按时报送'))}。")
        t = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randint(0, 59)))
        out.setdefault("env", []).append((t, text, "gjb0"))
        out.setdefault("env2", []).append((t + dt.timedelta(minutes=rng.randint(3, 50)), text, "vm_build"))
    return out


# ---------------------------------------------------------------------------------------------
# Format writers (streaming)
# ---------------------------------------------------------------------------------------------

def _epoch(ts: dt.datetime) -> int:
    return calendar.timegm(ts.timetuple()) - UTC_OFFSET


def _fmt(ts: dt.datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S")


def _excel_time(ts: dt.datetime | dt.date) -> str:
    if isinstance(ts, dt.datetime):
        return f"{ts.year}/{ts.month}/{ts.day} {ts.hour}:{ts.minute:02d}"
    return f"{ts.year}/{ts.month}/{ts.day}"


def _md5ish(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


V2_TYPES = {"text": "文本", "image": "图片", "voice": "语音", "video": "视频", "sticker": "表情包", "file": "文件",
            "link": "分享链接", "quote": "引用消息", "red_packet": "红包", "transfer": "转账", "system": "系统消息",
            "recall": "系统消息"}


def v2_content(m: Msg, g: Group, rng: random.Random) -> str:
    k = m.kind
    if k == "text" or k in ("system", "recall"):
        return m.text
    if k == "image":
        return "【图片】"
    if k == "voice":
        return "【语音】"
    if k == "video":
        return "【视频】"
    if k == "sticker":
        return "【表情包】 "
    if k == "file":
        ext = m.text.rsplit(".", 1)[-1]
        path = f"FileStorage\\File\\{m.ts:%Y-%m}\\{m.text}"
        return f"【文件】{m.text} {m.extra.get('size', 0.1):.2f} MB {path} {ext} {_md5ish(rng)}"
    if k == "link":
        return f"【分享链接】\n标题：{m.text}\n描述：{m.extra['desc']}\n链接: {m.extra['url']}\n应用：\n"
    if k == "quote":
        return f"{m.text}\n引用：{g.nickname(m.extra['quoted'])}: {m.extra['quoted_text']}"
    if k == "red_packet":
        return f"【红包】: {m.text}"
    if k == "transfer":
        note = f" {m.text}" if m.text else ""
        return f"【发起转账】:￥{m.extra['amount']}{note}"
    return m.text


class _MsgIds:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cur = rng.randrange(1_000_000_000_000_000_000, 8_000_000_000_000_000_000)

    def next(self) -> int:
        self.cur += self.rng.randint(1, 997)
        return self.cur


def write_wechatmsg_v2_csv(path: Path, group: Group, msgs: Iterable[Msg], seed: int) -> int:
    rng = random.Random(f"{seed}:v2:{group.key}")
    ids = _MsgIds(rng)
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"])
        for m in msgs:
            sender = group.nickname(m.sender) if m.sender else ""
            w.writerow([ids.next(), V2_TYPES[m.kind], sender, _fmt(m.ts), v2_content(m, group, rng), sender, sender,
                        "more"])
            n += 1
    return n


def write_wechatmsg_xlsx(path: Path, group: Group, msgs: Iterable[Msg], seed: int) -> int:
    """WeChatMsg XLSX: sheets 聊天记录 and 成员信息 (plus openpyxl's default empty 'Sheet')."""
    rng = random.Random(f"{seed}:xlsx:{group.key}")
    ids = _MsgIds(rng)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    wb.set_properties({"created": dt.datetime(2026, 5, 31, 9, 0, 0), "author": "openpyxl"})
    ws = wb.add_worksheet("聊天记录")
    members = wb.add_worksheet("成员信息")
    wb.add_worksheet("Sheet")
    text_fmt = wb.add_format({"num_format": "@"})
    ws.write_row(0, 0, ["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"])
    row = 1
    for m in msgs:
        if m.sender:
            sender = group.nickname(m.sender)
            remark, nick = sender, m.sender.nickname
        else:
            sender = remark = nick = ""
        ws.write_string(row, 0, str(ids.next()), text_fmt)
        ws.write_row(row, 1, [V2_TYPES[m.kind], sender, _fmt(m.ts), v2_content(m, group, rng), remark, nick, "more"])
        row += 1
    members.write_row(0, 0, ["wxid", "微信号", "类型", "群昵称", "昵称", "头像地址", "头像原图", "标签", "性别",
                             "个性签名", "国家（地区）", "省份", "城市"])
    for i, p in enumerate(group.members, start=1):
        head = f"https://wx.qlogo.cn/mmhead/ver_1/{_md5ish(rng)[:20]}"
        members.write_row(i, 0, [p.wxid, p.alias, 3, group.nickname(p), p.nickname, head + "/132", head + "/0",
                                 "同事" if rng.random() < 0.3 else "", p.gender, "", "CN", "Sichuan", "Xichang"
                                 if rng.random() < 0.5 else ""])
    wb.close()
    return row - 1


V1_CODES = {"text": (1, 0), "image": (3, 0), "voice": (34, 0), "video": (43, 0), "sticker": (47, 0),
            "file": (49, 6), "link": (49, 5), "quote": (49, 57), "transfer": (49, 2000), "red_packet": (49, 2001),
            "system": (10000, 0), "recall": (10000, 0)}


def write_wechatmsg_v1_csv(path: Path, group: Group, msgs: Iterable[Msg], seed: int, exporter: Person,
                           talker_id: int) -> int:
    rng = random.Random(f"{seed}:v1:{group.key}")
    local_id = rng.randint(100, 5000)
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent",
                    "StrTime", "Remark", "NickName", "Sender"])
        for m in msgs:
            typ, sub = V1_CODES[m.kind]
            local_id += 1
            if m.sender is None:
                w.writerow([local_id, talker_id, typ, sub, 0, _epoch(m.ts), 4, m.text, _fmt(m.ts), "", "", ""])
            else:
                p = m.sender
                if m.kind == "text":
                    content = m.text
                elif m.kind == "image":
                    content = (f'<?xml version="1.0"?>\n<msg>\n\t<img aeskey="{_md5ish(rng)}" encryver="1" '
                               f'md5="{_md5ish(rng)}" length="{rng.randint(40000, 900000)}" hdlength="0" />\n</msg>\n')
                elif m.kind == "voice":
                    ms = int(m.extra.get("secs", 3) * 1000)
                    content = (f'<msg><voicemsg endflag="1" cancelflag="0" forwardflag="0" voiceformat="4" '
                               f'voicelength="{ms}" length="{ms * 3 // 2}" bufid="0" aeskey="" voiceurl="" '
                               f'voicemd5="" clientmsgid="{_md5ish(rng)}" fromusername="{p.wxid}" /></msg>')
                elif m.kind == "video":
                    content = (f'<?xml version="1.0"?>\n<msg>\n\t<videomsg aeskey="{_md5ish(rng)}" '
                               f'length="{rng.randint(500000, 9000000)}" playlength="{rng.randint(5, 60)}" '
                               f'md5="{_md5ish(rng)}" rawmd5="" />\n</msg>\n')
                elif m.kind == "sticker":
                    md5 = _md5ish(rng)
                    content = (f'<msg><emoji fromusername="{p.wxid}" tousername="{group.platform_id}" type="2" '
                               f'md5="{md5}" len="{rng.randint(9000, 90000)}" '
                               f'cdnurl="http://wxapp.tc.qq.com/262/20304/stodownload?m={md5}" width="240" '
                               f'height="240" /></msg>')
                else:
                    content = ""
                is_sender = 1 if p is exporter else 0
                w.writerow([local_id, talker_id, typ, sub, is_sender, _epoch(m.ts), 2, content, _fmt(m.ts), p.remark,
                            p.nickname, p.wxid])
            n += 1
    return n


PWD_TYPES = {"text": "文本", "image": "图片", "voice": "语音", "video": "视频", "sticker": "动画表情", "file": "文件",
             "link": "(分享)卡片式链接", "quote": "引用回复", "transfer": "转账", "red_packet": "未知",
             "system": "系统通知", "recall": "系统通知"}


def write_pywxdump(folder: Path, group: Group, msgs: Iterable[Msg], seed: int, exporter: Person) -> tuple[list[str], int, dict[str, Person]]:
    """PyWxDump 3.1 CSV pages `<roomid>_<start>_<end>.csv` (UTF-8, no BOM, CRLF)."""
    rng = random.Random(f"{seed}:pwd:{group.key}")
    ids = _MsgIds(rng)
    room = group.platform_id
    spoke: dict[str, Person] = {}
    header = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"]
    pages: list[tuple[Path, int]] = []
    f = None
    w = None
    n = 0
    for m in msgs:
        if n % WECHAT_MAX_PAGE == 0:
            if f:
                f.close()
            tmp = folder / f".{room}_{n}.partial"
            pages.append((tmp, n))
            f = open(tmp, "w", encoding="utf-8", newline="")
            w = csv.writer(f)
            w.writerow(header)
        n += 1
        k = m.kind
        src = ""
        if m.sender is None:
            talker, msg = "未知", m.text
        else:
            talker = m.sender.wxid
            spoke.setdefault(talker, m.sender)
            if k == "text":
                msg = m.text
            elif k == "image":
                msg = "图片"
                src = f"FileStorage\\MsgAttach\\{_md5ish(rng)}\\Image\\{m.ts:%Y-%m}\\{_md5ish(rng)}.dat"
            elif k == "voice":
                msg = f"语音时长：{m.extra.get('secs', 3.0):.2f}秒"
                src = f"{room}\\{m.ts:%Y-%m-%d_%H-%M-%S}_0_{ids.cur + 1}.wav"
            elif k == "video":
                msg = "视频"
                src = f"FileStorage\\Video\\{m.ts:%Y-%m}\\{_md5ish(rng)}.mp4"
            elif k == "sticker":
                msg = "表情"
                src = f"http://wxapp.tc.qq.com/262/20304/stodownload?m={_md5ish(rng)}"
            elif k == "file":
                msg = "文件"
                src = f"FileStorage\\File\\{m.ts:%Y-%m}\\{m.text}"
            elif k == "link":
                msg = (f"{m.text}\n{m.extra['desc']}\n\n<a href=\"{m.extra['url']}\" target=\"_blank\">点击查看详情</a>")
                src = m.extra["url"]
            elif k == "quote":
                q = m.extra
                msg = f"{m.text}\n\n[引用]({_fmt(q['quoted_ts'])}){group.nickname(q['quoted'])}:{q['quoted_text']}"
            elif k == "transfer":
                msg = f"转账：￥{m.extra['amount']}"
            else:
                msg = "未知"
        is_sender = 1 if m.sender is exporter else 0
        w.writerow([n, ids.next(), PWD_TYPES[k], is_sender, talker, room, msg, src, _fmt(m.ts)])
    if f:
        f.close()
    names = []
    for tmp, start in pages:
        if n < WECHAT_MAX_PAGE:
            final = f"{room}_0_{n + 1}.csv"
        else:
            final = f"{room}_{start}_{start + WECHAT_MAX_PAGE}.csv"
        os.replace(tmp, folder / final)
        names.append(final)
    return names, n, spoke


def write_pywxdump_users(path: Path, spoke: dict[str, Person], seed: int) -> None:
    rng = random.Random(f"{seed}:users")
    data = {}
    for wxid in sorted(spoke, key=lambda w: spoke[w].pid):
        p = spoke[wxid]
        has_head = rng.random() < 0.8
        data[wxid] = {"wxid": wxid, "nickname": p.nickname, "remark": p.remark, "account": p.alias,
                      "describe": None,
                      "headImgUrl": f"https://wx.qlogo.cn/mmhead/ver_1/{_md5ish(rng)[:16]}/0" if has_head else "",
                      "ExtraBuf": None, "LabelIDList": [], "extra": None}
    with open(path, "w", encoding="utf-8", newline="") as f:
        json.dump(data, f, ensure_ascii=False, indent=4)


def write_qq_txt(path: Path, group: Group, msgs: Iterable[Msg], email_pid: int | None) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        bar = "=" * 64
        f.write("消息记录（此消息记录为文本格式，不支持重新导入）\r\n\r\n")
        f.write(f"{bar}\r\n消息分组:我的QQ群\r\n{bar}\r\n消息对象:{group.name}\r\n{bar}\r\n\r\n")
        for m in msgs:
            ts = f"{m.ts.year}-{m.ts.month:02d}-{m.ts.day:02d} {m.ts.hour}:{m.ts.minute:02d}:{m.ts.second:02d}"
            if m.sender is None:
                head = "系统消息(10000)"
                if m.kind == "system":
                    body = f"{group.nickname(m.extra['invitee'])}加入本群。"
                else:
                    body = f"{group.nickname(m.extra['who'])}撤回了一条消息。"
            else:
                p = m.sender
                ident = f"<{p.qq}>" if p.pid == email_pid else f"({p.qq})"
                head = f"{group.nickname(p)}{ident}"
                body = {"text": m.text, "image": "[图片]", "voice": "[语音]", "video": "[视频]", "sticker": "[表情]",
                        "file": f"[文件]{m.text}", "link": f"[分享]{m.text}\r\n{m.extra.get('url', '')}",
                        "quote": f"回复 {group.nickname(m.extra['quoted'])}：{m.text}" if m.kind == "quote" else "",
                        "red_packet": "[QQ红包]我发了一个“普通红包”，请使用新版手机QQ查收红包。",
                        "transfer": "[转账]"}[m.kind]
            f.write(f"{ts} {head}\r\n{body}\r\n\r\n")
            n += 1
    return n


def write_wecom_archive(path: Path, group: Group, msgs: Iterable[Msg], seed: int) -> int:
    rng = random.Random(f"{seed}:wecom:{group.key}")
    n = 0
    ids = _MsgIds(rng)
    last_ids: dict[int, str] = {}
    with open(path, "w", encoding="utf-8", newline="") as f:
        for m in msgs:
            if m.kind == "system":
                continue           # the archive has no join notices
            if m.kind == "recall":
                who = m.extra["who"]
                ms = _epoch(m.ts) * 1000 + rng.randint(0, 999)
                rec = {"msgid": f"{ids.next()}_{ms}", "action": "recall", "from": who.wecom,
                       "tolist": [p.wecom for p in group.members if p is not who], "roomid": group.platform_id,
                       "msgtime": ms, "msgtype": "revoke", "revoke": {"pre_msgid": last_ids.get(who.pid, "")}}
            else:
                p = m.sender
                ms = _epoch(m.ts) * 1000 + rng.randint(0, 999)
                rec = {"msgid": f"{ids.next()}_{ms}", "action": "send", "from": p.wecom,
                       "tolist": [q.wecom for q in group.members if q is not p], "roomid": group.platform_id,
                       "msgtime": ms}
                k = m.kind
                if k in ("text", "quote"):
                    rec["msgtype"] = "text"
                    content = m.text
                    if k == "quote":
                        content = f"「{group.nickname(m.extra['quoted'])}：{m.extra['quoted_text']}」\n- - - - - - - - - - - - - - -\n{m.text}"
                    rec["text"] = {"content": content}
                elif k == "image":
                    rec["msgtype"] = "image"
                    rec["image"] = {"md5sum": _md5ish(rng), "filesize": rng.randint(40000, 900000),
                                    "sdkfileid": "CtYBMzA2OTAy" + _md5ish(rng)}
                elif k == "voice":
                    rec["msgtype"] = "voice"
                    rec["voice"] = {"md5sum": _md5ish(rng), "voice_size": rng.randint(3000, 60000),
                                    "play_length": int(m.extra.get("secs", 3)), "sdkfileid": "CtYBMzA2OTAy" + _md5ish(rng)}
                elif k == "video":
                    rec["msgtype"] = "video"
                    rec["video"] = {"md5sum": _md5ish(rng), "filesize": rng.randint(500000, 9000000),
                                    "play_length": rng.randint(5, 60), "sdkfileid": "CtYBMzA2OTAy" + _md5ish(rng)}
                elif k == "sticker":
                    rec["msgtype"] = "emotion"
                    rec["emotion"] = {"type": 1, "width": 240, "height": 240, "md5sum": _md5ish(rng),
                                      "imagesize": rng.randint(9000, 90000), "sdkfileid": "CtYBMzA2OTAy" + _md5ish(rng)}
                elif k == "file":
                    rec["msgtype"] = "file"
                    rec["file"] = {"md5sum": _md5ish(rng), "filename": m.text, "fileext": m.text.rsplit(".", 1)[-1],
                                   "filesize": int(m.extra.get("size", 0.1) * 1024 * 1024),
                                   "sdkfileid": "CtYBMzA2OTAy" + _md5ish(rng)}
                elif k == "link":
                    rec["msgtype"] = "link"
                    rec["link"] = {"title": m.text, "description": m.extra["desc"], "link_url": m.extra["url"],
                                   "image_url": "https://mmbiz.qpic.cn/mmbiz_jpg/" + _md5ish(rng)[:12] + "/0"}
                elif k == "red_packet":
                    rec["msgtype"] = "redpacket"
                    rec["redpacket"] = {"type": 2, "wish": m.text, "totalcnt": m.extra.get("count", 10),
                                        "totalamount": m.extra.get("amount", 10000)}
                else:
                    rec["msgtype"] = "text"
                    rec["text"] = {"content": m.text}
                last_ids[p.pid] = rec["msgid"]
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    return n


def write_wecom_groupchat(path: Path, group: Group, seed: int) -> None:
    rng = random.Random(f"{seed}:wecomroster:{group.key}")
    created = _epoch(dt.datetime.combine(group.created, dt.time(10, 12, 33)))
    members = []
    for p in group.members:
        join = created + (1 if p is group.owner else rng.randint(60, 86400 * 300))
        if p.kind == "outsider":
            members.append({"userid": p.wecom, "type": 2, "unionid": "o" + _md5ish(rng)[:27], "join_time": join,
                            "join_scene": 3, "group_nickname": group.nickname(p), "name": p.name})
        else:
            members.append({"userid": p.wecom, "type": 1, "join_time": join, "join_scene": 1,
                            "invitor": {"userid": group.owner.wecom},
                            "group_nickname": group.nickname(p) if group.nickname(p) != p.name else "",
                            "name": p.name})
    doc = {"errcode": 0, "errmsg": "ok", "group_chat": {
        "chat_id": group.platform_id, "name": group.name, "owner": group.owner.wecom, "create_time": created,
        "notice": "请使用实名群昵称：单位-姓名", "member_list": members,
        "admin_list": [{"userid": p.wecom} for p in group.admins],
        "member_version": _md5ish(rng)}}
    with open(path, "w", encoding="utf-8", newline="") as f:
        json.dump(doc, f, ensure_ascii=False, indent=4)


DT_TYPES = {"text": "文本", "image": "图片", "voice": "语音", "video": "视频", "sticker": "表情", "file": "文件",
            "link": "链接", "quote": "引用", "red_packet": "红包", "transfer": "转账", "system": "系统", "recall": "撤回"}


def write_dingtalk_csv(path: Path, group: Group, msgs: Iterable[Msg]) -> int:
    """The project's messages template, as a DingTalk admin export filled into it."""
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["群名称", "发送人", "时间", "内容", "类型", "平台", "发送人账号", "群号"])
        for m in msgs:
            sender = group.nickname(m.sender) if m.sender else "系统"
            if m.kind in ("image", "voice", "video", "sticker"):
                content = ""
            elif m.kind == "link":
                content = f"{m.text} {m.extra['url']}"
            elif m.kind == "quote":
                content = f"{m.text}\n（回复 {group.nickname(m.extra['quoted'])}：{m.extra['quoted_text']}）"
            else:
                content = m.text
            w.writerow([group.name, sender, _fmt(m.ts)[:16], content, DT_TYPES[m.kind], "钉钉", "", ""])
            n += 1
    return n


# ---------------------------------------------------------------------------------------------
# Rosters, directory, group list, contacts
# ---------------------------------------------------------------------------------------------

ROSTER_HEADER = ["群名称", "成员", "角色", "单位", "职务", "入群时间", "账号", "群号", "平台"]


def _role(g: Group, p: Person) -> str:
    return "群主" if p is g.owner else "管理员" if p in g.admins else "成员"


def _join_time(g: Group, p: Person, rng: random.Random) -> dt.datetime:
    base = dt.datetime.combine(g.created, dt.time(9, 0))
    if p is g.owner:
        return base
    return base + dt.timedelta(days=rng.randint(0, 200), minutes=rng.randint(1, 12 * 60))


def _roster_name(p: Person, style: str, rng: random.Random) -> str:
    if not p.short or p.kind == "outsider":
        return p.name
    r = rng.random()
    if style == "dash" and r < 0.5:
        v = f"{p.short}-{p.name}"
    elif style == "paren" and r < 0.5:
        v = f"{p.name}（{p.short}）"
    else:
        v = p.name
    return v if normalise_name(v) == p.name else p.name


def roster_rows(g: Group, style: str, rng: random.Random, excel_dates: bool, platform: str = "") -> list[list[str]]:
    rows = []
    for p in g.members:
        joined = _join_time(g, p, rng)
        account = ""
        if g.platform == "QQ":
            account = p.qq
        rows.append([g.name, _roster_name(p, style, rng), _role(g, p), p.unit, p.position,
                     _excel_time(joined) if excel_dates else _fmt(joined)[:16], account,
                     g.platform_id if g.platform != "钉钉" else "", platform or g.platform])
    return rows


def write_directory_xlsx(path: Path, town: Town, groups: list[Group]) -> int:
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": dt.datetime(2026, 3, 1, 8, 30, 0), "author": "青石镇党政办"})
    ws = wb.add_worksheet("干部名册")
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center"})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    ws.merge_range(0, 0, 0, 5, f"{TOWN}干部名册（2026年3月）", title)
    ws.write_row(1, 0, ["姓名", "单位", "职务", "领导", "账号", "别名"], head)
    qq_members = {p.pid for g in groups if g.platform == "QQ" for p in g.members}
    wecom_members = {p.pid for g in groups if g.platform == "企业微信" for p in g.members}
    row = 2
    for p in town.directory:
        if p.pid in qq_members:
            account = p.qq
        elif p.pid in wecom_members:
            account = p.wecom
        else:
            account = p.alias
        aliases = []
        if p.short and normalise_name(f"{p.short}-{p.name}") == p.name and p.pid % 3 == 0:
            aliases.append(f"{p.short}-{p.name}")
        if p.nickname != p.name and p.pid % 2 == 0:
            aliases.append(p.nickname)
        ws.write_row(row, 0, [p.name, p.unit, p.position, "是" if p.leader else "否", account, "、".join(aliases)])
        row += 1
    ws.set_column(0, 0, 10)
    ws.set_column(1, 2, 26)
    ws.set_column(4, 5, 22)
    wb.close()
    return row - 2


def write_group_list(path: Path, groups: list[Group]) -> int:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["群名称", "平台", "群号", "群主", "单位", "类别", "应急群", "建群时间", "备注"])
        for g in groups:
            owner = g.owner.name if g.gid % 4 else f"{g.owner.name}（{g.owner.short}）" if g.owner.short else g.owner.name
            if normalise_name(owner) != g.owner.name:
                owner = g.owner.name
            w.writerow([g.name, g.platform, g.platform_id, owner, g.unit, g.category, "是" if g.emergency else "否",
                        g.created.isoformat(), g.notes])
    return len(groups)


def write_contacts_csv(path: Path, people: list[Person], chatrooms: list[Group], seed: int) -> int:
    """WeChatMsg contacts.csv: the exporter's address book (people and group chats)."""
    rng = random.Random(f"{seed}:contacts")
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["UserName", "Alias", "Type", "Remark", "NickName", "PYInitial", "RemarkPYInitial", "smallHeadImgUrl",
                    "bigHeadImgUrl", "label", "gender", "telephone", "signature", "country/region", "province", "city"])
        for p in people:
            head = f"https://wx.qlogo.cn/mmhead/ver_1/{_md5ish(rng)[:12]}"
            initials = (p.pinyin[0][0] + "".join(s[0] for s in _split_syllables(p.pinyin[1]))).upper()
            w.writerow([p.wxid, p.alias, 3, p.remark, p.nickname, "", initials, head + "/132", head + "/0",
                        "同事" if rng.random() < 0.4 else "None", "男" if p.gender == 1 else "女", "",
                        rng.choice(("", "", "为人民服务", "实干兴邦", "")), "CN", "Sichuan", rng.choice(("Xichang", ""))])
            n += 1
        for g in chatrooms:
            w.writerow([g.platform_id, "", 2, "", g.name, "", "", "", "", "None", "未知", "", "", "", "", ""])
            n += 1
    return n


def _write_csv(path: Path, header: list[str], rows: list[list[Any]], encoding: str) -> None:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def _write_template_xlsx(path: Path, title: str, header: list[str], rows: list[list[Any]]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"created": dt.datetime(2026, 3, 1, 8, 30, 0), "author": "青石镇党政办"})
    ws = wb.add_worksheet("成员名单")
    ws.merge_range(0, 0, 0, len(header) - 1, title, wb.add_format({"bold": True, "font_size": 14, "align": "center"}))
    ws.write_row(1, 0, header, wb.add_format({"bold": True, "border": 1}))
    for i, r in enumerate(rows, start=2):
        ws.write_row(i, 0, r)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 4, 18)
    wb.close()


# ---------------------------------------------------------------------------------------------
# generate()
# ---------------------------------------------------------------------------------------------

def generate(out_dir: Path, seed: int = DEFAULT_SEED, days: int = 90, start: dt.date = DEFAULT_START,
             scale: float = 1.0) -> dict:
    """Write the sample township into ``out_dir``; return a manifest of files, counts and planted facts."""
    out_dir = Path(out_dir)
    (out_dir / "名单").mkdir(parents=True, exist_ok=True)
    (out_dir / "聊天记录").mkdir(parents=True, exist_ok=True)
    town = Town(seed)
    groups = build_groups(town, seed, start)
    by_key = {g.key: g for g in groups}
    cross = plan_cross(seed, start, days)
    files: list[dict[str, Any]] = []
    msg_counts: dict[str, int] = {}
    last_msg: dict[str, str] = {}

    def rel(p: Path) -> str:
        return p.relative_to(out_dir).as_posix()

    def record(path: Path, fmt: str, kind: str, **extra: Any) -> None:
        files.append({"path": rel(path), "format": fmt, "kind": kind, **extra})

    # directory, group list
    p = out_dir / "干部名册.xlsx"
    n_dir = write_directory_xlsx(p, town, groups)
    record(p, "template", "directory", rows=n_dir)
    p = out_dir / "工作群清单.csv"
    write_group_list(p, groups)
    record(p, "template", "groups", rows=len(groups))

    # messages
    exporter = town.offices["jw"][1]          # the commission's own clerk exported the v1 / PyWxDump chats
    v1_rooms: list[Group] = []
    contact_people: dict[int, Person] = {}
    spoke_pwd: dict[str, Person] = {}
    chat_dir = out_dir / "聊天记录"
    qq_email_pid = next((p.pid for p in town.people if "@" in p.qq), None)
    for g in groups:
        if g.msg_format is None:
            continue
        if exporter not in g.members and g.msg_format in ("wechatmsg_v1", "pywxdump"):
            g.members.append(exporter)
            g.nick[exporter.pid] = exporter.name
        sim = GroupSim(town, g, seed, start, days, scale, cross)
        last: list[dt.datetime] = []

        def tracked(it: Iterator[Msg]) -> Iterator[Msg]:
            for m in it:
                if m.sender is not None:
                    if last:
                        last[0] = m.ts
                    else:
                        last.append(m.ts)
                yield m

        msgs = tracked(sim.messages())
        fmt = g.msg_format
        if fmt == "wechatmsg_v2":
            p = chat_dir / f"{g.name}.csv"
            n = write_wechatmsg_v2_csv(p, g, msgs, seed)
            record(p, fmt, "messages", group=g.name, rows=n)
        elif fmt == "wechatmsg_xlsx":
            p = chat_dir / f"{g.name}.xlsx"
            n = write_wechatmsg_xlsx(p, g, msgs, seed)
            record(p, fmt, "messages+roster", group=g.name, rows=n, members=len(g.members))
        elif fmt == "wechatmsg_v1":
            p = chat_dir / f"{g.name}_utf8.csv"
            n = write_wechatmsg_v1_csv(p, g, msgs, seed, exporter, talker_id=10 + g.gid)
            record(p, fmt, "messages", group=g.name, rows=n)
            v1_rooms.append(g)
            for m in g.members:
                contact_people.setdefault(m.pid, m)
        elif fmt == "pywxdump":
            pwd_dir = chat_dir / "PyWxDump"
            pwd_dir.mkdir(exist_ok=True)
            names, n, spoke = write_pywxdump(pwd_dir, g, msgs, seed, exporter)
            for nm in names:
                record(pwd_dir / nm, fmt, "messages", group=g.name, group_id=g.platform_id)
            files[-1]["rows"] = n
            spoke_pwd.update(spoke)
            v1_rooms.append(g)
            for m in g.members:
                contact_people.setdefault(m.pid, m)
        elif fmt == "qq_txt":
            p = chat_dir / "QQ消息记录.txt"
            n = write_qq_txt(p, g, msgs, qq_email_pid)
            record(p, fmt, "messages", group=g.name, rows=n)
        elif fmt == "wecom":
            p = chat_dir / "企业微信会话存档.jsonl"
            n = write_wecom_archive(p, g, msgs, seed)
            record(p, "wecom_archive", "messages", group=g.name, group_id=g.platform_id, rows=n)
        elif fmt == "dingtalk":
            p = chat_dir / f"{g.name}（钉钉）.csv"
            n = write_dingtalk_csv(p, g, msgs)
            record(p, "template", "messages", group=g.name, rows=n)
        else:  # pragma: no cover
            raise ValueError(fmt)
        msg_counts[g.name] = n
        if last:
            last_msg[g.name] = _fmt(last[0])

    # WeCom roster (needs the outsiders' external ids, so after the archive's userids are fixed)
    fin = [g for g in groups if g.roster == "wecom"]
    for g in fin:
        p = out_dir / "名单" / f"{g.name}_groupchat.json"
        write_wecom_groupchat(p, g, seed)
        record(p, "wecom_groupchat", "roster", group=g.name, rows=len(g.members))
    if spoke_pwd:
        p = chat_dir / "PyWxDump" / "users.json"
        write_pywxdump_users(p, spoke_pwd, seed)
        record(p, "pywxdump_users", "directory", rows=len(spoke_pwd))
    if v1_rooms:
        p = chat_dir / "contacts.csv"
        people = sorted(contact_people.values(), key=lambda q: q.pid)
        n = write_contacts_csv(p, people, v1_rooms, seed)
        record(p, "wechatmsg_contacts", "directory", rows=n)

    # template rosters
    rrng = random.Random(f"{seed}:rosters")
    csv_rows: list[list[str]] = []
    gbk_rows: list[list[str]] = []
    xlsx_rows: list[list[str]] = []
    for g in groups:
        if g.roster == "tmpl_csv":
            csv_rows += roster_rows(g, "dash", rrng, excel_dates=False)
        elif g.roster == "gbk":
            gbk_rows += roster_rows(g, "plain", rrng, excel_dates=True)
        elif g.roster == "tmpl_xlsx":
            xlsx_rows += roster_rows(g, "paren", rrng, excel_dates=False)
    p = out_dir / "名单" / "群成员名单.csv"
    _write_csv(p, ROSTER_HEADER, csv_rows, "utf-8-sig")
    record(p, "template", "roster", rows=len(csv_rows), encoding="utf-8-sig")
    p = out_dir / "名单" / "群成员名单（Excel另存）.csv"
    _write_csv(p, ROSTER_HEADER, gbk_rows, "gbk")
    record(p, "template", "roster", rows=len(gbk_rows), encoding="gbk")
    p = out_dir / "名单" / "专项工作群成员名单.xlsx"
    _write_template_xlsx(p, f"{TOWN}专项工作群成员名单（2026年5月）", ROSTER_HEADER, xlsx_rows)
    record(p, "template", "roster", rows=len(xlsx_rows))
    leaders_group = by_key["leaders"]
    p = out_dir / "名单" / f"{leaders_group.name}成员.xlsx"
    _write_template_xlsx(p, f"{leaders_group.name}成员名单", ROSTER_HEADER,
                         roster_rows(leaders_group, "plain", rrng, excel_dates=False))
    record(p, "template", "roster", group=leaders_group.name, rows=len(leaders_group.members))
    for g in groups:
        if g.roster == "qq":
            p = out_dir / "名单" / f"{g.name}成员（QQ）.csv"
            _write_csv(p, ROSTER_HEADER, roster_rows(g, "dash", rrng, excel_dates=False), "utf-8-sig")
            record(p, "template", "roster", group=g.name, rows=len(g.members))

    # manifest
    def jacc(a: Group, b: Group) -> tuple[int, int, float]:
        sa, sb = {p.pid for p in a.members}, {p.pid for p in b.members}
        return len(sa & sb), len(sa | sb), round(len(sa & sb) / len(sa | sb), 3)

    env, env2, insp = by_key["env"], by_key["env2"], by_key["env_insp"]
    inter, union, j = jacc(env, env2)
    memberships: dict[int, int] = {}
    for g in groups:
        for q in g.members:
            memberships[q.pid] = memberships.get(q.pid, 0) + 1
    dir_pids = [q.pid for q in town.directory]
    per_person = sorted(memberships.get(pid, 0) for pid in dir_pids)
    end_day = start + dt.timedelta(days=days - 1)
    manifest = {
        "town": TOWN, "seed": seed, "days": days, "start": start.isoformat(), "end": end_day.isoformat(),
        "scale": scale, "files": files,
        "counts": {
            "people": len(town.directory), "groups": len(groups),
            "messages": sum(msg_counts.values()), "messages_by_group": msg_counts,
            "memberships": sum(memberships.get(pid, 0) for pid in dir_pids),
            "groups_per_cadre": {"max": per_person[-1], "median": per_person[len(per_person) // 2],
                                 "over_3": sum(1 for x in per_person if x > 3),
                                 "at_least_10": sum(1 for x in per_person if x >= 10)},
            "group_sizes": {g.name: len(g.members) for g in groups},
        },
        "planted": {
            "near_duplicates": {"groups": [env.name, env2.name], "shared": inter, "union": union, "jaccard": j},
            "subset": {"group": insp.name, "of": env.name, "members": len(insp.members)},
            "no_roster": [g.name for g in groups if g.roster is None and g.msg_format not in ("wechatmsg_xlsx",)],
            "no_messages": [g.name for g in groups if g.msg_format is None],
            "owner_left": {"group": by_key["farmland"].name, "owner": town.former.name},
            "emergency": [g.name for g in groups if g.emergency],
            "finished": {by_key[k].name: last_msg.get(by_key[k].name) for k in Planted.FINAL_WORDS},
            "cross_notices": [
                {"text": text, "posts": [[by_key[k].name, _fmt(t)] for k, t, _ in posts]}
                for text, posts in Planted.cross_notices()],
            "red_packets": [[by_key[k].name, _fmt(t), wish] for k, t, _, wish in Planted.RED_PACKETS],
            "transfers": [[by_key[k].name, _fmt(t), amount] for k, t, _, amount, _ in Planted.TRANSFERS],
            "leader_night_posts": [[by_key[k].name, _fmt(t), town.leaders[r].name] for k, t, r, _ in
                                   Planted.LEADER_NIGHT],
            "flood_nights": [_fmt(t) for t in Planted.FLOOD_NIGHTS],
            "outsiders": [town.bank.name, town.contractor.name],
            "former_cadre": town.former.name,
        },
        "last_message": last_msg,
    }
    return manifest


# ---------------------------------------------------------------------------------------------
# Benchmark helper: one big WeChatMsg v2 CSV
# ---------------------------------------------------------------------------------------------

def generate_messages_csv(path: Path, n_messages: int, seed: int = 1, n_groups: int = 34,
                          n_people: int = 200) -> None:
    """Write ``n_messages`` rows of one WeChatMsg v2 CSV (UTF-8 BOM, CRLF, csv.writer quoting), streaming.

    A v2 export holds one chat; ``n_groups`` only varies the notice topics (as if one busy group
    re-posted other groups' notices) and ``n_people`` is the number of distinct senders. About 2 %
    of rows are multi-line quoted link/quote fields, 1 in 4 is an acknowledgement (收到 storms).
    """
    rng = random.Random(f"bench:{seed}")
    names: list[str] = []
    seen: set[str] = set()
    units = [u[2] for u in OFFICES] + [v[1] for v in VILLAGES]
    while len(names) < n_people:
        sur = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0][0]
        given = rng.choice(GIVEN_FIRST)[0] + rng.choice(GIVEN_LAST)[0]
        nm = sur + given
        if nm in seen:
            continue
        seen.add(nm)
        names.append(f"{rng.choice(units)}-{nm}" if rng.random() < 0.3 else nm)
    topics = [f"{GOV_TOPICS[i % len(GOV_TOPICS)]}（第{i // len(GOV_TOPICS) + 1}批）" for i in range(max(1, n_groups))]
    base = dt.datetime(2026, 3, 2, 8, 30)
    secs = 0.0
    msg_id = 5_000_000_000_000_000_000
    rnd = rng.random
    with open(path, "w", encoding="utf-8-sig", newline="", buffering=1 << 20) as f:
        w = csv.writer(f)
        w.writerow(["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"])
        rows = []
        for i in range(n_messages):
            secs += rnd() * 120
            msg_id += 1 + int(rnd() * 500)
            sender = names[int(rnd() * n_people)]
            r = rnd()
            if r < 0.25:
                typ, content = "文本", ACKS[int(rnd() * len(ACKS))]
            elif r < 0.5:
                typ = "文本"
                content = NOTICES[int(rnd() * len(NOTICES))].format(
                    topic=topics[int(rnd() * len(topics))], deadline="5月20日", office="党政办",
                    meet="5月20日上午9点", county="委督查室", village="石桥村", title="领导")
            elif r < 0.62:
                typ, content = "文本", CHAT[int(rnd() * len(CHAT))][0].format(topic=topics[0], village="石桥村")
            elif r < 0.77:
                typ, content = "图片", "【图片】"
            elif r < 0.82:
                typ, content = "语音", "【语音】"
            elif r < 0.88:
                typ, content = "表情包", "【表情包】 "
            elif r < 0.93:
                typ, content = "文本", FLATTERY[int(rnd() * len(FLATTERY))].format(title="书记")
            elif r < 0.96:
                typ = "文件"
                content = (f"【文件】关于开展{topics[0]}工作的通知.docx 0.05 MB FileStorage\\File\\2026-03\\"
                           f"关于开展{topics[0]}工作的通知.docx docx 5d41402abc4b2a76b9719d911017c592")
            elif r < 0.97:
                typ, content = "分享链接", ("【分享链接】\n标题：关于做好防汛工作的通知\n描述：县应急管理局\n"
                                          "链接: https://mp.weixin.qq.com/s/AbCdEfGh123\n应用：\n")
            elif r < 0.98:
                typ, content = "引用消息", "好的，我负责会议记录\n引用：党政办-王明: 下午三点开会，请准时参加。"
            elif r < 0.985:
                typ, content = "红包", "【红包】: 恭喜发财，大吉大利"
            elif r < 0.99:
                typ, content, sender = "系统消息", f"\"{names[0]}\"邀请\"{names[1]}\"加入了群聊", ""
            else:
                typ, content = "文本", "[玫瑰][玫瑰][玫瑰]"
            stamp = (base + dt.timedelta(seconds=int(secs))).strftime("%Y-%m-%d %H:%M:%S")
            rows.append((msg_id, typ, sender, stamp, content, sender, sender, "more"))
            if len(rows) >= 10000:
                w.writerows(rows)
                rows.clear()
        w.writerows(rows)
