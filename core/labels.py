"""Chinese labels for codes shown in the UI, the CLI stays with the codes."""

FORMAT_LABELS = {
    "template": "本系统模板（CSV/XLSX）",
    "wechatmsg_v1": "留痕 WeChatMsg v1 CSV",
    "wechatmsg_v2": "留痕 WeChatMsg v2 CSV",
    "wechatmsg_xlsx": "留痕 WeChatMsg XLSX",
    "wechatmsg_contacts": "留痕 WeChatMsg 通讯录",
    "pywxdump": "PyWxDump CSV",
    "pywxdump_legacy": "PyWxDump 旧版 CSV",
    "pywxdump_users": "PyWxDump users.json",
    "qq_txt": "QQ 消息管理器 TXT",
    "wecom_archive": "企业微信会话存档",
    "wecom_groupchat": "企业微信群成员 JSON",
}

KIND_LABELS = {
    "messages": "聊天记录",
    "roster": "群成员名单",
    "groups": "工作群清单",
    "directory": "干部名册/通讯录",
}

PLATFORM_LABELS = {"wechat": "微信", "qq": "QQ", "wecom": "企业微信", "dingtalk": "钉钉", "other": "其他"}

AUDIT_LABELS = {
    "import": "导入",
    "import_failed": "导入失败",
    "undo": "撤销导入",
    "export": "下载",
    "settings": "修改设置",
}
