"""数据从哪里来: the guide to getting the files, as data (pages/guide.py draws it).

For every source (WeChat via 留痕 WeChatMsg or PyWxDump, classic QQ's 消息管理器, WeCom's
会话内容存档, DingTalk, hand-kept lists): who it is for, numbered steps, which files to bring,
what to leave out, and the downloads — small example files (``sample_data/examples/``, invented
people, byte-faithful to each tool's output) and our blank templates (:func:`core.templates.blank_template`).
Plus 数据怎么处理 and 常见问题.

No Streamlit here. Text values are Markdown written by us (``code`` spans for file names and
paths, so backslashes and underscores show literally); nothing in them comes from user files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.formats.template_spec import TEMPLATE_TITLES
from core.settings import LIMITS
from core.templates import blank_template

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "sample_data" / "examples"

MIME = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FMT_NAMES = {"xlsx": "Excel", "csv": "CSV"}


@dataclass(frozen=True)
class Download:
    """One download button: an example file (``example``, relative to ``EXAMPLES_DIR``) or a blank
    template (``template`` kind + ``fmt``)."""

    label: str
    note: str
    example: str | None = None
    format: str | None = None       # for examples: the format code the importer detects (core/labels.py)
    template: str | None = None     # for templates: the blank_template kind
    fmt: str | None = None          # for templates: "xlsx" | "csv"

    @property
    def file_name(self) -> str:
        if self.example:
            return Path(self.example).name
        return f"{TEMPLATE_TITLES[self.template]}.{self.fmt}"

    @property
    def path(self) -> Path | None:
        return EXAMPLES_DIR / self.example if self.example else None

    @property
    def mime(self) -> str:
        return MIME[Path(self.file_name).suffix.lower()]

    def data(self) -> bytes:
        if self.example:
            return _example_bytes(self.example)
        return _template_bytes(self.template, self.fmt)


@lru_cache(maxsize=None)
def _example_bytes(rel: str) -> bytes:
    return (EXAMPLES_DIR / rel).read_bytes()


@lru_cache(maxsize=None)
def _template_bytes(kind: str, fmt: str) -> bytes:
    return blank_template(kind, fmt)


def example(rel: str, label: str, note: str, fmt_code: str) -> Download:
    return Download(label=label, note=note, example=rel, format=fmt_code)


def template(kind: str, fmt: str = "xlsx", note: str = "") -> Download:
    return Download(label=f"{TEMPLATE_TITLES[kind]}（{FMT_NAMES[fmt]}）", note=note, template=kind, fmt=fmt)


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    audience: str                   # who it is for
    steps: tuple[str, ...]          # numbered steps
    bring: tuple[str, ...]          # which files to bring
    leave_out: tuple[str, ...]      # what to leave out
    downloads: tuple[Download, ...]
    caution: str = ""               # one warning shown under the steps


# -- the page's opening ------------------------------------------------------------------------

INTRO = ("分析需要两类文件：**名单**和**聊天记录**。下面按来源一步一步说明怎么拿到这些文件、要带哪些、哪些不要带；"
         "每个来源都附有示例文件或空白模板，可以先下载看看。")

KINDS = (
    ("先整理名单",
     "谁在哪些群里：每个工作群的**群成员名单**；再加上**工作群清单**（全镇有哪些工作群、群主是谁、哪个是应急群）"
     "和**干部名册**（全镇干部的姓名、单位、职务）。"),
    ("再导出聊天记录",
     "群里谁在什么时候发了什么：从电脑版微信、QQ、企业微信导出的**工作群聊天记录**，每个群一个或几个文件。"),
)

ORDER_NOTE = ("先有名单，就知道要去收哪些群的聊天记录，导入后也能看出哪些群还缺记录。"
              "导入的先后顺序不影响计算结果，导错了也可以在数据导入页撤销。")

SCOPE_NOTE = ("只收**工作群**。私聊、家庭群、同学群、兴趣群等与工作无关的聊天不要导出，也不要带来；"
              "导出要由干部本人操作，或经本人同意后在本人电脑上操作。")

# -- the sources -------------------------------------------------------------------------------

_ROSTER_NOTE = "空白模板，一人一群一行：群名称、成员必填，角色、单位、职务、账号可填可不填。"
_GROUPS_NOTE = "空白模板，每个工作群一行：群名称必填；群号、群主、单位、类别、是否应急群可填。"
_DIRECTORY_NOTE = "空白模板，每名干部一行：姓名、单位必填；账号（微信号、QQ 号、企业微信账号）可填。"
_MESSAGES_NOTE = "空白模板，每条消息一行：群名称、发送人、时间必填。"
_CSV_NOTE = "同一模板的 CSV 版本，Excel、WPS 都能打开。"

WECHATMSG = Source(
    key="wechatmsg",
    title="微信·留痕 WeChatMsg",
    audience="工作群在微信上，聊天记录在一台登录了电脑版微信的 Windows 电脑上。留痕是免费的第三方开源工具，"
             "有旧版（v1，文件名带 `_utf8`）和 2025 年的新版（v2，可导出 Excel），两种导出都能直接导入。",
    steps=(
        "在 Windows 电脑上登录干部本人的电脑版微信，确认要导出的工作群在电脑上能看到历史消息。"
        "电脑上没有的记录，可先在手机微信“我 → 设置 → 通用 → 聊天记录迁移与备份 → 迁移 → 迁移到电脑”，"
        "**只勾选工作群**（各版本菜单名称略有不同）。",
        "保持微信登录，运行留痕。它会读取本机已登录微信的信息并解密本机的聊天数据库"
        "（旧版依次点“获取信息”“开始解密”），等它完成。",
        "在留痕的联系人列表里找到工作群，点“导出聊天记录”，选 **CSV**（新版也可以选 **Excel**）。"
        "每个工作群导出一次，得到一个文件。",
        "找到导出的文件：旧版在留痕程序目录的 `data\\聊天记录\\` 文件夹里（每个群一个子文件夹），文件名是 `群名_utf8.csv`；"
        "新版文件名是 `群名.csv` 或 `群名.xlsx`。",
        "**文件名就是群名称**：它是你给这个群设的备注名（没有备注就是群名），系统按文件名认群。"
        "备注名不是正式群名时，把文件改名为正式群名（保留 `.csv` / `.xlsx`）；两个人导出的同一个群要改成同一个名字。",
        "群成员名单：新版导出的 Excel 里“成员信息”工作表就是群成员名单，整个文件直接导入即可。"
        "旧版没有群成员导出：菜单“数据 → 导出联系人”得到的 `contacts.csv` 是本人的通讯录（微信号和备注名，"
        "可帮助对上人名，可选）；群成员请按“群成员名单模板”填写。",
        "把工作群的文件复制到 U 盘带来。然后删除留痕解密出来的数据库（旧版在程序目录的 `app\\DataBase` 文件夹里），"
        "那里有这台电脑上的全部聊天记录，包括私聊。",
    ),
    bring=(
        "每个工作群的聊天记录：`群名_utf8.csv`（旧版）或 `群名.csv`、`群名.xlsx`（新版）",
        "群成员名单：新版 Excel 自带“成员信息”；旧版用群成员名单模板",
        "可选：`contacts.csv`（导出联系人），帮助把微信号对上人名",
    ),
    leave_out=(
        "私聊和家庭群、同学群等与工作无关的群：只导出工作群",
        "HTML、Word、TXT 格式的导出：系统读不了，请选 CSV 或 Excel",
        "留痕解密出来的整个数据库文件夹",
    ),
    downloads=(
        example("wechatmsg-v1/技术保障工作群_utf8.csv", "示例：旧版聊天记录",
                "旧版导出的一个群（`技术保障工作群_utf8.csv`），12 条消息。", "wechatmsg_v1"),
        example("wechatmsg-v1/contacts.csv", "示例：旧版通讯录",
                "旧版“导出联系人”得到的 `contacts.csv`：微信号、备注名、昵称。", "wechatmsg_contacts"),
        example("wechatmsg-v2/技术保障工作群.csv", "示例：新版聊天记录 CSV",
                "新版导出的同一个群（`技术保障工作群.csv`），12 条消息。", "wechatmsg_v2"),
        example("wechatmsg-v2/技术保障工作群.xlsx", "示例：新版 Excel",
                "新版 Excel：“聊天记录”12 条消息 +“成员信息”4 名群成员。", "wechatmsg_xlsx"),
        template("roster", note="旧版没有群成员导出时，用它整理群成员。"),
    ),
    caution="留痕、PyWxDump 都不是微信官方软件。请使用单位信息化人员认可的版本；"
            "如被杀毒软件拦截，请找信息化人员处理，不要自行关闭杀毒防护。",
)

PYWXDUMP = Source(
    key="pywxdump",
    title="微信·PyWxDump",
    audience="留痕用不了时的另一种办法，同样在登录了电脑版微信（3.x 版）的 Windows 电脑上使用，适合会一点电脑操作的同志。",
    steps=(
        "在 Windows 电脑上登录干部本人的电脑版微信，保持登录。",
        "运行 PyWxDump（双击下载的程序，如 `wxdump.exe`；用 Python 安装的，在命令行输入 `wxdump ui`），"
        "浏览器会打开本机页面 `http://127.0.0.1:5000`。",
        "选“自动解密已登录微信”，点中自己的微信号，再点“开始初始化”，等解密完成。",
        "点左侧菜单“聊天导出”，在左边列表里**选中一个工作群**，导出类型选 **csv**，点“导出”。每个工作群分别导出一次。",
        "导出的文件在 PyWxDump 所在目录的 `wxdump_work\\export\\你的微信ID\\csv\\群号@chatroom\\` 文件夹里："
        "按每 5000 条分页的 CSV（如 `12345678901@chatroom_0_5000.csv`）和一个 `users.json`。"
        "**这个文件夹里的文件都要带上**。",
        "文件名里只有群号（`…@chatroom`），没有群名：请在“工作群清单模板”里写上群名称和群号，和聊天记录一起导入，"
        "系统会自动对上；一个群只有一个文件时，也可以在导入页的“群名称”框里直接填写。",
        "PyWxDump 不导出群成员：群成员请按“群成员名单模板”填写。",
        "把文件复制出来后，删除 `wxdump_work` 文件夹：除 `export` 外，里面是解密后的整个微信数据库，包括私聊。",
    ),
    bring=(
        "每个工作群文件夹里的全部 CSV 分页文件，和同一文件夹里的 `users.json`（说过话的人的微信号、昵称、备注名）",
        "工作群清单（写上群名称和群号 `…@chatroom`），让系统知道群名",
        "群成员名单（模板）",
    ),
    leave_out=(
        "私聊和与工作无关的群",
        "“解密文件”“加密文件”等整库导出，以及 JSON、HTML 导出：只要 csv",
        "`wxdump_work` 里除 `export` 以外的内容",
    ),
    downloads=(
        example("pywxdump/25791346802@chatroom_0_13.csv", "示例：聊天记录 CSV",
                "一个群的一页导出（`25791346802@chatroom_0_13.csv`），12 条消息；文件名只有群号。", "pywxdump"),
        example("pywxdump/users.json", "示例：users.json",
                "与 CSV 同一文件夹的 `users.json`：说过话的人的微信号、昵称、备注名。", "pywxdump_users"),
        template("groups", note="写上群名称和群号（`…@chatroom`），系统据此给聊天记录配上群名。"),
        template("roster", note="PyWxDump 不导出群成员，用它整理。"),
    ),
    caution="PyWxDump 不是微信官方软件。请使用单位信息化人员认可的版本；"
            "如被杀毒软件拦截，请找信息化人员处理，不要自行关闭杀毒防护。",
)

QQ = Source(
    key="qq",
    title="QQ 消息管理器",
    audience="工作群在 QQ 上，电脑上装的是旧版 QQ（9.7 及以前，带“消息管理器”的经典版）。"
             "新版 QQ（界面和手机 QQ 相似的 QQ NT）没有导出文本的功能，只能整理名单（见“手工整理的名单”）。",
    steps=(
        "在电脑上登录旧版 QQ。",
        "打开“消息管理器”：主面板左下角“主菜单”（三条横线）里的“消息管理”；"
        "或在群聊天窗口点“消息记录”，再点“消息管理器”。",
        "在消息管理器左侧“我的QQ群”下找到工作群，**右键 → 导出消息记录**。",
        "保存类型选 **文本文件（*.txt）**，不要选 .bak 或 .mht；起个文件名保存。"
        "一个文件里有几个群也可以，文件里的“消息对象”一行就是群名。",
        "逐个导出各工作群。不要右键整个“我的QQ群”一次导出，那样会把非工作群也带上。",
        "QQ 不能导出群成员：群成员请按“群成员名单模板”整理，“账号”列填 QQ 号，“平台”列填 QQ。",
    ),
    bring=(
        "每个工作群导出的 `.txt` 文件",
        "群成员名单（模板，账号填 QQ 号），群名称与 TXT 里“消息对象”的群名一致",
    ),
    leave_out=(
        "好友私聊、与工作无关的群和讨论组",
        "`.bak`（加密备份）和 `.mht`（网页）格式：系统读不了",
    ),
    downloads=(
        example("qq-txt/全部消息记录.txt", "示例：QQ 消息记录 TXT",
                "消息管理器导出的文本（`全部消息记录.txt`）：一个群，5 条消息。", "qq_txt"),
        template("roster", note="QQ 群成员用它整理：账号填 QQ 号，平台填 QQ。"),
    ),
)

WECOM = Source(
    key="wecom",
    title="企业微信会话存档",
    audience="单位用企业微信，并且已经（或准备）开通“会话内容存档”。普通成员在企业微信里导不出群聊记录，"
             "只能由单位的企业微信管理员（信息化人员）办理。",
    steps=(
        "联系单位的企业微信管理员，说明要哪些工作群、哪段时间的聊天记录，用途是工作群精简分析。",
        "“会话内容存档”是企业微信的付费功能：管理员在企业微信管理后台“管理工具 → 会话内容存档”开通、购买存档许可、"
        "设置要存档的成员，成员会收到已开启存档的提示。**只有开通以后的消息才能取到。**",
        "管理员（或单位委托的技术人员）用企业微信官方的会话存档接口拉取并解密消息，每条消息一个 JSON，"
        "一行一条保存为 `.jsonl` 文件（UTF-8）。第三方存档系统导出的同样格式也可以。",
        "群成员名单：请管理员对每个工作群调用“获取会话内容存档内部群信息”（`msgaudit/groupchat/get`）"
        "或“获取客户群详情”（`externalcontact/groupchat/get`），把返回结果各存成一个 `.json` 文件。",
        "内部群信息里没有群号：请再按“工作群清单模板”写上群名称和群号（即消息里的 `roomid`），"
        "系统才能把聊天记录和名单对上。客户群详情里有群号，不用另填。",
        "请管理员只导出工作群的消息。文件里即使有单聊（一对一）消息，系统也会跳过，不保存内容。",
        "人名：聊天记录和内部群信息里只有账号（userid）。请在“干部名册模板”的“账号”列填上每人的企业微信账号，系统就能显示姓名。",
    ),
    bring=(
        "聊天记录：`.jsonl` 文件",
        "群成员名单：每个群一个 `.json` 文件",
        "工作群清单（群名称 + 群号 `roomid`）和干部名册（账号 = 企业微信 userid）",
    ),
    leave_out=(
        "单聊（一对一）消息：请管理员不要导出（导出了系统也会跳过）",
        "图片、语音、视频等媒体文件本身：只要消息记录，不用下载媒体",
    ),
    downloads=(
        example("wecom/wecom_archive_sample.jsonl", "示例：会话存档 JSONL",
                "9 行：6 条群消息导入；2 条单聊和 1 条切换记录被跳过。", "wecom_archive"),
        example("wecom/wecom_msgaudit_groupchat_get.json", "示例：内部群信息 JSON",
                "`msgaudit/groupchat/get` 的返回：群名、群主、3 名成员（没有群号）。", "wecom_groupchat"),
        example("wecom/wecom_externalcontact_groupchat_get.json", "示例：客户群详情 JSON",
                "`externalcontact/groupchat/get` 的返回：群号、群名、成员和昵称。", "wecom_groupchat"),
        template("groups", note="写上群名称和群号（`roomid`），把聊天记录和内部群名单对上。"),
        template("directory", note="“账号”列填企业微信 userid，系统据此显示姓名。"),
    ),
)

DINGTALK = Source(
    key="dingtalk",
    title="钉钉",
    audience="工作群在钉钉上。钉钉没有给普通成员导出群聊记录的功能，请用本系统的模板整理。",
    steps=(
        "下载“工作群清单模板”，每个钉钉工作群写一行：群名称、平台填“钉钉”、群主、主管单位、类别（综合/专项/村级/项目/临时）、"
        "是否应急群。",
        "下载“群成员名单模板”：在钉钉里打开工作群，进入群设置查看全部群成员，一人一行抄录：群名称、成员姓名"
        "（可以带单位，如“党建办-王小明”）、角色（群主/管理员/成员）、单位、职务。一个人在几个群，就在几个群各写一行。",
        "干部名册：单位的钉钉管理员一般可以从钉钉管理后台导出通讯录（Excel），把姓名、部门、职务几列复制到“干部名册模板”。",
        "聊天记录（可选）：需要分析某个钉钉群的消息时，把一段时间的消息按“聊天记录模板”逐条录入"
        "（群名称、发送人、时间必填，“平台”留空即按钉钉）。手工录入工作量大，通常只录重点群、重点时段，"
        "或只用名单看群数和重叠。",
        "保存为 Excel（.xlsx）或 CSV，到“数据导入”页导入。表头用中文或英文都可以，表格上方可以有标题行。",
    ),
    bring=(
        "工作群清单、群成员名单（模板）",
        "干部名册（模板，可由通讯录整理）",
        "可选：聊天记录（模板）",
    ),
    leave_out=(
        "私聊和与工作无关的群",
        "手机号、身份证号等与分析无关的个人信息：模板里没有这些列，也不要另加",
    ),
    downloads=(
        template("groups", note=_GROUPS_NOTE),
        template("roster", note=_ROSTER_NOTE),
        template("directory", note=_DIRECTORY_NOTE),
        template("messages", note=_MESSAGES_NOTE),
    ),
)

MANUAL = Source(
    key="manual",
    title="手工整理的名单",
    audience="已经有 Excel 或纸质的名单（群成员、干部花名册、工作群台账），或者平台导不出数据的。",
    steps=(
        "先填“干部名册”：全镇干部每人一行，姓名、单位必填；职务、是否领导、账号（微信号、QQ 号或企业微信账号）、"
        "别名（群里用过的其他名字，用“、”分隔）可填。名册决定谁算干部，也帮系统把群里的各种叫法对到同一个人。",
        "再填“工作群清单”：每个工作群一行，群名称必填；应急群在“应急群”列填“是”（应急群的非工作时间消息不计入统计）。",
        "再填“群成员名单”：一人一群一行，群名称、成员必填。群名称要和工作群清单、聊天记录文件里的群名称写法一致。",
        "Excel 模板第 1 行是表头，不要改动；红色表头是必填列；“填写说明”工作表里有每列的说明和示例。"
        "已有的 Excel 名单也可以直接导入：表头能对上即可（中文或英文，如“姓名”“成员”“name”），上方有标题行也没关系。",
        "保存为 .xlsx 或 .csv（WPS、Excel 另存的 GBK 编码 CSV 也能识别），到“数据导入”页导入。",
    ),
    bring=(
        "干部名册、工作群清单、群成员名单",
        "可选：手工整理的聊天记录（模板）",
    ),
    leave_out=(
        "身份证号、手机号、家庭住址等与分析无关的个人信息",
        "与工作无关的群",
    ),
    downloads=tuple(
        template(kind, fmt, note if fmt == "xlsx" else _CSV_NOTE)
        for kind, note in (("directory", _DIRECTORY_NOTE), ("groups", _GROUPS_NOTE), ("roster", _ROSTER_NOTE),
                           ("messages", _MESSAGES_NOTE))
        for fmt in ("xlsx", "csv")
    ),
)

SOURCES: tuple[Source, ...] = (WECHATMSG, PYWXDUMP, QQ, WECOM, DINGTALK, MANUAL)

# -- 数据怎么处理 ---------------------------------------------------------------------------------

DATA_HANDLING_TITLE = "数据怎么处理"
DATA_HANDLING: tuple[str, ...] = (
    "数据只保存在运行群鉴的这台电脑（或单位内网服务器）上：导入的内容存在一个 DuckDB 数据文件里"
    "（默认 `data/workspace.duckdb`）。",
    "上传的文件只在本机解析：先放进数据文件旁的临时文件夹，解析完立即删除，不留原文件副本；"
    "导入记录里留有文件名和校验码（SHA-256），便于日后核对。",
    "不向外发送任何数据：不做使用统计，不从外网加载字体、图标，不调用任何外部服务。",
    "企业微信的单聊（一对一）消息不导入，也不保存其内容。",
    "设了访问码时，每个页面都要先输入访问码；没设访问码时只能在本机打开。县级服务器上各乡镇用各自的访问码，互相看不到。",
    "每次导入、撤销、下载都记在“工作区与安全”页的操作记录里。",
    "用完后，在“工作区与安全”页输入“删除”并点“永久删除这个工作区”，数据文件即从磁盘上删除。"
    "导出时拷贝的原始文件（U 盘里、干部电脑上的导出文件夹）请按本单位保密规定一并清理。",
)

# -- 常见问题 -------------------------------------------------------------------------------------

FAQ_TITLE = "常见问题"
FAQ: tuple[tuple[str, str], ...] = (
    ("打开 CSV 是乱码，或者文件用 Excel、WPS 另存过，还能导入吗？",
     "能。系统自动识别 UTF-8、UTF-16 和 GBK/GB18030 编码，Excel 另存后变成 `2026/3/11 9:05` 这样的日期也认得。"
     "原始导出的文件不用转码，最好也不要在 Excel 里改动后再保存。"),
    ("同一份记录导入了两次，或者两个人导出了同一个群，会重复计算吗？",
     "不会。同一条消息（同一个消息编号，或同一个群里同一个人在同一秒发的同样内容）只算一次，"
     "导入结果里记为“已存在”。"),
    ("群名称是从哪里来的？",
     "留痕导出的**文件名就是群名称**（你给群设的备注名，旧版末尾的 `_utf8` 会去掉），所以导入前可以把文件改名为正式群名；"
     "两人导出的同一个群要用同一个名字。QQ 文本里“消息对象”一行就是群名。PyWxDump 和企业微信的文件里只有群号："
     "在工作群清单里写上群名称和群号，系统会自动对上；只导入一个文件时，也可以在导入页填写“群名称”。"),
    ("文件导入失败（被拒绝）怎么办？",
     "看导入结果表的“结果”列：写明了哪个文件、第几行、什么问题、怎么改。导入失败的文件一条也不会导入，改好后重新导入即可。"
     "只有个别行有问题时，其余行照常导入，有问题的行可以在“被拒绝的行”处下载查看原因。"
     "常见原因：导出成了 HTML、Word、`.mht` 或 `.bak` 格式（请重新导出为 CSV、Excel 或 TXT）；"
     "模板缺少必填列（如群名称、成员、发送人、时间）。"),
    ("导错了文件怎么办？",
     "在数据导入页的“撤销一次导入”里选中它，点“撤销这次导入”，这次导入新增的内容全部删除。"),
    ("名单和群里的名字写法不一样怎么办？",
     "系统会自动统一常见写法：去掉空格和“【管理员】”“（党建办）”一类备注，“党建办-王小明”认作王小明；"
     "微信号、QQ 号、企业微信账号相同的算同一个人。仍然对不上的，到“核对人员”页查看。"),
    ("只有名单、没有聊天记录，能分析吗？",
     "能看每人在几个群、哪些群成员重叠；下班后发消息、消息质量、僵尸群这几项需要聊天记录。"),
    ("要导出多长时间的聊天记录？",
     "建议最近三个月左右：时间太短看不出哪些群已经没人说话，也看不出下班后发消息的规律。"),
    ("文件太大，传不上去？",
     f"网页上传每个文件不超过 {LIMITS.max_upload_mb} MB。请按时间段分几次导出，或请管理员用命令行导入。"),
)

IMPORT_LINK_LABEL = "去导入数据"


def all_downloads() -> list[tuple[Source, Download]]:
    """Every (source, download) pair, in page order."""
    return [(s, d) for s in SOURCES for d in s.downloads]
