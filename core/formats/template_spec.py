"""The project's own CSV/XLSX templates (DingTalk and hand-kept data): declared once.

Each template kind lists its columns as (canonical field, Chinese header, accepted header
aliases, required, help text). The reader matches headers case-insensitively after NFKC and
whitespace removal; the blank-template writer and the sample generator use the Chinese header.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    field: str
    header: str                 # the Chinese header written into blank templates
    aliases: tuple[str, ...]    # other accepted headers (English, synonyms)
    required: bool
    help: str


TEMPLATES: dict[str, tuple[Column, ...]] = {
    "messages": (
        Column("group_name", "群名称", ("群名", "群聊名称", "group_name", "group"), True, "消息所在的工作群名称"),
        Column("sender", "发送人", ("发送者", "发言人", "sender", "from"), True, "发送人姓名（可带单位，如“党建办-王小明”）"),
        Column("sent_at", "时间", ("发送时间", "消息时间", "sent_at", "time", "datetime"), True,
               "如 2026-03-11 09:05:00、2026/3/11 9:05、2026年3月11日 9:05"),
        Column("content", "内容", ("消息内容", "content", "text", "message"), False, "消息文字；图片等可留空"),
        Column("type", "类型", ("消息类型", "type", "kind"), False,
               "文本/图片/语音/视频/表情/文件/链接/引用/红包/转账/系统/撤回/通话/位置/其他，留空按文本"),
        Column("platform", "平台", ("platform",), False, "微信/QQ/企业微信/钉钉/其他，留空为钉钉"),
        Column("sender_id", "发送人账号", ("账号", "sender_id", "userid"), False, "钉钉/企业微信 userid 等，可留空"),
        Column("group_id", "群号", ("群ID", "group_id", "chat_id"), False, "平台上的群 ID，可留空"),
    ),
    "roster": (
        Column("group_name", "群名称", ("群名", "群聊名称", "group_name", "group"), True, "工作群名称"),
        Column("member", "成员", ("姓名", "成员姓名", "member", "name"), True, "成员姓名（可带单位）"),
        Column("role", "角色", ("群角色", "身份", "role"), False, "群主/管理员/成员，留空为成员"),
        Column("unit", "单位", ("部门", "科室", "所在单位", "unit", "department"), False, "所在单位或科室/村"),
        Column("position", "职务", ("职位", "岗位", "position", "title"), False, "职务"),
        Column("joined_at", "入群时间", ("加入时间", "joined_at", "join_time"), False, "可留空"),
        Column("member_id", "账号", ("成员账号", "微信号", "QQ号", "userid", "member_id"), False, "可留空"),
        Column("group_id", "群号", ("群ID", "group_id", "chat_id"), False, "可留空"),
        Column("platform", "平台", ("platform",), False, "微信/QQ/企业微信/钉钉/其他，留空为钉钉"),
    ),
    "groups": (
        Column("group_name", "群名称", ("群名", "群聊名称", "group_name", "group"), True, "工作群名称"),
        Column("platform", "平台", ("platform",), False, "微信/QQ/企业微信/钉钉/其他"),
        Column("group_id", "群号", ("群ID", "group_id", "chat_id"), False, "可留空"),
        Column("owner", "群主", ("建群人", "负责人", "owner"), False, "群主姓名（谁建群谁负责）"),
        Column("unit", "单位", ("主管单位", "部门", "unit"), False, "群的主管单位"),
        Column("category", "类别", ("群类别", "类型", "category"), False, "如 综合/专项/村级/项目/临时"),
        Column("emergency", "应急群", ("是否应急", "emergency"), False, "是/否：应急群的非工作时间消息不计入"),
        Column("created_at", "建群时间", ("创建时间", "created_at"), False, "可留空"),
        Column("notes", "备注", ("说明", "notes"), False, "可留空"),
    ),
    "directory": (
        Column("name", "姓名", ("干部姓名", "name"), True, "干部姓名"),
        Column("unit", "单位", ("部门", "科室", "所在单位", "unit", "department"), True, "所在单位或科室/村"),
        Column("position", "职务", ("职位", "岗位", "position", "title"), False, "职务"),
        Column("is_leader", "领导", ("是否领导", "班子成员", "is_leader", "leader"), False, "是/否"),
        Column("account", "账号", ("微信号", "QQ号", "userid", "account"), False, "微信号、QQ 号或企业微信账号，可留空"),
        Column("aliases", "别名", ("曾用名", "昵称", "aliases"), False, "群里用过的其他名字，用“、”分隔"),
    ),
}

TEMPLATE_TITLES = {
    "messages": "聊天记录模板",
    "roster": "群成员名单模板",
    "groups": "工作群清单模板",
    "directory": "干部名册模板",
}

# Chinese names of message types in the template → canonical kinds (core/formats/base.py).
TYPE_NAMES = {
    "文本": "text", "文字": "text", "图片": "image", "照片": "image", "语音": "voice", "视频": "video",
    "表情": "sticker", "表情包": "sticker", "文件": "file", "链接": "link", "引用": "quote",
    "红包": "red_packet", "转账": "transfer", "系统": "system", "系统消息": "system", "撤回": "recall",
    "通话": "call", "位置": "location", "其他": "other",
}

PLATFORM_NAMES = {
    "微信": "wechat", "wechat": "wechat", "qq": "qq", "企业微信": "wecom", "wecom": "wecom",
    "钉钉": "dingtalk", "dingtalk": "dingtalk", "其他": "other", "other": "other",
}

ROLE_NAMES = {"群主": "owner", "owner": "owner", "管理员": "admin", "群管理员": "admin", "admin": "admin",
              "成员": "member", "member": "member", "": "member"}

YES = frozenset({"是", "y", "yes", "true", "1", "√", "✓"})
NO = frozenset({"否", "n", "no", "false", "0", ""})
