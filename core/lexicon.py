"""Word lists behind the message categories: the one editable place, also shown in the UI.

Categories (one per message, first match wins in ``CATEGORY_ORDER``):
system → red_packet → document → flattery → ack → photo_checkin → assignment → offtopic → other.
干货率 (substance share) = (assignment + document + other) / messages, system excluded.
"""

from __future__ import annotations

import re

CATEGORY_LABELS = {
    "ack": "收到类回复",
    "flattery": "鲜花点赞/奉承",
    "red_packet": "红包转账",
    "photo_checkin": "拍照打卡",
    "assignment": "通知任务",
    "document": "文件",
    "offtopic": "无关闲聊",
    "other": "其他（工作交流）",
    "system": "系统消息",
}
CATEGORY_ORDER = ("system", "red_packet", "document", "flattery", "ack", "photo_checkin",
                  "assignment", "offtopic", "other")
SUBSTANCE = ("assignment", "document", "other")
NON_SUBSTANCE = ("ack", "flattery", "offtopic", "photo_checkin", "red_packet")
# An assignment is buried when this many hours after it its group is full of non-substance
# messages; a photo check-in request is answered by the images of this many hours.
FOLLOW_HOURS = 2

# The whole message (after removing punctuation, whitespace, emoji and [表情] codes) is one of
# these, possibly repeated (收到收到).
ACK_WORDS = ("收到", "已收到", "收", "好的", "好", "明白", "明白了", "已阅", "已读", "1", "ok", "嗯",
             "嗯嗯", "是", "遵照执行", "照办", "马上办", "坚决落实", "马上落实", "谢谢", "谢谢领导",
             "知道了", "没问题", "抓紧", "按时报送", "按时完成", "马上到位", "学习了", "已学习", "受教了")
# "柳湾村收到", "党政办已阅": a unit name (ending in one of these) before a bare receipt.
UNIT_SUFFIXES = ("村", "社区", "办", "所", "站", "中心", "院", "队", "组")
UNIT_ACK_WORDS = ("收到", "已收到", "已阅")
# How people address leaders in praise: 向镇长学习！ 感谢书记关心 书记英明！
LEADER_TITLES = ("领导", "书记", "镇长", "乡长", "主任", "主席", "部长", "委员", "局长")
# WeChat/QQ sticker codes and emoji that count as flowers and praise.
PRAISE_CODES = ("[玫瑰]", "[强]", "[鼓掌]", "[赞]", "[抱拳]", "[爱心]", "[花]", "[心]", "[OK]", "[ok]",
                "[胜利]", "[握手]", "[太阳]", "🌹", "👍", "👏", "💐", "🙏", "❤️", "❤", "🌺", "🌸")
PRAISE_PHRASES = ("领导辛苦", "辛苦了", "领导高明", "英明", "感谢领导", "为领导点赞", "领导威武",
                  "高屋建瓴", "受益匪浅", "指示精神", "点赞", "好文章",
                  *(f"向{t}学习" for t in LEADER_TITLES), *(f"感谢{t}关心" for t in LEADER_TITLES))
PHOTO_WORDS = ("拍照", "照片", "打卡", "签到", "定位", "上传图片", "留痕", "截图", "现场图")
# Photo-check-in messages that report one's own check-in (已打卡) rather than ask for photos.
PHOTO_DONE_WORDS = ("已打卡", "已签到", "已拍照", "已定位", "已上传", "打卡完毕", "已截图")
# Not bare 整改 or 会议: replies such as 已整改到位 and 三点，三楼会议室 are not assignments.
ASSIGNMENT_WORDS = ("通知", "请各", "务必", "截止", "报送", "落实", "@所有人", "@全体成员", "要求",
                    "请于", "上报", "召开", "参加会议", "会议通知", "参会", "部署", "督办", "立即整改",
                    "限期整改", "整改要求", "安排", "任务", "尽快", "之前")
OFFTOPIC_WORDS = ("早上好", "早安", "晚安", "午安", "节日快乐", "新年快乐", "春节快乐", "恭喜发财",
                  "生日快乐", "端午安康", "中秋快乐", "国庆快乐", "五一快乐", "劳动节快乐", "周末愉快",
                  "吃了吗", "哈哈", "节快乐", "同乐", "新的一天")

# Group names or categories that mark a task/project group, dissolved when the task ends
# (因专项工作组建的微信群在结束工作后应及时解散).
PROJECT_WORDS = ("项目", "专项", "临时", "活动", "普查", "攻坚", "行动", "检查", "督查", "验收", "调查", "小组")


def rules() -> list[tuple[str, str, tuple[str, ...]]]:
    """(category, how it is decided — in Chinese, for the UI, word list) in the order the import
    tries them; the page "消息质量" shows these so a user sees exactly what counts as what."""
    return [
        ("red_packet", "消息类型是红包或转账。", ()),
        ("document", "消息类型是文件。", ()),
        ("flattery", "表情包；或整条消息只有下列鲜花、点赞表情；或不超过 15 个字且含下列奉承语。",
         PRAISE_CODES + PRAISE_PHRASES),
        ("ack", "去掉标点、空格和表情后，整条消息只由下列词组成（如“收到收到”“好的，收到”）；或单位名"
                f"（以{'、'.join(UNIT_SUFFIXES)}结尾）加{'、'.join(UNIT_ACK_WORDS)}（如“柳湾村收到”）。", ACK_WORDS),
        ("photo_checkin", "图片、视频；或文字、引用、链接中含下列词。其中整条只是"
                          f"{'、'.join(PHOTO_DONE_WORDS)}（可带单位名，如“柳湾村已上传”）的是打卡回复，"
                          "不算打卡要求。", PHOTO_WORDS),
        ("assignment", "文字、引用、链接中含下列词。", ASSIGNMENT_WORDS),
        ("offtopic", "分享链接（未归入以上类别的）；或文字中含下列问候、祝福语。", OFFTOPIC_WORDS),
        ("other", "以上都不是的文字、语音等，按工作交流计入干货。", ()),
    ]


def alternation(words: tuple[str, ...]) -> str:
    """An RE2 alternation that matches any of ``words`` literally."""
    return "|".join(re.escape(w) for w in words)


def unit_prefix() -> str:
    """An RE2 fragment for a short unit name such as 柳湾村, 青石社区 or 党政办."""
    return r"\p{Han}{1,8}(?:" + alternation(UNIT_SUFFIXES) + ")"


def photo_done_pattern() -> str:
    """RE2 full-match pattern, on the bare text (no whitespace, punctuation or symbols), for a
    check-in report (已打卡, 柳湾村已上传) as opposed to a request for photos."""
    return "^(?:" + unit_prefix() + ")?(?:" + alternation(PHOTO_DONE_WORDS) + ")+$"


def category_patterns() -> dict[str, str]:
    """The RE2 patterns the import's SQL binds as parameters (never pasted into SQL text)."""
    return {
        "ack": ("^(?:(?:" + alternation(ACK_WORDS) + ")+|"
                + unit_prefix() + "(?:" + alternation(UNIT_ACK_WORDS) + ")+)$"),
        "praise_only": "^(?:" + alternation(PRAISE_CODES) + r"|\s)+$",
        "praise_phrase": alternation(PRAISE_PHRASES),
        "photo": alternation(PHOTO_WORDS),
        "assignment": alternation(ASSIGNMENT_WORDS),
        "offtopic": alternation(OFFTOPIC_WORDS),
    }
