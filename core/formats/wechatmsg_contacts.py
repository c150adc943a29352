"""WeChatMsg (留痕) ``contacts.csv``: the exporter's whole address book (kind ``directory``).

Columns ``UserName,Alias,Type,Remark,NickName,PYInitial,RemarkPYInitial,smallHeadImgUrl,
bigHeadImgUrl,label,gender,telephone,signature,country/region,province,city``. Every row is
staged (in SQL), so the counts add up:

- ``…@chatroom`` rows are groups → ``stage_groups`` with ``group_key`` = UserName and
  ``group_name`` = Remark or else NickName (WeChatMsg names its export files after the remark,
  so the remark is the name the other imports of this user carry); when both exist and differ,
  ``notes`` keeps ``微信群名：<NickName>``. This is how a PyWxDump ``@chatroom`` id gets a name.
- ``gh_…`` official accounts and WeChat's built-in accounts (filehelper, weixin, …) →
  ``stage_people`` rejects (“公众号，不是人员” / “微信系统账号，不是人员”); a row without
  UserName is a reject too.
- every other row is a person → ``stage_people`` with ``person_id`` = UserName, ``name`` =
  Remark or else NickName, ``aliases`` = NickName and Alias (微信号), non-empty, distinct and
  different from ``name``.
"""

from __future__ import annotations

from typing import Any

from core.formats.base import ReadOptions, ReadResult, Sample, Source, make_sample
from core.formats.csvsql import check_max_rows, column_expr, load_csv, quote_ident, stage_rejects
from core.formats.wechatmsg_v1 import header_score, locate_header

FORMAT = "wechatmsg_contacts"

COLUMNS = ["UserName", "Alias", "Type", "Remark", "NickName", "PYInitial", "RemarkPYInitial",
           "smallHeadImgUrl", "bigHeadImgUrl", "label", "gender", "telephone", "signature",
           "country/region", "province", "city"]
REQUIRED = ["UserName", "Remark", "NickName"]
DETECT = ["UserName", "Alias", "Type", "Remark", "NickName"]

SYSTEM_ACCOUNTS = [
    "filehelper", "weixin", "fmessage", "medianote", "floatbottle", "qqmail", "tmessage", "qmessage",
    "qqsync", "newsapp", "blogapp", "facebookapp", "masssendapp", "feedsapp", "voipapp", "officialaccounts",
    "notification_messages", "voicevoipapp", "voiceinputapp", "linkedinplugin", "notifymessage", "pc_share",
    "brandsessionholder", "brandservicesessionholder", "opencustomerservicemsg", "qqfriend", "exmail_tool",
    "weixinreminder", "mphelper", "downloaderapp",
]
OFFICIAL_REASON = "公众号，不是人员"
SYSTEM_REASON = "微信系统账号，不是人员"
NO_ID_REASON = "这一行没有 UserName（微信账号），无法确定是谁，请检查该行。"


def detect(sample: Sample) -> float:
    """0.95 when the header starts with the contacts.csv columns (exactly), 0.9 under title
    rows, else 0."""
    if sample.encoding is None or not sample.text:
        return 0.0
    if header_score(sample, COLUMNS):
        return header_score(sample, COLUMNS)
    return 0.85 if header_score(sample, DETECT) else 0.0


def read(src: Source, con: Any, opts: ReadOptions) -> ReadResult:
    """Stage the address book: people → ``stage_people``, groups → ``stage_groups``."""
    sample = make_sample(src)
    header_index, names = locate_header(src, sample, COLUMNS, REQUIRED, "留痕（WeChatMsg）通讯录 contacts.csv")
    rejects = load_csv(con, src, sample, opts, header_index, names)
    check_max_rows(con, src, opts, rejects)
    c = {n: column_expr(names, n) for n in COLUMNS}
    raw = "concat_ws(',', " + ", ".join(
        f"""case when regexp_matches({quote_ident(n)}, '[,"\\n\\r]')
                 then '"' || replace({quote_ident(n)}, '"', '""') || '"'
                 else coalesce({quote_ident(n)}, '') end""" for n in names) + ")"
    con.execute(
        f"""
        create or replace temp table _contacts as
        select _line,
               nullif(trim({c['UserName']}), '') as uid,
               nullif(trim({c['Remark']}), '') as remark,
               nullif(trim({c['NickName']}), '') as nick,
               nullif(trim({c['Alias']}), '') as alias,
               {raw} as raw
        from _csv
        """
    )
    con.execute(
        """
        insert into stage_groups (line, group_key, group_name, notes)
        select _line, uid, coalesce(remark, nick),
               case when remark is not null and nick is not null and remark <> nick then '微信群名：' || nick end
        from _contacts where uid like '%@chatroom' order by _line
        """
    )
    con.execute(
        """
        insert into stage_people (line, person_id, name, aliases, reject, raw)
        with p as (
            select *, coalesce(remark, nick) as pname,
                   case when uid is null then ?
                        when starts_with(uid, 'gh_') then ?
                        when list_contains(?::varchar[], lower(uid)) then ?
                   end as why
            from _contacts where uid is null or uid not like '%@chatroom'
        )
        select _line, uid, pname,
               case when why is null then
                   list_filter([nick, case when alias is distinct from nick then alias end],
                               lambda a: a is not null and a is distinct from pname)
               end,
               why,
               case when why is not null then raw end
        from p order by _line
        """,
        [NO_ID_REASON, OFFICIAL_REASON, SYSTEM_ACCOUNTS, SYSTEM_REASON],
    )
    stage_rejects(con, rejects, "stage_people")
    return ReadResult(format=FORMAT, kind="directory", platform="wechat")
