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

# The whole message (after removing punctuation, whitespace, emoji and [表情] codes) is one of
# these, possibly repeated (收到收到).
ACK_WORDS = ("收到", "已收到", "收", "好的", "好", "明白", "明白了", "已阅", "已读", "1", "ok", "嗯",
             "嗯嗯", "是", "遵照执行", "照办", "马上办", "坚决落实", "马上落实", "谢谢", "谢谢领导")
# WeChat/QQ sticker codes and emoji that count as flowers and praise.
PRAISE_CODES = ("[玫瑰]", "[强]", "[鼓掌]", "[赞]", "[抱拳]", "[爱心]", "[花]", "[心]", "[OK]", "[ok]",
                "[胜利]", "[握手]", "[太阳]", "🌹", "👍", "👏", "💐", "🙏", "❤️", "❤", "🌺", "🌸")
PRAISE_PHRASES = ("领导辛苦", "辛苦了", "领导高明", "领导英明", "感谢领导", "为领导点赞", "领导威武",
                  "高屋建瓴", "受益匪浅", "指示精神", "点赞")
PHOTO_WORDS = ("拍照", "照片", "打卡", "签到", "定位", "上传图片", "留痕", "截图", "现场图")
ASSIGNMENT_WORDS = ("通知", "请各", "务必", "截止", "报送", "落实", "@所有人", "@全体成员", "要求",
                    "请于", "上报", "会议", "参会", "部署", "督办", "整改", "安排", "任务", "尽快", "之前")
OFFTOPIC_WORDS = ("早上好", "早安", "晚安", "午安", "节日快乐", "新年快乐", "春节快乐", "恭喜发财",
                  "生日快乐", "端午安康", "中秋快乐", "国庆快乐", "五一快乐", "劳动节快乐", "周末愉快",
                  "吃了吗", "哈哈")

# Group names or categories that mark a task/project group, dissolved when the task ends
# (因专项工作组建的微信群在结束工作后应及时解散).
PROJECT_WORDS = ("项目", "专项", "临时", "活动", "普查", "攻坚", "行动", "检查", "督查", "验收", "调查", "小组")


def alternation(words: tuple[str, ...]) -> str:
    """An RE2 alternation that matches any of ``words`` literally."""
    return "|".join(re.escape(w) for w in words)


def category_patterns() -> dict[str, str]:
    """The RE2 patterns the import's SQL binds as parameters (never pasted into SQL text)."""
    return {
        "ack": "^(?:" + alternation(ACK_WORDS) + ")+$",
        "praise_only": "^(?:" + alternation(PRAISE_CODES) + r"|\s)+$",
        "praise_phrase": alternation(PRAISE_PHRASES),
        "photo": alternation(PHOTO_WORDS),
        "assignment": alternation(ASSIGNMENT_WORDS),
        "offtopic": alternation(OFFTOPIC_WORDS),
    }
